import PeregrineCore
import PeregrineFIX
import PeregrinePlatform
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A FIX acceptor: listens on one TCP port and serves many sessions, each connection routed
/// to its session by the first message's CompIDs and BeginString.
///
/// Refused without a word (connection closed, nothing sent — FIX has no session yet to
/// answer on): a first frame that is garbled or not for a configured session, and a second
/// connection for a session that already has one (duplicate logon). A connection that
/// closes before sending anything (a port probe) is shrugged off.
///
/// With `tls`, every connection first completes a TLS handshake (bounded by the settings'
/// handshake timeout); one that fails — a plaintext client, a client that distrusts our
/// certificate, a missing client certificate when one is required — is closed after
/// OpenSSL's alert and logged with the reason. Sessions then see plaintext frames only.
///
/// Threads: `start` spawns an accept thread and one thread per connection (blocking, epoll,
/// io_uring or busy-poll per `mode`); a session is used by one connection thread at a
/// time. `stop` ends them all (within about one tick) and joins them.
public final class FIXAcceptor: @unchecked Sendable {
    // SAFETY: sessions are handed to one connection thread at a time under `busy`'s lock;
    // the other fields are immutable after `start` or atomic.
    let sessions: [FIXSession]
    let address: SocketAddress
    let mode: SocketMode
    let driver: FIXConnectionDriver
    /// TLS for every connection, or nil for plain TCP.
    let tls: FIXTLSContext?
    let busy = Mutex<Set<Int>>([])
    let threads = Mutex<[PinnedThread]>([])
    let stopping = Atomic<Bool>(false)
    let connections = Atomic<Int>(0)
    var acceptThread: PinnedThread? = nil
    /// The port listened on (known after `start`; useful with port 0).
    public private(set) var port: UInt16 = 0
    /// Log lines (connection refused, session ended …), oldest first; bounded.
    let logLines = Mutex<[String]>([])

    /// - Parameters:
    ///   - sessions: acceptor sessions (role `.acceptor`), each with its store and application.
    ///   - address: where to listen (port 0 picks a free one).
    ///   - mode: how connection threads wait for bytes.
    ///   - tls: a server-role TLS context (certificate, key, client verification), or nil.
    public init(sessions: [FIXSession], address: SocketAddress, mode: SocketMode = .blocking,
                tls: FIXTLSContext? = nil, driver: FIXConnectionDriver = FIXConnectionDriver()) {
        precondition(tls.map { $0.role == .acceptor } ?? true, "an acceptor needs a server-role TLS context")
        self.sessions = sessions
        self.address = address
        self.mode = mode
        self.tls = tls
        self.driver = driver
    }

    /// Connections being served now.
    public var activeConnectionCount: Int { connections.load(ordering: .acquiring) }

    /// Recent log lines.
    public var log: [String] { logLines.withLock { $0 } }

    func note(_ line: String) {
        logLines.withLock { lines in
            lines.append(line)
            if lines.count > 1000 { lines.removeFirst(lines.count - 1000) }
        }
    }

    /// Listens and starts accepting. Set-up; throws `SystemError` (bind, listen, thread).
    public func start() throws(SystemError) {
        let listener = try TCPSocket.listen(on: address)
        port = try listener.localAddress().port
        let descriptor = listener.release()
        acceptThread = try PinnedThread.start(name: "fix-accept", placement: ThreadPlacement()) { [self] in
            acceptLoop(TCPSocket(adopting: descriptor))
        }
    }

