import PeregrineCore

extension PreTradeRisk {
    // MARK: Market inputs

    /// Sets the reference price (last trade or mid) of `instrument` at `time`, re-marking
    /// every account's exposure and unrealized P&L in it.
    ///
    /// Thread: the owning engine thread. O(accounts), no allocation. Non-positive or absurd
    /// prices are ignored and counted in `ignoredInputCount`.
    public mutating func onMarketPrice(instrument: InstrumentId, price: Price, time: Timestamp) {
        let i = instrument.index
        guard instrument != .none, i < instrumentCount, price.rawValue > 0, price.rawValue <= Self.maxSaneRawValue else {
            ignoredInputCount &+= 1
            return
        }
        remark(instrument: i, to: price.rawValue)
        instruments[i].markTime = time
    }

    mutating func remark(instrument i: Int, to newMark: Int64) {
        let oldMark = instruments[i].mark.rawValue
        let multiplier = limits.instruments[i].multiplier
        if oldMark != newMark {
            for a in 0..<accountCount {
                let p = positions[key(account: a, instrument: i)]
                if p.position.rawValue == 0 && p.openBuy.rawValue == 0 && p.openSell.rawValue == 0 && p.cost == .zero { continue }
                let before = contribution(p, mark: oldMark, multiplier: multiplier)
                let after = contribution(p, mark: newMark, multiplier: multiplier)
                applyContribution(account: a, before: before, after: after)
            }
        }
        instruments[i].mark = Price(rawValue: newMark)
    }

    mutating func applyContribution(account a: Int,
                                    before: (gross: Notional, netLong: Notional, netShort: Notional, unrealized: Notional),
                                    after: (gross: Notional, netLong: Notional, netShort: Notional, unrealized: Notional)) {
        accounts[a].grossExposure += after.gross - before.gross
        accounts[a].netLongExposure += after.netLong - before.netLong
        accounts[a].netShortExposure += after.netShort - before.netShort
        accounts[a].unrealized += after.unrealized - before.unrealized
        let equity = accounts[a].realized + accounts[a].unrealized
        if equity > accounts[a].peakEquity { accounts[a].peakEquity = equity }
    }

    /// Sets the venue's price band (limit up / limit down) of `instrument`; a zero bound
    /// is "none". Limit prices outside are rejected with `venuePriceBand`. O(1).
    public mutating func onPriceBand(instrument: InstrumentId, lower: Price, upper: Price) {
        guard instrument != .none, instrument.index < instrumentCount else { ignoredInputCount &+= 1; return }
        instruments[instrument.index].bandLower = lower
        instruments[instrument.index].bandUpper = upper
    }

    /// Writes the model risk score of `instrument` (the strategy's model writes it before
    /// it submits; orders are rejected while it exceeds the instrument's `maxModelScore`).
    /// A table slot rather than a callback: no closure or existential on the hot path. O(1).
    public mutating func setModelScore(_ score: Double, instrument: InstrumentId) {
        guard instrument != .none, instrument.index < instrumentCount else { ignoredInputCount &+= 1; return }
        instruments[instrument.index].modelScore = score
    }

    // MARK: Executions

    /// Applies a venue's execution report: fills move positions, P&L and the trade count
    /// and release the open quantity they fill; cancels, expiries and rejects release the
    /// rest; a confirmed replace swaps the original's open quantity for the replacement's.
    ///
    /// Thread: the owning engine thread. O(1) (O(accounts) when the fill gives an instrument
    /// its first reference price), no allocation. Reports for unknown orders still move
    /// positions (a fill is a fill) and are counted in `unknownExecutionCount`.
    public mutating func onExecution(_ event: ExecutionEvent) {
        let slot = openOrders.find(event.orderId)
        if slot == nil && event.executionType != .new && event.executionType != .pendingNew { unknownExecutionCount &+= 1 }
        if ExecutionFlags(rawValue: event.flags).contains(.cancelRejected) {
            // A refused cancel/replace: a pending replacement is gone, the original lives on.
            if let s = slot, openOrders[slot: s].replacing != .none { close(slot: s) }
            return
        }
        switch event.executionType {
        case .trade:
            applyFill(event, slot: slot)
        case .canceled, .expired, .rejected, .doneForDay:
            if let s = slot { close(slot: s) }
        case .replaced:
            if let old = openOrders.find(event.originalOrderId) { close(slot: old) }
            if let s = openOrders.find(event.orderId) {
                var entry = openOrders[slot: s]
                entry.replacing = .none
                if event.cumulativeQuantity.rawValue > entry.filled.rawValue { entry.filled = event.cumulativeQuantity }
                openOrders[slot: s] = entry
                let target = Swift.max(0, entry.quantity.rawValue - entry.filled.rawValue)
                adjustOpen(slot: s, by: target - entry.counted.rawValue)
            }
        default:
            break
        }
    }

