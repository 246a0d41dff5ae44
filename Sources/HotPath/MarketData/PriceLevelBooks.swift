import PeregrineCore

/// Preallocated price-level (L2) books for every instrument: up to `maxLevels` per side, kept
/// sorted best first, updated by price or by row position from `.depth` events.
///
/// Storage is flat arrays (instruments × 2 sides × maxLevels) allocated at start-up; `apply`
/// does not allocate, lock or block, and costs O(levels touched) element moves (by-price lookup
/// is a linear scan from the best level, where most updates land). One owner thread applies
/// events; reads on that thread between events see a consistent book (see
/// `PriceLevelBooks+Reading.swift`). Gap handling: see the design note in `MarketDataFilter.swift`.
public struct PriceLevelBooks: Sendable {
    public let instrumentCapacity: Int
    public let maxLevels: Int
    /// Whether the books check each instrument's depth sequence numbers themselves (besides the
    /// `.afterGap` flag): a jump marks the book stale, a repeat is ignored. Sequence 0 is never checked.
    public let checksSequence: Bool
    /// Levels, best first, per (instrument, side): `levels[base(i, side) ..< base + count]`.
    @usableFromInline var levels: [BookLevel]
    /// Levels held per (instrument, side).
    @usableFromInline var counts: [Int]
    @usableFromInline var stale: [Bool]
    @usableFromInline var lastSequence: [UInt64]
    @usableFromInline var versions: [UInt64]
    public internal(set) var counters = PriceLevelBookCounters()

    /// Books for ids `0..<instrumentCapacity`, `maxLevels` per side. Set-up only (allocates).
    public init(instrumentCapacity: Int, maxLevels: Int = 64, checksSequence: Bool = true) {
        precondition(instrumentCapacity > 0 && maxLevels > 0, "capacities must be positive")
        self.instrumentCapacity = instrumentCapacity
        self.maxLevels = maxLevels
        self.checksSequence = checksSequence
        levels = [BookLevel](repeating: BookLevel(price: .zero, quantity: .zero), count: instrumentCapacity * 2 * maxLevels)
        counts = [Int](repeating: 0, count: instrumentCapacity * 2)
        stale = [Bool](repeating: false, count: instrumentCapacity)
        lastSequence = [UInt64](repeating: 0, count: instrumentCapacity)
        versions = [UInt64](repeating: 0, count: instrumentCapacity)
    }

    /// Applies a `.depth` or `.clearBook` event (see `BookUpdateResult`).
    ///
    /// While the book needs a snapshot, only `.clearBook` or a `.snapshot`-flagged depth event is
    /// taken (the first snapshot event empties the book first); a `.snapshot` event arriving while
    /// the book is healthy is applied like any other. Owner thread; no allocation.
    @discardableResult
    public mutating func apply(_ event: MarketEvent) -> BookUpdateResult {
        let i = Int(event.instrument.rawValue)
        guard i < instrumentCapacity else { return .notForBook }
        if event.kind == .clearBook {
            clear(event.instrument)
            return .cleared
        }
        guard event.kind == .depth else { return .notForBook }
        let flags = MarketEventFlags(rawValue: event.flags)
        let isSnapshot = flags.contains(.snapshot)
        if stale[i] {
            guard isSnapshot else {
                counters.ignoredWhileStale += 1
                return .ignoredNeedsSnapshot
            }
            clearLevels(i)
            stale[i] = false
        }
        if flags.contains(.afterGap) && !isSnapshot {
            markStale(i)
            return .gap
        }
        let sequence = event.sequence
        if checksSequence && sequence != 0 {
            let last = lastSequence[i]
            if !isSnapshot && last != 0 {
                if sequence <= last {
                    counters.duplicates += 1
                    return .duplicate
                }
                if sequence != last &+ 1 {
                    lastSequence[i] = sequence
                    markStale(i)
                    return .gap
                }
            }
            lastSequence[i] = sequence
        }
        let side = BookSide(event)
        let result: BookUpdateResult
        switch event.depthOperation {
        case .byPrice?:
            result = setLevel(i, side, price: event.price.rawValue, quantity: event.quantity.rawValue)
        case let operation?:
            result = applyAtPosition(i, side, event.level, operation, price: event.price.rawValue,
                                     quantity: event.quantity.rawValue)
        case nil:
            markStale(i)
            counters.badPositions += 1
            return .badPosition
        }
        if result == .applied {
            versions[i] &+= 1
            counters.applied += 1
            if counts[i * 2] > 0 && counts[i * 2 + 1] > 0 && levels[base(i, .bid)].price > levels[base(i, .ask)].price {
                counters.crossedUpdates += 1
            }
        }
        return result
    }

