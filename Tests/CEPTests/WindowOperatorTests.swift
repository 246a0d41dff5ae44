import Testing
import PeregrineCEP
import PeregrineCore

/// One expected window: partition, emission time, start, samples (value, weight).
struct ExpectedWindow {
    var partition: Int
    var time: Int64
    var start: Int64
    var samples: [(value: Double, weight: Double)]
}

/// The windows `spec` should produce over `events`, computed from scratch per window.
func referenceWindows(_ spec: WindowSpec, _ events: [MarketEvent], partitions: Int) -> [ExpectedWindow] {
    func sample(_ e: MarketEvent) -> (value: Double, weight: Double) { (e.price.doubleValue, e.quantity.doubleValue) }
    func t(_ e: MarketEvent) -> Int64 { e.exchangeTime.nanosecondsSinceEpoch }
    func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
    var result: [ExpectedWindow] = []
    for p in 0..<partitions {
        let mine = events.filter { $0.instrument.index == p }
        guard !mine.isEmpty else { continue }
        switch spec {
        case .slidingTime(let size):
            for (i, e) in mine.enumerated() {
                let inWindow = mine[0...i].filter { t($0) > t(e) - size.count }
                result.append(ExpectedWindow(partition: p, time: t(e), start: t(e) - size.count, samples: inWindow.map(sample)))
            }
        case .tumblingTime(let size):
            var groups: [Int64: [MarketEvent]] = [:]
            for e in mine { groups[floorDiv(t(e), size.count), default: []].append(e) }
            for (k, g) in groups {
                result.append(ExpectedWindow(partition: p, time: (k + 1) * size.count, start: k * size.count, samples: g.map(sample)))
            }
        case .hoppingTime(let size, let slide):
            var end = (floorDiv(t(mine[0]), slide.count) + 1) * slide.count
            while end - size.count <= t(mine.last!) {
                let g = mine.filter { t($0) >= end - size.count && t($0) < end }
                if !g.isEmpty { result.append(ExpectedWindow(partition: p, time: end, start: end - size.count, samples: g.map(sample))) }
                end += slide.count
            }
        case .count(let size, let slide):
            for k in 0..<mine.count where k >= size - 1 && (k - (size - 1)) % slide == 0 {
                let g = Array(mine[(k - size + 1)...k])
                result.append(ExpectedWindow(partition: p, time: t(mine[k]), start: t(g[0]), samples: g.map(sample)))
            }
        case .session(let gap):
            var current: [MarketEvent] = []
            for e in mine {
                if let last = current.last, t(e) - t(last) >= gap.count {
                    result.append(ExpectedWindow(partition: p, time: t(last) + gap.count, start: t(current[0]), samples: current.map(sample)))
                    current = []
                }
                current.append(e)
            }
            result.append(ExpectedWindow(partition: p, time: t(current.last!) + gap.count, start: t(current[0]), samples: current.map(sample)))
        }
    }
    return result.sorted { ($0.time, $0.partition) < ($1.time, $1.partition) }
}

/// Runs a price/quantity window over `events` (watermarks at random points, then a final
/// flush) and returns its results ordered by (time, partition) as emitted.
func runWindow(_ spec: WindowSpec, _ aggregates: [CEPAggregate], _ events: [MarketEvent], partitions: Int,
               capacity: Int = 4096, seed: UInt64 = 9) -> (outputs: [CEPOutput], window: TradeWindow) {
    var window = TradeWindow(stream: StreamId(rawValue: 1), spec: spec, aggregates: aggregates, partitions: partitions,
                             capacity: capacity, key: InstrumentPartition(), filter: MarketCondition(kind: .trade),
                             value: .price, weight: .quantity)
    var buffer = CEPOutputBuffer(capacity: 1 << 16)
    var rng = SplitMix64(seed: seed)
    var outputs: [CEPOutput] = []
    for (i, e) in events.enumerated() {
        window.onEvent(e, time: e.exchangeTime, into: &buffer)
        if i + 1 < events.count && Int.random(in: 0..<8, using: &rng) == 0 {
            // A watermark just before the next event: allowed, and must not change results.
            window.onWatermark(events[i + 1].exchangeTime - Nanoseconds(1), into: &buffer)
        }
        outputs += drain(&buffer)
    }
    window.onWatermark(maxTimestamp, into: &buffer)
    outputs += drain(&buffer)
    return (outputs, window)
}

