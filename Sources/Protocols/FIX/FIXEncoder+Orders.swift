import PeregrineCore

/// Order-flow messages from Peregrine's fixed-size events.
///
/// Each message has a body writer (`append…Body`: the body fields only, for
/// `FIXSession.send(_:body:)`, which writes the header itself) and a wrapper (`encode…`:
/// `begin` + body + `finish`, returning the complete message, valid until the next `begin`
/// on this encoder). `FIXOrderMessages` decodes every one of them back.
///
/// Thread: the encoder's owner. No allocation, no existentials. Cost O(message length).
/// Errors: none; a buffer too small for the message traps (size the encoder at set-up).
/// Ids (ClOrdID, OrigClOrdID, OrderID, ExecID) are written as unsigned decimal integers.
extension FIXEncoder {
    // MARK: - Orders (engine → venue)

    /// Appends the body of a NewOrderSingle (35=D) for `order`: ClOrdID (11) = `orderId`,
    /// Account (1) if given, HandlInst (21)=1 on FIX 4.x, Symbol (55), Side (54),
    /// TransactTime (60), OrderQty (38), OrdType (40), Price (44) and StopPx (99) when the type
    /// has them, TimeInForce (59).
    ///
    /// Thread: the owner. No allocation. O(message length).
    @inlinable @inline(__always)
    public mutating func appendNewOrderSingleBody(_ order: OrderCommand, symbol: FIXInlineText,
                                                  account: FIXInlineText? = nil, transactTime: Timestamp) {
        append(FIXTag.clOrdID, unsigned: order.orderId.rawValue)
        if let account { append(FIXTag.account, text: account) }
        if version != .fixt11 { append(FIXTag.handlInst, char: 0x31) }
        append(FIXTag.symbol, text: symbol)
        append(FIXTag.side, char: order.side.rawValue)
        append(FIXTag.transactTime, timestamp: transactTime)
        append(FIXTag.orderQty, quantity: order.quantity)
        appendTypeAndPrices(order)
    }

    /// A complete NewOrderSingle (35=D): header, `appendNewOrderSingleBody` with TransactTime
    /// = `sendingTime`, trailer. Returns the bytes (valid until the next `begin`).
    ///
    /// Thread: the owner. No allocation. O(message length).
    @inlinable
    public mutating func encodeNewOrderSingle(_ order: OrderCommand, symbol: FIXInlineText,
                                              account: FIXInlineText? = nil, sequenceNumber: Int,
                                              sendingTime: Timestamp) -> UnsafeRawBufferPointer {
        begin(.newOrderSingle, sequenceNumber: sequenceNumber, sendingTime: sendingTime)
        appendNewOrderSingleBody(order, symbol: symbol, account: account, transactTime: sendingTime)
        return finish()
    }

    /// Appends the body of an OrderCancelRequest (35=F): OrigClOrdID (41) =
    /// `originalOrderId`, ClOrdID (11) = `orderId`, Account (1) if given, Symbol (55),
    /// Side (54), TransactTime (60), OrderQty (38).
    ///
    /// Thread: the owner. No allocation. O(message length).
    @inlinable
    public mutating func appendOrderCancelRequestBody(_ order: OrderCommand, symbol: FIXInlineText,
                                                      account: FIXInlineText? = nil, transactTime: Timestamp) {
        append(FIXTag.origClOrdID, unsigned: order.originalOrderId.rawValue)
        append(FIXTag.clOrdID, unsigned: order.orderId.rawValue)
        if let account { append(FIXTag.account, text: account) }
        append(FIXTag.symbol, text: symbol)
        append(FIXTag.side, char: order.side.rawValue)
        append(FIXTag.transactTime, timestamp: transactTime)
        append(FIXTag.orderQty, quantity: order.quantity)
    }

    /// A complete OrderCancelRequest (35=F): header, `appendOrderCancelRequestBody` with
    /// TransactTime = `sendingTime`, trailer. Returns the bytes (valid until the next `begin`).
    ///
    /// Thread: the owner. No allocation. O(message length).
    @inlinable
    public mutating func encodeOrderCancelRequest(_ order: OrderCommand, symbol: FIXInlineText,
                                                  account: FIXInlineText? = nil, sequenceNumber: Int,
                                                  sendingTime: Timestamp) -> UnsafeRawBufferPointer {
        begin(.orderCancelRequest, sequenceNumber: sequenceNumber, sendingTime: sendingTime)
        appendOrderCancelRequestBody(order, symbol: symbol, account: account, transactTime: sendingTime)
        return finish()
    }

