import PeregrineCore
import PeregrineJournal
import PeregrineOMS
import PeregrineTestKit
import Testing
@testable import PeregrineReports

/// The round trip of the task: buy 100 @ 10.00 with arrival mid 9.99, sell 100 @ 10.10 with
/// arrival mid 10.11; fees 0.005 per share.
func roundTrip(_ fixture: JournalFixture, lastQuote: Bool = true) {
    fixture.quote(bid: "9.98", ask: "10.00", received: 0)                      // mid 9.99
    fixture.newOrder(1, .buy, 100, at: "10.00", created: 1, journaled: 2)
    fixture.execution(1, .new, status: .new, received: 3)
    fixture.execution(1, .trade, status: .filled, fill: (100, "10.00"), received: 4, journaled: 5)
    fixture.quote(bid: "10.10", ask: "10.12", received: 10)                    // mid 10.11
    fixture.newOrder(2, .sell, 100, at: "10.10", created: 11, journaled: 12)
    fixture.execution(2, .new, status: .new, side: .sell, received: 13)
    fixture.execution(2, .trade, status: .filled, side: .sell, fill: (100, "10.10"), received: 14, journaled: 15)
    if lastQuote { fixture.quote(bid: "10.08", ask: "10.10", received: 20) }   // mid 10.09: after both decisions
}

@Suite("Journal report: P&L, slippage, order flow, latency")
struct JournalReportTests {
    let fees = FeeSchedule(perUnit: Price("0.005")!)

    @Test("a round trip books realized P&L, fees and slippage exactly")
    func roundTripNumbers() throws {
        let fixture = try JournalFixture("report-roundtrip")
        roundTrip(fixture)
        let report = try fixture.report(JournalReportOptions(fees: fees, instrumentNames: ["XYZ"], strategyNames: [1: "momentum"]))

        #expect(report.problems.isEmpty)
        #expect(report.total.realized == money("10.00"))
        #expect(report.total.fees == money("1.00"))
        #expect(report.total.unrealized == .zero)
        #expect(report.total.net == money("9.00"))
        #expect(report.instruments.count == 1)
        let xyz = report.instruments[0]
        #expect(xyz.label == "XYZ")
        #expect(xyz.fills == 2)
        #expect(xyz.boughtQuantity == Quantity(units: 100)! && xyz.soldQuantity == Quantity(units: 100)!)
        #expect(xyz.position == .zero)
        #expect(xyz.mark == Price("10.09")!)
        #expect(report.strategies.map(\.label) == ["momentum"])
        #expect(report.strategies[0].realized == money("10.00"))
        #expect(report.strategies[0].net == money("9.00"))

        // Slippage: bought 0.01 above the 9.99 mid, sold 0.01 below the 10.11 mid: 1.00 each.
        let s = report.slippageTotal
        #expect(s.count == 2)
        #expect(s.totalCost == money("2.00"))
        #expect(s.meanCost == 1.0 && s.medianCost == 1.0 && s.worstCost == 1.0)
        let buyBps = 0.01 / 9.99 * 10_000, sellBps = 0.01 / 10.11 * 10_000   // 10.0100…, 9.8911…
        #expect(abs(s.worstBps - buyBps) < 1e-9)
        #expect(abs(s.meanBps - (buyBps + sellBps) / 2) < 1e-9)
        #expect(abs(s.medianBps - (buyBps + sellBps) / 2) < 1e-9)
        #expect(report.slippageByStrategy.map(\.label) == ["momentum"])
        #expect(report.slippageByInstrument.map(\.count) == [2])
        #expect(report.fillsWithoutArrival == 0)

        let flow = report.orderFlowTotal
        #expect(flow.newOrders == 2 && flow.fills == 2 && flow.ordersFilled == 2 && flow.unanswered == 0)
        #expect(flow.fillRatio == 1.0 && flow.quantityFillRatio == 1.0)

        // Journal timestamps: command at 2 / 12 ms, ack at 3 / 13, fill at 5 / 15.
        let ack = try #require(report.latencies.first { $0.name == "order → ack" })
        #expect(ack.count == 2 && ack.value(atPercentile: 50) == 1_000_000 && ack.histogram.max == 1_000_000)
        let fill = try #require(report.latencies.first { $0.name == "order → first fill" })
        #expect(fill.count == 2 && fill.histogram.max == 3_000_000 && fill.histogram.min == 3_000_000)
        // Engine clock: created at 1 / 11 ms, fills received at 4 / 14.
        let engineFill = try #require(report.latencies.first { $0.name == "order → first fill (engine clock)" })
        #expect(engineFill.count == 2 && engineFill.histogram.max == 3_000_000)

        #expect(report.days.count == 1)
        #expect(report.days[0].day == CalendarDay(year: 2026, month: 3, day: 9))
        #expect(report.days[0].realized == money("10.00") && report.days[0].fees == money("1.00"))
        #expect(report.days[0].netChange == money("9.00"))
        #expect(report.days[0].tradedNotional == money("2010.00"))
        #expect(report.source.recordCount == 9)
    }

