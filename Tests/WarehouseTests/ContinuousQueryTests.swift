import Testing
import PeregrineCore
import PeregrineJournal
import PeregrineCEP
import PeregrineWarehouse

/// Continuous queries over the journal, stored in `cq_<stream>` tables: the stored rows must be
/// exactly what the same `CQLQuerySet` emits in memory (the hot path's answer), and re-runs
/// must only append.
@Suite("Continuous queries into the warehouse", .serialized)
struct ContinuousQueryTests {
    static let e8: Int64 = 100_000_000

    static let cql = """
        -- 1-minute bars and VWAP per instrument
        INSERT INTO bars_1m
        SELECT first(price) AS open, max(price) AS high, min(price) AS low, last(price) AS close, vwap(price, quantity) AS vwap
        FROM trades [TUMBLING 1 MINUTE CAPACITY 4096] GROUP BY instrument;
        -- sliding 10-second VWAP on every trade
        INSERT INTO vwap_10s SELECT vwap(price, quantity) AS vwap, sum(quantity) AS volume
        FROM trades [RANGE 10 SECONDS] GROUP BY instrument;
        -- rolling volatility of trade-to-trade returns over 20 trades
        INSERT INTO price_pairs SELECT first(price) AS previous, last(price) AS price FROM trades [ROWS 2] GROUP BY instrument;
        INSERT INTO volatility SELECT stddev(price / previous) AS volatility FROM price_pairs [ROWS 20] GROUP BY instrument;
        -- an anonymous stream: computed, counted, not stored
        SELECT avg(mid) FROM quotes [TUMBLING 30 SECONDS] GROUP BY instrument;
        """

    /// Trades on three instruments over ~8 minutes, exchange times up to 1.5 s out of order,
    /// with quotes between them.
    static func writeEvents(_ f: JournalFixture, from start: Int, count: Int) {
        for i in start..<(start + count) {
            let jitter = Int64((i * 7919) % 1_500) - 750   // ms, bounded disorder
            let time = f.day1 + Nanoseconds.milliseconds(Int64(i) * 250 + jitter)
            let price = (100 + Int64((i * 31) % 17)) * e8 + Int64(i % 9) * 1_000_000
            f.trade(UInt32(i % 3 + 1), price: price, quantity: Int64(i % 5 + 1) * e8, at: time)
            if i % 4 == 0 { f.quote(UInt32(i % 3 + 1), bid: price - e8, bidSize: e8, ask: price + e8, askSize: e8, at: time) }
        }
    }

    struct Row: Equatable, CustomStringConvertible {
        var stream: String, outputIndex: Int64, timeNanos: Int64, partition: Int64, count: Int64, values: [Double]
        var description: String { "\(stream)#\(outputIndex) t=\(timeNanos) p=\(partition) n=\(count) \(values)" }
    }

    static let cqlOptions = CQLOptions(instruments: 8)
    static let lateness = Nanoseconds.seconds(2)

    /// The hot path's answer: the same query set fed by the same sequencer over the journal.
    static func inMemory(_ directory: String) throws -> [Row] {
        var queries = try CQL.compile(cql, options: cqlOptions)
        var sequencer = EventTimeSequencer<MarketEvent>(capacity: 65_536, maxOutOfOrderness: lateness)
        var output = CEPOutputBuffer(capacity: 65_536)
        var watermark = Timestamp(nanosecondsSinceEpoch: .min)
        let reader = try JournalReader(directory: directory, name: "journal")
        var rows: [Row] = []
        var index: Int64 = 0
        while let record = try reader.next() {
            guard record.type == .marketEvent, let event = record.load(as: MarketEvent.self) else { continue }
            sequencer.offer(event)
            while let next = sequencer.poll() { queries.onEvent(next, time: next.exchangeTime, into: &output) }
            if sequencer.watermark > watermark {
                watermark = sequencer.watermark
                queries.onWatermark(watermark, into: &output)
            }
            for i in 0..<output.count {
                let o = output[i]
                index += 1
                guard let info = queries.stream(o.stream), info.isNamed else { continue }
                rows.append(Row(stream: info.name, outputIndex: index, timeNanos: o.time.nanosecondsSinceEpoch, partition: Int64(o.partition),
                                count: o.integer, values: (0..<min(Int(o.valueCount), info.columns.count)).map { o[$0] }))
            }
            output.removeAll()
        }
        return rows
    }