    /// Appends the body of an OrderCancelReplaceRequest (35=G): OrigClOrdID (41), then the
    /// new order's fields as in `appendNewOrderSingleBody`.
    ///
    /// Thread: the owner. No allocation. O(message length).
    @inlinable
    public mutating func appendOrderCancelReplaceRequestBody(_ order: OrderCommand, symbol: FIXInlineText,
                                                             account: FIXInlineText? = nil, transactTime: Timestamp) {
        append(FIXTag.origClOrdID, unsigned: order.originalOrderId.rawValue)
        appendNewOrderSingleBody(order, symbol: symbol, account: account, transactTime: transactTime)
    }

    /// A complete OrderCancelReplaceRequest (35=G): header,
    /// `appendOrderCancelReplaceRequestBody` with TransactTime = `sendingTime`, trailer.
    ///
    /// Thread: the owner. No allocation. O(message length).
    @inlinable
    public mutating func encodeOrderCancelReplaceRequest(_ order: OrderCommand, symbol: FIXInlineText,
                                                         account: FIXInlineText? = nil, sequenceNumber: Int,
                                                         sendingTime: Timestamp) -> UnsafeRawBufferPointer {
        begin(.orderCancelReplaceRequest, sequenceNumber: sequenceNumber, sendingTime: sendingTime)
        appendOrderCancelReplaceRequestBody(order, symbol: symbol, account: account, transactTime: sendingTime)
        return finish()
    }

    // MARK: - Executions (venue → engine)

    /// Appends the body of an ExecutionReport (35=8) for `event` (the simulated venue's side):
    /// OrderID (37), ClOrdID (11), OrigClOrdID (41) if set, ExecID (17), ExecTransType
    /// (20)=0 on FIX 4.2, ExecType (150; on FIX 4.2 a trade is 1 partial fill or 2 fill),
    /// OrdStatus (39), OrdRejReason (103) if rejected, Symbol (55), Side (54), OrderQty (38),
    /// Price (44) if non-zero, LastQty (32), LastPx (31), LeavesQty (151), CumQty (14),
    /// AvgPx (6), TransactTime (60), LastLiquidityInd (851)=1 when the event has
    /// `.liquidityAdded` (FIX 4.4 and later only), Text (58) if given (a reject's reason).
    ///
    /// Thread: the owner. No allocation. O(message length).
    @inlinable
    public mutating func appendExecutionReportBody(_ event: ExecutionEvent, symbol: FIXInlineText,
                                                   text: FIXInlineText? = nil) {
        append(FIXTag.orderID, unsigned: event.venueOrderId)
        append(FIXTag.clOrdID, unsigned: event.orderId.rawValue)
        if event.originalOrderId != .none { append(FIXTag.origClOrdID, unsigned: event.originalOrderId.rawValue) }
        append(FIXTag.execID, unsigned: event.executionId)
        var execType = event.executionType.rawValue
        if version == .fix42 {
            append(FIXTag.execTransType, char: 0x30)
            if event.executionType == .trade {
                execType = event.orderStatus == .filled ? 0x32 : 0x31
            }
        }
        append(FIXTag.execType, char: execType)
        append(FIXTag.ordStatus, char: event.orderStatus.rawValue)
        if event.executionType == .rejected { append(FIXTag.ordRejReason, int: Int64(event.rejectReason)) }
        append(FIXTag.symbol, text: symbol)
        append(FIXTag.side, char: event.side.rawValue)
        append(FIXTag.orderQty, quantity: event.orderQuantity)
        if event.price != .zero { append(FIXTag.price, price: event.price) }
        append(FIXTag.lastQty, quantity: event.lastQuantity)
        append(FIXTag.lastPx, price: event.lastPrice)
        append(FIXTag.leavesQty, quantity: event.leavesQuantity)
        append(FIXTag.cumQty, quantity: event.cumulativeQuantity)
        append(FIXTag.avgPx, price: event.averagePrice)
        append(FIXTag.transactTime, timestamp: event.transactTime)
        if version != .fix42 && event.flags & ExecutionFlags.liquidityAdded.rawValue != 0 {
            append(851, char: 0x31)   // LastLiquidityInd (851, FIX 4.3+): 1 added liquidity
        }
        if let text { append(FIXTag.text, text: text) }
    }

    /// A complete ExecutionReport (35=8): header, `appendExecutionReportBody`, trailer.
    /// Returns the bytes (valid until the next `begin`).
    ///
    /// Thread: the owner. No allocation. O(message length).
    @inlinable
    public mutating func encodeExecutionReport(_ event: ExecutionEvent, symbol: FIXInlineText, text: FIXInlineText? = nil,
                                               sequenceNumber: Int, sendingTime: Timestamp) -> UnsafeRawBufferPointer {
        begin(.executionReport, sequenceNumber: sequenceNumber, sendingTime: sendingTime)
        appendExecutionReportBody(event, symbol: symbol, text: text)
        return finish()
    }

