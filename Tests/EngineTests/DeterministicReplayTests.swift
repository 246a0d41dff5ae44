import Testing
import PeregrineCEP
import PeregrineCore
import PeregrineEngine
import PeregrineMarketData
import PeregrineModels
import PeregrineOMS
import PeregrineRisk
import PeregrineSimVenue
import PeregrineStrategy

/// The whole hot path on recorded data, in one thread on event time: LEAN IBM ticks →
/// MarketDataFilter → TopOfBookTable → the momentum CQL queries → the example strategies →
/// PreTradeRisk → OrderManager → a `MatchingEngine` venue whose resting liquidity is the
/// recorded quotes (as `SimulatedExchange`'s replay mode places it), and the venue's reports
/// back through the OMS, risk and the strategies. No sockets, no wall clock.
final class ReplayPipeline {
    static let venueId = VenueId(rawValue: 1)
    static let replayAccount = AccountId(rawValue: 80_000)
    static let instrument = InstrumentId(rawValue: 0)

    var replay: LEANReplay
    var filter: MarketDataFilter
    var book: TopOfBookTable
    var queries: CQLQuerySet
    var cepOutput = CEPOutputBuffer(capacity: 1_024)
    var strategies: ExampleStrategySet
    var risk: PreTradeRisk
    var oms: OrderManager
    var venue: MatchingEngine
    var output = VenueOutput()
    var sink = OrderSink(capacity: 1_024)
    /// The recorded participant's resting bid and ask ids.
    var liquidity: (bid: OrderId, ask: OrderId) = (.none, .none)
    var nextLiquidityId: UInt64 = 1
    var nextEngineOrder: UInt64 = 1
    var lastTimer: Timestamp = .zero

    // What the run produced, in order.
    var commandsSent: [OrderCommand] = []
    var riskRejected: [OrderCommand] = []
    var reports: [ExecutionEvent] = []
    var marketEvents = 0
    var dropped = 0
    var massCancels = 0
    /// Venue reports not yet handled (the engine reads them on its next poll).
    var pending: [ExecutionEvent] = []
    /// Report → route → report chains cut short (a strategy and the venue not settling).
    var unsettled = 0

    init(quoteFile: String, tradeFile: String) throws {
        let quotes = try LEANReader.open(path: quoteFile, instrument: Self.instrument, venue: VenueId(rawValue: 0))
        let trades = try LEANReader.open(path: tradeFile, instrument: Self.instrument, venue: VenueId(rawValue: 0))
        replay = LEANReplay([quotes, trades])   // quotes first: a quote before a trade at the same ms
        filter = MarketDataFilter(config: MarketDataFilterConfig(
            instrumentCapacity: 1, venueCapacity: 8,
            defaults: InstrumentFilterRules(inUniverse: true, dropSuspicious: true, spikeBandBasisPoints: 500)))
        book = TopOfBookTable(instrumentCapacity: 1)
        queries = try ExampleSetup.queries(instrumentCount: 1)
        // ExampleSetup.strategies with the strategies on event (exchange) time.
        let lot = Quantity(rawValue: 100 * FixedPointScale.scale)
        let limits = StrategyLimits(maxPosition: Quantity(rawValue: 2_000 * FixedPointScale.scale),
                                    maxOrderSize: Quantity(rawValue: 500 * FixedPointScale.scale))
        let fast = try #require(queries.streamId(named: "mid_ema_fast"))
        let slow = try #require(queries.streamId(named: "mid_ema_slow"))
        let momentum = ExampleStrategies.momentumCrossover(
            config: StrategyConfig(id: StrategyId(rawValue: 1), account: ExampleSetup.account, instruments: [Self.instrument],
                                   limits: limits, lotSize: lot, clock: .exchangeTime),
            source: .cep(fast: fast, slow: slow), grossNotional: 300_000, maxDrawdown: 10_000)
        let imbalance = ExampleStrategies.imbalanceReversion(
            config: StrategyConfig(id: StrategyId(rawValue: 2), account: ExampleSetup.account, instruments: [Self.instrument],
                                   limits: limits, lotSize: lot, clock: .exchangeTime),
            model: ModelSlot(try Model(ImbalanceReversionAlpha.sampleModelDefinition())),
            grossNotional: 150_000, maxDrawdown: 10_000)
        strategies = StrategyPair(momentum, imbalance)
        risk = PreTradeRisk(limits: try ExampleSetup.riskLimits(symbols: ["IBM"]))
        risk.onVenueConnected(Self.venueId)
        oms = OrderManager(configuration: OMSConfiguration(linger: .seconds(30)))
        venue = MatchingEngine(configuration: MatchingEngineConfiguration(
            instrument: Self.instrument, venue: Self.venueId,
            rules: VenueInstrumentRules(tickSize: Price(rawValue: FixedPointScale.scale / 100),
                                        lotSize: Quantity(rawValue: FixedPointScale.scale))))
    }

