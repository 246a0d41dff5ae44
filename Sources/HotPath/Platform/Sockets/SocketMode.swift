/// How a connection waits for and moves bytes; a per-connection setting of the tuning profile.
///
/// Measured on the 2-vCPU development VM (loopback, 64-byte round trip, p50): busy-poll
/// ~5.9 µs, io_uring with a spinning completion wait ~8.5 µs, blocking/epoll/io_uring
/// submit-and-wait ~40 µs (a sleeping thread pays a slow wake-up). io_uring pays off
/// when many sockets are batched on one thread.
public enum SocketMode: String, Sendable, CaseIterable, CustomStringConvertible {
    /// io_uring, waiting in the kernel for completions (`io_uring_submit_and_wait`).
    case ioUring = "io_uring"
    /// io_uring, polling the completion queue from user space (no syscall while waiting).
    case ioUringSpin = "io_uring-spin"
    /// io_uring with a kernel submission-polling thread (SQPOLL); needs a spare core.
    case ioUringSQPoll = "io_uring-sqpoll"
    /// epoll readiness plus non-blocking read/write (fallback where io_uring is refused).
    case epoll = "epoll"
    /// Non-blocking `recv(MSG_DONTWAIT)` in a spin loop: lowest latency for one connection.
    case busyPoll = "busy-poll"
    /// Plain blocking calls (tools, tests, cold tier).
    case blocking = "blocking"

    public var description: String { rawValue }

    /// Whether a thread in this mode keeps its core busy while waiting.
    public var isSpinning: Bool {
        switch self {
        case .ioUringSpin, .busyPoll: return true
        case .ioUring, .ioUringSQPoll, .epoll, .blocking: return false
        }
    }

    /// Whether the mode needs io_uring from the kernel. When the kernel refuses io_uring
    /// (ENOSYS, EPERM), `SocketEngine.make` runs these modes on epoll and says why in
    /// `fallbackReason`.
    public var usesIoUring: Bool {
        switch self {
        case .ioUring, .ioUringSpin, .ioUringSQPoll: return true
        default: return false
        }
    }
}
