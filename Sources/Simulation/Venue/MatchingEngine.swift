import PeregrineCore

/// A price-time priority limit order book for one instrument: the simulated venue's
/// matching engine.
///
/// ## Design
///
/// **Storage.** Everything is preallocated at `init` and addressed by `Int32` indices, so no
/// call allocates (appends to a `VenueOutput` within its capacity do not either):
/// - an *order pool* (`[BookOrder]`) with a free list; each order is linked into its price
///   level's FIFO through `previous`/`next` (an intrusive doubly linked list), so removing
///   any order is O(1);
/// - a *level pool* (`[PriceLevel]`) with a free list; a level holds its price, total open
///   quantity, order count and the head/tail of its FIFO;
/// - per side a *sorted array of level indices* with the best price at the end (bids
///   ascending, asks descending). Matching and cancels at the top are O(1) `removeLast`;
///   finding a level by price is a binary search, inserting a new level a `memmove` of the
///   levels better than it (few in practice: new levels appear near the touch);
/// - per side a *stop list* of pending stop orders sorted so the next to trigger is last;
/// - an `OrderIdIndex` (open addressing) from (client order id, account) to the pool slot
///   for cancels and replaces by ClOrdID, and venue order ids that carry the slot in their
///   low 24 bits (`serial << 24 | slot`), so `cancel(venueOrderId:)` is O(1) without a lookup.
///
/// **Rules.** Price-time priority; a trade prints at the resting order's price. Limit and
/// market orders; day, good-till-cancel, immediate-or-cancel and fill-or-kill (other TIFs
/// are rejected). Market orders are immediate-or-cancel by nature (remainder cancelled with
/// `noLiquidity`). Fill-or-kill checks the executable quantity before touching the book.
/// Stop and stop-limit orders wait in the stop list until the last trade price reaches the
/// stop (buy: last ≥ stop, sell: last ≤ stop; at once if it already has), then enter as a
/// market or limit order with time priority from the trigger; triggers cascade in a loop
/// (buy stops first, then sell, lowest/highest stop first, then arrival). A replace that
/// changes the price or increases the quantity loses priority (re-enters, and may trade);
/// a quantity decrease keeps it. Self-trade prevention compares accounts and applies the
/// configured `SelfTradePrevention`. Day orders expire at `expireDayOrders`.
///
/// **Outputs.** For the owner: `.new` ack for every accepted order, `.trade` per fill (maker
/// first, flagged `.liquidityAdded`, then taker), `.canceled`, `.replaced`, `.expired`,
/// `.rejected` (with a `VenueRejectReason`), and cancel rejects (`.rejected` with the
/// `.cancelRejected` flag). Fill execution ids are `tradeId << 1 | makerBit` (both sides of
/// a trade share the trade id of the public print); other reports get `1 << 63 | serial`.
/// Public feed: a trade per fill, one coalesced depth event per price level touched, and a
/// top-of-book quote when the top changed; the last event of each call carries
/// `.endOfBatch`. Everything is a pure function of the calls and their timestamps (no clock
/// reads, no hashing seeds), so identical inputs produce bit-identical outputs.
///
/// **Threading and cost.** Single-threaded: one owner calls every method. No method blocks,
/// throws or allocates; costs are stated per method. Programmer errors trap.
public struct MatchingEngine: Sendable {
    public let configuration: MatchingEngineConfiguration

    var orders: [BookOrder]
    var freeOrder: Int32
    var levels: [PriceLevel]
    var freeLevel: Int32
    /// Level indices, best price last (bids ascending).
    var bidLevels: [Int32]
    /// Level indices, best price last (asks descending).
    var askLevels: [Int32]
    /// Pending buy stops, next to trigger last (stop descending, then later arrivals first).
    var buyStops: [Int32]
    /// Pending sell stops, next to trigger last (stop ascending, then later arrivals first).
    var sellStops: [Int32]
    var index: OrderIdIndex

    var orderSerial: UInt64 = 0
    var tradeSerial: UInt64 = 0
    var reportSerial: UInt64 = 0
    var feedSequence: UInt64 = 0
    /// Arrival counter: orders (and re-entries after losing priority) in time order.
    var arrivalSerial: UInt64 = 0
    /// Price of the last trade, `.zero` before the first.
    public internal(set) var lastTradePrice: Price = .zero
    var published: (bidPrice: Price, bidQuantity: Quantity, askPrice: Price, askQuantity: Quantity) = (.zero, .zero, .zero, .zero)
    /// Orders live in the pool (resting, pending stops).
    public internal(set) var liveOrderCount: Int = 0
    /// Trades matched since `init`.
    public var tradeCount: UInt64 { tradeSerial }