    /// Replays [09:30, 09:30 + `minutes`) New York time of the files' date.
    func run(minutes: Int64) {
        let clock = replay.readers[0].clock
        let start = clock.utc(nanosecondsSinceMidnight: (9 * 3600 + 30 * 60) * 1_000_000_000)
        let end = start + Nanoseconds.seconds(60 * minutes)
        while let event = replay.next() {
            if event.exchangeTime < start { continue }
            if event.exchangeTime >= end { break }
            step(event)
        }
    }

    /// One recorded event: timers due, the venue's liquidity, then the engine's path.
    func step(_ recorded: MarketEvent) {
        let now = recorded.exchangeTime
        if now - lastTimer >= .milliseconds(1) {
            lastTimer = now
            queries.onWatermark(now - Nanoseconds(1), into: &cepOutput)
            deliverCEPOutput()
            strategies.onTimer(now)
            route(now: now)
            handlePending(now: now)
        }
        if recorded.kind == .quote {
            placeLiquidity(recorded, now: now)
            handlePending(now: now)
        }
        // TradingEngine.handleMarketEvent, with event time for `now`.
        var event = recorded
        marketEvents += 1
        guard filter.process(&event).passes else { dropped += 1; return }
        _ = book.apply(event)
        if event.kind == .trade {
            risk.onMarketPrice(instrument: event.instrument, price: event.price, time: now)
            oms.onMark(instrument: event.instrument, price: event.price)
        } else if event.kind == .quote, let mid = book[event.instrument].mid {
            risk.onMarketPrice(instrument: event.instrument, price: mid, time: now)
            oms.onMark(instrument: event.instrument, price: mid)
        }
        strategies.onMarketEvent(event)
        queries.onEvent(event, time: now, into: &cepOutput)
        deliverCEPOutput()
        route(now: now)
        handlePending(now: now)
    }

    func deliverCEPOutput() {
        for i in 0..<cepOutput.count { strategies.onCEPOutput(cepOutput[i]) }
        cepOutput.removeAll()
    }

    /// The recorded quote as the replay participant's bid and ask (one replace per side,
    /// the ask first when the market moves up), as `SimulatedExchange.applyRecorded` does.
    /// Our resting orders it crosses trade.
    func placeLiquidity(_ q: MarketEvent, now: Timestamp) {
        let bid = q.bidPrice, ask = q.askPrice
        guard bid.rawValue > 0, ask > bid else { return }
        let askFirst = venue.bestAsk.map { bid >= $0.price } ?? false
        for k in 0..<2 {
            let side: Side = (k == 0) == askFirst ? .sell : .buy
            let price = side == .buy ? bid : ask
            let size = side == .buy ? q.bidQuantity : q.askQuantity
            let old = side == .buy ? liquidity.bid : liquidity.ask
            let live = old != .none && venue.order(old, account: Self.replayAccount) != nil
            let id = OrderId(rawValue: 1 << 61 | nextLiquidityId)
            nextLiquidityId &+= 1
            var newId = id
            if size.rawValue <= 0 {
                if live {
                    var cancel = OrderCommand()
                    cancel.kind = .cancel; cancel.orderId = id; cancel.originalOrderId = old
                    cancel.instrument = q.instrument; cancel.account = Self.replayAccount; cancel.side = side
                    cancel.createdTime = now
                    venue.submit(cancel, time: now, into: &output)
                }
                newId = .none
            } else {
                venue.submit(OrderCommand(kind: live ? .replace : .new, orderId: id, originalOrderId: live ? old : .none,
                                          instrument: q.instrument, side: side, type: .limit, timeInForce: .day,
                                          price: price, quantity: size, account: Self.replayAccount,
                                          strategy: StrategyId(rawValue: 0), createdTime: now), time: now, into: &output)
            }
            if side == .buy { liquidity.bid = newId } else { liquidity.ask = newId }
        }
        deliverVenueOutput(now: now)
    }

