import PeregrineCore

extension PreTradeRisk {
    // MARK: The check

    /// Decides whether `order` may be sent at `now`, and if so records it (open quantity,
    /// throttle tokens, duplicate memory, ratio windows).
    ///
    /// Thread: the owning engine thread. O(1), no allocation, never blocks or throws.
    /// `.cancel` and `.massCancel` are always accepted (cancels only reduce risk) and count
    /// toward the cancel ratio; `.replace` is checked like a new order for the quantity it
    /// adds (a replace of a replacement the venue has not yet confirmed is `unknownOrder`).
    /// Order ids must be unique and not `.none` (`openOrderCapacity` otherwise).
    /// A reject may engage the kill switch (reject storm): poll `nextMassCancel()`.
    public mutating func check(_ order: OrderCommand, now: Timestamp) -> RiskDecision {
        let decision: RiskDecision
        switch order.kind {
        case .new:
            decision = checkOrder(order, now: now, original: nil)
        case .replace:
            if let slot = openOrders.find(order.originalOrderId) {
                decision = checkOrder(order, now: now, original: slot)
            } else {
                decision = .reject(.unknownOrder)
            }
        case .cancel, .massCancel:
            if Int(order.account.rawValue) < accountCount {
                cancelWindows[Int(order.account.rawValue)].add(now: now, window: limits.global.ratioWindow)
            }
            decision = .accept
        }
        switch decision {
        case .accept: acceptedCount &+= 1
        case .reject(let reason): recordReject(reason, now: now)
        }
        return decision
    }

    mutating func recordReject(_ reason: RiskRejectReason, now: Timestamp) {
        rejectCounts[Int(reason.rawValue)] &+= 1
        let g = limits.global
        guard g.stormRejectCount > 0, reason.rawValue < 64, g.stormReasons & (1 << UInt64(reason.rawValue)) != 0 else { return }
        stormTimes[stormNext] = now.nanosecondsSinceEpoch
        stormNext = (stormNext + 1) % g.stormRejectCount
        stormFilled = Swift.min(stormFilled + 1, g.stormRejectCount)
        // The ring holds the last N storm rejects; the slot to be written next is the oldest.
        if stormFilled == g.stormRejectCount, now.nanosecondsSinceEpoch - stormTimes[stormNext] < g.stormWindow.count {
            _ = engage(reason: .rejectStorm, now: now)
        }
    }

    /// Whether an order of `side` and `quantity` would only reduce the position, even if
    /// every open order on the same side fills first.
    func isReducing(_ p: PositionState, side: Side, quantity: Quantity) -> Bool {
        if side == .buy { return p.position.rawValue < 0 && p.position.rawValue + p.openBuy.rawValue + quantity.rawValue <= 0 }
        return p.position.rawValue > 0 && p.position.rawValue - p.openSell.rawValue - quantity.rawValue >= 0
    }

    /// q × p × multiplier, exact. q × p comes from one widening 64 × 64 → 128 multiply (an
    /// `Int128` × `Int128` with overflow checks is a long multiply-and-check sequence); the
    /// multiplier (1 for cash equities) is applied only when it is not 1, with the same trap
    /// on overflow.
    @inline(__always)
    func product(_ q: Int64, _ p: Int64, _ multiplier: Int64) -> Notional {
        let qp = Self.wideProduct(q, p)
        return Notional(rawValue: multiplier == 1 ? qp : qp * Int128(multiplier))
    }