    @Test("the arrival quote is the one in force at the decision time, whatever the journal order")
    func arrivalByDecisionTime() throws {
        // A quote the engine processed after deciding is journaled before the command.
        func build(_ fixture: JournalFixture) {
            fixture.quote(bid: "9.98", ask: "10.00", received: 0)            // mid 9.99: in force at 1 ms
            fixture.quote(bid: "10.04", ask: "10.06", received: 3)           // mid 10.05
            fixture.newOrder(1, .buy, 100, at: "10.00", created: 1, journaled: 3)
            fixture.execution(1, .trade, status: .filled, fill: (100, "10.00"), received: 5)
        }
        let a = try JournalFixture("report-arrival-a")
        build(a)
        let byDecision = try a.report()
        #expect(byDecision.slippageTotal.totalCost == money("1.00"))
        let b = try JournalFixture("report-arrival-b")
        build(b)
        let byJournal = try b.report(JournalReportOptions(arrivalClock: .journalOrder))
        #expect(byJournal.slippageTotal.totalCost == money("-5.00"))
        #expect(abs(byJournal.slippageTotal.meanBps - (-0.05 / 10.05 * 10_000)) < 1e-9)

        // The command is journaled before the quote that triggered it; its fill comes before
        // the market stream has passed the decision time (settled later).
        let c = try JournalFixture("report-arrival-c")
        c.quote(bid: "9.98", ask: "10.00", received: 0)                      // mid 9.99
        c.newOrder(1, .buy, 100, at: "10.02", created: 5, journaled: 5)
        c.quote(bid: "10.00", ask: "10.02", received: 5, journaled: 6)       // mid 10.01: the trigger
        c.execution(1, .trade, status: .filled, fill: (100, "10.02"), received: 7)
        c.quote(bid: "10.20", ask: "10.22", received: 8)                     // mid 10.21: later
        let triggered = try c.report()
        #expect(triggered.slippageTotal.totalCost == money("1.00"))
        #expect(triggered.slippageTotal.count == 1)
    }

    @Test("partial fills, a duplicate fill and a cancel")
    func partialFills() throws {
        let fixture = try JournalFixture("report-partial")
        fixture.quote(bid: "9.98", ask: "10.00", received: 0)                // mid 9.99
        fixture.newOrder(1, .buy, 300, at: "10.01", created: 1, journaled: 1)
        fixture.quote(bid: "9.98", ask: "10.00", received: 2)
        fixture.execution(1, .new, status: .new, received: 3)
        fixture.execution(1, .trade, status: .partiallyFilled, fill: (100, "10.00"), received: 4, executionId: 10)
        fixture.execution(1, .trade, status: .partiallyFilled, fill: (100, "10.00"), received: 5, executionId: 10)   // duplicate
        fixture.execution(1, .trade, status: .partiallyFilled, fill: (100, "10.01"), received: 6, executionId: 11)
        fixture.cancel(2, of: 1, journaled: 7)
        fixture.execution(2, .canceled, status: .canceled, received: 9, original: 1)
        let report = try fixture.report()

        let line = report.total
        #expect(line.fills == 2)
        #expect(line.boughtQuantity == Quantity(units: 200)!)
        let xyz = report.instruments[0]
        #expect(xyz.position == Quantity(units: 200)!)
        #expect(xyz.averagePrice == Price("10.005")!)
        #expect(xyz.unrealized == money("-3.00"))          // 200 × 9.99 − 2001.00
        #expect(line.realized == .zero)
        let flow = report.orderFlowTotal
        #expect(flow.newOrders == 1 && flow.cancels == 1 && flow.fills == 2 && flow.ordersFilled == 1)
        #expect(flow.orderedQuantity == Quantity(units: 300)! && flow.filledQuantity == Quantity(units: 200)!)
        #expect(abs(flow.quantityFillRatio - 2.0 / 3.0) < 1e-12)
        #expect(report.latencies.first { $0.name == "order → first fill" }?.count == 1)
        let cancel = try #require(report.latencies.first { $0.name == "cancel/replace → answer" })
        #expect(cancel.count == 1 && cancel.histogram.max == 2_000_000)
        #expect(report.slippageTotal.count == 2)
        #expect(report.slippageTotal.totalCost == money("3.00"))
        #expect(report.slippageTotal.medianCost == 1.5 && report.slippageTotal.worstCost == 2.0)
        #expect(report.problems.count == 1)
        #expect(report.problems.first?.hasPrefix("1 duplicate fill(s)") == true)
    }

