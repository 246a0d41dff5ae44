import Testing
import PeregrineCEP
import PeregrineCore

/// Trades and quotes over `instruments`, 0–400 µs apart with an occasional gap of up to
/// 100 ms (so sessions close and quotes go stale), prices wandering near 100 (deterministic).
func cqlRandomMarket(count: Int, instruments: Int, seed: UInt64) -> [MarketEvent] {
    var rng = SplitMix64(seed: seed)
    var t: Int64 = 1_700_000_000_000_000_000
    var mids = [Double](repeating: 100, count: instruments)
    var events: [MarketEvent] = []
    for _ in 0..<count {
        t += Int.random(in: 0..<100, using: &rng) == 0 ? Int64.random(in: 0...100_000_000, using: &rng)
                                                        : Int64.random(in: 0...400_000, using: &rng)
        let p = Int.random(in: 0..<instruments, using: &rng)
        mids[p] += Double(Int.random(in: -3...3, using: &rng)) / 100
        if Bool.random(using: &rng) {
            let price = mids[p] + Double(Int.random(in: -2...2, using: &rng)) / 100
            events.append(trade(p, price: price, quantity: Double(Int.random(in: 1...1000, using: &rng)), at: t))
        } else {
            let half = Double(Int.random(in: 1...3, using: &rng)) / 100
            events.append(quote(p, bid: mids[p] - half, ask: mids[p] + half, at: t))
        }
    }
    return events
}

/// The same 22 queries built by hand from the operators (market side as in the benchmark's
/// `CEPBenchQuerySet`, derived side with closures), wired the way the CQL docs describe.
struct HandBuiltQuerySet {
    typealias MW = WindowOperator<InstrumentPartition, MarketCondition, MarketField, MarketField>
    typealias SW = WindowOperator<SinglePartition<MarketEvent>, MarketCondition, MarketField, MarketField>
    typealias P = ClosurePredicate<CEPOutput>
    typealias DW = WindowOperator<OutputPartition, P, OutputValue, ConstantProjection<CEPOutput>>
    var vwap1s: MW
    var emaTrade: MovingAverageOperator<InstrumentPartition, MarketCondition, MarketField>
    var emaMid: MovingAverageOperator<InstrumentPartition, MarketCondition, MarketField>
    var z50: MW, minMax: MW, bars: MW, p95: MW
    var join: StreamTableJoin<InstrumentPartition, MarketCondition, MarketCondition, MarketField>
    var sequence: SequencePattern<InstrumentPartition, MarketCondition>
    var stale: AbsencePattern<InstrumentPartition, MarketCondition, MarketCondition>
    var hop: MW, sessions: MW
    var bursts: RepetitionPattern<InstrumentPartition, MarketCondition>
    var big: FilterProjectOperator<SinglePartition<MarketEvent>, MarketCondition, MarketField>
    var allCount: SW
    var vwapZ: DW
    var wide: FilterProjectOperator<SinglePartition<CEPOutput>, P, ClosureProjection<CEPOutput>>
    var zSeq: SequencePattern<OutputPartition, P>
    var barEMA: MovingAverageOperator<OutputPartition, P, OutputValue>
    var quietBars: AbsencePattern<SinglePartition<CEPOutput>, P, P>
    var zRep: RepetitionPattern<OutputPartition, P>
    var barWindow: DW

