import PeregrineCore

/// tickPrice (1): a price tick, with the size TWS sends alongside (BID/ASK/LAST and delayed kin).
public struct TWSTickPrice: Sendable, Equatable {
    public var requestId: Int64
    /// TWS tick type (1 BID, 2 ASK, 4 LAST, 6 HIGH, 7 LOW, 9 CLOSE, 66… delayed).
    public var tickType: Int64
    /// `nil` when TWS sent an empty price or the unset sentinel.
    public var price: Price?
    public var size: Quantity?
    /// Bits: 1 canAutoExecute, 2 pastLimit, 4 preOpen.
    public var attributes: Int64
}

/// tickSize (2).
public struct TWSTickSize: Sendable, Equatable {
    public var requestId: Int64
    public var tickType: Int64
    public var size: Quantity?
}

/// updateMktDepth (12) / updateMktDepthL2 (13).
public struct TWSDepthUpdate: Sendable {
    public var requestId: Int64
    public var position: Int64
    /// L2 only: the market maker / exchange (empty for L1 depth).
    public var marketMaker: TWSText
    /// 0 insert, 1 update, 2 delete.
    public var operation: Int64
    /// 0 ask, 1 bid (TWS convention).
    public var side: Int64
    public var price: Price?
    public var size: Quantity?
    public var isSmartDepth: Bool
}

/// error (4).
public struct TWSError: Sendable {
    /// Request or order id; −1 when not request specific.
    public var id: Int64
    public var code: Int64
    public var message: TWSText
}

/// orderStatus (3) at server version ≥ 131.
public struct TWSOrderStatus: Sendable {
    public var orderId: Int64
    public var status: TWSText
    public var filled: Quantity?
    public var remaining: Quantity?
    public var averageFillPrice: Price?
    public var permId: Int64
    public var parentId: Int64
    public var lastFillPrice: Price?
    public var clientId: Int64
    public var whyHeld: TWSText
    public var marketCapPrice: Price?
}

/// openOrder (5): the fields an OMS needs; the ~120-field tail is walked, not kept.
public struct TWSOpenOrder: Sendable {
    public var orderId: Int64
    public var conId: Int64
    public var symbol: TWSText
    public var secType: TWSText
    public var exchange: TWSText
    public var currency: TWSText
    public var action: TWSText
    public var totalQuantity: Quantity?
    public var orderType: TWSText
    public var limitPrice: Price?
    public var auxPrice: Price?
    public var timeInForce: TWSText
    public var account: TWSText
    public var clientId: Int64
    public var permId: Int64
    /// orderState.status (e.g. "Submitted").
    public var status: TWSText
}

/// execDetails (11) at server version ≥ 136.
public struct TWSExecution: Sendable {
    public var requestId: Int64
    public var orderId: Int64
    public var conId: Int64
    public var symbol: TWSText
    public var secType: TWSText
    public var currency: TWSText
    public var executionId: TWSText
    /// "yyyymmdd  hh:mm:ss[ tz]" as TWS sent it.
    public var time: TWSText
    public var account: TWSText
    public var exchange: TWSText
    /// "BOT" or "SLD".
    public var side: TWSText
    public var shares: Quantity?
    public var price: Price?
    public var permId: Int64
    public var clientId: Int64
    public var cumulativeQuantity: Quantity?
    public var averagePrice: Price?
    public var orderRef: TWSText
    public var lastLiquidity: Int64
}

/// commissionReport (59).
public struct TWSCommissionReport: Sendable {
    public var executionId: TWSText
    public var commission: Price?
    public var currency: TWSText
    public var realizedPnL: Price?
}

/// historicalData (17) at server version ≥ 124: header plus a bar cursor.
public struct TWSHistoricalData: Sendable {
    public var requestId: Int64
    public var start: TWSText
    public var end: TWSText
    public var barCount: Int64
    /// Reader positioned at the first bar.
    var bars: TWSFieldReaderBox

