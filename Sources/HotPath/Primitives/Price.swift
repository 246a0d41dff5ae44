/// A price: a signed fixed-point decimal with eight decimals (`Int64` raw, scale 10⁸).
///
/// Negative prices are representable (spreads, some futures); validation of sign is the
/// job of the filters and the risk stage. 8 bytes, trivially copyable, no allocation.
@frozen
public struct Price: FixedPointDecimal {
    /// Raw count of 10⁻⁸ units.
    public var rawValue: Int64

    @inlinable
    public init(rawValue: Int64) { self.rawValue = rawValue }
}

/// A quantity (shares, contracts, coins): fixed-point with eight decimals (`Int64` raw).
///
/// Signed so that positions and signed fills share the type. 8 bytes, no allocation.
@frozen
public struct Quantity: FixedPointDecimal {
    /// Raw count of 10⁻⁸ units.
    public var rawValue: Int64

    @inlinable
    public init(rawValue: Int64) { self.rawValue = rawValue }
}

extension Price {
    /// The notional of `quantity` at this price, exact (see `Notional`).
    @inlinable
    public func notional(for quantity: Quantity) -> Notional {
        // One widening 64 × 64 → 128 multiply: the product always fits, so no overflow checks.
        let wide = rawValue.multipliedFullWidth(by: quantity.rawValue)
        return Notional(rawValue: Int128(_low: wide.low, _high: wide.high))
    }
}

/// An amount of money, price × quantity, kept exact as `Int128` at scale 10⁻¹⁶.
// The arithmetic is `@inline(__always)`: in the large risk functions the inliner's caller-size
// limit otherwise left calls to `magnitude` and friends on every order.
///
/// The product of any two fixed-point values fits (|p·q| < 2¹²⁶ < 2¹²⁷), so a product is
/// exact and sums of any practical size cannot overflow; `+` still traps if one does. 16 bytes.
@frozen
public struct Notional: Hashable, Comparable, Sendable, BitwiseCopyable, CustomStringConvertible {
    /// Raw count of 10⁻¹⁶ units.
    public var rawValue: Int128

    /// Raw units per whole unit (10¹⁶).
    public static let scale: Int128 = 10_000_000_000_000_000

    @inlinable @inline(__always) public init(rawValue: Int128) { self.rawValue = rawValue }
    @inlinable public static var zero: Notional { Notional(rawValue: 0) }

    /// A notional from a price-scale amount (e.g. a limit from configuration).
    @inlinable
    public init(_ amount: Price) { rawValue = Int128(amount.rawValue) * 100_000_000 }

    @inlinable @inline(__always) public static func < (lhs: Notional, rhs: Notional) -> Bool { lhs.rawValue < rhs.rawValue }
    @inlinable @inline(__always) public static func + (lhs: Notional, rhs: Notional) -> Notional { Notional(rawValue: lhs.rawValue + rhs.rawValue) }
    @inlinable @inline(__always) public static func - (lhs: Notional, rhs: Notional) -> Notional { Notional(rawValue: lhs.rawValue - rhs.rawValue) }
    @inlinable @inline(__always) public static func += (lhs: inout Notional, rhs: Notional) { lhs = lhs + rhs }
    @inlinable @inline(__always) public static func -= (lhs: inout Notional, rhs: Notional) { lhs = lhs - rhs }
    @inlinable @inline(__always) public var magnitude: Notional { Notional(rawValue: rawValue < 0 ? -rawValue : rawValue) }

    /// Rescales to eight decimals by `rule`; `nil` if the result does not fit in a `Price`.
    @inlinable
    public func rounded(_ rule: FixedPointRounding) -> Price? {
        let q = FixedPointMath.divide(rawValue, by: 100_000_000, rounding: rule)
        guard q >= Int128(Int64.min) && q <= Int128(Int64.max) else { return nil }
        return Price(rawValue: Int64(q))
    }

    /// The amount divided by `quantity` (an average price), rounded by `rule`; `nil` for a
    /// zero quantity or a result out of range.
    @inlinable
    public func divided(by quantity: Quantity, rounding rule: FixedPointRounding) -> Price? {
        guard quantity.rawValue != 0 else { return nil }
        var numerator = rawValue
        var denominator = Int128(quantity.rawValue)
        if denominator < 0 { numerator = -numerator; denominator = -denominator }
        let q = FixedPointMath.divide(numerator, by: denominator, rounding: rule)
        guard q >= Int128(Int64.min) && q <= Int128(Int64.max) else { return nil }
        return Price(rawValue: Int64(q))
    }

    /// The value as a `Double` (reports only).
    @inlinable public var doubleValue: Double { Double(rawValue) / 1e16 }

    /// Decimal text at eight decimals (rounded half-even); allocates, not for the hot path.
    public var description: String {
        if let price = rounded(.toNearestOrEven) { return price.description }
        return "\(rawValue)e-16"
    }
}
