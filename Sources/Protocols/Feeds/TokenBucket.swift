import PeregrineCore

/// A token bucket (rate `r` per second, depth `b`): the outbound pacer of `TWSClientSession`.
///
/// Tokens accrue continuously in fixed point (one token = 10⁹ units, so a rate of r per second
/// adds r units per nanosecond); a send takes one whole token. In any half-open interval of
/// length T at most `b + ⌈r·T⌉ − 1` sends pass, so with the TWS defaults (50/s, depth 1) no
/// second ever carries more than 50 messages — the limit TWS enforces with error 100. A deeper
/// bucket lowers the latency of small bursts at the price of a higher one-second peak.
///
/// A plain value, one owner; every call is a few integer operations, no allocation. A clock
/// that steps backwards adds no tokens (never removes any).
public struct TokenBucket: Sendable, Equatable {
    static let unit: Int64 = 1_000_000_000

    /// Tokens added per second.
    public let ratePerSecond: Int64
    /// Most tokens held (the largest burst).
    public let depth: Int64
    /// Tokens ×10⁹.
    var level: Int64
    var lastRefill: Timestamp

    /// A full bucket as of `now`. `ratePerSecond` and `depth` must be positive.
    public init(ratePerSecond: Int64, depth: Int64, now: Timestamp = .zero) {
        precondition(ratePerSecond > 0 && depth > 0, "a token bucket needs a positive rate and depth")
        self.ratePerSecond = ratePerSecond
        self.depth = depth
        level = depth * Self.unit
        lastRefill = now
    }

    /// Whole tokens available at `now` (after refilling).
    public mutating func available(now: Timestamp) -> Int64 {
        refill(now)
        return level / Self.unit
    }

    /// Takes one token if one is available at `now`.
    public mutating func tryTake(now: Timestamp) -> Bool {
        refill(now)
        guard level >= Self.unit else { return false }
        level -= Self.unit
        return true
    }

    /// When the next token will be available (`now` if one is).
    public mutating func nextTokenTime(now: Timestamp) -> Timestamp {
        refill(now)
        if level >= Self.unit { return now }
        let missing = Self.unit - level
        return now + Nanoseconds((missing + ratePerSecond - 1) / ratePerSecond)
    }

    /// Empties the bucket and holds it empty until `until` (pacing-violation back-off).
    public mutating func drain(until: Timestamp) {
        level = 0
        if until > lastRefill { lastRefill = until }
    }

    /// Refills to full as of `now` (a new connection starts with a full bucket).
    public mutating func reset(now: Timestamp) {
        level = depth * Self.unit
        lastRefill = now
    }

    mutating func refill(_ now: Timestamp) {
        let elapsed = (now - lastRefill).count
        guard elapsed > 0 else { return }
        lastRefill = now
        let cap = depth * Self.unit
        // elapsed × rate can overflow after ~6 years at 50/s; clamp first.
        let maxUseful = (cap - level + ratePerSecond - 1) / ratePerSecond
        let added = min(elapsed, maxUseful) * ratePerSecond
        level = min(cap, level + added)
    }
}
