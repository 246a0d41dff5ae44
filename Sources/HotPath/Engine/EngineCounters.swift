import PeregrineCore
import PeregrineRisk
import Synchronization

/// Event counts of the engine thread (plain integers it alone writes).
public struct EngineCounters: Sendable, Equatable {
    public var feedBytes = 0
    public var feedLines = 0
    public var feedBadLines = 0
    public var feedOverflowBytes = 0
    public var marketEvents = 0
    public var marketEventsDropped = 0
    /// Results of the continuous queries delivered to the strategies.
    public var cepOutputs = 0
    public var ordersSent = 0
    public var cancelsSent = 0
    public var replacesSent = 0
    public var riskRejects = 0
    public var rejectedNotConnected = 0
    public var venueRejects = 0
    public var fills = 0
    /// Σ fill quantities (raw fixed point).
    public var filledQuantity: Int64 = 0
    public var killSwitchCancels = 0
    public var omsFaults = 0
    /// Commands the OMS refused locally (cancel or replace of a finished order …).
    public var omsRefusals = 0
    /// Fills of orders the OMS did not know, adopted from the venue's report.
    public var adoptedFills = 0
    public var badExecutionReports = 0
    /// Reconciliation runs: requests sent, runs applied, runs left incomplete (timeout,
    /// dropped session), differences found, those left for an operator, repairs applied.
    public var reconciliationRequests = 0
    public var reconciliations = 0
    public var reconciliationsIncomplete = 0
    public var reconciliationDifferences = 0
    public var reconciliationUnrepaired = 0
    public var reconciliationRepairs = 0
    /// Status ExecutionReports (ExecType I) received, and those no running request asked for.
    public var statusReports = 0
    public var unsolicitedStatusReports = 0
    public init() {}
}

/// A snapshot of the engine's progress, readable from any thread while it runs.
public struct EngineProgress: Sendable, Equatable {
    public var marketEvents = 0
    public var ordersSent = 0
    public var fills = 0
    public var riskRejects = 0
    public var ticksWithOrders = 0
    public var venueConnected = false
    public var killSwitchEngaged = false
    public var lastNote = ""
}

/// Relaxed atomics the engine stores every millisecond (one writer, any readers).
final class EngineProgressAtomics: Sendable {
    let marketEvents = Atomic<Int>(0)
    let ordersSent = Atomic<Int>(0)
    let fills = Atomic<Int>(0)
    let riskRejects = Atomic<Int>(0)
    let ticksWithOrders = Atomic<Int>(0)
    let venueConnected = Atomic<Bool>(false)
    let killSwitch = Atomic<Bool>(false)
    let lastNote = Mutex<String>("")

    func store(_ c: EngineCounters, risk: borrowing PreTradeRisk, venueUp: Bool, tickToOrderCount: UInt64) {
        marketEvents.store(c.marketEvents, ordering: .relaxed)
        ordersSent.store(c.ordersSent, ordering: .relaxed)
        fills.store(c.fills, ordering: .relaxed)
        riskRejects.store(c.riskRejects, ordering: .relaxed)
        ticksWithOrders.store(Int(tickToOrderCount), ordering: .relaxed)
        venueConnected.store(venueUp, ordering: .relaxed)
        killSwitch.store(risk.isKillSwitchEngaged, ordering: .relaxed)
    }

    func snapshot() -> EngineProgress {
        var p = EngineProgress()
        p.marketEvents = marketEvents.load(ordering: .relaxed)
        p.ordersSent = ordersSent.load(ordering: .relaxed)
        p.fills = fills.load(ordering: .relaxed)
        p.riskRejects = riskRejects.load(ordering: .relaxed)
        p.ticksWithOrders = ticksWithOrders.load(ordering: .relaxed)
        p.venueConnected = venueConnected.load(ordering: .relaxed)
        p.killSwitchEngaged = killSwitch.load(ordering: .relaxed)
        p.lastNote = lastNote.withLock { $0 }
        return p
    }
}
