/// A signed decimal stored as an `Int64` count of 10⁻⁸ units. See FixedPoint.md.
///
/// `Price` and `Quantity` conform; the shared parsing, formatting, rounding and arithmetic
/// live here as static-dispatch default implementations (no existentials, no allocation).
public protocol FixedPointDecimal: Hashable, Comparable, Sendable, BitwiseCopyable,
    CustomStringConvertible
{
    /// The raw count of 10⁻⁸ units.
    var rawValue: Int64 { get }
    /// Wraps a raw count of 10⁻⁸ units.
    init(rawValue: Int64)
}

/// Decimal places and scale shared by every fixed-point value.
public enum FixedPointScale {
    /// Digits after the decimal point.
    public static let decimals = 8
    /// Raw units per whole unit (10⁸).
    public static let scale: Int64 = 100_000_000
}

extension FixedPointDecimal {
    /// Zero.
    @inlinable public static var zero: Self { Self(rawValue: 0) }
    /// The largest representable value.
    @inlinable public static var max: Self { Self(rawValue: .max) }
    /// The smallest representable value.
    @inlinable public static var min: Self { Self(rawValue: .min) }

    /// Creates a value from a whole number of units; `nil` if it does not fit.
    @inlinable
    public init?(units: Int64) {
        let (raw, overflow) = units.multipliedReportingOverflow(by: FixedPointScale.scale)
        if overflow { return nil }
        self.init(rawValue: raw)
    }

    /// Creates a value from a mantissa and a count of decimals (e.g. 12345, 4 → 1.2345).
    ///
    /// `nil` on overflow, or when `decimals` exceeds eight and `rule` is `nil` (inexact).
    @inlinable
    public init?(mantissa: Int64, decimals: Int, rounding rule: FixedPointRounding? = nil) {
        precondition(decimals >= 0 && decimals <= 18, "decimals out of range")
        if decimals <= FixedPointScale.decimals {
            var factor: Int64 = 1
            for _ in 0..<(FixedPointScale.decimals - decimals) { factor &*= 10 }
            let (raw, overflow) = mantissa.multipliedReportingOverflow(by: factor)
            if overflow { return nil }
            self.init(rawValue: raw)
        } else {
            var divisor: Int64 = 1
            for _ in 0..<(decimals - FixedPointScale.decimals) { divisor &*= 10 }
            if mantissa % divisor != 0 && rule == nil { return nil }
            self.init(rawValue: FixedPointMath.divide(mantissa, by: divisor, rounding: rule ?? .towardZero))
        }
    }

    /// Converts a `Double`, rounding to the nearest 10⁻⁸ by `rule`; `nil` if not finite or out of range.
    ///
    /// For configuration and tests; market data should be parsed from its decimal text.
    @inlinable
    public init?(_ value: Double, rounding rule: FixedPointRounding = .toNearestOrEven) {
        guard value.isFinite else { return nil }
        let scaled = value * Double(FixedPointScale.scale)
        let rounded: Double
        switch rule {
        case .towardZero: rounded = scaled.rounded(.towardZero)
        case .down: rounded = scaled.rounded(.down)
        case .up: rounded = scaled.rounded(.up)
        case .toNearestOrAwayFromZero: rounded = scaled.rounded(.toNearestOrAwayFromZero)
        case .toNearestOrEven: rounded = scaled.rounded(.toNearestOrEven)
        }
        // 2^63 is exactly representable; anything at or beyond it does not fit.
        guard rounded >= -9.223372036854775808e18, rounded < 9.223372036854775808e18 else { return nil }
        self.init(rawValue: Int64(rounded))
    }

    /// The value as a `Double` (nearest; for reports and models, never for order prices).
    @inlinable public var doubleValue: Double { Double(rawValue) / Double(FixedPointScale.scale) }

    /// Whole units, truncated toward zero.
    @inlinable public var integerPart: Int64 { rawValue / FixedPointScale.scale }

    @inlinable public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Sum; traps on overflow (a programmer error, as for Swift integers).
    @inlinable public static func + (lhs: Self, rhs: Self) -> Self { Self(rawValue: lhs.rawValue + rhs.rawValue) }
    /// Difference; traps on overflow.
    @inlinable public static func - (lhs: Self, rhs: Self) -> Self { Self(rawValue: lhs.rawValue - rhs.rawValue) }
    @inlinable public static func += (lhs: inout Self, rhs: Self) { lhs = lhs + rhs }
    @inlinable public static func -= (lhs: inout Self, rhs: Self) { lhs = lhs - rhs }
    /// Negation; traps for `.min`.
    @inlinable public static prefix func - (value: Self) -> Self { Self(rawValue: -value.rawValue) }
    /// Scalar product; traps on overflow.
    @inlinable public static func * (lhs: Self, rhs: Int64) -> Self { Self(rawValue: lhs.rawValue * rhs) }

    /// Sum with an overflow flag instead of a trap (for validating untrusted input).
    @inlinable
    public func addingReportingOverflow(_ other: Self) -> (partialValue: Self, overflow: Bool) {
        let (raw, overflow) = rawValue.addingReportingOverflow(other.rawValue)
        return (Self(rawValue: raw), overflow)
    }

    /// Difference with an overflow flag instead of a trap.
    @inlinable
    public func subtractingReportingOverflow(_ other: Self) -> (partialValue: Self, overflow: Bool) {
        let (raw, overflow) = rawValue.subtractingReportingOverflow(other.rawValue)
        return (Self(rawValue: raw), overflow)
    }

    /// Scalar product with an overflow flag instead of a trap.
    @inlinable
    public func multipliedReportingOverflow(by factor: Int64) -> (partialValue: Self, overflow: Bool) {
        let (raw, overflow) = rawValue.multipliedReportingOverflow(by: factor)
        return (Self(rawValue: raw), overflow)
    }

    /// The absolute value; traps for `.min`.
    @inlinable public var magnitude: Self { Self(rawValue: rawValue < 0 ? -rawValue : rawValue) }

    /// Rounds to a multiple of `increment` (a tick or lot size) by `rule`; `nil` on overflow.
    ///
    /// O(1), no allocation. `increment` must be positive.
    @inlinable
    public func rounded(toMultipleOf increment: Self, rule: FixedPointRounding) -> Self? {
        precondition(increment.rawValue > 0, "increment must be positive")
        let steps = FixedPointMath.divide(rawValue, by: increment.rawValue, rounding: rule)
        let (raw, overflow) = steps.multipliedReportingOverflow(by: increment.rawValue)
        return overflow ? nil : Self(rawValue: raw)
    }

    /// Whether the value is an exact multiple of `increment`.
    @inlinable
    public func isMultiple(of increment: Self) -> Bool {
        precondition(increment.rawValue > 0, "increment must be positive")
        return rawValue % increment.rawValue == 0
    }

    /// Decimal text, shortest form with at least one fraction digit trimmed ("101.25", "-0.5", "7").
    ///
    /// Allocates a `String`: for logs, reports and tests only.
    public var description: String {
        var bytes = [UInt8](repeating: 0, count: Self.maxFormattedLength)
        let count = bytes.withUnsafeMutableBytes { format(into: $0) }
        return String(decoding: bytes[0..<count], as: UTF8.self)
    }

    /// Longest text `format(into:)` writes: sign, 11 integer digits, point, 8 decimals.
    public static var maxFormattedLength: Int { 21 }
}
