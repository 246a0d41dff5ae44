import CSupport
#if canImport(Glibc)
import Glibc
#endif

/// epoll readiness plus non-blocking recv/send for up to `maxConnections` connections: the
/// fallback where the kernel refuses io_uring, with the same connection-level calls as
/// `IoUringLoop` (`register`, `receive`, `tryReceive`, `send`, `closeConnection`).
///
/// Level-triggered: a connection is read first and epoll is consulted only when it has
/// nothing, so a busy connection costs one `recv` per message. Owned by one thread at a
/// time; per-message calls never allocate, lock or throw. Call `close()` when done.
public final class EpollLoop: @unchecked Sendable {
    // SAFETY: the epoll descriptor, slots and buffers are used by the owning thread only;
    // ownership moves between threads through a happens-before edge chosen by the owner.
    /// The epoll descriptor.
    public let descriptor: Int32
    /// Connections the loop can hold at once.
    public let maxConnections: Int
    /// Bytes per connection receive buffer.
    public let bufferBytes: Int
    let descriptors: UnsafeMutablePointer<Int32>
    let events: UnsafeMutablePointer<epoll_event>
    let buffers: NodeLocalMemory
    var isOpen = true

    /// Creates the epoll instance and one receive buffer per connection (NUMA-local).
    /// Set-up only; throws `SystemError` with the errno.
    public init(maxConnections: Int = 8, bufferBytes: Int = 65_536, numaNode: Int = -1) throws(SystemError) {
        precondition(maxConnections > 0 && bufferBytes > 0)
        let fd = epoll_create1(Int32(EPOLL_CLOEXEC))
        if fd < 0 { throw SystemError("epoll_create1", errno: errno) }
        do {
            buffers = try NodeLocalMemory(length: maxConnections * bufferBytes, node: numaNode)
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
        descriptor = fd
        self.maxConnections = maxConnections
        self.bufferBytes = bufferBytes
        descriptors = .allocate(capacity: maxConnections)
        descriptors.initialize(repeating: -1, count: maxConnections)
        events = .allocate(capacity: maxConnections)
        events.initialize(repeating: epoll_event(), count: maxConnections)
    }

    deinit { close() }

    /// Closes every connection and the epoll descriptor. Owning thread; does not block.
    public func close() {
        guard isOpen else { return }
        isOpen = false
        for index in 0..<maxConnections where descriptors[index] >= 0 { _ = Glibc.close(descriptors[index]) }
        _ = Glibc.close(descriptor)
        descriptors.deallocate()
        events.deallocate()
    }

    /// Takes ownership of `socket`, makes it non-blocking, watches it for input and returns
    /// its connection index. Set-up; throws `SystemError` (EMFILE when full).
    public func register(_ socket: consuming TCPSocket) throws(SystemError) -> Int {
        guard let index = (0..<maxConnections).first(where: { descriptors[$0] < 0 }) else {
            throw SystemError("register fd \(socket.descriptor) with epoll loop (all \(maxConnections) connections in use)",
                              errno: Errno.tooManyFiles)
        }
        try socket.setNonBlocking(true)
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLRDHUP.rawValue
        event.data.u64 = UInt64(index)
        if epoll_ctl(descriptor, EPOLL_CTL_ADD, socket.descriptor, &event) != 0 {
            throw SystemError("epoll_ctl(ADD, fd \(socket.descriptor))", errno: errno)
        }
        descriptors[index] = socket.release()
        return index
    }

    /// Connects to `address` (blocking connect, TCP_NODELAY) and registers the socket.
    /// Set-up; throws `SystemError` ("connect 127.0.0.1:9000", ECONNREFUSED …).
    public func connect(to address: SocketAddress) throws(SystemError) -> Int {
        try register(TCPSocket.connect(to: address))
    }

    /// Closes one connection; its index is free at once. Owning thread.
    public func closeConnection(_ connection: Int) {
        let fd = descriptors[connection]
        precondition(fd >= 0, "connection \(connection) is not open")
        _ = epoll_ctl(descriptor, EPOLL_CTL_DEL, fd, nil)
        _ = Glibc.close(fd)
        descriptors[connection] = -1
    }

    /// The descriptor of `connection` (−1 once closed).
    public func descriptor(of connection: Int) -> Int32 { descriptors[connection] }

    /// Reads what has arrived on `connection`, waiting in `epoll_wait` until the deadline
    /// (monotonic ns) when nothing has, and lends the bytes to `body` (a view of the
    /// connection's buffer, valid inside `body`). Owning thread; no allocation.
    public func receive(connection: Int, deadlineNanos: UInt64 = .max,
                        _ body: (UnsafeRawBufferPointer) -> Void) -> ReceiveResult {
        let deadline = SpinDeadline(deadlineNanos)
        while true {
            let result = tryReceive(connection: connection, body)
            if result != .wouldBlock { return result }
            let timeout = deadline.remainingMillis()
            if timeout == 0 { return .wouldBlock }
            let ready = epoll_wait(descriptor, events, Int32(maxConnections), timeout)
            if ready < 0 && errno != Errno.interrupted { return .failed(errno: errno) }
        }
    }

    /// Reads what has arrived on `connection` without waiting; `.wouldBlock` when nothing.
    /// Owning thread; no allocation; one `recv`.
    public func tryReceive(connection: Int, _ body: (UnsafeRawBufferPointer) -> Void) -> ReceiveResult {
        let fd = descriptors[connection]
        if fd < 0 { return .closed }
        let buffer = buffers.base + connection * bufferBytes
        while true {
            let count = recv(fd, buffer, bufferBytes, CSupport_msg_dontwait())
            if count > 0 {
                body(UnsafeRawBufferPointer(start: buffer, count: count))
                return .received(count)
            }
            if count == 0 { return .closed }
            let code = errno
            if code == Errno.interrupted { continue }
            if code == Errno.again || code == Errno.wouldBlock { return .wouldBlock }
            return code == Errno.connectionReset ? .closed : .failed(errno: code)
        }
    }

    /// Sends all of `bytes`, waiting for the socket to drain (poll POLLOUT) when its buffer is
    /// full. Owning thread; no allocation; usually one `send`.
    public func send(connection: Int, _ bytes: UnsafeRawBufferPointer) -> SendResult {
        let fd = descriptors[connection]
        var offset = 0
        while offset < bytes.count {
            let count = Glibc.send(fd, bytes.baseAddress! + offset, bytes.count - offset, CSupport_msg_nosignal())
            if count >= 0 { offset += count; continue }
            let code = errno
            if code == Errno.interrupted { continue }
            if code == Errno.again || code == Errno.wouldBlock {
                var waitFor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&waitFor, 1, -1)
                continue
            }
            return .fromErrno(code)
        }
        return .sent(bytes.count)
    }

    /// Waits for readiness on any connection until the deadline and calls `handler` with
    /// each ready connection index (readable, or hung up). Returns how many were ready.
    /// Owning thread; no allocation.
    public func waitForReadiness(deadlineNanos: UInt64 = .max, _ handler: (Int) -> Void) -> Int {
        let ready = epoll_wait(descriptor, events, Int32(maxConnections), SpinDeadline(deadlineNanos).remainingMillis())
        if ready <= 0 { return 0 }
        for index in 0..<Int(ready) { handler(Int(events[index].data.u64)) }
        return Int(ready)
    }
}
