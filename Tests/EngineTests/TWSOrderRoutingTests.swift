import Synchronization
import Testing
import PeregrineCore
@testable import PeregrineEngine
import PeregrineFeeds
import PeregrineMarketData
import PeregrineOMS
import PeregrinePlatform
import PeregrineSimExchange
import PeregrineStrategy
import PeregrineTestKit
#if canImport(Glibc)
import Glibc
#endif

/// The engine routing orders to a TWS venue: the simulated exchange is the primary (FIX)
/// venue and the market-data feed (reference prices for risk), a fake TWS on a real socket is
/// the TWS venue, and a routing rule sends every new order there. The strategy takes its
/// orders from the test through a mutex and reports every update back.
@Suite(.serialized)
struct TWSOrderRoutingTests {
    static let shares = FixedPointScale.scale

    /// Orders the test posts while the engine runs, and the updates the strategy heard.
    final class Script: Sendable {
        enum Step: Sendable {
            case new(id: UInt64, shares: Int64, side: Side)
            case cancel(id: UInt64, original: UInt64)
            case replace(id: UInt64, original: UInt64, shares: Int64)
        }
        let inbox = Mutex<[Step]>([])
        let updates = Mutex<[ExecutionEvent]>([])
        let bid = Atomic<Int64>(0)

        func post(_ step: Step) { inbox.withLock { $0.append(step) } }
        func events(_ id: UInt64, _ type: ExecutionType) -> [ExecutionEvent] {
            updates.withLock { $0.filter { $0.orderId.rawValue == id && $0.executionType == type } }
        }
        func has(_ id: UInt64, _ type: ExecutionType) -> Bool { !events(id, type).isEmpty }
    }

    struct ScriptedStrategy: EngineStrategies {
        let script: Script
        var orders = OrderSink(capacity: 16)
        var bid = Price.zero

        mutating func onMarketEvent(_ event: MarketEvent) {
            if event.kind == .quote && event.bidPrice.rawValue > 0 {
                bid = event.bidPrice
                script.bid.store(bid.rawValue, ordering: .relaxed)
            }
        }
        mutating func onOrderUpdate(_ event: ExecutionEvent) { script.updates.withLock { $0.append(event) } }
        mutating func onTimer(_ time: Timestamp) {
            guard bid.rawValue > 0 else { return }
            let steps = script.inbox.withLock { list -> [Script.Step] in let v = list; list.removeAll(); return v }
            // Resting prices a little under the bid: inside the risk collar, two decimals.
            let price = Price(rawValue: (bid.rawValue / (FixedPointScale.scale / 100)) * (FixedPointScale.scale / 100) - 5 * FixedPointScale.scale / 100)
            for step in steps {
                switch step {
                case .new(let id, let n, let side):
                    orders.tryAppend(command(.new, id: id, original: 0, shares: n, side: side, price: price))
                case .cancel(let id, let original):
                    orders.tryAppend(command(.cancel, id: id, original: original, shares: 0, side: .buy, price: price))
                case .replace(let id, let original, let n):
                    orders.tryAppend(command(.replace, id: id, original: original, shares: n, side: .buy, price: price))
                }
            }
        }
        func command(_ kind: OrderCommandKind, id: UInt64, original: UInt64, shares n: Int64, side: Side, price: Price) -> OrderCommand {
            OrderCommand(kind: kind, orderId: OrderId(rawValue: id), originalOrderId: original == 0 ? .none : OrderId(rawValue: original),
                         instrument: InstrumentId(rawValue: 0), side: side, type: .limit, timeInForce: .day, price: price,
                         quantity: Quantity(rawValue: n * TWSOrderRoutingTests.shares), account: ExampleSetup.account,
                         strategy: StrategyId(rawValue: 7), createdTime: .zero)
        }
        mutating func drain(into sink: inout OrderSink) {
            for i in 0..<orders.count { sink.tryAppend(orders[i]) }
            orders.removeAll()
        }
    }

    /// Exchange, fake TWS and engine, started; `body` runs the scenario; everything stopped after.
    struct Rig {
        let exchange: SimulatedExchange
        let tws: FakeTWSServer
        let book: FakeTWSOrderBook
        let script = Script()
        let engine: TradingEngine<ScriptedStrategy>

