import PeregrineCore

/// What the engine knows about one order it placed over the TWS API.
struct TWSOrderEntry {
    /// The TWS order id (from nextValidId upward); −1 for a free entry.
    var twsId: Int64 = -1
    /// The engine's current ClOrdID for the order (changes when a replace is acknowledged).
    var orderId = OrderId.none
    /// A replace sent with the same TWS id and not yet answered: its ClOrdID, price, quantity.
    var pendingReplaceId = OrderId.none
    var pendingPrice = Price.zero
    var pendingQuantity = Quantity.zero
    /// A cancel sent and not yet answered: its ClOrdID.
    var pendingCancelId = OrderId.none
    var price = Price.zero
    var quantity = Quantity.zero
    var instrument = InstrumentId.none
    var side = Side.buy
    /// Sum of the executions passed on (execDetails, deduplicated by execId).
    var filled = Quantity.zero
    /// A `new` (or a fill) has been passed on.
    var acknowledged = false
    /// A `pendingCancel` has been passed on.
    var cancelPendingReported = false
    /// Canceled, rejected or filled has been passed on: later statuses are repeats.
    var done = false

    /// Whether `id` names this order (its ClOrdID or a pending request's).
    @inline(__always)
    func owns(_ id: OrderId) -> Bool {
        id != .none && (id == orderId || id == pendingReplaceId || id == pendingCancelId)
    }
}

/// The TWS order id ↔ engine ClOrdID table of a TWS order venue, preallocated.
///
/// Entries live in a ring indexed by TWS id modulo the capacity (the ids are handed out in
/// sequence, so an entry is overwritten only after `capacity` newer orders); ClOrdIDs find
/// their entry through an open-addressing index whose slots are checked against the entry
/// (a stale slot — its entry reused — counts as free on insert). Survives reconnects: TWS
/// order ids belong to the client id, not the connection.
///
/// Engine thread only. No allocation after `init`; lookups O(1) expected, at most
/// `maximumProbes` slots.
struct TWSOrderTable {
    private(set) var entries: [TWSOrderEntry]
    private var keys: [UInt64]
    private var values: [Int32]
    private let entryMask: Int64
    private let keyMask: Int
    static let maximumProbes = 64
    /// Inserts that found no slot within `maximumProbes` (the id is then unknown inbound).
    private(set) var indexFull = 0

    /// A table for `capacity` live orders (rounded up to a power of two). Cold.
    init(capacity: Int) {
        var n = 16
        while n < capacity { n <<= 1 }
        entries = [TWSOrderEntry](repeating: TWSOrderEntry(), count: n)
        entryMask = Int64(n - 1)
        keys = [UInt64](repeating: 0, count: 4 * n)
        values = [Int32](repeating: -1, count: 4 * n)
        keyMask = 4 * n - 1
    }

    /// The entry index of TWS order `twsId`, if it is in the table.
    @inline(__always)
    func index(twsId: Int64) -> Int? {
        guard twsId >= 0 else { return nil }
        let i = Int(twsId & entryMask)
        return entries[i].twsId == twsId ? i : nil
    }

    /// The entry index of the order whose current or pending ClOrdID is `id`.
    func index(orderId id: OrderId) -> Int? {
        guard id != .none else { return nil }
        var k = Self.hash(id.rawValue) & keyMask
        for _ in 0..<Self.maximumProbes {
            let key = keys[k]
            if key == 0 { return nil }
            if key == id.rawValue {
                let v = Int(values[k])
                if v >= 0 && entries[v].owns(id) { return v }
            }
            k = (k + 1) & keyMask
        }
        return nil
    }

    /// Takes the entry of `twsId` for a new order (overwriting whatever was there).
    mutating func insert(twsId: Int64, orderId: OrderId, instrument: InstrumentId, side: Side, price: Price, quantity: Quantity) -> Int {
        let i = Int(twsId & entryMask)
        entries[i] = TWSOrderEntry(twsId: twsId, orderId: orderId, price: price, quantity: quantity, instrument: instrument, side: side)
        alias(orderId, to: i)
        return i
    }

    /// Makes `id` find entry `i` (a replace's or cancel's ClOrdID).
    mutating func alias(_ id: OrderId, to i: Int) {
        guard id != .none else { return }
        var k = Self.hash(id.rawValue) & keyMask
        var reusable = -1
        for _ in 0..<Self.maximumProbes {
            let key = keys[k]
            if key == 0 || key == id.rawValue { reusable = k; break }
            let v = Int(values[k])
            if reusable < 0 && (v < 0 || !entries[v].owns(OrderId(rawValue: key))) { reusable = k }
            k = (k + 1) & keyMask
        }
        guard reusable >= 0 else { indexFull &+= 1; return }
        keys[reusable] = id.rawValue
        values[reusable] = Int32(i)
    }

    subscript(i: Int) -> TWSOrderEntry {
        get { entries[i] }
        set { entries[i] = newValue }
    }

    /// Every entry in use (cold: reconciliation).
    func forEachEntry(_ body: (Int, TWSOrderEntry) -> Void) {
        for i in entries.indices where entries[i].twsId >= 0 { body(i, entries[i]) }
    }

    @inline(__always)
    static func hash(_ x: UInt64) -> Int {
        // SplitMix64's finalizer: strategy ids are often sequential, this spreads them.
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: z ^ (z >> 31))
    }
}

/// Execution ids already passed on, for dropping repeated execDetails: two generations of
/// open-addressing sets of 64-bit hashes; when the current one is half full the older is
/// cleared and they swap, so at least `capacity / 2` most recent ids are always remembered.
/// Engine thread; no allocation after `init`; O(1) expected (clearing is O(capacity), once
/// per `capacity / 2` inserts).
struct TWSExecutionIdSet {
    private var sets: [[UInt64]]
    private var counts = [0, 0]
    private var current = 0
    private let mask: Int

    init(capacity: Int) {
        var n = 1_024
        while n < 2 * capacity { n <<= 1 }
        sets = [[UInt64](repeating: 0, count: n), [UInt64](repeating: 0, count: n)]
        mask = n - 1
    }

    /// Whether `id` was inserted (in either generation).
    func contains(_ id: UInt64) -> Bool {
        let key = id == 0 ? 1 : id
        return find(key, in: 0) || find(key, in: 1)
    }

    private func find(_ key: UInt64, in g: Int) -> Bool {
        var k = TWSOrderTable.hash(key) & mask
        while true {
            let v = sets[g][k]
            if v == 0 { return false }
            if v == key { return true }
            k = (k + 1) & mask
        }
    }

    /// Remembers `id`; returns false when it was already there.
    mutating func insert(_ id: UInt64) -> Bool {
        let key = id == 0 ? 1 : id
        if find(key, in: 0) || find(key, in: 1) { return false }
        if counts[current] >= (mask + 1) / 2 {
            current ^= 1
            for i in sets[current].indices { sets[current][i] = 0 }
            counts[current] = 0
        }
        var k = TWSOrderTable.hash(key) & mask
        while sets[current][k] != 0 { k = (k + 1) & mask }
        sets[current][k] = key
        counts[current] += 1
        return true
    }

    /// FNV-1a of an execution id's bytes (the ExecutionEvent carries ids as 64-bit hashes).
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h == 0 ? 1 : h
    }
}
