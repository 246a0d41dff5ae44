import Testing
import PeregrineCore
import PeregrineMarketData

/// One string literal from ../shared/protocols/iqfeed/test_vectors_IQFeed.CSharpApiClient.txt,
/// quoted from mathpaquette/IQFeed.CSharpApiClient tests (MIT License, © 2020 Mathieu Paquette).
struct IQFeedVector: CustomStringConvertible {
    var file: String
    var line: Int
    var text: String
    var description: String { "\(file):\(line): \(text)" }

    /// All vectors of the file, string escapes (\r, \n, \", \\) resolved.
    static func load() throws -> [IQFeedVector] {
        let text = try MarketDataTestData.text(MarketDataTestData.protocols("iqfeed/test_vectors_IQFeed.CSharpApiClient.txt"))
        var result: [IQFeedVector] = []
        for raw in text.split(separator: "\n") {
            if raw.hasPrefix("# ---") { break }  // the licence block ends the table
            if raw.hasPrefix("#") { continue }
            let parts = raw.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, let n = Int(parts[1]), parts[2].hasPrefix("\""), parts[2].hasSuffix("\"") else { continue }
            var literal = ""
            var escaped = false
            for c in parts[2].dropFirst().dropLast() {
                if escaped {
                    switch c { case "r": literal.append("\r"); case "n": literal.append("\n"); default: literal.append(c) }
                    escaped = false
                } else if c == "\\" { escaped = true } else { literal.append(c) }
            }
            result.append(IQFeedVector(file: String(parts[0]), line: n, text: literal))
        }
        return result
    }
}

/// Runs `body` over the bytes of `text`.
func withBytes<R>(_ text: String, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try Array(text.utf8).withUnsafeBytes(body)
}

@Suite("IQFeed: the C# client's test vectors")
struct IQFeedVectorTests {
    static let aapl = InstrumentId(rawValue: 1)
    static let msft = InstrumentId(rawValue: 2)
    static let venue = VenueId(rawValue: 5)
    static let receive = Timestamp(nanosecondsSinceEpoch: 1_000)

    static func level1(layout: IQFeedUpdateLayout = .standard) -> IQFeedLevel1Decoder {
        var table = IQFeedSymbolTable(capacity: 8)
        table.insert("AAPL", id: aapl)
        table.insert("MSFT", id: msft)
        return IQFeedLevel1Decoder(symbols: table, venue: venue, sessionDate: 20_210_401, layout: layout)
    }

    /// Layout of the C# dynamic-fieldset factory tests' P lines.
    static let dynamicLayout = IQFeedUpdateLayout(fieldNames: [
        "Symbol", "Most Recent Trade", "Most Recent Trade Size", "Most Recent Trade Date",
        "Most Recent Trade Time", "Most Recent Trade Market Center",
    ])
    /// Standard fields plus date and two unmapped ones (Level1…PerformanceTests.cs:130).
    static let datedLayout = IQFeedUpdateLayout(fieldNames: [
        "Symbol", "Most Recent Trade", "Most Recent Trade Size", "Most Recent Trade Time",
        "Most Recent Trade Market Center", "Total Volume", "Bid", "Bid Size", "Ask", "Ask Size",
        "Open", "High", "Low", "Close", "Message Contents", "Most Recent Trade Conditions",
        "Most Recent Trade Date", "Settlement Date", "Settle",
    ])

    func level1(_ v: IQFeedVector, layout: IQFeedUpdateLayout = .standard) -> (IQFeedLevel1Result, IQFeedLevel1Output, String) {
        var decoder = Self.level1(layout: layout)
        var out = IQFeedLevel1Output()
        let bytes = Array(v.text.utf8)
        let result = bytes.withUnsafeBytes { decoder.decode($0, receiveTime: Self.receive, into: &out) }
        let text = String(decoding: bytes[out.text], as: UTF8.self)
        return (result, out, text)
    }

    func history(_ v: IQFeedVector, kind: IQFeedHistoryKind) -> (IQFeedHistoryResult, IQFeedHistoryOutput, String) {
        var decoder = IQFeedHistoryDecoder(venue: Self.venue)
        var out = IQFeedHistoryOutput()
        let bytes = Array(v.text.utf8)
        let result = bytes.withUnsafeBytes { decoder.decode($0, kind: kind, instrument: Self.aapl, receiveTime: Self.receive, into: &out) }
        return (result, out, String(decoding: bytes[out.requestId], as: UTF8.self))
    }

