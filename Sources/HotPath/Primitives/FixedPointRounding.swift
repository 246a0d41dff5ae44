/// How a fixed-point value is rounded when it cannot be represented exactly.
///
/// Used by tick rounding, `Double` conversion, rescaling of notionals and lenient parsing.
@frozen
public enum FixedPointRounding: UInt8, Sendable, CaseIterable {
    /// Truncate: 1.5 → 1, −1.5 → −1.
    case towardZero
    /// Floor: 1.5 → 1, −1.5 → −2.
    case down
    /// Ceiling: 1.5 → 2, −1.5 → −1.
    case up
    /// Half away from zero (commercial rounding): 2.5 → 3, −2.5 → −3.
    case toNearestOrAwayFromZero
    /// Half to even (banker's rounding): 2.5 → 2, 3.5 → 4.
    case toNearestOrEven
}

/// Integer division helpers shared by `Price`, `Quantity` and `Notional`.
@usableFromInline
enum FixedPointMath {
    /// Divides `numerator` by a positive `denominator`, rounding the quotient by `rule`.
    @inlinable
    static func divide<T: FixedWidthInteger & SignedInteger>(_ numerator: T, by denominator: T, rounding rule: FixedPointRounding) -> T {
        precondition(denominator > 0, "fixed-point divisor must be positive")
        let q = numerator / denominator          // truncates toward zero
        let r = numerator - q * denominator      // same sign as numerator
        if r == 0 { return q }
        let negative = numerator < 0
        switch rule {
        case .towardZero:
            return q
        case .down:
            return negative ? q - 1 : q
        case .up:
            return negative ? q : q + 1
        case .toNearestOrAwayFromZero, .toNearestOrEven:
            let twiceRemainder = (r < 0 ? -r : r) * 2
            let awayFromZero: Bool
            if twiceRemainder > denominator {
                awayFromZero = true
            } else if twiceRemainder < denominator {
                awayFromZero = false
            } else if rule == .toNearestOrAwayFromZero {
                awayFromZero = true
            } else {
                awayFromZero = (q & 1) != 0      // tie: go to the even neighbour
            }
            return awayFromZero ? (negative ? q - 1 : q + 1) : q
        }
    }
}
