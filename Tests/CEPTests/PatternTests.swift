import Testing
import PeregrineCEP
import PeregrineCore

/// Kind tests as pattern steps: trades are "A", quotes are "B".
typealias Pattern = SequencePattern<InstrumentPartition, MarketCondition>
let isTrade = MarketCondition(kind: .trade)
let isQuote = MarketCondition(kind: .quote)

func feed<O: CEPOperator>(_ op: inout O, _ events: [O.Input], times: [Int64], into buffer: inout CEPOutputBuffer) {
    for (e, t) in zip(events, times) { op.onEvent(e, time: Timestamp(nanosecondsSinceEpoch: t), into: &buffer) }
}

@Suite("CEP patterns")
struct PatternTests {
    @Test("A followed by B matches at exactly T and not at T + 1 ns")
    func sequenceBoundary() {
        for (gap, expected) in [(Int64(1_000), 1), (1_001, 0), (0, 1)] {
            var p = Pattern(stream: StreamId(rawValue: 3), partitions: 2, key: InstrumentPartition(), steps: [isTrade, isQuote], within: Nanoseconds(1_000))
            var b = CEPOutputBuffer(capacity: 8)
            p.onEvent(trade(0, price: 1, quantity: 1, at: 5_000), time: Timestamp(nanosecondsSinceEpoch: 5_000), into: &b)
            p.onEvent(quote(0, bid: 1, ask: 2, at: 5_000 + gap), time: Timestamp(nanosecondsSinceEpoch: 5_000 + gap), into: &b)
            #expect(b.count == expected, "gap \(gap)")
            if expected == 1 {
                #expect(b[0].kind == .sequenceMatch && b[0].integer == 5_000 && b[0].time.nanosecondsSinceEpoch == 5_000 + gap)
            }
        }
    }

    @Test("sequences are partitioned, use the latest A and consume on match")
    func sequencePartitions() {
        var p = Pattern(stream: StreamId(rawValue: 3), partitions: 2, key: InstrumentPartition(), steps: [isTrade, isQuote], within: Nanoseconds(100))
        var b = CEPOutputBuffer(capacity: 8)
        let events = [trade(0, price: 1, quantity: 1, at: 0), quote(1, bid: 1, ask: 2, at: 10),   // B in another partition: no match
                      trade(0, price: 1, quantity: 1, at: 150),                                       // a later A replaces the stale one
                      quote(0, bid: 1, ask: 2, at: 200),                                              // match (150 → 200)
                      quote(0, bid: 1, ask: 2, at: 210)]                                              // consumed: no second match
        feed(&p, events, times: [0, 10, 150, 200, 210], into: &b)
        #expect(b.count == 1 && b[0].partition == 0 && b[0].integer == 150 && close(b[0].value0, 50e-9))
    }

    @Test("three-step sequences need every step in order within T")
    func threeSteps() {
        let big = MarketCondition(kind: .trade).and(.quantity, .greaterOrEqual, 500)
        var p = Pattern(stream: StreamId(rawValue: 3), partitions: 1, key: InstrumentPartition(), steps: [isQuote, isTrade, big], within: Nanoseconds(1_000))
        var b = CEPOutputBuffer(capacity: 8)
        // quote, small trade, big trade: the big trade is step 1 of nothing and step 2 of the chain.
        feed(&p, [quote(0, bid: 1, ask: 2, at: 0), trade(0, price: 1, quantity: 10, at: 100), trade(0, price: 1, quantity: 900, at: 1_000)],
             times: [0, 100, 1_000], into: &b)
        #expect(b.count == 1 && b[0].integer == 0)
        // Steps out of order do not match: big trade before the quote.
        feed(&p, [trade(0, price: 1, quantity: 900, at: 2_000), quote(0, bid: 1, ask: 2, at: 2_100), trade(0, price: 1, quantity: 900, at: 3_200)],
             times: [2_000, 2_100, 3_200], into: &b)
        #expect(b.count == 1)   // quote at 2100 → trade at 3200: step 1 is 1100 after the start: expired
    }

    @Test("a random A→B stream matches a brute-force reference")
    func sequenceReference() {
        var rng = SplitMix64(seed: 5)
        let within: Int64 = 300
        var t: Int64 = 0
        var events: [MarketEvent] = []
        for _ in 0..<5_000 {
            t += Int64.random(in: 0...200, using: &rng)
            let p = Int.random(in: 0..<3, using: &rng)
            events.append(Bool.random(using: &rng) ? trade(p, price: 1, quantity: 1, at: t) : quote(p, bid: 1, ask: 2, at: t))
        }
        var op = Pattern(stream: StreamId(rawValue: 3), partitions: 3, key: InstrumentPartition(), steps: [isTrade, isQuote], within: Nanoseconds(within))
        var b = CEPOutputBuffer(capacity: 8_192)
        feed(&op, events, times: events.map(\.exchangeTime.nanosecondsSinceEpoch), into: &b)
        // Reference: per partition, remember the latest unconsumed trade; a quote within T of it matches and consumes it.
        var latest = [Int64?](repeating: nil, count: 3)
        var expected: [(Int, Int64, Int64)] = []
        for e in events {
            let p = e.instrument.index, now = e.exchangeTime.nanosecondsSinceEpoch
            if e.kind == .quote, let a = latest[p], now - a <= within { expected.append((p, a, now)); latest[p] = nil }
            else if e.kind == .trade { latest[p] = now }
        }
        let got = drain(&b).map { (Int($0.partition), $0.integer, $0.time.nanosecondsSinceEpoch) }
        #expect(got.count == expected.count)
        #expect(zip(got, expected).allSatisfy { $0 == $1 })
    }

