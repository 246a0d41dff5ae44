import PeregrineCore

/// A partitioned sequence pattern: step 0, then step 1, … (2 to 4 steps), all within `within`
/// of the step-0 event (`PATTERN A -> B -> C WITHIN T`).
///
/// Semantics (documented so a compiler and its users agree): skip-till-next-match (events
/// matching no step are ignored); "within T" is inclusive (last − first ≤ T matches, one
/// nanosecond more does not); each step keeps the latest start that reached it, so the
/// freshest A is used; a completed match emits one result (`kind == .sequenceMatch`, time =
/// the last step's time, `integer` = the first step's time, value0 = elapsed seconds) and
/// clears the partition's partial matches; one event advances each partial match at most one
/// step, and can start a new one (steps are tried from last to first). State: `steps − 1`
/// start times per partition in a flat array. O(steps) per event, no allocation.
public struct SequencePattern<Key: CEPPartitionKey, Step: CEPPredicate>: CEPOperator where Key.Input == Step.Input {
    public typealias Input = Step.Input
    public let stream: StreamId
    public var key: Key
    public let steps: [Step]
    public let within: Nanoseconds
    @usableFromInline var starts: [Int64]
    @usableFromInline let stride: Int
    public var gate: OperatorGate
    /// Matches emitted.
    public var matches = 0

    public init(stream: StreamId, partitions: Int, key: Key, steps: [Step], within: Nanoseconds) {
        precondition((2...4).contains(steps.count) && within.count >= 0, "a sequence has 2...4 steps and T ≥ 0")
        self.stream = stream; self.key = key; self.steps = steps; self.within = within
        stride = steps.count - 1
        starts = Array(repeating: .min, count: partitions * stride)
        gate = OperatorGate(partitions: partitions)
    }

    @inlinable
    public mutating func onEvent(_ event: Input, time: Timestamp, into output: inout CEPOutputBuffer) {
        let p = key.partition(of: event)
        let t = time.nanosecondsSinceEpoch
        guard gate.admit(time: t, partition: p) else { return }
        let base = p * stride
        var k = steps.count - 1
        while k >= 1 {
            let s = starts[base + k - 1]
            if s != .min {
                if t - s > within.count {
                    starts[base + k - 1] = .min
                } else if steps[k].matches(event) {
                    if k == steps.count - 1 {
                        for i in 0..<stride { starts[base + i] = .min }
                        matches &+= 1
                        var o = CEPOutput(stream: stream, partition: p, time: time, kind: .sequenceMatch, integer: s)
                        o.append(Double(t - s) * 1e-9)
                        output.tryAppend(o)
                        return
                    }
                    if s > starts[base + k] { starts[base + k] = s }
                }
            }
            k -= 1
        }
        if steps[0].matches(event) { starts[base] = t }
    }

    /// Partial matches expire lazily; nothing to fire.
    @inlinable
    public mutating func onWatermark(_ watermark: Timestamp, into output: inout CEPOutputBuffer) {}
}
