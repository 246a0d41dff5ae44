import PeregrineCore
import PeregrineFIX
import PeregrineFIXTransport
import PeregrineMarketData
import PeregrinePlatform
import PeregrineSimVenue
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Set-up of a `SimulatedExchange`.
public struct SimulatedExchangeConfiguration: Sendable {
    /// A counterparty allowed to log on: its SenderCompID and the venue account its orders
    /// trade under (for self-trade prevention and routing reports back).
    public struct Client: Sendable, Equatable {
        public var compID: String
        public var account: AccountId
        public init(compID: String, account: AccountId) { self.compID = compID; self.account = account }
    }

    /// FIX order entry: where to listen (port 0 picks a free port).
    public var fixAddress = SocketAddress.loopback(port: 0)
    /// IQFeed-compatible Level 1 feed: where to listen.
    public var feedAddress = SocketAddress.loopback(port: 0)
    /// The exchange's CompID.
    public var compID = "SIMX"
    public var version: FIXVersion = .fix44
    public var clients: [Client] = [Client(compID: "PEREGRINE", account: AccountId(rawValue: 1))]
    /// One simulated market per symbol; instrument ids are the positions in this list.
    public var symbols: [String] = ["SPY"]
    /// Agent parameters per symbol (instrument and start time are set by the exchange);
    /// shorter than `symbols` repeats the last.
    public var markets: [SimulatedMarketParameters] = [SimulatedMarketParameters()]
    /// Seed of the first market (the others use seed + index).
    public var seed: UInt64 = 1
    /// Heartbeat interval the exchange's sessions expect.
    public var heartbeatSeconds = 30
    /// TLS on the FIX port (certificate and key of the exchange), or nil for plaintext.
    public var fixTLS: FIXTLSSettings? = nil
    /// Recorded data instead of the agents (see `RecordedReplaySource`), or nil.
    public var replay: RecordedReplaySource? = nil
    /// Longest sleep of the exchange thread when idle (it never spins).
    public var idleSleepNanos = 100_000
    /// Cancel a client's resting orders when its session ends (cancel-on-disconnect). Off:
    /// they keep working and may fill while the client is away (reconciliation tests).
    public var cancelOnDisconnect = true
    /// How long a finished order is still reported to an OrderMassStatusRequest (s).
    public var finishedOrderMemorySeconds: Int64 = 300
    /// Accept OrderMassStatusRequest and OrderStatusRequest but never answer them (a venue
    /// that loses requests; tests of the requester's timeout).
    public var ignoresStatusRequests = false
    /// Serve OrderMassStatusRequest; false refuses it as an unsupported message type (a
    /// venue without AF: the requester falls back to OrderStatusRequest per order).
    public var answersMassStatus = true

    public init() {}
}

/// A simulated exchange on loopback: the agent-driven markets of `PeregrineSimVenue` behind
/// a real FIX acceptor (NewOrderSingle, OrderCancelRequest, OrderCancelReplaceRequest in;
/// ExecutionReport and OrderCancelReject out) and an IQFeed-compatible Level 1 feed
/// (`Q` lines for every trade and top-of-book change, a `T` line a second) on a second port.
///
/// Used by `peregrine demo`, end-to-end tests and paper trading. Everything runs on one
/// thread the exchange owns (so the markets and sessions need no locks); it sleeps when
/// idle and never spins. Agents act in wall-clock time.
///
/// Feed: every connected client gets every symbol (like a multicast feed); bytes a client
/// sends (IQFeed commands) are read and ignored. FIX: ClOrdIDs must be decimal integers
/// (Peregrine's order ids); other values are refused with a BusinessMessageReject.
///
/// Threading: `start`/`stop` from one controlling thread; counters from any thread.
public final class SimulatedExchange: @unchecked Sendable {
    // SAFETY: every mutable field below the counters is touched only by the exchange
    // thread between `start` and `stop` (thread start/join are the happens-before edges).
    public let configuration: SimulatedExchangeConfiguration
    let stopping = Atomic<Bool>(false)
    let ordersReceived = Atomic<Int>(0)
    let clientFills = Atomic<Int>(0)
    let feedEvents = Atomic<Int>(0)
    let agentTrades = Atomic<Int>(0)
    let logLines = Mutex<[String]>([])
    var thread: PinnedThread? = nil
    /// Ports listened on (after `start`).
    public private(set) var fixPort: UInt16 = 0
    public private(set) var feedPort: UInt16 = 0

