import PeregrineCore

/// One resting order of an order-by-order (L3) book.
@frozen
public struct BookOrder: Sendable, BitwiseCopyable, Equatable {
    public var instrument: InstrumentId
    public var side: BookSide
    public var price: Price
    public var quantity: Quantity
    @inlinable public init(instrument: InstrumentId, side: BookSide, price: Price, quantity: Quantity) {
        self.instrument = instrument; self.side = side; self.price = price; self.quantity = quantity
    }
}

/// A fixed-capacity hash table from venue order id to `BookOrder`: open addressing, linear
/// probing, Fibonacci hashing, backward-shift deletion (no tombstones, so probe lengths do not
/// decay under churn). Knuth, TAOCP vol. 3, §6.4, Algorithm R.
///
/// Sized at start-up to a power of two at least twice `maxOrders` (load ≤ ½); never grows.
/// Owner thread only; lookups, inserts and removals do not allocate; expected O(1).
/// Order id 0 is reserved as the empty marker.
public struct OrderTable: Sendable {
    public let maxOrders: Int
    @usableFromInline let mask: Int
    @usableFromInline let shift: UInt64
    @usableFromInline var keys: [UInt64]
    @usableFromInline var values: [BookOrder]
    public private(set) var count = 0

    /// Room for `maxOrders` orders. Set-up only (allocates).
    public init(maxOrders: Int) {
        precondition(maxOrders > 0, "maxOrders must be positive")
        var slots = 2
        while slots < maxOrders * 2 { slots <<= 1 }
        self.maxOrders = maxOrders
        mask = slots - 1
        shift = UInt64(64 - slots.trailingZeroBitCount)
        keys = [UInt64](repeating: 0, count: slots)
        values = [BookOrder](repeating: BookOrder(instrument: .none, side: .bid, price: .zero, quantity: .zero), count: slots)
    }

    @inlinable func home(_ id: UInt64) -> Int { Int(truncatingIfNeeded: (id &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    /// The slot holding `id`, or `nil`.
    @inlinable func slot(of id: UInt64) -> Int? {
        var s = home(id)
        while true {
            let k = keys[s]
            if k == id { return s }
            if k == 0 { return nil }
            s = (s + 1) & mask
        }
    }

    /// The order with venue id `id`.
    @inlinable public subscript(id: UInt64) -> BookOrder? {
        guard id != 0, let s = slot(of: id) else { return nil }
        return values[s]
    }

    /// Inserts a new order; false if `id` is 0, already present, or the table is full.
    public mutating func insert(_ id: UInt64, _ order: BookOrder) -> Bool {
        guard id != 0, count < maxOrders else { return false }
        var s = home(id)
        while keys[s] != 0 {
            if keys[s] == id { return false }
            s = (s + 1) & mask
        }
        keys[s] = id
        values[s] = order
        count += 1
        return true
    }

    /// Replaces the stored order of `id`; false if absent.
    public mutating func update(_ id: UInt64, _ order: BookOrder) -> Bool {
        guard id != 0, let s = slot(of: id) else { return false }
        values[s] = order
        return true
    }

    /// Removes `id` and returns its order, shifting later entries of the probe run back.
    public mutating func remove(_ id: UInt64) -> BookOrder? {
        guard id != 0, var hole = slot(of: id) else { return nil }
        let removed = values[hole]
        var j = hole
        while true {
            j = (j + 1) & mask
            let k = keys[j]
            if k == 0 { break }
            let h = home(k)
            // Leave the entry if its home lies cyclically in (hole, j]: moving it would break its probe.
            let stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j)
            if stays { continue }
            keys[hole] = k
            values[hole] = values[j]
            hole = j
        }
        keys[hole] = 0
        count -= 1
        return removed
    }

    /// Removes every order (e.g. on a venue's book reset). O(slots).
    public mutating func removeAll() {
        for s in keys.indices { keys[s] = 0 }
        count = 0
    }
}
