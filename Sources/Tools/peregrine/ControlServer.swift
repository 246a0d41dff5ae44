import ArgumentParser
import PeregrinePlatform
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A Unix-domain control socket: one command line per connection, one answer, close.
/// Runs on its own (unpinned, sleeping) thread; never on the engine's.
final class ControlServer: @unchecked Sendable {
    // SAFETY: `fd` and `path` are immutable after init; the handler is called on the
    // server thread only; `stopping` is atomic.
    let path: String
    let fd: Int32
    let stopping = Atomic<Bool>(false)
    var thread: PinnedThread? = nil

    init(path: String, handler: @escaping @Sendable (String) -> String) throws {
        self.path = path
        unlink(path)
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ValidationError("control socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw ValidationError("control socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw ValidationError("control socket \(path): \(why)")
        }
        let listener = fd
        thread = try PinnedThread.start(name: "control", placement: ThreadPlacement()) { [self] in
            while !stopping.load(ordering: .acquiring) {
                var p = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
                guard poll(&p, 1, 100) > 0 else { continue }
                let client = accept(listener, nil, nil)
                guard client >= 0 else { continue }
                var timeout = timeval(tv_sec: 2, tv_usec: 0)
                setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                let line = Self.readLine(client)
                let answer = handler(line) + "\n"
                _ = answer.utf8CString.withUnsafeBytes { Glibc.send(client, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL)) }
                Glibc.close(client)
            }
        }
    }

    func stop() {
        stopping.store(true, ordering: .releasing)
        thread?.join()
        thread = nil
        close(fd)
        unlink(path)
    }

    static func readLine(_ fd: Int32) -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while bytes.count < 65_536 {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
            if bytes.contains(10) { break }
        }
        if let nl = bytes.firstIndex(of: 10) { bytes = Array(bytes[..<nl]) }
        return String(decoding: bytes, as: UTF8.self).trimmingSpaces()
    }

    /// Client side: sends `command` and returns the answer.
    static func send(_ command: String, to path: String) throws -> String {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ValidationError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw ValidationError("socket path too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            throw ValidationError("cannot reach the engine at \(path): \(String(cString: strerror(errno))) (is `peregrine run` running with control_socket = \(path)?)")
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let line = command + "\n"
        _ = line.utf8CString.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL)) }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            answer.append(contentsOf: buffer[0..<n])
        }
        var text = String(decoding: answer, as: UTF8.self)
        while text.hasSuffix("\n") { text.removeLast() }
        if text.isEmpty { throw ValidationError("no answer from the engine at \(path)") }
        return text
    }
}