    // Exchange-thread state.
    var markets: [SimulatedMarket] = []
    var output = VenueOutput(executionCapacity: 16_384, marketDataCapacity: 16_384)
    var symbols: FIXSymbolTable
    var feedEncoder: IQFeedLevel1Encoder
    var sessions: [FIXSession] = []
    var links: [FIXSessionLink?] = []
    var pending: [(channel: FIXByteChannel, bytes: [UInt8], since: UInt64)] = []
    var tlsContext: FIXTLSContext? = nil
    var feedClients: [TCPConnection] = []
    var fixListener: Listener? = nil
    var feedListener: Listener? = nil
    var engine: SocketEngine? = nil
    var lastTimerNanos: UInt64 = 0
    var lastFeedSecond: Int64 = 0
    var accountSession: [UInt32: Int] = [:]
    /// Bought and sold quantity (raw) per client account and instrument, as the exchange filled it.
    var clientBought: [UInt32: [Int64]] = [:]
    var clientSold: [UInt32: [Int64]] = [:]
    var replyBuffer = [UInt8]()
    var replayState: RecordedReplayState? = nil
    /// Sessions subscribed to FIX market data (MarketDataRequest), with their MDReqID.
    var marketDataSubscribers: [(session: Int, requestID: FIXInlineText)] = []
    /// Every client order's latest state by account and ClOrdID (status requests), with
    /// the time it finished (zero while working); see SimulatedExchange+Status.swift.
    var clientOrders: [UInt32: [UInt64: (state: ExecutionEvent, finished: Timestamp)]] = [:]
    /// When each client account's session last ended.
    var clientSessionEnded: [UInt32: Timestamp] = [:]
    /// Actions queued by other threads (`enqueue`), run on the exchange thread.
    let queuedActions = Mutex<[SimulatedExchangeAction]>([])

    public init(configuration: SimulatedExchangeConfiguration) {
        self.configuration = configuration
        symbols = FIXSymbolTable(capacity: max(16, configuration.symbols.count * 2))
        for (i, s) in configuration.symbols.enumerated() { symbols.insert(s, id: InstrumentId(rawValue: UInt32(i))) }
        feedEncoder = IQFeedLevel1Encoder(symbols: configuration.symbols,
                                          sessionDate: IQFeedLevel1Encoder.newYorkDate(of: Clock.now()))
    }

    /// Orders, cancels and replaces received from clients.
    public var ordersReceivedCount: Int { ordersReceived.load(ordering: .relaxed) }
    /// Fills sent to clients.
    public var clientFillCount: Int { clientFills.load(ordering: .relaxed) }
    /// Feed lines published.
    public var feedEventCount: Int { feedEvents.load(ordering: .relaxed) }
    /// Recorded quotes applied and trades printed so far (replay mode; after `stop`).
    public var replayProgress: (quotes: Int, trades: Int) { (replayState?.quotesApplied ?? 0, replayState?.tradesPrinted ?? 0) }
    /// Trades printed on the exchange (all participants).
    public var tradeCount: Int { agentTrades.load(ordering: .relaxed) }
    /// The net position the exchange has filled for a client account in an instrument.
    /// Read after `stop` (exchange-thread state).
    public func clientPosition(account: AccountId, instrument: InstrumentId) -> Quantity {
        let t = clientTotals(account: account, instrument: instrument)
        return t.bought - t.sold
    }

    /// Quantity bought and sold by a client account in an instrument (after `stop`).
    public func clientTotals(account: AccountId, instrument: InstrumentId) -> (bought: Quantity, sold: Quantity) {
        let i = Int(instrument.rawValue)
        return (Quantity(rawValue: clientBought[account.rawValue]?[i] ?? 0), Quantity(rawValue: clientSold[account.rawValue]?[i] ?? 0))
    }

