import Testing
import PeregrineCore
import PeregrineMarketData

/// Builds events for the filter tests at a fixed fake time (no clock, no sleeps).
enum FilterFixture {
    static let a = InstrumentId(rawValue: 0)
    static let b = InstrumentId(rawValue: 1)
    static let outside = InstrumentId(rawValue: 2)   // within capacity, not in the universe
    static let venue = VenueId(rawValue: 0)
    static let t0 = Timestamp(nanosecondsSinceEpoch: 1_381_150_000_000_000_000)

    static func price(_ text: String) -> Price { Price(text)! }
    static func quantity(_ units: Int64) -> Quantity { Quantity(rawValue: units * FixedPointScale.scale) }

    static func trade(on instrument: InstrumentId = a, _ p: String, size: Int64 = 100, sequence: UInt64 = 0,
                      venue: VenueId = venue, age: Nanoseconds = .zero, flags: MarketEventFlags = []) -> MarketEvent {
        .trade(instrument, venue: venue, price: price(p), quantity: quantity(size), exchangeTime: t0,
               receiveTime: t0 + age, sequence: sequence, flags: flags)
    }

    static func quote(on instrument: InstrumentId = a, _ bid: String, _ ask: String, bidSize: Int64 = 100, askSize: Int64 = 100,
                      sequence: UInt64 = 0, flags: MarketEventFlags = []) -> MarketEvent {
        .quote(instrument, venue: venue, bidPrice: price(bid), bidQuantity: quantity(bidSize), askPrice: price(ask),
               askQuantity: quantity(askSize), exchangeTime: t0, receiveTime: t0, sequence: sequence, flags: flags)
    }

    /// Capacity 4, instruments 0 and 1 in the universe, 2 venues.
    static func config(_ edit: (inout InstrumentFilterRules) -> Void = { _ in }, window: Int = 4, minimum: Int = 3,
                       reseed: Int = 0, perKind: Bool = false) -> MarketDataFilterConfig {
        var rules = InstrumentFilterRules()
        edit(&rules)
        var config = MarketDataFilterConfig(instrumentCapacity: 4, venueCapacity: 2, defaults: rules, spikeWindow: window,
                                            spikeMinimumSamples: minimum, spikeReseedAfter: reseed, sequencePerKind: perKind)
        config.setInUniverse(a)
        config.setInUniverse(b)
        return config
    }

    static func verdict(_ filter: inout MarketDataFilter, _ event: MarketEvent) -> FilterVerdict {
        var e = event
        return filter.process(&e)
    }
}

/// Collects dropped events, as a journal writer would.
struct RecordingDropSink: MarketDataDropSink {
    var dropped: [(MarketEvent, MarketDataDropReason)] = []
    mutating func onDrop(_ event: MarketEvent, reason: MarketDataDropReason) { dropped.append((event, reason)) }
}

@Suite("Market-data filter: each reason at its boundary")
struct MarketDataFilterTests {
    typealias F = FilterFixture

    @Test("the universe bitset passes members and drops others, including ids past the capacity")
    func universe() {
        var filter = MarketDataFilter(config: F.config())
        #expect(F.verdict(&filter, F.trade(on: F.a, "10")) == .pass)
        #expect(F.verdict(&filter, F.trade(on: F.b, "10")) == .pass)
        #expect(F.verdict(&filter, F.trade(on: F.outside, "10")) == .drop(.notInUniverse))
        #expect(F.verdict(&filter, F.trade(on: InstrumentId(rawValue: 99), "10")) == .drop(.notInUniverse))
        #expect(F.verdict(&filter, F.trade(on: .none, "10")) == .drop(.notInUniverse))
        #expect(filter.counters.dropped(.notInUniverse) == 3)
        #expect(filter.counters.dropped(F.outside, reason: .notInUniverse) == 1)
        #expect(filter.counters.passed == 2)
    }

