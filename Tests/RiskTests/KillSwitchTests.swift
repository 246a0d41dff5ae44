import Testing
import PeregrineCore
import PeregrineRisk

@Suite("Pre-trade risk: kill switch")
struct KillSwitchTests {
    let t0 = Fixture.start

    /// A stage where account A is long 100 AAPL (filled) and has one open bid.
    func longAccount(_ configure: (inout RiskLimits) -> Void = { _ in }) -> PreTradeRisk {
        var risk = PreTradeRisk(limits: Fixture.limits(configure))
        let buy = order(.buy, "100", at: "100")
        _ = risk.decide(buy)
        risk.onExecution(execution(.trade, for: buy, lastQuantity: "100", lastPrice: "100", leaves: "0", cumulative: "100"))
        return risk
    }

    @Test("manual: blocks new risk, queues one mass cancel per account, allows reducing orders until reset")
    func manual() {
        var risk = longAccount()
        #expect(risk.engage(reason: .manual, now: t0) == 2)
        #expect(risk.killSwitchCause == .manual)
        #expect(risk.engage(reason: .manual, now: t0) == 0)   // already engaged: nothing new
        var cancels: [OrderCommand] = []
        while let c = risk.nextMassCancel() { cancels.append(c) }
        #expect(cancels.map(\.kind) == [.massCancel, .massCancel])
        #expect(cancels.map(\.account) == [Fixture.accountA, Fixture.accountB])
        #expect(cancels.allSatisfy { $0.createdTime == t0 && $0.instrument == .none })

        #expect(risk.decide(order(.buy, "1", at: "99")) == .reject(.killSwitch))
        #expect(risk.decide(order(.buy, "1", at: "99", account: Fixture.accountB)) == .reject(.killSwitch))
        #expect(risk.decide(order(.sell, "101", at: "101")) == .reject(.killSwitch))   // would flip short
        let reduce = order(.sell, "60", at: "101")
        #expect(risk.decide(reduce) == .accept)
        // Worst case counts the open sell: 100 − 60 − 41 < 0.
        #expect(risk.decide(order(.sell, "41", at: "101")) == .reject(.killSwitch))
        #expect(risk.decide(order(.sell, "40", at: "101")) == .accept)
        var cancel = reduce
        cancel.kind = .cancel
        #expect(risk.decide(cancel) == .accept)
        risk.reset()
        #expect(risk.isKillSwitchEngaged == false)
        #expect(risk.decide(order(.buy, "1", at: "99")) == .accept)
    }

    @Test("automatic: N rejects of the configured reasons within the window engage it")
    func rejectStorm() {
        var risk = PreTradeRisk(limits: Fixture.limits {
            $0.instruments[0].maxOrderQuantity = q("10")
            $0.global.stormRejectCount = 3
            $0.global.stormWindow = .seconds(1)
            $0.global.stormReasons = 1 << UInt64(RiskRejectReason.maxOrderQuantity.rawValue)
        })
        let big = { order(.buy, "11", at: "100") }
        #expect(risk.decide(big(), now: t0) == .reject(.maxOrderQuantity))
        #expect(risk.decide(order(.buy, "1", at: "0")) == .reject(.invalidPrice))     // not a storm reason
        #expect(risk.decide(big(), now: t0 + .milliseconds(500)) == .reject(.maxOrderQuantity))
        #expect(risk.decide(big(), now: t0 + .seconds(1)) == .reject(.maxOrderQuantity))  // first is 1 s old: no storm
        #expect(risk.isKillSwitchEngaged == false)
        #expect(risk.decide(big(), now: t0 + .milliseconds(1400)) == .reject(.maxOrderQuantity))
        #expect(risk.killSwitchCause == .rejectStorm)
        #expect(risk.killSwitchTime == t0 + .milliseconds(1400))
        #expect(risk.decide(order(.buy, "1", at: "100"), now: t0 + .seconds(2)) == .reject(.killSwitch))
        #expect(risk.nextMassCancel()?.kind == .massCancel)
        risk.reset()
        #expect(risk.decide(order(.buy, "1", at: "100"), now: t0 + .seconds(2)) == .accept)
    }

    @Test("a lost venue connection engages it when configured")
    func venueDisconnect() {
        var risk = longAccount()
        #expect(risk.onVenueDisconnected(Fixture.cme, now: t0) == 2)
        #expect(risk.killSwitchCause == .venueDisconnected)
        #expect(risk.isVenueConnected(Fixture.cme) == false)
        #expect(risk.decide(order(.buy, "1", at: "99")) == .reject(.killSwitch))
        #expect(risk.decide(order(.sell, "100", at: "101")) == .accept)
        risk.onVenueConnected(Fixture.cme)
        #expect(risk.isKillSwitchEngaged == true)   // stays until an operator resets

        var relaxed = PreTradeRisk(limits: Fixture.limits { $0.global.killOnVenueDisconnect = false })
        #expect(relaxed.onVenueDisconnected(Fixture.cme, now: t0) == 0)
        #expect(relaxed.isKillSwitchEngaged == false)
        #expect(relaxed.nextMassCancel() == nil)
    }

    @Test("reduce-only accounts and instruments accept only reducing orders")
    func reduceOnly() {
        var risk = longAccount { $0.accounts[1].reduceOnly = true }
        var limits = risk.limits
        limits.instruments[0].reduceOnly = true
        _ = risk.apply(limits, now: t0)
        #expect(risk.decide(order(.buy, "1", at: "99")) == .reject(.reduceOnly))
        #expect(risk.decide(order(.sell, "100", at: "101")) == .accept)
        #expect(risk.decide(order(.sell, "1", at: "101")) == .reject(.reduceOnly))
        #expect(risk.decide(order(.buy, "1", at: "9", instrument: Fixture.es, account: Fixture.accountB)) == .reject(.reduceOnly))
        #expect(risk.decide(order(.buy, "1", at: "9", instrument: Fixture.es)) == .accept)
    }
}