    /// Live orders of a client account resting in the books (after `stop`).
    public func restingOrders(account: AccountId) -> [BookOrderSnapshot] {
        markets.flatMap { $0.engine.liveOrders().filter { $0.account == account } }
    }

    /// Recent log lines (connections, sessions, refusals), oldest first.
    public var log: [String] { logLines.withLock { $0 } }

    func note(_ line: String) {
        logLines.withLock { lines in
            lines.append(line)
            if lines.count > 500 { lines.removeFirst(lines.count - 500) }
        }
    }

    /// Binds both ports, builds the markets and starts the exchange thread. Throws
    /// `SystemError` when a port cannot be bound or the thread cannot start.
    public func start() throws(SystemError) {
        let now = Clock.now()
        for (i, _) in configuration.symbols.enumerated() {
            var p = configuration.markets[min(i, configuration.markets.count - 1)]
            p.instrument = InstrumentId(rawValue: UInt32(i))
            p.start = now
            p.firstAccount = 90_000 + UInt32(i) * 100
            if configuration.replay != nil {
                // The recorded book is the liquidity: no agents.
                p.marketMakerCount = 0; p.noiseTraderCount = 0; p.momentumTraderCount = 0
            }
            markets.append(SimulatedMarket(parameters: p, seed: configuration.seed &+ UInt64(i)))
        }
        if let replay = configuration.replay {
            replayState = try Self.openReplay(replay, instrumentCount: markets.count, now: now)
        }
        for (i, client) in configuration.clients.enumerated() {
            var c = FIXSessionConfiguration(version: configuration.version, senderCompID: configuration.compID,
                                            targetCompID: client.compID, role: .acceptor)
            c.heartbeatIntervalSeconds = configuration.heartbeatSeconds
            // Sequence numbers and sent messages live as long as the exchange: a client that
            // reconnects without ResetSeqNumFlag continues its session and may ask for a
            // resend of every report (crash recovery); one sending 141=Y starts afresh.
            c.resetOnLogon = false
            let session = FIXSession(configuration: c, dictionary: nil, store: FIXMemoryStore())
            session.application = ExchangeApplication(exchange: self, account: client.account)
            sessions.append(session)
            links.append(nil)
            accountSession[client.account.rawValue] = i
        }
        if let tls = configuration.fixTLS {
            do { tlsContext = try FIXTLSContext(settings: tls, role: .acceptor) } catch {
                throw SystemError("exchange TLS: \(error)", errno: 22)
            }
        }
        let fix = try TCPSocket.listen(on: configuration.fixAddress)
        fixPort = try fix.localAddress().port
        let feed = try TCPSocket.listen(on: configuration.feedAddress)
        feedPort = try feed.localAddress().port
        let fixFD = fix.release(), feedFD = feed.release()
        thread = try PinnedThread.start(name: "sim-exchange", placement: ThreadPlacement()) { [self] in
            fixListener = Listener(fixFD)
            feedListener = Listener(feedFD)
            run()
        }
    }

