import PeregrineCore

/// A preallocated, fixed-capacity buffer a strategy appends its `OrderCommand`s to.
///
/// The engine drains it after each callback (reads `self[0..<count]`, then `removeAll()`).
/// When full, `tryAppend` refuses and counts the refusal in `dropped`; the strategy's book
/// then leaves its order state unchanged, so nothing is believed sent that was not.
/// Single thread; never allocates after `init` (storage is created at full size and only
/// assigned into); never blocks.
public struct OrderSink {
    /// Storage, created at full capacity; only `0..<count` is meaningful.
    public var storage: [OrderCommand]
    /// Number of commands appended since the last `removeAll()`.
    public var count: Int
    /// Commands refused because the buffer was full.
    public var dropped: Int
    /// The fixed capacity.
    public let capacity: Int

    /// A buffer for `capacity` commands (cold: allocates once).
    public init(capacity: Int) {
        precondition(capacity >= 1, "an order sink needs capacity for at least one command")
        self.capacity = capacity
        storage = Array(repeating: OrderCommand(), count: capacity)
        count = 0
        dropped = 0
    }

    // MARK: hot path begin
    @inlinable public var isEmpty: Bool { count == 0 }
    @inlinable public var remainingCapacity: Int { capacity - count }

    /// Appends `command`, or counts a drop and returns false when full. O(1), no allocation.
    @inlinable
    @discardableResult
    public mutating func tryAppend(_ command: OrderCommand) -> Bool {
        guard count < capacity else { dropped &+= 1; return false }
        storage[count] = command
        count &+= 1
        return true
    }

    /// Command `index` (0..<count).
    @inlinable
    public subscript(index: Int) -> OrderCommand {
        precondition(index >= 0 && index < count, "order sink index out of range")
        return storage[index]
    }

    /// Forgets the appended commands (keeps the storage).
    @inlinable public mutating func removeAll() { count = 0 }
    // MARK: hot path end
}
