import PeregrineCore
import PeregrineCEP

/// An event-driven strategy: callbacks for market events, CEP outputs, order updates and
/// timers, emitting `OrderCommand`s into its own preallocated `orders` sink, which the
/// engine drains after each callback.
///
/// Callers deliver everything on one thread in time order (event time in replay). A
/// conforming type is a concrete struct: engines hold strategies as generic parameters
/// (`StrategyPair`, or a hand-written struct of strategies), so every call is static.
/// Implementations must not allocate, lock or build strings per callback.
public protocol Strategy {
    var id: StrategyId { get }
    /// Commands emitted since the engine last drained the sink.
    var orders: OrderSink { get set }
    mutating func onMarketEvent(_ event: MarketEvent)
    mutating func onCEPOutput(_ output: CEPOutput)
    mutating func onOrderUpdate(_ event: ExecutionEvent)
    mutating func onTimer(_ time: Timestamp)
    /// Continues order ids after `sequence` (the highest per-strategy sequence — the low 40
    /// bits of an `OrderId` — a previous run used), so ClOrdIDs stay unique across restarts.
    /// Cold: called once at start-up after journal recovery.
    mutating func resumeOrderIds(after sequence: UInt64)
}

extension Strategy {
    /// Strategies that do not make their own ids have nothing to resume.
    public mutating func resumeOrderIds(after sequence: UInt64) {}
}

/// Stage 1: turns market events and CEP outputs into `Signal`s (at most one per call).
public protocol AlphaModel {
    /// Sizes per-instrument state for `book` (cold; called once by the strategy's init).
    mutating func prepare(book: StrategyBook)
    /// A market event for the slot's instrument; the book already holds the new quote/trade.
    mutating func onMarketEvent(_ event: MarketEvent, slot: Int, book: borrowing StrategyBook) -> Signal?
    /// A CEP output (any stream); return a signal for one of the book's instruments or nil.
    mutating func onCEPOutput(_ output: CEPOutput, book: borrowing StrategyBook) -> Signal?
}

extension AlphaModel {
    @inlinable public mutating func prepare(book: StrategyBook) {}
    @inlinable public mutating func onCEPOutput(_ output: CEPOutput, book: borrowing StrategyBook) -> Signal? { nil }
}

/// Stage 2: turns the book's latest signals (`book.signal`) into target positions,
/// written to `book.desired` (lot multiples within ±maxPosition).
public protocol PortfolioConstruction {
    mutating func prepare(book: StrategyBook)
    mutating func construct(book: inout StrategyBook, time: Timestamp)
}

extension PortfolioConstruction {
    @inlinable public mutating func prepare(book: StrategyBook) {}
}

/// Stage 3: adjusts `book.target` in place (it holds a copy of `book.desired` on entry).
/// Called after every event so that guards on P&L see every mark.
public protocol RiskModel {
    mutating func prepare(book: StrategyBook)
    mutating func adjust(book: inout StrategyBook, time: Timestamp)
}

extension RiskModel {
    @inlinable public mutating func prepare(book: StrategyBook) {}
}

/// Stage 4: works one slot's position towards `book.target[slot]` through the book's
/// `submitNew` / `submitReplace` / `submitCancel` (which enforce the limits). Called for
/// the event's slot on market events, and for every slot on timers, order updates and
/// target changes.
public protocol Execution {
    mutating func prepare(book: StrategyBook)
    mutating func execute(slot: Int, book: inout StrategyBook, time: Timestamp, orders: inout OrderSink)
}

extension Execution {
    @inlinable public mutating func prepare(book: StrategyBook) {}
}

/// A strategy wired from the four stages: alpha → portfolio construction → risk model →
/// execution, each a concrete generic parameter (static dispatch, no existentials).
///
/// Per market event: update the book's market view (O(1)); ask the alpha; if it emitted a
/// signal, rebuild targets (portfolio, O(instruments)); apply the risk model
/// (O(instruments)); run execution for the affected slots. Nothing allocates.
public struct ComposedStrategy<Alpha: AlphaModel, Portfolio: PortfolioConstruction, Risk: RiskModel, Exec: Execution>: Strategy {
    public var book: StrategyBook
    public var alpha: Alpha
    public var portfolio: Portfolio
    public var risk: Risk
    public var execution: Exec
    public var orders: OrderSink
    public let clock: StrategyClock

