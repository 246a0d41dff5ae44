import PeregrineCore
import PeregrineMarketData
import PeregrinePlatform

/// A live TWS API client connection (TWS or IB Gateway), driven by its owner's loop without
/// ever blocking: handshake, market-data and depth subscriptions re-sent after every
/// reconnect or data loss, a connection-health state machine, outbound pacing, and reconnect
/// with back-off.
///
/// Drive it like `FIXSessionLink`: `start(now:)` once, then per loop iteration
/// `poll(now:handler:)` (bytes already arrived → frames → `TWSDecoder` → events; sends paced
/// requests) and every millisecond or so `timer(now:handler:)` (connect, timeouts, pacing,
/// reset window). Pass a clock that does not step backwards (`Clock.now()`); it stamps the
/// events' receive time.
///
/// Health (`state`, `dataStale`, see `FeedLinkState`): TWS error 1100/2110 → `connectivityLost`;
/// 1101 → every subscription re-sent (`resubscribing` until they are on the wire) → `ready`;
/// 1102 → `ready`; a broken or connecting market-data farm (2103/2119) makes data stale until
/// it reports OK (2104) or inactive (2108); error 100 pauses sending for
/// `pacingViolationPause` and re-queues the request it names; 326 (client id in use) drops the
/// connection. Unknown or malformed frames are counted and skipped by their length prefix.
///
/// Threading: one owner thread for every call (the session, its socket engine and its buffers
/// are thread-confined; hand it over only through a happens-before edge such as thread start).
/// Allocation: buffers at `init`; the socket engine's connection buffers at each (re)connect;
/// the stored contract at `subscribe…`. None per message: `poll` and `timer` do not allocate,
/// lock, throw or build Strings. Errors: nothing throws after `init`; connection problems
/// become health changes (`FeedHealthChange.reason`, errno in `code`) and counters.
public final class TWSClientSession {
    /// The set-up values.
    public let configuration: TWSSessionConfiguration
    let engine: SocketEngine
    var connection: TCPConnection? = nil
    var connector = FeedConnector()
    let inbound: FeedByteQueue
    /// Queued requests: per entry a 4-byte tag (subscription slot + 1, or 0) then one TWS frame.
    let outbound: FeedByteQueue
    var outboundFrames = 0
    var decoder: TWSDecoder
    var pacer: TokenBucket
    var backoff: ReconnectBackoff

    /// Connection health.
    public internal(set) var state = FeedLinkState.disconnected
    /// Whether market data should be treated as stale (not `ready`, or a market-data farm down).
    public internal(set) var dataStale = true
    /// Volumes and faults.
    public internal(set) var counters = FeedSessionCounters()
    /// Data-farm status from TWS's 2103–2158 notices (this connection).
    public internal(set) var farms = TWSFarmTable()
    /// The negotiated server version (0 before the reply).
    public internal(set) var serverVersion = 0
    /// The last nextValidId (−1 before the first).
    public internal(set) var nextValidOrderId: Int64 = -1
    /// Whether the clock is inside the configured reset window (checked once a second).
    public var inResetWindow: Bool { resetWindow.inside }
    /// Whether TWS reported losing IB (1100/2110) without a 1101/1102 since.
    public internal(set) var upstreamLost = false

    var running = false
    var nextConnectAt = Timestamp.zero
    var phaseDeadline = Timestamp.zero
    var resetWindow = FeedResetWindowTracker()
    var receivedNextValidId = false
    var receivedAccounts = false
    var everReady = false
    var resubscribeRemaining = 0
    var pacingPausedUntil: Timestamp? = nil
    var waitingForToken = false
    var discardRemaining = 0
    var pendingDrop: (reason: FeedHealthReason, code: Int64)? = nil
    var accountBytes: [UInt8]
    var accountLength = 0

    var tickers: [TWSTickerState]
    var requests: [TWSSubscriptionRequest?]
    var generations: [Int64]
    /// Active subscriptions.
    public internal(set) var subscriptionCount = 0

