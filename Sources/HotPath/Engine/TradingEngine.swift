import PeregrineCEP
import PeregrineCore
import PeregrineFIX
import PeregrineFIXTransport
import PeregrineFeeds
import PeregrineJournal
import PeregrineMarketData
import PeregrineOMS
import PeregrinePlatform
import PeregrineRings
import PeregrineRisk
import PeregrineRuntime
import PeregrineStrategy
import Synchronization

// Design note — the fused engine thread (issue #7)
//
// One thread owns everything on the order path: the feed socket, the FIX order session,
// the filter, the top-of-book table, the strategies, pre-trade risk and the OMS. Per loop it
// takes feed bytes already arrived (never waits), decodes each line, filters it, updates the
// book, hands it to the strategies, and sends what they emit through risk → OMS → FIX —
// before looking at the next line. Execution reports are taken the same way from the FIX
// socket. No queue sits between a tick and its order, so tick-to-order is the sum of the
// work, and nothing on that path allocates, locks or builds a String.
//
// What leaves the thread: every market event, order command and execution report goes to a
// journal thread over SPSC rings (when a journal is configured), and a few counters are
// stored (relaxed atomics) every millisecond for the progress line. Reading the engine's
// state for the report is done after `stop` joins the thread.

/// The trading engine: market data in, orders out, on one thread (see the design note).
///
/// Threading: `start` spawns the engine thread; `stop` ends and joins it; `progress` may be
/// read from any thread while it runs; `report()` and the state properties only after
/// `stop`. Allocation: all at `init`/`start`; none per event. Errors: set-up problems throw;
/// a lost venue connection engages the kill switch (if the limits say so) and reconnects.
public final class TradingEngine<Strategies: EngineStrategies>: @unchecked Sendable {
    // SAFETY: the mutable state is touched only by the engine thread between `start` and
    // `stop` (thread start and join are the happens-before edges); `progress` is atomics.
    public let configuration: EngineConfiguration
    public internal(set) var strategies: Strategies
    public internal(set) var risk: PreTradeRisk
    public internal(set) var oms: OrderManager
    public internal(set) var filter: MarketDataFilter
    public internal(set) var book: TopOfBookTable
    var decoder: IQFeedLevel1Decoder
    var decoded = IQFeedLevel1Output()
    var fixMarketData: FIXMarketDataDecoder
    let symbolTexts: [FIXInlineText]
    var symbols: FIXSymbolTable
    let accountText: FIXInlineText
    let account: AccountId
    var sink: OrderSink
    var massCancels: [OrderCommand]
    /// The continuous queries (compiled CQL) run on every market event, or nil.
    public internal(set) var queries: CQLQuerySet?
    var cepOutput = CEPOutputBuffer(capacity: 1_024)
    var nextEngineOrder: UInt64 = 1

    // Connections (engine thread).
    var socketEngine: SocketEngine? = nil
    var feedConnection: TCPConnection? = nil
    /// The TWS API session when the feed kind is `tws`.
    var tws: TWSClientSession? = nil
    var feedBuffer: [UInt8]
    var feedBuffered = 0
    /// One per venue: the primary first (see `EngineConfiguration.additionalVenues`).
    var venues: [VenueLink] = []
    /// The primary venue's session.
    var session: FIXSession { venues[0].session }
    var nextFeedAttempt: UInt64 = 0

    // Journal.
    let journalWriter: JournalWriter?
    let marketRing: SPSCRing<MarketEvent>?
    let commandRing: SPSCRing<OrderCommand>?
    let executionRing: SPSCRing<ExecutionEvent>?
    let decisionRing: SPSCRing<JournaledRiskDecision>?
    var journalThread: PinnedThread? = nil
    /// Configuration changes (text) for the journal thread to write (cold path).
    let pendingConfigurationRecords = Mutex<[String]>([])
    /// Operator commands (see EngineControl.swift).
    let control = EngineControlSlot()
    public internal(set) var journalDrops = 0

    // Figures.
    /// Feed bytes received → the order's FIX bytes encoded (risk, OMS and session done),
    /// for ticks that led to at least one order (ns, monotonic clock).
    public internal(set) var tickToOrder = LatencyHistogram()
    /// Feed bytes received → the order's bytes handed to the kernel (`send` returned).
    public internal(set) var tickToWire = LatencyHistogram()
    /// Feed bytes received → the line fully processed, for every line (ns).
    public internal(set) var tickProcessing = LatencyHistogram()
    /// The venue's event time (exchange clock = this host's) → the order sent (ns).
    public internal(set) var venueEventToOrder = LatencyHistogram()
    public internal(set) var counters = EngineCounters()
    let progressState = EngineProgressAtomics()
    let stopping = Atomic<Bool>(false)
    var thread: PinnedThread? = nil
    var lastTimerNanos: UInt64 = 0
    var loopCount: UInt64 = 0
    var lastSessionTimerNanos: UInt64 = 0
    public internal(set) var log: [String] = []

