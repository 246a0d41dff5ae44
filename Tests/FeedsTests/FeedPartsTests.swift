import Testing
import PeregrineCore
@testable import PeregrineFeeds
import PeregrineMarketData

@Suite("Feed session parts: pacer, back-off, reset window, tick state, farm table, byte queue")
struct FeedPartsTests {
    static let t0 = Timestamp(year: 2026, month: 1, day: 2, hour: 14, minute: 30)!

    @Test("token bucket 50/s depth 1: one token per 20 ms, never 51 in a second")
    func tokenBucket() {
        var bucket = TokenBucket(ratePerSecond: 50, depth: 1, now: Self.t0)
        let takes = [Self.t0, Self.t0, Self.t0 + .milliseconds(19), Self.t0 + .milliseconds(20)].map { bucket.tryTake(now: $0) }
        #expect(takes == [true, false, false, true])
        let next = bucket.nextTokenTime(now: Self.t0 + .milliseconds(21))
        #expect(next == Self.t0 + .milliseconds(40))
        // Greedy sender, 100 µs steps for 3 s: count sends in every 1 s window.
        var b = TokenBucket(ratePerSecond: 50, depth: 1, now: Self.t0)
        var sends: [Int64] = []
        var t = Self.t0
        while t < Self.t0 + .seconds(3) {
            if b.tryTake(now: t) { sends.append(t.nanosecondsSinceEpoch) }
            t = t + .microseconds(100)
        }
        #expect(sends.count == 150)
        let tightest = (0..<(sends.count - 50)).map { sends[$0 + 50] - sends[$0] }.min() ?? 0
        #expect(tightest >= 1_000_000_000)
    }

    @Test("token bucket: depth allows a burst; drain holds it empty until the pause ends; a clock step back adds nothing")
    func tokenBucketBurstAndDrain() {
        var b = TokenBucket(ratePerSecond: 10, depth: 5, now: Self.t0)
        let full = b.available(now: Self.t0)
        let burst = (0..<6).map { _ in b.tryTake(now: Self.t0) }
        #expect(full == 5 && burst == [true, true, true, true, true, false])
        b.drain(until: Self.t0 + .seconds(1))
        let levels = [Self.t0 + .milliseconds(999), Self.t0 + .milliseconds(1_100), Self.t0, Self.t0 + .seconds(100)].map { b.available(now: $0) }
        #expect(levels == [0, 1, 1, 5])  // paused, refilling, clock stepped back (unchanged), capped at depth
    }

    @Test("reconnect back-off doubles to the cap and resets after success")
    func backoff() {
        var b = ReconnectBackoff(initial: .milliseconds(500), maximum: .seconds(3))
        let waits = (0..<5).map { _ in b.fail().count / 1_000_000 }
        #expect(waits == [500, 1_000, 2_000, 3_000, 3_000])
        #expect(b.failures == 5)
        b.succeed()
        let afterSuccess = b.fail()
        #expect(afterSuccess == .milliseconds(500))
    }

    @Test("reset window 23:45-00:45 New York, across midnight and daylight time")
    func resetWindow() {
        let w = FeedResetWindow.interactiveBrokersNorthAmerica
        // January (EST, UTC−5): 23:50 NY = 04:50 UTC next day; 00:30 NY = 05:30 UTC; 01:00 NY = 06:00 UTC.
        #expect(w.contains(Timestamp(year: 2026, month: 1, day: 3, hour: 4, minute: 50)!))
        #expect(w.contains(Timestamp(year: 2026, month: 1, day: 3, hour: 5, minute: 30)!))
        #expect(!w.contains(Timestamp(year: 2026, month: 1, day: 3, hour: 6, minute: 0)!))
        #expect(!w.contains(Timestamp(year: 2026, month: 1, day: 3, hour: 4, minute: 40)!))
        // July (EDT, UTC−4): 23:50 NY = 03:50 UTC.
        #expect(w.contains(Timestamp(year: 2026, month: 7, day: 3, hour: 3, minute: 50)!))
        #expect(!w.contains(Timestamp(year: 2026, month: 7, day: 3, hour: 4, minute: 50)!))
        #expect(!FeedResetWindow.none.contains(Self.t0))
    }

