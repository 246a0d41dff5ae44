/// What an `OrderCommand` asks for.
@frozen
public enum OrderCommandKind: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    case new = 1
    case cancel = 2
    case replace = 3
    /// Cancel every open order of the account (and instrument if set): the kill switch's arm.
    case massCancel = 4
}

/// An order instruction from a strategy to the gateway: one 64-byte cache line.
///
/// Travels strategy → risk → OMS → encoder through rings; layout pinned by tests.
@frozen
public struct OrderCommand: Sendable, BitwiseCopyable, Equatable {
    /// When the strategy decided (tick-to-order latency starts from the triggering event).
    public var createdTime: Timestamp
    /// Engine order id (FIX ClOrdID).
    public var orderId: OrderId
    /// For cancel/replace: the order being cancelled or replaced (FIX OrigClOrdID).
    public var originalOrderId: OrderId
    /// Limit price (ignored for market orders).
    public var price: Price
    /// Stop trigger price (stop and stop-limit only).
    public var stopPrice: Price
    /// Order quantity (total, also for replaces).
    public var quantity: Quantity
    public var instrument: InstrumentId
    public var account: AccountId
    public var strategy: StrategyId
    /// Destination venue chosen by the router (or `.none` to let it choose).
    public var venue: VenueId
    public var kind: OrderCommandKind
    public var side: Side
    public var type: OrderType
    public var timeInForce: TimeInForce

    /// A zeroed command (for preallocating ring slots).
    @inlinable
    public init() {
        self.init(kind: .new, orderId: .none, originalOrderId: .none, instrument: .none, side: .buy, type: .limit,
                  timeInForce: .day, price: .zero, stopPrice: .zero, quantity: .zero,
                  account: AccountId(rawValue: 0), strategy: StrategyId(rawValue: 0), venue: .none, createdTime: .zero)
    }

    @inlinable
    public init(kind: OrderCommandKind, orderId: OrderId, originalOrderId: OrderId = .none, instrument: InstrumentId,
                side: Side, type: OrderType, timeInForce: TimeInForce, price: Price, stopPrice: Price = .zero,
                quantity: Quantity, account: AccountId, strategy: StrategyId, venue: VenueId = .none,
                createdTime: Timestamp) {
        self.createdTime = createdTime; self.orderId = orderId; self.originalOrderId = originalOrderId
        self.price = price; self.stopPrice = stopPrice; self.quantity = quantity
        self.instrument = instrument; self.account = account; self.strategy = strategy; self.venue = venue
        self.kind = kind; self.side = side; self.type = type; self.timeInForce = timeInForce
    }
}
