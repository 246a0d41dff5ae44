import ArgumentParser

/// `peregrine report`: run reports from a journal (placeholder until the reports module lands).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Reports from a journal: P&L, fills and slippage, risk rejects, latency (text and HTML)."
    )

    func run() throws {
        throw ValidationError("peregrine report is not built yet")
    }
}
