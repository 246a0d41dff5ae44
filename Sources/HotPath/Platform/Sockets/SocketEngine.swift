import CSupport
#if canImport(Glibc)
import Glibc
#endif

/// Set-up values for a `SocketEngine`.
public struct SocketEngineConfiguration: Sendable, Equatable {
    /// Ring, buffer and connection sizes for the io_uring modes (`wait` and `sqPoll` are
    /// set from the mode). `maxConnections`, `bufferBytes` and `numaNode` also size epoll
    /// and busy-poll connections.
    public var ioUring = IoUringConfiguration()
    /// Pretend the kernel refused io_uring with this errno (tests of the fallback path).
    public var simulatedIoUringRefusal: Int32? = nil

    /// The defaults (see `IoUringConfiguration`), no simulated refusal.
    public init() {}
}

/// Picks and owns the socket machinery for one `SocketMode`, falling back to epoll when
/// the kernel refuses io_uring (ENOSYS, EPERM) and saying so in `fallbackReason`.
///
/// Create on the thread that will own the connections (set-up: allocates, may throw
/// `SystemError`). Connections it makes (`TCPConnection`) dispatch with a `switch` on an
/// enum of final classes: no existential, no allocation per message. One thread at a time.
public final class SocketEngine: @unchecked Sendable {
    // SAFETY: the backend is used by one thread at a time, handed over by the owner
    // through a happens-before edge (thread start or join).
    enum Backend {
        case ioUring(IoUringLoop)
        case epoll(EpollLoop)
        case polling(spins: Bool)
    }

    /// The mode asked for.
    public let requestedMode: SocketMode
    /// The mode in use (`.epoll` after a fallback).
    public let mode: SocketMode
    /// Why the engine is not using the requested io_uring mode, or `nil`. Print at start-up.
    public let fallbackReason: String?
    let backend: Backend
    let configuration: SocketEngineConfiguration

    private init(requested: SocketMode, mode: SocketMode, fallbackReason: String?, backend: Backend,
                 configuration: SocketEngineConfiguration) {
        requestedMode = requested
        self.mode = mode
        self.fallbackReason = fallbackReason
        self.backend = backend
        self.configuration = configuration
    }

    /// Builds the engine for `mode`. io_uring modes first probe the kernel
    /// (`ProcessControls.ioUringProbe`); a refusal selects epoll and fills
    /// `fallbackReason`. Set-up only; throws `SystemError` for any other failure.
    public static func make(mode: SocketMode,
                            configuration: SocketEngineConfiguration = SocketEngineConfiguration()) throws(SystemError) -> SocketEngine {
        let sizes = configuration.ioUring
        if mode.usesIoUring {
            let refusal = configuration.simulatedIoUringRefusal ?? ProcessControls.ioUringProbe(sqPoll: mode == .ioUringSQPoll)
            if refusal == 0 {
                var ringConfiguration = sizes
                ringConfiguration.sqPoll = mode == .ioUringSQPoll
                ringConfiguration.wait = mode == .ioUringSpin ? .spin : .kernel
                let loop = try IoUringLoop(configuration: ringConfiguration)
                return SocketEngine(requested: mode, mode: mode, fallbackReason: nil, backend: .ioUring(loop),
                                    configuration: configuration)
            }
            let why = SystemError("", errno: refusal).reason
            let reason = "kernel refused io_uring for mode \(mode) (\(why), errno \(refusal)\(configuration.simulatedIoUringRefusal != nil ? ", simulated" : "")); using epoll"
            let loop = try EpollLoop(maxConnections: sizes.maxConnections, bufferBytes: sizes.bufferBytes, numaNode: sizes.numaNode)
            return SocketEngine(requested: mode, mode: .epoll, fallbackReason: reason, backend: .epoll(loop),
                                configuration: configuration)
        }
        switch mode {
        case .epoll:
            let loop = try EpollLoop(maxConnections: sizes.maxConnections, bufferBytes: sizes.bufferBytes, numaNode: sizes.numaNode)
            return SocketEngine(requested: mode, mode: mode, fallbackReason: nil, backend: .epoll(loop), configuration: configuration)
        default:
            return SocketEngine(requested: mode, mode: mode, fallbackReason: nil,
                                backend: .polling(spins: mode == .busyPoll), configuration: configuration)
        }
    }

    /// Why io_uring receives run single-shot instead of multishot, or `nil`.
    public var receiveFallbackReason: String? {
        if case .ioUring(let loop) = backend { return loop.receiveFallbackReason }
        return nil
    }

    /// Connects to `address` (TCP_NODELAY) and returns the connection. Blocks until
    /// connected. Set-up; throws `SystemError` ("connect 127.0.0.1:9000", ECONNREFUSED …).
    public func connect(to address: SocketAddress) throws(SystemError) -> TCPConnection {
        switch backend {
        case .ioUring(let loop): return TCPConnection(.ioUring(loop, try loop.connect(to: address)))
        case .epoll(let loop): return TCPConnection(.epoll(loop, try loop.connect(to: address)))
        case .polling: return try adopt(TCPSocket.connect(to: address))
        }
    }