    init(instruments n: Int) {
        let key = InstrumentPartition()
        let trades = MarketCondition(kind: .trade), quotes = MarketCondition(kind: .quote)
        func id(_ i: UInt16) -> StreamId { StreamId(rawValue: i) }
        vwap1s = MW(stream: id(1), spec: .slidingTime(size: .seconds(1)), aggregates: [.vwap, .sumOfWeights], partitions: n,
                    capacity: 1_024, key: key, filter: trades, value: .price, weight: .quantity)
        emaTrade = .init(stream: id(2), smoothing: .span(20), partitions: n, key: key, filter: trades, value: .price)
        emaMid = .init(stream: id(3), smoothing: .timeConstant(.seconds(5)), partitions: n, key: key, filter: quotes, value: .mid)
        z50 = MW(stream: id(4), spec: .count(size: 50, slide: 1), aggregates: [.zScore, .mean, .standardDeviation], partitions: n,
                 capacity: 50, key: key, filter: trades, value: .price, weight: .one)
        minMax = MW(stream: id(5), spec: .slidingTime(size: .seconds(5)), aggregates: [.min, .max], partitions: n,
                    capacity: 4_096, key: key, filter: trades, value: .price, weight: .one)
        bars = MW(stream: id(6), spec: .tumblingTime(size: .seconds(1)), aggregates: [.first, .max, .min, .last, .count],
                  partitions: n, capacity: 1_024, key: key, filter: trades, value: .price, weight: .one)
        p95 = MW(stream: id(7), spec: .count(size: 100, slide: 1), aggregates: [.percentile(0.95)], partitions: n,
                 capacity: 100, key: key, filter: trades, value: .quantity, weight: .one)
        join = .init(stream: id(8), partitions: n, key: key, streamFilter: trades, tableFilter: quotes,
                     streamValues: [.price, .quantity], tableValues: [.bidPrice, .askPrice, .mid], maxAge: .seconds(1))
        sequence = .init(stream: id(9), partitions: n, key: key,
                         steps: [trades.and(.quantity, .greaterOrEqual, 500), quotes.and(.spread, .greater, 0.03)], within: .milliseconds(50))
        stale = .init(stream: id(10), partitions: n, key: key, trigger: quotes, cancel: quotes, within: .milliseconds(20))
        hop = MW(stream: id(11), spec: .hoppingTime(size: .seconds(2), slide: .milliseconds(500)), aggregates: [.mean, .variance],
                 partitions: n, capacity: 1_024, key: key, filter: trades, value: .price, weight: .one)
        sessions = MW(stream: id(12), spec: .session(gap: .milliseconds(30)), aggregates: [.count, .vwap, .first, .last],
                      partitions: n, capacity: 1_024, key: key, filter: trades, value: .price, weight: .quantity)
        bursts = .init(stream: id(13), partitions: n, key: key, filter: trades.and(.quantity, .greaterOrEqual, 800), count: 3,
                       within: .milliseconds(50))
        big = .init(stream: id(14), partitions: 1, key: SinglePartition(),
                    filter: trades.and(.quantity, .greaterOrEqual, 900).and(.price, .greater, 100), projections: [.price, .notional])
        allCount = SW(stream: id(15), spec: .count(size: 10, slide: 5), aggregates: [.count, .sum], partitions: 1, capacity: 10,
                      key: SinglePartition(), filter: trades, value: .quantity, weight: .one)
        vwapZ = DW(stream: id(16), spec: .count(size: 20, slide: 1), aggregates: [.zScore, .mean], partitions: n, capacity: 20,
                   key: OutputPartition(), filter: P { $0.stream.rawValue == 1 }, value: OutputValue(0))
        wide = .init(stream: id(17), partitions: 1, key: SinglePartition(), filter: P { $0.stream.rawValue == 8 && $0[3] - $0[2] > 0.03 },
                     projections: [ClosureProjection { $0[4] - $0[2] }, ClosureProjection { $0[0] }])
        zSeq = .init(stream: id(18), partitions: n, key: OutputPartition(),
                     steps: [P { $0.stream.rawValue == 4 && $0[0] > 1.5 }, P { $0.stream.rawValue == 4 && $0[0] < -1.5 }],
                     within: .seconds(1))
        barEMA = .init(stream: id(19), smoothing: .span(5), partitions: n, key: OutputPartition(), filter: P { $0.stream.rawValue == 6 },
                       value: OutputValue(3))
        quietBars = .init(stream: id(20), partitions: 1, key: SinglePartition(), trigger: P { $0.stream.rawValue == 6 },
                          cancel: P { $0.stream.rawValue == 6 }, within: .seconds(3))
        zRep = .init(stream: id(21), partitions: n, key: OutputPartition(), filter: P { $0.stream.rawValue == 16 && $0[0] > 1 },
                     count: 2, within: .milliseconds(100))
        barWindow = DW(stream: id(22), spec: .tumblingTime(size: .seconds(5)), aggregates: [.mean], partitions: n, capacity: 1_024,
                       key: OutputPartition(), filter: P { $0.stream.rawValue == 6 }, value: OutputValue(3))
    }

