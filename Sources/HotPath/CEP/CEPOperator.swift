import PeregrineCore

/// The shape every CEP operator has: events in time order, watermarks, results appended to
/// a caller-owned `CEPOutputBuffer`.
///
/// Callers deliver events with non-decreasing `time` (the `EventTimeSequencer` in replay,
/// arrival order with the receive time live); an event older than the last one is counted in
/// `outOfOrderEvents` and skipped. `onWatermark(W)` promises no more events at or before W
/// and fires the timers due by then (window ends, session gaps, absence deadlines). Both are
/// O(1) amortized unless stated, never allocate, never block; single thread.
///
/// Operators are generic structs (static dispatch, specialized across modules through
/// `@inlinable`); the set of kinds is small and fixed so that a query compiler can build
/// them from a parsed plan: `FilterProjectOperator`, `WindowOperator`, `MovingAverageOperator`,
/// `StreamTableJoin`, `SequencePattern`, `RepetitionPattern`, `AbsencePattern`.
///
/// # Design note (PeregrineCEP)
///
/// Complex-event-processing operators for the hot path (issue #6, item 1). The continuous
/// query language (item 2) will compile a parsed query into these building blocks; this note
/// is the contract it compiles against.
///
/// ## Shape
/// - Every operator is a generic struct conforming to `CEPOperator`: `onEvent(event, time:,
///   into:)` and `onWatermark(_:into:)`, appending fixed-size `CEPOutput`s (64 bytes: stream,
///   partition, time, kind, up to five doubles and one Int64) to a caller-owned, preallocated
///   `CEPOutputBuffer`. No existentials: a query set is a struct of concrete operators called
///   in a fixed order (see `CEPBenchQuerySet` in the benchmarks), so every call is static and
///   inlined across modules (`@inlinable` everywhere on the per-event path).
/// - The operator kinds are a small fixed set: `FilterProjectOperator`, `WindowOperator`
///   (spec: tumbling / hopping / continuous sliding by time, count windows, sessions; up to five
///   `CEPAggregate`s), `MovingAverageOperator` (EMA by span or time constant),
///   `StreamTableJoin` (stream ⋈ latest row per partition), `SequencePattern` (2–4 steps
///   within T), `RepetitionPattern` (A{n} within T), `AbsencePattern` (A, no B within T).
/// - Operators are generic over `CEPPredicate` / `CEPProjection` / `CEPPartitionKey`. Swift
///   code can plug any struct or closure in; a query compiler uses the data-driven conformers
///   — `MarketCondition` (kind + up to two field comparisons), `MarketField` (price, mid,
///   spread, imbalance, …), `InstrumentPartition`, `OutputValue`/`OutputPartition` for
///   derived streams — so one concrete type per operator kind covers every query and the
///   compiler never needs new generic instantiations at run time. `CEPOutput` is itself
///   `CEPTimed`, so derived streams feed further operators (tested: z-score of 1 s VWAPs).
///
/// ## Time
/// - Operators take `time` explicitly: exchange time in replay, receive time live. They need
///   non-decreasing times (an older event is counted in `outOfOrderEvents` and skipped).
/// - Replay / event time: `EventTimeSequencer` (bounded out-of-orderness, Flink-style
///   watermark W = max − bound − 1, "no more events ≤ W") reorders into time order; events
///   ≤ W are late: counted, then dropped or routed to a late ring. Live / processing time:
///   feed in arrival order and pass `now − 1` to `onWatermark` from the agent's duty cycle.
/// - Timers (window ends, session gaps, absence deadlines) live in a `TimerQueue` (indexed
///   min-heap, one timer per partition) and fire when the watermark reaches them; an
///   in-order event at t implies watermark t − 1, so timers also fire from events. Boundaries
///   (pinned by tests): time windows are [start, end); a session closes after `gap` of
///   silence (an event exactly `gap` later starts a new one); "within T" is inclusive for
///   sequences, repetitions and absences (B exactly T after A cancels the absence).
///
/// ## Memory
/// - Everything is allocated in `init`, sized by partition count and per-partition capacity:
///   flat arrays of partitions × capacity (rings of samples, monotonic deques, sorted
///   buffers) and one `BitwiseCopyable` state struct per partition. The per-event path only
///   assigns into those arrays (uniquely referenced, never resized): 0 allocations per event
///   in the benchmark; tests pin storage addresses. A time window holding more than its
///   capacity drops its oldest sample (counted in `overflowEvictions`); a full output buffer
///   refuses and counts. Nothing throws, locks, formats strings or sleeps.
///
/// ## Aggregates and numerics
/// - count/sum/mean/vwap use Neumaier-compensated sums with subtraction on eviction; variance,
///   stddev and z-score use Welford's update with removal on shifted data (x − a recent
///   mean), and every `capacity` removals the window recomputes them from its samples with a
///   corrected two-pass (amortized O(1)) — exact to ~1e-14 relative at prices near 10⁹.
///   Sample variance (n − 1), as pandas `rolling().var()`.
/// - min/max: monotonic deques (amortized O(1)); first/last: ring ends; percentile: exact
///   over the bounded window (sorted buffer, binary search + shift, O(capacity) per event),
///   NumPy "linear" interpolation.
///
/// ## Not yet
/// - Fixed-bucket histogram percentiles for unbounded windows; multiple pending As per
///   partition in absence patterns (the earliest pending A wins); pattern steps that bind
///   values across steps (e.g. B.price > A.price); a query-set container and the CQL compiler
///   (item 2).
public protocol CEPOperator {
    associatedtype Input
    /// Processes one event at `time`.
    mutating func onEvent(_ event: Input, time: Timestamp, into output: inout CEPOutputBuffer)
    /// Fires the timers due at watermark `watermark`.
    mutating func onWatermark(_ watermark: Timestamp, into output: inout CEPOutputBuffer)
}

/// Counters every operator keeps (a monitor drains them; nothing on the hot path formats).
@frozen
public struct OperatorCounters: Sendable, BitwiseCopyable, Equatable {
    /// Events that passed the filter and were processed.
    public var processed = 0
    /// Events older than the previous one (late at the operator): skipped.
    public var outOfOrderEvents = 0
    /// Events whose partition was outside `0..<partitions`: skipped.
    public var partitionOutOfRange = 0
    /// Events that did not pass the filter.
    public var filtered = 0
    @inlinable public init() {}
}

/// Per-event admission shared by the operators: order check and partition check.
@frozen
public struct OperatorGate: Sendable, BitwiseCopyable {
    public var counters = OperatorCounters()
    public var lastTime = Int64.min
    public let partitions: Int

    @inlinable public init(partitions: Int) {
        precondition(partitions > 0, "an operator needs at least one partition")
        self.partitions = partitions
    }

    /// Whether an event at `time` in `partition` may be processed; counts it otherwise.
    @inlinable
    public mutating func admit(time: Int64, partition: Int) -> Bool {
        if time < lastTime { counters.outOfOrderEvents &+= 1; return false }
        if partition < 0 || partition >= partitions { counters.partitionOutOfRange &+= 1; return false }
        lastTime = time
        counters.processed &+= 1
        return true
    }
}
