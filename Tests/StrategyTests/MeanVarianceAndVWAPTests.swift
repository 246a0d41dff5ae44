import Testing
import PeregrineCore
import PeregrineCEP
import PeregrineModels
import PeregrineStrategy

@Suite("Mean-variance portfolio")
struct MeanVariancePortfolioTests {
    /// A book with a quote at each mark and a signal of `strengths[i]` (full confidence).
    func book(marks: [Double], strengths: [Double], maxPosition: Double = 100_000) -> StrategyBook {
        let ids = (0..<marks.count).map { InstrumentId(rawValue: UInt32($0)) }
        var b = StrategyBook(config(ids, maxPosition: maxPosition))
        for (i, m) in marks.enumerated() {
            b.updateMarket(quote(ids[i], bid: m - 0.01, ask: m + 0.01, at: ts(1)), slot: i, time: ts(1))
            b.signal[i] = Signal(instrument: ids[i], strength: strengths[i], confidence: 1, time: ts(1))
        }
        return b
    }

    func portfolio(_ b: StrategyBook, covariance: [Double], gross: Double, lambda: Double,
                   scale: Double = 0.001, ridge: Double = 0) -> MeanVariancePortfolio {
        var p = MeanVariancePortfolio(grossNotional: gross, riskAversion: lambda, expectedReturnScale: scale, ridge: ridge)
        p.prepare(book: b)
        p.covariance = covariance
        return p
    }

    @Test("two assets: w = Σ⁻¹μ/λ as computed by hand, then scaled to the budget")
    func twoAssets() {
        // Σ = [[4, 1], [1, 2]]·10⁻⁴, μ = 10⁻³·[1, 0.5]. det = 7·10⁻⁸,
        // Σ⁻¹μ = [2·10⁻⁷ − 0.5·10⁻⁷, −10⁻⁷ + 2·10⁻⁷] / 7·10⁻⁸ = [15/7, 10/7].
        // λ = 10⁻⁴ → w = [21 428.57, 14 285.71] (gross 35 714.29).
        let sigma = [4e-4, 1e-4, 1e-4, 2e-4]
        var b = book(marks: [100, 50], strengths: [1, 0.5])
        var p = portfolio(b, covariance: sigma, gross: 100_000, lambda: 1e-4)
        p.construct(book: &b, time: ts(1))
        #expect(abs(p.notional[0] - 150_000.0 / 7) < 1e-6)
        #expect(abs(p.notional[1] - 100_000.0 / 7) < 1e-6)
        #expect(b.desired == [qty(214), qty(285)])        // 214.29 and 285.71 shares, toward zero
        // A 10 000 budget scales by 10 000 / 35 714.29 = 0.28: [6 000, 4 000] → 60 and 80 shares.
        var b2 = book(marks: [100, 50], strengths: [1, 0.5])
        var p2 = portfolio(b2, covariance: sigma, gross: 10_000, lambda: 1e-4)
        p2.construct(book: &b2, time: ts(1))
        #expect(abs(p2.notional[0] - 6_000) < 1e-6 && abs(p2.notional[1] - 4_000) < 1e-6)
        let lots = b2.desired.map { $0.rawValue / qty(1).rawValue }
        #expect(lots == [60, 80] || lots == [59, 79] || lots == [60, 79] || lots == [59, 80])
        // Factor check: L Lᵀ = Σ.
        let l = p.factor
        #expect(abs(l[0] * l[0] - 4e-4) < 1e-18 && abs(l[2] * l[0] - 1e-4) < 1e-18)
        #expect(abs(l[2] * l[2] + l[3] * l[3] - 2e-4) < 1e-18)
    }

