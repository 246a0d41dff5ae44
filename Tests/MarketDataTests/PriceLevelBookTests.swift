import Testing
@testable import PeregrineMarketData
import PeregrineCore

/// SplitMix64 (Steele, Lea, Flood 2014): a deterministic generator for the random operation sequences.
struct BookTestRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The obviously-correct model: a Dictionary per side for by-price books (keeping the best
/// `maxLevels`), an Array per side for by-position books.
struct ReferenceBook {
    let maxLevels: Int
    var bids: [Int64: Int64] = [:]
    var asks: [Int64: Int64] = [:]

    mutating func set(_ side: BookSide, price: Int64, quantity: Int64) {
        if side == .bid { Self.set(&bids, price, quantity, maxLevels, worst: { $0.keys.min()! }) }
        else { Self.set(&asks, price, quantity, maxLevels, worst: { $0.keys.max()! }) }
    }

    static func set(_ levels: inout [Int64: Int64], _ price: Int64, _ quantity: Int64, _ max: Int,
                    worst: ([Int64: Int64]) -> Int64) {
        if quantity == 0 { levels[price] = nil; return }
        levels[price] = quantity
        if levels.count > max { levels[worst(levels)] = nil }
    }

    func sorted(_ side: BookSide) -> [BookLevel] {
        let levels = side == .bid ? bids.sorted { $0.key > $1.key } : asks.sorted { $0.key < $1.key }
        return levels.map { BookLevel(price: Price(rawValue: $0.key), quantity: Quantity(rawValue: $0.value)) }
    }
}

func levels(_ books: PriceLevelBooks, _ instrument: InstrumentId, _ side: BookSide) -> [BookLevel] {
    (0..<books.levelCount(instrument, side)).map { books.level(instrument, side, $0)! }
}

@Suite("Price-level books")
struct PriceLevelBookTests {
    static let id = InstrumentId(rawValue: 2)
    static let venue = VenueId(rawValue: 0)
    static let t0 = Timestamp(nanosecondsSinceEpoch: 1_381_150_000_000_000_000)
    static func p(_ ticks: Int64) -> Price { Price(rawValue: ticks * 1_000_000) }   // 1 tick = 0.01
    static func q(_ units: Int64) -> Quantity { Quantity(rawValue: units * FixedPointScale.scale) }

    static func depth(_ side: BookSide, _ ticks: Int64, _ units: Int64, sequence: UInt64 = 0,
                      flags: MarketEventFlags = [], instrument: InstrumentId = id) -> MarketEvent {
        .depth(instrument, venue: venue, side: side == .bid ? .buy : .sell, price: p(ticks), quantity: q(units), level: 0,
               exchangeTime: t0, receiveTime: t0, sequence: sequence, flags: flags)
    }

    static func atPosition(_ side: BookSide, _ position: Int, _ op: BookDepthOperation, _ ticks: Int64, _ units: Int64,
                           sequence: UInt64 = 0, flags: MarketEventFlags = []) -> MarketEvent {
        .depthAtPosition(id, venue: venue, side: side, position: position, operation: op, price: p(ticks), quantity: q(units),
                         exchangeTime: t0, receiveTime: t0, sequence: sequence, flags: flags)
    }

    @Test("random by-price updates agree with a Dictionary model, level by level, after every step")
    func randomByPrice() {
        for (seed, maxLevels) in [(UInt64(1), 8), (2, 64), (3, 3)] {
            var rng = BookTestRandom(state: seed)
            var books = PriceLevelBooks(instrumentCapacity: 4, maxLevels: maxLevels)
            var model = ReferenceBook(maxLevels: maxLevels)
            var agreed = true
            for step in 0..<10_000 {
                let side: BookSide = Bool.random(using: &rng) ? .bid : .ask
                // Bids 9_900…9_999, asks 10_000…10_099 ticks; a third of the updates delete.
                let ticks = (side == .bid ? 9_900 : 10_000) + Int64.random(in: 0..<100, using: &rng)
                let units = Int.random(in: 0..<3, using: &rng) == 0 ? 0 : Int64.random(in: 1...500, using: &rng)
                books.apply(Self.depth(side, ticks, units, sequence: UInt64(step + 1)))
                model.set(side, price: Self.p(ticks).rawValue, quantity: Self.q(units).rawValue)
                let bids = model.sorted(.bid), asks = model.sorted(.ask)
                if levels(books, Self.id, .bid) != bids || levels(books, Self.id, .ask) != asks
                    || books.bestBid(Self.id) != bids.first || books.bestAsk(Self.id) != asks.first {
                    agreed = false
                    break
                }
            }
            #expect(agreed, "seed \(seed), maxLevels \(maxLevels)")
            #expect(!books.needsSnapshot(Self.id))
            #expect(books.levelCount(InstrumentId(rawValue: 0), .bid) == 0)   // other instruments untouched
        }
    }

    @Test("random by-position (TWS) inserts, updates and deletes agree with an Array model")
    func randomByPosition() {
        let maxLevels = 10
        var rng = BookTestRandom(state: 42)
        var books = PriceLevelBooks(instrumentCapacity: 4, maxLevels: maxLevels, checksSequence: false)
        var model: [BookSide: [BookLevel]] = [.bid: [], .ask: []]
        var bad = 0, agreed = true
        for _ in 0..<20_000 {
            let side: BookSide = Bool.random(using: &rng) ? .bid : .ask
            let count = model[side]!.count
            let op = BookDepthOperation.allCases.dropFirst().randomElement(using: &rng)!
            // Mostly valid rows, sometimes one past the end (invalid for update/delete).
            let position = Int.random(in: 0...(count + 1), using: &rng)
            let level = BookLevel(price: Self.p(Int64.random(in: 1...20_000, using: &rng)), quantity: Self.q(Int64.random(in: 1...900, using: &rng)))
            let result = books.apply(Self.atPosition(side, position, op, level.price.rawValue / 1_000_000, level.quantity.rawValue / FixedPointScale.scale))
            var valid = true
            switch op {
            case .insert where position <= count && position < maxLevels:
                model[side]!.insert(level, at: position)
                if model[side]!.count > maxLevels { model[side]!.removeLast() }
            case .update where position < count: model[side]![position] = level
            case .delete where position < count: model[side]!.remove(at: position)
            default: valid = false
            }
            if !valid {
                bad += 1
                guard result == .badPosition, books.needsSnapshot(Self.id) else { agreed = false; break }
                // Recover: clearBook, as the feed does after resubscribing.
                #expect(books.apply(MarketEvent.clearBookForTest(Self.id)) == .cleared)
                model = [.bid: [], .ask: []]
                continue
            }
            guard result == .applied, levels(books, Self.id, .bid) == model[.bid]!, levels(books, Self.id, .ask) == model[.ask]! else {
                agreed = false
                break
            }
        }
        #expect(agreed)
        #expect(bad > 100 && books.counters.badPositions == bad)
    }

    @Test("a sequence gap marks the book stale; updates are ignored until a snapshot or clearBook")
    func gapAndSnapshot() {
        var books = PriceLevelBooks(instrumentCapacity: 4, maxLevels: 8)
        #expect(books.apply(Self.depth(.bid, 100, 5, sequence: 1)) == .applied)
        #expect(books.apply(Self.depth(.ask, 101, 5, sequence: 2)) == .applied)
        #expect(books.apply(Self.depth(.ask, 101, 7, sequence: 2)) == .duplicate)
        #expect(books.apply(Self.depth(.ask, 102, 5, sequence: 4)) == .gap)
        #expect(books.needsSnapshot(Self.id) && books.top(Self.id).needsSnapshot)
        #expect(books.apply(Self.depth(.ask, 103, 5, sequence: 5)) == .ignoredNeedsSnapshot)
        #expect(books.levelCount(Self.id, .ask) == 1)
        // The snapshot's first event clears the old levels; the rest build the book again.
        #expect(books.apply(Self.depth(.bid, 99, 3, sequence: 10, flags: .snapshot)) == .applied)
        #expect(!books.needsSnapshot(Self.id))
        #expect(books.apply(Self.depth(.ask, 104, 4, sequence: 11, flags: .snapshot)) == .applied)
        #expect(books.apply(Self.depth(.ask, 105, 4, sequence: 12)) == .applied)
        #expect(levels(books, Self.id, .bid) == [BookLevel(price: Self.p(99), quantity: Self.q(3))])
        #expect(levels(books, Self.id, .ask).map(\.price) == [Self.p(104), Self.p(105)])
        // The filter's .afterGap flag has the same effect; clearBook recovers too.
        #expect(books.apply(Self.depth(.ask, 106, 1, sequence: 14, flags: .afterGap)) == .gap)
        #expect(books.apply(MarketEvent.clearBookForTest(Self.id)) == .cleared)
        #expect(!books.needsSnapshot(Self.id) && books.levelCount(Self.id, .ask) == 0)
        #expect(books.apply(Self.depth(.ask, 106, 1, sequence: 20)) == .applied)   // sequence restarts after clear
        #expect(books.counters.gaps == 2 && books.counters.ignoredWhileStale == 1 && books.counters.duplicates == 1)
        // Marked by the session (reconnect): same path.
        books.markNeedsSnapshot(Self.id)
        #expect(books.apply(Self.depth(.ask, 107, 1, sequence: 21)) == .ignoredNeedsSnapshot)
    }

    @Test("snapshot figures: best levels, mid, spread, size within N levels, microprice, imbalance, crossing")
    func figures() {
        var books = PriceLevelBooks(instrumentCapacity: 4, maxLevels: 8, checksSequence: false)
        #expect(books.mid(Self.id) == nil && books.imbalance(Self.id, withinLevels: 5) == nil)
        for (t, u) in [(100, 10), (99, 20), (98, 30)] { books.apply(Self.depth(.bid, Int64(t), Int64(u))) }
        for (t, u) in [(102, 30), (103, 40)] { books.apply(Self.depth(.ask, Int64(t), Int64(u))) }
        #expect(books.bestBid(Self.id) == BookLevel(price: Self.p(100), quantity: Self.q(10)))
        #expect(books.bestAsk(Self.id) == BookLevel(price: Self.p(102), quantity: Self.q(30)))
        #expect(books.mid(Self.id) == Self.p(101))
        #expect(books.spread(Self.id) == Self.p(2))
        #expect(books.level(Self.id, .bid, 2) == BookLevel(price: Self.p(98), quantity: Self.q(30)))
        #expect(books.level(Self.id, .bid, 3) == nil)
        #expect(books.quantity(Self.id, .bid, withinLevels: 2) == Self.q(30))
        #expect(books.quantity(Self.id, .bid, withinLevels: 10) == Self.q(60))
        // Microprice (1.00 × 30 + 1.02 × 10) / 40 = 1.005; imbalance over 2 levels (30 − 70) / 100.
        #expect(books.microprice(Self.id) == Price("1.005"))
        #expect(books.imbalance(Self.id, withinLevels: 2) == -0.4)
        #expect(books.crossing(Self.id) == .normal)
        books.apply(Self.depth(.bid, 102, 1))
        #expect(books.crossing(Self.id) == .locked)
        books.apply(Self.depth(.bid, 103, 1))
        #expect(books.crossing(Self.id) == .crossed && books.counters.crossedUpdates == 1)
        var snapshot = BookDepthSnapshot(capacity: 3)
        books.copyDepth(Self.id, into: &snapshot)
        #expect(snapshot.bidCount == 3 && snapshot.askCount == 2)
        #expect(snapshot.bids.prefix(3).map(\.price) == [Self.p(103), Self.p(102), Self.p(100)])
        #expect(snapshot.version == books.version(Self.id))
    }

    @Test("full sides: a worse level is not kept, a better one pushes the worst off")
    func capacity() {
        var books = PriceLevelBooks(instrumentCapacity: 1, maxLevels: 2, checksSequence: false)
        let one = InstrumentId(rawValue: 0)
        books.apply(Self.depth(.ask, 10, 1, instrument: one))
        books.apply(Self.depth(.ask, 11, 1, instrument: one))
        #expect(books.apply(Self.depth(.ask, 12, 1, instrument: one)) == .beyondCapacity)
        #expect(books.apply(Self.depth(.ask, 9, 1, instrument: one)) == .applied)
        #expect(levels(books, one, .ask).map(\.price) == [Self.p(9), Self.p(10)])
        #expect(books.apply(Self.depth(.ask, 50, 0, instrument: one)) == .missingLevel)
        #expect(books.counters.beyondCapacity == 1 && books.counters.truncatedLevels == 1 && books.counters.missingLevels == 1)
        #expect(books.apply(Self.depth(.ask, 9, 1, instrument: InstrumentId(rawValue: 5))) == .notForBook)
    }

    @Test("TWS updateMktDepth becomes a by-position event that keeps the operation")
    func twsConversion() {
        let update = TWSDepthUpdate(requestId: 1, position: 0, marketMaker: .empty, operation: 0, side: 1,
                                    price: Price("189.52"), size: Quantity(units: 300), isSmartDepth: false)
        let event = update.bookEvent(Self.id, venue: Self.venue, receiveTime: Self.t0)
        #expect(event.kind == .depth && event.depthOperation == .insert && event.level == 0)
        #expect(BookSide(event) == .bid && event.price == Price("189.52"))
        var books = PriceLevelBooks(instrumentCapacity: 4)
        #expect(books.apply(event) == .applied)
        var delete = update
        delete.operation = 2
        delete.price = nil
        #expect(books.apply(delete.bookEvent(Self.id, venue: Self.venue, receiveTime: Self.t0)) == .applied)
        #expect(books.levelCount(Self.id, .bid) == 0)
        // By-price events carry operation 0 (the Core factory leaves word4 zero).
        #expect(Self.depth(.bid, 1, 1).depthOperation == .byPrice)
    }

    @Test("no allocation, structurally: storage never moves, snapshots and levels are bitwise-copyable values")
    func structural() {
        func bitwise<T: BitwiseCopyable>(_: T.Type) {}
        bitwise(BookLevel.self); bitwise(BookTop.self); bitwise(TopOfBook.self); bitwise(FilterVerdict.self)
        var books = PriceLevelBooks(instrumentCapacity: 2, maxLevels: 16)
        let before = books.levels.withUnsafeBufferPointer { $0.baseAddress }
        var rng = BookTestRandom(state: 7)
        for k in 0..<5_000 {
            books.apply(Self.depth(Bool.random(using: &rng) ? .bid : .ask, Int64.random(in: 1...40, using: &rng),
                                   Int64.random(in: 0...3, using: &rng), sequence: UInt64(k + 1), instrument: InstrumentId(rawValue: 1)))
        }
        #expect(books.levels.withUnsafeBufferPointer { $0.baseAddress } == before)
        #expect(books.levels.count == 2 * 2 * 16)
        #expect(MemoryLayout<BookLevel>.size == 16 && MemoryLayout<MarketEvent>.size == 64)
    }
}

extension MarketEvent {
    /// A clearBook event (the Core has no factory for it yet).
    static func clearBookForTest(_ instrument: InstrumentId) -> MarketEvent {
        var e = MarketEvent()
        e.kind = .clearBook
        e.instrument = instrument
        return e
    }
}

@Suite("Top of book")
struct TopOfBookTests {
    @Test("quotes set both sides, trades the last print, clearBook resets; figures from the quote")
    func apply() {
        let id = InstrumentId(rawValue: 1), venue = VenueId(rawValue: 0), t = Timestamp(nanosecondsSinceEpoch: 5)
        var table = TopOfBookTable(instrumentCapacity: 2)
        #expect(table[id].mid == nil)
        table.apply(.quote(id, venue: venue, bidPrice: Price("10.00")!, bidQuantity: Quantity(units: 300)!,
                           askPrice: Price("10.04")!, askQuantity: Quantity(units: 100)!, exchangeTime: t, receiveTime: t))
        table.apply(.trade(id, venue: venue, price: Price("10.03")!, quantity: Quantity(units: 50)!, exchangeTime: t, receiveTime: t))
        let top = table[id]
        #expect(top.mid == Price("10.02") && top.spread == Price("0.04"))
        #expect(top.microprice == Price("10.03"))            // (10.00 × 100 + 10.04 × 300) / 400
        #expect(top.imbalance == 0.5)
        #expect(top.lastTradePrice == Price("10.03") && top.updates == 2 && top.crossing == .normal)
        let barChanged = table.apply(.bar(id, venue: venue, open: .zero, high: .zero, low: .zero, close: .zero, volume: .zero,
                                          exchangeTime: t, receiveTime: t))
        let unknownChanged = table.apply(.trade(InstrumentId(rawValue: 9), venue: venue, price: .zero, quantity: .zero,
                                                exchangeTime: t, receiveTime: t))
        #expect(!barChanged && !unknownChanged)
        table.apply(MarketEvent.clearBookForTest(id))
        #expect(table[id] == TopOfBook())
    }
}
