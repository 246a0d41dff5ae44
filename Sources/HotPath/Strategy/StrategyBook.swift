import PeregrineCore

/// Where a strategy's order on one instrument stands.
@frozen
public enum WorkingOrderState: UInt8, Sendable, BitwiseCopyable {
    /// No order open.
    case idle = 0
    /// Sent, not acknowledged.
    case pendingNew = 1
    /// Acknowledged and open.
    case live = 2
    /// A replace was sent; `pendingOrderId` / `pendingPrice` take over when acknowledged.
    case pendingReplace = 3
    /// A cancel was sent.
    case pendingCancel = 4
}

/// The strategy's single open order on one instrument (the framework keeps at most one per
/// instrument, which makes the worst-case position simply position + leaves).
@frozen
public struct WorkingOrder: Sendable, BitwiseCopyable, Equatable {
    public var orderId: OrderId
    /// The id of a replace or cancel in flight.
    public var pendingOrderId: OrderId
    public var price: Price
    /// The price a replace in flight asks for.
    public var pendingPrice: Price
    /// Total order quantity.
    public var quantity: Quantity
    /// Filled so far.
    public var filled: Quantity
    /// When the order was last priced (sent or replace sent).
    public var pricedTime: Timestamp
    public var side: Side
    public var timeInForce: TimeInForce
    public var state: WorkingOrderState

    @inlinable
    public init() {
        orderId = .none; pendingOrderId = .none; price = .zero; pendingPrice = .zero
        quantity = .zero; filled = .zero; pricedTime = .zero; side = .buy; timeInForce = .day; state = .idle
    }

    /// Quantity still open.
    @inlinable public var leaves: Quantity { state == .idle ? .zero : quantity - filled }
    /// Open quantity signed by side (+ buys, − sells).
    @inlinable public var signedLeaves: Int64 { side.sign &* leaves.rawValue }
}

/// The per-instrument state every stage of a strategy reads and writes: market view,
/// positions, signals, targets, the open order, P&L. Flat arrays indexed by slot (the
/// instrument's position in `StrategyConfig.instruments`), all allocated in `init`.
///
/// Order emission goes through `submitNew` / `submitReplace` / `submitCancel`, which enforce
/// the limits and track the order; `apply(_:)` folds execution reports in. No method on the
/// per-event path allocates (arrays are only assigned into, never resized).
public struct StrategyBook {
    public let strategy: StrategyId
    public let account: AccountId
    public let venue: VenueId
    public let lotSize: Quantity
    public let tickSize: Price
    public let instruments: [InstrumentId]
    /// Instrument index → slot, −1 when not traded by this strategy.
    public let slotByInstrument: [Int32]
    public var limits: [StrategyLimits]

    /// Filled position per slot.
    public var position: [Quantity]
    /// Latest quote (zero until known).
    public var bid: [Price]
    public var ask: [Price]
    public var bidSize: [Quantity]
    public var askSize: [Quantity]
    /// Latest trade price.
    public var lastTrade: [Price]
    /// Mark price as Double: quote mid, else last trade; 0 when unknown.
    public var mark: [Double]
    /// EWMA (λ = `volatilityDecay`) variance of mark-to-mark returns.
    public var returnVariance: [Double]
    public var volatilityDecay: Double
    /// Latest signal per slot (time `.zero` until the alpha emits one).
    public var signal: [Signal]
    /// Portfolio construction's target positions (lot multiples).
    public var desired: [Quantity]
    /// Targets after the risk model (what execution works towards).
    public var target: [Quantity]
    public var working: [WorkingOrder]
    /// When the slot's last order finished (terminal report) and whether it filled fully;
    /// executions use these to pace retries after an unfilled IOC.
    public var lastOrderEnd: [Timestamp]
    /// When the slot's last new order was rejected (by risk, the venue or the engine), or
    /// zero; new orders wait `rejectBackoff` after it instead of retrying at once.
    public var lastRejectTime: [Timestamp]
    /// The wait after a rejected new order (from `StrategyConfig.rejectBackoff`).
    public var rejectBackoff: Nanoseconds
    /// New orders not sent because the slot was backing off after a reject.
    public var backoffSkips: Int
    public var lastOrderFilled: [Bool]

