import Testing
import PeregrineCore
import PeregrineMarketData

@Suite("IQFeed Level 1 encoder (the simulated exchange's feed)")
struct IQFeedEncoderTests {
    static let date = 20131007
    static var ny: NewYorkTime { NewYorkTime(year: 2013, month: 10, day: 7)! }

    static func decoder() -> IQFeedLevel1Decoder {
        var symbols = IQFeedSymbolTable(capacity: 8)
        _ = symbols.insert("SPY", id: InstrumentId(rawValue: 0))
        _ = symbols.insert("QQQ", id: InstrumentId(rawValue: 1))
        return IQFeedLevel1Decoder(symbols: symbols, venue: VenueId(rawValue: 3), sessionDate: date)
    }

    @Test("quotes and trades decode back to the same prices, sizes and times (µs)")
    func roundTrip() {
        var encoder = IQFeedLevel1Encoder(symbols: ["SPY", "QQQ"], sessionDate: Self.date)
        var decoder = Self.decoder()
        var random = SystemRandomNumberGenerator()
        var output = IQFeedLevel1Output()
        let receive = Timestamp(nanosecondsSinceEpoch: 1)
        for i in 0..<2_000 {
            let instrument = InstrumentId(rawValue: UInt32(i % 2))
            let time = Self.ny.utc(nanosecondsSinceMidnight: Int64(9 * 3600 + 30 * 60) * 1_000_000_000
                                   + Int64(i) * 1_234_567_000)       // whole microseconds
            let bid = Price(rawValue: Int64.random(in: 1_000...50_000, using: &random) * 1_000_000)   // cents
            let ask = bid + Price(rawValue: Int64.random(in: 1...5, using: &random) * 1_000_000)
            let event: MarketEvent
            if i % 3 == 0 {
                event = .trade(instrument, venue: VenueId(rawValue: 3), price: bid, quantity: Quantity(rawValue: Int64(100 * (i % 7 + 1)) * 100_000_000),
                               exchangeTime: time, receiveTime: receive, tradeId: 0, flags: [])
            } else {
                event = .quote(instrument, venue: VenueId(rawValue: 3), bidPrice: bid, bidQuantity: Quantity(rawValue: 300 * 100_000_000),
                               askPrice: ask, askQuantity: Quantity(rawValue: Int64(i % 900 + 1) * 100_000_000),
                               exchangeTime: time, receiveTime: receive, flags: [])
            }
            let result = encoder.encode(event) { line in decoder.decode(line, receiveTime: receive, into: &output) }
            #expect(result == .events)
            #expect(output.eventCount == 1)
            let back = output.first
            #expect(back.kind == event.kind)
            #expect(back.instrument == instrument)
            if event.kind == .trade {
                #expect(back.price == event.price)
                #expect(back.quantity == event.quantity)
                #expect(back.exchangeTime == time)
            } else {
                #expect(back.bidPrice == event.bidPrice && back.askPrice == event.askPrice)
                #expect(back.bidQuantity == event.bidQuantity && back.askQuantity == event.askQuantity)
            }
        }
    }

    @Test("an event without a Level 1 line (depth, unknown instrument) encodes to nil")
    func refusals() {
        var encoder = IQFeedLevel1Encoder(symbols: ["SPY"], sessionDate: Self.date)
        let depth = MarketEvent.depth(InstrumentId(rawValue: 0), venue: VenueId(rawValue: 0), side: .buy, price: Price(rawValue: 1),
                                      quantity: Quantity(rawValue: 1), level: 0, exchangeTime: .zero, receiveTime: .zero)
        #expect(encoder.encode(depth) { $0.count } == nil)
        let unknown = MarketEvent.trade(InstrumentId(rawValue: 5), venue: VenueId(rawValue: 0), price: Price(rawValue: 1),
                                        quantity: Quantity(rawValue: 1), exchangeTime: .zero, receiveTime: .zero, tradeId: 0, flags: [])
        #expect(encoder.encode(unknown) { $0.count } == nil)
    }

    @Test("the T line sets the decoder's session date and time")
    func timestampLine() {
        var encoder = IQFeedLevel1Encoder(symbols: ["SPY"], sessionDate: Self.date)
        var decoder = Self.decoder()
        var output = IQFeedLevel1Output()
        let time = Self.ny.utc(nanosecondsSinceMidnight: Int64(10 * 3600 + 5 * 60 + 9) * 1_000_000_000)
        let result = encoder.encodeTimestamp(time) { decoder.decode($0, receiveTime: .zero, into: &output) }
        #expect(result == .timestamp)
        #expect(output.timestamp == time)
    }

    @Test("the New York date of an instant follows the Eastern day boundary")
    func newYorkDate() {
        // 2013-10-08 03:59:59 UTC is 23:59:59 EDT on the 7th; 04:00 UTC is midnight of the 8th.
        #expect(IQFeedLevel1Encoder.newYorkDate(of: Timestamp(year: 2013, month: 10, day: 8, hour: 3, minute: 59, second: 59)!) == 20131007)
        #expect(IQFeedLevel1Encoder.newYorkDate(of: Timestamp(year: 2013, month: 10, day: 8, hour: 4)!) == 20131008)
        // Winter: UTC−5.
        #expect(IQFeedLevel1Encoder.newYorkDate(of: Timestamp(year: 2013, month: 12, day: 2, hour: 4, minute: 30)!) == 20131201)
        #expect(IQFeedLevel1Encoder.newYorkDate(of: Timestamp(year: 2013, month: 12, day: 2, hour: 5)!) == 20131202)
    }
}