    /// The next bar, or `nil` after `barCount` bars (or at a malformed bar).
    public mutating func nextBar() -> TWSBar? {
        guard barCount > 0 else { return nil }
        var r = bars.reader
        let date = r.text()
        let open = r.price(), high = r.price(), low = r.price(), close = r.price()
        let volume = r.quantity()
        let wap = r.price()
        let count = r.int()
        bars.reader = r
        guard r.failure == nil, let open, let high, let low, let close else { barCount = 0; return nil }
        barCount -= 1
        return TWSBar(date: date, open: open, high: high, low: low, close: close, volume: volume ?? .zero,
                      averagePrice: wap, tradeCount: count)
    }
}

/// One historical bar.
public struct TWSBar: Sendable {
    /// "yyyymmdd" or "yyyymmdd  hh:mm:ss" (formatDate=1), or epoch seconds (formatDate=2).
    public var date: TWSText
    public var open: Price, high: Price, low: Price, close: Price
    public var volume: Quantity
    public var averagePrice: Price?
    public var tradeCount: Int64

    /// As a `.bar` event (`exchangeTime` supplied by the caller, which knows the bar's zone).
    public func marketEvent(_ instrument: InstrumentId, venue: VenueId, exchangeTime: Timestamp, receiveTime: Timestamp) -> MarketEvent {
        .bar(instrument, venue: venue, open: open, high: high, low: low, close: close, volume: volume,
             exchangeTime: exchangeTime, receiveTime: receiveTime)
    }
}

/// Holder so `TWSHistoricalData` stays a plain value (the reader is a view).
struct TWSFieldReaderBox: @unchecked Sendable {
    // SAFETY: a view into the caller's receive buffer, used only while that buffer lives.
    var reader: TWSFieldReader
}

/// One decoded incoming TWS message. Text fields are views into the receive buffer.
public enum TWSIncoming: Sendable {
    case tickPrice(TWSTickPrice)
    case tickSize(TWSTickSize)
    /// tickString (46): reqId, tickType, value.
    case tickString(requestId: Int64, tickType: Int64, value: TWSText)
    /// tickGeneric (45): reqId, tickType, value.
    case tickGeneric(requestId: Int64, tickType: Int64, value: Price?)
    /// marketDataType (58): 1 real-time, 2 frozen, 3 delayed, 4 delayed-frozen.
    case marketDataType(requestId: Int64, type: Int64)
    case error(TWSError)
    case nextValidId(Int64)
    /// Comma-separated account codes.
    case managedAccounts(TWSText)
    case depth(TWSDepthUpdate)
    case historicalData(TWSHistoricalData)
    case orderStatus(TWSOrderStatus)
    case openOrder(TWSOpenOrder)
    /// openOrderEnd (53).
    case openOrderEnd
    case execution(TWSExecution)
    /// execDetailsEnd (55).
    case executionEnd(requestId: Int64)
    case commissionReport(TWSCommissionReport)
    /// contractDataEnd (52). Contract details (10) themselves are recognised but not decoded.
    case contractDetailsEnd(requestId: Int64)
    /// A known message this codec does not decode (e.g. contractData 10, account data); skipped.
    case notDecoded(messageId: Int64)
}

extension TWSTickPrice {
    /// LAST (4) or DELAYED_LAST (68) with a price → a `.trade` event; `nil` for other ticks.
    public func tradeEvent(_ instrument: InstrumentId, venue: VenueId, receiveTime: Timestamp) -> MarketEvent? {
        guard tickType == 4 || tickType == 68, let price else { return nil }
        return .trade(instrument, venue: venue, price: price, quantity: size ?? .zero,
                      exchangeTime: receiveTime, receiveTime: receiveTime)
    }
}

extension TWSDepthUpdate {
    /// As a `.depth` event; delete operations carry quantity zero.
    public func marketEvent(_ instrument: InstrumentId, venue: VenueId, receiveTime: Timestamp) -> MarketEvent {
        .depth(instrument, venue: venue, side: side == 1 ? .buy : .sell, price: price ?? .zero,
               quantity: operation == 2 ? .zero : (size ?? .zero), level: Int(position),
               exchangeTime: receiveTime, receiveTime: receiveTime)
    }
}