    @Test("A repeated N times within T, inclusive, without overlapping matches")
    func repetition() {
        var r = RepetitionPattern(stream: StreamId(rawValue: 4), partitions: 2, key: InstrumentPartition(), filter: isTrade, count: 3, within: Nanoseconds(100))
        var b = CEPOutputBuffer(capacity: 8)
        let times: [Int64] = [0, 50, 101,   // 101 − 0 > 100: no match
                              150,          // 50, 101, 150: 100 apart exactly: match
                              160, 170]     // cleared after the match: only two since
        feed(&r, times.map { trade(0, price: 1, quantity: 1, at: $0) }, times: times, into: &b)
        feed(&r, [quote(1, bid: 1, ask: 2, at: 180)], times: [180], into: &b)
        #expect(b.count == 1 && b[0].kind == .repetitionMatch && b[0].integer == 50 && b[0].time.nanosecondsSinceEpoch == 150 && b[0].value0 == 3)
        feed(&r, [trade(0, price: 1, quantity: 1, at: 190)], times: [190], into: &b)
        #expect(b.count == 2 && b[1].integer == 160)
    }

    @Test("A not followed by B within T fires by watermark; B at exactly T cancels; events advance time too")
    func absence() {
        var a = AbsencePattern(stream: StreamId(rawValue: 5), partitions: 3, key: InstrumentPartition(), trigger: isTrade, cancel: isQuote, within: Nanoseconds(1_000))
        var b = CEPOutputBuffer(capacity: 8)
        feed(&a, [trade(0, price: 1, quantity: 1, at: 0), trade(1, price: 1, quantity: 1, at: 10), trade(2, price: 1, quantity: 1, at: 20)],
             times: [0, 10, 20], into: &b)
        a.onWatermark(Timestamp(nanosecondsSinceEpoch: 999), into: &b)
        #expect(b.count == 0)
        a.onWatermark(Timestamp(nanosecondsSinceEpoch: 1_000), into: &b)                   // no B ≤ 1000 can come for partition 0
        #expect(b.count == 1 && b[0].kind == .absence && b[0].partition == 0 && b[0].time.nanosecondsSinceEpoch == 1_000 && b[0].integer == 0)
        feed(&a, [quote(1, bid: 1, ask: 2, at: 1_010)], times: [1_010], into: &b)           // exactly T: cancels partition 1
        #expect(b.count == 1)
        feed(&a, [quote(2, bid: 1, ask: 2, at: 1_021)], times: [1_021], into: &b)           // T + 1: too late, fires first
        #expect(b.count == 2 && b[1].partition == 2 && b[1].time.nanosecondsSinceEpoch == 1_020)
        #expect(a.fired == 2 && a.cancelled == 1)
        a.onWatermark(maxTimestamp, into: &b)
        #expect(b.count == 2)
    }

    @Test("an event that is both B and A re-arms: stale-quote detection")
    func staleQuotes() {
        var a = AbsencePattern(stream: StreamId(rawValue: 5), partitions: 1, key: InstrumentPartition(), trigger: isQuote, cancel: isQuote, within: Nanoseconds(100))
        var b = CEPOutputBuffer(capacity: 8)
        let times: [Int64] = [0, 90, 180, 400]
        feed(&a, times.map { quote(0, bid: 1, ask: 2, at: $0) }, times: times, into: &b)
        // 180 + 100 = 280 < 400: the quote at 180 went stale at 280.
        #expect(b.count == 1 && b[0].integer == 180 && b[0].time.nanosecondsSinceEpoch == 280)
        a.onWatermark(Timestamp(nanosecondsSinceEpoch: 500), into: &b)
        #expect(b.count == 2 && b[1].integer == 400)
    }

    @Test("the timer queue pops in (time, partition) order")
    func timerQueue() {
        var q = TimerQueue(partitions: 64)
        var rng = SplitMix64(seed: 8)
        var reference: [Int: Int64] = [:]
        for _ in 0..<2_000 {
            let p = Int.random(in: 0..<64, using: &rng)
            if Int.random(in: 0..<4, using: &rng) == 0 { q.cancel(p); reference[p] = nil }
            else { let t = Int64.random(in: 0..<500, using: &rng); q.schedule(p, at: t); reference[p] = t }
        }
        var popped: [(Int64, Int)] = []
        while let p = q.popDue(through: .max) { popped.append((q.fireTime(p), p)) }
        let expected = reference.map { ($0.value, $0.key) }.sorted { $0 < $1 }
        #expect(popped.count == expected.count)
        #expect(zip(popped, expected).allSatisfy { $0 == $1 })
    }
}
