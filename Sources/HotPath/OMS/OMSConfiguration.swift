import PeregrineCore

/// Sizes and policies of an `OrderManager`, fixed at start-up.
@frozen
public struct OMSConfiguration: Sendable {
    /// Order slots (live plus lingering orders).
    public var orderCapacity: Int
    /// Fills remembered for deduplication and busts (a ring; oldest forgotten first).
    public var executionCapacity: Int
    /// How long a terminal order keeps its slot so late reports still match it.
    public var linger: Nanoseconds
    /// Dense account and instrument ids the position book covers (0..<count).
    public var accountCount: Int
    public var instrumentCount: Int
    /// Fees charged on every fill (venue-reported commissions go through
    /// `PositionBook.addFee`).
    public var fees: FeeSchedule

    public init(orderCapacity: Int = 65_536, executionCapacity: Int = 262_144, linger: Nanoseconds = .seconds(60),
                accountCount: Int = 16, instrumentCount: Int = 4_096, fees: FeeSchedule = FeeSchedule()) {
        self.orderCapacity = orderCapacity; self.executionCapacity = executionCapacity; self.linger = linger
        self.accountCount = accountCount; self.instrumentCount = instrumentCount; self.fees = fees
    }
}

/// The fee hook: a per-unit charge plus basis points of notional, per fill.
@frozen
public struct FeeSchedule: Sendable, BitwiseCopyable, Equatable {
    /// Charged per unit of quantity (e.g. 0.0035 per share).
    public var perUnit: Price
    /// Charged on |notional|, in hundredths of a basis point (1 = 0.0001 %).
    public var centibasisPoints: Int64

    public init(perUnit: Price = .zero, centibasisPoints: Int64 = 0) {
        self.perUnit = perUnit; self.centibasisPoints = centibasisPoints
    }

    /// The fee for a fill of `quantity` at `price`; the notional part truncates toward zero
    /// at 10⁻¹⁶. O(1), no allocation.
    @inlinable
    public func fee(quantity: Quantity, price: Price) -> Notional {
        if perUnit.rawValue == 0 && centibasisPoints == 0 { return .zero }
        let units = perUnit.notional(for: quantity.magnitude)
        // No rate on the notional: its share is exactly zero (skips a 128-bit division).
        if centibasisPoints == 0 { return units }
        let notional = price.notional(for: quantity).magnitude
        return units + Notional(rawValue: notional.rawValue * Int128(centibasisPoints) / 1_000_000)
    }
}
