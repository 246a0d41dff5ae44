import Testing
import PeregrineCore
import PeregrineMarketData

/// Real files: QuantConnect LEAN data (Apache License 2.0, ../shared/data/lean/LICENSE),
/// originally AlgoSeek. Expected values come from two sources, named at each check:
/// constants verified with Python's zipfile/csv while writing the tests, and a deliberately
/// simple String-splitting parse in Swift (`SimpleCSV`) that shares no code with `LEANReader`.
@Suite("LEAN: CSV rows → MarketEvent")
struct LEANReaderTests {
    static let ibm = InstrumentId(rawValue: 7)
    static let venue = VenueId(rawValue: 1)

    func open(_ relative: String) throws -> LEANReader {
        try LEANReader.open(path: MarketDataTestData.lean(relative), instrument: Self.ibm, venue: Self.venue)
    }

    @Test("IBM 2013-10-07 trades: row count, size and price sums, suspicious count")
    func ibmTrades() throws {
        var reader = try open("tick/ibm/20131007_trade.zip")
        #expect(reader.kind == .tradeTick)
        let simple = SimpleCSV(reader.csv)
        var count = 0, sizeSum: Int64 = 0, priceSum: Int64 = 0, suspicious = 0
        var lastTime = Timestamp.zero
        while let e = reader.next() {
            #expect(e.kind == .trade)
            #expect(e.instrument == Self.ibm)
            #expect(e.exchangeTime >= lastTime)
            lastTime = e.exchangeTime
            count += 1
            sizeSum += e.quantity.rawValue / FixedPointScale.scale
            priceSum += e.price.rawValue / 10_000  // back to deci-cents
            if MarketEventFlags(rawValue: e.flags).contains(.suspicious) { suspicious += 1 }
        }
        // Python (zipfile + split) gave 24,293 rows, size sum 3,960,352, price sum
        // 44,345,491,900 deci-cents, 0 suspicious; SimpleCSV recomputes them in Swift.
        #expect(count == 24_293)
        #expect(sizeSum == 3_960_352)
        #expect(priceSum == 44_345_491_900)
        #expect(suspicious == 0)
        #expect(count == simple.rows.count)
        #expect(sizeSum == simple.rows.reduce(0) { $0 + Int64($1[2])! })
        #expect(suspicious == simple.rows.filter { $0[5] != "0" }.count)
        #expect(reader.malformedRows == 0)
    }

    @Test("times: ms after New York midnight become UTC (EDT, UTC−4, in October 2013)")
    func ibmTimes() throws {
        var reader = try open("tick/ibm/20131007_trade.zip")
        let first = try take(&reader)
        // First row 14430270 ms = 04:00:30.270 New York (pre-market) = 08:00:30.270 UTC.
        #expect(first.exchangeTime == Timestamp(year: 2013, month: 10, day: 7, hour: 8, minute: 0, second: 30, nanosecond: 270_000_000))
        #expect(first.price == Price(mantissa: 1_815_200, decimals: 4))
        #expect(first.quantity == Quantity(units: 283))
        #expect(first.sequence == 1)
        // First row at or after the 09:30 open is at 13:30 UTC plus its offset.
        let simple = SimpleCSV(reader.csv)
        let openMs = try #require(simple.rows.map { Int64($0[0])! }.first { $0 >= 34_200_000 })
        let openUTC = try #require(Timestamp(year: 2013, month: 10, day: 7, hour: 13, minute: 30))
        var e = first
        while e.exchangeTime < openUTC { e = try take(&reader) }
        #expect(e.exchangeTime == openUTC + .milliseconds(openMs - 34_200_000))
    }

