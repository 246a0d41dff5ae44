import PeregrineCore

/// A numeric field of a `MarketEvent`, chosen at run time (what a query compiler emits for
/// `price`, `mid`, `spread`...). A projection: one predictable `switch` per call, no closure.
@frozen
public enum MarketField: UInt8, Sendable, BitwiseCopyable, CEPProjection, CaseIterable {
    /// Trade or depth price.
    case price
    /// Trade or depth quantity.
    case quantity
    /// Price × quantity (notional, as a double).
    case notional
    case bidPrice, askPrice, bidQuantity, askQuantity
    /// (bid + ask) / 2.
    case mid
    /// ask − bid.
    case spread
    /// (bidQty − askQty) / (bidQty + askQty); 0 when both are 0.
    case imbalance
    case open, high, low, close, volume
    /// Exchange time in seconds since the epoch.
    case timeSeconds
    /// The constant 1 (for counts and unweighted means).
    case one

    /// The field's value as a double. O(1), no allocation.
    @inlinable
    public func value(of event: MarketEvent) -> Double {
        switch self {
        case .price: return event.price.doubleValue
        case .quantity: return event.quantity.doubleValue
        case .notional: return event.price.doubleValue * event.quantity.doubleValue
        case .bidPrice: return event.bidPrice.doubleValue
        case .askPrice: return event.askPrice.doubleValue
        case .bidQuantity: return event.bidQuantity.doubleValue
        case .askQuantity: return event.askQuantity.doubleValue
        case .mid: return (event.bidPrice.doubleValue + event.askPrice.doubleValue) * 0.5
        case .spread: return event.askPrice.doubleValue - event.bidPrice.doubleValue
        case .imbalance:
            let b = event.bidQuantity.doubleValue, a = event.askQuantity.doubleValue
            return b + a == 0 ? 0 : (b - a) / (b + a)
        case .open: return event.open.doubleValue
        case .high: return event.high.doubleValue
        case .low: return event.low.doubleValue
        case .close: return event.close.doubleValue
        case .volume: return event.volume.doubleValue
        case .timeSeconds: return Double(event.exchangeTime.nanosecondsSinceEpoch) * 1e-9
        case .one: return 1
        }
    }
}

/// A comparison operator of a data-driven condition.
@frozen
public enum CEPComparison: UInt8, Sendable, BitwiseCopyable {
    case less, lessOrEqual, equal, notEqual, greaterOrEqual, greater

    /// `lhs op rhs`.
    @inlinable
    public func compare(_ lhs: Double, _ rhs: Double) -> Bool {
        switch self {
        case .less: return lhs < rhs
        case .lessOrEqual: return lhs <= rhs
        case .equal: return lhs == rhs
        case .notEqual: return lhs != rhs
        case .greaterOrEqual: return lhs >= rhs
        case .greater: return lhs > rhs
        }
    }
}

/// A data-driven condition on a `MarketEvent`: an optional kind test and up to two field
/// comparisons, all ANDed (`kind = trade AND price > 100 AND quantity >= 500`).
///
/// Built at run time by a query compiler without new generic types; trivially copyable.
/// O(1), no allocation.
@frozen
public struct MarketCondition: CEPPredicate, Sendable, BitwiseCopyable {
    /// Required kind, or nil for any.
    public var kind: MarketEventKind?
    public var field0: MarketField, comparison0: CEPComparison, constant0: Double
    public var field1: MarketField, comparison1: CEPComparison, constant1: Double
    /// Number of comparisons in use (0...2).
    public var comparisonCount: UInt8

    /// A condition matching every event of `kind` (or every event when nil).
    @inlinable
    public init(kind: MarketEventKind? = nil) {
        self.kind = kind
        field0 = .one; comparison0 = .equal; constant0 = 1
        field1 = .one; comparison1 = .equal; constant1 = 1
        comparisonCount = 0
    }

    /// Adds `field op constant`; traps past two (a set-up error).
    @inlinable
    public func and(_ field: MarketField, _ comparison: CEPComparison, _ constant: Double) -> MarketCondition {
        var c = self
        switch comparisonCount {
        case 0: c.field0 = field; c.comparison0 = comparison; c.constant0 = constant
        case 1: c.field1 = field; c.comparison1 = comparison; c.constant1 = constant
        default: preconditionFailure("MarketCondition holds at most two comparisons")
        }
        c.comparisonCount += 1
        return c
    }

    @inlinable
    public func matches(_ event: MarketEvent) -> Bool {
        if let k = kind, event.kind != k { return false }
        if comparisonCount > 0 && !comparison0.compare(field0.value(of: event), constant0) { return false }
        if comparisonCount > 1 && !comparison1.compare(field1.value(of: event), constant1) { return false }
        return true
    }
}
