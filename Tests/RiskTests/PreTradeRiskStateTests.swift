import Testing
import PeregrineCore
import PeregrineRisk

/// Checks that depend on what happened before: open orders, fills, time, history.
@Suite("Pre-trade risk: stateful checks")
struct PreTradeRiskStateTests {
    let t0 = Fixture.start

    @Test("position limit counts open orders worst case; cancels release, fills convert")
    func positionLimit() {
        var risk = PreTradeRisk(limits: Fixture.limits { $0.instruments[0].maxPosition = q("100") })
        let first = order(.buy, "60")
        let second = order(.buy, "40")
        #expect(risk.decide(first) == .accept)
        #expect(risk.decide(second) == .accept)
        #expect(risk.decide(order(.buy, "1")) == .reject(.positionLimit))
        // The other side is judged on its own worst case: 0 − 100 ≥ −100.
        #expect(risk.decide(order(.sell, "100", at: "101")) == .accept)
        #expect(risk.decide(order(.sell, "1", at: "101")) == .reject(.positionLimit))

        risk.onExecution(execution(.canceled, for: second))
        #expect(risk.openQuantity(account: Fixture.accountA, instrument: Fixture.aapl).buy == q("60"))
        #expect(risk.decide(order(.buy, "41")) == .reject(.positionLimit))
        let third = order(.buy, "40")
        #expect(risk.decide(third) == .accept)

        // A fill moves quantity from open to position: the worst case does not change.
        risk.onExecution(execution(.trade, for: first, lastQuantity: "60", lastPrice: "100", leaves: "0", cumulative: "60"))
        #expect(risk.position(account: Fixture.accountA, instrument: Fixture.aapl) == q("60"))
        #expect(risk.openQuantity(account: Fixture.accountA, instrument: Fixture.aapl).buy == q("40"))
        #expect(risk.decide(order(.buy, "1")) == .reject(.positionLimit))
        // Sells now net against the long position: 60 − 100 − 60 = −100.
        #expect(risk.decide(order(.sell, "60", at: "101")) == .accept)
        #expect(risk.decide(order(.sell, "1", at: "101")) == .reject(.positionLimit))
        // The other account is independent.
        #expect(risk.decide(order(.buy, "100", account: Fixture.accountB)) == .accept)
    }

    @Test("a replace is checked for the quantity it adds and swapped on confirmation")
    func replace() {
        var risk = PreTradeRisk(limits: Fixture.limits { $0.instruments[0].maxPosition = q("100") })
        let original = order(.buy, "80")
        #expect(risk.decide(original) == .accept)
        var up = OrderCommand(kind: .replace, orderId: nextOrderId(), originalOrderId: original.orderId,
                              instrument: Fixture.aapl, side: .buy, type: .limit, timeInForce: .day, price: p("100.5"),
                              quantity: q("101"), account: Fixture.accountA, strategy: StrategyId(rawValue: 1), createdTime: t0)
        #expect(risk.decide(up) == .reject(.positionLimit))
        up.quantity = q("100")
        #expect(risk.decide(up) == .accept)
        #expect(risk.openQuantity(account: Fixture.accountA, instrument: Fixture.aapl).buy == q("100"))
        // Unknown original.
        var stray = up
        stray.orderId = nextOrderId()
        stray.originalOrderId = OrderId(rawValue: 999_999_999)
        #expect(risk.decide(stray) == .reject(.unknownOrder))
        // Confirmed: 100 open under the new id only.
        var replaced = execution(.replaced, for: up, leaves: "100")
        replaced.originalOrderId = original.orderId
        risk.onExecution(replaced)
        #expect(risk.openQuantity(account: Fixture.accountA, instrument: Fixture.aapl).buy == q("100"))
        #expect(risk.openOrderCount == 1)
        risk.onExecution(execution(.canceled, for: up))
        #expect(risk.openQuantity(account: Fixture.accountA, instrument: Fixture.aapl).buy == .zero)
        #expect(risk.openOrderCount == 0)
    }

