import Histogram

/// Collects the suite's figures and prints them as `name value unit` lines, then one
/// `ratio` line per side-by-side pair, and writes the same as JSON.
struct BenchReport {
    struct Figure { let name: String; let value: Double; let unit: String }
    struct Latency { let name: String; let p50: UInt64; let p90: UInt64; let p99: UInt64; let p999: UInt64; let max: UInt64; let samples: Int }
    struct Ratio { let name: String; let numerator: String; let denominator: String; let value: Double; let better: String }
    struct Goal { let name: String; let value: Double; let limit: Double; let unit: String; let met: Bool }

    private(set) var figures: [Figure] = []
    private(set) var latencies: [Latency] = []
    private(set) var ratios: [Ratio] = []
    private(set) var goals: [Goal] = []
    private(set) var histograms: [String: [UInt64]] = [:]   // name -> samples (for the chart)

    /// Records a plain figure and prints it at once (progress is visible while running).
    mutating func add(name: String, value: Double, unit: String) {
        figures.append(Figure(name: name, value: value, unit: unit))
        print("\(name) \(Self.format(value)) \(unit)")
    }

    /// Records a latency distribution (nanoseconds) from raw samples through an HDR
    /// histogram and prints p50, p90, p99, p99.9 and max.
    mutating func addLatency(name: String, samplesNanos: [UInt64]) {
        guard !samplesNanos.isEmpty else {
            print("\(name) skipped (no samples)")
            return
        }
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        for s in samplesNanos { _ = histogram.record(Swift.max(s, 1)) }
        let l = Latency(name: name,
                        p50: histogram.valueAtPercentile(50), p90: histogram.valueAtPercentile(90),
                        p99: histogram.valueAtPercentile(99), p999: histogram.valueAtPercentile(99.9),
                        max: histogram.maxRecorded, samples: samplesNanos.count)
        latencies.append(l)
        histograms[name] = samplesNanos
        print("\(name).p50 \(l.p50) ns")
        print("\(name).p90 \(l.p90) ns")
        print("\(name).p99 \(l.p99) ns")
        print("\(name).p99_9 \(l.p999) ns")
        print("\(name).max \(l.max) ns")
    }

    /// Prints `ratio NAME VALUE` = p50(numerator) / p50(denominator) for two latencies (or
    /// another percentile: 90, 99, 99.9, 100 = max), or figure(numerator) / figure(denominator)
    /// for two plain figures.
    mutating func addRatio(name: String, numerator: String, denominator: String, percentile: Double = 50) {
        let value: Double
        let better: String
        var label = ""
        if let n = latencies.first(where: { $0.name == numerator }), let d = latencies.first(where: { $0.name == denominator }) {
            func pick(_ l: Latency) -> UInt64 {
                switch percentile {
                case 90: return l.p90
                case 99: return l.p99
                case 99.9: return l.p999
                case 100: return l.max
                default: return l.p50
                }
            }
            value = Double(pick(n)) / Double(Swift.max(pick(d), 1))
            better = "lower"
            if percentile != 50 { label = percentile == 100 ? ".max" : ".p\(Self.format(percentile).replacingOccurrences(of: ".", with: "_"))" }
        } else if let n = figures.first(where: { $0.name == numerator }), let d = figures.first(where: { $0.name == denominator }) {
            value = n.value / (d.value == 0 ? 1 : d.value)
            better = n.unit.hasSuffix("/s") ? "higher" : "lower"
        } else {
            print("ratio \(name) skipped (missing \(numerator) or \(denominator))")
            return
        }
        ratios.append(Ratio(name: name, numerator: numerator + label, denominator: denominator + label, value: value, better: better))
        print("ratio \(name) \(Self.format(value)) (\(numerator + label) / \(denominator + label); \(better) is better)")
    }

    /// Prints `goal NAME VALUE UNIT <= LIMIT: met` or `… MISSED by X (Y %)` (a goal is an upper
    /// bound; `limit` 0 means "must be 0").
    mutating func addGoal(name: String, value: Double, limit: Double, unit: String) {
        let met = value <= limit
        goals.append(Goal(name: name, value: value, limit: limit, unit: unit, met: met))
        var line = "goal \(name) \(Self.format(value)) \(unit) <= \(Self.format(limit)): "
        if met {
            line += "met"
        } else {
            line += "MISSED by \(Self.format(value - limit)) \(unit)"
            if limit > 0 { line += " (\(Self.format((value / limit - 1) * 100)) % over)" }
        }
        print(line)
    }

    static func format(_ v: Double) -> String {
        if v >= 1000 || v == v.rounded() { return String(Int64(v.rounded())) }
        let scaled = (v * 1000).rounded() / 1000
        return String(scaled)
    }

    /// The report as JSON (hand-written: no Foundation).
    var json: String {
        func q(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        var parts: [String] = []
        parts.append("\"figures\": [" + figures.map { "{\"name\": \(q($0.name)), \"value\": \($0.value), \"unit\": \(q($0.unit))}" }.joined(separator: ", ") + "]")
        parts.append("\"latencies_ns\": [" + latencies.map {
            "{\"name\": \(q($0.name)), \"p50\": \($0.p50), \"p90\": \($0.p90), \"p99\": \($0.p99), \"p99_9\": \($0.p999), \"max\": \($0.max), \"samples\": \($0.samples)}"
        }.joined(separator: ", ") + "]")
        parts.append("\"ratios\": [" + ratios.map {
            "{\"name\": \(q($0.name)), \"numerator\": \(q($0.numerator)), \"denominator\": \(q($0.denominator)), \"value\": \($0.value), \"better\": \(q($0.better))}"
        }.joined(separator: ", ") + "]")
        parts.append("\"goals\": [" + goals.map {
            "{\"name\": \(q($0.name)), \"value\": \($0.value), \"limit\": \($0.limit), \"unit\": \(q($0.unit)), \"met\": \($0.met)}"
        }.joined(separator: ", ") + "]")
        return "{\n  " + parts.joined(separator: ",\n  ") + "\n}\n"
    }
}

extension String {
    /// Minimal replace (no Foundation).
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }
}