    /// An empty book; allocates every pool once. O(capacity).
    public init(configuration: MatchingEngineConfiguration) {
        self.configuration = configuration
        let n = configuration.orderCapacity
        orders = Array(repeating: BookOrder(), count: n)
        for i in 0..<n { orders[i].next = i + 1 < n ? Int32(i + 1) : -1 }
        freeOrder = 0
        let m = configuration.levelCapacity * 2
        levels = Array(repeating: PriceLevel(), count: m)
        for i in 0..<m { levels[i].head = i + 1 < m ? Int32(i + 1) : -1 }
        freeLevel = 0
        bidLevels = []; bidLevels.reserveCapacity(configuration.levelCapacity)
        askLevels = []; askLevels.reserveCapacity(configuration.levelCapacity)
        buyStops = []; buyStops.reserveCapacity(configuration.stopCapacity)
        sellStops = []; sellStops.reserveCapacity(configuration.stopCapacity)
        index = OrderIdIndex(capacity: n)
    }

    // MARK: Reading the book (any cost noted; none allocates unless it returns an array)

    /// Best bid price and total quantity there, or `nil`. O(1).
    public var bestBid: (price: Price, quantity: Quantity)? {
        guard let l = bidLevels.last else { return nil }
        return (levels[Int(l)].price, levels[Int(l)].quantity)
    }

    /// Best ask price and total quantity there, or `nil`. O(1).
    public var bestAsk: (price: Price, quantity: Quantity)? {
        guard let l = askLevels.last else { return nil }
        return (levels[Int(l)].price, levels[Int(l)].quantity)
    }

    /// Number of price levels on `side`. O(1).
    public func levelCount(_ side: Side) -> Int { side.isSell ? askLevels.count : bidLevels.count }

    /// Price, total quantity and order count of level `level` (0 = best) on `side`, or `nil`. O(1).
    public func level(_ level: Int, side: Side) -> (price: Price, quantity: Quantity, orderCount: Int)? {
        let list = side.isSell ? askLevels : bidLevels
        guard level >= 0 && level < list.count else { return nil }
        let l = levels[Int(list[list.count - 1 - level])]
        return (l.price, l.quantity, Int(l.orderCount))
    }

    /// The live order with this client id and account (resting or pending stop), or `nil`. O(1).
    public func order(_ id: OrderId, account: AccountId) -> BookOrderSnapshot? {
        guard let s = index.find(id, account: account) else { return nil }
        return BookOrderSnapshot(orders[s])
    }

    /// Client order ids of the orders at one level in time priority (allocates; for tests).
    public func queue(atLevel level: Int, side: Side) -> [OrderId] {
        let list = side.isSell ? askLevels : bidLevels
        guard level >= 0 && level < list.count else { return [] }
        var result: [OrderId] = []
        var o = levels[Int(list[list.count - 1 - level])].head
        while o >= 0 { result.append(orders[Int(o)].orderId); o = orders[Int(o)].next }
        return result
    }

    /// Every live order (allocates; for tests and snapshots), in pool order.
    public func liveOrders() -> [BookOrderSnapshot] {
        orders.filter { $0.state != .free }.map(BookOrderSnapshot.init)
    }
}

/// What a live order looks like from outside the engine.
public struct BookOrderSnapshot: Sendable, Equatable {
    public var orderId: OrderId
    public var venueOrderId: UInt64
    public var account: AccountId
    public var side: Side
    public var type: OrderType
    public var timeInForce: TimeInForce
    public var price: Price
    public var stopPrice: Price
    public var quantity: Quantity
    public var leavesQuantity: Quantity
    public var cumulativeQuantity: Quantity
    /// Whether it waits for its stop to trigger (not in the book yet).
    public var isPendingStop: Bool

    init(_ o: BookOrder) {
        orderId = o.orderId; venueOrderId = o.venueOrderId; account = o.account; side = o.side; type = o.type
        timeInForce = o.timeInForce; price = o.price; stopPrice = o.stopPrice; quantity = o.quantity
        leavesQuantity = o.leaves; cumulativeQuantity = o.cumulative; isPendingStop = o.state == .pendingStop
    }
}

/// Where an order slot is in its life.
enum BookOrderState: UInt8, Sendable, BitwiseCopyable {
    case free, resting, pendingStop, matching
}

/// One pool slot: an order and its links.
struct BookOrder: Sendable, BitwiseCopyable {
    var orderId: OrderId = .none
    var venueOrderId: UInt64 = 0
    var price: Price = .zero
    var stopPrice: Price = .zero
    var quantity: Quantity = .zero
    var leaves: Quantity = .zero
    var cumulative: Quantity = .zero
    /// Σ price × quantity of the fills, for the average price.
    var filledNotional: Notional = .zero
    var arrival: UInt64 = 0
    var account: AccountId = AccountId(rawValue: 0)
    var strategy: StrategyId = StrategyId(rawValue: 0)
    /// Previous/next in the level FIFO (or next free slot), -1 for none.
    var previous: Int32 = -1
    var next: Int32 = -1
    /// Level index while resting, else -1.
    var level: Int32 = -1
    var side: Side = .buy
    var type: OrderType = .limit
    var timeInForce: TimeInForce = .day
    var state: BookOrderState = .free
}

/// One price level: a FIFO of orders at one price.
struct PriceLevel: Sendable, BitwiseCopyable {
    var price: Price = .zero
    var quantity: Quantity = .zero
    /// First order (oldest), or next free level while free; -1 for none.
    var head: Int32 = -1
    var tail: Int32 = -1
    var orderCount: Int32 = 0
}
