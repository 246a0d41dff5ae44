import Logging
import ServiceLifecycle
import PeregrineWarehouse

/// The journal → warehouse loader as a long-lived service: `WarehouseLoader` in follow mode.
///
/// `run()` waits for PostgreSQL with `retry` (a service may start before its database),
/// applies the schema migrations, then loads from the committed position and keeps
/// following the journal until graceful shutdown or cancellation; the batch in flight then
/// commits or rolls back whole and `run()` returns. A lost server (restart, fail-over) is
/// backed off and reconnected by the loader itself (`WarehouseRetryPolicy`), resuming after
/// the position committed in `journal_positions`. The loop runs on its own thread
/// (`BlockingServiceThread`), never on the cooperative pool. Progress goes to `status`
/// after every batch; errors that end the service are logged and rethrown.
public struct WarehouseLoadService: Service, CustomStringConvertible {
    public struct Configuration: Sendable {
        public var conninfo: String
        public var journalDirectory: String
        public var journalName: String
        /// Records per transaction.
        public var batchRecords: Int
        /// Sleep between polls when caught up.
        public var pollIntervalMillis: Int
        public var retry: WarehouseRetryPolicy

        public init(conninfo: String, journalDirectory: String, journalName: String = "journal", batchRecords: Int = 50_000,
                    pollIntervalMillis: Int = 20, retry: WarehouseRetryPolicy = WarehouseRetryPolicy(maxAttempts: nil)) {
            self.conninfo = conninfo; self.journalDirectory = journalDirectory; self.journalName = journalName
            self.batchRecords = batchRecords; self.pollIntervalMillis = pollIntervalMillis; self.retry = retry
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

    public var description: String { "WarehouseLoadService(\(configuration.journalName))" }

    public func run() async throws {
        let stop = BlockingServiceThread.StopFlag()
        let configuration = configuration, status = status, logger = logger
        status.update { $0.loader = $0.loader ?? ColdTierStatus.Loader() }
        do {
            try await withTaskCancellationHandler {
                try await withGracefulShutdownHandler {
                    try await BlockingServiceThread.run(name: "cold-etl") {
                        try Self.load(configuration, status: status, logger: logger, stop: stop)
                    }
                } onGracefulShutdown: { stop.set() }
            } onCancel: { stop.set() }
            status.update { $0.loader?.state = .stopped }
        } catch {
            logger.error("etl: stopped by error: \(error)")
            status.update { $0.loader?.state = .failed; $0.loader?.lastError = "\(error)" }
            throw error
        }
    }

    /// The blocking loop (own thread).
    static func load(_ configuration: Configuration, status: ColdTierStatusBoard, logger: Logger,
                     stop: BlockingServiceThread.StopFlag) throws {
        let retry = configuration.retry
        guard let connection = try retry.connect(conninfo: configuration.conninfo, shouldStop: { stop.isSet }, onRetry: { attempt in
            logger.warning("etl: waiting for PostgreSQL: \(attempt)")
            status.update { $0.loader?.state = .reconnecting }
        }) else {
            logger.info("etl: stopped before PostgreSQL was reachable; nothing loaded")
            return
        }
        let applied = try BlockingServiceThread.migrate(connection, stop: stop)
        if !applied.isEmpty { logger.info("etl: applied schema migrations \(applied.map(String.init).joined(separator: ", "))") }
        let loader = WarehouseLoader(connection: connection, options: .init(
            journalDirectory: configuration.journalDirectory, journalName: configuration.journalName,
            batchRecords: configuration.batchRecords, follow: true, pollIntervalMillis: configuration.pollIntervalMillis,
            retry: retry))
        if let position = try loader.committedPosition() {
            logger.info("etl: resuming '\(configuration.journalName)' after sequence \(position.sequence)")
        }
        status.update { $0.loader?.state = .running }
        loader.onRetry = { attempt in
            logger.warning("etl: \(attempt)")
            status.update { $0.loader?.state = .reconnecting; $0.loader?.lastError = "\(attempt.error)" }
        }
        loader.onReconnect = { position in
            logger.info("etl: reconnected; resuming after sequence \(position?.sequence ?? 0)")
            status.update { $0.loader?.state = .running; $0.loader?.reconnects += 1 }
        }
        let totals = try loader.run(shouldStop: { stop.isSet }, onProgress: { progress in
            status.update { status in
                var loader = status.loader ?? ColdTierStatus.Loader()
                loader.state = .running
                loader.recordsLoaded = progress.recordsLoaded
                loader.recordsQuarantined = progress.recordsQuarantined
                loader.batchesCommitted = progress.batchesCommitted
                loader.lastSequence = progress.lastSequence
                loader.journalHeadSequence = max(progress.journalHeadSequence, progress.lastSequence)
                loader.secondsBehind = progress.caughtUp ? 0 : Double(progress.lagNanos) / 1e9
                loader.recordsPerSecond = progress.recordsPerSecond
                loader.reconnects = progress.reconnects
                loader.caughtUp = progress.caughtUp
                status.loader = loader
            }
        })
        logger.info("etl: stopped after \(totals.recordsLoaded) record(s) in \(totals.batchesCommitted) batch(es), last sequence \(totals.lastSequence)")
    }
}