    /// TradingEngine.route: what the strategies emitted, once, through risk and the OMS to
    /// the venue (whose reports queue in `pending`), then the kill switch's cancels.
    func route(now: Timestamp) {
        strategies.drain(into: &sink)
        for i in 0..<sink.count {
            var command = sink[i]
            command.account = ExampleSetup.account
            if command.createdTime == .zero { command.createdTime = now }
            submit(command, now: now)
        }
        sink.removeAll()
        while let m = risk.nextMassCancel() { cancelAll(m, now: now) }
    }

    /// TradingEngine.onExecution for each queued venue report (each followed by a route),
    /// until the venue has nothing more to say.
    func handlePending(now: Timestamp) {
        var i = 0
        while i < pending.count {
            if i >= 100_000 { unsettled += 1; break }
            onExecution(pending[i])
            route(now: now)
            i += 1
        }
        pending.removeAll(keepingCapacity: true)
    }

    func submit(_ original: OrderCommand, now: Timestamp) {
        var command = original
        command.venue = Self.venueId
        let decision = risk.check(command, now: now)
        guard decision.isAccepted else {
            riskRejected.append(command)
            reject(command, now: now, toRisk: false)
            return
        }
        if oms.onSend(command, now: now).code.isFault {
            reject(command, now: now, toRisk: true)
            return
        }
        commandsSent.append(command)
        venue.submit(command, time: now, into: &output)
        deliverVenueOutput(now: now)
    }

    /// Queues the venue's reports for our orders (the replay participant's are dropped).
    func deliverVenueOutput(now: Timestamp) {
        for incoming in output.executions where incoming.account != Self.replayAccount {
            var event = incoming
            event.receiveTime = now
            pending.append(event)
        }
        output.clear()
    }

    func onExecution(_ incoming: ExecutionEvent) {
        var event = incoming
        if let record = oms.order(event.orderId) ?? oms.order(event.originalOrderId) {
            event.instrument = record.instrument; event.account = record.account; event.strategy = record.strategy
        }
        _ = oms.onExecution(event)
        risk.onExecution(event)
        reports.append(event)
        strategies.onOrderUpdate(event)
    }

    /// TradingEngine.localReject: the command never reached the venue.
    func reject(_ command: OrderCommand, now: Timestamp, toRisk: Bool) {
        var e = ExecutionEvent()
        e.orderId = command.orderId; e.originalOrderId = command.originalOrderId
        e.instrument = command.instrument; e.account = command.account; e.strategy = command.strategy
        e.side = command.side; e.price = command.price; e.orderQuantity = command.quantity
        e.executionType = .rejected
        e.orderStatus = command.kind == .new ? .rejected : .new
        if command.kind != .new { e.flags = ExecutionFlags.cancelRejected.rawValue }
        e.transactTime = now; e.receiveTime = now; e.venue = command.venue
        if toRisk { risk.onExecution(e) }
        reports.append(e)
        strategies.onOrderUpdate(e)
    }

