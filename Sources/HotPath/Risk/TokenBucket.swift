import PeregrineCore

/// A token bucket refilled by event time with integer arithmetic only.
///
/// Tokens are kept in nano-tokens (10⁻⁹ token) so a rate of `r` orders per second adds
/// exactly `r` nano-tokens per nanosecond: no division, no floating point, no drift. The
/// bucket starts full. Time going backwards adds nothing. O(1), no allocation.
@frozen
public struct TokenBucket: Sendable, Equatable {
    /// Nano-tokens per token.
    public static let unit: Int64 = 1_000_000_000
    /// Largest configurable burst (keeps `burst × unit` far from overflow).
    public static let maxBurst: Int64 = 1_000_000
    /// Largest configurable rate (orders per second).
    public static let maxRate: Int64 = 1_000_000_000

    /// Nano-tokens held at `lastUpdate` (`-1` = never used: full).
    public var nanoTokens: Int64 = -1
    public var lastUpdate: Timestamp = .zero

    @inlinable public init() {}

    /// Whether `rate`/`burst` can configure a bucket (rate 0 means "off").
    @inlinable
    public static func isValid(rate: Int64, burst: Int64) -> Bool {
        rate == 0 || (rate > 0 && rate <= maxRate && burst >= 1 && burst <= maxBurst)
    }

    /// Nano-tokens available at `now` for a bucket of `rate` per second and `burst`.
    @inlinable
    public func available(now: Timestamp, rate: Int64, burst: Int64) -> Int64 {
        let capacity = burst * Self.unit
        if nanoTokens < 0 { return capacity }
        let elapsed = now.nanosecondsSinceEpoch - lastUpdate.nanosecondsSinceEpoch
        if elapsed <= 0 { return Swift.min(nanoTokens, capacity) }
        // Past this gap the bucket is full whatever it held; below it elapsed × rate fits.
        if elapsed >= capacity / rate + 1 { return capacity }
        return Swift.min(capacity, nanoTokens + elapsed * rate)
    }

    /// Whether one token is available at `now` (rate 0: always).
    @inlinable
    public func canTake(now: Timestamp, rate: Int64, burst: Int64) -> Bool {
        rate == 0 || available(now: now, rate: rate, burst: burst) >= Self.unit
    }

    /// `available(now:rate:burst:)`, or `Int64.max` when the bucket is off (rate 0): one
    /// comparison with `unit` is then `canTake`, and the value feeds `take(now:rate:available:)`.
    @inlinable @inline(__always)
    public func availableIfLimited(now: Timestamp, rate: Int64, burst: Int64) -> Int64 {
        rate == 0 ? .max : available(now: now, rate: rate, burst: burst)
    }

    /// `take(now:rate:burst:)` with the tokens `availableIfLimited` just computed for the same
    /// `now`, `rate` and `burst` (the bucket unchanged since): saves computing them twice.
    @inlinable @inline(__always)
    public mutating func take(now: Timestamp, rate: Int64, available tokens: Int64) {
        guard rate != 0 else { return }
        nanoTokens = tokens - Self.unit
        if now > lastUpdate || lastUpdate == .zero { lastUpdate = now }
    }

    /// Takes one token at `now` (call only after `canTake` said yes).
    @inlinable
    public mutating func take(now: Timestamp, rate: Int64, burst: Int64) {
        guard rate != 0 else { return }
        let tokens = available(now: now, rate: rate, burst: burst)
        nanoTokens = tokens - Self.unit
        if now > lastUpdate || lastUpdate == .zero { lastUpdate = now }
    }
}
