import Testing
import PeregrineCore
import PeregrineCEP
import PeregrineModels
import PeregrineStrategy

@Suite("Order sink and book")
struct BookTests {
    @Test("the sink refuses past capacity, counts drops and never reallocates")
    func sink() {
        var sink = OrderSink(capacity: 2)
        let base = sink.storage.withUnsafeBufferPointer { $0.baseAddress }
        let c1 = sink.tryAppend(OrderCommand()) && sink.tryAppend(OrderCommand())
        #expect(c1)
        let c2 = !sink.tryAppend(OrderCommand())
        #expect(c2)
        #expect(sink.count == 2 && sink.dropped == 1)
        sink.removeAll()
        let c3 = sink.isEmpty && sink.tryAppend(OrderCommand())
        #expect(c3)
        #expect(sink.storage.withUnsafeBufferPointer { $0.baseAddress } == base)
    }

    @Test("limits: order size, position, lots, one open order per instrument")
    func limits() {
        var book = StrategyBook(config([inst0, inst2], maxPosition: 150, maxOrder: 100))
        var sink = OrderSink(capacity: 8)
        #expect(book.slot(of: inst2) == 1 && book.slot(of: inst1) == nil && book.slot(of: .none) == nil)
        let c4 = !book.submitNew(slot: 0, side: .buy, quantity: qty(101), price: px(10), timeInForce: .day, time: ts(0), into: &sink)
        #expect(c4)
        let c5 = !book.submitNew(slot: 0, side: .buy, quantity: qty(0.5), price: px(10), timeInForce: .day, time: ts(0), into: &sink)
        #expect(c5)
        #expect(book.limitRejections == 2)
        let c6 = book.submitNew(slot: 0, side: .buy, quantity: qty(100), price: px(10), timeInForce: .day, time: ts(0), into: &sink)
        #expect(c6)
        let c7 = !book.submitNew(slot: 0, side: .buy, quantity: qty(10), price: px(10), timeInForce: .day, time: ts(0), into: &sink)
        #expect(c7)
        // Fill it: position 100, then a 60 buy would reach 160 > 150.
        var e = ExecutionEvent()
        e.orderId = sink[0].orderId; e.instrument = inst0; e.executionType = .trade; e.orderStatus = .filled
        e.lastQuantity = qty(100); e.lastPrice = px(10); e.transactTime = ts(1)
        let c8 = book.apply(e) == 0
        #expect(c8)
        #expect(book.position[0] == qty(100) && book.working[0].state == .idle && book.cash == -1000)
        let c9 = !book.submitNew(slot: 0, side: .buy, quantity: qty(60), price: px(10), timeInForce: .day, time: ts(2), into: &sink)
        #expect(c9)
        let c10 = book.submitNew(slot: 0, side: .sell, quantity: qty(100), price: px(10), timeInForce: .day, time: ts(2), into: &sink)
        #expect(c10)
        #expect(sink.count == 2 && sink[1].side == .sell && sink[1].strategy == StrategyId(rawValue: 7))
        #expect(sink[0].orderId != sink[1].orderId)
    }

    @Test("replace and cancel flows track ids; a refused replace keeps the original order")
    func replaceCancel() {
        var book = StrategyBook(config([inst0]))
        var sink = OrderSink(capacity: 8)
        book.submitNew(slot: 0, side: .buy, quantity: qty(10), price: px(10), timeInForce: .day, time: ts(0), into: &sink)
        let first = sink[0].orderId
        let c11 = !book.submitReplace(slot: 0, price: px(10.01), time: ts(1), into: &sink)
        #expect(c11)  // not acked yet
        var ack = ExecutionEvent(); ack.orderId = first; ack.instrument = inst0; ack.executionType = .new; ack.orderStatus = .new
        book.apply(ack)
        #expect(book.working[0].state == .live)
        let c12 = book.submitReplace(slot: 0, price: px(10.01), time: ts(1), into: &sink)
        #expect(c12)
        #expect(sink[1].kind == .replace && sink[1].originalOrderId == first && sink[1].quantity == qty(10))
        var rej = ExecutionEvent(); rej.orderId = sink[1].orderId; rej.originalOrderId = first; rej.instrument = inst0
        rej.executionType = .rejected; rej.orderStatus = .new
        book.apply(rej)
        #expect(book.working[0].state == .live && book.working[0].orderId == first && book.working[0].price == px(10))
        let c13 = book.submitCancel(slot: 0, time: ts(2), into: &sink)
        #expect(c13)
        var cxl = ExecutionEvent(); cxl.orderId = sink[2].orderId; cxl.originalOrderId = first; cxl.instrument = inst0
        cxl.executionType = .canceled; cxl.orderStatus = .canceled
        book.apply(cxl)
        #expect(book.working[0].state == .idle)
    }
}

