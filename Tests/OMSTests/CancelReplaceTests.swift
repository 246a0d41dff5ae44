import Testing
import PeregrineCore
import PeregrineOMS

@Suite("OMS cancel/replace chains and races")
struct CancelReplaceTests {
    @Test("a replace chain keeps one slot and late reports for old ids still match")
    func replaceChain() {
        var h = OMSHarness()
        h.prepare(1, in: .new)
        let slot = h.oms.slot(of: id(1))
        #expect(h.sendReplace(2, of: 1, quantity: 150, price: px(51)).code == .applied)
        #expect(h.status(1) == .pendingReplace)
        var e = h.report(.replaced, 2, original: 1)
        e.orderQuantity = qty(150)
        e.price = px(51)
        #expect(h.oms.onExecution(e).code == .applied)
        let order = h.oms.order(id(2))!
        #expect(order.orderId == id(2) && order.rootOrderId == id(1) && order.replaceCount == 1)
        #expect(order.quantity == qty(150) && order.price == px(51) && order.status == .new)
        #expect(h.oms.slot(of: id(1)) == slot && h.oms.slot(of: id(2)) == slot)
        // A late fill that the venue still reports under the old ClOrdID.
        #expect(h.fill(1, quantity: 10).code == .applied)
        #expect(h.filled(2) == qty(10))
        // A repeated replaced report changes nothing.
        #expect(h.oms.onExecution(e).code == .noChange)
        // Two more links: 1 is still remembered (four aliases), the fifth id pushes it out.
        h.sendReplace(3, of: 2, quantity: 150)
        h.apply(.replaced, 3, original: 2)
        #expect(h.oms.slot(of: id(1)) == slot)
        h.sendReplace(4, of: 3, quantity: 150)
        h.apply(.replaced, 4, original: 3)
        h.sendReplace(5, of: 4, quantity: 150)
        #expect(h.oms.slot(of: id(1)) == .none)
        #expect(h.oms.slot(of: id(4)) == slot && h.oms.slot(of: id(5)) == slot)
        #expect(h.apply(.replaced, 5, original: 4).code == .applied)
        #expect(h.oms.order(at: slot).orderId == id(5))
        #expect(h.oms.ordersInUse == 1)
    }

    @Test("a fill that arrives after a replace was sent counts against the new quantity")
    func fillDuringPendingReplace() {
        var h = OMSHarness()
        h.prepare(1, in: .new)
        h.sendReplace(2, of: 1, quantity: 80)
        #expect(h.fill(1, quantity: 30).code == .applied)
        #expect(h.status(1) == .pendingReplace)
        #expect(h.apply(.replaced, 2, original: 1).code == .applied)
        let order = h.oms.order(id(2))!
        #expect(order.status == .partiallyFilled && order.quantity == qty(80) && order.leavesQuantity == qty(50))
    }

    @Test("a replace down to the filled quantity leaves the order filled")
    func replaceDownToFills() {
        var h = OMSHarness()
        h.prepare(1, in: .partiallyFilled)
        h.sendReplace(2, of: 1, quantity: 60)
        h.fill(1, quantity: 20)                     // now 60 filled
        #expect(h.apply(.replaced, 2, original: 1).code == .applied)
        #expect(h.status(2) == .filled)
        #expect(h.oms.order(id(2))!.isTerminal)
    }

    @Test("a replace up on a partially filled order keeps the fills")
    func replaceUpPartiallyFilled() {
        var h = OMSHarness()
        h.prepare(1, in: .partiallyFilled)
        h.sendReplace(2, of: 1, quantity: 120)
        h.apply(.replaced, 2, original: 1)
        let order = h.oms.order(id(2))!
        #expect(order.status == .partiallyFilled && order.filledQuantity == qty(40) && order.leavesQuantity == qty(80))
    }

    @Test("a cancel reject returns the order to the status its fills gave it meanwhile")
    func cancelRejectAfterFill() {
        var h = OMSHarness()
        h.prepare(1, in: .new)
        h.sendCancel(50, of: 1)
        #expect(h.status(1) == .pendingCancel)
        h.fill(1, quantity: 25)
        #expect(h.status(1) == .pendingCancel)
        #expect(h.apply(.orderStatus, 50, original: 1, status: .partiallyFilled, flags: .cancelRejected).code == .applied)
        #expect(h.status(1) == .partiallyFilled)
        // The duplicate reject finds the order by the cancel's id and changes nothing.
        #expect(h.apply(.orderStatus, 50, original: 1, flags: .cancelRejected).code == .noChange)
    }

