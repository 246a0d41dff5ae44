import Testing
import PeregrineCore
@testable import PeregrineFIX

@Suite("FIX market data: request, snapshot and incremental refresh into events")
struct FIXMarketDataTests {
    static func table() -> FIXSymbolTable {
        var t = FIXSymbolTable(capacity: 8)
        t.insert("SPY", id: InstrumentId(rawValue: 0))
        t.insert("QQQ", id: InstrumentId(rawValue: 1))
        return t
    }

    /// Encodes one message with `body`, parses it, and lends the view to `check`.
    static func roundTrip(_ type: FIXMessageType, _ body: (inout FIXEncoder) -> Void, _ check: (FIXMessageView) -> Void) {
        var encoder = FIXEncoder(version: .fix44, senderCompID: FIXInlineText("SIMX")!, targetCompID: FIXInlineText("PEREGRINE")!)
        encoder.begin(type, sequenceNumber: 7, sendingTime: Timestamp(year: 2026, month: 1, day: 2, hour: 14)!)
        body(&encoder)
        let bytes = encoder.finish()
        var parser = FIXParser()
        guard case .complete = parser.parse(bytes) else { Issue.record("did not parse"); return }
        check(parser.message)
    }

    static func px(_ cents: Int64) -> Price { Price(rawValue: cents * 1_000_000) }
    static func qty(_ n: Int64) -> Quantity { Quantity(rawValue: n * 100_000_000) }

    @Test("incremental quotes and trades decode back to the same events; one side's change keeps the other")
    func incremental() {
        let symbols = Self.table()
        var decoder = FIXMarketDataDecoder(instrumentCount: 2, venue: VenueId(rawValue: 4))
        let id = FIXInlineText("R1")!
        let quote = MarketEvent.quote(InstrumentId(rawValue: 1), venue: VenueId(rawValue: 4), bidPrice: Self.px(40_012), bidQuantity: Self.qty(300),
                                      askPrice: Self.px(40_014), askQuantity: Self.qty(200), exchangeTime: .zero, receiveTime: .zero)
        var events: [MarketEvent] = []
        Self.roundTrip(.marketDataIncrementalRefresh, { _ = $0.appendIncrementalRefreshBody(quote, symbol: FIXInlineText("QQQ")!, requestID: id) }) { m in
            _ = decoder.decode(m, symbols: symbols, receiveTime: Timestamp(nanosecondsSinceEpoch: 5)) { events.append($0) }
        }
        #expect(events.count == 1)
        #expect(events.first?.kind == .quote && events.first?.instrument == InstrumentId(rawValue: 1))
        #expect(events.first?.bidPrice == Self.px(40_012) && events.first?.askQuantity == Self.qty(200))
        let trade = MarketEvent.trade(InstrumentId(rawValue: 0), venue: VenueId(rawValue: 4), price: Self.px(16_741), quantity: Self.qty(100),
                                      exchangeTime: .zero, receiveTime: .zero, tradeId: 0, flags: [])
        events.removeAll()
        Self.roundTrip(.marketDataIncrementalRefresh, { _ = $0.appendIncrementalRefreshBody(trade, symbol: FIXInlineText("SPY")!, requestID: id) }) { m in
            _ = decoder.decode(m, symbols: symbols, receiveTime: .zero) { events.append($0) }
        }
        #expect(events.count == 1 && events.first?.kind == .trade && events.first?.price == Self.px(16_741))
        // A hand-written X changing only the offer of QQQ, then deleting the bid.
        let raw = "8=FIX.4.4\u{1}9=0\u{1}35=X\u{1}49=V\u{1}56=P\u{1}34=2\u{1}52=20260102-14:00:00\u{1}262=R1\u{1}268=2\u{1}279=1\u{1}269=1\u{1}55=QQQ\u{1}270=400.15\u{1}271=500\u{1}279=2\u{1}269=0\u{1}55=QQQ\u{1}10=000\u{1}"
        events.removeAll()
        Self.parseRaw(raw) { m in _ = decoder.decode(m, symbols: symbols, receiveTime: .zero) { events.append($0) } }
        #expect(events.count == 1)
        #expect(events.first?.askPrice == Self.px(40_015) && events.first?.askQuantity == Self.qty(500))
        #expect(events.first?.bidPrice == .zero, "the bid was deleted")
    }

    @Test("a snapshot sets the whole top; a MarketDataRequest lists every symbol")
    func snapshotAndRequest() {
        let symbols = Self.table()
        var decoder = FIXMarketDataDecoder(instrumentCount: 2, venue: VenueId(rawValue: 4))
        var events: [MarketEvent] = []
        Self.roundTrip(.marketDataSnapshotFullRefresh, {
            $0.appendSnapshotBody(symbol: FIXInlineText("SPY")!, requestID: FIXInlineText("R1")!, bid: Self.px(16_740), bidSize: Self.qty(900),
                                  ask: Self.px(16_741), askSize: Self.qty(800), lastPrice: Self.px(16_741), lastSize: Self.qty(100))
        }) { m in _ = decoder.decode(m, symbols: symbols, receiveTime: .zero) { events.append($0) } }
        #expect(events.map(\.kind) == [.trade, .quote])
        #expect(decoder.top(InstrumentId(rawValue: 0)).bid == Self.px(16_740))
        let names = [FIXInlineText("SPY")!, FIXInlineText("QQQ")!]
        Self.roundTrip(.marketDataRequest, { e in names.withUnsafeBufferPointer { e.appendMarketDataRequestBody(requestID: FIXInlineText("R9")!, subscribe: true, symbols: $0) } }) { m in
            #expect(m.valueBytes(tag: FIXTag.subscriptionRequestType).map { Array($0) } == [0x31])
            var listed: [String] = []
            for i in 0..<m.fieldCount where m.field(at: i).tag == 55 { listed.append(String(decoding: m.value(at: i), as: UTF8.self)) }
            #expect(listed == ["SPY", "QQQ"])
        }
    }

