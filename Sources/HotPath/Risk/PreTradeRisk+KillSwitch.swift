import PeregrineCore

extension PreTradeRisk {
    /// Engages the kill switch: from now on only position-reducing orders are accepted
    /// (others: `killSwitch`), and one `.massCancel` per account is queued for
    /// `nextMassCancel()`. Returns how many were queued (0 if already engaged).
    ///
    /// Thread: the owning engine thread (an operator command arrives through it). O(accounts),
    /// no allocation.
    @discardableResult
    public mutating func engage(reason: KillSwitchCause, now: Timestamp) -> Int {
        precondition(reason != .none, "engage needs a cause")
        guard killSwitchCause == .none else { return 0 }
        killSwitchCause = reason
        killSwitchTime = now
        massCancelTime = now
        var queued = 0
        for a in 0..<accountCount where !massCancelPending[a] {
            massCancelPending[a] = true
            queued += 1
        }
        massCancelCursor = 0
        return queued
    }

    /// Disengages the kill switch and forgets the reject-storm history (operator command).
    /// Queued mass cancels stay queued. O(1).
    public mutating func reset() {
        killSwitchCause = .none
        stormFilled = 0
        stormNext = 0
    }

    /// The next queued `.massCancel` command (one per account: cancel every open order of
    /// the account at every venue), or `nil`. The OMS assigns its `orderId` before sending.
    /// O(accounts) over a whole drain, no allocation.
    public mutating func nextMassCancel() -> OrderCommand? {
        while massCancelCursor < accountCount {
            let a = massCancelCursor
            massCancelCursor += 1
            if massCancelPending[a] {
                massCancelPending[a] = false
                return OrderCommand(kind: .massCancel, orderId: .none, instrument: .none, side: .buy, type: .limit,
                                    timeInForce: .day, price: .zero, quantity: .zero,
                                    account: AccountId(rawValue: UInt32(a)), strategy: StrategyId(rawValue: 0),
                                    venue: .none, createdTime: massCancelTime)
            }
        }
        return nil
    }

    /// Records that the session to `venue` is down; engages the kill switch when
    /// `killOnVenueDisconnect` is set. Returns the mass cancels queued. O(accounts).
    @discardableResult
    public mutating func onVenueDisconnected(_ venue: VenueId, now: Timestamp) -> Int {
        if venue != .none && Int(venue.rawValue) < venueConnected.count { venueConnected[Int(venue.rawValue)] = false }
        return limits.global.killOnVenueDisconnect ? engage(reason: .venueDisconnected, now: now) : 0
    }

    /// Records that the session to `venue` is up again (the kill switch stays engaged until
    /// `reset()`). O(1).
    public mutating func onVenueConnected(_ venue: VenueId) {
        if venue != .none && Int(venue.rawValue) < venueConnected.count { venueConnected[Int(venue.rawValue)] = true }
    }

    /// Whether the session to `venue` is up (unknown venues: true).
    public func isVenueConnected(_ venue: VenueId) -> Bool {
        venue == .none || Int(venue.rawValue) >= venueConnected.count || venueConnected[Int(venue.rawValue)]
    }

    // MARK: Run-time limit changes

    /// Whether `newLimits` can replace the limits in force: valid and of the same shape
    /// (instrument, account and venue counts). Cold path; allocates the problem texts.
    public func problems(replacingWith newLimits: RiskLimits) -> [String] {
        var list = newLimits.problems()
        if newLimits.instruments.count != instrumentCount { list.append("instrument count changes \(instrumentCount) -> \(newLimits.instruments.count): needs a restart") }
        if newLimits.accounts.count != accountCount { list.append("account count changes \(accountCount) -> \(newLimits.accounts.count): needs a restart") }
        if newLimits.venues.count != venueBuckets.count { list.append("venue count changes \(venueBuckets.count) -> \(newLimits.venues.count): needs a restart") }
        return list
    }

    /// Swaps in `newLimits` (checked beforehand with `problems(replacingWith:)`, off the hot
    /// path) and returns the change for the caller to journal. Open quantities, positions,
    /// P&L, throttle tokens, windows and the kill switch are untouched: a bucket keeps its
    /// tokens (capped by the new burst at its next use). `maxOpenOrders` above the table
    /// capacity sized at start-up is capped to it.
    ///
    /// Thread: the owning engine thread. O(1): swaps array references, no allocation (the old
    /// value moves into the returned record).
    public mutating func apply(_ newLimits: RiskLimits, now: Timestamp) -> RiskLimitsChange {
        precondition(newLimits.instruments.count == instrumentCount && newLimits.accounts.count == accountCount
                     && newLimits.venues.count == venueBuckets.count, "limits of another shape need a restart")
        let old = limits
        limits = newLimits
        if stormFilled > newLimits.global.stormRejectCount || limits.global.stormRejectCount != old.global.stormRejectCount {
            stormFilled = 0
            stormNext = 0
        }
        return RiskLimitsChange(time: now, previous: old, current: newLimits)
    }
}
