/// A venue's answer about an order (FIX ExecutionReport, TWS orderStatus/execDetails,
/// simulated venue), normalized: two 64-byte cache lines, trivially copyable.
///
/// Layout pinned by tests; `reserved` keeps the size at exactly 128 bytes.
@frozen
public struct ExecutionEvent: Sendable, BitwiseCopyable, Equatable {
    /// Venue transaction time (FIX TransactTime).
    public var transactTime: Timestamp
    /// When Peregrine received it.
    public var receiveTime: Timestamp
    /// Engine order id (ClOrdID).
    public var orderId: OrderId
    /// For replace/cancel reports: the id of the order replaced (OrigClOrdID).
    public var originalOrderId: OrderId
    /// Venue's order id (OrderID), hashed or numeric.
    public var venueOrderId: UInt64
    /// Venue's execution id (ExecID), hashed or numeric; fills are deduplicated on it.
    public var executionId: UInt64
    /// Price of this fill (LastPx).
    public var lastPrice: Price
    /// Quantity of this fill (LastQty).
    public var lastQuantity: Quantity
    /// Open quantity left (LeavesQty).
    public var leavesQuantity: Quantity
    /// Filled so far (CumQty).
    public var cumulativeQuantity: Quantity
    /// Average fill price (AvgPx).
    public var averagePrice: Price
    /// Order limit price as the venue has it.
    public var price: Price
    /// Order quantity as the venue has it.
    public var orderQuantity: Quantity
    public var instrument: InstrumentId
    public var account: AccountId
    public var venue: VenueId
    public var strategy: StrategyId
    /// Venue reject reason (OrdRejReason / CxlRejReason) or 0.
    public var rejectReason: UInt16
    public var executionType: ExecutionType
    public var orderStatus: OrderStatus
    public var side: Side
    /// `ExecutionFlags` bits.
    public var flags: UInt8
    /// Padding to 128 bytes; always zero.
    public var reserved: (UInt16, UInt16, UInt16)

    /// A zeroed event (for preallocating ring slots).
    @inlinable
    public init() {
        transactTime = .zero; receiveTime = .zero; orderId = .none; originalOrderId = .none
        venueOrderId = 0; executionId = 0; lastPrice = .zero; lastQuantity = .zero
        leavesQuantity = .zero; cumulativeQuantity = .zero; averagePrice = .zero; price = .zero
        orderQuantity = .zero; instrument = .none; account = AccountId(rawValue: 0); venue = .none
        strategy = StrategyId(rawValue: 0); rejectReason = 0; executionType = .new; orderStatus = .new
        side = .buy; flags = 0; reserved = (0, 0, 0)
    }

    @inlinable
    public static func == (lhs: ExecutionEvent, rhs: ExecutionEvent) -> Bool {
        lhs.transactTime == rhs.transactTime && lhs.receiveTime == rhs.receiveTime && lhs.orderId == rhs.orderId
            && lhs.originalOrderId == rhs.originalOrderId && lhs.venueOrderId == rhs.venueOrderId
            && lhs.executionId == rhs.executionId && lhs.lastPrice == rhs.lastPrice
            && lhs.lastQuantity == rhs.lastQuantity && lhs.leavesQuantity == rhs.leavesQuantity
            && lhs.cumulativeQuantity == rhs.cumulativeQuantity && lhs.averagePrice == rhs.averagePrice
            && lhs.price == rhs.price && lhs.orderQuantity == rhs.orderQuantity && lhs.instrument == rhs.instrument
            && lhs.account == rhs.account && lhs.venue == rhs.venue && lhs.strategy == rhs.strategy
            && lhs.rejectReason == rhs.rejectReason && lhs.executionType == rhs.executionType
            && lhs.orderStatus == rhs.orderStatus && lhs.side == rhs.side && lhs.flags == rhs.flags
    }
}

/// Flag bits of an `ExecutionEvent`.
@frozen
public struct ExecutionFlags: OptionSet, Sendable, BitwiseCopyable {
    // Computed constants, not `static let`s: a test in another module is then a bit test,
    // not a call to a lazy global's addressor (as for `MarketEventFlags`).
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// The report is a possible duplicate (FIX PossDupFlag / PossResend).
    @inlinable public static var possibleDuplicate: ExecutionFlags { ExecutionFlags(rawValue: 1 << 0) }
    /// The report answers a status or reconciliation request, not a live change.
    @inlinable public static var statusResponse: ExecutionFlags { ExecutionFlags(rawValue: 1 << 1) }
    /// The fill added liquidity (maker).
    @inlinable public static var liquidityAdded: ExecutionFlags { ExecutionFlags(rawValue: 1 << 2) }
    /// The cancel/replace was rejected (FIX OrderCancelReject).
    @inlinable public static var cancelRejected: ExecutionFlags { ExecutionFlags(rawValue: 1 << 3) }
}
