#if canImport(Glibc)
import Glibc
#endif

/// What one receive produced. A small value: the hot path never throws or allocates.
public enum ReceiveResult: Sendable, Equatable {
    /// `count` bytes were handed to the caller's closure.
    case received(Int)
    /// Nothing arrived before the deadline (or now, for `tryReceive`).
    case wouldBlock
    /// The peer closed its side (the kernel reported end of stream: recv returned 0).
    case closed
    /// The kernel reported an error (`errno`, e.g. ECONNRESET).
    case failed(errno: Int32)
}

/// What one send produced.
public enum SendResult: Sendable, Equatable {
    /// All `count` bytes were handed to the kernel.
    case sent(Int)
    /// The peer is gone (EPIPE or ECONNRESET).
    case closed
    /// Any other kernel error.
    case failed(errno: Int32)

    static func fromErrno(_ code: Int32) -> SendResult {
        code == EPIPE || code == ECONNRESET ? .closed : .failed(errno: code)
    }
}

/// A monotonic-nanosecond deadline for a waiting receive; `.max` waits forever.
/// Checked once every `checkEvery` spins so the clock read (~20 ns) stays off the fast path.
@usableFromInline
struct SpinDeadline {
    @usableFromInline let deadlineNanos: UInt64
    @usableFromInline var countdown: Int
    @usableFromInline static var checkEvery: Int { 256 }

    @inlinable init(_ deadlineNanos: UInt64) {
        self.deadlineNanos = deadlineNanos
        countdown = SpinDeadline.checkEvery
    }

    /// True once the deadline has passed.
    @inlinable mutating func expired() -> Bool {
        if deadlineNanos == .max { return false }
        countdown &-= 1
        if countdown > 0 { return false }
        countdown = SpinDeadline.checkEvery
        return Clock.monotonicNanos() >= deadlineNanos
    }

    /// Milliseconds left, rounded up, for epoll/poll timeouts (−1: forever).
    @inlinable func remainingMillis() -> Int32 {
        if deadlineNanos == .max { return -1 }
        let now = Clock.monotonicNanos()
        if now >= deadlineNanos { return 0 }
        return Int32(clamping: (deadlineNanos - now + 999_999) / 1_000_000)
    }
}
