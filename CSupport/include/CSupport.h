// CSupport — the only C in Peregrine's product. Imported by PeregrinePlatform alone.
//
// Every function here exists because Swift cannot reach the C directly:
//  - macros (CPU_SET, CPU_ZERO, CPU_ISSET) and static inline asm (pause, rdtsc);
//  - glibc extensions Swift's Glibc module does not expose (pthread_attr_setaffinity_np,
//    pthread_setaffinity_np, sched_getcpu under _GNU_SOURCE);
//  - building pthread attributes (affinity + explicit SCHED_FIFO) before the thread starts.
// liburing's and libnuma's own functions are re-exported through this header and called
// from Swift directly (a C wrapper measured the same; see MACHINE-NOTES.md).
#ifndef CSUPPORT_H
#define CSUPPORT_H

// _GNU_SOURCE is defined only in CSupport.c: defining it here would give the Swift
// importer a second, different definition of glibc types that SwiftGlibc also defines.

#include <stdint.h>
#include <stddef.h>
#include <errno.h>
#include <time.h>
#include <pthread.h>
#include <sched.h>
#include <sys/types.h>

#ifdef __linux__
#include <liburing.h>
#include <numa.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <fcntl.h>
#include <unistd.h>
#endif


#ifdef __cplusplus
extern "C" {
#endif

// MARK: - CPU hints and time stamp counter (static inline asm: not callable from Swift otherwise)

/// Spin-wait hint: `pause` on x86 (frees the sibling hyperthread, avoids the memory-order
/// machine clear when the spin ends), `yield` on arm64.
static inline __attribute__((always_inline)) void CSupport_cpu_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#endif
}

/// Reads the time stamp counter (not serializing). Returns 0 where there is none.
static inline __attribute__((always_inline)) uint64_t CSupport_rdtsc(void) {
#if defined(__x86_64__) || defined(__i386__)
    uint32_t lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
#elif defined(__aarch64__)
    uint64_t v; __asm__ __volatile__("mrs %0, cntvct_el0" : "=r"(v)); return v;
#else
    return 0;
#endif
}