    /// Cash from fills (sells add, buys subtract), in price units.
    public var cash: Double
    /// Latest time seen (events, reports, timers).
    public var now: Timestamp
    /// Orders not sent because they would break a limit.
    public var limitRejections: Int
    /// Orders not sent because the sink was full.
    public var sinkRejections: Int
    /// Fills applied.
    public var fillCount: Int
    /// Next per-strategy order sequence.
    public var nextSequence: UInt64

    /// Builds the book for `config` (cold: allocates every array once).
    public init(_ config: StrategyConfig) {
        precondition(!config.instruments.isEmpty, "a strategy needs at least one instrument")
        precondition(config.lotSize.rawValue > 0, "lot size must be positive")
        strategy = config.id; account = config.account; venue = config.venue
        lotSize = config.lotSize; tickSize = config.tickSize
        instruments = config.instruments
        let maxIndex = config.instruments.map(\.index).max() ?? 0
        var map = [Int32](repeating: -1, count: maxIndex + 1)
        for (slot, instrument) in config.instruments.enumerated() {
            precondition(map[instrument.index] == -1, "instrument listed twice")
            map[instrument.index] = Int32(slot)
        }
        slotByInstrument = map
        let n = config.instruments.count
        limits = [StrategyLimits](repeating: config.limits, count: n)
        position = [Quantity](repeating: .zero, count: n)
        bid = [Price](repeating: .zero, count: n)
        ask = [Price](repeating: .zero, count: n)
        bidSize = [Quantity](repeating: .zero, count: n)
        askSize = [Quantity](repeating: .zero, count: n)
        lastTrade = [Price](repeating: .zero, count: n)
        mark = [Double](repeating: 0, count: n)
        returnVariance = [Double](repeating: 0, count: n)
        volatilityDecay = 0.94
        signal = config.instruments.map { Signal(instrument: $0, strength: 0, confidence: 0, time: .zero) }
        desired = [Quantity](repeating: .zero, count: n)
        target = [Quantity](repeating: .zero, count: n)
        working = [WorkingOrder](repeating: WorkingOrder(), count: n)
        lastOrderEnd = [Timestamp](repeating: .zero, count: n)
        lastRejectTime = [Timestamp](repeating: .zero, count: n)
        rejectBackoff = config.rejectBackoff
        backoffSkips = 0
        lastOrderFilled = [Bool](repeating: true, count: n)
        cash = 0; now = .zero; limitRejections = 0; sinkRejections = 0; fillCount = 0; nextSequence = 1
    }

    // MARK: hot path begin
    @inlinable public var instrumentCount: Int { instruments.count }

    /// The slot of `instrument`, or nil when this strategy does not trade it. O(1).
    @inlinable @inline(__always)
    public func slot(of instrument: InstrumentId) -> Int? {
        let i = instrument.index
        guard instrument != .none, i < slotByInstrument.count else { return nil }
        let s = slotByInstrument[i]
        return s < 0 ? nil : Int(s)
    }

    /// Position plus everything open (the position if every open order fills).
    @inlinable @inline(__always)
    public func projectedPosition(_ slot: Int) -> Quantity {
        Quantity(rawValue: position[slot].rawValue &+ working[slot].signedLeaves)
    }

    /// Whether the slot has a two-sided quote.
    @inlinable @inline(__always)
    public func hasQuote(_ slot: Int) -> Bool { bid[slot].rawValue > 0 && ask[slot].rawValue > bid[slot].rawValue }

    /// Mark-to-market equity: cash + Σ position × mark. O(instruments).
    @inlinable
    public func equity() -> Double {
        var e = cash
        for s in 0..<position.count { e += position[s].doubleValue * mark[s] }
        return e
    }

    /// `quantity` rounded toward zero to a lot multiple and clamped to ±maxPosition (also
    /// rounded to lots).
    @inlinable @inline(__always)
    public func clampToLots(_ quantity: Quantity, slot: Int) -> Quantity {
        let lot = lotSize.rawValue
        let cap = limits[slot].maxPosition.rawValue / lot * lot
        var q = quantity.rawValue / lot * lot
        if q > cap { q = cap } else if q < -cap { q = -cap }
        return Quantity(rawValue: q)
    }

