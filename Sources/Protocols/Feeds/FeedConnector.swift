import PeregrinePlatform
#if canImport(Glibc)
import Glibc
#endif

/// A non-blocking TCP connect, polled to completion from a session's `timer`, so that a slow
/// or unreachable peer never stalls the owner's loop (`SocketEngine.connect` blocks until the
/// kernel's SYN retries give up — minutes for an unreachable host).
///
/// The only system calls of this module live here (socket, connect, poll with a zero timeout,
/// getsockopt SO_ERROR); the connected socket is handed to `SocketEngine.adopt`, which owns it
/// from then on. This belongs in the platform layer as `TCPSocket.startConnect`; it is here
/// until that exists. One owner thread; no allocation.
struct FeedConnector {
    enum Progress: Equatable {
        case inProgress
        case connected
        /// errno.
        case failed(Int32)
    }

    /// The connecting socket (−1 when idle).
    private(set) var descriptor: Int32 = -1

    var isActive: Bool { descriptor >= 0 }

    /// Opens a non-blocking socket and starts connecting to `address`.
    mutating func start(_ address: SocketAddress) -> Progress {
        abandon()
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { return .failed(errno) }
        var kernelAddress = sockaddr_in()
        kernelAddress.sin_family = sa_family_t(AF_INET)
        kernelAddress.sin_port = address.port.bigEndian
        kernelAddress.sin_addr = in_addr(s_addr: address.hostBits.bigEndian)
        let rc = withUnsafePointer(to: &kernelAddress) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        descriptor = fd
        if rc == 0 { return .connected }
        let code = errno
        // EINTR: the connect continues asynchronously, exactly like EINPROGRESS.
        if code == EINPROGRESS || code == EINTR { return .inProgress }
        abandon()
        return .failed(code)
    }

    /// Whether the connect finished (zero-timeout poll for writability, then SO_ERROR).
    mutating func check() -> Progress {
        guard descriptor >= 0 else { return .failed(EBADF) }
        var request = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        let ready = poll(&request, 1, 0)
        if ready == 0 { return .inProgress }
        if ready < 0 {
            let code = errno
            if code == EINTR { return .inProgress }
            abandon()
            return .failed(code)
        }
        var failure: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &failure, &length) != 0 { failure = errno }
        if failure != 0 {
            abandon()
            return .failed(failure)
        }
        return .connected
    }

    /// Hands over the connected socket (TCP_NODELAY set); the connector is idle afterwards.
    mutating func take() throws(SystemError) -> TCPSocket {
        let socket = TCPSocket(adopting: descriptor)
        descriptor = -1
        try socket.setNoDelay(true)
        return socket
    }

    /// Closes a connect in flight, if any.
    mutating func abandon() {
        if descriptor >= 0 {
            _ = close(descriptor)
            descriptor = -1
        }
    }
}

/// errno names used by the sessions (a Glibc-only file, as the platform layer's `Errno`).
enum FeedErrno {
    static var connectionRefused: Int32 { ECONNREFUSED }
    static var timedOut: Int32 { ETIMEDOUT }

    /// The C library's text for an errno ("Connection refused"); allocates (logging only).
    static func describe(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }
}
