// Plain C baselines measured in the same run as Peregrine's Swift code, so every
// figure can be printed as a ratio (Swift / C). Benchmark-only: not in the product.
#ifndef CBASELINES_H
#define CBASELINES_H
#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One-to-one throughput of a C11 SPSC ring (cached indices, 128-byte index spacing, the
/// same algorithm as Peregrine's Swift ring). Producer pinned to `producer_cpu`, consumer
/// (the calling thread) to `consumer_cpu`. Moves `count` items of `payload_bytes` (8 or
/// 64), consumer batch-drains. Returns elapsed nanoseconds, 0 on failure.
uint64_t cbaseline_spsc_throughput(uint64_t count, int payload_bytes, uint64_t capacity,
                                   int producer_cpu, int consumer_cpu);

/// Ping-pong round trips over two C11 SPSC rings (one each way): the caller (pinned to
/// `a_cpu`) sends, a pinned echo thread on `b_cpu` returns. Writes `count` round-trip
/// times (ns) into `out_ns` after `warmup` untimed trips. Returns 0 or an errno.
int cbaseline_spsc_pingpong(uint64_t warmup, uint64_t count, int payload_bytes,
                            int a_cpu, int b_cpu, uint64_t *out_ns);

/// The hardware floor: two threads bounce one value through a shared cache line.
/// Same output convention as cbaseline_spsc_pingpong.
int cbaseline_cacheline_pingpong(uint64_t warmup, uint64_t count, int a_cpu, int b_cpu,
                                 uint64_t *out_ns);

/// Heap allocations (malloc, calloc, realloc, posix_memalign, aligned_alloc) made by
/// the whole process so far: the bench executable interposes the allocator to count them.
uint64_t cbaseline_allocation_count(void);

/// Makes stdout line-buffered (progress visible when piped).
void cbaseline_line_buffered_stdout(void);

/// Calibrated TSC rate (ticks per second), measured over ~20 ms; 0 if unavailable.
double cbaseline_tsc_hz(void);

#ifdef __cplusplus
}
#endif
#endif