@Suite("Alpha models")
struct AlphaTests {
    @Test("inline EMA crossover: silent during warm-up, positive in an up-trend, negative in a down-trend")
    func inlineCrossover() {
        var book = StrategyBook(config([inst0]))
        var alpha = EMACrossoverAlpha(source: .inline(fastSpan: 3, slowSpan: 10), scale: 0.01, warmup: 5)
        alpha.prepare(book: book)
        var last: Signal?
        for i in 0..<30 {
            let p = 100 + Double(i) * 0.1
            let e = quote(inst0, bid: p - 0.01, ask: p + 0.01, at: ts(Int64(i) * ms))
            book.updateMarket(e, slot: 0, time: e.exchangeTime)
            let s = alpha.onMarketEvent(e, slot: 0, book: book)
            if i < 4 { #expect(s == nil) }
            last = s
        }
        #expect(last!.strength > 0 && last!.confidence == 1 && last!.time == ts(29 * ms))
        // Independent EMA check of the last value.
        var f = 100.0, sl = 100.0
        for i in 1..<30 { let x = 100 + Double(i) * 0.1; f += 0.5 * (x - f); sl += 2.0 / 11 * (x - sl) }
        #expect(abs(last!.strength - min(1, (f - sl) / sl / 0.01)) < 1e-12)
        for i in 30..<80 {
            let p = 103 - Double(i - 30) * 0.1
            let e = quote(inst0, bid: p - 0.01, ask: p + 0.01, at: ts(Int64(i) * ms))
            book.updateMarket(e, slot: 0, time: e.exchangeTime)
            last = alpha.onMarketEvent(e, slot: 0, book: book)
        }
        #expect(last!.strength < 0)
    }

    @Test("CEP-fed crossover reads two EMA streams by partition")
    func cepCrossover() {
        let book = StrategyBook(config([inst0, inst2]))
        let fast = StreamId(rawValue: 10), slow = StreamId(rawValue: 11)
        var alpha = EMACrossoverAlpha(source: .cep(fast: fast, slow: slow), scale: 0.01, warmup: 1)
        alpha.prepare(book: book)
        var o = CEPOutput(stream: slow, partition: 2, time: ts(5)); o.append(100)
        let c14 = alpha.onCEPOutput(o, book: book) == nil
        #expect(c14)   // fast not seen yet
        var f = CEPOutput(stream: fast, partition: 2, time: ts(6)); f.append(100.5)
        let s = alpha.onCEPOutput(f, book: book)
        #expect(s?.instrument == inst2 && abs(s!.strength - 0.5) < 1e-12 && s?.time == ts(6))
        var other = CEPOutput(stream: StreamId(rawValue: 99), partition: 2, time: ts(7)); other.append(1)
        let c15 = alpha.onCEPOutput(other, book: book) == nil
        #expect(c15)
        var foreign = CEPOutput(stream: fast, partition: 1, time: ts(7)); foreign.append(1)
        let c16 = alpha.onCEPOutput(foreign, book: book) == nil
        #expect(c16)
    }

    @Test("imbalance model: features laid out by name, logistic probability → signal; model hot-swap applies")
    func imbalance() throws {
        let slot = ModelSlot(try Model(ImbalanceReversionAlpha.sampleModelDefinition()))
        var book = StrategyBook(config([inst0]))
        var alpha = ImbalanceReversionAlpha(model: slot, meanSpan: 20, threshold: 0.1)
        alpha.prepare(book: book)
        let e = quote(inst0, bid: 99.99, ask: 100.01, bidSize: 300, askSize: 100, at: ts(1))
        book.updateMarket(e, slot: 0, time: e.exchangeTime)
        let c17 = alpha.onMarketEvent(e, slot: 0, book: book)
        let s = try #require(c17)
        let p = Model.logistic(2.0 * 0.5)   // imbalance 0.5, deviation 0 on the first quote
        #expect(abs(s.strength - (2 * p - 1)) < 1e-15 && abs(s.confidence - (2 * p - 1)) < 1e-15)
        #expect(alpha.features[0] == 0.5 && abs(alpha.features[1] - 2) < 1e-9)
        // Mid jumps above its mean: reversion pushes p down.
        let up = quote(inst0, bid: 100.49, ask: 100.51, bidSize: 100, askSize: 100, at: ts(2))
        book.updateMarket(up, slot: 0, time: up.exchangeTime)
        let c18 = alpha.onMarketEvent(up, slot: 0, book: book)
        let s2 = try #require(c18)
        #expect(s2.strength < 0)
        // Swap in a model with the opposite sign: same input, opposite direction.
        try slot.publish(try Model(ModelDefinition(featureNames: ImbalanceReversionAlpha.featureNames,
                                                   body: .logistic(LinearParameters(weights: [-2, 0, 0.8], intercept: 0)))))
        let again = quote(inst0, bid: 100.49, ask: 100.51, bidSize: 100, askSize: 100, at: ts(3))
        book.updateMarket(again, slot: 0, time: again.exchangeTime)
        let c19 = alpha.onMarketEvent(again, slot: 0, book: book)
        let s3 = try #require(c19)
        #expect(s3.strength > 0)
        // Below threshold → flat signal.
        var weak = ImbalanceReversionAlpha(model: slot, meanSpan: 20, threshold: 0.99)
        weak.prepare(book: book)
        let c20 = weak.onMarketEvent(again, slot: 0, book: book)?.strength == 0
        #expect(c20)
    }
}

@Suite("Portfolio construction")
struct PortfolioTests {
    func book(marks: [Double], signals: [(Double, Double)], maxPosition: Double = 1_000) -> StrategyBook {
        let ids = (0..<marks.count).map { InstrumentId(rawValue: UInt32($0)) }
        var b = StrategyBook(config(ids, maxPosition: maxPosition))
        for (i, m) in marks.enumerated() {
            let e = quote(ids[i], bid: m - 0.01, ask: m + 0.01, at: ts(1))
            b.updateMarket(e, slot: i, time: ts(1))
            let (st, c) = signals[i]
            b.signal[i] = Signal(instrument: ids[i], strength: st, confidence: c, time: st == 0 && c == 0 ? .zero : ts(1))
        }
        return b
    }