    @Test("a diagonal Σ gives w ∝ μ/σ²")
    func diagonal() {
        let sigma = [1e-4, 0, 0, 0, 4e-4, 0, 0, 0, 9e-4]
        var b = book(marks: [10, 20, 40], strengths: [0.5, -0.8, 0.9])
        var p = portfolio(b, covariance: sigma, gross: 8_000, lambda: 1e-4)
        p.construct(book: &b, time: ts(1))
        // μ/σ² ∝ [0.5/1, −0.8/4, 0.9/9] = [0.5, −0.2, 0.1]; Σ|w*| = 80 000 at λ = 10⁻⁴, scaled to
        // the 8 000 budget → [5 000, −2 000, 1 000].
        let expected = [5_000.0, -2_000.0, 1_000.0]
        for i in 0..<3 { #expect(abs(p.notional[i] - expected[i]) < 1e-6) }
        let shares = b.desired.map { Double($0.rawValue) / Double(qty(1).rawValue) }
        let wantShares = [500.0, -100.0, 25.0]
        for i in 0..<3 { #expect(abs(shares[i] - wantShares[i]) <= 1) }
        // Ratios w_i / (μ_i / σ_i²) are all equal.
        let ratio = (0..<3).map { p.notional[$0] / (p.expectedReturn[$0] / sigma[$0 * 4]) }
        #expect(abs(ratio[0] - ratio[1]) < 1e-9 * abs(ratio[0]) && abs(ratio[0] - ratio[2]) < 1e-9 * abs(ratio[0]))
    }

    @Test("the gross notional at the marks never exceeds the budget, and uses it when scaled", arguments: [1 as UInt64, 2, 3, 4, 5])
    func budget(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let n = 4
        let marks = (0..<n).map { _ in 10 + Double(rng.next() % 20_000) / 100 }
        let strengths = (0..<n).map { _ in Double(Int64(rng.next() % 2_001) - 1_000) / 1_000 }
        // Σ = A Aᵀ + D: positive definite.
        let a = (0..<(n * n)).map { _ in Double(Int64(rng.next() % 2_001) - 1_000) / 1e5 }
        var sigma = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { for k in 0..<n { sigma[i * n + j] += a[i * n + k] * a[j * n + k] } } }
        for i in 0..<n { sigma[i * n + i] += 1e-6 }
        let budget = 50_000.0
        var b = book(marks: marks, strengths: strengths)
        var p = portfolio(b, covariance: sigma, gross: budget, lambda: 1e-6, ridge: 1e-6)
        p.construct(book: &b, time: ts(1))
        var gross = 0.0, slack = 0.0
        for i in 0..<n { gross += abs(b.desired[i].doubleValue * marks[i]); slack += marks[i] }
        #expect(gross <= budget)
        #expect(gross >= budget - slack)   // within one lot per instrument (λ is small: always scaled)
        #expect(b.desired.contains { $0 != .zero })
    }

    @Test("position limits clamp the lot-rounded targets")
    func clamps() {
        var b = book(marks: [100, 50], strengths: [1, 0.5], maxPosition: 100)
        var p = portfolio(b, covariance: [4e-4, 1e-4, 1e-4, 2e-4], gross: 100_000, lambda: 1e-4)
        p.construct(book: &b, time: ts(1))
        #expect(b.desired == [qty(100), qty(100)])
    }

    @Test("EWMA covariance from the marks: Σ ← dΣ + (1 − d) r rᵀ")
    func ewma() {
        let ids = [inst0, inst1]
        var b = StrategyBook(config(ids))
        var p = MeanVariancePortfolio(grossNotional: 1_000, covarianceDecay: 0.9)
        p.prepare(book: b)
        func mark(_ m0: Double, _ m1: Double, _ t: Int64) {
            b.updateMarket(quote(inst0, bid: m0 - 0.01, ask: m0 + 0.01, at: ts(t)), slot: 0, time: ts(t))
            b.updateMarket(quote(inst1, bid: m1 - 0.01, ask: m1 + 0.01, at: ts(t)), slot: 1, time: ts(t))
            p.observe(book: b)
        }
        mark(100, 200, 1)
        #expect(p.covariance == [0, 0, 0, 0] && p.samples == 0)
        mark(101, 198, 2)   // r = [0.01, −0.01]
        let c1 = [1e-5, -1e-5, -1e-5, 1e-5]
        for i in 0..<4 { #expect(abs(p.covariance[i] - c1[i]) < 1e-15) }
        mark(101, 201.96, 3)   // r = [0, 0.02]
        let c2 = [0.9e-5, -0.9e-5, -0.9e-5, 0.9e-5 + 0.1 * 4e-4]
        for i in 0..<4 { #expect(abs(p.covariance[i] - c2[i]) < 1e-12) }
        #expect(p.samples == 2)
        mark(101, 201.96, 4)   // nothing moved: no sample
        #expect(p.samples == 2)
    }

    @Test("no allocation after prepare: every buffer keeps its size and storage")
    func noAllocation() {
        let ids = [inst0, inst1, inst2]
        var strategy = ComposedStrategy(config: config(ids, maxPosition: 500, maxOrder: 100),
                                        alpha: ConstantAlpha(strength: 0.7),
                                        portfolio: MeanVariancePortfolio(grossNotional: 50_000, riskAversion: 1e-6),
                                        risk: PassThroughRisk(), execution: ImmediateExecution())
        func bases(_ p: MeanVariancePortfolio) -> [UnsafeRawPointer?] {
            [p.covariance, p.factor, p.previousMark, p.returns, p.expectedReturn, p.notional].map { a in
                a.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
            }
        }
        let before = bases(strategy.portfolio)
        var market = FakeMarket(seed: 9, instruments: ids)
        for _ in 0..<2_000 {
            strategy.onMarketEvent(market.next())
            strategy.orders.removeAll()
        }
        #expect(strategy.portfolio.samples > 100)
        #expect(strategy.portfolio.covariance.count == 9 && strategy.portfolio.factor.count == 9)
        #expect(bases(strategy.portfolio) == before)
        #expect(strategy.book.desired.contains { $0 != .zero })
        #expect(strategy.book.desired.allSatisfy { abs($0.rawValue) <= qty(500).rawValue })
    }

    @Test("targets are zero until there is a covariance estimate and a signal")
    func zeroWithoutData() {
        var b = book(marks: [100, 50], strengths: [1, 1])
        var p = MeanVariancePortfolio(grossNotional: 10_000)
        p.prepare(book: b)
        p.construct(book: &b, time: ts(1))
        #expect(b.desired == [.zero, .zero] && p.singularCount == 1)
    }
}

extension Harness {
    /// Fills every resting order in full at its price (a fake venue where the passive child
    /// always trades), then lets the strategy react.
    mutating func fillResting(time: Timestamp) {
        for id in venue.resting.keys.sorted() {
            let r = venue.resting.removeValue(forKey: id)!
            strategy.onOrderUpdate(venue.fill(r.command, r.command.quantity - r.filled, at: r.command.price,
                                              filled: r.filled, time: time))
            pump(time: time)
        }
    }
}

@Suite("VWAP execution")
struct VWAPExecutionTests {
    typealias VWAPStrategy = ComposedStrategy<ConstantAlpha, FixedTargets, PassThroughRisk, VWAPExecution>

    func harness(target: Double, profile: [Double], horizonMs: Int64, maxPosition: Double = 10_000,
                 maxOrder: Double = 10_000, repriceMs: Int64 = 1_000) -> Harness<VWAPStrategy> {
        Harness(ComposedStrategy(config: config([inst0], maxPosition: maxPosition, maxOrder: maxOrder),
                                 alpha: ConstantAlpha(strength: 1), portfolio: FixedTargets(targets: [qty(target)]),
                                 risk: PassThroughRisk(),
                                 execution: VWAPExecution(profile: profile, horizon: .milliseconds(horizonMs),
                                                          repriceAfter: .milliseconds(repriceMs))),
                venue: FakeVenue(partialFills: false))
    }

    /// The profile's cumulative fraction at `t` of `horizon`, computed directly.
    func fraction(_ profile: [Double], t: Double, horizon: Double) -> Double {
        guard t < horizon else { return 1 }
        let total = profile.reduce(0, +), x = t / horizon * Double(profile.count)
        var done = 0.0
        for (k, v) in profile.enumerated() {
            if Double(k + 1) <= x { done += v } else { done += v * (x - Double(k)); break }
        }
        return done / total
    }

    @Test("the U-shaped profile: cumulative fraction by bin, symmetric and heavier at the ends")
    func profileShape() {
        let p = VWAPExecution.uShapedProfile(bins: 6)
        #expect(p[0] > p[1] && p[1] > p[2] && abs(p[0] - p[5]) < 1e-12 && abs(p[2] - p[3]) < 1e-12)
        let v = VWAPExecution(profile: [3, 1, 1, 3], horizon: .milliseconds(40))
        #expect(v.volumeFraction(elapsed: .zero) == 0)
        #expect(abs(v.volumeFraction(elapsed: .milliseconds(5)) - 0.1875) < 1e-12)
        #expect(abs(v.volumeFraction(elapsed: .milliseconds(10)) - 0.375) < 1e-12)
        #expect(abs(v.volumeFraction(elapsed: .milliseconds(20)) - 0.5) < 1e-12)
        #expect(abs(v.volumeFraction(elapsed: .milliseconds(30)) - 0.625) < 1e-12)
        #expect(v.volumeFraction(elapsed: .milliseconds(40)) == 1 && v.volumeFraction(elapsed: .milliseconds(99)) == 1)
    }

    @Test("the position follows the volume curve when children fill, and completes at the horizon",
          arguments: [([3.0, 1, 1, 3], 800.0), ([1.0, 1, 1, 1, 1], -333.0), (VWAPExecution.uShapedProfile(bins: 7), 1_000.0)])
    func followsProfile(profile: [Double], target: Double) {
        let horizon: Int64 = 40
        var h = harness(target: target, profile: profile, horizonMs: horizon)
        h.market(quote(inst0, bid: 99.99, ask: 100.01, bidSize: 1e6, askSize: 1e6, at: ts(0)))
        for t in 1...(horizon + 5) {
            h.timer(ts(t * ms))
            h.fillResting(time: ts(t * ms))
            let position = h.strategy.book.position[0].doubleValue
            let exact = target * fraction(profile, t: Double(t), horizon: Double(horizon))
            #expect(abs(position - exact) < 1 + 1e-9, "t = \(t) ms: \(position) vs \(exact)")
            #expect(abs(position) <= abs(exact) + 1e-6, "ahead of the curve at \(t) ms")
        }
        #expect(h.strategy.book.position[0] == qty(target))
        #expect(!h.unsettled)
        // Every child before the horizon is a day limit at the near touch; what is left at
        // the horizon crosses.
        let side: Side = target > 0 ? .buy : .sell
        #expect(h.sent.allSatisfy { $0.kind == .new && $0.side == side })
        #expect(h.sent.filter { $0.createdTime < ts(horizon * ms) }.allSatisfy {
            $0.timeInForce == .day && $0.price == (side == .buy ? px(99.99) : px(100.01))
        })
        #expect(h.sent.filter { $0.createdTime >= ts(horizon * ms) }.allSatisfy {
            $0.timeInForce == .immediateOrCancel && $0.price == (side == .buy ? px(100.01) : px(99.99))
        })
        #expect(h.sent.count > profile.count)
    }

    @Test("unfilled passive children are re-priced to the touch, then the rest crosses at the horizon")
    func completesByHorizon() {
        var h = harness(target: 800, profile: [3, 1, 1, 3], horizonMs: 40, maxOrder: 300, repriceMs: 5)
        h.market(quote(inst0, bid: 99.99, ask: 100.01, bidSize: 1e6, askSize: 1e6, at: ts(0)))
        h.timer(ts(1 * ms))
        #expect(h.sent.count == 1 && h.sent[0].quantity >= qty(29) && h.sent[0].quantity <= qty(30) && h.sent[0].price == px(99.99))
        h.market(quote(inst0, bid: 100.00, ask: 100.02, bidSize: 1e6, askSize: 1e6, at: ts(2 * ms)))
        for t in Int64(3)...39 { h.timer(ts(t * ms)) }
        // One re-price, 5 ms after the child was priced; never a second child while one is open.
        #expect(h.sent.count == 2 && h.sent[1].kind == .replace && h.sent[1].price == px(100.00)
                && h.sent[1].createdTime == ts(6 * ms))
        #expect(h.strategy.book.position[0] == .zero)
        h.timer(ts(40 * ms))
        #expect(h.strategy.book.position[0] == qty(800))
        let tail = h.sent.dropFirst(2)
        #expect(tail.first?.kind == .cancel)
        let crossing = tail.dropFirst()
        #expect(crossing.count == 3 && crossing.allSatisfy {
            $0.kind == .new && $0.timeInForce == .immediateOrCancel && $0.price == px(100.02) && $0.quantity <= qty(300)
        })
        #expect(!h.unsettled)
    }

    @Test("after the horizon an IOC that finds too little waits retryAfter before the next")
    func pacedAfterHorizon() {
        var h = Harness(ComposedStrategy(config: config([inst0], maxPosition: 10_000, maxOrder: 10_000),
                                         alpha: ConstantAlpha(strength: 1), portfolio: FixedTargets(targets: [qty(100)]),
                                         risk: PassThroughRisk(),
                                         execution: VWAPExecution(profile: [1], horizon: .milliseconds(10),
                                                                  repriceAfter: .seconds(1), retryAfter: .milliseconds(2))),
                        venue: FakeVenue(partialFills: true))
        h.market(quote(inst0, bid: 99.99, ask: 100.01, bidSize: 1e6, askSize: 3, at: ts(0)))   // 3 shown
        for t in Int64(1)...9 { h.timer(ts(t * ms)) }
        #expect(h.sent.count == 1 && h.sent[0].timeInForce == .day)
        h.timer(ts(10 * ms))
        #expect(!h.unsettled)
        #expect(h.sent.map(\.kind) == [.new, .cancel, .new])
        #expect(h.strategy.book.position[0] == qty(3))
        h.timer(ts(11 * ms))
        #expect(h.sent.count == 3)
        h.timer(ts(12 * ms))
        #expect(h.sent.count == 4 && h.sent[3].timeInForce == .immediateOrCancel && h.strategy.book.position[0] == qty(6))
    }

    @Test("limits and no over-fill: children ≤ maxOrderSize, position within maxPosition, a smaller target cancels")
    func limitsAndNoOverfill() {
        var h = harness(target: 800, profile: [1, 1, 1, 1], horizonMs: 40, maxPosition: 600, maxOrder: 50)
        h.market(quote(inst0, bid: 99.99, ask: 100.01, bidSize: 1e6, askSize: 1e6, at: ts(0)))
        for t in Int64(1)...50 {
            h.timer(ts(t * ms))
            h.fillResting(time: ts(t * ms))
            #expect(h.strategy.book.position[0] <= qty(600))
            #expect(h.strategy.book.projectedPosition(0) <= qty(600))
        }
        #expect(h.strategy.book.position[0] == qty(600))
        #expect(h.sent.allSatisfy { $0.quantity <= qty(50) })
        #expect(h.strategy.book.limitRejections > 0)

        // A live child larger than what is left is cancelled when the target comes down.
        var g = harness(target: 400, profile: [1, 1, 1, 1], horizonMs: 40)
        g.market(quote(inst0, bid: 99.99, ask: 100.01, bidSize: 1e6, askSize: 1e6, at: ts(0)))
        for t in Int64(1)...10 { g.timer(ts(t * ms)); g.fillResting(time: ts(t * ms)) }
        #expect(g.strategy.book.position[0] == qty(100))
        g.timer(ts(15 * ms))   // a 50-share child rests, unfilled
        #expect(g.strategy.book.working[0].state == .live && g.strategy.book.working[0].quantity == qty(50))
        g.strategy.portfolio.targets = [qty(120)]
        g.market(quote(inst0, bid: 99.99, ask: 100.01, bidSize: 1e6, askSize: 1e6, at: ts(16 * ms)))
        #expect(g.sent.last?.kind == .cancel || g.strategy.book.working[0].quantity <= qty(20))
        for t in Int64(17)...70 {
            g.timer(ts(t * ms)); g.fillResting(time: ts(t * ms))
            #expect(g.strategy.book.position[0] <= qty(120))
        }
        #expect(g.strategy.book.position[0] == qty(120))
    }
}
