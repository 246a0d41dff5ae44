import PeregrineCore

/// A partitioned repetition pattern: `count` events matching `filter` within `within`
/// (inclusive) of the first (`PATTERN A{n} WITHIN T`).
///
/// Keeps the times of the last `count` matches per partition in a ring (flat preallocated
/// array); when the ring is full and newest − oldest ≤ T, emits (`kind == .repetitionMatch`,
/// `integer` = the oldest time, value0 = `count`, value1 = elapsed seconds) and clears the
/// partition, so matches do not overlap. O(1) per event, no allocation.
public struct RepetitionPattern<Key: CEPPartitionKey, Filter: CEPPredicate>: CEPOperator where Key.Input == Filter.Input {
    public typealias Input = Filter.Input
    public let stream: StreamId
    public var key: Key
    public var filter: Filter
    public let repetitions: Int
    public let within: Nanoseconds
    @usableFromInline var times: [Int64]
    @usableFromInline var heads: [Int]
    @usableFromInline var counts: [Int]
    public var gate: OperatorGate
    public var matches = 0

    public init(stream: StreamId, partitions: Int, key: Key, filter: Filter, count: Int, within: Nanoseconds) {
        precondition(count >= 1 && within.count >= 0, "repetition count ≥ 1 and T ≥ 0")
        self.stream = stream; self.key = key; self.filter = filter; repetitions = count; self.within = within
        times = Array(repeating: 0, count: partitions * count)
        heads = Array(repeating: 0, count: partitions)
        counts = Array(repeating: 0, count: partitions)
        gate = OperatorGate(partitions: partitions)
    }

    @inlinable
    public mutating func onEvent(_ event: Input, time: Timestamp, into output: inout CEPOutputBuffer) {
        guard filter.matches(event) else { gate.counters.filtered &+= 1; return }
        let p = key.partition(of: event)
        let t = time.nanosecondsSinceEpoch
        guard gate.admit(time: t, partition: p) else { return }
        let base = p * repetitions
        if counts[p] == repetitions {
            heads[p] = (heads[p] + 1) % repetitions
            counts[p] -= 1
        }
        times[base + (heads[p] + counts[p]) % repetitions] = t
        counts[p] += 1
        guard counts[p] == repetitions else { return }
        let oldest = times[base + heads[p]]
        guard t - oldest <= within.count else { return }
        counts[p] = 0
        matches &+= 1
        var o = CEPOutput(stream: stream, partition: p, time: time, kind: .repetitionMatch, integer: oldest)
        o.append(Double(repetitions))
        o.append(Double(t - oldest) * 1e-9)
        output.tryAppend(o)
    }

    @inlinable
    public mutating func onWatermark(_ watermark: Timestamp, into output: inout CEPOutputBuffer) {}
}
