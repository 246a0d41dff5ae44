import PeregrineCore

/// A deliberately naive order book for checking the engine: every order in one array,
/// re-sorted by price and arrival on each match. Self-trades allowed, no stops.
struct ReferenceBook {
    struct Order {
        var id: UInt64
        var account: UInt32
        var side: Side
        var price: Int64
        var quantity: Int64
        var cumulative: Int64
        var arrival: Int
    }
    struct Trade: Equatable { var maker: UInt64; var taker: UInt64; var price: Int64; var quantity: Int64 }

    var orders: [Order] = []
    var arrival = 0

    func find(_ id: UInt64, _ account: UInt32) -> Int? { orders.firstIndex { $0.id == id && $0.account == account } }

    /// Matches an incoming order; returns the trades and the order with its remaining quantity.
    mutating func match(_ incoming: inout Order, market: Bool) -> [Trade] {
        var trades: [Trade] = []
        let sell = incoming.side.isSell
        while incoming.quantity > incoming.cumulative {
            let candidates = orders.indices.filter { orders[$0].side.isSell != sell }
                .sorted { a, b in
                    let pa = orders[a].price, pb = orders[b].price
                    if pa != pb { return sell ? pa > pb : pa < pb }
                    return orders[a].arrival < orders[b].arrival
                }
            guard let best = candidates.first else { break }
            let price = orders[best].price
            if !market && (sell ? price < incoming.price : price > incoming.price) { break }
            let q = min(incoming.quantity - incoming.cumulative, orders[best].quantity - orders[best].cumulative)
            incoming.cumulative += q
            orders[best].cumulative += q
            trades.append(Trade(maker: orders[best].id, taker: incoming.id, price: price, quantity: q))
            if orders[best].cumulative == orders[best].quantity { orders.remove(at: best) }
        }
        return trades
    }

    /// Available quantity at acceptable prices for a fill-or-kill check.
    func available(_ side: Side, price: Int64) -> Int64 {
        orders.filter { $0.side.isSell != side.isSell && (side.isSell ? $0.price >= price : $0.price <= price) }
            .reduce(0) { $0 + $1.quantity - $1.cumulative }
    }

    mutating func new(_ c: OrderCommand) -> [Trade] {
        arrival += 1
        var o = Order(id: c.orderId.rawValue, account: c.account.rawValue, side: c.side, price: c.price.rawValue,
                      quantity: c.quantity.rawValue, cumulative: 0, arrival: arrival)
        if c.timeInForce == .fillOrKill && available(c.side, price: c.price.rawValue) < c.quantity.rawValue { return [] }
        let trades = match(&o, market: c.type == .market)
        if o.cumulative < o.quantity && c.type == .limit && (c.timeInForce == .day || c.timeInForce == .goodTillCancel) {
            orders.append(o)
        }
        return trades
    }

    mutating func cancel(_ c: OrderCommand) -> Bool {
        guard let i = find(c.originalOrderId.rawValue, c.account.rawValue) else { return false }
        orders.remove(at: i)
        return true
    }

    mutating func replace(_ c: OrderCommand) -> (accepted: Bool, trades: [Trade]) {
        guard let i = find(c.originalOrderId.rawValue, c.account.rawValue), c.quantity.rawValue > orders[i].cumulative
        else { return (false, []) }
        var o = orders[i]
        o.id = c.orderId.rawValue
        let losesPriority = c.price.rawValue != o.price || c.quantity.rawValue > o.quantity
        o.price = c.price.rawValue
        o.quantity = c.quantity.rawValue
        if !losesPriority { orders[i] = o; return (true, []) }
        orders.remove(at: i)
        arrival += 1
        o.arrival = arrival
        let trades = match(&o, market: false)
        if o.cumulative < o.quantity { orders.append(o) }
        return (true, trades)
    }

    /// (price, total) per level, best first.
    func levels(_ side: Side) -> [(Int64, Int64)] {
        var totals: [Int64: Int64] = [:]
        for o in orders where o.side.isSell == side.isSell { totals[o.price, default: 0] += o.quantity - o.cumulative }
        return totals.sorted { side.isSell ? $0.key < $1.key : $0.key > $1.key }.map { ($0.key, $0.value) }
    }
}
