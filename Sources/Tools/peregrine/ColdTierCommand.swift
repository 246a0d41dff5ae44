import ArgumentParser
import Dispatch
import Synchronization
import Logging
import ServiceLifecycle
import PeregrineCore
import PeregrineCEP
import PeregrineWarehouse
import PeregrineColdServices

/// `peregrine cold-tier`: the cold tier as one long-lived process — the journal loader and
/// the warehouse-sourced continuous queries as services in one `ServiceGroup`, with
/// SIGTERM/SIGINT graceful shutdown and periodic progress/lag lines.
struct ColdTierCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cold-tier",
        abstract: "Run the cold tier as services: journal loader + continuous queries over the warehouse, until SIGTERM.",
        discussion: """
            Runs, under swift-service-lifecycle, the loader (`peregrine etl --follow`: journal -> warehouse, exactly \
            once) and, for each --cql FILE, a continuous query over the rows the loader committed (`peregrine cq \
            --source warehouse --follow`; results in cq_<stream>, keyed by the file's base name in cq_positions). \
            SIGTERM or SIGINT shuts down gracefully: each service lets its transaction in flight commit or roll back, \
            then the process exits 0. If PostgreSQL goes away the services back off (--retry-*), reconnect and \
            resume from the positions stored in the warehouse. Progress and lag (rows/s, records and seconds behind) \
            are logged every --progress-interval seconds. Exits 1 when a service fails.
            """
    )

    @Option(name: .long, help: "Folder holding the journal files.")
    var journal: String

    @Option(name: .long, help: "Journal name (files are NAME-<index>.pjournal).")
    var name: String = "journal"

    @Option(name: .long, help: "libpq connection string, e.g. 'host=127.0.0.1 port=5432 dbname=peregrine'.")
    var conninfo: String

    @Option(name: .long, help: "CQL file to run continuously over the warehouse (repeatable; none: loader only).")
    var cql: [String] = []

    @Option(name: .long, help: "Instruments (partitions of GROUP BY instrument operators); events of higher ids are skipped.")
    var instruments: Int = 1_024

    @Option(name: .long, help: "Samples per partition of a time window without CAPACITY.")
    var windowCapacity: Int = 1_024

    @Option(name: .long, help: "Exchange-time disorder tolerated by the queries, in milliseconds.")
    var latenessMs: Int = 0

    @Option(name: .long, help: "Journal records per loader transaction (and market rows per query step).")
    var batch: Int = 50_000

    @Option(name: .long, help: "Seconds between progress lines.")
    var progressInterval: Double = 10

    @Option(name: .long, help: "Milliseconds between polls when caught up.")
    var pollMs: Int = 50

    @Option(name: .long, help: "Consecutive reconnect attempts before giving up (-1: never give up).")
    var retryMaxAttempts: Int = -1

    @Option(name: .long, help: "First back-off delay in milliseconds after losing PostgreSQL (doubles per attempt).")
    var retryInitialMs: Int = 100

    @Option(name: .long, help: "Longest back-off delay in milliseconds.")
    var retryMaxMs: Int = 10_000

    func validate() throws {
        guard batch > 0 else { throw ValidationError("--batch must be positive (got \(batch))") }
        guard progressInterval > 0 else { throw ValidationError("--progress-interval must be positive (got \(progressInterval))") }
        guard pollMs > 0 else { throw ValidationError("--poll-ms must be positive (got \(pollMs))") }
        guard instruments >= 1, windowCapacity >= 1, latenessMs >= 0 else {
            throw ValidationError("--instruments and --window-capacity must be at least 1, --lateness-ms not negative")
        }
        guard retryMaxAttempts >= -1 else { throw ValidationError("--retry-max-attempts must be -1 (never give up) or more") }
        guard retryInitialMs > 0, retryMaxMs >= retryInitialMs else {
            throw ValidationError("--retry-initial-ms must be positive and at most --retry-max-ms (got \(retryInitialMs) and \(retryMaxMs))")
        }
        let names = cql.map(Self.queryName)
        guard Set(names).count == names.count else { throw ValidationError("two --cql files have the same base name: \(names)") }
    }

    static func queryName(_ path: String) -> String {
        String(path.split(separator: "/").last ?? Substring(path)).split(separator: ".").first.map(String.init) ?? "cq"
    }

    func run() throws {
        // Compile every query first: a CQL error is reported with its location before anything starts.
        let options = CQLOptions(instruments: instruments, defaultWindowCapacity: windowCapacity)
        var queries: [ContinuousQueryService.Query] = []
        for file in cql {
            guard let source = CQL.readText(file) else {
                CQLCommand.printError("cold-tier: cannot read CQL file '\(file)'; check the path")
                throw ExitCode(1)
            }
            do { _ = try CQL.compile(source, file: file, options: options) } catch {
                CQLCommand.printError(error.description)
                throw ExitCode(1)
            }
            queries.append(.init(name: Self.queryName(file), source: source, file: file, cql: options,
                                 maxOutOfOrderness: .milliseconds(Int64(latenessMs))))
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "peregrine.cold-tier")
        let retry = WarehouseRetryPolicy(initialDelayMillis: retryInitialMs, maxDelayMillis: retryMaxMs,
                                         maxAttempts: retryMaxAttempts < 0 ? nil : retryMaxAttempts)
        let status = ColdTierStatusBoard()
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: WarehouseLoadService(configuration: .init(
                conninfo: conninfo, journalDirectory: journal, journalName: name, batchRecords: batch,
                pollIntervalMillis: min(pollMs, 20), retry: retry), status: status, logger: logger),
                  successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
        ]
        if !queries.isEmpty {
            services.append(.init(service: ContinuousQueryService(configuration: .init(
                conninfo: conninfo, journalName: name, queries: queries, batchRows: batch, pollIntervalMillis: pollMs, retry: retry),
                status: status, logger: logger),
                successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        let progress = ColdTierProgressService(status: status, interval: .milliseconds(Int64(progressInterval * 1_000)), logger: logger)
        services.append(.init(service: progress, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore))
        var configuration = ServiceGroupConfiguration(services: services, logger: logger)
        configuration.gracefulShutdownSignals = [.sigterm, .sigint]
        let group = ServiceGroup(configuration: configuration)
        let queryList = queries.isEmpty ? "" : "; queries " + queries.map(\.name).joined(separator: ", ")
        logger.info("cold-tier: loading journal '\(name)' from \(journal)\(queryList)")

        // ArgumentParser's root command is synchronous: run the group on the concurrency
        // runtime and park the main thread (not a pool thread) until it returns.
        let outcome = Mutex<(any Error)??>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            do { try await group.run(); outcome.withLock { $0 = .some(nil) } } catch { outcome.withLock { $0 = .some(error) } }
            done.signal()
        }
        done.wait()
        progress.log()
        if case .some(.some(let error)) = outcome.withLock({ $0 }) {
            logger.error("cold-tier: stopped by error: \(error)")
            throw ExitCode(1)
        }
        logger.info("cold-tier: shut down cleanly")
    }
}
