import PeregrineCore

/// Remembers recently accepted orders by content (instrument, side, price, quantity,
/// account) to reject a duplicate within a time window.
///
/// A fixed set-associative hash table: `bucketCount` buckets of four ways, each way one
/// order's content and time. A new entry replaces an expired way or else the oldest; when
/// that oldest is still inside the window, `liveEvictions` counts the lost memory (size the
/// table so it stays zero: 4 × buckets > orders per window). O(4), no allocation after `init`.
public struct DuplicateOrderFilter: Sendable {
    public static let ways = 4

    struct Entry: Sendable, BitwiseCopyable {
        var price: Int64
        var quantity: Int64
        var time: Int64
        var instrument: UInt32
        var account: UInt32
        var side: UInt8
        var used: Bool
    }

    var entries: [Entry]
    let bucketMask: Int
    /// Entries still inside the window that were overwritten (each a duplicate that might
    /// go undetected).
    public private(set) var liveEvictions: UInt64 = 0

    /// A filter of `bucketCount` (rounded up to a power of two) buckets.
    public init(bucketCount: Int) {
        var n = 1
        while n < Swift.max(bucketCount, 1) { n <<= 1 }
        bucketMask = n - 1
        entries = Array(repeating: Entry(price: 0, quantity: 0, time: 0, instrument: 0, account: 0, side: 0, used: false),
                        count: n * Self.ways)
    }

    static func hash(_ o: OrderCommand) -> UInt64 {
        // Multiply-xorshift mixing (splitmix64 finalizer) over the content fields.
        var h = UInt64(bitPattern: o.price.rawValue) &* 0x9E37_79B9_7F4A_7C15
        h ^= UInt64(bitPattern: o.quantity.rawValue) &+ 0xBF58_476D_1CE4_E5B9 &+ (h << 6) &+ (h >> 2)
        h ^= (UInt64(o.instrument.rawValue) << 32 | UInt64(o.account.rawValue)) &+ 0x94D0_49BB_1331_11EB &+ (h << 6) &+ (h >> 2)
        h ^= UInt64(o.side.rawValue) &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 31; h = h &* 0xC4CE_B9FE_1A85_EC53; h ^= h >> 33
        return h
    }

    func matches(_ e: Entry, _ o: OrderCommand) -> Bool {
        e.used && e.price == o.price.rawValue && e.quantity == o.quantity.rawValue && e.instrument == o.instrument.rawValue
            && e.account == o.account.rawValue && e.side == o.side.rawValue
    }

    /// The first entry of `order`'s bucket (for `contains`/`record` with a bucket: the risk
    /// check hashes once for both).
    @inline(__always)
    func bucket(of order: OrderCommand) -> Int {
        (Int(truncatingIfNeeded: Self.hash(order)) & bucketMask) &* Self.ways
    }

    /// Whether an order with the same content was recorded less than `window` before `now`.
    public func contains(_ order: OrderCommand, now: Timestamp, window: Nanoseconds) -> Bool {
        contains(order, bucket: bucket(of: order), now: now, window: window)
    }

    /// `contains` with `bucket(of: order)` already computed.
    func contains(_ order: OrderCommand, bucket base: Int, now: Timestamp, window: Nanoseconds) -> Bool {
        for w in 0..<Self.ways {
            let e = entries[base + w]
            if matches(e, order) && now.nanosecondsSinceEpoch - e.time < window.count { return true }
        }
        return false
    }

    /// Records `order` as accepted at `now`.
    public mutating func record(_ order: OrderCommand, now: Timestamp, window: Nanoseconds) {
        record(order, bucket: bucket(of: order), now: now, window: window)
    }

    /// `record` with `bucket(of: order)` already computed.
    mutating func record(_ order: OrderCommand, bucket base: Int, now: Timestamp, window: Nanoseconds) {
        var victim = base
        var oldest = Int64.max
        for w in 0..<Self.ways {
            let e = entries[base + w]
            if !e.used || matches(e, order) { victim = base + w; oldest = Int64.min; break }
            if e.time < oldest { oldest = e.time; victim = base + w }
        }
        if oldest != Int64.min && now.nanosecondsSinceEpoch - oldest < window.count { liveEvictions &+= 1 }
        entries[victim] = Entry(price: order.price.rawValue, quantity: order.quantity.rawValue,
                                time: now.nanosecondsSinceEpoch, instrument: order.instrument.rawValue,
                                account: order.account.rawValue, side: order.side.rawValue, used: true)
    }
}
