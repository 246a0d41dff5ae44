import Testing
import PeregrineCore
import PeregrineCEP
import PeregrineModels
import PeregrineStrategy

@Suite("Execution algorithms")
struct ExecutionTests {
    @Test("immediate: marketable IOC at the far touch plus offset, capped per order, remainder after")
    func immediate() {
        var h = Harness(ComposedStrategy(config: config([inst0], maxPosition: 1_000, maxOrder: 100),
                                         alpha: ConstantAlpha(strength: 1), portfolio: FixedTargets(targets: [qty(250)]),
                                         risk: PassThroughRisk(), execution: ImmediateExecution(offsetTicks: 2)),
                        venue: FakeVenue(partialFills: false))
        h.market(quote(inst0, bid: 99.99, ask: 100.01, at: ts(0)))
        #expect(!h.unsettled)
        #expect(h.sent.count == 3)
        #expect(h.sent.map(\.quantity) == [qty(100), qty(100), qty(50)])
        #expect(h.sent.allSatisfy { $0.price == px(100.03) && $0.timeInForce == .immediateOrCancel && $0.side == .buy })
        #expect(h.strategy.book.position[0] == qty(250))
    }

    @Test("passive: posts at the touch, re-prices only once the order is T old and the touch moved")
    func passiveRepricing() {
        let T: Int64 = 5 * ms
        var h = Harness(ComposedStrategy(config: config([inst0]), alpha: ConstantAlpha(strength: 1),
                                         portfolio: FixedTargets(targets: [qty(10)]), risk: PassThroughRisk(),
                                         execution: PassiveExecution(repriceAfter: Nanoseconds(T))))
        h.market(quote(inst0, bid: 100.00, ask: 100.02, at: ts(0)))
        #expect(h.sent.count == 1 && h.sent[0].kind == .new && h.sent[0].price == px(100) && h.sent[0].side == .buy)
        #expect(h.strategy.book.working[0].state == .live)
        h.market(quote(inst0, bid: 100.01, ask: 100.03, at: ts(1 * ms)))   // touch moved, too early
        h.timer(ts(T - 1))
        #expect(h.sent.count == 1)
        h.timer(ts(T))                                                        // exactly T: re-price
        #expect(h.sent.count == 2 && h.sent[1].kind == .replace && h.sent[1].price == px(100.01))
        #expect(h.sent[1].originalOrderId == h.sent[0].orderId && h.sent[1].createdTime == ts(T))
        #expect(h.strategy.book.working[0].orderId == h.sent[1].orderId)
        h.market(quote(inst0, bid: 100.02, ask: 100.04, at: ts(T + 2 * ms)))   // 2 ms after the re-price: wait
        #expect(h.sent.count == 2)
        h.market(quote(inst0, bid: 100.02, ask: 100.04, at: ts(2 * T)))        // T after the re-price
        #expect(h.sent.count == 3 && h.sent[2].price == px(100.02) && h.sent[2].createdTime == ts(2 * T))
        h.timer(ts(4 * T))                                                    // touch unchanged: nothing
        #expect(!h.unsettled)
        #expect(h.sent.count == 3)
        h.market(quote(inst0, bid: 99.99, ask: 100.01, at: ts(4 * T + 1)))     // ask through our bid: filled
        #expect(h.strategy.book.position[0] == qty(10) && h.strategy.book.working[0].state == .idle)
    }

    @Test("passive: a target flip cancels the resting order before posting the other side")
    func passiveCancel() {
        var h = Harness(ComposedStrategy(config: config([inst0]), alpha: ConstantAlpha(strength: 1),
                                         portfolio: FixedTargets(targets: [qty(10)]), risk: PassThroughRisk(),
                                         execution: PassiveExecution(repriceAfter: .milliseconds(5))))
        h.market(quote(inst0, bid: 100.00, ask: 100.02, at: ts(0)))
        h.strategy.portfolio.targets = [qty(-10)]
        h.market(quote(inst0, bid: 100.00, ask: 100.02, at: ts(1)))
        #expect(h.sent.map(\.kind) == [.new, .cancel, .new])
        #expect(h.sent[2].side == .sell && h.sent[2].price == px(100.02))
    }

