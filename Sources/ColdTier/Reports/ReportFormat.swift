import PeregrineCore

/// Number formatting for the renderers, without Foundation (allocates Strings).
enum ReportFormat {
    /// Money at cents, rounded half-even from the exact notional: "-1234.56".
    static func money(_ value: Notional) -> String {
        let unitsPerCent: Int128 = 100_000_000_000_000   // 10¹⁶ / 100
        var cents = value.rawValue / unitsPerCent
        let remainder = value.rawValue - cents * unitsPerCent
        let twice = remainder.magnitude * 2
        if twice > unitsPerCent.magnitude || (twice == unitsPerCent.magnitude && cents & 1 != 0) {
            cents += value.rawValue < 0 ? -1 : 1
        }
        let negative = cents < 0
        let magnitude = cents.magnitude
        let whole = magnitude / 100, fraction = magnitude % 100
        return (negative ? "-" : "") + "\(whole)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }

    /// A `Double` with `decimals` fraction digits ("n/a" when not finite).
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return "n/a" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (value * scale).rounded()
        guard abs(scaled) < 9e18 else { return value < 0 ? "-huge" : "huge" }
        let n = Int64(scaled)
        let magnitude = n.magnitude
        let unit = UInt64(scale)
        var text = (n < 0 ? "-" : "") + "\(magnitude / unit)"
        if decimals > 0 {
            let fraction = String(magnitude % unit)
            text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return text
    }

    /// A ratio as a percentage with one decimal: "42.0%".
    static func percent(_ ratio: Double) -> String { fixed(ratio * 100, 1) + "%" }

    /// A duration in the unit that reads best: "850 ns", "12.3 µs", "4.56 ms", "1.20 s".
    static func duration(_ nanoseconds: UInt64) -> String {
        let v = Double(nanoseconds)
        if nanoseconds < 1_000 { return "\(nanoseconds) ns" }
        if nanoseconds < 1_000_000 { return fixed(v / 1e3, 1) + " µs" }
        if nanoseconds < 1_000_000_000 { return fixed(v / 1e6, 2) + " ms" }
        return fixed(v / 1e9, 2) + " s"
    }

    /// A quantity as its shortest decimal text.
    static func quantity(_ value: Quantity) -> String { value.description }

    /// UTC time of day with milliseconds, "HH:MM:SS.mmm".
    static func timeOfDay(_ time: Timestamp) -> String {
        let c = time.civil
        func pad(_ v: Int, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }
        return "\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2)).\(pad(c.nanosecond / 1_000_000, 3))"
    }
}

/// A table of text with aligned columns for a terminal.
struct TextTable {
    enum Alignment { case left, right }
    var headers: [String]
    var alignments: [Alignment]
    var rows: [[String]] = []

    init(_ columns: [(String, Alignment)]) {
        headers = columns.map(\.0)
        alignments = columns.map(\.1)
    }

    mutating func add(_ row: [String]) {
        precondition(row.count == headers.count, "a row needs one cell per column")
        rows.append(row)
    }

    /// The table, each line indented by `indent` spaces; columns two spaces apart.
    func render(indent: Int = 2) -> String {
        var widths = headers.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            var out = String(repeating: " ", count: indent)
            for (i, cell) in cells.enumerated() {
                let padding = String(repeating: " ", count: widths[i] - cell.count)
                let text = alignments[i] == .left ? cell + padding : padding + cell
                out += i == 0 ? text : "  " + text
            }
            while out.last == " " { out.removeLast() }
            return out + "\n"
        }
        var out = line(headers)
        out += line(widths.map { String(repeating: "-", count: $0) })
        for row in rows { out += line(row) }
        return out
    }
}
