import Histogram

/// Collects the suite's figures and prints them as `name value unit` lines, then one
/// `ratio` line per side-by-side pair, and writes the same as JSON.
struct BenchReport {
    struct Figure { let name: String; let value: Double; let unit: String }
    struct Latency { let name: String; let p50: UInt64; let p90: UInt64; let p99: UInt64; let p999: UInt64; let max: UInt64; let samples: Int }
    struct Ratio { let name: String; let numerator: String; let denominator: String; let value: Double; let better: String }

    private(set) var figures: [Figure] = []
    private(set) var latencies: [Latency] = []
    private(set) var ratios: [Ratio] = []
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

    /// Prints `ratio NAME VALUE` = p50(numerator) / p50(denominator) for two latencies, or
    /// figure(numerator) / figure(denominator) for two plain figures.
    mutating func addRatio(name: String, numerator: String, denominator: String) {
        let value: Double
        let better: String
        if let n = latencies.first(where: { $0.name == numerator }), let d = latencies.first(where: { $0.name == denominator }) {
            value = Double(n.p50) / Double(Swift.max(d.p50, 1))
            better = "lower"
        } else if let n = figures.first(where: { $0.name == numerator }), let d = figures.first(where: { $0.name == denominator }) {
            value = n.value / (d.value == 0 ? 1 : d.value)
            better = n.unit.hasSuffix("/s") ? "higher" : "lower"
        } else {
            print("ratio \(name) skipped (missing \(numerator) or \(denominator))")
            return
        }
        ratios.append(Ratio(name: name, numerator: numerator, denominator: denominator, value: value, better: better))
        print("ratio \(name) \(Self.format(value)) (\(numerator) / \(denominator); \(better) is better)")
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