    /// Builds the engine (cold: allocates every table). `riskLimits` must size at least
    /// the configured symbols and accounts 0...1. Throws `EngineError` for bad set-up.
    public init(configuration: EngineConfiguration, strategies: Strategies, riskLimits: RiskLimits,
                queries: CQLQuerySet? = nil, filter filterConfig: MarketDataFilterConfig? = nil) throws(EngineError) {
        let n = configuration.symbols.count
        guard n > 0 else { throw EngineError("no instruments configured") }
        guard riskLimits.instruments.count >= n else {
            throw EngineError("risk limits cover \(riskLimits.instruments.count) instruments, \(n) configured")
        }
        let problems = riskLimits.problems()
        guard problems.isEmpty else { throw EngineError("risk limits: " + problems.joined(separator: "; ")) }
        guard let text = FIXInlineText(configuration.accountName) else { throw EngineError("account name too long") }
        self.configuration = configuration
        self.strategies = strategies
        if let queries, queries.instruments < n {
            throw EngineError("the continuous queries were compiled for \(queries.instruments) instruments, \(n) configured")
        }
        self.queries = queries
        risk = PreTradeRisk(limits: riskLimits)
        var omsConfiguration = configuration.oms
        omsConfiguration.instrumentCount = max(omsConfiguration.instrumentCount, n)
        oms = OrderManager(configuration: omsConfiguration)
        var fc = filterConfig ?? MarketDataFilterConfig(instrumentCapacity: n, venueCapacity: 8,
                                                        defaults: InstrumentFilterRules(inUniverse: true, dropSuspicious: true,
                                                                                        spikeBandBasisPoints: 500))
        if fc.instrumentCapacity < n { fc = MarketDataFilterConfig(instrumentCapacity: n) }
        filter = MarketDataFilter(config: fc)
        book = TopOfBookTable(instrumentCapacity: n)
        var iq = IQFeedSymbolTable(capacity: max(16, 2 * n))
        symbols = FIXSymbolTable(capacity: max(16, 2 * n))
        for (i, s) in configuration.symbols.enumerated() {
            let id = InstrumentId(rawValue: UInt32(i))
            guard iq.insert(s, id: id), symbols.insert(s, id: id) else { throw EngineError("symbol \(s) rejected (duplicate or too long)") }
        }
        let date = configuration.feedSessionDate != 0 ? configuration.feedSessionDate : IQFeedLevel1Encoder.newYorkDate(of: Clock.now())
        decoder = IQFeedLevel1Decoder(symbols: iq, venue: configuration.venue, sessionDate: date)
        fixMarketData = FIXMarketDataDecoder(instrumentCount: n, venue: configuration.venue)
        symbolTexts = configuration.symbols.map { FIXInlineText($0) ?? FIXInlineText() }
        accountText = text
        account = AccountId(rawValue: 1)
        sink = OrderSink(capacity: 1_024)
        massCancels = []
        massCancels.reserveCapacity(4_096)
        feedBuffer = [UInt8](repeating: 0, count: 1 << 20)
        var specs: [AdditionalVenue] = []
        var primary = AdditionalVenue(name: configuration.venueName, orderEntry: configuration.orderEntry,
                                      targetCompID: configuration.targetCompID)
        primary.senderCompID = configuration.senderCompID
        primary.fixVersion = configuration.fixVersion
        primary.heartbeatSeconds = configuration.heartbeatSeconds
        primary.accountName = configuration.accountName
        primary.tls = configuration.venueTLS
        primary.cancelsOnDisconnect = configuration.venueCancelsOnDisconnect
        primary.extraOrderFields = configuration.extraOrderFields
        specs.append(primary)
        specs += configuration.additionalVenues
        let highestVenue = Int(configuration.venue.rawValue) + specs.count - 1
        guard riskLimits.venues.count > highestVenue else {
            throw EngineError("risk limits cover \(riskLimits.venues.count) venue(s); venue ids up to \(highestVenue) are configured")
        }
        for rule in configuration.routes where rule.venue < 0 || rule.venue >= specs.count {
            throw EngineError("a routing rule names venue \(rule.venue); \(specs.count) venue(s) are configured")
        }
        var links: [VenueLink] = []
        for (i, spec) in specs.enumerated() {
            links.append(try VenueLink(index: i, id: VenueId(rawValue: configuration.venue.rawValue + UInt16(i)), spec: spec,
                                       storeDirectory: spec.orderProtocol == .tws ? nil : configuration.fixStoreDirectory))
        }
        venues = links
        for v in venues { v.reconciliation.prepare(capacity: omsConfiguration.orderCapacity) }
        do {
            if let directory = configuration.journalDirectory {
                journalWriter = try JournalWriter(directory: directory, name: "engine")
                marketRing = try SPSCRing<MarketEvent>(capacity: 1 << 16)
                commandRing = try SPSCRing<OrderCommand>(capacity: 1 << 14)
                executionRing = try SPSCRing<ExecutionEvent>(capacity: 1 << 14)
                decisionRing = try SPSCRing<JournaledRiskDecision>(capacity: 1 << 14)
            } else {
                journalWriter = nil; marketRing = nil; commandRing = nil; executionRing = nil; decisionRing = nil
            }
        } catch {
            throw EngineError("journal: \(error)")
        }
        for v in venues { v.session.application = EngineSessionApplication(engine: self, venue: v) }
        attachTWSOrderLinks(specs)
        if configuration.recoverFromJournal, let directory = configuration.journalDirectory {
            recovery = try Self.recover(directory: directory, oms: &oms, risk: &risk, venue: configuration.venue,
                                        cancelsOnDisconnect: configuration.venueCancelsOnDisconnect)
            // The venue cancelled our open orders when the old session dropped; settle that
            // once the session is back and the resent reports are in (a fill that raced
            // the crash must land on a live order, not on one already marked cancelled).
            for v in venues { v.codPending = v.cancelsOnDisconnect }
            // Then ask the venue what it has (fills or cancels the journal never saw).
            if recovery.commands > 0 { for v in venues { v.reconciliation.pending = true } }
            self.strategies.resumeOrderIds(after: recovery.highestSequence)
            nextEngineOrder = recovery.highestSequence &+ 1
            if recovery.commands > 0 || recovery.executions > 0, configuration.fixStoreDirectory != nil {
                // Ask for every report of the session again: fills the journal had not yet
                // written when the engine stopped come back (duplicates are dropped by ExecID).
                for v in venues { v.session.store.nextTargetSequenceNumber = 1 }
            }
        }
    }