    /// a × b as an `Int128`, exact (it always fits), without overflow checks.
    @inline(__always)
    static func wideProduct(_ a: Int64, _ b: Int64) -> Int128 {
        let wide = a.multipliedFullWidth(by: b)
        // `init(_low:_high:)` is the stdlib's transparent two-word initializer: the generic
        // `Int128(_:)` conversions stayed calls in this large function.
        return Int128(_low: wide.low, _high: wide.high)
    }

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    mutating func checkOrder(_ order: OrderCommand, now: Timestamp, original: Int?) -> RiskDecision {
        let i = order.instrument.index
        let a = Int(order.account.rawValue)
        guard order.instrument != .none, i < instrumentCount else { return .reject(.instrumentDisabled) }
        guard a < accountCount else { return .reject(.unknownAccount) }
        let il = limits.instruments[i]
        let al = limits.accounts[a]
        let g = limits.global
        let k = key(account: a, instrument: i)
        let p = positions[k]
        let q = order.quantity.rawValue
        guard q > 0, q <= Self.maxSaneRawValue else { return .reject(.invalidQuantity) }

        // Quantity this order adds to the open totals (a replace: beyond what the original counts).
        var added = q
        if let slot = original {
            let old = openOrders[slot: slot]
            guard old.instrument == order.instrument, old.account == order.account, old.side == order.side,
                  old.replacing == .none else { return .reject(.unknownOrder) }
            guard q > old.filled.rawValue else { return .reject(.invalidQuantity) }
            added = Swift.max(0, q - old.filled.rawValue - old.counted.rawValue)
        }
        let addedQuantity = Quantity(rawValue: added)
        // A replace that adds nothing cannot grow any worst case, whatever its new price.
        let reducing = (original != nil && added == 0) || isReducing(p, side: order.side, quantity: addedQuantity)

        if killSwitchCause != .none && !reducing { return .reject(.killSwitch) }
        guard il.enabled else { return .reject(.instrumentDisabled) }
        if il.restricted || limits.isRestricted(account: a, instrument: i) { return .reject(.instrumentRestricted) }
        if (il.reduceOnly || al.reduceOnly) && !reducing { return .reject(.reduceOnly) }
        if order.side.isSell && order.side != .sell && !al.allowShortSell { return .reject(.invalidSide) }
        if order.type == .market && !il.allowMarketOrders { return .reject(.invalidOrderType) }
        if order.type == .market && (order.timeInForce == .goodTillCancel || order.timeInForce == .goodTillDate) {
            return .reject(.invalidOrderType)
        }
        guard q % il.lotSize.rawValue == 0 else { return .reject(.invalidQuantity) }
        if order.type.hasLimitPrice {
            let px = order.price.rawValue
            guard px > 0, px <= Self.maxSaneRawValue, px % il.tickSize.rawValue == 0 else { return .reject(.invalidPrice) }
        }
        if order.type.hasStopPrice {
            let sp = order.stopPrice.rawValue
            guard sp > 0, sp <= Self.maxSaneRawValue, sp % il.tickSize.rawValue == 0 else { return .reject(.invalidPrice) }
        }
        if q > il.maxOrderQuantity.rawValue || q > al.maxOrderQuantity.rawValue { return .reject(.maxOrderQuantity) }

        // Reference price: needed by market orders, the collar and the exposure limits.
        let state = instruments[i]
        let mark = state.mark.rawValue
        let fresh = mark > 0 && now.nanosecondsSinceEpoch - state.markTime.nanosecondsSinceEpoch <= g.referenceMaxAge.count
        let needsExposure = al.maxGrossExposure != .unlimited || al.maxNetExposure != .unlimited
        if order.type == .market && mark <= 0 { return .reject(.staleReferencePrice) }
        if il.collarBasisPoints > 0 && !fresh { return .reject(.staleReferencePrice) }
        if needsExposure && mark <= 0 { return .reject(.staleReferencePrice) }
        let price = order.type.hasLimitPrice ? order.price.rawValue : mark

        let notional = product(q, price, il.multiplier)
        if notional > il.maxOrderNotional || notional > al.maxOrderNotional { return .reject(.maxOrderNotional) }
        if il.collarBasisPoints > 0 && order.type.hasLimitPrice {
            let distance = Self.wideProduct(price > mark ? price - mark : mark - price, 10_000)
            if distance > Self.wideProduct(il.collarBasisPoints, mark) { return .reject(.priceCollar) }
        }
        if order.type.hasLimitPrice {
            if state.bandLower.rawValue > 0 && price < state.bandLower.rawValue { return .reject(.venuePriceBand) }
            if state.bandUpper.rawValue > 0 && price > state.bandUpper.rawValue { return .reject(.venuePriceBand) }
        }

        // Self-match: a buy at or above our own resting ask (or any, for a market order).
        let buy = order.side == .buy
        if let opposite = ownLevels.best(key: k &* 2 &+ (buy ? 1 : 0), buy: !buy) {
            if !order.type.hasLimitPrice || (buy ? price >= opposite : price <= opposite) { return .reject(.selfMatch) }
        }

        // Position, worst case after every open order on this side fills.
        let maxPosition = Swift.min(il.maxPosition.rawValue, al.maxPosition.rawValue)
        var after = p
        if buy {
            after.openBuy.rawValue += added
            if added > 0 && after.position.rawValue + after.openBuy.rawValue > maxPosition { return .reject(.positionLimit) }
        } else {
            after.openSell.rawValue += added
            if added > 0 && after.position.rawValue - after.openSell.rawValue < -maxPosition { return .reject(.positionLimit) }
        }

        // Exposure at the reference price; rejected only when the order makes it worse.
        let account = accounts[a]
        let before = contribution(p, mark: mark, multiplier: il.multiplier)
        let then = contribution(after, mark: mark, multiplier: il.multiplier)
        let gross = account.grossExposure - before.gross + then.gross
        if gross > al.maxGrossExposure && gross > account.grossExposure { return .reject(.grossExposure) }
        let netOld = Swift.max(account.netLongExposure.magnitude, account.netShortExposure.magnitude)
        let netNew = Swift.max((account.netLongExposure - before.netLong + then.netLong).magnitude,
                               (account.netShortExposure - before.netShort + then.netShort).magnitude)
        if netNew > al.maxNetExposure && netNew > netOld { return .reject(.netExposure) }
        let creditAdded = product(added, price, il.multiplier)
        if added > 0 && account.openNotional + creditAdded > al.creditLimit { return .reject(.creditLimit) }

        if !reducing {
            let equity = account.realized + account.unrealized
            if al.maxLoss != .unlimited && equity.rawValue < -al.maxLoss.rawValue { return .reject(.lossLimit) }
            if al.maxDrawdown != .unlimited && account.peakEquity - equity > al.maxDrawdown { return .reject(.drawdownLimit) }
        }
        if state.modelScore > il.maxModelScore { return .reject(.modelRiskScore) }
        let admission = Admission(instrument: i, account: a, key: k, price: price, addedQuantity: addedQuantity, buy: buy,
                                  after: after, gross: gross, netLongDelta: then.netLong - before.netLong,
                                  netShortDelta: then.netShort - before.netShort, creditAdded: creditAdded)
        return admit(order, now: now, original: original, admission)
    }

