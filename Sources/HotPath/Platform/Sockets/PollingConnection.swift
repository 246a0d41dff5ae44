import CSupport
#if canImport(Glibc)
import Glibc
#endif

/// One TCP connection driven by plain system calls: a `recv(MSG_DONTWAIT)` spin loop
/// (`SocketMode.busyPoll`, the lowest latency for a single connection: ~5.9 µs loopback
/// round trip here) or blocking calls (`SocketMode.blocking`).
///
/// Owned by one thread at a time. Received bytes land in a receive buffer allocated at
/// set-up (NUMA-local) and are lent to the caller; nothing on the hot path allocates.
/// Call `close()` when done (also closed on deinit).
public final class PollingConnection: @unchecked Sendable {
    // SAFETY: used by one thread at a time; moving it to another thread goes through a
    // happens-before edge (thread start, join, or a ring hand-off) chosen by the owner.
    private var socket: TCPSocket?
    /// The socket's descriptor (−1 after `close()`).
    public private(set) var descriptor: Int32
    /// Whether waits spin (`true`) or sleep in the kernel (`false`).
    public let spins: Bool
    private let buffer: NodeLocalMemory
    private let receiveFlags: Int32
    private let sendFlags: Int32

    /// Takes ownership of `socket`. `spins: true` polls with MSG_DONTWAIT; `false` clears
    /// O_NONBLOCK and blocks in recv/send. Set-up only; throws `SystemError` when the
    /// receive buffer cannot be allocated or the socket flags cannot be set.
    public init(socket: consuming TCPSocket, spins: Bool, receiveBufferBytes: Int = 65_536,
                numaNode: Int = -1) throws(SystemError) {
        try socket.setNonBlocking(false)
        descriptor = socket.descriptor
        buffer = try NodeLocalMemory(length: receiveBufferBytes, node: numaNode)
        self.spins = spins
        receiveFlags = spins ? CSupport_msg_dontwait() : 0
        sendFlags = CSupport_msg_nosignal() | (spins ? CSupport_msg_dontwait() : 0)
        self.socket = Optional(socket)
    }

    /// Closes the socket. Owning thread; does not block.
    public func close() {
        socket = nil
        descriptor = -1
    }

    /// Waits for bytes (spinning or blocking per `spins`) and lends them to `body`; the
    /// view is valid only inside `body`. Owning thread; no allocation; one `recv` per
    /// attempt. `deadlineNanos` (monotonic) bounds the wait: spinning checks the clock
    /// every 256 attempts; blocking polls first when a deadline is given.
    public func receive(deadlineNanos: UInt64 = .max, _ body: (UnsafeRawBufferPointer) -> Void) -> ReceiveResult {
        if spins {
            var deadline = SpinDeadline(deadlineNanos)
            while true {
                let result = tryReceive(body)
                if result != .wouldBlock { return result }
                if deadline.expired() { return .wouldBlock }
            }
        }
        if deadlineNanos != .max {
            var descriptorPoll = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = retryingOnInterrupt { poll(&descriptorPoll, 1, SpinDeadline(deadlineNanos).remainingMillis()) }
            if ready == 0 { return .wouldBlock }
            if ready < 0 { return .failed(errno: errno) }
        }
        return receiveOnce(flags: 0, body)
    }

    /// Takes whatever bytes are queued now without waiting (MSG_DONTWAIT) and lends them to
    /// `body`; `.wouldBlock` when there are none. Owning thread; no allocation.
    public func tryReceive(_ body: (UnsafeRawBufferPointer) -> Void) -> ReceiveResult {
        receiveOnce(flags: CSupport_msg_dontwait(), body)
    }

    func receiveOnce(flags: Int32, _ body: (UnsafeRawBufferPointer) -> Void) -> ReceiveResult {
        while true {
            let count = recv(descriptor, buffer.base, buffer.length, flags)
            if count > 0 {
                body(UnsafeRawBufferPointer(start: buffer.base, count: count))
                return .received(count)
            }
            if count == 0 { return .closed }
            let code = errno
            if code == Errno.interrupted { continue }
            if code == Errno.again || code == Errno.wouldBlock { return .wouldBlock }
            return code == Errno.connectionReset ? .closed : .failed(errno: code)
        }
    }

    /// Sends all of `bytes`, spinning on a full socket buffer (busy-poll) or blocking.
    /// Owning thread; no allocation; usually one `send` call.
    public func send(_ bytes: UnsafeRawBufferPointer) -> SendResult {
        var offset = 0
        while offset < bytes.count {
            let count = Glibc.send(descriptor, bytes.baseAddress! + offset, bytes.count - offset, sendFlags)
            if count >= 0 { offset += count; continue }
            let code = errno
            if code == Errno.interrupted || code == Errno.again || code == Errno.wouldBlock { CPU.pause(); continue }
            return .fromErrno(code)
        }
        return .sent(bytes.count)
    }
}
