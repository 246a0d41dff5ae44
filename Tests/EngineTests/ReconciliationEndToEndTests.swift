import Testing
import Synchronization
import PeregrineCore
@testable import PeregrineEngine
import PeregrineFIX
import PeregrineOMS
import PeregrinePlatform
import PeregrineRisk
import PeregrineSimExchange
import PeregrineSimVenue
import PeregrineStrategy

/// Prices the strategy below chose, published for the test thread.
final class RestingOrderPrices: Sendable {
    let prices = Mutex<[Price]>([])
}

/// Places three resting buys below the bid once it has seen a quote (ids 1, 2, 3 at 0.6,
/// 0.7 and 0.8 below it: inside the 100 bp collar, away from the agents), then idles.
struct RestingOrdersStrategies: EngineStrategies {
    var orders = OrderSink(capacity: 8)
    let published: RestingOrderPrices
    var placed = false
    var updates: [ExecutionEvent] = []

    init(published: RestingOrderPrices) { self.published = published }

    mutating func onMarketEvent(_ event: MarketEvent) {
        guard !placed, event.kind == .quote, event.bidPrice.rawValue > 0, event.askPrice > event.bidPrice else { return }
        placed = true
        var prices: [Price] = []
        for k in 0..<3 {
            let price = event.bidPrice - Price(rawValue: FixedPointScale.scale * Int64(6 + k) / 10)
            prices.append(price)
            orders.tryAppend(OrderCommand(kind: .new, orderId: OrderId(rawValue: UInt64(k + 1)), instrument: event.instrument,
                                          side: .buy, type: .limit, timeInForce: .day, price: price,
                                          quantity: Quantity(units: 100)!, account: ExampleSetup.account,
                                          strategy: StrategyId(rawValue: 4), createdTime: .zero))
        }
        published.prices.withLock { $0 = prices }
    }

    mutating func onOrderUpdate(_ event: ExecutionEvent) {
        updates.append(event)
        // Refused before it left (the order session not logged on yet): place again later.
        if event.executionType == .rejected && event.orderStatus == .rejected && event.venueOrderId == 0 { placed = false }
    }
    mutating func onTimer(_ time: Timestamp) {}
    mutating func drain(into sink: inout OrderSink) {
        for i in 0..<orders.count { sink.tryAppend(orders[i]) }
        orders.removeAll()
    }
}

/// Reconciliation after a reconnect against the simulated exchange on loopback: the venue's
/// state diverges while the link is down (no resend: store-less session), the engine asks
/// for the status of its orders, repairs the OMS, journals the repairs, and a restart from
/// the journal agrees.
@Suite("Reconciliation with the venue after a reconnect (end to end)", .serialized)
struct ReconciliationEndToEndTests {
    typealias E = EndToEndTests

    static func exchange(_ version: FIXVersion, ignoreStatusRequests: Bool = false,
                         answersMassStatus: Bool = true) throws -> SimulatedExchange {
        var c = SimulatedExchangeConfiguration()
        c.symbols = ["SPY"]
        c.version = version
        c.seed = 21
        c.cancelOnDisconnect = false          // orders keep working while we are away
        c.ignoresStatusRequests = ignoreStatusRequests
        c.answersMassStatus = answersMassStatus
        let x = SimulatedExchange(configuration: c)
        try x.start()
        return x
    }

    static func engine(port: SimulatedExchange, version: FIXVersion, journal: String?, recover: Bool = false,
                       published: RestingOrderPrices) throws -> TradingEngine<RestingOrdersStrategies> {
        var configuration = EngineConfiguration(symbols: ["SPY"], orderEntry: .loopback(port: port.fixPort),
                                                feed: .loopback(port: port.feedPort))
        configuration.fixVersion = version
        configuration.journalDirectory = journal
        configuration.recoverFromJournal = recover
        configuration.venueCancelsOnDisconnect = false
        configuration.reconnectDelay = .milliseconds(300)
        var limits = try ExampleSetup.riskLimits(symbols: ["SPY"])
        limits.global.killOnVenueDisconnect = false
        let engine = try TradingEngine(configuration: configuration, strategies: RestingOrdersStrategies(published: published),
                                       riskLimits: limits)
        engine.configureReconciliation(afterReconnect: true, timeout: .seconds(5))
        return engine
    }