    mutating func applyFill(_ e: ExecutionEvent, slot: Int?) {
        let i = e.instrument.index
        let a = Int(e.account.rawValue)
        let f = e.lastQuantity.rawValue
        let px = e.lastPrice.rawValue
        guard e.instrument != .none, i < instrumentCount, a < accountCount, f > 0, f <= Self.maxSaneRawValue,
              px > 0, px <= Self.maxSaneRawValue else {
            ignoredInputCount &+= 1
            return
        }
        if instruments[i].mark.rawValue == 0 {
            remark(instrument: i, to: px)
            instruments[i].markTime = e.transactTime
        }
        if let s = slot {
            let entry = openOrders[slot: s]
            adjustOpen(slot: s, by: -Swift.min(f, entry.counted.rawValue))
            openOrders[slot: s].filled.rawValue += f
            if e.leavesQuantity.rawValue <= 0 || e.orderStatus == .filled { close(slot: s) }
        }
        let k = key(account: a, instrument: i)
        let multiplier = limits.instruments[i].multiplier
        let mark = instruments[i].mark.rawValue
        var p = positions[k]
        let before = contribution(p, mark: mark, multiplier: multiplier)
        var signed = e.side == .buy ? f : -f
        if p.position.rawValue != 0 && (p.position.rawValue > 0) != (signed > 0) {
            // Closing (part of) the position: realize against the average cost.
            let closed = Swift.min(signed.magnitude, p.position.rawValue.magnitude)
            let closedSigned = signed > 0 ? Int64(closed) : -Int64(closed)
            let closedCost = Notional(rawValue: p.cost.rawValue * Int128(closed) / Int128(p.position.rawValue.magnitude))
            accounts[a].realized += Notional(rawValue: -(Int128(closedSigned) * Int128(px) * Int128(multiplier))) - closedCost
            p.cost -= closedCost
            p.position.rawValue += closedSigned
            signed -= closedSigned
        }
        if signed != 0 {
            p.cost += product(signed, px, multiplier)
            p.position.rawValue += signed
        }
        if p.position.rawValue == 0 { p.cost = .zero }
        positions[k] = p
        applyContribution(account: a, before: before, after: contribution(p, mark: mark, multiplier: multiplier))
        tradeWindows[a].add(now: e.transactTime, window: limits.global.ratioWindow)
    }

    /// Changes the open quantity an entry counts by `delta`, keeping the totals, credit and
    /// exposure of its account in step.
    mutating func adjustOpen(slot: Int, by delta: Int64) {
        guard delta != 0 else { return }
        let entry = openOrders[slot: slot]
        let i = entry.instrument.index
        let a = Int(entry.account.rawValue)
        let k = key(account: a, instrument: i)
        let multiplier = limits.instruments[i].multiplier
        let mark = instruments[i].mark.rawValue
        var p = positions[k]
        let before = contribution(p, mark: mark, multiplier: multiplier)
        if entry.side == .buy { p.openBuy.rawValue += delta } else { p.openSell.rawValue += delta }
        positions[k] = p
        applyContribution(account: a, before: before, after: contribution(p, mark: mark, multiplier: multiplier))
        accounts[a].openNotional += product(delta, entry.price.rawValue, multiplier)
        openOrders[slot: slot].counted.rawValue += delta
    }

    /// Releases everything an open order counts and forgets it.
    mutating func close(slot: Int) {
        let entry = openOrders[slot: slot]
        adjustOpen(slot: slot, by: -entry.counted.rawValue)
        if entry.rests {
            let k = key(account: Int(entry.account.rawValue), instrument: entry.instrument.index)
            ownLevels.remove(key: k &* 2 &+ (entry.side == .buy ? 0 : 1), price: entry.price.rawValue)
        }
        openOrders.remove(slot: slot)
    }
}
