import Synchronization
import PeregrineCore
import PeregrinePlatform
import PeregrineRuntime
#if canImport(Glibc)
import Glibc
#endif

/// Settings of a `JournalReplicationAgent`.
public struct JournalReplicationConfiguration: Sendable {
    /// Folder and name of the local journal to replicate.
    public var directory: String
    public var journalName: String
    /// The backup server.
    public var server: SocketAddress
    /// Give up a connect after this long.
    public var connectTimeoutNanos: UInt64
    /// Back-off between connection attempts: starts here, doubles per failure, capped.
    public var initialBackoffNanos: UInt64
    public var maxBackoffNanos: UInt64
    /// Send a heartbeat after this long without sending anything.
    public var heartbeatIntervalNanos: UInt64
    /// Drop a connection whose server has sent nothing for this long (its heartbeats
    /// count), and bound every send by it.
    public var peerTimeoutNanos: UInt64
    /// Stop sending while this many bytes are sent but not acked (flow control).
    public var maxUnackedBytes: Int
    /// At most this many bytes go into one send (one duty cycle).
    public var maxBatchBytes: Int

    public init(directory: String, journalName: String = "journal", server: SocketAddress,
                connectTimeoutNanos: UInt64 = 1_000_000_000, initialBackoffNanos: UInt64 = 20_000_000,
                maxBackoffNanos: UInt64 = 2_000_000_000, heartbeatIntervalNanos: UInt64 = 1_000_000_000,
                peerTimeoutNanos: UInt64 = 10_000_000_000, maxUnackedBytes: Int = 8 << 20, maxBatchBytes: Int = 256 << 10) {
        self.directory = directory
        self.journalName = journalName
        self.server = server
        self.connectTimeoutNanos = connectTimeoutNanos
        self.initialBackoffNanos = initialBackoffNanos
        self.maxBackoffNanos = maxBackoffNanos
        self.heartbeatIntervalNanos = heartbeatIntervalNanos
        self.peerTimeoutNanos = peerTimeoutNanos
        self.maxUnackedBytes = maxUnackedBytes
        self.maxBatchBytes = maxBatchBytes
    }
}

/// A snapshot of a replication agent's progress (any thread).
public struct JournalReplicationStatus: Sendable, Equatable {
    /// Whether a connection is up and streaming.
    public var connected: Bool
    /// Highest sequence number the server has acknowledged as durable (0: none).
    public var ackedSequence: UInt64
    /// Highest sequence number read from the local journal and sent.
    public var sentSequence: UInt64
    /// Records sent but not yet acknowledged (`sentSequence - ackedSequence`). Records the
    /// agent has not read yet are not counted: compare `ackedSequence` with the writer's
    /// `nextSequence - 1` for the full lag.
    public var lagRecords: UInt64
    /// Bytes (file headers and records, with padding) sent on this connection and not yet acked.
    public var lagBytes: Int
    /// Successful connections so far (1 + reconnects).
    public var connections: Int
    /// Records sent since start (resends after a reconnect count again).
    public var recordsSent: Int
    /// The last problem (connect refused, server error, divergence …), if any.
    public var lastError: String?

    /// Records of the local journal not yet acknowledged by the backup, given the journal
    /// writer's `nextSequence` (counts records the agent has not read yet too).
    public func lag(journalNextSequence: UInt64) -> UInt64 {
        let last = journalNextSequence > 0 ? journalNextSequence - 1 : 0
        return last > ackedSequence ? last - ackedSequence : 0
    }
}

/// Streams a local journal to a `JournalBackupServer` (protocol: `ReplicationFrameType`).
///
/// An `Agent` for the `AgentRunner`, on a parked (non-spinning) thread — never on the hot
/// path: it tails the journal's files like a reader does, so the writer never waits for it.
/// Connects with a bounded connect, resumes from the position the server reports (so after
/// any disconnect nothing is lost or sent twice), streams file headers and records in
/// batches up to a window of unacknowledged bytes, sends heartbeats, and reconnects with
/// exponential back-off after any failure. `status` reports lag and the last error.
public final class JournalReplicationAgent: Agent, @unchecked Sendable {
    // SAFETY: all mutable state but the atomics and `errorText` is touched only by the
    // agent's thread (doWork/onClose); `status` reads atomics and a Mutex.
    public let name: String
    public let configuration: JournalReplicationConfiguration

    private enum State { case disconnected, awaitingResume, streaming }
    private var state = State.disconnected
    private var channel: ReplicationChannel?
    private var tail: JournalRawTail?
    private let reader = FrameReader(capacity: 1 << 16)
    private let out: FrameWriter
    private var nextAttempt: UInt64 = 0
    private var backoff: UInt64
    private var lastSent: UInt64 = 0
    private var lastHeard: UInt64 = 0
    private var resumeDeadline: UInt64 = 0
    private var bytesSentOnConnection: UInt64 = 0
    private var bytesAckedOnConnection: UInt64 = 0