    @Test("TWAP: n slices at start + k·interval whose sizes sum exactly to the move", arguments: [
        (137.0, 7), (-50.0, 3), (5.0, 8), (1_000.0, 10),
    ])
    func twap(target: Double, slices: Int) {
        let interval: Int64 = 10 * ms
        var h = Harness(ComposedStrategy(config: config([inst0], maxPosition: 10_000, maxOrder: 10_000),
                                         alpha: ConstantAlpha(strength: 1), portfolio: FixedTargets(targets: [qty(target)]),
                                         risk: PassThroughRisk(),
                                         execution: TWAPExecution(slices: slices, interval: Nanoseconds(interval))),
                        venue: FakeVenue(partialFills: false))
        h.market(quote(inst0, bid: 99.99, ask: 100.01, bidSize: 1e6, askSize: 1e6, at: ts(0)))
        var t: Int64 = 0
        while t < Int64(slices + 3) * interval { t += ms; h.timer(ts(t)) }
        let total = h.sent.reduce(Int64(0)) { $0 + $1.side.sign * $1.quantity.rawValue }
        #expect(total == qty(target).rawValue)
        #expect(h.strategy.book.position[0] == qty(target))
        let lots = Int64(abs(target))
        let expected = (0..<Int64(slices)).map { k in lots * (k + 1) / Int64(slices) - lots * k / Int64(slices) }.filter { $0 > 0 }
        #expect(h.sent.map { $0.quantity.rawValue / 100_000_000 } == expected)
        // Slice k goes out at the first timer at or after k·interval (timers every 1 ms).
        var k = 0
        for i in 0..<Int64(slices) where lots * (i + 1) / Int64(slices) - lots * i / Int64(slices) > 0 {
            #expect(h.sent[k].createdTime == ts(i * interval)); k += 1
        }
    }

    @Test("TWAP carries an unfilled slice into the next one")
    func twapCarry() {
        var h = Harness(ComposedStrategy(config: config([inst0], maxPosition: 10_000, maxOrder: 10_000),
                                         alpha: ConstantAlpha(strength: 1), portfolio: FixedTargets(targets: [qty(40)]),
                                         risk: PassThroughRisk(),
                                         execution: TWAPExecution(slices: 4, interval: .milliseconds(10))),
                        venue: FakeVenue(partialFills: true))
        h.market(quote(inst0, bid: 99.99, ask: 100.01, bidSize: 100, askSize: 4, at: ts(0)))   // only 4 shown
        #expect(h.sent.count == 1 && h.sent[0].quantity == qty(10) && h.strategy.book.position[0] == qty(4))
        h.market(quote(inst0, bid: 99.99, ask: 100.01, bidSize: 100, askSize: 1_000, at: ts(10 * ms)))
        #expect(h.sent.count == 2 && h.sent[1].quantity == qty(16))   // 20 scheduled − 4 done
        for t in stride(from: Int64(11), through: 60, by: 1) { h.timer(ts(t * ms)) }
        #expect(h.strategy.book.position[0] == qty(40))
    }
}

@Suite("Strategies over a fake event stream")
struct ReplayTests {
    static func momentum(_ instruments: [InstrumentId]) -> MomentumCrossoverStrategy {
        ExampleStrategies.momentumCrossover(config: config(instruments, maxPosition: 300, maxOrder: 70, id: 1),
                                            source: .inline(fastSpan: 4, slowSpan: 16),
                                            grossNotional: 200_000, maxDrawdown: 1e9, repriceAfter: .milliseconds(4))
    }

    static func reversion(_ instruments: [InstrumentId], model: ModelSlot) -> ImbalanceReversionStrategy {
        ExampleStrategies.imbalanceReversion(config: config(instruments, maxPosition: 250, maxOrder: 40, id: 2),
                                             model: model, grossNotional: 60_000, maxDrawdown: 1e9, threshold: 0.3)
    }

    /// Runs `strategy` over `events` quotes from `seed`, checking after every venue action
    /// that no emitted order exceeds the size limit and that the position plus every open
    /// order (as the venue sees them) stays within the position limit.
    static func run<S: Strategy>(_ strategy: S, seed: UInt64, events: Int, instruments: [InstrumentId],
                                 maxPosition: Double, maxOrder: Double, timers: Bool = true) -> (orders: [OrderCommand], violations: Int) {
        var market = FakeMarket(seed: seed, instruments: instruments)
        var h = Harness(strategy)
        var violations = 0
        let maxP = qty(maxPosition).rawValue, maxO = qty(maxOrder).rawValue
        h.check = { c, venue in
            if c.kind == .new && c.quantity.rawValue > maxO { violations += 1 }
            let pos = venue.positions[c.instrument, default: 0]
            let (long, short) = venue.openSigned(c.instrument)
            if pos + long > maxP || pos - short < -maxP { violations += 1 }
        }
        for _ in 0..<events {
            let e = market.next()
            h.market(e)
            if timers { h.timer(e.exchangeTime + .microseconds(500)) }
        }
        return (h.sent, violations + (h.unsettled ? 1 : 0))
    }

