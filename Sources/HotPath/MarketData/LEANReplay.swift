import PeregrineCore

/// Yields the events of several `LEANReader`s (e.g. a day's trade and quote files) in time order.
///
/// A k-way merge over the readers' next events: the earliest `exchangeTime` goes first; equal
/// times go in reader order (pass the quote reader first to see the quote before a trade at the
/// same millisecond). Each file is already time-ordered (LEAN writes rows in time order). `next()`
/// runs on the replay thread, does not allocate, lock or block; cost O(readers) per event.
public struct LEANReplay: Sendable {
    public private(set) var readers: [LEANReader]
    var pending: [MarketEvent]
    var hasPending: [Bool]
    /// Events yielded so far.
    public private(set) var eventsYielded = 0

    public init(_ readers: [LEANReader]) {
        self.readers = readers
        pending = [MarketEvent](repeating: MarketEvent(), count: readers.count)
        hasPending = [Bool](repeating: false, count: readers.count)
        for i in readers.indices {
            if let e = self.readers[i].next() {
                pending[i] = e
                hasPending[i] = true
            }
        }
    }

    /// Rows skipped as malformed, over all readers.
    public var malformedRows: Int { readers.reduce(0) { $0 + $1.malformedRows } }

    /// The next event in time order, or `nil` when every reader is exhausted.
    public mutating func next() -> MarketEvent? {
        var best = -1
        for i in 0..<pending.count where hasPending[i] {
            if best < 0 || pending[i].exchangeTime < pending[best].exchangeTime { best = i }
        }
        guard best >= 0 else { return nil }
        let event = pending[best]
        if let e = readers[best].next() {
            pending[best] = e
        } else {
            hasPending[best] = false
        }
        eventsYielded += 1
        return event
    }
}
