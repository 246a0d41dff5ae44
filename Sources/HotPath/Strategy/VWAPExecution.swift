import PeregrineCore

/// VWAP slicing: when a slot's target changes, the move from the current position is worked
/// over `horizon` following a volume profile, so the amount done tracks the fraction of the
/// horizon's volume expected to have traded.
///
/// The profile is a fixed curve given at init: `bins` relative volumes over equal parts of
/// the horizon (e.g. U-shaped, `[3, 2, 1, 1, 2, 3]`). The expected elapsed-volume fraction
/// F(t) is their cumulative sum, interpolated linearly inside a bin, normalized to 1 at the
/// horizon. The scheduled amount at t is ⌊L·F(t)⌋ lots (L the move in lots), so it only
/// grows and reaches exactly the move at the horizon.
///
/// Child orders: while the done amount is behind the schedule, a day limit for the shortfall
/// (capped at maxOrderSize) is posted at the near touch (bid for buys, ask for sells) and
/// re-priced to the touch like `PassiveExecution` (once it has rested `repriceAfter` since
/// it was priced and the touch moved). From the horizon on, whatever remains is sent as
/// marketable limit IOCs (`offsetTicks` through the far touch); a resting passive child is
/// cancelled first, and after an IOC that did not fill completely the next waits
/// `retryAfter`. A child never asks for more than what is left to the target, and a
/// live child larger than that (the target moved) or on the wrong side is cancelled, so the
/// position never overshoots. A new target restarts the schedule from the current position.
///
/// Thread: the strategy's. O(1) per call, no allocation after `prepare(book:)` (the profile
/// is copied at init, per-slot state sized in `prepare`).
public struct VWAPExecution: Execution {
    public let horizon: Nanoseconds
    public let repriceAfter: Nanoseconds
    public let offsetTicks: Int64
    /// After the horizon, how long to wait after an IOC that did not fill completely before
    /// sending the next (so an empty book is not hit in a tight loop).
    public let retryAfter: Nanoseconds
    /// Cumulative profile, normalized: `cumulative[k]` = F at the end of bin k (last = 1).
    public let cumulative: [Double]
    public var parentTarget: [Quantity] = []
    public var startPosition: [Quantity] = []
    public var startTime: [Timestamp] = []
    public var active: [Bool] = []
    /// When the slot's last marketable child was sent (`.zero`: none since the start).
    public var lastMarketableTime: [Timestamp] = []

    /// `profile`: relative volume per equal bin of the horizon (non-negative, positive sum).
    public init(profile: [Double], horizon: Nanoseconds, repriceAfter: Nanoseconds = .milliseconds(50),
                offsetTicks: Int64 = 0, retryAfter: Nanoseconds = .milliseconds(1)) {
        precondition(!profile.isEmpty && profile.allSatisfy { $0 >= 0 && $0.isFinite }, "profile bins must be ≥ 0")
        let total = profile.reduce(0, +)
        precondition(total > 0, "the profile needs some volume")
        precondition(horizon.count > 0, "the horizon must be positive")
        var running = 0.0
        var c: [Double] = []
        for v in profile { running += v; c.append(running / total) }
        c[c.count - 1] = 1
        cumulative = c
        self.horizon = horizon; self.repriceAfter = repriceAfter; self.offsetTicks = offsetTicks
        self.retryAfter = retryAfter
    }

    /// A U-shaped intraday profile of `bins` bins: heavier at both ends (1 + 2·(2x − 1)², x
    /// the bin's mid-point in [0, 1]). Cold.
    public static func uShapedProfile(bins: Int) -> [Double] {
        precondition(bins >= 1)
        return (0..<bins).map { k in
            let x = (Double(k) + 0.5) / Double(bins)
            return 1 + 2 * (2 * x - 1) * (2 * x - 1)
        }
    }

