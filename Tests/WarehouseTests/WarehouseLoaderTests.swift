import Testing
import PeregrineCore
import PeregrineJournal
import PeregrineWarehouse

/// Integration tests against a real (throwaway) PostgreSQL; see TestDatabase.swift.
@Suite("Warehouse loader and ODS", .serialized)
struct WarehouseLoaderTests {
    static let e8: Int64 = 100_000_000

    @Test("migrations apply once and are idempotent")
    func migrations() throws {
        let database = try TestDatabase("migrate")
        defer { database.drop() }
        let connection = try database.connect()
        #expect(try WarehouseSchema.migrate(connection) == [1, 2])
        #expect(try WarehouseSchema.migrate(connection) == [])
        #expect(try WarehouseSchema.appliedVersions(connection) == [1, 2])
        let second = try database.connect()
        #expect(try WarehouseSchema.migrate(second) == [])
        for table in ["instruments", "trades", "quotes", "depth", "bars", "orders", "order_commands", "executions", "positions",
                      "pnl", "risk_decisions", "filter_drops", "journal_positions", "quarantine"] {
            #expect(try connection.integer("SELECT count(*) FROM \(table)") == 0, "\(table) exists and is empty")
        }
    }

    /// A journal with every kind of record, including ones that break each rule.
    static func mixedJournal() throws -> JournalFixture {
        let f = try JournalFixture()
        let day2 = f.day1 + Nanoseconds.seconds(86_400)
        for i in 0..<200 {
            let time = (i < 120 ? f.day1 : day2) + Nanoseconds.seconds(Int64(i))
            f.trade(UInt32(i % 4 + 1), price: (100 + Int64(i % 7)) * e8 + 25_000_000, quantity: Int64(i % 5 + 1) * e8, at: time)
        }
        f.trade(1, price: -5 * e8, quantity: e8, at: f.day1)
        f.trade(2, price: 0, quantity: e8, at: f.day1)
        f.trade(3, price: 100 * e8, quantity: 0, at: f.day1)
        for i in 0..<100 {
            f.quote(UInt32(i % 4 + 1), bid: 100 * e8, bidSize: 3 * e8, ask: 101 * e8, askSize: i == 50 ? 0 : 2 * e8, at: f.day1,
                    bad: i == 50 ? .sizePositive : nil)
        }
        f.quote(1, bid: 0, bidSize: 0, ask: 101 * e8, askSize: e8, at: f.day1)     // one-sided book: fine
        for i in 0..<50 { f.depthLevel(2, price: (99 - Int64(i % 5)) * e8, size: Int64(i % 3) * e8, level: i % 5, at: day2) }
        f.depthLevel(2, price: 0, size: e8, level: 0, at: day2, bad: .pricePositive)
        for i in 0..<10 { f.bar(3, open: 100 * e8, high: 102 * e8, low: 99 * e8, close: Int64(100 + i % 2) * e8, at: f.day1) }
        f.bar(3, open: 100 * e8, high: 98 * e8, low: 99 * e8, close: 100 * e8, at: f.day1, bad: .barRange)
        f.statusChange(1, at: f.day1); f.statusChange(2, at: f.day1)

        for id in UInt64(1)...20 {
            f.command(.new, id: id, instrument: UInt32(id % 4 + 1), side: id % 2 == 1 ? .buy : .sell, quantity: 10 * e8)
        }
        f.command(.new, id: 99, instrument: 1, quantity: 0, bad: .sizePositive)
        f.command(.new, id: 5, instrument: 1, quantity: e8, bad: .duplicateOrderId)
        f.command(.new, id: 98, instrument: 1, quantity: e8, price: -1, bad: .pricePositive)
        f.command(.cancel, id: 1003, original: 3, instrument: 4, quantity: 10 * e8)
        f.command(.cancel, id: 1555, original: 555, instrument: 1, quantity: e8, bad: .unknownOriginalOrder)
        for id in UInt64(1)...20 {
            let instrument = UInt32(id % 4 + 1), side: Side = id % 2 == 1 ? .buy : .sell
            f.execution(.new, order: id, instrument: instrument, side: side)
            f.execution(.trade, order: id, executionId: id * 10 + 1, instrument: instrument, side: side, price: 100 * e8 + 50_000_000, quantity: 4 * e8)
            f.execution(.trade, order: id, executionId: id * 10 + 2, instrument: instrument, side: side, price: 101 * e8, quantity: 4 * e8)
        }
        f.command(.replace, id: 104, original: 4, instrument: 1, side: .sell, quantity: 12 * e8)
        f.execution(.trade, order: 104, executionId: 1041, instrument: 1, side: .sell, price: 100 * e8, quantity: 3 * e8)
        f.execution(.trade, order: 104, executionId: 1042, instrument: 1, side: .sell, price: 100 * e8, quantity: 2 * e8, bad: .fillExceedsOrderQuantity)
        f.execution(.trade, order: 6, executionId: 63, instrument: 3, side: .sell, price: 100 * e8, quantity: 4 * e8, bad: .fillExceedsOrderQuantity)
        f.execution(.trade, order: 7, executionId: 71, instrument: 4, side: .buy, price: 100 * e8, quantity: e8, bad: .duplicateExecutionId)
        f.execution(.trade, order: 8, executionId: 83, instrument: 1, side: .sell, price: 0, quantity: e8, bad: .pricePositive)
        f.execution(.trade, order: 777, executionId: 7771, instrument: 1, price: 100 * e8, quantity: e8, bad: .executionUnknownOrder)
        f.execution(.canceled, order: 3, instrument: 4)

        for i in 0..<5 { f.riskDecision(order: UInt64(i + 1), reason: i == 4 ? 3 : 0) }
        f.raw("8=FIX.4.4|35=D|", type: .rawOutbound); f.raw("8=FIX.4.4|35=8|", type: .rawInbound)
        f.raw("max_order_quantity=500", type: .configurationChange)
        f.filterDrop(1); f.filterDrop(2)
        f.unknownRecord()
        f.malformedMarketEvent()
        return f
    }

