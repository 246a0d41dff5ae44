import PeregrineCore

/// How a window groups events. A small fixed set a query compiler maps `WINDOW` clauses to.
@frozen
public enum WindowSpec: Sendable, BitwiseCopyable, Equatable {
    /// Windows [k·size, (k+1)·size), emitted when the watermark passes the end.
    case tumblingTime(size: Nanoseconds)
    /// Windows [k·slide, k·slide + size) (hopping), each emitted when the watermark passes its
    /// end, while it holds samples.
    case hoppingTime(size: Nanoseconds, slide: Nanoseconds)
    /// A continuous sliding window (t − size, t], emitted on every event (Esper `win:time`).
    case slidingTime(size: Nanoseconds)
    /// The last `size` events, emitted every `slide` events once `size` have been seen
    /// (`slide == size`: tumbling; `slide == 1`: sliding on every event).
    case count(size: Int, slide: Int)
    /// Sessions: a window closes after `gap` without events (an event exactly `gap` after the
    /// previous one starts a new session); emitted when the watermark passes last + gap.
    case session(gap: Nanoseconds)
}

/// A partitioned window with aggregates: `SELECT agg(value, weight)… FROM s [WHERE filter]
/// PARTITION BY key WINDOW spec`.
///
/// Results: one `CEPOutput` per emitted window with the aggregates in the order given
/// (`kind == .window`, `time` = the window's end — exclusive for time windows, the newest
/// event's time for sliding and count windows — and `integer` = the window's start in ns,
/// the oldest sample's time for count windows and sessions). Storage: a `WindowStore` of
/// `partitions × capacity` samples; a time window holding more than `capacity` samples drops
/// its oldest (counted in `store.overflowEvictions`). Timers: one per partition in a
/// `TimerQueue`. `onEvent` is O(1) amortized plus one O(log partitions) timer update per
/// window boundary (O(capacity) with a percentile); no allocation.
public struct WindowOperator<Key: CEPPartitionKey, Filter: CEPPredicate, Value: CEPProjection, Weight: CEPProjection>: CEPOperator
where Key.Input == Filter.Input, Value.Input == Filter.Input, Weight.Input == Filter.Input {
    public typealias Input = Filter.Input
    public let stream: StreamId
    public let spec: WindowSpec
    public var key: Key
    public var filter: Filter
    public var value: Value
    public var weight: Weight
    public var store: WindowStore
    public var timers: TimerQueue
    public var gate: OperatorGate

    /// A window over `partitions` partitions holding up to `capacity` samples each.
    /// Allocates once.
    public init(stream: StreamId, spec: WindowSpec, aggregates: [CEPAggregate], partitions: Int, capacity: Int,
                key: Key, filter: Filter, value: Value, weight: Weight) {
        switch spec {
        case .tumblingTime(let size): precondition(size.count > 0, "window size > 0")
        case .hoppingTime(let size, let slide): precondition(size.count > 0 && slide.count > 0, "window size and slide > 0")
        case .slidingTime(let size): precondition(size.count > 0, "window size > 0")
        case .count(let size, let slide): precondition(size > 0 && slide > 0 && capacity >= size, "count window needs capacity ≥ size")
        case .session(let gap): precondition(gap.count > 0, "session gap > 0")
        }
        self.stream = stream; self.spec = spec
        self.key = key; self.filter = filter; self.value = value; self.weight = weight
        store = WindowStore(partitions: partitions, capacity: capacity, aggregates: aggregates)
        timers = TimerQueue(partitions: partitions)
        gate = OperatorGate(partitions: partitions)
    }

    @inlinable
    mutating func emit(_ partition: Int, end: Int64, start: Int64, into output: inout CEPOutputBuffer) {
        var o = CEPOutput(stream: stream, partition: partition, time: Timestamp(nanosecondsSinceEpoch: end),
                          kind: .window, integer: start)
        store.fill(&o, partition: partition)
        output.tryAppend(o)
    }

    /// Fires every timer due at `watermark` (time windows' ends, session gaps).
    @inlinable
    public mutating func onWatermark(_ watermark: Timestamp, into output: inout CEPOutputBuffer) {
        fire(through: watermark.nanosecondsSinceEpoch, into: &output)
    }

    @inlinable
    mutating func fire(through watermark: Int64, into output: inout CEPOutputBuffer) {
        while let p = timers.popDue(through: watermark) {
            switch spec {
            case .tumblingTime(let size):
                let end = store.state(p).nextEnd
                emit(p, end: end, start: end - size.count, into: &output)
                store.clear(p)
            case .hoppingTime(let size, let slide):
                var end = store.state(p).nextEnd
                store.evict(p, before: end - size.count)
                if store.count(p) > 0 { emit(p, end: end, start: end - size.count, into: &output) }
                // Samples left after evicting for the next window all lie in it (they are
                // older than `end`), so it is emitted next; an empty ring disarms the timer.
                end += slide.count
                store.evict(p, before: end - size.count)
                if store.count(p) > 0 {
                    store.states[p].nextEnd = end
                    timers.schedule(p, at: end - 1)
                }
            case .session:
                let start = store.oldestTime(p)
                emit(p, end: store.state(p).nextEnd, start: start, into: &output)
                store.clear(p)
            case .slidingTime, .count:
                break
            }
        }
    }

    /// Adds the event to its partition's window, first closing the windows that end at or
    /// before its time; emits for sliding and count windows.
    @inlinable
    public mutating func onEvent(_ event: Input, time: Timestamp, into output: inout CEPOutputBuffer) {
        guard filter.matches(event) else { gate.counters.filtered &+= 1; return }
        let t = time.nanosecondsSinceEpoch
        let p = key.partition(of: event)
        guard gate.admit(time: t, partition: p) else { return }
        // An in-order event at t means nothing at or before t − 1 is still to come.
        if let due = timers.earliest, due <= t - 1 { fire(through: t - 1, into: &output) }
        let v = value.value(of: event), w = weight.value(of: event)
        switch spec {
        case .tumblingTime(let size):
            if store.count(p) == 0 {
                let end = Self.floor(t, size.count) + size.count
                store.states[p].nextEnd = end
                timers.schedule(p, at: end - 1)
            }
            store.append(p, time: t, value: v, weight: w)
        case .hoppingTime(_, let slide):
            store.append(p, time: t, value: v, weight: w)
            if !timers.isScheduled(p) {
                let end = Self.floor(t, slide.count) + slide.count
                store.states[p].nextEnd = end
                timers.schedule(p, at: end - 1)
            }
        case .slidingTime(let size):
            store.evict(p, before: t - size.count + 1)
            store.append(p, time: t, value: v, weight: w)
            emit(p, end: t, start: t - size.count, into: &output)
        case .count(let size, let slide):
            if store.count(p) == size { store.evictOldest(p) }
            store.append(p, time: t, value: v, weight: w)
            store.states[p].eventsSinceEmit += 1
            if store.count(p) == size && store.states[p].eventsSinceEmit >= slide {
                store.states[p].eventsSinceEmit = 0
                emit(p, end: t, start: store.oldestTime(p), into: &output)
                if slide >= size { store.clear(p) }
            }
        case .session(let gap):
            store.append(p, time: t, value: v, weight: w)
            store.states[p].nextEnd = t + gap.count
            timers.schedule(p, at: t + gap.count - 1)
        }
    }

    /// ⌊t / step⌋ · step, also for negative t.
    @inlinable
    static func floor(_ t: Int64, _ step: Int64) -> Int64 {
        let q = t / step
        return (t % step < 0 ? q - 1 : q) * step
    }
}

extension WindowOperator where Weight == ConstantProjection<Filter.Input> {
    /// A window with unit weights (no VWAP).
    public init(stream: StreamId, spec: WindowSpec, aggregates: [CEPAggregate], partitions: Int, capacity: Int,
                key: Key, filter: Filter, value: Value) {
        self.init(stream: stream, spec: spec, aggregates: aggregates, partitions: partitions, capacity: capacity,
                  key: key, filter: filter, value: value, weight: ConstantProjection(1))
    }
}
