import PeregrineCore
import PeregrineOMS

/// Which clock decides an order's arrival quote (see the design note in Reports.swift).
public enum ArrivalClock: String, Sendable, CaseIterable {
    /// The last quote of the instrument received at or before the command's `createdTime`
    /// (the strategy's decision on the engine's receive-time clock). Immune to the journal
    /// thread's reordering. Commands without a `createdTime` fall back to journal order.
    case decisionTime = "decision-time"
    /// The last quote of the instrument journaled before the command record.
    case journalOrder = "journal-order"
}

/// How to build a `JournalReport`. Plain values; cheap to copy.
public struct JournalReportOptions: Sendable {
    /// Which calendar day a record belongs to (default: New York days).
    public var dayBoundary: DayBoundary
    /// Which clock decides the arrival quote (default: the decision time).
    public var arrivalClock: ArrivalClock
    /// Fees charged per fill (the journal carries none; use the engine's `OMSConfiguration.fees`).
    public var fees: FeeSchedule
    /// Instrument names by `InstrumentId` (index = id); missing ones print as `#id`.
    public var instrumentNames: [String]
    /// Strategy names by id; missing ones print as `strategy#id`.
    public var strategyNames: [UInt16: String]
    /// Names risk reason codes (e.g. `RiskRejectReason(rawValue:)?.description`); without it
    /// codes print as numbers.
    public var riskReasonName: (@Sendable (UInt8) -> String?)?
    /// The journal's name (files `NAME-<index>.pjournal`); `nil` takes the only journal in a
    /// folder (the engine writes `engine`).
    public var journalName: String?
    /// Most points a P&L curve keeps (older points are thinned two to one beyond it).
    public var maximumSeriesPoints: Int

    public init(dayBoundary: DayBoundary = .newYork, arrivalClock: ArrivalClock = .decisionTime,
                fees: FeeSchedule = FeeSchedule(), instrumentNames: [String] = [], strategyNames: [UInt16: String] = [:],
                riskReasonName: (@Sendable (UInt8) -> String?)? = nil, journalName: String? = nil,
                maximumSeriesPoints: Int = 2_000) {
        precondition(maximumSeriesPoints >= 16, "a P&L curve needs at least 16 points")
        self.dayBoundary = dayBoundary; self.arrivalClock = arrivalClock; self.fees = fees
        self.instrumentNames = instrumentNames; self.strategyNames = strategyNames
        self.riskReasonName = riskReasonName; self.journalName = journalName
        self.maximumSeriesPoints = maximumSeriesPoints
    }

    func instrumentLabel(_ id: UInt32) -> String {
        Int(id) < instrumentNames.count ? instrumentNames[Int(id)] : (id == UInt32.max ? "(none)" : "#\(id)")
    }

    func strategyLabel(_ id: UInt16) -> String { strategyNames[id] ?? "strategy#\(id)" }
}
