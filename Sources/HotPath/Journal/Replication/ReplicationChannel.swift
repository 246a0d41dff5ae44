import PeregrinePlatform
#if canImport(Glibc)
import Glibc
#endif

/// What a channel operation produced.
enum ChannelStatus: Equatable {
    case ok
    case wouldBlock
    case closed
    case timedOut
    case failed(errno: Int32)

    var text: String {
        switch self {
        case .ok: return "ok"
        case .wouldBlock: return "would block"
        case .closed: return "connection closed by the peer"
        case .timedOut: return "timed out"
        case .failed(let e): return SystemError("socket", errno: e).description
        }
    }
}

/// One replication TCP connection on a non-blocking socket: bounded sends (poll for
/// POLLOUT up to a deadline), receives straight into a `FrameReader`, and a connect with a
/// timeout. Cold path (replication agent thread, backup server threads); one owner thread.
final class ReplicationChannel: @unchecked Sendable {
    // SAFETY: used by one thread at a time; `shutdown()` may be called from another thread
    // (it only calls shutdown(2) on a descriptor the owner has not closed yet — the server
    // serializes that under its lock).
    private var socket: TCPSocket?
    let descriptor: Int32

    init(socket: consuming TCPSocket) throws(SystemError) {
        try socket.setNonBlocking(true)
        descriptor = socket.descriptor
        self.socket = Optional(socket)
    }

    /// Connects to `address`, giving up after `timeoutNanos` (a refused or unreachable
    /// server throws `SystemError` with the errno; a timeout with ETIMEDOUT).
    static func connect(to address: SocketAddress, timeoutNanos: UInt64) throws(SystemError) -> ReplicationChannel {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw SystemError("socket() for connect \(address)", errno: errno) }
        let socket = TCPSocket(adopting: fd)
        try socket.setNonBlocking(true)
        var kernelAddress = sockaddr_in()
        kernelAddress.sin_family = sa_family_t(AF_INET)
        kernelAddress.sin_port = address.port.bigEndian
        kernelAddress.sin_addr = in_addr(s_addr: address.hostBits.bigEndian)
        let rc = withUnsafePointer(to: &kernelAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if rc != 0 {
            let code = errno
            guard code == EINPROGRESS || code == EINTR else { throw SystemError("connect \(address)", errno: code) }
            var waitFor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = retryingOnInterrupt { poll(&waitFor, 1, Int32(clamping: (timeoutNanos + 999_999) / 1_000_000)) }
            if ready == 0 { throw SystemError("connect \(address)", errno: ETIMEDOUT) }
            if ready < 0 { throw SystemError("poll for connect \(address)", errno: errno) }
            var soError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            if getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length) != 0 {
                throw SystemError("getsockopt(SO_ERROR) for connect \(address)", errno: errno)
            }
            if soError != 0 { throw SystemError("connect \(address)", errno: soError) }
        }
        try socket.setNoDelay(true)
        return try ReplicationChannel(socket: socket)
    }

    /// Sends all of `bytes`, waiting for socket space until `deadlineNanos` (monotonic).
    func send(_ bytes: UnsafeRawBufferPointer, deadlineNanos: UInt64) -> ChannelStatus {
        guard socket != nil else { return .closed }
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.send(descriptor, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if n >= 0 { offset += n; continue }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK {
                let now = Clock.monotonicNanos()
                if now >= deadlineNanos { return .timedOut }
                var waitFor = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                _ = poll(&waitFor, 1, Int32(clamping: min(100, (deadlineNanos - now + 999_999) / 1_000_000)))
                continue
            }
            return code == EPIPE || code == ECONNRESET ? .closed : .failed(errno: code)
        }
        return .ok
    }

    /// Receives what is available into `reader`, first waiting up to `waitMillis` (0: do not
    /// wait) for bytes to arrive. `.ok` when bytes were added.
    func receive(into reader: FrameReader, waitMillis: Int32) -> ChannelStatus {
        guard socket != nil else { return .closed }
        if waitMillis > 0 {
            var waitFor = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = retryingOnInterrupt { poll(&waitFor, 1, waitMillis) }
            if ready == 0 { return .wouldBlock }
            if ready < 0 { return .failed(errno: errno) }
        }
        let space = reader.receiveSpace()
        while true {
            let n = recv(descriptor, space.baseAddress!, space.count, Int32(MSG_DONTWAIT))
            if n > 0 { reader.didReceive(n); return .ok }
            if n == 0 { return .closed }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
            return code == ECONNRESET ? .closed : .failed(errno: code)
        }
    }

    /// Whether bytes are waiting to be received now.
    var hasPendingInput: Bool {
        var waitFor = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&waitFor, 1, 0) > 0
    }

    /// Shuts both directions down (wakes the owner's next receive with `.closed`).
    func shutdown() {
        if socket != nil { _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR)) }
    }

    /// Stops sending (FIN) but keeps receiving. Owner thread.
    func shutdownSending() {
        if socket != nil { _ = Glibc.shutdown(descriptor, Int32(SHUT_WR)) }
    }

    /// Closes the socket. Owner thread.
    func close() { socket = nil }

    var isOpen: Bool { socket != nil }
}
