import PeregrineCore

/// A contract as TWS requests name it (non-combo; BAG legs are not encoded).
public struct TWSContract: Sendable, Equatable {
    public var conId: Int64 = 0
    public var symbol: String
    public var secType: String = "STK"
    public var lastTradeDateOrContractMonth: String = ""
    public var strike: Price = .zero
    public var right: String = ""
    public var multiplier: String = ""
    public var exchange: String = "SMART"
    public var primaryExchange: String = ""
    public var currency: String = "USD"
    public var localSymbol: String = ""
    public var tradingClass: String = ""
    public var secIdType: String = ""
    public var secId: String = ""

    public init(symbol: String, secType: String = "STK", exchange: String = "SMART", currency: String = "USD") {
        self.symbol = symbol
        self.secType = secType
        self.exchange = exchange
        self.currency = currency
    }
}

/// The order fields Peregrine sets; every other placeOrder field is sent at the official
/// client's default.
public struct TWSOrder: Sendable, Equatable {
    /// "BUY", "SELL" or "SSHORT".
    public var action: String
    public var totalQuantity: Quantity
    /// "LMT", "MKT", "STP", "STP LMT", …
    public var orderType: String
    public var limitPrice: Price?
    public var auxPrice: Price?
    /// "DAY", "GTC", "IOC", … or "" (TWS default).
    public var timeInForce: String = ""
    public var ocaGroup: String = ""
    public var account: String = ""
    public var orderRef: String = ""
    public var transmit = true
    public var parentId: Int64 = 0
    public var outsideRegularTradingHours = false
    public var hidden = false
    public var goodAfterTime: String = ""
    public var goodTillDate: String = ""
    /// Old client defaults; current TWS rejects orders with these set (errors 10268/10269).
    public var eTradeOnly = false
    public var firmQuoteOnly = false
    public var whatIf = false

    public init(action: String, totalQuantity: Quantity, orderType: String, limitPrice: Price? = nil, auxPrice: Price? = nil) {
        self.action = action
        self.totalQuantity = totalQuantity
        self.orderType = orderType
        self.limitPrice = limitPrice
        self.auxPrice = auxPrice
    }
}

/// Encoders for outgoing TWS requests at server versions 145…157 (PROTOCOL.md §3, §7).
///
/// Each writes one whole frame into `buffer` and returns its length, or `nil` if the buffer is
/// too small (nothing usable written). Field layouts match the official client at v157 byte for
/// byte (checked against `wire_ibapi157.jsonl`). No allocation; any thread.
public enum TWSRequests {
    /// startApi (71): `71, 2, clientId, optionalCapabilities`.
    public static func startApi(clientId: Int, optionalCapabilities: String = "", into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var w = TWSFrameWriter(buffer)
        w.field(71); w.field(2); w.field(clientId); w.field(optionalCapabilities)
        return w.finish()
    }

    static func contractHead(_ w: inout TWSFrameWriter, _ c: TWSContract, primaryExchange: Bool = true) {
        w.field(c.conId); w.field(c.symbol); w.field(c.secType); w.field(c.lastTradeDateOrContractMonth)
        w.float(c.strike); w.field(c.right); w.field(c.multiplier); w.field(c.exchange)
        if primaryExchange { w.field(c.primaryExchange) }
        w.field(c.currency); w.field(c.localSymbol); w.field(c.tradingClass)
    }

    /// reqMktData (1), version 11. `genericTicks` e.g. "233,236"; snapshot for one-shot quotes.
    public static func requestMarketData(requestId: Int64, contract: TWSContract, genericTicks: String = "", snapshot: Bool = false,
                                         regulatorySnapshot: Bool = false, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        guard contract.secType != "BAG" else { return nil }
        var w = TWSFrameWriter(buffer)
        w.field(1); w.field(11); w.field(requestId)
        contractHead(&w, contract)
        w.field(false)  // no delta-neutral contract
        w.field(genericTicks); w.field(snapshot); w.field(regulatorySnapshot); w.empty()  // mktDataOptions
        return w.finish()
    }

    /// cancelMktData (2), version 2.
    public static func cancelMarketData(requestId: Int64, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var w = TWSFrameWriter(buffer)
        w.field(2); w.field(2); w.field(requestId)
        return w.finish()
    }

    /// reqMktDepth (10), version 5 (primary exchange from v149, smart depth from v146).
    public static func requestMarketDepth(requestId: Int64, contract: TWSContract, rows: Int, smartDepth: Bool = false,
                                          serverVersion: Int = 157, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var w = TWSFrameWriter(buffer)
        w.field(10); w.field(5); w.field(requestId)
        contractHead(&w, contract, primaryExchange: serverVersion >= 149)
        w.field(rows); w.field(smartDepth); w.empty()  // mktDepthOptions
        return w.finish()
    }

    /// reqHistoricalData (20), no version field (≥ 124). Note the wire order: bar size before duration.
    public static func requestHistoricalData(requestId: Int64, contract: TWSContract, endDateTime: String = "",
                                             duration: String, barSize: String, whatToShow: String = "TRADES",
                                             useRegularTradingHours: Bool = true, formatDate: Int = 1, keepUpToDate: Bool = false,
                                             into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        guard contract.secType != "BAG" else { return nil }
        var w = TWSFrameWriter(buffer)
        w.field(20); w.field(requestId)
        contractHead(&w, contract)
        w.field(false)  // includeExpired
        w.field(endDateTime); w.field(barSize); w.field(duration); w.field(useRegularTradingHours); w.field(whatToShow)
        w.field(formatDate); w.field(keepUpToDate); w.empty()  // chartOptions
        return w.finish()
    }

