import CBaselines
import PeregrineCEP
import PeregrineCore
#if canImport(Glibc)
import Glibc
#endif

/// CEP figures: nanoseconds per market event through a realistic query set (10 operators over
/// 100 instruments: sliding VWAP, two EMAs, rolling z-score, sliding min/max, 1-second bars,
/// trade⋈quote join, a 95th-percentile of trade size, a sequence and an absence pattern),
/// the same fed through the event-time sequencer (watermarks every event), each pattern
/// alone, and single windows; plus heap allocations per event (goal 0).
///
/// Single thread, synthetic events generated before timing (half trades, half quotes, 100
/// instruments, ≈100 µs apart). Operators are built once; each timed pass replays the events
/// shifted later in time so state keeps evolving. Each figure is the median of several passes.
func runCEPBenchmarks(quick: Bool, report: inout BenchReport) {
    let instruments = 100
    let eventCount = quick ? 100_000 : 400_000
    let repeats = quick ? 3 : 7
    let events = cepBenchEvents(count: eventCount, instruments: instruments)
    let span = events.last!.exchangeTime - events.first!.exchangeTime + .seconds(1)

    // MARK: The query set
    var set = CEPBenchQuerySet(instruments: instruments)
    var output = CEPOutputBuffer(capacity: 512)
    var pass = 0
    func runPass(_ set: inout CEPBenchQuerySet) {
        let offset = Nanoseconds(span.count * Int64(pass))
        pass += 1
        for e in events {
            set.onEvent(e, time: e.exchangeTime + offset, into: &output)
            output.removeAll()
        }
    }
    runPass(&set)   // warm-up: page faults, first use of each path
    var samples: [Double] = []
    var allocations: UInt64 = 0
    for _ in 0..<repeats {
        let before = cbaseline_allocation_count()
        let start = cepMonotonicNanos()
        runPass(&set)
        let end = cepMonotonicNanos()
        allocations += cbaseline_allocation_count() - before
        samples.append(Double(end - start) / Double(eventCount))
    }
    report.add(name: "cep.queryset10x100.event", value: cepMedian(samples), unit: "ns/event")
    report.add(name: "cep.queryset10x100.per_operator", value: cepMedian(samples) / 10, unit: "ns/event/operator")
    report.add(name: "cep.queryset10x100.allocations", value: Double(allocations) / Double(eventCount * repeats), unit: "allocs/event")
    report.add(name: "cep.queryset10x100.outputs_dropped", value: Double(output.dropped), unit: "outputs")

    // MARK: The same behind the event-time sequencer (bounded disorder 1 ms, watermark per event)
    var sequenced = CEPBenchQuerySet(instruments: instruments)
    var sequencer = EventTimeSequencer<MarketEvent>(capacity: 4_096, maxOutOfOrderness: .milliseconds(1))
    var sequencedPass = 0
    func runSequenced() {
        let offset = Nanoseconds(span.count * Int64(sequencedPass))
        sequencedPass += 1
        for var e in events {
            e.exchangeTime = e.exchangeTime + offset
            sequencer.offer(e)
            while let r = sequencer.poll() { sequenced.onEvent(r, time: r.exchangeTime, into: &output) }
            sequenced.onWatermark(sequencer.watermark, into: &output)
            output.removeAll()
        }
    }
    runSequenced()
    samples = []
    allocations = 0
    for _ in 0..<repeats {
        let before = cbaseline_allocation_count()
        let start = cepMonotonicNanos()
        runSequenced()
        let end = cepMonotonicNanos()
        allocations += cbaseline_allocation_count() - before
        samples.append(Double(end - start) / Double(eventCount))
    }
    report.add(name: "cep.queryset10x100.sequenced.event", value: cepMedian(samples), unit: "ns/event")
    report.add(name: "cep.queryset10x100.sequenced.allocations", value: Double(allocations) / Double(eventCount * repeats), unit: "allocs/event")

    // MARK: Single operators (each alone, same events)
    func single<O: CEPOperator>(_ name: String, _ op: inout O) where O.Input == MarketEvent {
        var p = 0
        func run() {
            let offset = Nanoseconds(span.count * Int64(p)); p += 1
            for e in events {
                op.onEvent(e, time: e.exchangeTime + offset, into: &output)
                output.removeAll()
            }
        }
        run()
        var s: [Double] = []
        var a: UInt64 = 0
        for _ in 0..<repeats {
            let before = cbaseline_allocation_count()
            let start = cepMonotonicNanos()
            run()
            let end = cepMonotonicNanos()
            a += cbaseline_allocation_count() - before
            s.append(Double(end - start) / Double(eventCount))
        }
        report.add(name: "cep.\(name).event", value: cepMedian(s), unit: "ns/event")
        if a != 0 { report.add(name: "cep.\(name).allocations", value: Double(a) / Double(eventCount * repeats), unit: "allocs/event") }
    }
    let key = InstrumentPartition()
    let trades = MarketCondition(kind: .trade), quotes = MarketCondition(kind: .quote)
    var sequence = SequencePattern(stream: StreamId(rawValue: 20), partitions: instruments, key: key,
                                   steps: [trades.and(.quantity, .greaterOrEqual, 500), quotes.and(.spread, .greater, 0.03)],
                                   within: .milliseconds(1))
    single("pattern.sequence", &sequence)
    var threeStep = SequencePattern(stream: StreamId(rawValue: 21), partitions: instruments, key: key,
                                    steps: [quotes, trades, trades.and(.quantity, .greaterOrEqual, 500)], within: .milliseconds(2))
    single("pattern.sequence3", &threeStep)
    var repetition = RepetitionPattern(stream: StreamId(rawValue: 22), partitions: instruments, key: key,
                                       filter: trades.and(.quantity, .greaterOrEqual, 800), count: 3, within: .milliseconds(5))
    single("pattern.repetition", &repetition)
    var absence = AbsencePattern(stream: StreamId(rawValue: 23), partitions: instruments, key: key,
                                 trigger: quotes, cancel: quotes, within: .milliseconds(20))
    single("pattern.absence", &absence)
    var vwap = WindowOperator(stream: StreamId(rawValue: 24), spec: .slidingTime(size: .seconds(1)), aggregates: [.vwap],
                              partitions: instruments, capacity: 1_024, key: key, filter: trades,
                              value: MarketField.price, weight: MarketField.quantity)
    single("window.sliding_vwap", &vwap)
    var qs = CEPBenchQuerySet(instruments: instruments)
    single("ema.span", &qs.emaTrade)
    single("ema.time_constant", &qs.emaMid)
    single("window.count50_zscore", &qs.zScore)
    single("window.sliding5s_minmax", &qs.minMax)
    single("window.tumbling1s_bars", &qs.bars)
    single("join.trade_latest_quote", &qs.join)
    var p95 = WindowOperator(stream: StreamId(rawValue: 25), spec: .count(size: 100, slide: 1), aggregates: [.percentile(0.95)],
                             partitions: instruments, capacity: 100, key: key, filter: trades,
                             value: MarketField.quantity, weight: MarketField.one)
    single("window.count100_p95", &p95)
    if output.count < 0 { print("# cep: impossible") }
}

