import Synchronization
import PeregrinePlatform

/// Runs closures on real threads for stress tests, with a deadline so a bug shows up as a
/// failed test rather than a hung CI run.
public enum ConcurrentHarness {
    /// Starts every body on its own unpinned thread, waits for all, and returns whether
    /// they finished before `timeoutNanos` (each body must check `deadline.expired` in its
    /// loops and give up when it is set).
    public static func run(timeoutNanos: UInt64 = 20_000_000_000,
                           _ bodies: [@Sendable (Deadline) -> Void]) throws -> Bool {
        let deadline = Deadline(afterNanos: timeoutNanos)
        var threads: [PinnedThread] = []
        for (i, body) in bodies.enumerated() {
            threads.append(try PinnedThread.start(name: "stress-\(i)", placement: ThreadPlacement()) { body(deadline) })
        }
        for t in threads { t.join() }
        return !deadline.expired
    }
}

/// A point in monotonic time after which stress loops stop.
public final class Deadline: Sendable {
    private let atNanos: UInt64
    private let tripped = Atomic<Bool>(false)

    public init(afterNanos: UInt64) { atNanos = Clock.monotonicNanos() + afterNanos }

    /// Whether the deadline has passed (sticky once true).
    public var expired: Bool {
        if tripped.load(ordering: .relaxed) { return true }
        if Clock.monotonicNanos() >= atNanos {
            tripped.store(true, ordering: .relaxed)
            return true
        }
        return false
    }
}