    /// reqContractDetails (9), version 8.
    public static func requestContractDetails(requestId: Int64, contract: TWSContract, includeExpired: Bool = false,
                                              into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var w = TWSFrameWriter(buffer)
        w.field(9); w.field(8); w.field(requestId)
        contractHead(&w, contract)
        w.field(includeExpired); w.field(contract.secIdType); w.field(contract.secId)
        return w.finish()
    }

    /// placeOrder (3) for server versions 145…157: 110 positional fields, no version field.
    public static func placeOrder(orderId: Int64, contract: TWSContract, order: TWSOrder,
                                  into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        guard contract.secType != "BAG" else { return nil }
        var w = TWSFrameWriter(buffer)
        w.field(3); w.field(orderId)
        contractHead(&w, contract)
        w.field(contract.secIdType); w.field(contract.secId)
        w.field(order.action); w.decimal(order.totalQuantity); w.field(order.orderType)
        w.float(order.limitPrice); w.float(order.auxPrice)
        w.field(order.timeInForce); w.field(order.ocaGroup); w.field(order.account)
        w.empty(); w.field(0); w.field(order.orderRef); w.field(order.transmit); w.field(order.parentId)  // openClose, origin
        w.field(false); w.field(false); w.field(0); w.field(0)  // blockOrder, sweepToFill, displaySize, triggerMethod
        w.field(order.outsideRegularTradingHours); w.field(order.hidden)
        w.empty(); w.field(0)  // deprecated sharesAllocation, discretionaryAmt
        w.field(order.goodAfterTime); w.field(order.goodTillDate)
        for _ in 0..<5 { w.empty() }  // faGroup, faMethod, faPercentage, faProfile, modelCode
        w.field(0); w.empty(); w.field(-1); w.field(0)  // shortSaleSlot, designatedLocation, exemptCode, ocaType
        w.empty(); w.empty(); w.field(false); w.empty(); w.empty()  // rule80A, settlingFirm, allOrNone, minQty, percentOffset
        w.field(order.eTradeOnly); w.field(order.firmQuoteOnly); w.empty(); w.field(0)  // nbboPriceCap, auctionStrategy
        for _ in 0..<5 { w.empty() }  // startingPrice, stockRefPrice, delta, stockRangeLower, stockRangeUpper
        w.field(false)  // overridePercentageConstraints
        for _ in 0..<4 { w.empty() }  // volatility, volatilityType, deltaNeutralOrderType, deltaNeutralAuxPrice
        w.field(false)  // continuousUpdate
        for _ in 0..<10 { w.empty() }  // referencePriceType … hedgeType (scale fields, scaleTable, active times)
        w.field(false); w.empty(); w.empty(); w.field(false); w.field(false)  // optOut, clearing×2, notHeld, DN contract
        w.empty(); w.empty(); w.field(order.whatIf); w.empty()  // algoStrategy, algoId, whatIf, orderMiscOptions
        w.field(false); w.field(false); w.field(false); w.field(0)  // solicited, randomizeSize, randomizePrice, conditions
        w.empty()  // adjustedOrderType
        for _ in 0..<5 { w.unsetDoubleLiteral() }  // triggerPrice, lmtPriceOffset, adjustedStop/StopLimit/Trailing
        w.field(0); w.empty(); w.empty(); w.empty()  // adjustableTrailingUnit, extOperator, softDollarTier name/value
        w.unsetDoubleLiteral()  // cashQty
        for _ in 0..<4 { w.empty() }  // MiFID II fields
        w.field(false); w.field(false); w.field(false); w.empty()  // dontUseAutoPriceForHedge, isOmsContainer, discretionaryUpToLimitPrice, usePriceMgmtAlgo
        return w.finish()
    }

    /// cancelOrder (4), version 1.
    public static func cancelOrder(orderId: Int64, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var w = TWSFrameWriter(buffer)
        w.field(4); w.field(1); w.field(orderId)
        return w.finish()
    }

    /// reqOpenOrders (5), version 1.
    public static func requestOpenOrders(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var w = TWSFrameWriter(buffer)
        w.field(5); w.field(1)
        return w.finish()
    }

    /// reqExecutions (7), version 3, with an execution filter (empty strings / 0 = any).
    public static func requestExecutions(requestId: Int64, clientId: Int = 0, account: String = "", time: String = "",
                                         symbol: String = "", secType: String = "", exchange: String = "", side: String = "",
                                         into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var w = TWSFrameWriter(buffer)
        w.field(7); w.field(3); w.field(requestId)
        w.field(clientId); w.field(account); w.field(time); w.field(symbol); w.field(secType); w.field(exchange); w.field(side)
        return w.finish()
    }

    /// reqIds (8), version 1.
    public static func requestIds(count: Int = 1, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var w = TWSFrameWriter(buffer)
        w.field(8); w.field(1); w.field(count)
        return w.finish()
    }
}
