/// A dense instrument number assigned by the `InstrumentRegistry` at start-up (0, 1, 2, …).
///
/// Dense so that per-instrument state (books, risk counters, CEP partitions) lives in flat
/// arrays indexed by it. 4 bytes.
@frozen
public struct InstrumentId: Hashable, Comparable, Sendable, BitwiseCopyable, CustomStringConvertible {
    /// The index into per-instrument arrays.
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// "No instrument" (never assigned by the registry).
    @inlinable public static var none: InstrumentId { InstrumentId(rawValue: .max) }
    @inlinable public var index: Int { Int(rawValue) }
    @inlinable public static func < (lhs: InstrumentId, rhs: InstrumentId) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "#\(rawValue)" }
}

/// A dense venue (exchange, broker, data source) number from configuration. 2 bytes.
@frozen
public struct VenueId: Hashable, Comparable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable public static var none: VenueId { VenueId(rawValue: .max) }
    @inlinable public static func < (lhs: VenueId, rhs: VenueId) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "venue#\(rawValue)" }
}

/// A dense account number from configuration. 4 bytes.
@frozen
public struct AccountId: Hashable, Comparable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    @inlinable public static func < (lhs: AccountId, rhs: AccountId) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "account#\(rawValue)" }
}

/// A dense strategy number assigned at start-up. 2 bytes.
@frozen
public struct StrategyId: Hashable, Comparable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable public static func < (lhs: StrategyId, rhs: StrategyId) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "strategy#\(rawValue)" }
}

/// An order id the engine assigns (FIX ClOrdID is its decimal text). 8 bytes.
@frozen
public struct OrderId: Hashable, Comparable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var rawValue: UInt64
    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }
    @inlinable public static var none: OrderId { OrderId(rawValue: 0) }
    @inlinable public static func < (lhs: OrderId, rhs: OrderId) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}
