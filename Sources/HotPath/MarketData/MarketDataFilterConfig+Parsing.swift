import PeregrineCore

/// One problem found in a filter configuration file, with where it is.
public struct MarketDataConfigProblem: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based line; 0 for the file as a whole.
    public var line: Int
    public var message: String
    public var description: String { "\(file):\(line): \(message)" }
}

/// Every problem of a filter configuration file, reported at once.
public struct MarketDataConfigError: Error, Sendable, CustomStringConvertible {
    public var problems: [MarketDataConfigProblem]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// Reading the filter configuration: `key = value` lines, `#` comments.
///
/// ```
/// instruments = 1024          # required: dense ids 0..<1024
/// universe = 0-99, 250        # required: ids (ranges allowed) in the universe, or "none"
/// venues = 8                  # sequence-checked venue ids 0..<8
/// spike_window = 16           # median of the last N accepted trades (1...64)
/// spike_min_samples = 5       # check once this many trades are in the window
/// spike_reseed_after = 0      # consecutive spikes before a new level is accepted (0 = never)
/// sequence_per_kind = false   # one sequence series per (instrument, venue, kind)
/// drop_suspicious = true      # default rules for every instrument ...
/// spike_band_bps = 500        # 0 = off
/// stale_limit_us = 0          # receive − exchange time limit in microseconds; 0 = off
/// allow_locked = true
/// instrument.7.spike_band_bps = 200   # ... overridden per instrument
/// ```
///
/// Unknown keys, duplicates, bad values and out-of-range ids are all collected and thrown
/// together as `file:line: message`. Set-up only (allocates, may block on the file read).
extension MarketDataFilterConfig {
    /// The keys, each once, with its syntax; `instrument.N.` prefixes the per-instrument ones.
    static let globalKeys: [(name: String, syntax: String)] = [
        ("instruments", "a positive integer"), ("venues", "a non-negative integer"),
        ("universe", "ids and ranges like 0-99, 250, or none"),
        ("spike_window", "an integer 1...\(maximumSpikeWindow)"), ("spike_min_samples", "an integer 1...spike_window"),
        ("spike_reseed_after", "a non-negative integer"), ("sequence_per_kind", "true or false"),
    ]
    static let ruleKeys: [(name: String, syntax: String)] = [
        ("drop_suspicious", "true or false"), ("spike_band_bps", "a non-negative integer (basis points)"),
        ("stale_limit_us", "a non-negative integer (microseconds)"), ("allow_locked", "true or false"),
    ]

    /// Reads and parses the file at `path`.
    public static func load(path: String) throws(MarketDataConfigError) -> MarketDataFilterConfig {
        let bytes: [UInt8]
        do {
            bytes = try LEANFile.readAll(path: path)
        } catch {
            throw MarketDataConfigError(problems: [MarketDataConfigProblem(
                file: path, line: 0, message: "cannot read the filter configuration: \(error)")])
        }
        return try parse(text: String(decoding: bytes, as: UTF8.self), source: path)
    }

    /// Parses configuration text; `source` names it in messages.
    public static func parse(text: String, source: String) throws(MarketDataConfigError) -> MarketDataFilterConfig {
        var problems: [MarketDataConfigProblem] = []
        func report(_ line: Int, _ message: String) {
            problems.append(MarketDataConfigProblem(file: source, line: line, message: message))
        }
        var global: [String: (text: String, line: Int)] = [:]
        var overrides: [(instrument: Int, key: String, text: String, line: Int)] = []
        var seen: [String: Int] = [:]

        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            var content = Substring(raw)
            if let hash = content.firstIndex(of: "#") { content = content[..<hash] }
            let body = trim(content)
            if body.isEmpty { continue }
            guard let equals = body.firstIndex(of: "=") else {
                report(line, "expected 'key = value', found '\(body)'")
                continue
            }
            let key = trim(body[..<equals]), value = trim(body[body.index(after: equals)...])
            if let first = seen[key] {
                report(line, "duplicate key '\(key)' (first at line \(first)); keep one")
                continue
            }
            seen[key] = line
            if value.isEmpty {
                report(line, "'\(key)' has no value")
                continue
            }
            if key.hasPrefix("instrument.") {
                let parts = key.split(separator: ".", omittingEmptySubsequences: false)
                guard parts.count == 3, let id = Int(parts[1]), id >= 0 else {
                    report(line, "expected 'instrument.ID.KEY' with a numeric ID, found '\(key)'")
                    continue
                }
                let ruleKey = String(parts[2])
                guard ruleKeys.contains(where: { $0.name == ruleKey }) else {
                    report(line, "unknown per-instrument key '\(ruleKey)'; known: " + ruleKeys.map(\.name).joined(separator: ", "))
                    continue
                }
                overrides.append((id, ruleKey, value, line))
            } else if globalKeys.contains(where: { $0.name == key }) || ruleKeys.contains(where: { $0.name == key }) {
                global[key] = (value, line)
            } else {
                report(line, "unknown key '\(key)'; known: " + (globalKeys + ruleKeys).map(\.name).joined(separator: ", ")
                       + ", instrument.ID.{" + ruleKeys.map(\.name).joined(separator: ",") + "}")
            }
        }

