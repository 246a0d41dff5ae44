import PeregrineCore

/// The partition key of a compiled query over market events: by instrument (`GROUP BY
/// instrument`) or one partition (no `GROUP BY`). Data-driven so that one operator type per
/// kind covers both; one predictable branch per call, no allocation.
@frozen
public struct MarketGrouping: CEPPartitionKey, Sendable, BitwiseCopyable, Equatable {
    public var byInstrument: Bool
    @inlinable public init(byInstrument: Bool) { self.byInstrument = byInstrument }
    @inlinable public func partition(of event: MarketEvent) -> Int { byInstrument ? event.instrument.index : 0 }
}

/// The partition key of a compiled query over a derived stream: the partition its results
/// carry (`GROUP BY instrument`) or one partition.
@frozen
public struct OutputGrouping: CEPPartitionKey, Sendable, BitwiseCopyable, Equatable {
    public var byPartition: Bool
    @inlinable public init(byPartition: Bool) { self.byPartition = byPartition }
    @inlinable public func partition(of event: CEPOutput) -> Int { byPartition ? Int(event.partition) : 0 }
}

/// An operand of an `OutputExpression`: a column of the result or a constant.
@frozen
public struct OutputOperand: Sendable, BitwiseCopyable, Equatable {
    /// Column 0...4, or −1 for the constant.
    public var column: Int8
    public var constant: Double
    @inlinable public static func column(_ index: Int) -> OutputOperand { OutputOperand(column: Int8(index), constant: 0) }
    @inlinable public static func constant(_ value: Double) -> OutputOperand { OutputOperand(column: -1, constant: value) }
    @inlinable public init(column: Int8, constant: Double) { self.column = column; self.constant = constant }
    @inlinable public func value(of o: CEPOutput) -> Double { column >= 0 ? o[Int(column)] : constant }
}

/// The arithmetic of an `OutputExpression`.
@frozen
public enum OutputArithmetic: UInt8, Sendable, BitwiseCopyable, Equatable {
    case none, add, subtract, multiply, divide
}

/// A value of a derived stream's result: a column, or one arithmetic operation on two columns
/// or a column and a constant (`vwap`, `last / first`, `ema - 100`). What the compiler emits
/// for values read from derived streams; `OutputValue` with arithmetic. O(1), no allocation.
@frozen
public struct OutputExpression: CEPProjection, Sendable, BitwiseCopyable, Equatable {
    public var lhs: OutputOperand
    public var operation: OutputArithmetic
    public var rhs: OutputOperand

    @inlinable public init(lhs: OutputOperand, operation: OutputArithmetic = .none, rhs: OutputOperand = .constant(0)) {
        self.lhs = lhs; self.operation = operation; self.rhs = rhs
    }
    /// Column `index` as is.
    @inlinable public static func column(_ index: Int) -> OutputExpression { OutputExpression(lhs: .column(index)) }
    /// A constant.
    @inlinable public static func constant(_ value: Double) -> OutputExpression { OutputExpression(lhs: .constant(value)) }

    @inlinable
    public func value(of event: CEPOutput) -> Double {
        let a = lhs.value(of: event)
        switch operation {
        case .none: return a
        case .add: return a + rhs.value(of: event)
        case .subtract: return a - rhs.value(of: event)
        case .multiply: return a * rhs.value(of: event)
        case .divide: return a / rhs.value(of: event)
        }
    }
}

/// A data-driven condition on a derived stream's results: the result belongs to `stream`,
/// and up to two comparisons of `OutputExpression`s with constants hold (ANDed). The
/// derived-stream counterpart of `MarketCondition`. O(1), no allocation.
@frozen
public struct OutputCondition: CEPPredicate, Sendable, BitwiseCopyable {
    public var stream: StreamId
    public var expression0: OutputExpression, comparison0: CEPComparison, constant0: Double
    public var expression1: OutputExpression, comparison1: CEPComparison, constant1: Double
    /// Number of comparisons in use (0...2).
    public var comparisonCount: UInt8

    /// Every result of `stream`.
    @inlinable
    public init(stream: StreamId) {
        self.stream = stream
        expression0 = .constant(0); comparison0 = .equal; constant0 = 0
        expression1 = .constant(0); comparison1 = .equal; constant1 = 0
        comparisonCount = 0
    }

    /// Adds `expression op constant`; traps past two (a set-up error).
    @inlinable
    public func and(_ expression: OutputExpression, _ comparison: CEPComparison, _ constant: Double) -> OutputCondition {
        var c = self
        switch comparisonCount {
        case 0: c.expression0 = expression; c.comparison0 = comparison; c.constant0 = constant
        case 1: c.expression1 = expression; c.comparison1 = comparison; c.constant1 = constant
        default: preconditionFailure("OutputCondition holds at most two comparisons")
        }
        c.comparisonCount += 1
        return c
    }

    @inlinable
    public func matches(_ event: CEPOutput) -> Bool {
        if event.stream != stream { return false }
        if comparisonCount > 0 && !comparison0.compare(expression0.value(of: event), constant0) { return false }
        if comparisonCount > 1 && !comparison1.compare(expression1.value(of: event), constant1) { return false }
        return true
    }
}
