import CBaselines
import PeregrineCore
import PeregrineOMS
#if canImport(Glibc)
import Glibc
#endif

/// OMS figures: nanoseconds per `OrderManager.onSend` (a new order, including recycling a
/// lingering slot in steady state) and per execution report applied — new ack, partial
/// fill, final fill (which makes the order terminal and books the position), a duplicate
/// fill — and heap allocations per event (goal: 0).
///
/// Single thread, fake time, inputs generated before timing. Orders spread over 8 accounts
/// × 64 instruments. The linger is shorter than the time between batches, so every new
/// order recycles a slot, as it would in a long session. Each figure is the median of
/// several timed loops.
func runOMSBenchmarks(quick: Bool, report: inout BenchReport) {
    let batch = 1_024
    let rounds = quick ? 50 : 300
    let repeats = quick ? 3 : 7
    let accountCount = 8, instrumentCount = 64
    let venue = VenueId(rawValue: 1)
    var oms = OrderManager(configuration: OMSConfiguration(
        orderCapacity: batch * 4, executionCapacity: batch * 16, linger: .milliseconds(1),
        accountCount: accountCount, instrumentCount: instrumentCount, fees: FeeSchedule(perUnit: Price("0.0035")!)))
    var now = Timestamp(year: 2026, month: 11, day: 26, hour: 14, minute: 30)!

    // MARK: Inputs (rewritten in place before each timed batch; never grown while counting)
    var commands = [OrderCommand](repeating: OrderCommand(), count: batch)
    var acks = [ExecutionEvent](repeating: ExecutionEvent(), count: batch)
    var partials = acks
    var fills = acks
    var nextId: UInt64 = 1
    let hundred = Quantity(units: 100)!, fifty = Quantity(units: 50)!
    func prepare() {
        for k in 0..<batch {
            let orderId = OrderId(rawValue: nextId)
            nextId += 1
            let buy = (k & 1) == 0
            let price = Price(rawValue: (buy ? 9_990 : 10_010) * 1_000_000 + Int64(k % 7) * 1_000_000)
            commands[k] = OrderCommand(kind: .new, orderId: orderId, instrument: InstrumentId(rawValue: UInt32(k % instrumentCount)),
                                       side: buy ? .buy : .sell, type: .limit, timeInForce: .day, price: price,
                                       quantity: hundred, account: AccountId(rawValue: UInt32(k % accountCount)),
                                       strategy: StrategyId(rawValue: 1), venue: venue, createdTime: now)
            var e = ExecutionEvent()
            e.orderId = orderId
            e.venue = venue
            e.venueOrderId = orderId.rawValue &+ 1_000_000_000
            e.instrument = commands[k].instrument
            e.account = commands[k].account
            e.side = commands[k].side
            e.price = price
            e.orderQuantity = hundred
            e.receiveTime = now
            e.transactTime = now
            e.executionType = .new
            e.orderStatus = .new
            e.leavesQuantity = hundred
            acks[k] = e
            e.executionType = .trade
            e.orderStatus = .partiallyFilled
            e.executionId = orderId.rawValue &* 2
            e.lastQuantity = fifty
            e.lastPrice = price
            e.cumulativeQuantity = fifty
            e.leavesQuantity = fifty
            e.averagePrice = price
            partials[k] = e
            e.orderStatus = .filled
            e.executionId = orderId.rawValue &* 2 &+ 1
            e.cumulativeQuantity = hundred
            e.leavesQuantity = .zero
            fills[k] = e
        }
    }

    // MARK: Warm-up (first use of each path: metadata, page faults), untimed
    var sink: UInt64 = 0
    for _ in 0..<8 {
        prepare()
        now = now + .milliseconds(2)
        for c in commands { sink &+= UInt64(oms.onSend(c, now: now).code.rawValue) }
        for e in acks { sink &+= UInt64(oms.onExecution(e).code.rawValue) }
        for e in partials { sink &+= UInt64(oms.onExecution(e).code.rawValue) }
        for e in fills { sink &+= UInt64(oms.onExecution(e).code.rawValue) }
        for e in fills { sink &+= UInt64(oms.onExecution(e).code.rawValue) }
    }

    // MARK: Timed
    var sendSamples: [Double] = [], ackSamples: [Double] = [], partialSamples: [Double] = []
    var fillSamples: [Double] = [], duplicateSamples: [Double] = []
    sendSamples.reserveCapacity(repeats); ackSamples.reserveCapacity(repeats); partialSamples.reserveCapacity(repeats)
    fillSamples.reserveCapacity(repeats); duplicateSamples.reserveCapacity(repeats)
    var allocations: UInt64 = 0
    var events = 0
    for _ in 0..<repeats {
        var send: Int64 = 0, ack: Int64 = 0, partial: Int64 = 0, fill: Int64 = 0, duplicate: Int64 = 0
        for _ in 0..<rounds {
            prepare()
            now = now + .milliseconds(2)     // past the linger: the batch recycles slots
            let allocationsBefore = cbaseline_allocation_count()
            let t0 = omsMonotonicNanos()
            for c in commands { sink &+= UInt64(oms.onSend(c, now: now).code.rawValue) }
            let t1 = omsMonotonicNanos()
            for e in acks { sink &+= UInt64(oms.onExecution(e).code.rawValue) }
            let t2 = omsMonotonicNanos()
            for e in partials { sink &+= UInt64(oms.onExecution(e).code.rawValue) }
            let t3 = omsMonotonicNanos()
            for e in fills { sink &+= UInt64(oms.onExecution(e).code.rawValue) }
            let t4 = omsMonotonicNanos()
            for e in fills { sink &+= UInt64(oms.onExecution(e).code.rawValue) }
            let t5 = omsMonotonicNanos()
            allocations += cbaseline_allocation_count() - allocationsBefore
            events += 5 * batch
            send += t1 - t0; ack += t2 - t1; partial += t3 - t2; fill += t4 - t3; duplicate += t5 - t4
        }
        let n = Double(batch * rounds)
        sendSamples.append(Double(send) / n)
        ackSamples.append(Double(ack) / n)
        partialSamples.append(Double(partial) / n)
        fillSamples.append(Double(fill) / n)
        duplicateSamples.append(Double(duplicate) / n)
    }
    report.add(name: "oms.on_send.new", value: omsMedian(sendSamples), unit: "ns/command")
    report.add(name: "oms.execution.new_ack", value: omsMedian(ackSamples), unit: "ns/event")
    report.add(name: "oms.execution.partial_fill", value: omsMedian(partialSamples), unit: "ns/event")
    report.add(name: "oms.execution.fill", value: omsMedian(fillSamples), unit: "ns/event")
    report.add(name: "oms.execution.duplicate_fill", value: omsMedian(duplicateSamples), unit: "ns/event")
    report.add(name: "oms.allocations", value: Double(allocations) / Double(events), unit: "allocs/event")
    if oms.faultCount != 0 || oms.count(of: .duplicate) == 0 || sink == 0 {
        print("# oms: unexpected outcome counts (faults \(oms.faultCount)); check the set-up")
    }
}

private func omsMonotonicNanos() -> Int64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
}

private func omsMedian(_ samples: [Double]) -> Double {
    let sorted = samples.sorted()
    return sorted[sorted.count / 2]
}
