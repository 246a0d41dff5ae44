import PeregrineCore
import PeregrineRuntime

/// What a journal says a run did: P&L by day, strategy and instrument; fills and slippage
/// against arrival price; order flow; latency from journal timestamps; venue and risk
/// rejects; and the problems met while reading. Built by `read(path:options:)` or
/// `JournalReportBuilder`; rendered by `text`, `html` and `json`.
///
/// A value: immutable once built, `Sendable`, safe to read from any thread. Money is exact
/// (`Notional`); statistics over fills (slippage means, medians) are `Double`.
public struct JournalReport: Sendable {
    /// Where the records came from and how many of each type were read.
    public var source: Source
    /// Problems met while reading (corrupt records, a torn tail, malformed payloads,
    /// executions of unknown orders, skipped fills), one line each; empty when clean.
    public var problems: [String]
    /// The day boundary the `days` use.
    public var dayBoundary: DayBoundary
    /// Account-level P&L per calendar day, in day order.
    public var days: [DayLine]
    /// P&L of each strategy's own positions, by strategy id.
    public var strategies: [PnLLine]
    /// Account-level P&L per instrument (the engine run report's positions), by instrument id.
    public var instruments: [PnLLine]
    /// Account-level totals (= the sum of `instruments`).
    public var total: PnLLine
    /// Order flow per strategy, by strategy id, and its total.
    public var orderFlow: [OrderFlowLine]
    public var orderFlowTotal: OrderFlowLine
    /// Slippage against arrival mid per strategy, per instrument, and over all fills.
    public var slippageByStrategy: [SlippageLine]
    public var slippageByInstrument: [SlippageLine]
    public var slippageTotal: SlippageLine
    /// Fills whose slippage is unknown (no two-sided quote of the instrument before the order).
    public var fillsWithoutArrival: Int
    /// Every fill's slippage in basis points (for the distribution chart), in journal order.
    public var slippageSamplesBps: [Double]
    /// Latency figures from the journal timestamps, then from the engine's event times.
    public var latencies: [LatencyLine]
    /// Venue rejects by kind and reason code, most frequent first.
    public var venueRejects: [RejectLine]
    /// Risk decisions, when the journal holds `.riskDecision` records; `nil` otherwise (the
    /// engine's run report has the risk rejects by reason).
    public var riskDecisions: RiskDecisions?
    /// Executions whose order the journal never commanded (not booked, like the OMS).
    public var unknownOrderExecutions: UnknownOrderExecutions
    /// Cumulative net P&L over time (journal time) per strategy, then the account total.
    public var pnlSeries: [PnLSeries]

    /// Where the records came from.
    public struct Source: Sendable {
        /// The path given (folder or file) and the journal name read.
        public var path: String
        public var name: String
        /// The files read, in order.
        public var files: [String]
        /// Records read, by type, in type order.
        public var recordCounts: [(type: String, count: Int)]
        public var recordCount: Int
        /// Journal timestamps of the first and last record (nil when empty).
        public var firstTimestamp: Timestamp?
        public var lastTimestamp: Timestamp?
    }

    /// P&L of one day, strategy, instrument or the total. `net` = realized + unrealized − fees.
    public struct PnLLine: Sendable, Equatable {
        public var label: String
        public var fills: Int
        public var boughtQuantity: Quantity
        public var soldQuantity: Quantity
        /// Open position (signed) and its average price; `nil` for lines that span several
        /// instruments (a strategy trading more than one, the total).
        public var position: Quantity?
        public var averagePrice: Price?
        /// Last mark of the instrument (instrument lines only).
        public var mark: Price?
        public var realized: Notional
        /// At the last mark seen in the journal; zero for positions without a mark.
        public var unrealized: Notional
        public var fees: Notional
        public var net: Notional { realized + unrealized - fees }
    }

