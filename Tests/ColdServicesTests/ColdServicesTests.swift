import Testing
import Logging
import ServiceLifecycle
import PeregrineCore
import PeregrineWarehouse
import PeregrineColdServices
#if canImport(Glibc)
import Glibc
#endif

/// The cold tier as services (issue #8 item 6) against a real PostgreSQL: the loader and the
/// warehouse-sourced continuous queries follow a journal being appended to; graceful shutdown
/// leaves the warehouse consistent; a PostgreSQL restart is ridden out.
@Suite("Cold-tier services", .serialized)
struct ColdServicesTests {
    static let logger: Logger = {
        var logger = Logger(label: "peregrine.cold-tier.test")
        logger.logLevel = .warning
        return logger
    }()

    static func services(conninfo: String, journal: GrowingJournal, status: ColdTierStatusBoard,
                         retry: WarehouseRetryPolicy = WarehouseRetryPolicy(initialDelayMillis: 20, maxDelayMillis: 300, maxAttempts: nil))
        -> ServiceGroup {
        let etl = WarehouseLoadService(configuration: .init(
            conninfo: conninfo, journalDirectory: journal.directory.path, batchRecords: 200, pollIntervalMillis: 10, retry: retry),
            status: status, logger: logger)
        let cq = ContinuousQueryService(configuration: .init(
            conninfo: conninfo, queries: [.init(name: "live", source: GrowingJournal.cql, cql: GrowingJournal.cqlOptions,
                                                maxOutOfOrderness: GrowingJournal.lateness)],
            batchRows: 150, pollIntervalMillis: 10, retry: retry), status: status, logger: logger)
        return ServiceGroup(configuration: ServiceGroupConfiguration(services: [
            .init(service: etl, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
            .init(service: cq, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
        ], logger: logger))
    }

    /// Polls `status` until `done` holds (or throws after `seconds`).
    static func waitUntil(_ status: ColdTierStatusBoard, seconds: Int = 90, _ what: String,
                          _ done: (ColdTierStatus) -> Bool) async throws {
        for _ in 0..<(seconds * 20) {
            let snapshot = status.snapshot
            if done(snapshot) { return }
            if snapshot.loader?.state == .failed || snapshot.queries.contains(where: { $0.state == .failed }) {
                throw ColdTestSupport.Failure(description: "a service failed while waiting for \(what): \(snapshot)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ColdTestSupport.Failure(description: "timed out waiting for \(what); status: \(status.snapshot)")
    }

    /// The warehouse holds every journal record once, and the query's stored rows equal the
    /// in-memory answer (all of it when `complete`, else its first rows).
    static func checkConsistent(_ conninfo: String, _ journal: GrowingJournal, complete: Bool) throws {
        let connection = try PostgresConnection(conninfo: conninfo)
        defer { connection.close() }
        let position = try connection.query("SELECT sequence FROM journal_positions WHERE journal_name = 'journal'").integer
        let rows = try connection.query("SELECT count(*) FROM (SELECT journal_sequence FROM trades UNION ALL SELECT journal_sequence FROM quotes) m").integer
        let distinct = try connection.query("SELECT count(DISTINCT journal_sequence) FROM (SELECT journal_sequence FROM trades UNION ALL SELECT journal_sequence FROM quotes) m").integer
        let beyond = try connection.query("SELECT count(*) FROM (SELECT journal_sequence FROM trades UNION ALL SELECT journal_sequence FROM quotes) m WHERE journal_sequence > $1",
                                          [String(position)]).integer
        #expect(rows == distinct, "no duplicate rows")
        #expect(rows == position, "every record up to the committed position is loaded (all records here are market events)")
        #expect(beyond == 0, "no row past the committed position")
        if complete { #expect(position == Int64(journal.records)) }
        let cqPosition = try connection.query("SELECT sequence FROM cq_positions WHERE query_name = 'live'").integer
        #expect(cqPosition <= position)
        let stored = try GrowingJournal.stored(connection, query: "live")
        let expected = try journal.inMemory()
        #expect(try connection.query("SELECT count(*) - count(DISTINCT output_index) FROM cq_bars_1m WHERE query_name = 'live'").integer == 0)
        if complete {
            #expect(cqPosition == Int64(journal.records))
            #expect(stored.count == expected.count)
            #expect(stored == expected)
        } else {
            #expect(stored == Array(expected.prefix(stored.count)))
        }
    }

    @Test("loader and continuous-query services follow a growing journal; graceful shutdown leaves it consistent")
    func followGrowingJournal() async throws {
        let base = try ColdTestSupport.conninfo.get()
        let name = "peregrine_cold_follow_\(getpid())"
        let conninfo = try ColdTestSupport.database(name, base: base)
        defer { ColdTestSupport.dropDatabase(name, base: base) }
        let journal = try GrowingJournal()
        try journal.append(400)
        let status = ColdTierStatusBoard()
        let group = Self.services(conninfo: conninfo, journal: journal, status: status)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for _ in 0..<6 {   // the journal grows while the services run
                try journal.append(250)
                try await Task.sleep(for: .milliseconds(150))
            }
            let records = UInt64(journal.records)
            try await Self.waitUntil(status, "both services to catch up with \(records) records") {
                $0.loader?.lastSequence == records && $0.queries.first?.lastSequence == records && $0.queries.first?.caughtUp == true
            }
            let snapshot = status.snapshot
            #expect(snapshot.loader?.recordsBehind == 0 && snapshot.queries.first?.recordsBehind == 0)
            #expect((snapshot.loader?.batchesCommitted ?? 0) > 5)
            #expect((snapshot.queries.first?.rowsWritten ?? 0) > 0)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(status.snapshot.loader?.state == .stopped)
        #expect(status.snapshot.queries.first?.state == .stopped)
        try Self.checkConsistent(conninfo, journal, complete: true)
    }

    @Test("a PostgreSQL restart while the services run: both back off, reconnect and resume; nothing lost or doubled")
    func postgresRestart() async throws {
        _ = try ColdTestSupport.conninfo.get()   // the server binaries are there
        let port = 54341   // a cluster of its own: the other suites' cluster is never stopped under them
        let base = try ColdTestSupport.cluster("start", port: port)
        try #require(!base.isEmpty)
        defer { _ = try? ColdTestSupport.cluster("stop", port: port) }
        let conninfo = try ColdTestSupport.database("peregrine_cold_restart", base: base)
        let journal = try GrowingJournal()
        try journal.append(600)
        let status = ColdTierStatusBoard()
        let group = Self.services(conninfo: conninfo, journal: journal, status: status)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Self.waitUntil(status, "a first commit by both services") {
                ($0.loader?.batchesCommitted ?? 0) > 0 && ($0.queries.first?.lastSequence ?? 0) > 0
            }
            try ColdTestSupport.cluster("halt", port: port)
            try journal.append(600)   // appended while the server is down
            try await Self.waitUntil(status, seconds: 30, "both services to notice the outage") {
                $0.loader?.state == .reconnecting && $0.queries.first?.state == .reconnecting
            }
            try await Task.sleep(for: .milliseconds(500))
            try ColdTestSupport.cluster("start", port: port)
            try journal.append(300)
            let records = UInt64(journal.records)
            try await Self.waitUntil(status, "both services to catch up after the restart") {
                $0.loader?.lastSequence == records && $0.queries.first?.lastSequence == records && $0.queries.first?.caughtUp == true
            }
            let snapshot = status.snapshot
            #expect((snapshot.loader?.reconnects ?? 0) >= 1)
            #expect((snapshot.queries.first?.reconnects ?? 0) >= 1)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        try Self.checkConsistent(conninfo, journal, complete: true)
    }
}
