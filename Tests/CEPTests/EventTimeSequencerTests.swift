import Testing
import PeregrineCEP
import PeregrineCore

@Suite("CEP event time and watermarks")
struct EventTimeSequencerTests {
    @Test("bounded disorder comes out in time order with no late events")
    func reorders() {
        // Arrival order sorts on time + u, u in 0...bound: disorder never exceeds the bound.
        var rng = SplitMix64(seed: 3)
        let bound: Int64 = 5_000
        var t: Int64 = 1_000_000
        var events: [(arrival: Int64, event: MarketEvent)] = []
        for i in 0..<5_000 {
            t += Int64.random(in: 0...1_000, using: &rng)
            events.append((t + Int64.random(in: 0...bound, using: &rng), trade(i % 3, price: Double(i), quantity: 1, at: t)))
        }
        let arrivals = events.sorted { $0.arrival < $1.arrival }.map(\.event)
        var sequencer = EventTimeSequencer<MarketEvent>(capacity: 1_024, maxOutOfOrderness: Nanoseconds(bound))
        var released: [MarketEvent] = []
        for e in arrivals {
            #expect(sequencer.offer(e) == .accepted)
            while let r = sequencer.poll() {
                #expect(r.exchangeTime <= sequencer.watermark)
                released.append(r)
            }
        }
        sequencer.advanceWatermark(to: maxTimestamp)
        while let r = sequencer.poll() { released.append(r) }
        #expect(released.count == arrivals.count)
        #expect(zip(released, released.dropFirst()).allSatisfy { $0.exchangeTime <= $1.exchangeTime })
        #expect(sequencer.lateEvents == 0 && sequencer.forcedReleases == 0)
        // Ties keep arrival order (deterministic replay).
        let expected = arrivals.enumerated().sorted { ($0.element.exchangeTime, $0.offset) < ($1.element.exchangeTime, $1.offset) }.map(\.element)
        #expect(released == expected)
    }

    @Test("the watermark is max time − bound − 1; an event at the watermark is late")
    func watermarkAndLate() {
        var s = EventTimeSequencer<MarketEvent>(capacity: 8, maxOutOfOrderness: Nanoseconds(100), latePolicy: .route, lateCapacity: 2)
        #expect(s.offer(trade(0, price: 1, quantity: 1, at: 1_000)) == .accepted)
        #expect(s.watermark.nanosecondsSinceEpoch == 899)
        #expect(s.poll() == nil)                                             // 1000 > 899: held
        #expect(s.offer(trade(0, price: 2, quantity: 1, at: 900)) == .accepted)  // exactly the bound: on time
        #expect(s.offer(trade(0, price: 3, quantity: 1, at: 899)) == .late)      // at the watermark: late
        #expect(s.offer(trade(0, price: 4, quantity: 1, at: 10)) == .late)
        #expect(s.offer(trade(0, price: 5, quantity: 1, at: 11)) == .late)       // late ring full: counted lost
        #expect(s.lateEvents == 3 && s.lateOverflows == 1)
        #expect(s.pollLate()?.price.doubleValue == 3)
        #expect(s.pollLate()?.price.doubleValue == 4)
        #expect(s.pollLate() == nil)
        #expect(s.offer(trade(0, price: 6, quantity: 1, at: 1_101)) == .accepted)
        #expect(s.watermark.nanosecondsSinceEpoch == 1_000)
        #expect(s.poll()?.price.doubleValue == 2)
        #expect(s.poll()?.price.doubleValue == 1)
        #expect(s.poll() == nil)
    }

    @Test("a full buffer releases its earliest event and raises the watermark")
    func forcedRelease() {
        var s = EventTimeSequencer<MarketEvent>(capacity: 2, maxOutOfOrderness: .seconds(10))
        s.offer(trade(0, price: 1, quantity: 1, at: 20))
        #expect(s.poll() == nil)
        s.offer(trade(0, price: 2, quantity: 1, at: 10))
        #expect(s.poll()?.exchangeTime.nanosecondsSinceEpoch == 10)
        #expect(s.forcedReleases == 1 && s.watermark.nanosecondsSinceEpoch == 9)
        #expect(s.poll() == nil)
        #expect(s.offer(trade(0, price: 3, quantity: 1, at: 9)) == .late)
    }

    @Test("windows fed through the sequencer from shuffled input equal windows over sorted input")
    func endToEnd() {
        let sorted = randomTrades(count: 2_000, partitions: 3, maxGap: 50_000_000, seed: 11)
        var rng = SplitMix64(seed: 12)
        let bound: Int64 = 200_000_000
        let shuffled = sorted.map { ($0.exchangeTime.nanosecondsSinceEpoch + Int64.random(in: 0...bound, using: &rng), $0) }
            .sorted { $0.0 < $1.0 }.map(\.1)
        var sequencer = EventTimeSequencer<MarketEvent>(capacity: 4_096, maxOutOfOrderness: Nanoseconds(bound))
        var window = TradeWindow(stream: StreamId(rawValue: 1), spec: .tumblingTime(size: .seconds(1)), aggregates: [.count, .vwap, .max],
                                 partitions: 3, capacity: 1_024, key: InstrumentPartition(), filter: MarketCondition(kind: .trade),
                                 value: .price, weight: .quantity)
        var buffer = CEPOutputBuffer(capacity: 4_096)
        for e in shuffled {
            sequencer.offer(e)
            while let r = sequencer.poll() { window.onEvent(r, time: r.exchangeTime, into: &buffer) }
            window.onWatermark(sequencer.watermark, into: &buffer)
        }
        sequencer.advanceWatermark(to: maxTimestamp)
        while let r = sequencer.poll() { window.onEvent(r, time: r.exchangeTime, into: &buffer) }
        window.onWatermark(maxTimestamp, into: &buffer)
        let got = drain(&buffer)
        let (reference, _) = runWindow(.tumblingTime(size: .seconds(1)), [.count, .vwap, .max], sorted, partitions: 3)
        #expect(got.count == reference.count)
        #expect(zip(got, reference).filter { $0 != $1 }.count == 0)
        #expect(sequencer.lateEvents == 0 && window.gate.counters.outOfOrderEvents == 0)
    }
}
