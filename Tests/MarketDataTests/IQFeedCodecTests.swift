import Testing
import PeregrineCore
import PeregrineMarketData

@Suite("IQFeed: symbol table, commands, framing, garbage")
struct IQFeedCodecTests {
    @Test("the symbol table maps bytes to ids, misses cleanly and refuses when full")
    func symbolTable() {
        var table = IQFeedSymbolTable(capacity: 500)
        var inserted = 0
        for i in 0..<500 where table.insert("S\(i)", id: InstrumentId(rawValue: UInt32(i))) { inserted += 1 }
        #expect(inserted == 500)
        let extra = table.insert("EXTRA", id: InstrumentId(rawValue: 9))
        #expect(!extra)
        let remap = table.insert("S7", id: InstrumentId(rawValue: 77))
        #expect(remap)  // re-map is allowed when full
        for i in 0..<500 where i != 7 {
            #expect(withBytes("S\(i)") { table.lookup($0) } == InstrumentId(rawValue: UInt32(i)))
        }
        #expect(withBytes("S7") { table.lookup($0) } == InstrumentId(rawValue: 77))
        #expect(withBytes("S500") { table.lookup($0) } == nil)
        #expect(withBytes("") { table.lookup($0) } == nil)
        let long = table.insert(String(repeating: "X", count: 33), id: .none)
        #expect(!long)
    }

    @Test("Level 1 commands are byte-exact with CR LF")
    func commands() {
        func text(_ f: (UnsafeMutableRawBufferPointer) -> Int?) -> String? {
            var b = [UInt8](repeating: 0, count: 128)
            let n = b.withUnsafeMutableBytes(f)
            return n.map { String(decoding: b[0..<$0], as: UTF8.self) }
        }
        #expect(text { IQFeedCommands.setProtocol(into: $0) } == "S,SET PROTOCOL,6.2\r\n")
        #expect(text { IQFeedCommands.watch("AAPL", into: $0) } == "wAAPL\r\n")
        #expect(text { IQFeedCommands.watchTrades("AAPL", into: $0) } == "tAAPL\r\n")
        #expect(text { IQFeedCommands.unwatch("AAPL", into: $0) } == "rAAPL\r\n")
        #expect(text { IQFeedCommands.requestCurrentUpdateFieldNames(into: $0) } == "S,REQUEST CURRENT UPDATE FIELDNAMES\r\n")
        #expect(text { IQFeedCommands.timestamps(true, into: $0) } == "S,TIMESTAMPSON\r\n")
        // PROTOCOL.md: empty optional fields stay empty.
        #expect(text { IQFeedCommands.historyTickRange("AAPL", begin: (20_240_102, 93_000), end: (20_240_102, 160_000), maxDatapoints: nil,
                                                        beginFilterTime: nil, endFilterTime: nil, oldestFirst: true, requestId: "R1",
                                                        datapointsPerSend: 100, into: $0) }
                == "HTT,AAPL,20240102 093000,20240102 160000,,,,1,R1,100\r\n")
        // Too small a buffer: nil, never a partial command.
        var tiny = [UInt8](repeating: 0, count: 4)
        #expect(tiny.withUnsafeMutableBytes { IQFeedCommands.watch("AAPL", into: $0) } == nil)
    }

    @Test("lines are split on LF with CR stripped; a partial line waits for more bytes")
    func framing() {
        let chunk = Array("2008-09-30 16:29:56,26.6000,100,104865900,26.6000,26.6100,2836662,0,0,E,\r\n2008-09-30 ".utf8)
        chunk.withUnsafeBytes { b in
            let first = IQFeedText.nextLine(in: b, from: 0)
            #expect(first.map { String(decoding: $0.line, as: UTF8.self) } == "2008-09-30 16:29:56,26.6000,100,104865900,26.6000,26.6100,2836662,0,0,E,")
            #expect(IQFeedText.nextLine(in: b, from: first?.next ?? 0) == nil)
        }
    }

    @Test("S,CURRENT UPDATE FIELDNAMES re-maps the layout; the next Q follows it")
    func dynamicLayout() {
        var table = IQFeedSymbolTable(capacity: 4)
        table.insert("IBM", id: InstrumentId(rawValue: 3))
        var d = IQFeedLevel1Decoder(symbols: table, venue: VenueId(rawValue: 1), sessionDate: 20_131_007)
        var out = IQFeedLevel1Output()
        let r = withBytes("S,CURRENT UPDATE FIELDNAMES,Symbol,Bid,Bid Size,Ask,Ask Size,Bid Time,Ask Time\r\n") {
            d.decode($0, receiveTime: .zero, into: &out)
        }
        #expect(r == .layoutChanged)
        #expect(d.layout.count == 7 && d.layout.field(at: 5) == .bidTime)
        let q = withBytes("Q,IBM,181.5000,300,181.5200,200,09:30:00.000100,09:30:00.000250,\r\n") {
            d.decode($0, receiveTime: .zero, into: &out)
        }
        #expect(q == .events && out.first.kind == .quote && out.first.askQuantity == Quantity(units: 200))
        // Later of the two side times, 09:30 EDT = 13:30 UTC.
        #expect(out.first.exchangeTime == Timestamp(year: 2013, month: 10, day: 7, hour: 13, minute: 30, nanosecond: 250_000))
    }

    @Test("garbage lines give malformed / unknown codes and never trap")
    func garbage() {
        var table = IQFeedSymbolTable(capacity: 4)
        table.insert("AAPL", id: InstrumentId(rawValue: 1))
        var d = IQFeedLevel1Decoder(symbols: table, venue: VenueId(rawValue: 1), sessionDate: 20_210_401)
        var out = IQFeedLevel1Output()
        func run(_ s: String) -> IQFeedLevel1Result { withBytes(s) { d.decode($0, receiveTime: .zero, into: &out) } }
        #expect(run("") == .unknownType)
        #expect(run("\r\n") == .unknownType)
        #expect(run("X,foo") == .unknownType)
        #expect(run("QQ,AAPL") == .unknownType)
        #expect(run("Q,AAPL,abc,1,10:00:00,") == .malformed)
        #expect(run("Q,AAPL,1.0,1,25:00:00,") == .malformed)
        #expect(run("Q,AAPL,1.0,1,10:00,") == .malformed)
        #expect(run("T,2018070914:18:31") == .malformed)
        #expect(run("Q,NOPE,1.0,1,10:00:00,") == .unknownSymbol)
        #expect(run("n,AAPL") == .symbolNotFound && out.instrument == InstrumentId(rawValue: 1))
        #expect(run("n,") == .malformed)
        var h = IQFeedHistoryDecoder(venue: VenueId(rawValue: 1))
        var hout = IQFeedHistoryOutput()
        var rng = SplitMix(seed: 99)
        let alphabet = Array("QPTnESF0123456789.,:- /!LH\r\nAAPL".utf8)
        for _ in 0..<2_000 {
            let n = Int(rng.next() % 64)
            let bytes = (0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            bytes.withUnsafeBytes { b in
                _ = d.decode(b, receiveTime: .zero, into: &out)
                _ = h.decode(b, kind: .ticks, instrument: .none, receiveTime: .zero, into: &hout)
                _ = h.decode(b, kind: .intervals, instrument: .none, receiveTime: .zero, into: &hout)
            }
        }
    }
}
