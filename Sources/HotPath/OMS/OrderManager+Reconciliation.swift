import PeregrineCore

extension OrderManager {
    /// Reconciles the OMS with `venue` after a reconnect and repairs what it safely can.
    ///
    /// - `executions`: the venue's executions since a point (FIX ExecutionReports after an
    ///   OrderMassStatusRequest / resend, TWS `reqExecutions`). Each goes through
    ///   `onExecution`, so fills already booked are duplicates; new ones are booked and
    ///   reported as missing fills. Fills of unknown orders adopt the order first (when
    ///   `adoptUnknownOrders`).
    /// - `openOrders`: the venue's open orders as status reports (ExecType I or TWS
    ///   `openOrder`/`orderStatus`): ClOrdID, OrderID, status, OrderQty, price, CumQty,
    ///   AvgPx. Unknown ones are adopted — finished ones only if their TransactTime is within
    ///   the linger (older ones the OMS may have released after booking their fills: only
    ///   reported); pending requests the venue did not act on are
    ///   dropped (a replace the venue shows under its new ClOrdID is confirmed); a CumQty
    ///   above the local one is booked as one synthetic fill at the price implied by AvgPx;
    ///   a CumQty below it is reported for an operator.
    /// - Working orders of `venue` the venue does not list are marked canceled (or filled
    ///   when their fills cover them).
    ///
    /// Cold path: call on the OMS thread while the session is not yet trading; allocates
    /// its report; O(capacity + reports).
    public mutating func reconcile(venue: VenueId, openOrders: some Sequence<ExecutionEvent>,
                                   executions: some Sequence<ExecutionEvent>, now: Timestamp,
                                   adoptUnknownOrders: Bool = true) -> ReconciliationReport {
        var repairs: [ExecutionEvent] = []
        return reconcile(venue: venue, openOrders: openOrders, executions: executions, now: now,
                         adoptUnknownOrders: adoptUnknownOrders, workingOrdersBefore: nil, repairs: &repairs)
    }

    /// `reconcile(venue:openOrders:executions:now:adoptUnknownOrders:)` that also tells the
    /// caller what it changed, as execution events to journal and hand to risk and the
    /// strategies — replayed through `onExecution` (journal recovery) they rebuild the same
    /// state.
    ///
    /// - `openOrders` may also carry orders the venue reports finished (OrdStatus canceled,
    ///   expired, done for day, rejected — an OrderStatusRequest answer): their missing fills
    ///   are booked, then a working local order is made terminal (`.statusMismatch`,
    ///   `.markedCanceled`).
    /// - `workingOrdersBefore`: only working orders created before this time may be marked
    ///   missing at the venue (orders sent after the venue took its snapshot are not in it).
    /// - `repairs` receives, in the order applied: `.trade` for a synthetic fill (LastQty,
    ///   LastPx = the implied price, ExecID 0), `.canceled`/`.expired`/`.doneForDay` for an
    ///   order made terminal, `.restated` for adopted quantity or price, `.replaced` for a
    ///   confirmed replace, `.new` for an acknowledgement, and a `.rejected` with
    ///   `.cancelRejected` for a pending request dropped; each carries the order's
    ///   instrument, account, strategy and side and the `.statusResponse` flag.
    ///
    /// Cold path (allocates its report and may grow `repairs`); O(capacity + reports).
    public mutating func reconcile(venue: VenueId, openOrders: some Sequence<ExecutionEvent>,
                                   executions: some Sequence<ExecutionEvent>, now: Timestamp,
                                   adoptUnknownOrders: Bool = true, workingOrdersBefore cutoff: Timestamp?,
                                   repairs: inout [ExecutionEvent]) -> ReconciliationReport {
        var report = ReconciliationReport(venue: venue)

        // 1. Executions since the reconnect point.
        applyExecutions(executions, now: now, adoptUnknownOrders: adoptUnknownOrders, into: &report)

        // 2. The venue's open orders.
        var seen = [Bool](repeating: false, count: records.count)
        for open in openOrders {
            report.openOrdersExamined += 1
            guard let slot = findSlot(open) ?? adoptOpen(open, now: now, enabled: adoptUnknownOrders, into: &report) else {
                continue
            }
            seen[slot] = true
            reconcileOpen(open, slot: slot, now: now, into: &report, repairs: &repairs)
            if open.orderStatus.isTerminal && !records[slot].isTerminal && open.orderStatus != .filled {
                // The venue finished the order (an OrderStatusRequest answer names it).
                let before = records[slot]
                let status: OrderStatus = open.orderStatus == .expired || open.orderStatus == .doneForDay
                    ? open.orderStatus : .canceled
                makeTerminal(slot, status, now: now)
                report.differences.append(ReconciliationDifference(
                    kind: .statusMismatch, repair: .markedCanceled, orderId: before.orderId, venueOrderId: before.venueOrderId,
                    slot: OrderSlotIndex(rawValue: UInt32(slot)), localStatus: before.status, venueStatus: open.orderStatus,
                    localQuantity: before.filledQuantity, venueQuantity: open.cumulativeQuantity))
                repairs.append(repairEvent(slot, status == .canceled ? .canceled : status == .expired ? .expired : .doneForDay,
                                           now: now))
            }
        }

        // 3. Working orders the venue no longer has.
        for slot in records.indices where records[slot].isInUse && !records[slot].isTerminal && !seen[slot] {
            let r = records[slot]
            guard venue == .none || r.venue == venue || r.venue == .none else { continue }
            if let cutoff, r.createdTime >= cutoff { continue }
            let full = r.filledQuantity.rawValue >= r.quantity.rawValue
            makeTerminal(slot, full ? .filled : .canceled, now: now)
            if !full { repairs.append(repairEvent(slot, .canceled, now: now)) }
            report.differences.append(ReconciliationDifference(
                kind: .missingAtVenue, repair: full ? .markedFilled : .markedCanceled, orderId: r.orderId,
                venueOrderId: r.venueOrderId, slot: OrderSlotIndex(rawValue: UInt32(slot)), localStatus: r.status,
                venueStatus: full ? .filled : .canceled, localQuantity: r.filledQuantity, venueQuantity: r.filledQuantity))
        }
        return report
    }

