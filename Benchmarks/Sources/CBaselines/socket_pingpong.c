// Plain C loopback TCP ping-pong: the in-run baselines for Peregrine's socket layer.
// Three modes: busy-poll recv(MSG_DONTWAIT), io_uring with a user-space CQ spin, blocking.
#define _GNU_SOURCE 1
#include "CBaselinesSockets.h"

#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { SP_BUSY = 0, SP_URING = 1, SP_BLOCK = 2 };
enum { SP_MAX_PAYLOAD = 4096, SP_NBUF = 64, SP_BUFSZ = 4096, SP_BGID = 7 };

static inline void sp_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("pause" ::: "memory");
#endif
}

static inline uint64_t sp_now(void) {
    struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sp_nodelay(int fd) { int one = 1; setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)); }

// MARK: io_uring side (one per thread)

typedef struct {
    struct io_uring ring;
    struct io_uring_buf_ring *br;
    unsigned char *bufs;
    int fd;
    int sends_outstanding;
    int closed;
    size_t inbox_len;
    unsigned char inbox[SP_MAX_PAYLOAD * 4];
} sp_uring_t;

static void sp_uring_arm(sp_uring_t *u) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
    io_uring_prep_recv_multishot(sqe, u->fd, NULL, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = SP_BGID;
    io_uring_sqe_set_data64(sqe, 1);
}

static int sp_uring_init(sp_uring_t *u, int fd) {
    memset(u, 0, offsetof(sp_uring_t, inbox));
    u->fd = fd;
    // Cooperative task run: no inter-processor interrupt to the spinning thread; the kernel
    // sets IORING_SQ_TASKRUN and liburing's peek enters to run the work (as Peregrine does).
    int rc = io_uring_queue_init(64, &u->ring, IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG);
    if (rc == -EINVAL) rc = io_uring_queue_init(64, &u->ring, 0);
    if (rc < 0) return -rc;
    u->br = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    u->bufs = mmap(NULL, SP_NBUF * SP_BUFSZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (u->br == MAP_FAILED || u->bufs == MAP_FAILED) return ENOMEM;
    memset(u->bufs, 0, SP_NBUF * SP_BUFSZ);
    struct io_uring_buf_reg reg;
    memset(&reg, 0, sizeof(reg));
    reg.ring_addr = (unsigned long)(uintptr_t)u->br;
    reg.ring_entries = SP_NBUF;
    reg.bgid = SP_BGID;
    io_uring_buf_ring_init(u->br);
    rc = io_uring_register_buf_ring(&u->ring, &reg, 0);
    if (rc < 0) return -rc;
    int mask = io_uring_buf_ring_mask(SP_NBUF);
    for (int i = 0; i < SP_NBUF; i++)
        io_uring_buf_ring_add(u->br, u->bufs + i * SP_BUFSZ, SP_BUFSZ, (unsigned short)i, mask, i);
    io_uring_buf_ring_advance(u->br, SP_NBUF);
    sp_uring_arm(u);
    io_uring_submit(&u->ring);
    return 0;
}

static void sp_uring_exit(sp_uring_t *u) {
    io_uring_queue_exit(&u->ring);
    munmap(u->br, 4096);
    munmap(u->bufs, SP_NBUF * SP_BUFSZ);
}

/// Harvests every posted CQE: recv bytes go to the inbox (buffer recycled at once), send
/// completions are counted. Returns the number handled.
static int sp_uring_drain(sp_uring_t *u) {
    struct io_uring_cqe *cqe;
    int handled = 0;
    int mask = io_uring_buf_ring_mask(SP_NBUF);
    while (io_uring_peek_cqe(&u->ring, &cqe) == 0) {
        uint64_t tag = io_uring_cqe_get_data64(cqe);
        int res = cqe->res;
        unsigned flags = cqe->flags;
        if (tag == 1) {
            if (res > 0 && (flags & IORING_CQE_F_BUFFER)) {
                unsigned bid = flags >> IORING_CQE_BUFFER_SHIFT;
                unsigned char *src = u->bufs + bid * SP_BUFSZ;
                if (u->inbox_len + (size_t)res <= sizeof(u->inbox)) {
                    memcpy(u->inbox + u->inbox_len, src, (size_t)res);
                    u->inbox_len += (size_t)res;
                }
                io_uring_buf_ring_add(u->br, src, SP_BUFSZ, (unsigned short)bid, mask, 0);
                io_uring_buf_ring_advance(u->br, 1);
            } else if (res == 0 || (res < 0 && res != -ENOBUFS)) {
                u->closed = 1;
            }
            if (!(flags & IORING_CQE_F_MORE) && !u->closed) sp_uring_arm(u);
        } else {
            u->sends_outstanding--;
            if (res < 0) u->closed = 1;
        }
        io_uring_cqe_seen(&u->ring, cqe);
        handled++;
    }
    return handled;
}

static void sp_uring_send(sp_uring_t *u, const void *bytes, size_t len) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
    io_uring_prep_send(sqe, u->fd, bytes, len, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, 2);
    u->sends_outstanding++;
    io_uring_submit(&u->ring);
    // Wait for the send's completion (usually posted during the submit), as Peregrine does.
    while (u->sends_outstanding > 0 && !u->closed) {
        if (sp_uring_drain(u) == 0) sp_relax();
    }
}

// MARK: server

typedef struct {
    int listen_fd;
    int mode;
    int cpu;
    int error;
} sp_server_t;

