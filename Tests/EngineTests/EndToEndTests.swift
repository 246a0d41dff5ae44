import Testing
import PeregrineCore
@testable import PeregrineEngine
import PeregrineOMS
import PeregrinePlatform
import PeregrineRisk
import PeregrineSimExchange
import PeregrineSimVenue
import PeregrineStrategy
import PeregrineTestKit
#if canImport(Glibc)
import Glibc
#endif

/// Engine and simulated exchange on loopback: real sockets, real FIX sessions, the real
/// feed. Each test starts both, waits for a condition with a deadline, stops both, and
/// reads the state (after the threads are joined).
@Suite(.serialized)
struct EndToEndTests {
    static func sleepMillis(_ ms: Int) {
        var spec = timespec(tv_sec: ms / 1000, tv_nsec: (ms % 1000) * 1_000_000)
        nanosleep(&spec, nil)
    }

    /// Polls `condition` every 20 ms until true or `seconds` pass.
    static func wait(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Clock.monotonicNanos() + UInt64(seconds * 1e9)
        while Clock.monotonicNanos() < deadline {
            if condition() { return true }
            sleepMillis(20)
        }
        return condition()
    }

    static func exchange(symbols: [String], seed: UInt64) throws -> SimulatedExchange {
        var c = SimulatedExchangeConfiguration()
        c.symbols = symbols
        c.seed = seed
        c.markets = symbols.indices.map { i in
            var p = SimulatedMarketParameters()
            p.initialFairValue = 100 + 20 * Double(i)
            return p
        }
        let x = SimulatedExchange(configuration: c)
        try x.start()
        return x
    }

    @Test func exampleStrategiesTradeAndPositionsAgreeWithTheExchange() throws {
        let symbols = ["SPY", "QQQ"]
        let exchange = try Self.exchange(symbols: symbols, seed: 11)
        let directory = try TemporaryDirectoryPath.make()
        var configuration = EngineConfiguration(symbols: symbols, orderEntry: .loopback(port: exchange.fixPort),
                                                feed: .loopback(port: exchange.feedPort))
        configuration.journalDirectory = directory
        let queries = try ExampleSetup.queries(instrumentCount: symbols.count)
        let engine = try TradingEngine(configuration: configuration,
                                       strategies: try ExampleSetup.strategies(instrumentCount: symbols.count, queries: queries),
                                       riskLimits: try ExampleSetup.riskLimits(symbols: symbols), queries: queries)
        try engine.start()
        let traded = Self.wait(seconds: 40) { engine.progress.fills >= 20 && engine.progress.marketEvents >= 150 }
        engine.stop()
        exchange.stop()
        #expect(traded, "fills after 40 s: \(engine.progress.fills); log: \(engine.log.suffix(5))")
        #expect(engine.counters.marketEvents > 100)
        #expect(engine.counters.cepOutputs > 100, "the CQL EMAs reached the strategies")
        #expect(engine.counters.ordersSent > 0)
        #expect(engine.counters.badExecutionReports == 0)
        #expect(engine.oms.faultCount == 0, "OMS faults: unknown orders, illegal transitions or overfills")
        #expect(engine.tickToOrder.count > 0)
        #expect(engine.journalDrops == 0)
        // Every fill the exchange sent was applied once: positions agree instrument by instrument.
        var fillsSeen = 0
        for i in symbols.indices {
            let id = InstrumentId(rawValue: UInt32(i))
            let ours = engine.oms.position(account: ExampleSetup.account, instrument: id).quantity
            let theirs = exchange.clientPosition(account: ExampleSetup.account, instrument: id)
            let p = engine.oms.position(account: ExampleSetup.account, instrument: id)
            #expect(ours == theirs, "\(symbols[i]): engine \(ours) (bought \(p.boughtQuantity), sold \(p.soldQuantity)), exchange \(theirs); fills \(engine.counters.fills) vs \(exchange.clientFillCount)")
            fillsSeen += 1
        }
        #expect(fillsSeen == 2)
        #expect(exchange.clientFillCount == engine.counters.fills)
        // Cancel-on-disconnect: nothing of ours rests at the exchange after the logout.
        #expect(exchange.restingOrders(account: ExampleSetup.account).isEmpty)
    }

