/// One observation of `MachineCheck`: what was looked at, what was found, and what a
/// colocated deployment should change.
public struct MachineFinding: Sendable, Equatable, CustomStringConvertible {
    /// How much a finding matters for a colocated, latency-critical deployment.
    public enum Severity: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
        /// As a colocated box should be.
        case ok
        /// Worth changing on a production box; harmless on a development machine.
        case advice
        /// Costs latency (or correctness of timing) as it stands.
        case warning

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rawValue < rhs.rawValue }
        public var description: String {
            switch self {
            case .ok: return "ok"
            case .advice: return "advice"
            case .warning: return "warning"
            }
        }
    }

    /// What was checked ("isolated cores", "cpufreq governor").
    public var item: String
    /// What this machine has ("none", "powersave on cpus 0-3").
    public var observed: String
    /// What to change and how (a command, a boot parameter); `nil` when nothing to do.
    public var recommendation: String?
    public var severity: Severity

    public init(item: String, observed: String, recommendation: String? = nil, severity: Severity) {
        self.item = item; self.observed = observed; self.recommendation = recommendation; self.severity = severity
    }

    /// "warning  swap: on (/swapfile) — swapoff -a …".
    public var description: String {
        "\(severity)  \(item): \(observed)" + (recommendation.map { " — \($0)" } ?? "")
    }
}
