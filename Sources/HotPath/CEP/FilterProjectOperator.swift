import PeregrineCore

/// `SELECT projections FROM s WHERE filter`: one result per passing event with up to five
/// projected values (`kind == .value`). O(projections), no allocation.
public struct FilterProjectOperator<Key: CEPPartitionKey, Filter: CEPPredicate, Projection: CEPProjection>: CEPOperator
where Key.Input == Filter.Input, Projection.Input == Filter.Input {
    public typealias Input = Filter.Input
    public let stream: StreamId
    public var key: Key
    public var filter: Filter
    public let projections: [Projection]
    public var gate: OperatorGate

    public init(stream: StreamId, partitions: Int, key: Key, filter: Filter, projections: [Projection]) {
        precondition(projections.count <= CEPOutput.maxValues, "at most five projections")
        self.stream = stream; self.key = key; self.filter = filter; self.projections = projections
        gate = OperatorGate(partitions: partitions)
    }

    @inlinable
    public mutating func onEvent(_ event: Input, time: Timestamp, into output: inout CEPOutputBuffer) {
        guard filter.matches(event) else { gate.counters.filtered &+= 1; return }
        let p = key.partition(of: event)
        guard gate.admit(time: time.nanosecondsSinceEpoch, partition: p) else { return }
        var o = CEPOutput(stream: stream, partition: p, time: time)
        for projection in projections { o.append(projection.value(of: event)) }
        output.tryAppend(o)
    }

    @inlinable
    public mutating func onWatermark(_ watermark: Timestamp, into output: inout CEPOutputBuffer) {}
}
