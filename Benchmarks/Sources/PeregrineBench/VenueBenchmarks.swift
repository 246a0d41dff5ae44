import CBaselines
import PeregrineCore
import PeregrineSimVenue
#if canImport(Glibc)
import Glibc
#endif

/// Simulated-venue figures: matching-engine orders per second under the simulated market's
/// own order flow (recorded once, then replayed into fresh books so agent logic is not
/// timed), nanoseconds per passive add, per cancel by client order id and per aggressive
/// order that fills one resting order, and heap allocations per order (goal: 0).
///
/// Single thread, deterministic inputs built before timing; each figure is the median of
/// several timed runs after a warm-up.
func runVenueBenchmarks(quick: Bool, report: inout BenchReport) {
    let repeats = quick ? 3 : 7
    let instrument = InstrumentId(rawValue: 0)
    let start = Timestamp(year: 2026, month: 1, day: 2, hour: 14, minute: 30)!

    // MARK: Simulated-market flow, replayed
    var market = SimulatedMarket(seed: 2013)
    market.recordsCommands = true
    var scratch = VenueOutput(executionCapacity: 1 << 14, marketDataCapacity: 1 << 14)
    var t = market.now
    for _ in 0..<((quick ? 600 : 3_600) * 10) {   // simulated seconds, in 100 ms steps
        t = t + .milliseconds(100)
        market.step(until: t, into: &scratch)
        scratch.clear()
    }
    let flow = market.recordedCommands
    let configuration = market.engine.configuration
    var trades: UInt64 = 0
    var output = VenueOutput(executionCapacity: 1 << 14, marketDataCapacity: 1 << 14)
    let replayNanos = venueMedianNanos(repeats: repeats) {
        var engine = MatchingEngine(configuration: configuration)  // allocation untimed below
        let begin = venueMonotonicNanos()
        for timed in flow {
            engine.submit(timed.command, time: timed.time, into: &output)
            output.clear()
        }
        let elapsed = venueMonotonicNanos() - begin
        trades = engine.tradeCount
        return Double(elapsed)
    }
    report.add(name: "venue.sim_flow.orders_per_second", value: Double(flow.count) / (replayNanos / 1e9), unit: "orders/s")
    report.add(name: "venue.sim_flow.ns_per_order", value: replayNanos / Double(flow.count), unit: "ns")
    print("# venue: simulated flow of \(flow.count) commands (\(trades) trades) over \(quick ? 600 : 3_600) simulated s")
    do {
        var engine = MatchingEngine(configuration: configuration)
        let before = cbaseline_allocation_count()
        for timed in flow {
            engine.submit(timed.command, time: timed.time, into: &output)
            output.clear()
        }
        report.add(name: "venue.sim_flow.allocations", value: Double(cbaseline_allocation_count() - before) / Double(flow.count),
                   unit: "allocs/order")
    }

    // MARK: Add, cancel, match on a synthetic book
    let count = quick ? 20_000 : 100_000
    let bookConfiguration = MatchingEngineConfiguration(instrument: instrument, selfTradePrevention: .allow,
                                                        orderCapacity: count + 16, levelCapacity: 1_024)
    func order(_ id: Int, _ kind: OrderCommandKind, _ side: Side, cents: Int64, shares: Int64, tif: TimeInForce = .day,
               original: Int = 0) -> OrderCommand {
        let owner = original == 0 ? id : original   // a cancel comes from the order's account
        return OrderCommand(kind: kind, orderId: OrderId(rawValue: UInt64(id)), originalOrderId: OrderId(rawValue: UInt64(original)),
                     instrument: instrument, side: side, type: .limit, timeInForce: tif, price: Price(rawValue: cents * 1_000_000),
                     quantity: Quantity(rawValue: shares * 100_000_000), account: AccountId(rawValue: UInt32(owner % 8)),
                     strategy: StrategyId(rawValue: 1), createdTime: start)
    }
    // Passive bids over 64 levels below 100.00, cancels of the same in another order.
    let adds = (0..<count).map { order($0 + 1, .new, .buy, cents: 10_000 - Int64(($0 &* 7) % 64), shares: 100) }
    let cancels = (0..<count).map { order(count + $0 + 1, .cancel, .buy, cents: 0, shares: 0, original: (($0 &* 7_919) % count) + 1) }
    var addNanos: [Double] = [], cancelNanos: [Double] = []
    var addAllocations: UInt64 = 0
    for round in 0...repeats {
        var engine = MatchingEngine(configuration: bookConfiguration)
        let allocationsBefore = cbaseline_allocation_count()
        var begin = venueMonotonicNanos()
        for c in adds { engine.submit(c, time: start, into: &output); output.clear() }
        let added = venueMonotonicNanos() - begin
        if round == repeats { addAllocations = cbaseline_allocation_count() - allocationsBefore }
        begin = venueMonotonicNanos()
        for c in cancels { engine.submit(c, time: start, into: &output); output.clear() }
        let cancelled = venueMonotonicNanos() - begin
        precondition(engine.liveOrderCount == 0, "every add was cancelled")
        if round > 0 { addNanos.append(Double(added) / Double(count)); cancelNanos.append(Double(cancelled) / Double(count)) }
    }
    report.add(name: "venue.add_passive", value: venueMedian(addNanos), unit: "ns")
    report.add(name: "venue.cancel_by_id", value: venueMedian(cancelNanos), unit: "ns")
    report.add(name: "venue.add_cancel.allocations", value: Double(addAllocations) / Double(count), unit: "allocs/order")

    // Resting asks over 16 levels; each IOC buy of 100 fills exactly the oldest resting 100.
    let restingAsks = (0..<count).map { order($0 + 1, .new, .sell, cents: 10_001 + Int64($0 % 16), shares: 100) }
    let takers = (0..<count).map { order(count + $0 + 1, .new, .buy, cents: 10_016, shares: 100, tif: .immediateOrCancel) }
    var matchNanos: [Double] = []
    var matchAllocations: UInt64 = 0
    for round in 0...repeats {
        var engine = MatchingEngine(configuration: bookConfiguration)
        for c in restingAsks { engine.submit(c, time: start, into: &output); output.clear() }
        let allocationsBefore = cbaseline_allocation_count()
        let begin = venueMonotonicNanos()
        for c in takers { engine.submit(c, time: start, into: &output); output.clear() }
        let elapsed = venueMonotonicNanos() - begin
        if round == repeats { matchAllocations = cbaseline_allocation_count() - allocationsBefore }
        precondition(engine.tradeCount == UInt64(count), "every taker filled one resting order")
        if round > 0 { matchNanos.append(Double(elapsed) / Double(count)) }
    }
    report.add(name: "venue.match_one_fill", value: venueMedian(matchNanos), unit: "ns")
    report.add(name: "venue.match.allocations", value: Double(matchAllocations) / Double(count), unit: "allocs/order")
}

/// Median of `repeats` runs of `body` (which returns its own timed nanoseconds), after a warm-up.
private func venueMedianNanos(repeats: Int, _ body: () -> Double) -> Double {
    _ = body()
    return venueMedian((0..<repeats).map { _ in body() })
}

private func venueMedian(_ samples: [Double]) -> Double {
    let sorted = samples.sorted()
    return sorted[sorted.count / 2]
}

private func venueMonotonicNanos() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}