    private let isConnected = Atomic<Bool>(false)
    private let acked = Atomic<UInt64>(0)
    private let sent = Atomic<UInt64>(0)
    private let lag = Atomic<Int>(0)
    private let connectionCount = Atomic<Int>(0)
    private let sentCount = Atomic<Int>(0)
    private let dropRequested = Atomic<Bool>(false)
    private let errorText = Mutex<String?>(nil)

    /// An agent named `name` (for the tuning profile) replicating as `configuration` says.
    public init(name: String = "journal-replication", configuration: JournalReplicationConfiguration) {
        precondition(ReplicationWire.isValidName(configuration.journalName), "journal name must be [A-Za-z0-9._-]{1,128}")
        self.name = name
        self.configuration = configuration
        backoff = configuration.initialBackoffNanos
        out = FrameWriter(capacity: configuration.maxBatchBytes + (1 << 16))
    }

    /// Progress and lag (any thread).
    public var status: JournalReplicationStatus {
        let a = acked.load(ordering: .relaxed), s = sent.load(ordering: .relaxed)
        return JournalReplicationStatus(connected: isConnected.load(ordering: .relaxed), ackedSequence: a, sentSequence: s,
                                        lagRecords: s > a ? s - a : 0, lagBytes: lag.load(ordering: .relaxed),
                                        connections: connectionCount.load(ordering: .relaxed),
                                        recordsSent: sentCount.load(ordering: .relaxed), lastError: errorText.withLock { $0 })
    }

    /// Drops the current connection at the next duty cycle (as a network failure would);
    /// the agent reconnects after its back-off and resumes. Any thread.
    public func dropConnection() { dropRequested.store(true, ordering: .releasing) }

    public func doWork() -> Int {
        let now = Clock.monotonicNanos()
        if dropRequested.exchange(false, ordering: .acquiringAndReleasing), state != .disconnected {
            disconnect(now, reason: "connection dropped on request")
        }
        switch state {
        case .disconnected: return connect(now)
        case .awaitingResume: return awaitResume(now)
        case .streaming: return stream(now)
        }
    }

    public func onClose() {
        channel?.close()
        channel = nil
        tail = nil
        state = .disconnected
        isConnected.store(false, ordering: .relaxed)
    }

    // MARK: - States

    private func connect(_ now: UInt64) -> Int {
        guard now >= nextAttempt else { return 0 }
        let opened: ReplicationChannel
        do {
            opened = try ReplicationChannel.connect(to: configuration.server, timeoutNanos: configuration.connectTimeoutNanos)
        } catch {
            fail(now, "\(error)")
            return 1
        }
        channel = opened
        reader.reset()
        out.reset()
        let nameBytes = Array(configuration.journalName.utf8)
        out.begin(.hello)
        out.put(ReplicationWire.magic); out.put(ReplicationWire.version); out.put(UInt16(nameBytes.count)); out.put(UInt32(0))
        out.put(nameBytes)
        out.end()
        guard send(now) else { return 1 }
        state = .awaitingResume
        resumeDeadline = now + configuration.peerTimeoutNanos
        lastHeard = now
        return 1
    }

    private func awaitResume(_ now: UInt64) -> Int {
        guard let channel else { return 0 }
        let received = channel.receive(into: reader, waitMillis: 0)
        if received != .ok && received != .wouldBlock {
            disconnect(now, reason: "server: \(received.text) before resume")
            return 1
        }
        let frame: (type: ReplicationFrameType, body: UnsafeRawBufferPointer)?
        do { frame = try reader.next() } catch {
            disconnect(now, reason: "server sent a bad frame: \(error.text)")
            return 1
        }
        guard let (type, body) = frame else {
            if now > resumeDeadline { disconnect(now, reason: "no resume from the server") }
            return 0
        }
        switch type {
        case .resume:
            guard let position = ReplicationPosition.decode(body) else {
                disconnect(now, reason: "short resume frame")
                return 1
            }
            do {
                let t = try JournalRawTail(directory: configuration.directory, name: configuration.journalName)
                try t.seek(to: position)
                tail = t
            } catch let d as JournalRawTail.Diverged {
                disconnect(now, reason: "backup diverged: \(d.text)")
                return 1
            } catch {
                disconnect(now, reason: "cannot read the journal: \(error)")
                return 1
            }
            let ackedSequence = position.nextSequence > 0 ? position.nextSequence - 1 : 0
            acked.store(ackedSequence, ordering: .relaxed)
            sent.store(ackedSequence, ordering: .relaxed)
            bytesSentOnConnection = 0
            bytesAckedOnConnection = 0
            lag.store(0, ordering: .relaxed)
            state = .streaming
            backoff = configuration.initialBackoffNanos
            connectionCount.add(1, ordering: .relaxed)
            isConnected.store(true, ordering: .relaxed)
            lastHeard = now
            return 1
        case .error:
            disconnect(now, reason: "server refused: \(Self.errorText(body))")
            return 1
        case .heartbeat:
            return 1
        default:
            disconnect(now, reason: "unexpected \(type) frame before resume")
            return 1
        }
    }