    /// A session on `engine` (shared with other connections of the owner's thread; a
    /// `.blocking` or `.busyPoll` engine suits a session driven by `poll`). Set-up: allocates
    /// the buffers and subscription table. Does not connect until `start`.
    public init(configuration: TWSSessionConfiguration, engine: SocketEngine) {
        precondition(configuration.subscriptionCapacity > 0, "subscription capacity must be positive")
        precondition(configuration.maximumVersion <= 200, "versions above 200 switch TWS to protobuf, which this codec does not speak")
        self.configuration = configuration
        self.engine = engine
        inbound = FeedByteQueue(capacity: max(4_096, configuration.receiveBufferBytes))
        outbound = FeedByteQueue(capacity: max(16_384, configuration.sendQueueBytes))
        decoder = TWSDecoder(serverVersion: TWSHandshake.maximumVersion, maximumFrameLength: inbound.capacity - 4)
        pacer = TokenBucket(ratePerSecond: configuration.messagesPerSecond, depth: configuration.pacingBurst)
        backoff = ReconnectBackoff(initial: configuration.initialReconnectDelay, maximum: configuration.maximumReconnectDelay)
        accountBytes = [UInt8](repeating: 0, count: 512)
        tickers = [TWSTickerState](repeating: TWSTickerState(), count: configuration.subscriptionCapacity)
        requests = [TWSSubscriptionRequest?](repeating: nil, count: configuration.subscriptionCapacity)
        generations = [Int64](repeating: 0, count: configuration.subscriptionCapacity)
    }

    deinit {
        connector.abandon()
        connection?.close()
    }

    /// The accounts from managedAccounts ("DU123456,DU7"); allocates (reporting).
    public var managedAccounts: String { String(decoding: accountBytes[0..<accountLength], as: UTF8.self) }

    /// A data farm's name, kind and status by slot (`FeedHealthChange.farm`); allocates.
    public func farmName(_ slot: Int) -> String? { farms.farm(slot)?.name }

    // MARK: - Lifecycle

    /// Starts connecting (on the next `timer`) and keeps reconnecting until `stop`.
    public func start<H: FeedEventHandler>(now: Timestamp, handler: inout H) {
        guard !running else { return }
        running = true
        nextConnectAt = now
        resetWindow.restart(now: now)
        report(.started, now: now, handler: &handler)
    }

    /// Closes the connection and stops reconnecting. Queued requests are dropped;
    /// subscriptions are kept (a later `start` re-sends them).
    public func stop<H: FeedEventHandler>(now: Timestamp, handler: inout H) {
        guard running else { return }
        running = false
        closeConnection()
        transition(to: .disconnected, reason: .stopped, now: now, handler: &handler)
    }

    // MARK: - Timer

    /// Connect and reconnect, connect and handshake timeouts, the end of a pacing pause, the
    /// reset window, and paced sends. Call every millisecond or so (more often while requests
    /// are queued: sends are released at most once per call per available token). Never
    /// blocks; no allocation. Returns the work done (0 when idle).
    @discardableResult
    public func timer<H: FeedEventHandler>(now: Timestamp, handler: inout H) -> Int {
        guard running else { return 0 }
        var work = 0
        if let crossed = resetWindow.poll(now: now, window: configuration.resetWindow) {
            report(crossed, now: now, handler: &handler)
            work += 1
        }
        switch state {
        case .disconnected:
            if now >= nextConnectAt { beginConnect(now: now, handler: &handler); work += 1 }
        case .connecting:
            switch connector.check() {
            case .inProgress:
                if now >= phaseDeadline {
                    connector.abandon()
                    connectFailed(.connectTimedOut, code: Int64(FeedErrno.timedOut), now: now, handler: &handler)
                    work += 1
                }
            case .connected:
                finishConnect(now: now, handler: &handler)
                work += 1
            case .failed(let code):
                connectFailed(.connectFailed, code: Int64(code), now: now, handler: &handler)
                work += 1
            }
        case .handshaking:
            if now >= phaseDeadline {
                pendingDrop = (.handshakeTimedOut, 0)
                work += 1
            }
        case .resubscribing, .ready, .connectivityLost:
            break
        }
        if let until = pacingPausedUntil, now >= until {
            pacingPausedUntil = nil
            report(.pacingResumed, now: now, handler: &handler)
            work += 1
        }
        work += flushOutbound(now: now, handler: &handler)
        applyPendingDrop(now: now, handler: &handler)
        return work
    }

