import PeregrineCore

/// A partitioned absence pattern: an event matching `trigger` (A) not followed by one
/// matching `cancel` (B) within `within` (`PATTERN A -> NOT B WITHIN T`).
///
/// A arms the partition's timer for A + T unless one is armed (the earliest pending A wins);
/// B at or before A + T (inclusive) disarms it; an event that is both B and A disarms then
/// re-arms (so "quote not followed by another quote within T" detects stale quotes). The
/// timer fires when the watermark reaches A + T — from `onWatermark`, or from a later event
/// at time > A + T — emitting `kind == .absence`, time = A + T, `integer` = A's time. One
/// timer per partition in a `TimerQueue`: O(log partitions) per arm/disarm, no allocation.
public struct AbsencePattern<Key: CEPPartitionKey, Trigger: CEPPredicate, Cancel: CEPPredicate>: CEPOperator
where Key.Input == Trigger.Input, Cancel.Input == Trigger.Input {
    public typealias Input = Trigger.Input
    public let stream: StreamId
    public var key: Key
    public var trigger: Trigger
    public var cancel: Cancel
    public let within: Nanoseconds
    @usableFromInline var pendingSince: [Int64]
    public var timers: TimerQueue
    public var gate: OperatorGate
    /// Absences fired and triggers cancelled by a B in time.
    public var fired = 0
    public var cancelled = 0

    public init(stream: StreamId, partitions: Int, key: Key, trigger: Trigger, cancel: Cancel, within: Nanoseconds) {
        precondition(within.count >= 0, "T ≥ 0")
        self.stream = stream; self.key = key; self.trigger = trigger; self.cancel = cancel; self.within = within
        pendingSince = Array(repeating: .min, count: partitions)
        timers = TimerQueue(partitions: partitions)
        gate = OperatorGate(partitions: partitions)
    }

    @inlinable
    mutating func fire(through watermark: Int64, into output: inout CEPOutputBuffer) {
        while let p = timers.popDue(through: watermark) {
            let a = pendingSince[p]
            pendingSince[p] = .min
            fired &+= 1
            output.tryAppend(CEPOutput(stream: stream, partition: p, time: Timestamp(nanosecondsSinceEpoch: a + within.count),
                                       kind: .absence, integer: a))
        }
    }

    @inlinable
    public mutating func onEvent(_ event: Input, time: Timestamp, into output: inout CEPOutputBuffer) {
        let t = time.nanosecondsSinceEpoch
        if let due = timers.earliest, due <= t - 1, t >= gate.lastTime { fire(through: t - 1, into: &output) }
        let isCancel = cancel.matches(event), isTrigger = trigger.matches(event)
        guard isCancel || isTrigger else { gate.counters.filtered &+= 1; return }
        let p = key.partition(of: event)
        guard gate.admit(time: t, partition: p) else { return }
        if isCancel && pendingSince[p] != .min {
            // Pending and not fired, so t − A ≤ T here (a due timer fired above).
            cancelled &+= 1
            if isTrigger {
                // Disarm and re-arm in one move of the timer (one sift instead of two).
                pendingSince[p] = t
                timers.schedule(p, at: t + within.count)
                return
            }
            pendingSince[p] = .min
            timers.cancel(p)
        }
        if isTrigger && pendingSince[p] == .min {
            pendingSince[p] = t
            timers.schedule(p, at: t + within.count)
        }
    }

    @inlinable
    public mutating func onWatermark(_ watermark: Timestamp, into output: inout CEPOutputBuffer) {
        fire(through: watermark.nanosecondsSinceEpoch, into: &output)
    }
}