        init(mode: FakeTWSOrderBook.Mode, firstId: Int64 = 1_000, preload: (FakeTWSOrderBook) -> Void = { _ in },
             book existing: FakeTWSOrderBook? = nil, journal: String? = nil) throws {
            var x = SimulatedExchangeConfiguration(); x.symbols = ["SPY"]; x.seed = 11
            exchange = SimulatedExchange(configuration: x)
            try exchange.start()
            book = existing ?? FakeTWSOrderBook(mode: mode, nextValidId: firstId)
            preload(book)
            var speaker = TWSSpeaker()
            speaker.orders = book
            tws = try FakeTWSServer(speaker: speaker)
            var c = EngineConfiguration(symbols: ["SPY"], orderEntry: .loopback(port: exchange.fixPort), feed: .loopback(port: exchange.feedPort))
            c.venueName = "lit"
            c.reconnectDelay = .milliseconds(200)
            var ib = AdditionalVenue(name: "ib", orderEntry: tws.address, targetCompID: "IB")
            ib.orderProtocol = .tws
            ib.twsClientId = 11
            ib.accountName = "DU123456"
            ib.cancelsOnDisconnect = false
            c.additionalVenues = [ib]
            c.routes = [RouteRule(venue: 1)]
            if let journal {
                c.journalDirectory = journal
                c.recoverFromJournal = true
            }
            engine = try TradingEngine(configuration: c, strategies: ScriptedStrategy(script: script),
                                       riskLimits: try ExampleSetup.riskLimits(symbols: ["SPY"], venues: ["lit", "ib"]))
            try engine.start()
        }

        /// Waits until the TWS venue has reconciled and a reference price is in.
        func ready() -> Bool {
            EndToEndTests.wait(seconds: 20) { script.bid.load(ordering: .relaxed) > 0 && engine.progress.venueConnected }
        }

        func stop() {
            engine.stop()
            tws.stop()
            exchange.stop()
        }

        /// The TWS order id of the n-th placeOrder frame (0-based), once it arrived.
        func placedId(_ n: Int) -> Int64? {
            let frames = tws.frames(id: "3")
            return frames.count > n ? Int64(frames[n].fields[1]) : nil
        }

        var link: TWSOrderLink { engine.venues[1].tws! }
        func position() -> Quantity { engine.oms.position(account: ExampleSetup.account, instrument: InstrumentId(rawValue: 0)).quantity }
    }

    static func send(_ tws: FakeTWSServer, _ frames: [[String]]) { for f in frames { tws.send(f) } }

    @Test("a strategy order goes over TWS (placeOrder with the venue's account and client id), fills, and becomes a position")
    func routeAndFill() throws {
        let rig = try Rig(mode: .fill)
        #expect(rig.ready(), "\(rig.engine.log.suffix(6))")
        rig.script.post(.new(id: 1, shares: 100, side: .buy))
        let filled = EndToEndTests.wait(seconds: 10) { rig.script.events(1, .trade).contains { $0.orderStatus == .filled } }
        rig.stop()
        #expect(filled, "\(rig.engine.log.suffix(8))")
        let start = try #require(rig.tws.frames(id: "71").first)
        #expect(start.fields == ["71", "2", "11", ""], "the order session's own client id")
        let place = try #require(rig.tws.frames(id: "3").first)
        #expect(place.fields[1] == "1000", "the first id is TWS's nextValidId")
        #expect(place.fields[3] == "SPY" && place.fields[4] == "STK" && place.fields[9] == "SMART" && place.fields[11] == "USD")
        #expect(place.fields[16] == "BUY" && place.fields[17] == "100" && place.fields[18] == "LMT" && place.fields[21] == "DAY")
        #expect(place.fields[23] == "DU123456")
        #expect(place.fields.count == 110)
        let order = try #require(rig.engine.oms.order(OrderId(rawValue: 1)))
        #expect(order.status == .filled && order.venue == VenueId(rawValue: 2))
        #expect(order.venueOrderId == 1_000)
        #expect(rig.position() == Quantity(rawValue: 100 * Self.shares))
        #expect(rig.script.events(1, .new).count == 1)
        #expect(rig.script.events(1, .trade).count == 1)
        #expect(rig.engine.counters.fills == 1 && rig.link.counters.ordersPlaced == 1)
        #expect(rig.engine.venues[0].tws == nil, "the primary stays FIX")
    }

