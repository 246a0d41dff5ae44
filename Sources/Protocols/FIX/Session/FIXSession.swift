import PeregrineCore

// Design note — the FIX session layer (issue #3, item 3)
//
// * No I/O and no clock: the owner feeds framed inbound messages (`receive(_:at:)`), timer
//   ticks (`timer(at:)`) and connection events, each with the current time; the session
//   appends outbound messages to `outbound` and raises `disconnectRequested`. So every rule
//   runs in tests with a fake clock, and the same object serves initiator and acceptor over
//   any transport.
// * The rules and their order follow the FIX 4.4 session-layer specification (vol. 2,
//   "Session Protocol") as QuickFIX implements it, since the conformance scripts were
//   written against QuickFIX: dictionary validation first (Reject), then SendingTime
//   (Reject 10 + Logout), CompIDs (Reject 9 + Logout), MsgSeqNum too high (ResendRequest,
//   queue) or too low (Logout + disconnect unless PossDupFlag=Y, then the OrigSendingTime
//   checks). Logout, ResendRequest and SequenceReset-Reset skip the sequence checks.
// * Outbound field order: 8, 9, 35, the other header tags ascending, body tags ascending
//   (the caller writes the body), 10; SendingTime with milliseconds.
// * Sequence numbers live in the `FIXMessageStore` (the file store makes them survive a
//   crash); only application messages are stored — administrative ones, and everything
//   in store-less mode, are answered with SequenceReset-GapFill.
// * Per message, the in-sequence path allocates nothing but the outbound buffer's growth
//   (reserved at init). Queueing an out-of-order message copies it (rare, recovery path).

/// Where a session is in its life.
public enum FIXSessionState: String, Sendable {
    /// No connection.
    case disconnected
    /// Connected, Logon not yet exchanged.
    case awaitingLogon
    /// Logon exchanged.
    case loggedOn
    /// We sent a Logout and wait for the answer.
    case loggingOut
}

/// Counters of events a monitor may read (never reset by the session).
public struct FIXSessionCounters: Sendable, Equatable {
    public var messagesReceived = 0
    public var messagesSent = 0
    public var garbledFrames = 0
    public var rejectsSent = 0
    public var resendRequestsSent = 0
    public var messagesResent = 0
}

/// One FIX session's state machine: logon, heartbeats, sequence numbers, resend, reject,
/// logout, schedule.
///
/// Thread: one owner at a time (not `Sendable`; transports hand it over with a
/// happens-before edge). Never blocks, never throws. See the design note above.
public final class FIXSession {
    /// The set-up values.
    public let configuration: FIXSessionConfiguration
    /// The dictionary inbound messages are validated against (`nil`: no validation).
    public let dictionary: FIXDictionary?
    /// Sequence numbers and sent messages.
    public let store: any FIXMessageStore
    /// The application receiving application messages.
    public var application: (any FIXApplication)?

    /// Lifecycle state.
    public internal(set) var state: FIXSessionState = .disconnected
    /// Set when the connection must be closed (after flushing `outbound`).
    public internal(set) var disconnectRequested = false
    /// Why the last disconnect was requested (for logs).
    public internal(set) var disconnectReason = ""
    /// Bytes of encoded outbound messages not yet taken by `drainOutbound`.
    public internal(set) var outbound: [UInt8] = []
    /// Event counters.
    public internal(set) var counters = FIXSessionCounters()
    /// HeartBtInt in force (seconds; 0 = none).
    public internal(set) var heartbeatIntervalSeconds: Int

    var encoder: FIXEncoder
    var parser = FIXParser()
    let senderBytes: [UInt8]
    let targetBytes: [UInt8]
    var now = Timestamp.zero
    var receivedLogon = false
    var sentLogon = false
    var sentReset = false
    var sentLogout = false
    var logonSentAt = Timestamp.zero
    var logoutSentAt = Timestamp.zero
    var connectedAt = Timestamp.zero
    var lastReceivedAt = Timestamp.zero
    var lastSentAt = Timestamp.zero
    var testRequestsOutstanding = 0
    /// Inbound sequence range we asked to be resent (begin, end), or nil.
    var resendRange: (begin: Int, end: Int)? = nil
    /// Too-high messages waiting for the gap to fill, by MsgSeqNum.
    var queue: [Int: [UInt8]] = [:]

    /// Creates a session (set-up; allocates its encoder, parser and buffers).
    public init(configuration: FIXSessionConfiguration, dictionary: FIXDictionary?, store: any FIXMessageStore,
                application: (any FIXApplication)? = nil) {
        self.configuration = configuration
        self.dictionary = dictionary
        self.store = store
        self.application = application
        heartbeatIntervalSeconds = configuration.heartbeatIntervalSeconds
        senderBytes = Array(configuration.senderCompID.utf8)
        targetBytes = Array(configuration.targetCompID.utf8)
        encoder = FIXEncoder(version: configuration.version,
                             senderCompID: FIXInlineText(configuration.senderCompID) ?? FIXInlineText(),
                             targetCompID: FIXInlineText(configuration.targetCompID) ?? FIXInlineText(),
                             capacity: 1 << 16)
        outbound.reserveCapacity(1 << 16)
    }

