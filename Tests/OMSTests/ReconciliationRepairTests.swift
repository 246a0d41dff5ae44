import Testing
import PeregrineCore
import PeregrineOMS

/// `reconcile(…repairs:)`: every repair comes out as an execution event, and replaying the
/// same commands, acknowledgements and repairs through `onExecution` (what journal
/// recovery does) rebuilds the same orders and positions.
@Suite("OMS reconciliation repairs as execution events")
struct ReconciliationRepairTests {
    /// What the engine journaled before the reconnect: commands and the venue's live acks.
    static func history(_ h: inout OMSHarness) {
        for order in 1...6 as ClosedRange<UInt64> { h.send(order, price: px(50)) }
        for order in 1...5 as ClosedRange<UInt64> { h.apply(.new, order, venueOrderId: 100 + order) }   // 6 never acknowledged
        h.sendCancel(40, of: 4)
        h.sendReplace(50, of: 5, quantity: 200, price: px(49))
    }

    static func venue(_ h: OMSHarness, _ orderId: UInt64, status: OrderStatus, quantity: Int64 = 100, cumulative: Int64 = 0,
                      average: Price = .zero, price: Price = px(50), venueOrderId: UInt64 = 0) -> ExecutionEvent {
        var e = h.report(.orderStatus, orderId, status: status, venueOrderId: venueOrderId)
        e.orderQuantity = qty(quantity)
        e.cumulativeQuantity = qty(cumulative)
        e.leavesQuantity = status.isTerminal ? .zero : qty(quantity - cumulative)
        e.averagePrice = average
        e.price = price
        e.side = .buy
        e.flags = ExecutionFlags.statusResponse.rawValue
        return e
    }

    @Test("each repair is reported and replaying the repairs rebuilds the same state")
    func repairsReplay() {
        var live = OMSHarness()
        Self.history(&live)
        live.clock.advance(by: .seconds(1))
        let snapshot = live.clock.now()             // the venue's answer describes this moment
        live.clock.advance(by: .milliseconds(5))
        live.send(8)                                // sent after the request: not in the answer
        let answers = [
            Self.venue(live, 1, status: .partiallyFilled, cumulative: 40, average: px(51), venueOrderId: 101),
            // 2 missing: the venue no longer has it.
            Self.venue(live, 3, status: .canceled, cumulative: 30, average: px("50.5"), venueOrderId: 103),
            Self.venue(live, 4, status: .new, venueOrderId: 104),                       // our cancel never arrived
            Self.venue(live, 50, status: .new, quantity: 200, price: px(49), venueOrderId: 105),   // replace done
            Self.venue(live, 6, status: .new, quantity: 150, venueOrderId: 106),       // acked, quantity differs
            Self.venue(live, 99, status: .partiallyFilled, quantity: 100, cumulative: 10, average: px(52), venueOrderId: 555),
        ]
        var repairs: [ExecutionEvent] = []
        let report = live.oms.reconcile(venue: testVenue, openOrders: answers, executions: EmptyCollection<ExecutionEvent>(),
                                        now: live.clock.now(), workingOrdersBefore: snapshot, repairs: &repairs)

        // What reconciliation found and did.
        #expect(live.filled(1) == qty(40) && live.status(1) == .partiallyFilled)
        #expect(live.status(2) == .canceled)
        #expect(live.filled(3) == qty(30) && live.status(3) == .canceled)
        #expect(live.status(4) == .new, "pending cancel dropped")
        #expect(live.oms.order(id(50))?.price == px(49) && live.oms.order(id(50))?.quantity == qty(200))
        #expect(live.status(6) == .new && live.oms.order(id(6))?.quantity == qty(150))
        #expect(live.filled(99) == qty(10), "unknown order adopted with its fills")
        #expect(live.status(8) == .pendingNew, "an order newer than the snapshot is not judged")
        #expect(report.count(of: .missingAtVenue) == 1)
        #expect(report.count(of: .unknownOrder) == 1)
        #expect(report.differences.contains { $0.repair == .markedCanceled && $0.orderId == id(3) })
        #expect(report.differences.contains { $0.repair == .confirmedReplace })
        #expect(report.differences.contains { $0.repair == .clearedPendingRequest && $0.orderId == id(4) })
        #expect(report.differences.contains { $0.repair == .acknowledged && $0.orderId == id(6) })
        #expect(report.unrepaired.isEmpty)
        let kinds = repairs.map(\.executionType)
        #expect(kinds.filter { $0 == .trade }.count == 3, "fills of 1, 3 and the adopted 99: \(kinds)")
        #expect(kinds.filter { $0 == .canceled }.count == 2, "2 and 3")
        #expect(repairs.allSatisfy { ExecutionFlags(rawValue: $0.flags).contains(.statusResponse) && $0.account == testAccount })
        #expect(repairs.allSatisfy { $0.instrument == testInstrument }, "risk needs the instrument")

        // Journal recovery: the same history, then the repairs through onExecution.
        var replayed = OMSHarness()
        Self.history(&replayed)
        replayed.send(8)
        for repair in repairs {
            let result = replayed.oms.onExecution(repair)
            if result.code == .unknownOrder && repair.executionType == .trade {
                _ = replayed.oms.applyExecutions(venue: repair.venue, CollectionOfOne(repair), now: repair.receiveTime)
            } else {
                #expect(!result.code.isFault, "\(repair.executionType) of \(repair.orderId.rawValue): \(result.code)")
            }
        }
        for order: UInt64 in [1, 2, 3, 4, 50, 6, 8, 99] {
            let a = live.oms.order(id(order)), b = replayed.oms.order(id(order))
            #expect(a?.status == b?.status && a?.filledQuantity == b?.filledQuantity && a?.quantity == b?.quantity
                    && a?.price == b?.price, "order \(order): live \(String(describing: a?.status)) \(String(describing: a?.filledQuantity)), replayed \(String(describing: b?.status)) \(String(describing: b?.filledQuantity))")
        }
        #expect(live.position.quantity == replayed.position.quantity && live.position.quantity == qty(80))
        #expect(live.position.averagePrice == replayed.position.averagePrice)
        #expect(live.position.realizedPnL == replayed.position.realizedPnL)
    }

    @Test("a second reconciliation against the same venue state finds nothing")
    func idempotent() {
        var h = OMSHarness()
        Self.history(&h)
        let answers = [Self.venue(h, 1, status: .partiallyFilled, cumulative: 40, average: px(51), venueOrderId: 101)]
        var repairs: [ExecutionEvent] = []
        let first = h.oms.reconcile(venue: testVenue, openOrders: answers, executions: EmptyCollection<ExecutionEvent>(),
                                    now: h.clock.now(), workingOrdersBefore: nil, repairs: &repairs)
        #expect(!first.isClean)
        repairs.removeAll()
        let second = h.oms.reconcile(venue: testVenue, openOrders: answers, executions: EmptyCollection<ExecutionEvent>(),
                                     now: h.clock.now(), workingOrdersBefore: nil, repairs: &repairs)
        #expect(second.isClean, "\(second.differences.map { "\($0.kind) \($0.orderId.rawValue)" })")
        #expect(repairs.isEmpty)
    }

    @Test("a fill of an unknown order is adopted without closing the other working orders")
    func adoptedFillLeavesOthersAlone() {
        var h = OMSHarness()
        Self.history(&h)
        var fill = h.fillReport(77, quantity: 5, price: px(50), executionId: 9_001)
        fill.venueOrderId = 777
        fill.orderQuantity = qty(20)
        fill.side = .buy
        let report = h.oms.applyExecutions(venue: testVenue, CollectionOfOne(fill), now: h.clock.now())
        #expect(report.count(of: .unknownOrder) == 1 && report.count(of: .missingAtVenue) == 0)
        #expect(h.filled(77) == qty(5))
        #expect(h.status(1) == .new && h.status(2) == .new && h.status(6) == .pendingNew, "others untouched")
    }
}