    /// Logs the sessions out, closes every connection and joins the thread. Idempotent.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        thread?.join()
        thread = nil
    }

    // MARK: - The exchange thread

    func run() {
        do { engine = try SocketEngine.make(mode: .blocking) } catch {
            note("socket engine: \(error)")
            return
        }
        while !stopping.load(ordering: .acquiring) {
            let work = iterate()
            if work == 0 { IdleSleepShim.sleep(nanos: configuration.idleSleepNanos) }
        }
        shutdown()
    }

    /// One pass: accept, read sessions, advance the markets, publish. Returns work done.
    func iterate() -> Int {
        var work = acceptConnections()
        work += runQueuedActions()
        work += readPending()
        let now = Clock.now()
        for i in 0..<links.count {
            guard let link = links[i] else { continue }
            work += link.poll(now: now)
            if !link.isOpen { dropLink(i, now: now) }
        }
        let stepTime = Clock.now()
        for m in 0..<markets.count { markets[m].step(until: stepTime, into: &output) }
        if replayState != nil { stepReplay(now: stepTime) }
        work += dispatchOutput()
        let mono = Clock.monotonicNanos()
        if mono &- lastTimerNanos >= 100_000_000 {
            lastTimerNanos = mono
            for i in 0..<links.count {
                guard let link = links[i] else { continue }
                link.timer(now: now)
                if !link.isOpen { dropLink(i, now: now) }
            }
            let second = now.nanosecondsSinceEpoch / 1_000_000_000
            if second != lastFeedSecond {
                lastFeedSecond = second
                feedEncoder.encodeTimestamp(now) { publish($0) }
            }
            readFeedClients()
        }
        return work
    }

    func dropLink(_ index: Int, now: Timestamp) {
        guard let link = links[index] else { return }
        marketDataSubscribers.removeAll { $0.session == index }
        note("session \(configuration.compID)->\(link.session.configuration.targetCompID) ended: \(link.closeReason)")
        link.close(now: now)
        links[index] = nil
    }

    func acceptConnections() -> Int {
        var work = 0
        guard let engine else { return 0 }
        if let l = fixListener, Self.readable(l.socket.descriptor), let socket = try? l.socket.accept() {
            if let c = try? engine.adopt(socket) {
                if let tlsContext {
                    // The handshake blocks this (simulation) thread for at most its timeout.
                    do {
                        let tls = try FIXTLSConnection(context: tlsContext, connection: c)
                        let deadline = Clock.monotonicNanos() &+ (configuration.fixTLS?.handshakeTimeoutNanos ?? 5_000_000_000)
                        if tls.handshake(deadlineNanos: deadline, shouldStop: { stopping.load(ordering: .acquiring) }) {
                            pending.append((.tls(tls), [], Clock.monotonicNanos()))
                        } else {
                            note("TLS handshake refused: \(tls.failureReason)")
                            tls.close()
                        }
                    } catch {
                        note("TLS: \(error)")
                        c.close()
                    }
                } else {
                    pending.append((.plain(c), [], Clock.monotonicNanos()))
                }
                work += 1
            }
        }
        if let l = feedListener, Self.readable(l.socket.descriptor), let socket = try? l.socket.accept() {
            if let c = try? engine.adopt(socket) {
                feedClients.append(c)
                _ = "S,SERVER CONNECTED\r\n".utf8CString.withUnsafeBytes { c.send(UnsafeRawBufferPointer(rebasing: $0.dropLast())) }
                feedEncoder.encodeTimestamp(Clock.now()) { _ = c.send($0) }
                note("feed client connected")
                work += 1
            }
        }
        return work
    }

    static func readable(_ fd: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) > 0
    }

    /// New FIX connections: wait for the first complete frame, pick the session by CompIDs.
    func readPending() -> Int {
        var work = 0
        var i = 0
        while i < pending.count {
            var closed = false
            let result = pending[i].channel.tryReceive { bytes in pending[i].bytes.append(contentsOf: bytes) }
            if case .closed = result { closed = true }
            if case .failed = result { closed = true }
            var frameLength = 0
            var skip = 0
            pending[i].bytes.withUnsafeBytes { raw in
                switch FIXFrameScanner.next(raw) {
                case .frame(let length): frameLength = length
                case .skip(let count): skip = count
                case .incomplete: break
                }
            }
            if skip > 0 { pending[i].bytes.removeFirst(min(skip, pending[i].bytes.count)); continue }
            if frameLength > 0 {
                let entry = pending.remove(at: i)
                work += 1
                attach(entry.channel, bytes: entry.bytes, frameLength: frameLength)
                continue
            }
            if closed || Clock.monotonicNanos() &- pending[i].since > 10_000_000_000 {
                pending[i].channel.close()
                pending.remove(at: i)
                continue
            }
            i += 1
        }
        return work
    }

    func attach(_ connection: FIXByteChannel, bytes: [UInt8], frameLength: Int) {
        var target: Int? = nil
        var who = "?"
        bytes.withUnsafeBytes { raw in
            var parser = FIXParser()
            guard case .complete = parser.parse(UnsafeRawBufferPointer(rebasing: raw[0..<frameLength])) else { return }
            let m = parser.message
            guard let sender = m.valueBytes(tag: FIXTag.senderCompID) else { return }
            who = String(decoding: sender, as: UTF8.self)
            target = sessions.firstIndex {
                $0.configuration.targetCompID == who && $0.configuration.version == m.version
            }
        }
        guard let index = target, links[index] == nil else {
            note("FIX connection from \(who) refused (\(target == nil ? "unknown CompID or version" : "already logged on"))")
            connection.close()
            return
        }
        note("FIX connection from \(who)")
        links[index] = bytes.withUnsafeBytes {
            FIXSessionLink(session: sessions[index], channel: connection, initialBytes: $0, now: Clock.now())
        }
        links[index]!.poll(now: Clock.now())
    }

    func readFeedClients() {
        var i = 0
        while i < feedClients.count {
            let r = feedClients[i].tryReceive { _ in }
            if r == .closed || { if case .failed = r { return true } else { return false } }() {
                feedClients[i].close()
                feedClients.remove(at: i)
                note("feed client disconnected")
                continue
            }
            i += 1
        }
    }

    func publish(_ line: UnsafeRawBufferPointer) {
        var i = 0
        while i < feedClients.count {
            if case .sent = feedClients[i].send(line) { i += 1; continue }
            feedClients[i].close()
            feedClients.remove(at: i)
            note("feed client dropped (send failed)")
        }
    }

    /// Sends execution reports to their sessions and feed events to the feed.
    func dispatchOutput() -> Int {
        let work = output.executions.count + output.marketData.count
        guard work > 0 else { return 0 }
        let now = Clock.now()
        var touched = 0 as UInt64
        for var e in output.executions {
            guard let s = accountSession[e.account.rawValue] else { continue }
            // Each market numbers its trades and orders from 1; the exchange's ExecIDs and
            // OrderIDs must be unique across its books (clients deduplicate fills by ExecID).
            e.executionId = Self.exchangeWide(e.executionId, instrument: e.instrument)
            e.venueOrderId = Self.exchangeWide(e.venueOrderId, instrument: e.instrument)
            // The exchange's own books: what the client is told below or not (disconnected).
            rememberClientOrder(e, now: now)
            if e.executionType == .trade && links[s]?.isOpen != true { countClientFill(e) }
            guard let link = links[s], link.isOpen else { continue }
            guard let symbol = symbols.symbol(of: e.instrument) else { continue }
            if ExecutionFlags(rawValue: e.flags).contains(.cancelRejected) {
                let responseTo: UInt8 = e.executionType == .replaced || e.originalOrderId != .none && e.orderStatus != .canceled ? 0x32 : 0x31
                link.session.send(.orderCancelReject) { $0.appendOrderCancelRejectBody(e, responseTo: responseTo, reason: Int(e.rejectReason)) }
            } else {
                link.session.send(.executionReport) { $0.appendExecutionReportBody(e, symbol: symbol) }
                if e.executionType == .trade {
                    clientFills.add(1, ordering: .relaxed)
                    countClientFill(e)
                }
            }
            touched |= 1 << UInt64(s & 63)
        }
        for s in 0..<links.count where touched & (1 << UInt64(s & 63)) != 0 { links[s]?.flush() }
        var published = 0
        for m in output.marketData where m.kind == .trade || m.kind == .quote {
            var event = m
            if event.exchangeTime == .zero { event.exchangeTime = now }
            if event.kind == .trade { agentTrades.add(1, ordering: .relaxed) }
            if feedEncoder.encode(event, { publish($0) }) != nil { published += 1 }
            if !marketDataSubscribers.isEmpty, let symbol = symbols.symbol(of: event.instrument) {
                for sub in marketDataSubscribers {
                    guard let link = links[sub.session], link.isOpen else { continue }
                    link.session.send(.marketDataIncrementalRefresh) { $0.appendIncrementalRefreshBody(event, symbol: symbol, requestID: sub.requestID) }
                    link.flush()
                }
            }
        }
        if published > 0 { feedEvents.add(published, ordering: .relaxed) }
        output.clear()
        return work
    }

    /// A per-book id made unique across the exchange: the instrument in bits 55–62 (bit 63
    /// and the low 55 bits keep the book's own meaning).
    static func exchangeWide(_ id: UInt64, instrument: InstrumentId) -> UInt64 {
        id == 0 ? 0 : (id & (1 << 63)) | (UInt64(instrument.rawValue & 0xFF) << 55) | (id & ((1 << 55) - 1))
    }

    /// An order from a client session (called on the exchange thread from `poll`).
    func submit(_ command: OrderCommand) {
        ordersReceived.add(1, ordering: .relaxed)
        let index = Int(command.instrument.rawValue)
        guard index < markets.count else { return }
        markets[index].step(until: Clock.now(), into: &output)
        markets[index].submit(command, into: &output)
    }

    func shutdown() {
        let now = Clock.now()
        for i in 0..<links.count {
            guard let link = links[i], link.isOpen else { continue }
            link.logout(text: "exchange closing", now: now)
        }
        let deadline = Clock.monotonicNanos() + 1_000_000_000
        while Clock.monotonicNanos() < deadline && links.contains(where: { $0?.isOpen == true }) {
            for link in links { link?.poll(now: Clock.now()) }
            IdleSleepShim.sleep(nanos: 1_000_000)
        }
        for i in 0..<links.count { dropLink(i, now: Clock.now()) }
        for p in pending { p.channel.close() }
        pending.removeAll()
        for c in feedClients { c.close() }
        feedClients.removeAll()
        engine?.close()
        fixListener = nil
        feedListener = nil
    }
}

