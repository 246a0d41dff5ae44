import PeregrineCore

/// Exponential reconnect back-off: the first retry waits `initial`, each failure doubles the
/// wait up to `maximum`, and a connection that reached `ready` resets it.
///
/// Deterministic (no jitter: one process talks to one TWS or IQConnect, so there is no herd to
/// spread). A plain value; no allocation.
public struct ReconnectBackoff: Sendable, Equatable {
    /// The first wait, and the wait after a success.
    public let initial: Nanoseconds
    /// The longest wait.
    public let maximum: Nanoseconds
    /// The wait the next failure will use.
    public private(set) var next: Nanoseconds
    /// Failures since the last successful connection.
    public private(set) var failures = 0

    /// `initial` must be positive and not above `maximum`.
    public init(initial: Nanoseconds, maximum: Nanoseconds) {
        precondition(initial.count > 0 && initial <= maximum, "back-off needs 0 < initial <= maximum")
        self.initial = initial
        self.maximum = maximum
        next = initial
    }

    /// Records a failure and returns how long to wait before the next attempt.
    public mutating func fail() -> Nanoseconds {
        let wait = next
        failures += 1
        next = next.count > maximum.count / 2 ? maximum : Nanoseconds(next.count * 2)
        return wait
    }

    /// A connection succeeded: the next failure waits `initial` again.
    public mutating func succeed() {
        next = initial
        failures = 0
    }
}
