import PeregrineCore

// MARK: - Design note
//
// `PreTradeRisk` is the last stage before an order leaves the engine. It is owned by the
// engine thread (single writer), sized once from `RiskLimits` at start-up, and each call is
// O(1) with no allocation, lock, existential or string: every outcome is a `RiskDecision`
// whose reject carries a `RiskRejectReason`, counted in a preallocated array.
//
// State is kept in flat arrays indexed by the dense ids:
//   - per (account, instrument): filled position, open buy / open sell quantity counted from
//     accepted orders, cost basis — so "worst case after fill" is position ± open ± order;
//   - per account: gross / net exposure and unrealized P&L (marked at the reference price),
//     open-order notional (credit), realized P&L, peak equity, order/trade/cancel windows;
//   - per instrument: reference price and time, venue band, model score, throttle bucket;
//   - an open-order table (`OpenOrderTable`) so fills, cancels and replaces release exactly
//     what the order added, and the own resting prices (`OwnPriceLevels`) for self-match.
// Aggregates are updated incrementally by subtracting a key's contribution before a change
// and adding it after; a reference-price update therefore costs O(accounts), every order and
// fill O(1). Notional arithmetic is exact (`Int128`); throttles use integer nano-tokens.
//
// Checks run in a fixed order and the first failure is the reason: ids, kill switch,
// enabled/restricted, reduce-only, side/type/quantity/price sanity, order size, reference
// freshness, notional, collar, venue band, self-match, position, exposure, credit,
// loss/drawdown, model score, duplicate, ratios, throttles, open-order capacity. Only an
// accepted order changes state (tokens, duplicate memory, open quantities): a rejected
// order is never sent, so it must not consume anything.
//
// Conservative choices (may over-reject, never under-reject): an accepted replace counts
// max(old, new) open quantity until the venue confirms it; own resting prices beyond the
// best four levels per side are bounded from above; orders whose instrument has no
// reference price are rejected when a collar or exposure limit needs one; a fill reported
// under a replaced order's old id after the replace was confirmed moves the position but
// leaves the replacement's open quantity counted until it is done. "Automatic on limit
// breaches" is the reject storm with the breach reasons listed (count 1 = at once).
//
// Kill switch: `engage(reason:now:)`, a reject storm, or `onVenueDisconnected` engage it;
// while engaged only position-reducing orders pass, and one `.massCancel` per account is
// queued for `nextMassCancel()`. `reset()` disengages. `apply(_:)` swaps in new limits of
// the same shape without touching the state, and returns a `RiskLimitsChange` to journal.

/// The pre-trade risk stage: checks each order against `RiskLimits` and tracks what
/// accepted orders, fills and reference prices imply. See the design note above.
///
/// Thread: one owner, the engine thread. `~Copyable` so there is exactly one (no copy can
/// fork the state) and `Sendable` so it can be built on the start-up thread and moved to the
/// engine thread. Every hot-path method is O(1) (reference prices O(accounts)), does not
/// block and does not allocate.
public struct PreTradeRisk: ~Copyable, @unchecked Sendable {
    // SAFETY: the only non-Sendable parts are the `RiskTable`s, memory this value owns alone
    // (it is ~Copyable): moving the stage to another thread moves the tables with it.
    // MARK: State
    struct PositionState: BitwiseCopyable {
        var position: Quantity = .zero
        var openBuy: Quantity = .zero
        var openSell: Quantity = .zero
        /// Signed cost of the position: Σ signed quantity × price × multiplier.
        var cost: Notional = .zero
    }

    struct AccountState: BitwiseCopyable {
        var grossExposure: Notional = .zero
        var netLongExposure: Notional = .zero
        var netShortExposure: Notional = .zero
        var openNotional: Notional = .zero
        var realized: Notional = .zero
        var unrealized: Notional = .zero
        var peakEquity: Notional = .zero
    }

    struct InstrumentState: BitwiseCopyable {
        var mark: Price = .zero
        var markTime: Timestamp = .zero
        var bandLower: Price = .zero
        var bandUpper: Price = .zero
        var modelScore: Double = 0
        var bucket = TokenBucket()
    }

    /// The limits in force (swap with `apply(_:)`).
    public internal(set) var limits: RiskLimits
    let instrumentCount: Int
    let accountCount: Int
    // The tables written on every order are `RiskTable`s (no copy-on-write checks), freed in
    // `deinit`; the rest stay arrays.
    let positions: RiskTable<PositionState>
    let accounts: RiskTable<AccountState>
    /// Per-account windows of accepted orders, fills and cancels (apart from `accounts` so
    /// that reading an account's figures copies plain values, no buffer references).
    var orderWindows: [SlidingWindowCounter]
    var tradeWindows: [SlidingWindowCounter]
    var cancelWindows: [SlidingWindowCounter]
    let instruments: RiskTable<InstrumentState>
    let venueBuckets: RiskTable<TokenBucket>
    var venueConnected: [Bool]
    var globalBucket = TokenBucket()
    var openOrders: OpenOrderTable
    var ownLevels: OwnPriceLevels
    var duplicates: DuplicateOrderFilter
    // Kill switch.
    /// Why the kill switch is engaged (`.none`: it is not).
    public internal(set) var killSwitchCause: KillSwitchCause = .none
    /// When it was last engaged.
    public internal(set) var killSwitchTime: Timestamp = .zero
    var stormTimes: [Int64]
    var stormNext = 0
    var stormFilled = 0
    var massCancelPending: [Bool]
    var massCancelTime: Timestamp = .zero
    var massCancelCursor = 0
    // Counters.
    var rejectCounts: [UInt64]
    /// Orders accepted (new, replace, cancel, mass cancel).
    public internal(set) var acceptedCount: UInt64 = 0
    /// Execution reports for orders the stage does not know (ignored).
    public internal(set) var unknownExecutionCount: UInt64 = 0
    /// Reference prices, fills or bands ignored as out of range.
    public internal(set) var ignoredInputCount: UInt64 = 0

