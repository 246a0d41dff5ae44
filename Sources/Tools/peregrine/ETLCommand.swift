import ArgumentParser
import Synchronization
import PeregrineWarehouse
#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGINT/SIGTERM; the loader checks it between batches and the command then exits.
/// relaxed: a lone flag with no data published through it.
private let etlStopRequested = Atomic<Bool>(false)

/// `peregrine etl`: load a journal into the PostgreSQL warehouse (schema:
/// Sources/ColdTier/Warehouse/SCHEMA.md), optionally following it as it grows.
struct ETLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "etl",
        abstract: "Load a journal into the PostgreSQL warehouse (exactly once; bad rows go to quarantine).",
        discussion: """
            Applies the schema migrations, then loads from the journal position recorded in the \
            warehouse, one transaction per batch (rows and position together). With --follow it keeps \
            polling for new records until Ctrl-C; the batch in flight is committed or rolled back, never half-written.
            """
    )

    @Option(name: .long, help: "Folder holding the journal files.")
    var journal: String

    @Option(name: .long, help: "Journal name (files are NAME-<index>.pjournal).")
    var name: String = "journal"

    @Option(name: .long, help: "libpq connection string, e.g. 'host=127.0.0.1 port=5432 dbname=peregrine'.")
    var conninfo: String

    @Flag(name: .long, help: "Keep loading records as they are appended (stop with Ctrl-C).")
    var follow = false

    @Option(name: .long, help: "Records per transaction.")
    var batch: Int = 50_000

    @Flag(name: .long, help: "Print the ODS violations report at the end.")
    var report = false

    func validate() throws {
        guard batch > 0 else { throw ValidationError("--batch must be positive (got \(batch))") }
    }

    func run() throws {
        signal(SIGINT) { _ in etlStopRequested.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in etlStopRequested.store(true, ordering: .relaxed) }
        do {
            let connection = try PostgresConnection(conninfo: conninfo)
            let applied = try WarehouseSchema.migrate(connection)
            if !applied.isEmpty { print("etl: applied schema migrations \(applied.map(String.init).joined(separator: ", "))") }
            let loader = WarehouseLoader(connection: connection, options: .init(
                journalDirectory: journal, journalName: name, batchRecords: batch, follow: follow))
            if let position = try loader.committedPosition() {
                print("etl: resuming '\(name)' after sequence \(position.sequence) (file \(position.fileIndex))")
            }
            let totals = try loader.run(shouldStop: { etlStopRequested.load(ordering: .relaxed) },
                                        onProgress: { print("etl: " + Self.describe($0)) })
            print("etl: done — " + Self.describe(totals) + (etlStopRequested.load(ordering: .relaxed) ? " (interrupted)" : ""))
            if report { print(try WarehouseReport.violationsText(connection)) }
        } catch let error as PostgresError {
            print("etl: error: \(error)")
            throw ExitCode(1)
        } catch let error as WarehouseError {
            print("etl: error: \(error)")
            throw ExitCode(1)
        }
    }

    static func describe(_ p: WarehouseProgress) -> String {
        let lagMillis = p.lagNanos / 1_000_000
        return "\(p.recordsLoaded) record(s) loaded (\(Int(p.recordsPerSecond))/s), \(p.recordsQuarantined) quarantined, "
            + "\(p.batchesCommitted) batch(es), last sequence \(p.lastSequence), lag \(lagMillis) ms\(p.caughtUp ? ", caught up" : "")"
    }
}
