import PeregrineCore

/// One fixed-size result of a CEP operator: stream, partition, time, up to five values.
///
/// 64 bytes (one cache line), trivially copyable, so output buffers are flat arrays and a
/// derived stream can be fed back into operators (`CEPOutput` is itself `CEPTimed`). What
/// the values mean is fixed per stream when the query set is built (for a window, the
/// aggregates in the order they were asked for). Layout pinned by `CEPOutputTests`.
@frozen
public struct CEPOutput: Sendable, BitwiseCopyable, Equatable {
    /// Event time of the result (window end, match time, event time of the input).
    public var time: Timestamp
    /// Values 0...4; see `subscript(_:)`.
    public var value0: Double
    public var value1: Double
    public var value2: Double
    public var value3: Double
    public var value4: Double
    /// A count or integer companion (events in the window, steps matched, window start ns).
    public var integer: Int64
    /// Partition (dense key: instrument index or another key).
    public var partition: UInt32
    /// The stream this result belongs to.
    public var stream: StreamId
    /// Number of valid values (0...5).
    public var valueCount: UInt8
    /// Operator-specific kind bits (`CEPOutputKind`).
    public var kind: CEPOutputKind

    /// The number of values an output can carry.
    public static let maxValues = 5

    /// A zeroed output (for preallocating buffers).
    @inlinable
    public init() {
        time = .zero; value0 = 0; value1 = 0; value2 = 0; value3 = 0; value4 = 0
        integer = 0; partition = 0; stream = StreamId(rawValue: 0); valueCount = 0; kind = .value
    }

    /// An output with no values yet.
    @inlinable
    public init(stream: StreamId, partition: Int, time: Timestamp, kind: CEPOutputKind = .value, integer: Int64 = 0) {
        self.init()
        self.stream = stream; self.partition = UInt32(truncatingIfNeeded: partition)
        self.time = time; self.kind = kind; self.integer = integer
    }

    /// Value `index` (0...4). O(1), no allocation.
    @inlinable
    public subscript(index: Int) -> Double {
        get {
            switch index {
            case 0: return value0
            case 1: return value1
            case 2: return value2
            case 3: return value3
            default: precondition(index == 4, "CEPOutput has 5 values"); return value4
            }
        }
        set {
            switch index {
            case 0: value0 = newValue
            case 1: value1 = newValue
            case 2: value2 = newValue
            case 3: value3 = newValue
            default: precondition(index == 4, "CEPOutput has 5 values"); value4 = newValue
            }
        }
    }

    /// Appends a value after the last valid one; traps past five (a set-up error).
    @inlinable
    public mutating func append(_ value: Double) {
        self[Int(valueCount)] = value
        valueCount &+= 1
    }
}

/// What an output reports.
@frozen
public enum CEPOutputKind: UInt8, Sendable, BitwiseCopyable {
    /// A projected or computed value per input event.
    case value = 0
    /// A window closed (tumbling, hopping, session) or a sliding window moved.
    case window = 1
    /// A sequence pattern completed; `integer` holds the match's start time in ns.
    case sequenceMatch = 2
    /// A repetition pattern completed; `integer` holds the first occurrence's time in ns.
    case repetitionMatch = 3
    /// An absence pattern fired (no B within T of A); `integer` holds A's time in ns.
    case absence = 4
    /// A stream-to-table join result.
    case join = 5
}

/// A preallocated, fixed-capacity buffer the operators append their results to.
///
/// The owner drains it (reads `self[0..<count]`, then `removeAll()`) after each event or
/// batch; when full, `tryAppend` refuses and counts the drop in `dropped`. Single thread;
/// never blocks; never allocates after `init` (the storage array is created at full size and
/// only assigned through, so it stays uniquely referenced and is never reallocated).
public struct CEPOutputBuffer {
    /// Storage; only `0..<count` is valid.
    @usableFromInline var storage: [CEPOutput]
    @usableFromInline var validCount: Int
    @usableFromInline var droppedCount: Int

    /// Valid results.
    @inlinable public var count: Int { validCount }
    /// Results refused because the buffer was full (a monitor reads this).
    @inlinable public var dropped: Int { droppedCount }

    /// A buffer for `capacity` results (allocates once).
    public init(capacity: Int) {
        precondition(capacity > 0, "CEPOutputBuffer needs a positive capacity")
        storage = Array(repeating: CEPOutput(), count: capacity)
        validCount = 0
        droppedCount = 0
    }

    /// The capacity.
    @inlinable public var capacity: Int { storage.count }

    /// Appends `output`; false (and counted) when full. O(1), no allocation.
    @inlinable
    @discardableResult
    public mutating func tryAppend(_ output: CEPOutput) -> Bool {
        guard validCount < storage.count else { droppedCount &+= 1; return false }
        storage[validCount] = output
        validCount &+= 1
        return true
    }

    /// Result `index` (< count).
    @inlinable public subscript(index: Int) -> CEPOutput {
        precondition(index < validCount, "CEPOutputBuffer index out of range")
        return storage[index]
    }

    /// Forgets all results (keeps storage). O(1).
    @inlinable public mutating func removeAll() { validCount = 0 }

    /// The address of the storage (tests use it to show the buffer never reallocates).
    public var storageAddress: UInt {
        storage.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
    }
}