    /// What start-up recovery found in the journal.
    public struct Recovery: Sendable, Equatable {
        public var commands = 0
        public var executions = 0
        public var openOrdersCancelled = 0
        /// Highest order-id sequence (low 40 bits) seen; new ids continue above it.
        public var highestSequence: UInt64 = 0
        public var problems: [String] = []
    }

    /// Start-up recovery (zero when none ran).
    public internal(set) var recovery = Recovery()

    /// Replays the journal's accepted commands and the venue's reports into the OMS and
    /// risk (cold; allocates). Commands refused by risk are skipped (their decision record
    /// says so); a torn tail ends the replay where the writer would resume.
    static func recover(directory: String, oms: inout OrderManager, risk: inout PreTradeRisk, venue: VenueId,
                        cancelsOnDisconnect: Bool) throws(EngineError) -> Recovery {
        var result = Recovery()
        var decisions: [UInt64: UInt8] = [:]
        var commands: [(sequence: UInt64, command: OrderCommand)] = []
        var executions: [(sequence: UInt64, event: ExecutionEvent)] = []
        do {
            let reader = try JournalReader(directory: directory, name: "engine")
            while let record = try reader.next() {
                switch record.type {
                case .orderCommand:
                    if let c = JournalPayload.orderCommand(record) { commands.append((record.sequence, c)) }
                    else { result.problems.append("record \(record.sequence): not a valid order command; skipped") }
                case .riskDecision:
                    if let d = JournalPayload.riskDecision(record) { decisions[d.orderId.rawValue] = d.reason }
                case .executionEvent:
                    if let e = JournalPayload.executionEvent(record) { executions.append((record.sequence, e)) }
                    else { result.problems.append("record \(record.sequence): not a valid execution report; skipped") }
                default:
                    break
                }
            }
            if reader.stoppedAtTornTail { result.problems.append("journal ends in a torn record (the writer discards it)") }
        } catch {
            throw EngineError("journal recovery: \(error)")
        }
        // Merge in journal order (commands and reports travel on separate rings, so a
        // report may be written just before its command: apply commands first when tied).
        var ci = 0, ei = 0
        while ci < commands.count || ei < executions.count {
            let takeCommand = ei >= executions.count
                || (ci < commands.count && commands[ci].sequence < executions[ei].sequence)
            if takeCommand {
                let c = commands[ci].command
                ci += 1
                result.highestSequence = max(result.highestSequence, c.orderId.rawValue & ((1 << 40) - 1))
                // A command whose decision was not written (crash) may or may not have
                // left: register it; the venue's resent reports settle it.
                if let reason = decisions[c.orderId.rawValue], reason != 0 { continue }
                _ = oms.onSend(c, now: c.createdTime)
                result.commands += 1
            } else {
                let e = executions[ei].event
                ei += 1
                let r = oms.onExecution(e)
                if r.code == .unknownOrder, e.executionType == .trade {
                    _ = oms.applyExecutions(venue: e.venue, CollectionOfOne(e), now: e.receiveTime)
                }
                risk.onExecution(e)
                result.executions += 1
            }
        }
        return result
    }

    /// Starts the journal thread (if any) and the engine thread. Throws `SystemError`.
    public func start() throws(SystemError) {
        if let writer = journalWriter, let m = marketRing, let c = commandRing, let e = executionRing, let d = decisionRing {
            journalThread = try PinnedThread.start(name: "journal", placement: ThreadPlacement()) { [self] in
                var idle = BackoffIdle(maxSpins: 10, maxYields: 2, minParkNanos: 20_000, maxParkNanos: 1_000_000)
                func drain() -> Int {
                    let now = Clock.now()
                    var n = m.consume(limit: 4_096) { _ = writer.append($0, type: .marketEvent, timestamp: now) }
                    n += c.consume(limit: 4_096) { _ = writer.append($0, type: .orderCommand, timestamp: now) }
                    n += d.consume(limit: 4_096) { _ = writer.append($0, type: .riskDecision, timestamp: now) }
                    n += e.consume(limit: 4_096) { _ = writer.append($0, type: .executionEvent, timestamp: now) }
                    return n
                }
                func drainConfiguration() {
                    let texts = pendingConfigurationRecords.withLock { list -> [String] in let v = list; list.removeAll(); return v }
                    for text in texts {
                        var bytes = Array(text.utf8)
                        _ = bytes.withUnsafeMutableBytes { writer.append(type: .configurationChange, timestamp: Clock.now(), payload: UnsafeRawBufferPointer($0)) }
                    }
                }
                var passes = 0
                while !stopping.load(ordering: .acquiring) {
                    if drain() == 0 { idle.idle() } else { idle.reset() }
                    passes &+= 1
                    if passes & 255 == 0 { drainConfiguration() }
                }
                while drain() > 0 {}
                drainConfiguration()
                try? writer.flush(wait: true)
            }
        }
        thread = try PinnedThread.start(name: "engine", placement: configuration.placement) { [self] in run() }
    }

