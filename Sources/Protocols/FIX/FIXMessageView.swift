import PeregrineCore

/// A read-only view of one parsed message: its bytes and its field table, in place.
///
/// Produced by `FIXParser.message`; valid until that parser's next `parse`, and only while
/// the parsed buffer stays alive and unchanged (it holds pointers, not copies). Thread: the
/// parser's owner. No method allocates; tag lookups are O(1) below tag 1024 and a linear scan
/// above.
@frozen
public struct FIXMessageView: FIXFieldReader {
    @usableFromInline let base: UnsafeRawPointer
    @usableFromInline let fields: UnsafePointer<FIXField>
    @usableFromInline let tagIndex: UnsafePointer<UInt64>
    @usableFromInline let generation: UInt64
    /// Total message length in bytes, from `8=` to the SOH after CheckSum.
    public let length: Int
    /// Number of fields, BeginString and CheckSum included.
    public let fieldCount: Int
    /// The BeginString (8) version.
    public let version: FIXVersion
    /// MsgType (35); raw value 0 if it was not a valid MsgType (see `syntaxProblem`).
    public let messageType: FIXMessageType
    @usableFromInline let problemReason: FIXSessionRejectReason?
    @usableFromInline let problemTag: Int

    @inlinable
    init(base: UnsafeRawPointer, length: Int, fields: UnsafePointer<FIXField>, fieldCount: Int,
         tagIndex: UnsafePointer<UInt64>, generation: UInt64, version: FIXVersion, messageType: FIXMessageType,
         problemReason: FIXSessionRejectReason?, problemTag: Int) {
        self.base = base; self.length = length; self.fields = fields; self.fieldCount = fieldCount
        self.tagIndex = tagIndex; self.generation = generation; self.version = version
        self.messageType = messageType; self.problemReason = problemReason; self.problemTag = problemTag
    }

    /// The whole message's bytes.
    @inlinable
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: length) }

    /// The first field-level problem found while indexing (invalid tag number, empty value,
    /// bad DATA length, invalid MsgType) as a reject reason and tag, or `nil`.
    @inlinable
    public var syntaxProblem: (reason: FIXSessionRejectReason, tag: Int)? {
        guard let problemReason else { return nil }
        return (problemReason, problemTag)
    }

    /// The field at `index` (0 ..< fieldCount) in wire order.
    @inlinable
    public func field(at index: Int) -> FIXField {
        precondition(index >= 0 && index < fieldCount, "field index out of range")
        return fields[index]
    }

    /// The value bytes of the field at `index`.
    @inlinable
    public func value(at index: Int) -> UnsafeRawBufferPointer {
        let f = field(at: index)
        return UnsafeRawBufferPointer(start: base + Int(f.offset), count: Int(f.length))
    }

    /// The index of the first field with `tag`, or `nil`. O(1) for tags < 1024.
    @inlinable
    public func index(of tag: Int) -> Int? {
        if tag >= 0 && tag < FIXParser.directIndexSize {
            let slot = tagIndex[tag]
            return slot >> 32 == generation ? Int(truncatingIfNeeded: slot & 0xFFFF_FFFF) : nil
        }
        for i in 0..<fieldCount where Int(fields[i].tag) == tag { return i }
        return nil
    }

    /// The index of the first field with `tag` at or after `start`, or `nil`. O(fields).
    @inlinable
    public func index(of tag: Int, from start: Int) -> Int? {
        var i = start
        while i < fieldCount {
            if Int(fields[i].tag) == tag { return i }
            i += 1
        }
        return nil
    }

    /// Whether the message has a field with `tag`.
    @inlinable
    public func contains(_ tag: Int) -> Bool { index(of: tag) != nil }

    /// The value bytes of the first field with `tag`, or `nil` when absent.
    @inlinable
    public func valueBytes(tag: Int) -> UnsafeRawBufferPointer? {
        guard let i = index(of: tag) else { return nil }
        return value(at: i)
    }

    /// MsgSeqNum (34), or `nil` when missing or malformed.
    @inlinable
    public var sequenceNumber: Int? {
        if case .success(let v) = int(FIXTag.msgSeqNum), v > 0 { return Int(v) }
        return nil
    }
}

/// Typed field reads shared by a whole message and a repeating-group instance.
///
/// Conformers supply `valueBytes(tag:)`; every read then decodes on demand. Static
/// dispatch only (used through concrete types, never as an existential). No allocation.
public protocol FIXFieldReader {
    /// The value bytes of the first field with `tag` in this scope, or `nil` when absent.
    func valueBytes(tag: Int) -> UnsafeRawBufferPointer?
}

extension FIXFieldReader {
    @inlinable
    func present(_ tag: Int) -> Result<UnsafeRawBufferPointer, FIXFieldError> {
        guard let bytes = valueBytes(tag: tag) else { return .failure(.missing) }
        return bytes.isEmpty ? .failure(.empty) : .success(bytes)
    }

    /// The raw value bytes of `tag` (empty values succeed). Valid as long as the view.
    @inlinable
    public func bytes(_ tag: Int) -> Result<UnsafeRawBufferPointer, FIXFieldError> {
        guard let bytes = valueBytes(tag: tag) else { return .failure(.missing) }
        return .success(bytes)
    }