    mutating func onEvent(_ e: MarketEvent, time: Timestamp, into out: inout CEPOutputBuffer) {
        let start = out.count
        vwap1s.onEvent(e, time: time, into: &out); emaTrade.onEvent(e, time: time, into: &out)
        emaMid.onEvent(e, time: time, into: &out); z50.onEvent(e, time: time, into: &out)
        minMax.onEvent(e, time: time, into: &out); bars.onEvent(e, time: time, into: &out)
        p95.onEvent(e, time: time, into: &out); join.onEvent(e, time: time, into: &out)
        sequence.onEvent(e, time: time, into: &out); stale.onEvent(e, time: time, into: &out)
        hop.onEvent(e, time: time, into: &out); sessions.onEvent(e, time: time, into: &out)
        bursts.onEvent(e, time: time, into: &out); big.onEvent(e, time: time, into: &out)
        allCount.onEvent(e, time: time, into: &out)
        propagate(from: start, &out)
    }

    mutating func onWatermark(_ w: Timestamp, into out: inout CEPOutputBuffer) {
        let start = out.count
        bars.onWatermark(w, into: &out); stale.onWatermark(w, into: &out)
        hop.onWatermark(w, into: &out); sessions.onWatermark(w, into: &out)
        propagate(from: start, &out)
        var s = out.count
        quietBars.onWatermark(w, into: &out)
        propagate(from: s, &out)
        s = out.count
        barWindow.onWatermark(w, into: &out)
        propagate(from: s, &out)
    }

    mutating func propagate(from start: Int, _ out: inout CEPOutputBuffer) {
        var i = start
        while i < out.count {
            let o = out[i]
            i += 1
            switch o.stream.rawValue {
            case 1: vwapZ.onEvent(o, time: o.time, into: &out)
            case 4: zSeq.onEvent(o, time: o.time, into: &out)
            case 6:
                barEMA.onEvent(o, time: o.time, into: &out)
                quietBars.onEvent(o, time: o.time, into: &out)
                barWindow.onEvent(o, time: o.time, into: &out)
            case 8: wide.onEvent(o, time: o.time, into: &out)
            case 16: zRep.onEvent(o, time: o.time, into: &out)
            default: break
            }
        }
    }
}