    /// Appends the body of an OrderCancelReject (35=9) for `event`: OrderID (37) =
    /// `venueOrderId` (or `NONE` when 0), ClOrdID (11) = `orderId` (the refused request's),
    /// OrigClOrdID (41) = `originalOrderId`, OrdStatus (39), TransactTime (60) if non-zero,
    /// CxlRejResponseTo (434) = `responseTo`, CxlRejReason (102) = `reason`.
    ///
    /// - Parameters:
    ///   - responseTo: `'1'` (0x31) answering a cancel, `'2'` (0x32) answering a replace;
    ///     any other value is a programmer error (precondition).
    ///   - reason: CxlRejReason (0 too late, 1 unknown order, 3 already pending, 99 other, …).
    ///
    /// Thread: the owner. No allocation. O(message length).
    @inlinable
    public mutating func appendOrderCancelRejectBody(_ event: ExecutionEvent, responseTo: UInt8, reason: Int) {
        precondition(responseTo == 0x31 || responseTo == 0x32, "CxlRejResponseTo must be '1' or '2'")
        if event.venueOrderId == 0 {
            append(FIXTag.orderID, ascii: "NONE")
        } else {
            append(FIXTag.orderID, unsigned: event.venueOrderId)
        }
        append(FIXTag.clOrdID, unsigned: event.orderId.rawValue)
        append(FIXTag.origClOrdID, unsigned: event.originalOrderId.rawValue)
        append(FIXTag.ordStatus, char: event.orderStatus.rawValue)
        if event.transactTime != .zero { append(FIXTag.transactTime, timestamp: event.transactTime) }
        append(FIXTag.cxlRejResponseTo, char: responseTo)
        append(FIXTag.cxlRejReason, int: reason)
    }

    /// A complete OrderCancelReject (35=9): header, `appendOrderCancelRejectBody`, trailer.
    /// Returns the bytes (valid until the next `begin`).
    ///
    /// Thread: the owner. No allocation. O(message length).
    @inlinable
    public mutating func encodeOrderCancelReject(_ event: ExecutionEvent, responseTo: UInt8, reason: Int,
                                                 sequenceNumber: Int, sendingTime: Timestamp) -> UnsafeRawBufferPointer {
        begin(.orderCancelReject, sequenceNumber: sequenceNumber, sendingTime: sendingTime)
        appendOrderCancelRejectBody(event, responseTo: responseTo, reason: reason)
        return finish()
    }

    // MARK: - Status requests and answers (reconciliation)

    /// Appends the body of an OrderMassStatusRequest (35=AF, FIX 4.3 and later):
    /// MassStatusReqID (584) = `requestID`, MassStatusReqType (585) = `requestType`
    /// (`massStatusAllOrders` 7, or `massStatusForSecurity` 1 with `symbol`), Account (1) and
    /// Symbol (55) when given. FIX 4.2 has no AF (see `appendOrderStatusRequestBody`).
    ///
    /// Thread: the owner. No allocation. O(message length).
    @inlinable
    public mutating func appendOrderMassStatusRequestBody(requestID: UInt64, requestType: Int = FIXEncoder.massStatusAllOrders,
                                                          account: FIXInlineText? = nil, symbol: FIXInlineText? = nil) {
        append(FIXTag.massStatusReqID, unsigned: requestID)
        append(FIXTag.massStatusReqType, int: requestType)
        if let account { append(FIXTag.account, text: account) }
        if let symbol { append(FIXTag.symbol, text: symbol) }
    }

    /// MassStatusReqType (585) 7: status for all orders.
    public static let massStatusAllOrders = 7
    /// MassStatusReqType (585) 1: status for orders for a security (Symbol required).
    public static let massStatusForSecurity = 1

    /// Appends the body of an OrderStatusRequest (35=H) for one order: OrderID (37) when
    /// `venueOrderId` is not 0, ClOrdID (11, required), Account (1) if given, Symbol (55,
    /// required), Side (54, required), and OrdStatusReqID (790) = `requestID` on FIX 4.4 and
    /// later (FIX 4.2's H has no such field). The answer is an ExecutionReport with ExecType
    /// I (ExecTransType 3 on FIX 4.2).
    ///
    /// Thread: the owner. No allocation. O(message length).
    @inlinable
    public mutating func appendOrderStatusRequestBody(orderId: OrderId, venueOrderId: UInt64, side: Side,
                                                      symbol: FIXInlineText, account: FIXInlineText? = nil,
                                                      requestID: UInt64) {
        if venueOrderId != 0 { append(FIXTag.orderID, unsigned: venueOrderId) }
        append(FIXTag.clOrdID, unsigned: orderId.rawValue)
        if let account { append(FIXTag.account, text: account) }
        append(FIXTag.symbol, text: symbol)
        append(FIXTag.side, char: side.rawValue)
        if version != .fix42 { append(790, unsigned: requestID) }   // OrdStatusReqID (FIX 4.3+)
    }

