import PeregrineCore

// Design note — the FIX codec (issue #3, items 1–2)
//
// * Framing first, fields second. `FIXParser.parse` reads `8=…␁9=len␁`, jumps BodyLength
//   bytes to the trailer, checks `10=ccc␁` sits exactly there and that the byte sum matches,
//   and only then indexes fields. A frame that fails any of these is *garbled*: per the FIX
//   session rules it is ignored, so the result says how many bytes to drop to reach the next
//   `8=FIX` (or the end of a frame that was well delimited but wrong inside).
// * Fields are indexed in place: a preallocated table of (tag, offset, length) triples, one
//   per field in wire order, plus a 1024-slot direct index for tags below 1024 that maps a tag
//   to its first field. The direct index is "cleared" by bumping a generation number, so a
//   new message costs nothing to reset. Tags ≥ 1024 are found by a linear scan (rare).
// * A well-framed message with a bad field (tag not a number, tag with a leading zero, empty
//   value, oversized MsgType) is *complete*: the session must answer it with a Reject, not
//   ignore it, so the first such problem is kept on the view (`syntaxProblem`) and
//   `FIXDictionary.validate` reports it first.
// * LENGTH/DATA pairs (RawDataLength 95 → RawData 96, …) are honoured: a DATA value is taken
//   by its declared length and may contain SOH.
// * Typed reads (`int`, `price`, `timestamp`, …) decode on demand from the raw bytes and
//   return `Result<Value, FIXFieldError>`; the error maps to a SessionRejectReason.
// * Nothing here allocates after `init`, nothing throws, no `String` is built per message.
//   Raw memory is owned by this `~Copyable` type and freed in `deinit`; raw byte reads and
//   writes live in `FIXBytes.swift`.

/// One indexed field: its tag and where its value lies in the message (offset from the
/// message start, length in bytes). 12 bytes.
@frozen
public struct FIXField: Sendable, BitwiseCopyable, Equatable {
    /// The tag number.
    public var tag: Int32
    /// Offset of the first value byte from the message start.
    public var offset: Int32
    /// Value length in bytes (0 for an empty value).
    public var length: Int32

    @inlinable
    public init(tag: Int32, offset: Int32, length: Int32) {
        self.tag = tag; self.offset = offset; self.length = length
    }
}

/// Why a frame was garbled (and so ignored, per the FIX session rules).
@frozen
public enum FIXGarbledReason: UInt8, Sendable, CaseIterable {
    /// Bytes before the next `8=FIX` (skipped to resynchronise).
    case garbageBeforeBeginString
    /// BeginString (8) is not a version this codec speaks, or has no SOH.
    case badBeginString
    /// BodyLength (9) is missing, not the second field, not a number, has leading zeros or
    /// exceeds the configured maximum.
    case badBodyLength
    /// The bytes BodyLength points at are not `10=ddd␁` after an SOH.
    case bodyLengthMismatch
    /// CheckSum (10) does not equal the byte sum modulo 256.
    case checksumMismatch
    /// MsgType (35) is not the third field.
    case msgTypeNotThird
    /// More fields than the parser's table holds.
    case tooManyFields
}

/// The outcome of `FIXParser.parse`.
@frozen
public enum FIXParseResult: Equatable, Sendable {
    /// One message of `length` bytes was framed, checked and indexed; the buffer's first
    /// `length` bytes are consumed.
    case complete(length: Int)
    /// The buffer holds the start of a message but not all of it; parse again when at least
    /// `minimumLength` bytes (counting from the same start) are available.
    case incomplete(minimumLength: Int)
    /// The bytes at the start are not a valid message: drop `skip` bytes (1…buffer count)
    /// and parse again. Count the event; do not answer it (FIX session rules).
    case garbled(FIXGarbledReason, skip: Int)
}

/// A FIX tag=value parser over received bytes, with a preallocated field table.
///
/// Thread: one owner thread (not `Sendable`). Allocation: only in `init` (a field table of
/// `maxFields` × 12 bytes and an 8 KiB tag index); `parse` never allocates. Cost: one pass
/// for the checksum and one for the fields, O(message length). Errors: results, never throws.
public struct FIXParser: ~Copyable {
    @usableFromInline let fields: UnsafeMutablePointer<FIXField>
    @usableFromInline let tagIndex: UnsafeMutablePointer<UInt64>
    /// Field table capacity.
    public let maxFields: Int
    /// Largest accepted BodyLength.
    public let maxBodyLength: Int
    @usableFromInline var generation: UInt64 = 0
    @usableFromInline var fieldCount = 0
    @usableFromInline var base: UnsafeRawPointer? = nil
    @usableFromInline var messageLength = 0
    @usableFromInline var version: FIXVersion = .fix44
    @usableFromInline var messageType = FIXMessageType(rawValue: 0)
    @usableFromInline var problemReason: FIXSessionRejectReason? = nil
    @usableFromInline var problemTag = 0