    /// Logs out of the venue, stops the engine and journal threads and joins them.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        thread?.join()
        thread = nil
        journalThread?.join()
        journalThread = nil
        journalWriter?.close()
    }

    /// Counters for a progress line, from any thread while running.
    public var progress: EngineProgress { progressState.snapshot() }

    /// Where the journal is being written, if anywhere.
    public var journalPath: String? { journalWriter?.currentFilePath }

    // MARK: - The engine thread

    @_specialize(where Strategies == ExampleStrategySet)
    @_specialize(where Strategies == LatencyProbeStrategies)
    func run() {
        do { socketEngine = try SocketEngine.make(mode: configuration.socketMode) } catch {
            note("socket engine: \(error)")
            return
        }
        if let reason = socketEngine?.fallbackReason { note(reason) }
        if configuration.feedKind == .tws, let socketEngine { startTWS(socketEngine) }
        if let socketEngine { startTWSVenues(socketEngine) }
        var backoff = BackoffIdle(maxSpins: 200, maxYields: 20, minParkNanos: 1_000, maxParkNanos: 50_000)
        var spin = BusySpinIdle()
        while !stopping.load(ordering: .acquiring) {
            let work = iterate()
            if work > 0 { backoff.reset() } else if configuration.spin { spin.idle() } else { backoff.idle() }
        }
        shutdown()
    }

    func iterate() -> Int {
        let mono = Clock.monotonicNanos()
        if configuration.feedKind == .iqfeed && feedConnection == nil && mono >= nextFeedAttempt { connectFeed() }
        for v in venues where v.tws == nil && v.link?.isOpen != true && mono >= v.nextConnectAttempt { connect(v) }
        var work = pollFeed()
        work += pollTWSVenues()
        if let tws {
            var handler = EngineFeedHandler(engine: self, tickStart: Clock.monotonicNanos())
            work += tws.poll(now: Clock.now(), handler: &handler)
        }
        // The order session is looked at every `orderSessionPollEvery`-th pass (a receive
        // is a system call in the polled modes): market data gets the tighter loop, and an
        // execution report waits at most a few passes (a microsecond or two).
        loopCount &+= 1
        if loopCount % configuration.orderSessionPollEvery == 0 {
            for v in venues {
                guard let link = v.link, link.isOpen else { continue }
                work += link.poll(now: Clock.now())
                if !link.isOpen { venueLost(v, link.closeReason) }
            }
        }
        if mono &- lastTimerNanos >= 1_000_000 {
            lastTimerNanos = mono
            let now = Clock.now()
            if queries != nil {
                // Live: processing time; everything older than now − 1 ns is complete.
                queries!.onWatermark(now - Nanoseconds(1), into: &cepOutput)
                deliverCEPOutput()
            }
            if let tws {
                var handler = EngineFeedHandler(engine: self, tickStart: 0)
                _ = tws.timer(now: now, handler: &handler)
            }
            timerTWSVenues(now: now)
            strategies.onTimer(now)
            route(now: now, tickStart: 0, venueTime: .zero)
            serviceControl(now: now)
            for v in venues where v.codPending && v.session.isLoggedOn && !v.session.isAwaitingResend {
                v.codPending = false
                let n = applyCancelOnDisconnect(venue: v.id, now: now)
                recovery.openOrdersCancelled += n
                if n > 0 { note("\(n) open order(s) at \(v.name) marked cancelled (the venue cancels on disconnect)") }
            }
            serviceReconciliation(now: now)
            if mono &- lastSessionTimerNanos >= 100_000_000 {
                lastSessionTimerNanos = mono
                for v in venues {
                    guard let link = v.link, link.isOpen else { continue }
                    link.timer(now: now)
                    if !link.isOpen { venueLost(v, link.closeReason) }
                }
            }
            publishProgress()
        }
        return work
    }

    /// Creates the TWS session, subscribes every symbol (stock, SMART, USD) and starts it.
    func startTWS(_ sockets: SocketEngine) {
        var c = TWSSessionConfiguration(address: configuration.feed)
        c.clientId = configuration.twsClientId
        c.venue = configuration.venue
        let session = TWSClientSession(configuration: c, engine: sockets)
        for (i, symbol) in configuration.symbols.enumerated() {
            session.subscribeMarketData(TWSContract(symbol: symbol), instrument: InstrumentId(rawValue: UInt32(i)))
        }
        var handler = EngineFeedHandler(engine: self, tickStart: 0)
        session.start(now: Clock.now(), handler: &handler)
        tws = session
        note("TWS feed: \(configuration.feed), client id \(c.clientId), \(configuration.symbols.count) subscription(s)")
    }

    func connectFeed() {
        guard let socketEngine else { return }
        nextFeedAttempt = Clock.monotonicNanos() &+ UInt64(configuration.reconnectDelay.count)
        do {
            let c = try socketEngine.connect(to: configuration.feed)
            let hello = "S,SET PROTOCOL,6.2\r\n"
            _ = hello.utf8CString.withUnsafeBytes { c.send(UnsafeRawBufferPointer(rebasing: $0.dropLast())) }
            feedConnection = c
            note("feed connected to \(configuration.feed)")
        } catch {
            note("feed: \(error)")
        }
    }

    /// Connects (and for TLS, handshakes) one venue's order session.
    func connect(_ v: VenueLink) {
        guard let socketEngine else { return }
        v.nextConnectAttempt = Clock.monotonicNanos() &+ UInt64(configuration.reconnectDelay.count)
        if let old = v.link { old.close(now: Clock.now()); v.link = nil }
        let label = v.index == 0 ? "order entry" : "order entry \(v.name)"
        do {
            let c = try socketEngine.connect(to: v.address)
            if let tlsContext = v.tlsContext {
                let tls: FIXTLSConnection
                do {
                    tls = try FIXTLSConnection(context: tlsContext, connection: c, serverName: v.tls?.serverName)
                } catch {
                    c.close()
                    note("\(label) TLS: \(error)")
                    return
                }
                let deadline = Clock.monotonicNanos() &+ (v.tls?.handshakeTimeoutNanos ?? 10_000_000_000)
                guard tls.handshake(deadlineNanos: deadline, shouldStop: { stopping.load(ordering: .acquiring) }) else {
                    note("\(label) TLS handshake failed: \(tls.failureReason)")
                    tls.close()
                    return
                }
                v.link = FIXSessionLink(session: v.session, channel: .tls(tls), now: Clock.now())
                note("\(label) connected to \(v.address) over \(tls.protocolVersion) (\(tls.cipherName))")
            } else {
                v.link = FIXSessionLink(session: v.session, connection: c, now: Clock.now())
                note("\(label) connected to \(v.address)")
            }
        } catch {
            note("\(label): \(error)")
        }
    }

    func venueLost(_ v: VenueLink, _ reason: String) {
        let now = Clock.now()
        note("order session\(v.index == 0 ? "" : " to \(v.name)") lost: \(reason)")
        if v.up {
            v.up = false
            risk.onVenueDisconnected(v.id, now: now)
            if v.cancelsOnDisconnect { v.codPending = true }
            v.reconciliation.pending = v.reconciliation.enabled
        }
        v.link?.close(now: now)
        v.link = nil
        v.nextConnectAttempt = Clock.monotonicNanos() &+ UInt64(configuration.reconnectDelay.count)
    }

    // MARK: hot path begin
    /// Takes feed bytes already arrived and processes every complete line.
    func pollFeed() -> Int {
        guard let connection = feedConnection else { return 0 }
        var got = 0
        let result = connection.tryReceive { bytes in
            let room = feedBuffer.count - feedBuffered
            let n = min(room, bytes.count)
            feedBuffer.withUnsafeMutableBytes { dst in
                dst.baseAddress!.advanced(by: feedBuffered).copyMemory(from: bytes.baseAddress!, byteCount: n)
            }
            feedBuffered += n
            got = n
            if n < bytes.count { counters.feedOverflowBytes &+= bytes.count - n }
        }
        switch result {
        case .received, .wouldBlock: break
        case .closed, .failed:
            note("feed lost")
            connection.close()
            feedConnection = nil
            feedBuffered = 0
            return 0
        }
        guard got > 0 else { return 0 }
        let tickStart = Clock.monotonicNanos()
        counters.feedBytes &+= got
        var start = 0
        var lines = 0
        // Lines are processed in place; the buffer is only read inside this closure.
        feedBuffer.withUnsafeBytes { raw in
            let filled = UnsafeRawBufferPointer(rebasing: raw[0..<feedBuffered])
            while let (line, next) = IQFeedText.nextLine(in: filled, from: start) {
                start = next
                lines += 1
                handleLine(line, tickStart: tickStart)
            }
        }
        if start > 0 {
            let rest = feedBuffered - start
            if rest > 0 {
                feedBuffer.withUnsafeMutableBytes { b in
                    b.baseAddress!.copyMemory(from: b.baseAddress!.advanced(by: start), byteCount: rest)
                }
            }
            feedBuffered = rest
        }
        return lines
    }

    func handleLine(_ line: UnsafeRawBufferPointer, tickStart: UInt64) {
        let now = Clock.now()
        let result = decoder.decode(line, receiveTime: now, into: &decoded)
        counters.feedLines &+= 1
        guard result == .events else {
            if result == .malformed || result == .unknownType { counters.feedBadLines &+= 1 }
            return
        }
        handleMarketEvent(decoded.first, now: now, tickStart: tickStart)
        if decoded.eventCount > 1 { handleMarketEvent(decoded.second, now: now, tickStart: tickStart) }
        tickProcessing.record(Clock.monotonicNanos() &- tickStart)
    }

    func handleMarketEvent(_ incoming: MarketEvent, now: Timestamp, tickStart: UInt64) {
        var event = incoming
        counters.marketEvents &+= 1
        guard filter.process(&event).passes else { counters.marketEventsDropped &+= 1; return }
        _ = book.apply(event)
        let instrument = event.instrument
        if event.kind == .trade {
            risk.onMarketPrice(instrument: instrument, price: event.price, time: now)
            oms.onMark(instrument: instrument, price: event.price)
        } else if event.kind == .quote, let mid = book[instrument].mid {
            risk.onMarketPrice(instrument: instrument, price: mid, time: now)
            oms.onMark(instrument: instrument, price: mid)
        }
        if let ring = marketRing, ring.tryPublish(event) != .published { journalDrops &+= 1 }
        strategies.onMarketEvent(event)
        if queries != nil {
            queries!.onEvent(event, time: event.receiveTime, into: &cepOutput)
            deliverCEPOutput()
        }
        route(now: now, tickStart: tickStart, venueTime: event.exchangeTime)
    }

    /// A FIX snapshot or incremental refresh (engine thread, inside the session's `poll`).
    func onFIXMarketData(_ message: FIXMessageView) {
        let tickStart = Clock.monotonicNanos()
        let now = Clock.now()
        counters.feedLines &+= 1
        _ = fixMarketData.decode(message, symbols: symbols, receiveTime: now) { event in
            handleMarketEvent(event, now: now, tickStart: tickStart)
        }
        tickProcessing.record(Clock.monotonicNanos() &- tickStart)
    }

    /// Hands the queries' results to the strategies and forgets them.
    func deliverCEPOutput() {
        let n = cepOutput.count
        guard n > 0 else { return }
        for i in 0..<n { strategies.onCEPOutput(cepOutput[i]) }
        counters.cepOutputs &+= n
        cepOutput.removeAll()
    }

    /// Sends what the strategies emitted through risk → OMS → FIX, then the kill switch's
    /// cancels; records tick-to-order when something was sent for a tick.
    func route(now: Timestamp, tickStart: UInt64, venueTime: Timestamp) {
        strategies.drain(into: &sink)
        var sent = 0
        for i in 0..<sink.count {
            var command = sink[i]
            command.account = account
            if command.createdTime == .zero { command.createdTime = now }
            sent += submit(command, now: now)
        }
        sink.removeAll()
        while let mass = risk.nextMassCancel() { sent += cancelAll(mass, now: now) }
        guard sent > 0 else { return }
        let encoded = tickStart != 0 ? Clock.monotonicNanos() : 0
        for v in venues { v.link?.flush() }
        flushTWSVenues(now: now)
        if tickStart != 0 {
            tickToOrder.record(encoded &- tickStart)
            tickToWire.record(Clock.monotonicNanos() &- tickStart)
            if venueTime != .zero {
                let d = Clock.now() - venueTime
                if d.count > 0 { venueEventToOrder.record(UInt64(d.count)) }
            }
        }
    }

    /// One command through risk and the OMS onto the wire. Returns 1 when sent.
    func submit(_ original: OrderCommand, now: Timestamp) -> Int {
        var command = original
        let v = venues[venueIndex(for: command)]
        command.venue = v.id
        let session = v.session
        guard v.tws == nil ? v.link?.isOpen == true && session.isLoggedOn : v.up else {
            counters.rejectedNotConnected &+= 1
            rejectToStrategy(command, now: now)
            return 0
        }
        let decision = risk.check(command, now: now)
        if let ring = commandRing, ring.tryPublish(command) != .published { journalDrops &+= 1 }
        if let ring = decisionRing,
           ring.tryPublish(JournaledRiskDecision(orderId: command.orderId, reason: decision.rejectReason?.rawValue ?? 0)) != .published {
            journalDrops &+= 1
        }
        guard decision.isAccepted else {
            counters.riskRejects &+= 1
            rejectToStrategy(command, now: now)
            return 0
        }
        let registered = oms.onSend(command, now: now)
        if registered.code.isFault {
            // The OMS refuses: a cancel or replace of an order it knows is finished (the
            // fill won the race), a pending request of the same kind, a reused ClOrdID.
            // Nothing goes to the venue; risk and the strategy hear a local reject.
            counters.omsRefusals &+= 1
            let reject = localReject(command, now: now)
            risk.onExecution(reject)
            strategies.onOrderUpdate(reject)
            return 0
        }
        if let t = v.tws { return submitTWS(command, venue: v, link: t, now: now) }
        guard let symbol = symbols.symbol(of: command.instrument) else { return 0 }
        let account = v.accountText
        let extras = v.extraFields
        let sequence: Int?
        switch command.kind {
        case .new:
            sequence = session.send(.newOrderSingle) { encoder in
                encoder.appendNewOrderSingleBody(command, symbol: symbol, account: account, transactTime: now)
                for field in extras { field.value.withUnsafeBytes { bytes in encoder.append(field.tag, bytes: bytes) } }
            }
            counters.ordersSent &+= 1
        case .cancel:
            sequence = session.send(.orderCancelRequest) { $0.appendOrderCancelRequestBody(command, symbol: symbol, account: account, transactTime: now) }
            counters.cancelsSent &+= 1
        case .replace:
            sequence = session.send(.orderCancelReplaceRequest) { encoder in
                encoder.appendOrderCancelReplaceRequestBody(command, symbol: symbol, account: account, transactTime: now)
                for field in extras { field.value.withUnsafeBytes { bytes in encoder.append(field.tag, bytes: bytes) } }
            }
            counters.replacesSent &+= 1
        case .massCancel:
            sequence = nil
        }
        return sequence == nil ? 0 : 1
    }

    /// Tells the strategy its command never left (so its book does not wait for an answer).
    func rejectToStrategy(_ command: OrderCommand, now: Timestamp) {
        strategies.onOrderUpdate(localReject(command, now: now))
    }

    /// The report a venue would send for a refused command: a reject for a new order, a
    /// cancel reject for a cancel or replace.
    func localReject(_ command: OrderCommand, now: Timestamp) -> ExecutionEvent {
        var e = ExecutionEvent()
        e.orderId = command.orderId
        e.originalOrderId = command.originalOrderId
        e.instrument = command.instrument
        e.account = command.account
        e.strategy = command.strategy
        e.side = command.side
        e.price = command.price
        e.orderQuantity = command.quantity
        e.executionType = .rejected
        e.orderStatus = command.kind == .new ? .rejected : .new
        if command.kind != .new { e.flags = ExecutionFlags.cancelRejected.rawValue }
        e.transactTime = now
        e.receiveTime = now
        e.venue = command.venue
        return e
    }

    /// The kill switch: a cancel for every open order of the account.
    func cancelAll(_ mass: OrderCommand, now: Timestamp) -> Int {
        massCancels.removeAll(keepingCapacity: true)
        oms.forEachOrder { _, record in
            guard record.account == mass.account, !record.isTerminal, !record.isCancelPending,
                  massCancels.count < massCancels.capacity else { return }
            massCancels.append(OrderCommand(kind: .cancel, orderId: .none, originalOrderId: record.orderId,
                                            instrument: record.instrument, side: record.side, type: record.type,
                                            timeInForce: record.timeInForce, price: record.price,
                                            quantity: record.quantity, account: record.account,
                                            strategy: record.strategy, venue: record.venue, createdTime: now))
        }
        var sent = 0
        for i in 0..<massCancels.count {
            massCancels[i].orderId = OrderId(rawValue: 0xFF << 40 | nextEngineOrder)
            nextEngineOrder &+= 1
            sent += submit(massCancels[i], now: now)
        }
        counters.killSwitchCancels &+= sent
        return sent
    }

    /// An execution report or cancel reject from the venue (engine thread, inside `poll`).
    @_specialize(where Strategies == ExampleStrategySet)
    @_specialize(where Strategies == LatencyProbeStrategies)
    func onExecution(_ incoming: ExecutionEvent) {
        var event = incoming
        if let record = oms.order(event.orderId) ?? oms.order(event.originalOrderId) {
            event.instrument = record.instrument
            event.account = record.account
            event.strategy = record.strategy
        }
        var result = oms.onExecution(event)
        if result.code == .unknownOrder && event.executionType == .trade {
            // A fill for an order we lost track of (sent just before a crash, its command
            // never journaled) still changes the position: adopt the order from the report.
            // (Not `reconcile` with no open orders: that would close every other working order.)
            let report = oms.applyExecutions(venue: event.venue, CollectionOfOne(event), now: event.receiveTime)
            if report.differences.contains(where: { $0.repair == .adoptedOrder }) {
                result = OrderEventResult(.applied)
                counters.adoptedFills &+= 1
            }
        }
        if result.code.isFault { counters.omsFaults &+= 1 }
        risk.onExecution(event)
        if let ring = executionRing, ring.tryPublish(event) != .published { journalDrops &+= 1 }
        if event.executionType == .trade {
            counters.fills &+= 1
            counters.filledQuantity &+= event.lastQuantity.rawValue
        } else if event.executionType == .rejected {
            counters.venueRejects &+= 1
        }
        strategies.onOrderUpdate(event)
        route(now: event.receiveTime, tickStart: 0, venueTime: .zero)
    }
    // MARK: hot path end

    /// The venue cancelled every open order of the session when it dropped and had nobody
    /// to tell: apply a cancel report for each (through OMS, risk, strategies and journal).
    /// Returns the number of orders. Cold path (after a reconnect).
    func applyCancelOnDisconnect(venue: VenueId, now: Timestamp) -> Int {
        var cancels: [ExecutionEvent] = []
        oms.forEachOrder { _, r in
            guard r.venue == venue, !r.isTerminal else { return }
            cancels.append(Self.cancelReport(for: r, venue: venue, now: now))
        }
        for e in cancels { onExecution(e) }
        return cancels.count
    }

    /// The cancel report the venue would have sent for order `r` (cancel-on-disconnect, or an
    /// order reconciliation found the venue no longer holds). Cold path.
    static func cancelReport(for r: OrderRecord, venue: VenueId, now: Timestamp, flags: UInt8 = 0) -> ExecutionEvent {
        var e = ExecutionEvent()
        e.orderId = r.orderId
        e.venueOrderId = r.venueOrderId
        e.instrument = r.instrument
        e.account = r.account
        e.strategy = r.strategy
        e.side = r.side
        e.price = r.price
        e.orderQuantity = r.quantity
        e.cumulativeQuantity = r.filledQuantity
        e.executionType = .canceled
        e.orderStatus = .canceled
        e.flags = flags
        e.transactTime = now
        e.receiveTime = now
        e.venue = venue
        return e
    }

    /// Queues a risk-limits change for the journal (cold: allocates its text).
    func journalLimitsChange(_ change: RiskLimitsChange) {
        let text = "risk limits version \(change.current.version) at \(change.time):\n" + change.differences.joined(separator: "\n")
        pendingConfigurationRecords.withLock { $0.append(text) }
    }

    func onLogon(_ v: VenueLink) {
        v.up = true
        risk.onVenueConnected(v.id)
        note(v.index == 0 ? "order session logged on" : "order session to \(v.name) logged on")
        if configuration.feedKind == .fix && v.index == 0 {
            let texts = symbolTexts
            let id = FIXInlineText("PEREGRINE-MD") ?? FIXInlineText()
            v.session.send(.marketDataRequest) { encoder in
                texts.withUnsafeBufferPointer { encoder.appendMarketDataRequestBody(requestID: id, subscribe: true, symbols: $0) }
            }
            note("market data requested on the order session (\(texts.count) symbol(s))")
        }
    }

    /// The venue a command goes to: a new order by the routing rules (first match, else
    /// the primary); a cancel or replace where its order went. O(rules).
    func venueIndex(for command: OrderCommand) -> Int {
        if command.kind == .new {
            for rule in configuration.routes where rule.matches(command) { return rule.venue }
            return 0
        }
        if let record = oms.order(command.originalOrderId) {
            let i = Int(record.venue.rawValue) - Int(configuration.venue.rawValue)
            if i >= 0 && i < venues.count { return i }
        }
        return 0
    }

    func publishProgress() {
        progressState.store(counters, risk: risk, venueUp: venues.allSatisfy { $0.up }, tickToOrderCount: tickToOrder.count)
    }

    func note(_ line: String) {
        log.append(line)
        if log.count > 200 { log.removeFirst(log.count - 200) }
        progressState.lastNote.withLock { $0 = line }
    }

    func shutdown() {
        for v in venues {
            guard let link = v.link, link.isOpen, v.session.isLoggedOn else { continue }
            link.logout(text: "engine stopping", now: Clock.now())
        }
        let deadline = Clock.monotonicNanos() + 2_000_000_000
        while venues.contains(where: { $0.link?.isOpen == true }) && Clock.monotonicNanos() < deadline {
            do {
                for v in venues { v.link?.poll(now: Clock.now()) }
                IdleSleep.sleep(nanos: 1_000_000)
            }
        }
        for v in venues { v.link?.close(now: Clock.now()); v.link = nil }
        feedConnection?.close()
        feedConnection = nil
        if let tws {
            var handler = EngineFeedHandler(engine: self, tickStart: 0)
            tws.stop(now: Clock.now(), handler: &handler)
        }
        stopTWSVenues()
        socketEngine?.close()
        publishProgress()
    }
}