    /// Largest raw quantity or price accepted (2⁵³): keeps every product and sum of
    /// products far inside `Int128`, so absurd input is rejected, never trapped on.
    public static let maxSaneRawValue: Int64 = 1 << 53

    /// A stage sized for `limits` (which must have no `problems()`). Allocates every table
    /// once; call before the hot path starts.
    public init(limits: RiskLimits) {
        let problems = limits.problems()
        precondition(problems.isEmpty, "invalid risk limits: \(problems)")
        self.limits = limits
        instrumentCount = limits.instruments.count
        accountCount = limits.accounts.count
        positions = RiskTable(repeating: PositionState(), count: instrumentCount * accountCount)
        accounts = RiskTable(repeating: AccountState(), count: accountCount)
        // One counter per account: `Array(repeating:)` would share the counters' buffers, and
        // the first order of each account would then copy them on the hot path.
        orderWindows = (0..<accountCount).map { _ in SlidingWindowCounter() }
        tradeWindows = (0..<accountCount).map { _ in SlidingWindowCounter() }
        cancelWindows = (0..<accountCount).map { _ in SlidingWindowCounter() }
        instruments = RiskTable(repeating: InstrumentState(), count: instrumentCount)
        venueBuckets = RiskTable(repeating: TokenBucket(), count: limits.venues.count)
        venueConnected = Array(repeating: true, count: limits.venues.count)
        openOrders = OpenOrderTable(capacity: limits.global.maxOpenOrders)
        ownLevels = OwnPriceLevels(keyCount: instrumentCount * accountCount * 2)
        duplicates = DuplicateOrderFilter(bucketCount: Swift.max(1024, limits.global.maxOpenOrders / 2))
        stormTimes = Array(repeating: 0, count: RiskLimits.maxStormCount)
        massCancelPending = Array(repeating: false, count: accountCount)
        rejectCounts = Array(repeating: 0, count: 256)
    }

    deinit {
        positions.deallocate()
        accounts.deallocate()
        instruments.deallocate()
        venueBuckets.deallocate()
    }

    // MARK: Queries (any time on the owning thread; O(1), no allocation)

    /// Rejects so far with `reason`.
    public func rejectCount(_ reason: RiskRejectReason) -> UInt64 { rejectCounts[Int(reason.rawValue)] }
    /// Whether the kill switch is engaged.
    public var isKillSwitchEngaged: Bool { killSwitchCause != .none }
    /// Orders in the open-order table.
    public var openOrderCount: Int { openOrders.count }
    /// Duplicate-filter entries overwritten while still inside the window (size warning).
    public var duplicateFilterEvictions: UInt64 { duplicates.liveEvictions }

    /// Filled position of `account` in `instrument`.
    public func position(account: AccountId, instrument: InstrumentId) -> Quantity {
        positions[key(account: Int(account.rawValue), instrument: instrument.index)].position
    }
    /// Open (accepted, not filled or cancelled) buy and sell quantity.
    public func openQuantity(account: AccountId, instrument: InstrumentId) -> (buy: Quantity, sell: Quantity) {
        let p = positions[key(account: Int(account.rawValue), instrument: instrument.index)]
        return (p.openBuy, p.openSell)
    }
    /// Gross, net-long and net-short exposure at the reference prices, and open-order
    /// notional (credit used) of `account` (exact notionals).
    public func exposure(account: AccountId) -> (gross: Notional, netLong: Notional, netShort: Notional, credit: Notional) {
        let a = accounts[Int(account.rawValue)]
        return (a.grossExposure, a.netLongExposure, a.netShortExposure, a.openNotional)
    }
    /// Realized and unrealized P&L and the peak of their sum (exact notionals).
    public func profitAndLoss(account: AccountId) -> (realized: Notional, unrealized: Notional, peakEquity: Notional) {
        let a = accounts[Int(account.rawValue)]
        return (a.realized, a.unrealized, a.peakEquity)
    }
    /// The reference price of `instrument` and when it was set (zero: none yet).
    public func referencePrice(_ instrument: InstrumentId) -> (price: Price, time: Timestamp) {
        (instruments[instrument.index].mark, instruments[instrument.index].markTime)
    }
    /// The throttle buckets (tests and monitors).
    public func instrumentBucket(_ instrument: InstrumentId) -> TokenBucket { instruments[instrument.index].bucket }
    public var globalThrottle: TokenBucket { globalBucket }

    func key(account: Int, instrument: Int) -> Int { account &* instrumentCount &+ instrument }
}