    /// Stops accepting, ends every connection and joins the threads. Idempotent.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        acceptThread?.join()
        acceptThread = nil
        let all = threads.withLock { list -> [PinnedThread] in
            let copy = list
            list.removeAll()
            return copy
        }
        for t in all { t.join() }
    }

    func acceptLoop(_ listener: consuming TCPSocket) {
        while !stopping.load(ordering: .acquiring) {
            var waitFor = pollfd(fd: listener.descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&waitFor, 1, 50)
            if ready <= 0 { continue }
            guard let socket = try? listener.accept() else { continue }
            let fd = socket.release()
            connections.add(1, ordering: .acquiringAndReleasing)
            do {
                let t = try PinnedThread.start(name: "fix-conn", placement: ThreadPlacement()) { [self] in
                    serve(TCPSocket(adopting: fd))
                    connections.subtract(1, ordering: .acquiringAndReleasing)
                }
                threads.withLock { $0.append(t) }
            } catch {
                _ = TCPSocket(adopting: fd)
                connections.subtract(1, ordering: .acquiringAndReleasing)
                note("could not start a connection thread: \(error)")
            }
        }
    }

    /// The session a first frame belongs to, reserved for this connection, or nil.
    func claimSession(for frame: UnsafeRawBufferPointer) -> Int? {
        var parser = FIXParser()
        guard case .complete = parser.parse(frame) else {
            note("first frame garbled; connection closed")
            return nil
        }
        let message = parser.message
        guard let sender = message.valueBytes(tag: FIXTag.senderCompID),
              let target = message.valueBytes(tag: FIXTag.targetCompID) else { return nil }
        let senderText = String(decoding: sender, as: UTF8.self)
        let targetText = String(decoding: target, as: UTF8.self)
        guard let index = sessions.firstIndex(where: {
            $0.configuration.version == message.version && $0.configuration.senderCompID == targetText
                && $0.configuration.targetCompID == senderText
        }) else {
            note("no session for \(message.version) \(senderText)->\(targetText); connection closed")
            return nil
        }
        // A counterparty that reconnects at once can log on before this acceptor has
        // reaped its previous (closed) connection: give that one a short grace to finish
        // before refusing the logon as a duplicate.
        let graceEnd = Clock.monotonicNanos() + 1_000_000_000
        var claimed = false
        while true {
            claimed = busy.withLock { set -> Bool in
                if set.contains(index) { return false }
                set.insert(index)
                return true
            }
            if claimed || Clock.monotonicNanos() > graceEnd || stopping.load(ordering: .acquiring) { break }
            var pause = timespec(tv_sec: 0, tv_nsec: 5_000_000)
            nanosleep(&pause, nil)
        }
        if !claimed { note("session \(targetText)->\(senderText) already connected; duplicate refused") }
        return claimed ? index : nil
    }

    func serve(_ socket: consuming TCPSocket) {
        let engine: SocketEngine
        let connection: TCPConnection
        do {
            engine = try SocketEngine.make(mode: mode)
            connection = try engine.adopt(socket)
        } catch {
            note("connection set-up failed: \(error)")
            return
        }
        defer { engine.close() }
        let channel: FIXByteChannel
        if let tls {
            let secured: FIXTLSConnection
            do { secured = try FIXTLSConnection(context: tls, connection: connection) } catch {
                note("TLS set-up failed: \(error); connection closed")
                connection.close()
                return
            }
            let handshakeDeadline = Clock.monotonicNanos() + tls.settings.handshakeTimeoutNanos
            guard secured.handshake(deadlineNanos: handshakeDeadline, shouldStop: { stopping.load(ordering: .acquiring) }) else {
                note("TLS handshake failed: \(secured.failureReason); connection closed")
                secured.close()
                return
            }
            note("TLS established: \(secured.protocolVersion) \(secured.cipherName)")
            channel = .tls(secured)
        } else {
            channel = .plain(connection)
        }
        var inbound = FIXInboundBuffer()
        var claimed: Int? = nil
        var refused = false
        // Wait for the first frame (bounded by the logon timeout).
        let firstDeadline = Clock.monotonicNanos() + 10_000_000_000
        while claimed == nil && !refused && !stopping.load(ordering: .acquiring) {
            _ = inbound.peekFrame { frame in
                if let index = claimSession(for: frame) { claimed = index } else { refused = true }
            }
            if claimed != nil || refused { break }
            if Clock.monotonicNanos() > firstDeadline { refused = true; break }
            let result = channel.receive(deadlineNanos: Clock.monotonicNanos() + 50_000_000) { inbound.append($0) }
            switch result {
            case .received, .wouldBlock: continue
            case .closed, .failed: refused = true
            }
        }
        guard let index = claimed else {
            channel.close()
            return
        }
        let session = sessions[index]
        (session.store as? any FIXStoreRefreshing)?.refreshBeforeLogon()
        session.connected(at: driver.clock())
        let exit = driver.run(session, channel: channel, inbound: &inbound) { stopping.load(ordering: .acquiring) }
        channel.close()
        session.disconnected(at: driver.clock())
        busy.withLock { _ = $0.remove(index) }
        note("session \(session.configuration.senderCompID)->\(session.configuration.targetCompID) ended: \(exit)")
    }
}