/// The engine's side of the order session.
final class EngineSessionApplication<S: EngineStrategies>: FIXApplication {
    unowned let engine: TradingEngine<S>
    unowned let venue: VenueLink
    init(engine: TradingEngine<S>, venue: VenueLink) { self.engine = engine; self.venue = venue }

    var supportedMessageTypes: [FIXMessageType]? {
        [.executionReport, .orderCancelReject, .marketDataSnapshotFullRefresh, .marketDataIncrementalRefresh, .marketDataRequestReject,
         .businessMessageReject]
    }

    func onLogon(_ session: FIXSession) { engine.onLogon(venue) }
    func onLogout(_ session: FIXSession) {}

    func onMessage(_ message: FIXMessageView, session: FIXSession) -> FIXApplicationResult {
        let now = Clock.now()
        switch message.messageType {
        case .marketDataSnapshotFullRefresh, .marketDataIncrementalRefresh:
            engine.onFIXMarketData(message)
            return .accepted
        case .marketDataRequestReject:
            engine.note("the venue refused the market-data request")
            return .accepted
        case .businessMessageReject:
            engine.onBusinessReject(message, venue: venue)
            return .accepted
        case .executionReport where FIXOrderMessages.isStatusReport(message):
            return engine.onStatusReport(message, venue: venue)   // reconciliation answers, never fills
        default:
            break
        }
        let decoded: Result<ExecutionEvent, FIXOrderMessageError>
        if message.messageType == .executionReport {
            decoded = FIXOrderMessages.decodeExecutionReport(message, symbols: engine.symbols, venue: venue.id,
                                                             receiveTime: now)
        } else {
            decoded = FIXOrderMessages.decodeOrderCancelReject(message, venue: venue.id, receiveTime: now)
        }
        switch decoded {
        case .success(let event):
            engine.onExecution(event)
            return .accepted
        case .failure(let error):
            engine.counters.badExecutionReports &+= 1
            return .businessReject(reason: .other, tag: error.tag)
        }
    }
}

/// The journal payload of a risk decision (FORMAT.md, record type 4): order id, reason
/// code (0 = accepted), 7 reserved bytes; 16 bytes.
public struct JournaledRiskDecision: Sendable, BitwiseCopyable {
    public var orderId: UInt64
    public var reason: UInt8
    public var reserved: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0)
    public init(orderId: OrderId, reason: UInt8) {
        self.orderId = orderId.rawValue
        self.reason = reason
    }
}

/// A set-up problem of the engine.
public struct EngineError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Hands a feed session's events to the engine (engine thread).
struct EngineFeedHandler<S: EngineStrategies>: FeedEventHandler {
    unowned let engine: TradingEngine<S>
    let tickStart: UInt64

    mutating func onMarketEvent(_ event: MarketEvent) {
        engine.counters.feedLines &+= 1
        engine.handleMarketEvent(event, now: Clock.now(), tickStart: tickStart)
        if tickStart != 0 { engine.tickProcessing.record(Clock.monotonicNanos() &- tickStart) }
    }

    mutating func onHealthChange(_ change: FeedHealthChange) {
        engine.note("feed: \(change)")
    }
}
