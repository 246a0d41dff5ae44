import PeregrineCore

extension JournalReport {
    /// The report as one self-contained HTML page: inline CSS and inline SVG charts
    /// (cumulative P&L per strategy, latency percentiles, slippage distribution); no scripts,
    /// no external resources. Allocates; O(lines + curve points + fills).
    public var html: String {
        typealias F = ReportFormat
        let e = SVGChart.escape
        var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
        out += "<title>Peregrine journal report — \(e(source.path))</title>\n<style>\n\(Self.css)</style>\n</head>\n<body>\n"
        out += "<h1>Peregrine journal report</h1>\n"
        out += "<p class=\"meta\">journal <code>\(e(source.path))</code> (name ‘\(e(source.name))’, \(source.files.count) file(s), \(source.recordCount) records)"
        if let first = source.firstTimestamp, let last = source.lastTimestamp { out += "<br/>\(e(first.description)) → \(e(last.description))" }
        if !source.recordCounts.isEmpty {
            out += "<br/>" + e(source.recordCounts.map { "\($0.type) \($0.count)" }.joined(separator: ", "))
        }
        out += "</p>\n"

        out += "<section id=\"problems\">\n<h2>Problems</h2>\n"
        if problems.isEmpty {
            out += "<p>none</p>\n"
        } else {
            out += "<ul class=\"problems\">\n" + problems.map { "<li>\(e($0))</li>\n" }.joined() + "</ul>\n"
        }
        out += "</section>\n"

        out += "<section id=\"pnl\">\n<h2>P&amp;L</h2>\n"
        out += pnlSeriesChart() + "\n"
        out += "<h3>By day (\(dayBoundary == .newYork ? "New York calendar days" : "UTC calendar days"); net change = mark-to-market)</h3>\n"
        out += Self.table(["day", "fills", "bought", "sold", "traded", "realized", "fees", "net change"], days.map { d in
            [d.day.description, "\(d.fills)", F.quantity(d.boughtQuantity), F.quantity(d.soldQuantity), F.money(d.tradedNotional),
             F.money(d.realized), F.money(d.fees), F.money(d.netChange)]
        })
        out += "<h3>By strategy (each strategy's own positions)</h3>\n"
        out += Self.table(["strategy", "fills", "bought", "sold", "position", "avg px", "realized", "unrealized", "fees", "net"],
                          strategies.map { pnlRow($0, mark: false) })
        out += "<h3>By instrument (account positions)</h3>\n"
        out += Self.table(["instrument", "fills", "bought", "sold", "position", "avg px", "mark", "realized", "unrealized", "fees", "net"],
                          (instruments + [total]).map { pnlRow($0, mark: true) })
        out += "</section>\n"

        out += "<section id=\"orders\">\n<h2>Orders and fills</h2>\n"
        out += Self.table(["strategy", "new", "risk rejects", "cancels", "replaces", "fills", "filled orders", "fill ratio",
                           "qty fill ratio", "venue rejects", "no answer"], (orderFlow + [orderFlowTotal]).map { l in
            [l.label, "\(l.newOrders)", riskDecisions == nil ? "-" : "\(l.riskRejects)", "\(l.cancels)", "\(l.replaces)", "\(l.fills)",
             "\(l.ordersFilled)", F.percent(l.fillRatio), F.percent(l.quantityFillRatio), "\(l.venueRejects)", "\(l.unanswered)"]
        })
        out += "<p class=\"note\">Fill ratio: filled orders / orders sent (new − risk rejects). No answer: new orders the venue never answered and risk did not reject (refused by the OMS, rejected by risk when decisions are not journaled, or open when the journal ends).</p>\n"
        if unknownOrderExecutions.count > 0 {
            out += "<p class=\"note\">Executions for orders not in this journal: \(unknownOrderExecutions.count) (\(unknownOrderExecutions.fills) fills; not booked).</p>\n"
        }
        out += "</section>\n"

        out += "<section id=\"slippage\">\n<h2>Slippage against arrival mid</h2>\n"
        out += "<p class=\"note\">Arrival = the instrument's last quote at the order's decision time; positive = cost.</p>\n"
        out += slippageChart() + "\n"
        let slippageHeader = ["fills", "mean bps", "median bps", "worst bps", "total cost", "mean cost", "median cost", "worst cost"]
        out += Self.table(["strategy"] + slippageHeader, slippageByStrategy.map(slippageRow))
        out += Self.table(["instrument"] + slippageHeader, (slippageByInstrument + [slippageTotal]).map(slippageRow))
        if fillsWithoutArrival > 0 { out += "<p class=\"note\">Fills without an arrival quote: \(fillsWithoutArrival).</p>\n" }
        out += "</section>\n"

        out += "<section id=\"latency\">\n<h2>Latency</h2>\n"
        out += "<p class=\"note\">Journal timestamps are the journal thread's drain times (one pass shares one stamp); the engine-clock rows use the events' own times.</p>\n"
        out += latencyChart() + "\n"
        out += Self.table(["figure", "n", "p50", "p90", "p99", "p99.9", "max", "measures"], latencies.map { l in
            l.count == 0 ? [l.name, "0", "-", "-", "-", "-", "-", l.detail]
                : [l.name, "\(l.count)", F.duration(l.value(atPercentile: 50)), F.duration(l.value(atPercentile: 90)),
                   F.duration(l.value(atPercentile: 99)), F.duration(l.value(atPercentile: 99.9)), F.duration(l.histogram.max), l.detail]
        })
        out += "</section>\n"

        out += "<section id=\"rejects\">\n<h2>Rejects</h2>\n<h3>Venue</h3>\n"
        out += venueRejects.isEmpty ? "<p>none</p>\n"
            : Self.table(["kind", "code", "reason", "count"], venueRejects.map { [$0.kind, "\($0.code)", $0.reason, "\($0.count)"] })
        out += "<h3>Risk</h3>\n"
        if let risk = riskDecisions {
            out += "<p>\(risk.accepted) accepted, \(risk.rejected) rejected</p>\n"
            if !risk.rejectsByReason.isEmpty {
                out += Self.table(["code", "reason", "count"], risk.rejectsByReason.map { ["\($0.code)", $0.reason, "\($0.count)"] })
            }
        } else {
            out += "<p>This journal has no risk-decision records; risk rejects by reason are in the engine's run report.</p>\n"
        }
        out += "</section>\n</body>\n</html>\n"
        return out
    }

