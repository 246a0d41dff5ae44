/// What applying one event did to a price-level book.
@frozen
public enum BookUpdateResult: UInt8, Sendable, BitwiseCopyable {
    /// A level was inserted, changed or removed.
    case applied
    /// `.clearBook` emptied the book (and cleared `needsSnapshot`).
    case cleared
    /// The book needs a snapshot; incremental updates are ignored until one arrives.
    case ignoredNeedsSnapshot
    /// The event revealed a gap (`.afterGap`, or a sequence jump): the book now needs a snapshot.
    case gap
    /// Sequence at or below the last applied: a duplicate, ignored.
    case duplicate
    /// A by-price delete of a price the book does not hold (counted; harmless).
    case missingLevel
    /// A new level worse than every level of a full side: not kept.
    case beyondCapacity
    /// A by-position operation outside the rows held (or an unknown operation): the book can no
    /// longer be trusted and now needs a snapshot.
    case badPosition
    /// Not a depth or clearBook event, or an id outside the capacity: ignored.
    case notForBook
}

/// Counts of what the books did, for the monitor.
public struct PriceLevelBookCounters: Sendable, Equatable {
    public internal(set) var applied = 0
    public internal(set) var gaps = 0
    public internal(set) var ignoredWhileStale = 0
    public internal(set) var duplicates = 0
    public internal(set) var missingLevels = 0
    public internal(set) var beyondCapacity = 0
    /// Levels pushed off the end of a full side by a better insert.
    public internal(set) var truncatedLevels = 0
    public internal(set) var badPositions = 0
    /// Updates after which the book was crossed (best bid > best ask).
    public internal(set) var crossedUpdates = 0
}
