import PeregrineCore
import PeregrineCEP
import PeregrineModels
import PeregrineStrategy

/// SplitMix64: deterministic, seedable.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func px(_ v: Double) -> Price { Price(v)! }
func qty(_ v: Double) -> Quantity { Quantity(v)! }
func ts(_ ns: Int64) -> Timestamp { Timestamp(nanosecondsSinceEpoch: 1_000_000_000_000 + ns) }
let ms: Int64 = 1_000_000

func quote(_ instrument: InstrumentId, bid: Double, ask: Double, bidSize: Double = 100, askSize: Double = 100,
           at time: Timestamp) -> MarketEvent {
    .quote(instrument, venue: VenueId(rawValue: 1), bidPrice: px(bid), bidQuantity: qty(bidSize), askPrice: px(ask),
           askQuantity: qty(askSize), exchangeTime: time, receiveTime: time)
}

/// A random-walk quote stream over several instruments (deterministic for a seed).
struct FakeMarket {
    var rng: SplitMix64
    var mids: [Double]
    let instruments: [InstrumentId]
    var time: Int64 = 0

    init(seed: UInt64, instruments: [InstrumentId]) {
        rng = SplitMix64(seed: seed)
        self.instruments = instruments
        mids = instruments.map { 100 + Double($0.rawValue) * 10 }
    }

    mutating func next() -> MarketEvent {
        let i = Int(rng.next() % UInt64(instruments.count))
        time += 1 + Int64(rng.next() % UInt64(3 * ms))
        // Drift regimes make crossovers happen; ticks of 0.01.
        let step = Double(Int64(rng.next() % 7) - 3) * 0.01 + (time / (2_000 * ms) % 2 == 0 ? 0.01 : -0.01)
        mids[i] = max(1, (mids[i] + step) * 100).rounded() / 100
        let half = Double(1 + rng.next() % 2) * 0.01
        let bidSize = Double(1 + rng.next() % 500), askSize = Double(1 + rng.next() % 500)
        return quote(instruments[i], bid: mids[i] - half, ask: mids[i] + half, bidSize: bidSize, askSize: askSize,
                     at: ts(time))
    }
}

/// A venue simulator: acks, fills marketable orders (partially, up to displayed size),
/// rests passive ones and fills them when the market trades through, handles replace and
/// cancel. Also keeps its own view of positions and open orders to check limits against.
struct FakeVenue {
    struct Resting { var command: OrderCommand; var filled: Quantity }
    var resting: [OrderId: Resting] = [:]
    var quotes: [InstrumentId: MarketEvent] = [:]
    var positions: [InstrumentId: Int64] = [:]
    var executionId: UInt64 = 1
    var partialFills: Bool

    init(partialFills: Bool = true) { self.partialFills = partialFills }

    func report(_ c: OrderCommand, _ type: ExecutionType, _ status: OrderStatus, time: Timestamp,
                last: Quantity = .zero, lastPrice: Price = .zero, filled: Quantity = .zero) -> ExecutionEvent {
        var e = ExecutionEvent()
        e.transactTime = time; e.receiveTime = time; e.orderId = c.orderId; e.originalOrderId = c.originalOrderId
        e.instrument = c.instrument; e.strategy = c.strategy; e.account = c.account; e.side = c.side
        e.price = c.price; e.orderQuantity = c.quantity; e.executionType = type; e.orderStatus = status
        e.lastQuantity = last; e.lastPrice = lastPrice; e.cumulativeQuantity = filled
        e.leavesQuantity = status.isTerminal ? .zero : c.quantity - filled
        return e
    }

    mutating func fill(_ c: OrderCommand, _ amount: Quantity, at price: Price, filled: Quantity, time: Timestamp) -> ExecutionEvent {
        positions[c.instrument, default: 0] += c.side.sign * amount.rawValue
        executionId += 1
        let total = filled + amount
        var e = report(c, .trade, total >= c.quantity ? .filled : .partiallyFilled, time: time, last: amount,
                       lastPrice: price, filled: total)
        e.executionId = executionId
        return e
    }

    func marketable(_ c: OrderCommand) -> (Bool, Price, Quantity) {
        guard let q = quotes[c.instrument] else { return (false, .zero, .zero) }
        if c.side == .buy { return (c.price >= q.askPrice, q.askPrice, q.askQuantity) }
        return (c.price <= q.bidPrice, q.bidPrice, q.bidQuantity)
    }

