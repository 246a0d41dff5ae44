/// A dense id of a named CEP stream (assigned when a query set is compiled at start-up).
@frozen
public struct StreamId: Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    public var description: String { "stream#\(rawValue)" }
}
