import PeregrineCore
import PeregrineOMS
import PeregrineTestKit
import Testing
@testable import PeregrineReports

/// Checks that every tag opened is closed in order (void and self-closed tags aside);
/// returns the first problem, or nil.
func tagBalanceProblem(_ html: String) -> String? {
    let void: Set<String> = ["meta", "br", "hr", "img", "input", "link"]
    var stack: [String] = []
    var rest = Substring(html)
    while let open = rest.firstIndex(of: "<") {
        guard let close = rest[open...].firstIndex(of: ">") else { return "unterminated tag" }
        let tag = rest[rest.index(after: open)..<close]
        rest = rest[rest.index(after: close)...]
        if tag.hasPrefix("!") { continue }                               // <!DOCTYPE html>
        if tag.hasPrefix("/") {
            let name = String(tag.dropFirst())
            guard let top = stack.popLast() else { return "</\(name)> without an open tag" }
            if top != name { return "</\(name)> closes <\(top)>" }
            continue
        }
        let name = String(tag.prefix { $0 != " " && $0 != "/" && $0 != "\n" })
        if tag.hasSuffix("/") || void.contains(name) { continue }
        stack.append(name)
    }
    return stack.isEmpty ? nil : "unclosed <\(stack.last!)>"
}

@Suite("Journal report: text, HTML and JSON")
struct ReportRenderingTests {
    @Test("the tag checker catches what it should")
    func tagChecker() {
        #expect(tagBalanceProblem("<a><b/></a>") == nil)
        #expect(tagBalanceProblem("<a><b></a>") != nil)
        #expect(tagBalanceProblem("<a>") != nil)
        #expect(tagBalanceProblem("</a>") != nil)
    }

    @Test("the HTML page is self-contained, balanced and has the three charts")
    func html() throws {
        let fixture = try JournalFixture("report-html")
        roundTrip(fixture)
        let report = try fixture.report(JournalReportOptions(strategyNames: [1: "a<b & \"c\""]))
        let html = report.html
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(tagBalanceProblem(html) == nil)
        for id in ["chart-pnl", "chart-latency", "chart-slippage"] { #expect(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"\(id)\"")) }
        #expect(html.ranges(of: "<polyline").count >= 4)   // 2 P&L curves + ≥ 2 latency lines
        #expect(html.contains("<rect class=\"bar\""))
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href="))
        #expect(!html.replacing("http://www.w3.org/2000/svg", with: "").contains("http"))
        #expect(html.contains("a&lt;b &amp; &quot;c&quot;"))
        #expect(!html.contains("a<b"))
        // A written file holds the same page.
        let path = fixture.directory.file("report.html")
        try report.writeHTML(to: path)
        #expect(fixture.directory.fileNames().contains("report.html"))
    }

    @Test("an empty journal still renders, with empty charts")
    func emptyJournal() throws {
        let fixture = try JournalFixture("report-empty")
        let report = try fixture.report()
        #expect(report.source.recordCount == 0)
        #expect(tagBalanceProblem(report.html) == nil)
        #expect(report.html.contains("no data"))
        #expect(report.text.contains("problems  : none"))
    }

    @Test("the text report aligns its tables and shows the figures")
    func text() throws {
        let fixture = try JournalFixture("report-text")
        roundTrip(fixture)
        let report = try fixture.report(JournalReportOptions(fees: FeeSchedule(perUnit: Price("0.005")!), instrumentNames: ["XYZ"],
                                                             strategyNames: [1: "momentum"]))
        let text = report.text
        #expect(text.contains("P&L by day (New York calendar days"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = try #require(lines.firstIndex { $0.hasPrefix("  name") && $0.contains("mark") })
        // The header, the rule and the rows end at the same column (right-aligned numbers).
        let width = lines[header].count
        #expect(lines[header + 1].count == width)
        let total = lines[header + 3]
        #expect(total.hasPrefix("  total"))
        #expect(total.count == width)
        #expect(total.split(separator: " ").suffix(4).map(String.init) == ["10.00", "0.00", "1.00", "9.00"])
        #expect(text.contains("  XYZ "))
        #expect(text.contains("  momentum "))
        #expect(text.contains("order → ack"))
    }

    @Test("JSON carries the exact money and the latency in nanoseconds")
    func json() throws {
        let fixture = try JournalFixture("report-json")
        roundTrip(fixture)
        let json = try fixture.report().json
        #expect(json.hasPrefix("{\"source\": {"))
        #expect(json.contains("\"total\": {\"name\": \"total\", \"fills\": 2"))
        #expect(json.contains("\"realized\": 10,"))
        #expect(json.contains("\"total_cost\": 2,"))
        #expect(json.contains("{\"name\": \"order → ack\", \"count\": 2, \"p50\": 1000000"))
        #expect(json.contains("\"risk_decisions\": null"))
        var depth = 0
        var inString = false, escaped = false
        for ch in json {
            if inString {
                if escaped { escaped = false } else if ch == "\\" { escaped = true } else if ch == "\"" { inString = false }
                continue
            }
            if ch == "\"" { inString = true } else if ch == "{" || ch == "[" { depth += 1 } else if ch == "}" || ch == "]" { depth -= 1 }
            #expect(depth >= 0)
        }
        #expect(depth == 0 && !inString)
    }

    @Test("money rounds half-even at cents from the exact notional")
    func moneyFormat() {
        #expect(ReportFormat.money(money("0.005")) == "0.00")
        #expect(ReportFormat.money(money("0.015")) == "0.02")
        #expect(ReportFormat.money(money("-1.005")) == "-1.00")
        #expect(ReportFormat.money(money("-1.0051")) == "-1.01")
        #expect(ReportFormat.money(money("1234.5")) == "1234.50")
        #expect(ReportFormat.fixed(-0.5, 2) == "-0.50")
        #expect(ReportFormat.fixed(10.01001, 2) == "10.01")
        #expect(ReportFormat.duration(1_500) == "1.5 µs")
    }
}

@Suite("Day boundaries")
struct DayBoundaryTests {
    func day(_ boundary: DayBoundary, _ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int = 0) -> String {
        boundary.day(of: Timestamp(year: y, month: mo, day: d, hour: h, minute: mi, second: s)!).description
    }

