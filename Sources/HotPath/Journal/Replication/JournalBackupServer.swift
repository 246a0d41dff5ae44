import Synchronization
import PeregrinePlatform
#if canImport(Glibc)
import Glibc
#endif

/// Settings of a `JournalBackupServer`.
public struct JournalBackupServerConfiguration: Sendable {
    /// Durability before an ack (default: msync before every ack).
    public var durability: JournalBackupDurability
    /// Ack at least every this many records even while more keep arriving.
    public var ackEveryRecords: Int
    /// Send a heartbeat after this long without sending anything.
    public var heartbeatIntervalNanos: UInt64
    /// Close a connection that has sent nothing for this long.
    public var peerTimeoutNanos: UInt64
    /// How long a client has to send its hello.
    public var helloTimeoutNanos: UInt64
    /// A client that reconnects at once may arrive before the server has seen its previous
    /// connection close: wait this long for the name to free up before refusing as busy.
    public var busyGraceNanos: UInt64
    /// Largest frame body accepted.
    public var maxFrameBody: Int

    public init(durability: JournalBackupDurability = .syncBeforeAck, ackEveryRecords: Int = 4096,
                heartbeatIntervalNanos: UInt64 = 1_000_000_000, peerTimeoutNanos: UInt64 = 10_000_000_000,
                helloTimeoutNanos: UInt64 = 5_000_000_000, busyGraceNanos: UInt64 = 1_000_000_000,
                maxFrameBody: Int = (64 << 20) + 64) {
        self.durability = durability
        self.ackEveryRecords = ackEveryRecords
        self.heartbeatIntervalNanos = heartbeatIntervalNanos
        self.peerTimeoutNanos = peerTimeoutNanos
        self.helloTimeoutNanos = helloTimeoutNanos
        self.busyGraceNanos = busyGraceNanos
        self.maxFrameBody = maxFrameBody
    }
}

/// The backup server (`peregrine backup-server`): accepts replication connections
/// (protocol: `ReplicationFrameType`) and keeps, per journal name, a byte-identical copy of
/// the primary's journal files in `directory`.
///
/// One client per journal name at a time (a second gets `error` busy and is closed);
/// clients may come and go — each connection resumes from what the folder holds. Every
/// record is checked (frame CRC, record CRC, order) before it is written; a bad frame
/// closes the connection with an `error` frame and writes nothing.
///
/// Threads: `start` spawns an accept thread and one thread per connection (blocking, cold
/// path). `stop` ends them all within about 50 ms and joins them.
public final class JournalBackupServer: @unchecked Sendable {
    // SAFETY: mutable shared state is behind Mutexes or atomic; `acceptThread` and `port`
    // are written by `start` and read by `stop`, both on the control thread.
    public let directory: String
    public let address: SocketAddress
    public let configuration: JournalBackupServerConfiguration
    private let active = Mutex<[String: ReplicationChannel]>([:])
    private let threads = Mutex<[ConnectionThread]>([])
    private let stopping = Atomic<Bool>(false)
    private let logLines = Mutex<[String]>([])
    private let recordsReceived = Atomic<Int>(0)
    private let refusedFrames = Atomic<Int>(0)
    private var acceptThread: PinnedThread?
    /// The port listened on (known after `start`; useful with port 0).
    public private(set) var port: UInt16 = 0

    /// A server storing into `directory` (which must exist), listening on `address`.
    public init(directory: String, address: SocketAddress, configuration: JournalBackupServerConfiguration = .init()) {
        self.directory = directory
        self.address = address
        self.configuration = configuration
    }

    /// Listens and starts accepting. Throws `SystemError` (bind, listen, thread).
    public func start() throws(SystemError) {
        stopping.store(false, ordering: .releasing)
        let listener = try TCPSocket.listen(on: address)
        port = try listener.localAddress().port
        let descriptor = listener.release()
        acceptThread = try PinnedThread.start(name: "backup-accept", placement: ThreadPlacement()) { [self] in
            acceptLoop(TCPSocket(adopting: descriptor))
        }
        note("listening on \(SocketAddress(hostBits: address.hostBits, port: port)), storing in \(directory)")
    }

