/// Names of the FIX reject reason codes a venue puts in `ExecutionEvent.rejectReason`.
enum VenueRejectReasons {
    /// OrdRejReason (103) for order rejects, CxlRejReason (102) for cancel/replace rejects.
    static func name(code: UInt16, cancelOrReplace: Bool) -> String {
        if cancelOrReplace {
            switch code {
            case 0: return "too late to cancel (or none given)"
            case 1: return "unknown order"
            case 2: return "broker/exchange option"
            case 3: return "already pending cancel or replace"
            case 4: return "unable to process mass cancel"
            case 5: return "OrigOrdModTime mismatch"
            case 6: return "duplicate ClOrdID"
            case 7: return "price exceeds current price"
            case 8: return "price exceeds current price band"
            case 18: return "invalid price increment"
            case 99: return "other"
            default: return "code \(code)"
            }
        }
        switch code {
        case 0: return "broker/exchange option (or none given)"
        case 1: return "unknown symbol"
        case 2: return "exchange closed"
        case 3: return "order exceeds limit"
        case 4: return "too late to enter"
        case 5: return "unknown order"
        case 6: return "duplicate order"
        case 7: return "duplicate of a verbally communicated order"
        case 8: return "stale order"
        case 9: return "trade along required"
        case 10: return "invalid investor ID"
        case 11: return "unsupported order characteristic"
        case 12: return "surveillance option"
        case 13: return "incorrect quantity"
        case 14: return "incorrect allocated quantity"
        case 15: return "unknown account"
        case 16: return "price exceeds current price band"
        case 18: return "invalid price increment"
        case 99: return "other"
        default: return "code \(code)"
        }
    }
}
