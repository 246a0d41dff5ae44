import Testing
import PeregrineCore
@testable import PeregrineEngine
import PeregrineFIX
import PeregrineFIXTransport
import PeregrinePlatform
import PeregrineSimExchange
import PeregrineSimVenue
import PeregrineStrategy
import PeregrineTestKit

/// Two simulated exchanges, one engine: rule-based routing of new orders, cancels following
/// their order, venue-specific fields on the wire.
@Suite(.serialized)
struct RoutingTests {
    /// Sends a 100-share and a 400-share resting buy, then cancels the 400.
    struct RouteProbe: EngineStrategies {
        var orders = OrderSink(capacity: 8)
        var bid = Price.zero
        var step = 0
        var acked: Set<UInt64> = []
        var canceled: Set<UInt64> = []

        func order(_ kind: OrderCommandKind, id: UInt64, original: UInt64 = 0, quantity: Int64) -> OrderCommand {
            OrderCommand(kind: kind, orderId: OrderId(rawValue: id), originalOrderId: original == 0 ? .none : OrderId(rawValue: original),
                         instrument: InstrumentId(rawValue: 0), side: .buy, type: .limit, timeInForce: .day,
                         price: bid - Price(rawValue: FixedPointScale.scale / 2), quantity: Quantity(rawValue: quantity * FixedPointScale.scale),
                         account: ExampleSetup.account, strategy: StrategyId(rawValue: 5), createdTime: .zero)
        }
        mutating func onMarketEvent(_ event: MarketEvent) {
            if event.kind == .quote && event.bidPrice.rawValue > 0 { bid = event.bidPrice }
        }
        mutating func onOrderUpdate(_ event: ExecutionEvent) {
            if event.executionType == .new { acked.insert(event.orderId.rawValue) }
            if event.executionType == .canceled { canceled.insert(event.originalOrderId.rawValue); canceled.insert(event.orderId.rawValue) }
        }
        mutating func onTimer(_ time: Timestamp) {
            guard bid.rawValue > 0 else { return }
            switch step {
            case 0:
                orders.tryAppend(order(.new, id: 1, quantity: 100))
                orders.tryAppend(order(.new, id: 2, quantity: 400))
                step = 1
            case 1 where acked.contains(1) && acked.contains(2):
                orders.tryAppend(order(.cancel, id: 3, original: 2, quantity: 400))
                step = 2
            default: break
            }
        }
        mutating func drain(into sink: inout OrderSink) {
            for i in 0..<orders.count { sink.tryAppend(orders[i]) }
            orders.removeAll()
        }
    }