    /// MsgSeqNum of our next message.
    public var nextSenderSequenceNumber: Int { store.nextSenderSequenceNumber }
    /// MsgSeqNum expected next from the counterparty.
    public var nextTargetSequenceNumber: Int { store.nextTargetSequenceNumber }
    /// Whether Logon has been exchanged and no Logout sent.
    public var isLoggedOn: Bool { state == .loggedOn }
    /// Whether a gap is being filled: a ResendRequest of ours is outstanding or messages
    /// wait in the queue for it. An application that recovers from the counterparty's
    /// resent messages waits for this to turn false.
    public var isAwaitingResend: Bool { resendRange != nil || !queue.isEmpty }

    // MARK: - Connection events

    /// A transport connection is up. An initiator sends its Logon now.
    public func connected(at time: Timestamp) {
        now = time
        state = .awaitingLogon
        disconnectRequested = false
        disconnectReason = ""
        receivedLogon = false
        sentLogon = false
        sentLogout = false
        sentReset = false
        testRequestsOutstanding = 0
        resendRange = nil
        queue.removeAll()
        connectedAt = time
        lastReceivedAt = time
        lastSentAt = time
        checkDailyReset()
        if configuration.role == .initiator {
            guard configuration.schedule.isInSession(time) else { requestDisconnect("outside the session schedule"); return }
            if configuration.resetOnLogon {
                store.reset(at: time)
                sentReset = true
            }
            heartbeatIntervalSeconds = configuration.heartbeatIntervalSeconds
            sendLogon(resetFlag: sentReset)
            logonSentAt = time
        }
    }

    /// The transport connection is gone (closed by either side).
    public func disconnected(at time: Timestamp) {
        now = time
        let wasLoggedOn = receivedLogon
        state = .disconnected
        receivedLogon = false
        sentLogon = false
        sentLogout = false
        queue.removeAll()
        resendRange = nil
        if configuration.resetOnDisconnect { store.reset(at: time) }
        if wasLoggedOn { application?.onLogout(self) }
    }

    /// Starts the Logout handshake (optional Text); the session closes when the answer
    /// arrives or `logoutTimeout` passes.
    public func logout(text: String? = nil, at time: Timestamp) {
        now = time
        guard state == .loggedOn else { requestDisconnect("logout before logon"); return }
        sendLogout(text: text)
    }

    /// Hands the pending outbound bytes to `body` (e.g. a socket send) and clears them.
    public func drainOutbound(_ body: (UnsafeRawBufferPointer) -> Void) {
        guard !outbound.isEmpty else { return }
        outbound.withUnsafeBytes { body($0) }
        outbound.removeAll(keepingCapacity: true)
    }

    func requestDisconnect(_ reason: String) {
        if !disconnectRequested {
            disconnectRequested = true
            disconnectReason = reason
        }
    }

    // MARK: - Timer

    /// Heartbeat, TestRequest, logon and logout timeouts, schedule. Call at least every
    /// few hundred milliseconds. No allocation unless a message is sent.
    public func timer(at time: Timestamp) {
        now = time
        guard state != .disconnected, !disconnectRequested else { return }
        if !configuration.schedule.isInSession(time) {
            if state == .loggedOn { sendLogout(text: nil) } else if state == .awaitingLogon {
                requestDisconnect("outside the session schedule")
                return
            }
        }
        if !receivedLogon {
            let since = configuration.role == .initiator ? logonSentAt : connectedAt
            if time - since >= configuration.logonTimeout { requestDisconnect("logon timed out") }
            return
        }
        if sentLogout {
            if time - logoutSentAt >= configuration.logoutTimeout { requestDisconnect("logout timed out") }
            return
        }
        guard heartbeatIntervalSeconds > 0 else { return }
        let interval = Int64(heartbeatIntervalSeconds) * 1_000_000_000
        let sinceReceived = (time - lastReceivedAt).count
        let sinceSent = (time - lastSent).count
        let testAfter = interval * Int64(configuration.testRequestDelayPermille) / 1000
        if sinceReceived >= 2 * testAfter {
            requestDisconnect("timed out waiting for heartbeat")
        } else if sinceReceived >= testAfter * Int64(testRequestsOutstanding + 1) {
            sendTestRequest()
            testRequestsOutstanding += 1
        } else if sinceSent >= interval && testRequestsOutstanding == 0 {
            sendHeartbeat(testRequestID: nil)
        }
    }

    var lastSent: Timestamp { lastSentAt }

    /// Resets the store when it was created before the current schedule window opened.
    func checkDailyReset() {
        guard !configuration.schedule.isAlwaysOpen,
              let start = configuration.schedule.sessionStart(containing: now) else { return }
        if store.creationTime < start { store.reset(at: now) }
    }
}
