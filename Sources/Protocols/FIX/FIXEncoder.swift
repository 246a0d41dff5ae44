import PeregrineCore

/// Writes FIX messages for one session into a preallocated buffer.
///
/// Layout: the body (from `35=`) is written at a fixed offset that leaves room for the
/// longest `8=…␁9=nnnnnnn␁` prefix; `finish` then writes the real prefix right before the
/// body (BodyLength digits known by then, so no leading zeros and no shifting of the body),
/// computes the checksum in one pass and appends `10=ccc␁`. The session's constant header
/// bytes (`␁49=SENDER␁56=TARGET␁34=`) are precomputed at `init`.
///
/// Thread: one owner. Allocation: only in `init`; `begin`/`append`/`finish` never allocate.
/// Cost: O(bytes written). Errors: a message larger than the buffer is a programmer error
/// (precondition); size the buffer for the largest message you send.
public struct FIXEncoder: ~Copyable {
    @usableFromInline let storage: UnsafeMutableRawBufferPointer
    @usableFromInline let prefixLength: Int
    @usableFromInline let compIDsStart: Int
    @usableFromInline let compIDsLength: Int
    @usableFromInline let bodyOffset: Int
    @usableFromInline var position: Int
    /// Start of the cached "YYYYMMDD-HH:MM:SS" text of `cachedSecond` in `storage`.
    @usableFromInline let timeCacheStart: Int
    /// The whole second (since the epoch) whose text is cached; `Int64.min` for none.
    @usableFromInline var cachedSecond = Int64.min
    /// The session's FIX version.
    public let version: FIXVersion
    /// Fraction digits written for SendingTime and other timestamps by default.
    public let timePrecision: FIXTimePrecision

    /// The longest BodyLength the reserved prefix room can state (7 digits).
    @usableFromInline static let maxLengthDigits = 7

