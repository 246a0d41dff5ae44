import CSupport
#if canImport(Glibc)
import Glibc
#endif

/// One TCP socket file descriptor, closed when the value ends (`~Copyable`, `deinit`).
///
/// Set-up helpers (listen, accept, connect, options) run on the control thread or the
/// connection's own thread, may block (accept, connect) and allocate only for error text.
/// Each throws `SystemError` with the errno and an operation such as
/// "connect 127.0.0.1:9000". EINTR is retried. Move the socket into a connection type
/// (`PollingConnection`, `EpollLoop`, `IoUringLoop`) for the hot path.
public struct TCPSocket: ~Copyable, @unchecked Sendable {
    // SAFETY: the descriptor is owned by exactly one value; moving it between threads
    // hands over ownership (the kernel object itself is thread-safe).
    /// The file descriptor (valid until the value is closed or released).
    public let descriptor: Int32

    /// Adopts an open descriptor; the new value closes it.
    public init(adopting descriptor: Int32) {
        precondition(descriptor >= 0, "invalid file descriptor")
        self.descriptor = descriptor
    }

    deinit { _ = Glibc.close(descriptor) }

    /// Closes the descriptor now. Any thread that owns the value; does not block on TCP.
    public consuming func close() {}

    /// Gives up ownership without closing; the caller must close the descriptor.
    public consuming func release() -> Int32 {
        let fd = descriptor
        discard self
        return fd
    }

    // MARK: - Creating sockets

    /// Opens a listening socket on `address` (SO_REUSEADDR, `backlog`); port 0 lets the
    /// kernel pick one (read it back with `localAddress()`). Blocks briefly; set-up only.
    public static func listen(on address: SocketAddress, backlog: Int32 = 128) throws(SystemError) -> TCPSocket {
        let socket = try open(purpose: "listen \(address)")
        var one: Int32 = 1
        if setsockopt(socket.descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            throw SystemError("setsockopt(SO_REUSEADDR) for listen \(address)", errno: errno)
        }
        var kernelAddress = address.socketAddress
        let bound = withUnsafePointer(to: &kernelAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket.descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if bound != 0 { throw SystemError("bind \(address)", errno: errno) }
        if Glibc.listen(socket.descriptor, backlog) != 0 { throw SystemError("listen \(address)", errno: errno) }
        return socket
    }

    /// Connects to `address` with a blocking connect and sets TCP_NODELAY when `noDelay`.
    /// Throws with ECONNREFUSED when nothing listens there. Set-up only.
    public static func connect(to address: SocketAddress, noDelay: Bool = true) throws(SystemError) -> TCPSocket {
        let socket = try open(purpose: "connect \(address)")
        var kernelAddress = address.socketAddress
        let rc = withUnsafePointer(to: &kernelAddress) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                retryingOnInterrupt { Glibc.connect(socket.descriptor, raw, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        if rc != 0 {
            let code = errno
            // A connect interrupted after the handshake began completes in the background.
            if code != Errno.alreadyConnected { throw SystemError("connect \(address)", errno: code) }
        }
        if noDelay { try socket.setNoDelay(true) }
        return socket
    }

    /// Waits for and returns the next connection (blocking unless the socket is
    /// non-blocking, when EAGAIN is thrown); sets TCP_NODELAY on it when `noDelay`.
    public func accept(noDelay: Bool = true) throws(SystemError) -> TCPSocket {
        let fd = retryingOnInterrupt { Glibc.accept(descriptor, nil, nil) }
        if fd < 0 { throw SystemError("accept on fd \(descriptor)", errno: errno) }
        let socket = TCPSocket(adopting: fd)
        if noDelay { try socket.setNoDelay(true) }
        return socket
    }

    private static func open(purpose: String) throws(SystemError) -> TCPSocket {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw SystemError("socket(AF_INET, SOCK_STREAM) for \(purpose)", errno: errno) }
        return TCPSocket(adopting: fd)
    }

    // MARK: - Options

    /// Sets TCP_NODELAY (no Nagle delay for small writes). Set-up only.
    public func setNoDelay(_ on: Bool) throws(SystemError) {
        try setOption(Int32(IPPROTO_TCP), TCP_NODELAY, on ? 1 : 0, "TCP_NODELAY")
    }

    /// Sets or clears O_NONBLOCK. Set-up only.
    public func setNonBlocking(_ on: Bool) throws(SystemError) {
        let rc = CSupport_set_nonblocking(descriptor, on ? 1 : 0)
        if rc != 0 { throw SystemError("fcntl(O_NONBLOCK) on fd \(descriptor)", errno: rc) }
    }

    /// Sets SO_RCVBUF (the kernel doubles the value for bookkeeping). Set-up only.
    public func setReceiveBufferSize(_ bytes: Int) throws(SystemError) {
        try setOption(SOL_SOCKET, SO_RCVBUF, Int32(clamping: bytes), "SO_RCVBUF")
    }

    /// Sets SO_SNDBUF (the kernel doubles the value for bookkeeping). Set-up only.
    public func setSendBufferSize(_ bytes: Int) throws(SystemError) {
        try setOption(SOL_SOCKET, SO_SNDBUF, Int32(clamping: bytes), "SO_SNDBUF")
    }

    /// Bounds blocking receives (SO_RCVTIMEO); 0 waits forever. A receive that times out
    /// reports `.wouldBlock`. Set-up only.
    public func setReceiveTimeout(nanoseconds: UInt64) throws(SystemError) {
        var value = timeval(tv_sec: Int(nanoseconds / 1_000_000_000),
                            tv_usec: Int(nanoseconds % 1_000_000_000 / 1_000))
        if setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size)) != 0 {
            throw SystemError("setsockopt(SO_RCVTIMEO) on fd \(descriptor)", errno: errno)
        }
    }

    /// The address the socket is bound to (the kernel-picked port after `listen(on: …:0)`).
    public func localAddress() throws(SystemError) -> SocketAddress {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        if rc != 0 { throw SystemError("getsockname on fd \(descriptor)", errno: errno) }
        return SocketAddress(address)
    }

    private func setOption(_ level: Int32, _ name: Int32, _ value: Int32, _ label: String) throws(SystemError) {
        var value = value
        if setsockopt(descriptor, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            throw SystemError("setsockopt(\(label)) on fd \(descriptor)", errno: errno)
        }
    }
}