    /// Tags below this are found through the direct index in O(1).
    public static let directIndexSize = 1024

    /// Creates a parser whose field table holds `maxFields` fields (set-up; allocates).
    ///
    /// - Parameters:
    ///   - maxFields: the most fields one message may have (at least 8).
    ///   - maxBodyLength: the largest BodyLength accepted (larger frames are garbled).
    public init(maxFields: Int = 512, maxBodyLength: Int = 1 << 20) {
        precondition(maxFields >= 8, "maxFields must be at least 8")
        precondition(maxBodyLength > 0 && maxBodyLength < Int(Int32.max), "maxBodyLength out of range")
        self.maxFields = maxFields
        self.maxBodyLength = maxBodyLength
        fields = .allocate(capacity: maxFields)
        tagIndex = .allocate(capacity: Self.directIndexSize)
        tagIndex.initialize(repeating: 0, count: Self.directIndexSize)
    }

    deinit {
        fields.deallocate()
        tagIndex.deallocate()
    }

    /// The last message parsed `.complete`.
    ///
    /// Valid until the next `parse` on this parser, and only while the buffer given to that
    /// `parse` stays alive and unchanged. Reading it when the last `parse` was not
    /// `.complete` traps (a programmer error).
    public var message: FIXMessageView {
        precondition(base != nil, "no complete message parsed")
        return FIXMessageView(base: base!, length: messageLength, fields: UnsafePointer(fields),
                              fieldCount: fieldCount, tagIndex: UnsafePointer(tagIndex), generation: generation,
                              version: version, messageType: messageType,
                              problemReason: problemReason, problemTag: problemTag)
    }