    @Test("gross and net exposure at the reference price, and credit at order prices")
    func exposureAndCredit() {
        var risk = PreTradeRisk(limits: Fixture.limits {
            $0.accounts[0].maxGrossExposure = Notional(p("20000"))
            $0.accounts[0].maxNetExposure = Notional(p("15000"))
            $0.accounts[1].creditLimit = Notional(p("10000"))
        })
        #expect(risk.decide(order(.buy, "1")) == .reject(.staleReferencePrice))
        risk.onMarketPrice(instrument: Fixture.aapl, price: p("100"), time: t0)
        risk.onMarketPrice(instrument: Fixture.es, price: p("10"), time: t0)
        #expect(risk.decide(order(.buy, "150")) == .accept)                     // net 15,000
        #expect(risk.decide(order(.buy, "1", instrument: Fixture.es)) == .reject(.netExposure))   // +500
        // A sell does not worsen net long; gross is max(|150|, |−50|) × 100 = 15,000.
        #expect(risk.decide(order(.sell, "50", at: "101")) == .accept)
        // ES short 10 × 10 × 50 = 5,000 gross → 20,000 exactly; net short side −5,000.
        #expect(risk.decide(order(.sell, "10", at: "10", instrument: Fixture.es)) == .accept)
        #expect(risk.decide(order(.sell, "1", at: "10", instrument: Fixture.es)) == .reject(.grossExposure))
        // Credit for B: open order notional at limit prices.
        #expect(risk.decide(order(.buy, "50", at: "100", account: Fixture.accountB)) == .accept)     // 5,000
        #expect(risk.decide(order(.sell, "49", at: "102", account: Fixture.accountB)) == .accept)    // 4,998
        #expect(risk.decide(order(.buy, "1", at: "2", account: Fixture.accountB)) == .accept)        // 10,000
        #expect(risk.decide(order(.buy, "1", at: "0.01", account: Fixture.accountB)) == .reject(.creditLimit))
        // A mark move re-values exposure: AAPL halves, room appears.
        risk.onMarketPrice(instrument: Fixture.aapl, price: p("50"), time: t0)
        #expect(risk.exposure(account: Fixture.accountA).gross == Notional(p("12500")))
        #expect(risk.decide(order(.sell, "1", at: "10", instrument: Fixture.es)) == .accept)
    }

    @Test("loss and drawdown limits from realized and unrealized P&L; reducing orders pass")
    func lossAndDrawdown() {
        var risk = PreTradeRisk(limits: Fixture.limits {
            $0.accounts[0].maxLoss = Notional(p("1000"))
            $0.accounts[1].maxDrawdown = Notional(p("500"))
        })
        let buy = order(.buy, "100", at: "100")
        #expect(risk.decide(buy) == .accept)
        risk.onExecution(execution(.trade, for: buy, lastQuantity: "100", lastPrice: "100", leaves: "0", cumulative: "100"))
        risk.onMarketPrice(instrument: Fixture.aapl, price: p("90"), time: t0)       // −1,000: at the limit
        #expect(risk.profitAndLoss(account: Fixture.accountA).unrealized == Notional(p("-1000")))
        #expect(risk.decide(order(.buy, "1", at: "90")) == .accept)
        risk.onMarketPrice(instrument: Fixture.aapl, price: p("89.99"), time: t0)    // −1,001 + 0.01
        #expect(risk.decide(order(.buy, "1", at: "89.99")) == .reject(.lossLimit))
        #expect(risk.decide(order(.sell, "50", at: "90.01")) == .accept)            // reduces

        // Drawdown for B: up 600, back 500 is at the limit, back 550 beyond.
        let b = order(.buy, "100", at: "10", instrument: Fixture.btc, account: Fixture.accountB)
        #expect(risk.decide(b) == .accept)
        risk.onExecution(execution(.trade, for: b, lastQuantity: "100", lastPrice: "10", leaves: "0", cumulative: "100"))
        risk.onMarketPrice(instrument: Fixture.btc, price: p("16"), time: t0)
        #expect(risk.profitAndLoss(account: Fixture.accountB).peakEquity == Notional(p("600")))
        risk.onMarketPrice(instrument: Fixture.btc, price: p("11"), time: t0)
        let bid = order(.buy, "1", at: "11", instrument: Fixture.btc, account: Fixture.accountB)
        #expect(risk.decide(bid) == .accept)
        risk.onMarketPrice(instrument: Fixture.btc, price: p("10.5"), time: t0)
        #expect(risk.decide(order(.buy, "1", at: "10.5", instrument: Fixture.btc, account: Fixture.accountB)) == .reject(.drawdownLimit))
        // Realizing keeps the drawdown: sell at 10.5 → realized +50, peak still 600.
        risk.onExecution(execution(.canceled, for: bid))
        let s = order(.sell, "100", at: "10.5", instrument: Fixture.btc, account: Fixture.accountB)
        #expect(risk.decide(s) == .accept)
        risk.onExecution(execution(.trade, for: s, lastQuantity: "100", lastPrice: "10.5", leaves: "0", cumulative: "100"))
        #expect(risk.profitAndLoss(account: Fixture.accountB).realized == Notional(p("50")))
        #expect(risk.position(account: Fixture.accountB, instrument: Fixture.btc) == .zero)
    }