    /// Appends the body of a status ExecutionReport (the venue's answer to AF or H) for
    /// `event`'s order: OrderID (37; `NONE` when 0), ClOrdID (11) when set, OrigClOrdID (41)
    /// when set, ExecID (17; `NONE` when 0), ExecType (150) = I — on FIX 4.2 ExecTransType
    /// (20) = 3 and ExecType = the OrdStatus code (4.2 has no I) —, OrdStatus (39),
    /// OrdRejReason (103) when rejected, Symbol (55) if given, Side (54), OrderQty (38),
    /// Price (44) if non-zero, LeavesQty (151), CumQty (14), AvgPx (6), TransactTime (60) if
    /// set, and on FIX 4.4 and later MassStatusReqID (584) and OrdStatusReqID (790) (the
    /// request's text, echoed), TotNumReports (911) and LastRptRequested (912) when given.
    /// Text (58) if given.
    ///
    /// Thread: the owner. No allocation. O(message length).
    @inlinable
    public mutating func appendOrderStatusReportBody(_ event: ExecutionEvent, symbol: FIXInlineText?,
                                                     massStatusRequestID: FIXInlineText? = nil,
                                                     orderStatusRequestID: FIXInlineText? = nil,
                                                     totalReports: Int? = nil, lastReport: Bool? = nil,
                                                     text: FIXInlineText? = nil) {
        if event.venueOrderId == 0 { append(FIXTag.orderID, ascii: "NONE") } else { append(FIXTag.orderID, unsigned: event.venueOrderId) }
        if event.orderId != .none { append(FIXTag.clOrdID, unsigned: event.orderId.rawValue) }
        if event.originalOrderId != .none { append(FIXTag.origClOrdID, unsigned: event.originalOrderId.rawValue) }
        if event.executionId == 0 { append(FIXTag.execID, ascii: "NONE") } else { append(FIXTag.execID, unsigned: event.executionId) }
        if version == .fix42 {
            append(FIXTag.execTransType, char: 0x33)              // status
            append(FIXTag.execType, char: event.orderStatus.rawValue)
        } else {
            append(FIXTag.execType, char: ExecutionType.orderStatus.rawValue)
        }
        append(FIXTag.ordStatus, char: event.orderStatus.rawValue)
        if event.orderStatus == .rejected { append(FIXTag.ordRejReason, int: Int64(event.rejectReason)) }
        if let symbol { append(FIXTag.symbol, text: symbol) }
        append(FIXTag.side, char: event.side.rawValue)
        append(FIXTag.orderQty, quantity: event.orderQuantity)
        if event.price != .zero { append(FIXTag.price, price: event.price) }
        append(FIXTag.leavesQty, quantity: event.leavesQuantity)
        append(FIXTag.cumQty, quantity: event.cumulativeQuantity)
        append(FIXTag.avgPx, price: event.averagePrice)
        if event.transactTime != .zero { append(FIXTag.transactTime, timestamp: event.transactTime) }
        if version != .fix42 {
            if let massStatusRequestID { append(FIXTag.massStatusReqID, text: massStatusRequestID) }
            if let orderStatusRequestID { append(790, text: orderStatusRequestID) }
            if let totalReports { append(911, int: totalReports) }          // TotNumReports
            if let lastReport { append(912, bool: lastReport) }             // LastRptRequested
        }
        if let text { append(FIXTag.text, text: text) }
    }

    // MARK: - Helpers

    /// OrdType (40), Price (44) and StopPx (99) when the type has them, TimeInForce (59).
    @inlinable @inline(__always)
    mutating func appendTypeAndPrices(_ order: OrderCommand) {
        append(FIXTag.ordType, char: order.type.rawValue)
        if order.type.hasLimitPrice { append(FIXTag.price, price: order.price) }
        if order.type.hasStopPrice { append(FIXTag.stopPx, price: order.stopPrice) }
        append(FIXTag.timeInForce, char: order.timeInForce.rawValue)
    }

    /// Appends an unsigned integer field (engine and venue ids use the full 64 bits; the
    /// signed `append(_:int:)` would print ids ≥ 2⁶³ as negative numbers). No allocation.
    @inlinable @inline(__always)
    mutating func append(_ tag: Int, unsigned value: UInt64) {
        ensure(40)
        writeTag(tag)
        position = FIXBytes.writeUnsigned(value, into: storage, at: position)
        endField()
    }
}
