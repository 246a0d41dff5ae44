import CSupport
#if canImport(Glibc)
import Glibc
#endif

/// Connection-level calls: the same shape as `PollingConnection` and `EpollLoop`.
extension IoUringLoop {
    /// Waits (kernel or spin, per the configuration) for bytes on `connection` and lends
    /// them to `body` as a view of the provided buffer, which is recycled when `body`
    /// returns: no copy, no allocation. Completions of other connections are kept for later.
    /// Owning thread; `body` must not call back into the loop (copy what it needs).
    /// `.closed` once the peer has closed; `.wouldBlock` at the deadline.
    public func receive(connection: Int, deadlineNanos: UInt64 = .max,
                        _ body: (UnsafeRawBufferPointer) -> Void) -> ReceiveResult {
        if let finished = receiveFinished(connection) { return finished }
        var outcome: ReceiveResult? = nil
        while outcome == nil {
            let accepted = processCompletions(deadlineNanos: deadlineNanos) { completion in
                guard outcome == nil, completion.operation == .receive, completion.connection == connection else {
                    return false
                }
                if completion.result > 0 {
                    body(completion.bytes)
                    outcome = .received(Int(completion.result))
                } else if completion.result == 0 {
                    outcome = .closed
                } else {
                    outcome = -completion.result == Errno.connectionReset ? .closed : .failed(errno: -completion.result)
                }
                return true
            }
            if accepted == 0 && outcome == nil { return .wouldBlock }
        }
        return outcome!
    }

    /// Like `receive` but returns `.wouldBlock` at once when nothing has arrived (no wait,
    /// no system call unless SQEs are queued). Owning thread; no allocation.
    public func tryReceive(connection: Int, _ body: (UnsafeRawBufferPointer) -> Void) -> ReceiveResult {
        receive(connection: connection, deadlineNanos: 0, body)
    }

    func receiveFinished(_ connection: Int) -> ReceiveResult? {
        let slot = slots[connection]
        guard !slot.receiveArmed, pendingCount == 0 || !hasPendingReceive(connection) else { return nil }
        if slot.peerClosed || slot.descriptor < 0 { return .closed }
        if slot.receiveErrno != 0 { return .failed(errno: slot.receiveErrno) }
        return nil
    }

    func hasPendingReceive(_ connection: Int) -> Bool {
        var index = pendingHead
        for _ in 0..<pendingCount {
            if Int(pending[index].userData & 0xFF_FFFF) == connection { return true }
            index = index + 1 == pendingCapacity ? 0 : index + 1
        }
        return false
    }

    /// Sends all of `bytes` on `connection` through io_uring and waits for the send's
    /// completion (usually posted during the submitting `io_uring_enter`), so `bytes` need
    /// only live for the call. Received data arriving meanwhile is kept for `receive`.
    /// Owning thread; no allocation; one `io_uring_enter` per call (none with SQPOLL).
    public func send(connection: Int, _ bytes: UnsafeRawBufferPointer) -> SendResult {
        var offset = 0
        while offset < bytes.count {
            prepareSend(connection: connection,
                        bytes: UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            _ = io_uring_submit(ring)
            var result: Int32? = nil
            while result == nil {
                processCompletions { completion in
                    guard result == nil, completion.operation == .send, completion.connection == connection else {
                        return false
                    }
                    result = completion.result
                    return true
                }
            }
            if result! < 0 {
                if -result! == Errno.again || -result! == Errno.interrupted { continue }
                return .fromErrno(-result!)
            }
            offset += Int(result!)
        }
        return .sent(bytes.count)
    }

    /// Connects a new socket to `address` through io_uring (IORING_OP_CONNECT), sets
    /// TCP_NODELAY, registers it and returns its connection index. Blocks the caller until
    /// connected. Set-up; throws `SystemError` ("connect 127.0.0.1:9000", ECONNREFUSED …).
    public func connect(to address: SocketAddress) throws(SystemError) -> Int {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw SystemError("socket(AF_INET, SOCK_STREAM) for connect \(address)", errno: errno) }
        let socket = TCPSocket(adopting: fd)
        guard let index = freeSlot() else {
            throw SystemError("connect \(address) (all \(configuration.maxConnections) io_uring connections in use)", errno: Errno.tooManyFiles)
        }
        slots[index].address = address.socketAddress
        let sqe = nextSQE()
        withUnsafeMutablePointer(to: &slots[index].address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                io_uring_prep_connect(sqe, fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        io_uring_sqe_set_data64(sqe, IoUringLoop.userData(.connect, index))
        _ = io_uring_submit(ring)
        var result: Int32? = nil
        while result == nil {
            processCompletions { completion in
                guard result == nil, completion.operation == .connect, completion.connection == index else { return false }
                result = completion.result
                return true
            }
        }
        if result! < 0 { throw SystemError("connect \(address)", errno: -result!) }
        try socket.setNoDelay(true)
        return try register(socket)
    }

    /// Accepts one connection on `listener` through io_uring (IORING_OP_ACCEPT), sets
    /// TCP_NODELAY, registers it and returns its connection index. Blocks the caller up to
    /// the deadline (ETIMEDOUT after it). Set-up; throws `SystemError`.
    public func accept(on listener: borrowing TCPSocket, deadlineNanos: UInt64 = .max) throws(SystemError) -> Int {
        guard freeSlot() != nil else {
            throw SystemError("accept on fd \(listener.descriptor) (all \(configuration.maxConnections) io_uring connections in use)",
                              errno: Errno.tooManyFiles)
        }
        prepareAccept(on: listener)
        _ = io_uring_submit(ring)
        var result: Int32? = nil
        while result == nil {
            let accepted = processCompletions(deadlineNanos: deadlineNanos) { completion in
                guard result == nil, completion.operation == .accept else { return false }
                result = completion.result
                return true
            }
            if accepted == 0 && result == nil {
                throw SystemError("accept on fd \(listener.descriptor) (no connection before the deadline)", errno: Errno.timedOut)
            }
        }
        if result! < 0 { throw SystemError("accept on fd \(listener.descriptor)", errno: -result!) }
        let socket = TCPSocket(adopting: result!)
        try socket.setNoDelay(true)
        return try register(socket)
    }
}