/// The exchange's side of a client session: decodes order messages into venue commands.
final class ExchangeApplication: FIXApplication {
    unowned let exchange: SimulatedExchange
    let account: AccountId

    init(exchange: SimulatedExchange, account: AccountId) {
        self.exchange = exchange
        self.account = account
    }

    var supportedMessageTypes: [FIXMessageType]? {
        [.newOrderSingle, .orderCancelRequest, .orderCancelReplaceRequest, .marketDataRequest,
         .orderMassStatusRequest, .orderStatusRequest]
    }

    func onLogon(_ session: FIXSession) { exchange.note("session \(session.configuration.targetCompID) logged on") }

    func onLogout(_ session: FIXSession) {
        exchange.clientSessionEnded[account.rawValue] = Clock.now()
        // Cancel-on-disconnect: the client's resting orders leave the book with it.
        guard exchange.configuration.cancelOnDisconnect else {
            exchange.note("session \(session.configuration.targetCompID) logged out; its orders keep working")
            return
        }
        exchange.note("session \(session.configuration.targetCompID) logged out; cancelling its orders")
        exchange.cancelAll(account: account)
    }

    func onMessage(_ message: FIXMessageView, session: FIXSession) -> FIXApplicationResult {
        let now = Clock.now()
        let decoded: Result<OrderCommand, FIXOrderMessageError>
        switch message.messageType {
        case .newOrderSingle:
            decoded = FIXOrderMessages.decodeNewOrderSingle(message, symbols: exchange.symbols, account: account,
                                                            venue: .none, receiveTime: now)
        case .orderCancelRequest:
            decoded = FIXOrderMessages.decodeOrderCancelRequest(message, symbols: exchange.symbols, account: account,
                                                                venue: .none, receiveTime: now)
        case .orderCancelReplaceRequest:
            decoded = FIXOrderMessages.decodeOrderCancelReplaceRequest(message, symbols: exchange.symbols, account: account,
                                                                       venue: .none, receiveTime: now)
        case .marketDataRequest:
            return exchange.marketDataRequest(message, session: session)
        case .orderMassStatusRequest:
            return exchange.massStatusRequest(message, session: session, account: account)
        case .orderStatusRequest:
            return exchange.orderStatusRequest(message, session: session, account: account)
        default:
            return .unsupportedMessageType
        }
        switch decoded {
        case .success(let command):
            exchange.submit(command)
            return .accepted
        case .failure(.unknownSymbol):
            return .businessReject(reason: .unknownSecurity, tag: FIXTag.symbol)
        case .failure(let error):
            return .businessReject(reason: .other, tag: error.tag)
        }
    }
}

