import PeregrineCore

/// Everything the OMS knows about one order: one preallocated slot, reused once the order
/// has been terminal for the linger period.
///
/// A cancel/replace chain stays in one slot: `orderId` is the ClOrdID the venue last
/// acknowledged, `rootOrderId` the first one; the pending request ids are aliases in the
/// id index so that the venue's answer to either id finds the slot.
@frozen
public struct OrderRecord: Sendable, BitwiseCopyable {
    /// The acknowledged ClOrdID (changes when a replace is confirmed).
    public var orderId: OrderId
    /// The first ClOrdID of the chain.
    public var rootOrderId: OrderId
    /// ClOrdID of a replace sent and not yet answered, or `.none`.
    public var pendingReplaceId: OrderId
    /// ClOrdID of a cancel sent and not yet answered, or `.none` (also `.none` for venues
    /// that cancel by the order's own id; see `isCancelPending`).
    public var pendingCancelId: OrderId
    /// Venue OrderID (FIX 37), 0 until the venue says.
    public var venueOrderId: UInt64
    /// Limit price in force.
    public var price: Price
    /// Order quantity in force (FIX OrderQty).
    public var quantity: Quantity
    /// Price and quantity of the pending replace.
    public var pendingPrice: Price
    public var pendingQuantity: Quantity
    /// Filled so far (FIX CumQty), as booked locally.
    public var filledQuantity: Quantity
    /// Σ lastQty × lastPx of the booked fills, exact (for the average fill price).
    public var filledNotional: Notional
    public var createdTime: Timestamp
    /// Time of the last report applied (receive time, else transact time).
    public var updatedTime: Timestamp
    /// When the order became terminal (start of its linger).
    public var terminalTime: Timestamp
    public var instrument: InstrumentId
    public var account: AccountId
    public var strategy: StrategyId
    public var venue: VenueId
    public var side: Side
    public var type: OrderType
    public var timeInForce: TimeInForce
    /// The working status without pending cancel/replace: pendingNew, new,
    /// partiallyFilled, filled, or a terminal one (canceled, rejected, expired, doneForDay).
    public var baseStatus: OrderStatus
    /// Whether the venue has acknowledged the order.
    public var isAcknowledged: Bool
    /// Whether a cancel is outstanding.
    public var isCancelPending: Bool
    /// Whether a replace is outstanding.
    public var isReplacePending: Bool
    /// Whether the slot holds an order.
    public var isInUse: Bool
    /// Confirmed replaces so far.
    public var replaceCount: UInt16
    /// Bumped each time the slot is recycled; ledger entries of an older order never match.
    public var generation: UInt32
    // Linger list links (slot numbers, `.max` = none) and the number of id aliases.
    @usableFromInline var lingerPrevious: UInt32
    @usableFromInline var lingerNext: UInt32
    @usableFromInline var aliasCount: UInt8

    /// An empty slot.
    @inlinable
    public init() {
        orderId = .none; rootOrderId = .none; pendingReplaceId = .none; pendingCancelId = .none
        venueOrderId = 0; price = .zero; quantity = .zero; pendingPrice = .zero; pendingQuantity = .zero
        filledQuantity = .zero; filledNotional = .zero
        createdTime = .zero; updatedTime = .zero; terminalTime = .zero
        instrument = .none; account = AccountId(rawValue: 0); strategy = StrategyId(rawValue: 0); venue = .none
        side = .buy; type = .limit; timeInForce = .day; baseStatus = .pendingNew
        isAcknowledged = false; isCancelPending = false; isReplacePending = false; isInUse = false
        replaceCount = 0; generation = 0; lingerPrevious = .max; lingerNext = .max; aliasCount = 0
    }

    /// The FIX OrdStatus (39) the order has now: a terminal status wins, then pending
    /// cancel, then pending replace (FIX 4.4 Vol. 4 OrdStatus precedence), then the
    /// working status.
    @inlinable
    public var status: OrderStatus {
        if baseStatus.isTerminal { return baseStatus }
        if isCancelPending { return .pendingCancel }
        if isReplacePending { return .pendingReplace }
        return baseStatus
    }

    /// Whether no further executions are expected.
    @inlinable public var isTerminal: Bool { baseStatus.isTerminal }

    /// Open quantity (FIX LeavesQty): zero once terminal.
    @inlinable
    public var leavesQuantity: Quantity {
        if baseStatus.isTerminal { return .zero }
        let leaves = quantity - filledQuantity
        return leaves.rawValue > 0 ? leaves : .zero
    }

    /// Average fill price (FIX AvgPx), rounded half-even; zero before the first fill.
    @inlinable
    public var averagePrice: Price {
        filledNotional.divided(by: filledQuantity, rounding: .toNearestOrEven) ?? .zero
    }

    /// The working status implied by the fills: filled, partially filled, new or pending new.
    @inlinable
    var workingStatus: OrderStatus {
        if filledQuantity.rawValue >= quantity.rawValue && quantity.rawValue > 0 { return .filled }
        if filledQuantity.rawValue > 0 { return .partiallyFilled }
        return isAcknowledged ? .new : .pendingNew
    }
}