    @Test("token buckets refill by event time: instrument, venue session and global")
    func throttles() {
        var risk = PreTradeRisk(limits: Fixture.limits {
            $0.instruments[0].ordersPerSecond = 10; $0.instruments[0].orderBurst = 2
            $0.venues[1].ordersPerSecond = 1; $0.venues[1].orderBurst = 1
            $0.global.ordersPerSecond = 1000; $0.global.orderBurst = 5
        })
        let t1 = t0 + .milliseconds(100)
        #expect(risk.decide(order(at: "100.01"), now: t0) == .accept)                  // global 5 → 4
        #expect(risk.decide(order(at: "100.02"), now: t0) == .accept)                  // global 3
        #expect(risk.decide(order(at: "100.03"), now: t0) == .reject(.instrumentRateLimit))
        // One token every 100 ms: 1 ns early is still empty.
        #expect(risk.decide(order(at: "100.04"), now: t1 - Nanoseconds(1)) == .reject(.instrumentRateLimit))
        #expect(risk.decide(order(at: "100.05"), now: t1) == .accept)                  // global refilled: 4
        #expect(risk.decide(order(at: "100.06"), now: t1) == .reject(.instrumentRateLimit))
        // Venue session bucket (CME): one per second; NYSE has none.
        #expect(risk.decide(order(at: "10", instrument: Fixture.es, venue: Fixture.cme), now: t1) == .accept)        // 3
        #expect(risk.decide(order(at: "10.25", instrument: Fixture.es, venue: Fixture.cme), now: t1) == .reject(.sessionRateLimit))
        #expect(risk.decide(order(at: "10.25", instrument: Fixture.es, venue: Fixture.nyse), now: t1) == .accept)    // 2
        #expect(risk.decide(order(at: "10.5", instrument: Fixture.es), now: t1) == .accept)                           // 1
        #expect(risk.decide(order(at: "10.75", instrument: Fixture.es), now: t1) == .accept)                          // 0
        #expect(risk.decide(order(at: "11", instrument: Fixture.es), now: t1) == .reject(.globalRateLimit))
        // Rejected orders took no token: 1 ms later exactly one more fits.
        #expect(risk.decide(order(at: "11", instrument: Fixture.es), now: t1 + .milliseconds(1)) == .accept)
        #expect(risk.decide(order(at: "11.25", instrument: Fixture.es), now: t1 + .milliseconds(1)) == .reject(.globalRateLimit))
    }

    @Test("duplicates by content within the window are rejected, outside accepted")
    func duplicates() {
        var risk = PreTradeRisk(limits: Fixture.limits { $0.global.duplicateWindow = .milliseconds(50) })
        #expect(risk.decide(order(.buy, "10", at: "100"), now: t0) == .accept)
        #expect(risk.decide(order(.buy, "10", at: "100"), now: t0 + .milliseconds(50) - Nanoseconds(1)) == .reject(.duplicateOrder))
        #expect(risk.decide(order(.buy, "11", at: "100"), now: t0) == .accept)        // other quantity
        #expect(risk.decide(order(.buy, "10", at: "100", account: Fixture.accountB), now: t0) == .accept)
        #expect(risk.decide(order(.buy, "10", at: "100"), now: t0 + .milliseconds(50)) == .accept)
        #expect(risk.decide(order(.buy, "10", at: "100"), now: t0 + .milliseconds(60)) == .reject(.duplicateOrder))
        #expect(risk.duplicateFilterEvictions == 0)
    }

    @Test("self-match: a buy at or above our own resting ask is rejected, and vice versa")
    func selfMatch() {
        var risk = PreTradeRisk(limits: Fixture.limits())
        let ask = order(.sell, "10", at: "101")
        #expect(risk.decide(ask) == .accept)
        #expect(risk.decide(order(.buy, "10", at: "100.99")) == .accept)
        #expect(risk.decide(order(.buy, "10", at: "101")) == .reject(.selfMatch))
        #expect(risk.decide(order(.sell, "10", at: "100.99")) == .reject(.selfMatch))   // own bid 100.99
        #expect(risk.decide(order(.buy, "10", at: "101", account: Fixture.accountB)) == .accept)
        risk.onMarketPrice(instrument: Fixture.aapl, price: p("100"), time: t0)
        #expect(risk.decide(order(.buy, "10", type: .market, timeInForce: .immediateOrCancel)) == .reject(.selfMatch))
        // IOC orders do not rest; once the ask is cancelled, buys at 101 pass.
        risk.onExecution(execution(.canceled, for: ask))
        #expect(risk.decide(order(.buy, "10", at: "101", timeInForce: .immediateOrCancel)) == .accept)
    }

