import Testing
import PeregrineCore
import PeregrineJournal
import PeregrineWarehouse
#if canImport(Glibc)
import Glibc
#endif

/// The loader survives a PostgreSQL restart: a cluster of its own (port 54339, so the
/// other suites' cluster on 54329 is never stopped under them) is halted with
/// `pg_ctl stop -m fast` inside a batch's transaction and started again during the
/// back-off; the warehouse then holds every journal record exactly once.
@Suite("Warehouse loader reconnect", .serialized)
struct WarehouseReconnectTests {
    static let e8: Int64 = 100_000_000

    /// `scripts/postgres-test-cluster.sh COMMAND` for the outage cluster; its output.
    @discardableResult
    static func cluster(_ command: String) throws -> String {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        let script = parts.joined(separator: "/") + "/scripts/postgres-test-cluster.sh"
        guard let pipe = popen("PEREGRINE_PG_PORT=54339 bash '\(script)' \(command) 2>&1", "r") else {
            throw TestCluster.ClusterUnavailable(description: "could not run \(script)")
        }
        var output = ""
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), pipe) != nil {
            let length = buffer.firstIndex(of: 0) ?? buffer.count
            output += String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        let status = pclose(pipe)
        guard (status >> 8) & 0xff == 0 else {
            throw TestCluster.ClusterUnavailable(description: "\(script) \(command) failed (exit \((status >> 8) & 0xff)):\n\(output)")
        }
        return output
    }

    @Test("a PostgreSQL restart mid-load: back-off, reconnect, resume; no row lost or duplicated")
    func restartMidLoad() throws {
        // Needs the server binaries like the other suites; reuse their diagnosis when missing.
        _ = try TestCluster.conninfo.get()
        let started = try Self.cluster("start")
        guard let line = started.split(separator: "\n").first(where: { $0.hasPrefix("export PEREGRINE_PG_CONNINFO=") }) else {
            Issue.record("no conninfo from the outage cluster:\n\(started)"); return
        }
        let base = String(line.dropFirst("export PEREGRINE_PG_CONNINFO=".count).filter { $0 != "'" })
        defer { _ = try? Self.cluster("stop") }
        let admin = try PostgresConnection(conninfo: base)
        try admin.execute("DROP DATABASE IF EXISTS peregrine_wh_reconnect")
        try admin.execute("CREATE DATABASE peregrine_wh_reconnect")
        admin.close()
        let conninfo = base + " dbname=peregrine_wh_reconnect"
        try WarehouseSchema.migrate(PostgresConnection(conninfo: conninfo))

        let f = try JournalFixture()
        let e8 = Self.e8
        for id in UInt64(1)...300 { f.command(.new, id: id, instrument: UInt32(id % 3 + 1), side: id % 3 == 0 ? .sell : .buy, quantity: 5 * e8) }
        for i in 0..<5_000 {
            f.trade(UInt32(i % 3 + 1), price: (50 + Int64(i % 11)) * e8, quantity: Int64(i % 4 + 1) * e8, at: f.day1 + Nanoseconds.seconds(Int64(i)))
            if i % 20 == 0 {
                let id = UInt64(i / 20 + 1)
                f.execution(.trade, order: id, executionId: id * 100, instrument: UInt32(id % 3 + 1), side: id % 3 == 0 ? .sell : .buy,
                            price: 51 * e8, quantity: 3 * e8)
            }
            if i % 10 == 0 { f.quote(UInt32(i % 3 + 1), bid: 99 * e8, bidSize: e8, ask: 100 * e8, askSize: e8, at: f.day1 + Nanoseconds.seconds(Int64(i))) }
        }

        let loader = WarehouseLoader(connection: try PostgresConnection(conninfo: conninfo), options: .init(
            journalDirectory: f.directory.path, batchRecords: 500,
            retry: WarehouseRetryPolicy(initialDelayMillis: 20, maxDelayMillis: 200, maxAttempts: 10)))
        var halted = false
        var retries: [WarehouseRetry] = []
        var resumedFrom: [UInt64] = []
        loader.beforeCommit = { batch in
            // The outage: batch 5's rows are written but not committed when the server goes down.
            if batch == 5 && !halted { halted = true; try Self.cluster("halt") }
        }
        loader.onRetry = { retry in
            retries.append(retry)
            // Bring the server back during the third back-off: two reconnects fail first.
            if retry.attempt == 3 { _ = try? Self.cluster("start") }
        }
        loader.onReconnect = { resumedFrom.append($0?.sequence ?? 0) }
        let progress = try loader.run()

        #expect(halted)
        #expect(retries.count == 3)
        #expect(retries.map(\.attempt) == [1, 2, 3])
        #expect(retries.first?.error.isTransient == true)
        #expect(retries.allSatisfy { $0.lastCommittedSequence == 2_000 })
        #expect(resumedFrom == [2_000])
        #expect(progress.reconnects == 1)
        #expect(progress.recordsLoaded == f.records)

        let check = try PostgresConnection(conninfo: conninfo)
        #expect(try check.integer("SELECT sequence FROM journal_positions") == Int64(f.records))
        #expect(try check.integer("SELECT records_loaded FROM journal_positions") == Int64(f.records))
        for (table, expected) in [("trades", f.trades), ("quotes", f.quotes), ("orders", f.orders),
                                  ("order_commands", f.orderCommands), ("executions", f.executions)] {
            #expect(try check.integer("SELECT count(*) FROM \(table)") == Int64(expected), "\(table): no lost rows")
            #expect(try check.integer("SELECT count(DISTINCT journal_sequence) FROM \(table)") == Int64(expected), "\(table): no duplicates")
        }
        #expect(try check.integer("SELECT sum(price_e8) FROM trades") == f.tradePriceSum)
        #expect(try check.integer("SELECT sum(last_quantity_e8) FROM fills") == f.fillQuantitySum)
        #expect(try check.integer("SELECT count(*) FROM quarantine") == 0)
        #expect(try check.integer("SELECT count(*) FROM ods_position_mismatches") == 0)
    }

    @Test("back-off doubles from the initial delay, is capped, and jitters within [ceiling/2, ceiling]")
    func backOff() {
        let policy = WarehouseRetryPolicy(initialDelayMillis: 100, maxDelayMillis: 1_000, maxAttempts: 5)
        #expect((1...6).map { policy.ceilingMillis(attempt: $0) } == [100, 200, 400, 800, 1_000, 1_000])
        #expect(policy.ceilingMillis(attempt: 200) == 1_000)
        var generator = SystemRandomNumberGenerator()
        for attempt in 1...8 {
            let ceiling = policy.ceilingMillis(attempt: attempt)
            let delay = policy.delayMillis(attempt: attempt, using: &generator)
            #expect(delay >= ceiling / 2 && delay <= ceiling)
        }
    }

    @Test("a non-retrying loader throws the connection error as before")
    func neverRetry() throws {
        let database = try TestDatabase("noretry")
        defer { database.drop() }
        let connection = try database.connect()
        try WarehouseSchema.migrate(connection)
        let f = try JournalFixture()
        for i in 0..<10 { f.trade(1, price: 10 * Self.e8, quantity: Self.e8, at: f.day1 + Nanoseconds.seconds(Int64(i))) }
        let loader = WarehouseLoader(connection: connection, options: .init(journalDirectory: f.directory.path, retry: .never))
        loader.beforeCommit = { _ in connection.close() }   // the connection dies before COMMIT
        var retried = false
        loader.onRetry = { _ in retried = true }
        #expect(throws: PostgresError.self) { try loader.run() }
        #expect(!retried)
        #expect(try database.connect().integer("SELECT count(*) FROM trades") == 0)
    }
}
