import Testing
import PeregrineCore
import PeregrineOMS

/// The report kinds of the transition table.
enum TableEvent: CaseIterable {
    case pendingNewAck, newAck, fill, canceled, replaced, rejected, expired, doneForDay, pendingCancel, cancelReject
}

@Suite("OMS order state machine")
struct OrderStateMachineTests {
    static let starts: [OrderStatus] = [.pendingNew, .new, .partiallyFilled, .filled, .pendingCancel, .pendingReplace,
                                        .canceled, .rejected, .expired, .doneForDay]

    // Expected (code, status after) for each start state, in `TableEvent.allCases` order.
    static let table: [OrderStatus: [(OrderEventCode, OrderStatus)]] = {
        let A = OrderEventCode.applied, N = OrderEventCode.noChange, X = OrderEventCode.illegalTransition
        func terminal(_ s: OrderStatus, same: TableEvent) -> [(OrderEventCode, OrderStatus)] {
            TableEvent.allCases.map { e in
                switch e {
                case .pendingCancel, .cancelReject: return (N, s)
                case same: return (N, s)
                default: return (X, s)
                }
            }
        }
        return [
            .pendingNew: [(N, .pendingNew), (A, .new), (A, .partiallyFilled), (A, .canceled), (X, .pendingNew),
                          (A, .rejected), (A, .expired), (A, .doneForDay), (A, .pendingCancel), (N, .pendingNew)],
            .new: [(N, .new), (N, .new), (A, .partiallyFilled), (A, .canceled), (X, .new),
                   (X, .new), (A, .expired), (A, .doneForDay), (A, .pendingCancel), (N, .new)],
            .partiallyFilled: [(N, .partiallyFilled), (N, .partiallyFilled), (A, .partiallyFilled), (A, .canceled),
                               (X, .partiallyFilled), (X, .partiallyFilled), (A, .expired), (A, .doneForDay),
                               (A, .pendingCancel), (N, .partiallyFilled)],
            .pendingCancel: [(N, .pendingCancel), (N, .pendingCancel), (A, .pendingCancel), (A, .canceled),
                             (X, .pendingCancel), (X, .pendingCancel), (A, .expired), (A, .doneForDay),
                             (N, .pendingCancel), (A, .new)],
            .pendingReplace: [(N, .pendingReplace), (N, .pendingReplace), (A, .pendingReplace), (A, .canceled),
                              (A, .new), (X, .pendingReplace), (A, .expired), (A, .doneForDay),
                              (A, .pendingCancel), (A, .new)],
            .filled: terminal(.filled, same: .pendingCancel),   // a fresh fill on a filled order is illegal
            .canceled: terminal(.canceled, same: .canceled),
            .rejected: terminal(.rejected, same: .rejected),
            .expired: terminal(.expired, same: .expired),
            .doneForDay: terminal(.doneForDay, same: .doneForDay),
        ]
    }()

    @Test("every report in every state gives the tabled code and status")
    func transitionTable() {
        for start in Self.starts {
            for (k, event) in TableEvent.allCases.enumerated() {
                var h = OMSHarness()
                h.prepare(1, in: start)
                #expect(h.status(1) == start, "set-up of \(start)")
                let order = h.oms.order(id(1))!
                let result: OrderEventResult
                switch event {
                case .pendingNewAck: result = h.apply(.pendingNew, 1, status: .pendingNew)
                case .newAck: result = h.apply(.new, 1)
                case .fill: result = h.fill(1, quantity: 10)
                case .canceled: result = h.apply(.canceled, 1, status: .canceled)
                case .replaced:
                    let newId = order.isReplacePending ? order.pendingReplaceId.rawValue : 1
                    result = h.apply(.replaced, newId, original: 1)
                case .rejected: result = h.apply(.rejected, 1, status: .rejected)
                case .expired: result = h.apply(.expired, 1, status: .expired)
                case .doneForDay: result = h.apply(.doneForDay, 1, status: .doneForDay)
                case .pendingCancel: result = h.apply(.pendingCancel, 1, status: .pendingCancel)
                case .cancelReject: result = h.apply(.orderStatus, 1, flags: .cancelRejected)
                }
                let (code, status) = Self.table[start]![k]
                #expect(result.code == code, "\(start) + \(event)")
                #expect(h.status(1) == status, "\(start) + \(event)")
                #expect(h.oms.faultCount == (code.isFault ? 1 : 0), "\(start) + \(event) counted")
            }
        }
    }