    @Test("sizes and prices: the smallest positive value passes, zero and negative drop")
    func sizesAndPrices() {
        var filter = MarketDataFilter(config: F.config())
        #expect(F.verdict(&filter, F.trade("0.00000001", size: 1)) == .pass)
        #expect(F.verdict(&filter, F.trade("0", size: 1)) == .drop(.badSizeOrPrice))
        #expect(F.verdict(&filter, F.trade("-1", size: 1)) == .drop(.badSizeOrPrice))
        #expect(F.verdict(&filter, F.trade("10", size: 0)) == .drop(.badSizeOrPrice))
        #expect(F.verdict(&filter, F.trade("10", size: -5)) == .drop(.badSizeOrPrice))
        #expect(F.verdict(&filter, F.quote("9.99", "10.01", bidSize: 1, askSize: 1)) == .pass)
        #expect(F.verdict(&filter, F.quote("0", "10.01")) == .drop(.badSizeOrPrice))
        #expect(F.verdict(&filter, F.quote("9.99", "10.01", askSize: 0)) == .drop(.badSizeOrPrice))
        let deleteLevel = MarketEvent.depth(F.a, venue: F.venue, side: .buy, price: F.price("9.99"), quantity: .zero,
                                            level: 0, exchangeTime: F.t0, receiveTime: F.t0)
        #expect(F.verdict(&filter, deleteLevel) == .pass)   // size 0 deletes a level
        var negative = deleteLevel
        negative.word1 = -1
        #expect(F.verdict(&filter, negative) == .drop(.badSizeOrPrice))
        let positionDelete = MarketEvent.depthAtPosition(F.a, venue: F.venue, side: .ask, position: 0, operation: .delete,
                                                         price: .zero, quantity: .zero, exchangeTime: F.t0, receiveTime: F.t0)
        #expect(F.verdict(&filter, positionDelete) == .pass)
        let bar = MarketEvent.bar(F.a, venue: F.venue, open: F.price("1"), high: F.price("2"), low: F.price("0"),
                                  close: F.price("1"), volume: .zero, exchangeTime: F.t0, receiveTime: F.t0)
        #expect(F.verdict(&filter, bar) == .drop(.badSizeOrPrice))
        #expect(filter.counters.dropped(.badSizeOrPrice) == 8)
    }

    @Test("vendor-suspicious prints drop where the rules say so, pass where they do not")
    func suspicious() {
        var config = F.config()
        config[F.b].dropSuspicious = false
        var filter = MarketDataFilter(config: config)
        #expect(F.verdict(&filter, F.trade(on: F.a, "10", flags: .suspicious)) == .drop(.vendorSuspicious))
        #expect(F.verdict(&filter, F.trade(on: F.a, "10", flags: .replayed)) == .pass)
        #expect(F.verdict(&filter, F.trade(on: F.b, "10", flags: .suspicious)) == .pass)
        #expect(filter.counters.dropped(F.a) == 1 && filter.counters.dropped(F.b) == 0)
    }

    @Test("stale: an age equal to the limit passes, one nanosecond more drops; limit 0 is off")
    func stale() {
        var config = F.config { $0.staleLimit = .milliseconds(1) }
        config[F.b].staleLimit = .zero
        var filter = MarketDataFilter(config: config)
        #expect(F.verdict(&filter, F.trade("10", age: .milliseconds(1))) == .pass)
        #expect(F.verdict(&filter, F.trade("10", age: .milliseconds(1) + Nanoseconds(1))) == .drop(.stale))
        #expect(F.verdict(&filter, F.trade(on: F.b, "10", age: .seconds(60))) == .pass)
    }

