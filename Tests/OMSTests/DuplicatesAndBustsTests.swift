import Testing
import PeregrineCore
import PeregrineOMS

@Suite("OMS duplicates, busts and corrections")
struct DuplicatesAndBustsTests {
    @Test("a fill repeated with the same ExecID is booked once")
    func sameExecutionId() {
        var h = OMSHarness()
        h.prepare(1, in: .new)
        #expect(h.fill(1, quantity: 10, executionId: 77).code == .applied)
        #expect(h.fill(1, quantity: 10, executionId: 77).code == .duplicate)
        #expect(h.fill(1, quantity: 10, executionId: 77, flags: .possibleDuplicate).code == .duplicate)
        #expect(h.filled(1) == qty(10))
        #expect(h.position.quantity == qty(10))
        #expect(h.oms.count(of: .duplicate) == 2)
        #expect(h.oms.faultCount == 0)
    }

    @Test("a PossDup fill not seen before is booked; a PossDup that would be illegal is a duplicate")
    func possibleDuplicates() {
        var h = OMSHarness()
        h.prepare(1, in: .new)
        #expect(h.fill(1, quantity: 100, executionId: 5, flags: .possibleDuplicate).code == .applied)
        #expect(h.status(1) == .filled)
        #expect(h.fill(1, quantity: 10, executionId: 6, flags: .possibleDuplicate).code == .duplicate)
        #expect(h.apply(.new, 1, flags: .possibleDuplicate).code == .duplicate)
        #expect(h.oms.faultCount == 0)
        #expect(h.fill(1, quantity: 10, executionId: 7).code == .illegalTransition)
        #expect(h.oms.faultCount == 1)
    }

    @Test("the same ExecID from another venue is another fill")
    func executionIdsAreScopedByVenue() {
        var h = OMSHarness()
        h.prepare(1, in: .new)
        h.fill(1, quantity: 10, executionId: 77)
        var e = h.fillReport(1, quantity: 10, executionId: 77)
        e.venue = VenueId(rawValue: 4)
        #expect(h.oms.onExecution(e).code == .applied)
        #expect(h.filled(1) == qty(20))
    }

    @Test("a bust of the last fill reopens a filled order and reverses the position; repeating it does nothing")
    func bustReopens() {
        var h = OMSHarness(fees: FeeSchedule(perUnit: px("0.01")))
        h.prepare(1, in: .new)
        h.fill(1, quantity: 40, price: px(50), executionId: 1)
        h.fill(1, quantity: 60, price: px(51), executionId: 2)
        #expect(h.status(1) == .filled)
        #expect(h.position.fees == Notional(px(1)))
        var bust = h.report(.tradeCancel, 1, status: .partiallyFilled)
        bust.executionId = 2
        #expect(h.oms.onExecution(bust).code == .applied)
        var order = h.oms.order(id(1))!
        #expect(order.status == .partiallyFilled && order.filledQuantity == qty(40) && !order.isTerminal)
        #expect(order.averagePrice == px(50))
        #expect(h.position.quantity == qty(40) && h.position.averagePrice == px(50))
        #expect(h.position.fees == Notional(px("0.4")))
        #expect(h.oms.onExecution(bust).code == .duplicate)
        // The revived order is off the linger list: it is not recycled and can fill again.
        h.clock.advance(by: .seconds(60))
        #expect(h.oms.releaseLingeringOrders(now: h.clock.now()) == 0)
        #expect(h.fill(1, quantity: 60, price: px(52)).code == .applied)
        order = h.oms.order(id(1))!
        #expect(order.status == .filled)
        #expect(h.oms.tradeAdjustmentCount == 1)
    }

    @Test("a correction rebooks the fill at its new quantity and price")
    func correction() {
        var h = OMSHarness()
        h.prepare(1, in: .new)
        h.fill(1, quantity: 40, price: px(50), executionId: 9)
        var correct = h.report(.tradeCorrect, 1, status: .partiallyFilled)
        correct.executionId = 9
        correct.lastQuantity = qty(30)
        correct.lastPrice = px(49)
        #expect(h.oms.onExecution(correct).code == .applied)
        #expect(h.filled(1) == qty(30))
        #expect(h.oms.order(id(1))!.averagePrice == px(49))
        #expect(h.position.quantity == qty(30) && h.position.averagePrice == px(49))
        #expect(h.oms.onExecution(correct).code == .duplicate)
        correct.lastQuantity = qty(200)
        #expect(h.oms.onExecution(correct).code == .overfill)
    }

