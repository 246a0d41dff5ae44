import PeregrineCore
import PeregrineJournal
import PeregrineOMS

extension JournalReportBuilder {
    /// The report of everything added so far: settles the arrival quotes still waiting (the
    /// journal has ended), closes the last day and sums the lines. O(orders + fills log fills);
    /// allocates the report. May be called again after more records (a followed journal);
    /// arrivals settled here stay settled.
    public func finish() -> JournalReport {
        settleArrivals(final: true)
        var finalDays = days
        if let day = currentDay { finalDays[day, default: Self.emptyDay(day)].netChange += accountNet() - netAtLastDayEnd }
        sampleFinalPoint()

        // Orders the venue never answered, per strategy (retired orders were all answered).
        var seen = Set<ObjectIdentifier>()
        var unanswered: [UInt16: Int] = [:]
        for entry in orders.values where seen.insert(ObjectIdentifier(entry)).inserted {
            if !entry.answered && !entry.riskRejected { unanswered[entry.strategy, default: 0] += 1 }
        }
        var flowLines: [JournalReport.OrderFlowLine] = []
        var flowTotal = JournalReport.OrderFlowLine(label: "total", newOrders: 0, cancels: 0, replaces: 0, massCancels: 0,
                                                    fills: 0, ordersFilled: 0, orderedQuantity: .zero, filledQuantity: .zero,
                                                    venueRejects: 0, riskRejects: 0, unanswered: 0)
        for strategy in flow.keys.sorted() {
            var line = flow[strategy]!
            line.unanswered = unanswered[strategy] ?? 0
            flowLines.append(line)
            flowTotal.newOrders += line.newOrders; flowTotal.cancels += line.cancels; flowTotal.replaces += line.replaces
            flowTotal.massCancels += line.massCancels; flowTotal.fills += line.fills; flowTotal.ordersFilled += line.ordersFilled
            flowTotal.orderedQuantity += line.orderedQuantity; flowTotal.filledQuantity += line.filledQuantity
            flowTotal.venueRejects += line.venueRejects; flowTotal.riskRejects += line.riskRejects
            flowTotal.unanswered += line.unanswered
        }

        var report = JournalReport(
            source: sourceSummary(), problems: problemLines(), dayBoundary: options.dayBoundary,
            days: finalDays.keys.sorted().map { finalDays[$0]! },
            strategies: strategyLines(), instruments: instrumentLines(), total: totalLine(),
            orderFlow: flowLines, orderFlowTotal: flowTotal,
            slippageByStrategy: slippageByStrategy.keys.sorted().map {
                Self.summarize(options.strategyLabel($0), slippageByStrategy[$0]!)
            },
            slippageByInstrument: slippageByInstrument.keys.sorted().map {
                Self.summarize(options.instrumentLabel($0), slippageByInstrument[$0]!)
            },
            slippageTotal: Self.summarize("all fills", slippageAll),
            fillsWithoutArrival: fillsWithoutArrival,
            slippageSamplesBps: slippageAll.map(\.bps),
            latencies: latencyLines(), venueRejects: venueRejectLines(), riskDecisions: riskDecisionSummary(),
            unknownOrderExecutions: unknownOrders, pnlSeries: [])
        var series: [JournalReport.PnLSeries] = strategySeries.keys.sorted().map { strategy in
            JournalReport.PnLSeries(label: options.strategyLabel(strategy), points: strategySeries[strategy]!.finished().map {
                (Timestamp(nanosecondsSinceEpoch: $0.time), $0.value)
            })
        }
        if !totalSeries.isEmpty {
            series.append(JournalReport.PnLSeries(label: "total", points: totalSeries.finished().map {
                (Timestamp(nanosecondsSinceEpoch: $0.time), $0.value)
            }))
        }
        report.pnlSeries = series
        return report
    }

    /// Ends every curve at the last record with the final marks.
    private func sampleFinalPoint() {
        guard let last = lastTimestamp, !strategySeries.isEmpty else { return }
        sampleSeries(at: last, force: true)
    }

    private func sourceSummary() -> JournalReport.Source {
        JournalReport.Source(path: sourcePath, name: sourceName, files: files,
                             recordCounts: recordCounts.keys.sorted().map { (JournalRecordType(rawValue: $0).description, recordCounts[$0]!) },
                             recordCount: recordCount, firstTimestamp: firstTimestamp, lastTimestamp: lastTimestamp)
    }

    private func problemLines() -> [String] {
        var lines = problems
        for kind in tallyOrder {
            let t = tallies[kind]!
            lines.append("\(t.count) \(kind); first at \(t.first)")
        }
        for (name, accumulator) in [("order → ack", latencyAck), ("order → first fill", latencyFirstFill),
                                    ("cancel/replace → answer", latencyRequest)] where accumulator.negative > 0 {
            lines.append("\(accumulator.negative) \(name) interval(s) ran backwards in journal time (clock step; left out)")
        }
        return lines
    }

    private func strategyLines() -> [JournalReport.PnLLine] {
        var byStrategy: [UInt16: [(instrument: UInt32, position: Position)]] = [:]
        for (key, p) in strategyPositions { byStrategy[key.strategy, default: []].append((key.instrument, p)) }
        return byStrategy.keys.sorted().map { strategy in
            line(options.strategyLabel(strategy), byStrategy[strategy]!, fills: strategyFillCounts[strategy] ?? 0, mark: nil)
        }
    }

