import PeregrineCore

/// One open order as the risk stage counts it.
@frozen
public struct OpenOrder: Sendable, BitwiseCopyable, Equatable {
    public var orderId: OrderId
    /// For a replace not yet confirmed: the order it replaces (else `.none`).
    public var replacing: OrderId
    /// Limit price, or the mark when accepted for a market order (values credit).
    public var price: Price
    /// Total order quantity (FIX OrderQty).
    public var quantity: Quantity
    /// Filled so far (FIX CumQty).
    public var filled: Quantity
    /// Quantity this entry adds to the open buy/sell totals and credit right now.
    public var counted: Quantity
    public var instrument: InstrumentId
    public var account: AccountId
    public var side: Side
    /// Whether the order rests in the book (limit, not IOC/FOK): it counts for self-match.
    public var rests: Bool

    public init(orderId: OrderId, replacing: OrderId = .none, price: Price, quantity: Quantity, filled: Quantity = .zero,
                counted: Quantity, instrument: InstrumentId, account: AccountId, side: Side, rests: Bool) {
        self.orderId = orderId; self.replacing = replacing; self.price = price; self.quantity = quantity
        self.filled = filled; self.counted = counted; self.instrument = instrument; self.account = account
        self.side = side; self.rests = rests
    }
}

/// Open orders by `OrderId`: a fixed-capacity open-addressing hash table (linear probing,
/// backward-shift deletion, so no tombstones), at most half full.
///
/// O(1) expected per operation, no allocation after `init`. Single writer.
public struct OpenOrderTable: Sendable {
    var slots: [OpenOrder]
    let mask: Int
    /// Open orders held.
    public private(set) var count: Int = 0
    /// Most orders it accepts.
    public let capacity: Int

    public init(capacity: Int) {
        precondition(capacity > 0)
        var n = 2
        while n < capacity * 2 { n <<= 1 }
        mask = n - 1
        self.capacity = capacity
        slots = Array(repeating: OpenOrder(orderId: .none, price: .zero, quantity: .zero, counted: .zero,
                                           instrument: .none, account: AccountId(rawValue: 0), side: .buy, rests: false),
                      count: n)
    }

    func home(_ id: OrderId) -> Int {
        // Fibonacci hashing: spreads sequential ids over the table.
        Int(truncatingIfNeeded: (id.rawValue &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
    }

    /// The slot index holding `id`, or `nil`.
    public func find(_ id: OrderId) -> Int? {
        guard id != .none else { return nil }
        var i = home(id)
        while true {
            let found = slots[i].orderId
            if found == id { return i }
            if found == .none { return nil }
            i = (i + 1) & mask
        }
    }

    /// The order in slot `index` (from `find`).
    public subscript(slot index: Int) -> OpenOrder {
        get { slots[index] }
        set { slots[index] = newValue }
    }

    /// Inserts `order` (its id must be new and not `.none`); `false` when full.
    
    @discardableResult
    public mutating func insert(_ order: OpenOrder) -> Bool {
        guard count < capacity else { return false }
        var i = home(order.orderId)
        while slots[i].orderId != .none {
            if slots[i].orderId == order.orderId { slots[i] = order; return true }
            i = (i + 1) & mask
        }
        slots[i] = order
        count += 1
        return true
    }

    /// Removes the order in slot `index`, shifting later entries of its probe run back.
    public mutating func remove(slot index: Int) {
        var hole = index
        var i = (index + 1) & mask
        while slots[i].orderId != .none {
            let h = home(slots[i].orderId)
            // Move the entry into the hole if its home is not in the cyclic range (hole, i].
            let inRange = hole <= i ? (h > hole && h <= i) : (h > hole || h <= i)
            if !inRange {
                slots[hole] = slots[i]
                hole = i
            }
            i = (i + 1) & mask
        }
        slots[hole].orderId = .none
        count -= 1
    }
}