func checkWindows(_ spec: WindowSpec, _ aggregates: [CEPAggregate], events: [MarketEvent], partitions: Int,
                  tolerance: Double = 1e-9, sourceLocation: SourceLocation = #_sourceLocation) {
    let (outputs, _) = runWindow(spec, aggregates, events, partitions: partitions)
    let sortedOutputs = outputs.sorted { ($0.time.nanosecondsSinceEpoch, $0.partition) < ($1.time.nanosecondsSinceEpoch, $1.partition) }
    let expected = referenceWindows(spec, events, partitions: partitions)
    #expect(sortedOutputs.count == expected.count, "window count for \(spec)", sourceLocation: sourceLocation)
    var mismatches = 0
    for (o, x) in zip(sortedOutputs, expected) {
        var ok = o.partition == UInt32(x.partition) && o.time.nanosecondsSinceEpoch == x.time && o.integer == x.start
            && Int(o.valueCount) == aggregates.count && o.kind == .window
        for (i, a) in aggregates.enumerated() where !close(o[i], referenceAggregate(a, x.samples), tolerance) { ok = false }
        if !ok {
            mismatches += 1
            if mismatches <= 3 {
                Issue.record("\(spec): got p\(o.partition) t\(o.time.nanosecondsSinceEpoch) s\(o.integer) \((0..<aggregates.count).map { o[$0] }) expected p\(x.partition) t\(x.time) s\(x.start) \(aggregates.map { referenceAggregate($0, x.samples) })",
                             sourceLocation: sourceLocation)
            }
        }
    }
    #expect(mismatches == 0, sourceLocation: sourceLocation)
}

let aggregateSets: [[CEPAggregate]] = [
    [.count, .sum, .mean, .min, .max],
    [.first, .last, .variance, .standardDeviation, .vwap],
    [.zScore, .percentile(0.5), .percentile(0.9), .percentile(0), .percentile(1)],
]

@Suite("CEP windows against from-scratch recomputation")
struct WindowOperatorTests {
    static let events = randomTrades(count: 3_000, partitions: 4, maxGap: 400_000_000, seed: 42)

    @Test("continuous sliding time windows", arguments: 0..<3)
    func slidingTime(set: Int) {
        checkWindows(.slidingTime(size: .seconds(5)), aggregateSets[set], events: Self.events, partitions: 4)
    }

    @Test("tumbling time windows (events exactly at a boundary open the next window)", arguments: 0..<3)
    func tumblingTime(set: Int) {
        checkWindows(.tumblingTime(size: .seconds(3)), aggregateSets[set], events: Self.events, partitions: 4)
    }

    @Test("hopping time windows", arguments: 0..<3)
    func hoppingTime(set: Int) {
        checkWindows(.hoppingTime(size: .seconds(6), slide: .seconds(2)), aggregateSets[set], events: Self.events, partitions: 4)
    }

    @Test("sliding, hopping and tumbling count windows", arguments: 0..<3)
    func countWindows(set: Int) {
        checkWindows(.count(size: 20, slide: 1), aggregateSets[set], events: Self.events, partitions: 4)
        checkWindows(.count(size: 20, slide: 7), aggregateSets[set], events: Self.events, partitions: 4)
        checkWindows(.count(size: 20, slide: 20), aggregateSets[set], events: Self.events, partitions: 4)
    }

    @Test("session windows split at gaps of at least the gap", arguments: 0..<3)
    func sessions(set: Int) {
        checkWindows(.session(gap: .milliseconds(1500)), aggregateSets[set], events: Self.events, partitions: 4)
    }

    @Test("boundaries: an event exactly at the end opens the next tumbling window; watermark end − 1 closes it")
    func tumblingBoundary() {
        var w = TradeWindow(stream: StreamId(rawValue: 1), spec: .tumblingTime(size: Nanoseconds(1000)), aggregates: [.count, .sum],
                            partitions: 1, capacity: 16, key: InstrumentPartition(), filter: MarketCondition(), value: .price, weight: .one)
        var b = CEPOutputBuffer(capacity: 8)
        w.onEvent(trade(0, price: 1, quantity: 1, at: 0), time: Timestamp(nanosecondsSinceEpoch: 0), into: &b)
        w.onEvent(trade(0, price: 2, quantity: 1, at: 999), time: Timestamp(nanosecondsSinceEpoch: 999), into: &b)
        w.onWatermark(Timestamp(nanosecondsSinceEpoch: 998), into: &b)
        #expect(b.count == 0)
        w.onWatermark(Timestamp(nanosecondsSinceEpoch: 999), into: &b)
        #expect(b.count == 1 && b[0].value0 == 2 && b[0].value1 == 3 && b[0].time.nanosecondsSinceEpoch == 1000)
        w.onEvent(trade(0, price: 5, quantity: 1, at: 1000), time: Timestamp(nanosecondsSinceEpoch: 1000), into: &b)
        w.onWatermark(maxTimestamp, into: &b)
        #expect(b.count == 2 && b[1].value0 == 1 && b[1].value1 == 5 && b[1].integer == 1000)
    }