    public mutating func prepare(book: StrategyBook) {
        let n = book.instrumentCount
        parentTarget = [Quantity](repeating: .zero, count: n)
        startPosition = [Quantity](repeating: .zero, count: n)   // own storage: no copy-on-write later
        startTime = [Timestamp](repeating: .zero, count: n)
        active = [Bool](repeating: false, count: n)
        lastMarketableTime = [Timestamp](repeating: .zero, count: n)
    }

    // MARK: hot path begin
    /// F(elapsed): the expected fraction of the horizon's volume traded `elapsed` after the
    /// start (0 before, 1 from the horizon on). O(1).
    @inlinable
    public func volumeFraction(elapsed: Nanoseconds) -> Double {
        guard elapsed.count > 0 else { return 0 }
        guard elapsed < horizon else { return 1 }
        let bins = cumulative.count
        let position = Double(elapsed.count) / Double(horizon.count) * Double(bins)
        let k = Swift.min(Int(position), bins - 1)
        let before = k == 0 ? 0 : cumulative[k - 1]
        return before + (cumulative[k] - before) * (position - Double(k))
    }

    /// The scheduled signed move (lot multiples) from the start position at `time`. O(1).
    @inlinable
    public func scheduled(slot: Int, time: Timestamp, lot: Int64) -> Int64 {
        let moveLots = (parentTarget[slot].rawValue &- startPosition[slot].rawValue) / lot
        let f = volumeFraction(elapsed: time - startTime[slot])
        if f >= 1 { return moveLots &* lot }
        // Truncates toward zero: never ahead of the curve.
        return Int64(Double(moveLots) * f) &* lot
    }

    @inlinable
    public mutating func execute(slot: Int, book: inout StrategyBook, time: Timestamp, orders: inout OrderSink) {
        let target = book.target[slot], position = book.position[slot]
        if !active[slot] || target != parentTarget[slot] {
            if target == position && book.working[slot].state == .idle { active[slot] = false; return }
            parentTarget[slot] = target; startPosition[slot] = position
            startTime[slot] = time; active[slot] = true; lastMarketableTime[slot] = .zero
        }
        guard book.hasQuote(slot) else { return }
        let remaining = target.rawValue &- position.rawValue
        let lateStage = time - startTime[slot] >= horizon
        let w = book.working[slot]
        switch w.state {
        case .idle:
            guard remaining != 0 else { active[slot] = false; return }
            let due = lateStage
                ? remaining
                : scheduled(slot: slot, time: time, lot: book.lotSize.rawValue) &- (position.rawValue &- startPosition[slot].rawValue)
            // Only ever towards the target and never past it.
            guard (due > 0) == (remaining > 0), due != 0 else { return }
            let quantity = book.orderQuantity(for: due.magnitude < remaining.magnitude ? due : remaining, slot: slot)
            guard quantity.rawValue > 0 else { return }
            let side: Side = remaining > 0 ? .buy : .sell
            if lateStage {
                let last = lastMarketableTime[slot]
                guard last == .zero || book.lastOrderFilled[slot] || time - last >= retryAfter else { return }
                lastMarketableTime[slot] = time
                book.submitNew(slot: slot, side: side, quantity: quantity,
                               price: book.marketablePrice(side, slot: slot, offsetTicks: offsetTicks),
                               timeInForce: .immediateOrCancel, time: time, into: &orders)
            } else {
                book.submitNew(slot: slot, side: side, quantity: quantity,
                               price: side == .buy ? book.bid[slot] : book.ask[slot],
                               timeInForce: .day, time: time, into: &orders)
            }
        case .live:
            let wantSide: Int64 = remaining > 0 ? 1 : (remaining < 0 ? -1 : 0)
            if wantSide != w.side.sign || w.leaves.rawValue > Int64(remaining.magnitude)
                || (lateStage && w.timeInForce == .day) {
                book.submitCancel(slot: slot, time: time, into: &orders)
                return
            }
            let touch = w.side == .buy ? book.bid[slot] : book.ask[slot]
            if touch != w.price && time - w.pricedTime >= repriceAfter {
                book.submitReplace(slot: slot, price: touch, time: time, into: &orders)
            }
        default:
            return
        }
    }
    // MARK: hot path end
}
