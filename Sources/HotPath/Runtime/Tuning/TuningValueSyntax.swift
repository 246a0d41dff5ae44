import PeregrinePlatform
import PeregrineRings

/// A value that did not parse; the message says what was expected.
struct TuningValueError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// Parsers and printers for the values of a tuning profile file. Parsing a printed value
/// gives the value back, so the effective configuration can itself be read as a profile.
enum TuningValueSyntax {
    // MARK: Numbers and flags

    /// A non-negative decimal integer; `_` separators allowed ("65_536").
    static func integer(_ text: String) throws(TuningValueError) -> Int {
        let digits = text.filter { $0 != "_" }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw TuningValueError("'\(text)' is not a whole number")
        }
        guard let value = Int(digits) else { throw TuningValueError("'\(text)' is too large") }
        return value
    }

    static func boolean(_ text: String) throws(TuningValueError) -> Bool {
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw TuningValueError("'\(text)' is not true or false")
        }
    }

    static func isPowerOfTwo(_ value: Int) -> Bool { value > 0 && value & (value - 1) == 0 }

    /// The powers of two either side of `value`, for "use 4096 or 8192".
    static func nearestPowersOfTwo(_ value: Int) -> (Int, Int) {
        var upper = 1
        while upper < value && upper < 1 << 62 { upper <<= 1 }
        return (max(upper >> 1, 1), upper)
    }

    // MARK: CPU lists

    /// A cpu list as the kernel writes it ("0-3,8,10-11"), or "none" / "" for no cpus.
    /// Duplicates are refused; the result is sorted.
    static func cpuList(_ text: String) throws(TuningValueError) -> [Int] {
        let trimmed = text.trimmed
        if trimmed.isEmpty || trimmed == "none" { return [] }
        var cpus: [Int] = []
        for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let item = String(part).trimmed
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false).map { String($0).trimmed }
            guard bounds.count == 1 || bounds.count == 2, !bounds.contains(where: \.isEmpty) else {
                throw TuningValueError("'\(item)' is not a cpu number or range like 2-7")
            }
            let low = try integer(bounds[0])
            let high = bounds.count == 2 ? try integer(bounds[1]) : low
            guard low <= high else { throw TuningValueError("range '\(item)' runs backwards; write \(high)-\(low)") }
            guard high < 4096 else { throw TuningValueError("cpu \(high) is beyond any machine (at most 4095)") }
            for cpu in low...high {
                if cpus.contains(cpu) { throw TuningValueError("cpu \(cpu) is listed twice") }
                cpus.append(cpu)
            }
        }
        return cpus.sorted()
    }

    /// Formats cpus compactly: [2,3,4,5,8] → "2-5,8"; [] → "none".
    static func formatCPUList(_ cpus: [Int]) -> String {
        let sorted = Array(Set(cpus)).sorted()
        guard var start = sorted.first else { return "none" }
        var parts: [String] = []
        var previous = start
        for cpu in sorted.dropFirst() + [Int.min] {
            if cpu == previous + 1 { previous = cpu; continue }
            parts.append(start == previous ? "\(start)" : "\(start)-\(previous)")
            start = cpu; previous = cpu
        }
        return parts.joined(separator: ",")
    }

    /// "none" or a number.
    static func optionalNumber(_ text: String, none: String) throws(TuningValueError) -> Int? {
        text == none ? nil : try integer(text)
    }

    // MARK: Durations

    /// "50us", "1ms", "500ns", "2s" (also "µs") → nanoseconds; the unit is required.
    static func duration(_ text: String) throws(TuningValueError) -> Int {
        let units: [(String, Int)] = [("ns", 1), ("us", 1_000), ("µs", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            let number = String(text.dropLast(suffix.count)).trimmed
            guard let value = try? integer(number) else { break }
            guard value > 0 else { throw TuningValueError("duration '\(text)' must be positive") }
            guard value <= Int.max / scale else { throw TuningValueError("duration '\(text)' is too long") }
            return value * scale
        }
        if (try? integer(text)) != nil {
            throw TuningValueError("duration '\(text)' has no unit; write e.g. \(text)us (units: ns, us, ms, s)")
        }
        throw TuningValueError("'\(text)' is not a duration like 50us, 1ms or 500ns")
    }

    /// Nanoseconds in the largest exact unit: 50_000 → "50us".
    static func formatDuration(_ nanos: Int) -> String {
        for (suffix, scale) in [("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000)] where nanos % scale == 0 && nanos >= scale {
            return "\(nanos / scale)\(suffix)"
        }
        return "\(nanos)ns"
    }

    // MARK: Idle strategy

    static let defaultBackoff = IdleStrategyKind.backoff(maxSpins: 100, maxYields: 10, minParkNanos: 1_000, maxParkNanos: 1_000_000)
    static let defaultParkNanos = 50_000

    /// busy-spin | yield | park[:DURATION] | backoff[:SPINS/YIELDS/MIN..MAX]
    static func idle(_ text: String) throws(TuningValueError) -> IdleStrategyKind {
        let (head, argument) = text.splitOnce(":")
        switch head.lowercased() {
        case "busy-spin", "busyspin", "spin":
            if argument != nil { throw TuningValueError("busy-spin takes no argument") }
            return .busySpin
        case "yield":
            if argument != nil { throw TuningValueError("yield takes no argument") }
            return .yield
        case "park":
            guard let argument else { return .park(nanos: defaultParkNanos) }
            return .park(nanos: try duration(argument))
        case "backoff":
            guard let argument else { return defaultBackoff }
            let counts = argument.split(separator: "/", omittingEmptySubsequences: false).map { String($0).trimmed }
            guard counts.count == 3 else {
                throw TuningValueError("backoff wants SPINS/YIELDS/MIN..MAX, e.g. backoff:100/10/1us..1ms")
            }
            let spins = try integer(counts[0])
            let yields = try integer(counts[1])
            let (low, high) = counts[2].splitOnce("..")
            guard let high else { throw TuningValueError("backoff park range '\(counts[2])' wants MIN..MAX, e.g. 1us..1ms") }
            let minPark = try duration(low)
            let maxPark = try duration(high)
            guard minPark <= maxPark else { throw TuningValueError("backoff park range \(counts[2]) runs backwards") }
            return .backoff(maxSpins: spins, maxYields: yields, minParkNanos: minPark, maxParkNanos: maxPark)
        default:
            throw TuningValueError("'\(text)' is not an idle strategy")
        }
    }

    static func formatIdle(_ idle: IdleStrategyKind) -> String {
        switch idle {
        case .busySpin: return "busy-spin"
        case .yield: return "yield"
        case .park(let nanos): return "park:\(formatDuration(nanos))"
        case .backoff(let spins, let yields, let low, let high):
            return "backoff:\(spins)/\(yields)/\(formatDuration(low))..\(formatDuration(high))"
        }
    }

    // MARK: Scheduling policy

    /// other | fifo:N | rr:N; the priority range is checked by the caller (it has the line).
    static func policy(_ text: String) throws(TuningValueError) -> SchedulingPolicy {
        let (head, argument) = text.splitOnce(":")
        switch head.lowercased() {
        case "other":
            if argument != nil { throw TuningValueError("'other' takes no priority") }
            return .other
        case "fifo", "rr", "round-robin":
            guard let argument else { throw TuningValueError("'\(head)' needs a priority: \(head):N with N in 1...99") }
            let priority = try integer(argument)
            return head.lowercased() == "fifo" ? .fifo(priority: priority) : .roundRobin(priority: priority)
        default:
            throw TuningValueError("'\(text)' is not a scheduling policy")
        }
    }

    // MARK: Names

    /// Agent, thread, ring and socket names: letters, digits, `_`, `-`, `.`.
    static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0)) }
    }

    /// "feed, engine" → ["feed", "engine"].
    static func nameList(_ text: String) throws(TuningValueError) -> [String] {
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmed }
        if names == [""] { return [] }
        for name in names where !isName(name) {
            throw TuningValueError(name.isEmpty ? "empty name in list '\(text)'" : "'\(name)' is not a name (letters, digits, _ - .)")
        }
        return names
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmed: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" && $0 != "\r" }) else { return "" }
        let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" && $0 != "\r" })!
        return String(scalars[first...last])
    }

    /// Splits at the first `separator`: ("fifo:1", ":") → ("fifo", "1"); no separator → (self, nil).
    func splitOnce(_ separator: String) -> (String, String?) {
        guard let range = firstRange(of: separator) else { return (trimmed, nil) }
        return (String(self[..<range.lowerBound]).trimmed, String(self[range.upperBound...]).trimmed)
    }
}