    /// The command each HistoricalRequestFormatterTests vector was made from, rebuilt here.
    func historyCommand(line: Int) -> String? {
        var buffer = [UInt8](repeating: 0, count: 256)
        let n: Int? = buffer.withUnsafeMutableBytes { b in
            switch line {
            case 22: return IQFeedCommands.historyTicks("APPL", maxDatapoints: 500, oldestFirst: true, requestId: "TEST", datapointsPerSend: 500, into: b)
            case 29: return IQFeedCommands.historyTickRange("AAPL", begin: (20_000_101, 93_000), end: (20_010_101, 160_000), maxDatapoints: 100_000,
                                                            beginFilterTime: 93_000, endFilterTime: 160_000, oldestFirst: true, requestId: "TEST", datapointsPerSend: 500, into: b)
            case 36: return IQFeedCommands.historyIntervals("AAPL", interval: 5, maxDatapoints: 10_000, oldestFirst: false, requestId: "TEST",
                                                            datapointsPerSend: 25_000, intervalType: .volume, labelAtBeginning: false, into: b)
            case 43: return IQFeedCommands.historyIntervalDays("AAPL", interval: 15, days: 25, maxDatapoints: 25_000, beginFilterTime: 93_000, endFilterTime: 160_000,
                                                               oldestFirst: true, requestId: "TEST", datapointsPerSend: 25_000, intervalType: .ticks, labelAtBeginning: true, into: b)
            case 50: return IQFeedCommands.historyIntervalRange("APPL", interval: 5, begin: (20_000_101, 93_000), end: (20_010_101, 160_000), maxDatapoints: 25_000,
                                                                beginFilterTime: 93_000, endFilterTime: 160_000, oldestFirst: true, requestId: "TEST",
                                                                datapointsPerSend: 15_000, intervalType: .seconds, labelAtBeginning: false, into: b)
            case 57: return IQFeedCommands.historyPeriods(.daily, "AAPL", maxDatapoints: 180, oldestFirst: false, requestId: "TEST", datapointsPerSend: 500, into: b)
            case 64: return IQFeedCommands.historyTickDays("AAPL", days: 180, maxDatapoints: 2000, beginFilterTime: 93_000, endFilterTime: 160_000,
                                                           oldestFirst: false, requestId: "TEST", datapointsPerSend: 500, into: b)
            case 71: return IQFeedCommands.historyDailyRange("AAPL", beginDate: 20_000_101, endDate: 20_100_101, maxDatapoints: 15_000, oldestFirst: true,
                                                             requestId: "TEST", datapointsPerSend: 25_000, into: b)
            case 78: return IQFeedCommands.historyPeriods(.weekly, "AAPL", maxDatapoints: 35_000, oldestFirst: false, requestId: "TEST", datapointsPerSend: 100, into: b)
            case 85: return IQFeedCommands.historyPeriods(.monthly, "AAPL", maxDatapoints: 1000, oldestFirst: true, requestId: "TEST", datapointsPerSend: 10_000, into: b)
            default: return nil
            }
        }
        return n.map { String(decoding: buffer[0..<$0], as: UTF8.self) }
    }

