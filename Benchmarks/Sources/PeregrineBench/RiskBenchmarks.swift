import CBaselines
import PeregrineCore
import PeregrineRisk
#if canImport(Glibc)
import Glibc
#endif

/// Pre-trade risk figures: nanoseconds per `PreTradeRisk.check` with every check enabled,
/// on the accepting path (all checks run, then the order is recorded), on a late reject
/// (a duplicate: every check before it runs) and on an early reject (disabled instrument),
/// plus a fill and a reference-price update; and heap allocations per check (goal: 0).
///
/// Single thread, deterministic inputs generated before timing. Accepted orders are
/// cancelled in untimed batches so the open-order table never fills. Each figure is the
/// median of several timed loops.
func runRiskBenchmarks(quick: Bool, report: inout BenchReport) {
    let batch = 1_024
    let batches = quick ? 100 : 500
    let repeats = quick ? 3 : 7
    let instrumentCount = 64, accountCount = 8, venueCount = 4

    // MARK: Limits with every check on (generous, so the accepting path accepts)
    var limits = RiskLimits(instrumentCount: instrumentCount, accountCount: accountCount, venueCount: venueCount)
    for i in 0..<instrumentCount {
        limits.instruments[i].tickSize = Price("0.01")!
        limits.instruments[i].maxOrderQuantity = Quantity(units: 1_000_000)!
        limits.instruments[i].maxOrderNotional = Notional(Price(units: 1_000_000_000)!)
        limits.instruments[i].maxPosition = Quantity(units: 1_000_000_000)!
        limits.instruments[i].collarBasisPoints = 1_000
        limits.instruments[i].ordersPerSecond = TokenBucket.maxRate
        limits.instruments[i].orderBurst = TokenBucket.maxBurst
        limits.instruments[i].maxModelScore = 0.9
    }
    limits.instruments[instrumentCount - 1].enabled = false
    for a in 0..<accountCount {
        limits.accounts[a].maxOrderQuantity = Quantity(units: 1_000_000)!
        limits.accounts[a].maxOrderNotional = Notional(Price(units: 1_000_000_000)!)
        limits.accounts[a].maxGrossExposure = Notional(Price(units: 90_000_000_000)!)
        limits.accounts[a].maxNetExposure = Notional(Price(units: 90_000_000_000)!)
        limits.accounts[a].creditLimit = Notional(Price(units: 90_000_000_000)!)
        limits.accounts[a].maxLoss = Notional(Price(units: 1_000_000)!)
        limits.accounts[a].maxDrawdown = Notional(Price(units: 1_000_000)!)
        limits.accounts[a].maxOrderToTradeRatio = Quantity(units: 1_000_000_000)!
        limits.accounts[a].maxCancelRatio = Quantity(units: 1_000_000)!
    }
    for v in 0..<venueCount {
        limits.venues[v].ordersPerSecond = TokenBucket.maxRate
        limits.venues[v].orderBurst = TokenBucket.maxBurst
    }
    limits.global.ordersPerSecond = TokenBucket.maxRate
    limits.global.orderBurst = TokenBucket.maxBurst
    limits.global.duplicateWindow = .milliseconds(1)
    limits.global.referenceMaxAge = .seconds(3600)
    limits.global.stormRejectCount = 100
    limits.global.stormWindow = .nanoseconds1
    limits.global.stormReasons = 1 << UInt64(RiskRejectReason.positionLimit.rawValue)
    limits.global.maxOpenOrders = batch * 4
    var risk = PreTradeRisk(limits: limits)
    var now = Timestamp(year: 2026, month: 11, day: 26, hour: 14, minute: 30)!
    for i in 0..<instrumentCount {
        risk.onMarketPrice(instrument: InstrumentId(rawValue: UInt32(i)), price: Price(units: 100)!, time: now)
    }

    // MARK: Inputs (generated before timing; distinct content so none is a duplicate)
    var orders: [OrderCommand] = []
    orders.reserveCapacity(batch)
    var nextId: UInt64 = 1
    func makeBatch(_ round: Int) {
        orders.removeAll(keepingCapacity: true)
        for k in 0..<batch {
            let buy = k & 1 == 0
            let ticks = Int64((k * 7 + round) % 400)
            orders.append(OrderCommand(kind: .new, orderId: OrderId(rawValue: nextId), instrument: InstrumentId(rawValue: UInt32(k % (instrumentCount - 1))),
                                       side: buy ? .buy : .sell, type: .limit, timeInForce: .day,
                                       price: Price(rawValue: (buy ? 9_500 - ticks : 10_500 + ticks) * 1_000_000),
                                       quantity: Quantity(units: Int64(1 + (k / 64 + round) % 50))!,
                                       account: AccountId(rawValue: UInt32(k % accountCount)), strategy: StrategyId(rawValue: 1),
                                       venue: VenueId(rawValue: UInt16(k % venueCount)), createdTime: now))
            nextId += 1
        }
    }
    var cancel = ExecutionEvent()
    cancel.executionType = .canceled
    cancel.orderStatus = .canceled
    func cancelBatch(_ risk: inout PreTradeRisk) {
        for o in orders {
            cancel.orderId = o.orderId
            risk.onExecution(cancel)
        }
    }

    // MARK: Warm-up (first use of each code path: runtime metadata, page faults), untimed
    for b in 0..<4 {
        makeBatch(10_000 + b)
        now = now + .milliseconds(2)
        for o in orders where risk.check(o, now: now).isAccepted {}
        var fill = ExecutionEvent()
        fill.executionType = .trade
        fill.lastQuantity = Quantity(units: 1)!
        fill.lastPrice = Price(units: 100)!
        for o in orders.prefix(64) {
            fill.orderId = o.orderId; fill.instrument = o.instrument; fill.account = o.account; fill.side = o.side
            fill.leavesQuantity = o.quantity - Quantity(units: 1)!
            fill.transactTime = now
            risk.onExecution(fill)
        }
        cancelBatch(&risk)
        _ = risk.check(orders[0], now: now)
        _ = risk.check(orders[0], now: now)
        risk.onMarketPrice(instrument: orders[0].instrument, price: Price(units: 100)!, time: now)
        cancelBatch(&risk)
    }

    // MARK: Accepting path
    var sink = 0
    var acceptSamples: [Double] = []
    var cancelSamples: [Double] = []
    var allocations: UInt64 = 0
    var checks = 0
    for r in 0..<repeats {
        var checkNanos: Int64 = 0, cancelNanos: Int64 = 0
        for b in 0..<batches {
            makeBatch(r * batches + b)
            now = now + .milliseconds(2)   // past the duplicate window
            let allocationsBefore = cbaseline_allocation_count()
            let start = monotonicNanos()
            for o in orders where risk.check(o, now: now).isAccepted { sink &+= 1 }
            let middle = monotonicNanos()
            cancelBatch(&risk)
            let end = monotonicNanos()
            allocations += cbaseline_allocation_count() - allocationsBefore
            checks += batch
            checkNanos += middle - start
            cancelNanos += end - middle
        }
        acceptSamples.append(Double(checkNanos) / Double(batch * batches))
        cancelSamples.append(Double(cancelNanos) / Double(batch * batches))
    }
    let acceptedShare = Double(sink) / Double(checks)
    report.add(name: "risk.check.accept", value: median(acceptSamples), unit: "ns/order")
    report.add(name: "risk.check.accepted_share", value: acceptedShare, unit: "ratio")
    report.add(name: "risk.execution.cancel", value: median(cancelSamples), unit: "ns/event")

    // MARK: Late reject (duplicate: every other check runs first) and early reject
    makeBatch(0)
    now = now + .milliseconds(2)
    for o in orders { _ = risk.check(o, now: now) }
    var duplicates = orders
    for k in duplicates.indices { duplicates[k].orderId = OrderId(rawValue: nextId); nextId += 1 }
    // Sample arrays are reserved up front: growing one inside a counted window would count.
    var lateSamples: [Double] = []
    var earlySamples: [Double] = []
    lateSamples.reserveCapacity(repeats)
    earlySamples.reserveCapacity(repeats)
    var disabled = orders
    for k in disabled.indices { disabled[k].instrument = InstrumentId(rawValue: UInt32(instrumentCount - 1)) }
    var rejects = 0
    for _ in 0..<repeats {
        let allocationsBefore = cbaseline_allocation_count()
        var start = monotonicNanos()
        for _ in 0..<batches { for o in duplicates where !risk.check(o, now: now).isAccepted { rejects &+= 1 } }
        var end = monotonicNanos()
        lateSamples.append(Double(end - start) / Double(batch * batches))
        start = monotonicNanos()
        for _ in 0..<batches { for o in disabled where !risk.check(o, now: now).isAccepted { rejects &+= 1 } }
        end = monotonicNanos()
        earlySamples.append(Double(end - start) / Double(batch * batches))
        allocations += cbaseline_allocation_count() - allocationsBefore
        checks += 2 * batch * batches
    }
    report.add(name: "risk.check.reject_duplicate", value: median(lateSamples), unit: "ns/order")
    report.add(name: "risk.check.reject_disabled", value: median(earlySamples), unit: "ns/order")
    report.add(name: "risk.check.allocations", value: Double(allocations) / Double(checks), unit: "allocs/check")
    if risk.rejectCount(.duplicateOrder) == 0 { print("# risk: duplicate path did not reject (check the set-up)") }
    cancelBatch(&risk)

    // MARK: Fills and reference prices
    var fill = ExecutionEvent()
    fill.executionType = .trade
    fill.orderStatus = .partiallyFilled
    fill.lastQuantity = Quantity(units: 1)!
    fill.lastPrice = Price(units: 100)!
    fill.leavesQuantity = Quantity(units: 1)!
    var fillSamples: [Double] = []
    var markSamples: [Double] = []
    fillSamples.reserveCapacity(repeats)
    markSamples.reserveCapacity(repeats)
    let allocationsBefore = cbaseline_allocation_count()
    for r in 0..<repeats {
        var start = monotonicNanos()
        for k in 0..<(batch * batches) {
            fill.instrument = InstrumentId(rawValue: UInt32(k % (instrumentCount - 1)))
            fill.account = AccountId(rawValue: UInt32(k % accountCount))
            fill.side = (k + r) & 2 == 0 ? .buy : .sell
            fill.transactTime = now
            risk.onExecution(fill)
        }
        var end = monotonicNanos()
        fillSamples.append(Double(end - start) / Double(batch * batches))
        start = monotonicNanos()
        for k in 0..<(batch * batches) {
            risk.onMarketPrice(instrument: InstrumentId(rawValue: UInt32(k % (instrumentCount - 1))),
                               price: Price(rawValue: (10_000 + Int64(k % 7)) * 1_000_000), time: now)
        }
        end = monotonicNanos()
        markSamples.append(Double(end - start) / Double(batch * batches))
    }
    let eventAllocations = cbaseline_allocation_count() - allocationsBefore
    report.add(name: "risk.execution.fill", value: median(fillSamples), unit: "ns/event")
    report.add(name: "risk.market_price.8_accounts", value: median(markSamples), unit: "ns/event")
    report.add(name: "risk.events.allocations", value: Double(eventAllocations) / Double(2 * repeats * batch * batches), unit: "allocs/event")
    if sink == 0 || rejects == 0 { print("# risk: unexpected outcome counts \(sink) \(rejects)") }
}

private func monotonicNanos() -> Int64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
}

private func median(_ samples: [Double]) -> Double {
    let sorted = samples.sorted()
    return sorted[sorted.count / 2]
}

private extension Nanoseconds {
    static var nanoseconds1: Nanoseconds { Nanoseconds(1) }
}