    @Test("sessions: a gap of exactly the gap starts a new session, one less continues it")
    func sessionBoundary() {
        var w = TradeWindow(stream: StreamId(rawValue: 1), spec: .session(gap: Nanoseconds(100)), aggregates: [.count],
                            partitions: 1, capacity: 16, key: InstrumentPartition(), filter: MarketCondition(), value: .price, weight: .one)
        var b = CEPOutputBuffer(capacity: 8)
        for ns: Int64 in [0, 99, 199] { w.onEvent(trade(0, price: 1, quantity: 1, at: ns), time: Timestamp(nanosecondsSinceEpoch: ns), into: &b) }
        #expect(b.count == 1 && b[0].value0 == 2 && b[0].time.nanosecondsSinceEpoch == 199)
        w.onWatermark(Timestamp(nanosecondsSinceEpoch: 297), into: &b)
        #expect(b.count == 1)
        w.onWatermark(Timestamp(nanosecondsSinceEpoch: 298), into: &b)
        #expect(b.count == 2 && b[1].value0 == 1 && b[1].integer == 199)
    }

    @Test("out-of-order and out-of-range events are counted and skipped")
    func admission() {
        var w = TradeWindow(stream: StreamId(rawValue: 1), spec: .slidingTime(size: .seconds(1)), aggregates: [.count],
                            partitions: 2, capacity: 16, key: InstrumentPartition(), filter: MarketCondition(kind: .trade), value: .price, weight: .one)
        var b = CEPOutputBuffer(capacity: 8)
        w.onEvent(trade(0, price: 1, quantity: 1, at: 100), time: Timestamp(nanosecondsSinceEpoch: 100), into: &b)
        w.onEvent(trade(0, price: 1, quantity: 1, at: 50), time: Timestamp(nanosecondsSinceEpoch: 50), into: &b)
        w.onEvent(trade(5, price: 1, quantity: 1, at: 200), time: Timestamp(nanosecondsSinceEpoch: 200), into: &b)
        w.onEvent(quote(0, bid: 1, ask: 2, at: 300), time: Timestamp(nanosecondsSinceEpoch: 300), into: &b)
        #expect(b.count == 1)
        #expect(w.gate.counters.outOfOrderEvents == 1 && w.gate.counters.partitionOutOfRange == 1 && w.gate.counters.filtered == 1)
    }

    @Test("a full time-window ring drops its oldest sample, counted")
    func overflow() {
        let (outputs, window) = runWindow(.slidingTime(size: .seconds(100)), [.count], (0..<10).map { trade(0, price: 1, quantity: 1, at: Int64($0)) },
                                          partitions: 1, capacity: 4)
        #expect(outputs.map(\.value0) == [1, 2, 3, 4, 4, 4, 4, 4, 4, 4])
        #expect(window.store.overflowEvictions == 6)
    }

    @Test("variance stays accurate on large offsets through many removals")
    func varianceNumerics() {
        // Prices near 1e9 moving by cents: Σx² would lose every digit; Welford with removal and
        // periodic recomputation must match a two-pass reference to 1e-9 relative.
        var rng = SplitMix64(seed: 7)
        var t: Int64 = 0
        let events = (0..<20_000).map { _ -> MarketEvent in
            t += 1_000
            return trade(0, price: 1_000_000_000 + Double(Int.random(in: -500...500, using: &rng)) / 100, quantity: 1, at: t)
        }
        checkWindows(.count(size: 100, slide: 1), [.variance, .standardDeviation, .mean], events: events, partitions: 1, tolerance: 1e-9)
        // z = (last − mean)/sd: in the reference, mean is a double near 10⁹ (ulp 1.2e-7) and
        // last − mean is a few units, so the reference is only good to ~1e-8 relative.
        checkWindows(.count(size: 100, slide: 1), [.zScore], events: events, partitions: 1, tolerance: 1e-7)
        checkWindows(.slidingTime(size: Nanoseconds(50_000)), [.variance, .standardDeviation], events: events, partitions: 1, tolerance: 1e-9)
    }
}