    @Test("every vector in the file is decoded (or encoded) as the C# tests expect")
    func everyVector() throws {
        let vectors = try IQFeedVector.load()
        #expect(vectors.count == 122)  // every literal line of the file
        var checked = 0
        for v in vectors {
            let file = v.file
            let t = v.text.hasSuffix("\r\n") ? String(v.text.dropLast(2)) : v.text
            defer { checked += 1 }
            if file.hasPrefix("Extensions/") || file.hasPrefix("Lookup/Chains/") {
                // Single message-type letters: E is an (empty) error; Q and F lack a symbol.
                let (r, _, _) = level1(v)
                #expect(r == (t == "E" ? .error : .malformed), "\(v)")
            } else if file.hasPrefix("Lookup/Common/") || file.hasPrefix("Lookup/Symbol/") {
                let (r, _, requestId) = history(v, kind: .ticks)
                if t.hasPrefix("!ENDMSG!") { #expect(r == .endOfData, "\(v)") }
                else if t.contains("!NO_DATA!") { #expect(r == .noData, "\(v)") }
                else { #expect(r == .error, "\(v)") }
                #expect(requestId == (t.hasPrefix("RequestId,") ? "RequestId" : ""), "\(v)")
            } else if file.hasSuffix("HistoricalRequestFormatterTests.cs") {
                #expect(historyCommand(line: v.line) == v.text, "\(v)")
            } else if file.hasSuffix("DailyWeeklyMonthlyMessageTests.cs") {
                let (r, out, _) = history(v, kind: .daily)
                #expect(r == .event && out.event.kind == .bar, "\(v)")
            } else if file.hasSuffix("IntervalMessageTests.cs") {
                let (r, out, _) = history(v, kind: .intervals)
                #expect(r == .event && out.event.kind == .bar, "\(v)")
            } else if file.hasSuffix("TickMessageTests.cs") {
                let (r, out, requestId) = history(v, kind: .ticks)
                if v.line == 30 {
                    #expect(r == .malformed, "\(v)")  // a bare timestamp, not a row
                } else {
                    #expect(r == .event && out.event.price == Price("96.07") && out.event.quantity == Quantity(units: 1_061_909), "\(v)")
                    #expect(out.event.tradeId == 4_145_784_264)
                    #expect(requestId == (v.line == 28 ? "XYZ" : ""))
                }
            } else if file.hasPrefix("Socket/") {
                // Socket framing vectors: complete 6.0 tick rows decode; fragments do not.
                let (r, _, _) = history(v, kind: .ticks)
                #expect(r == (t.count > 60 ? .event : .malformed), "\(v)")
            } else if file.hasSuffix("ErrorMessageTests.cs") {
                let (r, _, text) = level1(v)
                #expect(r == .error && text == "Disconnected from server", "\(v)")
            } else if file.hasSuffix("SymbolNotFoundMessageTests.cs") {
                let (r, out, text) = level1(v)
                #expect(r == .symbolNotFound && text == "AAPL" && out.instrument == Self.aapl, "\(v)")
            } else if file.hasSuffix("SystemMessageTests.cs") {
                let (r, _, text) = level1(v)
                #expect(r == .system && text.hasPrefix(",,0,0,1"), "\(v)")
            } else if file.hasSuffix("TimestampMessageTests.cs") {
                let (r, out, _) = level1(v)
                #expect(r == .timestamp && out.timestamp == Timestamp(year: 2018, month: 7, day: 9, hour: 18, minute: 18, second: 31), "\(v)")
            } else if file.hasSuffix("UpdateSummaryDynamicMessageTypesFactoryTests.cs") {
                let (r, out, _) = level1(v, layout: Self.dynamicLayout)
                #expect(r == .events && out.eventCount == 1 && out.first.kind == .trade, "\(v)")
                #expect(out.first.quantity == Quantity(units: 52_500))
                #expect(out.first.exchangeTime == Timestamp(year: 2021, month: 3, day: 30, hour: 23, minute: 59, second: 14, nanosecond: 503_633_000))
                #expect(MarketEventFlags(rawValue: out.first.flags).contains(.snapshot))
            } else if file.hasPrefix("Streaming/Level1/") && (t.hasPrefix("Q") || t.hasPrefix("P")) {
                let (r, out, _) = level1(v, layout: v.line == 130 ? Self.datedLayout : .standard)
                if t == "P" || t == "Q" { #expect(r == .malformed, "\(v)") }
                else if t.hasSuffix("DONT_CARE_SYMBOL") { #expect(r == .unknownSymbol, "\(v)") }
                else if t == "Q,AAPL" { #expect(r == .noEvent, "\(v)") }
                else { #expect(r == .events && out.instrument == Self.aapl, "\(v)") }
            } else if file.hasSuffix("Level1RequestFormatterTests.cs") {
                var buffer = [UInt8](repeating: 0, count: 512)
                let n = buffer.withUnsafeMutableBytes {
                    IQFeedCommands.selectUpdateFields(Array(IQFeedUpdateLayout.Field.allCases[1...16]), into: $0)
                }
                #expect(n.map { String(decoding: buffer[0..<$0], as: UTF8.self) } == v.text, "\(v)")
            } else if file.hasSuffix("FundamentalMessageTests.cs") {
                let (r, out, _) = level1(v)
                #expect(r == .fundamental && out.instrument == Self.msft, "\(v)")
            } else if file.hasSuffix("RegionalUpdateMessageTests.cs") {
                #expect(level1(v).0 == .ignored, "\(v)")
            } else if file.hasPrefix("Streaming/Level2/") {
                // Level 2 is not decoded yet; its shared S/n/E/T lines and dates are.
                if t == "2019-04-23" {
                    #expect(withBytes(t) { IQFeedText.isoDate($0) } == 20_190_423)
                } else {
                    let expected: IQFeedLevel1Result = t.hasPrefix("S,") ? .serverConnected : t.hasPrefix("n,") ? .symbolNotFound
                        : t.hasPrefix("E,") ? .error : .timestamp
                    #expect(level1(v).0 == expected, "\(v)")
                }
            } else {
                Issue.record("vector not covered: \(v)")
                checked -= 1
            }
        }
        #expect(checked == vectors.count)
    }

    @Test("a Q with contents 'Cbacv' gives a trade and a quote with the values of the line")
    func tradeAndQuote() throws {
        let v = IQFeedVector(file: "", line: 0, text: "Q,AAPL,123.0000,50,19:59:53.475143,11,0,123.0000,1700,123.0500,200,,,,123.0000,Cbacv,400142,04/01/2021,,0.0000,\r\n")
        let (r, out, _) = level1(v, layout: Self.datedLayout)
        #expect(r == .events && out.eventCount == 2)
        #expect(out.first.kind == .trade && out.first.price == Price("123") && out.first.quantity == Quantity(units: 50))
        // 19:59:53.475143 EDT on 2021-04-01 = 23:59:53.475143 UTC.
        #expect(out.first.exchangeTime == Timestamp(year: 2021, month: 4, day: 1, hour: 23, minute: 59, second: 53, nanosecond: 475_143_000))
        #expect(out.second.kind == .quote)
        #expect(out.second.bidPrice == Price("123") && out.second.bidQuantity == Quantity(units: 1700))
        #expect(out.second.askPrice == Price("123.05") && out.second.askQuantity == Quantity(units: 200))
        #expect(out.second.receiveTime == Self.receive && out.first.venue == Self.venue)
    }

    @Test("contents 'ba' is a quote only; 'O' is a trade only; a P is a snapshot of both")
    func contents() {
        let quote = level1(IQFeedVector(file: "", line: 0, text: "Q,AAPL,322.7500,40,16:53:23.256494,11,37629453,322.6800,100,322.8700,100,312.6000,318.4000,312.1900,308.9500,ba,873D17,"))
        #expect(quote.1.eventCount == 1 && quote.1.first.kind == .quote && quote.1.first.bidPrice == Price("322.68"))
        let trade = level1(IQFeedVector(file: "", line: 0, text: "Q,AAPL,322.9100,13,16:53:16.164236,11,37620407,322.8700,100,323.0000,3300,312.6000,318.4000,312.1900,308.9500,O,8717,2,17"))
        #expect(trade.1.eventCount == 1 && trade.1.first.kind == .trade && trade.1.first.price == Price("322.91"))
        let summary = level1(IQFeedVector(file: "", line: 0, text: "P,AAPL,188.3500,52500,19:59:14.503633,19,0,188.2500,100,188.3600,100,,,,187.9700,Cbacv,8801,2,17"))
        #expect(summary.1.eventCount == 2)
        #expect(MarketEventFlags(rawValue: summary.1.first.flags).contains(.snapshot))
        #expect(MarketEventFlags(rawValue: summary.1.second.flags).contains(.snapshot))
    }

    @Test("history rows: request ids, LH, bar field order High, Low, Open, Close")
    func historyRows() {
        var d = IQFeedHistoryDecoder(venue: Self.venue)
        var out = IQFeedHistoryOutput()
        let bar = withBytes("R7,LH,2020-01-01 09:30:00,1.01,1.02,1.03,1.04,1000,1,10,") {
            d.decode($0, kind: .intervals, instrument: Self.aapl, receiveTime: Self.receive, into: &out)
        }
        #expect(bar == .event && out.requestId == 0..<2)
        #expect(out.event.high == Price("1.01") && out.event.low == Price("1.02") && out.event.open == Price("1.03") && out.event.close == Price("1.04"))
        #expect(out.event.volume == Quantity(units: 1))  // period volume, not total
        #expect(out.event.exchangeTime == Timestamp(year: 2020, month: 1, day: 1, hour: 14, minute: 30))  // EST
        let daily = withBytes("LH,2018-04-27,164.3300,160.6300,164.0000,162.3200,35655839,0,") {
            d.decode($0, kind: .daily, instrument: Self.aapl, receiveTime: Self.receive, into: &out)
        }
        #expect(daily == .event && out.event.volume == Quantity(units: 35_655_839) && out.event.open == Price("164"))
        #expect(withBytes("R7,!ENDMSG!,") { d.decode($0, kind: .daily, instrument: Self.aapl, receiveTime: Self.receive, into: &out) } == .endOfData)
        #expect(withBytes("R7,LH,2018-04-27,abc,1,1,1,1,0,") { d.decode($0, kind: .daily, instrument: Self.aapl, receiveTime: Self.receive, into: &out) } == .malformed)
    }
}