    /// Empties both sides and clears `needsSnapshot` and the sequence (a snapshot follows).
    public mutating func clear(_ instrument: InstrumentId) {
        let i = instrument.index
        clearLevels(i)
        stale[i] = false
        lastSequence[i] = 0
        versions[i] &+= 1
    }

    /// Marks the book stale (e.g. the session reconnected): updates are ignored until a snapshot.
    public mutating func markNeedsSnapshot(_ instrument: InstrumentId) { markStale(instrument.index) }

    mutating func markStale(_ i: Int) {
        if !stale[i] { counters.gaps += 1 }
        stale[i] = true
        versions[i] &+= 1
    }

    mutating func clearLevels(_ i: Int) {
        counts[i * 2] = 0
        counts[i * 2 + 1] = 0
    }

    @inlinable func base(_ i: Int, _ side: BookSide) -> Int { (i * 2 + side.rawValue) * maxLevels }

    /// By price: update, insert (sorted) or, for quantity 0, delete.
    mutating func setLevel(_ i: Int, _ side: BookSide, price: Int64, quantity: Int64) -> BookUpdateResult {
        let base = base(i, side)
        let n = counts[i * 2 + side.rawValue]
        var at = 0
        if side == .bid {
            while at < n && levels[base + at].price.rawValue > price { at += 1 }
        } else {
            while at < n && levels[base + at].price.rawValue < price { at += 1 }
        }
        let found = at < n && levels[base + at].price.rawValue == price
        if quantity == 0 {
            guard found else {
                counters.missingLevels += 1
                return .missingLevel
            }
            remove(i, side, at: at)
            return .applied
        }
        if found {
            levels[base + at].quantity = Quantity(rawValue: quantity)
            return .applied
        }
        return insert(i, side, at: at, price: price, quantity: quantity)
    }

    /// By row: TWS updateMktDepth semantics.
    mutating func applyAtPosition(_ i: Int, _ side: BookSide, _ position: Int, _ operation: BookDepthOperation,
                                  price: Int64, quantity: Int64) -> BookUpdateResult {
        let base = base(i, side)
        let n = counts[i * 2 + side.rawValue]
        switch operation {
        case .insert where position >= 0 && position <= n && position < maxLevels:
            return insert(i, side, at: position, price: price, quantity: quantity)
        case .update where position >= 0 && position < n:
            levels[base + position] = BookLevel(price: Price(rawValue: price), quantity: Quantity(rawValue: quantity))
            return .applied
        case .delete where position >= 0 && position < n:
            remove(i, side, at: position)
            return .applied
        default:
            markStale(i)
            counters.badPositions += 1
            return .badPosition
        }
    }

    mutating func insert(_ i: Int, _ side: BookSide, at: Int, price: Int64, quantity: Int64) -> BookUpdateResult {
        let base = base(i, side)
        var n = counts[i * 2 + side.rawValue]
        if at >= maxLevels {
            counters.beyondCapacity += 1
            return .beyondCapacity
        }
        if n == maxLevels {
            n -= 1   // the worst level falls off
            counters.truncatedLevels += 1
        }
        // One uniqueness check for the whole shift (a MutableSpan), not one per element.
        var span = levels.mutableSpan
        var j = base + n
        while j > base + at { span[j] = span[j - 1]; j -= 1 }
        span[base + at] = BookLevel(price: Price(rawValue: price), quantity: Quantity(rawValue: quantity))
        counts[i * 2 + side.rawValue] = n + 1
        return .applied
    }

    mutating func remove(_ i: Int, _ side: BookSide, at: Int) {
        let base = base(i, side)
        let n = counts[i * 2 + side.rawValue]
        var span = levels.mutableSpan
        var j = base + at
        while j < base + n - 1 { span[j] = span[j + 1]; j += 1 }
        counts[i * 2 + side.rawValue] = n - 1
    }
}