let cqlParitySource = """
-- The benchmark's ten queries
INSERT INTO vwap_1s SELECT vwap(price, quantity), sum(quantity) FROM trades [RANGE 1 SECOND] GROUP BY instrument;
INSERT INTO ema_trade SELECT EMA(price, 20) FROM trades GROUP BY instrument;
INSERT INTO ema_mid SELECT EMA(mid, 5 SECONDS) FROM quotes GROUP BY instrument;
INSERT INTO z50 SELECT zscore(price), avg(price), stddev(price) FROM trades [ROWS 50] GROUP BY instrument;
INSERT INTO minmax SELECT min(price), max(price) FROM trades [RANGE 5 SECONDS CAPACITY 4096] GROUP BY instrument;
INSERT INTO bars_1s SELECT first(price), max(price), min(price), last(price), count(*)
    FROM trades [TUMBLING 1 SECOND] GROUP BY instrument;
INSERT INTO size_p95 SELECT percentile(quantity, 0.95) FROM trades [ROWS 100] GROUP BY instrument;
INSERT INTO tq SELECT price, quantity, bid_price, ask_price, mid FROM trades JOIN quotes ON instrument WITHIN 1 SECOND;
INSERT INTO seq PATTERN trades(quantity >= 500) -> quotes(spread > 0.03) WITHIN 50 MILLISECONDS GROUP BY instrument;
INSERT INTO stale PATTERN quotes AND NOT quotes WITHIN 20 MILLISECONDS GROUP BY instrument;
-- More windows and patterns, ungrouped queries
INSERT INTO hop SELECT avg(price), variance(price) FROM trades [RANGE 2 SECONDS SLIDE 500 MILLISECONDS] GROUP BY instrument;
INSERT INTO sessions SELECT count(*), vwap(price, quantity), first(price), last(price) FROM trades [SESSION 30 MILLISECONDS]
    GROUP BY instrument;
INSERT INTO bursts PATTERN trades(quantity >= 800){3} WITHIN 50 MILLISECONDS GROUP BY instrument;
INSERT INTO big SELECT price, notional FROM trades WHERE quantity >= 900 AND price > 100;
INSERT INTO all_count SELECT count(*), sum(quantity) FROM trades [ROWS 10 SLIDE 5];
-- Derived streams
INSERT INTO vwap_z SELECT zscore(vwap), avg(vwap) FROM vwap_1s [ROWS 20] GROUP BY instrument;
INSERT INTO wide SELECT mid - bid_price AS half, price FROM tq WHERE ask_price - bid_price > 0.03;
INSERT INTO z_seq PATTERN z50(zscore > 1.5) -> z50(zscore < -1.5) WITHIN 1 SECOND GROUP BY instrument;
INSERT INTO bar_ema SELECT EMA(last, 5) FROM bars_1s GROUP BY instrument;
INSERT INTO quiet_bars PATTERN bars_1s AND NOT bars_1s WITHIN 3 SECONDS;
INSERT INTO z_rep PATTERN vwap_z(zscore > 1){2} WITHIN 100 MILLISECONDS GROUP BY instrument;
INSERT INTO bar_win SELECT avg(last) FROM bars_1s [TUMBLING 5 SECONDS] GROUP BY instrument;
"""

@Suite("CQL compiler")
struct CQLCompilerTests {
    @Test("compiled queries give the same results as the hand-built operators, bit for bit")
    func parity() throws {
        let instruments = 8
        var set = try CQL.compile(cqlParitySource, file: "parity.cql", options: CQLOptions(instruments: instruments))
        #expect(set.operatorCount == 22 && set.streams.count == 22)
        #expect(set.streams.map(\.id.rawValue) == Array(1...22))
        var reference = HandBuiltQuerySet(instruments: instruments)
        let events = cqlRandomMarket(count: 40_000, instruments: instruments, seed: 2026)
        var a = CEPOutputBuffer(capacity: 4_096), b = CEPOutputBuffer(capacity: 4_096)
        var compiled: [CEPOutput] = [], handBuilt: [CEPOutput] = []
        for (i, e) in events.enumerated() {
            set.onEvent(e, time: e.exchangeTime, into: &a)
            reference.onEvent(e, time: e.exchangeTime, into: &b)
            if i % 64 == 63 {
                let w = e.exchangeTime - Nanoseconds(1)
                set.onWatermark(w, into: &a)
                reference.onWatermark(w, into: &b)
            }
            compiled += drain(&a)
            handBuilt += drain(&b)
        }
        set.onWatermark(maxTimestamp, into: &a)
        reference.onWatermark(maxTimestamp, into: &b)
        compiled += drain(&a)
        handBuilt += drain(&b)
        #expect(a.dropped == 0 && b.dropped == 0)
        #expect(compiled.count == handBuilt.count)
        #expect(compiled == handBuilt)
        if let k = zip(compiled, handBuilt).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            Issue.record("first difference at \(k): \(compiled[k]) vs \(handBuilt[k])")
        }
        // Every query produced results (so the comparison covers each).
        var perStream = [Int](repeating: 0, count: 23)
        for o in compiled { perStream[Int(o.stream.rawValue)] += 1 }
        #expect(perStream[1...].allSatisfy { $0 > 0 }, "results per stream: \(perStream)")
        // No operator saw results out of order.
        for info in set.streams { #expect(set.counters(info.id)?.outOfOrderEvents == 0, "\(info.name)") }
    }