/// Ten operators over one market-event stream, the shape a compiled query set takes:
/// concrete generic operators, called in a fixed order, statically dispatched.
struct CEPBenchQuerySet {
    typealias Window = WindowOperator<InstrumentPartition, MarketCondition, MarketField, MarketField>
    var slidingVWAP: Window
    var emaTrade: MovingAverageOperator<InstrumentPartition, MarketCondition, MarketField>
    var emaMid: MovingAverageOperator<InstrumentPartition, MarketCondition, MarketField>
    var zScore: Window
    var minMax: Window
    var bars: Window
    var sizeP95: Window
    var join: StreamTableJoin<InstrumentPartition, MarketCondition, MarketCondition, MarketField>
    var sequence: SequencePattern<InstrumentPartition, MarketCondition>
    var stale: AbsencePattern<InstrumentPartition, MarketCondition, MarketCondition>

    init(instruments n: Int) {
        let key = InstrumentPartition()
        let trades = MarketCondition(kind: .trade), quotes = MarketCondition(kind: .quote)
        slidingVWAP = Window(stream: StreamId(rawValue: 1), spec: .slidingTime(size: .seconds(1)), aggregates: [.vwap, .sumOfWeights],
                             partitions: n, capacity: 1_024, key: key, filter: trades, value: .price, weight: .quantity)
        emaTrade = .init(stream: StreamId(rawValue: 2), smoothing: .span(20), partitions: n, key: key, filter: trades, value: .price)
        emaMid = .init(stream: StreamId(rawValue: 3), smoothing: .timeConstant(.seconds(5)), partitions: n, key: key, filter: quotes, value: .mid)
        zScore = Window(stream: StreamId(rawValue: 4), spec: .count(size: 50, slide: 1), aggregates: [.zScore, .mean, .standardDeviation],
                        partitions: n, capacity: 50, key: key, filter: trades, value: .price, weight: .one)
        minMax = Window(stream: StreamId(rawValue: 5), spec: .slidingTime(size: .seconds(5)), aggregates: [.min, .max],
                        partitions: n, capacity: 4_096, key: key, filter: trades, value: .price, weight: .one)
        bars = Window(stream: StreamId(rawValue: 6), spec: .tumblingTime(size: .seconds(1)), aggregates: [.first, .max, .min, .last, .count],
                      partitions: n, capacity: 1_024, key: key, filter: trades, value: .price, weight: .one)
        sizeP95 = Window(stream: StreamId(rawValue: 7), spec: .count(size: 100, slide: 1), aggregates: [.percentile(0.95)],
                         partitions: n, capacity: 100, key: key, filter: trades, value: .quantity, weight: .one)
        join = .init(stream: StreamId(rawValue: 8), partitions: n, key: key, streamFilter: trades, tableFilter: quotes,
                     streamValues: [.price, .quantity], tableValues: [.bidPrice, .askPrice, .mid], maxAge: .seconds(1))
        sequence = .init(stream: StreamId(rawValue: 9), partitions: n, key: key,
                         steps: [trades.and(.quantity, .greaterOrEqual, 500), quotes.and(.spread, .greater, 0.03)], within: .milliseconds(1))
        stale = .init(stream: StreamId(rawValue: 10), partitions: n, key: key, trigger: quotes, cancel: quotes, within: .milliseconds(20))
    }

