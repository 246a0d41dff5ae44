import PeregrineCore

/// A position in one instrument for one account, booked from fills by the average-cost
/// method.
///
/// - `costBasis` is the exact signed Σ quantity × price of the open position (negative
///   when short), so `averagePrice = costBasis / quantity`.
/// - A fill that increases the position (or opens it) adds its notional to the basis.
/// - A fill that reduces it releases `costBasis × closed / |quantity|` of the basis,
///   rounded half-even at 10⁻¹⁶ (the `Notional` unit); realized P&L is the closing
///   notional minus the released basis. Closing the whole position releases the basis
///   exactly, so a round trip realizes exactly Σ sells − Σ buys.
/// - A fill through zero closes the whole position, then opens the rest at the fill price.
///
/// Invariant (exact, whatever the rounding, also across `reverse`): `realizedPnL +
/// unrealizedPnL(mark:)` equals `quantity × mark − Σ signed fill notional`. Fees are kept
/// apart from P&L.
@frozen
public struct Position: Sendable, BitwiseCopyable, Equatable {
    /// Signed quantity: positive long, negative short.
    public var quantity: Quantity
    /// Exact signed notional of the open position (see the type's note).
    public var costBasis: Notional
    /// Realized P&L, before fees.
    public var realizedPnL: Notional
    /// Fees and commissions charged (positive = paid).
    public var fees: Notional
    /// Gross quantities traded.
    public var boughtQuantity: Quantity
    public var soldQuantity: Quantity

    @inlinable
    public init() {
        quantity = .zero; costBasis = .zero; realizedPnL = .zero; fees = .zero
        boughtQuantity = .zero; soldQuantity = .zero
    }

    /// Average entry price, rounded half-even; zero when flat.
    @inlinable
    public var averagePrice: Price { costBasis.divided(by: quantity, rounding: .toNearestOrEven) ?? .zero }

    /// Unrealized P&L at `mark`: quantity × mark − cost basis, exact.
    @inlinable
    public func unrealizedPnL(mark: Price) -> Notional { mark.notional(for: quantity) - costBasis }

    /// Books a fill of `signedQuantity` (positive buys) at `price`; returns the P&L it
    /// realized. O(1), no allocation.
    @discardableResult
    public mutating func apply(signedQuantity: Quantity, price: Price) -> Notional {
        let q = signedQuantity.rawValue
        guard q != 0 else { return .zero }
        if q > 0 { boughtQuantity += signedQuantity } else { soldQuantity -= signedQuantity }
        let held = quantity.rawValue
        if held == 0 || (held > 0) == (q > 0) {
            quantity += signedQuantity
            costBasis += price.notional(for: signedQuantity)
            return .zero
        }
        let heldMagnitude = held.magnitude
        let closed = min(q.magnitude, heldMagnitude)
        let released: Notional
        if closed == heldMagnitude {
            released = costBasis
        } else {
            released = Notional(rawValue: Self.scale(costBasis.rawValue, by: Int128(closed), over: Int128(heldMagnitude)))
        }
        // Signed closing quantity has the position's sign: a long closes by selling.
        let closingSigned = held > 0 ? Int64(closed) : -Int64(closed)
        let realized = price.notional(for: Quantity(rawValue: closingSigned)) - released
        realizedPnL += realized
        costBasis -= released
        quantity = Quantity(rawValue: held - closingSigned)
        let rest = q + closingSigned          // what is left of the fill after closing
        if rest != 0 {
            quantity = Quantity(rawValue: rest)
            costBasis = price.notional(for: quantity)
        }
        return realized
    }

    /// Takes back a fill booked earlier (a bust): removes its quantity and the basis and
    /// realized P&L it changed when booked. Exact when it was the position's latest fill;
    /// otherwise quantity and total P&L stay exact. A position left flat folds any remaining
    /// basis into realized P&L. O(1), no allocation.
    public mutating func reverse(signedQuantity: Quantity, basisChange: Notional, realized: Notional) {
        if signedQuantity.rawValue > 0 { boughtQuantity -= signedQuantity } else { soldQuantity += signedQuantity }
        quantity -= signedQuantity
        costBasis -= basisChange
        realizedPnL -= realized
        if quantity.rawValue == 0 && costBasis.rawValue != 0 {
            realizedPnL -= costBasis
            costBasis = .zero
        }
    }

    /// `value × numerator / denominator` rounded half-even, without intermediate overflow
    /// (full-width product). `denominator > 0`, `0 ≤ numerator ≤ denominator`.
    @usableFromInline
    static func scale(_ value: Int128, by numerator: Int128, over denominator: Int128) -> Int128 {
        let negative = value < 0
        let magnitude = UInt128(value.magnitude)
        let product = magnitude.multipliedFullWidth(by: UInt128(numerator))
        let (quotient, remainder) = UInt128(denominator).dividingFullWidth(product)
        var q = quotient
        let twice = remainder << 1   // remainder < denominator < 2¹²⁷: no overflow
        if twice > UInt128(denominator) || (twice == UInt128(denominator) && q & 1 == 1) { q += 1 }
        let result = Int128(q)
        return negative ? -result : result
    }
}