extension SimulatedExchange {
    /// A MarketDataRequest: subscribe (snapshot of every book now, then incremental
    /// refreshes of every quote and trade) or unsubscribe. Exchange thread.
    func marketDataRequest(_ message: FIXMessageView, session: FIXSession) -> FIXApplicationResult {
        guard let index = sessions.firstIndex(where: { $0 === session }) else { return .businessReject(reason: .other, tag: 0) }
        guard let idBytes = message.valueBytes(tag: FIXTag.mdReqID), let requestID = FIXInlineText(bytes: idBytes) else {
            return .businessReject(reason: .conditionallyRequiredFieldMissing, tag: FIXTag.mdReqID)
        }
        let subscribe = message.valueBytes(tag: FIXTag.subscriptionRequestType).map { $0.first != 0x32 } ?? true
        marketDataSubscribers.removeAll { $0.session == index }
        guard subscribe else { return .accepted }
        for i in 0..<message.fieldCount where Int(message.field(at: i).tag) == FIXTag.symbol {
            if symbols.lookup(message.value(at: i)) == nil { return .businessReject(reason: .unknownSecurity, tag: FIXTag.symbol) }
        }
        marketDataSubscribers.append((index, requestID))
        // Snapshots of the books as they stand.
        for m in 0..<markets.count {
            guard let symbol = symbols.symbol(of: InstrumentId(rawValue: UInt32(m))) else { continue }
            let b = markets[m].engine.bestBid, a = markets[m].engine.bestAsk
            session.send(.marketDataSnapshotFullRefresh) {
                $0.appendSnapshotBody(symbol: symbol, requestID: requestID, bid: b?.price ?? .zero, bidSize: b?.quantity ?? .zero,
                                      ask: a?.price ?? .zero, askSize: a?.quantity ?? .zero,
                                      lastPrice: markets[m].engine.lastTradePrice, lastSize: .zero)
            }
        }
        note("session \(session.configuration.targetCompID) subscribed to market data (\(requestID))")
        return .accepted
    }

