import Testing
import PeregrineCore
import PeregrineJournal
import PeregrineCEP
import PeregrineWarehouse

/// Continuous queries over stored data (`input: .warehouse`): reading the rows the loader
/// committed, in journal order, batch by batch as they are loaded, the stored results must
/// equal the journal-sourced runner's and the in-memory query set's for the same events —
/// across many small steps, the loader and the queries interleaved, and a restart (a new
/// runner replaying the stored prefix) in the middle.
@Suite("Continuous queries over the warehouse", .serialized)
struct ContinuousQueryWarehouseTests {
    typealias Row = ContinuousQueryTests.Row

    /// `config/momentum.cql` (the example strategy's EMAs of the quote mid) plus a 1-minute
    /// bar with VWAP over the trades — the two shapes issue #8 names.
    static var momentumCQL: String {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        let file = parts.joined(separator: "/") + "/config/momentum.cql"
        return (CQL.readText(file) ?? "-- config/momentum.cql missing\n") + """

            INSERT INTO momentum_bars SELECT first(price) AS open, last(price) AS close, vwap(price, quantity) AS vwap
            FROM trades [TUMBLING 1 MINUTE CAPACITY 4096] GROUP BY instrument;
            """
    }

    /// The in-memory answer for any CQL text: the query set fed by the same sequencer over the journal.
    static func inMemory(_ directory: String, cql: String) throws -> [Row] {
        var queries = try CQL.compile(cql, options: ContinuousQueryTests.cqlOptions)
        var sequencer = EventTimeSequencer<MarketEvent>(capacity: 65_536, maxOutOfOrderness: ContinuousQueryTests.lateness)
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

    func runner(_ connection: PostgresConnection, _ f: JournalFixture, name: String, cql: String,
                input: ContinuousQueryInput, batch: Int = 170) throws -> ContinuousQueryRunner {
        try ContinuousQueryRunner(connection: connection, options: .init(
            journalDirectory: f.directory.path, queryName: name, source: cql, cql: ContinuousQueryTests.cqlOptions,
            maxOutOfOrderness: ContinuousQueryTests.lateness, batchRecords: batch, input: input))
    }

    @Test("warehouse-sourced results equal the journal-sourced and in-memory ones: loaded in batches, stepped, restarted",
          arguments: ["analytics", "momentum"])
    func warehouseEqualsJournal(_ which: String) throws {
        let cql = which == "momentum" ? Self.momentumCQL : ContinuousQueryTests.cql
        let database = try TestDatabase("cqwh\(which)")
        defer { database.drop() }
        let connection = try database.connect()
        try WarehouseSchema.migrate(connection)
        let f = try JournalFixture()
        let loader = WarehouseLoader(connection: try database.connect(), options: .init(
            journalDirectory: f.directory.path, batchRecords: 250, maxBatches: 1, retry: .never))

        // Load one batch, then let the query catch up, until the loader has nothing more.
        var steps = 0
        func loadAndFollow(_ runner: ContinuousQueryRunner, batches: Int? = nil) throws {
            var loaded = 0
            while batches.map({ loaded < $0 }) ?? true {
                let progress = try loader.run()
                while try runner.step() { steps += 1 }
                #expect(runner.progress.caughtUp)
                if progress.batchesCommitted == 0 { break }
                loaded += 1
            }
        }

        ContinuousQueryTests.writeEvents(f, from: 0, count: 1_000)
        let first = try runner(connection, f, name: "wh", cql: cql, input: .warehouse)
        try loadAndFollow(first, batches: 3)
        #expect(first.progress.rowsWritten > 0)
        // Restart in the middle: a new runner replays the stored prefix and continues.
        let second = try runner(try database.connect(), f, name: "wh", cql: cql, input: .warehouse, batch: 333)
        try loadAndFollow(second)
        ContinuousQueryTests.writeEvents(f, from: 1_000, count: 1_000)   // the journal grows while it runs
        try loadAndFollow(second)
        #expect(steps > 10)
        #expect(try !second.step(), "caught up: nothing more to read")
        #expect(second.progress.lastSequence == UInt64(f.records))
        #expect(second.progress.recordsBehind == 0)

        // The journal-sourced runner over the same journal, and the in-memory answer.
        _ = try runner(connection, f, name: "journal", cql: cql, input: .journal, batch: 300).run()
        let expected = try Self.inMemory(f.directory.path, cql: cql)
        let tables = try runner(connection, f, name: "tables", cql: cql, input: .warehouse)
        let fromWarehouse = try ContinuousQueryTests.stored(connection, tables, query: "wh")
        let fromJournal = try ContinuousQueryTests.stored(connection, tables, query: "journal")
        #expect(expected.count > 100)
        #expect(fromWarehouse.count == expected.count)
        #expect(fromWarehouse == expected)
        #expect(fromJournal == expected)
        for table in tables.tables {
            #expect(try connection.integer("SELECT count(*) - count(DISTINCT (query_name, output_index)) FROM \(table.table)") == 0)
            #expect(try connection.integer("SELECT count(*) FROM \(table.table) WHERE query_name = 'wh'") > 0, "\(table.table) has rows")
        }
        #expect(try connection.integer("SELECT sequence FROM cq_positions WHERE query_name = 'wh'") == Int64(f.records))

        // A fresh runner over the finished warehouse in one go stores the same rows.
        _ = try runner(connection, f, name: "whole", cql: cql, input: .warehouse, batch: 50_000).run()
        #expect(try ContinuousQueryTests.stored(connection, tables, query: "whole") == expected)
    }

    @Test("the warehouse source refuses a stored prefix it cannot reproduce")
    func mismatchIsRefused() throws {
        let database = try TestDatabase("cqwhmismatch")
        defer { database.drop() }
        let connection = try database.connect()
        try WarehouseSchema.migrate(connection)
        let f = try JournalFixture()
        ContinuousQueryTests.writeEvents(f, from: 0, count: 300)
        _ = try WarehouseLoader(connection: connection, options: .init(journalDirectory: f.directory.path, retry: .never)).run()
        _ = try runner(connection, f, name: "q", cql: ContinuousQueryTests.cql, input: .warehouse).run()
        try connection.execute("UPDATE cq_positions SET outputs = outputs + 1 WHERE query_name = 'q'")
        #expect {
            try runner(connection, f, name: "q", cql: ContinuousQueryTests.cql, input: .warehouse).run()
        } throws: { ($0 as? WarehouseError)?.code == .continuousQueryMismatch }
    }
}