    /// Applies venue executions, adopting the orders of unknown fills, without judging the
    /// OMS's other orders (the venue's list of open orders is not given): for a single fill
    /// of an order the OMS lost track of, live or in journal recovery. Same outcomes and
    /// report as step 1 of `reconcile`. Cold path (allocates its report); O(executions).
    public mutating func applyExecutions(venue: VenueId, _ executions: some Sequence<ExecutionEvent>, now: Timestamp,
                                         adoptUnknownOrders: Bool = true) -> ReconciliationReport {
        var report = ReconciliationReport(venue: venue)
        applyExecutions(executions, now: now, adoptUnknownOrders: adoptUnknownOrders, into: &report)
        return report
    }

    private mutating func applyExecutions(_ executions: some Sequence<ExecutionEvent>, now: Timestamp,
                                          adoptUnknownOrders: Bool, into report: inout ReconciliationReport) {
        for var execution in executions {
            report.executionsExamined += 1
            execution.flags |= ExecutionFlags.statusResponse.rawValue
            var slot = findSlot(execution)
            if slot == nil {
                let adopted = adoptUnknownOrders && execution.executionType == .trade ? adopt(execution, now: now) : nil
                report.differences.append(difference(.unknownOrder, adopted == nil ? .none : .adoptedOrder, execution,
                                                     slot: adopted, localStatus: .rejected))
                guard let adopted else { continue }
                slot = adopted
            }
            let before = records[slot!]
            let result = onExecution(execution)
            switch result.code {
            case .applied where execution.executionType == .trade:
                report.differences.append(difference(.missingFill, .appliedExecution, execution, slot: slot,
                                                     localStatus: before.status, localQuantity: before.filledQuantity,
                                                     venueQuantity: records[slot!].filledQuantity))
            case .applied where execution.executionType == .tradeCancel || execution.executionType == .tradeCorrect:
                report.differences.append(difference(.missingTradeAdjustment, .appliedExecution, execution, slot: slot,
                                                     localStatus: before.status, localQuantity: before.filledQuantity,
                                                     venueQuantity: records[slot!].filledQuantity))
            case let code where code.isFault && code != .statusMismatch:
                var d = difference(.rejectedExecution, .none, execution, slot: slot, localStatus: before.status,
                                   localQuantity: before.filledQuantity, venueQuantity: execution.cumulativeQuantity)
                d.code = code
                report.differences.append(d)
            default:
                break
            }
        }
    }