    static let css = """
        body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px; color: #222; }
        h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 28px; border-bottom: 1px solid #ddd; } h3 { font-size: 15px; }
        table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
        th, td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: right; white-space: nowrap; }
        th:first-child, td:first-child { text-align: left; }
        th { background: #f4f4f4; }
        .meta, .note { color: #555; font-size: 13px; }
        .problems li { color: #a00; }
        svg.chart { display: block; margin: 8px 0; font-size: 11px; }
        svg .grid { stroke: #eee; } svg .axis { stroke: #888; } svg .zero { stroke: #aaa; stroke-dasharray: 4 3; }
        svg .tick, svg .legend { fill: #444; } svg .chart-title { font-size: 13px; fill: #222; } svg .empty { fill: #999; }

        """

    static func table(_ headers: [String], _ rows: [[String]]) -> String {
        let e = SVGChart.escape
        var out = "<table>\n<thead><tr>" + headers.map { "<th>\(e($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for row in rows { out += "<tr>" + row.map { "<td>\(e($0))</td>" }.joined() + "</tr>\n" }
        return out + "</tbody>\n</table>\n"
    }

    private func pnlRow(_ line: PnLLine, mark: Bool) -> [String] {
        typealias F = ReportFormat
        var row = [line.label, "\(line.fills)", F.quantity(line.boughtQuantity), F.quantity(line.soldQuantity),
                   line.position.map(F.quantity) ?? "-", line.averagePrice.map { $0.description } ?? "-"]
        if mark { row.append(line.mark.map { $0.description } ?? "-") }
        return row + [F.money(line.realized), F.money(line.unrealized), F.money(line.fees), F.money(line.net)]
    }

    private func slippageRow(_ l: SlippageLine) -> [String] {
        typealias F = ReportFormat
        guard l.count > 0 else { return [l.label, "0", "-", "-", "-", "0.00", "-", "-", "-"] }
        return [l.label, "\(l.count)", F.fixed(l.meanBps, 2), F.fixed(l.medianBps, 2), F.fixed(l.worstBps, 2), F.money(l.totalCost),
                F.fixed(l.meanCost, 2), F.fixed(l.medianCost, 2), F.fixed(l.worstCost, 2)]
    }

    /// Cumulative net P&L per strategy and in total against journal time (seconds from the
    /// first record).
    func pnlSeriesChart() -> String {
        let origin = source.firstTimestamp?.nanosecondsSinceEpoch ?? 0
        let series = pnlSeries.map { s in
            (label: s.label, points: s.points.map { (x: Double($0.time.nanosecondsSinceEpoch - origin) / 1e9, y: $0.net) })
        }
        let end = series.flatMap(\.points).map(\.x).max() ?? 0
        let xTicks = SVGChart.ticks(0, max(end, 1)).map { (value: $0, label: ReportFormat.fixed($0, $0 < 10 ? 1 : 0) + " s") }
        let firstLabel = source.firstTimestamp.map { " from " + ReportFormat.timeOfDay($0) + " UTC" } ?? ""
        return SVGChart.lineChart(id: "chart-pnl", title: "Cumulative net P&L by strategy (journal time\(firstLabel))", series: series,
                                  xTicks: xTicks, yLabel: { ReportFormat.fixed($0, abs($0) < 10 ? 2 : 0) }, includeZero: true,
                                  dashedLabels: ["total"])
    }

    /// The percentiles of every latency figure with samples, on a log scale.
    func latencyChart() -> String {
        let percentiles: [(Double, String)] = [(50, "p50"), (75, "p75"), (90, "p90"), (95, "p95"), (99, "p99"), (99.9, "p99.9"), (100, "max")]
        let series = latencies.filter { $0.count > 0 }.map { l in
            (label: l.name, points: percentiles.enumerated().map { (x: Double($0.offset), y: Double(l.value(atPercentile: $0.element.0))) })
        }
        let xTicks = percentiles.enumerated().map { (value: Double($0.offset), label: $0.element.1) }
        return SVGChart.lineChart(id: "chart-latency", title: "Latency percentiles (log scale)", series: series, xTicks: xTicks,
                                  yLabel: { ReportFormat.duration(UInt64(max(0, $0))) }, logY: true)
    }

    /// Histogram of per-fill slippage (bps); the outer 1 % on each side goes into the end bins.
    func slippageChart() -> String {
        let sorted = slippageSamplesBps.sorted()
        guard !sorted.isEmpty else {
            return SVGChart.histogram(id: "chart-slippage", title: "Slippage distribution (bps per fill)", bins: [],
                                      xLabel: { ReportFormat.fixed($0, 1) }, color: { _, _ in "#888" })
        }
        var low = sorted[Int(Double(sorted.count - 1) * 0.01)]
        var high = sorted[Int(Double(sorted.count - 1) * 0.99)]
        if high - low < 1e-9 { low -= 0.5; high += 0.5 }
        let count = min(40, max(5, Int(Double(sorted.count).squareRoot())))
        let width = (high - low) / Double(count)
        var bins = (0..<count).map { (low: low + Double($0) * width, high: low + Double($0 + 1) * width, count: 0) }
        for v in sorted {
            let i = min(count - 1, max(0, Int((v - low) / width)))
            bins[i].count += 1
        }
        let decimals = width >= 1 ? 1 : (width >= 0.1 ? 2 : 3)
        return SVGChart.histogram(id: "chart-slippage", title: "Slippage distribution (bps per fill; positive = cost)", bins: bins,
                                  xLabel: { ReportFormat.fixed($0, decimals) },
                                  color: { lo, hi in (lo + hi) / 2 > 0 ? "#d62728" : "#2ca02c" })
    }
}