    @Test("bad entries are skipped and counted, never trap; unknown symbols too")
    func badEntries() {
        let symbols = Self.table()
        var decoder = FIXMarketDataDecoder(instrumentCount: 2, venue: VenueId(rawValue: 4))
        let raw = "8=FIX.4.4\u{1}9=0\u{1}35=X\u{1}49=V\u{1}56=P\u{1}34=2\u{1}52=20260102-14:00:00\u{1}268=3\u{1}279=0\u{1}269=2\u{1}55=ZZZ\u{1}270=1\u{1}279=0\u{1}269=2\u{1}55=SPY\u{1}270=abc\u{1}279=0\u{1}269=9\u{1}55=SPY\u{1}270=1\u{1}10=000\u{1}"
        var events = 0
        Self.parseRaw(raw) { m in _ = decoder.decode(m, symbols: symbols, receiveTime: .zero) { _ in events += 1 } }
        #expect(events == 0)
        #expect(decoder.skippedEntries == 3)
    }

    @Test("with depth on, every bid/offer entry is a by-price depth event; deeper levels leave the top alone")
    func depth() {
        let symbols = Self.table()
        var decoder = FIXMarketDataDecoder(instrumentCount: 2, venue: VenueId(rawValue: 4), emitsDepth: true)
        // Two bid levels (positions 1 and 2) and one offer; then level 2's bid deleted.
        let snapshot = "8=FIX.4.4\u{1}9=0\u{1}35=W\u{1}49=V\u{1}56=P\u{1}34=2\u{1}52=20260102-14:00:00\u{1}55=SPY\u{1}268=3\u{1}269=0\u{1}270=167.40\u{1}271=900\u{1}290=1\u{1}269=0\u{1}270=167.39\u{1}271=500\u{1}290=2\u{1}269=1\u{1}270=167.41\u{1}271=800\u{1}290=1\u{1}10=000\u{1}"
        var events: [MarketEvent] = []
        Self.parseRaw(snapshot) { m in _ = decoder.decode(m, symbols: symbols, receiveTime: .zero) { events.append($0) } }
        #expect(events.filter { $0.kind == .depth }.count == 3)
        #expect(events.last?.kind == .quote)
        #expect(decoder.top(InstrumentId(rawValue: 0)).bid == Self.px(16_740), "the level-2 bid did not replace the top")
        let second = events.filter { $0.kind == .depth }[1]
        #expect(second.price == Self.px(16_739) && second.quantity == Self.qty(500) && second.level == 1 && second.depthSide == .buy)
        events.removeAll()
        let delete = "8=FIX.4.4\u{1}9=0\u{1}35=X\u{1}49=V\u{1}56=P\u{1}34=3\u{1}52=20260102-14:00:00\u{1}268=1\u{1}279=2\u{1}269=0\u{1}55=SPY\u{1}270=167.39\u{1}290=2\u{1}10=000\u{1}"
        Self.parseRaw(delete) { m in _ = decoder.decode(m, symbols: symbols, receiveTime: .zero) { events.append($0) } }
        #expect(events.count == 1 && events.first?.kind == .depth && events.first?.quantity == .zero)
        #expect(decoder.top(InstrumentId(rawValue: 0)).bid == Self.px(16_740))
    }

    /// Fixes BodyLength and CheckSum of a hand-written message, then parses it.
    static func parseRaw(_ text: String, _ check: (FIXMessageView) -> Void) {
        var bytes = Array(text.utf8)
        // Rebuild 9= and 10= for the body between them.
        let soh: UInt8 = 1
        guard let firstSOH = bytes.firstIndex(of: soh), let bodyLengthEnd = bytes[(firstSOH + 1)...].firstIndex(of: soh) else { return }
        let trailer = bytes.count - 7   // "10=000\u{1}"
        let body = Array(bytes[(bodyLengthEnd + 1)..<trailer])
        var out = Array("8=FIX.4.4\u{1}9=\(body.count)\u{1}".utf8) + body
        let sum = out.reduce(0) { ($0 + Int($1)) % 256 }
        out += Array("10=\(sum < 10 ? "00" : sum < 100 ? "0" : "")\(sum)\u{1}".utf8)
        bytes = out
        bytes.withUnsafeBytes { raw in
            var parser = FIXParser()
            guard case .complete = parser.parse(raw) else { Issue.record("hand-written message did not parse"); return }
            check(parser.message)
        }
    }
}