    @Test("a bust after the venue closed the order leaves it closed")
    func bustOnClosedOrder() {
        var h = OMSHarness()
        h.prepare(1, in: .new)
        h.fill(1, quantity: 100, executionId: 3)
        var bust = h.report(.tradeCancel, 1, status: .canceled)
        bust.executionId = 3
        #expect(h.oms.onExecution(bust).code == .applied)
        #expect(h.status(1) == .canceled)
        #expect(h.position.quantity == .zero)
    }

    @Test("a bust of an unknown fill, or of a fill of a recycled slot, is refused")
    func bustUnknown() {
        var h = OMSHarness(capacity: 1, linger: .seconds(1))
        h.prepare(1, in: .new)
        h.fill(1, quantity: 100, executionId: 3)
        var bust = h.report(.tradeCancel, 1)
        bust.executionId = 4
        #expect(h.oms.onExecution(bust).code == .unknownExecution)
        h.clock.advance(by: .seconds(2))
        #expect(h.send(2).code == .applied)           // recycles the slot of order 1
        bust = h.report(.tradeCancel, 2)
        bust.executionId = 3
        #expect(h.oms.onExecution(bust).code == .unknownExecution)
        #expect(h.position.quantity == qty(100))
    }

    @Test("random fills and busts in any order keep quantity and total P&L exact")
    func randomBusts() {
        var h = OMSHarness(capacity: 512, executions: 4_096, linger: .seconds(3_600))
        var rng = SplitMix64(seed: 2026)
        var live: [(executionId: UInt64, orderId: UInt64, signed: Quantity, price: Price)] = []
        var nextOrder: UInt64 = 1
        var nextExecution: UInt64 = 1
        for _ in 0..<400 {
            if live.isEmpty || Int.random(in: 0..<3, using: &rng) > 0 {
                let side: Side = Bool.random(using: &rng) ? .buy : .sell
                let quantity = Int64.random(in: 1...100, using: &rng)
                let price = Price(rawValue: Int64.random(in: 9_000...11_000, using: &rng) * 1_000_000)
                h.send(nextOrder, side: side, quantity: quantity)
                #expect(h.fill(nextOrder, quantity: quantity, price: price, executionId: nextExecution).code == .applied)
                live.append((nextExecution, nextOrder, side == .buy ? qty(quantity) : -qty(quantity), price))
                nextOrder += 1
                nextExecution += 1
            } else {
                let k = Int.random(in: 0..<live.count, using: &rng)
                var bust = h.report(.tradeCancel, live[k].orderId, status: .canceled)
                bust.executionId = live[k].executionId
                #expect(h.oms.onExecution(bust).code == .applied)
                live.remove(at: k)
            }
            let quantity = live.reduce(Quantity.zero) { $0 + $1.signed }
            let flows = live.reduce(Notional.zero) { $0 + $1.price.notional(for: $1.signed) }
            let p = h.position
            #expect(p.quantity == quantity)
            #expect(p.realizedPnL + p.unrealizedPnL(mark: px(100)) == px(100).notional(for: quantity) - flows)
            if quantity == .zero { #expect(p.costBasis == .zero) }
        }
        #expect(h.oms.faultCount == 0)
    }

    @Test("deduplication covers the ledger's window of recent fills")
    func ledgerWindow() {
        var h = OMSHarness(executions: 4)
        h.prepare(1, in: .new)
        for e in 1...4 { h.fill(1, quantity: 1, executionId: UInt64(e)) }
        for e in 1...4 { #expect(h.fill(1, quantity: 1, executionId: UInt64(e)).code == .duplicate) }
        h.fill(1, quantity: 1, executionId: 5)      // evicts ExecID 1
        #expect(h.fill(1, quantity: 1, executionId: 2).code == .duplicate)
        #expect(h.fill(1, quantity: 1, executionId: 1).code == .applied)
    }
}
