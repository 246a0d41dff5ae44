import Testing
import PeregrineCore
import PeregrineRisk

/// One check at a time: accepted exactly at the limit, rejected one tick or lot beyond,
/// with the right reason.
@Suite("Pre-trade risk: per-order checks")
struct PreTradeRiskCheckTests {
    let t0 = Fixture.start

    @Test("a disabled or unknown instrument is rejected")
    func instrumentEnabled() {
        var risk = PreTradeRisk(limits: Fixture.limits { $0.instruments[1].enabled = false })
        #expect(risk.decide(order(instrument: Fixture.aapl)) == .accept)
        #expect(risk.decide(order(instrument: Fixture.es)) == .reject(.instrumentDisabled))
        #expect(risk.decide(order(instrument: InstrumentId(rawValue: 9))) == .reject(.instrumentDisabled))
        #expect(risk.decide(order(account: AccountId(rawValue: 7))) == .reject(.unknownAccount))
        #expect(risk.rejectCount(.instrumentDisabled) == 2)
        #expect(risk.acceptedCount == 1)
    }

    @Test("the firm and account restricted lists reject every new order")
    func restricted() {
        var risk = PreTradeRisk(limits: Fixture.limits {
            $0.instruments[1].restricted = true
            $0.accountRestricted[1 * 3 + 0] = true   // account B may not trade AAPL
        })
        #expect(risk.decide(order(at: "100", instrument: Fixture.es)) == .reject(.instrumentRestricted))
        #expect(risk.decide(order(account: Fixture.accountB)) == .reject(.instrumentRestricted))
        #expect(risk.decide(order(account: Fixture.accountA)) == .accept)
    }

    @Test("short sales need the account's permission; plain sells do not")
    func side() {
        var risk = PreTradeRisk(limits: Fixture.limits { $0.accounts[0].allowShortSell = false })
        #expect(risk.decide(order(.sellShort)) == .reject(.invalidSide))
        #expect(risk.decide(order(.sellShortExempt)) == .reject(.invalidSide))
        #expect(risk.decide(order(.sell)) == .accept)
    }

    @Test("market orders need permission, a reference price and a non-resting time in force")
    func orderType() {
        var risk = PreTradeRisk(limits: Fixture.limits { $0.instruments[1].allowMarketOrders = false })
        #expect(risk.decide(order(type: .market)) == .reject(.staleReferencePrice))
        risk.onMarketPrice(instrument: Fixture.aapl, price: p("100"), time: t0)
        #expect(risk.decide(order(type: .market)) == .accept)
        #expect(risk.decide(order(type: .market, timeInForce: .goodTillCancel)) == .reject(.invalidOrderType))
        #expect(risk.decide(order(instrument: Fixture.es, type: .market)) == .reject(.invalidOrderType))
    }

    @Test("quantity must be positive and a lot multiple")
    func quantity() {
        var risk = PreTradeRisk(limits: Fixture.limits())
        #expect(risk.decide(order(.buy, "0")) == .reject(.invalidQuantity))
        #expect(risk.decide(order(.buy, "-5")) == .reject(.invalidQuantity))
        #expect(risk.decide(order(.buy, "1.5")) == .reject(.invalidQuantity))
        #expect(risk.decide(order(.buy, "0.0015", at: "50000", instrument: Fixture.btc)) == .reject(.invalidQuantity))
        #expect(risk.decide(order(.buy, "0.002", at: "50000", instrument: Fixture.btc)) == .accept)
        #expect(risk.decide(order(.buy, "90000000000", at: "1")) == .reject(.invalidQuantity))   // absurd: > 2^53 raw
    }

    @Test("limit and stop prices must be positive tick multiples")
    func price() {
        var risk = PreTradeRisk(limits: Fixture.limits())
        #expect(risk.decide(order(at: "100.01")) == .accept)
        #expect(risk.decide(order(at: "100.005")) == .reject(.invalidPrice))
        #expect(risk.decide(order(at: "0")) == .reject(.invalidPrice))
        #expect(risk.decide(order(at: "-1")) == .reject(.invalidPrice))
        #expect(risk.decide(order(at: "5000.25", instrument: Fixture.es)) == .accept)
        #expect(risk.decide(order(at: "5000.10", instrument: Fixture.es)) == .reject(.invalidPrice))
        var stop = order(type: .stopLimit)
        stop.stopPrice = p("99.999")
        #expect(risk.decide(stop) == .reject(.invalidPrice))
        stop.stopPrice = p("99.99")
        #expect(risk.decide(stop) == .accept)
    }