    /// Stops accepting, ends every connection (their data so far is kept and synced) and
    /// joins the threads. Idempotent.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        acceptThread?.join()
        acceptThread = nil
        let all = threads.withLock { list -> [ConnectionThread] in
            let copy = list
            list.removeAll()
            return copy
        }
        for t in all { t.thread?.join() }
    }

    /// Cuts every client connection now (as a network failure would); clients reconnect.
    public func disconnectAll() {
        active.withLock { for channel in $0.values { channel.shutdown() } }
    }

    /// Journal names with a client connected now.
    public var connectedJournals: [String] { active.withLock { $0.keys.sorted() } }
    /// Records written since start (all journals).
    public var recordsWritten: Int { recordsReceived.load(ordering: .relaxed) }
    /// Connections closed because of a bad or out-of-order frame.
    public var refusedFrameCount: Int { refusedFrames.load(ordering: .relaxed) }
    /// Recent log lines, oldest first (bounded).
    public var log: [String] { logLines.withLock { $0 } }

    func note(_ line: String) {
        logLines.withLock { lines in
            lines.append(line)
            if lines.count > 1000 { lines.removeFirst(lines.count - 1000) }
        }
    }

    private func acceptLoop(_ listener: consuming TCPSocket) {
        while !stopping.load(ordering: .acquiring) {
            reapFinishedThreads()
            var waitFor = pollfd(fd: listener.descriptor, events: Int16(POLLIN), revents: 0)
            if poll(&waitFor, 1, 50) <= 0 { continue }
            guard let socket = try? listener.accept() else { continue }
            let fd = socket.release()
            let entry = ConnectionThread()
            do {
                entry.thread = try PinnedThread.start(name: "backup-conn", placement: ThreadPlacement()) { [self] in
                    serve(TCPSocket(adopting: fd))
                    entry.done.store(true, ordering: .releasing)
                }
                threads.withLock { $0.append(entry) }
            } catch {
                _ = TCPSocket(adopting: fd)
                note("could not start a connection thread: \(error)")
            }
        }
    }

    /// Joins connection threads that have ended (a long-running server sees many reconnects).
    private func reapFinishedThreads() {
        let finished = threads.withLock { list -> [ConnectionThread] in
            var done: [ConnectionThread] = []
            list.removeAll { entry in
                guard entry.done.load(ordering: .acquiring) else { return false }
                done.append(entry)
                return true
            }
            return done
        }
        for t in finished { t.thread?.join() }
    }

    private func serve(_ socket: consuming TCPSocket) {
        let channel: ReplicationChannel
        do { channel = try ReplicationChannel(socket: socket) } catch {
            note("connection set-up failed: \(error)")
            return
        }
        defer { channel.close() }
        let reader = FrameReader(maxBody: configuration.maxFrameBody)
        let out = FrameWriter()
        // 1. Hello.
        var journalName: String?
        let helloDeadline = Clock.monotonicNanos() + configuration.helloTimeoutNanos
        helloLoop: while journalName == nil {
            if stopping.load(ordering: .acquiring) || Clock.monotonicNanos() > helloDeadline { return }
            do {
                if let (type, body) = try reader.next() {
                    guard type == .hello, let name = Self.parseHello(body) else {
                        refuse(channel, out, .protocolViolation, "expected a valid hello (magic PRGNREPL, version 1, a journal name)")
                        return
                    }
                    journalName = name
                    break helloLoop
                }
            } catch {
                refuse(channel, out, .protocolViolation, error.text)
                return
            }
            switch channel.receive(into: reader, waitMillis: 50) {
            case .ok, .wouldBlock: continue
            default: return
            }
        }
        guard let name = journalName else { return }
        // 2. Claim the name (one client per journal).
        let graceEnd = Clock.monotonicNanos() + configuration.busyGraceNanos
        while true {
            let claimed = active.withLock { map -> Bool in
                if map[name] != nil { return false }
                map[name] = channel
                return true
            }
            if claimed { break }
            if Clock.monotonicNanos() > graceEnd || stopping.load(ordering: .acquiring) {
                refuse(channel, out, .busy, "journal '\(name)' already has a replication client")
                return
            }
            var pause = timespec(tv_sec: 0, tv_nsec: 5_000_000)
            nanosleep(&pause, nil)
        }
        // Unregister before the deferred close, so `disconnectAll` never touches a closed fd.
        defer { active.withLock { _ = $0.removeValue(forKey: name) } }
        // 3. Open the copy and tell the client where it ends.
        let store: BackupJournalStore
        do {
            store = try BackupJournalStore(directory: directory, name: name, durability: configuration.durability)
            try store.syncForAck()
        } catch let refusal as BackupRefusal {
            refuse(channel, out, refusal.code, refusal.text)
            return
        } catch {
            refuse(channel, out, .storage, "cannot open the backup of '\(name)': \(error)")
            return
        }
        defer { store.close() }
        if store.repairedTornTail { note("\(name): wiped a torn record at the tail of the backup") }
        note("\(name): client connected; backup at \(store.resumePosition)")
        out.reset()
        out.begin(.resume); store.resumePosition.encode(into: out); out.end()
        guard channel.send(out.bytes, deadlineNanos: Clock.monotonicNanos() + configuration.peerTimeoutNanos) == .ok else { return }
        var lastSent = Clock.monotonicNanos()
        var lastHeard = lastSent
        var unacked = 0
        // 4. Records until the client leaves, errs, or the server stops.
        while !stopping.load(ordering: .acquiring) {
            let status = channel.receive(into: reader, waitMillis: 50)
            let now = Clock.monotonicNanos()
            switch status {
            case .ok: lastHeard = now
            case .wouldBlock: break
            default:
                note("\(name): client gone (\(status.text)); backup at \(store.resumePosition)")
                return
            }
            do {
                while let (type, body) = try reader.next() {
                    switch type {
                    case .fileHeader:
                        try store.applyFileHeader(body)
                    case .record:
                        guard body.count >= 16, let b = body.baseAddress else {
                            throw BackupRefusal(code: .protocolViolation, text: "record frame of \(body.count) bytes")
                        }
                        try store.applyRecord(index: JournalLayout.load(b, 0, as: UInt64.self), offset: JournalLayout.load(b, 8, as: UInt64.self),
                                              bytes: UnsafeRawBufferPointer(rebasing: body[16...]))
                        unacked += 1
                        recordsReceived.add(1, ordering: .relaxed)
                        if unacked >= configuration.ackEveryRecords {
                            try sendAck(channel, out, store)
                            unacked = 0
                            lastSent = Clock.monotonicNanos()
                        }
                    case .heartbeat:
                        break
                    default:
                        throw BackupRefusal(code: .protocolViolation, text: "unexpected \(type) frame from a client")
                    }
                }
                if unacked > 0 && !channel.hasPendingInput {
                    try sendAck(channel, out, store)
                    unacked = 0
                    lastSent = Clock.monotonicNanos()
                }
            } catch let lost as ConnectionLost {
                note("\(name): client gone (\(lost.text)); backup at \(store.resumePosition)")
                return
            } catch let problem as FrameProblem {
                refusedFrames.add(1, ordering: .relaxed)
                refuse(channel, out, problem == .badChecksum(type: ReplicationFrameType.record.rawValue) ? .corrupt : .protocolViolation,
                       problem.text, journal: name)
                return
            } catch let refusal as BackupRefusal {
                refusedFrames.add(1, ordering: .relaxed)
                refuse(channel, out, refusal.code, refusal.text, journal: name)
                return
            } catch {
                refuse(channel, out, .protocolViolation, "\(error)", journal: name)
                return
            }
            if now &- min(now, lastSent) >= configuration.heartbeatIntervalNanos {
                out.reset()
                out.begin(.heartbeat); out.put(now); out.end()
                guard channel.send(out.bytes, deadlineNanos: now + configuration.peerTimeoutNanos) == .ok else { return }
                lastSent = now
            }
            if now &- min(now, lastHeard) >= configuration.peerTimeoutNanos {
                note("\(name): client silent for \(configuration.peerTimeoutNanos / 1_000_000) ms; closed")
                return
            }
        }
    }

    private func sendAck(_ channel: ReplicationChannel, _ out: FrameWriter, _ store: BackupJournalStore) throws {
        try store.syncForAck()
        out.reset()
        out.begin(.ack); store.resumePosition.encode(into: out); out.put(store.appliedBytes); out.end()
        let sent = channel.send(out.bytes, deadlineNanos: Clock.monotonicNanos() + configuration.peerTimeoutNanos)
        if sent != .ok { throw ConnectionLost(text: sent.text) }
    }

    private func refuse(_ channel: ReplicationChannel, _ out: FrameWriter, _ code: ReplicationErrorCode, _ text: String, journal: String? = nil) {
        note("\(journal.map { "\($0): " } ?? "")refused: \(text)")
        out.reset()
        out.begin(.error); out.put(code.rawValue); out.put(Array(text.utf8)); out.end()
        _ = channel.send(out.bytes, deadlineNanos: Clock.monotonicNanos() + 500_000_000)
        // Close gracefully: closing with unread input would reset the connection, and a
        // reset can discard the error frame before the client reads it. So stop sending,
        // then drain (briefly) until the client closes its side.
        channel.shutdownSending()
        let drainEnd = Clock.monotonicNanos() + 200_000_000
        let scratch = FrameReader(capacity: 1 << 16, maxBody: 0)
        while Clock.monotonicNanos() < drainEnd {
            scratch.reset()
            let r = channel.receive(into: scratch, waitMillis: 20)
            if r != .ok && r != .wouldBlock { break }
        }
    }

    static func parseHello(_ body: UnsafeRawBufferPointer) -> String? {
        guard body.count >= 16, let b = body.baseAddress else { return nil }
        for (i, m) in ReplicationWire.magic.enumerated() where body[i] != m { return nil }
        guard JournalLayout.load(b, 8, as: UInt16.self) == ReplicationWire.version else { return nil }
        let length = Int(JournalLayout.load(b, 10, as: UInt16.self))
        guard body.count == 16 + length else { return nil }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: body[16...]), as: UTF8.self)
        return ReplicationWire.isValidName(name) ? name : nil
    }
}

/// A connection thread and whether its work has ended (so the accept loop can join it).
private final class ConnectionThread: @unchecked Sendable {
    // SAFETY: `thread` is set by the accept thread before the entry is shared with `stop`
    // (through the threads Mutex); `done` is atomic.
    var thread: PinnedThread?
    let done = Atomic<Bool>(false)
}

/// The connection failed while the server was sending (the client is gone): not a refusal.
private struct ConnectionLost: Error { var text: String }