    /// TradingEngine.cancelAll (the kill switch).
    func cancelAll(_ mass: OrderCommand, now: Timestamp) {
        massCancels += 1
        var cancels: [OrderCommand] = []
        oms.forEachOrder { _, record in
            guard record.account == mass.account, !record.isTerminal, !record.isCancelPending else { return }
            cancels.append(OrderCommand(kind: .cancel, orderId: .none, originalOrderId: record.orderId,
                                        instrument: record.instrument, side: record.side, type: record.type,
                                        timeInForce: record.timeInForce, price: record.price, quantity: record.quantity,
                                        account: record.account, strategy: record.strategy, venue: record.venue,
                                        createdTime: now))
        }
        for var c in cancels {
            c.orderId = OrderId(rawValue: 0xFF << 40 | nextEngineOrder)
            nextEngineOrder &+= 1
            submit(c, now: now)
        }
    }

    /// What the run ends with: OMS position and P&L at the last mark, and each strategy's
    /// own position and cash.
    struct Outcome: Equatable {
        var position: Position
        var mark: Price
        var totalPnL: Notional
        var momentumPosition: Quantity
        var momentumCash: Double
        var imbalancePosition: Quantity
        var imbalanceCash: Double
    }

    var outcome: Outcome {
        let p = oms.position(account: ExampleSetup.account, instrument: Self.instrument)
        let mark = book[Self.instrument].mid ?? .zero
        return Outcome(position: p, mark: mark, totalPnL: p.realizedPnL + p.unrealizedPnL(mark: mark),
                       momentumPosition: strategies.first.book.position[0], momentumCash: strategies.first.book.cash,
                       imbalancePosition: strategies.second.book.position[0], imbalanceCash: strategies.second.book.cash)
    }
}

@Suite("Deterministic replay of the whole hot path")
struct DeterministicReplayTests {
    static func files() -> (quotes: String, trades: String)? {
        let root = "/" + #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        let dir = root + "/../shared/data/lean/Data/equity/usa/tick/ibm/"
        let quotes = dir + "20131007_quote.zip", trades = dir + "20131007_trade.zip"
        guard (try? LEANReader.open(path: quotes, instrument: .none, venue: .none)) != nil else { return nil }
        return (quotes, trades)
    }

    @Test("IBM 2013-10-07 09:30–10:00 twice: identical commands, reports, positions and P&L; it trades")
    func replayTwice() throws {
        guard let files = Self.files() else {
            Issue.record("recorded LEAN ticks not found beside the checkout (../shared/data/lean/Data)")
            return
        }
        let first = try ReplayPipeline(quoteFile: files.quotes, tradeFile: files.trades)
        first.run(minutes: 30)
        let second = try ReplayPipeline(quoteFile: files.quotes, tradeFile: files.trades)
        second.run(minutes: 30)

        #expect(first.marketEvents > 1_000, "events \(first.marketEvents)")
        #expect(first.marketEvents == second.marketEvents && first.dropped == second.dropped)
        #expect(first.commandsSent.count == second.commandsSent.count)
        for (a, b) in zip(first.commandsSent, second.commandsSent) { #expect(a == b) }
        #expect(first.riskRejected == second.riskRejected)
        #expect(first.reports.count == second.reports.count)
        for (a, b) in zip(first.reports, second.reports) { #expect(a == b) }
        #expect(first.outcome == second.outcome)

        // It trades, on both strategies, with fills at the recorded prices.
        let fills = first.reports.filter { $0.executionType == .trade }
        #expect(fills.count > 0, "no fills; \(first.commandsSent.count) commands, \(first.riskRejected.count) risk rejects")
        #expect(Set(first.commandsSent.map(\.strategy)).count == 2)
        #expect(fills.allSatisfy { $0.lastPrice.doubleValue > 170 && $0.lastPrice.doubleValue < 200 })
        // The OMS and the strategies agree on the position.
        let out = first.outcome
        #expect(out.position.quantity.rawValue == out.momentumPosition.rawValue + out.imbalancePosition.rawValue)
        #expect(first.massCancels == 0 && first.unsettled == 0)
    }
}