    /// Cancels every resting order of `account` (cancel-on-disconnect).
    func cancelAll(account: AccountId) {
        let first = output.executions.count
        for m in 0..<markets.count {
            for order in markets[m].engine.liveOrders() where order.account == account {
                var c = OrderCommand()
                c.kind = .cancel
                c.orderId = order.orderId
                c.originalOrderId = order.orderId
                c.instrument = InstrumentId(rawValue: UInt32(m))
                c.account = account
                c.side = order.side
                c.quantity = order.leavesQuantity
                c.createdTime = Clock.now()
                markets[m].submit(c, into: &output)
            }
        }
        let now = Clock.now()
        for var e in output.executions[first...] {   // the exchange's books still know
            e.venueOrderId = Self.exchangeWide(e.venueOrderId, instrument: e.instrument)
            rememberClientOrder(e, now: now)
        }
        output.executions.removeSubrange(first...)   // nobody to tell; the feed still shows the book change
    }
}

/// A listening socket held by a class (the socket is non-copyable).
final class Listener {
    let socket: TCPSocket
    init(_ descriptor: Int32) { socket = TCPSocket(adopting: descriptor) }
}

/// Sleeping without the rings module (the exchange is not on the hot path).
enum IdleSleepShim {
    static func sleep(nanos: Int) {
        var spec = timespec(tv_sec: nanos / 1_000_000_000, tv_nsec: nanos % 1_000_000_000)
        _ = nanosleep(&spec, nil)
    }
}
