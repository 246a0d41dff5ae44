import Testing
import PeregrineCore
import PeregrineRisk

/// Capacity, refused replaces and bad input: each gets a clear code or is ignored and
/// counted, never a crash.
@Suite("Pre-trade risk: capacity and bad input")
struct PreTradeRiskInputTests {
    let t0 = Fixture.start

    @Test("the open-order table rejects beyond its capacity and frees slots on cancels")
    func capacity() {
        var risk = PreTradeRisk(limits: Fixture.limits { $0.global.maxOpenOrders = 2 })
        let first = order(.buy, "1", at: "99")
        #expect(risk.decide(first) == .accept)
        let second = order(.buy, "1", at: "98")
        #expect(risk.decide(second) == .accept)
        #expect(risk.decide(order(.buy, "1", at: "97")) == .reject(.openOrderCapacity))
        risk.onExecution(execution(.canceled, for: first))
        // An id already open, or no id, is refused too (the OMS must not reuse ids).
        var reused = order(.buy, "1", at: "96")
        reused.orderId = second.orderId
        #expect(risk.decide(reused) == .reject(.openOrderCapacity))
        reused.orderId = .none
        #expect(risk.decide(reused) == .reject(.openOrderCapacity))
        #expect(risk.decide(order(.buy, "1", at: "97")) == .accept)
    }

    @Test("a refused replace releases only the replacement's extra quantity")
    func refusedReplace() {
        var risk = PreTradeRisk(limits: Fixture.limits())
        let original = order(.buy, "10", at: "99")
        #expect(risk.decide(original) == .accept)
        let up = OrderCommand(kind: .replace, orderId: nextOrderId(), originalOrderId: original.orderId,
                              instrument: Fixture.aapl, side: .buy, type: .limit, timeInForce: .day, price: p("99"),
                              quantity: q("25"), account: Fixture.accountA, strategy: StrategyId(rawValue: 1), createdTime: t0)
        #expect(risk.decide(up) == .accept)
        #expect(risk.openQuantity(account: Fixture.accountA, instrument: Fixture.aapl).buy == q("25"))
        var refused = execution(.rejected, for: up)
        refused.flags = ExecutionFlags.cancelRejected.rawValue
        risk.onExecution(refused)
        #expect(risk.openQuantity(account: Fixture.accountA, instrument: Fixture.aapl).buy == q("10"))
        #expect(risk.openOrderCount == 1)
    }

    @Test("absurd prices, quantities and unknown orders are ignored or rejected, never trapped on")
    func absurdInput() {
        var risk = PreTradeRisk(limits: Fixture.limits())
        risk.onMarketPrice(instrument: Fixture.aapl, price: Price(rawValue: .max), time: t0)
        risk.onMarketPrice(instrument: Fixture.aapl, price: p("-1"), time: t0)
        risk.onMarketPrice(instrument: InstrumentId(rawValue: 77), price: p("1"), time: t0)
        #expect(risk.ignoredInputCount == 3)
        #expect(risk.decide(order(.buy, "1", at: "90000000000")) == .reject(.invalidPrice))
        let stray = order(.buy, "1", at: "1")
        var fill = execution(.trade, for: stray, lastQuantity: "90000000000", lastPrice: "1")
        risk.onExecution(fill)
        #expect(risk.ignoredInputCount == 4)
        // A sane fill for an order the stage never saw still moves the position.
        fill.lastQuantity = q("5")
        risk.onExecution(fill)
        #expect(risk.position(account: Fixture.accountA, instrument: Fixture.aapl) == q("5"))
        #expect(risk.unknownExecutionCount == 2)
        var replace = order()
        replace.kind = .replace
        replace.originalOrderId = OrderId(rawValue: 123_456_789)
        #expect(risk.decide(replace) == .reject(.unknownOrder))
    }
}
