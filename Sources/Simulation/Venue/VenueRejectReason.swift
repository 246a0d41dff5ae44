/// Why the simulated venue rejected an order, a cancel or a replace, or why it cancelled an
/// order on its own; carried in `ExecutionEvent.rejectReason`.
///
/// Raw values are the venue's own codes (0 = none, as `ExecutionEvent` requires);
/// `fixReason` maps each to the closest FIX OrdRejReason (103) / CxlRejReason (102) value for
/// the acceptor.
@frozen
public enum VenueRejectReason: UInt16, Sendable, BitwiseCopyable, CaseIterable, CustomStringConvertible {
    case none = 0
    /// The command names another instrument than this book's.
    case unknownInstrument = 1
    /// The limit or stop price is not a multiple of the tick size, or is not positive.
    case invalidPriceIncrement = 2
    /// The quantity is not positive, not a multiple of the lot size, or above the maximum.
    case invalidQuantity = 3
    /// Order type, time in force or command kind the venue does not support, or a replace
    /// that changes side or type.
    case unsupportedOrder = 4
    /// A live order already has this (order id, account).
    case duplicateOrderId = 5
    /// Cancel or replace of an order that is not live (never seen, filled, cancelled).
    case unknownOrder = 6
    /// The preallocated order pool, price levels or stop list is full.
    case bookFull = 7
    /// A replace would set the quantity at or below what is already filled.
    case quantityBelowFilled = 8
    /// Cancelled by self-trade prevention (the other side had the same account).
    case selfTradePrevented = 9
    /// A fill-or-kill order could not be filled in full at once.
    case fillOrKillUnfilled = 10
    /// A market order (or the market part of a stop) found no liquidity for its remainder.
    case noLiquidity = 11

    /// The closest FIX OrdRejReason (103) value (CxlRejReason 102 for `unknownOrder` is also 1).
    @inlinable public var fixReason: Int {
        switch self {
        case .none: return 0
        case .unknownInstrument: return 1
        case .invalidPriceIncrement: return 18
        case .invalidQuantity: return 13
        case .unsupportedOrder: return 11
        case .duplicateOrderId: return 6
        case .unknownOrder: return 5
        case .bookFull: return 3
        case .quantityBelowFilled: return 13
        case .selfTradePrevented, .fillOrKillUnfilled, .noLiquidity: return 99
        }
    }

    public var description: String {
        switch self {
        case .none: return "none"
        case .unknownInstrument: return "unknown-instrument"
        case .invalidPriceIncrement: return "invalid-price-increment"
        case .invalidQuantity: return "invalid-quantity"
        case .unsupportedOrder: return "unsupported-order"
        case .duplicateOrderId: return "duplicate-order-id"
        case .unknownOrder: return "unknown-order"
        case .bookFull: return "book-full"
        case .quantityBelowFilled: return "quantity-below-filled"
        case .selfTradePrevented: return "self-trade-prevented"
        case .fillOrKillUnfilled: return "fill-or-kill-unfilled"
        case .noLiquidity: return "no-liquidity"
        }
    }
}
