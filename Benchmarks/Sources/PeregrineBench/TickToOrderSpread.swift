import CBaselines
import PeregrineCore
import PeregrineModels
import PeregrinePlatform
import PeregrineRings

/// A command crossing from the feed thread to the order thread, with the TSC stamp taken at
/// bytes-in of the line that produced it.
struct TickOrderMessage: BitwiseCopyable {
    enum Kind: UInt8 { case order = 0, startMeasuring = 1, end = 2 }
    var command = OrderCommand()
    var tickTicks: UInt64 = 0
    var reference = Price(rawValue: 0)
    var receive = Timestamp.zero
    /// Line index of the tick that produced the command; −1 for a follow-up sent on a venue
    /// answer (not timed).
    var tick = -1
    var kind = Kind.order
}

/// Counts the feed thread leaves behind.
final class TickFeedReport: @unchecked Sendable {
    // SAFETY: written only by the feed thread before it returns; read by the order thread
    // after `join`, which orders the writes before the reads.
    var events = 0
    var measuredEvents = 0
    var drops = 0
}

extension TickToOrderSwift {
    /// Feed thread (pinned to `feedCPU`): decode → filter → book → CEP → strategy, commands into
    /// an `SPSCRing` (busy spin). Order thread (the caller, pinned to `orderCPU`): risk → OMS →
    /// FIX, venue answers back over a second ring. Tick-to-order = bytes-in on the feed thread
    /// → first NOS of that tick finished on the order thread (invariant TSC, both cores).
    static func spread(stream: TickStream, warmup: Int, measured: Int, firstReceive: Timestamp, model: ModelSlot,
                       feedCPU: Int, orderCPU: Int) throws -> TickToOrderRun {
        let toOrders = try SPSCRing<TickOrderMessage>(capacity: 1_024)
        let toFeed = try SPSCRing<ExecutionEvent>(capacity: 1_024)
        let feedReport = TickFeedReport()
        var orders = TickOrderSide()
        var samples = [UInt64](repeating: 0, count: measured)
        var count = 0
        try CPU.pinCurrentThread(to: orderCPU)
        let feed = try PinnedThread.start(name: "t2o-feed", placement: ThreadPlacement(cpu: feedCPU, policy: RingBenchmarks.policy)) {
            runFeedThread(bytes: stream.bytes, lines: warmup + measured, warmup: warmup, firstReceive: firstReceive,
                          model: model, toOrders: toOrders, toFeed: toFeed, report: feedReport)
        }
        var lastTimedTick = -1
        var allocationsBefore: UInt64 = 0, allocationsAfter: UInt64 = 0
        loop: while true {
            guard let m = toOrders.tryConsume() else { CPU.pause(); continue }
            switch m.kind {
            case .startMeasuring:
                // Read by the feed thread just before it published the marker: the window
                // [that read, the read below] covers all timed work of both threads.
                allocationsBefore = m.tickTicks
            case .end:
                allocationsAfter = cbaseline_allocation_count()
                break loop
            case .order:
                let sent = orders.send(m.command, reference: m.reference, now: m.receive)
                if sent && m.tick >= 0 && m.tick != lastTimedTick {
                    let t1 = TSCClock.ticksSerialized()
                    lastTimedTick = m.tick
                    if m.tick >= warmup { samples[count] = t1 &- m.tickTicks; count &+= 1 }
                }
                // Not measured: the venue's answers, back to the strategy.
                if sent {
                    let answers = orders.fill(m.command, now: m.receive)
                    while toFeed.tryPublish(answers.ack) == .full { CPU.pause() }
                    while toFeed.tryPublish(answers.fill) == .full { CPU.pause() }
                } else {
                    let reject = orders.rejection(m.command, now: m.receive)
                    while toFeed.tryPublish(reject) == .full { CPU.pause() }
                }
            }
        }
        feed.join()
        var run = TickToOrderRun()
        run.orderTicks = Array(samples.prefix(count))
        run.allocations = allocationsAfter - allocationsBefore
        run.events = feedReport.events
        run.measuredEvents = feedReport.measuredEvents
        run.drops = feedReport.drops
        run.ordersAccepted = orders.accepted
        run.ordersRejected = orders.rejected + orders.omsRefused
        run.nosBytes = orders.nosBytes
        run.lastNOS = orders.lastNOSText
        if orders.checksum == 42 { print("# ticktoorder: checksum \(orders.checksum)") }
        return run
    }

    /// The feed thread's loop (a plain function, not a closure in top-level code: see
    /// MACHINE-NOTES on main-actor isolation of thread entry closures).
    static func runFeedThread(bytes: [UInt8], lines: Int, warmup: Int, firstReceive: Timestamp, model: ModelSlot,
                              toOrders: SPSCRing<TickOrderMessage>, toFeed: SPSCRing<ExecutionEvent>, report: TickFeedReport) {
        var feed = TickFeedSide(model: model)
        var eventsBefore = 0
        @inline(__always) func publish(_ m: TickOrderMessage) {
            while toOrders.tryPublish(m) == .full { CPU.pause() }
        }
        bytes.withUnsafeBytes { raw in
            var offset = 0
            var message = TickOrderMessage()
            for k in 0..<lines {
                // Not measured: venue answers that came back, and any follow-up orders.
                while let answer = toFeed.tryConsume() {
                    feed.strategy.onOrderUpdate(answer)
                    for j in 0..<feed.strategy.orders.count {
                        let c = feed.strategy.orders[j]
                        publish(TickOrderMessage(command: c, tickTicks: 0, reference: feed.reference(c.instrument),
                                                 receive: feed.strategy.book.now, tick: -1, kind: .order))
                    }
                    feed.strategy.orders.removeAll()
                }
                if k == warmup {
                    message.kind = .startMeasuring
                    message.tickTicks = cbaseline_allocation_count()   // the allocation count, not a time
                    publish(message)
                    eventsBefore = feed.events
                }
                let receive = tickReceiveTime(k, firstReceive: firstReceive)
                // MARK: measured from here (to the NOS on the order thread)
                let t0 = TSCClock.ticksSerialized()
                let length = tickLineLength(raw, from: offset)
                let line = UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + length)])
                let n = feed.decode(line, receive: receive)
                for i in 0..<n where feed.process(i, receive: receive) {
                    for j in 0..<feed.strategy.orders.count {
                        let c = feed.strategy.orders[j]
                        publish(TickOrderMessage(command: c, tickTicks: t0, reference: feed.reference(c.instrument),
                                                 receive: receive, tick: k, kind: .order))
                    }
                    feed.strategy.orders.removeAll()
                }
                offset &+= length
            }
            message.kind = .end
            publish(message)
        }
        report.events = feed.events
        report.measuredEvents = feed.events - eventsBefore
        report.drops = feed.drops
    }
}