    @Test("partial fills accumulate to a full fill and one position")
    func partialFills() throws {
        let rig = try Rig(mode: .partialFill(40))
        #expect(rig.ready(), "\(rig.engine.log.suffix(6))")
        rig.script.post(.new(id: 1, shares: 100, side: .buy))
        let partial = EndToEndTests.wait(seconds: 10) { rig.script.has(1, .trade) }
        let id = try #require(rig.placedId(0))
        let price = Double(try #require(rig.book.orders[id]?.price))!
        Self.send(rig.tws, rig.book.fill(id, shares: 25, price: price))
        Self.send(rig.tws, rig.book.fill(id, shares: 35, price: price))
        let filled = EndToEndTests.wait(seconds: 10) { rig.script.events(1, .trade).contains { $0.orderStatus == .filled } }
        rig.stop()
        #expect(partial && filled, "\(rig.engine.log.suffix(8))")
        let fills = rig.script.events(1, .trade)
        #expect(fills.map { $0.lastQuantity.rawValue / Self.shares } == [40, 25, 35])
        #expect(fills.map(\.orderStatus) == [.partiallyFilled, .partiallyFilled, .filled])
        #expect(rig.engine.oms.order(OrderId(rawValue: 1))?.filledQuantity == Quantity(rawValue: 100 * Self.shares))
        #expect(rig.position() == Quantity(rawValue: 100 * Self.shares))
    }

    @Test("replace is placeOrder again under the same TWS id; the ClOrdID chain follows; cancel ends it")
    func replaceThenCancel() throws {
        let rig = try Rig(mode: .acknowledge)
        #expect(rig.ready(), "\(rig.engine.log.suffix(6))")
        rig.script.post(.new(id: 1, shares: 100, side: .buy))
        let acked = EndToEndTests.wait(seconds: 10) { rig.script.has(1, .new) }
        rig.script.post(.replace(id: 2, original: 1, shares: 150))
        let replaced = EndToEndTests.wait(seconds: 10) { rig.script.has(2, .replaced) }
        rig.script.post(.cancel(id: 3, original: 2))
        let canceled = EndToEndTests.wait(seconds: 10) { rig.script.has(3, .canceled) }
        rig.stop()
        #expect(acked && replaced && canceled, "\(rig.engine.log.suffix(8))")
        let places = rig.tws.frames(id: "3")
        #expect(places.count == 2 && places[0].fields[1] == places[1].fields[1], "modify = same order id")
        #expect(places.last?.fields[17] == "150")
        let cancel = try #require(rig.tws.frames(id: "4").first)
        #expect(cancel.fields == ["4", "1", places[0].fields[1]])
        #expect(rig.script.events(2, .replaced).first?.originalOrderId == OrderId(rawValue: 1))
        let record = try #require(rig.engine.oms.order(OrderId(rawValue: 2)))
        #expect(record.status == .canceled && record.quantity == Quantity(rawValue: 150 * Self.shares))
        #expect(rig.book.orders[Int64(places[0].fields[1])!]?.status == "Cancelled")
        #expect(rig.script.events(3, .canceled).count == 1, "Cancelled status and error 202 are one cancel")
        #expect(rig.position() == .zero)
    }

    @Test("error 201 rejects a new order with its text; 10148 rejects a cancel; 201 on a pending modify rejects the modify; Inactive ends the working order")
    func rejects() throws {
        let rig = try Rig(mode: .record)
        #expect(rig.ready(), "\(rig.engine.log.suffix(6))")
        rig.script.post(.new(id: 1, shares: 100, side: .buy))
        _ = EndToEndTests.wait(seconds: 10) { rig.placedId(0) != nil }
        let first = try #require(rig.placedId(0))
        rig.tws.sendError(id: first, code: 201, "Order rejected - reason:The account is restricted")
        let rejected = EndToEndTests.wait(seconds: 10) { rig.script.has(1, .rejected) }

        rig.script.post(.new(id: 2, shares: 60, side: .buy))
        _ = EndToEndTests.wait(seconds: 10) { rig.placedId(1) != nil }
        let second = try #require(rig.placedId(1))
        let order = try #require(rig.book.orders[second])
        rig.tws.send(FakeTWSOrderBook.openOrder(order))
        rig.tws.send(FakeTWSOrderBook.orderStatus(id: second, status: "Submitted", filled: 0, remaining: 60))
        let acked = EndToEndTests.wait(seconds: 10) { rig.script.has(2, .new) }
        rig.script.post(.cancel(id: 3, original: 2))
        _ = EndToEndTests.wait(seconds: 10) { !rig.tws.frames(id: "4").isEmpty }
        rig.tws.sendError(id: second, code: 10148, "OrderId \(second) that needs to be cancelled cannot be cancelled, state: Filled.")
        let cancelRejected = EndToEndTests.wait(seconds: 10) { rig.script.has(3, .rejected) }
        // A modify TWS refuses (201 while the modify is pending) is a replace reject.
        rig.script.post(.replace(id: 5, original: 2, shares: 80))
        _ = EndToEndTests.wait(seconds: 10) { rig.placedId(2) != nil }
        #expect(rig.placedId(2) == second, "the modify reuses the TWS id")
        rig.tws.sendError(id: second, code: 201, "Order rejected - reason:Modify not allowed")
        let replaceRejected = EndToEndTests.wait(seconds: 10) { rig.script.has(5, .rejected) }
        // Later TWS makes the working order Inactive: it ends (canceled: the OMS cannot reject an acknowledged order).
        rig.tws.send(FakeTWSOrderBook.orderStatus(id: second, status: "Inactive", filled: 0, remaining: 60))
        let ended = EndToEndTests.wait(seconds: 10) { rig.script.has(2, .canceled) }
        rig.stop()
        #expect(ended)
        #expect(rig.engine.oms.order(OrderId(rawValue: 2))?.status == .canceled)
        #expect(rejected && acked && cancelRejected && replaceRejected, "\(rig.engine.log.suffix(8))")
        let refusedModify = try #require(rig.script.events(5, .rejected).first)
        #expect(ExecutionFlags(rawValue: refusedModify.flags).contains(.cancelRejected) && refusedModify.rejectReason == 201)
        #expect(rig.engine.oms.order(OrderId(rawValue: 1))?.status == .rejected)
        #expect(rig.script.events(1, .rejected).first?.rejectReason == 201)
        #expect(rig.engine.log.contains { $0.contains("TWS error 201") && $0.contains("The account is restricted") })
        let reject = try #require(rig.script.events(3, .rejected).first)
        #expect(ExecutionFlags(rawValue: reject.flags).contains(.cancelRejected) && reject.originalOrderId == OrderId(rawValue: 2))
        let record = try #require(rig.engine.oms.order(OrderId(rawValue: 2)))
        #expect(!record.isCancelPending && !record.isReplacePending)
        #expect(record.quantity == Quantity(rawValue: 60 * Self.shares))
        #expect(rig.link.counters.rejects == 2 && rig.link.counters.cancelRejects == 2)
    }

    @Test("repeated orderStatus and execDetails are not fills twice; fill before or after the status ends the same")
    func duplicatesAndOrdering() throws {
        let rig = try Rig(mode: .fill)
        rig.book.duplicateStatuses = true
        #expect(rig.ready(), "\(rig.engine.log.suffix(6))")
        rig.book.executionsBeforeStatus = true
        rig.script.post(.new(id: 1, shares: 100, side: .buy))
        let one = EndToEndTests.wait(seconds: 10) { rig.script.events(1, .trade).contains { $0.orderStatus == .filled } }
        rig.book.executionsBeforeStatus = false
        rig.script.post(.new(id: 2, shares: 70, side: .buy))
        let two = EndToEndTests.wait(seconds: 10) { rig.script.events(2, .trade).contains { $0.orderStatus == .filled } }
        // TWS repeats: the last execDetails and orderStatus Filled once more.
        let repeatedExecution = try #require(Self.lastExecDetailsFrame(rig.book))
        rig.tws.send(repeatedExecution)
        rig.tws.send(FakeTWSOrderBook.orderStatus(id: rig.placedId(1)!, status: "Filled", filled: 70, remaining: 0))
        _ = EndToEndTests.wait(seconds: 2) { rig.link.counters.duplicateExecutions >= 1 }
        rig.stop()
        #expect(one && two, "\(rig.engine.log.suffix(8))")
        #expect(rig.script.events(1, .trade).count == 1 && rig.script.events(2, .trade).count == 1)
        #expect(rig.script.events(1, .new).count == 1 && rig.script.events(2, .new).count == 1)
        for id in [UInt64(1), 2] { #expect(rig.engine.oms.order(OrderId(rawValue: id))?.status == .filled) }
        #expect(rig.position() == Quantity(rawValue: 170 * Self.shares))
        #expect(rig.engine.counters.fills == 2)
        #expect(rig.link.counters.duplicateExecutions == 1)
        #expect(rig.link.counters.repeatedStatuses >= 4)
    }

    /// The execDetails frame the fake would send again for the last execution.
    static func lastExecDetailsFrame(_ book: FakeTWSOrderBook) -> [String]? {
        guard let x = book.executions.last, let order = book.orders[x.orderId] else { return nil }
        return FakeTWSOrderBook.execDetails(order, x, requestId: "-1")
    }

    @Test("after a reconnect, reqOpenOrders and reqExecutions repair a fill and a cancel missed while disconnected")
    func reconnectReconciles() throws {
        let rig = try Rig(mode: .acknowledge)
        #expect(rig.ready(), "\(rig.engine.log.suffix(6))")
        rig.script.post(.new(id: 1, shares: 100, side: .buy))
        rig.script.post(.new(id: 2, shares: 50, side: .buy))
        rig.script.post(.new(id: 4, shares: 30, side: .buy))
        let acked = EndToEndTests.wait(seconds: 10) { rig.script.has(1, .new) && rig.script.has(2, .new) && rig.script.has(4, .new) }
        let first = try #require(rig.placedId(0)), second = try #require(rig.placedId(1)), third = try #require(rig.placedId(2))
        // At the broker, unseen by the engine: order 1 fills, order 2 is cancelled; then the link drops.
        let price = Double(try #require(rig.book.orders[first]?.price))!
        _ = rig.book.fill(first, shares: 100, price: price)
        _ = rig.book.cancel(second)
        rig.tws.post(.drop)
        let repaired = EndToEndTests.wait(seconds: 20) {
            rig.script.events(1, .trade).contains { $0.orderStatus == .filled } && rig.script.has(2, .canceled)
                && rig.book.orders[third]?.status == "Cancelled"
        }
        // Order 4 was still open at TWS: the kill switch (engaged by the lost venue) cancels it once back.
        let killed = EndToEndTests.wait(seconds: 5) { rig.script.updates.withLock { $0.contains { $0.executionType == .canceled && $0.originalOrderId == OrderId(rawValue: 4) } } }
        rig.stop()
        #expect(acked && repaired, "\(rig.engine.log.suffix(12))")
        #expect(rig.tws.connections == 2)
        #expect(rig.tws.frames(id: "5", connection: 2).count == 1)
        let executions = try #require(rig.tws.frames(id: "7", connection: 2).first)
        #expect(executions.fields[3] == "11" && executions.fields[4] == "DU123456", "filtered by client id and account")
        #expect(rig.engine.oms.order(OrderId(rawValue: 1))?.status == .filled)
        #expect(rig.engine.oms.order(OrderId(rawValue: 2))?.status == .canceled)
        #expect(killed && rig.engine.oms.order(OrderId(rawValue: 4))?.status == .canceled)
        #expect(rig.engine.counters.killSwitchCancels >= 1 && rig.engine.risk.isKillSwitchEngaged)
        #expect(rig.tws.frames(id: "4", connection: 2).map { $0.fields[2] } == [String(third)])
        #expect(rig.position() == Quantity(rawValue: 100 * Self.shares))
        #expect(rig.link.counters.reconciliations == 2 && rig.link.counters.reconciliationDifferences >= 2)
        #expect(rig.engine.log.contains { $0.contains("missingFill") })
        #expect(rig.engine.log.contains { $0.contains("missingAtVenue") })
        #expect(rig.engine.log.contains { $0.contains("order venue ib (TWS) lost") })
    }

    @Test("ctl reconcile on a connected TWS venue asks for open orders and executions again and books a fill it had not heard of")
    func operatorReconcile() throws {
        let rig = try Rig(mode: .acknowledge)
        #expect(rig.ready(), "\(rig.engine.log.suffix(6))")
        rig.script.post(.new(id: 1, shares: 100, side: .buy))
        let acked = EndToEndTests.wait(seconds: 10) { rig.script.has(1, .new) }
        let first = try #require(rig.placedId(0))
        // The broker fills it, but its execDetails never reach the engine (frames not sent).
        let price = Double(try #require(rig.book.orders[first]?.price))!
        _ = rig.book.fill(first, shares: 100, price: price)
        let answer = rig.engine.perform(.reconcile)
        let repaired = EndToEndTests.wait(seconds: 10) { rig.script.events(1, .trade).contains { $0.orderStatus == .filled } }
        let upAgain = EndToEndTests.wait(seconds: 5) { rig.engine.progress.venueConnected }
        rig.stop()
        #expect(acked && repaired && upAgain, "\(answer) \(rig.engine.log.suffix(10))")
        #expect(answer.contains("requested for 2 venue(s)"), "the FIX venue and the TWS venue: \(answer)")
        #expect(rig.tws.connections == 1, "no reconnect was needed")
        #expect(rig.tws.frames(id: "5").count == 2 && rig.tws.frames(id: "7").count == 2, "asked at connect and again on request")
        #expect(rig.position() == Quantity(rawValue: 100 * Self.shares))
        #expect(rig.link.counters.reconciliations == 2 && rig.link.counters.reconciliationDifferences >= 1)
    }

    @Test("an order TWS lists that this engine never placed is adopted at connect and its later fill is booked live")
    func adoptsAndTracksUnknownOpenOrder() throws {
        let rig = try Rig(mode: .acknowledge, firstId: 1_000, preload: { book in
            book.add(FakeTWSOrderBook.Order(id: 400, symbol: "SPY", action: "BUY", quantity: 20, type: "LMT", price: "100.5",
                                            timeInForce: "GTC", account: "DU123456", clientId: 11, permId: 77))
        })
        #expect(rig.ready(), "\(rig.engine.log.suffix(6))")
        Self.send(rig.tws, rig.book.fill(400, shares: 20, price: 100.5))
        let filled = EndToEndTests.wait(seconds: 10) { rig.script.updates.withLock { $0.contains { $0.executionType == .trade && $0.venueOrderId == 400 } } }
        rig.script.post(.new(id: 1, shares: 10, side: .buy))
        let placed = EndToEndTests.wait(seconds: 10) { rig.placedId(0) != nil }
        rig.stop()
        #expect(filled && placed, "\(rig.engine.log.suffix(8))")
        #expect(rig.engine.log.contains { $0.contains("adoptedOrder") })
        let slot = rig.engine.oms.slot(venueOrderId: 400, venue: VenueId(rawValue: 2))
        #expect(slot != .none && rig.engine.oms.order(at: slot).status == .filled)
        #expect(rig.position() >= Quantity(rawValue: 20 * Self.shares))
        #expect(rig.placedId(0) == 1_000, "new ids continue above TWS's nextValidId")
    }

    @Test("after a restart, a working TWS order recovered from the journal is tracked again: its fill is booked, new ids go above it")
    func restartRecoversWorkingOrder() throws {
        let journal = TemporaryDirectory("tws-restart")
        defer { journal.remove() }
        let book = FakeTWSOrderBook(mode: .acknowledge, nextValidId: 1_000)
        do {
            let first = try Rig(mode: .acknowledge, book: book, journal: journal.path)
            #expect(first.ready(), "\(first.engine.log.suffix(6))")
            first.script.post(.new(id: 1, shares: 100, side: .buy))
            let acked = EndToEndTests.wait(seconds: 10) { first.script.has(1, .new) }
            first.stop()
            #expect(acked, "\(first.engine.log.suffix(8))")
        }
        let rig = try Rig(mode: .acknowledge, book: book, journal: journal.path)
        #expect(rig.ready(), "\(rig.engine.log.suffix(6))")
        let price = Double(try #require(book.orders[1_000]?.price))!
        Self.send(rig.tws, book.fill(1_000, shares: 100, price: price))
        let filled = EndToEndTests.wait(seconds: 10) { rig.script.events(1, .trade).contains { $0.orderStatus == .filled } }
        rig.script.post(.new(id: 2, shares: 50, side: .buy))
        let placed = EndToEndTests.wait(seconds: 10) { rig.placedId(0) != nil }
        rig.stop()
        #expect(filled && placed, "\(rig.engine.log.suffix(10))")
        #expect(rig.engine.recovery.commands >= 1)
        #expect(rig.engine.log.contains { $0.contains("1 working order(s) known by TWS id entered into the id table") })
        #expect(rig.engine.oms.order(OrderId(rawValue: 1))?.status == .filled)
        #expect(rig.position() == Quantity(rawValue: 100 * Self.shares))
        #expect(rig.placedId(0) == 1_001)
        #expect(rig.link.counters.unknownOrderMessages == 0)
    }

    @Test("malformed frames and messages about unknown orders are counted; the venue keeps trading")
    func badInput() throws {
        let rig = try Rig(mode: .fill)
        #expect(rig.ready(), "\(rig.engine.log.suffix(6))")
        rig.tws.send(FakeTWSOrderBook.orderStatus(id: 777_777, status: "Submitted", filled: 0, remaining: 10))
        rig.tws.send(["11", "-1", "777777", "0", "SPY", "STK", "", "0.0", "", "", "SMART", "USD", "SPY", "NMS", "x.1", "20261125  23:15:51",
                      "DU123456", "ISLAND", "BOT", "10.0", "100.0", "1", "11", "0", "10.0", "100.0", "", "", "", "", "1"])
        rig.tws.sendError(id: 777_777, code: 202, "Order Canceled - reason:")
        rig.tws.send(["3", "not-a-number", "Submitted", "0", "10", "0", "1", "0", "0", "11", "", "0"])
        rig.tws.send(["3", "5"])  // truncated
        rig.tws.send(["11", "-1"])  // truncated
        rig.tws.sendRaw([0, 0, 0, 3, 0x33, 0x00, 0x41])  // no terminator
        rig.script.post(.new(id: 1, shares: 30, side: .buy))
        let filled = EndToEndTests.wait(seconds: 10) { rig.script.events(1, .trade).contains { $0.orderStatus == .filled } }
        rig.stop()
        #expect(filled, "\(rig.engine.log.suffix(8))")
        #expect(rig.link.counters.unknownOrderMessages >= 3)
        let session = try #require(rig.link.session)
        #expect(session.counters.malformedMessages >= 4)
        #expect(rig.position() == Quantity(rawValue: 30 * Self.shares))
        #expect(rig.engine.counters.fills == 1)
    }

    @Test("a routed order's placeOrder equals the official client's golden frame (with the capture's old defaults)")
    func goldenPlaceOrder() throws {
        let text = try TWSGolden.text("../shared/protocols/tws/placeOrder_golden.md")
        var golden: [String] = []
        for line in text.split(separator: "\n").dropFirst() {
            if line.hasPrefix("###") { break }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { String($0).trimmingCharacters() }
            guard cells.count >= 4, Int(cells[1]) != nil else { continue }
            golden.append(String(cells[3].dropFirst().dropLast()))
        }
        #expect(golden.count == 110)
        var spec = AdditionalVenue(name: "ib", orderEntry: .loopback(port: 1), targetCompID: "IB")
        spec.orderProtocol = .tws
        spec.accountName = ""
        let link = TWSOrderLink(spec: spec, symbols: ["AAPL"], capacity: 16)
        let command = OrderCommand(kind: .new, orderId: OrderId(rawValue: 42), instrument: InstrumentId(rawValue: 0), side: .buy,
                                   type: .limit, timeInForce: .day, price: Price("189.52")!, quantity: Quantity(rawValue: 100 * Self.shares),
                                   account: ExampleSetup.account, strategy: StrategyId(rawValue: 1), createdTime: .zero)
        var order = try #require(link.order(command))
        order.eTradeOnly = true; order.firmQuoteOnly = true  // ibapi 9.81's defaults in the capture
        var bytes = [UInt8](repeating: 0, count: 4_096)
        let n = try #require(bytes.withUnsafeMutableBytes { TWSRequests.placeOrder(orderId: 1, contract: link.contracts[0], order: order, into: $0) })
        let fields = bytes[4..<n].split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
        #expect(fields == golden)
        // What the engine sends by default differs only in those two flags (current TWS refuses them).
        let mine = try #require(link.order(command))
        #expect(!mine.eTradeOnly && !mine.firmQuoteOnly && mine.account == "")
        var market = command; market.type = .market; market.timeInForce = .immediateOrCancel
        #expect(link.order(market).map { [$0.orderType, $0.timeInForce] } == ["MKT", "IOC"])
        #expect(link.order(market)?.limitPrice == nil)
        var stop = command; stop.type = .stop
        #expect(link.order(stop) == nil, "stop orders are not mapped")
        var gtd = command; gtd.timeInForce = .goodTillDate
        #expect(link.order(gtd) == nil)
    }

    @Test("the order mapping (placeOrder/modify/cancel encode, id table, openOrder/orderStatus/execDetails in) allocates nothing per order after warm-up")
    func noAllocationPerOrder() throws {
        var spec = AdditionalVenue(name: "ib", orderEntry: .loopback(port: 1), targetCompID: "IB")
        spec.orderProtocol = .tws
        spec.accountName = "DU123456"
        let link = TWSOrderLink(spec: spec, symbols: ["SPY", "QQQ"], capacity: 4_096)
        let venue = VenueId(rawValue: 2)
        let n = 2_000, warmUp = 200
        // What TWS answers to each order, prebuilt (the strings allocate here, not below).
        var stream: [UInt8] = []
        for k in 0..<n {
            let id = Int64(1_000 + k)
            let order = FakeTWSOrderBook.Order(id: id, symbol: "SPY", action: "BUY", quantity: 100, type: "LMT", price: "100.25",
                                               timeInForce: "DAY", account: "DU123456", clientId: 11, permId: id)
            stream += TWSSpeaker.frame(FakeTWSOrderBook.openOrder(order))
            stream += TWSSpeaker.frame(FakeTWSOrderBook.orderStatus(id: id, status: "Submitted", filled: 0, remaining: 100))
            stream += TWSSpeaker.frame(FakeTWSOrderBook.execDetails(order, FakeTWSOrderBook.Execution(
                orderId: id, executionId: "exec.\(k)", shares: 100, price: 100.25, cumulative: 100, averagePrice: 100.25), requestId: "-1"))
            stream += TWSSpeaker.frame(FakeTWSOrderBook.orderStatus(id: id, status: "Filled", filled: 100, remaining: 0, averagePrice: 100.25))
        }
        var out = [UInt8](repeating: 0, count: 8_192)
        let decoder = TWSDecoder()
        var events = 0, fills = 0, wire = 0
        var allocationsAtWarmUp: UInt64 = 0
        let counter = Self.allocationCounter()
        stream.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { buffer in
                var offset = 0
                for k in 0..<n {
                    if k == warmUp { allocationsAtWarmUp = counter?() ?? 0 }
                    let price = Price(rawValue: 10_025 * FixedPointScale.scale / 100)
                    let new = OrderCommand(kind: .new, orderId: OrderId(rawValue: UInt64(10 * k + 1)), instrument: InstrumentId(rawValue: 0),
                                           side: .buy, type: .limit, timeInForce: .day, price: price,
                                           quantity: Quantity(rawValue: 100 * Self.shares), account: ExampleSetup.account,
                                           strategy: StrategyId(rawValue: 1), createdTime: .zero)
                    let twsId = Int64(1_000 + k)
                    guard let order = link.order(new) else { return }
                    wire += TWSRequests.placeOrder(orderId: twsId, contract: link.contracts[0], order: order, into: buffer) ?? 0
                    _ = link.table.insert(twsId: twsId, orderId: new.orderId, instrument: new.instrument, side: new.side, price: price,
                                          quantity: new.quantity)
                    // A modify and a cancel request for the same order (encoded, looked up; not answered).
                    var replace = new
                    replace.kind = .replace; replace.originalOrderId = new.orderId; replace.orderId = OrderId(rawValue: UInt64(10 * k + 2))
                    if let i = link.table.index(orderId: new.orderId), let modified = link.order(replace) {
                        wire += TWSRequests.placeOrder(orderId: link.table[i].twsId, contract: link.contracts[0], order: modified, into: buffer) ?? 0
                        link.table.alias(replace.orderId, to: i)
                        wire += TWSRequests.cancelOrder(orderId: link.table[i].twsId, into: buffer) ?? 0
                    }
                    for _ in 0..<4 {
                        guard case .message(let message, let consumed) = decoder.decode(UnsafeRawBufferPointer(rebasing: input[offset...])) else { return }
                        offset += consumed
                        switch message {
                        case .openOrder(let o):
                            if link.onStatus(twsId: o.orderId, status: o.status, totalQuantity: o.totalQuantity, limitPrice: o.limitPrice,
                                             venue: venue, now: .zero) != nil { events += 1 }
                        case .orderStatus(let s):
                            if link.onStatus(twsId: s.orderId, status: s.status, totalQuantity: (s.filled ?? .zero) + (s.remaining ?? .zero),
                                             limitPrice: nil, venue: venue, now: .zero) != nil { events += 1 }
                        case .execution(let x):
                            if let f = link.onExecution(x, venue: venue, now: .zero), f.orderStatus == .filled { fills += 1 }
                        default:
                            break
                        }
                    }
                }
            }
        }
        let allocations = (counter?() ?? 0) &- allocationsAtWarmUp
        #expect(events == n, "one new per order; the repeated Submitted and the Filled status pass nothing on")
        #expect(fills == n && wire > 0)
        #expect(link.counters.repeatedStatuses == 2 * n)
        if counter != nil {
            #expect(allocations == 0, "\(allocations) allocations over \(n - warmUp) orders")
            print("TWS order mapping: \(allocations) allocations over \(n - warmUp) orders (counted)")
        } else {
            print("TWS order mapping: allocations not counted (run with LD_PRELOAD of a malloc counter exporting peregrine_test_allocation_count)")
        }
    }

    /// The process-wide malloc counter, when a counting malloc is preloaded.
    static func allocationCounter() -> (() -> UInt64)? {
        typealias Count = @convention(c) () -> UInt64
        guard let symbol = dlsym(nil, "peregrine_test_allocation_count") else { return nil }
        let count = unsafeBitCast(symbol, to: Count.self)
        return { count() }
    }

    @Test("protocol = tws in a [venue.NAME] section; not for the primary; client_id only with it")
    func configuration() throws {
        let text = """
            [engine]
            symbols = SPY
            [venue]
            host = 127.0.0.1
            port = 9878
            [venue.ib]
            protocol = tws
            host = 127.0.0.1
            port = 7497
            client_id = 11
            account = DU123456
            [route]
            ib when min_qty=100
            [feed]
            host = 127.0.0.1
            port = 5009
            """
        let c = try EngineConfigFile.parse(text)
        #expect(c.engine.additionalVenues.count == 1)
        let ib = c.engine.additionalVenues[0]
        #expect(ib.orderProtocol == .tws && ib.twsClientId == 11 && ib.accountName == "DU123456" && !ib.cancelsOnDisconnect)
        #expect(c.engine.routes == [RouteRule(venue: 1, minimumQuantity: Quantity(rawValue: 100 * Self.shares))])
        let bad = """
            [engine]
            symbols = SPY
            [venue]
            protocol = tws
            host = 127.0.0.1
            port = 9878
            [venue.x]
            host = 127.0.0.1
            port = 7497
            client_id = 3
            [venue.y]
            protocol = ib
            host = 127.0.0.1
            port = 7498
            [venue.z]
            protocol = tws
            host = 127.0.0.1
            port = 7497
            client_id = 4
            cancels_on_disconnect = yes
            [feed]
            kind = tws
            client_id = 4
            host = 127.0.0.1
            port = 7497
            """
        do {
            _ = try EngineConfigFile.parse(bad, source: "t.conf")
            Issue.record("bad TWS venues parsed")
        } catch {
            #expect(error.description.contains("t.conf:4: the primary [venue] speaks FIX"))
            #expect(error.description.contains("t.conf:10: 'client_id' is for protocol = tws"))
            #expect(error.description.contains("t.conf:12: protocol 'ib' is not fix or tws"))
            #expect(error.description.contains("t.conf:20: 'cancels_on_disconnect' is for FIX venues"))
            #expect(error.description.contains("t.conf:19: [venue.z] client_id 4 is the TWS feed's"))
        }
    }

    @Test("the id table finds orders by TWS id and by every ClOrdID of their chain, and forgets overwritten ones")
    func table() {
        var t = TWSOrderTable(capacity: 16)
        let a = t.insert(twsId: 100, orderId: OrderId(rawValue: 1), instrument: InstrumentId(rawValue: 0), side: .buy,
                         price: .zero, quantity: Quantity(rawValue: 1))
        #expect(t.index(twsId: 100) == a && t.index(orderId: OrderId(rawValue: 1)) == a)
        t[a].pendingReplaceId = OrderId(rawValue: 2)
        t.alias(OrderId(rawValue: 2), to: a)
        #expect(t.index(orderId: OrderId(rawValue: 2)) == a)
        #expect(t.index(twsId: 101) == nil && t.index(orderId: OrderId(rawValue: 3)) == nil)
        // 16 newer orders reuse the slot: the old ids are gone, not misdirected.
        for k in 101...116 {
            _ = t.insert(twsId: Int64(k), orderId: OrderId(rawValue: UInt64(1_000 + k)), instrument: InstrumentId(rawValue: 0),
                         side: .sell, price: .zero, quantity: Quantity(rawValue: 1))
        }
        #expect(t.index(twsId: 100) == nil && t.index(orderId: OrderId(rawValue: 1)) == nil)
        #expect(t.index(orderId: OrderId(rawValue: 1_116)) == t.index(twsId: 116))
        var seen = TWSExecutionIdSet(capacity: 512)
        #expect(seen.insert(7) && !seen.insert(7) && seen.contains(7))
        for k in 0..<600 { _ = seen.insert(UInt64(10_000 + k)) }
        #expect(seen.contains(10_599) && seen.contains(10_100), "the recent half-capacity is always remembered")
    }
}

enum TWSGolden {
    static func text(_ path: String) throws -> String {
        guard let f = fopen(path, "r") else { throw GoldenMissing(path: path) }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
    struct GoldenMissing: Error { var path: String }
}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