    @Test("order-to-trade and cancel ratios over the window")
    func ratios() {
        var risk = PreTradeRisk(limits: Fixture.limits {
            $0.accounts[0].maxOrderToTradeRatio = q("3")
            $0.accounts[1].maxCancelRatio = q("0.5")
            $0.accounts[0].ratioMinimumCount = 0
            $0.accounts[1].ratioMinimumCount = 1
            $0.global.ratioWindow = .seconds(8)
        })
        // No trades counts as one: three orders pass, the fourth is beyond 3:1.
        var placed: [OrderCommand] = []
        for k in 0..<3 {
            let o = order(.buy, "1", at: "\(90 + k)")
            placed.append(o)
            #expect(risk.decide(o) == .accept)
        }
        #expect(risk.decide(order(.buy, "1", at: "95")) == .reject(.orderToTradeRatio))
        risk.onExecution(execution(.trade, for: placed[0], lastQuantity: "1", lastPrice: "90", time: t0))
        risk.onExecution(execution(.trade, for: placed[1], lastQuantity: "1", lastPrice: "91", time: t0))
        for k in 0..<3 { #expect(risk.decide(order(.buy, "1", at: "\(80 + k)")) == .accept) }
        #expect(risk.decide(order(.buy, "1", at: "79")) == .reject(.orderToTradeRatio))
        // Eight seconds later the window has moved on.
        #expect(risk.decide(order(.buy, "1", at: "79"), now: t0 + .seconds(8)) == .accept)

        // Cancel ratio for B: 4 orders, 2 cancels = 0.5 allowed; a third cancel is beyond.
        for k in 0..<4 { #expect(risk.decide(order(.buy, "1", at: "\(60 + k)", account: Fixture.accountB)) == .accept) }
        var cancel = order(account: Fixture.accountB)
        cancel.kind = .cancel
        #expect(risk.decide(cancel) == .accept)
        #expect(risk.decide(cancel) == .accept)
        #expect(risk.decide(order(.buy, "1", at: "50", account: Fixture.accountB)) == .accept)   // 2 cancels / 5 orders
        #expect(risk.decide(cancel) == .accept)
        #expect(risk.decide(cancel) == .accept)
        #expect(risk.decide(order(.buy, "1", at: "51", account: Fixture.accountB)) == .reject(.cancelRatio))  // 4 / 6
    }

    @Test("changing limits at run time keeps open quantities, buckets and positions")
    func runtimeLimitChange() {
        var risk = PreTradeRisk(limits: Fixture.limits {
            $0.instruments[0].maxPosition = q("100")
            $0.instruments[0].ordersPerSecond = 1; $0.instruments[0].orderBurst = 2
        })
        #expect(risk.decide(order(.buy, "60", at: "100.01")) == .accept)
        #expect(risk.decide(order(.buy, "41", at: "100.02")) == .reject(.positionLimit))
        var wider = risk.limits
        wider.instruments[0].maxPosition = q("200")
        wider.version = 2
        #expect(risk.problems(replacingWith: wider).isEmpty)
        let change = risk.apply(wider, now: t0)
        #expect(change.previous.instruments[0].maxPosition == q("100"))
        #expect(change.differences == ["version: 1 -> 2", "instrument.AAPL maxPosition: 100 -> 200"])
        // Open quantity survived: 60 + 140 = 200 at the new limit, 141 beyond.
        #expect(risk.openQuantity(account: Fixture.accountA, instrument: Fixture.aapl).buy == q("60"))
        #expect(risk.decide(order(.buy, "141", at: "100.03")) == .reject(.positionLimit))
        #expect(risk.decide(order(.buy, "140", at: "100.04")) == .accept)
        // The bucket kept its state: both tokens are used, so the next order waits.
        #expect(risk.decide(order(.sell, "1", at: "100.05")) == .reject(.instrumentRateLimit))
        var shapeless = RiskLimits(instrumentCount: 1, accountCount: 1)
        shapeless.version = 3
        #expect(!risk.problems(replacingWith: shapeless).isEmpty)
    }
}