    /// Frames, checks and indexes one message at the start of `buffer`.
    ///
    /// Thread: the owner. Does not allocate or block. Cost O(message length) for a complete
    /// message; O(bytes skipped) for garbage. On `.complete`, `message` describes it.
    public mutating func parse(_ buffer: UnsafeRawBufferPointer) -> FIXParseResult {
        let count = buffer.count
        base = nil   // the previous message's view ends here, whatever the outcome
        // BeginString: must be at the start; otherwise resynchronise.
        let begin = FIXBytes.nextBeginString(buffer, from: 0)
        if begin > 0 { return .garbled(.garbageBeforeBeginString, skip: begin) }
        if count < 5 { return .incomplete(minimumLength: count + 1) }
        let maxBeginString = 16
        let beginEnd = FIXBytes.firstSOH(buffer, from: 2, to: Swift.min(count, 2 + maxBeginString + 1))
        if beginEnd == count { return .incomplete(minimumLength: count + 1) }
        guard beginEnd < 2 + maxBeginString + 1,
              let version = FIXVersion(beginString: UnsafeRawBufferPointer(rebasing: buffer[2..<beginEnd]))
        else { return resync(buffer, .badBeginString) }
        // BodyLength.
        let lengthTag = beginEnd + 1
        if count < lengthTag + 3 { return .incomplete(minimumLength: lengthTag + 3) }
        guard buffer[lengthTag] == 0x39, buffer[lengthTag + 1] == FIXBytes.equals else {
            return resync(buffer, .badBodyLength)
        }
        let lengthStart = lengthTag + 2
        let maxDigits = 8
        let lengthEnd = FIXBytes.firstSOH(buffer, from: lengthStart, to: Swift.min(count, lengthStart + maxDigits + 1))
        if lengthEnd == count { return .incomplete(minimumLength: count + 1) }
        let bodyLength = FIXBytes.parseUnsigned(buffer, from: lengthStart, to: lengthEnd)
        guard bodyLength >= 0, bodyLength <= maxBodyLength,
              lengthEnd - lengthStart == 1 || buffer[lengthStart] != 0x30
        else { return resync(buffer, .badBodyLength) }
        // Trailer at exactly BodyLength bytes after the BodyLength field.
        let bodyStart = lengthEnd + 1
        let trailer = bodyStart + bodyLength
        let total = trailer + 7
        if count < total { return .incomplete(minimumLength: total) }
        guard bodyLength > 0, buffer[trailer - 1] == FIXBytes.soh,
              FIXBytes.hasPrefix(buffer, at: trailer, "10="), buffer[trailer + 6] == FIXBytes.soh
        else { return resync(buffer, .bodyLengthMismatch) }
        let declared = FIXBytes.digits(buffer, trailer + 3, 3)
        guard declared >= 0, declared == Int(FIXBytes.checksum(buffer, from: 0, to: trailer)) else {
            return resync(buffer, .checksumMismatch)
        }
        // Index the fields.
        generation &+= 1
        if generation >= UInt64(UInt32.max) {
            tagIndex.update(repeating: 0, count: Self.directIndexSize)
            generation = 1
        }
        problemReason = nil
        problemTag = 0
        // The loop works on locals (table pointers, count, generation): stores through the
        // table pointers could otherwise alias `self` and force reloads every field.
        let table = fields
        let index = tagIndex
        let stamp = generation << 32
        let capacity = maxFields - 1
        var n = 0
        @inline(__always)
        func record(_ tag: Int, _ offset: Int, _ length: Int, _ count: inout Int) {
            table[count] = FIXField(tag: Int32(truncatingIfNeeded: tag), offset: Int32(truncatingIfNeeded: offset),
                                    length: Int32(truncatingIfNeeded: length))
            if tag < Self.directIndexSize && index[tag] & ~0xFFFF_FFFF != stamp {
                index[tag] = stamp | UInt64(count)
            }
            count &+= 1
        }
        record(8, 2, beginEnd - 2, &n)
        record(9, lengthStart, lengthEnd - lengthStart, &n)
        var position = bodyStart
        var pendingDataTag = 0
        var pendingDataLength = 0
        while position < trailer {
            guard n < capacity else { fieldCount = 0; return .garbled(.tooManyFields, skip: total) }
            // Tag: digits up to '=', no leading zero. One word read for tags of 1–7 digits
            // (position + 8 ≤ total because position < trailer); bytes otherwise.
            var tag: Int
            let cursor: Int
            var shortEnd = trailer   // the value's SOH when the tag word already holds it
            if let fast = FIXBytes.tagWord(buffer, at: position) {
                tag = fast.tag
                cursor = fast.equals
                if fast.soh < position + 8 && fast.soh <= trailer { shortEnd = fast.soh }
            } else {
                // Byte by byte: long tags, or a malformed one to report.
                tag = 0
                var tagValid = buffer[position] != 0x30
                var scan = position
                while scan < trailer {
                    let byte = buffer[scan]
                    if byte == FIXBytes.equals || byte == FIXBytes.soh { break }
                    let digit = byte &- 0x30
                    if digit >= 10 || scan - position >= 9 { tagValid = false } else { tag = tag &* 10 &+ Int(digit) }
                    scan &+= 1
                }
                // scan < trailer always holds here: the byte before the trailer is an SOH.
                if buffer[scan] == FIXBytes.soh || scan == position || !tagValid {
                    // No '=' or not a tag number: note it and skip the field.
                    noteProblem(.invalidTagNumber, tag: tagValid ? tag : 0)
                    position = FIXBytes.firstSOH(buffer, from: scan, to: trailer) + 1
                    pendingDataTag = 0
                    continue
                }
                cursor = scan
            }
            let valueStart = cursor + 1
            var valueEnd: Int
            if pendingDataTag != 0 && tag == pendingDataTag && valueStart + pendingDataLength < trailer
                && buffer[valueStart + pendingDataLength] == FIXBytes.soh {
                valueEnd = valueStart + pendingDataLength
            } else {
                if pendingDataTag != 0 && tag == pendingDataTag { noteProblem(.incorrectDataFormat, tag: tag) }
                valueEnd = shortEnd < trailer ? shortEnd
                    : FIXBytes.firstSOHWide(buffer, from: valueStart, to: trailer, readable: total)
            }
            pendingDataTag = 0
            if valueEnd == valueStart { noteProblem(.tagSpecifiedWithoutValue, tag: tag) }
            let dataTag = FIXTag.dataTag(forLengthTag: tag)
            if dataTag != 0 {
                let length = FIXBytes.parseUnsigned(buffer, from: valueStart, to: valueEnd)
                if length >= 0 { pendingDataTag = dataTag; pendingDataLength = length }
            }
            if n == 2 {
                guard tag == FIXTag.msgType else { fieldCount = 0; return .garbled(.msgTypeNotThird, skip: total) }
                if let type = FIXMessageType(bytes: UnsafeRawBufferPointer(rebasing: buffer[valueStart..<valueEnd])) {
                    messageType = type
                } else {
                    messageType = FIXMessageType(rawValue: 0)
                    noteProblem(.invalidMsgType, tag: FIXTag.msgType)
                }
            }
            record(tag, valueStart, valueEnd - valueStart, &n)
            position = valueEnd + 1
        }
        guard n >= 3 else { fieldCount = 0; return .garbled(.msgTypeNotThird, skip: total) }
        record(FIXTag.checkSum, trailer + 3, 3, &n)
        fieldCount = n
        self.version = version
        base = buffer.baseAddress
        messageLength = total
        return .complete(length: total)
    }

    @inlinable
    mutating func noteProblem(_ reason: FIXSessionRejectReason, tag: Int) {
        if problemReason == nil {
            problemReason = reason
            problemTag = tag
        }
    }

    /// A garbled result that skips to the next `8=FIX` after the first byte.
    @inlinable
    func resync(_ buffer: UnsafeRawBufferPointer, _ reason: FIXGarbledReason) -> FIXParseResult {
        .garbled(reason, skip: Swift.max(1, FIXBytes.nextBeginString(buffer, from: 1)))
    }
}
