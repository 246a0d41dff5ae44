import PeregrineCore

/// A stream-to-table join: each stream event joined with the latest table row of its
/// partition (`trade JOIN latest(quote) ON instrument`).
///
/// Table events (matching `tableFilter`, e.g. quotes) overwrite the partition's row: up to
/// four projected values and the row's time. Stream events (matching `streamFilter`, e.g.
/// trades) produce one result with the stream projections then the table projections
/// (at most five together; `kind == .join`, `integer` = the row's age in ns). A stream event
/// without a row, or whose row is older than `maxAge`, is counted in `unmatched` and emits
/// nothing (inner join). Rows are a flat preallocated array. O(projections), no allocation.
public struct StreamTableJoin<Key: CEPPartitionKey, StreamFilter: CEPPredicate, TableFilter: CEPPredicate, Projection: CEPProjection>: CEPOperator
where Key.Input == StreamFilter.Input, TableFilter.Input == StreamFilter.Input, Projection.Input == StreamFilter.Input {
    public typealias Input = StreamFilter.Input
    public let stream: StreamId
    public var key: Key
    public var streamFilter: StreamFilter
    public var tableFilter: TableFilter
    public let streamValues: [Projection]
    public let tableValues: [Projection]
    public let maxAge: Nanoseconds
    @usableFromInline var rows: [Double]
    @usableFromInline var rowTimes: [Int64]
    public var gate: OperatorGate
    /// Stream events with no (fresh enough) row.
    public var unmatched = 0

    public init(stream: StreamId, partitions: Int, key: Key, streamFilter: StreamFilter, tableFilter: TableFilter,
                streamValues: [Projection], tableValues: [Projection], maxAge: Nanoseconds = Nanoseconds(.max)) {
        precondition(tableValues.count <= 4 && streamValues.count + tableValues.count <= CEPOutput.maxValues,
                     "a join emits at most five values (four from the table)")
        self.stream = stream; self.key = key; self.streamFilter = streamFilter; self.tableFilter = tableFilter
        self.streamValues = streamValues; self.tableValues = tableValues; self.maxAge = maxAge
        rows = Array(repeating: 0, count: partitions * 4)
        rowTimes = Array(repeating: .min, count: partitions)
        gate = OperatorGate(partitions: partitions)
    }

    /// The table's value `index` for `partition` (NaN when no row).
    @inlinable public func tableValue(_ index: Int, partition: Int) -> Double {
        rowTimes[partition] == .min ? .nan : rows[partition * 4 + index]
    }

    @inlinable
    public mutating func onEvent(_ event: Input, time: Timestamp, into output: inout CEPOutputBuffer) {
        let isTable = tableFilter.matches(event)
        let isStream = !isTable && streamFilter.matches(event)
        guard isTable || isStream else { gate.counters.filtered &+= 1; return }
        let p = key.partition(of: event)
        let t = time.nanosecondsSinceEpoch
        guard gate.admit(time: t, partition: p) else { return }
        if isTable {
            for (i, projection) in tableValues.enumerated() { rows[p * 4 + i] = projection.value(of: event) }
            rowTimes[p] = t
            return
        }
        let rowTime = rowTimes[p]
        guard rowTime != .min, t - rowTime <= maxAge.count else { unmatched &+= 1; return }
        var o = CEPOutput(stream: stream, partition: p, time: time, kind: .join, integer: t - rowTime)
        for projection in streamValues { o.append(projection.value(of: event)) }
        for i in 0..<tableValues.count { o.append(rows[p * 4 + i]) }
        output.tryAppend(o)
    }

    @inlinable
    public mutating func onWatermark(_ watermark: Timestamp, into output: inout CEPOutputBuffer) {}
}
