import PeregrineCore

/// One price level: price and the quantity resting there.
@frozen
public struct BookLevel: Sendable, BitwiseCopyable, Equatable {
    public var price: Price
    public var quantity: Quantity
    @inlinable public init(price: Price, quantity: Quantity) { self.price = price; self.quantity = quantity }
}

/// A side of a book. Raw values index the books' storage (bids first).
@frozen
public enum BookSide: Int, Sendable, BitwiseCopyable, CaseIterable {
    case bid = 0
    case ask = 1

    /// The book side a depth event updates (`.askSide` flag → ask).
    @inlinable public init(_ event: MarketEvent) {
        self = MarketEventFlags(rawValue: event.flags).contains(.askSide) ? .ask : .bid
    }
}

/// Whether best bid and best ask overlap.
@frozen
public enum BookCrossing: UInt8, Sendable, BitwiseCopyable {
    /// Bid below ask, or a side is empty.
    case normal
    /// Best bid equals best ask.
    case locked
    /// Best bid above best ask: the book is inconsistent (missed update) or venues differ.
    case crossed

    @inlinable static func of(bid: Int64, ask: Int64) -> BookCrossing {
        bid > ask ? .crossed : (bid == ask ? .locked : .normal)
    }
}

/// Top-of-book figures shared by `TopOfBook` and `PriceLevelBooks`. Pure integer arithmetic
/// (Int128 where products could overflow); no allocation; a few nanoseconds each.
public enum BookMath {
    /// (bid + ask) / 2, truncated toward zero, without overflow.
    @inlinable public static func mid(bid: Price, ask: Price) -> Price {
        // The sum almost always fits in 64 bits: then the same truncating halving without the
        // 128-bit division (a compiler-rt call); the wide path only when it overflows.
        let (sum, overflow) = bid.rawValue.addingReportingOverflow(ask.rawValue)
        if !overflow { return Price(rawValue: sum / 2) }
        return Price(rawValue: Int64((Int128(bid.rawValue) + Int128(ask.rawValue)) / 2))
    }

    /// Size-weighted mid (bid × askSize + ask × bidSize) / (bidSize + askSize): leans toward the
    /// side with less size, where the next trade is likelier; `nil` when both sizes are zero.
    @inlinable public static func microprice(bid: Price, bidQuantity: Quantity, ask: Price, askQuantity: Quantity) -> Price? {
        let total = Int128(bidQuantity.rawValue) + Int128(askQuantity.rawValue)
        guard total > 0 else { return nil }
        let weighted = Int128(bid.rawValue) * Int128(askQuantity.rawValue) + Int128(ask.rawValue) * Int128(bidQuantity.rawValue)
        return Price(rawValue: Int64(weighted / total))
    }

    /// (bidSize − askSize) / (bidSize + askSize) in −1…1; `nil` when both are zero.
    @inlinable public static func imbalance(bidQuantity: Quantity, askQuantity: Quantity) -> Double? {
        let total = Double(bidQuantity.rawValue) + Double(askQuantity.rawValue)
        guard total > 0 else { return nil }
        return (Double(bidQuantity.rawValue) - Double(askQuantity.rawValue)) / total
    }
}
