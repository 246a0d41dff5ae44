import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import PeregrineRuntime

/// `peregrine tune …`: tuning profiles and machine checks.
struct TuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Check tuning profiles and this machine's readiness for colocated deployment.",
        subcommands: [Check.self, Show.self]
    )

    /// `peregrine tune check [--profile FILE]`.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Print what this machine needs for colocated low-latency deployment.",
            discussion: """
            Reads /proc and /sys (isolcpus, nohz_full, cpufreq, THP, swap, irqbalance, clocksource, \
            sched_rt_runtime_us) and probes io_uring, memlock, TSC and NUMA. With --profile, also \
            validates the profile against this machine and checks that its cores are isolated.
            Exit status: 0 no warnings, 1 profile errors, 2 machine warnings.
            """
        )

        @Option(name: .long, help: "A tuning profile to validate against this machine (e.g. tuning/colo-8core.conf).")
        var profile: String?

        @Option(name: .long, help: ArgumentHelp("Read /proc and /sys under this directory (for testing).", visibility: .hidden))
        var root: String = "/"

        func run() throws {
            var loaded: TuningProfile?
            var profileProblems: [TuningProblem] = []
            if let profile {
                do {
                    let parsed = try TuningProfile.load(path: profile)
                    loaded = parsed
                    profileProblems = parsed.machineProblems(against: .current)
                } catch {
                    profileProblems = error.problems
                }
            }
            let findings = MachineCheck(root: root).findings(for: loaded)
            print(TuneReport.table(findings))
            if let profile {
                print("")
                if profileProblems.isEmpty, let loaded {
                    print("profile \(profile) ('\(loaded.name)'): valid on this machine (\(loaded.spinnerCount) spinning of \(loaded.isolatedCores.count) isolated cores)")
                } else {
                    print(TuningProfileError(problems: profileProblems).description)
                }
            }
            if !profileProblems.isEmpty { throw ExitCode(1) }
            if findings.contains(where: { $0.severity == .warning }) { throw ExitCode(2) }
        }
    }

    /// `peregrine tune show FILE`.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Parse a tuning profile, validate it against this machine and print the effective configuration.",
            discussion: "Prints every key, defaults included, or every problem as file:line: message (exit status 1)."
        )

        @Argument(help: "The profile file, e.g. tuning/dev-2core.conf.")
        var file: String

        @Flag(name: .long, help: "Skip the checks against this machine (to read a colocated profile on a development box).")
        var noMachineCheck = false

        func run() throws {
            do {
                let profile = try TuningProfile.load(path: file)
                if !noMachineCheck { try profile.validate(against: .current) }
                print(profile.effectiveDescription)
            } catch {
                TuneReport.printError(error.description)
                throw ExitCode(1)
            }
        }
    }
}

/// Text layout of machine findings.
enum TuneReport {
    /// A table: severity, item, observed; the recommendation indented under its row.
    static func table(_ findings: [MachineFinding]) -> String {
        let counts = MachineFinding.Severity.allCases.map { severity in
            "\(findings.filter { $0.severity == severity }.count) \(severity)"
        }.joined(separator: ", ")
        let itemWidth = min(findings.map(\.item.count).max() ?? 0, 40)
        var lines = ["Machine check for colocated low-latency deployment: \(counts)", ""]
        lines.append("  " + pad("STATUS", 8) + pad("ITEM", itemWidth + 2) + "OBSERVED")
        for finding in findings {
            let status = finding.severity == .warning ? "WARNING" : finding.severity.description
            lines.append("  " + pad(status, 8) + pad(finding.item, itemWidth + 2) + finding.observed)
            if let recommendation = finding.recommendation {
                for (index, line) in wrap(recommendation, width: 96).enumerated() {
                    lines.append(String(repeating: " ", count: 10) + (index == 0 ? "→ " : "  ") + line)
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    /// Greedy word wrap.
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            if !current.isEmpty && current.count + 1 + word.count > width {
                lines.append(current)
                current = ""
            }
            current += (current.isEmpty ? "" : " ") + word
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}

extension TuneReport {
    /// Writes `text` and a newline to standard error (problems go there; output to stdout).
    static func printError(_ text: String) {
        let bytes = Array((text + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
            if written <= 0 { break }
            offset += written
        }
    }
}