    @Test("equal weight splits the gross between active signals, by direction, in whole lots")
    func equalWeight() {
        var b = book(marks: [100, 50, 20], signals: [(0.5, 1), (-0.9, 1), (0.01, 1)])
        var p = EqualWeightPortfolio(grossNotional: 10_000, minStrength: 0.05)
        p.construct(book: &b, time: ts(1))
        #expect(b.desired == [qty(50), qty(-100), .zero])
    }

    @Test("signal weighted scales by strength × confidence, normalizes above 1, and clamps to max position")
    func signalWeighted() {
        var b = book(marks: [100, 10], signals: [(0.5, 0.5), (0, 0)])
        var p = SignalWeightedPortfolio(grossNotional: 10_000)
        p.construct(book: &b, time: ts(1))
        #expect(b.desired == [qty(25), .zero])
        var b2 = book(marks: [100, 10], signals: [(1, 1), (-1, 1)], maxPosition: 400)
        p.construct(book: &b2, time: ts(1))
        #expect(b2.desired == [qty(50), qty(-400)])   // -500 clamped to the 400 limit
    }

    @Test("inverse volatility gives the calmer instrument more")
    func inverseVol() {
        var b = book(marks: [100, 100], signals: [(1, 1), (1, 1)])
        b.returnVariance = [0.0004, 0.0001]   // σ 2% vs 1%
        var p = InverseVolatilityPortfolio(grossNotional: 30_000)
        p.construct(book: &b, time: ts(1))
        #expect(b.desired == [qty(100), qty(200)])
    }
}

@Suite("Risk models")
struct RiskTests {
    @Test("exposure caps per instrument and gross")
    func caps() {
        let ids = [inst0, inst1]
        var b = StrategyBook(config(ids, maxPosition: 10_000))
        for (i, id) in ids.enumerated() {
            b.updateMarket(quote(id, bid: 99.99, ask: 100.01, at: ts(1)), slot: i, time: ts(1))
        }
        b.target = [qty(300), qty(-100)]
        var r = ExposureCapRisk(maxInstrumentNotional: 20_000, maxGrossNotional: 15_000)
        r.adjust(book: &b, time: ts(1))
        // 300 → 200 (instrument cap); gross 30k → scaled by 1/2.
        #expect(b.target == [qty(100), qty(-50)])
    }

    @Test("drawdown guard trips on a mark-to-market loss and holds targets at zero")
    func drawdown() {
        var b = StrategyBook(config([inst0]))
        var sink = OrderSink(capacity: 4)
        b.updateMarket(quote(inst0, bid: 99.99, ask: 100.01, at: ts(1)), slot: 0, time: ts(1))
        b.submitNew(slot: 0, side: .buy, quantity: qty(100), price: px(100), timeInForce: .day, time: ts(1), into: &sink)
        var fill = ExecutionEvent(); fill.orderId = sink[0].orderId; fill.instrument = inst0
        fill.executionType = .trade; fill.orderStatus = .filled; fill.lastQuantity = qty(100); fill.lastPrice = px(100)
        b.apply(fill)
        var guardRisk = DrawdownGuardRisk(maxDrawdown: 50)
        b.target = [qty(100)]
        guardRisk.adjust(book: &b, time: ts(1))
        #expect(!guardRisk.tripped && b.target == [qty(100)])
        b.updateMarket(quote(inst0, bid: 99.59, ask: 99.61, at: ts(2)), slot: 0, time: ts(2))   // −40
        guardRisk.adjust(book: &b, time: ts(2))
        #expect(!guardRisk.tripped)
        b.updateMarket(quote(inst0, bid: 99.39, ask: 99.41, at: ts(3)), slot: 0, time: ts(3))   // −60
        guardRisk.adjust(book: &b, time: ts(3))
        #expect(guardRisk.tripped && guardRisk.tripTime == ts(3) && b.target == [.zero])
        b.updateMarket(quote(inst0, bid: 101, ask: 101.02, at: ts(4)), slot: 0, time: ts(4))
        b.target = [qty(100)]
        guardRisk.adjust(book: &b, time: ts(4))
        #expect(b.target == [.zero])   // latched
    }
}