    func beginConnect<H: FeedEventHandler>(now: Timestamp, handler: inout H) {
        counters.connectAttempts += 1
        switch connector.start(configuration.address) {
        case .connected:
            transition(to: .connecting, reason: .connectStarted, now: now, handler: &handler)
            finishConnect(now: now, handler: &handler)
        case .inProgress:
            phaseDeadline = now + configuration.connectTimeout
            transition(to: .connecting, reason: .connectStarted, now: now, handler: &handler)
        case .failed(let code):
            connectFailed(.connectFailed, code: Int64(code), now: now, handler: &handler)
        }
    }

    func connectFailed<H: FeedEventHandler>(_ reason: FeedHealthReason, code: Int64, now: Timestamp, handler: inout H) {
        counters.connectFailures += 1
        scheduleReconnect(now: now)
        transition(to: .disconnected, reason: reason, code: code, now: now, handler: &handler)
    }

    func scheduleReconnect(now: Timestamp) {
        nextConnectAt = now + (inResetWindow ? configuration.resetWindowRetryDelay : backoff.fail())
    }

    /// The TCP connect finished: adopt the socket, send the greeting, wait for the reply.
    func finishConnect<H: FeedEventHandler>(now: Timestamp, handler: inout H) {
        let adopted: TCPConnection
        do {
            let socket = try connector.take()
            adopted = try engine.adopt(socket)
        } catch {
            connectFailed(.connectFailed, code: Int64(error.errno), now: now, handler: &handler)
            return
        }
        connection = adopted
        resetConnectionState(now: now)
        var ok = false
        withUnsafeTemporaryAllocation(byteCount: 256, alignment: 8) { buffer in
            if let n = TWSHandshake.writeGreeting(minimumVersion: configuration.minimumVersion,
                                                  maximumVersion: configuration.maximumVersion,
                                                  options: configuration.connectOptions, into: buffer) {
                ok = adopted.send(UnsafeRawBufferPointer(rebasing: buffer[0..<n])) == .sent(n)
                if ok { counters.bytesSent += n }
            }
        }
        phaseDeadline = now + configuration.handshakeTimeout
        transition(to: .handshaking, reason: .connected, now: now, handler: &handler)
        if !ok { pendingDrop = (.socketError, 0) }
    }

    func resetConnectionState(now: Timestamp) {
        inbound.removeAll()
        outbound.removeAll()
        outboundFrames = 0
        serverVersion = 0
        receivedNextValidId = false
        receivedAccounts = false
        resubscribeRemaining = 0
        discardRemaining = 0
        upstreamLost = false
        pacingPausedUntil = nil
        waitingForToken = false
        farms.removeAll()
        pacer.reset(now: now)
        for i in tickers.indices { tickers[i].queued = false }
    }

    /// Closes the socket (and a connect in flight); queued requests are dropped and counted.
    func closeConnection() {
        connector.abandon()
        if let connection {
            connection.close()
            self.connection = nil
        }
        counters.requestsDroppedOnDisconnect += outboundFrames
        outbound.removeAll()
        outboundFrames = 0
        inbound.removeAll()
        pendingDrop = nil
        for i in tickers.indices { tickers[i].queued = false }
    }

    /// Ends the connection if something asked for it (done outside the receive closure).
    func applyPendingDrop<H: FeedEventHandler>(now: Timestamp, handler: inout H) {
        guard let drop = pendingDrop else { return }
        closeConnection()
        guard running else { return }
        scheduleReconnect(now: now)
        transition(to: .disconnected, reason: drop.reason, code: drop.code, now: now, handler: &handler)
    }

    // MARK: - Health

    /// Moves to `next` and reports the change (always, even when the state stays the same).
    func transition<H: FeedEventHandler>(to next: FeedLinkState, reason: FeedHealthReason, code: Int64 = 0, farm: Int32 = -1,
                                         now: Timestamp, handler: inout H) {
        let previous = state
        state = next
        dataStale = next != .ready || farms.marketDataImpaired
        counters.healthChanges += 1
        handler.onHealthChange(FeedHealthChange(time: now, previous: previous, state: next, dataStale: dataStale,
                                                reason: reason, code: code, farm: farm))
    }

    /// Reports an event that leaves the state as it is.
    func report<H: FeedEventHandler>(_ reason: FeedHealthReason, code: Int64 = 0, farm: Int32 = -1, now: Timestamp, handler: inout H) {
        transition(to: state, reason: reason, code: code, farm: farm, now: now, handler: &handler)
    }
}
