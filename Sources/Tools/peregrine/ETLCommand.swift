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
            polling for new records as a long-lived service: SIGTERM or SIGINT lets the batch in flight commit \
            (or roll back, never half-written) and exits 0. If PostgreSQL goes away (restart, fail-over) the \
            loader backs off exponentially (--retry-*), reconnects and resumes from the position stored in \
            the warehouse, so no record is lost or loaded twice. A progress line (rows/s, lag in records and \
            time) is printed every --progress-interval seconds.
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

    @Option(name: .long, help: "With --follow: milliseconds to sleep between polls once caught up (bounds the load lag from below).")
    var pollIntervalMs: Int = 20

    @Option(name: .long, help: "Append one line per committed batch to this file: commit time, journal time of its first and last record (ns since the epoch) and its record count (the end-to-end lag measurement).")
    var lagLog: String?

    @Flag(name: .long, help: "Print the ODS violations report at the end.")
    var report = false

    @Option(name: .long, help: "Seconds between progress lines (0: after every batch).")
    var progressInterval: Double = 10

    @Option(name: .long, help: "Consecutive reconnect attempts before giving up (0: fail at once; -1: never give up).")
    var retryMaxAttempts: Int = 30

    @Option(name: .long, help: "First back-off delay in milliseconds after losing PostgreSQL (doubles per attempt).")
    var retryInitialMs: Int = 100

    @Option(name: .long, help: "Longest back-off delay in milliseconds.")
    var retryMaxMs: Int = 10_000

    func validate() throws {
        guard batch > 0 else { throw ValidationError("--batch must be positive (got \(batch))") }
        guard pollIntervalMs >= 0 else { throw ValidationError("--poll-interval-ms must not be negative (got \(pollIntervalMs))") }
        guard progressInterval >= 0 else { throw ValidationError("--progress-interval must not be negative (got \(progressInterval))") }
        guard retryMaxAttempts >= -1 else { throw ValidationError("--retry-max-attempts must be -1 (never give up) or more (got \(retryMaxAttempts))") }
        guard retryInitialMs > 0, retryMaxMs >= retryInitialMs else {
            throw ValidationError("--retry-initial-ms must be positive and at most --retry-max-ms (got \(retryInitialMs) and \(retryMaxMs))")
        }
    }

    func run() throws {
        signal(SIGINT) { _ in etlStopRequested.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in etlStopRequested.store(true, ordering: .relaxed) }
        do {
            let retry = WarehouseRetryPolicy(initialDelayMillis: retryInitialMs, maxDelayMillis: retryMaxMs,
                                             maxAttempts: retryMaxAttempts < 0 ? nil : retryMaxAttempts)
            // A service may start before its database: wait for it with the same back-off.
            guard let connection = try retry.connect(conninfo: conninfo, shouldStop: { etlStopRequested.load(ordering: .relaxed) },
                                                     onRetry: { Self.say("etl: waiting for PostgreSQL: \($0)") }) else {
                Self.say("etl: stopped by signal before PostgreSQL was reachable; nothing loaded")
                return
            }
            let applied = try WarehouseSchema.migrate(connection)
            if !applied.isEmpty { Self.say("etl: applied schema migrations \(applied.map(String.init).joined(separator: ", "))") }
            let loader = WarehouseLoader(connection: connection, options: .init(
                journalDirectory: journal, journalName: name, batchRecords: batch, follow: follow,
                pollIntervalMillis: pollIntervalMs, retry: retry))
            if let position = try loader.committedPosition() {
                Self.say("etl: resuming '\(name)' after sequence \(position.sequence) (file \(position.fileIndex))")
            }
            loader.onRetry = { Self.say("etl: \($0)") }
            loader.onReconnect = { position in
                Self.say("etl: reconnected; resuming after sequence \(position?.sequence ?? 0) (as committed in journal_positions)")
            }
            var lagFile: UnsafeMutablePointer<FILE>?
            if let lagLog {
                guard let file = fopen(lagLog, "a") else { throw ValidationError("cannot write --lag-log \(lagLog): errno \(errno)") }
                lagFile = file
            }
            defer { if let lagFile { fclose(lagFile) } }
            var batchesLogged = 0
            let intervalNanos = Int64(progressInterval * 1e9)
            var lastPrinted: Int64 = 0
            var lastPrintedRecords = 0
            var wasCaughtUp = false
            let totals = try loader.run(shouldStop: { etlStopRequested.load(ordering: .relaxed) }, onProgress: { progress in
                if let lagFile, progress.batchesCommitted > batchesLogged {
                    batchesLogged = progress.batchesCommitted
                    fputs("\(progress.lastCommitNanos) \(progress.lastBatchFirstRecordTimeNanos) \(progress.lastRecordTimeNanos) \(progress.lastBatchRecords)\n", lagFile)
                }
                // Throttled: a line per interval, plus one whenever the loader catches up.
                let becameCaughtUp = progress.caughtUp && !wasCaughtUp
                wasCaughtUp = progress.caughtUp
                guard becameCaughtUp || progress.elapsedNanos - lastPrinted >= intervalNanos else { return }
                let window = progress.elapsedNanos - lastPrinted
                let recent = window > 0 ? Double(progress.recordsLoaded - lastPrintedRecords) * 1e9 / Double(window) : 0
                lastPrinted = progress.elapsedNanos
                lastPrintedRecords = progress.recordsLoaded
                Self.say("etl: " + Self.describe(progress) + ", \(Int(recent))/s since the last line")
            })
            Self.say("etl: done — " + Self.describe(totals) + (etlStopRequested.load(ordering: .relaxed) ? " (stopped by signal)" : ""))
            if report { print(try WarehouseReport.violationsText(loader.connection)) }
        } catch let error as PostgresError {
            Self.say("etl: error: \(error)")
            throw ExitCode(1)
        } catch let error as WarehouseError {
            Self.say("etl: error: \(error)")
            throw ExitCode(1)
        }
    }

    /// Prints a log line and flushes, so a service's log reaches a file or pipe as it happens.
    static func say(_ text: String) {
        print(text)
        fflush(nil)
    }

    static func describe(_ p: WarehouseProgress) -> String {
        let lagMillis = p.lagNanos / 1_000_000
        return "\(p.recordsLoaded) record(s) loaded (\(Int(p.recordsPerSecond))/s), \(p.recordsQuarantined) quarantined, "
            + "\(p.batchesCommitted) batch(es), last sequence \(p.lastSequence), lag \(p.journalLagRecords) record(s) / \(lagMillis) ms"
            + (p.reconnects > 0 ? ", \(p.reconnects) reconnect(s)" : "") + (p.caughtUp ? ", caught up" : "")
    }
}