        func syntax(_ key: String) -> String {
            (globalKeys + ruleKeys).first { $0.name == key }?.syntax ?? "a value"
        }
        func integer(_ key: String, default value: Int?, range: ClosedRange<Int>) -> Int? {
            guard let (text, line) = global[key] else {
                if value == nil { report(0, "missing key '\(key)'; add '\(key) = …' (\(syntax(key)))") }
                return value
            }
            guard let n = Int(text), range.contains(n) else {
                report(line, "bad value '\(text)' for '\(key)'; expected \(syntax(key))")
                return nil
            }
            return n
        }
        func boolean(_ text: String, _ key: String, _ line: Int) -> Bool? {
            if text == "true" { return true }
            if text == "false" { return false }
            report(line, "bad value '\(text)' for '\(key)'; expected true or false")
            return nil
        }
        func applyRule(_ key: String, _ text: String, _ line: Int, to rules: inout InstrumentFilterRules) {
            switch key {
            case "drop_suspicious": if let b = boolean(text, key, line) { rules.dropSuspicious = b }
            case "allow_locked": if let b = boolean(text, key, line) { rules.allowLocked = b }
            case "spike_band_bps":
                if let n = Int64(text), (0...1_000_000).contains(n) { rules.spikeBandBasisPoints = n }
                else { report(line, "bad value '\(text)' for '\(key)'; expected \(syntax(key)) up to 1000000") }
            case "stale_limit_us":
                if let n = Int64(text), (0...86_400_000_000).contains(n) { rules.staleLimit = .microseconds(n) }
                else { report(line, "bad value '\(text)' for '\(key)'; expected \(syntax(key)) up to one day") }
            default: preconditionFailure("rule key \(key) not handled")
            }
        }

        let instruments = integer("instruments", default: nil, range: 1...(1 << 24))
        let venues = integer("venues", default: 8, range: 0...Int(UInt16.max))
        let window = integer("spike_window", default: 16, range: 1...maximumSpikeWindow)
        var minimum = integer("spike_min_samples", default: 5, range: 1...maximumSpikeWindow)
        let reseed = integer("spike_reseed_after", default: 0, range: 0...1_000_000)
        var perKind = false
        if let (text, line) = global["sequence_per_kind"] { perKind = boolean(text, "sequence_per_kind", line) ?? false }
        if let w = window, let m = minimum, m > w {
            report(global["spike_min_samples"]?.line ?? 0, "spike_min_samples (\(m)) is larger than spike_window (\(w)); lower it")
            minimum = nil
        }
        var defaults = InstrumentFilterRules()
        for key in ruleKeys.map(\.name) {
            if let (text, line) = global[key] { applyRule(key, text, line, to: &defaults) }
        }
        var universe: [Int] = []
        if let (text, line) = global["universe"] {
            universe = parseUniverse(text, line: line, capacity: instruments ?? Int.max, report: report)
        } else {
            report(0, "missing key 'universe'; list the instrument ids to trade (e.g. 'universe = 0-99'), or 'none'")
        }
        for o in overrides where o.instrument >= (instruments ?? Int.max) {
            report(o.line, "instrument \(o.instrument) is outside 0..<\(instruments ?? 0); raise 'instruments' or fix the id")
        }

        guard problems.isEmpty, let instruments, let venues, let window, let minimum, let reseed else {
            throw MarketDataConfigError(problems: problems)
        }
        var config = MarketDataFilterConfig(instrumentCapacity: instruments, venueCapacity: venues, defaults: defaults,
                                            spikeWindow: window, spikeMinimumSamples: minimum, spikeReseedAfter: reseed,
                                            sequencePerKind: perKind)
        for id in universe { config.rules[id].inUniverse = true }
        for o in overrides { applyRule(o.key, o.text, o.line, to: &config.rules[o.instrument]) }
        guard problems.isEmpty else { throw MarketDataConfigError(problems: problems) }
        return config
    }

    /// "0-99, 250" → ids; "none" → [].
    static func parseUniverse(_ text: String, line: Int, capacity: Int,
                              report: (Int, String) -> Void) -> [Int] {
        if text == "none" { return [] }
        var ids: [Int] = []
        for item in text.split(separator: ",") {
            let part = trim(item)
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), let low = Int(trim(bounds[0])), let high = Int(trim(bounds[bounds.count - 1])),
                  low >= 0, low <= high else {
                report(line, "bad universe entry '\(part)'; expected an id or a range like 0-99")
                continue
            }
            guard high < capacity else {
                report(line, "universe entry '\(part)' is outside 0..<\(capacity); raise 'instruments' or fix the id")
                continue
            }
            ids += low...high
        }
        return ids
    }

    static func trim(_ s: Substring) -> String {
        var s = s
        while let c = s.first, c == " " || c == "\t" || c == "\r" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" { s = s.dropLast() }
        return String(s)
    }
}
