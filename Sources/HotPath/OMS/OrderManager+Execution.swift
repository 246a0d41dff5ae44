import PeregrineCore

extension OrderManager {
    /// Applies one execution report from a venue to its order (and a fill to its position).
    ///
    /// The order is found by ClOrdID, then OrigClOrdID, then (venue, OrderID). The report's
    /// receive time (else its transact time) is the clock. Call on the OMS thread; does not
    /// block or allocate; O(1) expected. Every outcome is a code (see `OrderEventCode`).
    public mutating func onExecution(_ event: ExecutionEvent) -> OrderEventResult {
        let now = event.receiveTime != .zero ? event.receiveTime : event.transactTime
        guard let slot = findSlot(event) else { return finish(.unknownOrder, -1) }
        var code = transition(event, slot: slot, now: now)
        if code == .applied || code == .noChange {
            records[slot].updatedTime = now
            noteVenueOrderId(event.venueOrderId, slot: slot)
        }
        if (code == .illegalTransition || code == .overfill)
            && ExecutionFlags(rawValue: event.flags).contains(.possibleDuplicate) {
            code = .duplicate
        }
        return finish(code, slot)
    }

    func findSlot(_ event: ExecutionEvent) -> Int? {
        if let s = orderIndex.find(event.orderId.rawValue) { return Int(s) }
        if let s = orderIndex.find(event.originalOrderId.rawValue) { return Int(s) }
        if let s = venueIndex.find(event.venueOrderId, scope: event.venue.rawValue) { return Int(s) }
        return nil
    }

    private mutating func transition(_ event: ExecutionEvent, slot: Int, now: Timestamp) -> OrderEventCode {
        if ExecutionFlags(rawValue: event.flags).contains(.cancelRejected) {
            return cancelRejected(event, slot: slot)
        }
        let base = records[slot].baseStatus
        switch event.executionType {
        case .pendingNew:
            if base.isTerminal { return .illegalTransition }
            return .noChange
        case .new:
            if base.isTerminal { return .illegalTransition }
            guard !records[slot].isAcknowledged else { return .noChange }
            records[slot].isAcknowledged = true
            records[slot].baseStatus = records[slot].workingStatus
            return .applied
        case .trade:
            return fill(event, slot: slot, now: now)
        case .tradeCancel, .tradeCorrect:
            return adjustFill(event, slot: slot, now: now)
        case .canceled:
            if base.isTerminal { return base == .canceled ? .noChange : .illegalTransition }
            if !records[slot].isCancelPending { unsolicitedCancelCount &+= 1 }
            records[slot].isAcknowledged = true
            makeTerminal(slot, .canceled, now: now)
            return .applied
        case .replaced:
            return replaced(event, slot: slot, now: now)
        case .pendingCancel:
            if base.isTerminal { return .noChange }
            if records[slot].isCancelPending { return .noChange }
            records[slot].isCancelPending = true
            return .applied
        case .pendingReplace:
            if base.isTerminal || records[slot].isReplacePending { return .noChange }
            return .illegalTransition     // no replace of ours to be pending
        case .rejected:
            if base.isTerminal { return base == .rejected ? .noChange : .illegalTransition }
            if records[slot].isReplacePending && event.orderId == records[slot].pendingReplaceId {
                return cancelRejected(event, slot: slot)   // a replace refused with an ExecutionReport
            }
            if records[slot].isAcknowledged || records[slot].filledQuantity.rawValue > 0 { return .illegalTransition }
            makeTerminal(slot, .rejected, now: now)
            return .applied
        case .expired, .doneForDay:
            let status: OrderStatus = event.executionType == .expired ? .expired : .doneForDay
            if base.isTerminal { return base == status ? .noChange : .illegalTransition }
            makeTerminal(slot, status, now: now)
            return .applied
        case .orderStatus:
            return statusReport(event, slot: slot)
        case .restated:
            if base.isTerminal { return .illegalTransition }
            if event.orderQuantity.rawValue > 0 { records[slot].quantity = event.orderQuantity }
            if event.price.rawValue != 0 { records[slot].price = event.price }
            settleWorkingStatus(slot, now: now)
            return .applied
        case .stopped, .suspended, .calculated:
            return .unsupported
        }
    }

    /// A cancel or replace request refused (FIX OrderCancelReject): its pending flag is
    /// cleared and the order keeps the status its fills gave it.
    private mutating func cancelRejected(_ event: ExecutionEvent, slot: Int) -> OrderEventCode {
        let r = records[slot]
        // A reject naming the replace's ClOrdID answers the replace; any other answers the
        // cancel first (when both are pending and the reject names the order, the cancel).
        let answersReplace = r.isReplacePending && event.orderId != .none && event.orderId == r.pendingReplaceId
        if r.isCancelPending && !answersReplace {
            records[slot].isCancelPending = false
            records[slot].pendingCancelId = .none
            return .applied
        }
        if r.isReplacePending {
            records[slot].isReplacePending = false
            records[slot].pendingReplaceId = .none
            records[slot].pendingPrice = .zero
            records[slot].pendingQuantity = .zero
            return .applied
        }
        return .noChange
    }

    private mutating func fill(_ event: ExecutionEvent, slot: Int, now: Timestamp) -> OrderEventCode {
        let quantity = event.lastQuantity
        guard quantity.rawValue > 0 else { return .invalidReport }
        if event.executionId != 0, ledger.find(event.executionId, venue: event.venue) != nil { return .duplicate }
        let r = records[slot]
        if r.isTerminal { return .illegalTransition }
        let (cumulative, overflow) = r.filledQuantity.addingReportingOverflow(quantity)
        if overflow || cumulative.rawValue > r.quantity.rawValue { return .overfill }
        if event.cumulativeQuantity.rawValue != 0 && event.cumulativeQuantity != cumulative {
            cumulativeMismatchCount &+= 1
        }
        let booked = book(slot: slot, quantity: quantity, price: event.lastPrice)
        ledger.record(ExecutionLedger.Fill(realized: booked.realized, basisChange: booked.basisChange,
                                           executionId: event.executionId, quantity: quantity, price: event.lastPrice,
                                           slot: UInt32(slot), generation: r.generation, venue: event.venue.rawValue))
        records[slot].isAcknowledged = true
        settleWorkingStatus(slot, now: now)
        return .applied
    }