    @Test("a mixed journal loads with counts and sums equal to what was written; bad rows are quarantined")
    func loadMixedJournal() throws {
        let database = try TestDatabase("mixed")
        defer { database.drop() }
        let connection = try database.connect()
        try WarehouseSchema.migrate(connection)
        let f = try Self.mixedJournal()
        let loader = WarehouseLoader(connection: connection, options: .init(journalDirectory: f.directory.path, batchRecords: 64))
        let progress = try loader.run()
        #expect(progress.recordsLoaded == f.records)
        #expect(progress.recordsQuarantined == f.quarantinedTotal)
        #expect(progress.batchesCommitted == (f.records + 63) / 64)

        let c = connection
        #expect(try c.integer("SELECT count(*) FROM trades") == Int64(f.trades))
        #expect(try c.integer("SELECT sum(price_e8) FROM trades") == f.tradePriceSum)
        #expect(try c.integer("SELECT sum(quantity_e8) FROM trades") == f.tradeQuantitySum)
        #expect(try c.integer("SELECT count(*) FROM quotes") == Int64(f.quotes))
        #expect(try c.integer("SELECT count(*) FROM depth") == Int64(f.depth))
        #expect(try c.integer("SELECT count(*) FROM bars") == Int64(f.bars))
        #expect(try c.integer("SELECT count(*) FROM market_status") == Int64(f.status))
        #expect(try c.integer("SELECT count(*) FROM orders") == Int64(f.orders))
        #expect(try c.integer("SELECT count(*) FROM order_commands") == Int64(f.orderCommands))
        #expect(try c.integer("SELECT count(*) FROM executions") == Int64(f.executions))
        #expect(try c.integer("SELECT count(*) FROM fills") == Int64(f.fills))
        #expect(try c.integer("SELECT sum(last_quantity_e8) FROM fills") == f.fillQuantitySum)
        #expect(try c.integer("SELECT count(*) FROM risk_decisions WHERE NOT accepted") == 1)
        #expect(try c.integer("SELECT count(*) FROM risk_decisions") == Int64(f.riskDecisions))
        #expect(try c.integer("SELECT count(*) FROM raw_messages") == Int64(f.rawMessages))
        #expect(try c.integer("SELECT count(*) FROM configuration_changes") == Int64(f.configurationChanges))
        #expect(try c.text("SELECT change FROM configuration_changes") == "max_order_quantity=500")
        #expect(try c.integer("SELECT count(*) FROM filter_drops WHERE reason_code = 3") == Int64(f.filterDrops))
        #expect(try c.integer("SELECT count(*) FROM instruments") == 4)
        // Day partitions were made on demand, one per day the trades span.
        #expect(try c.integer("SELECT count(*) FROM pg_inherits WHERE inhparent = 'trades'::regclass") == Int64(f.tradeDays.count))
        #expect(try c.text("SELECT price::text FROM trades_v ORDER BY journal_sequence LIMIT 1") == "100.25000000")
        // Positions equal the sum of fills, as written.
        for (instrument, quantity) in f.positions {
            #expect(try c.integer("SELECT quantity_e8 FROM positions WHERE account_id = 7 AND instrument_id = \(instrument)") == quantity)
        }
        #expect(try c.integer("SELECT count(*) FROM ods_position_mismatches") == 0)
        #expect(try c.integer("SELECT sum(fill_count) FROM pnl") == Int64(f.fills))
        #expect(try c.text("SELECT sum(buy_notional_e16 + sell_notional_e16)::text FROM pnl") == String(f.fillNotionalSum))
        // Quarantine: every bad row, by rule, with its payload.
        let byRule = try c.query("SELECT rule, count(*) FROM quarantine GROUP BY rule").rows
        var stored: [String: Int] = [:]
        for row in byRule { stored[row[0]!] = Int(row[1]!)! }
        #expect(stored == f.quarantined)
        #expect(try c.text("SELECT reason FROM quarantine WHERE rule = 'fill_exceeds_order_quantity' ORDER BY journal_sequence LIMIT 1")
                == "fill 1042 of 2 on order 104 would make 13 filled of 12")
        #expect(try c.integer("SELECT count(*) FROM quarantine WHERE length(payload) = 0") == 0)
        let report = try WarehouseReport.violations(c)
        #expect(Set(report.map(\.rule)) == Set(f.quarantined.keys))
        #expect(report.first { $0.rule == "execution_unknown_order" }?.example == "trade report for unknown order 777")
        print(try WarehouseReport.violationsText(c))
        // The live checks catch data written around the loader.
        try c.execute("UPDATE positions SET quantity_e8 = quantity_e8 + 1 WHERE instrument_id = 2")
        let broken = try WarehouseReport.violations(c).first { $0.rule == "position_equals_sum_of_fills" }
        #expect(broken?.count == 1)
        #expect(broken?.example.hasPrefix("account 7 instrument 2: position") == true)
        try c.execute("UPDATE positions SET quantity_e8 = quantity_e8 - 1 WHERE instrument_id = 2")
        // Every execution belongs to a known order, in the database too (foreign key).
        let orphan = #expect(throws: PostgresError.self) {
            try c.execute("INSERT INTO executions (journal_sequence, order_id, original_order_id, venue_order_id, execution_id, exec_type, order_status, side, instrument_id, account_id, strategy_id, venue_id, last_price_e8, last_quantity_e8, leaves_quantity_e8, cumulative_quantity_e8, average_price_e8, price_e8, order_quantity_e8, reject_reason, flags, transact_time_ns, receive_time_ns) VALUES (99999, 4242, 0, 0, 0, 'new', 'new', 'buy', 1, 7, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)")
        }
        #expect(orphan?.sqlState == "23503")
        // Re-running a completed load adds nothing.
        let again = try WarehouseLoader(connection: c, options: .init(journalDirectory: f.directory.path)).run()
        #expect(again.recordsLoaded == 0)
        #expect(try c.integer("SELECT count(*) FROM trades") == Int64(f.trades))
        #expect(try loader.committedPosition()?.sequence == UInt64(f.records))
    }

    @Test("a loader killed mid-batch and re-run loads every row exactly once")
    func crashAndResume() throws {
        let database = try TestDatabase("resume")
        defer { database.drop() }
        try WarehouseSchema.migrate(try database.connect())
        let f = try JournalFixture(fileBytes: 64 << 10)   // ~650 records a file: resumes cross files
        let e8 = Self.e8
        for id in UInt64(1)...400 { f.command(.new, id: id, instrument: UInt32(id % 3 + 1), side: id % 3 == 0 ? .sell : .buy, quantity: 5 * e8) }
        for i in 0..<6_000 {
            f.trade(UInt32(i % 3 + 1), price: (50 + Int64(i % 11)) * e8, quantity: Int64(i % 4 + 1) * e8, at: f.day1 + Nanoseconds.seconds(Int64(i)))
            if i % 15 == 0 {
                let id = UInt64(i / 15 + 1)
                f.execution(.trade, order: id, executionId: id * 100, instrument: UInt32(id % 3 + 1), side: id % 3 == 0 ? .sell : .buy,
                            price: 51 * e8, quantity: 3 * e8)
            }
        }
        // Crash: the fourth batch's transaction dies with its connection before COMMIT.
        let first = try database.connect()
        let crashing = WarehouseLoader(connection: first, options: .init(journalDirectory: f.directory.path, batchRecords: 1_000))
        struct Killed: Error {}
        crashing.beforeCommit = { batch in
            if batch == 4 { first.close(); throw Killed() }
        }
        #expect(throws: Killed.self) { try crashing.run() }
        let check = try database.connect()
        #expect(try check.integer("SELECT sequence FROM journal_positions") == 3_000)
        #expect(try check.integer("SELECT count(*) FROM trades") + check.integer("SELECT count(*) FROM orders")
                + check.integer("SELECT count(*) FROM executions") == 3_000)
        // Stop cleanly after two more batches, then finish with a fresh loader (empty order cache).
        let stopped = try WarehouseLoader(connection: database.connect(),
                                          options: .init(journalDirectory: f.directory.path, batchRecords: 1_000, maxBatches: 2)).run()
        #expect(stopped.recordsLoaded == 2_000)
        // Two late fills whose orders were loaded in earlier runs: the ledger must read them back.
        f.execution(.trade, order: 1, executionId: 102, instrument: 2, price: 51 * e8, quantity: 2 * e8)
        f.execution(.trade, order: 2, executionId: 202, instrument: 3, price: 51 * e8, quantity: 3 * e8, bad: .fillExceedsOrderQuantity)
        let rest = try WarehouseLoader(connection: database.connect(), options: .init(journalDirectory: f.directory.path, batchRecords: 1_000)).run()
        #expect(rest.recordsLoaded == f.records - 5_000)
        #expect(try check.integer("SELECT count(*) FROM trades") == Int64(f.trades))
        #expect(try check.integer("SELECT sum(price_e8) FROM trades") == f.tradePriceSum)
        #expect(try check.integer("SELECT count(DISTINCT journal_sequence) FROM trades") == Int64(f.trades))
        #expect(try check.integer("SELECT count(*) FROM orders") == Int64(f.orders))
        #expect(try check.integer("SELECT count(*) FROM executions") == Int64(f.executions))
        #expect(try check.integer("SELECT sum(last_quantity_e8) FROM fills") == f.fillQuantitySum)
        #expect(try check.integer("SELECT count(*) FROM quarantine WHERE rule = 'fill_exceeds_order_quantity'") == 1)
        #expect(try check.integer("SELECT count(*) FROM ods_position_mismatches") == 0)
        #expect(try check.integer("SELECT sequence FROM journal_positions") == Int64(f.records))
        #expect(try check.integer("SELECT records_loaded FROM journal_positions") == Int64(f.records))
        let again = try WarehouseLoader(connection: database.connect(), options: .init(journalDirectory: f.directory.path)).run()
        #expect(again.recordsLoaded == 0)
    }

    @Test("follow mode picks up records appended while it runs")
    func follow() throws {
        let database = try TestDatabase("follow")
        defer { database.drop() }
        let connection = try database.connect()
        try WarehouseSchema.migrate(connection)
        let f = try JournalFixture()
        let loader = WarehouseLoader(connection: connection,
                                     options: .init(journalDirectory: f.directory.path, batchRecords: 100, follow: true, pollIntervalMillis: 1))
        var rounds = 0
        var caughtUp = false
        let progress = try loader.run(shouldStop: {
            // Deterministic "writer": append 150 trades each time the loader has caught up.
            guard caughtUp else { return false }
            caughtUp = false
            rounds += 1
            if rounds > 3 { return true }
            for i in 0..<150 { f.trade(1, price: 10 * Self.e8, quantity: Self.e8, at: f.day1 + Nanoseconds.seconds(Int64(i))) }
            return false
        }, onProgress: { caughtUp = $0.caughtUp || caughtUp })
        #expect(progress.recordsLoaded == 450)
        #expect(try connection.integer("SELECT count(*) FROM trades") == 450)
    }

    @Test("binary COPY of 100k trades: rate printed beside a text COPY of the same rows")
    func copyRate() throws {
        let database = try TestDatabase("rate")
        defer { database.drop() }
        let connection = try database.connect()
        try WarehouseSchema.migrate(connection)
        let f = try JournalFixture(fileBytes: 16 << 20)
        let count = 100_000
        for i in 0..<count {
            f.trade(UInt32(i % 50 + 1), price: (100 + Int64(i % 13)) * Self.e8, quantity: Int64(i % 9 + 1) * Self.e8,
                    at: f.day1 + Nanoseconds.milliseconds(Int64(i)))
        }
        let loader = WarehouseLoader(connection: connection, options: .init(journalDirectory: f.directory.path, batchRecords: 50_000))
        let progress = try loader.run()
        #expect(progress.recordsLoaded == count)
        #expect(try connection.integer("SELECT count(*) FROM trades") == Int64(count))
        #expect(try connection.integer("SELECT sum(quantity_e8) FROM trades") == f.tradeQuantitySum)

        // Baseline: the same rows as CSV through COPY (what `psql \copy … csv` sends).
        try connection.execute("CREATE TABLE trades_csv (LIKE trades INCLUDING ALL)")
        var csv: [UInt8] = []
        csv.reserveCapacity(count * 80)
        let rows = try connection.query("SELECT string_agg(concat_ws(',', journal_sequence, instrument_id, venue_id, exchange_time_ns, receive_time_ns, price_e8, quantity_e8, feed_sequence, trade_id, flags), E'\\n') FROM trades")
        csv.append(contentsOf: (rows.scalar ?? "").utf8); csv.append(10)
        let start = WarehouseTestClock.now()
        let copied = try connection.copyIn("COPY trades_csv (journal_sequence, instrument_id, venue_id, exchange_time_ns, receive_time_ns, price_e8, quantity_e8, feed_sequence, trade_id, flags) FROM STDIN (FORMAT csv)", data: csv)
        let csvSeconds = Double(WarehouseTestClock.now() - start) / 1e9
        #expect(copied == count)
        let loaderRate = progress.recordsPerSecond
        let csvRate = Double(count) / csvSeconds
        print("warehouse: loaded \(count) trades (journal read + ODS checks + binary COPY, indexed, partitioned) in \(Double(progress.elapsedNanos) / 1e9) s = \(Int(loaderRate)) rows/s; CSV COPY of the same rows \(Int(csvRate)) rows/s; ratio \(Double(Int(loaderRate / csvRate * 100)) / 100)")
    }
}
