/// How the loader waits and reconnects after losing PostgreSQL (a restart, a fail-over, a
/// network cut): exponential back-off with full jitter, bounded in delay and attempts.
///
/// Attempt `n` (1-based) waits a random time in `[delay/2, delay]`, with
/// `delay = min(maxDelayMillis, initialDelayMillis * 2^(n-1))` — half fixed so a restart
/// is noticed promptly, half jittered so several loaders do not reconnect in lock step
/// (AWS Architecture Blog, "Exponential Backoff and Jitter", 2015). The attempt count resets
/// whenever a batch commits, so `maxAttempts` bounds one outage, not a service's lifetime.
public struct WarehouseRetryPolicy: Sendable, Equatable {
    /// Delay before the first retry.
    public var initialDelayMillis: Int
    /// Ceiling on any one delay.
    public var maxDelayMillis: Int
    /// Consecutive failed attempts after which the loader gives up and throws (`nil`: never).
    public var maxAttempts: Int?

    public init(initialDelayMillis: Int = 100, maxDelayMillis: Int = 10_000, maxAttempts: Int? = 30) {
        precondition(initialDelayMillis > 0 && maxDelayMillis >= initialDelayMillis, "retry delays must be positive and ordered")
        precondition(maxAttempts.map { $0 >= 0 } ?? true, "maxAttempts must not be negative")
        self.initialDelayMillis = initialDelayMillis
        self.maxDelayMillis = maxDelayMillis
        self.maxAttempts = maxAttempts
    }

    /// No retries: the first connection error is thrown (the behaviour before issue #8).
    public static let never = WarehouseRetryPolicy(maxAttempts: 0)

    /// The ceiling for attempt `attempt` (1-based), before jitter.
    public func ceilingMillis(attempt: Int) -> Int {
        let doublings = min(max(attempt - 1, 0), 30)
        let delay = initialDelayMillis.multipliedReportingOverflow(by: 1 << doublings)
        return delay.overflow ? maxDelayMillis : min(maxDelayMillis, delay.partialValue)
    }

    /// The wait before attempt `attempt`, jittered into `[ceiling/2, ceiling]`.
    public func delayMillis(attempt: Int, using generator: inout some RandomNumberGenerator) -> Int {
        let ceiling = ceilingMillis(attempt: attempt)
        return ceiling / 2 + Int.random(in: 0...(ceiling - ceiling / 2), using: &generator)
    }
}

/// One retry the loader is about to make (for logs): which attempt, how long it waits, and why.
public struct WarehouseRetry: Sendable, CustomStringConvertible {
    public var attempt: Int
    public var maxAttempts: Int?
    public var delayMillis: Int
    /// The error that broke the connection.
    public var error: PostgresError
    /// Last sequence committed before the failure; the loader resumes after it (re-read from
    /// `journal_positions` once reconnected).
    public var lastCommittedSequence: UInt64

    public var description: String {
        let of = maxAttempts.map { " of \($0)" } ?? ""
        let message = String(error.message.map { $0 == "\n" || $0 == "\t" ? " " : $0 })
        return "PostgreSQL unavailable (\(error.code.rawValue)\(error.sqlState.map { " [\($0)]" } ?? ""): \(message)); "
            + "retry \(attempt)\(of) in \(delayMillis) ms" + (lastCommittedSequence > 0 ? ", resuming after sequence \(lastCommittedSequence)" : "")
    }
}

extension WarehouseRetryPolicy {
    /// Opens a connection, backing off while the server is unreachable (a service started
    /// before its database). Returns nil when `shouldStop` ends the wait; throws the last
    /// error when the attempts run out or the failure is not transient (bad password, no
    /// such database).
    public func connect(conninfo: String, shouldStop: () -> Bool = { false },
                        onRetry: (WarehouseRetry) -> Void = { _ in }) throws -> PostgresConnection? {
        var generator = SystemRandomNumberGenerator()
        var attempt = 0
        while true {
            do {
                return try PostgresConnection(conninfo: conninfo)
            } catch let error as PostgresError where error.isTransient && !Self.isPermanent(error) {
                attempt += 1
                if let maxAttempts, attempt > maxAttempts { throw error }
                let delay = delayMillis(attempt: attempt, using: &generator)
                onRetry(WarehouseRetry(attempt: attempt, maxAttempts: maxAttempts, delayMillis: delay, error: error, lastCommittedSequence: 0))
                if !WarehouseLoader.sleep(milliseconds: delay, unless: shouldStop) { return nil }
            }
        }
    }

    /// Connection failures no wait will fix (libpq reports them without a SQLSTATE).
    static func isPermanent(_ error: PostgresError) -> Bool {
        error.message.contains("password authentication failed") || error.message.contains("does not exist")
            || error.message.contains("invalid connection option") || error.message.contains("missing \"=\"")
    }
}
