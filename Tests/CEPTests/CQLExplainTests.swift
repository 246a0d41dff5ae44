import Testing
import PeregrineCEP
import PeregrineCore
import PeregrineTestKit
#if canImport(Glibc)
import Glibc
#endif

/// The examples of docs/CQL.md.
let cqlSampleFile = """
-- 1-minute VWAP bars per instrument
INSERT INTO vwap_bars_1m
SELECT first(price) AS open, last(price) AS close, vwap(price, quantity) AS vwap,
       sum(quantity) AS volume, count(*) AS trades
FROM trades [TUMBLING 1 MINUTE CAPACITY 8192]
GROUP BY instrument;

-- Rolling z-score of trade-to-trade returns over the last 100 trades
INSERT INTO price_pairs
SELECT first(price) AS previous, last(price) AS price FROM trades [ROWS 2] GROUP BY instrument;
INSERT INTO return_z
SELECT zscore(price / previous) AS z, stddev(price / previous) AS volatility
FROM price_pairs [ROWS 100] GROUP BY instrument;

-- Spread widening: a tight quote, then a wide one within 5 seconds
CREATE STREAM tight_quotes AS quotes WHERE spread <= 0.02;
INSERT INTO spread_widening
PATTERN tight_quotes -> quotes(spread >= 0.05) WITHIN 5 SECONDS
GROUP BY instrument;

-- Stale quotes: no new quote within 2 seconds of the last one
INSERT INTO stale_quotes
PATTERN quotes AND NOT quotes WITHIN 2 SECONDS GROUP BY instrument;

-- Each trade with the latest quote (at most 1 second old), then the buys at the ask
INSERT INTO trades_with_quote
SELECT trades.price, trades.quantity, quotes.bid_price, quotes.ask_price, quotes.mid
FROM trades JOIN quotes ON instrument WITHIN 1 SECOND;
INSERT INTO buys_at_ask
SELECT price - mid AS edge, quantity FROM trades_with_quote WHERE price - ask_price >= 0;

-- Fast EMA of trade prices
INSERT INTO ema_fast SELECT EMA(price, 20) FROM trades GROUP BY instrument;
"""

@Suite("CQL plans")
struct CQLExplainTests {
    @Test("explain prints the operator plan of the documented examples")
    func explainSample() throws {
        let set = try CQL.compile(cqlSampleFile, file: "examples.cql", options: CQLOptions(instruments: 100))
        let expected = """
        CQL plan for examples.cql: 8 operator(s) (6 on market events, 2 on derived streams), 8 stream(s) (8 named), 100 instrument(s)
        stream#1 vwap_bars_1m <- WindowOperator tumbling 1m, capacity 8192  (line 2)
          reads   trades where kind = trade
          key     instrument (100 partitions)
          value   price, weight quantity
          emits   [0] open = first(price), [1] close = last(price), [2] vwap = vwap(price, quantity), [3] volume = sum(quantity) (sum of weights), [4] trades = count(*)
        stream#2 price_pairs <- WindowOperator last 2 rows (emits on every event once full), capacity 2  (line 9)
          reads   trades where kind = trade
          key     instrument (100 partitions)
          value   price
          emits   [0] previous = first(price), [1] price = last(price)
          read by return_z
        stream#3 return_z <- WindowOperator last 100 rows (emits on every event once full), capacity 100  (line 11)
          reads   price_pairs stream#2
          key     instrument (100 partitions)
          value   price / previous
          emits   [0] z = zscore(price / previous), [1] volatility = stddev(price / previous)
        stream#4 spread_widening <- SequencePattern tight_quotes -> quotes(spread >= 0.05) within 5s  (line 17)
          step    tight_quotes (view of quotes) where kind = quote AND spread <= 0.02
          step    quotes where kind = quote AND spread >= 0.05
          key     instrument (100 partitions)
          emits   [0] elapsed
        stream#5 stale_quotes <- AbsencePattern quotes AND NOT quotes within 2s  (line 22)
          step    quotes where kind = quote
          step    quotes where kind = quote
          key     instrument (100 partitions)
          emits   no values
        stream#6 trades_with_quote <- StreamTableJoin, latest row per instrument, at most 1s old  (line 26)
          reads   trades where kind = trade
          table   quotes where kind = quote
          key     instrument (100 partitions)
          emits   [0] price = trades.price, [1] quantity = trades.quantity, [2] bid_price = quotes.bid_price, [3] ask_price = quotes.ask_price, [4] mid = quotes.mid
          read by buys_at_ask
        stream#7 buys_at_ask <- FilterProjectOperator  (line 29)
          reads   trades_with_quote stream#6 where price - ask_price >= 0
          key     none (1 partition)
          emits   [0] edge = price - mid, [1] quantity
        stream#8 ema_fast <- MovingAverageOperator span 20 events (alpha = 2/(n+1))  (line 33)
          reads   trades where kind = trade
          key     instrument (100 partitions)
          emits   [0] ema = ema(price), [1] deviation = price - ema
        """
        #expect(set.explain() == expected)
    }