    /// One calendar day (account level). `netChange` is the day's mark-to-market P&L: net P&L
    /// at the day's last record (marks as of then) minus the same at the previous day's end.
    public struct DayLine: Sendable, Equatable {
        public var day: CalendarDay
        public var fills: Int
        public var boughtQuantity: Quantity
        public var soldQuantity: Quantity
        /// Σ |price × quantity| of the day's fills.
        public var tradedNotional: Notional
        /// Realized by the day's fills (and busts), before fees.
        public var realized: Notional
        public var fees: Notional
        public var netChange: Notional
    }

    /// Orders and their outcomes for one strategy (or the total).
    public struct OrderFlowLine: Sendable, Equatable {
        public var label: String
        public var newOrders: Int
        public var cancels: Int
        public var replaces: Int
        public var massCancels: Int
        public var fills: Int
        /// New orders with at least one fill.
        public var ordersFilled: Int
        public var orderedQuantity: Quantity
        public var filledQuantity: Quantity
        public var venueRejects: Int
        /// New orders rejected by pre-trade risk (known only from `.riskDecision` records).
        public var riskRejects: Int
        /// New orders the venue never answered and risk did not reject (refused by the OMS
        /// before sending, rejected by risk when decisions are not journaled, or open when
        /// the journal ends).
        public var unanswered: Int
        /// New orders that went to the venue as far as the journal tells: new − risk rejects.
        public var sent: Int { newOrders - riskRejects }
        /// New orders with a fill / orders sent (0 without orders).
        public var fillRatio: Double { sent <= 0 ? 0 : Double(ordersFilled) / Double(sent) }
        /// Filled quantity / ordered quantity of all new orders.
        public var quantityFillRatio: Double {
            orderedQuantity.rawValue == 0 ? 0 : Double(filledQuantity.rawValue) / Double(orderedQuantity.rawValue)
        }
    }

    /// Slippage of a group of fills against the arrival mid; positive = cost (bought above
    /// or sold below the mid). Per-fill figures: `bps` = cost per unit / mid × 10⁴, `cost`
    /// = cost per unit × quantity.
    public struct SlippageLine: Sendable, Equatable {
        public var label: String
        public var count: Int
        public var meanBps: Double
        public var medianBps: Double
        /// The largest cost (most positive).
        public var worstBps: Double
        /// Σ cost (exact).
        public var totalCost: Notional
        public var meanCost: Double
        public var medianCost: Double
        public var worstCost: Double
    }

    /// Latency percentiles of one figure (nanoseconds; percentiles within ≈ 1.6 %, see
    /// `LatencyHistogram`).
    public struct LatencyLine: Sendable {
        public var name: String
        /// What the figure measures, in one phrase.
        public var detail: String
        public var histogram: LatencyHistogram
        /// Samples left out because the end came before the start (a clock step).
        public var negativeSamples: Int
        public var count: UInt64 { histogram.count }
        public func value(atPercentile p: Double) -> UInt64 { histogram.value(atPercentile: p) }
    }

    /// Venue rejects of one kind and reason.
    public struct RejectLine: Sendable, Equatable {
        /// "order" (OrdRejReason) or "cancel/replace" (CxlRejReason).
        public var kind: String
        public var code: UInt16
        public var reason: String
        public var count: Int
    }

    /// Risk decisions read from `.riskDecision` records.
    public struct RiskDecisions: Sendable, Equatable {
        public var accepted: Int
        public var rejected: Int
        /// Rejects by reason code (named through the options), most frequent first.
        public var rejectsByReason: [(code: UInt8, reason: String, count: Int)]
        public static func == (l: Self, r: Self) -> Bool {
            l.accepted == r.accepted && l.rejected == r.rejected
                && l.rejectsByReason.map { "\($0.code) \($0.count)" } == r.rejectsByReason.map { "\($0.code) \($0.count)" }
        }
    }

    /// Executions that named no order of the journal.
    public struct UnknownOrderExecutions: Sendable, Equatable {
        public var count: Int
        /// Of which fills, and their quantity (not booked in any P&L).
        public var fills: Int
        public var fillQuantity: Quantity
    }

    /// A cumulative net P&L curve (realized + unrealized at the marks of the time − fees).
    public struct PnLSeries: Sendable {
        public var label: String
        public var points: [(time: Timestamp, net: Double)]
    }
}