    private func instrumentLines() -> [JournalReport.PnLLine] {
        var byInstrument: [UInt32: [(instrument: UInt32, position: Position)]] = [:]
        for (key, p) in accountPositions { byInstrument[key.instrument, default: []].append((key.instrument, p)) }
        return byInstrument.keys.sorted().map { instrument in
            line(options.instrumentLabel(instrument), byInstrument[instrument]!, fills: instrumentFillCounts[instrument] ?? 0,
                 mark: marks[instrument])
        }
    }

    private func totalLine() -> JournalReport.PnLLine {
        var line = line("total", accountPositions.map { ($0.key.instrument, $0.value) },
                        fills: instrumentFillCounts.values.reduce(0, +), mark: nil)
        line.position = nil
        line.averagePrice = nil
        return line
    }

    /// Sums positions into one line; position and average price only when they are all in
    /// one instrument.
    private func line(_ label: String, _ positions: [(instrument: UInt32, position: Position)], fills: Int,
                      mark: Price?) -> JournalReport.PnLLine {
        var line = JournalReport.PnLLine(label: label, fills: fills, boughtQuantity: .zero, soldQuantity: .zero,
                                         position: .zero, averagePrice: nil, mark: mark, realized: .zero, unrealized: .zero,
                                         fees: .zero)
        var quantity = Quantity.zero
        var basis = Notional.zero
        for (instrument, p) in positions {
            line.boughtQuantity += p.boughtQuantity
            line.soldQuantity += p.soldQuantity
            line.realized += p.realizedPnL
            line.fees += p.fees
            if let m = marks[instrument], p.quantity.rawValue != 0 { line.unrealized += p.unrealizedPnL(mark: m) }
            quantity += p.quantity
            basis += p.costBasis
        }
        let instruments = Set(positions.map(\.instrument))
        if instruments.count <= 1 {
            line.position = quantity
            line.averagePrice = basis.divided(by: quantity, rounding: .toNearestOrEven) ?? .zero
        } else {
            line.position = nil
        }
        return line
    }

    /// count, mean, median (mean of the middle two for an even count) and worst (largest cost).
    static func summarize(_ label: String, _ samples: [SlippageSample]) -> JournalReport.SlippageLine {
        guard !samples.isEmpty else {
            return JournalReport.SlippageLine(label: label, count: 0, meanBps: 0, medianBps: 0, worstBps: 0, totalCost: .zero,
                                              meanCost: 0, medianCost: 0, worstCost: 0)
        }
        let bps = samples.map(\.bps).sorted()
        let costs = samples.map(\.cost).sorted()
        let total = samples.reduce(Notional.zero) { $0 + $1.cost }
        func median<T>(_ sorted: [T], _ value: (T) -> Double) -> Double {
            let n = sorted.count
            return n % 2 == 1 ? value(sorted[n / 2]) : (value(sorted[n / 2 - 1]) + value(sorted[n / 2])) / 2
        }
        return JournalReport.SlippageLine(label: label, count: samples.count,
                                          meanBps: bps.reduce(0, +) / Double(bps.count), medianBps: median(bps) { $0 },
                                          worstBps: bps.last!, totalCost: total,
                                          meanCost: total.doubleValue / Double(samples.count),
                                          medianCost: median(costs) { $0.doubleValue }, worstCost: costs.last!.doubleValue)
    }

    private func latencyLines() -> [JournalReport.LatencyLine] {
        [JournalReport.LatencyLine(name: "order → ack", detail: "new-order record → first venue report of it (journal timestamps)",
                                   histogram: latencyAck.histogram, negativeSamples: latencyAck.negative),
         JournalReport.LatencyLine(name: "order → first fill", detail: "new-order record → first fill record (journal timestamps)",
                                   histogram: latencyFirstFill.histogram, negativeSamples: latencyFirstFill.negative),
         JournalReport.LatencyLine(name: "cancel/replace → answer", detail: "cancel or replace record → its first answer (journal timestamps)",
                                   histogram: latencyRequest.histogram, negativeSamples: latencyRequest.negative),
         JournalReport.LatencyLine(name: "order → ack (engine clock)", detail: "command createdTime → report receiveTime",
                                   histogram: latencyAckEngine.histogram, negativeSamples: latencyAckEngine.negative),
         JournalReport.LatencyLine(name: "order → first fill (engine clock)", detail: "command createdTime → fill receiveTime",
                                   histogram: latencyFirstFillEngine.histogram, negativeSamples: latencyFirstFillEngine.negative)]
    }

    private func venueRejectLines() -> [JournalReport.RejectLine] {
        venueRejects.map { key, count in
            JournalReport.RejectLine(kind: key.cancelOrReplace ? "cancel/replace" : "order", code: key.code,
                                     reason: VenueRejectReasons.name(code: key.code, cancelOrReplace: key.cancelOrReplace),
                                     count: count)
        }.sorted { ($0.count, $1.kind, $1.code) > ($1.count, $0.kind, $0.code) }
    }

    private func riskDecisionSummary() -> JournalReport.RiskDecisions? {
        guard riskSeen else { return nil }
        let reasons = riskRejectsByReason.map { code, count in
            (code: code, reason: options.riskReasonName?(code) ?? "reason \(code)", count: count)
        }.sorted { ($0.count, $1.code) > ($1.count, $0.code) }
        return JournalReport.RiskDecisions(accepted: riskAccepted, rejected: riskRejectsByReason.values.reduce(0, +),
                                           rejectsByReason: reasons)
    }
}
