import PeregrineCore
import PeregrineRuntime

extension JournalReportBuilder {
    func flowLine(_ strategy: UInt16) -> JournalReport.OrderFlowLine {
        flow[strategy] ?? JournalReport.OrderFlowLine(label: options.strategyLabel(strategy), newOrders: 0, cancels: 0,
                                                      replaces: 0, massCancels: 0, fills: 0, ordersFilled: 0,
                                                      orderedQuantity: .zero, filledQuantity: .zero, venueRejects: 0,
                                                      riskRejects: 0, unanswered: 0)
    }

    func updateFlow(_ strategy: UInt16, _ change: (inout JournalReport.OrderFlowLine) -> Void) {
        var line = flowLine(strategy)
        change(&line)
        flow[strategy] = line
    }

    // MARK: Commands

    func onCommand(_ command: OrderCommand, time: Timestamp) {
        let strategy = command.strategy.rawValue
        switch command.kind {
        case .new:
            updateFlow(strategy) { $0.newOrders += 1; $0.orderedQuantity += command.quantity }
            let entry = OrderEntry(command, journalTime: time.nanosecondsSinceEpoch)
            orders[command.orderId] = entry
            if riskRejectedIds.contains(command.orderId) { markRiskRejected(entry) }
            if options.arrivalClock == .journalOrder || command.createdTime == .zero {
                entry.arrival = Self.arrival(quotes.latest(instrument: entry.instrument))
            } else {
                pendingArrivals.append(entry)
                settleArrivals(final: false)
            }
        case .cancel:
            updateFlow(strategy) { $0.cancels += 1 }
            requests[command.orderId] = Request(journalTime: time.nanosecondsSinceEpoch)
        case .replace:
            updateFlow(strategy) { $0.replaces += 1 }
            requests[command.orderId] = Request(journalTime: time.nanosecondsSinceEpoch)
            if let entry = orders[command.originalOrderId] {
                entry.ids.append(command.orderId)
                orders[command.orderId] = entry
                if command.quantity > entry.quantity { entry.quantity = command.quantity }
            }
        case .massCancel:
            updateFlow(strategy) { $0.massCancels += 1 }
        }
    }

    static func arrival(_ quote: ArrivalQuotes.Quote?) -> OrderEntry.Arrival {
        guard let doubled = quote?.doubledMid else { return .unavailable }
        return .mid(doubled: doubled)
    }

    /// Settles the arrival quote of orders whose decision time the market stream has passed
    /// (all of them when `final`), then their waiting fills' slippage.
    func settleArrivals(final: Bool) {
        while pendingArrivalsHead < pendingArrivals.count {
            let entry = pendingArrivals[pendingArrivalsHead]
            guard final || quotes.watermark > entry.createdTime else { break }
            pendingArrivalsHead += 1
            entry.arrival = Self.arrival(quotes.quote(instrument: entry.instrument, atOrBefore: entry.createdTime))
            for fill in entry.pendingFills { recordSlippage(entry, price: fill.price, quantity: fill.quantity) }
            entry.pendingFills = []
        }
        if pendingArrivalsHead > 1_024 && pendingArrivalsHead * 2 > pendingArrivals.count {
            pendingArrivals.removeFirst(pendingArrivalsHead)
            pendingArrivalsHead = 0
        }
    }

    /// Slippage of one fill against its order's arrival mid; positive = cost.
    func recordSlippage(_ entry: OrderEntry, price: Price, quantity: Quantity) {
        guard case .mid(let doubled) = entry.arrival else {
            fillsWithoutArrival += 1
            return
        }
        let sign: Int128 = entry.side == .buy ? 1 : -1
        // In doubled units so a half-unit mid stays exact: 2·price − (bid + ask).
        let doubledCost = sign * (2 * Int128(price.rawValue) - Int128(doubled))
        let (product, overflow) = doubledCost.multipliedReportingOverflow(by: Int128(quantity.rawValue))
        guard !overflow else { return tally("fill(s) too large for exact slippage (left out)", at: "order \(entry.ids[0])") }
        let cost = Notional(rawValue: product / 2)
        let sample = SlippageSample(bps: Double(doubledCost) / Double(doubled) * 10_000, cost: cost)
        slippageByStrategy[entry.strategy, default: []].append(sample)
        slippageByInstrument[entry.instrument, default: []].append(sample)
        slippageAll.append(sample)
    }

    // MARK: Executions

