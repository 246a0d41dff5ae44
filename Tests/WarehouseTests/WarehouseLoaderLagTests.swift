import Testing
import PeregrineCore
import PeregrineJournal
import PeregrineWarehouse
#if canImport(Glibc)
import Glibc
#endif

/// The per-batch figures the end-to-end lag measurement reads (`etl --lag-log`,
/// scripts/etl-bench.sh), against a real PostgreSQL (TestDatabase.swift).
@Suite("Warehouse loader lag figures", .serialized)
struct WarehouseLoaderLagTests {
    static let e8: Int64 = 100_000_000

    static func wallNanos() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }

    @Test("each batch reports its first and last journal time, its size and a commit time after which its rows are visible")
    func batchFigures() throws {
        let database = try TestDatabase("lagfigures")
        defer { database.drop() }
        let connection = try database.connect()
        try WarehouseSchema.migrate(connection)
        let observer = try database.connect()
        let f = try JournalFixture()
        for i in 0..<250 {
            f.trade(UInt32(i % 3 + 1), price: (50 + Int64(i % 5)) * Self.e8, quantity: Self.e8, at: f.day1 + Nanoseconds.seconds(Int64(i)))
        }
        // Journal times: the fixture stamps record k (1-based) day1 + k µs.
        let journalTime = { (record: Int64) in f.day1.nanosecondsSinceEpoch + record * 1_000 }
        let loader = WarehouseLoader(connection: connection, options: .init(journalDirectory: f.directory.path, batchRecords: 100))
        struct Seen { var records: Int; var first: Int64; var last: Int64; var commit: Int64; var visible: Int64; var after: Int64 }
        var seen: [Seen] = []
        var batches = 0
        let before = Self.wallNanos()
        try loader.run(onProgress: { progress in
            guard progress.batchesCommitted > batches else { return }
            batches = progress.batchesCommitted
            // Another session sees the batch's rows as soon as the commit has returned.
            let visible = (try? observer.integer("SELECT count(*) FROM trades")) ?? -1
            seen.append(Seen(records: progress.lastBatchRecords, first: progress.lastBatchFirstRecordTimeNanos,
                             last: progress.lastRecordTimeNanos, commit: progress.lastCommitNanos, visible: visible,
                             after: Self.wallNanos()))
        })
        let after = Self.wallNanos()
        try #require(seen.count == 3)
        #expect(seen.map(\.records) == [100, 100, 50])
        #expect(seen.map(\.first) == [journalTime(1), journalTime(101), journalTime(201)])
        #expect(seen.map(\.last) == [journalTime(100), journalTime(200), journalTime(250)])
        #expect(seen.map(\.visible) == [100, 200, 250])
        var previous = before
        for batch in seen {
            #expect(batch.commit >= previous && batch.commit <= batch.after && batch.commit <= after, "commit times in order, within the run")
            previous = batch.commit
        }
    }

    @Test("batches read ahead while the previous COPY drains still land exactly once, in journal order, quarantine included")
    func readAheadExactlyOnce() throws {
        let database = try TestDatabase("readahead")
        defer { database.drop() }
        let connection = try database.connect()
        try WarehouseSchema.migrate(connection)
        // Megabyte-sized COPY streams (10k trades a batch), so the socket is busy long enough
        // for the next batch to be read during the send; bad prints spread over all batches.
        let f = try JournalFixture(fileBytes: 4 << 20)
        let day2 = f.day1 + Nanoseconds.seconds(86_400)
        for i in 0..<45_000 {
            let time = (i < 20_000 ? f.day1 : day2) + Nanoseconds.milliseconds(Int64(i))
            let price = i % 997 == 0 ? -Self.e8 : (100 + Int64(i % 13)) * Self.e8
            f.trade(UInt32(i % 7 + 1), price: price, quantity: Int64(i % 9 + 1) * Self.e8, at: time)
        }
        let loader = WarehouseLoader(connection: connection, options: .init(journalDirectory: f.directory.path, batchRecords: 10_000))
        var committed: [UInt64] = []
        let progress = try loader.run(onProgress: { p in if committed.last != p.lastSequence && p.lastSequence > 0 { committed.append(p.lastSequence) } })
        #expect(committed == [10_000, 20_000, 30_000, 40_000, 45_000], "one transaction per batch of 10k, in order")
        #expect(progress.recordsLoaded == f.records)
        #expect(progress.recordsQuarantined == f.quarantined.values.reduce(0, +))
        #expect(try connection.integer("SELECT count(*) FROM trades") == Int64(f.trades))
        #expect(try connection.integer("SELECT count(DISTINCT journal_sequence) FROM trades") == Int64(f.trades))
        #expect(try connection.integer("SELECT sum(price_e8) FROM trades") == f.tradePriceSum)
        #expect(try connection.integer("SELECT sum(quantity_e8) FROM trades") == f.tradeQuantitySum)
        #expect(try connection.integer("SELECT count(*) FROM quarantine") == Int64(f.quarantined.values.reduce(0, +)))
        #expect(try connection.integer("SELECT sequence FROM journal_positions") == Int64(f.records))
        let again = try WarehouseLoader(connection: database.connect(), options: .init(journalDirectory: f.directory.path, batchRecords: 10_000)).run()
        #expect(again.recordsLoaded == 0)
    }
}