    /// The lot-rounded, limit-clamped position worth `notional` (signed) at the slot's
    /// mark; zero while the mark is unknown.
    @inlinable @inline(__always)
    public func quantity(forNotional notional: Double, slot: Int) -> Quantity {
        let m = mark[slot]
        guard m > 0, notional.isFinite else { return .zero }
        let lots = notional / m / lotSize.doubleValue
        let capLots = Double(limits[slot].maxPosition.rawValue / lotSize.rawValue)
        // Clamp, then truncate toward zero in the Int64 conversion: the same lots as
        // truncating first (the caps are whole numbers, and `lots` is never NaN here), and
        // no libm `trunc` call on this per-event path.
        let clamped = Swift.max(-capLots, Swift.min(capLots, lots))
        return Quantity(rawValue: Int64(clamped) &* lotSize.rawValue)
    }

    /// Folds a market event into the slot's market view. O(1).
    @inlinable @inline(__always)
    public mutating func updateMarket(_ event: MarketEvent, slot: Int, time: Timestamp) {
        if time > now { now = time }
        var newMark = 0.0
        switch event.kind {
        case .quote:
            bid[slot] = event.bidPrice; ask[slot] = event.askPrice
            bidSize[slot] = event.bidQuantity; askSize[slot] = event.askQuantity
            if hasQuote(slot) { newMark = (event.bidPrice.doubleValue + event.askPrice.doubleValue) * 0.5 }
        case .trade:
            lastTrade[slot] = event.price
            if !hasQuote(slot) { newMark = event.price.doubleValue }
        case .bar:
            if !hasQuote(slot) { newMark = event.close.doubleValue }
        default:
            break
        }
        guard newMark > 0 else { return }
        let old = mark[slot]
        if old > 0 && newMark != old {
            let r = newMark / old - 1
            returnVariance[slot] = volatilityDecay * returnVariance[slot] + (1 - volatilityDecay) * r * r
        }
        mark[slot] = newMark
    }

    @inlinable
    mutating func nextOrderId() -> OrderId {
        let id = OrderId(rawValue: UInt64(strategy.rawValue) << 40 | nextSequence)
        nextSequence &+= 1
        return id
    }

    /// Sends a new limit order if the slot has no open order and the limits allow it:
    /// `quantity` > 0, ≤ maxOrderSize, a lot multiple, and |position ± quantity| ≤
    /// maxPosition. Returns whether it was appended to `orders`. O(1), no allocation.
    @inlinable @inline(__always)
    @discardableResult
    public mutating func submitNew(slot: Int, side: Side, quantity: Quantity, price: Price,
                                   timeInForce: TimeInForce, time: Timestamp,
                                   into orders: inout OrderSink) -> Bool {
        guard working[slot].state == .idle, quantity.rawValue > 0, price.rawValue > 0 else { return false }
        let rejected = lastRejectTime[slot]
        guard rejected == .zero || time - rejected >= rejectBackoff else { backoffSkips &+= 1; return false }
        let limit = limits[slot]
        let after = position[slot].rawValue &+ side.sign &* quantity.rawValue
        guard quantity <= limit.maxOrderSize, quantity.rawValue % lotSize.rawValue == 0,
              after <= limit.maxPosition.rawValue, after >= -limit.maxPosition.rawValue
        else { limitRejections &+= 1; return false }
        let id = nextOrderId()
        let command = OrderCommand(kind: .new, orderId: id, instrument: instruments[slot], side: side, type: .limit,
                                   timeInForce: timeInForce, price: price, quantity: quantity, account: account,
                                   strategy: strategy, venue: venue, createdTime: time)
        guard orders.tryAppend(command) else { sinkRejections &+= 1; return false }
        var w = WorkingOrder()
        w.orderId = id; w.price = price; w.quantity = quantity; w.side = side
        w.timeInForce = timeInForce; w.pricedTime = time; w.state = .pendingNew
        working[slot] = w
        return true
    }