    @Test("IBM 2013-10-07 quotes: zero sides keep the last value, one suspicious row")
    func ibmQuotes() throws {
        var reader = try open("tick/ibm/20131007_quote.zip")
        let simple = SimpleCSV(reader.csv)
        var count = 0, suspicious = 0
        var bid: Int64 = 0, ask: Int64 = 0
        var index = 0
        while let e = reader.next() {
            let row = simple.rows[index]
            index += 1
            // Independent replay of the "0 = unchanged" rule on the split strings.
            if row[1] != "0" { bid = Int64(row[1])! }
            if row[3] != "0" { ask = Int64(row[3])! }
            if e.bidPrice.rawValue != bid * 10_000 || e.askPrice.rawValue != ask * 10_000 {
                Issue.record("row \(index): bid/ask differ")
                break
            }
            count += 1
            if MarketEventFlags(rawValue: e.flags).contains(.suspicious) { suspicious += 1 }
        }
        // Python: 109,067 rows, exactly 1 with suspicious = 1.
        #expect(count == 109_067)
        #expect(suspicious == 1)
    }

    @Test("quote tick rows: a zero side carries the last known price and size")
    func quoteCarry() throws {
        let csv = Array("""
        34200000,1815000,300,0,0,P,1,0
        34200001,0,0,1816000,500,P,1,0
        34200002,1815100,100,0,0,P,1,1
        """.utf8)
        var r = try #require(LEANReader(csv: csv, kind: .quoteTick, year: 2013, month: 10, day: 7,
                                        instrument: Self.ibm, venue: Self.venue))
        let a = try take(&r), b = try take(&r), c = try take(&r)
        #expect(r.next() == nil)
        #expect(a.bidPrice == Price(mantissa: 1_815_000, decimals: 4) && a.askPrice == .zero)
        #expect(b.bidPrice == a.bidPrice && b.bidQuantity == Quantity(units: 300))
        #expect(b.askPrice == Price("181.6") && b.askQuantity == Quantity(units: 500))
        #expect(c.bidPrice == Price("181.51") && c.askPrice == b.askPrice && c.askQuantity == b.askQuantity)
        #expect(MarketEventFlags(rawValue: c.flags).contains(.suspicious))
        #expect(MarketEventFlags(rawValue: a.flags).contains(.replayed))
    }

    @Test("malformed rows are skipped and counted; blank lines and CRLF are fine")
    func malformed() throws {
        let csv = Array("14430270,1815200,283,P,20002020,0\r\n\nabc,1,2,P,0,0\n1,2\n1,2,3,P,0,0,9\n,1,1,P,0,0\n99999999999999999999,1,1,P,0,0\n14430271,1815300,100,P,0,1".utf8)
        var r = try #require(LEANReader(csv: csv, kind: .tradeTick, year: 2013, month: 10, day: 7,
                                        instrument: Self.ibm, venue: Self.venue))
        let a = try take(&r)
        let b = try take(&r)
        #expect(r.next() == nil)
        #expect(a.quantity == Quantity(units: 283))
        #expect(b.price == Price("181.53"))
        #expect(MarketEventFlags(rawValue: b.flags).contains(.suspicious))
        #expect(r.malformedRows == 5)
        #expect(r.rowsDecoded == 2)
    }

    @Test("SPY minute trade bars decode OHLCV")
    func minuteBars() throws {
        var reader = try open("minute/spy/20131007_trade.zip")
        #expect(reader.kind == .tradeBar)
        let first = try take(&reader)
        #expect(first.kind == .bar)
        #expect(first.open == Price("167.41") && first.low == Price("167.25") && first.close == Price("167.27"))
        #expect(first.volume == Quantity(units: 3197))
        #expect(first.exchangeTime == Timestamp(year: 2013, month: 10, day: 7, hour: 8))
        var count = 1
        while reader.next() != nil { count += 1 }
        #expect(count == 828)  // Python: 828 rows
    }

    @Test("SPY minute quote bars become quotes at the closing bid and ask")
    func minuteQuoteBars() throws {
        var reader = try open("minute/spy/20131007_quote.zip")
        let first = try take(&reader)
        // 14400000,1672700,1672700,1671500,1672500,300,1680000,1680000,1672600,1672700,20000
        #expect(first.kind == .quote)
        #expect(first.bidPrice == Price("167.25") && first.bidQuantity == Quantity(units: 300))
        #expect(first.askPrice == Price("167.27") && first.askQuantity == Quantity(units: 20_000))
    }

    @Test("replay merges the day's quote and trade files in time order")
    func replayMerge() throws {
        var replay = LEANReplay([try open("tick/ibm/20131007_quote.zip"), try open("tick/ibm/20131007_trade.zip")])
        var last = Timestamp.zero
        var trades = 0, quotes = 0, ordered = true
        while let e = replay.next() {
            if e.exchangeTime < last { ordered = false }
            last = e.exchangeTime
            if e.kind == .trade { trades += 1 } else if e.kind == .quote { quotes += 1 }
        }
        #expect(ordered)
        #expect(trades == 24_293)
        #expect(quotes == 109_067)
        #expect(replay.eventsYielded == 133_360)
        #expect(replay.malformedRows == 0)
    }

    @Test("US daylight-saving rules: second Sunday of March to first Sunday of November")
    func daylightSaving() throws {
        let oct = try #require(NewYorkTime(year: 2013, month: 10, day: 7))
        #expect(oct.offsetHours(millisecondsSinceMidnight: 34_200_000) == -4)
        let dec = try #require(NewYorkTime(year: 2013, month: 12, day: 2))
        #expect(dec.utc(millisecondsSinceMidnight: 34_200_000) == Timestamp(year: 2013, month: 12, day: 2, hour: 14, minute: 30))
        // 2013-03-10: 01:59 is EST, 03:00 is EDT; 02:30 does not exist and reads as EST.
        let spring = try #require(NewYorkTime(year: 2013, month: 3, day: 10))
        #expect(spring.utc(millisecondsSinceMidnight: 7_140_000) == Timestamp(year: 2013, month: 3, day: 10, hour: 6, minute: 59))
        #expect(spring.utc(millisecondsSinceMidnight: 10_800_000) == Timestamp(year: 2013, month: 3, day: 10, hour: 7))
        #expect(spring.utc(millisecondsSinceMidnight: 9_000_000) == Timestamp(year: 2013, month: 3, day: 10, hour: 7, minute: 30))
        #expect(try #require(NewYorkTime(year: 2013, month: 3, day: 9)).offsetHours(millisecondsSinceMidnight: 43_200_000) == -5)
        // 2013-11-03: 01:30 is EDT (first occurrence), 02:30 is EST.
        let fall = try #require(NewYorkTime(year: 2013, month: 11, day: 3))
        #expect(fall.offsetHours(millisecondsSinceMidnight: 5_400_000) == -4)
        #expect(fall.offsetHours(millisecondsSinceMidnight: 9_000_000) == -5)
        // 2024: March 10 and November 3 again; 2021: March 14 and November 7.
        #expect(try #require(NewYorkTime(year: 2021, month: 3, day: 14)).offsetHours(millisecondsSinceMidnight: 43_200_000) == -4)
        #expect(try #require(NewYorkTime(year: 2021, month: 3, day: 13)).offsetHours(millisecondsSinceMidnight: 43_200_000) == -5)
        #expect(try #require(NewYorkTime(year: 2021, month: 11, day: 7)).offsetHours(millisecondsSinceMidnight: 43_200_000) == -5)
        #expect(try #require(NewYorkTime(year: 2021, month: 11, day: 6)).offsetHours(millisecondsSinceMidnight: 43_200_000) == -4)
    }

    @Test("file names give kind and date")
    func fileNames() {
        #expect(LEANFileName(path: "/x/tick/ibm/20131007_quote.zip") == LEANFileName(kind: .quoteTick, year: 2013, month: 10, day: 7))
        #expect(LEANFileName(path: "minute/spy/20131011_trade.zip")?.kind == .tradeBar)
        #expect(LEANFileName(path: "daily/spy/spy.zip") == nil)
    }
}

/// The straightforward parse the reader is checked against: String lines, split on commas.
struct SimpleCSV {
    var rows: [[Substring]]
    init(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        rows = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    }
}

/// The next event of `reader`, failing the test at the end of the file.
func take(_ reader: inout LEANReader, sourceLocation: SourceLocation = #_sourceLocation) throws -> MarketEvent {
    let event = reader.next()
    return try #require(event, sourceLocation: sourceLocation)
}
