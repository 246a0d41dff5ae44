/// Run reports from the journal (and the warehouse): P&L, fills and slippage, risk
/// rejects, latency — as text and HTML.
public enum PeregrineReports {}
