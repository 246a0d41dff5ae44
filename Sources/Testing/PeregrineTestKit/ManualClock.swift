import Synchronization
import PeregrineCore

/// A clock that moves only when told: engine logic (CEP windows, risk throttles, session
/// timers) is tested with it in single-threaded, deterministic tests — never with sleeps.
///
/// Thread-safe (atomic), so a test may advance it from one thread while another reads.
public final class ManualClock: Sendable {
    private let nanos: Atomic<Int64>

    /// A clock at `start` (default 2026-01-02T14:30:00Z, a US session open).
    public init(start: Timestamp = Timestamp(year: 2026, month: 1, day: 2, hour: 14, minute: 30)!) {
        nanos = Atomic(start.nanosecondsSinceEpoch)
    }

    /// The current time.
    public func now() -> Timestamp { Timestamp(nanosecondsSinceEpoch: nanos.load(ordering: .acquiring)) }

    /// Moves the clock forward by `duration`.
    public func advance(by duration: Nanoseconds) {
        precondition(duration.count >= 0, "a manual clock never goes back")
        nanos.wrappingAdd(duration.count, ordering: .acquiringAndReleasing)
    }

    /// Sets the clock to `time` (not earlier than now).
    public func set(_ time: Timestamp) {
        let current = nanos.load(ordering: .acquiring)
        precondition(time.nanosecondsSinceEpoch >= current, "a manual clock never goes back")
        nanos.store(time.nanosecondsSinceEpoch, ordering: .releasing)
    }
}
