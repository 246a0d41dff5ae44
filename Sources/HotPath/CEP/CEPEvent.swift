import PeregrineCore

/// An event the CEP operators can order by time: trivially copyable, with an event time.
///
/// `MarketEvent` (exchange time) and `CEPOutput` (result time) conform, so derived streams
/// feed further operators with the same machinery.
public protocol CEPTimed: BitwiseCopyable {
    /// The time the operators order and window by.
    var eventTime: Timestamp { get }
}

extension MarketEvent: CEPTimed {
    /// The exchange (venue) time.
    @inlinable public var eventTime: Timestamp { exchangeTime }
}

extension CEPOutput: CEPTimed {
    /// The result time.
    @inlinable public var eventTime: Timestamp { time }
}

/// A condition on an event (a `WHERE` clause or a pattern step).
///
/// Conformers are small structs; operators are generic over them, so calls are statically
/// dispatched and inlined. Must not allocate; called on the hot path for each event.
public protocol CEPPredicate {
    associatedtype Input
    /// Whether `event` satisfies the condition.
    func matches(_ event: Input) -> Bool
}

/// A numeric view of an event (a `SELECT` expression, a window's value or weight).
public protocol CEPProjection {
    associatedtype Input
    /// The value of `event`.
    func value(of event: Input) -> Double
}

/// A dense partition key (`PARTITION BY`): an index into per-partition state arrays.
public protocol CEPPartitionKey {
    associatedtype Input
    /// The partition of `event`; operators count and skip events outside `0..<count`.
    func partition(of event: Input) -> Int
}

/// Partition by instrument (`InstrumentId.index`).
@frozen
public struct InstrumentPartition: CEPPartitionKey {
    @inlinable public init() {}
    @inlinable public func partition(of event: MarketEvent) -> Int { event.instrument.index }
}

/// Partition a derived stream by the partition its results carry.
@frozen
public struct OutputPartition: CEPPartitionKey {
    @inlinable public init() {}
    @inlinable public func partition(of event: CEPOutput) -> Int { Int(event.partition) }
}

/// A single partition (no `PARTITION BY`).
@frozen
public struct SinglePartition<Input>: CEPPartitionKey {
    @inlinable public init() {}
    @inlinable public func partition(of event: Input) -> Int { 0 }
}

/// Any condition written as a closure at set-up (specializes when the operator's type is
/// known where it is built; prefer the data-driven `MarketCondition` for compiled queries).
@frozen
public struct ClosurePredicate<Input>: CEPPredicate {
    @usableFromInline let body: (Input) -> Bool
    @inlinable public init(_ body: @escaping (Input) -> Bool) { self.body = body }
    @inlinable public func matches(_ event: Input) -> Bool { body(event) }
}

/// Any projection written as a closure at set-up.
@frozen
public struct ClosureProjection<Input>: CEPProjection {
    @usableFromInline let body: (Input) -> Double
    @inlinable public init(_ body: @escaping (Input) -> Double) { self.body = body }
    @inlinable public func value(of event: Input) -> Double { body(event) }
}

/// Any partition key written as a closure at set-up.
@frozen
public struct ClosurePartition<Input>: CEPPartitionKey {
    @usableFromInline let body: (Input) -> Int
    @inlinable public init(_ body: @escaping (Input) -> Int) { self.body = body }
    @inlinable public func partition(of event: Input) -> Int { body(event) }
}

/// Always true (no `WHERE`).
@frozen
public struct AlwaysTrue<Input>: CEPPredicate {
    @inlinable public init() {}
    @inlinable public func matches(_ event: Input) -> Bool { true }
}

/// A constant projection (e.g. weight 1 for unweighted aggregates).
@frozen
public struct ConstantProjection<Input>: CEPProjection {
    public var constant: Double
    @inlinable public init(_ constant: Double) { self.constant = constant }
    @inlinable public func value(of event: Input) -> Double { constant }
}

/// Value `index` of a derived stream's result.
@frozen
public struct OutputValue: CEPProjection {
    public var index: Int
    @inlinable public init(_ index: Int) { self.index = index }
    @inlinable public func value(of event: CEPOutput) -> Double { event[index] }
}
