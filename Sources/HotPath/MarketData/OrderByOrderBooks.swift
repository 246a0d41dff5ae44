import PeregrineCore

/// What an order-by-order update did.
@frozen
public enum OrderBookResult: UInt8, Sendable, BitwiseCopyable {
    case applied
    /// Add of an id already resting (or id 0).
    case duplicateOrder
    /// Change of an id not resting (joined mid-stream, or a missed add: the feed should snapshot).
    case unknownOrder
    /// The order table is full: the order is not tracked; the book now needs a snapshot.
    case tableFull
    /// Instrument id outside the capacity, or a non-positive price or quantity.
    case rejected
}

/// Order-by-order (L3) books: every resting order by venue order id in an `OrderTable`, and the
/// per-price aggregate kept in a `PriceLevelBooks` (`levels`), so strategies read L3-fed books
/// exactly like L2 ones.
///
/// For feeds that give individual orders (ITCH-style add / execute / cancel / replace / delete).
/// Owner thread only; no allocation after start-up; cost: one hash probe plus an L2 level update.
/// A level pushed beyond `maxLevels` of the aggregate is not shown there (its orders stay
/// tracked, and reappear in the aggregate only after a snapshot), as with L2 feeds.
public struct OrderByOrderBooks: Sendable {
    public internal(set) var orders: OrderTable
    /// The per-price aggregate of the resting orders.
    public internal(set) var levels: PriceLevelBooks
    public private(set) var unknownOrders = 0

    /// Set-up only (allocates).
    public init(instrumentCapacity: Int, maxOrders: Int, maxLevels: Int = 64) {
        orders = OrderTable(maxOrders: maxOrders)
        levels = PriceLevelBooks(instrumentCapacity: instrumentCapacity, maxLevels: maxLevels, checksSequence: false)
    }

    /// A new resting order.
    public mutating func add(orderId: UInt64, _ instrument: InstrumentId, _ side: BookSide, price: Price, quantity: Quantity) -> OrderBookResult {
        guard instrument.index < levels.instrumentCapacity, price.rawValue > 0, quantity.rawValue > 0 else { return .rejected }
        let order = BookOrder(instrument: instrument, side: side, price: price, quantity: quantity)
        if orders.count == orders.maxOrders && orders[orderId] == nil {
            levels.markNeedsSnapshot(instrument)
            return .tableFull
        }
        guard orders.insert(orderId, order) else { return .duplicateOrder }
        levels.adjustLevel(instrument.index, side, price: price.rawValue, by: quantity.rawValue)
        return .applied
    }

    /// Reduces an order by `quantity` (partial cancel or execution); removes it at zero.
    public mutating func reduce(orderId: UInt64, by quantity: Quantity) -> OrderBookResult {
        guard var order = orders[orderId] else { unknownOrders += 1; return .unknownOrder }
        let taken = min(quantity.rawValue, order.quantity.rawValue)
        guard taken > 0 else { return .rejected }
        levels.adjustLevel(order.instrument.index, order.side, price: order.price.rawValue, by: -taken)
        order.quantity.rawValue -= taken
        if order.quantity.rawValue == 0 { _ = orders.remove(orderId) } else { _ = orders.update(orderId, order) }
        return .applied
    }

    /// Removes an order entirely.
    public mutating func delete(orderId: UInt64) -> OrderBookResult {
        guard let order = orders.remove(orderId) else { unknownOrders += 1; return .unknownOrder }
        levels.adjustLevel(order.instrument.index, order.side, price: order.price.rawValue, by: -order.quantity.rawValue)
        return .applied
    }

    /// Cancel-replace: the old id leaves, a new id rests at the new price and quantity (same side).
    public mutating func replace(orderId: UInt64, newOrderId: UInt64, price: Price, quantity: Quantity) -> OrderBookResult {
        guard let old = orders[orderId] else { unknownOrders += 1; return .unknownOrder }
        guard price.rawValue > 0, quantity.rawValue > 0 else { return .rejected }
        guard newOrderId == orderId || orders[newOrderId] == nil else { return .duplicateOrder }
        _ = delete(orderId: orderId)
        return add(orderId: newOrderId, old.instrument, old.side, price: price, quantity: quantity)
    }

    /// Clears every order and level (venue reset); a snapshot follows.
    public mutating func removeAll() {
        orders.removeAll()
        for i in 0..<levels.instrumentCapacity { levels.clear(InstrumentId(rawValue: UInt32(i))) }
    }
}

extension PriceLevelBooks {
    /// Adds `delta` to the level at `price` (inserting or removing it as needed): the L3 aggregate.
    mutating func adjustLevel(_ i: Int, _ side: BookSide, price: Int64, by delta: Int64) {
        let base = base(i, side)
        let n = counts[i * 2 + side.rawValue]
        var at = 0
        if side == .bid {
            while at < n && levels[base + at].price.rawValue > price { at += 1 }
        } else {
            while at < n && levels[base + at].price.rawValue < price { at += 1 }
        }
        let current = at < n && levels[base + at].price.rawValue == price ? levels[base + at].quantity.rawValue : 0
        let updated = current + delta
        if current == 0 && updated <= 0 { return }   // a level not shown (beyond capacity) shrinking
        _ = setLevel(i, side, price: price, quantity: max(updated, 0))
        versions[i] &+= 1
    }
}
