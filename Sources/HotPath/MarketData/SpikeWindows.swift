import PeregrineCore

/// The last N accepted trade prices of every instrument, in arrival order and sorted, for the
/// filter's median spike reference.
///
/// Flat arrays (instruments × N) allocated once; `insert` and `reseed` cost O(N) element moves
/// and do not allocate; `median` is O(1). Owned by one `MarketDataFilter` (single thread).
@usableFromInline
struct SpikeWindows: Sendable {
    @usableFromInline let window: Int
    /// Prices in arrival order: a ring per instrument, `head` = next write slot.
    @usableFromInline var ring: [Int64]
    /// The same prices sorted ascending in `sorted[base ..< base + count]`.
    @usableFromInline var sorted: [Int64]
    @usableFromInline var counts: [Int32]
    @usableFromInline var heads: [Int32]
    /// Spike drops in a row per instrument (reset by any accepted trade).
    @usableFromInline var consecutiveSpikes: [Int]

    init(instruments: Int, window: Int) {
        self.window = window
        ring = [Int64](repeating: 0, count: instruments * window)
        sorted = [Int64](repeating: 0, count: instruments * window)
        counts = [Int32](repeating: 0, count: instruments)
        heads = [Int32](repeating: 0, count: instruments)
        consecutiveSpikes = [Int](repeating: 0, count: instruments)
    }

    @inlinable func count(_ instrument: Int) -> Int { Int(counts[instrument]) }

    /// Upper median of the window; the window must not be empty.
    @inlinable func median(_ instrument: Int) -> Int64 {
        sorted[instrument * window + Int(counts[instrument]) / 2]
    }

    /// Whether `price` is more than `bandBasisPoints` of `reference` away from it. Int128 so
    /// that any pair of positive Int64 prices and bands up to 10^6 bp compare exactly.
    @inlinable static func isSpike(_ price: Int64, reference: Int64, bandBasisPoints: Int64) -> Bool {
        let distance = Int128(price) - Int128(reference)
        return distance.magnitude * 10_000 > UInt128(bandBasisPoints) * UInt128(reference.magnitude)
    }

    /// Appends an accepted trade, evicting the oldest when full; clears the spike run.
    @usableFromInline mutating func insert(_ instrument: Int, price: Int64) {
        let window = self.window
        let base = instrument * window
        var count = Int(counts[instrument])
        let head = Int(heads[instrument])
        let evicted = ring[base + head]
        ring[base + head] = price
        do {
            // A span: one uniqueness check for the moves, not one per element.
            var sorted = self.sorted.mutableSpan
            if count == window {
                // Remove the evicted price from the sorted run (any one equal copy).
                var at = base
                while sorted[at] != evicted { at += 1 }
                while at < base + count - 1 { sorted[at] = sorted[at + 1]; at += 1 }
                count -= 1
            }
            var at = base + count
            while at > base && sorted[at - 1] > price { sorted[at] = sorted[at - 1]; at -= 1 }
            sorted[at] = price
        }
        heads[instrument] = Int32((head + 1) % window)
        counts[instrument] = Int32(count + 1)
        consecutiveSpikes[instrument] = 0
    }

    /// Forgets the window and starts it again from `price` (a new level was accepted).
    @usableFromInline mutating func reseed(_ instrument: Int, price: Int64) {
        counts[instrument] = 0
        heads[instrument] = 0
        insert(instrument, price: price)
    }
}
