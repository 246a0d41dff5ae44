import CBaselines
import PeregrineCore
import PeregrinePlatform
import PeregrineRings
#if canImport(Glibc)
import Glibc
#endif

/// SPSC ring figures, Swift and C side by side, in the Disruptor's naming:
/// OneToOneThroughput (items/s, producer and consumer pinned to two cores) and
/// PingPongLatency (round trip over two rings), plus the cache-line ping-pong floor.
enum RingBenchmarks {
    static let producerCPU = 0
    static let consumerCPU = min(1, CPU.onlineCount - 1)

    /// The scheduling class the suite runs at (inherit `chrt -f N` into spawned threads).
    static var policy: SchedulingPolicy {
        let p = sched_getscheduler(0)
        if p == SCHED_FIFO {
            var param = sched_param()
            sched_getparam(0, &param)
            return .fifo(priority: Int(param.sched_priority))
        }
        return .other
    }

    static func run(quick: Bool, report: inout BenchReport) throws {
        let repeats = quick ? 5 : 9
        // MARK: OneToOneThroughput
        for (bytes, count) in [(8, quick ? 20_000_000 : 100_000_000), (64, quick ? 10_000_000 : 50_000_000)] {
            var swiftRates: [Double] = [], cRates: [Double] = []
            for _ in 0..<repeats {
                // Interleave Swift and C so drift on the shared VM hits both alike.
                let ns = bytes == 8 ? try swiftThroughput(UInt64.self, count: count)
                                    : try swiftThroughput(MarketEvent.self, count: count)
                swiftRates.append(Double(count) / Double(ns) * 1e3)
                let cns = cbaseline_spsc_throughput(UInt64(count), Int32(bytes), 4096, Int32(producerCPU), Int32(consumerCPU))
                if cns > 0 { cRates.append(Double(count) / Double(cns) * 1e3) }
            }
            report.add(name: "spsc.one_to_one_throughput.\(bytes)b.swift", value: median(swiftRates), unit: "M_items/s")
            report.add(name: "spsc.one_to_one_throughput.\(bytes)b.c", value: median(cRates), unit: "M_items/s")
            report.addRatio(name: "spsc.one_to_one_throughput.\(bytes)b.swift_over_c",
                            numerator: "spsc.one_to_one_throughput.\(bytes)b.swift",
                            denominator: "spsc.one_to_one_throughput.\(bytes)b.c")
        }

        // MARK: PingPongLatency
        // Several interleaved Swift/C rounds pooled into one histogram per side, so a bad
        // placement or a noisy neighbour in one round hits both sides alike.
        let trips = quick ? 200_000 : 1_000_000
        let warmup = trips / 10
        for bytes in [8, 64] {
            var swiftSamples: [UInt64] = [], cSamples: [UInt64] = []
            for _ in 0..<repeats {
                swiftSamples += bytes == 8
                    ? try swiftPingPong(UInt64.self, warmup: warmup, count: trips)
                    : try swiftPingPong(MarketEvent.self, warmup: warmup, count: trips)
                var round = [UInt64](repeating: 0, count: trips)
                let rc = round.withUnsafeMutableBufferPointer {
                    cbaseline_spsc_pingpong(UInt64(warmup), UInt64(trips), Int32(bytes), Int32(consumerCPU), Int32(producerCPU), $0.baseAddress)
                }
                if rc == 0 { cSamples += round }
            }
            report.addLatency(name: "spsc.ping_pong_rtt.\(bytes)b.swift", samplesNanos: swiftSamples)
            report.addLatency(name: "spsc.ping_pong_rtt.\(bytes)b.c", samplesNanos: cSamples)
            report.addRatio(name: "spsc.ping_pong_rtt.\(bytes)b.swift_over_c",
                            numerator: "spsc.ping_pong_rtt.\(bytes)b.swift", denominator: "spsc.ping_pong_rtt.\(bytes)b.c")
        }
        var floor = [UInt64](repeating: 0, count: trips)
        let rc = floor.withUnsafeMutableBufferPointer {
            cbaseline_cacheline_pingpong(UInt64(warmup), UInt64(trips), Int32(consumerCPU), Int32(producerCPU), $0.baseAddress)
        }
        report.addLatency(name: "cacheline.ping_pong_rtt.c", samplesNanos: rc == 0 ? floor : [])
        report.addRatio(name: "spsc.ping_pong_rtt.8b.swift_over_cacheline_floor",
                        numerator: "spsc.ping_pong_rtt.8b.swift", denominator: "cacheline.ping_pong_rtt.c")

        // MARK: Allocations in the steady-state publish/consume path
        try allocations(report: &report)
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Producer on a pinned thread, consumer on the calling (pinned) thread, batch drain.
    static func swiftThroughput<E: BenchPayload>(_: E.Type, count: Int) throws -> UInt64 {
        let ring = try SPSCRing<E>(capacity: 4096)
        try CPU.pinCurrentThread(to: consumerCPU)
        let start = Clock.monotonicNanos()
        let producer = try PinnedThread.start(name: "bench-producer", placement: ThreadPlacement(cpu: producerCPU, policy: policy)) {
            var i = 0
            while i < count {
                if ring.tryPublish(E(sequence: i)) == .published { i += 1 } else { CPU.pause() }
            }
        }
        // Check every item's sequence, as the C consumer does, so both do the same work.
        var received = 0, bad = 0
        while received < count {
            let n = ring.consume { e in
                bad &+= e.benchSequence == received ? 0 : 1
                received &+= 1
            }
            if n == 0 { CPU.pause() }
        }
        let end = Clock.monotonicNanos()
        producer.join()
        precondition(bad == 0, "ring benchmark saw \(bad) out-of-order items")
        return end - start
    }

    /// Round trips over two rings: the caller sends on `ping` and waits on `pong`.
    static func swiftPingPong<E: BenchPayload>(_: E.Type, warmup: Int, count: Int) throws -> [UInt64] {
        let ping = try SPSCRing<E>(capacity: 64)
        let pong = try SPSCRing<E>(capacity: 64)
        guard let tsc = TSCClock.calibrate() else { return [] }
        try CPU.pinCurrentThread(to: consumerCPU)
        let total = warmup + count
        let echo = try PinnedThread.start(name: "bench-echo", placement: ThreadPlacement(cpu: producerCPU, policy: policy)) {
            for _ in 0..<total {
                var e: E
                while true { if let v = ping.tryConsume() { e = v; break }; CPU.pause() }
                while pong.tryPublish(e) == .full { CPU.pause() }
            }
        }
        var samples = [UInt64](repeating: 0, count: count)
        for i in 0..<total {
            let e = E(sequence: i)
            let t0 = TSCClock.ticksSerialized()
            while ping.tryPublish(e) == .full { CPU.pause() }
            while pong.tryConsume() == nil { CPU.pause() }
            let t1 = TSCClock.ticksSerialized()
            if i >= warmup { samples[i - warmup] = tsc.nanoseconds(ticks: t1 &- t0) }
        }
        echo.join()
        return samples
    }

    /// Counts heap allocations over one million publish/consume pairs on each ring kind.
    static func allocations(report: inout BenchReport) throws {
        let spsc = try SPSCRing<MarketEvent>(capacity: 1024)
        let broadcast = try BroadcastRing<MarketEvent>(capacity: 1024, consumers: 2)
        let consumerA = broadcast.consumer(0), consumerB = broadcast.consumer(1)
        let mpsc = try MPSCRing<OrderCommand>(capacity: 1024)
        let n = 1_000_000
        var event = MarketEvent()
        var checksum: Int64 = 0
        // Warm up once (first-touch, lazy runtime metadata), then count.
        for pass in 0..<2 {
            let before = cbaseline_allocation_count()
            for i in 0..<n {
                event.word0 = Int64(i)
                _ = spsc.tryPublish(event)
                if let e = spsc.tryConsume() { checksum &+= e.word0 }
                _ = broadcast.tryPublish(event)
                _ = consumerA.consume { checksum &+= $0.word0 }
                _ = consumerB.consume { checksum &+= $0.word0 }
                var c = OrderCommand()
                c.orderId = OrderId(rawValue: UInt64(i))
                _ = mpsc.tryPublish(c)
                _ = mpsc.consume { checksum &+= Int64($0.orderId.rawValue) }
            }
            let after = cbaseline_allocation_count()
            if pass == 1 {
                report.add(name: "rings.allocations_per_message", value: Double(after - before) / Double(n), unit: "allocs")
            }
        }
        if checksum == 42 { print("") }   // keep the loop's work observable
    }
}

/// A payload the ring benchmarks can make from a sequence number (static dispatch, so the
/// generic benchmark specializes exactly as the engine's code does).
protocol BenchPayload: BitwiseCopyable, Sendable {
    init(sequence: Int)
    var benchSequence: Int { get }
}

extension UInt64: BenchPayload {
    init(sequence: Int) { self = UInt64(truncatingIfNeeded: sequence) }
    var benchSequence: Int { Int(truncatingIfNeeded: self) }
}

extension MarketEvent: BenchPayload {
    init(sequence: Int) {
        self.init()
        word0 = Int64(sequence)
    }
    var benchSequence: Int { Int(word0) }
}