    mutating func handle(_ c: OrderCommand, time: Timestamp) -> [ExecutionEvent] {
        var out: [ExecutionEvent] = []
        switch c.kind {
        case .new:
            out.append(report(c, .new, .new, time: time))
            let (cross, price, size) = marketable(c)
            var filled = Quantity.zero
            if cross {
                let amount = partialFills ? min(c.quantity, max(size, qty(1))) : c.quantity
                out.append(fill(c, amount, at: price, filled: .zero, time: time))
                filled = amount
            }
            if filled < c.quantity {
                if c.timeInForce == .immediateOrCancel {
                    out.append(report(c, .canceled, .canceled, time: time, filled: filled))
                } else {
                    resting[c.orderId] = Resting(command: c, filled: filled)
                }
            }
        case .replace:
            guard var r = resting.removeValue(forKey: c.originalOrderId) else {
                out.append(report(c, .rejected, .rejected, time: time)); break
            }
            r.command.orderId = c.orderId; r.command.price = c.price; r.command.originalOrderId = c.originalOrderId
            resting[c.orderId] = r
            out.append(report(r.command, .replaced, .new, time: time, filled: r.filled))
        case .cancel:
            guard let r = resting.removeValue(forKey: c.originalOrderId) else {
                out.append(report(c, .rejected, .rejected, time: time)); break
            }
            var cc = r.command; cc.orderId = c.orderId; cc.originalOrderId = c.originalOrderId
            out.append(report(cc, .canceled, .canceled, time: time, filled: r.filled))
        case .massCancel:
            break
        }
        return out
    }

    /// Applies a quote; passive orders the market moved through fill at their price.
    mutating func onQuote(_ q: MarketEvent) -> [ExecutionEvent] {
        quotes[q.instrument] = q
        var out: [ExecutionEvent] = []
        for id in resting.keys.sorted() {
            let r = resting[id]!
            guard r.command.instrument == q.instrument else { continue }
            let through = r.command.side == .buy ? q.askPrice <= r.command.price : q.bidPrice >= r.command.price
            if through {
                resting[id] = nil
                out.append(fill(r.command, r.command.quantity - r.filled, at: r.command.price, filled: r.filled,
                                time: q.exchangeTime))
            }
        }
        return out
    }

    /// Signed open quantity per instrument as the venue sees it.
    func openSigned(_ instrument: InstrumentId) -> (long: Int64, short: Int64) {
        var long: Int64 = 0, short: Int64 = 0
        for r in resting.values where r.command.instrument == instrument {
            let leaves = (r.command.quantity - r.filled).rawValue
            if r.command.side == .buy { long += leaves } else { short += leaves }
        }
        return (long, short)
    }
}

/// Drives a strategy with a venue: every command emitted is recorded, sent to the venue,
/// and the venue's reports fed back until quiet.
struct Harness<S: Strategy> {
    var strategy: S
    var venue: FakeVenue
    var sent: [OrderCommand] = []
    /// Set when the strategy and venue kept exchanging messages without settling.
    var unsettled = false
    /// Called after each command is handled by the venue (limit checks).
    var check: ((OrderCommand, FakeVenue) -> Void)?

    init(_ strategy: S, venue: FakeVenue = FakeVenue()) { self.strategy = strategy; self.venue = venue }

    mutating func pump(time: Timestamp) {
        var rounds = 0
        while strategy.orders.count > 0 {
            rounds += 1
            if rounds > 1000 { unsettled = true; strategy.orders.removeAll(); return }
            var batch: [OrderCommand] = []
            for i in 0..<strategy.orders.count { batch.append(strategy.orders[i]) }
            strategy.orders.removeAll()
            for c in batch {
                sent.append(c)
                let reports = venue.handle(c, time: time)
                check?(c, venue)
                for r in reports { strategy.onOrderUpdate(r) }
            }
        }
    }

    /// The venue sees the quote first (resting orders it crosses fill), then the strategy.
    mutating func market(_ e: MarketEvent) {
        for r in venue.onQuote(e) { strategy.onOrderUpdate(r) }
        pump(time: e.exchangeTime)
        strategy.onMarketEvent(e)
        pump(time: e.exchangeTime)
    }

    mutating func timer(_ t: Timestamp) {
        strategy.onTimer(t)
        pump(time: t)
    }
}

// MARK: test stages

/// Emits a fixed signal for every market event of its instruments.
struct ConstantAlpha: AlphaModel {
    var strength: Double
    var confidence: Double = 1
    mutating func onMarketEvent(_ event: MarketEvent, slot: Int, book: borrowing StrategyBook) -> Signal? {
        Signal(instrument: book.instruments[slot], strength: strength, confidence: confidence, time: book.now)
    }
}

/// Sets fixed targets (per slot).
struct FixedTargets: PortfolioConstruction {
    var targets: [Quantity]
    mutating func construct(book: inout StrategyBook, time: Timestamp) {
        for s in 0..<book.instrumentCount { book.desired[s] = targets[s] }
    }
}

func config(_ instruments: [InstrumentId], maxPosition: Double = 1_000, maxOrder: Double = 100,
            id: UInt16 = 7) -> StrategyConfig {
    StrategyConfig(id: StrategyId(rawValue: id), account: AccountId(rawValue: 3), venue: VenueId(rawValue: 1),
                   instruments: instruments, limits: StrategyLimits(maxPosition: qty(maxPosition), maxOrderSize: qty(maxOrder)))
}

let inst0 = InstrumentId(rawValue: 0)
let inst1 = InstrumentId(rawValue: 1)
let inst2 = InstrumentId(rawValue: 2)
