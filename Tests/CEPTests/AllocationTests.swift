import Testing
import PeregrineCEP
import PeregrineCore

@Suite("CEP hot path holds no per-event allocation (structurally)")
struct AllocationTests {
    @Test("storage addresses stay put through 20,000 events over every window kind and the sequencer")
    func stableStorage() {
        let events = randomTrades(count: 20_000, partitions: 8, maxGap: 30_000_000, seed: 77)
        let specs: [WindowSpec] = [.tumblingTime(size: .seconds(1)), .hoppingTime(size: .seconds(2), slide: .milliseconds(500)),
                                   .slidingTime(size: .seconds(1)), .count(size: 32, slide: 4), .session(gap: .milliseconds(80))]
        var windows = specs.map {
            TradeWindow(stream: StreamId(rawValue: 1), spec: $0, aggregates: [.vwap, .min, .max, .percentile(0.5), .zScore],
                        partitions: 8, capacity: 256, key: InstrumentPartition(), filter: MarketCondition(kind: .trade),
                        value: .price, weight: .quantity)
        }
        var sequencer = EventTimeSequencer<MarketEvent>(capacity: 512, maxOutOfOrderness: .milliseconds(5))
        var buffer = CEPOutputBuffer(capacity: 1_024)
        // Warm once so every array has been touched, then record addresses.
        let before = windows.map(\.store.storageAddresses)
        let bufferAddress = buffer.storageAddress
        var sequencerAddress: UInt = 0
        for (i, e) in events.enumerated() {
            sequencer.offer(e)
            if i == 600 { sequencerAddress = sequencer.storageAddress }
            while let r = sequencer.poll() {
                for k in windows.indices { windows[k].onEvent(r, time: r.exchangeTime, into: &buffer) }
            }
            for k in windows.indices { windows[k].onWatermark(sequencer.watermark, into: &buffer) }
            buffer.removeAll()
        }
        #expect(windows.map(\.store.storageAddresses) == before)
        #expect(buffer.storageAddress == bufferAddress && buffer.dropped == 0)
        #expect(sequencer.storageAddress == sequencerAddress)
        #expect(windows.allSatisfy { $0.gate.counters.outOfOrderEvents == 0 })
    }

    @Test("per-partition state is trivially copyable")
    func bitwise() {
        requireBitwiseCopyable(WindowStore.PartitionState.self)
        requireBitwiseCopyable(MovingAverageOperator<InstrumentPartition, MarketCondition, MarketField>.PartitionState.self)
        requireBitwiseCopyable(CompensatedSum.self)
        requireBitwiseCopyable(WindowSpec.self)
        requireBitwiseCopyable(CEPAggregate.self)
        requireBitwiseCopyable(EMASmoothing.self)
    }
}