static void *sp_server_main(void *p) {
    sp_server_t *s = p;
    int fd = accept(s->listen_fd, NULL, NULL);
    if (fd < 0) { s->error = errno; return NULL; }
    sp_nodelay(fd);
    if (s->mode == SP_URING) {
        sp_uring_t *u = aligned_alloc(64, (sizeof(sp_uring_t) + 63) & ~(size_t)63);
        int rc = u ? sp_uring_init(u, fd) : ENOMEM;
        if (rc != 0) { s->error = rc; close(fd); free(u); return NULL; }
        unsigned char out[sizeof(u->inbox)];
        while (!u->closed) {
            if (u->inbox_len == 0) { if (sp_uring_drain(u) == 0) sp_relax(); continue; }
            size_t n = u->inbox_len;
            memcpy(out, u->inbox, n);
            u->inbox_len = 0;
            sp_uring_send(u, out, n);
        }
        sp_uring_exit(u);
        free(u);
    } else {
        unsigned char buf[SP_BUFSZ];
        int flags = s->mode == SP_BUSY ? MSG_DONTWAIT : 0;
        for (;;) {
            ssize_t n = recv(fd, buf, sizeof(buf), flags);
            if (n > 0) {
                ssize_t off = 0;
                while (off < n) {
                    ssize_t w = send(fd, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
                    if (w < 0) { if (errno == EINTR || errno == EAGAIN) continue; goto out; }
                    off += w;
                }
                continue;
            }
            if (n == 0) break;
            if (errno == EAGAIN || errno == EWOULDBLOCK) { sp_relax(); continue; }
            if (errno == EINTR) continue;
            break;
        }
    }
out:
    close(fd);
    return NULL;
}

// MARK: client

static int sp_run(int mode, uint64_t warmup, uint64_t count, int payload, int server_cpu, uint64_t *out_ns) {
    if (payload < 1 || payload > SP_MAX_PAYLOAD || out_ns == NULL) return EINVAL;
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0) return errno;
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof(addr);
    if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(lfd, 8) != 0
        || getsockname(lfd, (struct sockaddr *)&addr, &alen) != 0) {
        int e = errno; close(lfd); return e;
    }
    sp_server_t server = { .listen_fd = lfd, .mode = mode, .cpu = server_cpu, .error = 0 };
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (server_cpu >= 0) {
        cpu_set_t set; CPU_ZERO(&set); CPU_SET(server_cpu, &set);
        pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
    }
    int rc = pthread_create(&thread, &attr, sp_server_main, &server);
    pthread_attr_destroy(&attr);
    if (rc != 0) { close(lfd); return rc; }

    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        rc = errno;
        if (fd >= 0) close(fd);
        shutdown(lfd, SHUT_RDWR);
        pthread_join(thread, NULL);
        close(lfd);
        return rc;
    }
    sp_nodelay(fd);
    unsigned char msg[SP_MAX_PAYLOAD];
    unsigned char buf[SP_BUFSZ];
    for (int i = 0; i < payload; i++) msg[i] = (unsigned char)i;
    sp_uring_t *u = NULL;
    if (mode == SP_URING) {
        u = aligned_alloc(64, (sizeof(sp_uring_t) + 63) & ~(size_t)63);
        rc = u ? sp_uring_init(u, fd) : ENOMEM;
        if (rc != 0) goto done;
    }
    int rflags = mode == SP_BUSY ? MSG_DONTWAIT : 0;
    for (uint64_t i = 0; i < warmup + count; i++) {
        uint64_t t0 = sp_now();
        if (mode == SP_URING) {
            sp_uring_send(u, msg, (size_t)payload);
            while (u->inbox_len < (size_t)payload && !u->closed) {
                if (sp_uring_drain(u) == 0) sp_relax();
            }
            if (u->closed) { rc = ECONNRESET; goto done; }
            u->inbox_len = 0;
        } else {
            if (send(fd, msg, (size_t)payload, MSG_NOSIGNAL) != payload) { rc = errno ? errno : EIO; goto done; }
            int got = 0;
            while (got < payload) {
                ssize_t n = recv(fd, buf + got, (size_t)(payload - got), rflags);
                if (n > 0) { got += (int)n; continue; }
                if (n == 0) { rc = ECONNRESET; goto done; }
                if (errno == EAGAIN || errno == EWOULDBLOCK) { sp_relax(); continue; }
                if (errno == EINTR) continue;
                rc = errno; goto done;
            }
        }
        uint64_t t1 = sp_now();
        if (i >= warmup) out_ns[i - warmup] = t1 - t0;
    }
    rc = 0;
done:
    if (u) { sp_uring_exit(u); free(u); }
    shutdown(fd, SHUT_RDWR);
    close(fd);
    pthread_join(thread, NULL);
    close(lfd);
    if (rc == 0 && server.error != 0) rc = server.error;
    return rc;
}

int cbaseline_socket_pingpong_busy_poll(uint64_t warmup, uint64_t count, int payload_bytes,
                                        int server_cpu, uint64_t *out_ns) {
    return sp_run(SP_BUSY, warmup, count, payload_bytes, server_cpu, out_ns);
}

int cbaseline_socket_pingpong_io_uring_spin(uint64_t warmup, uint64_t count, int payload_bytes,
                                            int server_cpu, uint64_t *out_ns) {
    return sp_run(SP_URING, warmup, count, payload_bytes, server_cpu, out_ns);
}

int cbaseline_socket_pingpong_blocking(uint64_t warmup, uint64_t count, int payload_bytes,
                                       int server_cpu, uint64_t *out_ns) {
    return sp_run(SP_BLOCK, warmup, count, payload_bytes, server_cpu, out_ns);
}