    func onExecution(_ event: ExecutionEvent, time: Timestamp, location: String) {
        let t = time.nanosecondsSinceEpoch
        let flags = ExecutionFlags(rawValue: event.flags)
        let answersRequest = requests.removeValue(forKey: event.orderId)
        if let request = answersRequest { latencyRequest.record(t - request.journalTime) }
        let cancelRejected = flags.contains(.cancelRejected)
            || (event.executionType == .rejected && answersRequest != nil)
        if event.executionType == .rejected || flags.contains(.cancelRejected) {
            venueRejects[RejectKey(cancelOrReplace: cancelRejected, code: event.rejectReason), default: 0] += 1
        }
        guard let entry = orders[event.orderId] ?? orders[event.originalOrderId] else {
            unknownOrders.count += 1
            if event.executionType == .trade {
                unknownOrders.fills += 1
                unknownOrders.fillQuantity += event.lastQuantity
            }
            tally("execution report(s) for orders this journal never commanded (not booked, like the OMS)", at: location)
            return
        }
        entry.answered = true
        if !entry.acknowledged && answersRequest == nil && !flags.contains(.cancelRejected) {
            entry.acknowledged = true
            latencyAck.record(t - entry.journalTime)
            if entry.createdTime != 0 && event.receiveTime != .zero {
                latencyAckEngine.record(event.receiveTime.nanosecondsSinceEpoch - entry.createdTime)
            }
        }
        if event.executionType == .rejected && !cancelRejected {
            updateFlow(entry.strategy) { $0.venueRejects += 1 }
        }
        if !flags.contains(.cancelRejected) {
            switch event.executionType {
            case .trade: fill(event, entry, time: time, location: location)
            case .tradeCancel, .tradeCorrect: adjust(event, time: time, location: location)
            case .replaced:
                if event.orderQuantity > entry.quantity { entry.quantity = event.orderQuantity }
            default: break
            }
        }
        if !cancelRejected && event.orderStatus.isTerminal && !entry.terminal { retire(entry) }
    }

    /// A terminal order keeps its ids for late reports until `terminalOrdersKept` newer
    /// orders have ended, then is forgotten (like the OMS's linger).
    func retire(_ entry: OrderEntry) {
        entry.terminal = true
        terminalQueue.append(entry)
        if terminalQueue.count - terminalQueueHead > Self.terminalOrdersKept {
            let old = terminalQueue[terminalQueueHead]
            terminalQueueHead += 1
            for id in old.ids where orders[id] === old { orders[id] = nil }
        }
        if terminalQueueHead > 4_096 && terminalQueueHead * 2 > terminalQueue.count {
            terminalQueue.removeFirst(terminalQueueHead)
            terminalQueueHead = 0
        }
    }

    func fill(_ event: ExecutionEvent, _ entry: OrderEntry, time: Timestamp, location: String) {
        let quantity = event.lastQuantity
        guard quantity.rawValue > 0 else {
            return tally("fill(s) with a zero or negative quantity (skipped)", at: location)
        }
        let key = FillKey(venue: event.venue.rawValue, executionId: event.executionId)
        if event.executionId != 0, let earlier = ledger[key] {
            if earlier.entry === entry {
                return tally("duplicate fill(s): same venue and ExecID (skipped, as the OMS does)", at: location)
            }
            // Not a resend: the venue gave two orders' fills one ExecID. The OMS keys on
            // (venue, ExecID) too and drops it, so the report does the same and says so.
            return tally("fill(s) reusing the ExecID of another order's fill: the venue's ExecIDs are not unique (skipped, as the OMS does: positions may miss real fills)", at: location)
        }
        let (cumulative, overflow) = entry.filled.addingReportingOverflow(quantity)
        if overflow || cumulative > entry.quantity {
            return tally("overfill(s) beyond the order quantity (skipped, as the OMS does)", at: location)
        }
        entry.filled = cumulative
        let price = event.lastPrice
        let signed = entry.side == .buy ? quantity : -quantity
        let fee = options.fees.fee(quantity: quantity, price: price)
        let effect = book(strategy: entry.strategy, account: entry.account, instrument: entry.instrument, signed: signed,
                          price: price, fee: fee)
        if event.executionId != 0 {
            ledger[key] = BookedFill(strategy: entry.strategy, account: entry.account, instrument: entry.instrument,
                                     signed: signed, price: price, fee: fee, effect: effect, entry: entry)
            ledgerOrder.append(key)
            if ledgerOrder.count - ledgerHead > Self.fillsKept {
                ledger[ledgerOrder[ledgerHead]] = nil
                ledgerHead += 1
            }
            if ledgerHead > 4_096 && ledgerHead * 2 > ledgerOrder.count {
                ledgerOrder.removeFirst(ledgerHead)
                ledgerHead = 0
            }
        }
        strategyFillCounts[entry.strategy, default: 0] += 1
        instrumentFillCounts[entry.instrument, default: 0] += 1
        let first = !entry.filledOnce
        entry.filledOnce = true
        updateFlow(entry.strategy) {
            $0.fills += 1
            $0.filledQuantity += quantity
            if first { $0.ordersFilled += 1 }
        }
        changeDay(dayOf(time), signed: signed, price: price, realized: effect.accountRealized, fee: fee, fills: 1)
        if first {
            latencyFirstFill.record(time.nanosecondsSinceEpoch - entry.journalTime)
            if entry.createdTime != 0 && event.receiveTime != .zero {
                latencyFirstFillEngine.record(event.receiveTime.nanosecondsSinceEpoch - entry.createdTime)
            }
        }
        switch entry.arrival {
        case .pending: entry.pendingFills.append((price, quantity))
        default: recordSlippage(entry, price: price, quantity: quantity)
        }
        ensureSeries(entry.strategy)
        sampleSeries(at: time, force: true)
    }

