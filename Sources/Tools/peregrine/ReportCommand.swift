import ArgumentParser
import PeregrineCore
import PeregrineOMS
import PeregrineReports
import PeregrineRisk
#if canImport(Glibc)
import Glibc
#endif

/// `peregrine report`: P&L, fills and slippage, order flow, latency and rejects from a
/// journal (text on stdout; optionally HTML and JSON files).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Reports from a journal: P&L, fills and slippage, risk rejects, latency (text and HTML).",
        discussion: """
            Reads every file of a journal folder (e.g. demo-out/run-*/journal), or one .pjournal file, \
            and prints P&L by day, strategy and instrument, slippage against the arrival mid, order flow, \
            latency percentiles from the journal timestamps and rejects by reason. Corrupt or torn records \
            are listed as problems; the report covers the rest.
            """
    )

    @Argument(help: "A journal folder or one NAME-<index>.pjournal file.")
    var journal: String

    @Option(name: .long, help: "Also write a self-contained HTML page (inline SVG charts) to this file.")
    var html: String?

    @Option(name: .long, help: "Also write the report as JSON to this file.")
    var json: String?

    @Option(name: .long, help: "Journal name when the folder holds several (files NAME-<index>.pjournal; the engine writes 'engine').")
    var name: String?

    @Option(name: .long, help: "Instrument names by id, comma-separated in id order (the engine's --symbols, e.g. SPY,QQQ).")
    var symbols: String?

    @Option(name: .long, help: "Strategy names, e.g. 1=momentum,2=imbalance (the demo's strategies).")
    var strategies: String?

    @Option(name: .long, help: "Day boundary: new-york (midnight America/New_York) or utc.")
    var dayBoundary: String = DayBoundary.newYork.rawValue

    @Option(name: .long, help: "Arrival quote by decision-time (the command's createdTime) or journal-order (last quote before the command record).")
    var arrival: String = ArrivalClock.decisionTime.rawValue

    @Option(name: .long, help: "Fee per unit filled, e.g. 0.0035 (the journal carries no fees).")
    var feePerUnit: String = "0"

    @Option(name: .long, help: "Fee in hundredths of a basis point of fill notional.")
    var feeCentibasisPoints: Int64 = 0

    func validate() throws {
        guard DayBoundary(rawValue: dayBoundary) != nil else {
            throw ValidationError("--day-boundary: one of \(DayBoundary.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(dayBoundary)')")
        }
        guard ArrivalClock(rawValue: arrival) != nil else {
            throw ValidationError("--arrival: one of \(ArrivalClock.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(arrival)')")
        }
        guard let fee = Price(feePerUnit), fee.rawValue >= 0 else {
            throw ValidationError("--fee-per-unit: a non-negative decimal, e.g. 0.0035 (got '\(feePerUnit)')")
        }
        guard feeCentibasisPoints >= 0 else { throw ValidationError("--fee-centibasis-points must not be negative") }
        _ = try strategyNames()
    }

    func strategyNames() throws -> [UInt16: String] {
        guard let strategies else { return [:] }
        var names: [UInt16: String] = [:]
        for item in strategies.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let id = UInt16(parts[0].trimmingSpaces()), !parts[1].trimmingSpaces().isEmpty else {
                throw ValidationError("--strategies: give ID=NAME pairs separated by commas, e.g. 1=momentum,2=imbalance (got '\(item)')")
            }
            names[id] = String(parts[1]).trimmingSpaces()
        }
        return names
    }

    func run() throws {
        var options = JournalReportOptions()
        options.dayBoundary = DayBoundary(rawValue: dayBoundary) ?? .newYork
        options.arrivalClock = ArrivalClock(rawValue: arrival) ?? .decisionTime
        options.fees = FeeSchedule(perUnit: Price(feePerUnit) ?? .zero, centibasisPoints: feeCentibasisPoints)
        options.instrumentNames = symbols.map { $0.split(separator: ",").map { String($0).trimmingSpaces() } } ?? []
        options.strategyNames = try strategyNames()
        options.riskReasonName = { RiskRejectReason(rawValue: $0)?.description }
        options.journalName = name
        do {
            let report = try JournalReport.read(path: journal, options: options)
            print(report.text, terminator: "")
            if let html {
                try report.writeHTML(to: html)
                print("html      : \(html)")
            }
            if let json {
                try report.writeJSON(to: json)
                print("json      : \(json)")
            }
        } catch {
            let message = Array("error: \(error)\n".utf8)
            _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }   // stderr
            throw ExitCode.failure
        }
    }
}

private extension Substring {
    func trimmingSpaces() -> String { String(self).trimmingSpaces() }
}
