import Testing
import Synchronization
import PeregrineCore
import PeregrinePlatform
import PeregrineRings
import PeregrineTestKit

@Suite("SPSC ring")
struct SPSCRingTests {
    @Test("full and empty edges: capacity items fit, one more is refused, order kept")
    func edges() throws {
        let ring = try SPSCRing<Int>(capacity: 8)
        #expect(ring.tryConsume() == nil)
        for i in 0..<8 { #expect(ring.tryPublish(i) == .published) }
        #expect(ring.tryPublish(99) == .full)
        #expect(ring.count == 8)
        #expect(ring.tryConsume() == 0)
        #expect(ring.tryPublish(8) == .published)
        #expect(ring.tryPublish(9) == .full)
        var seen: [Int] = []
        #expect(ring.consume { seen.append($0) } == 8)
        #expect(seen == Array(1...8))
        #expect(ring.tryConsume() == nil)
        #expect(ring.count == 0)
    }

    @Test("wraps around many laps in one thread")
    func wraps() throws {
        let ring = try SPSCRing<UInt64>(capacity: 4)
        var next: UInt64 = 0, expected: UInt64 = 0
        for lap in 0..<10_000 {
            let burst = lap % 5
            for _ in 0..<burst where ring.tryPublish(next) == .published { next += 1 }
            while let v = ring.tryConsume() { #expect(v == expected); expected += 1 }
        }
        #expect(expected == next)
        #expect(ring.publishedCount == Int(next))
    }

    @Test("batch publish and bounded batch consume")
    func batches() throws {
        let ring = try SPSCRing<Int>(capacity: 16)
        let values = Array(0..<20)
        let written = values.withUnsafeBufferPointer { ring.tryPublish(contentsOf: $0) }
        #expect(written == 16)
        var got: [Int] = []
        #expect(ring.consume(limit: 5) { got.append($0) } == 5)
        #expect(got == Array(0..<5))
        let more = values[16...].withContiguousStorageIfAvailable { ring.tryPublish(contentsOf: $0) }
        #expect(more == 4)
        _ = ring.consume { got.append($0) }
        #expect(got == values)
    }

    @Test("claim and commit write in place")
    func claim() throws {
        let ring = try SPSCRing<MarketEvent>(capacity: 2)
        let slot = try #require(ring.tryClaim())
        slot.initialize(to: .status(InstrumentId(rawValue: 1), venue: VenueId(rawValue: 0), code: 7, exchangeTime: .zero, receiveTime: .zero))
        #expect(ring.tryConsume() == nil, "nothing is visible before commit")
        ring.commitClaimed()
        #expect(ring.tryConsume()?.statusCode == 7)
    }

    @Test("a consumer that throws keeps the event it failed on")
    func throwingConsumer() throws {
        struct Stop: Error {}
        let ring = try SPSCRing<Int>(capacity: 4)
        for i in 0..<3 { _ = ring.tryPublish(i) }
        #expect(throws: Stop.self) { _ = try ring.consume { v throws(Stop) in if v == 1 { throw Stop() } } }
        #expect(ring.tryConsume() == 1)
    }

    @Test("two threads: every event arrives once, in order, through many wrap-arounds")
    func stress() throws {
        let ring = try SPSCRing<MarketEvent>(capacity: 64)
        let total = 2_000_000
        let sum = Atomic<Int>(0)
        let received = Atomic<Int>(0)
        let ordered = Atomic<Bool>(true)
        let finished = try ConcurrentHarness.run([
            { deadline in
                var idle = BackoffIdle(maxSpins: 50, maxYields: 50, minParkNanos: 1_000, maxParkNanos: 50_000)
                var i = 0
                while i < total && !deadline.expired {
                    let e = MarketEvent.trade(InstrumentId(rawValue: UInt32(i & 1023)), venue: VenueId(rawValue: 1),
                                              price: Price(rawValue: Int64(i)), quantity: Quantity(rawValue: 1),
                                              exchangeTime: .zero, receiveTime: .zero, sequence: UInt64(i))
                    if ring.tryPublish(e) == .published { i += 1; idle.reset() } else { idle.idle() }
                }
            },
            { deadline in
                var idle = BackoffIdle(maxSpins: 50, maxYields: 50, minParkNanos: 1_000, maxParkNanos: 50_000)
                var expected = 0, localSum = 0, inOrder = true
                while expected < total && !deadline.expired {
                    let n = ring.consume(limit: 32) { e in
                        if Int(e.sequence) != expected || e.price.rawValue != Int64(expected) { inOrder = false }
                        localSum &+= Int(e.sequence)
                        expected += 1
                    }
                    idle.idle(workCount: n)
                }
                sum.store(localSum, ordering: .relaxed)
                received.store(expected, ordering: .relaxed)
                ordered.store(inOrder, ordering: .relaxed)
            },
        ])
        #expect(finished, "stress run hit its deadline")
        let receivedValue = received.load(ordering: .relaxed)
        #expect(receivedValue == total)
        let orderedValue = ordered.load(ordering: .relaxed)
        #expect(orderedValue, "events arrived out of order or corrupted")
        let sumValue = sum.load(ordering: .relaxed)
        #expect(sumValue == total * (total - 1) / 2, "loss or duplication")
        #expect(ring.tryConsume() == nil)
    }

    @Test("ring memory can be placed on a NUMA node")
    func numa() throws {
        let ring = try SPSCRing<Int>(capacity: 1024, numaNode: NUMA.isAvailable ? 0 : -1)
        #expect(ring.tryPublish(1) == .published)
        #expect(ring.tryConsume() == 1)
    }
}
