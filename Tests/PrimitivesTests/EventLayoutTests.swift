import Testing
import PeregrineCore

@Suite("Event layouts are pinned (rings and the journal depend on them)")
struct EventLayoutTests {
    @Test("MarketEvent is one 64-byte cache line, 8-byte aligned")
    func marketEvent() {
        #expect(MemoryLayout<MarketEvent>.size == 64)
        #expect(MemoryLayout<MarketEvent>.stride == 64)
        #expect(MemoryLayout<MarketEvent>.alignment == 8)
        #expect(MemoryLayout<MarketEvent>.offset(of: \.exchangeTime) == 0)
        #expect(MemoryLayout<MarketEvent>.offset(of: \.receiveTime) == 8)
        #expect(MemoryLayout<MarketEvent>.offset(of: \.word0) == 16)
        #expect(MemoryLayout<MarketEvent>.offset(of: \.word4) == 48)
        #expect(MemoryLayout<MarketEvent>.offset(of: \.instrument) == 56)
        #expect(MemoryLayout<MarketEvent>.offset(of: \.venue) == 60)
        #expect(MemoryLayout<MarketEvent>.offset(of: \.kind) == 62)
        #expect(MemoryLayout<MarketEvent>.offset(of: \.flags) == 63)
    }

    @Test("OrderCommand is one 64-byte cache line")
    func orderCommand() {
        #expect(MemoryLayout<OrderCommand>.size == 64)
        #expect(MemoryLayout<OrderCommand>.stride == 64)
        #expect(MemoryLayout<OrderCommand>.alignment == 8)
    }

    @Test("ExecutionEvent is two 64-byte cache lines")
    func executionEvent() {
        #expect(MemoryLayout<ExecutionEvent>.size == 128)
        #expect(MemoryLayout<ExecutionEvent>.stride == 128)
        #expect(MemoryLayout<ExecutionEvent>.alignment == 8)
    }

    @Test("value types are 8, 16, 4 and 2 bytes")
    func values() {
        #expect(MemoryLayout<Price>.size == 8)
        #expect(MemoryLayout<Quantity>.size == 8)
        #expect(MemoryLayout<Timestamp>.size == 8)
        #expect(MemoryLayout<Notional>.size == 16)
        #expect(MemoryLayout<InstrumentId>.size == 4)
        #expect(MemoryLayout<VenueId>.size == 2)
        #expect(MemoryLayout<Side>.size == 1)
    }

    @Test("typed constructors and accessors agree for every event kind")
    func accessors() {
        let t = Timestamp(nanosecondsSinceEpoch: 1_700_000_000_000_000_000)
        let r = t + .microseconds(5)
        let id = InstrumentId(rawValue: 7), venue = VenueId(rawValue: 2)
        let trade = MarketEvent.trade(id, venue: venue, price: Price("10.5")!, quantity: Quantity("300")!,
                                      exchangeTime: t, receiveTime: r, sequence: 99, tradeId: 12345)
        #expect(trade.kind == .trade && trade.price == Price("10.5") && trade.quantity == Quantity("300"))
        #expect(trade.sequence == 99 && trade.tradeId == 12345 && trade.instrument == id && trade.venue == venue)
        #expect(trade.receiveTime - trade.exchangeTime == .microseconds(5))
        let quote = MarketEvent.quote(id, venue: venue, bidPrice: Price("10")!, bidQuantity: Quantity("1")!,
                                      askPrice: Price("10.01")!, askQuantity: Quantity("2")!,
                                      exchangeTime: t, receiveTime: r, sequence: 5)
        #expect(quote.bidPrice == Price("10") && quote.askPrice == Price("10.01"))
        #expect(quote.bidQuantity == Quantity("1") && quote.askQuantity == Quantity("2") && quote.sequence == 5)
        let depth = MarketEvent.depth(id, venue: venue, side: .sell, price: Price("10.02")!, quantity: .zero,
                                      level: 3, exchangeTime: t, receiveTime: r, sequence: 8)
        #expect(depth.depthSide == .sell && depth.level == 3 && depth.quantity == .zero && depth.sequence == 8)
        let bid = MarketEvent.depth(id, venue: venue, side: .buy, price: Price("10")!, quantity: Quantity("5")!,
                                    level: 0, exchangeTime: t, receiveTime: r)
        #expect(bid.depthSide == .buy)
        let bar = MarketEvent.bar(id, venue: venue, open: Price("1")!, high: Price("3")!, low: Price("0.5")!,
                                  close: Price("2")!, volume: Quantity("1000")!, exchangeTime: t, receiveTime: r)
        #expect(bar.open == Price("1") && bar.high == Price("3") && bar.low == Price("0.5"))
        #expect(bar.close == Price("2") && bar.volume == Quantity("1000") && bar.sequence == 0)
        #expect(MarketEvent.status(id, venue: venue, code: 17, exchangeTime: t, receiveTime: r).statusCode == 17)
    }

    @Test("FIX character values of the order enums")
    func enums() {
        #expect(Side.buy.rawValue == UInt8(ascii: "1") && Side.sellShort.rawValue == UInt8(ascii: "5"))
        #expect(Side.buy.sign == 1 && Side.sellShort.sign == -1)
        #expect(OrderType.limit.rawValue == UInt8(ascii: "2") && OrderType.stopLimit.hasStopPrice)
        #expect(TimeInForce.immediateOrCancel.rawValue == UInt8(ascii: "3"))
        #expect(ExecutionType.trade.rawValue == UInt8(ascii: "F"))
        #expect(OrderStatus.pendingNew.rawValue == UInt8(ascii: "A"))
        #expect(OrderStatus.filled.isTerminal && !OrderStatus.partiallyFilled.isTerminal)
    }
}

@Suite("Enum bytes in event payloads are case indices (journal FORMAT.md)")
struct EnumByteLayoutTests {
    /// The byte Swift stores for a payload-free enum value.
    func byte<E: BitwiseCopyable>(_ value: E) -> UInt8 {
        withUnsafeBytes(of: value) { $0[0] }
    }

    @Test("each enum's stored byte is its declaration index, as FORMAT.md documents")
    func indices() {
        #expect(MarketEventKind.allCases.map(byte) == Array(0..<6))
        #expect(OrderCommandKind.allCases.map(byte) == Array(0..<4))
        #expect(Side.allCases.map(byte) == Array(0..<4))
        #expect(OrderType.allCases.map(byte) == Array(0..<4))
        #expect(TimeInForce.allCases.map(byte) == Array(0..<7))
        #expect(ExecutionType.allCases.map(byte) == Array(0..<17))
        #expect(OrderStatus.allCases.map(byte) == Array(0..<14))
        #expect(MarketEventKind.allCases == [.trade, .quote, .depth, .bar, .status, .clearBook])
        #expect(ExecutionType.allCases.last == .orderStatus && OrderStatus.allCases.last == .pendingReplace)
    }
}
