import PeregrineCore

extension StrategyBook {
    /// The order quantity towards `delta` (signed): |delta| capped at maxOrderSize, in lots.
    // `@inline(__always)` here and below: as calls on an `inout` book they copied the whole
    // book (224 bytes) to a temporary on every execution step.
    @inlinable @inline(__always)
    public func orderQuantity(for delta: Int64, slot: Int) -> Quantity {
        let lot = lotSize.rawValue
        let cap = limits[slot].maxOrderSize.rawValue / lot * lot
        let q = Swift.min(delta.magnitude, UInt64(cap))
        return Quantity(rawValue: Int64(q) / lot * lot)
    }

    /// A price that crosses the spread by `offsetTicks`: ask + offset for buys, bid − offset
    /// for sells.
    @inlinable @inline(__always)
    public func marketablePrice(_ side: Side, slot: Int, offsetTicks: Int64) -> Price {
        side == .buy ? ask[slot] + tickSize * offsetTicks : bid[slot] - tickSize * offsetTicks
    }
}

/// Immediate: the whole target delta (capped per order) as a marketable limit IOC at the
/// far touch plus `offsetTicks`; a remainder is sent as soon as the previous order filled
/// completely, or `retryAfter` after it ended short (so an IOC that finds no liquidity is
/// not re-sent in a tight loop).
public struct ImmediateExecution: Execution {
    public var offsetTicks: Int64
    public var retryAfter: Nanoseconds

    public init(offsetTicks: Int64 = 0, retryAfter: Nanoseconds = .milliseconds(1)) {
        self.offsetTicks = offsetTicks; self.retryAfter = retryAfter
    }

    // MARK: hot path begin
    @inlinable @inline(__always)
    public mutating func execute(slot: Int, book: inout StrategyBook, time: Timestamp, orders: inout OrderSink) {
        guard book.working[slot].state == .idle, book.hasQuote(slot) else { return }
        guard book.lastOrderFilled[slot] || time - book.lastOrderEnd[slot] >= retryAfter else { return }
        let delta = book.target[slot].rawValue &- book.position[slot].rawValue
        let quantity = book.orderQuantity(for: delta, slot: slot)
        guard quantity.rawValue > 0 else { return }
        let side: Side = delta > 0 ? .buy : .sell
        book.submitNew(slot: slot, side: side, quantity: quantity,
                       price: book.marketablePrice(side, slot: slot, offsetTicks: offsetTicks),
                       timeInForce: .immediateOrCancel, time: time, into: &orders)
    }
    // MARK: hot path end
}

/// Passive: posts a day limit at the near touch (bid for buys, ask for sells). Once the
/// order has rested `repriceAfter` since it was last priced and the touch has moved, it is
/// replaced at the new touch (same quantity). An order on the wrong side or larger than
/// what is still needed is cancelled (and re-posted once the cancel is confirmed).
public struct PassiveExecution: Execution {
    public var repriceAfter: Nanoseconds

    public init(repriceAfter: Nanoseconds) { self.repriceAfter = repriceAfter }

    // MARK: hot path begin
    @inlinable
    public mutating func execute(slot: Int, book: inout StrategyBook, time: Timestamp, orders: inout OrderSink) {
        guard book.hasQuote(slot) else { return }
        let delta = book.target[slot].rawValue &- book.position[slot].rawValue
        let w = book.working[slot]
        switch w.state {
        case .idle:
            let quantity = book.orderQuantity(for: delta, slot: slot)
            guard quantity.rawValue > 0 else { return }
            let side: Side = delta > 0 ? .buy : .sell
            book.submitNew(slot: slot, side: side, quantity: quantity,
                           price: side == .buy ? book.bid[slot] : book.ask[slot],
                           timeInForce: .day, time: time, into: &orders)
        case .live:
            let wantSide = delta > 0 ? 1 : (delta < 0 ? -1 : 0)
            if wantSide != Int(w.side.sign) || w.leaves.rawValue > Int64(delta.magnitude) {
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

/// TWAP: when a slot's target changes, the move from the current position is split into
/// `slices` child orders, slice k (0-based) due at start + k × `interval`. Slice sizes are
/// ⌊L(k+1)/n⌋ − ⌊Lk/n⌋ lots (L the move in lots), so they sum exactly to the move; each
/// slice is topped up by whatever earlier slices left unfilled. Children are marketable
/// limit IOCs (`offsetTicks` through the touch). After the last slice any remainder is
/// retried every interval.
public struct TWAPExecution: Execution {
    public var slices: Int
    public var interval: Nanoseconds
    public var offsetTicks: Int64
    public var parentTarget: [Quantity] = []
    public var startPosition: [Quantity] = []
    public var startTime: [Timestamp] = []
    public var nextSlice: [Int] = []
    public var active: [Bool] = []

    public init(slices: Int, interval: Nanoseconds, offsetTicks: Int64 = 0) {
        precondition(slices >= 1 && interval.count > 0)
        self.slices = slices; self.interval = interval; self.offsetTicks = offsetTicks
    }

    public mutating func prepare(book: StrategyBook) {
        let n = book.instrumentCount
        parentTarget = [Quantity](repeating: .zero, count: n)
        startPosition = [Quantity](repeating: .zero, count: n)   // its own storage: no copy-on-write on the hot path
        startTime = [Timestamp](repeating: .zero, count: n)
        nextSlice = [Int](repeating: 0, count: n)
        active = [Bool](repeating: false, count: n)
    }

    // MARK: hot path begin
    @inlinable
    public mutating func execute(slot: Int, book: inout StrategyBook, time: Timestamp, orders: inout OrderSink) {
        guard book.working[slot].state == .idle else { return }
        let target = book.target[slot], position = book.position[slot]
        if !active[slot] || target != parentTarget[slot] {
            guard target != position else { active[slot] = false; return }
            parentTarget[slot] = target; startPosition[slot] = position
            startTime[slot] = time; nextSlice[slot] = 0; active[slot] = true
        }
        guard position != target else { active[slot] = false; return }
        let k = nextSlice[slot]
        guard time >= startTime[slot] + Nanoseconds(interval.count &* Int64(k)), book.hasQuote(slot) else { return }
        let lot = book.lotSize.rawValue
        let moveLots = (target.rawValue &- startPosition[slot].rawValue) / lot
        let due = Int64(Swift.min(k + 1, slices))
        let scheduled = moveLots &* due / Int64(slices) &* lot
        let done = position.rawValue &- startPosition[slot].rawValue
        nextSlice[slot] = k &+ 1
        let delta = scheduled &- done
        let quantity = book.orderQuantity(for: delta, slot: slot)
        guard quantity.rawValue > 0 else { return }
        let side: Side = delta > 0 ? .buy : .sell
        book.submitNew(slot: slot, side: side, quantity: quantity,
                       price: book.marketablePrice(side, slot: slot, offsetTicks: offsetTicks),
                       timeInForce: .immediateOrCancel, time: time, into: &orders)
    }
    // MARK: hot path end
}