    @Test("fills, cancels and new orders at the venue while the link was down are repaired; a restart from the journal agrees",
          arguments: [FIXVersion.fix44, .fix42])
    func divergenceWhileDisconnected(version: FIXVersion) throws {
        let exchange = try Self.exchange(version)
        let directory = try TemporaryDirectoryPath.make()
        let published = RestingOrderPrices()
        let engine = try Self.engine(port: exchange, version: version, journal: directory, published: published)
        try engine.start()
        let placed = E.wait(seconds: 20) { engine.progress.ordersSent >= 3 }
        E.sleepMillis(500)   // the acknowledgements arrive
        let prices = published.prices.withLock { $0 }
        guard placed, prices.count == 3 else {
            engine.stop(); exchange.stop()
            Issue.record("orders not placed: \(engine.log.suffix(5))")
            return
        }
        // While the link is down: another participant sweeps the book down to order 1's
        // price (filling it), the venue's operator cancels order 2, and (4.4) an order of
        // our account the engine never sent appears.
        let spy = InstrumentId(rawValue: 0)
        exchange.enqueue(.dropClientConnections)
        exchange.enqueue(.submit(OrderCommand(kind: .new, orderId: OrderId(rawValue: 5_000_001), instrument: spy, side: .sell,
                                              type: .limit, timeInForce: .immediateOrCancel, price: prices[0],
                                              quantity: Quantity(units: 1_000_000)!, account: AccountId(rawValue: 777),
                                              strategy: StrategyId(rawValue: 0), createdTime: .zero)))
        exchange.enqueue(.submit(OrderCommand(kind: .cancel, orderId: OrderId(rawValue: 5_000_002),
                                              originalOrderId: OrderId(rawValue: 2), instrument: spy, side: .buy, type: .limit,
                                              timeInForce: .day, price: prices[1], quantity: Quantity(units: 100)!,
                                              account: ExampleSetup.account, strategy: StrategyId(rawValue: 0), createdTime: .zero)))
        if version != .fix42 {   // H can only ask about orders we sent: 4.2 cannot discover this one
            exchange.enqueue(.submit(OrderCommand(kind: .new, orderId: OrderId(rawValue: 4_242), instrument: spy, side: .buy,
                                                  type: .limit, timeInForce: .day, price: prices[2], quantity: Quantity(units: 50)!,
                                                  account: ExampleSetup.account, strategy: StrategyId(rawValue: 0),
                                                  createdTime: .zero)))
        }
        let reconciled = E.wait(seconds: 15) { engine.perform(.status).contains("difference(s)") }
        let status = engine.perform(.status)
        engine.stop()
        exchange.stop()
        #expect(reconciled, "status: \(status); log: \(engine.log.suffix(8))")
        #expect(engine.log.contains { $0.contains("order session lost") }, "the link dropped")
        #expect(engine.counters.reconciliations == 1 && engine.counters.reconciliationsIncomplete == 0)
        #expect(engine.counters.reconciliationDifferences >= 2, "\(engine.log.filter { $0.contains("reconciliation") })")
        #expect(engine.counters.badExecutionReports == 0)

        // Order 1 was filled at the venue while we were away: booked by reconciliation.
        let one = engine.oms.order(OrderId(rawValue: 1))
        #expect(one?.status == .filled && one?.filledQuantity == Quantity(units: 100), "order 1: \(String(describing: one?.status))")
        #expect(one?.averagePrice == prices[0], "filled at its limit: the sweep stopped there")
        // Order 2 the venue cancelled.
        #expect(engine.oms.order(OrderId(rawValue: 2))?.status == .canceled)
        // Order 3 (and the adopted 4242) now top the bids, so the agents may have traded with
        // them: whatever the exchange's book says, the OMS says the same.
        let resting = exchange.restingOrders(account: ExampleSetup.account)
        for order: UInt64 in version == .fix42 ? [3] : [3, 4_242] {
            let local = engine.oms.order(OrderId(rawValue: order))
            if let atVenue = resting.first(where: { $0.orderId.rawValue == order }) {
                #expect(local.map { !$0.isTerminal } == true && local?.filledQuantity == atVenue.cumulativeQuantity,
                        "order \(order): OMS \(String(describing: local?.status)) \(String(describing: local?.filledQuantity)), venue rests it with \(atVenue.cumulativeQuantity) filled")
            } else {
                #expect(local?.status == .filled, "order \(order): gone from the book, OMS says \(String(describing: local?.status))")
            }
        }
        if version != .fix42 {
            // The order only the venue knew is adopted (H cannot ask about an order we never had).
            #expect(engine.oms.order(OrderId(rawValue: 4_242))?.quantity == Quantity(units: 50))
        }
        // Positions agree with the exchange's books.
        let ours = engine.oms.position(account: ExampleSetup.account, instrument: spy).quantity
        let theirs = exchange.clientPosition(account: ExampleSetup.account, instrument: spy)
        #expect(ours == theirs, "engine \(ours), exchange \(theirs); \(engine.log.filter { $0.contains("reconcil") || $0.contains("lost") })")
        #expect(theirs.rawValue >= Quantity(units: 100)!.rawValue, "order 1 at least")
        // Risk and the strategy heard the repairs.
        #expect(engine.strategies.updates.contains { $0.orderId.rawValue == 1 && $0.executionType == .trade
                && ExecutionFlags(rawValue: $0.flags).contains(.statusResponse) })
        #expect(engine.strategies.updates.contains { $0.orderId.rawValue == 2 && $0.executionType == .canceled })

        // A restart from the journal rebuilds the same orders and positions.
        let restarted = try Self.engine(port: exchange, version: version, journal: directory, recover: true,
                                        published: RestingOrderPrices())
        #expect(restarted.oms.position(account: ExampleSetup.account, instrument: spy).quantity == ours)
        for order: UInt64 in [1, 2, 3] {
            let a = engine.oms.order(OrderId(rawValue: order)), b = restarted.oms.order(OrderId(rawValue: order))
            #expect(a?.status == b?.status && a?.filledQuantity == b?.filledQuantity,
                    "order \(order): live \(String(describing: a?.status)), from the journal \(String(describing: b?.status))")
        }
    }

    @Test("a venue that never answers: the run is reported incomplete after the timeout and nothing is repaired")
    func incompleteAfterTimeout() throws {
        let exchange = try Self.exchange(.fix44, ignoreStatusRequests: true)
        let published = RestingOrderPrices()
        let engine = try Self.engine(port: exchange, version: .fix44, journal: nil, published: published)
        engine.configureReconciliation(afterReconnect: true, timeout: .milliseconds(400))
        try engine.start()
        let placed = E.wait(seconds: 20) { engine.progress.ordersSent >= 3 }
        E.sleepMillis(300)
        let answer = engine.perform(.reconcile)
        let reported = E.wait(seconds: 5) { engine.perform(.status).contains("incomplete") }
        let status = engine.perform(.status)
        engine.stop()
        exchange.stop()
        #expect(placed)
        #expect(answer.hasPrefix("reconciliation requested for 1 venue(s)"), "\(answer)")
        #expect(reported, "\(status)")
        #expect(status.contains("0 of ? report(s)"), "\(status)")
        #expect(engine.counters.reconciliationsIncomplete == 1 && engine.counters.reconciliations == 0)
        #expect(engine.counters.reconciliationRepairs == 0)
        for order: UInt64 in [1, 2, 3] {
            #expect(engine.oms.order(OrderId(rawValue: order))?.status == .new, "order \(order) untouched")
        }
    }

    @Test("an operator reconciliation against a venue that agrees finds nothing and books nothing")
    func cleanRunAndUnsolicitedReports() throws {
        let exchange = try Self.exchange(.fix44)
        let published = RestingOrderPrices()
        let engine = try Self.engine(port: exchange, version: .fix44, journal: nil, published: published)
        try engine.start()
        let placed = E.wait(seconds: 20) { engine.progress.ordersSent >= 3 }
        E.sleepMillis(300)
        _ = engine.perform(.reconcile)
        let done = E.wait(seconds: 5) { engine.perform(.status).contains("difference(s)") }
        let status = engine.perform(.status)
        engine.stop()
        exchange.stop()
        #expect(placed && done, "\(status)")
        #expect(status.contains("3 report(s)") && status.contains("0 difference(s), 0 repair(s)"), "\(status)")
        let spy = InstrumentId(rawValue: 0)
        #expect(engine.oms.position(account: ExampleSetup.account, instrument: spy).quantity
                == exchange.clientPosition(account: ExampleSetup.account, instrument: spy))
        #expect(engine.counters.statusReports == 3 && engine.counters.reconciliationRepairs == 0)
    }

    @Test("a FIX 4.4 venue that refuses AF (BusinessMessageReject 380=3): the engine falls back to one H per order")
    func fallbackToOrderStatusRequests() throws {
        let exchange = try Self.exchange(.fix44, answersMassStatus: false)
        let engine = try Self.engine(port: exchange, version: .fix44, journal: nil, published: RestingOrderPrices())
        try engine.start()
        let placed = E.wait(seconds: 20) { engine.progress.ordersSent >= 3 }
        E.sleepMillis(300)
        _ = engine.perform(.reconcile)
        let done = E.wait(seconds: 5) { engine.perform(.status).contains("difference(s)") }
        let status = engine.perform(.status)
        engine.stop()
        exchange.stop()
        #expect(placed && done, "\(status); \(engine.log.suffix(5))")
        #expect(engine.log.contains { $0.contains("refused OrderMassStatusRequest") && $0.contains("OrderStatusRequest(s) sent instead") },
                "\(engine.log.suffix(6))")
        #expect(status.contains("0 difference(s), 0 repair(s)"), "\(status)")
        #expect(engine.counters.reconciliations == 1 && engine.counters.statusReports >= 1)
    }
}
