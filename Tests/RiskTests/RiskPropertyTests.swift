import Testing
import PeregrineCore
import PeregrineRisk

@Suite("Pre-trade risk: property test")
struct RiskPropertyTests {
    static func randomLimits(_ rng: inout SplitMix64) -> RiskLimits {
        Fixture.limits { l in
            for i in l.instruments.indices {
                let lot = l.instruments[i].lotSize.rawValue
                l.instruments[i].enabled = !rng.chance(1)
                l.instruments[i].restricted = rng.chance(1)
                l.instruments[i].allowMarketOrders = !rng.chance(20)
                if rng.chance(70) { l.instruments[i].maxOrderQuantity = Quantity(rawValue: lot * rng.int(10...60)) }
                let unit: [Int64] = [100, 250_000, 30]   // notional of one lot at the starting reference price
                if rng.chance(50) { l.instruments[i].maxOrderNotional = Notional(Price(units: unit[i] * rng.int(10...40))!) }
                if rng.chance(80) { l.instruments[i].maxPosition = Quantity(rawValue: lot * rng.int(40...200)) }
                if rng.chance(60) { l.instruments[i].collarBasisPoints = rng.int(50...400) }
                if rng.chance(50) { l.instruments[i].ordersPerSecond = rng.int(20...400); l.instruments[i].orderBurst = rng.int(1...8) }
                if rng.chance(40) { l.instruments[i].maxModelScore = Double(rng.int(50...95)) / 100 }
            }
            for a in l.accounts.indices {
                l.accounts[a].allowShortSell = !rng.chance(30)
                if rng.chance(30) { l.accounts[a].maxOrderQuantity = Quantity(units: rng.int(20...80))! }
                if rng.chance(60) { l.accounts[a].maxGrossExposure = Notional(Price(units: rng.int(300_000...3_000_000))!) }
                if rng.chance(60) { l.accounts[a].maxNetExposure = Notional(Price(units: rng.int(200_000...2_000_000))!) }
                if rng.chance(60) { l.accounts[a].creditLimit = Notional(Price(units: rng.int(300_000...3_000_000))!) }
                if rng.chance(60) { l.accounts[a].maxLoss = Notional(Price(units: rng.int(20_000...300_000))!) }
                if rng.chance(60) { l.accounts[a].maxDrawdown = Notional(Price(units: rng.int(20_000...300_000))!) }
                if rng.chance(50) { l.accounts[a].maxOrderToTradeRatio = Quantity(units: rng.int(2...6))! }
                if rng.chance(50) { l.accounts[a].maxCancelRatio = Quantity(rawValue: rng.int(30...90) * 1_000_000) }
                l.accounts[a].ratioMinimumCount = rng.int(0...10)
            }
            for a in 0..<l.accounts.count { for i in 0..<l.instruments.count where rng.chance(2) { l.accountRestricted[a * 3 + i] = true } }
            for v in l.venues.indices where rng.chance(60) { l.venues[v].ordersPerSecond = rng.int(20...300); l.venues[v].orderBurst = rng.int(1...6) }
            if rng.chance(60) { l.global.ordersPerSecond = rng.int(100...800); l.global.orderBurst = rng.int(2...20) }
            l.global.duplicateWindow = .milliseconds(rng.int(0...50))
            l.global.ratioWindow = .milliseconds(rng.int(100...2_000) * 8)
            l.global.referenceMaxAge = .milliseconds(rng.int(20...500))
        }
    }