    /// Re-prices the slot's live order (same quantity, so exposure cannot grow). Returns
    /// whether a replace was appended.
    @inlinable
    @discardableResult
    public mutating func submitReplace(slot: Int, price: Price, time: Timestamp, into orders: inout OrderSink) -> Bool {
        var w = working[slot]
        guard w.state == .live, price.rawValue > 0, price != w.price else { return false }
        let id = nextOrderId()
        let command = OrderCommand(kind: .replace, orderId: id, originalOrderId: w.orderId, instrument: instruments[slot],
                                   side: w.side, type: .limit, timeInForce: w.timeInForce, price: price,
                                   quantity: w.quantity, account: account, strategy: strategy, venue: venue,
                                   createdTime: time)
        guard orders.tryAppend(command) else { sinkRejections &+= 1; return false }
        w.pendingOrderId = id; w.pendingPrice = price; w.pricedTime = time; w.state = .pendingReplace
        working[slot] = w
        return true
    }

    /// Cancels the slot's live order. Returns whether a cancel was appended.
    @inlinable
    @discardableResult
    public mutating func submitCancel(slot: Int, time: Timestamp, into orders: inout OrderSink) -> Bool {
        var w = working[slot]
        guard w.state == .live else { return false }
        let id = nextOrderId()
        let command = OrderCommand(kind: .cancel, orderId: id, originalOrderId: w.orderId, instrument: instruments[slot],
                                   side: w.side, type: .limit, timeInForce: w.timeInForce, price: w.price,
                                   quantity: w.quantity, account: account, strategy: strategy, venue: venue,
                                   createdTime: time)
        guard orders.tryAppend(command) else { sinkRejections &+= 1; return false }
        w.pendingOrderId = id; w.state = .pendingCancel
        working[slot] = w
        return true
    }

    /// Folds an execution report for one of this strategy's orders into positions, cash and
    /// the open order. Returns the slot, or nil for a report about another order (ignored).
    @inlinable
    @discardableResult
    public mutating func apply(_ event: ExecutionEvent) -> Int? {
        guard let slot = slot(of: event.instrument) else { return nil }
        var w = working[slot]
        guard w.state != .idle else { return nil }
        let matches = event.orderId == w.orderId
            || (w.pendingOrderId != .none && event.orderId == w.pendingOrderId)
            || (event.originalOrderId != .none && event.originalOrderId == w.orderId)
        guard matches else { return nil }
        let t = event.transactTime
        if t > now { now = t }
        if event.executionType == .trade && event.lastQuantity.rawValue > 0 {
            let signed = w.side.sign &* event.lastQuantity.rawValue
            position[slot] = Quantity(rawValue: position[slot].rawValue &+ signed)
            cash -= Double(w.side.sign) * event.lastQuantity.doubleValue * event.lastPrice.doubleValue
            w.filled += event.lastQuantity
            fillCount &+= 1
        }
        switch event.executionType {
        case .new:
            if w.state == .pendingNew { w.state = .live }
        case .replaced:
            if w.state == .pendingReplace {
                w.orderId = w.pendingOrderId; w.price = w.pendingPrice
                w.pendingOrderId = .none; w.state = .live
            }
        case .rejected:
            if w.state == .pendingReplace || w.state == .pendingCancel {
                // The replace or cancel was refused; the original order stands.
                w.pendingOrderId = .none; w.pendingPrice = .zero; w.state = .live
            } else if w.state == .pendingNew {
                w = WorkingOrder()
                lastRejectTime[slot] = now
            }
        default:
            break
        }
        if w.state != .idle {
            let terminal = event.orderStatus.isTerminal && event.executionType != .rejected
            if terminal || w.filled >= w.quantity {
                lastOrderEnd[slot] = now; lastOrderFilled[slot] = w.filled >= w.quantity
                w = WorkingOrder()
            }
        } else {
            lastOrderEnd[slot] = now; lastOrderFilled[slot] = false   // rejected new
        }
        working[slot] = w
        return slot
    }
    // MARK: hot path end
}
