import PeregrineCore

/// The best levels and state of one book, copied out as a plain value.
@frozen
public struct BookTop: Sendable, BitwiseCopyable, Equatable {
    /// Best bid and ask; quantity zero when the side is empty.
    public var bid: BookLevel
    public var ask: BookLevel
    public var bidLevels: Int
    public var askLevels: Int
    /// The book saw a gap and is waiting for a snapshot; its levels are not to be trusted.
    public var needsSnapshot: Bool
    /// Changes whenever the book changes.
    public var version: UInt64

    @inlinable
    public init(bid: BookLevel, ask: BookLevel, bidLevels: Int, askLevels: Int, needsSnapshot: Bool, version: UInt64) {
        self.bid = bid; self.ask = ask; self.bidLevels = bidLevels; self.askLevels = askLevels
        self.needsSnapshot = needsSnapshot; self.version = version
    }

    @inlinable public var isTwoSided: Bool { bidLevels > 0 && askLevels > 0 }
    @inlinable public var mid: Price? { isTwoSided ? BookMath.mid(bid: bid.price, ask: ask.price) : nil }
    @inlinable public var spread: Price? { isTwoSided ? ask.price - bid.price : nil }
    @inlinable public var microprice: Price? {
        isTwoSided ? BookMath.microprice(bid: bid.price, bidQuantity: bid.quantity, ask: ask.price, askQuantity: ask.quantity) : nil
    }
    @inlinable public var crossing: BookCrossing { isTwoSided ? BookCrossing.of(bid: bid.price.rawValue, ask: ask.price.rawValue) : .normal }
}

/// A caller-owned copy of up to `capacity` levels per side, refilled without allocating.
public struct BookDepthSnapshot: Sendable {
    public private(set) var bids: [BookLevel]
    public private(set) var asks: [BookLevel]
    public private(set) var bidCount = 0
    public private(set) var askCount = 0
    public private(set) var needsSnapshot = false
    public private(set) var version: UInt64 = 0

    /// Room for `capacity` levels per side. Set-up only (allocates).
    public init(capacity: Int) {
        bids = [BookLevel](repeating: BookLevel(price: .zero, quantity: .zero), count: capacity)
        asks = bids
    }

    public var capacity: Int { bids.count }
}

/// Reading the books: on the applying thread, between events; no allocation; O(1) unless a
/// level count is given.
extension PriceLevelBooks {
    /// Levels held on `side`.
    @inlinable public func levelCount(_ instrument: InstrumentId, _ side: BookSide) -> Int {
        counts[instrument.index * 2 + side.rawValue]
    }

    /// The level at `index` (0 = best) on `side`, or `nil` past the last.
    @inlinable public func level(_ instrument: InstrumentId, _ side: BookSide, _ index: Int) -> BookLevel? {
        guard index >= 0 && index < levelCount(instrument, side) else { return nil }
        return levels[base(instrument.index, side) + index]
    }

    @inlinable public func bestBid(_ instrument: InstrumentId) -> BookLevel? { level(instrument, .bid, 0) }
    @inlinable public func bestAsk(_ instrument: InstrumentId) -> BookLevel? { level(instrument, .ask, 0) }

    /// Whether the book saw a gap and waits for a snapshot (the feed resubscribes on this).
    @inlinable public func needsSnapshot(_ instrument: InstrumentId) -> Bool { stale[instrument.index] }

    /// Changes whenever the instrument's book changes.
    @inlinable public func version(_ instrument: InstrumentId) -> UInt64 { versions[instrument.index] }

    /// Best levels, counts, staleness and version in one value.
    @inlinable public func top(_ instrument: InstrumentId) -> BookTop {
        let empty = BookLevel(price: .zero, quantity: .zero)
        return BookTop(bid: bestBid(instrument) ?? empty, ask: bestAsk(instrument) ?? empty,
                       bidLevels: levelCount(instrument, .bid), askLevels: levelCount(instrument, .ask),
                       needsSnapshot: needsSnapshot(instrument), version: version(instrument))
    }

    @inlinable public func mid(_ instrument: InstrumentId) -> Price? { top(instrument).mid }
    @inlinable public func spread(_ instrument: InstrumentId) -> Price? { top(instrument).spread }
    @inlinable public func microprice(_ instrument: InstrumentId) -> Price? { top(instrument).microprice }
    @inlinable public func crossing(_ instrument: InstrumentId) -> BookCrossing { top(instrument).crossing }

    /// Total quantity in the best `levels` levels of `side` (fewer if the side holds fewer).
    @inlinable public func quantity(_ instrument: InstrumentId, _ side: BookSide, withinLevels levels: Int) -> Quantity {
        let at = base(instrument.index, side)
        var total: Int64 = 0
        for k in 0..<min(max(levels, 0), levelCount(instrument, side)) { total += self.levels[at + k].quantity.rawValue }
        return Quantity(rawValue: total)
    }

    /// Order-book imbalance over the best `levels` levels, (bid − ask) / (bid + ask) in −1…1;
    /// `nil` when both sides are empty.
    @inlinable public func imbalance(_ instrument: InstrumentId, withinLevels levels: Int) -> Double? {
        BookMath.imbalance(bidQuantity: quantity(instrument, .bid, withinLevels: levels),
                           askQuantity: quantity(instrument, .ask, withinLevels: levels))
    }

    /// Copies up to `snapshot.capacity` levels per side into `snapshot` (no allocation).
    public func copyDepth(_ instrument: InstrumentId, into snapshot: inout BookDepthSnapshot) {
        snapshot.fill(from: self, instrument)
    }
}

extension BookDepthSnapshot {
    mutating func fill(from books: PriceLevelBooks, _ instrument: InstrumentId) {
        bidCount = min(books.levelCount(instrument, .bid), capacity)
        askCount = min(books.levelCount(instrument, .ask), capacity)
        for k in 0..<bidCount { bids[k] = books.level(instrument, .bid, k)! }
        for k in 0..<askCount { asks[k] = books.level(instrument, .ask, k)! }
        needsSnapshot = books.needsSnapshot(instrument)
        version = books.version(instrument)
    }
}
