import ArgumentParser
import Synchronization
import PeregrineCore
import PeregrineCEP
import PeregrineWarehouse
#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGINT/SIGTERM; the runner checks it between batches.
/// relaxed: a lone flag with no data published through it.
private let cqStopRequested = Atomic<Bool>(false)

/// `peregrine cq`: run a CQL file over a journal's market events (or over the market rows
/// the loader stored, `--source warehouse`) and store each named stream's results in the
/// warehouse (`cq_<stream>`), incrementally and exactly once.
struct CQCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cq",
        abstract: "Run continuous CQL queries over a journal or the warehouse and store each named stream in cq_<stream> tables.",
        discussion: """
            Events are fed in exchange-time order through a bounded-disorder sequencer (--lateness-ms) with \
            watermarks, exactly as the hot path would replay them. Results are numbered in emission order and \
            committed with the position in cq_positions; a re-run replays the journal to rebuild the operators' \
            state and writes only results not yet stored. With --follow it keeps polling until SIGINT/SIGTERM. \
            Changing the CQL text or settings under the same --query-name is refused. \
            --source journal (the default, as before) reads the journal files in --journal; --source warehouse \
            reads the trades/quotes/depth/bars/market_status rows `peregrine etl` committed for journal --name, \
            in journal-sequence order up to the loader's committed position (--journal is then not read), so \
            results follow the loader; quarantined market events are not seen by the warehouse source.
            """
    )

    @Option(name: .long, help: "CQL file (see docs/CQL.md).")
    var cql: String

    @Option(name: .long, help: "Folder holding the journal files (not read with --source warehouse).")
    var journal: String?

    @Option(name: .customLong("source"), help: "Where events come from: journal (the files) or warehouse (rows the loader committed).")
    var input: ContinuousQueryInput = .journal

    @Option(name: .long, help: "Journal name (files are NAME-<index>.pjournal).")
    var name: String = "journal"

    @Option(name: .long, help: "libpq connection string, e.g. 'host=127.0.0.1 port=5432 dbname=peregrine'.")
    var conninfo: String

    @Option(name: .long, help: "Key of the stored results in cq_positions (default: the CQL file's base name).")
    var queryName: String?

    @Option(name: .long, help: "Instruments (partitions of GROUP BY instrument operators); events of higher ids are skipped.")
    var instruments: Int = 1_024

    @Option(name: .long, help: "Samples per partition of a time window without CAPACITY.")
    var windowCapacity: Int = 1_024

    @Option(name: .long, help: "Exchange-time disorder tolerated, in milliseconds (later events are dropped as late).")
    var latenessMs: Int = 0

    @Option(name: .long, help: "Journal records per transaction.")
    var batch: Int = 50_000

    @Flag(name: .long, help: "Keep processing records as they are appended (stop with Ctrl-C or SIGTERM).")
    var follow = false

    func validate() throws {
        guard input == .warehouse || journal != nil else { throw ValidationError("--journal DIR is needed with --source journal") }
        guard batch > 0 else { throw ValidationError("--batch must be positive (got \(batch))") }
        guard instruments >= 1 else { throw ValidationError("--instruments must be at least 1") }
        guard windowCapacity >= 1 else { throw ValidationError("--window-capacity must be at least 1") }
        guard latenessMs >= 0 else { throw ValidationError("--lateness-ms must not be negative") }
    }

    func run() throws {
        signal(SIGINT) { _ in cqStopRequested.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in cqStopRequested.store(true, ordering: .relaxed) }
        guard let source = CQL.readText(cql) else {
            CQLCommand.printError("cq: cannot read CQL file '\(cql)'; check the path")
            throw ExitCode(1)
        }
        let baseName = String(cql.split(separator: "/").last ?? Substring(cql)).split(separator: ".").first.map(String.init) ?? "cq"
        do {
            let connection = try PostgresConnection(conninfo: conninfo)
            let applied = try WarehouseSchema.migrate(connection)
            if !applied.isEmpty { Self.say("cq: applied schema migrations \(applied.map(String.init).joined(separator: ", "))") }
            let runner = try ContinuousQueryRunner(connection: connection, options: .init(
                journalDirectory: journal ?? "", journalName: name, queryName: queryName ?? baseName, source: source, file: cql,
                cql: CQLOptions(instruments: instruments, defaultWindowCapacity: windowCapacity),
                maxOutOfOrderness: .milliseconds(Int64(latenessMs)), batchRecords: batch, follow: follow, input: input))
            Self.say("cq: query '\(runner.options.queryName)' (source \(input.rawValue)) storing " + runner.tables.map { "\($0.stream) -> \($0.table)" }.joined(separator: ", "))
            let totals = try runner.run(shouldStop: { cqStopRequested.load(ordering: .relaxed) },
                                        onProgress: { Self.say("cq: " + Self.describe($0)) })
            Self.say("cq: done — " + Self.describe(totals) + (cqStopRequested.load(ordering: .relaxed) ? " (stopped by signal)" : ""))
        } catch let error as CQLError {
            CQLCommand.printError(error.description)
            throw ExitCode(1)
        } catch let error as PostgresError {
            Self.say("cq: error: \(error)")
            throw ExitCode(1)
        } catch let error as WarehouseError {
            Self.say("cq: error: \(error)")
            throw ExitCode(1)
        }
    }

    /// Prints a log line and flushes, so a service's log reaches a file or pipe as it happens.
    static func say(_ text: String) {
        print(text)
        fflush(nil)
    }

    static func describe(_ p: ContinuousQueryRunner.Progress) -> String {
        "\(p.recordsRead) record(s) read, \(p.eventsProcessed) event(s) processed, \(p.outputIndex) result(s) in all, "
            + "\(p.rowsWritten) row(s) written this run, \(p.batchesCommitted) batch(es), last sequence \(p.lastSequence)"
            + (p.lateEvents > 0 ? ", \(p.lateEvents) late event(s) dropped" : "")
            + (p.eventsOutOfRange > 0 ? ", \(p.eventsOutOfRange) event(s) beyond --instruments skipped" : "")
            + (p.outputsDropped > 0 ? ", \(p.outputsDropped) result(s) dropped (output buffer full)" : "")
            + (p.caughtUp ? ", caught up" : "")
    }
}

extension ContinuousQueryInput: ExpressibleByArgument {}
