// Implementations of the CSupport shims. See include/CSupport.h for why each exists.
#define _GNU_SOURCE 1
#include "CSupport.h"

#include <string.h>
#include <stdio.h>

#ifdef __linux__

int CSupport_tsc_is_invariant(void) {
#if defined(__x86_64__) || defined(__i386__)
    unsigned int eax, ebx, ecx, edx;
    __asm__ __volatile__("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(0x80000000u), "c"(0));
    if (eax < 0x80000007u) return 0;
    __asm__ __volatile__("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(0x80000007u), "c"(0));
    return (edx >> 8) & 1;
#else
    return 0;
#endif
}

double CSupport_tsc_calibrate(uint64_t sample_ns) {
    uint64_t t0 = CSupport_monotonic_ns();
    uint64_t c0 = CSupport_rdtscp();
    if (c0 == 0) return 0.0;
    uint64_t t1, c1;
    do {
        CSupport_cpu_pause();
        t1 = CSupport_monotonic_ns();
    } while (t1 - t0 < sample_ns);
    c1 = CSupport_rdtscp();
    if (c1 <= c0 || t1 <= t0) return 0.0;
    return (double)(c1 - c0) * 1e9 / (double)(t1 - t0);
}

int CSupport_online_cpus(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

int CSupport_allowed_cpu_count(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return CSupport_online_cpus();
    return CPU_COUNT(&set);
}

int CSupport_cpu_is_allowed(int cpu) {
    if (cpu < 0 || cpu >= CPU_SETSIZE) return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return 0;
    return CPU_ISSET(cpu, &set) ? 1 : 0;
}

int CSupport_pin_current_thread(int cpu) {
    if (cpu < 0 || cpu >= CPU_SETSIZE) return EINVAL;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

int CSupport_current_cpu(void) { return sched_getcpu(); }

int CSupport_thread_start(pthread_t *out, int cpu, int policy, int priority,
                          size_t stack_bytes, void *(*entry)(void *), void *arg) {
    pthread_attr_t attr;
    int rc = pthread_attr_init(&attr);
    if (rc != 0) return rc;
    if (stack_bytes > 0 && (rc = pthread_attr_setstacksize(&attr, stack_bytes)) != 0) goto done;
    if (cpu >= 0) {
        if (cpu >= CPU_SETSIZE) { rc = EINVAL; goto done; }
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if ((rc = pthread_attr_setaffinity_np(&attr, sizeof(set), &set)) != 0) goto done;
    }
    if (policy == SCHED_FIFO || policy == SCHED_RR) {
        struct sched_param param;
        memset(&param, 0, sizeof(param));
        param.sched_priority = priority;
        if ((rc = pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED)) != 0) goto done;
        if ((rc = pthread_attr_setschedpolicy(&attr, policy)) != 0) goto done;
        if ((rc = pthread_attr_setschedparam(&attr, &param)) != 0) goto done;
    } else {
        struct sched_param param;
        memset(&param, 0, sizeof(param));
        if ((rc = pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED)) != 0) goto done;
        if ((rc = pthread_attr_setschedpolicy(&attr, SCHED_OTHER)) != 0) goto done;
        if ((rc = pthread_attr_setschedparam(&attr, &param)) != 0) goto done;
    }
    rc = pthread_create(out, &attr, entry, arg);
done:
    pthread_attr_destroy(&attr);
    return rc;
}

int CSupport_thread_set_name(pthread_t thread, const char *name) {
    char buf[16];
    strncpy(buf, name, sizeof(buf) - 1);
    buf[sizeof(buf) - 1] = 0;
    return pthread_setname_np(thread, buf);
}

int CSupport_set_current_scheduling(int policy, int priority) {
    struct sched_param param;
    memset(&param, 0, sizeof(param));
    param.sched_priority = priority;
    return pthread_setschedparam(pthread_self(), policy, &param);
}

int CSupport_sched_other(void) { return SCHED_OTHER; }
int CSupport_sched_fifo(void) { return SCHED_FIFO; }
int CSupport_sched_rr(void) { return SCHED_RR; }

int CSupport_lock_all_memory(void) {
    return mlockall(MCL_CURRENT | MCL_FUTURE) == 0 ? 0 : errno;
}

int CSupport_unlock_all_memory(void) {
    return munlockall() == 0 ? 0 : errno;
}

int CSupport_advise_huge_pages(void *address, size_t length) {
#ifdef MADV_HUGEPAGE
    return madvise(address, length, MADV_HUGEPAGE) == 0 ? 0 : errno;
#else
    (void)address; (void)length; return ENOTSUP;
#endif
}

uint64_t CSupport_memlock_limit(void) {
    struct rlimit lim;
    if (getrlimit(RLIMIT_MEMLOCK, &lim) != 0) return 0;
    return lim.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)lim.rlim_cur;
}

int CSupport_numa_is_available(void) { return numa_available() >= 0; }

int CSupport_numa_node_of_cpu(int cpu) {
    if (numa_available() < 0) return -1;
    return numa_node_of_cpu(cpu);
}

int CSupport_numa_max_node(void) {
    if (numa_available() < 0) return 0;
    return numa_max_node();
}

void *CSupport_alloc_on_node(size_t length, int node) {
    void *p = NULL;
    if (node >= 0 && numa_available() >= 0 && node <= numa_max_node()) {
        p = numa_alloc_onnode(length, node);
    } else {
        p = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) p = NULL;
    }
    if (p != NULL) {
        // Fault every page in now, on the caller's node, so the hot path never page-faults.
        memset(p, 0, length);
    }
    return p;
}

