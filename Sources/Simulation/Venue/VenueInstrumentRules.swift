import PeregrineCore

/// Trading rules of one instrument at the simulated venue: tick size, lot size and the
/// largest order accepted.
public struct VenueInstrumentRules: Sendable, Equatable {
    /// Every limit and stop price is a positive multiple of this.
    public var tickSize: Price
    /// Every order quantity is a positive multiple of this.
    public var lotSize: Quantity
    /// Orders above this quantity are rejected.
    public var maximumOrderQuantity: Quantity

    /// Rules; the defaults are a US equity's: $0.01 ticks, one-share lots, 1,000,000 shares.
    public init(tickSize: Price = Price(rawValue: 1_000_000), lotSize: Quantity = Quantity(rawValue: 100_000_000),
                maximumOrderQuantity: Quantity = Quantity(rawValue: 1_000_000 * 100_000_000)) {
        precondition(tickSize.rawValue > 0 && lotSize.rawValue > 0, "tick and lot sizes must be positive")
        self.tickSize = tickSize
        self.lotSize = lotSize
        self.maximumOrderQuantity = maximumOrderQuantity
    }

    /// Whether `price` is a positive multiple of the tick size.
    @inlinable public func isValidPrice(_ price: Price) -> Bool {
        price.rawValue > 0 && price.rawValue % tickSize.rawValue == 0
    }

    /// Whether `quantity` is a positive multiple of the lot size within the maximum.
    @inlinable public func isValidQuantity(_ quantity: Quantity) -> Bool {
        quantity.rawValue > 0 && quantity.rawValue % lotSize.rawValue == 0 && quantity <= maximumOrderQuantity
    }
}
