import Testing
import Synchronization
import PeregrineCore
import PeregrinePlatform
import PeregrineRings
import PeregrineTestKit

@Suite("Broadcast ring")
struct BroadcastRingTests {
    @Test("every consumer sees every event; the slowest gates the producer")
    func gating() throws {
        let ring = try BroadcastRing<Int>(capacity: 4, consumers: 2)
        let a = ring.consumer(0), b = ring.consumer(1)
        for i in 0..<4 { #expect(ring.tryPublish(i) == .published) }
        #expect(ring.tryPublish(4) == .full)
        #expect(a.tryConsume() == 0 && a.tryConsume() == 1)
        #expect(ring.tryPublish(4) == .full, "consumer b has read nothing yet")
        #expect(b.tryConsume() == 0)
        #expect(ring.tryPublish(4) == .published)
        var bs: [Int] = []
        _ = b.consume { bs.append($0) }
        #expect(bs == [1, 2, 3, 4])
        var rest: [Int] = []
        _ = a.consume { rest.append($0) }
        #expect(rest == [2, 3, 4])
    }

    @Test("a dependent consumer never passes the consumer it follows")
    func dependency() throws {
        let ring = try BroadcastRing<Int>(capacity: 8, consumers: 2, dependencies: [1: 0])
        let engine = ring.consumer(0), journal = ring.consumer(1)
        for i in 0..<5 { _ = ring.tryPublish(i) }
        #expect(journal.tryConsume() == nil, "journal follows the engine")
        #expect(engine.consume(limit: 3) { _ in } == 3)
        var seen: [Int] = []
        _ = journal.consume { seen.append($0) }
        #expect(seen == [0, 1, 2])
    }

    @Test("three threads: producer, engine and journal each see all events in order")
    func stress() throws {
        let ring = try BroadcastRing<UInt64>(capacity: 128, consumers: 2)
        let total: UInt64 = 1_000_000
        let results = Atomic<Int>(0)
        let consumers = [ring.consumer(0), ring.consumer(1)]
        var bodies: [@Sendable (Deadline) -> Void] = [{ deadline in
            var idle = BackoffIdle(maxSpins: 50, maxYields: 50, minParkNanos: 1_000, maxParkNanos: 50_000)
            var i: UInt64 = 0
            while i < total && !deadline.expired {
                if ring.tryPublish(i) == .published { i += 1; idle.reset() } else { idle.idle() }
            }
        }]
        for consumer in consumers {
            bodies.append { deadline in
                var idle = BackoffIdle(maxSpins: 50, maxYields: 50, minParkNanos: 1_000, maxParkNanos: 50_000)
                var expected: UInt64 = 0, ok = true
                while expected < total && !deadline.expired {
                    let n = consumer.consume(limit: 64) { v in
                        if v != expected { ok = false }
                        expected += 1
                    }
                    idle.idle(workCount: n)
                }
                if ok && expected == total { results.wrappingAdd(1, ordering: .relaxed) }
            }
        }
        #expect(try ConcurrentHarness.run(bodies), "stress run hit its deadline")
        let resultsValue = results.load(ordering: .relaxed)
        #expect(resultsValue == 2, "a consumer lost, duplicated or reordered events")
    }
}

@Suite("Multi-producer ring")
struct MPSCRingTests {
    @Test("full and empty edges in one thread")
    func edges() throws {
        let ring = try MPSCRing<OrderCommand>(capacity: 4)
        #expect(ring.tryConsume() == nil)
        for i in 0..<4 {
            var c = OrderCommand()
            c.orderId = OrderId(rawValue: UInt64(i + 1))
            #expect(ring.tryPublish(c) == .published)
        }
        #expect(ring.tryPublish(OrderCommand()) == .full)
        #expect(ring.tryConsume()?.orderId == OrderId(rawValue: 1))
        #expect(ring.tryPublish(OrderCommand()) == .published)
        #expect(ring.consume { _ in } == 4)
        #expect(ring.tryConsume() == nil)
    }

    @Test("three producers, one consumer: nothing lost or duplicated, per-producer order kept")
    func stress() throws {
        let ring = try MPSCRing<UInt64>(capacity: 256)
        let producers: UInt64 = 3
        let perProducer: UInt64 = 300_000
        let verdict = Atomic<Int>(0)   // 1 = ok, 2 = bad
        var bodies: [@Sendable (Deadline) -> Void] = []
        for p in 0..<producers {
            bodies.append { deadline in
                var idle = BackoffIdle(maxSpins: 20, maxYields: 50, minParkNanos: 1_000, maxParkNanos: 50_000)
                var i: UInt64 = 0
                while i < perProducer && !deadline.expired {
                    if ring.tryPublish(p << 32 | i) == .published { i += 1; idle.reset() } else { idle.idle() }
                }
            }
        }
        bodies.append { deadline in
            var idle = BackoffIdle(maxSpins: 20, maxYields: 50, minParkNanos: 1_000, maxParkNanos: 50_000)
            var next = [UInt64](repeating: 0, count: Int(producers))
            var count: UInt64 = 0, ok = true
            while count < producers * perProducer && !deadline.expired {
                let n = ring.consume(limit: 64) { v in
                    let p = Int(v >> 32), i = v & 0xFFFF_FFFF
                    if p >= next.count || next[p] != i { ok = false } else { next[p] += 1 }
                    count += 1
                }
                idle.idle(workCount: n)
            }
            verdict.store(ok && count == producers * perProducer ? 1 : 2, ordering: .relaxed)
        }
        #expect(try ConcurrentHarness.run(bodies), "stress run hit its deadline")
        let verdictValue = verdict.load(ordering: .relaxed)
        #expect(verdictValue == 1)
        #expect(ring.tryConsume() == nil)
    }
}

@Suite("Idle strategies")
struct IdleStrategyTests {
    @Test("configured strategies report whether they spin")
    func spinning() {
        #expect(ConfiguredIdle(.busySpin).isSpinning)
        #expect(ConfiguredIdle(.yield).isSpinning)
        #expect(!ConfiguredIdle(.park(nanos: 1_000)).isSpinning)
        #expect(!ConfiguredIdle(.backoff(maxSpins: 1, maxYields: 1, minParkNanos: 1, maxParkNanos: 2)).isSpinning)
    }

    @Test("back-off parks after spinning and yielding, and resets on work")
    func backoff() {
        var idle = BackoffIdle(maxSpins: 2, maxYields: 1, minParkNanos: 1_000, maxParkNanos: 4_000)
        for _ in 0..<3 { idle.idle() }          // 2 spins + 1 yield
        #expect(idle.currentParkNanos == 1_000)
        idle.idle(); idle.idle(); idle.idle()   // parks 1, 2, 4 µs
        #expect(idle.currentParkNanos == 4_000)
        idle.idle(workCount: 1)
        #expect(idle.currentParkNanos == 1_000)
    }
}
