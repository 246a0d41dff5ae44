#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import PeregrineCEP
import PeregrineCore

@Suite("CEP EMA, filter/project and stream-table join")
struct OperatorTests {
    static let events = randomTrades(count: 2_000, partitions: 3, maxGap: 20_000_000, seed: 21)

    @Test("EMA by span equals the recursive definition (pandas adjust=False)")
    func emaSpan() {
        var op = MovingAverageOperator(stream: StreamId(rawValue: 6), smoothing: .span(10), partitions: 3,
                                       key: InstrumentPartition(), filter: MarketCondition(kind: .trade), value: MarketField.price)
        var b = CEPOutputBuffer(capacity: 4_096)
        for e in Self.events { op.onEvent(e, time: e.exchangeTime, into: &b) }
        var expected = [Double?](repeating: nil, count: 3)
        let alpha = 2.0 / 11.0
        for (i, e) in Self.events.enumerated() {
            let p = e.instrument.index, x = e.price.doubleValue
            expected[p] = expected[p].map { $0 * (1 - alpha) + x * alpha } ?? x
            #expect(close(b[i].value0, expected[p]!) && close(b[i].value1, x - expected[p]!, 1e-7))
        }
    }

    @Test("EMA by time constant decays by exp(−Δt/τ)")
    func emaTime() {
        let tau = Nanoseconds.milliseconds(50)
        var op = MovingAverageOperator(stream: StreamId(rawValue: 6), smoothing: .timeConstant(tau), partitions: 3,
                                       key: InstrumentPartition(), filter: MarketCondition(kind: .trade), value: MarketField.price)
        var b = CEPOutputBuffer(capacity: 4_096)
        for e in Self.events { op.onEvent(e, time: e.exchangeTime, into: &b) }
        var expected = [Double?](repeating: nil, count: 3)
        var last = [Int64](repeating: 0, count: 3)
        for (i, e) in Self.events.enumerated() {
            let p = e.instrument.index, x = e.price.doubleValue, t = e.exchangeTime.nanosecondsSinceEpoch
            if let m = expected[p] {
                let w = exp(-Double(t - last[p]) / Double(tau.count))   // weight kept by the old average
                expected[p] = w * m + (1 - w) * x
            } else { expected[p] = x }
            last[p] = t
            #expect(close(b[i].value0, expected[p]!, 1e-12))
        }
        #expect(close(op.average(Self.events.last!.instrument.index), expected[Self.events.last!.instrument.index]!, 1e-12))
    }

    @Test("filter and project emit one row per passing event")
    func filterProject() {
        var op = FilterProjectOperator(stream: StreamId(rawValue: 7), partitions: 3, key: InstrumentPartition(),
                                       filter: MarketCondition(kind: .trade).and(.quantity, .greater, 500),
                                       projections: [MarketField.price, .quantity, .notional])
        var b = CEPOutputBuffer(capacity: 4_096)
        for e in Self.events { op.onEvent(e, time: e.exchangeTime, into: &b) }
        let expected = Self.events.filter { $0.quantity.doubleValue > 500 }
        #expect(b.count == expected.count)
        for (i, e) in expected.enumerated() {
            #expect(b[i].value0 == e.price.doubleValue && b[i].value1 == e.quantity.doubleValue && b[i].valueCount == 3
                    && b[i].partition == UInt32(e.instrument.index) && b[i].time == e.exchangeTime)
        }
        #expect(op.gate.counters.filtered == Self.events.count - expected.count)
    }

    @Test("trades join the latest quote of their instrument, within a maximum age")
    func join() {
        var rng = SplitMix64(seed: 31)
        var t: Int64 = 0
        var events: [MarketEvent] = []
        for _ in 0..<3_000 {
            t += Int64.random(in: 0...1_000, using: &rng)
            let p = Int.random(in: 0..<4, using: &rng)
            let px = 100 + Double(Int.random(in: 0...100, using: &rng)) / 100
            events.append(Bool.random(using: &rng) ? trade(p, price: px, quantity: 10, at: t) : quote(p, bid: px - 0.01, ask: px + 0.01, at: t))
        }
        let maxAge: Int64 = 3_000
        var op = StreamTableJoin(stream: StreamId(rawValue: 8), partitions: 4, key: InstrumentPartition(),
                                 streamFilter: MarketCondition(kind: .trade), tableFilter: MarketCondition(kind: .quote),
                                 streamValues: [MarketField.price, .quantity], tableValues: [MarketField.bidPrice, .askPrice, .mid],
                                 maxAge: Nanoseconds(maxAge))
        var b = CEPOutputBuffer(capacity: 4_096)
        for e in events { op.onEvent(e, time: e.exchangeTime, into: &b) }
        // Reference: scan back for the latest quote of the same instrument.
        var expected: [(Double, Double, Double, Int64)] = []
        var unmatched = 0
        for (i, e) in events.enumerated() where e.kind == .trade {
            if let q = events[..<i].last(where: { $0.kind == .quote && $0.instrument == e.instrument }),
               e.exchangeTime.nanosecondsSinceEpoch - q.exchangeTime.nanosecondsSinceEpoch <= maxAge {
                expected.append((e.price.doubleValue, q.bidPrice.doubleValue, q.askPrice.doubleValue,
                                 e.exchangeTime.nanosecondsSinceEpoch - q.exchangeTime.nanosecondsSinceEpoch))
            } else { unmatched += 1 }
        }
        #expect(b.count == expected.count && op.unmatched == unmatched && unmatched > 0)
        for (i, x) in expected.enumerated() {
            #expect(b[i].value0 == x.0 && b[i].value2 == x.1 && b[i].value3 == x.2 && b[i].integer == x.3 && b[i].kind == .join
                    && close(b[i].value4, (x.1 + x.2) / 2))
        }
    }

    @Test("derived streams feed further operators: a z-score of 1-second VWAPs")
    func chaining() {
        var vwap = TradeWindow(stream: StreamId(rawValue: 1), spec: .tumblingTime(size: .seconds(1)), aggregates: [.vwap],
                               partitions: 3, capacity: 1_024, key: InstrumentPartition(), filter: MarketCondition(kind: .trade),
                               value: .price, weight: .quantity)
        var z = WindowOperator(stream: StreamId(rawValue: 2), spec: .count(size: 5, slide: 1), aggregates: [.zScore, .last],
                               partitions: 3, capacity: 5, key: OutputPartition(), filter: AlwaysTrue<CEPOutput>(), value: OutputValue(0))
        var first = CEPOutputBuffer(capacity: 1_024), second = CEPOutputBuffer(capacity: 1_024)
        for e in Self.events { vwap.onEvent(e, time: e.exchangeTime, into: &first) }
        vwap.onWatermark(maxTimestamp, into: &first)
        for i in 0..<first.count { z.onEvent(first[i], time: first[i].time, into: &second) }
        // Reference: per partition, z of the last five VWAPs.
        var series = [[Double]](repeating: [], count: 3)
        var expected: [Double] = []
        for i in 0..<first.count {
            let p = Int(first[i].partition)
            series[p].append(first[i].value0)
            if series[p].count >= 5 { expected.append(referenceAggregate(.zScore, series[p].suffix(5).map { ($0, 1) })) }
        }
        #expect(second.count == expected.count && expected.count > 10)
        for i in 0..<second.count { #expect(close(second[i].value0, expected[i], 1e-9)) }
    }
}
