/// Run reports from the journal: P&L by day, strategy and instrument, fills and slippage
/// against arrival price, order flow, latency from journal timestamps, venue and risk
/// rejects — as text, a self-contained HTML page and JSON.
///
/// Entry points: `JournalReport.read(path:options:)` (a journal folder or one file) and
/// `JournalReportBuilder` (feed it records from any source). Cold tier: allocation is fine;
/// the journal is streamed record by record, so memory grows with orders and fills, never
/// with market data.
///
/// Design notes (they outlive single functions):
///
/// - **What the engine journals** (Sources/HotPath/Engine/TradingEngine.swift): every market
///   event that passed the filters, every order command that reached pre-trade risk (published
///   before the decision, so risk-rejected commands are in the journal too), its risk decision
///   (`.riskDecision`, reason 0 = accepted), and every execution report after the OMS saw it
///   (instrument, account and strategy filled from the OMS's order). Commands the OMS refuses
///   after risk accepted them, and the local rejects the strategies then see, are not
///   journaled: such orders show as "no answer". Journals without decision records (older
///   engines) say so in the report.
/// - **Record order is not engine order.** The journal thread drains the market ring, then the
///   command ring, the decision ring and the execution ring, each pass stamping one
///   timestamp (so a command and its fill often share a stamp: journal-time latencies have
///   the drain pass as resolution; the report adds engine-clock figures). A quote that the
///   engine processed *after* deciding an order can therefore be journaled *before* the
///   command, and vice versa. The arrival price is thus taken by the engine's own clock by
///   default: the last journaled quote of the instrument whose receive time is at or before
///   the command's `createdTime` (the strategy's decision time; the engine and the example
///   strategies use the receive-time clock). It is settled once the market stream has passed
///   that time. `ArrivalClock.journalOrder` gives the literal "last quote before the command
///   record" instead.
/// - **Positions** reuse `PeregrineOMS.Position` (average cost, exact `Notional` math): one
///   book per (strategy, instrument) for the by-strategy view and one per (account,
///   instrument) for the by-instrument view and the days, which is what the engine's own run
///   report shows. Realized/unrealized splits differ between the two when strategies trade
///   against each other; their totals agree. Fills are booked like the OMS books them:
///   duplicates (same venue and ExecID) and overfills are skipped, busts and corrections
///   taken back, fills of orders the journal never commanded are reported, not booked.
/// - **Days** are New York calendar days by default (midnight America/New_York, US daylight
///   saving rules since 2007), or UTC days; a record belongs to the day of its journal
///   timestamp.
public enum PeregrineReports {}
