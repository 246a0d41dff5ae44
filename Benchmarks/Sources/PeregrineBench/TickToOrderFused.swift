import CBaselines
import PeregrineCore
import PeregrineModels
import PeregrinePlatform

enum TickToOrderSwift {
    /// Everything on the calling (pinned) thread: per line, t0 → decode … encode → t1; the
    /// first NOS of a tick stamps the tick-to-order time. Venue answers are applied after t1.
    static func fused(stream: TickStream, warmup: Int, measured: Int, firstReceive: Timestamp, model: ModelSlot) -> TickToOrderRun {
        var unused: [NoStageStamps] = []
        return fused(stream: stream, warmup: warmup, measured: measured, firstReceive: firstReceive, model: model, stamps: &unused)
    }

    /// The fused run; with `StageStamps`, also collects the stage stamps of every timed tick that
    /// sent an order (those of the first NOS), for the breakdown.
    static func fused<Stamps: TickStageStamps>(stream: TickStream, warmup: Int, measured: Int, firstReceive: Timestamp,
                                               model: ModelSlot, stamps orderStamps: inout [Stamps]) -> TickToOrderRun {
        var feed = TickFeedSide(model: model)
        var orders = TickOrderSide()
        var run = TickToOrderRun()
        var tickSamples = [UInt64](repeating: 0, count: measured)
        var orderSamples = [UInt64](repeating: 0, count: measured)
        var orderCount = 0
        let recordStamps = !(Stamps.self == NoStageStamps.self)
        if recordStamps { orderStamps.reserveCapacity(measured) }
        // Commands sent during the current tick, answered after it (never more than a few:
        // the strategy keeps one order per instrument).
        var pending = [OrderCommand](repeating: OrderCommand(), count: 64)
        var pendingAccepted = [Bool](repeating: false, count: 64)
        var allocationsBefore: UInt64 = 0
        var eventsBefore = 0
        stream.bytes.withUnsafeBytes { raw in
            var offset = 0
            for k in 0..<(warmup + measured) {
                if k == warmup { allocationsBefore = cbaseline_allocation_count(); eventsBefore = feed.events }
                let receive = tickReceiveTime(k, firstReceive: firstReceive)
                var pendingCount = 0
                var firstOrder: UInt64 = 0
                var stamps = Stamps()
                var firstStamps = stamps
                // MARK: measured: bytes in → done
                let t0 = TSCClock.ticksSerialized()
                stamps.stamp(.start)
                let length = tickLineLength(raw, from: offset)
                let line = UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + length)])
                let n = feed.decode(line, receive: receive)
                stamps.stamp(.decode)
                for i in 0..<n where feed.process(i, receive: receive, stamps: &stamps) {
                    for j in 0..<feed.strategy.orders.count {
                        let c = feed.strategy.orders[j]
                        let sent = orders.send(c, reference: feed.reference(c.instrument), now: receive, stamps: &stamps)
                        if sent && firstOrder == 0 { firstOrder = TSCClock.ticksSerialized(); firstStamps = stamps }
                        pending[pendingCount] = c
                        pendingAccepted[pendingCount] = sent
                        pendingCount &+= 1
                    }
                    feed.strategy.orders.removeAll()
                }
                let t1 = TSCClock.ticksSerialized()
                // MARK: not measured: the venue answers
                offset &+= length
                if k >= warmup {
                    tickSamples[k - warmup] = t1 &- t0
                    if firstOrder != 0 {
                        orderSamples[orderCount] = firstOrder &- t0
                        orderCount &+= 1
                        if recordStamps { orderStamps.append(firstStamps) }
                    }
                }
                var p = 0
                while p < pendingCount {
                    let c = pending[p]
                    if pendingAccepted[p] {
                        let answers = orders.fill(c, now: receive)
                        feed.strategy.onOrderUpdate(answers.ack)
                        feed.strategy.onOrderUpdate(answers.fill)
                    } else {
                        feed.strategy.onOrderUpdate(orders.rejection(c, now: receive))
                    }
                    for j in 0..<feed.strategy.orders.count where pendingCount < pending.count {
                        let followUp = feed.strategy.orders[j]
                        pendingAccepted[pendingCount] = orders.send(followUp, reference: feed.reference(followUp.instrument), now: receive)
                        pending[pendingCount] = followUp
                        pendingCount &+= 1
                    }
                    feed.strategy.orders.removeAll()
                    p &+= 1
                }
            }
        }
        run.allocations = cbaseline_allocation_count() - allocationsBefore
        run.measuredEvents = feed.events - eventsBefore
        run.tickTicks = tickSamples
        run.orderTicks = Array(orderSamples.prefix(orderCount))
        run.events = feed.events
        run.drops = feed.drops
        run.ordersAccepted = orders.accepted
        run.ordersRejected = orders.rejected + orders.omsRefused
        run.nosBytes = orders.nosBytes
        run.lastNOS = orders.lastNOSText
        if orders.checksum == 42 { print("# ticktoorder: checksum \(orders.checksum)") }
        return run
    }
}