    /// Adds (`direction` 1) or takes back (−1) a fill in its day's line; `realized` is the
    /// signed change of realized P&L either way.
    func changeDay(_ day: CalendarDay, signed: Quantity, price: Price, realized: Notional, fee: Notional, fills: Int,
                   direction: Int64 = 1) {
        var line = days[day] ?? Self.emptyDay(day)
        line.fills += fills
        if signed.rawValue > 0 { line.boughtQuantity += signed * direction } else { line.soldQuantity -= signed * direction }
        let notional = price.notional(for: signed).magnitude
        if direction > 0 { line.tradedNotional += notional; line.fees += fee } else { line.tradedNotional -= notional; line.fees -= fee }
        line.realized += realized
        days[day] = line
    }

    /// A trade bust (`.tradeCancel`) or correction (`.tradeCorrect`) of the fill named by
    /// ExecID: the booked fill is taken back and, for a correction, booked again with the new
    /// quantity and price. Its slippage sample stays as first recorded.
    func adjust(_ event: ExecutionEvent, time: Timestamp, location: String) {
        let key = FillKey(venue: event.venue.rawValue, executionId: event.executionId)
        guard let booked = ledger[key] else {
            return tally("trade bust(s) or correction(s) of fills not in the journal (ignored)", at: location)
        }
        let busted = event.executionType == .tradeCancel
        let quantity = busted ? Quantity.zero : event.lastQuantity
        let price = busted ? booked.price : event.lastPrice
        guard quantity.rawValue >= 0 else { return tally("trade correction(s) with a negative quantity (ignored)", at: location) }
        if quantity == booked.signed.magnitude && (quantity.rawValue == 0 || price == booked.price) { return }
        let day = dayOf(time)
        let realizedBack = unbook(booked)
        changeDay(day, signed: booked.signed, price: booked.price, realized: realizedBack, fee: booked.fee, fills: busted ? -1 : 0,
                  direction: -1)
        booked.entry.filled -= booked.signed.magnitude
        var updated = booked
        updated.signed = Quantity(rawValue: booked.signed.rawValue < 0 ? -quantity.rawValue : quantity.rawValue)
        updated.price = price
        updated.fee = .zero
        updated.effect = BookedFill.Effect(strategyRealized: .zero, strategyBasisChange: .zero, accountRealized: .zero,
                                           accountBasisChange: .zero)
        if quantity.rawValue > 0 {
            updated.fee = options.fees.fee(quantity: quantity, price: price)
            updated.effect = book(strategy: booked.strategy, account: booked.account, instrument: booked.instrument,
                                  signed: updated.signed, price: price, fee: updated.fee)
            booked.entry.filled += quantity
            changeDay(day, signed: updated.signed, price: price, realized: updated.effect.accountRealized, fee: updated.fee, fills: 0)
        }
        ledger[key] = updated
        tally("trade bust(s) or correction(s) applied to P&L", at: location)
        sampleSeries(at: time, force: true)
    }

    // MARK: Risk decisions

    func onRiskDecision(orderId: OrderId, reason: UInt8) {
        riskSeen = true
        guard reason != 0 else {
            riskAccepted += 1
            return
        }
        riskRejectsByReason[reason, default: 0] += 1
        riskRejectedIds.insert(orderId)
        if let entry = orders[orderId], entry.ids.first == orderId { markRiskRejected(entry) }
    }

    /// A new order pre-trade risk rejected: it never went to the venue.
    func markRiskRejected(_ entry: OrderEntry) {
        guard !entry.riskRejected else { return }
        entry.riskRejected = true
        updateFlow(entry.strategy) { $0.riskRejects += 1 }
    }
}