    /// Accepts one connection on `listener` (through io_uring in io_uring modes), waiting up
    /// to the deadline (monotonic ns; ETIMEDOUT after it). Set-up; throws `SystemError`.
    public func accept(on listener: borrowing TCPSocket, deadlineNanos: UInt64 = .max) throws(SystemError) -> TCPConnection {
        if case .ioUring(let loop) = backend {
            return TCPConnection(.ioUring(loop, try loop.accept(on: listener, deadlineNanos: deadlineNanos)))
        }
        if deadlineNanos != .max {
            var waitFor = pollfd(fd: listener.descriptor, events: Int16(POLLIN), revents: 0)
            let ready = retryingOnInterrupt { poll(&waitFor, 1, SpinDeadline(deadlineNanos).remainingMillis()) }
            if ready == 0 {
                throw SystemError("accept on fd \(listener.descriptor) (no connection before the deadline)", errno: Errno.timedOut)
            }
        }
        return try adopt(listener.accept())
    }

    /// Wraps an open socket (e.g. from `TCPSocket.accept`) in this engine's machinery.
    /// Set-up; throws `SystemError`.
    public func adopt(_ socket: consuming TCPSocket) throws(SystemError) -> TCPConnection {
        switch backend {
        case .ioUring(let loop): return TCPConnection(.ioUring(loop, try loop.register(socket)))
        case .epoll(let loop): return TCPConnection(.epoll(loop, try loop.register(socket)))
        case .polling(let spins):
            let sizes = configuration.ioUring
            return TCPConnection(.polling(try PollingConnection(socket: socket, spins: spins,
                                                                receiveBufferBytes: sizes.bufferBytes,
                                                                numaNode: sizes.numaNode)))
        }
    }

    /// Closes the engine's ring or epoll instance and every connection it holds.
    /// Owning thread.
    public func close() {
        switch backend {
        case .ioUring(let loop): loop.close()
        case .epoll(let loop): loop.close()
        case .polling: break
        }
    }
}

/// One TCP connection of a `SocketEngine`, whatever the mode: a `switch` over final-class
/// backends (statically dispatched, no existential, no allocation per message).
///
/// Use from the engine's owning thread. `receive` lends the bytes to a closure as a view
/// valid only inside it (the io_uring buffer is recycled when the closure returns).
public struct TCPConnection: @unchecked Sendable {
    // SAFETY: a handle to thread-confined backends; the owner hands it between threads
    // through a happens-before edge.
    @usableFromInline
    enum Backend {
        case ioUring(IoUringLoop, Int)
        case epoll(EpollLoop, Int)
        case polling(PollingConnection)
    }

    @usableFromInline let backend: Backend

    init(_ backend: Backend) { self.backend = backend }

    /// Waits for bytes (as the mode waits: spin or kernel) until the deadline (monotonic ns)
    /// and lends them to `body`. Owning thread; no allocation; `.closed` when the peer has
    /// closed, `.wouldBlock` at the deadline.
    @inlinable
    public func receive(deadlineNanos: UInt64 = .max, _ body: (UnsafeRawBufferPointer) -> Void) -> ReceiveResult {
        switch backend {
        case .ioUring(let loop, let index): return loop.receive(connection: index, deadlineNanos: deadlineNanos, body)
        case .epoll(let loop, let index): return loop.receive(connection: index, deadlineNanos: deadlineNanos, body)
        case .polling(let connection): return connection.receive(deadlineNanos: deadlineNanos, body)
        }
    }

    /// Takes bytes that have already arrived, without waiting; `.wouldBlock` when none.
    /// Owning thread; no allocation.
    @inlinable
    public func tryReceive(_ body: (UnsafeRawBufferPointer) -> Void) -> ReceiveResult {
        switch backend {
        case .ioUring(let loop, let index): return loop.tryReceive(connection: index, body)
        case .epoll(let loop, let index): return loop.tryReceive(connection: index, body)
        case .polling(let connection): return connection.tryReceive(body)
        }
    }

    /// Sends all of `bytes` (they need only live for the call). Owning thread; no
    /// allocation; `.closed` when the peer is gone.
    @inlinable
    public func send(_ bytes: UnsafeRawBufferPointer) -> SendResult {
        switch backend {
        case .ioUring(let loop, let index): return loop.send(connection: index, bytes)
        case .epoll(let loop, let index): return loop.send(connection: index, bytes)
        case .polling(let connection): return connection.send(bytes)
        }
    }

    /// Closes the connection. Owning thread; call once.
    public func close() {
        switch backend {
        case .ioUring(let loop, let index): loop.closeConnection(index)
        case .epoll(let loop, let index): loop.closeConnection(index)
        case .polling(let connection): connection.close()
        }
    }

    /// The socket descriptor (−1 once closed).
    public var descriptor: Int32 {
        switch backend {
        case .ioUring(let loop, let index): return loop.descriptor(of: index)
        case .epoll(let loop, let index): return loop.descriptor(of: index)
        case .polling(let connection): return connection.descriptor
        }
    }
}