    @Test("a cancel that loses the race to the last fill is rejected too late: the order stays filled")
    func cancelTooLate() {
        var h = OMSHarness()
        h.prepare(1, in: .partiallyFilled)
        h.sendCancel(50, of: 1)
        h.fill(1, quantity: 60)
        #expect(h.status(1) == .filled)
        #expect(h.apply(.orderStatus, 50, original: 1, status: .filled, flags: .cancelRejected).code == .noChange)
        #expect(h.status(1) == .filled)
        #expect(h.sendCancel(51, of: 1).code == .illegalTransition)
    }

    @Test("a cancel is confirmed under the cancel's ClOrdID")
    func cancelConfirmed() {
        var h = OMSHarness()
        h.prepare(1, in: .partiallyFilled)
        h.sendCancel(50, of: 1)
        #expect(h.apply(.pendingCancel, 50, original: 1, status: .pendingCancel).code == .noChange)
        #expect(h.apply(.canceled, 50, original: 1, status: .canceled).code == .applied)
        let order = h.oms.order(id(1))!
        #expect(order.status == .canceled && order.leavesQuantity == .zero && order.filledQuantity == qty(40))
        #expect(h.oms.unsolicitedCancelCount == 0)
        #expect(h.position.quantity == qty(40))
    }

    @Test("a replace refused by cancel reject or by an execution report keeps the old terms")
    func replaceRejected() {
        var h = OMSHarness()
        h.prepare(1, in: .new)
        h.sendReplace(2, of: 1, quantity: 80, price: px(49))
        #expect(h.apply(.orderStatus, 2, original: 1, flags: .cancelRejected).code == .applied)
        var order = h.oms.order(id(1))!
        #expect(order.status == .new && order.orderId == id(1) && order.quantity == qty(100) && order.price == px(50))
        h.sendReplace(3, of: 1, quantity: 80)
        #expect(h.apply(.rejected, 3, original: 1, status: .new).code == .applied)
        order = h.oms.order(id(1))!
        #expect(order.status == .new && order.quantity == qty(100))
    }

    @Test("one request of each kind at a time; a cancel may follow a pending replace")
    func pendingRequests() {
        var h = OMSHarness()
        h.prepare(1, in: .new)
        #expect(h.sendReplace(2, of: 1, quantity: 80).code == .applied)
        #expect(h.sendReplace(3, of: 1, quantity: 70).code == .requestPending)
        #expect(h.sendCancel(4, of: 2).code == .applied)
        #expect(h.status(1) == .pendingCancel)
        #expect(h.sendCancel(5, of: 1).code == .requestPending)
        // The replace is rejected; the cancel still pending, then done.
        h.apply(.orderStatus, 2, original: 1, flags: .cancelRejected)
        #expect(h.status(1) == .pendingCancel)
        #expect(h.apply(.canceled, 4, original: 1, status: .canceled).code == .applied)
        #expect(h.status(1) == .canceled)
    }

    @Test("a replace reusing a live ClOrdID is refused")
    func replaceIdCollision() {
        var h = OMSHarness()
        h.prepare(1, in: .new)
        h.prepare(2, in: .new)
        #expect(h.sendReplace(2, of: 1, quantity: 10).code == .duplicateOrderId)
        #expect(h.sendReplace(3, of: 1, quantity: 0).code == .invalidCommand)
        #expect(h.status(1) == .new)
    }

    @Test("a venue that assigns a new OrderID on replace is re-indexed")
    func venueOrderIdChanges() {
        var h = OMSHarness()
        h.send(1)
        h.apply(.new, 1, venueOrderId: 100)
        h.sendReplace(2, of: 1, quantity: 90)
        h.apply(.replaced, 2, original: 1, venueOrderId: 101)
        #expect(h.oms.slot(venueOrderId: 100, venue: testVenue) == .none)
        #expect(h.oms.slot(venueOrderId: 101, venue: testVenue) == h.oms.slot(of: id(2)))
        #expect(h.oms.slot(venueOrderId: 101, venue: VenueId(rawValue: 9)) == .none)
    }
}