    static func stored(_ connection: PostgresConnection, _ runner: ContinuousQueryRunner, query: String) throws -> [Row] {
        var rows: [Row] = []
        for table in runner.tables {
            let result = try connection.query("""
                SELECT output_index, time_ns, instrument_id, integer_value, \(table.valueColumns.joined(separator: ", "))
                FROM \(table.table) WHERE query_name = $1
                """, [query])
            for r in result.rows {
                rows.append(Row(stream: table.stream, outputIndex: Int64(r[0]!)!, timeNanos: Int64(r[1]!)!, partition: Int64(r[2]!)!,
                                count: Int64(r[3]!)!, values: r[4...].map { Double($0!)! }))
            }
        }
        return rows.sorted { $0.outputIndex < $1.outputIndex }
    }

    func runner(_ connection: PostgresConnection, _ f: JournalFixture, name: String, source: String = Self.cql) throws -> ContinuousQueryRunner {
        try ContinuousQueryRunner(connection: connection, options: .init(
            journalDirectory: f.directory.path, queryName: name, source: source, cql: Self.cqlOptions,
            maxOutOfOrderness: Self.lateness, batchRecords: 300))
    }

    @Test("stored results equal the in-memory query set's, and re-runs continue without duplicates")
    func incrementalEqualsInMemory() throws {
        let database = try TestDatabase("cq")
        defer { database.drop() }
        let connection = try database.connect()
        try WarehouseSchema.migrate(connection)
        let f = try JournalFixture()

        Self.writeEvents(f, from: 0, count: 1_000)
        let first = try runner(connection, f, name: "incremental").run()
        #expect(first.rowsWritten > 0 && first.lateEvents == 0)
        let afterFirst = try Self.stored(connection, runner(connection, f, name: "incremental"), query: "incremental")
        #expect(try afterFirst == Self.inMemory(f.directory.path))

        Self.writeEvents(f, from: 1_000, count: 1_000)   // the journal grows; run again
        let second = try runner(connection, f, name: "incremental").run()
        #expect(second.rowsWritten > 0)
        let third = try runner(connection, f, name: "incremental").run()   // nothing new
        #expect(third.rowsWritten == 0 && third.batchesCommitted == 0)

        let expected = try Self.inMemory(f.directory.path)
        let table = try runner(connection, f, name: "incremental")
        let incremental = try Self.stored(connection, table, query: "incremental")
        #expect(incremental.count == expected.count)
        #expect(incremental == expected)
        for stream in ["bars_1m", "vwap_10s", "price_pairs", "volatility"] {
            #expect(incremental.contains { $0.stream == stream }, "\(stream) has rows")
        }
        // One run over the whole journal stores the same rows.
        _ = try runner(connection, f, name: "whole").run()
        #expect(try Self.stored(connection, table, query: "whole") == expected)
        #expect(try connection.integer("SELECT sequence FROM cq_positions WHERE query_name = 'incremental'") == Int64(f.records))
        #expect(try connection.integer("SELECT count(*) - count(DISTINCT (query_name, output_index)) FROM cq_bars_1m") == 0)
        // Sanity of the bars themselves.
        #expect(try connection.integer("SELECT count(*) FROM cq_bars_1m WHERE high < low OR vwap < low OR vwap > high") == 0)
    }

    @Test("changed CQL under the same name is refused")
    func changedQuery() throws {
        let database = try TestDatabase("cqchanged")
        defer { database.drop() }
        let connection = try database.connect()
        let f = try JournalFixture()
        Self.writeEvents(f, from: 0, count: 100)
        _ = try runner(connection, f, name: "q").run()
        #expect {
            try runner(connection, f, name: "q", source: "INSERT INTO bars_1m SELECT last(price) AS close FROM trades [TUMBLING 1 MINUTE] GROUP BY instrument;").run()
        } throws: { ($0 as? WarehouseError)?.code == .continuousQueryChanged }
    }
}
