#if canImport(Glibc)
import Glibc
#endif

// The suite's results as one self-contained HTML page (inline SVG, no scripts, no network):
// a percentile strip per latency figure on a log axis (p50 … max), HdrHistogram-style
// percentile-distribution curves for the end-to-end figures, and the ratio and goal tables.

extension BenchReport {
    /// Latency figures drawn as distribution curves (name prefixes), when present.
    static let curvePrefixes = ["ticktoorder.", "wire_to_wire.", "socket.rtt.busy_poll", "spsc.pingpong"]

    func html(title: String) -> String {
        var out = """
        <!doctype html><html><head><meta charset="utf-8"><title>\(Self.escape(title))</title>
        <style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}h2{margin-top:32px}
        table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
        td:first-child,th:first-child{text-align:left}.miss{color:#b00}.met{color:#070}
        .legend span{display:inline-block;margin-right:14px}</style></head><body>
        <h1>\(Self.escape(title))</h1>
        <p>Latencies in nanoseconds, log scale. Each strip: p50 (dot), p90, p99, p99.9 (ticks) and max (cross).
        Figures measured side by side in one run; ratios below are p50 over p50 unless named otherwise.</p>
        """
        out += "<h2>Percentiles</h2>" + percentileStrips()
        let curves = latencies.filter { l in Self.curvePrefixes.contains { l.name.hasPrefix($0) } }
        if !curves.isEmpty { out += "<h2>Percentile distribution</h2>" + distributionChart(curves.map(\.name)) }
        out += "<h2>Ratios</h2><table><tr><th>ratio</th><th>value</th><th>numerator</th><th>denominator</th></tr>"
        for r in ratios {
            out += "<tr><td>\(Self.escape(r.name))</td><td>\(Self.format(r.value))</td><td>\(Self.escape(r.numerator))</td><td>\(Self.escape(r.denominator))</td></tr>"
        }
        out += "</table>"
        if !goals.isEmpty {
            out += "<h2>Goals</h2><table><tr><th>goal</th><th>value</th><th>limit</th><th>state</th></tr>"
            for g in goals {
                out += "<tr><td>\(Self.escape(g.name))</td><td>\(Self.format(g.value)) \(Self.escape(g.unit))</td><td>\(Self.format(g.limit)) \(Self.escape(g.unit))</td>"
                out += g.met ? "<td class=\"met\">met</td></tr>" : "<td class=\"miss\">missed</td></tr>"
            }
            out += "</table>"
        }
        if !figures.isEmpty {
            out += "<h2>Other figures</h2><table><tr><th>figure</th><th>value</th><th>unit</th></tr>"
            for f in figures { out += "<tr><td>\(Self.escape(f.name))</td><td>\(Self.format(f.value))</td><td>\(Self.escape(f.unit))</td></tr>" }
            out += "</table>"
        }
        return out + "</body></html>\n"
    }