    @Test("crossed quotes always drop; locked ones only where the rules refuse them")
    func crossedAndLocked() {
        var config = F.config()
        config[F.b].allowLocked = false
        var filter = MarketDataFilter(config: config)
        #expect(F.verdict(&filter, F.quote("10.00", "10.01")) == .pass)
        #expect(F.verdict(&filter, F.quote("10.00", "10.00")) == .pass)
        #expect(F.verdict(&filter, F.quote("10.01", "10.00")) == .drop(.crossedOrLocked))
        #expect(F.verdict(&filter, F.quote(on: F.b, "10.00", "10.00")) == .drop(.crossedOrLocked))
        #expect(F.verdict(&filter, F.quote(on: F.b, "10.00", "10.00000001")) == .pass)
        #expect(filter.counters.dropped(.crossedOrLocked) == 2)
    }

    @Test("sequence: repeats and older numbers drop, a jump passes flagged afterGap, snapshots re-base")
    func sequence() {
        var filter = MarketDataFilter(config: F.config())
        for s: UInt64 in 1...3 { #expect(F.verdict(&filter, F.trade("10", sequence: s)) == .pass) }
        #expect(F.verdict(&filter, F.trade("10", sequence: 3)) == .drop(.outOfSequence))
        #expect(F.verdict(&filter, F.trade("10", sequence: 2)) == .drop(.outOfSequence))
        var jumped = F.trade("10", sequence: 5)
        #expect(filter.process(&jumped) == .passAfterGap)
        #expect(MarketEventFlags(rawValue: jumped.flags).contains(.afterGap))
        #expect(F.verdict(&filter, F.trade("10", sequence: 6)) == .pass)
        // Another venue and another instrument keep their own series.
        #expect(F.verdict(&filter, F.trade("10", sequence: 1, venue: VenueId(rawValue: 1))) == .pass)
        #expect(F.verdict(&filter, F.trade(on: F.b, "10", sequence: 1)) == .pass)
        // Unsequenced (0) and venues past the capacity are not checked.
        #expect(F.verdict(&filter, F.trade("10", sequence: 0)) == .pass)
        #expect(F.verdict(&filter, F.trade("10", sequence: 1, venue: VenueId(rawValue: 7))) == .pass)
        // A snapshot re-bases the series (the feed restarted numbering).
        #expect(F.verdict(&filter, F.trade("10", sequence: 1, flags: .snapshot)) == .pass)
        #expect(F.verdict(&filter, F.trade("10", sequence: 2)) == .pass)
        // A dropped event still consumes its number: no false gap after it.
        #expect(F.verdict(&filter, F.trade("10", size: 0, sequence: 3)) == .drop(.badSizeOrPrice))
        #expect(F.verdict(&filter, F.trade("10", sequence: 4)) == .pass)
        #expect(filter.counters.dropped(.outOfSequence) == 2)
        #expect(filter.counters.gaps == 1)
    }

    @Test("sequence per kind: trades and quotes of one venue number separately")
    func sequencePerKind() {
        var shared = MarketDataFilter(config: F.config())
        var perKind = MarketDataFilter(config: F.config(perKind: true))
        let events = [F.trade("10", sequence: 1), F.quote("9.99", "10.01", sequence: 1), F.trade("10", sequence: 2)]
        #expect(events.map { F.verdict(&shared, $0) } == [.pass, .drop(.outOfSequence), .pass])
        #expect(events.map { F.verdict(&perKind, $0) } == [.pass, .pass, .pass])
    }

    @Test("spike band: exactly the band passes, one tick beyond drops; no check before the minimum")
    func spikeBand() {
        var filter = MarketDataFilter(config: F.config { $0.spikeBandBasisPoints = 100 })   // 1 %
        // Below the minimum of 3 samples nothing is checked.
        #expect(F.verdict(&filter, F.trade(on: F.b, "100")) == .pass)
        #expect(F.verdict(&filter, F.trade(on: F.b, "150")) == .pass)
        #expect(filter.spikeReference(F.b) == nil)
        for _ in 0..<3 { #expect(F.verdict(&filter, F.trade("100")) == .pass) }
        #expect(filter.spikeReference(F.a) == F.price("100"))
        #expect(F.verdict(&filter, F.trade("101")) == .pass)                 // exactly 1 %
        // Window 100, 100, 100, 101 → upper median 100.
        #expect(filter.spikeReference(F.a) == F.price("100"))
        #expect(F.verdict(&filter, F.trade("101.00000001")) == .drop(.priceSpike))
        #expect(F.verdict(&filter, F.trade("98.99999999")) == .drop(.priceSpike))
        #expect(F.verdict(&filter, F.trade("99")) == .pass)
        // The oldest 100 was evicted: 99, 100, 100, 101 → upper median 100.
        #expect(filter.spikeReference(F.a) == F.price("100"))
        #expect(F.verdict(&filter, F.trade("101")) == .pass)
        #expect(F.verdict(&filter, F.trade("101")) == .pass)
        // Two more 100s evicted: 101, 99, 101, 101 → upper median 101: the reference follows the window.
        #expect(filter.spikeReference(F.a) == F.price("101"))
        // Quote mids are checked against the trade reference (101; band ±1.01).
        #expect(F.verdict(&filter, F.quote("101.5", "102.52")) == .pass)              // mid 102.01
        #expect(F.verdict(&filter, F.quote("101.5", "102.54")) == .drop(.priceSpike)) // mid 102.02
        #expect(filter.counters.dropped(.priceSpike) == 3)
        #expect(filter.counters.dropped(F.a, reason: .priceSpike) == 3)
    }

    @Test("a run of spikes re-seeds the reference after the configured count")
    func spikeReseed() {
        var filter = MarketDataFilter(config: F.config({ $0.spikeBandBasisPoints = 100 }, reseed: 2))
        for _ in 0..<3 { _ = F.verdict(&filter, F.trade("100")) }
        #expect(F.verdict(&filter, F.trade("120")) == .drop(.priceSpike))
        #expect(F.verdict(&filter, F.trade("120")) == .drop(.priceSpike))
        #expect(F.verdict(&filter, F.trade("120")) == .pass)
        #expect(filter.counters.spikeReseeds == 1)
        #expect(filter.spikeReference(F.a) == nil)                 // one sample, below the minimum
        // An accepted trade in between resets the run.
        var other = MarketDataFilter(config: F.config({ $0.spikeBandBasisPoints = 100 }, reseed: 2))
        for _ in 0..<3 { _ = F.verdict(&other, F.trade("100")) }
        #expect(F.verdict(&other, F.trade("120")) == .drop(.priceSpike))
        #expect(F.verdict(&other, F.trade("100")) == .pass)
        #expect(F.verdict(&other, F.trade("120")) == .drop(.priceSpike))
        #expect(F.verdict(&other, F.trade("120")) == .drop(.priceSpike))
    }

    @Test("checks run in the documented order; every drop reaches the sink with its reason")
    func orderAndSink() {
        var filter = MarketDataFilter(config: F.config { $0.staleLimit = .milliseconds(1) })
        var sink = RecordingDropSink()
        var events = [
            F.trade("0", size: 0, age: .seconds(1), flags: .suspicious),   // bad size beats suspicious and stale
            F.trade("10", age: .seconds(1), flags: .suspicious),           // suspicious beats stale
            F.trade("10", age: .seconds(1)),
            F.trade(on: F.outside, "0"),                                        // universe first
            F.trade("10"),
        ]
        var verdicts: [FilterVerdict] = []
        for k in events.indices { verdicts.append(filter.process(&events[k], dropsTo: &sink)) }
        #expect(verdicts == [.drop(.badSizeOrPrice), .drop(.vendorSuspicious), .drop(.stale), .drop(.notInUniverse), .pass])
        #expect(sink.dropped.map(\.1) == [.badSizeOrPrice, .vendorSuspicious, .stale, .notInUniverse])
        #expect(sink.dropped[3].0.instrument == F.outside)
        #expect(filter.counters.totalDropped == 4)
        #expect(filter.counters.summary == "not-in-universe=1 vendor-suspicious=1 stale=1 bad-size-or-price=1")
        #expect(verdicts.map(\.passes) == [false, false, false, false, true])
    }
}
