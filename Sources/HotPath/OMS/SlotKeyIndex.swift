/// A fixed-capacity open-addressing map from a 64-bit key (plus a 16-bit scope) to a slot
/// number: linear probing, backward-shift deletion (no tombstones), at most half full.
///
/// Used for ClOrdID → slot (scope 0), (venue, venue OrderID) → slot (scope = venue) and
/// (venue, ExecID) → ledger position. Key 0 means "no key" and is never stored.
/// Single writer; O(1) expected per operation; no allocation after `init`.
struct SlotKeyIndex: Sendable {
    struct Entry: Sendable, BitwiseCopyable {
        var key: UInt64
        var value: UInt32
        var scope: UInt16
    }

    private var entries: [Entry]
    private let mask: Int
    private let shift: UInt64
    /// Keys held.
    private(set) var count = 0
    /// Most keys it accepts (half the table).
    let capacity: Int

    /// A table for at least `capacity` keys.
    init(capacity: Int) {
        precondition(capacity > 0, "index capacity must be positive")
        var size = 4
        var bits: UInt64 = 2
        while size < capacity * 2 { size <<= 1; bits += 1 }
        mask = size - 1
        shift = 64 - bits
        self.capacity = capacity
        entries = Array(repeating: Entry(key: 0, value: 0, scope: 0), count: size)
    }

    // Fibonacci hashing of the key (mixed with the scope) in blocks of four: key >> 2 picks a
    // block of four adjacent entries (64 bytes), the low two bits the entry in it. Sequential
    // ids (our ClOrdIDs, and in practice the venue's OrderIDs and ExecIDs) still spread over
    // the table, four at a time, so the next id's probe and insert — and its removal when
    // the linger FIFO reaches it — mostly touch memory its predecessor just touched, instead
    // of a new cache line every time in a table much larger than L2. (In the tick-to-order
    // profile the index's share of samples halved.) Other keys hash as before, four-way.
    @inline(__always)
    private func home(_ key: UInt64, _ scope: UInt16) -> Int {
        Self.home(key, scope, shift: shift, mask: mask)
    }

    @inline(__always)
    private static func home(_ key: UInt64, _ scope: UInt16, shift: UInt64, mask: Int) -> Int {
        let mixed = key ^ (UInt64(scope) << 47)
        let block = ((mixed >> 2) &* 0x9E37_79B9_7F4A_7C15) >> (shift &+ 2)
        return Int(truncatingIfNeeded: block << 2 | (mixed & 3)) & mask
    }

    /// The value stored for `key` in `scope`, or `nil`.
    func find(_ key: UInt64, scope: UInt16 = 0) -> UInt32? {
        guard key != 0 else { return nil }
        var i = home(key, scope)
        while true {
            let e = entries[i]
            if e.key == 0 { return nil }
            if e.key == key && e.scope == scope { return e.value }
            i = (i + 1) & mask
        }
    }

    /// Stores `value` for `key` (replacing an existing one); `false` when full or key is 0.
    @discardableResult
    mutating func insert(_ key: UInt64, scope: UInt16 = 0, value: UInt32) -> Bool {
        guard key != 0 else { return false }
        var i = home(key, scope)
        while entries[i].key != 0 {
            if entries[i].key == key && entries[i].scope == scope { entries[i].value = value; return true }
            i = (i + 1) & mask
        }
        guard count < capacity else { return false }
        entries[i] = Entry(key: key, value: value, scope: scope)
        count += 1
        return true
    }

    /// Removes `key`; `false` if it was not there.
    @discardableResult
    mutating func remove(_ key: UInt64, scope: UInt16 = 0) -> Bool {
        guard key != 0 else { return false }
        var i = home(key, scope)
        while true {
            let e = entries[i]
            if e.key == 0 { return false }
            if e.key == key && e.scope == scope { break }
            i = (i + 1) & mask
        }
        // Backward shift: move later entries of the probe run into the hole when their home
        // is not in the cyclic range (hole, j]. One buffer for the whole shift: a single
        // uniqueness check instead of one per write.
        let mask = self.mask, shift = self.shift
        entries.withUnsafeMutableBufferPointer { entries in
            var hole = i
            var j = (i + 1) & mask
            while entries[j].key != 0 {
                let h = Self.home(entries[j].key, entries[j].scope, shift: shift, mask: mask)
                let inRange = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j)
                if !inRange {
                    entries[hole] = entries[j]
                    hole = j
                }
                j = (j + 1) & mask
            }
            entries[hole].key = 0
        }
        count -= 1
        return true
    }
}