    @Test func recordedQuotesAreTheLiquidityInReplayMode() throws {
        let root = "/" + #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        guard let found = RecordedReplaySource.discover(dataDirectory: root + "/../shared/data/lean/Data", date: 20131007) else {
            Issue.record("recorded LEAN ticks not found beside the checkout (../shared/data/lean/Data)")
            return
        }
        #expect(found.symbols == ["IBM"])
        var c = SimulatedExchangeConfiguration()
        c.symbols = found.symbols
        c.replay = RecordedReplaySource(files: found.files, speed: 30)
        let exchange = SimulatedExchange(configuration: c)
        try exchange.start()
        let queries = try ExampleSetup.queries(instrumentCount: 1)
        let configuration = EngineConfiguration(symbols: found.symbols, orderEntry: .loopback(port: exchange.fixPort),
                                                feed: .loopback(port: exchange.feedPort))
        let engine = try TradingEngine(configuration: configuration,
                                       strategies: try ExampleSetup.strategies(instrumentCount: 1, queries: queries),
                                       riskLimits: try ExampleSetup.riskLimits(symbols: found.symbols), queries: queries)
        try engine.start()
        let traded = Self.wait(seconds: 40) { engine.progress.fills >= 5 }
        engine.stop()
        exchange.stop()
        #expect(traded, "fills \(engine.progress.fills)")
        let replayed = exchange.replayProgress
        #expect(replayed.quotes > 100 && replayed.trades > 10, "\(replayed)")
        // The book the engine saw is the recorded one: IBM traded near $182-186 that morning.
        let mark = engine.oms.positions.mark(instrument: InstrumentId(rawValue: 0))?.doubleValue ?? 0
        #expect(mark > 170 && mark < 200, "mark \(mark)")
        let id = InstrumentId(rawValue: 0)
        #expect(engine.oms.position(account: ExampleSetup.account, instrument: id).quantity
                == exchange.clientPosition(account: ExampleSetup.account, instrument: id))
    }

    @Test func marketDataOverTheFIXOrderSession() throws {
        let exchange = try Self.exchange(symbols: ["SPY", "QQQ"], seed: 21)
        var configuration = EngineConfiguration(symbols: ["SPY", "QQQ"], orderEntry: .loopback(port: exchange.fixPort),
                                                feed: .loopback(port: 1))   // unused: market data comes over FIX
        configuration.feedKind = .fix
        let engine = try TradingEngine(configuration: configuration, strategies: try ExampleSetup.strategies(instrumentCount: 2),
                                       riskLimits: try ExampleSetup.riskLimits(symbols: ["SPY", "QQQ"]))
        try engine.start()
        let traded = Self.wait(seconds: 30) { engine.progress.fills >= 5 && engine.progress.marketEvents >= 50 }
        engine.stop()
        exchange.stop()
        #expect(traded, "\(engine.log.suffix(4))")
        #expect(engine.feedConnection == nil && !engine.log.contains { $0.hasPrefix("feed") }, "no feed socket was used")
        #expect(engine.log.contains { $0.contains("market data requested") })
        #expect(engine.fixMarketData.skippedEntries == 0)
        for i in 0..<2 {
            let id = InstrumentId(rawValue: UInt32(i))
            #expect(engine.oms.position(account: ExampleSetup.account, instrument: id).quantity
                    == exchange.clientPosition(account: ExampleSetup.account, instrument: id))
        }
    }

    @Test func orderLifecycleOverFIXPartialFillReplaceCancelRejects() throws {
        let symbols = ["SPY"]
        let exchange = try Self.exchange(symbols: symbols, seed: 5)
        var limits = try ExampleSetup.riskLimits(symbols: symbols)
        limits.instruments[0].maxOrderQuantity = Quantity(rawValue: 50_000 * FixedPointScale.scale)
        limits.instruments[0].maxOrderNotional = Notional(Price(rawValue: 100_000_000 * FixedPointScale.scale))
        limits.instruments[0].maxPosition = Quantity(rawValue: 200_000 * FixedPointScale.scale)
        limits.accounts[1].maxGrossExposure = .unlimited
        limits.accounts[1].maxNetExposure = .unlimited
        var configuration = EngineConfiguration(symbols: symbols, orderEntry: .loopback(port: exchange.fixPort),
                                                feed: .loopback(port: exchange.feedPort))
        configuration.journalDirectory = nil
        let engine = try TradingEngine(configuration: configuration, strategies: ScriptedStrategies(), riskLimits: limits)
        try engine.start()
        let done = Self.wait(seconds: 30) { engine.progress.ordersSent >= 2 && engine.progress.riskRejects >= 2 }
        Self.sleepMillis(300)   // let the last answers arrive
        engine.stop()
        exchange.stop()
        let script = engine.strategies
        #expect(done, "script stopped at step \(script.step); log \(engine.log.suffix(5))")
        #expect(script.step >= 8, "script reached step \(script.step)")

        // 1 → 2 replaced, 2 canceled.
        guard let replaced = engine.oms.order(OrderId(rawValue: 2)) else { Issue.record("order 2 unknown to the OMS"); return }
        #expect(replaced.status == .canceled)
        #expect(replaced.price == script.replacePrice)
        // 4: IOC larger than the touch: partly filled, remainder cancelled by the venue.
        guard let ioc = engine.oms.order(OrderId(rawValue: 4)) else { Issue.record("order 4 unknown to the OMS"); return }
        #expect(ioc.filledQuantity.rawValue > 0)
        #expect(ioc.filledQuantity < ioc.quantity)
        #expect(ioc.status == .canceled)
        // 5, 6: refused by risk, never sent.
        #expect(engine.risk.rejectCount(.priceCollar) == 1)
        #expect(engine.risk.rejectCount(.maxOrderQuantity) == 1)
        #expect(engine.oms.order(OrderId(rawValue: 5)) == nil, "order 5 never reaches the OMS")
        #expect(engine.oms.order(OrderId(rawValue: 6)) == nil, "order 6 never reaches the OMS")
        // 7: the cancel that lost the race to the IOC: the venue answers OrderCancelReject.
        #expect(script.cancelRejects == 1)
        #expect(engine.counters.venueRejects >= 1)
        // 8: a cancel of the finished IOC: the OMS refuses it, it never leaves.
        #expect(script.localCancelRefusals == 1)
        #expect(engine.counters.omsRefusals == 1)
        // The exchange received exactly 1 new + 1 replace + 1 cancel + 1 IOC + 1 late cancel.
        #expect(exchange.ordersReceivedCount == 5)
        // Position equals the IOC's fills, on both sides of the wire.
        let position = engine.oms.position(account: ExampleSetup.account, instrument: InstrumentId(rawValue: 0)).quantity
        #expect(position == ioc.filledQuantity)
        #expect(exchange.clientPosition(account: ExampleSetup.account, instrument: InstrumentId(rawValue: 0)) == position)
        // The one OMS fault is the refused cancel (8); every venue report matched an order.
        #expect(engine.oms.count(of: .illegalTransition) == 1)
        #expect(engine.oms.faultCount == 1)
        #expect(engine.counters.badExecutionReports == 0)
    }

    @Test func operatorCommandsReachTheEngineThread() throws {
        let symbols = ["SPY"]
        let exchange = try Self.exchange(symbols: symbols, seed: 13)
        let configuration = EngineConfiguration(symbols: symbols, orderEntry: .loopback(port: exchange.fixPort),
                                                feed: .loopback(port: exchange.feedPort))
        let limits = try ExampleSetup.riskLimits(symbols: symbols)
        let engine = try TradingEngine(configuration: configuration, strategies: ScriptedStrategies(idle: true), riskLimits: limits)
        #expect(engine.perform(.status).hasPrefix("error: engine not running"))
        try engine.start()
        defer { engine.stop(); exchange.stop() }
        #expect(Self.wait(seconds: 10) { engine.progress.venueConnected })
        let status = engine.perform(.status)
        #expect(status.contains("venue session: logged on"), "\(status)")
        #expect(engine.perform(.positions).contains("SPY"))
        #expect(engine.perform(.killSwitch).hasPrefix("kill switch engaged"))
        #expect(Self.wait(seconds: 2) { engine.progress.killSwitchEngaged })
        #expect(engine.perform(.resetKillSwitch) == "kill switch reset (was: manual)")
        #expect(Self.wait(seconds: 2) { !engine.progress.killSwitchEngaged })
        var wrong = RiskLimits(instrumentCount: 3, accountCount: 2, venueCount: 2)
        wrong.version = 2
        #expect(engine.perform(.reloadLimits(wrong)).hasPrefix("error: limits refused"))
        var tighter = limits
        tighter.version = 3
        tighter.instruments[0].maxOrderQuantity = Quantity(rawValue: 10 * FixedPointScale.scale)
        let answer = engine.perform(.reloadLimits(tighter))
        #expect(answer.contains("limits applied (version 3)") && answer.contains("maxOrderQuantity"), "\(answer)")
    }

    @Test func lostVenueEngagesTheKillSwitchAndTheEngineReconnects() throws {
        let symbols = ["SPY"]
        let exchange = try Self.exchange(symbols: symbols, seed: 9)
        var configuration = EngineConfiguration(symbols: symbols, orderEntry: .loopback(port: exchange.fixPort),
                                                feed: .loopback(port: exchange.feedPort))
        configuration.reconnectDelay = .milliseconds(200)
        let engine = try TradingEngine(configuration: configuration, strategies: ScriptedStrategies(idle: true),
                                       riskLimits: try ExampleSetup.riskLimits(symbols: symbols))
        try engine.start()
        #expect(Self.wait(seconds: 10) { engine.progress.venueConnected })
        exchange.stop()   // the venue goes away
        #expect(Self.wait(seconds: 10) { !engine.progress.venueConnected && engine.progress.killSwitchEngaged })
        #expect(Self.wait(seconds: 10) { engine.progress.lastNote.hasPrefix("order entry: ") }, "a refused reconnect is noted")
        engine.stop()
        #expect(engine.risk.killSwitchCause == .venueDisconnected)
        #expect(engine.log.contains { $0.contains("order session lost") })
        #expect(engine.log.contains { $0.hasPrefix("order entry: ") }, "a refused reconnect is logged: \(engine.log.suffix(5))")
    }
}