void CSupport_numa_prefer_node(int node) {
    if (node < 0 || numa_available() < 0 || node > numa_max_node()) return;
    numa_set_preferred(node);
}

void CSupport_free_on_node(void *address, size_t length) {
    if (address == NULL) return;
    // numa_free is munmap underneath; both allocation paths are released the same way.
    munmap(address, length);
}

// MARK: CRC-32C

static uint32_t crc32c_table[8][256];
static int crc32c_mode = 0;    // 0 table, 1 hardware (set by crc32c_init at load)

// Runs when the library loads, before any thread can call CSupport_crc32c.
__attribute__((constructor)) static void crc32c_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
        crc32c_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            crc32c_table[t][i] = (crc32c_table[t - 1][i] >> 8) ^ crc32c_table[0][crc32c_table[t - 1][i] & 0xFF];
#if defined(__x86_64__)
    crc32c_mode = __builtin_cpu_supports("sse4.2") ? 1 : 0;
#else
    crc32c_mode = 0;
#endif
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t crc32c_hw(uint32_t crc, const unsigned char *p, size_t n) {
    uint64_t c = crc;
    while (n >= 8) { uint64_t v; memcpy(&v, p, 8); c = __builtin_ia32_crc32di(c, v); p += 8; n -= 8; }
    uint32_t c32 = (uint32_t)c;
    while (n > 0) { c32 = __builtin_ia32_crc32qi(c32, *p++); n--; }
    return c32;
}
#endif

static uint32_t crc32c_sw(uint32_t crc, const unsigned char *p, size_t n) {
    while (n >= 8) {
        uint32_t lo; uint32_t hi; memcpy(&lo, p, 4); memcpy(&hi, p + 4, 4);
        lo ^= crc;
        crc = crc32c_table[7][lo & 0xFF] ^ crc32c_table[6][(lo >> 8) & 0xFF] ^
              crc32c_table[5][(lo >> 16) & 0xFF] ^ crc32c_table[4][lo >> 24] ^
              crc32c_table[3][hi & 0xFF] ^ crc32c_table[2][(hi >> 8) & 0xFF] ^
              crc32c_table[1][(hi >> 16) & 0xFF] ^ crc32c_table[0][hi >> 24];
        p += 8; n -= 8;
    }
    while (n > 0) { crc = (crc >> 8) ^ crc32c_table[0][(crc ^ *p++) & 0xFF]; n--; }
    return crc;
}

uint32_t CSupport_crc32c(uint32_t crc, const void *data, size_t length) {
    uint32_t c = ~crc;
#if defined(__x86_64__)
    if (crc32c_mode == 1) return ~crc32c_hw(c, data, length);
#endif
    return ~crc32c_sw(c, data, length);
}

int CSupport_crc32c_is_hardware(void) {
    return crc32c_mode == 1;
}

int CSupport_reserve_file(int fd, uint64_t length) {
    return posix_fallocate(fd, 0, (off_t)length);
}

int CSupport_msync_async(void *address, size_t length) {
    return msync(address, length, MS_ASYNC) == 0 ? 0 : errno;
}

int CSupport_msync_sync(void *address, size_t length) {
    return msync(address, length, MS_SYNC) == 0 ? 0 : errno;
}

void *CSupport_map_shared(int fd, size_t length, int writable) {
    // A writable journal file is populated at map time, so appends never take a page
    // fault (one fault per 4 KiB page cost ~250 ns per 64-byte record when measured).
    int flags = MAP_SHARED | (writable ? MAP_POPULATE : 0);
    void *p = mmap(NULL, length, writable ? (PROT_READ | PROT_WRITE) : PROT_READ, flags, fd, 0);
    return p == MAP_FAILED ? NULL : p;
}

int CSupport_unmap(void *address, size_t length) {
    return munmap(address, length) == 0 ? 0 : errno;
}

int CSupport_io_uring_probe(unsigned flags) {
    struct io_uring ring;
    struct io_uring_params params;
    memset(&params, 0, sizeof(params));
    params.flags = flags;
    if (flags & IORING_SETUP_SQPOLL) params.sq_thread_idle = 10;
    int rc = io_uring_queue_init_params(4, &ring, &params);
    if (rc < 0) return -rc;
    io_uring_queue_exit(&ring);
    return 0;
}

unsigned CSupport_io_uring_setup_sqpoll(void) { return IORING_SETUP_SQPOLL; }


int CSupport_register_buffer_ring(struct io_uring *ring, void *ring_memory,
                                  unsigned entries, unsigned short group_id) {
    struct io_uring_buf_reg reg;
    memset(&reg, 0, sizeof(reg));
    reg.ring_addr = (unsigned long) (uintptr_t) ring_memory;
    reg.ring_entries = entries;
    reg.bgid = group_id;
    io_uring_buf_ring_init((struct io_uring_buf_ring *) ring_memory);
    int rc = io_uring_register_buf_ring(ring, &reg, 0);
    return rc < 0 ? -rc : 0;
}

int CSupport_set_nonblocking(int fd, int on) {
    int flags = fcntl(fd, F_GETFL, 0);
    if (flags < 0) return errno;
    flags = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    return fcntl(fd, F_SETFL, flags) == 0 ? 0 : errno;
}

#endif // __linux__

void CSupport_line_buffer_stdout(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
}