    @Test("maximum order quantity: the smaller of instrument and account limit")
    func maxQuantity() {
        var risk = PreTradeRisk(limits: Fixture.limits {
            $0.instruments[0].maxOrderQuantity = q("100")
            $0.accounts[1].maxOrderQuantity = q("50")
        })
        #expect(risk.decide(order(.buy, "100")) == .accept)
        #expect(risk.decide(order(.buy, "101")) == .reject(.maxOrderQuantity))
        #expect(risk.decide(order(.buy, "50", account: Fixture.accountB)) == .accept)
        #expect(risk.decide(order(.buy, "51", account: Fixture.accountB)) == .reject(.maxOrderQuantity))
    }

    @Test("maximum order notional counts the contract multiplier")
    func maxNotional() {
        var risk = PreTradeRisk(limits: Fixture.limits {
            $0.instruments[0].maxOrderNotional = Notional(p("10000"))
            $0.accounts[0].maxOrderNotional = Notional(p("500000"))
        })
        #expect(risk.decide(order(.buy, "100", at: "100")) == .accept)
        #expect(risk.decide(order(.buy, "100", at: "100.01")) == .reject(.maxOrderNotional))
        // ES: 2 × 5000 × 50 = 500,000 at the account limit; one tick more is beyond.
        #expect(risk.decide(order(.buy, "2", at: "5000", instrument: Fixture.es)) == .accept)
        #expect(risk.decide(order(.buy, "2", at: "5000.25", instrument: Fixture.es)) == .reject(.maxOrderNotional))
    }

    @Test("price collar around the reference price, in basis points, both sides")
    func collar() {
        var risk = PreTradeRisk(limits: Fixture.limits { $0.instruments[0].collarBasisPoints = 100 })
        risk.onMarketPrice(instrument: Fixture.aapl, price: p("100"), time: t0)
        #expect(risk.decide(order(.buy, "1", at: "101")) == .accept)
        #expect(risk.decide(order(.buy, "1", at: "101.01")) == .reject(.priceCollar))
        #expect(risk.decide(order(.sell, "1", at: "99", account: Fixture.accountB)) == .accept)
        #expect(risk.decide(order(.sell, "1", at: "98.99", account: Fixture.accountB)) == .reject(.priceCollar))
    }

    @Test("a stale or missing reference price fails the collar")
    func staleReference() {
        var risk = PreTradeRisk(limits: Fixture.limits {
            $0.instruments[0].collarBasisPoints = 100
            $0.global.referenceMaxAge = .seconds(5)
        })
        #expect(risk.decide(order(.buy, "1", at: "100")) == .reject(.staleReferencePrice))
        risk.onMarketPrice(instrument: Fixture.aapl, price: p("100"), time: t0)
        #expect(risk.decide(order(.buy, "1", at: "100"), now: t0 + .seconds(5)) == .accept)
        #expect(risk.decide(order(.buy, "1", at: "100"), now: t0 + .seconds(5) + Nanoseconds(1)) == .reject(.staleReferencePrice))
        risk.onMarketPrice(instrument: Fixture.aapl, price: p("100"), time: t0 + .seconds(6))
        #expect(risk.decide(order(.buy, "1", at: "100"), now: t0 + .seconds(6)) == .accept)
    }

    @Test("venue price bands bound limit prices inclusively")
    func venueBand() {
        var risk = PreTradeRisk(limits: Fixture.limits())
        risk.onPriceBand(instrument: Fixture.aapl, lower: p("95"), upper: p("105"))
        #expect(risk.decide(order(.buy, "1", at: "105")) == .accept)
        #expect(risk.decide(order(.buy, "1", at: "105.01")) == .reject(.venuePriceBand))
        #expect(risk.decide(order(.sell, "1", at: "95", account: Fixture.accountB)) == .accept)
        #expect(risk.decide(order(.sell, "1", at: "94.99", account: Fixture.accountB)) == .reject(.venuePriceBand))
    }

    @Test("the model risk score blocks orders above its threshold")
    func modelScore() {
        var risk = PreTradeRisk(limits: Fixture.limits { $0.instruments[0].maxModelScore = 0.8 })
        risk.setModelScore(0.8, instrument: Fixture.aapl)
        #expect(risk.decide(order()) == .accept)
        risk.setModelScore(0.8000001, instrument: Fixture.aapl)
        #expect(risk.decide(order()) == .reject(.modelRiskScore))
    }

    @Test("cancels are always accepted and counted")
    func cancels() {
        var risk = PreTradeRisk(limits: Fixture.limits { $0.instruments[0].enabled = false })
        var cancel = order()
        cancel.kind = .cancel
        #expect(risk.decide(cancel) == .accept)
        #expect(risk.acceptedCount == 1)
    }
}