@Suite struct ExampleSetupTests {
    @Test func shippedMomentumCQLMatchesTheBuiltInQueries() throws {
        let path = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        var text = ""
        if let f = fopen("/" + path + "/config/momentum.cql", "r") {
            var line = [CChar](repeating: 0, count: 4096)
            while fgets(&line, 4096, f) != nil { text += String(cString: line) }
            fclose(f)
        }
        func statements(_ s: String) -> [String] {
            s.split(separator: "\n").map { $0.trimmingCharacters(in: " ") }.filter { !$0.isEmpty && !$0.hasPrefix("--") }
        }
        #expect(!text.isEmpty, "config/momentum.cql is readable")
        #expect(statements(text) == statements(ExampleSetup.momentumCQL))
        let queries = try ExampleSetup.queries(instrumentCount: 3, source: text, file: "config/momentum.cql")
        #expect(queries.streamId(named: "mid_ema_fast") != nil && queries.streamId(named: "mid_ema_slow") != nil)
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        var s = self
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}

/// A scripted strategy set: walks one order through new → replace → cancel, sends an IOC
/// larger than the touch, two orders risk must refuse, and a cancel of a finished order.
struct ScriptedStrategies: EngineStrategies {
    var orders = OrderSink(capacity: 16)
    var bid = Price.zero
    var ask = Price.zero
    var step = 0
    var replacePrice = Price.zero
    var cancelRejects = 0
    var localCancelRefusals = 0
    var idle = false
    var waitingSince = Timestamp.zero
    let instrument = InstrumentId(rawValue: 0)
    let strategy = StrategyId(rawValue: 9)

