#if canImport(Glibc)
import Glibc
private func cLog10(_ v: Double) -> Double { Glibc.log10(v) }
#elseif canImport(Darwin)
import Darwin
private func cLog10(_ v: Double) -> Double { Darwin.log10(v) }
#endif

/// Inline SVG charts for the HTML report: no scripts, no external resources (allocates
/// Strings). Every element is closed (`<x/>` or `<x>…</x>`).
enum SVGChart {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"]
    static let width = 760.0, height = 320.0
    static let left = 78.0, right = 20.0, top = 48.0, bottom = 40.0

    /// Escapes text for HTML and SVG content and attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    static func number(_ v: Double) -> String { ReportFormat.fixed(v, 1) }

    private static func open(_ title: String, id: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"\(id)\" class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(escape(title))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">"
            + "<title>\(escape(title))</title>"
            + "<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"#ffffff\"/>"
            + "<text x=\"\(Int(width / 2))\" y=\"20\" text-anchor=\"middle\" class=\"chart-title\">\(escape(title))</text>"
    }

    private static func empty(_ title: String, id: String) -> String {
        open(title, id: id) + "<text x=\"\(Int(width / 2))\" y=\"\(Int(height / 2))\" text-anchor=\"middle\" class=\"empty\">no data</text></svg>"
    }