    /// What an order that passed the position and exposure checks commits if the remaining
    /// checks (duplicate, ratios, throttles, open-order capacity) pass too.
    struct Admission {
        var instrument: Int
        var account: Int
        var key: Int
        var price: Int64
        var addedQuantity: Quantity
        var buy: Bool
        var after: PositionState
        var gross: Notional
        var netLongDelta: Notional
        var netShortDelta: Notional
        var creditAdded: Notional
    }

    /// The last checks of `checkOrder` and, when they pass, the commit. A function of its own
    /// (`@inline(never)`) so that neither half grows past the inliner's caller-size limit:
    /// as one body the small array, `Int128` and bucket helpers stayed calls.
    @inline(never)
    mutating func admit(_ order: OrderCommand, now: Timestamp, original: Int?, _ x: Admission) -> RiskDecision {
        let i = x.instrument, a = x.account
        let il = limits.instruments[i]
        let al = limits.accounts[a]
        let g = limits.global
        let checksDuplicates = original == nil && g.duplicateWindow.count > 0
        let duplicateBucket = checksDuplicates ? duplicates.bucket(of: order) : 0
        if checksDuplicates && duplicates.contains(order, bucket: duplicateBucket, now: now, window: g.duplicateWindow) {
            return .reject(.duplicateOrder)
        }

        // Ratios over the window, once enough activity makes them meaningful (the window is
        // only read when a ratio limit is set: the count is a pure read).
        if al.maxOrderToTradeRatio != .max || al.maxCancelRatio != .max {
            let ordersInWindow = orderWindows[a].count(now: now, window: g.ratioWindow) + 1
            if al.maxOrderToTradeRatio != .max && ordersInWindow > al.ratioMinimumCount {
                let trades = Swift.max(1, tradeWindows[a].count(now: now, window: g.ratioWindow))
                if Int128(ordersInWindow) * Int128(FixedPointScale.scale) > Int128(al.maxOrderToTradeRatio.rawValue) * Int128(trades) {
                    return .reject(.orderToTradeRatio)
                }
            }
            if al.maxCancelRatio != .max {
                let cancels = cancelWindows[a].count(now: now, window: g.ratioWindow)
                if cancels > al.ratioMinimumCount
                    && Int128(cancels) * Int128(FixedPointScale.scale) > Int128(al.maxCancelRatio.rawValue) * Int128(ordersInWindow) {
                    return .reject(.cancelRatio)
                }
            }
        }

        // Throttles. Each bucket's tokens are computed once here and reused by the commit
        // below (nothing touches the buckets in between), instead of once more in `take`.
        let instrumentTokens = instruments[i].bucket.availableIfLimited(now: now, rate: il.ordersPerSecond, burst: il.orderBurst)
        if instrumentTokens < TokenBucket.unit { return .reject(.instrumentRateLimit) }
        let v = Int(order.venue.rawValue)
        let hasVenue = order.venue != .none && v < venueBuckets.count
        var venueTokens: Int64 = 0
        if hasVenue {
            let vl = limits.venues[v]
            venueTokens = venueBuckets[v].availableIfLimited(now: now, rate: vl.ordersPerSecond, burst: vl.orderBurst)
            if venueTokens < TokenBucket.unit { return .reject(.sessionRateLimit) }
        }
        let globalTokens = globalBucket.availableIfLimited(now: now, rate: g.ordersPerSecond, burst: g.orderBurst)
        if globalTokens < TokenBucket.unit { return .reject(.globalRateLimit) }
        let openCapacity = Swift.min(g.maxOpenOrders, openOrders.capacity)
        if openOrders.count >= openCapacity || openOrders.find(order.orderId) != nil || order.orderId == .none {
            return .reject(.openOrderCapacity)
        }

        // Accepted: commit.
        let price = x.price, k = x.key, buy = x.buy
        let rests = order.type.hasLimitPrice && order.timeInForce != .immediateOrCancel && order.timeInForce != .fillOrKill
        var entry = OpenOrder(orderId: order.orderId, replacing: .none, price: Price(rawValue: price), quantity: order.quantity,
                              counted: x.addedQuantity, instrument: order.instrument, account: order.account,
                              side: order.side, rests: rests)
        if let slot = original {
            entry.replacing = order.originalOrderId
            entry.filled = openOrders[slot: slot].filled
        }
        openOrders.insert(entry)
        if rests { ownLevels.add(key: k &* 2 &+ (buy ? 0 : 1), price: price, buy: buy) }
        positions[k] = x.after
        accounts[a].grossExposure = x.gross
        accounts[a].netLongExposure += x.netLongDelta
        accounts[a].netShortExposure += x.netShortDelta
        accounts[a].openNotional += x.creditAdded
        orderWindows[a].add(now: now, window: g.ratioWindow)
        if checksDuplicates { duplicates.record(order, bucket: duplicateBucket, now: now, window: g.duplicateWindow) }
        instruments[i].bucket.take(now: now, rate: il.ordersPerSecond, available: instrumentTokens)
        if hasVenue { venueBuckets[v].take(now: now, rate: limits.venues[v].ordersPerSecond, available: venueTokens) }
        globalBucket.take(now: now, rate: g.ordersPerSecond, available: globalTokens)
        return .accept
    }

    /// A key's share of its account's exposure and unrealized P&L at `mark` (0: no mark).
    @inline(__always)
    func contribution(_ p: PositionState, mark: Int64, multiplier: Int64)
        -> (gross: Notional, netLong: Notional, netShort: Notional, unrealized: Notional) {
        guard mark != 0 else { return (.zero, .zero, .zero, .zero) }
        let long = p.position.rawValue + p.openBuy.rawValue
        let short = p.position.rawValue - p.openSell.rawValue
        let worst = Swift.max(long.magnitude, short.magnitude)
        return (product(Int64(worst), mark, multiplier), product(long, mark, multiplier), product(short, mark, multiplier),
                product(p.position.rawValue, mark, multiplier) - p.cost)
    }
}
