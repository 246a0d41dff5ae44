import Testing
import PeregrineCore
import PeregrineOMS

@Suite("OMS reconciliation after a reconnect")
struct ReconciliationTests {
    /// The venue's view of an open order.
    func open(_ h: OMSHarness, _ orderId: UInt64, status: OrderStatus, quantity: Int64 = 100, cumulative: Int64 = 0,
              average: Price = .zero, price: Price = px(50), venueOrderId: UInt64 = 0) -> ExecutionEvent {
        var e = h.report(.orderStatus, orderId, status: status, venueOrderId: venueOrderId)
        e.orderQuantity = qty(quantity)
        e.cumulativeQuantity = qty(cumulative)
        e.leavesQuantity = qty(quantity - cumulative)
        e.averagePrice = average
        e.price = price
        e.side = .buy
        return e
    }

    @Test("agreeing views give a clean report and change nothing")
    func clean() {
        var h = OMSHarness()
        h.prepare(1, in: .new)
        h.prepare(2, in: .partiallyFilled)
        let fill = h.fillReport(2, quantity: 40, executionId: 1_001)     // the fill prepare booked
        let report = h.oms.reconcile(venue: testVenue,
                                     openOrders: [open(h, 1, status: .new),
                                                  open(h, 2, status: .partiallyFilled, cumulative: 40, average: px(50))],
                                     executions: [fill], now: h.clock.now())
        #expect(report.isClean, "\(report.differences)")
        #expect(report.openOrdersExamined == 2 && report.executionsExamined == 1)
        #expect(h.position.quantity == qty(40))
    }

    @Test("fills missed while disconnected are booked and reported")
    func missingFills() {
        var h = OMSHarness()
        h.prepare(1, in: .new)
        h.prepare(2, in: .new)
        let executions = [h.fillReport(1, quantity: 30, price: px(51), executionId: 9_001),
                          h.fillReport(2, quantity: 100, price: px(49), executionId: 9_002)]
        let report = h.oms.reconcile(venue: testVenue,
                                     openOrders: [open(h, 1, status: .partiallyFilled, cumulative: 30, average: px(51))],
                                     executions: executions, now: h.clock.now())
        #expect(report.count(of: .missingFill) == 2)
        #expect(report.differences.count == 2)
        #expect(h.status(1) == .partiallyFilled && h.status(2) == .filled)
        #expect(h.position.quantity == qty(130))
        // Running it again finds nothing new.
        let again = h.oms.reconcile(venue: testVenue,
                                    openOrders: [open(h, 1, status: .partiallyFilled, cumulative: 30, average: px(51))],
                                    executions: executions, now: h.clock.now())
        #expect(again.isClean, "\(again.differences)")
    }

    @Test("orders only the venue knows are adopted, with their fills")
    func unknownOrdersAdopted() {
        var h = OMSHarness()
        var execution = h.fillReport(70, quantity: 5, price: px(10), executionId: 1)
        execution.orderQuantity = qty(5)
        execution.side = .buy
        let report = h.oms.reconcile(venue: testVenue,
                                     openOrders: [open(h, 71, status: .partiallyFilled, cumulative: 10, average: px(20),
                                                       venueOrderId: 555)],
                                     executions: [execution], now: h.clock.now())
        #expect(report.count(of: .unknownOrder) == 2)
        #expect(report.count(of: .missingFill) == 1)
        #expect(report.count(of: .cumulativeMismatch) == 1)
        #expect(report.unrepaired.isEmpty)
        #expect(h.status(70) == .filled && h.status(71) == .partiallyFilled)
        #expect(h.oms.slot(venueOrderId: 555, venue: testVenue) == h.oms.slot(of: id(71)))
        #expect(h.position.quantity == qty(15))
        #expect(h.position.costBasis == Notional(px(250)))
    }

    @Test("adoption can be turned off: unknown orders are only reported")
    func noAdoption() {
        var h = OMSHarness()
        let report = h.oms.reconcile(venue: testVenue, openOrders: [open(h, 71, status: .new)], executions: [],
                                     now: h.clock.now(), adoptUnknownOrders: false)
        #expect(report.unrepaired.count == 1 && report.differences[0].kind == .unknownOrder)
        #expect(h.oms.ordersInUse == 0)
    }

    @Test("working orders the venue no longer lists are closed")
    func missingAtVenue() {
        var h = OMSHarness()
        h.prepare(1, in: .new)
        h.prepare(2, in: .pendingCancel)
        h.prepare(3, in: .pendingNew)
        h.prepare(4, in: .filled)
        let report = h.oms.reconcile(venue: testVenue, openOrders: [], executions: [], now: h.clock.now())
        #expect(report.count(of: .missingAtVenue) == 3)
        #expect(report.differences.allSatisfy { $0.repair == .markedCanceled })
        #expect(h.status(1) == .canceled && h.status(2) == .canceled && h.status(3) == .canceled)
        #expect(h.status(4) == .filled)
    }