    @Test("fills walk an order through partially filled to filled with exact average price")
    func fillsToFilled() {
        var h = OMSHarness()
        h.send(1)
        #expect(h.apply(.pendingNew, 1, status: .pendingNew).code == .noChange)
        #expect(h.apply(.new, 1, venueOrderId: 777).code == .applied)
        #expect(h.fill(1, quantity: 30, price: px("50.10")).code == .applied)
        #expect(h.status(1) == .partiallyFilled)
        #expect(h.fill(1, quantity: 70, price: px("50.20")).code == .applied)
        let order = h.oms.order(id(1))!
        #expect(order.status == .filled && order.isTerminal)
        #expect(order.leavesQuantity == .zero)
        #expect(order.averagePrice == px("50.17"))
        #expect(h.oms.slot(venueOrderId: 777, venue: testVenue) == h.oms.slot(of: id(1)))
        #expect(h.position.quantity == qty(100))
    }

    @Test("an overfill is refused, counted and does not touch the position")
    func overfill() {
        var h = OMSHarness()
        h.prepare(1, in: .partiallyFilled)
        #expect(h.fill(1, quantity: 61).code == .overfill)
        #expect(h.filled(1) == qty(40))
        #expect(h.position.quantity == qty(40))
        #expect(h.oms.count(of: .overfill) == 1)
        #expect(h.fill(1, quantity: 60).code == .applied)
        #expect(h.status(1) == .filled)
    }

    @Test("a fill on a rejected order is illegal; a zero fill is invalid")
    func fillOnRejected() {
        var h = OMSHarness()
        h.prepare(1, in: .rejected)
        #expect(h.fill(1, quantity: 5).code == .illegalTransition)
        #expect(h.position.quantity == .zero)
        h.prepare(2, in: .new)
        #expect(h.fill(2, quantity: 0).code == .invalidReport)
    }

    @Test("reports for unknown orders are counted, never trap")
    func unknownOrder() {
        var h = OMSHarness()
        #expect(h.apply(.new, 99).code == .unknownOrder)
        #expect(h.fill(99, quantity: 1).code == .unknownOrder)
        #expect(h.apply(.canceled, 0, venueOrderId: 12345).code == .unknownOrder)
        #expect(h.oms.count(of: .unknownOrder) == 3)
        #expect(h.sendCancel(5, of: 99).code == .unknownOrder)
    }

    @Test("an unsolicited cancel found by venue order id only is applied and counted")
    func unsolicitedCancel() {
        var h = OMSHarness()
        h.send(1)
        h.apply(.new, 1, venueOrderId: 4242)
        #expect(h.apply(.canceled, 0, status: .canceled, venueOrderId: 4242).code == .applied)
        #expect(h.status(1) == .canceled)
        #expect(h.oms.unsolicitedCancelCount == 1)
    }

    @Test("a status report that agrees changes nothing; one that differs is a mismatch")
    func statusReports() {
        var h = OMSHarness()
        h.prepare(1, in: .partiallyFilled)
        var e = h.report(.orderStatus, 1, status: .partiallyFilled)
        e.cumulativeQuantity = qty(40)
        #expect(h.oms.onExecution(e).code == .noChange)
        e.cumulativeQuantity = qty(50)
        #expect(h.oms.onExecution(e).code == .statusMismatch)
        #expect(h.filled(1) == qty(40))
    }

    @Test("restatement takes the venue's quantity and unsupported types are coded")
    func restatedAndUnsupported() {
        var h = OMSHarness()
        h.prepare(1, in: .partiallyFilled)
        var e = h.report(.restated, 1, status: .partiallyFilled)
        e.orderQuantity = qty(40)
        #expect(h.oms.onExecution(e).code == .applied)
        #expect(h.status(1) == .filled)
        h.prepare(2, in: .new)
        #expect(h.apply(.suspended, 2).code == .unsupported)
    }

    @Test("commands with bad ids, quantities or accounts are refused")
    func badCommands() {
        var h = OMSHarness()
        #expect(h.send(0).code == .invalidCommand)
        #expect(h.send(1, quantity: 0).code == .invalidCommand)
        #expect(h.send(2, account: AccountId(rawValue: 99)).code == .invalidCommand)
        #expect(h.send(3, instrument: InstrumentId(rawValue: 16)).code == .invalidCommand)
        #expect(h.send(4).code == .applied)
        #expect(h.send(4).code == .duplicateOrderId)
        #expect(h.oms.ordersInUse == 1)
    }

    @Test("mass cancel marks the account's open orders pending cancel")
    func massCancel() {
        var h = OMSHarness()
        h.prepare(1, in: .new)
        h.prepare(2, in: .partiallyFilled)
        h.prepare(3, in: .filled)
        h.send(4, account: AccountId(rawValue: 2))
        var c = h.command(.massCancel, 0)
        c.instrument = .none
        c.venue = .none
        #expect(h.oms.onSend(c).code == .applied)
        #expect(h.status(1) == .pendingCancel && h.status(2) == .pendingCancel)
        #expect(h.status(3) == .filled && h.status(4) == .pendingNew)
        #expect(h.apply(.canceled, 2, status: .canceled).code == .applied)
        #expect(h.oms.unsolicitedCancelCount == 0)
    }
}