    /// One row per latency figure: markers at p50, p90, p99, p99.9 and max on a log axis.
    func percentileStrips() -> String {
        guard !latencies.isEmpty else { return "<p>no latency figures</p>" }
        let labelWidth = 330.0, plotWidth = 620.0, row = 18.0
        let low = max(1.0, Double(latencies.map(\.p50).min() ?? 1) / 2)
        let high = Double(latencies.map(\.max).max() ?? 10) * 1.2
        let (lo, hi) = (log10(low), log10(max(high, low * 10)))
        func x(_ v: UInt64) -> Double { labelWidth + (log10(max(Double(v), low)) - lo) / (hi - lo) * plotWidth }
        let height = Double(latencies.count) * row + 40
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(labelWidth + plotWidth + 20))\" height=\"\(Int(height))\" font-size=\"11\">"
        // Decade grid.
        var decade = pow(10, lo.rounded(.down))
        while decade <= pow(10, hi) {
            if decade >= low {
                let gx = x(UInt64(decade))
                svg += "<line x1=\"\(gx)\" y1=\"0\" x2=\"\(gx)\" y2=\"\(height - 20)\" stroke=\"#eee\"/>"
                svg += "<text x=\"\(gx)\" y=\"\(height - 6)\" text-anchor=\"middle\" fill=\"#666\">\(Self.nanos(decade))</text>"
            }
            decade *= 10
        }
        for (i, l) in latencies.enumerated() {
            let y = Double(i) * row + 12
            let color = l.name.hasSuffix(".c") || l.name.contains(".c_") || l.name.contains("quickfix") ? "#c60" : "#06c"
            svg += "<text x=\"\(labelWidth - 6)\" y=\"\(y + 4)\" text-anchor=\"end\">\(Self.escape(l.name))</text>"
            svg += "<line x1=\"\(x(l.p50))\" y1=\"\(y)\" x2=\"\(x(l.max))\" y2=\"\(y)\" stroke=\"\(color)\" stroke-opacity=\"0.35\"/>"
            for v in [l.p90, l.p99, l.p999] {
                svg += "<line x1=\"\(x(v))\" y1=\"\(y - 5)\" x2=\"\(x(v))\" y2=\"\(y + 5)\" stroke=\"\(color)\"/>"
            }
            svg += "<circle cx=\"\(x(l.p50))\" cy=\"\(y)\" r=\"4\" fill=\"\(color)\"><title>p50 \(l.p50) ns, p99 \(l.p99) ns</title></circle>"
            let mx = x(l.max)
            svg += "<path d=\"M\(mx - 3) \(y - 3)L\(mx + 3) \(y + 3)M\(mx - 3) \(y + 3)L\(mx + 3) \(y - 3)\" stroke=\"\(color)\"/>"
        }
        return svg + "</svg><p class=\"legend\"><span style=\"color:#06c\">■ Peregrine (Swift)</span><span style=\"color:#c60\">■ C / QuickFIX baseline</span></p>"
    }

    /// Latency (log y) against percentile (x = 1/(1−p), log), one curve per figure.
    func distributionChart(_ names: [String]) -> String {
        let width = 820.0, height = 360.0, left = 60.0, bottom = 40.0, top = 10.0, right = 290.0
        let plotW = width - left - right, plotH = height - top - bottom
        var curves: [(String, [(Double, Double)])] = []
        var maxLatency = 1.0, minLatency = Double.greatestFiniteMagnitude
        for name in names {
            guard let samples = histograms[name], !samples.isEmpty else { continue }
            let sorted = samples.sorted()
            var points: [(Double, Double)] = []
            for p in [0.0, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999] {
                let index = min(sorted.count - 1, Int(p * Double(sorted.count)))
                let v = Double(max(sorted[index], 1))
                points.append((1 / (1 - p), v))
                maxLatency = max(maxLatency, v); minLatency = min(minLatency, v)
            }
            curves.append((name, points))
        }
        guard !curves.isEmpty else { return "" }
        let (ylo, yhi) = (log10(max(1, minLatency / 1.5)), log10(maxLatency * 1.5))
        let xhi = log10(10_000.0)
        func px(_ v: Double) -> Double { left + log10(v) / xhi * plotW }
        func py(_ v: Double) -> Double { top + plotH - (log10(v) - ylo) / max(yhi - ylo, 0.1) * plotH }
        let palette = ["#06c", "#c60", "#393", "#939", "#c33", "#099", "#663", "#36c", "#c39", "#690"]
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-size=\"11\">"
        for (label, v) in [("p0", 1.0), ("p90", 10.0), ("p99", 100.0), ("p99.9", 1_000.0), ("p99.99", 10_000.0)] {
            svg += "<line x1=\"\(px(v))\" y1=\"\(top)\" x2=\"\(px(v))\" y2=\"\(top + plotH)\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(px(v))\" y=\"\(height - 22)\" text-anchor=\"middle\" fill=\"#666\">\(label)</text>"
        }
        var decade = pow(10, ylo.rounded(.down))
        while decade <= pow(10, yhi) {
            if log10(decade) >= ylo {
                svg += "<line x1=\"\(left)\" y1=\"\(py(decade))\" x2=\"\(left + plotW)\" y2=\"\(py(decade))\" stroke=\"#eee\"/>"
                svg += "<text x=\"\(left - 4)\" y=\"\(py(decade) + 4)\" text-anchor=\"end\" fill=\"#666\">\(Self.nanos(decade))</text>"
            }
            decade *= 10
        }
        for (i, curve) in curves.enumerated() {
            let color = palette[i % palette.count]
            let d = curve.1.enumerated().map { "\($0.offset == 0 ? "M" : "L")\(px($0.element.0)) \(py($0.element.1))" }.joined()
            svg += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"/>"
            svg += "<text x=\"\(left + plotW + 8)\" y=\"\(top + 12 + Double(i) * 14)\" fill=\"\(color)\">\(Self.escape(curve.0))</text>"
        }
        return svg + "</svg>"
    }

    static func nanos(_ v: Double) -> String {
        if v >= 1_000_000 { return "\(Int(v / 1_000_000)) ms" }
        if v >= 1_000 { return "\(Int(v / 1_000)) µs" }
        return "\(Int(v)) ns"
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}
