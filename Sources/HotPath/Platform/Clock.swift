import CSupport
import PeregrineCore

/// Wall and monotonic clocks through `clock_gettime` (vDSO, ~16–23 ns here).
public enum Clock {
    /// Wall-clock time (CLOCK_REALTIME) as a `Timestamp`. Any thread; no allocation.
    @inlinable
    public static func now() -> Timestamp {
        Timestamp(nanosecondsSinceEpoch: Int64(bitPattern: CSupport_realtime_ns()))
    }

    /// CLOCK_MONOTONIC nanoseconds (for intervals and timers). Any thread; no allocation.
    @inlinable
    public static func monotonicNanos() -> UInt64 { CSupport_monotonic_ns() }
}

/// A calibrated time-stamp-counter clock: `rdtsc` (~7 ns) converted to nanoseconds by a
/// fixed-point multiply, for latency measurements on the hot path.
///
/// Calibrate once at start-up (blocks for the sample time); after that the value is
/// immutable and may be shared by every thread. Requires an invariant TSC for readings
/// taken on different cores to be comparable (`CPU.hasInvariantTSC`).
public struct TSCClock: Sendable {
    /// Measured ticks per second.
    public let ticksPerSecond: Double
    /// Nanoseconds per tick as a 32.32 fixed-point factor.
    @usableFromInline let nanosPerTickQ32: UInt64
    /// Monotonic nanoseconds and tick count at calibration (to convert ticks to time).
    @usableFromInline let baseTicks: UInt64
    @usableFromInline let baseMonotonicNanos: UInt64

    /// Measures the counter against CLOCK_MONOTONIC for `sampleNanos` (default 20 ms).
    /// Returns `nil` when the machine has no usable counter.
    public static func calibrate(sampleNanos: UInt64 = 20_000_000) -> TSCClock? {
        let rate = CSupport_tsc_calibrate(sampleNanos)
        guard rate > 1e6 else { return nil }
        return TSCClock(ticksPerSecond: rate)
    }

    /// A clock with a known rate (tests, or a rate read from the kernel).
    public init(ticksPerSecond: Double) {
        precondition(ticksPerSecond > 0, "TSC rate must be positive")
        self.ticksPerSecond = ticksPerSecond
        nanosPerTickQ32 = UInt64((1e9 / ticksPerSecond) * 4_294_967_296.0)
        baseTicks = CSupport_rdtsc()
        baseMonotonicNanos = CSupport_monotonic_ns()
    }

    /// Raw counter (not serializing). Any thread; ~7 ns; no allocation.
    @inlinable @inline(__always)
    public static func ticks() -> UInt64 { CSupport_rdtsc() }

    /// Raw counter after earlier instructions retire (end of a measured interval).
    @inlinable @inline(__always)
    public static func ticksSerialized() -> UInt64 { CSupport_rdtscp() }

    /// Converts a tick interval to nanoseconds (exact to 2⁻³² ns per tick; intervals up to
    /// ~2³² s before overflow of the 128-bit product's high half matters).
    @inlinable
    public func nanoseconds(ticks: UInt64) -> UInt64 {
        let wide = ticks.multipliedFullWidth(by: nanosPerTickQ32)
        return (wide.high << 32) | (wide.low >> 32)
    }

    /// Monotonic nanoseconds corresponding to a tick reading.
    @inlinable
    public func monotonicNanos(atTicks ticks: UInt64) -> UInt64 {
        baseMonotonicNanos &+ nanoseconds(ticks: ticks &- baseTicks)
    }
}