    private func stream(_ now: UInt64) -> Int {
        guard let channel, let tail else { return 0 }
        var work = 0
        // Acks, heartbeats, errors from the server.
        while true {
            let received = channel.receive(into: reader, waitMillis: 0)
            if received == .wouldBlock { break }
            if received != .ok {
                // Take what already arrived (an error frame before the close) first.
                drainFrames(now)
                if state == .streaming { disconnect(now, reason: "server: \(received.text)") }
                return 1
            }
            lastHeard = now
            work += 1
            if !drainFrames(now) { return 1 }
        }
        if now &- min(now, lastHeard) > configuration.peerTimeoutNanos {
            disconnect(now, reason: "server silent for \(configuration.peerTimeoutNanos / 1_000_000) ms")
            return 1
        }
        // Records, up to a batch and within the window.
        out.reset()
        var records = 0
        var lastSequence: UInt64 = 0
        var batchBytes: UInt64 = 0
        while out.count < configuration.maxBatchBytes
                && Int(bytesSentOnConnection &+ batchBytes &- bytesAckedOnConnection) < configuration.maxUnackedBytes {
            let item: JournalRawTail.Item?
            do { item = try tail.next() } catch {
                // Corruption in the local journal: nothing sensible to send; report and retry later.
                disconnect(now, reason: "local journal: \(error)")
                return 1
            }
            guard let item else { break }
            switch item {
            case .fileHeader(_, let bytes):
                out.begin(.fileHeader); out.put(bytes); out.end()
                batchBytes &+= UInt64(bytes.count)
            case .record(let index, let offset, let bytes, let sequence, let span, let isEndOfFile):
                out.begin(.record); out.put(index); out.put(UInt64(offset)); out.put(bytes); out.end()
                batchBytes &+= UInt64(span)
                records += 1
                if !isEndOfFile { lastSequence = sequence }
            }
        }
        if out.count > 0 {
            guard send(now) else { return 1 }
            bytesSentOnConnection &+= batchBytes
            if lastSequence > 0 { sent.store(lastSequence, ordering: .relaxed) }
            sentCount.add(records, ordering: .relaxed)
            lag.store(Int(bytesSentOnConnection &- bytesAckedOnConnection), ordering: .relaxed)
            work += records + 1
        } else if now &- min(now, lastSent) >= configuration.heartbeatIntervalNanos {
            out.begin(.heartbeat); out.put(now); out.end()
            guard send(now) else { return 1 }
        }
        return work
    }

    /// Handles every complete frame from the server; false when the connection was dropped.
    @discardableResult
    private func drainFrames(_ now: UInt64) -> Bool {
        while true {
            let frame: (type: ReplicationFrameType, body: UnsafeRawBufferPointer)?
            do { frame = try reader.next() } catch {
                disconnect(now, reason: "server sent a bad frame: \(error.text)")
                return false
            }
            guard let (type, body) = frame else { return true }
            switch type {
            case .ack:
                guard let position = ReplicationPosition.decode(body), body.count >= ReplicationPosition.encodedLength + 8,
                      let b = body.baseAddress else {
                    disconnect(now, reason: "short ack frame")
                    return false
                }
                acked.store(position.nextSequence > 0 ? position.nextSequence - 1 : 0, ordering: .relaxed)
                bytesAckedOnConnection = JournalLayout.load(b, ReplicationPosition.encodedLength, as: UInt64.self)
                lag.store(Int(bytesSentOnConnection &- bytesAckedOnConnection), ordering: .relaxed)
            case .heartbeat:
                break
            case .error:
                disconnect(now, reason: "server refused: \(Self.errorText(body))")
                return false
            default:
                disconnect(now, reason: "unexpected \(type) frame from the server")
                return false
            }
        }
    }

    // MARK: - Helpers

    private func send(_ now: UInt64) -> Bool {
        guard let channel else { return false }
        let result = channel.send(out.bytes, deadlineNanos: now + configuration.peerTimeoutNanos)
        out.reset()
        guard result == .ok else {
            disconnect(now, reason: "send to \(configuration.server): \(result.text)")
            return false
        }
        lastSent = now
        return true
    }

    private func disconnect(_ now: UInt64, reason: String) {
        channel?.close()
        channel = nil
        tail = nil
        state = .disconnected
        isConnected.store(false, ordering: .relaxed)
        fail(now, reason)
    }

    private func fail(_ now: UInt64, _ reason: String) {
        errorText.withLock { $0 = reason }
        nextAttempt = now + backoff
        backoff = min(configuration.maxBackoffNanos, backoff * 2)
    }

    static func errorText(_ body: UnsafeRawBufferPointer) -> String {
        guard body.count >= 4, let b = body.baseAddress else { return "(empty error frame)" }
        let code = JournalLayout.load(b, 0, as: UInt32.self)
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: body[4...]), as: UTF8.self)
        return "\(ReplicationErrorCode(rawValue: code).map { "\($0)" } ?? "code \(code)"): \(text)"
    }
}
