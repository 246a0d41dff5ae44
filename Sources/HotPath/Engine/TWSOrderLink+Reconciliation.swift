import PeregrineCore
import PeregrineMarketData

extension TWSOrderLink {
    // Reconciliation after a handshake: TWS's answers to reqOpenOrders / reqExecutions as
    // the status reports and executions `OrderManager.reconcile` takes. Cold path (the
    // buffers were reserved at init; they grow only past the OMS capacity).

    /// An openOrder answer as a status report (ExecType I) under the order's current ClOrdID
    /// (its pending replace's when TWS already shows the new quantity and price), or under
    /// the TWS id alone for an order this engine does not know.
    func collect(openOrder o: TWSOpenOrder, account: AccountId, venue: VenueId, now: Timestamp) {
        var x = ExecutionEvent()
        x.executionType = .orderStatus
        x.orderStatus = o.status.equals("PendingCancel") ? .pendingCancel : .new
        x.venueOrderId = UInt64(bitPattern: o.orderId)
        x.price = o.limitPrice ?? .zero
        x.orderQuantity = o.totalQuantity ?? .zero
        x.leavesQuantity = x.orderQuantity
        x.account = account
        x.venue = venue
        x.transactTime = now
        x.receiveTime = now
        if let i = table.index(twsId: o.orderId) {
            let e = table[i]
            x.orderId = e.pendingReplaceId != .none && x.orderQuantity == e.pendingQuantity && x.price == e.pendingPrice
                ? e.pendingReplaceId : e.orderId
            x.instrument = e.instrument
            x.side = e.side
        } else {
            x.instrument = instrument(symbol: o.symbol)
            x.side = o.action.equals("BUY") ? .buy : (o.action.equals("SSHORT") ? .sellShort : .sell)
        }
        if let k = reconcileOpenOrders.firstIndex(where: { $0.venueOrderId == x.venueOrderId }) {
            x.cumulativeQuantity = reconcileOpenOrders[k].cumulativeQuantity
            x.averagePrice = reconcileOpenOrders[k].averagePrice
            reconcileOpenOrders[k] = x
        } else {
            reconcileOpenOrders.append(x)
        }
    }

    /// The orderStatus that follows each openOrder: filled quantity and average price.
    func collect(status s: TWSOrderStatus) {
        let id = UInt64(bitPattern: s.orderId)
        guard let k = reconcileOpenOrders.firstIndex(where: { $0.venueOrderId == id }) else { return }
        let filled = s.filled ?? .zero
        reconcileOpenOrders[k].cumulativeQuantity = filled
        reconcileOpenOrders[k].averagePrice = s.averageFillPrice ?? .zero
        if let remaining = s.remaining { reconcileOpenOrders[k].leavesQuantity = remaining }
        if filled.rawValue > 0 && reconcileOpenOrders[k].orderStatus == .new { reconcileOpenOrders[k].orderStatus = .partiallyFilled }
    }

    /// An execDetails answer not already booked, as a fill.
    func collect(execution x: TWSExecution, account: AccountId, venue: VenueId, now: Timestamp) {
        let execId = TWSExecutionIdSet.hash(x.executionId.bytes)
        guard !executions.contains(execId), !reconcileExecutions.contains(where: { $0.executionId == execId }) else {
            counters.duplicateExecutions &+= 1
            return
        }
        guard let shares = x.shares, shares.rawValue > 0, let price = x.price else { counters.unknownOrderMessages &+= 1; return }
        var f = ExecutionEvent()
        f.executionType = .trade
        f.executionId = execId
        f.venueOrderId = UInt64(bitPattern: x.orderId)
        f.lastQuantity = shares
        f.lastPrice = price
        f.cumulativeQuantity = x.cumulativeQuantity ?? .zero
        f.averagePrice = x.averagePrice ?? price
        f.account = account
        f.venue = venue
        f.transactTime = now
        f.receiveTime = now
        if let i = table.index(twsId: x.orderId) {
            let e = table[i]
            f.orderId = e.orderId
            f.instrument = e.instrument
            f.side = e.side
            f.price = e.price
            f.orderQuantity = e.quantity
            f.orderStatus = e.filled + shares >= e.quantity ? .filled : .partiallyFilled
        } else {
            f.instrument = instrument(symbol: x.symbol)
            f.side = x.side.equals("BOT") ? .buy : .sell
            f.price = price
            f.orderStatus = .partiallyFilled
        }
        reconcileExecutions.append(f)
    }
}
