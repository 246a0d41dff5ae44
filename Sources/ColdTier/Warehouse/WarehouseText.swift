import PeregrineCore

/// The text the warehouse stores for engine enums (snake_case case names; stable: queries
/// match on them) and small formatting helpers.
enum WarehouseText {
    static func side(_ side: Side) -> String {
        switch side {
        case .buy: return "buy"
        case .sell: return "sell"
        case .sellShort: return "sell_short"
        case .sellShortExempt: return "sell_short_exempt"
        }
    }

    static func side(named name: String) -> Side? {
        Side.allCases.first { side($0) == name }
    }

    static func orderType(_ type: OrderType) -> String {
        switch type {
        case .market: return "market"
        case .limit: return "limit"
        case .stop: return "stop"
        case .stopLimit: return "stop_limit"
        }
    }

    static func timeInForce(_ tif: TimeInForce) -> String {
        switch tif {
        case .day: return "day"
        case .goodTillCancel: return "good_till_cancel"
        case .atTheOpening: return "at_the_opening"
        case .immediateOrCancel: return "immediate_or_cancel"
        case .fillOrKill: return "fill_or_kill"
        case .goodTillDate: return "good_till_date"
        case .atTheClose: return "at_the_close"
        }
    }

    static func commandKind(_ kind: OrderCommandKind) -> String {
        switch kind {
        case .new: return "new"
        case .cancel: return "cancel"
        case .replace: return "replace"
        case .massCancel: return "mass_cancel"
        }
    }

    static func executionType(_ type: ExecutionType) -> String {
        switch type {
        case .new: return "new"
        case .doneForDay: return "done_for_day"
        case .canceled: return "canceled"
        case .replaced: return "replaced"
        case .pendingCancel: return "pending_cancel"
        case .stopped: return "stopped"
        case .rejected: return "rejected"
        case .suspended: return "suspended"
        case .pendingNew: return "pending_new"
        case .calculated: return "calculated"
        case .expired: return "expired"
        case .restated: return "restated"
        case .pendingReplace: return "pending_replace"
        case .trade: return "trade"
        case .tradeCorrect: return "trade_correct"
        case .tradeCancel: return "trade_cancel"
        case .orderStatus: return "order_status"
        }
    }

    static func orderStatus(_ status: OrderStatus) -> String {
        switch status {
        case .new: return "new"
        case .partiallyFilled: return "partially_filled"
        case .filled: return "filled"
        case .doneForDay: return "done_for_day"
        case .canceled: return "canceled"
        case .pendingCancel: return "pending_cancel"
        case .stopped: return "stopped"
        case .rejected: return "rejected"
        case .suspended: return "suspended"
        case .pendingNew: return "pending_new"
        case .calculated: return "calculated"
        case .expired: return "expired"
        case .acceptedForBidding: return "accepted_for_bidding"
        case .pendingReplace: return "pending_replace"
        }
    }

    static func marketKind(_ kind: MarketEventKind) -> String {
        switch kind {
        case .trade: return "trade"
        case .quote: return "quote"
        case .depth: return "depth"
        case .bar: return "bar"
        case .status: return "status"
        case .clearBook: return "clear_book"
        }
    }

    /// A PostgreSQL array literal of integers: `{1,2,3}`.
    static func array<S: Sequence>(_ values: S) -> String where S.Element: BinaryInteger {
        var text = "{"
        var first = true
        for value in values {
            if !first { text += "," }
            text += String(value)
            first = false
        }
        return text + "}"
    }

    /// Day number (days since 1970-01-01 UTC) of a nanosecond timestamp.
    @inline(__always)
    static func day(ofNanos nanos: Int64) -> Int64 {
        let perDay: Int64 = 86_400_000_000_000
        return nanos >= 0 ? nanos / perDay : (nanos - perDay + 1) / perDay
    }

    /// Roll number of a journal file from its path (`…/name-0000000012.pjournal`), or 0.
    static func fileIndex(ofPath path: String) -> UInt64 {
        let utf8 = Array(path.utf8)
        let suffix = 9   // ".pjournal"
        guard utf8.count >= suffix + 10 else { return 0 }
        var value: UInt64 = 0
        for byte in utf8[(utf8.count - suffix - 10)..<(utf8.count - suffix)] {
            guard byte >= 48 && byte <= 57 else { return 0 }
            value = value * 10 + UInt64(byte - 48)
        }
        return value
    }
}