    @inline(__always)   // one call site per loop; lets the ten calls inline into it
    mutating func onEvent(_ e: MarketEvent, time: Timestamp, into out: inout CEPOutputBuffer) {
        slidingVWAP.onEvent(e, time: time, into: &out)
        emaTrade.onEvent(e, time: time, into: &out)
        emaMid.onEvent(e, time: time, into: &out)
        zScore.onEvent(e, time: time, into: &out)
        minMax.onEvent(e, time: time, into: &out)
        bars.onEvent(e, time: time, into: &out)
        sizeP95.onEvent(e, time: time, into: &out)
        join.onEvent(e, time: time, into: &out)
        sequence.onEvent(e, time: time, into: &out)
        stale.onEvent(e, time: time, into: &out)
    }

    mutating func onWatermark(_ w: Timestamp, into out: inout CEPOutputBuffer) {
        bars.onWatermark(w, into: &out)
        stale.onWatermark(w, into: &out)
    }
}

/// Half trades, half quotes over `instruments`, 0–200 µs apart (≈10,000 events/s, so a
/// 1-second window holds ≈50 trades of an instrument), prices near 100 with a few cents of
/// noise, sizes 1–1000 (deterministic).
private func cepBenchEvents(count: Int, instruments: Int) -> [MarketEvent] {
    var state: UInt64 = 0x1234_5678
    func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    var t = Timestamp(year: 2026, month: 11, day: 26, hour: 14, minute: 30)!
    var events: [MarketEvent] = []
    events.reserveCapacity(count)
    for _ in 0..<count {
        let r = next()
        t = t + Nanoseconds(Int64(r % 200_000))
        let instrument = InstrumentId(rawValue: UInt32((r >> 16) % UInt64(instruments)))
        let cents = Int64((r >> 32) % 200) - 100
        let price = Price(rawValue: 100_00000000 + cents * 1_000_000)
        if (r >> 48) & 1 == 0 {
            let size = Quantity(rawValue: Int64(1 + (r >> 50) % 1_000) * 100_000_000)
            events.append(.trade(instrument, venue: VenueId(rawValue: 1), price: price, quantity: size, exchangeTime: t, receiveTime: t))
        } else {
            let half = Int64(1 + (r >> 50) % 3) * 1_000_000
            events.append(.quote(instrument, venue: VenueId(rawValue: 1), bidPrice: Price(rawValue: price.rawValue - half),
                                 bidQuantity: Quantity(rawValue: 100_00000000), askPrice: Price(rawValue: price.rawValue + half),
                                 askQuantity: Quantity(rawValue: 200_00000000), exchangeTime: t, receiveTime: t))
        }
    }
    return events
}

private func cepMonotonicNanos() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

private func cepMedian(_ samples: [Double]) -> Double {
    let sorted = samples.sorted()
    return sorted[sorted.count / 2]
}
