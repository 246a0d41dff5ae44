import Testing
import PeregrineCore
import PeregrineSimVenue

@Suite("Simulated market")
struct SimulatedMarketTests {
    /// Runs the default market for `seconds`, stepping 100 ms at a time; returns the
    /// concatenated output and the fair value sampled at each step.
    static func run(seed: UInt64, seconds: Int) -> (output: VenueOutput, fair: [Double], market: SimulatedMarket) {
        var market = SimulatedMarket(seed: seed)
        var all = VenueOutput(executionCapacity: 1 << 16, marketDataCapacity: 1 << 16)
        var step = VenueOutput(executionCapacity: 8_192, marketDataCapacity: 8_192)
        var fair: [Double] = []
        var t = market.now
        for _ in 0..<(seconds * 10) {
            t = t + .milliseconds(100)
            market.step(until: t, into: &step)
            all.executions.append(contentsOf: step.executions)
            all.marketData.append(contentsOf: step.marketData)
            step.clear()
            fair.append(market.fairValue)
        }
        return (all, fair, market)
    }

    @Test("the tape is plausible: trades occur at about the recorded rate, spreads stay positive, prices track fair value")
    func plausibleTape() {
        let seconds = 600
        let (output, fair, market) = Self.run(seed: 2013, seconds: seconds)
        let trades = output.trades
        let perSecond = Double(trades.count) / Double(seconds)
        #expect(perSecond > 3 && perSecond < 40, "trades per second \(perSecond)")
        let quotes = output.marketData.filter { $0.kind == .quote && $0.bidPrice.rawValue > 0 && $0.askPrice.rawValue > 0 }
        #expect(quotes.count > 100)
        #expect(quotes.allSatisfy { $0.askPrice > $0.bidPrice })
        // Median quoted spread within a few ticks of the recorded one tick.
        let spreads = quotes.map { $0.askPrice.rawValue - $0.bidPrice.rawValue }.sorted()
        #expect(spreads[spreads.count / 2] <= 3 * 1_000_000, "median spread \(spreads[spreads.count / 2])")
        // Trades within 0.2 % of the final fair value's range over the run.
        let low = fair.min()! * 0.998, high = fair.max()! * 1.002
        #expect(trades.allSatisfy { $0.price.doubleValue >= low && $0.price.doubleValue <= high })
        // Mean trade size of the same order as the recorded 339 shares.
        let meanSize = trades.reduce(0.0) { $0 + $1.quantity.doubleValue } / Double(trades.count)
        #expect(meanSize > 100 && meanSize < 1_500, "mean trade size \(meanSize)")
        // The book stays bounded and two-sided most of the time.
        #expect(market.engine.liveOrderCount < 1_000)
        #expect(market.engine.bestBid != nil && market.engine.bestAsk != nil)
        let sizes = trades.map(\.quantity.doubleValue).sorted(); print("simulated tape: median size \(sizes[sizes.count / 2]), \(trades.count) trades in \(seconds) s (\(perSecond)/s), median spread \(Double(spreads[spreads.count / 2]) / 1e8), mean size \(meanSize), fair \(fair.first!)→\(fair.last!), live orders \(market.engine.liveOrderCount)")
    }

    @Test("two runs with the same seed produce identical output; another seed differs")
    func determinism() {
        let a = Self.run(seed: 5, seconds: 60).output
        let b = Self.run(seed: 5, seconds: 60).output
        let c = Self.run(seed: 6, seconds: 60).output
        #expect(a.executions == b.executions && a.marketData == b.marketData)
        #expect(a.marketData != c.marketData)
    }

    @Test("an outside order trades against the agents' liquidity")
    func outsideOrder() {
        var market = SimulatedMarket(seed: 9)
        var output = VenueOutput()
        market.step(until: market.now + .seconds(5), into: &output)
        output.clear()
        let buy = OrderCommand(kind: .new, orderId: OrderId(rawValue: 1), instrument: market.parameters.instrument, side: .buy,
                               type: .market, timeInForce: .immediateOrCancel, price: .zero, quantity: V.qty(500),
                               account: AccountId(rawValue: 1), strategy: StrategyId(rawValue: 1), createdTime: market.now)
        market.submit(buy, into: &output)
        let mine = output.executions.filter { $0.account == AccountId(rawValue: 1) }
        #expect(mine.last!.orderStatus == .filled)
        #expect(abs(mine.last!.averagePrice.doubleValue - market.fairValue) < 0.05)
    }

    @Test("end of day expires the agents' day orders")
    func endOfDay() {
        var market = SimulatedMarket(seed: 11)
        var output = VenueOutput()
        market.step(until: market.now + .seconds(10), into: &output)
        output.clear()
        market.endOfDay(into: &output)
        #expect(market.engine.liveOrderCount == 0)
        #expect(output.executions.allSatisfy { $0.executionType == .expired })
    }

    @Test("log and exp are accurate and deterministic")
    func mathFunctions() {
        for x in [1e-9, 0.001, 0.5, 1, 2, 167.41, 1e9] {
            let l = SimulationRandom.log(x)
            #expect(abs(SimulationRandom.exp(l) - x) <= x * 1e-14)
        }
        #expect(SimulationRandom.log(1) == 0)
        #expect(abs(SimulationRandom.log(2.718281828459045) - 1) < 1e-15)
        var a = SimulationRandom(seed: 1), b = SimulationRandom(seed: 1)
        #expect((0..<100).map { _ in a.next() } == (0..<100).map { _ in b.next() })
    }
}