    @Test("an execution for an order the journal never commanded is reported, not booked")
    func unknownOrderExecution() throws {
        let fixture = try JournalFixture("report-unknown")
        fixture.quote(bid: "9.98", ask: "10.00", received: 0)
        fixture.execution(999, .trade, status: .filled, fill: (100, "10.00"), received: 1)
        let report = try fixture.report()
        #expect(report.unknownOrderExecutions == JournalReport.UnknownOrderExecutions(count: 1, fills: 1, fillQuantity: Quantity(units: 100)!))
        #expect(report.total.fills == 0 && report.total.realized == .zero && report.instruments.isEmpty)
        #expect(report.problems.count == 1)
        #expect(report.problems[0].contains("never commanded"))
        #expect(report.text.contains("executions for orders not in this journal: 1 (1 fills"))
    }

    @Test("days split at New York midnight (or at UTC midnight), with mark-to-market per day")
    func daysAcrossMidnight() throws {
        // 03:59 UTC on 10 March 2026 is 23:59 EDT on 9 March (DST began on 8 March).
        let origin = Timestamp(year: 2026, month: 3, day: 10, hour: 3, minute: 59)!
        func build(_ f: JournalFixture) {
            f.quote(bid: "9.98", ask: "10.00", received: 0)
            f.newOrder(1, .buy, 100, at: "10.00", created: 1, journaled: 1)
            f.execution(1, .trade, status: .filled, fill: (100, "10.00"), received: 3)
            f.quote(bid: "10.04", ask: "10.06", received: 30_000)              // mid 10.05: 9 March's last mark
            f.quote(bid: "10.10", ask: "10.12", received: 120_000)             // 04:01 UTC = 00:01 EDT
            f.newOrder(2, .sell, 100, at: "10.10", created: 120_001, journaled: 120_001)
            f.execution(2, .trade, status: .filled, side: .sell, fill: (100, "10.10"), received: 120_003)
            f.quote(bid: "10.10", ask: "10.12", received: 130_000)
        }
        let ny = try JournalFixture("report-days-ny", origin: origin)
        build(ny)
        let byNewYork = try ny.report()
        #expect(byNewYork.days.map(\.day.description) == ["2026-03-09", "2026-03-10"])
        #expect(byNewYork.days.map(\.fills) == [1, 1])
        #expect(byNewYork.days.map(\.realized) == [.zero, money("10.00")])
        #expect(byNewYork.days.map(\.netChange) == [money("5.00"), money("5.00")])   // 100 × (10.05 − 10.00), then the rest

        let utc = try JournalFixture("report-days-utc", origin: origin)
        build(utc)
        let byUTC = try utc.report(JournalReportOptions(dayBoundary: .utc))
        #expect(byUTC.days.map(\.day.description) == ["2026-03-10"])
        #expect(byUTC.days.map(\.netChange) == [money("10.00")])
        #expect(byUTC.text.contains("UTC calendar days"))
    }

    @Test("risk decisions in the journal are counted by reason; without them the report says where to look")
    func riskDecisions() throws {
        let fixture = try JournalFixture("report-risk")
        fixture.quote(bid: "9.98", ask: "10.00", received: 0)
        fixture.newOrder(1, .buy, 100, at: "10.00", created: 1, journaled: 1)
        fixture.riskDecision(1, reason: 12, journaled: 1)
        fixture.newOrder(2, .buy, 100, at: "10.00", created: 2, journaled: 2)
        fixture.riskDecision(2, reason: 0, journaled: 2)
        fixture.newOrder(3, .buy, 100, at: "10.00", created: 3, journaled: 3)   // accepted, never answered
        fixture.execution(2, .new, status: .new, received: 4)
        let report = try fixture.report(JournalReportOptions(riskReasonName: { $0 == 12 ? "position-limit" : nil }))
        let risk = try #require(report.riskDecisions)
        #expect(risk.accepted == 1 && risk.rejected == 1)
        #expect(risk.rejectsByReason.map(\.reason) == ["position-limit"])
        #expect(report.orderFlowTotal.unanswered == 1)    // order 3; order 1 was risk-rejected
        #expect(report.orderFlowTotal.riskRejects == 1 && report.orderFlowTotal.sent == 2)
        #expect(report.orderFlowTotal.fillRatio == 0)
        #expect(report.text.contains("decisions: 1 accepted, 1 rejected"))

        let plain = try JournalFixture("report-norisk")
        roundTrip(plain)
        let without = try plain.report()
        #expect(without.riskDecisions == nil)
        #expect(without.text.contains("risk rejects by reason are in the engine's run report"))
    }