    /// "Nice" tick values covering [low, high] (about `count` of them).
    static func ticks(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
        let span = high - low
        guard span > 0, span.isFinite else { return [low] }
        let raw = span / Double(count)
        var magnitude = 1.0
        while magnitude * 10 <= raw { magnitude *= 10 }
        while magnitude > raw { magnitude /= 10 }
        let step = [1.0, 2.0, 5.0, 10.0].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var values: [Double] = []
        var v = (low / step).rounded(.up) * step
        while v <= high + step * 1e-9 && values.count < 50 {
            values.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        return values
    }

    /// A line chart of several series. `xTicks` labels the x axis; `logY` plots log10(y)
    /// (values ≤ 0 on a "0" tick a decade below the rest); series named in `dashedLabels`
    /// are drawn dashed.
    static func lineChart(id: String, title: String, series: [(label: String, points: [(x: Double, y: Double)])],
                          xTicks: [(value: Double, label: String)], yLabel: (Double) -> String, logY: Bool = false,
                          includeZero: Bool = false, dashedLabels: Set<String> = []) -> String {
        let all = series.flatMap(\.points)
        guard !all.isEmpty else { return empty(title, id: id) }
        let positive = all.map(\.y).filter { $0 > 0 }
        // On a log scale, values ≤ 0 sit one decade below the smallest positive one, on a
        // tick labelled "0".
        let hasZero = logY && all.contains { $0.y <= 0 }
        let zeroLevel = (log10(positive.min() ?? 1)).rounded(.down) - 1
        func ty(_ y: Double) -> Double { logY ? (y > 0 ? log10(y) : zeroLevel) : y }
        var minX = all.map(\.x).min()!, maxX = all.map(\.x).max()!
        for t in xTicks { minX = min(minX, t.value); maxX = max(maxX, t.value) }
        if minX == maxX { minX -= 1; maxX += 1 }
        var minY = all.map { ty($0.y) }.min()!, maxY = all.map { ty($0.y) }.max()!
        if includeZero { minY = min(minY, 0); maxY = max(maxY, 0) }
        if logY { minY = min(minY.rounded(.down), hasZero ? zeroLevel : .infinity); maxY = max(maxY.rounded(.up), minY + 1) }
        if minY == maxY { minY -= 1; maxY += 1 }
        let plotW = width - left - right, plotH = height - top - bottom
        func px(_ x: Double) -> Double { left + (x - minX) / (maxX - minX) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (y - minY) / (maxY - minY) * plotH }

        var svg = open(title, id: id)
        // Grid and y labels.
        let yTicks = logY ? stride(from: minY, through: maxY, by: 1).map { $0 } : ticks(minY, maxY)
        for t in yTicks {
            let y = py(t)
            svg += "<line x1=\"\(number(left))\" y1=\"\(number(y))\" x2=\"\(number(width - right))\" y2=\"\(number(y))\" class=\"grid\" stroke=\"#e6e6e6\"/>"
            let label = hasZero && t == minY ? "0" : yLabel(logY ? pow10(t) : t)
            svg += "<text x=\"\(number(left - 6))\" y=\"\(number(y + 4))\" text-anchor=\"end\" class=\"tick\">\(escape(label))</text>"
        }
        for t in xTicks {
            let x = px(t.value)
            svg += "<line x1=\"\(number(x))\" y1=\"\(number(top + plotH))\" x2=\"\(number(x))\" y2=\"\(number(top + plotH + 4))\" class=\"axis\" stroke=\"#888888\"/>"
            svg += "<text x=\"\(number(x))\" y=\"\(number(top + plotH + 18))\" text-anchor=\"middle\" class=\"tick\">\(escape(t.label))</text>"
        }
        svg += "<line x1=\"\(number(left))\" y1=\"\(number(top))\" x2=\"\(number(left))\" y2=\"\(number(top + plotH))\" class=\"axis\" stroke=\"#888888\"/>"
        svg += "<line x1=\"\(number(left))\" y1=\"\(number(top + plotH))\" x2=\"\(number(width - right))\" y2=\"\(number(top + plotH))\" class=\"axis\" stroke=\"#888888\"/>"
        if includeZero && !logY && minY < 0 && maxY > 0 {
            svg += "<line x1=\"\(number(left))\" y1=\"\(number(py(0)))\" x2=\"\(number(width - right))\" y2=\"\(number(py(0)))\" class=\"zero\" stroke=\"#aaaaaa\" stroke-dasharray=\"4 3\"/>"
        }
        var legendX = left
        for (i, s) in series.enumerated() where !s.points.isEmpty {
            let color = palette[i % palette.count]
            let points = s.points.map { "\(number(px($0.x))),\(number(py(ty($0.y))))" }.joined(separator: " ")
            let dash = dashedLabels.contains(s.label) ? " stroke-dasharray=\"6 3\"" : ""
            svg += "<polyline class=\"series\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.6\"\(dash) points=\"\(points)\"><title>\(escape(s.label))</title></polyline>"
            // Legend in the top margin, left to right (about 7 px per character).
            svg += "<rect x=\"\(number(legendX))\" y=\"28\" width=\"10\" height=\"10\" fill=\"\(color)\"/>"
            svg += "<text x=\"\(number(legendX + 14))\" y=\"37\" class=\"legend\">\(escape(s.label))</text>"
            legendX += 30 + Double(s.label.count) * 6.5
        }
        return svg + "</svg>"
    }

    /// A histogram: `bins` are (lower edge, upper edge, count); bars coloured by `color(edge)`.
    static func histogram(id: String, title: String, bins: [(low: Double, high: Double, count: Int)],
                          xLabel: (Double) -> String, color: (Double, Double) -> String) -> String {
        guard !bins.isEmpty, let maxCount = bins.map(\.count).max(), maxCount > 0 else { return empty(title, id: id) }
        let plotW = width - left - right, plotH = height - top - bottom
        let barW = plotW / Double(bins.count)
        var svg = open(title, id: id)
        for t in ticks(0, Double(maxCount)) {
            let y = top + plotH - t / Double(maxCount) * plotH
            svg += "<line x1=\"\(number(left))\" y1=\"\(number(y))\" x2=\"\(number(width - right))\" y2=\"\(number(y))\" class=\"grid\" stroke=\"#e6e6e6\"/>"
            svg += "<text x=\"\(number(left - 6))\" y=\"\(number(y + 4))\" text-anchor=\"end\" class=\"tick\">\(Int(t))</text>"
        }
        for (i, b) in bins.enumerated() {
            let h = Double(b.count) / Double(maxCount) * plotH
            let x = left + Double(i) * barW
            svg += "<rect class=\"bar\" x=\"\(number(x + 1))\" y=\"\(number(top + plotH - h))\" width=\"\(number(max(1, barW - 2)))\" height=\"\(number(h))\" fill=\"\(color(b.low, b.high))\"><title>\(escape(xLabel(b.low))) … \(escape(xLabel(b.high))): \(b.count)</title></rect>"
        }
        let labelEvery = max(1, bins.count / 8)
        for i in stride(from: 0, through: bins.count, by: labelEvery) {
            let edge = i < bins.count ? bins[i].low : bins[bins.count - 1].high
            let x = left + Double(i) * barW
            svg += "<text x=\"\(number(x))\" y=\"\(number(top + plotH + 18))\" text-anchor=\"middle\" class=\"tick\">\(escape(xLabel(edge)))</text>"
        }
        svg += "<line x1=\"\(number(left))\" y1=\"\(number(top + plotH))\" x2=\"\(number(width - right))\" y2=\"\(number(top + plotH))\" class=\"axis\" stroke=\"#888888\"/>"
        svg += "<line x1=\"\(number(left))\" y1=\"\(number(top))\" x2=\"\(number(left))\" y2=\"\(number(top + plotH))\" class=\"axis\" stroke=\"#888888\"/>"
        return svg + "</svg>"
    }

    static func log10(_ v: Double) -> Double { v > 0 ? cLog10(v) : 0 }

    static func pow10(_ e: Double) -> Double {
        var v = 1.0
        let n = Int(e.rounded())
        if n >= 0 { for _ in 0..<n { v *= 10 } } else { for _ in 0..<(-n) { v /= 10 } }
        return v
    }
}