    /// An integer value (optional sign, digits), overflow-checked to `Int64`.
    @inlinable
    public func int(_ tag: Int) -> Result<Int64, FIXFieldError> {
        present(tag).flatMap { FIXValue.int($0) }
    }

    /// A decimal value as a fixed-point `Price` (at most eight decimals, else `.badValue`).
    @inlinable
    public func price(_ tag: Int) -> Result<Price, FIXFieldError> {
        present(tag).flatMap { FIXValue.decimal($0, as: Price.self) }
    }

    /// A decimal value as a fixed-point `Quantity`.
    @inlinable
    public func quantity(_ tag: Int) -> Result<Quantity, FIXFieldError> {
        present(tag).flatMap { FIXValue.decimal($0, as: Quantity.self) }
    }

    /// A UTCTimestamp with seconds, milliseconds, microseconds or nanoseconds.
    @inlinable
    public func timestamp(_ tag: Int) -> Result<Timestamp, FIXFieldError> {
        present(tag).flatMap { FIXValue.timestamp($0) }
    }

    /// A UTCDateOnly / LocalMktDate (`YYYYMMDD`) as midnight UTC.
    @inlinable
    public func date(_ tag: Int) -> Result<Timestamp, FIXFieldError> {
        present(tag).flatMap { FIXValue.date($0) }
    }

    /// A single-character value (its byte).
    @inlinable
    public func char(_ tag: Int) -> Result<UInt8, FIXFieldError> {
        present(tag).flatMap { FIXValue.char($0) }
    }

    /// A Boolean (`Y` or `N`).
    @inlinable
    public func bool(_ tag: Int) -> Result<Bool, FIXFieldError> {
        present(tag).flatMap { FIXValue.bool($0) }
    }

    /// Whether `tag` is present with exactly the ASCII value `text`.
    @inlinable
    public func has(_ tag: Int, equalTo text: StaticString) -> Bool {
        guard let bytes = valueBytes(tag: tag), bytes.count == text.utf8CodeUnitCount else { return false }
        let start = text.utf8Start
        for i in 0..<bytes.count where bytes[i] != start[i] { return false }
        return true
    }
}

/// Decoders from value bytes to typed values (shared by reads and validation). No allocation.
public enum FIXValue {
    /// Decodes an integer; `.badFormat` for non-digits, `.badValue` for overflow.
    @inlinable
    public static func int(_ bytes: UnsafeRawBufferPointer) -> Result<Int64, FIXFieldError> {
        if let value = FIXBytes.parseInt64(bytes) { return .success(value) }
        return isIntegerText(bytes) ? .failure(.badValue) : .failure(.badFormat)
    }

    /// Decodes a decimal into a fixed-point type; `.badFormat` for non-numeric text,
    /// `.badValue` for overflow or more than eight decimals.
    @inlinable
    public static func decimal<D: FixedPointDecimal>(_ bytes: UnsafeRawBufferPointer, as type: D.Type) -> Result<D, FIXFieldError> {
        if let value = D(ascii: bytes) { return .success(value) }
        return isDecimalText(bytes) ? .failure(.badValue) : .failure(.badFormat)
    }

    /// Decodes a UTCTimestamp.
    @inlinable
    public static func timestamp(_ bytes: UnsafeRawBufferPointer) -> Result<Timestamp, FIXFieldError> {
        if let t = FIXBytes.parseTimestamp(bytes) { return .success(t) }
        return .failure(.badFormat)
    }

    /// Decodes a UTCDateOnly (`YYYYMMDD`).
    @inlinable
    public static func date(_ bytes: UnsafeRawBufferPointer) -> Result<Timestamp, FIXFieldError> {
        if let t = FIXBytes.parseTimestamp(bytes, dateOnly: true) { return .success(t) }
        return .failure(.badFormat)
    }

    /// Decodes a single character.
    @inlinable
    public static func char(_ bytes: UnsafeRawBufferPointer) -> Result<UInt8, FIXFieldError> {
        bytes.count == 1 ? .success(bytes[0]) : .failure(.badFormat)
    }

    /// Decodes `Y` / `N`.
    @inlinable
    public static func bool(_ bytes: UnsafeRawBufferPointer) -> Result<Bool, FIXFieldError> {
        guard bytes.count == 1 else { return .failure(.badFormat) }
        switch bytes[0] {
        case 0x59: return .success(true)
        case 0x4E: return .success(false)
        default: return .failure(.badValue)
        }
    }

    @inlinable
    static func isIntegerText(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var start = 0
        if let first = bytes.first, first == 0x2D || first == 0x2B { start = 1 }
        guard bytes.count > start else { return false }
        for i in start..<bytes.count where bytes[i] &- 0x30 >= 10 { return false }
        return true
    }

    @inlinable
    static func isDecimalText(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var start = 0
        if let first = bytes.first, first == 0x2D || first == 0x2B { start = 1 }
        var digits = 0, points = 0
        var i = start
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x2E { points += 1 } else if b &- 0x30 < 10 { digits += 1 } else { return false }
            i += 1
        }
        return digits > 0 && points <= 1
    }
}

extension Result where Failure == FIXFieldError {
    /// The value, or `nil` on any failure.
    @inlinable
    public var value: Success? {
        if case .success(let v) = self { return v }
        return nil
    }
}
