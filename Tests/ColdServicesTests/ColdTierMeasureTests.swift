import Testing
import PeregrineCore
import PeregrineWarehouse
#if canImport(Glibc)
import Glibc
#endif

/// Figures, not checks (run with PEREGRINE_COLD_MEASURE=1): how fast the warehouse source
/// feeds a continuous query next to the journal source, on the same events.
@Suite("Cold-tier measurements", .enabled(if: getenv("PEREGRINE_COLD_MEASURE") != nil))
struct ColdTierMeasureTests {
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        try body()
        clock_gettime(CLOCK_MONOTONIC, &end)
        return Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9
    }

    static func fixed(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }

    @Test("rows per second: loader, warehouse-sourced and journal-sourced continuous queries")
    func throughput() throws {
        let base = try ColdTestSupport.conninfo.get()
        let name = "peregrine_cold_measure_\(getpid())"
        let conninfo = try ColdTestSupport.database(name, base: base)
        defer { ColdTestSupport.dropDatabase(name, base: base) }
        let journal = try GrowingJournal()
        try journal.append(200_000)
        let connection = try PostgresConnection(conninfo: conninfo)
        try WarehouseSchema.migrate(connection)
        let load = try Self.seconds {
            _ = try WarehouseLoader(connection: connection, options: .init(journalDirectory: journal.directory.path, retry: .never)).run()
        }
        func runner(_ name: String, _ input: ContinuousQueryInput) throws -> ContinuousQueryRunner {
            try ContinuousQueryRunner(connection: connection, options: .init(
                journalDirectory: journal.directory.path, queryName: name, source: GrowingJournal.cql, cql: GrowingJournal.cqlOptions,
                maxOutOfOrderness: GrowingJournal.lateness, input: input))
        }
        var warehouseRows = 0, journalRows = 0
        let fromWarehouse = try Self.seconds { warehouseRows = try runner("w", .warehouse).run().rowsWritten }
        let fromJournal = try Self.seconds { journalRows = try runner("j", .journal).run().rowsWritten }
        let replay = try Self.seconds { _ = try runner("w", .warehouse).run() }   // a restart: replay only
        let n = Double(journal.records)
        print("""
            cold-tier measure: \(journal.records) market records (trades + quotes)
              loader                       \(ColdTierMeasureTests.fixed(load))  s  \(Int(n / load)) records/s
              cq, warehouse source         \(ColdTierMeasureTests.fixed(fromWarehouse))  s  \(Int(n / fromWarehouse)) rows/s  (\(warehouseRows) results)
              cq, journal source           \(ColdTierMeasureTests.fixed(fromJournal))  s  \(Int(n / fromJournal)) records/s  (\(journalRows) results)
              cq, warehouse replay (restart) \(ColdTierMeasureTests.fixed(replay))  s
            """)
        #expect(warehouseRows == journalRows)
    }
}
