import PeregrineCore

/// Order-flow messages from Peregrine's fixed-size events. Each writes a complete message
/// and returns its bytes (valid until the next `begin` on this encoder). Thread: the owner;
/// no allocation; O(message length).
extension FIXEncoder {
    /// NewOrderSingle (35=D) from an `OrderCommand`: ClOrdID (11) is the order id, Account (1)
    /// if given, HandlInst (21)=1 on FIX 4.x, Symbol (55), Side (54), TransactTime (60) =
    /// `sendingTime`, OrderQty (38), OrdType (40), Price (44) and StopPx (99) when the type has
    /// them, TimeInForce (59).
    @inlinable
    public mutating func encodeNewOrderSingle(_ order: OrderCommand, symbol: FIXInlineText,
                                              account: FIXInlineText? = nil, sequenceNumber: Int,
                                              sendingTime: Timestamp) -> UnsafeRawBufferPointer {
        begin(.newOrderSingle, sequenceNumber: sequenceNumber, sendingTime: sendingTime)
        append(FIXTag.clOrdID, int: Int64(bitPattern: order.orderId.rawValue))
        if let account { append(FIXTag.account, text: account) }
        if version != .fixt11 { append(FIXTag.handlInst, char: 0x31) }
        append(FIXTag.symbol, text: symbol)
        append(FIXTag.side, char: order.side.rawValue)
        append(FIXTag.transactTime, timestamp: sendingTime)
        append(FIXTag.orderQty, quantity: order.quantity)
        append(FIXTag.ordType, char: order.type.rawValue)
        if order.type.hasLimitPrice { append(FIXTag.price, price: order.price) }
        if order.type.hasStopPrice { append(FIXTag.stopPx, price: order.stopPrice) }
        append(FIXTag.timeInForce, char: order.timeInForce.rawValue)
        return finish()
    }

    /// OrderCancelRequest (35=F): OrigClOrdID (41) = `originalOrderId`, ClOrdID (11) =
    /// `orderId`, Symbol, Side, TransactTime, OrderQty.
    @inlinable
    public mutating func encodeOrderCancelRequest(_ order: OrderCommand, symbol: FIXInlineText,
                                                  account: FIXInlineText? = nil, sequenceNumber: Int,
                                                  sendingTime: Timestamp) -> UnsafeRawBufferPointer {
        begin(.orderCancelRequest, sequenceNumber: sequenceNumber, sendingTime: sendingTime)
        append(FIXTag.origClOrdID, int: Int64(bitPattern: order.originalOrderId.rawValue))
        append(FIXTag.clOrdID, int: Int64(bitPattern: order.orderId.rawValue))
        if let account { append(FIXTag.account, text: account) }
        append(FIXTag.symbol, text: symbol)
        append(FIXTag.side, char: order.side.rawValue)
        append(FIXTag.transactTime, timestamp: sendingTime)
        append(FIXTag.orderQty, quantity: order.quantity)
        return finish()
    }

    /// OrderCancelReplaceRequest (35=G): the new order's fields (as NewOrderSingle) plus
    /// OrigClOrdID (41).
    @inlinable
    public mutating func encodeOrderCancelReplaceRequest(_ order: OrderCommand, symbol: FIXInlineText,
                                                         account: FIXInlineText? = nil, sequenceNumber: Int,
                                                         sendingTime: Timestamp) -> UnsafeRawBufferPointer {
        begin(.orderCancelReplaceRequest, sequenceNumber: sequenceNumber, sendingTime: sendingTime)
        append(FIXTag.origClOrdID, int: Int64(bitPattern: order.originalOrderId.rawValue))
        append(FIXTag.clOrdID, int: Int64(bitPattern: order.orderId.rawValue))
        if let account { append(FIXTag.account, text: account) }
        if version != .fixt11 { append(FIXTag.handlInst, char: 0x31) }
        append(FIXTag.symbol, text: symbol)
        append(FIXTag.side, char: order.side.rawValue)
        append(FIXTag.transactTime, timestamp: sendingTime)
        append(FIXTag.orderQty, quantity: order.quantity)
        append(FIXTag.ordType, char: order.type.rawValue)
        if order.type.hasLimitPrice { append(FIXTag.price, price: order.price) }
        if order.type.hasStopPrice { append(FIXTag.stopPx, price: order.stopPrice) }
        append(FIXTag.timeInForce, char: order.timeInForce.rawValue)
        return finish()
    }

    /// ExecutionReport (35=8) from an `ExecutionEvent` (the simulated venue's side): OrderID
    /// (37), ClOrdID (11), OrigClOrdID (41) if set, ExecID (17), ExecTransType (20)=0 on
    /// FIX 4.2, ExecType (150; on FIX 4.2 a trade is 1 partial fill or 2 fill), OrdStatus (39),
    /// OrdRejReason (103) if rejected, Symbol, Side, OrderQty, Price if non-zero, LastQty (32),
    /// LastPx (31), LeavesQty (151), CumQty (14), AvgPx (6), TransactTime (60).
    @inlinable
    public mutating func encodeExecutionReport(_ event: ExecutionEvent, symbol: FIXInlineText,
                                               sequenceNumber: Int, sendingTime: Timestamp) -> UnsafeRawBufferPointer {
        begin(.executionReport, sequenceNumber: sequenceNumber, sendingTime: sendingTime)
        append(FIXTag.orderID, int: Int64(bitPattern: event.venueOrderId))
        append(FIXTag.clOrdID, int: Int64(bitPattern: event.orderId.rawValue))
        if event.originalOrderId != .none {
            append(FIXTag.origClOrdID, int: Int64(bitPattern: event.originalOrderId.rawValue))
        }
        append(FIXTag.execID, int: Int64(bitPattern: event.executionId))
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
        return finish()
    }
}