    init(idle: Bool = false) { self.idle = idle }

    func command(_ kind: OrderCommandKind, id: UInt64, original: UInt64 = 0, side: Side = .buy, price: Price,
                 quantity: Int64, tif: TimeInForce = .day) -> OrderCommand {
        OrderCommand(kind: kind, orderId: OrderId(rawValue: id), originalOrderId: original == 0 ? .none : OrderId(rawValue: original),
                     instrument: instrument, side: side, type: .limit, timeInForce: tif, price: price,
                     quantity: Quantity(rawValue: quantity * FixedPointScale.scale), account: ExampleSetup.account,
                     strategy: strategy, createdTime: .zero)
    }

    mutating func onMarketEvent(_ event: MarketEvent) {
        if event.kind == .quote && event.bidPrice.rawValue > 0 && event.askPrice > event.bidPrice {
            bid = event.bidPrice
            ask = event.askPrice
        }
    }

    mutating func onOrderUpdate(_ event: ExecutionEvent) {
        let flags = ExecutionFlags(rawValue: event.flags)
        switch (step, event.executionType) {
        case (1, .new) where event.orderId.rawValue == 1: step = 2
        case (3, .replaced) where event.orderId.rawValue == 2: step = 4
        case (5, .canceled) where event.orderId.rawValue == 3 || event.originalOrderId.rawValue == 2: step = 6
        case (7, .canceled) where event.orderId.rawValue == 4: step = 8
        case (7, .trade) where event.orderId.rawValue == 4 && event.orderStatus == .filled: step = 8
        default: break
        }
        if flags.contains(.cancelRejected) && event.orderId.rawValue == 7 { cancelRejects += 1 }
        if flags.contains(.cancelRejected) && event.orderId.rawValue == 8 { localCancelRefusals += 1 }
    }

