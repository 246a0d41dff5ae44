import Logging
import ServiceLifecycle
import PeregrineCore
import PeregrineCEP
import PeregrineWarehouse

/// Warehouse-sourced continuous queries as a long-lived service (issue #8 items 3 and 6).
///
/// One `ContinuousQueryRunner` per CQL file with `input: .warehouse`, stepped in turn on the
/// service's own thread (`BlockingServiceThread`): each step reads the market rows the loader
/// committed past the query's position and commits the results with the new position in one
/// transaction, so the queries follow the loader batch by batch. When no query has anything
/// new it polls again after `pollIntervalMillis` (the loader may run in another process, so
/// there is no in-process commit signal to wait on). Graceful shutdown or cancellation stops
/// it between steps. A transient PostgreSQL failure closes the connection, backs off
/// (`WarehouseRetryPolicy`), reconnects and rebuilds the runners — each replays its stored
/// prefix (operator state is not persisted) and continues; nothing is written twice
/// because results are numbered and committed with the position.
public struct ContinuousQueryService: Service, CustomStringConvertible {
    /// One CQL file to run.
    public struct Query: Sendable {
        /// Key in `cq_positions` and in the status.
        public var name: String
        /// CQL text and the file name used in diagnostics.
        public var source: String
        public var file: String
        public var cql: CQLOptions
        public var maxOutOfOrderness: Nanoseconds

        public init(name: String, source: String, file: String = "<input>", cql: CQLOptions = CQLOptions(instruments: 1_024),
                    maxOutOfOrderness: Nanoseconds = .milliseconds(0)) {
            self.name = name; self.source = source; self.file = file; self.cql = cql; self.maxOutOfOrderness = maxOutOfOrderness
        }
    }

    public struct Configuration: Sendable {
        public var conninfo: String
        /// The loader's journal name (its `journal_positions` row).
        public var journalName: String
        public var queries: [Query]
        /// Market rows per step (one transaction).
        public var batchRows: Int
        public var pollIntervalMillis: Int
        public var retry: WarehouseRetryPolicy

        public init(conninfo: String, journalName: String = "journal", queries: [Query], batchRows: Int = 50_000,
                    pollIntervalMillis: Int = 50, retry: WarehouseRetryPolicy = WarehouseRetryPolicy(maxAttempts: nil)) {
            self.conninfo = conninfo; self.journalName = journalName; self.queries = queries
            self.batchRows = batchRows; self.pollIntervalMillis = pollIntervalMillis; self.retry = retry
        }
    }

    public let configuration: Configuration
    public let status: ColdTierStatusBoard
    let logger: Logger

    public init(configuration: Configuration, status: ColdTierStatusBoard, logger: Logger) {
        self.configuration = configuration
        self.status = status
        self.logger = logger
    }

    public var description: String { "ContinuousQueryService(\(configuration.queries.map(\.name).joined(separator: ",")))" }

    public func run() async throws {
        let stop = BlockingServiceThread.StopFlag()
        let configuration = configuration, status = status, logger = logger
        for query in configuration.queries { status.updateQuery(query.name) { _ in } }
        do {
            try await withTaskCancellationHandler {
                try await withGracefulShutdownHandler {
                    try await BlockingServiceThread.run(name: "cold-cq") {
                        try Self.loop(configuration, status: status, logger: logger, stop: stop)
                    }
                } onGracefulShutdown: { stop.set() }
            } onCancel: { stop.set() }
            status.update { for i in $0.queries.indices { $0.queries[i].state = .stopped } }
        } catch {
            logger.error("cq: stopped by error: \(error)")
            status.update { for i in $0.queries.indices { $0.queries[i].state = .failed; $0.queries[i].lastError = "\(error)" } }
            throw error
        }
    }

    /// The blocking loop (own thread): connect, step every query until stopped; reconnect on
    /// a transient failure.
    static func loop(_ configuration: Configuration, status: ColdTierStatusBoard, logger: Logger,
                     stop: BlockingServiceThread.StopFlag) throws {
        let retry = configuration.retry
        var generator = SystemRandomNumberGenerator()
        var attempt = 0
        var reconnects = 0
        let started = BlockingServiceThread.nowNanos()
        var rowsBefore = 0   // rows read by earlier connections (for rows/s)
        var caughtUpAt = [Int64](repeating: started, count: configuration.queries.count)
        while !stop.isSet {
            var connection: PostgresConnection?
            var rowsThisConnection = 0
            do {
                guard let opened = try retry.connect(conninfo: configuration.conninfo, shouldStop: { stop.isSet }, onRetry: { retrying in
                    logger.warning("cq: waiting for PostgreSQL: \(retrying)")
                    for query in configuration.queries { status.updateQuery(query.name) { $0.state = .reconnecting } }
                }) else { return }
                connection = opened
                try BlockingServiceThread.migrate(opened, stop: stop)
                let runners = try configuration.queries.map { query in
                    try ContinuousQueryRunner(connection: opened, options: .init(
                        journalDirectory: "", journalName: configuration.journalName, queryName: query.name, source: query.source,
                        file: query.file, cql: query.cql, maxOutOfOrderness: query.maxOutOfOrderness,
                        batchRecords: configuration.batchRows, follow: true, input: .warehouse))
                }
                if reconnects > 0 { logger.info("cq: reconnected; replaying stored prefixes and resuming") }
                while !stop.isSet {
                    var worked = false
                    for (i, runner) in runners.enumerated() {
                        if stop.isSet { break }
                        let committedBefore = runner.progress.batchesCommitted
                        if try runner.step() { worked = true }
                        if runner.progress.batchesCommitted > committedBefore { attempt = 0 }
                        let p = runner.progress
                        let now = BlockingServiceThread.nowNanos()
                        if p.caughtUp { caughtUpAt[i] = now }
                        rowsThisConnection = runners.reduce(0) { $0 + $1.progress.recordsRead }
                        let elapsed = Double(now - started) / 1e9
                        status.updateQuery(runner.options.queryName) { q in
                            q.state = .running
                            q.lastSequence = p.lastSequence
                            q.loadedSequence = max(p.loadedSequence, p.lastSequence)
                            q.secondsBehind = p.caughtUp ? 0 : Double(now - caughtUpAt[i]) / 1e9
                            q.rowsRead = p.recordsRead
                            q.rowsWritten = p.rowsWritten
                            q.outputs = p.outputIndex
                            q.rowsPerSecond = elapsed > 0 ? Double(rowsBefore + rowsThisConnection) / elapsed : 0
                            q.reconnects = reconnects
                            q.caughtUp = p.caughtUp
                        }
                    }
                    if !worked && !BlockingServiceThread.sleep(milliseconds: configuration.pollIntervalMillis, unless: stop) { break }
                }
                return
            } catch let error as PostgresError where error.isTransient {
                connection?.close()
                rowsBefore += rowsThisConnection
                attempt += 1
                if let limit = retry.maxAttempts, attempt > limit { throw error }
                let delay = retry.delayMillis(attempt: attempt, using: &generator)
                logger.warning("cq: PostgreSQL unavailable (\(error)); retry \(attempt)\(retry.maxAttempts.map { " of \($0)" } ?? "") in \(delay) ms")
                for query in configuration.queries { status.updateQuery(query.name) { $0.state = .reconnecting; $0.lastError = "\(error)" } }
                reconnects += 1
                if !BlockingServiceThread.sleep(milliseconds: delay, unless: stop) { return }
            }
        }
    }
}