@Suite("OMS reconciliation: finished orders the OMS does not hold")
struct ReconciliationForgottenOrderTests {
    @Test("a finished order the OMS forgot after its linger is reported, not adopted (its fills would count twice)")
    func finishedUnknownIsNotAdopted() {
        var h = OMSHarness(capacity: 4, linger: .milliseconds(1))
        h.send(1)
        h.apply(.new, 1, venueOrderId: 501)
        h.fill(1, quantity: 100, price: px(50))
        let finishedAt = h.clock.now()
        #expect(h.status(1) == .filled && h.position.quantity == qty(100))
        h.clock.advance(by: .seconds(1))
        #expect(h.oms.releaseLingeringOrders(now: h.clock.now()) == 1)   // slots free for an adoption
        var venue = h.report(.orderStatus, 1, status: .filled, venueOrderId: 501)
        venue.transactTime = finishedAt             // longer ago than the linger
        venue.orderQuantity = qty(100)
        venue.cumulativeQuantity = qty(100)
        venue.averagePrice = px(50)
        #expect(h.oms.order(id(1)) == nil, "order 1 was recycled after its linger")
        var repairs: [ExecutionEvent] = []
        let report = h.oms.reconcile(venue: testVenue, openOrders: [venue], executions: EmptyCollection<ExecutionEvent>(),
                                     now: h.clock.now(), workingOrdersBefore: .zero, repairs: &repairs)
        #expect(report.count(of: .unknownOrder) == 1 && report.unrepaired.count == 1)
        #expect(h.position.quantity == qty(100), "never booked twice")
        #expect(repairs.isEmpty)
    }

    @Test("a finished order the OMS never had, finished within its linger, is adopted with its fills")
    func recentFinishedUnknownIsAdopted() {
        var h = OMSHarness(linger: .seconds(60))
        var venue = h.report(.orderStatus, 4_242, status: .filled, venueOrderId: 909)
        venue.side = .buy
        venue.orderQuantity = qty(50)
        venue.cumulativeQuantity = qty(50)
        venue.averagePrice = px(49)
        venue.price = px(49)
        h.clock.advance(by: .seconds(2))
        var repairs: [ExecutionEvent] = []
        let report = h.oms.reconcile(venue: testVenue, openOrders: [venue], executions: EmptyCollection<ExecutionEvent>(),
                                     now: h.clock.now(), workingOrdersBefore: .zero, repairs: &repairs)
        #expect(report.differences.contains { $0.kind == .unknownOrder && $0.repair == .adoptedOrder })
        #expect(h.status(4_242) == .filled && h.position.quantity == qty(50))
        #expect(repairs.map(\.executionType) == [.trade])
    }
}
