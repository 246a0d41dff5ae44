import PeregrineCore

extension JournalReport {
    /// The report as aligned text tables for a terminal (allocates; O(lines)).
    public var text: String {
        typealias F = ReportFormat
        var out = "== Peregrine journal report ==\n"
        out += "journal   : \(source.path) (name '\(source.name)', \(source.files.count) file(s), \(source.recordCount) records)\n"
        if let first = source.firstTimestamp, let last = source.lastTimestamp {
            out += "span      : \(first) → \(last)\n"
        }
        if !source.recordCounts.isEmpty {
            out += "records   : " + source.recordCounts.map { "\($0.type) \($0.count)" }.joined(separator: ", ") + "\n"
        }
        if problems.isEmpty {
            out += "problems  : none\n"
        } else {
            out += "problems  : \(problems.count)\n"
            for p in problems { out += "  ! \(p)\n" }
        }

        out += "\nP&L by day (\(dayBoundary == .newYork ? "New York calendar days, midnight America/New_York" : "UTC calendar days"); account level; net change = mark-to-market)\n"
        var days = TextTable([("day", .left), ("fills", .right), ("bought", .right), ("sold", .right), ("traded", .right),
                              ("realized", .right), ("fees", .right), ("net change", .right)])
        for d in self.days {
            days.add([d.day.description, "\(d.fills)", F.quantity(d.boughtQuantity), F.quantity(d.soldQuantity),
                      F.money(d.tradedNotional), F.money(d.realized), F.money(d.fees), F.money(d.netChange)])
        }
        out += days.render()

        out += "\nP&L by strategy (each strategy's own positions, average cost; unrealized at the last mark in the journal)\n"
        out += pnlTable(strategies, total: nil, showMark: false).render()
        out += "\nP&L by instrument (account positions, as the engine's run report; mark = last trade or quote mid)\n"
        out += pnlTable(instruments, total: total, showMark: true).render()

        out += "\nOrders and fills\n"
        var flowTable = TextTable([("strategy", .left), ("new", .right), ("risk rejects", .right), ("cancels", .right),
                                   ("replaces", .right), ("fills", .right), ("filled orders", .right), ("fill ratio", .right),
                                   ("qty fill ratio", .right), ("venue rejects", .right), ("no answer", .right)])
        for line in orderFlow + [orderFlowTotal] {
            flowTable.add([line.label, "\(line.newOrders)", riskDecisions == nil ? "-" : "\(line.riskRejects)", "\(line.cancels)",
                           "\(line.replaces)", "\(line.fills)", "\(line.ordersFilled)", F.percent(line.fillRatio),
                           F.percent(line.quantityFillRatio), "\(line.venueRejects)", "\(line.unanswered)"])
        }
        out += flowTable.render()
        if orderFlowTotal.massCancels > 0 { out += "  mass cancels: \(orderFlowTotal.massCancels)\n" }
        out += "  (fill ratio: filled orders / orders sent, i.e. new − risk rejects; no answer: new orders the venue never answered and risk did not reject — refused by the OMS, rejected by risk when decisions are not journaled, or open at the end)\n"
        if unknownOrderExecutions.count > 0 {
            out += "  executions for orders not in this journal: \(unknownOrderExecutions.count) (\(unknownOrderExecutions.fills) fills, \(F.quantity(unknownOrderExecutions.fillQuantity)) units; not booked)\n"
        }

        out += "\nSlippage against arrival mid (arrival = instrument's last quote at the order's decision time; positive = cost)\n"
        out += slippageTable("strategy", slippageByStrategy).render()
        out += slippageTable("instrument", slippageByInstrument + [slippageTotal]).render()
        if fillsWithoutArrival > 0 { out += "  fills without an arrival quote (no two-sided quote before the order): \(fillsWithoutArrival)\n" }

        out += "\nLatency (journal timestamps are the journal thread's drain times: one pass shares one stamp)\n"
        var latency = TextTable([("figure", .left), ("n", .right), ("p50", .right), ("p90", .right), ("p99", .right),
                                 ("p99.9", .right), ("max", .right), ("measures", .left)])
        for l in latencies {
            if l.count == 0 {
                latency.add([l.name, "0", "-", "-", "-", "-", "-", l.detail])
            } else {
                latency.add([l.name, "\(l.count)", F.duration(l.value(atPercentile: 50)), F.duration(l.value(atPercentile: 90)),
                             F.duration(l.value(atPercentile: 99)), F.duration(l.value(atPercentile: 99.9)),
                             F.duration(l.histogram.max), l.detail])
            }
        }
        out += latency.render()

        out += "\nVenue rejects by reason\n"
        if venueRejects.isEmpty {
            out += "  none\n"
        } else {
            var rejects = TextTable([("kind", .left), ("code", .right), ("reason", .left), ("count", .right)])
            for r in venueRejects { rejects.add([r.kind, "\(r.code)", r.reason, "\(r.count)"]) }
            out += rejects.render()
        }
        out += "\nRisk rejects by reason\n"
        if let risk = riskDecisions {
            out += "  decisions: \(risk.accepted) accepted, \(risk.rejected) rejected\n"
            if !risk.rejectsByReason.isEmpty {
                var table = TextTable([("code", .right), ("reason", .left), ("count", .right)])
                for r in risk.rejectsByReason { table.add(["\(r.code)", r.reason, "\(r.count)"]) }
                out += table.render()
            }
        } else {
            out += "  this journal has no risk-decision records; risk rejects by reason are in the engine's run report (report.txt next to the journal)\n"
        }
        return out
    }

    private func pnlTable(_ lines: [PnLLine], total: PnLLine?, showMark: Bool) -> TextTable {
        typealias F = ReportFormat
        var columns: [(String, TextTable.Alignment)] = [("name", .left), ("fills", .right), ("bought", .right), ("sold", .right),
                                                        ("position", .right), ("avg px", .right)]
        if showMark { columns.append(("mark", .right)) }
        columns += [("realized", .right), ("unrealized", .right), ("fees", .right), ("net", .right)]
        var table = TextTable(columns)
        for line in lines + (total.map { [$0] } ?? []) {
            var row = [line.label, "\(line.fills)", F.quantity(line.boughtQuantity), F.quantity(line.soldQuantity),
                       line.position.map(F.quantity) ?? "-", line.averagePrice.map { $0.description } ?? "-"]
            if showMark { row.append(line.mark.map { $0.description } ?? "-") }
            row += [F.money(line.realized), F.money(line.unrealized), F.money(line.fees), F.money(line.net)]
            table.add(row)
        }
        return table
    }

    private func slippageTable(_ title: String, _ lines: [SlippageLine]) -> TextTable {
        typealias F = ReportFormat
        var table = TextTable([(title, .left), ("fills", .right), ("mean bps", .right), ("median bps", .right),
                               ("worst bps", .right), ("total cost", .right), ("mean cost", .right), ("median cost", .right),
                               ("worst cost", .right)])
        for l in lines {
            if l.count == 0 {
                table.add([l.label, "0", "-", "-", "-", "0.00", "-", "-", "-"])
                continue
            }
            table.add([l.label, "\(l.count)", F.fixed(l.meanBps, 2), F.fixed(l.medianBps, 2), F.fixed(l.worstBps, 2),
                       F.money(l.totalCost), F.fixed(l.meanCost, 2), F.fixed(l.medianCost, 2), F.fixed(l.worstCost, 2)])
        }
        return table
    }
}