    @Test("named streams map to ids, columns and kinds; ids start at firstStreamId")
    func streams() throws {
        let set = try CQL.compile(cqlParitySource, options: CQLOptions(instruments: 2, firstStreamId: 100))
        #expect(set.streamId(named: "tq") == StreamId(rawValue: 107))
        #expect(set.streamId(named: "nope") == nil)
        let tq = set.stream(StreamId(rawValue: 107))
        #expect(tq?.columns == ["price", "quantity", "bid_price", "ask_price", "mid"] && tq?.kind == .join)
        #expect(set.stream(StreamId(rawValue: 100))?.columns == ["vwap", "sum"])
        #expect(set.stream(StreamId(rawValue: 106))?.columns == ["p95"])
        #expect(set.stream(StreamId(rawValue: 108))?.kind == .sequenceMatch)
        #expect(set.stream(StreamId(rawValue: 117))?.columns == ["elapsed"])
        #expect(set.stream(StreamId(rawValue: 119))?.columns == [] && set.stream(StreamId(rawValue: 119))?.kind == .absence)
        #expect(set.stream(StreamId(rawValue: 99)) == nil && set.stream(StreamId(rawValue: 122)) == nil)
        let anonymous = try CQL.compile("SELECT price FROM trades;\nSELECT mid FROM quotes;")
        #expect(anonymous.streams.map(\.name) == ["_1", "_2"] && anonymous.streams.allSatisfy { !$0.isNamed })
    }

    @Test("a view's conditions join the reader's, and stream-less derived windows work")
    func viewsAndUngrouped() throws {
        let source = """
        CREATE STREAM big AS trades WHERE quantity >= 500;
        INSERT INTO b SELECT price FROM big WHERE price > 100;
        INSERT INTO c SELECT count(*) FROM b [ROWS 3];
        """
        var set = try CQL.compile(source, options: CQLOptions(instruments: 3))
        var out = CEPOutputBuffer(capacity: 64)
        var t: Int64 = 1_000
        var got: [CEPOutput] = []
        for (q, p) in [(400.0, 101.0), (600, 99), (600, 101), (700, 102), (800, 103), (900, 104)] {
            t += 10
            set.onEvent(trade(Int(t % 3), price: p, quantity: q, at: t), time: Timestamp(nanosecondsSinceEpoch: t), into: &out)
            got += drain(&out)
        }
        #expect(got.filter { $0.stream.rawValue == 1 }.map(\.value0) == [101, 102, 103, 104])
        let counts = got.filter { $0.stream.rawValue == 2 }
        #expect(counts.map(\.value0) == [3, 3] && counts.allSatisfy { $0.partition == 0 })
    }

