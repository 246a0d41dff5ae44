import PeregrineCore

/// Which of an event's times drives a strategy: exchange (event) time for replay and
/// deterministic tests, receive time live.
@frozen
public enum StrategyClock: UInt8, Sendable, BitwiseCopyable {
    case exchangeTime = 0
    case receiveTime = 1
}

/// Hard per-instrument limits every order a strategy emits respects.
///
/// Checked by `StrategyBook` before any command reaches the `OrderSink`: an order larger
/// than `maxOrderSize`, or one that could (if fully filled, together with the instrument's
/// position) take |position| above `maxPosition`, is never emitted.
@frozen
public struct StrategyLimits: Sendable, BitwiseCopyable, Equatable {
    /// Largest |position| reachable if every open order fills.
    public var maxPosition: Quantity
    /// Largest quantity of one order.
    public var maxOrderSize: Quantity

    @inlinable
    public init(maxPosition: Quantity, maxOrderSize: Quantity) {
        self.maxPosition = maxPosition
        self.maxOrderSize = maxOrderSize
    }
}

/// What a strategy instance is: its id, account, instruments and limits (cold set-up data).
public struct StrategyConfig: Sendable {
    public var id: StrategyId
    public var account: AccountId
    /// Destination venue written into orders (`.none` lets the router choose).
    public var venue: VenueId
    /// The instruments the strategy trades; their order here is the "slot" index every
    /// stage uses for its per-instrument state.
    public var instruments: [InstrumentId]
    /// Limits applied to every instrument (override per slot in `StrategyBook.limits`).
    public var limits: StrategyLimits
    /// Orders and targets are whole multiples of this.
    public var lotSize: Quantity
    /// Price increment used for marketable offsets.
    public var tickSize: Price
    /// Capacity of the strategy's `OrderSink` (commands per callback).
    public var orderCapacity: Int
    public var clock: StrategyClock
    /// After a new order is rejected (risk, venue or engine), the slot sends no new order for
    /// this long: a refused order is not retried on every timer tick.
    public var rejectBackoff: Nanoseconds = .milliseconds(250)

    public init(id: StrategyId, account: AccountId = AccountId(rawValue: 0), venue: VenueId = .none,
                instruments: [InstrumentId], limits: StrategyLimits,
                lotSize: Quantity = Quantity(rawValue: FixedPointScale.scale),
                tickSize: Price = Price(rawValue: FixedPointScale.scale / 100),
                orderCapacity: Int = 64, clock: StrategyClock = .exchangeTime) {
        self.id = id; self.account = account; self.venue = venue; self.instruments = instruments
        self.limits = limits; self.lotSize = lotSize; self.tickSize = tickSize
        self.orderCapacity = orderCapacity; self.clock = clock
    }
}