    private func difference(_ kind: ReconciliationDifferenceKind, _ repair: ReconciliationRepair, _ e: ExecutionEvent,
                            slot: Int?, localStatus: OrderStatus, localQuantity: Quantity = .zero,
                            venueQuantity: Quantity? = nil) -> ReconciliationDifference {
        ReconciliationDifference(kind: kind, repair: repair, orderId: e.orderId, venueOrderId: e.venueOrderId,
                                 slot: slot.map { OrderSlotIndex(rawValue: UInt32($0)) } ?? .none,
                                 localStatus: localStatus, venueStatus: e.orderStatus, localQuantity: localQuantity,
                                 venueQuantity: venueQuantity ?? e.cumulativeQuantity)
    }

    /// A slot for an order only the venue knows (acknowledged, nothing filled yet).
    private mutating func adopt(_ e: ExecutionEvent, now: Timestamp) -> Int? {
        guard e.orderId != .none || e.venueOrderId != 0,
              positions.contains(account: e.account, instrument: e.instrument),
              let slot = allocateSlot(now: now) else { return nil }
        var quantity = e.orderQuantity
        if quantity.rawValue <= 0 { quantity = e.cumulativeQuantity + e.leavesQuantity }
        if quantity.rawValue <= 0 { quantity = e.lastQuantity }
        records[slot].orderId = e.orderId
        records[slot].rootOrderId = e.orderId
        records[slot].price = e.price
        records[slot].quantity = quantity
        records[slot].instrument = e.instrument
        records[slot].account = e.account
        records[slot].strategy = e.strategy
        records[slot].venue = e.venue
        records[slot].side = e.side
        records[slot].createdTime = now
        records[slot].updatedTime = now
        records[slot].isAcknowledged = true
        records[slot].baseStatus = .new
        addAlias(e.orderId, slot: slot)
        noteVenueOrderId(e.venueOrderId, slot: slot)
        return slot
    }

    private mutating func adoptOpen(_ open: ExecutionEvent, now: Timestamp, enabled: Bool,
                                    into report: inout ReconciliationReport) -> Int? {
        // A finished order the OMS does not hold may be one it released after its linger (its
        // fills long booked): adopting it would book them twice, so it is reported only —
        // unless it finished (TransactTime) within the linger: the OMS would still hold it
        // had it ever known it.
        let finishedLongAgo = open.orderStatus.isTerminal
            && (open.transactTime == .zero || now - open.transactTime >= configuration.linger)
        let slot = enabled && !finishedLongAgo ? adopt(open, now: now) : nil
        report.differences.append(difference(.unknownOrder, slot == nil ? .none : .adoptedOrder, open, slot: slot,
                                             localStatus: .rejected))
        return slot
    }

    /// What a repair did to `slot`, as an execution event (see `reconcile(…repairs:)`).
    private func repairEvent(_ slot: Int, _ type: ExecutionType, now: Timestamp) -> ExecutionEvent {
        let r = records[slot]
        var e = ExecutionEvent()
        e.orderId = r.orderId
        e.venueOrderId = r.venueOrderId
        e.instrument = r.instrument
        e.account = r.account
        e.strategy = r.strategy
        e.venue = r.venue
        e.side = r.side
        e.price = r.price
        e.orderQuantity = r.quantity
        e.cumulativeQuantity = r.filledQuantity
        e.leavesQuantity = r.leavesQuantity
        e.averagePrice = r.averagePrice
        e.executionType = type
        e.orderStatus = r.status
        e.transactTime = now
        e.receiveTime = now
        e.flags = ExecutionFlags.statusResponse.rawValue
        return e
    }