    @Test("New York midnight is 05:00 UTC in winter and 04:00 UTC in summer")
    func newYorkMidnight() {
        #expect(day(.newYork, 2026, 1, 15, 4, 59, 59) == "2026-01-14")
        #expect(day(.newYork, 2026, 1, 15, 5, 0) == "2026-01-15")
        #expect(day(.newYork, 2026, 7, 1, 3, 59, 59) == "2026-06-30")
        #expect(day(.newYork, 2026, 7, 1, 4, 0) == "2026-07-01")
        #expect(day(.utc, 2026, 7, 1, 3, 59, 59) == "2026-07-01")
        #expect(day(.utc, 2026, 6, 30, 23, 59, 59) == "2026-06-30")
    }

    @Test("the daylight-saving switches follow the US rules (second Sunday of March, first of November)")
    func switches() {
        // 2026: DST from 8 March 07:00 UTC to 1 November 06:00 UTC.
        #expect(DayBoundary.newYorkOffsetSeconds(at: Timestamp(year: 2026, month: 3, day: 8, hour: 6, minute: 59)!) == -18_000)
        #expect(DayBoundary.newYorkOffsetSeconds(at: Timestamp(year: 2026, month: 3, day: 8, hour: 7)!) == -14_400)
        #expect(DayBoundary.newYorkOffsetSeconds(at: Timestamp(year: 2026, month: 11, day: 1, hour: 5, minute: 59)!) == -14_400)
        #expect(DayBoundary.newYorkOffsetSeconds(at: Timestamp(year: 2026, month: 11, day: 1, hour: 6)!) == -18_000)
        // 2024: 10 March and 3 November.
        #expect(DayBoundary.newYorkOffsetSeconds(at: Timestamp(year: 2024, month: 3, day: 10, hour: 7)!) == -14_400)
        #expect(DayBoundary.newYorkOffsetSeconds(at: Timestamp(year: 2024, month: 3, day: 10, hour: 6)!) == -18_000)
        #expect(DayBoundary.newYorkOffsetSeconds(at: Timestamp(year: 2024, month: 11, day: 3, hour: 6)!) == -18_000)
        #expect(DayBoundary.newYorkOffsetSeconds(at: Timestamp(year: 2024, month: 11, day: 3, hour: 5)!) == -14_400)
    }
}