    mutating func onTimer(_ time: Timestamp) {
        guard !idle, bid.rawValue > 0 else { return }
        let half = Price(rawValue: FixedPointScale.scale / 2)   // 50 bp at 100: inside the 100 bp collar
        switch step {
        case 0:
            orders.tryAppend(command(.new, id: 1, price: bid - half, quantity: 100))
            step = 1
        case 2:
            replacePrice = bid - Price(rawValue: FixedPointScale.scale * 4 / 10)
            orders.tryAppend(command(.replace, id: 2, original: 1, price: replacePrice, quantity: 100))
            step = 3
        case 4:
            orders.tryAppend(command(.cancel, id: 3, original: 2, price: replacePrice, quantity: 100))
            step = 5
        case 6:
            // An IOC through the touch and, in the same breath, a cancel for it: the venue
            // finishes the IOC before the cancel arrives (the race a real venue answers
            // with OrderCancelReject).
            let sweep = ask + Price(rawValue: FixedPointScale.scale * 5 / 100)   // five ticks through the touch
            orders.tryAppend(command(.new, id: 4, price: sweep, quantity: 40_000, tif: .immediateOrCancel))
            orders.tryAppend(command(.cancel, id: 7, original: 4, price: sweep, quantity: 40_000))
            step = 7
        case 8:
            orders.tryAppend(command(.new, id: 5, price: Price(rawValue: ask.rawValue * 2), quantity: 100))
            orders.tryAppend(command(.new, id: 6, price: bid, quantity: 60_000))
            // A cancel of an order the OMS knows is finished: refused locally, never sent.
            orders.tryAppend(command(.cancel, id: 8, original: 4, price: ask, quantity: 40_000))
            step = 9
        default:
            break
        }
    }

    mutating func drain(into sink: inout OrderSink) {
        for i in 0..<orders.count { sink.tryAppend(orders[i]) }
        orders.removeAll()
    }
}

/// A fresh directory under /tmp for a journal.
enum TemporaryDirectoryPath {
    static func make() throws -> String {
        var template = Array("/tmp/peregrine-e2e-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw EngineError("mkdtemp failed") }
        return String(cString: p)
    }
}

/// The engine's market data from a TWS API server (the fake TWS of the test kit, speaking
/// the server side of the handshake and sending tickPrice/tickSize), orders to the
/// simulated exchange.
@Suite(.serialized)
struct EngineTWSFeedTests {
    @Test func ticksFromTWSDriveTheStrategies() throws {
        let tws = try FakeTWSServer(speaker: TWSSpeaker())
        defer { tws.stop() }
        let exchange = try EndToEndTests.exchange(symbols: ["SPY"], seed: 31)
        var configuration = EngineConfiguration(symbols: ["SPY"], orderEntry: .loopback(port: exchange.fixPort),
                                                feed: tws.address)
        configuration.feedKind = .tws
        let engine = try TradingEngine(configuration: configuration, strategies: RoutingTests.RouteProbe(),
                                       riskLimits: try ExampleSetup.riskLimits(symbols: ["SPY"]))
        try engine.start()
        defer { engine.stop(); exchange.stop() }
        // The engine handshakes and subscribes (reqMktData = message id 1).
        #expect(EndToEndTests.wait(seconds: 10) { !tws.frames(id: "1").isEmpty }, "\(tws.frames.map(\.fields.first))")
        let request = try #require(tws.frames(id: "1").first)
        let tickerId = request.fields[2]
        #expect(request.fields.contains("SPY"))
        // tickPrice (1): version 6, ticker, field 1 bid / 2 ask, price, size, attributes.
        tws.send(["1", "6", tickerId, "1", "167.40", "300", "0"])
        tws.send(["1", "6", tickerId, "2", "167.42", "200", "0"])
        #expect(EndToEndTests.wait(seconds: 10) { engine.progress.marketEvents >= 2 })
        // The probe strategy orders once it has a bid; the orders reach the exchange.
        #expect(EndToEndTests.wait(seconds: 10) { exchange.ordersReceivedCount >= 2 }, "\(engine.progress.lastNote)")
    }
}