    @Test("the VWAP-bar example matches bars computed independently from the trades")
    func vwapBars() throws {
        var set = try CQL.compile(cqlSampleFile, options: CQLOptions(instruments: 3))
        let barsId = try #require(set.streamId(named: "vwap_bars_1m"))
        var rng = SplitMix64(seed: 99)
        var t: Int64 = 1_700_000_000_000_000_000
        var trades: [MarketEvent] = []
        var out = CEPOutputBuffer(capacity: 1_024)
        var bars: [CEPOutput] = []
        for _ in 0..<20_000 {
            t += Int64.random(in: 0...60_000_000, using: &rng)
            let e = trade(Int.random(in: 0..<3, using: &rng), price: 100 + Double(Int.random(in: -300...300, using: &rng)) / 100,
                          quantity: Double(Int.random(in: 1...500, using: &rng)), at: t)
            trades.append(e)
            set.onEvent(e, time: e.exchangeTime, into: &out)
            bars += drain(&out).filter { $0.stream == barsId }
        }
        set.onWatermark(maxTimestamp, into: &out)
        bars += drain(&out).filter { $0.stream == barsId }
        // Group by (instrument, minute) the obvious way.
        let minute: Int64 = 60_000_000_000
        var groups: [Int: [Int64: [MarketEvent]]] = [:]
        for e in trades {
            let start = e.exchangeTime.nanosecondsSinceEpoch / minute * minute
            groups[e.instrument.index, default: [:]][start, default: []].append(e)
        }
        #expect(bars.count == groups.values.map(\.count).reduce(0, +) && bars.count > 3 * 8)
        for bar in bars {
            let group = try #require(groups[Int(bar.partition)]?[bar.integer])
            let notional = group.map { $0.price.doubleValue * $0.quantity.doubleValue }.reduce(0, +)
            let volume = group.map(\.quantity.doubleValue).reduce(0, +)
            #expect(bar.time.nanosecondsSinceEpoch == bar.integer + minute && bar.kind == .window)
            #expect(bar.value0 == group.first!.price.doubleValue && bar.value1 == group.last!.price.doubleValue)
            #expect(close(bar.value2, notional / volume, 1e-12) && close(bar.value3, volume, 1e-12) && bar.value4 == Double(group.count))
        }
    }