    /// Adds a fill to the order and its position; returns what it did to the position.
    @discardableResult
    mutating func book(slot: Int, quantity: Quantity, price: Price) -> (realized: Notional, basisChange: Notional) {
        let r = records[slot]
        records[slot].filledQuantity += quantity
        records[slot].filledNotional += price.notional(for: quantity)
        let signed = r.side == .buy ? quantity : -quantity
        let fee = configuration.fees.fee(quantity: quantity, price: price)
        return positions.applyFill(account: r.account, instrument: r.instrument, signedQuantity: signed, price: price,
                                   fee: fee)
    }

    /// Takes a booked fill back out of the order and its position (a bust).
    mutating func unbook(slot: Int, _ fill: ExecutionLedger.Fill) {
        let r = records[slot]
        records[slot].filledQuantity -= fill.quantity
        records[slot].filledNotional -= fill.price.notional(for: fill.quantity)
        let signed = r.side == .buy ? fill.quantity : -fill.quantity
        let fee = configuration.fees.fee(quantity: fill.quantity, price: fill.price)
        positions.reverseFill(account: r.account, instrument: r.instrument, signedQuantity: signed,
                              basisChange: fill.basisChange, realized: fill.realized, fee: fee)
    }

    /// Recomputes the working status from the fills; a full fill makes the order terminal.
    mutating func settleWorkingStatus(_ slot: Int, now: Timestamp) {
        let status = records[slot].workingStatus
        if status == .filled {
            makeTerminal(slot, .filled, now: now)
        } else {
            records[slot].baseStatus = status
        }
    }

    /// A trade bust (`.tradeCancel`) or correction (`.tradeCorrect`) of the fill whose ExecID
    /// is in `executionId` (see the design note). Idempotent.
    private mutating func adjustFill(_ event: ExecutionEvent, slot: Int, now: Timestamp) -> OrderEventCode {
        guard let position = ledger.find(event.executionId, venue: event.venue) else { return .unknownExecution }
        let booked = ledger[position]
        guard booked.slot == UInt32(slot), booked.generation == records[slot].generation else { return .unknownExecution }
        let newQuantity = event.executionType == .tradeCancel ? Quantity.zero : event.lastQuantity
        let newPrice = event.executionType == .tradeCancel ? booked.price : event.lastPrice
        guard newQuantity.rawValue >= 0 else { return .invalidReport }
        if newQuantity == booked.quantity && (newQuantity.rawValue == 0 || newPrice == booked.price) { return .duplicate }
        let cumulative = records[slot].filledQuantity - booked.quantity + newQuantity
        if cumulative.rawValue > records[slot].quantity.rawValue { return .overfill }
        if booked.quantity.rawValue > 0 { unbook(slot: slot, booked) }
        var rebooked = (realized: Notional.zero, basisChange: Notional.zero)
        if newQuantity.rawValue > 0 { rebooked = book(slot: slot, quantity: newQuantity, price: newPrice) }
        ledger[position].quantity = newQuantity
        ledger[position].price = newPrice
        ledger[position].realized = rebooked.realized
        ledger[position].basisChange = rebooked.basisChange
        tradeAdjustmentCount &+= 1
        let base = records[slot].baseStatus
        if base == .filled || !base.isTerminal {
            // A filled order that is no longer full works again unless the venue says it is done.
            let reported = event.orderStatus
            if base == .filled && records[slot].workingStatus != .filled && reported.isTerminal && reported != .filled {
                records[slot].baseStatus = reported
            } else if base == .filled && records[slot].workingStatus != .filled {
                unlinkLinger(slot)
                records[slot].baseStatus = records[slot].workingStatus
            } else {
                settleWorkingStatus(slot, now: now)
            }
        }
        return .applied
    }

    private mutating func replaced(_ event: ExecutionEvent, slot: Int, now: Timestamp) -> OrderEventCode {
        let r = records[slot]
        guard r.isReplacePending else {
            return event.orderId == r.orderId && r.replaceCount > 0 ? .noChange : .illegalTransition
        }
        if r.isTerminal { return .illegalTransition }
        if event.orderId != .none && event.orderId != r.pendingReplaceId { return .illegalTransition }
        records[slot].orderId = r.pendingReplaceId
        records[slot].price = event.price.rawValue != 0 ? event.price : r.pendingPrice
        records[slot].quantity = event.orderQuantity.rawValue > 0 ? event.orderQuantity : r.pendingQuantity
        records[slot].pendingReplaceId = .none
        records[slot].pendingPrice = .zero
        records[slot].pendingQuantity = .zero
        records[slot].isReplacePending = false
        records[slot].isAcknowledged = true
        records[slot].replaceCount &+= 1
        settleWorkingStatus(slot, now: now)
        return .applied
    }

    /// A status answer (ExecType I): no change, counted as a mismatch when it disagrees
    /// (reconciliation repairs).
    private mutating func statusReport(_ event: ExecutionEvent, slot: Int) -> OrderEventCode {
        let r = records[slot]
        let statusAgrees = event.orderStatus == r.status || event.orderStatus == r.baseStatus
        if statusAgrees && event.cumulativeQuantity == r.filledQuantity { return .noChange }
        return .statusMismatch
    }
}