/// Reads the time stamp counter after all earlier instructions retired (rdtscp).
static inline __attribute__((always_inline)) uint64_t CSupport_rdtscp(void) {
#if defined(__x86_64__) || defined(__i386__)
    uint32_t lo, hi, aux;
    __asm__ __volatile__("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux) :: "memory");
    (void)aux;
    return ((uint64_t)hi << 32) | lo;
#else
    return CSupport_rdtsc();
#endif
}

/// CLOCK_MONOTONIC in nanoseconds.
static inline uint64_t CSupport_monotonic_ns(void) {
    struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/// CLOCK_REALTIME in nanoseconds since the Unix epoch.
static inline uint64_t CSupport_realtime_ns(void) {
    struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/// Compiler-only barrier: keeps the optimizer from moving memory accesses across it.
static inline __attribute__((always_inline)) void CSupport_compiler_barrier(void) {
    __asm__ __volatile__("" ::: "memory");
}

/// Whether the CPU advertises an invariant TSC (constant rate, runs in deep C-states).
int CSupport_tsc_is_invariant(void);

/// Measures TSC ticks per second against CLOCK_MONOTONIC over `sample_ns` nanoseconds.
/// Blocks the caller for that long. Returns 0 when there is no usable counter.
double CSupport_tsc_calibrate(uint64_t sample_ns);

// MARK: - Threads, affinity, scheduling (macros and _np extensions)

/// Number of online CPUs.
int CSupport_online_cpus(void);

/// Number of CPUs in the calling thread's affinity mask.
int CSupport_allowed_cpu_count(void);

/// Whether `cpu` is in the calling thread's affinity mask.
int CSupport_cpu_is_allowed(int cpu);

/// Pins the calling thread to one CPU. Returns 0 or an errno.
int CSupport_pin_current_thread(int cpu);

/// CPU the calling thread runs on now, or -1.
int CSupport_current_cpu(void);

/// Starts a joinable thread whose affinity and scheduling are set in its attributes, so
/// the thread never runs a single instruction elsewhere or at the wrong priority.
/// `cpu` < 0 leaves affinity inherited; `policy` is SCHED_OTHER or SCHED_FIFO/RR with
/// `priority`; `stack_bytes` 0 keeps the default. Returns 0 or an errno (EPERM when the
/// caller may not use real-time scheduling, EINVAL for a CPU outside the machine).
int CSupport_thread_start(pthread_t *out, int cpu, int policy, int priority,
                          size_t stack_bytes, void *(*entry)(void *), void *arg);

/// Names a thread (at most 15 bytes are kept). Returns 0 or an errno.
int CSupport_thread_set_name(pthread_t thread, const char *name);

/// Changes the calling thread's scheduling. Returns 0 or an errno.
int CSupport_set_current_scheduling(int policy, int priority);

/// SCHED_* constants (macros in glibc; exposed as functions so Swift sees stable values).
int CSupport_sched_other(void);
int CSupport_sched_fifo(void);
int CSupport_sched_rr(void);

// MARK: - Memory

/// setvbuf(stdout, NULL, _IOLBF, 0): line-buffered standard output (progress lines
/// reach a log file as they are printed).
void CSupport_line_buffer_stdout(void);

/// mlockall(MCL_CURRENT | MCL_FUTURE). Returns 0 or an errno.
int CSupport_lock_all_memory(void);

/// munlockall. Returns 0 or an errno.
int CSupport_unlock_all_memory(void);

/// madvise(MADV_HUGEPAGE) on a range. Returns 0 or an errno.
int CSupport_advise_huge_pages(void *address, size_t length);

/// Soft RLIMIT_MEMLOCK in bytes (UINT64_MAX for unlimited), or 0 on error.
uint64_t CSupport_memlock_limit(void);

/// Whether libnuma works on this kernel (numa_available() >= 0).
int CSupport_numa_is_available(void);

/// NUMA node of a CPU, or -1 without NUMA support.
int CSupport_numa_node_of_cpu(int cpu);

/// Highest NUMA node number, or 0 without NUMA support.
int CSupport_numa_max_node(void);

/// Allocates `length` bytes (page-aligned, zero-filled, faulted in) on `node`; on a kernel
/// without NUMA support, or for node < 0, falls back to an anonymous mmap. NULL on failure.
void *CSupport_alloc_on_node(size_t length, int node);

/// Makes `node` the calling thread's preferred node for new pages (numa_set_preferred);
/// a no-op without NUMA support or for node < 0.
void CSupport_numa_prefer_node(int node);

/// Frees memory from CSupport_alloc_on_node.
void CSupport_free_on_node(void *address, size_t length);

// MARK: - Checksums

/// CRC-32C (Castagnoli) of `length` bytes continuing from `crc` (start with 0). Uses the
/// SSE4.2 `crc32` instruction when the CPU has it (checked once), else a table. The
/// instruction needs a target attribute Swift cannot express, hence C.
uint32_t CSupport_crc32c(uint32_t crc, const void *data, size_t length);

/// Whether CSupport_crc32c uses the hardware instruction.
int CSupport_crc32c_is_hardware(void);

/// Durability and file shims for the journal: posix_fallocate (reserves blocks so a full
/// disk is an error at roll time, never SIGBUS on a mapped page), msync flags (macros).
int CSupport_reserve_file(int fd, uint64_t length);
int CSupport_msync_async(void *address, size_t length);
int CSupport_msync_sync(void *address, size_t length);
void *CSupport_map_shared(int fd, size_t length, int writable);
int CSupport_unmap(void *address, size_t length);

// MARK: - io_uring availability

/// Tries to create (and destroys) a small ring with `flags`. Returns 0 or the errno the
/// kernel gave (ENOSYS: not built in; EPERM: disabled by sysctl or seccomp).
int CSupport_io_uring_probe(unsigned flags);

/// IORING_SETUP_SQPOLL (a macro).
unsigned CSupport_io_uring_setup_sqpoll(void);


// MARK: - Sockets and io_uring flags (macros and anonymous-union fields)
#ifdef __linux__

/// IORING_CQE_F_MORE (a macro): the multishot request stays armed after this completion.
static inline unsigned CSupport_cqe_f_more(void) { return IORING_CQE_F_MORE; }

/// IORING_CQE_F_BUFFER (a macro): the completion carries a provided-buffer id.
static inline unsigned CSupport_cqe_f_buffer(void) { return IORING_CQE_F_BUFFER; }

/// IORING_CQE_BUFFER_SHIFT (a macro): the buffer id sits in `flags >> shift`.
static inline unsigned CSupport_cqe_buffer_shift(void) { return IORING_CQE_BUFFER_SHIFT; }

/// Marks `sqe` to pick a buffer from group `group_id`: sets IOSQE_BUFFER_SELECT (a macro
/// built from an enum) and `buf_group` (a field in an anonymous union).
static inline void CSupport_sqe_select_buffer(struct io_uring_sqe *sqe, unsigned short group_id) {
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = group_id;
}

/// Registers a provided-buffer ring of `entries` (power of two) at `ring_memory` (page-aligned,
/// zeroed) as group `group_id`. Returns 0 or a positive errno (EINVAL: kernel older than 5.19).
/// In C because `struct io_uring_buf_reg` carries reserved arrays the wrapper must zero.
int CSupport_register_buffer_ring(struct io_uring *ring, void *ring_memory,
                                  unsigned entries, unsigned short group_id);

/// IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG (macros): completions are not
/// pushed to a spinning thread by an inter-processor interrupt; the kernel raises
/// IORING_SQ_TASKRUN instead and liburing's peek enters the kernel to run the work.
static inline unsigned CSupport_io_uring_setup_coop_taskrun(void) {
    return IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
}

/// Sets or clears O_NONBLOCK on `fd` (fcntl is variadic). Returns 0 or an errno.
int CSupport_set_nonblocking(int fd, int on);

/// MSG_NOSIGNAL | MSG_DONTWAIT and friends are enum constants whose Swift types vary by
/// libc; these give them as plain ints (macros in glibc).
static inline int CSupport_msg_dontwait(void) { return MSG_DONTWAIT; }
static inline int CSupport_msg_nosignal(void) { return MSG_NOSIGNAL; }

#endif

#ifdef __cplusplus
}
#endif
#endif