    @Test("100k random orders among 224k events: no accepted order breaks any limit (independently recomputed)")
    func noAcceptedOrderViolatesALimit() {
        var rng = SplitMix64(state: 0x5EED_0001)
        var totalAccepted = 0, totalRejected = 0, totalOrders = 0
        var reasons: [RiskRejectReason: Int] = [:]
        var failures: [String] = []
        for round in 0..<4 {
            let limits = Self.randomLimits(&rng)
            var risk = PreTradeRisk(limits: limits)
            var model = ReferenceModel(limits: limits)
            var now = Fixture.start.nanosecondsSinceEpoch
            let base: [Int64] = [100, 5_000, 30_000]
            for i in 0..<3 {
                let mark = base[i] * 100_000_000
                risk.onMarketPrice(instrument: InstrumentId(rawValue: UInt32(i)), price: Price(rawValue: mark), time: Timestamp(nanosecondsSinceEpoch: now))
                model.marks[i] = mark
                model.markTimes[i] = now
            }
            for step in 0..<56_000 {
                now += rng.int(0...3_000_000)
                let time = Timestamp(nanosecondsSinceEpoch: now)
                let roll = rng.int(0...999)
                if step % 64 == 0 { model.prune(now: now) }
                if roll < 600 {
                    // A new order around the reference price, sometimes malformed.
                    let i = Int(rng.int(0...2))
                    let il = limits.instruments[i]
                    let tick = il.tickSize.rawValue, lot = il.lotSize.rawValue
                    let sides: [Side] = [.buy, .buy, .sell, .sell, .sellShort]
                    let side = sides[Int(rng.int(0...4))]
                    let type: OrderType = rng.chance(8) ? .market : .limit
                    var quantity = lot * rng.int(1...30)
                    if rng.chance(2) { quantity += rng.int(-lot...lot) / 2 }
                    // Mostly passive (buys below, sells above the reference), sometimes crossing.
                    let offset = rng.chance(10) ? rng.int(-400...400) : rng.int(0...300) * (side == .buy ? -1 : 1)
                    let ticks = model.marks[i] / tick * offset / 10_000
                    var price = (model.marks[i] / tick + ticks) * tick
                    if rng.chance(2) { price += rng.int(-tick...tick) / 2 }
                    let venues: [VenueId] = [.none, Fixture.nyse, Fixture.cme]
                    let o = OrderCommand(kind: .new, orderId: nextOrderId(), instrument: InstrumentId(rawValue: UInt32(i)),
                                         side: side, type: type, timeInForce: rng.chance(15) ? .immediateOrCancel : .day,
                                         price: Price(rawValue: type == .market ? 0 : price), quantity: Quantity(rawValue: quantity),
                                         account: AccountId(rawValue: UInt32(rng.int(0...1))), strategy: StrategyId(rawValue: 1),
                                         venue: venues[Int(rng.int(0...2))], createdTime: time)
                    totalOrders += 1
                    let decision = risk.check(o, now: time)
                    if decision.isAccepted {
                        totalAccepted += 1
                        let broken = model.violations(of: o, now: now)
                        if !broken.isEmpty && failures.count < 10 { failures.append("round \(round) step \(step): \(o) breaks \(broken)") }
                        model.recordAccepted(o, now: now)
                    } else {
                        totalRejected += 1
                        reasons[decision.rejectReason!, default: 0] += 1
                    }
                } else if roll < 660, !model.open.isEmpty {
                    // A (partial) fill of an open order at its price.
                    let k = Int(rng.int(0...Int64(model.open.count - 1)))
                    let r = model.open[k]
                    let lot = limits.instruments[r.instrument].lotSize.rawValue
                    let filled = min(r.leaves, lot * rng.int(1...40))
                    var e = ExecutionEvent()
                    e.transactTime = time; e.orderId = r.id; e.executionType = .trade
                    e.instrument = InstrumentId(rawValue: UInt32(r.instrument)); e.account = AccountId(rawValue: UInt32(r.account))
                    e.side = r.side; e.lastQuantity = Quantity(rawValue: filled); e.lastPrice = Price(rawValue: r.price)
                    e.leavesQuantity = Quantity(rawValue: r.leaves - filled)
                    e.orderStatus = r.leaves == filled ? .filled : .partiallyFilled
                    risk.onExecution(e)
                    model.fill(account: r.account, instrument: r.instrument, side: r.side, quantity: filled, price: r.price, now: now)
                    if r.leaves == filled { model.open.remove(at: k) } else { model.open[k].leaves -= filled }
                } else if roll < 710, !model.open.isEmpty {
                    // A cancel request, then the venue's confirmation.
                    let k = Int(rng.int(0...Int64(model.open.count - 1)))
                    let r = model.open[k]
                    let cancel = OrderCommand(kind: .cancel, orderId: nextOrderId(), originalOrderId: r.id,
                                              instrument: InstrumentId(rawValue: UInt32(r.instrument)), side: r.side, type: .limit,
                                              timeInForce: .day, price: .zero, quantity: .zero,
                                              account: AccountId(rawValue: UInt32(r.account)), strategy: StrategyId(rawValue: 1), createdTime: time)
                    #expect(risk.check(cancel, now: time) == .accept)
                    model.cancelTimes[r.account].append(now)
                    var e = ExecutionEvent()
                    e.transactTime = time; e.orderId = r.id; e.executionType = .canceled; e.orderStatus = .canceled
                    e.instrument = InstrumentId(rawValue: UInt32(r.instrument)); e.account = AccountId(rawValue: UInt32(r.account)); e.side = r.side
                    risk.onExecution(e)
                    model.open.remove(at: k)
                } else if roll < 985 {
                    // A reference price move of up to ±1 %.
                    let i = Int(rng.int(0...2))
                    let tick = limits.instruments[i].tickSize.rawValue
                    let mark = max(tick, (model.marks[i] + model.marks[i] * rng.int(-100...100) / 10_000) / tick * tick)
                    risk.onMarketPrice(instrument: InstrumentId(rawValue: UInt32(i)), price: Price(rawValue: mark), time: time)
                    model.marks[i] = mark
                    model.markTimes[i] = now
                    model.updatePeaks()
                } else if roll < 990 {
                    let i = Int(rng.int(0...2))
                    let score = Double(rng.int(0...100)) / 100
                    risk.setModelScore(score, instrument: InstrumentId(rawValue: UInt32(i)))
                    model.scores[i] = score
                } else if roll < 992 {
                    let i = Int(rng.int(0...2))
                    let m = model.marks[i], tick = limits.instruments[i].tickSize.rawValue
                    let band = rng.chance(50) ? (m / tick * 95 / 100 * tick, m / tick * 105 / 100 * tick) : (Int64(0), Int64(0))
                    risk.onPriceBand(instrument: InstrumentId(rawValue: UInt32(i)), lower: Price(rawValue: band.0), upper: Price(rawValue: band.1))
                    model.bands[i] = band
                } else if roll < 993 {
                    risk.engage(reason: .manual, now: time)
                    model.killed = true
                    while risk.nextMassCancel() != nil {}
                } else if model.killed {
                    risk.reset()
                    model.killed = false
                }
                // The stage's own figures agree with the model for one random key.
                let a = Int(rng.int(0...1)), i = Int(rng.int(0...2))
                let key = (AccountId(rawValue: UInt32(a)), InstrumentId(rawValue: UInt32(i)))
                if risk.position(account: key.0, instrument: key.1).rawValue != model.position[a][i]
                    || risk.openQuantity(account: key.0, instrument: key.1).buy.rawValue != model.openQuantity(a, i, .buy)
                    || risk.openQuantity(account: key.0, instrument: key.1).sell.rawValue != model.openQuantity(a, i, .sell) {
                    if failures.count < 10 { failures.append("round \(round) step \(step): state of \(key) differs from the model") }
                }
                if risk.profitAndLoss(account: key.0).peakEquity.rawValue != model.peak[a], failures.count < 10 {
                    failures.append("round \(round) step \(step): peak equity \(risk.profitAndLoss(account: key.0).peakEquity) vs \(model.peak[a])")
                }
            }
            #expect(risk.duplicateFilterEvictions == 0)
            #expect(risk.openOrderCount == model.open.count)
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        // The run exercised both outcomes and many reasons.
        #expect(totalOrders >= 100_000)
        #expect(totalAccepted > 10_000 && totalRejected > 10_000, "accepted \(totalAccepted), rejected \(totalRejected)")
        #expect(reasons.count >= 15, "reasons seen: \(reasons.keys.map(\.description).sorted())")
    }
}