    static func bytes(_ orders: [OrderCommand]) -> [UInt8] {
        orders.withUnsafeBytes { Array($0) }
    }

    @Test("momentum crossover: trades both ways and never breaks its limits")
    func momentumLimits() {
        let ids = [inst0, inst1, inst2]
        let (orders, violations) = Self.run(Self.momentum(ids), seed: 42, events: 20_000, instruments: ids,
                                            maxPosition: 300, maxOrder: 70)
        #expect(violations == 0)
        #expect(orders.contains { $0.side == .buy && $0.kind == .new } && orders.contains { $0.side == .sell && $0.kind == .new })
        #expect(orders.contains { $0.kind == .replace })
        #expect(orders.allSatisfy { $0.strategy == StrategyId(rawValue: 1) && $0.account == AccountId(rawValue: 3) })
    }

    @Test("imbalance reversion: trades both ways and never breaks its limits")
    func reversionLimits() throws {
        let ids = [inst0, inst1]
        let model = ModelSlot(try Model(ImbalanceReversionAlpha.sampleModelDefinition()))
        let (orders, violations) = Self.run(Self.reversion(ids, model: model), seed: 7, events: 20_000,
                                            instruments: ids, maxPosition: 250, maxOrder: 40)
        #expect(violations == 0)
        #expect(orders.count > 100)
        #expect(orders.contains { $0.side == .buy } && orders.contains { $0.side == .sell })
    }

    @Test("determinism: the same input gives the same orders bit for bit; another seed differs")
    func determinism() throws {
        let ids = [inst0, inst1, inst2]
        let a = Self.run(Self.momentum(ids), seed: 2026, events: 5_000, instruments: ids, maxPosition: 300, maxOrder: 70)
        let b = Self.run(Self.momentum(ids), seed: 2026, events: 5_000, instruments: ids, maxPosition: 300, maxOrder: 70)
        let c = Self.run(Self.momentum(ids), seed: 2027, events: 5_000, instruments: ids, maxPosition: 300, maxOrder: 70)
        #expect(!a.orders.isEmpty && Self.bytes(a.orders) == Self.bytes(b.orders))
        #expect(Self.bytes(a.orders) != Self.bytes(c.orders))
        let m1 = ModelSlot(try Model(ImbalanceReversionAlpha.sampleModelDefinition()))
        let m2 = ModelSlot(try Model(ImbalanceReversionAlpha.sampleModelDefinition()))
        let r1 = Self.run(Self.reversion(ids, model: m1), seed: 99, events: 5_000, instruments: ids, maxPosition: 250, maxOrder: 40)
        let r2 = Self.run(Self.reversion(ids, model: m2), seed: 99, events: 5_000, instruments: ids, maxPosition: 250, maxOrder: 40)
        #expect(!r1.orders.isEmpty && Self.bytes(r1.orders) == Self.bytes(r2.orders))
    }

    @Test("two strategies in one engine keep their own instruments, ids and sinks")
    func pair() throws {
        let model = ModelSlot(try Model(ImbalanceReversionAlpha.sampleModelDefinition()))
        var pair = StrategyPair(Self.momentum([inst0]), Self.reversion([inst1], model: model))
        var market = FakeMarket(seed: 5, instruments: [inst0, inst1])
        var sink = OrderSink(capacity: 256)
        var all: [OrderCommand] = []
        for _ in 0..<3_000 {
            pair.onMarketEvent(market.next())
            pair.drain(into: &sink)
            for i in 0..<sink.count { all.append(sink[i]) }
            sink.removeAll()
        }
        #expect(all.contains { $0.strategy == StrategyId(rawValue: 1) } && all.contains { $0.strategy == StrategyId(rawValue: 2) })
        #expect(all.allSatisfy { ($0.strategy == StrategyId(rawValue: 1)) == ($0.instrument == inst0) })
        #expect(sink.dropped == 0)
    }
}
