// Plain C loopback TCP ping-pong baselines for Peregrine's socket layer (benchmark-only).
#ifndef CBASELINES_SOCKETS_H
#define CBASELINES_SOCKETS_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Loopback TCP ping-pong, `payload_bytes` (1…4096) each way, TCP_NODELAY on both sides.
/// An echo server thread pinned to `server_cpu` (inheriting the caller's scheduling class)
/// returns whatever arrives; the client runs on the calling thread, which the caller has
/// pinned (to cpu 1). `warmup` untimed round trips, then `count` timed ones, each written in
/// nanoseconds (CLOCK_MONOTONIC) to `out_ns[0..<count]`. Returns 0 or an errno.
///
/// busy_poll: recv(MSG_DONTWAIT) spin + send on both sides (2 spinning threads).
int cbaseline_socket_pingpong_busy_poll(uint64_t warmup, uint64_t count, int payload_bytes,
                                        int server_cpu, uint64_t *out_ns);

/// io_uring on both sides: multishot recv with a registered provided-buffer ring, send via
/// an SQE + io_uring_submit, completions harvested by spinning on io_uring_peek_cqe
/// (2 spinning threads). Each side waits for its send's completion before going on.
int cbaseline_socket_pingpong_io_uring_spin(uint64_t warmup, uint64_t count, int payload_bytes,
                                            int server_cpu, uint64_t *out_ns);

/// Blocking recv/send on both sides (no spinning; each message pays a wake-up).
int cbaseline_socket_pingpong_blocking(uint64_t warmup, uint64_t count, int payload_bytes,
                                       int server_cpu, uint64_t *out_ns);

#ifdef __cplusplus
}
#endif
#endif