    /// Builds the strategy and sizes every stage (cold: allocates).
    public init(config: StrategyConfig, alpha: Alpha, portfolio: Portfolio, risk: Risk, execution: Exec) {
        book = StrategyBook(config)
        self.alpha = alpha; self.portfolio = portfolio; self.risk = risk; self.execution = execution
        orders = OrderSink(capacity: config.orderCapacity)
        clock = config.clock
        self.alpha.prepare(book: book)
        self.portfolio.prepare(book: book)
        self.risk.prepare(book: book)
        self.execution.prepare(book: book)
    }

    // MARK: hot path begin
    @inlinable public var id: StrategyId { book.strategy }

    @inlinable
    public mutating func onMarketEvent(_ event: MarketEvent) {
        guard let slot = book.slot(of: event.instrument) else { return }
        let time = clock == .exchangeTime ? event.exchangeTime : event.receiveTime
        book.updateMarket(event, slot: slot, time: time)
        var retargeted = false
        if let s = alpha.onMarketEvent(event, slot: slot, book: book) {
            retargeted = accept(s, time: time)
        }
        rebalance(time: time, onlySlot: retargeted ? -1 : slot)
    }

    @inlinable
    public mutating func onCEPOutput(_ output: CEPOutput) {
        if output.time > book.now { book.now = output.time }
        guard let s = alpha.onCEPOutput(output, book: book) else { return }
        if accept(s, time: output.time) { rebalance(time: book.now, onlySlot: -1) }
    }

    @inlinable
    public mutating func onOrderUpdate(_ event: ExecutionEvent) {
        guard book.apply(event) != nil else { return }
        rebalance(time: book.now, onlySlot: -1)
    }

    @inlinable
    public mutating func onTimer(_ time: Timestamp) {
        if time > book.now { book.now = time }
        rebalance(time: book.now, onlySlot: -1)
    }

    public mutating func resumeOrderIds(after sequence: UInt64) {
        if book.nextSequence <= sequence { book.nextSequence = sequence &+ 1 }
    }

    /// Stores a signal and rebuilds the targets; false when the signal is not for us.
    @inlinable
    mutating func accept(_ signal: Signal, time: Timestamp) -> Bool {
        guard let slot = book.slot(of: signal.instrument) else { return false }
        book.signal[slot] = signal
        portfolio.construct(book: &book, time: time)
        return true
    }

    /// Risk over all targets, then execution for `onlySlot` (or every slot when −1).
    @inlinable
    mutating func rebalance(time: Timestamp, onlySlot: Int) {
        for s in 0..<book.instrumentCount { book.target[s] = book.desired[s] }
        risk.adjust(book: &book, time: time)
        if onlySlot >= 0 {
            execution.execute(slot: onlySlot, book: &book, time: time, orders: &orders)
        } else {
            for s in 0..<book.instrumentCount {
                execution.execute(slot: s, book: &book, time: time, orders: &orders)
            }
        }
    }
    // MARK: hot path end
}

/// Two strategies run as one (events fan out to both, in order; each keeps its own sink).
/// Nest pairs for more; everything stays statically dispatched.
public struct StrategyPair<First: Strategy, Second: Strategy> {
    public var first: First
    public var second: Second

    public init(_ first: First, _ second: Second) {
        self.first = first; self.second = second
    }

    // MARK: hot path begin
    @inlinable public mutating func onMarketEvent(_ event: MarketEvent) {
        first.onMarketEvent(event); second.onMarketEvent(event)
    }
    @inlinable public mutating func onCEPOutput(_ output: CEPOutput) {
        first.onCEPOutput(output); second.onCEPOutput(output)
    }
    /// Routes the report to the strategy whose id it carries (both when unset/unknown).
    @inlinable public mutating func onOrderUpdate(_ event: ExecutionEvent) {
        if event.strategy == first.id { first.onOrderUpdate(event) }
        else if event.strategy == second.id { second.onOrderUpdate(event) }
        else { first.onOrderUpdate(event); second.onOrderUpdate(event) }
    }
    @inlinable public mutating func onTimer(_ time: Timestamp) {
        first.onTimer(time); second.onTimer(time)
    }
    /// Forwards to both strategies (cold).
    public mutating func resumeOrderIds(after sequence: UInt64) {
        first.resumeOrderIds(after: sequence); second.resumeOrderIds(after: sequence)
    }
    /// Appends both sinks' commands (first's, then second's) to `sink` and clears them.
    @inlinable public mutating func drain(into sink: inout OrderSink) {
        for i in 0..<first.orders.count { sink.tryAppend(first.orders[i]) }
        first.orders.removeAll()
        for i in 0..<second.orders.count { sink.tryAppend(second.orders[i]) }
        second.orders.removeAll()
    }
    // MARK: hot path end
}