    @Test func largeOrdersGoToTheSecondVenueWithItsFieldsAndCancelsFollowThem() throws {
        var a = SimulatedExchangeConfiguration(); a.symbols = ["SPY"]; a.seed = 3
        var b = SimulatedExchangeConfiguration(); b.symbols = ["SPY"]; b.seed = 4
        let lit = SimulatedExchange(configuration: a), dark = SimulatedExchange(configuration: b)
        try lit.start()
        try dark.start()
        let stores = TemporaryDirectory("routing")
        defer { stores.remove() }
        var configuration = EngineConfiguration(symbols: ["SPY"], orderEntry: .loopback(port: lit.fixPort),
                                                feed: .loopback(port: lit.feedPort))
        configuration.venueName = "lit"
        configuration.fixStoreDirectory = stores.path
        var second = AdditionalVenue(name: "dark", orderEntry: .loopback(port: dark.fixPort), targetCompID: "SIMX")
        second.extraOrderFields = [OrderFieldMapping(tag: 100, value: "DARKX"), OrderFieldMapping(tag: 18, value: "M")]
        configuration.additionalVenues = [second]
        configuration.routes = [RouteRule(venue: 1, minimumQuantity: Quantity(rawValue: 300 * FixedPointScale.scale))]
        // The two exchanges share CompIDs; each venue's store file carries the venue's name.
        let engine = try TradingEngine(configuration: configuration, strategies: RouteProbe(),
                                       riskLimits: try ExampleSetup.riskLimits(symbols: ["SPY"], venues: ["lit", "dark"]))
        #expect(engine.venues.count == 2 && engine.venues[1].id == VenueId(rawValue: 2))
        try engine.start()
        let done = EndToEndTests.wait(seconds: 20) { engine.progress.ordersSent >= 2 && engine.counters.cancelsSent >= 1 }
        _ = EndToEndTests.wait(seconds: 5) { engine.strategies.canceled.contains(2) }
        engine.stop()
        lit.stop()
        dark.stop()
        #expect(done, "\(engine.log.suffix(5))")
        #expect(lit.ordersReceivedCount == 1, "the 100-share order only")
        #expect(dark.ordersReceivedCount == 2, "the 400-share order and its cancel")
        #expect(engine.oms.order(OrderId(rawValue: 1))?.venue == VenueId(rawValue: 1))
        #expect(engine.oms.order(OrderId(rawValue: 2))?.venue == VenueId(rawValue: 2))
        #expect(engine.oms.order(OrderId(rawValue: 2))?.status == .canceled)
        // The dark venue's NewOrderSingle carries its mapped fields; the lit one's does not.
        func sentOrders(_ v: VenueLink) -> [String] {
            var found: [String] = []
            for seq in 1..<v.session.nextSenderSequenceNumber {
                _ = v.session.store.withMessage(sequenceNumber: seq) { bytes in
                    let text = String(decoding: bytes, as: UTF8.self)
                    if text.contains("\u{1}35=D\u{1}") { found.append(text) }
                }
            }
            return found
        }
        let litOrders = sentOrders(engine.venues[0]), darkOrders = sentOrders(engine.venues[1])
        #expect(litOrders.count == 1 && darkOrders.count == 1)
        #expect(darkOrders.first?.contains("\u{1}100=DARKX\u{1}") == true && darkOrders.first?.contains("\u{1}18=M\u{1}") == true)
        #expect(litOrders.first?.contains("\u{1}100=") == false)
    }

    @Test func routingIsConfiguredInTheEngineFile() throws {
        let text = """
            [engine]
            symbols = SPY, QQQ
            [venue]
            name = lit
            host = 127.0.0.1
            port = 9878
            [venue.dark]
            host = 127.0.0.1
            port = 9879
            target_comp_id = DARKPOOL
            extra_fields = 100=DARKX, 18=M
            [route]
            dark when min_qty=500, type=limit
            lit when symbol=QQQ
            [feed]
            host = 127.0.0.1
            port = 5009
            """
        let c = try EngineConfigFile.parse(text)
        #expect(c.engine.venueName == "lit")
        #expect(c.engine.additionalVenues.count == 1)
        #expect(c.engine.additionalVenues[0].targetCompID == "DARKPOOL")
        #expect(c.engine.additionalVenues[0].extraOrderFields == [OrderFieldMapping(tag: 100, value: "DARKX"), OrderFieldMapping(tag: 18, value: "M")])
        #expect(c.engine.routes == [RouteRule(venue: 1, orderType: .limit, minimumQuantity: Quantity(rawValue: 500 * FixedPointScale.scale)),
                                    RouteRule(venue: 0, instrument: InstrumentId(rawValue: 1))])
        let bad = """
            [engine]
            symbols = SPY
            [venue]
            host = 127.0.0.1
            port = 9878
            [venue.dark]
            port = 9879
            extra_fields = 35=D
            [route]
            pool when min_qty=5
            dark when size=5
            [feed]
            host = 127.0.0.1
            port = 5009
            """
        do {
            _ = try EngineConfigFile.parse(bad, source: "r.conf")
            Issue.record("bad routing parsed")
        } catch {
            let all = error.description
            #expect(all.contains("missing required 'host' in [venue.dark]"))
            #expect(all.contains("r.conf:8: extra field '35=D' is not TAG=VALUE with a body tag"))
            #expect(all.contains("r.conf:10: route names venue 'pool'"))
            #expect(all.contains("r.conf:11: unknown route condition 'size'"))
        }
    }
}
