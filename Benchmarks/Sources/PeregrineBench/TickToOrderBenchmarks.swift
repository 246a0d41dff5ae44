import CBaselines
import PeregrineCore
import PeregrineMarketData
import PeregrineModels
import PeregrinePlatform
#if canImport(Glibc)
import Glibc
#endif

/// In-process tick-to-order latency, Swift and C side by side: raw IQFeed Level 1 bytes in a
/// preallocated buffer → decode (`IQFeedLevel1Decoder`) → filter (`MarketDataFilter`) → book
/// (`TopOfBookTable`) → CEP (EMA of the mid, 50-quote z-score of the mid, EMA of the trade
/// price) → model (5-feature logistic in a `ModelSlot`) → strategy (`ComposedStrategy`: the
/// CEP-fed imbalance alpha, equal-weight portfolio, exposure cap + drawdown guard, immediate
/// marketable limits) → `PreTradeRisk.check` → `OrderManager.onSend` → `FIXEncoder`
/// NewOrderSingle bytes. See `TickStream` for the input and `TickToOrderLimits` for the limits.
///
/// Runs, interleaved per round so drift on the shared VM hits all alike:
///   fused   one pinned thread (cpu 1); per line: latency bytes-in → done (all lines) and
///           bytes-in → first NOS finished (lines that sent an order); rdtscp.
///   spread  feed thread (cpu 0) decode … strategy → SPSC ring (busy spin) → order thread
///           (cpu 1) risk → OMS → FIX; bytes-in on cpu 0 → NOS finished on cpu 1 (invariant TSC).
///   C       the same hops in plain C (CBaselines/tick_to_order.c), fused and spread with the C
///           SPSC ring of spsc_ring_core.h.
/// Venue answers: every accepted order is acknowledged and fully filled at the touch, and every
/// refused one rejected, applied to OMS, risk and strategy after the line's timing (fused) or on
/// the order thread after the NOS is stamped and on the feed thread before its next line
/// (spread), so positions move and orders keep flowing without a reset.
/// Allocations per event are counted over the timed lines with the malloc counter (goal 0).
func runTickToOrderBenchmarks(quick: Bool, report: inout BenchReport) throws {
    let warmup = quick ? 20_000 : 50_000
    let measured = quick ? 100_000 : 400_000
    let rounds = quick ? 3 : 7
    let feedCPU = RingBenchmarks.producerCPU, orderCPU = RingBenchmarks.consumerCPU
    guard let tsc = TSCClock.calibrate() else {
        print("# ticktoorder: skipped (no usable TSC)")
        return
    }
    if !CPU.hasInvariantTSC { print("# ticktoorder: note: no invariant TSC; cross-core (spread) figures are unreliable") }
    let stream = TickStream(lines: warmup + measured)

    // The UTC time of 09:30:00 Eastern on the session day, as the decoder computes it.
    var symbols = IQFeedSymbolTable(capacity: 8)
    symbols.insert("AAPL", id: InstrumentId(rawValue: 0))
    var probe = IQFeedLevel1Decoder(symbols: symbols, venue: TickToOrderLimits.feedVenue, sessionDate: TickStream.sessionDate)
    var probeOutput = IQFeedLevel1Output()
    let probeResult = TickStream.probeLine(symbol: "AAPL").withUnsafeBytes { probe.decode($0, receiveTime: .zero, into: &probeOutput) }
    precondition(probeResult == .events, "probe line did not decode")
    let openUTC = probeOutput.first.exchangeTime
    let firstReceive = openUTC + Nanoseconds(TickStream.receiveLatencyNanos)
    let model = ModelSlot(try Model(CEPImbalanceAlpha.modelDefinition()))
    print("# ticktoorder: \(TickStream.symbols.count) symbols, \(stream.bytes.count / stream.lineCount) B/line, "
          + "\(warmup) warm-up + \(measured) timed lines per round × \(rounds) rounds; fused on cpu \(orderCPU), "
          + "spread feed cpu \(feedCPU) → order cpu \(orderCPU); timer rdtscp, TSC \(BenchReport.format(tsc.ticksPerSecond / 1e9)) GHz")

    let c = TickToOrderC(stream: stream, warmup: warmup, measured: measured, firstReceive: firstReceive, openUTC: openUTC,
                         feedCPU: feedCPU, orderCPU: orderCPU)
    func nanos(_ ticks: [UInt64]) -> [UInt64] { ticks.map { tsc.nanoseconds(ticks: $0) } }

    // $PEREGRINE_T2O_VARIANTS (e.g. "swift-fused,c-fused") runs a subset, for profiling.
    let selected = getenv("PEREGRINE_T2O_VARIANTS").map { String(cString: $0).split(separator: ",").map(String.init) }
        ?? ["swift-fused", "c-fused", "swift-spread", "c-spread"]
    var swiftFused: [TickToOrderRun] = [], cFused: [TickToOrderRun] = []
    var swiftSpread: [TickToOrderRun] = [], cSpread: [TickToOrderRun] = []
    for _ in 0..<rounds {
        // Interleaved: a bad placement or a noisy neighbour in one round hits every variant.
        if selected.contains("swift-fused") {
            swiftFused.append(TickToOrderSwift.fused(stream: stream, warmup: warmup, measured: measured,
                                                     firstReceive: firstReceive, model: model))
        }
        if selected.contains("c-fused") { cFused.append(c.run(stream: stream, spread: false).run) }
        if selected.contains("swift-spread") {
            swiftSpread.append(try TickToOrderSwift.spread(stream: stream, warmup: warmup, measured: measured, firstReceive: firstReceive,
                                                           model: model, feedCPU: feedCPU, orderCPU: orderCPU))
        }
        if selected.contains("c-spread") { cSpread.append(c.run(stream: stream, spread: true).run) }
    }
    if let s = swiftFused.last, let k = cFused.last {
        print("# ticktoorder: last NOS of a fused run, swift: \(s.lastNOS)")
        print("# ticktoorder: last NOS of a fused run, c:     \(k.lastNOS)\(s.lastNOS == k.lastNOS ? " (identical)" : "")")
    }

    // MARK: Figures
    let variants: [(String, [TickToOrderRun])] = [("fused.swift", swiftFused), ("fused.c", cFused),
                                                  ("spread.swift", swiftSpread), ("spread.c", cSpread)]
    for (name, runs) in variants where !runs.isEmpty {
        let ticks = runs.count * measured
        let orders = runs.reduce(0) { $0 + $1.orderTicks.count }
        let accepted = runs.reduce(0) { $0 + $1.ordersAccepted }, rejected = runs.reduce(0) { $0 + $1.ordersRejected }
        let drops = runs.reduce(0) { $0 + $1.drops }, events = runs.reduce(0) { $0 + $1.events }
        print("# ticktoorder.\(name): \(orders) timed ticks with an order of \(ticks) (\(BenchReport.format(Double(orders) * 1000 / Double(ticks))) per 1k), "
              + "orders accepted \(accepted) rejected \(rejected) (all lines), market events \(events), filter drops \(drops)")
    }
    report.addLatency(name: "ticktoorder.fused.tick.swift", samplesNanos: swiftFused.flatMap { nanos($0.tickTicks) })
    report.addLatency(name: "ticktoorder.fused.tick.c", samplesNanos: cFused.flatMap { nanos($0.tickTicks) })
    report.addLatency(name: "ticktoorder.fused.swift", samplesNanos: swiftFused.flatMap { nanos($0.orderTicks) })
    report.addLatency(name: "ticktoorder.fused.c", samplesNanos: cFused.flatMap { nanos($0.orderTicks) })
    report.addLatency(name: "ticktoorder.spread.swift", samplesNanos: swiftSpread.flatMap { nanos($0.orderTicks) })
    report.addLatency(name: "ticktoorder.spread.c", samplesNanos: cSpread.flatMap { nanos($0.orderTicks) })
    for (name, runs) in [("fused", swiftFused), ("spread", swiftSpread)] {
        let allocations = runs.reduce(UInt64(0)) { $0 + $1.allocations }
        let events = runs.reduce(0) { $0 + $1.measuredEvents }
        report.add(name: "ticktoorder.\(name).swift.allocations", value: Double(allocations) / Double(max(events, 1)), unit: "allocs/event")
    }
    report.addRatio(name: "ticktoorder.fused.tick.swift_over_c", numerator: "ticktoorder.fused.tick.swift", denominator: "ticktoorder.fused.tick.c")
    for variant in ["fused", "spread"] {
        for percentile in [50.0, 99.0] {
            report.addRatio(name: "ticktoorder.\(variant).swift_over_c" + (percentile == 50 ? "" : ".p99"),
                            numerator: "ticktoorder.\(variant).swift", denominator: "ticktoorder.\(variant).c", percentile: percentile)
        }
    }

    // MARK: Stage breakdown: one more fused run each with rdtscp at every stage end (so its
    // stages sum to a little more than the timed runs: the stamps cost ~10 ns each).
    if selected.contains("swift-fused") && selected.contains("c-fused") {
        var swiftStages: [StageStamps] = []
        _ = TickToOrderSwift.fused(stream: stream, warmup: warmup, measured: measured, firstReceive: firstReceive,
                                   model: model, stamps: &swiftStages)
        var cStages = [UInt64](repeating: 0, count: measured * TickStage.allCases.count)
        let cStageCount = cStages.withUnsafeMutableBufferPointer { c.run(stream: stream, spread: false, stageTicks: $0.baseAddress).stageSamples }
        func medians(_ count: Int, _ tick: (Int, TickStage) -> UInt64) -> [Double] {
            TickStage.allCases.dropFirst().map { stage in
                let previous = TickStage(rawValue: stage.rawValue - 1)!
                let deltas = (0..<count).map { tsc.nanoseconds(ticks: tick($0, stage) &- tick($0, previous)) }.sorted()
                return deltas.isEmpty ? 0 : Double(deltas[deltas.count / 2])
            }
        }
        let swiftMedians = medians(swiftStages.count) { swiftStages[$0].tick($1) }
        let cMedians = medians(cStageCount) { cStages[$0 * TickStage.allCases.count + $1.rawValue] }
        print("# ticktoorder: breakdown = per stage, median over the order ticks of one fused run (stage end − previous stage end)")
        for (k, stage) in TickStage.allCases.dropFirst().enumerated() {
            report.add(name: "ticktoorder.breakdown.\(stage.label).swift", value: swiftMedians[k], unit: "ns")
            report.add(name: "ticktoorder.breakdown.\(stage.label).c", value: cMedians[k], unit: "ns")
        }
    }

    // MARK: Goals
    func p50(_ name: String) -> Double? { report.latencies.first { $0.name == name }.map { Double($0.p50) } }
    if let v = p50("ticktoorder.fused.swift") { report.addGoal(name: "ticktoorder.fused.swift.p50", value: v, limit: 1_000, unit: "ns") }
    if let s = p50("ticktoorder.spread.swift"), let c = p50("ticktoorder.spread.c") {
        report.addGoal(name: "ticktoorder.spread.swift_over_c", value: s / c, limit: 1.2, unit: "x")
    }
    for name in ["fused", "spread"] {
        if let f = report.figures.first(where: { $0.name == "ticktoorder.\(name).swift.allocations" }) {
            report.addGoal(name: f.name, value: f.value, limit: 0, unit: "allocs/event")
        }
    }
}
