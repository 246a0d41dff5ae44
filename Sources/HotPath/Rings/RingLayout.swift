import PeregrinePlatform

/// Memory layout constants shared by the rings.
public enum RingLayout {
    /// Distance between independently written indices: two cache lines, because Intel's
    /// adjacent-line prefetcher pulls 128-byte pairs (rigtorp/SPSCQueue uses the same).
    public static let indexSpacing = 128

    /// Checks a requested capacity: a power of two between 2 and 2³⁰.
    static func validate(capacity: Int) {
        precondition(capacity >= 2 && capacity <= 1 << 30 && capacity & (capacity - 1) == 0,
                     "ring capacity must be a power of two in 2...2^30, got \(capacity)")
    }

    /// Bytes of `count` elements rounded up to whole 64-byte lines.
    static func slotBytes(count: Int, stride: Int) -> Int {
        (count * stride + 63) & ~63
    }
}

/// Result of a non-blocking publish.
@frozen
public enum PublishResult: Sendable, Equatable {
    case published
    /// The ring is full: consumers have not caught up. The event was not written.
    case full
}