    private mutating func reconcileOpen(_ open: ExecutionEvent, slot: Int, now: Timestamp,
                                        into report: inout ReconciliationReport, repairs: inout [ExecutionEvent]) {
        let r = records[slot]
        func note(_ kind: ReconciliationDifferenceKind, _ repair: ReconciliationRepair,
                  local: Quantity = .zero, venue: Quantity = .zero) {
            report.differences.append(ReconciliationDifference(
                kind: kind, repair: repair, orderId: r.orderId, venueOrderId: open.venueOrderId,
                slot: OrderSlotIndex(rawValue: UInt32(slot)), localStatus: r.status, venueStatus: open.orderStatus,
                localQuantity: local, venueQuantity: venue))
        }
        let venueDone = open.orderStatus.isTerminal && open.orderStatus != .filled
        if r.isTerminal {
            // Both finished: agreement unless the fills differ. The venue lists as open an
            // order the OMS thinks done: an operator decides.
            if open.orderStatus.isTerminal && open.cumulativeQuantity == r.filledQuantity { return }
            note(.statusMismatch, .none, local: r.filledQuantity, venue: open.cumulativeQuantity)
            return
        }
        noteVenueOrderId(open.venueOrderId, slot: slot)
        if r.isReplacePending && !venueDone {
            if open.orderId != .none && open.orderId == r.pendingReplaceId {
                records[slot].orderId = r.pendingReplaceId
                records[slot].price = r.pendingPrice
                records[slot].quantity = r.pendingQuantity
                records[slot].replaceCount &+= 1
                note(.statusMismatch, .confirmedReplace)
                var e = repairEvent(slot, .replaced, now: now)
                e.originalOrderId = r.orderId
                e.orderStatus = records[slot].workingStatus
                repairs.append(e)
            } else if open.orderStatus != .pendingReplace {
                note(.statusMismatch, .clearedPendingRequest)
                var e = repairEvent(slot, .rejected, now: now)
                e.orderId = r.pendingReplaceId          // answers the replace
                e.originalOrderId = r.orderId
                e.orderStatus = open.orderStatus
                e.flags |= ExecutionFlags.cancelRejected.rawValue
                repairs.append(e)
            }
            if open.orderStatus != .pendingReplace || open.orderId == r.pendingReplaceId {
                records[slot].isReplacePending = false
                records[slot].pendingReplaceId = .none
                records[slot].pendingPrice = .zero
                records[slot].pendingQuantity = .zero
            }
        }
        if r.isCancelPending && open.orderStatus != .pendingCancel && !venueDone {
            records[slot].isCancelPending = false
            records[slot].pendingCancelId = .none
            note(.statusMismatch, .clearedPendingRequest)
            var e = repairEvent(slot, .rejected, now: now)
            e.originalOrderId = r.orderId
            e.orderStatus = open.orderStatus
            e.flags |= ExecutionFlags.cancelRejected.rawValue
            repairs.append(e)
        }
        if !r.isAcknowledged && open.orderStatus != .pendingNew {
            records[slot].isAcknowledged = true
            note(.statusMismatch, .acknowledged)
            repairs.append(repairEvent(slot, .new, now: now))
        }
        var restated = false
        if open.orderQuantity.rawValue > 0 && open.orderQuantity != records[slot].quantity {
            note(.orderQuantityMismatch, .adoptedVenueValues, local: records[slot].quantity, venue: open.orderQuantity)
            records[slot].quantity = open.orderQuantity
            restated = true
        }
        if open.price.rawValue != 0 && open.price != records[slot].price {
            note(.priceMismatch, .adoptedVenueValues)
            records[slot].price = open.price
            restated = true
        }
        if restated { repairs.append(repairEvent(slot, .restated, now: now)) }
        let localFilled = records[slot].filledQuantity
        let venueFilled = open.cumulativeQuantity
        if venueFilled.rawValue > localFilled.rawValue {
            let missing = venueFilled - localFilled
            let implied = (open.averagePrice.notional(for: venueFilled) - records[slot].filledNotional)
                .divided(by: missing, rounding: .toNearestOrEven) ?? open.averagePrice
            book(slot: slot, quantity: missing, price: implied)
            note(.cumulativeMismatch, .bookedSyntheticFill, local: localFilled, venue: venueFilled)
            settleWorkingStatus(slot, now: now)
            var e = repairEvent(slot, .trade, now: now)
            e.lastQuantity = missing
            e.lastPrice = implied
            repairs.append(e)
        } else if venueFilled.rawValue < localFilled.rawValue {
            note(.cumulativeMismatch, .none, local: localFilled, venue: venueFilled)
        }
        settleWorkingStatus(slot, now: now)
    }
}