    /// A tickPrice or tickSize decoded from its wire fields (the codec's values have no public init).
    static func tick(_ fields: [String]) -> TWSIncoming {
        var payload: [UInt8] = []
        for f in fields { payload += Array(f.utf8); payload.append(0) }
        let n = payload.count
        let frame = [UInt8(n >> 24 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + payload
        return frame.withUnsafeBytes { bytes in
            guard case .message(let m, _) = TWSDecoder().decode(bytes) else { fatalError("test frame did not decode") }
            return m
        }
    }

    static func apply(_ s: inout TWSTickerState, _ fields: [String]) -> MarketEvent? {
        let v = VenueId(rawValue: 2)
        switch tick(fields) {
        case .tickPrice(let p): return s.apply(p, venue: v, now: t0)
        case .tickSize(let z): return s.apply(z, venue: v, now: t0)
        default: return nil
        }
    }

    @Test("tick state: bid/ask ticks build a two-sided quote; LAST makes a trade; its LAST_SIZE echo does not")
    func tickState() {
        var s = TWSTickerState()
        s.tickerId = 1001
        s.instrument = InstrumentId(rawValue: 9)
        let bid = Self.apply(&s, ["1", "6", "1001", "1", "10.5", "3", "0"])
        #expect(bid?.kind == .quote && bid?.bidPrice == Price("10.5") && bid?.askPrice == .zero)
        let ask = Self.apply(&s, ["1", "6", "1001", "67", "10.6", "4", "0"])  // delayed ask
        #expect(ask?.askPrice == Price("10.6") && ask?.bidQuantity == Quantity(units: 3) && ask?.venue == VenueId(rawValue: 2))
        let sameSize = Self.apply(&s, ["2", "6", "1001", "3", "4"])
        #expect(sameSize == nil)
        let newSize = Self.apply(&s, ["2", "6", "1001", "3", "7"])
        #expect(newSize?.askQuantity == Quantity(units: 7))
        let trade = Self.apply(&s, ["1", "6", "1001", "4", "10.55", "2", "0"])
        #expect(trade?.kind == .trade && trade?.price == Price("10.55") && trade?.instrument == InstrumentId(rawValue: 9))
        let echo = Self.apply(&s, ["2", "6", "1001", "5", "2"])
        #expect(echo == nil)
        let samePricePrint = Self.apply(&s, ["2", "6", "1001", "5", "2"])
        #expect(samePricePrint?.kind == .trade && samePricePrint?.quantity == Quantity(units: 2))
        let high = Self.apply(&s, ["1", "6", "1001", "6", "11", "0", "0"])
        #expect(high == nil)
        let emptyBid = Self.apply(&s, ["1", "6", "1001", "1", "", "0", "0"])
        #expect(emptyBid == nil)
    }

    @Test("farm table: the name after the last colon; broken or connecting market-data farms impair data")
    func farmTable() {
        var table = TWSFarmTable()
        func text(_ s: String, _ body: (TWSText) -> Int) -> Int {
            Array(s.utf8).withUnsafeBytes { body(TWSText($0)) }
        }
        let a = text("Market data farm connection is broken:usfarm.nj") { table.update(message: $0, kind: .marketData, status: .broken) }
        #expect(table.farm(a)?.name == "usfarm.nj" && table.marketDataImpaired)
        let b = text("Market data farm connection is OK:usfarm.nj") { table.update(message: $0, kind: .marketData, status: .ok) }
        #expect(a == b && table.count == 1 && !table.marketDataImpaired)
        _ = text("HMDS data farm connection is broken:ushmds") { table.update(message: $0, kind: .historical, status: .broken) }
        #expect(!table.marketDataImpaired && table.count == 2)
        _ = text("Market data farm is connecting:eufarm") { table.update(message: $0, kind: .marketData, status: .connecting) }
        #expect(table.marketDataImpaired)
        let inactive = TWSFarmTable.classify(2108)
        #expect(inactive?.0 == .marketData && inactive?.1 == .inactive)
        #expect(TWSFarmTable.classify(1100) == nil)
    }

    @Test("byte queue: append, consume, compaction keeps the live bytes contiguous")
    func byteQueue() {
        let q = FeedByteQueue(capacity: 64)
        let first = (0..<40).map { UInt8($0) }
        let a = first.withUnsafeBytes { q.append($0) }
        q.consume(30)
        let second = (40..<90).map { UInt8($0) }
        let b = second.withUnsafeBytes { q.append($0) }  // compacts: 10 live + 50
        #expect(a == 40 && b == 50)
        #expect(Array(q.readable) == (30..<90).map { UInt8($0) })
        let c = second.withUnsafeBytes { q.append($0) }
        #expect(c == 4)   // only 4 free
        q.consume(q.count)
        #expect(q.isEmpty && q.freeCapacity == 64)
    }

    @Test("a health change is a small trivially copyable value")
    func healthChangeLayout() {
        #expect(MemoryLayout<FeedHealthChange>.stride == 32)
        #expect(_isPOD(FeedHealthChange.self))
    }
}