    @Test("cancel-on-disconnect marks working orders pending cancel; reconciliation closes them")
    func cancelOnDisconnect() {
        var h = OMSHarness()
        h.prepare(1, in: .new)
        h.prepare(2, in: .partiallyFilled)
        h.prepare(3, in: .filled)
        #expect(h.oms.onVenueDisconnected(testVenue, cancelsOnDisconnect: false) == 0)
        #expect(h.oms.onVenueDisconnected(testVenue, cancelsOnDisconnect: true) == 2)
        #expect(h.status(1) == .pendingCancel && h.status(2) == .pendingCancel)
        let report = h.oms.reconcile(venue: testVenue, openOrders: [], executions: [], now: h.clock.now())
        #expect(report.count(of: .missingAtVenue) == 2)
        #expect(h.status(1) == .canceled && h.status(2) == .canceled && h.status(3) == .filled)
        #expect(h.position.quantity == qty(140))
    }

    @Test("orders at other venues are left alone")
    func otherVenues() {
        var h = OMSHarness()
        h.prepare(1, in: .new)
        let report = h.oms.reconcile(venue: VenueId(rawValue: 8), openOrders: [], executions: [], now: h.clock.now())
        #expect(report.isClean)
        #expect(h.status(1) == .new)
    }

    @Test("a cumulative quantity above ours is booked at the price implied by the venue's average")
    func syntheticFill() {
        var h = OMSHarness()
        h.prepare(1, in: .new)
        h.fill(1, quantity: 40, price: px(50))
        let report = h.oms.reconcile(venue: testVenue,
                                     openOrders: [open(h, 1, status: .partiallyFilled, cumulative: 60, average: px("50.5"))],
                                     executions: [], now: h.clock.now())
        #expect(report.differences.count == 1)
        let d = report.differences[0]
        #expect(d.kind == .cumulativeMismatch && d.repair == .bookedSyntheticFill)
        #expect(d.localQuantity == qty(40) && d.venueQuantity == qty(60))
        #expect(h.filled(1) == qty(60))
        #expect(h.oms.order(id(1))!.averagePrice == px("50.5"))
        #expect(h.position.costBasis == Notional(px(3030)))    // 40 × 50 + 20 × 51.5
    }

    @Test("a cumulative quantity below ours is reported for an operator")
    func venueBelowLocal() {
        var h = OMSHarness()
        h.prepare(1, in: .partiallyFilled)
        let report = h.oms.reconcile(venue: testVenue, openOrders: [open(h, 1, status: .new)], executions: [],
                                     now: h.clock.now())
        #expect(report.unrepaired.count == 1 && report.unrepaired[0].kind == .cumulativeMismatch)
        #expect(h.filled(1) == qty(40))
    }

    @Test("pending requests the venue never acted on are dropped; a done replace is confirmed")
    func pendingRequests() {
        var h = OMSHarness()
        h.prepare(1, in: .pendingCancel)
        h.prepare(2, in: .pendingReplace)       // replace id 602, quantity 80
        h.prepare(3, in: .pendingReplace)       // replace id 603
        h.prepare(4, in: .pendingNew)
        let report = h.oms.reconcile(venue: testVenue,
                                     openOrders: [open(h, 1, status: .new), open(h, 2, status: .new),
                                                  open(h, 603, status: .new, quantity: 80), open(h, 4, status: .new)],
                                     executions: [], now: h.clock.now())
        #expect(h.status(1) == .new && h.oms.order(id(1))!.isCancelPending == false)
        #expect(h.status(2) == .new && h.oms.order(id(2))!.quantity == qty(100))
        #expect(h.oms.order(id(603))!.orderId == id(603) && h.oms.order(id(603))!.quantity == qty(80))
        #expect(h.status(4) == .new && h.oms.order(id(4))!.isAcknowledged)
        #expect(report.differences.map(\.repair) == [.clearedPendingRequest, .clearedPendingRequest, .confirmedReplace,
                                                     .acknowledged])
    }

    @Test("order quantity and price the venue changed are adopted")
    func restatedAtVenue() {
        var h = OMSHarness()
        h.prepare(1, in: .partiallyFilled)
        let report = h.oms.reconcile(venue: testVenue,
                                     openOrders: [open(h, 1, status: .partiallyFilled, quantity: 40, cumulative: 40,
                                                       average: px(50), price: px(49))],
                                     executions: [], now: h.clock.now())
        #expect(report.count(of: .orderQuantityMismatch) == 1 && report.count(of: .priceMismatch) == 1)
        #expect(h.status(1) == .filled)
    }

    @Test("a bust missed while disconnected is applied; a fill that cannot apply is reported")
    func adjustmentsAndRejected() {
        var h = OMSHarness()
        h.prepare(1, in: .new)
        h.fill(1, quantity: 40, executionId: 5)
        var bust = h.report(.tradeCancel, 1, status: .new)
        bust.executionId = 5
        let overfill = h.fillReport(1, quantity: 500, executionId: 6)
        let report = h.oms.reconcile(venue: testVenue, openOrders: [open(h, 1, status: .new)],
                                     executions: [bust, overfill], now: h.clock.now())
        #expect(report.count(of: .missingTradeAdjustment) == 1)
        #expect(report.count(of: .rejectedExecution) == 1)
        #expect(report.differences.first { $0.kind == .rejectedExecution }?.code == .overfill)
        #expect(h.filled(1) == .zero && h.position.quantity == .zero)
    }
}