    /// Creates an encoder for one session (set-up; allocates `capacity` bytes).
    ///
    /// - Parameters:
    ///   - version: BeginString of every message.
    ///   - senderCompID, targetCompID: SenderCompID (49) and TargetCompID (56).
    ///   - timePrecision: fraction digits of SendingTime (52) and TransactTime (60).
    ///   - capacity: the buffer size; the largest message must fit.
    public init(version: FIXVersion, senderCompID: FIXInlineText, targetCompID: FIXInlineText,
                timePrecision: FIXTimePrecision = .milliseconds, capacity: Int = 8192) {
        self.version = version
        self.timePrecision = timePrecision
        let begin = version.beginString
        prefixLength = 2 + begin.count + 3             // "8=" + version + "␁9="
        let header = Array("\u{1}49=".utf8) + senderCompID.withBytes { Array($0) } + Array("\u{1}56=".utf8)
            + targetCompID.withBytes { Array($0) } + Array("\u{1}34=".utf8)
        compIDsLength = header.count
        // Storage: [prefix template][comp-id template][time cache (24)][room for prefix +
        // digits][body ...]
        compIDsStart = prefixLength
        timeCacheStart = prefixLength + compIDsLength
        bodyOffset = timeCacheStart + 24 + prefixLength + Self.maxLengthDigits + 1
        precondition(capacity >= bodyOffset + 256, "FIX encoder capacity too small")
        storage = .allocate(byteCount: capacity, alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
        var p = 0
        for b in Array("8=".utf8) + begin + Array("\u{1}9=".utf8) { storage[p] = b; p += 1 }
        for b in header { storage[p] = b; p += 1 }
        position = bodyOffset
    }

    deinit { storage.deallocate() }

    /// Bytes the buffer has left for the current message's body.
    public var remainingCapacity: Int { storage.count - position - 7 }

    // MARK: - Message frame
    //
    // The frame and field writers are `@inline(__always)`: a message is a straight run of
    // them, and as calls each one reloaded and stored `position` and re-checked capacity
    // (about a dozen calls per NewOrderSingle). The digit writers stay out of line.

    /// Starts a message and writes its standard header: MsgType (35), SenderCompID (49),
    /// TargetCompID (56), MsgSeqNum (34), optional PossDupFlag (43) and OrigSendingTime
    /// (122), SendingTime (52).
    ///
    /// Thread: the owner. No allocation. Any message being built is discarded.
    @inlinable @inline(__always)
    public mutating func begin(_ type: FIXMessageType, sequenceNumber: Int, sendingTime: Timestamp,
                               possibleDuplicate: Bool = false, originalSendingTime: Timestamp? = nil) {
        position = bodyOffset
        ensure(compIDsLength + 32)
        storage[position] = 0x33; storage[position + 1] = 0x35; storage[position + 2] = FIXBytes.equals
        position += 3
        for i in 0..<type.count { storage[position] = type.byte(i); position += 1 }
        // ␁49=SENDER␁56=TARGET␁34= from the template.
        FIXBytes.copyShort(storage, from: compIDsStart, to: position, count: compIDsLength)
        position += compIDsLength
        position = FIXBytes.writeUnsigned(UInt64(sequenceNumber), into: storage, at: position)
        storage[position] = FIXBytes.soh
        position += 1
        if possibleDuplicate { append(FIXTag.possDupFlag, bool: true) }
        append(FIXTag.sendingTime, timestamp: sendingTime)
        if let originalSendingTime { append(FIXTag.origSendingTime, timestamp: originalSendingTime) }
    }

    /// Starts a message with no header fields: the caller appends MsgType (35) and the rest
    /// itself (re-encoding a parsed message, tests). The prefix and trailer are still written.
    @inlinable
    public mutating func beginRaw() {
        position = bodyOffset
    }

    /// Completes the message: writes `8=…␁9=len␁` before the body and `10=ccc␁` after it.
    ///
    /// Returns the message bytes, valid until the next `begin` on this encoder. O(length)
    /// for the checksum; no allocation.
    @inlinable @inline(__always)
    public mutating func finish() -> UnsafeRawBufferPointer {
        let bodyLength = position - bodyOffset
        let digits = FIXBytes.decimalLength(UInt64(bodyLength))
        precondition(digits <= Self.maxLengthDigits, "FIX message too long")
        let start = bodyOffset - 1 - digits - prefixLength
        FIXBytes.copyShort(storage, from: 0, to: start, count: prefixLength)
        _ = FIXBytes.writeUnsigned(UInt64(bodyLength), into: storage, at: start + prefixLength)
        storage[bodyOffset - 1] = FIXBytes.soh
        let sum = FIXBytes.checksum(UnsafeRawBufferPointer(storage), from: start, to: position)
        ensure(7)
        storage[position] = 0x31; storage[position + 1] = 0x30; storage[position + 2] = FIXBytes.equals
        _ = FIXBytes.writePadded(Int(sum), width: 3, into: storage, at: position + 3)
        storage[position + 6] = FIXBytes.soh
        position += 7
        return UnsafeRawBufferPointer(rebasing: storage[start..<position])
    }

    // MARK: - Fields

    @inlinable @inline(__always)
    func ensure(_ bytes: Int) {
        precondition(position + bytes + 7 <= storage.count, "FIX encode buffer overflow")
    }

    /// Writes `tag=` (the caller guarantees room).
    @inlinable @inline(__always)
    mutating func writeTag(_ tag: Int) {
        position = FIXBytes.writeTagNumber(tag, into: storage, at: position)
        storage[position] = FIXBytes.equals
        position += 1
    }

    @inlinable @inline(__always)
    mutating func endField() {
        storage[position] = FIXBytes.soh
        position += 1
    }

    /// Appends an integer field. No allocation; O(digits).
    @inlinable
    public mutating func append(_ tag: Int, int value: Int64) {
        ensure(32)
        writeTag(tag)
        position = FIXBytes.writeInt(value, into: storage, at: position)
        endField()
    }

    /// Appends an integer field (convenience for `Int`).
    @inlinable
    public mutating func append(_ tag: Int, int value: Int) { append(tag, int: Int64(value)) }

    /// Appends a fixed-point field as trimmed decimal text ("101.25").
    @inlinable @inline(__always)
    public mutating func append<D: FixedPointDecimal>(_ tag: Int, decimal value: D) {
        ensure(16 + D.maxFormattedLength)
        writeTag(tag)
        position = FIXBytes.writeFixedPoint(value.rawValue, into: storage, at: position)
        endField()
    }

    /// Appends a price field.
    @inlinable @inline(__always)
    public mutating func append(_ tag: Int, price value: Price) { append(tag, decimal: value) }

    /// Appends a quantity field.
    @inlinable @inline(__always)
    public mutating func append(_ tag: Int, quantity value: Quantity) { append(tag, decimal: value) }

    /// Appends a one-character field (e.g. a `Side` raw value).
    @inlinable @inline(__always)
    public mutating func append(_ tag: Int, char value: UInt8) {
        ensure(16)
        writeTag(tag)
        storage[position] = value
        position += 1
        endField()
    }

    /// Appends a Boolean field (`Y`/`N`).
    @inlinable
    public mutating func append(_ tag: Int, bool value: Bool) { append(tag, char: value ? 0x59 : 0x4E) }

    /// Appends a field whose value is `value`'s bytes (copied; must not contain SOH unless
    /// the tag is a DATA field preceded by its length).
    @inlinable @inline(__always)
    public mutating func append(_ tag: Int, bytes value: UnsafeRawBufferPointer) {
        ensure(16 + value.count)
        writeTag(tag)
        position = FIXBytes.copy(value, into: storage, at: position)
        endField()
    }

    /// Appends a field from inline text.
    @inlinable @inline(__always)
    public mutating func append(_ tag: Int, text value: FIXInlineText) {
        value.withBytes { append(tag, bytes: $0) }
    }

    /// Appends a field from a static ASCII literal.
    @inlinable
    public mutating func append(_ tag: Int, ascii value: StaticString) {
        append(tag, bytes: UnsafeRawBufferPointer(start: value.utf8Start, count: value.utf8CodeUnitCount))
    }

    /// Appends a UTCTimestamp field at `precision` (default: the encoder's).
    @inlinable @inline(__always)
    public mutating func append(_ tag: Int, timestamp value: Timestamp, precision: FIXTimePrecision? = nil) {
        ensure(48)
        writeTag(tag)
        writeCachedTimestamp(value, precision: precision ?? timePrecision)
        endField()
    }

    /// Writes a UTCTimestamp, reusing the text of the date and time of day when the second
    /// is the one last written (SendingTime and TransactTime of one message, or a burst of
    /// messages): then only the fraction digits are formatted.
    @inlinable
    mutating func writeCachedTimestamp(_ value: Timestamp, precision: FIXTimePrecision) {
        var second = value.nanosecondsSinceEpoch / 1_000_000_000
        var nanosecond = Int(value.nanosecondsSinceEpoch % 1_000_000_000)
        if nanosecond < 0 { nanosecond += 1_000_000_000; second -= 1 }
        if second != cachedSecond {
            _ = FIXBytes.writeTimestamp(Timestamp(nanosecondsSinceEpoch: second * 1_000_000_000), precision: .seconds,
                                        into: storage, at: timeCacheStart)
            cachedSecond = second
        }
        FIXBytes.copyShort(storage, from: timeCacheStart, to: position, count: 17)
        position += 17
        switch precision {
        case .seconds: return
        case .milliseconds:
            storage[position] = 0x2E
            position = FIXBytes.writePadded(nanosecond / 1_000_000, width: 3, into: storage, at: position + 1)
        case .microseconds:
            storage[position] = 0x2E
            position = FIXBytes.writePadded(nanosecond / 1_000, width: 6, into: storage, at: position + 1)
        case .nanoseconds:
            storage[position] = 0x2E
            position = FIXBytes.writePadded(nanosecond, width: 9, into: storage, at: position + 1)
        }
    }

    /// Appends a UTCDateOnly field (`YYYYMMDD`).
    @inlinable
    public mutating func append(_ tag: Int, date value: Timestamp) {
        ensure(24)
        writeTag(tag)
        position = FIXBytes.writeDate(value, into: storage, at: position)
        endField()
    }

    /// Appends a MsgType field (35) — for `beginRaw` messages.
    @inlinable
    public mutating func append(messageType type: FIXMessageType) {
        ensure(16)
        writeTag(FIXTag.msgType)
        for i in 0..<type.count { storage[position] = type.byte(i); position += 1 }
        endField()
    }
}