    @Test("the pattern and join examples fire where they should")
    func patternExamples() throws {
        var set = try CQL.compile(cqlSampleFile, options: CQLOptions(instruments: 2))
        var out = CEPOutputBuffer(capacity: 256)
        let s: Int64 = 1_000_000_000
        var got: [CEPOutput] = []
        func feed(_ e: MarketEvent) {
            set.onEvent(e, time: e.exchangeTime, into: &out)
            got += drain(&out)
        }
        feed(quote(0, bid: 99.99, ask: 100.00, at: 10 * s))          // tight
        feed(quote(1, bid: 99.90, ask: 100.00, at: 10 * s + 1))      // instrument 1: not tight
        feed(trade(0, price: 100.00, quantity: 7, at: 11 * s))       // at the ask: a buy at the ask
        feed(quote(0, bid: 99.95, ask: 100.01, at: 13 * s))         // wide, 3 s after the tight quote
        feed(trade(0, price: 99.97, quantity: 3, at: 14 * s))        // inside: not at the ask
        set.onWatermark(Timestamp(nanosecondsSinceEpoch: 20 * s), into: &out)
        got += drain(&out)
        func named(_ n: String) -> [CEPOutput] { got.filter { $0.stream == set.streamId(named: n) } }
        let widening = named("spread_widening")
        #expect(widening.count == 1 && widening.first?.partition == 0 && widening.first?.value0 == 3)
        let stale = named("stale_quotes")
        // Both deadlines pass by the quote at 13 s (earliest first); the 13 s quote re-arms instrument 0.
        #expect(stale.map(\.partition) == [0, 1, 0] && stale.map(\.time.nanosecondsSinceEpoch) == [12 * s, 12 * s + 1, 15 * s])
        let joined = named("trades_with_quote")
        #expect(joined.count == 2 && joined[0].value4 == 99.995 && joined[1].value2 == 99.95)
        let buys = named("buys_at_ask")
        #expect(buys.count == 1 && close(buys[0].value0, 0.005) && buys[0].value1 == 7)
    }

    @Test("files load from disk; a missing file is a clear error")
    func files() throws {
        let dir = TemporaryDirectory("cql")
        defer { dir.remove() }
        let path = dir.file("examples.cql")
        let f = try #require(fopen(path, "wb"))
        _ = Array(cqlSampleFile.utf8).withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        fclose(f)
        let set = try CQL.compile(contentsOf: path, options: CQLOptions(instruments: 100))
        #expect(set.file == path && set.operatorCount == 8)
        #expect(set.explain().hasPrefix("CQL plan for \(path): 8 operator(s)"))
        do {
            _ = try CQL.compile(contentsOf: dir.file("missing.cql"))
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("\(dir.file("missing.cql")):0:0: error: cannot read the file"))
        }
    }

    @Test("no storage moves while events flow (no per-event allocation, structurally)")
    func stableStorage() throws {
        var set = try CQL.compile(cqlParitySource, options: CQLOptions(instruments: 8))
        let events = cqlRandomMarket(count: 20_000, instruments: 8, seed: 5)
        var out = CEPOutputBuffer(capacity: 4_096)
        func addresses(_ set: inout CQLQuerySet) -> [UInt] {
            set.marketWindows.flatMap(\.store.storageAddresses) + set.derivedWindows.flatMap(\.store.storageAddresses)
                + [set.marketWindows.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) },
                   set.derivedWindows.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) },
                   set.marketEMAs.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) },
                   set.derivedSequences.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }]
        }
        for e in events.prefix(100) { set.onEvent(e, time: e.exchangeTime, into: &out); out.removeAll() }
        let before = addresses(&set), bufferAddress = out.storageAddress
        for (i, e) in events.dropFirst(100).enumerated() {
            set.onEvent(e, time: e.exchangeTime, into: &out)
            if i % 16 == 0 { set.onWatermark(e.exchangeTime - Nanoseconds(1), into: &out) }
            out.removeAll()
        }
        #expect(addresses(&set) == before && out.storageAddress == bufferAddress && out.dropped == 0)
        requireBitwiseCopyable(MarketGrouping.self)
        requireBitwiseCopyable(OutputGrouping.self)
        requireBitwiseCopyable(OutputExpression.self)
        requireBitwiseCopyable(OutputCondition.self)
    }

    @Test("every example block in docs/CQL.md compiles")
    func docsExamples() throws {
        let docs = String(#filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(3).joined(separator: "/")) + "/docs/CQL.md"
        let text = try #require(CQL.readText(docs))
        var blocks: [String] = []
        var current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```sql") { current = [] } else if line.hasPrefix("```") {
                if let c = current { blocks.append(c.joined(separator: "\n")) }
                current = nil
            } else { current?.append(line) }
        }
        #expect(!blocks.isEmpty)
        for block in blocks {
            #expect(cqlErrors(block, instruments: 100) == [])
        }
    }
}
