/// The index of a preallocated order slot in the OMS (dense, reused after an order ends).
@frozen
public struct OrderSlotIndex: Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// No slot.
    @inlinable public static var none: OrderSlotIndex { OrderSlotIndex(rawValue: .max) }
    public var description: String { "slot#\(rawValue)" }
}