    @Test("venue rejects are counted by kind and reason code")
    func venueRejects() throws {
        let fixture = try JournalFixture("report-venue-rejects")
        fixture.quote(bid: "9.98", ask: "10.00", received: 0)
        fixture.newOrder(1, .buy, 100, at: "10.00", created: 1, journaled: 1)
        fixture.execution(1, .rejected, status: .rejected, received: 2, rejectReason: 3)
        fixture.newOrder(2, .buy, 100, at: "10.00", created: 3, journaled: 3)
        fixture.execution(2, .new, status: .new, received: 4)
        fixture.cancel(3, of: 2, journaled: 5)
        fixture.execution(3, .rejected, status: .new, received: 6, flags: .cancelRejected, original: 2)
        let report = try fixture.report()
        #expect(report.venueRejects.count == 2)
        let order = try #require(report.venueRejects.first { $0.kind == "order" })
        #expect(order.code == 3 && order.reason == "order exceeds limit" && order.count == 1)
        let cancel = try #require(report.venueRejects.first { $0.kind == "cancel/replace" })
        #expect(cancel.code == 0 && cancel.count == 1)
        #expect(report.orderFlowTotal.venueRejects == 1)
        #expect(report.orderFlowTotal.unanswered == 0)
    }

    @Test("a trade bust takes the fill back out of P&L")
    func tradeBust() throws {
        let fixture = try JournalFixture("report-bust")
        roundTrip(fixture, lastQuote: false)
        // The sell fill had ExecID 4 (the fixture numbers reports 1, 2, 3, 4).
        fixture.execution(2, .tradeCancel, status: .new, side: .sell, fill: (100, "10.10"), received: 30, executionId: 4)
        fixture.quote(bid: "10.08", ask: "10.10", received: 40)
        let report = try fixture.report()
        #expect(report.total.realized == .zero)
        #expect(report.instruments[0].position == Quantity(units: 100)!)
        #expect(report.total.unrealized == money("9.00"))   // 100 × 10.09 − 1000
        #expect(report.days[0].realized == .zero)
        #expect(report.days[0].soldQuantity == .zero)
        #expect(report.problems.contains { $0.hasPrefix("1 trade bust(s) or correction(s) applied") })
    }

    @Test("two strategies trading against each other: their own positions differ, the totals agree")
    func strategiesAgainstEachOther() throws {
        let fixture = try JournalFixture("report-two-strategies")
        fixture.quote(bid: "9.98", ask: "10.00", received: 0)
        fixture.newOrder(1, .buy, 100, at: "10.00", strategy: 1, created: 1, journaled: 1)
        fixture.execution(1, .trade, status: .filled, fill: (100, "10.00"), strategy: 1, received: 2)
        fixture.newOrder(2, .sell, 100, at: "10.10", strategy: 2, created: 3, journaled: 3)
        fixture.execution(2, .trade, status: .filled, side: .sell, fill: (100, "10.10"), strategy: 2, received: 4)
        fixture.quote(bid: "10.08", ask: "10.10", received: 5)                  // mark 10.09
        let report = try fixture.report()
        #expect(report.total.realized == money("10.00") && report.total.unrealized == .zero)
        #expect(report.strategies.map(\.position) == [Quantity(units: 100)!, Quantity(units: -100)!])
        #expect(report.strategies.map(\.realized) == [.zero, .zero])
        #expect(report.strategies.map(\.unrealized) == [money("9.00"), money("1.00")])
        #expect(report.strategies.map(\.net).reduce(.zero, +) == report.total.net)
        #expect(report.pnlSeries.map(\.label) == ["strategy#1", "strategy#2", "total"])
        #expect(report.pnlSeries.last?.points.last?.net == 10.0)
    }

    @Test("a fill reusing another order's ExecID is skipped like the OMS does, and called out")
    func executionIdCollision() throws {
        let fixture = try JournalFixture("report-execid")
        fixture.quote(0, bid: "9.98", ask: "10.00", received: 0)
        fixture.quote(1, bid: "19.98", ask: "20.00", received: 0)
        fixture.newOrder(1, .buy, 100, at: "10.00", instrument: 0, created: 1, journaled: 1)
        fixture.newOrder(2, .buy, 100, at: "20.00", instrument: 1, created: 1, journaled: 1)
        fixture.execution(1, .trade, status: .filled, fill: (100, "10.00"), instrument: 0, received: 2, executionId: 7)
        fixture.execution(2, .trade, status: .filled, fill: (100, "20.00"), instrument: 1, received: 3, executionId: 7)
        let report = try fixture.report()
        #expect(report.total.fills == 1)
        #expect(report.problems.count == 1)
        #expect(report.problems[0].hasPrefix("1 fill(s) reusing the ExecID of another order's fill"))
    }
}
