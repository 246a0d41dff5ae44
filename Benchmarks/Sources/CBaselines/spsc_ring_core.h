// The C11 SPSC ring of the in-run baselines (Lamport queue with cached indices, 128-byte
// index spacing, rigtorp-style): one definition shared by spsc_ring.c (throughput and
// ping-pong) and tick_to_order.c (the C tick-to-order pipeline), so both measure the same
// ring. Internal to CBaselines (not in include/, so Swift never imports the _Atomic fields).
#ifndef CBASELINES_SPSC_RING_CORE_H
#define CBASELINES_SPSC_RING_CORE_H
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// The ring is generated once per payload type so every copy is a fixed-size move the
// compiler inlines (as Swift's generic specialization does for the Swift ring).
#define DEFINE_SPSC_RING_CORE(T)                                                            \
typedef struct {                                                                            \
    _Alignas(128) _Atomic uint64_t head;   /* producer writes */                            \
    uint64_t cached_tail;                  /* producer private */                           \
    _Alignas(128) _Atomic uint64_t tail;   /* consumer writes */                            \
    uint64_t cached_head;                  /* consumer private */                           \
    _Alignas(128) uint64_t capacity;                                                        \
    uint64_t mask;                                                                          \
    T *slots;                                                                               \
} ring_##T;                                                                                 \
                                                                                            \
static ring_##T *ring_new_##T(uint64_t capacity) {                                          \
    ring_##T *r = aligned_alloc(128, sizeof(ring_##T));                                     \
    if (!r) return NULL;                                                                    \
    memset(r, 0, sizeof(*r));                                                               \
    r->capacity = capacity; r->mask = capacity - 1;                                         \
    r->slots = aligned_alloc(64, (capacity * sizeof(T) + 63) & ~(size_t)63);                \
    if (!r->slots) { free(r); return NULL; }                                                \
    memset(r->slots, 0, capacity * sizeof(T));                                              \
    return r;                                                                               \
}                                                                                           \
                                                                                            \
static void ring_free_##T(ring_##T *r) { free(r->slots); free(r); }                          \
                                                                                            \
static inline int ring_try_push_##T(ring_##T *r, const T *item) {                           \
    uint64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);                      \
    if (h - r->cached_tail == r->capacity) {                                                \
        r->cached_tail = atomic_load_explicit(&r->tail, memory_order_acquire);              \
        if (h - r->cached_tail == r->capacity) return 0;                                    \
    }                                                                                       \
    r->slots[h & r->mask] = *item;                                                          \
    atomic_store_explicit(&r->head, h + 1, memory_order_release);                           \
    return 1;                                                                               \
}                                                                                           \
                                                                                            \
static inline int ring_try_pop_##T(ring_##T *r, T *item) {                                  \
    uint64_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);                      \
    if (t == r->cached_head) {                                                              \
        r->cached_head = atomic_load_explicit(&r->head, memory_order_acquire);              \
        if (t == r->cached_head) return 0;                                                  \
    }                                                                                       \
    *item = r->slots[t & r->mask];                                                          \
    atomic_store_explicit(&r->tail, t + 1, memory_order_release);                           \
    return 1;                                                                               \
}

#endif
