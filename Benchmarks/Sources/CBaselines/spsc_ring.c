// A good C11 SPSC ring (Lamport + cached indices, rigtorp-style spacing), and a
// cache-line ping-pong: the in-run baselines for Peregrine's Swift ring.
#define _GNU_SOURCE 1
#include "CBaselines.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "spsc_ring_core.h"

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("pause" ::: "memory");
#endif
}

static inline uint64_t rdtsc_now(void) {
#if defined(__x86_64__)
    uint32_t lo, hi;
    __asm__ __volatile__("rdtscp" : "=a"(lo), "=d"(hi) :: "rcx", "memory");
    return ((uint64_t)hi << 32) | lo;
#else
    struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
#endif
}

static uint64_t mono_ns(void) {
    struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

double cbaseline_tsc_hz(void) {
#if defined(__x86_64__)
    uint64_t t0 = mono_ns(), c0 = rdtsc_now(), t1;
    do { t1 = mono_ns(); } while (t1 - t0 < 20000000ull);
    uint64_t c1 = rdtsc_now();
    return (double)(c1 - c0) * 1e9 / (double)(t1 - t0);
#else
    return 1e9;
#endif
}

static int pin_self(int cpu) {
    if (cpu < 0) return 0;
    cpu_set_t set; CPU_ZERO(&set); CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static int start_pinned(pthread_t *t, int cpu, void *(*fn)(void *), void *arg) {
    pthread_attr_t attr; pthread_attr_init(&attr);
    if (cpu >= 0) {
        cpu_set_t set; CPU_ZERO(&set); CPU_SET(cpu, &set);
        pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
    }
    // Inherit the caller's scheduling class (the suite runs under chrt -f 1).
    int rc = pthread_create(t, &attr, fn, arg);
    pthread_attr_destroy(&attr);
    return rc;
}

typedef struct { uint64_t w[1]; } payload8_t;
typedef struct { uint64_t w[8]; } payload64_t;

// The ring itself (struct, new/free, try_push/try_pop) is in spsc_ring_core.h; the
// benchmarks around it are generated once per payload type here.
#define DEFINE_RING(T)                                                                      \
DEFINE_SPSC_RING_CORE(T)                                                                    \
                                                                                            \
typedef struct { ring_##T *ring; uint64_t count; } producer_args_##T;                       \
                                                                                            \
static void *producer_main_##T(void *p) {                                                   \
    producer_args_##T *a = p;                                                               \
    T item; memset(&item, 0, sizeof(item));                                                 \
    for (uint64_t i = 0; i < a->count; ) {                                                  \
        item.w[0] = i;                                                                      \
        if (ring_try_push_##T(a->ring, &item)) i++; else cpu_relax();                       \
    }                                                                                       \
    return NULL;                                                                            \
}                                                                                           \
                                                                                            \
static uint64_t throughput_##T(uint64_t count, uint64_t capacity, int pcpu, int ccpu) {     \
    ring_##T *r = ring_new_##T(capacity);                                                   \
    if (!r) return 0;                                                                       \
    pin_self(ccpu);                                                                         \
    producer_args_##T args = { r, count };                                                  \
    uint64_t t0 = mono_ns();                                                                \
    pthread_t t;                                                                            \
    if (start_pinned(&t, pcpu, producer_main_##T, &args) != 0) { ring_free_##T(r); return 0; } \
    T item; uint64_t expected = 0, bad = 0;                                                 \
    /* Batch drain: every available slot, then one release store of tail. */               \
    while (expected < count) {                                                              \
        uint64_t tl = atomic_load_explicit(&r->tail, memory_order_relaxed);                 \
        uint64_t hd = atomic_load_explicit(&r->head, memory_order_acquire);                 \
        if (hd == tl) { cpu_relax(); continue; }                                            \
        for (uint64_t s = tl; s < hd; s++) {                                                \
            item = r->slots[s & r->mask];                                                   \
            bad += item.w[0] != expected;                                                   \
            expected++;                                                                     \
        }                                                                                   \
        atomic_store_explicit(&r->tail, hd, memory_order_release);                          \
    }                                                                                       \
    uint64_t t1 = mono_ns();                                                                \
    pthread_join(t, NULL);                                                                  \
    ring_free_##T(r);                                                                       \
    return bad ? 0 : t1 - t0;                                                               \
}                                                                                           \
                                                                                            \
typedef struct { ring_##T *ping, *pong; uint64_t total; } echo_args_##T;                    \
                                                                                            \
static void *echo_main_##T(void *p) {                                                       \
    echo_args_##T *a = p;                                                                   \
    T item;                                                                                 \
    for (uint64_t i = 0; i < a->total; i++) {                                               \
        while (!ring_try_pop_##T(a->ping, &item)) cpu_relax();                              \
        while (!ring_try_push_##T(a->pong, &item)) cpu_relax();                             \
    }                                                                                       \
    return NULL;                                                                            \
}                                                                                           \
                                                                                            \
static int pingpong_##T(uint64_t warmup, uint64_t count, int a_cpu, int b_cpu, uint64_t *out) { \
    ring_##T *ping = ring_new_##T(64), *pong = ring_new_##T(64);                            \
    if (!ping || !pong) return ENOMEM;                                                      \
    double hz = cbaseline_tsc_hz();                                                         \
    pin_self(a_cpu);                                                                        \
    echo_args_##T args = { ping, pong, warmup + count };                                    \
    pthread_t t;                                                                            \
    int rc = start_pinned(&t, b_cpu, echo_main_##T, &args);                                 \
    if (rc != 0) { ring_free_##T(ping); ring_free_##T(pong); return rc; }                   \
    T item; memset(&item, 0, sizeof(item));                                                 \
    for (uint64_t i = 0; i < warmup + count; i++) {                                         \
        item.w[0] = i;                                                                      \
        uint64_t c0 = rdtsc_now();                                                          \
        while (!ring_try_push_##T(ping, &item)) cpu_relax();                                \
        while (!ring_try_pop_##T(pong, &item)) cpu_relax();                                 \
        uint64_t c1 = rdtsc_now();                                                          \
        if (i >= warmup) out[i - warmup] = (uint64_t)((double)(c1 - c0) * 1e9 / hz);        \
    }                                                                                       \
    pthread_join(t, NULL);                                                                  \
    ring_free_##T(ping); ring_free_##T(pong);                                               \
    return 0;                                                                               \
}

DEFINE_RING(payload8_t)
DEFINE_RING(payload64_t)

uint64_t cbaseline_spsc_throughput(uint64_t count, int payload_bytes, uint64_t capacity,
                                   int producer_cpu, int consumer_cpu) {
    return payload_bytes <= 8 ? throughput_payload8_t(count, capacity, producer_cpu, consumer_cpu)
                              : throughput_payload64_t(count, capacity, producer_cpu, consumer_cpu);
}

int cbaseline_spsc_pingpong(uint64_t warmup, uint64_t count, int payload_bytes,
                            int a_cpu, int b_cpu, uint64_t *out_ns) {
    return payload_bytes <= 8 ? pingpong_payload8_t(warmup, count, a_cpu, b_cpu, out_ns)
                              : pingpong_payload64_t(warmup, count, a_cpu, b_cpu, out_ns);
}

// MARK: cache-line ping-pong (hardware floor)

typedef struct { _Alignas(128) _Atomic uint64_t value; uint64_t total; } line_t;

static void *line_echo(void *p) {
    line_t *l = p;
    for (uint64_t i = 0; i < l->total; i++) {
        uint64_t want = 2 * i + 1;
        while (atomic_load_explicit(&l->value, memory_order_acquire) != want) cpu_relax();
        atomic_store_explicit(&l->value, want + 1, memory_order_release);
    }
    return NULL;
}

int cbaseline_cacheline_pingpong(uint64_t warmup, uint64_t count, int a_cpu, int b_cpu,
                                 uint64_t *out_ns) {
    line_t *l = aligned_alloc(128, sizeof(line_t));
    if (!l) return ENOMEM;
    atomic_store(&l->value, 0);
    l->total = warmup + count;
    double hz = cbaseline_tsc_hz();
    pin_self(a_cpu);
    pthread_t t;
    int rc = start_pinned(&t, b_cpu, line_echo, l);
    if (rc != 0) { free(l); return rc; }
    for (uint64_t i = 0; i < warmup + count; i++) {
        uint64_t c0 = rdtsc_now();
        atomic_store_explicit(&l->value, 2 * i + 1, memory_order_release);
        while (atomic_load_explicit(&l->value, memory_order_acquire) != 2 * i + 2) cpu_relax();
        uint64_t c1 = rdtsc_now();
        if (i >= warmup) out_ns[i - warmup] = (uint64_t)((double)(c1 - c0) * 1e9 / hz);
    }
    pthread_join(t, NULL);
    free(l);
    return 0;
}
