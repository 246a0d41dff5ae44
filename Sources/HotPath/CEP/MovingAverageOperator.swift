#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import PeregrineCore

/// How an exponential moving average forgets.
@frozen
public enum EMASmoothing: Sendable, BitwiseCopyable, Equatable {
    /// Per event: α = 2 / (span + 1) (pandas `ewm(span:, adjust: false)`).
    case span(Int)
    /// Per elapsed time: α = 1 − exp(−Δt / τ), for irregularly spaced events (Eckner, "Algorithms
    /// for unevenly spaced time series", 2019: the "last value" EMA).
    case timeConstant(Nanoseconds)
}

/// A partitioned exponential moving average, emitted on every event: values
/// [ema, value − ema]. The first event of a partition initializes the average to its value.
/// O(1) per event (one `exp` for the time-constant form), no allocation.
public struct MovingAverageOperator<Key: CEPPartitionKey, Filter: CEPPredicate, Value: CEPProjection>: CEPOperator
where Key.Input == Filter.Input, Value.Input == Filter.Input {
    public typealias Input = Filter.Input

    /// One partition's average (trivially copyable).
    @frozen
    public struct PartitionState: Sendable, BitwiseCopyable {
        public var average = 0.0
        public var lastTime = Int64.min
        public var initialized = false
        @inlinable public init() {}
    }

    public let stream: StreamId
    public let smoothing: EMASmoothing
    public var key: Key
    public var filter: Filter
    public var value: Value
    public var states: [PartitionState]
    public var gate: OperatorGate
    @usableFromInline let alpha: Double
    @usableFromInline let inverseTimeConstant: Double

    /// An EMA over `partitions` partitions. Allocates once.
    public init(stream: StreamId, smoothing: EMASmoothing, partitions: Int, key: Key, filter: Filter, value: Value) {
        switch smoothing {
        case .span(let n):
            precondition(n >= 1, "EMA span ≥ 1")
            alpha = 2 / (Double(n) + 1); inverseTimeConstant = 0
        case .timeConstant(let tau):
            precondition(tau.count > 0, "EMA time constant > 0")
            alpha = 0; inverseTimeConstant = 1 / Double(tau.count)
        }
        self.stream = stream; self.smoothing = smoothing
        self.key = key; self.filter = filter; self.value = value
        states = Array(repeating: PartitionState(), count: partitions)
        gate = OperatorGate(partitions: partitions)
    }

    /// The current average of `partition` (NaN before its first event).
    @inlinable public func average(_ partition: Int) -> Double {
        states[partition].initialized ? states[partition].average : .nan
    }

    @inlinable
    public mutating func onEvent(_ event: Input, time: Timestamp, into output: inout CEPOutputBuffer) {
        guard filter.matches(event) else { gate.counters.filtered &+= 1; return }
        let t = time.nanosecondsSinceEpoch
        let p = key.partition(of: event)
        guard gate.admit(time: t, partition: p) else { return }
        let x = value.value(of: event)
        var s = states[p]
        if !s.initialized {
            s.average = x; s.initialized = true
        } else {
            let a: Double
            if inverseTimeConstant == 0 { a = alpha } else { a = 1 - exp(-Double(t - s.lastTime) * inverseTimeConstant) }
            s.average += a * (x - s.average)
        }
        s.lastTime = t
        states[p] = s
        var o = CEPOutput(stream: stream, partition: p, time: time)
        o.append(s.average)
        o.append(x - s.average)
        output.tryAppend(o)
    }

    /// No timers.
    @inlinable
    public mutating func onWatermark(_ watermark: Timestamp, into output: inout CEPOutputBuffer) {}
}
