// The tiny predicates below are `@inline(__always)`: left to the inliner they stayed calls
// inside the large risk and encoder functions (the caller-size heuristics), on every order.

/// Order side. Raw values are the FIX Side (54) characters.
@frozen
public enum Side: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    case buy = 49        // '1'
    case sell = 50       // '2'
    case sellShort = 53  // '5'
    case sellShortExempt = 54 // '6'

    /// +1 for buys, −1 for every kind of sell: the sign a fill applies to a position.
    @inlinable @inline(__always) public var sign: Int64 { self == .buy ? 1 : -1 }
    /// Whether the order sells (long or short).
    @inlinable @inline(__always) public var isSell: Bool { self != .buy }
}

/// Order type. Raw values are the FIX OrdType (40) characters.
@frozen
public enum OrderType: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    case market = 49     // '1'
    case limit = 50      // '2'
    case stop = 51       // '3'
    case stopLimit = 52  // '4'

    /// Whether a limit price is required.
    @inlinable @inline(__always) public var hasLimitPrice: Bool { self == .limit || self == .stopLimit }
    /// Whether a stop (trigger) price is required.
    @inlinable @inline(__always) public var hasStopPrice: Bool { self == .stop || self == .stopLimit }
}

/// Time in force. Raw values are the FIX TimeInForce (59) characters.
@frozen
public enum TimeInForce: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    case day = 48               // '0'
    case goodTillCancel = 49    // '1'
    case atTheOpening = 50      // '2'
    case immediateOrCancel = 51 // '3'
    case fillOrKill = 52        // '4'
    case goodTillDate = 54      // '6'
    case atTheClose = 55        // '7'
}

/// Execution report type. Raw values are the FIX ExecType (150) characters.
@frozen
public enum ExecutionType: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    case new = 48              // '0'
    case doneForDay = 51       // '3'
    case canceled = 52         // '4'
    case replaced = 53         // '5'
    case pendingCancel = 54    // '6'
    case stopped = 55          // '7'
    case rejected = 56         // '8'
    case suspended = 57        // '9'
    case pendingNew = 65       // 'A'
    case calculated = 66       // 'B'
    case expired = 67          // 'C'
    case restated = 68         // 'D'
    case pendingReplace = 69   // 'E'
    case trade = 70            // 'F'
    case tradeCorrect = 71     // 'G'
    case tradeCancel = 72      // 'H'
    case orderStatus = 73      // 'I'
}

/// Order status. Raw values are the FIX OrdStatus (39) characters.
@frozen
public enum OrderStatus: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    case new = 48              // '0'
    case partiallyFilled = 49  // '1'
    case filled = 50           // '2'
    case doneForDay = 51       // '3'
    case canceled = 52         // '4'
    case pendingCancel = 54    // '6'
    case stopped = 55          // '7'
    case rejected = 56         // '8'
    case suspended = 57        // '9'
    case pendingNew = 65       // 'A'
    case calculated = 66       // 'B'
    case expired = 67          // 'C'
    case acceptedForBidding = 68 // 'D'
    case pendingReplace = 69   // 'E'

    /// Whether no further executions can happen on the order.
    @inlinable @inline(__always) public var isTerminal: Bool {
        switch self {
        case .filled, .canceled, .rejected, .expired, .doneForDay: return true
        default: return false
        }
    }
}
