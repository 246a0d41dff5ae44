import Testing
import PeregrineCEP
import PeregrineCore

@Suite("CEP outputs and buffers")
struct CEPOutputTests {
    @Test("an output is one 64-byte cache line and trivially copyable")
    func layout() {
        #expect(MemoryLayout<CEPOutput>.size == 64)
        #expect(MemoryLayout<CEPOutput>.stride == 64)
        #expect(MemoryLayout<CEPOutput>.alignment == 8)
        requireBitwiseCopyable(CEPOutput.self)
        requireBitwiseCopyable(WindowStore.PartitionState.self)
        requireBitwiseCopyable(MarketCondition.self)
        requireBitwiseCopyable(WelfordMoments.self)
        requireBitwiseCopyable(OperatorGate.self)
    }

    @Test("values append in order and read back by index")
    func values() {
        var o = CEPOutput(stream: StreamId(rawValue: 7), partition: 3, time: Timestamp(nanosecondsSinceEpoch: 5))
        for v in [1.5, 2.5, 3.5, 4.5, 5.5] { o.append(v) }
        #expect(o.valueCount == 5)
        #expect((0..<5).map { o[$0] } == [1.5, 2.5, 3.5, 4.5, 5.5])
        #expect(o.partition == 3 && o.stream == StreamId(rawValue: 7))
    }

    @Test("a full buffer refuses and counts, keeping its storage")
    func bufferFull() {
        var b = CEPOutputBuffer(capacity: 2)
        let address = b.storageAddress
        let first = b.tryAppend(CEPOutput()), second = b.tryAppend(CEPOutput()), third = b.tryAppend(CEPOutput())
        #expect(first && second && !third)
        #expect(b.count == 2 && b.dropped == 1)
        b.removeAll()
        let again = b.tryAppend(CEPOutput())
        #expect(b.count == 1 && again)
        #expect(b.storageAddress == address)
    }

    @Test("data-driven conditions and fields evaluate like the obvious code")
    func conditions() {
        let t = trade(0, price: 101.25, quantity: 300, at: 1)
        let q = quote(0, bid: 100, ask: 100.5, at: 1)
        let bigTrade = MarketCondition(kind: .trade).and(.quantity, .greaterOrEqual, 300).and(.price, .less, 102)
        #expect(bigTrade.matches(t))
        #expect(!bigTrade.matches(q))
        #expect(!MarketCondition(kind: .trade).and(.quantity, .greater, 300).matches(t))
        #expect(MarketField.mid.value(of: q) == 100.25)
        #expect(MarketField.spread.value(of: q) == 0.5)
        #expect(close(MarketField.imbalance.value(of: q), -1.0 / 3.0))
        #expect(MarketField.notional.value(of: t) == 101.25 * 300)
    }
}