    @Test("meaning errors name the problem and the place")
    func semanticErrors() {
        #expect(cqlErrors("SELECT price FROM treds;") == ["1:19: unknown stream 'treds' (known: trades, quotes, depth, bars, market); a stream must be defined before it is read"])
        #expect(cqlErrors("SELECT max(price), sum(quantity), avg(notional) FROM trades [ROWS 5];")
                == ["1:39: every aggregate of one window reads the same value: notional here, price before (sum() of a second field works when it is the VWAP weight; otherwise write two queries)"])
        #expect(cqlErrors("INSERT INTO x SELECT price FROM trades;\nINSERT INTO x SELECT mid FROM quotes;")
                == ["2:13: stream 'x' is already defined at 1:13"])
        #expect(cqlErrors("INSERT INTO trades SELECT price FROM trades;") == ["1:13: 'trades' is a built-in stream; choose another name"])
        #expect(cqlErrors("SELECT price FROM trades WHERE price > 1 AND price < 2 AND quantity > 3;")
                == ["1:60: a condition on market events holds at most two comparisons (including those of the stream's CREATE STREAM); split the query or move one into a view of a derived stream"])
        #expect(cqlErrors("SELECT price, quantity, notional, time, price AS p2, quantity AS q2 FROM trades;")
                == ["1:54: a query emits at most 5 values; this one asks for 6"])
        #expect(cqlErrors("SELECT count(*) FROM trades [ROWS 5] GROUP BY venue;")
                == ["1:47: only GROUP BY instrument is supported (derived streams keep the instrument of the result they came from)"])
        #expect(cqlErrors("SELECT EMA(price, 20) FROM trades [ROWS 5];") == ["1:35: EMA(...) needs no window; remove it"])
        #expect(cqlErrors("SELECT EMA(price, 0.5) FROM trades;")
                == ["1:19: EMA's second argument is a span (a whole number of events ≥ 1) or a time constant (e.g. 5 SECONDS), found 0.5"])
        #expect(cqlErrors("SELECT EMA(price, 20), price FROM trades;")
                == ["1:8: EMA(...) is a query of its own: SELECT EMA(price, 20) FROM … (it emits the average and the deviation from it)"])
        #expect(cqlErrors("SELECT median(price), percentile(price, 1.5) FROM trades [ROWS 5];")
                == ["1:23: percentile takes a value and a quantile in 0...1: percentile(price, 0.95)"])
        #expect(cqlErrors("SELECT mode(price) FROM trades [ROWS 5];")
                == ["1:8: unknown aggregate 'mode' (count, sum, avg, min, max, first, last, stddev, variance, vwap, zscore, percentile, median)"])
        #expect(cqlErrors("SELECT price, max(price) FROM trades [ROWS 5];")
                == ["1:8: in a windowed query every value is an aggregate (e.g. avg(price), vwap(price, quantity)); 'price' is not"])
        #expect(cqlErrors("SELECT avg(price) FROM trades [RANGE 1 SECOND SLIDE 2 SECONDS];")
                == ["1:31: SLIDE (2s) must not exceed RANGE (1s)"])
        #expect(cqlErrors("SELECT avg(price) FROM trades [ROWS 50 CAPACITY 10];") == ["1:31: CAPACITY (10) must hold the 50 rows"])
        #expect(cqlErrors("SELECT avg(price), min(price) AS avg FROM trades [ROWS 5];")
                == ["1:1: duplicate column name 'avg'; name the columns with AS"])
        #expect(cqlErrors("SELECT price * quantity FROM trades;")
                == ["1:14: arithmetic on market fields is not supported; use a field (price, quantity, notional, time) or compute it on a derived stream"])
        #expect(cqlErrors("PATTERN trades -> quotes -> trades -> quotes -> trades WITHIN 1 SECOND;")
                == ["1:49: a sequence has 2 to 4 steps; this one has 5"])
        #expect(cqlErrors("INSERT INTO e SELECT EMA(price, 3) FROM trades;\nPATTERN e -> trades WITHIN 1 SECOND;")
                == ["2:14: pattern steps read either market streams or derived streams, not both"])
        #expect(cqlErrors("INSERT INTO e SELECT EMA(price, 3) FROM trades;\nSELECT ema / deviation * 2 FROM e;")
                == ["2:8: only one arithmetic operator per value (e.g. last / first)"])
    }

    @Test("join errors")
    func joinErrors() {
        #expect(cqlErrors("SELECT price FROM trades JOIN trades ON instrument;")
                == ["1:31: a join needs two streams of different kinds (e.g. trades JOIN quotes)"])
        #expect(cqlErrors("SELECT price, time FROM trades JOIN quotes ON instrument;")
                == ["1:15: 'time' is ambiguous; write trades.time or quotes.time"])
        #expect(cqlErrors("SELECT price, open FROM trades JOIN quotes ON instrument;")
                == ["1:15: field 'open' is defined on neither trades nor quotes"])
        #expect(cqlErrors("SELECT price FROM trades JOIN quotes ON venue;") == ["1:41: only ON instrument is supported"])
        #expect(cqlErrors("SELECT price FROM trades JOIN quotes ON instrument GROUP BY instrument;")
                == ["1:61: a join is already by instrument (ON instrument); remove GROUP BY"])
        #expect(cqlErrors("SELECT quotes.price FROM trades JOIN quotes ON instrument;")
                == ["1:15: field 'price' is not defined on quotes (fields: bid_price, ask_price, bid_quantity, ask_quantity, mid, spread, imbalance, time)"])
        #expect(cqlErrors("SELECT x.price FROM trades JOIN quotes ON instrument;") == ["1:8: 'x' is neither trades nor quotes"])
    }
}
