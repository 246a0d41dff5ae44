import PeregrineCore

/// The FIX codec's byte-level reading and writing: the one file of the codec that touches raw
/// memory (STYLE.md: "one byte-scanning file per codec").
///
/// Every function is `@inlinable`, allocation-free and O(length of its input). Callers pass
/// buffers whose bounds they own; each function states what it reads or writes.
public enum FIXBytes {
    /// The field separator, SOH (0x01).
    public static let soh: UInt8 = 0x01
    /// `=`.
    public static let equals: UInt8 = 0x3D

    // MARK: - Reading

    /// The byte sum of `bytes[start..<end]` modulo 256 (the FIX CheckSum, FIX 4.4 vol. 2,
    /// "CheckSum calculation"). O(n): eight bytes per step, added as four 16-bit lanes that
    /// cannot overflow within a block of 128 words, folded once per block.
    @inlinable
    public static func checksum(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> UInt8 {
        precondition(start >= 0 && start <= end && end <= bytes.count, "checksum range out of bounds")
        guard let base = bytes.baseAddress else { return 0 }
        var sum: UInt64 = 0
        var index = start
        let mask: UInt64 = 0x00FF_00FF_00FF_00FF
        while index + 8 <= end {
            var lanes: UInt64 = 0
            let blockEnd = Swift.min(end, index + 8 * 128)
            // SAFETY: index + 8 ≤ blockEnd ≤ end ≤ bytes.count (checked above).
            while index + 8 <= blockEnd {
                let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                lanes &+= (word & mask) &+ ((word >> 8) & mask)   // each lane ≤ 510 per word
                index += 8
            }
            // Horizontal sum of the four 16-bit lanes (fits: ≤ 128 × 510 × 4 < 2¹⁸).
            sum &+= (lanes & 0xFFFF) &+ ((lanes >> 16) & 0xFFFF) &+ ((lanes >> 32) & 0xFFFF) &+ (lanes >> 48)
        }
        while index < end {
            sum &+= UInt64(base.load(fromByteOffset: index, as: UInt8.self))
            index += 1
        }
        return UInt8(truncatingIfNeeded: sum)
    }

    /// Finds the `=` ending a tag that starts at `start` and parses the tag, reading one
    /// 8-byte word. Returns the tag, the index of `=`, and the index of the first SOH in the
    /// same word (`start + 8` if none: the value runs on), for 1–7 digits without a leading
    /// zero; `nil` when the word has no `=`, an SOH comes first, or a byte is not a digit (the
    /// caller then takes the byte-by-byte path). The caller guarantees `start + 8 ≤ count`.
    @inlinable @inline(__always)
    public static func tagWord(_ bytes: UnsafeRawBufferPointer, at start: Int) -> (tag: Int, equals: Int, soh: Int)? {
        precondition(start + 8 <= bytes.count, "tag word out of bounds")
        // SAFETY: start + 8 ≤ bytes.count (checked above).
        let word = bytes.baseAddress!.loadUnaligned(fromByteOffset: start, as: UInt64.self)
        // "Has zero byte" on word ^ pattern: the lowest set high bit marks the first match
        // exactly (false positives only occur above a true match).
        let eq = word ^ 0x3D3D_3D3D_3D3D_3D3D
        let eqBits = (eq &- 0x0101_0101_0101_0101) & ~eq & 0x8080_8080_8080_8080
        guard eqBits != 0 else { return nil }
        let length = eqBits.trailingZeroBitCount >> 3
        guard length > 0, word & 0xFF != 0x30 else { return nil }   // empty tag, leading zero
        // Digits: every byte before '=' minus '0' must be < 10 (this also rejects an SOH).
        var tag = 0
        var w = word
        for _ in 0..<length {
            let digit = Int(w & 0xFF) &- 0x30
            guard digit >= 0 && digit < 10 else { return nil }
            tag = tag &* 10 &+ digit
            w >>= 8
        }
        let so = word ^ 0x0101_0101_0101_0101
        let sohBits = (so &- 0x0101_0101_0101_0101) & ~so & 0x8080_8080_8080_8080
        let soh = sohBits == 0 ? start + 8 : start + sohBits.trailingZeroBitCount >> 3
        return (tag, start + length, soh)
    }

    /// The index of the first SOH in `bytes[start..<end]`, or `end` if there is none.
    @inlinable
    public static func firstSOH(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int {
        var index = start
        while index < end && bytes[index] != soh { index += 1 }
        return index
    }

    /// The index of the first SOH in `bytes[start..<end]`, or `end`, reading eight bytes at a
    /// time. The caller guarantees that `bytes` is readable up to `readable` (≥ `end`), so
    /// words that straddle `end` may be loaded.
    @inlinable @inline(__always)
    public static func firstSOHWide(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int, readable: Int) -> Int {
        precondition(end <= readable && readable <= bytes.count, "scan range out of bounds")
        guard let base = bytes.baseAddress else { return end }
        var index = start
        // SAFETY: index + 8 ≤ readable ≤ bytes.count, checked by the loop condition and the
        // precondition above.
        while index + 8 <= readable {
            let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self) ^ 0x0101_0101_0101_0101
            // Classic "has zero byte": the lowest set high bit marks the first SOH exactly.
            let found = (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080
            if found != 0 {
                return Swift.min(index + found.trailingZeroBitCount >> 3, end)
            }
            index += 8
            if index >= end { return end }
        }
        while index < end && bytes[index] != soh { index += 1 }
        return index
    }

    /// Whether `bytes[offset...]` starts with the ASCII of `literal` (all of it in bounds).
    @inlinable
    public static func hasPrefix(_ bytes: UnsafeRawBufferPointer, at offset: Int, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard offset >= 0, offset + count <= bytes.count else { return false }
        let start = literal.utf8Start
        for i in 0..<count where bytes[offset + i] != start[i] { return false }
        return true
    }

    /// The offset of the next `8=FIX` at or after `start` that is not preceded by a digit (so
    /// a value such as `58=FIX…` is not mistaken for a BeginString); or, when there is none, the first offset from which the tail of the buffer
    /// could still become one (so a resync never drops a partial BeginString).
    @inlinable
    public static func nextBeginString(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        let count = bytes.count
        var index = start
        while index < count {
            if bytes[index] == 0x38 && (index == 0 || bytes[index - 1] &- 0x30 >= 10) {
                // Compare as much of "8=FIX" as is present.
                var matched = 1
                let prefix: (UInt8, UInt8, UInt8, UInt8) = (0x3D, 0x46, 0x49, 0x58)  // "=FIX"
                var ok = true
                while matched < 5 && index + matched < count {
                    let expected: UInt8
                    switch matched {
                    case 1: expected = prefix.0
                    case 2: expected = prefix.1
                    case 3: expected = prefix.2
                    default: expected = prefix.3
                    }
                    if bytes[index + matched] != expected { ok = false; break }
                    matched += 1
                }
                if ok { return index }
            }
            index += 1
        }
        return count
    }

    /// Parses a non-negative decimal integer in `bytes[start..<end]`: digits only, no sign,
    /// at most 18 digits. Returns -1 for empty, non-digit or too long input.
    @inlinable
    public static func parseUnsigned(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int {
        guard end > start, end - start <= 18 else { return -1 }
        var value = 0
        var index = start
        while index < end {
            let digit = bytes[index] &- 0x30
            guard digit < 10 else { return -1 }
            value = value &* 10 &+ Int(digit)
            index += 1
        }
        return value
    }

    /// Parses a signed decimal integer (optional leading `-`), overflow-checked; `nil` for
    /// empty, non-digit or out-of-range text.
    @inlinable
    public static func parseInt64(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        let count = bytes.count
        guard count > 0 else { return nil }
        var index = 0
        let negative = bytes[0] == 0x2D
        if negative || bytes[0] == 0x2B { index = 1 }
        guard index < count else { return nil }
        // Accumulate negatively so that Int64.min parses.
        var accumulator: Int64 = 0
        while index < count {
            let digit = bytes[index] &- 0x30
            guard digit < 10 else { return nil }
            let (m, o1) = accumulator.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.subtractingReportingOverflow(Int64(digit))
            if o1 || o2 { return nil }
            accumulator = s
            index += 1
        }
        if negative { return accumulator }
        return accumulator == .min ? nil : -accumulator
    }

    /// Parses `count` digits at `offset` (all in bounds), or -1 if any is not a digit.
    @inlinable
    static func digits(_ bytes: UnsafeRawBufferPointer, _ offset: Int, _ count: Int) -> Int {
        var value = 0
        for i in 0..<count {
            let digit = bytes[offset + i] &- 0x30
            if digit >= 10 { return -1 }
            value = value * 10 + Int(digit)
        }
        return value
    }

    /// Parses a UTCTimestamp (`YYYYMMDD-HH:MM:SS[.sss|.ssssss|.sssssssss]`) or, when
    /// `dateOnly`, a UTCDateOnly (`YYYYMMDD`, midnight UTC). `nil` for any other shape or an
    /// impossible date or time.
    @inlinable
    public static func parseTimestamp(_ bytes: UnsafeRawBufferPointer, dateOnly: Bool = false) -> Timestamp? {
        let count = bytes.count
        if dateOnly {
            guard count == 8 else { return nil }
        } else {
            guard count == 17 || count == 21 || count == 24 || count == 27 else { return nil }
        }
        let year = digits(bytes, 0, 4), month = digits(bytes, 4, 2), day = digits(bytes, 6, 2)
        guard year >= 0, month >= 1, month <= 12, day >= 1, day <= daysInMonth(year, month) else { return nil }
        if dateOnly { return Timestamp(year: year, month: month, day: day) }
        guard bytes[8] == 0x2D, bytes[11] == 0x3A, bytes[14] == 0x3A else { return nil }
        let hour = digits(bytes, 9, 2), minute = digits(bytes, 12, 2), second = digits(bytes, 15, 2)
        guard hour >= 0, minute >= 0, second >= 0 else { return nil }
        var nanosecond = 0
        if count > 17 {
            guard bytes[17] == 0x2E else { return nil }
            let fractionDigits = count - 18
            let fraction = digits(bytes, 18, fractionDigits)
            guard fraction >= 0 else { return nil }
            switch fractionDigits {
            case 3: nanosecond = fraction * 1_000_000
            case 6: nanosecond = fraction * 1_000
            default: nanosecond = fraction
            }
        }
        return Timestamp(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                         nanosecond: nanosecond)
    }

    /// Days in `month` (1–12) of the proleptic Gregorian `year`.
    @inlinable
    static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // MARK: - Writing

    /// Writes `value` in decimal at `offset` and returns the new offset. The caller
    /// guarantees 20 bytes of room. Two digits per step from a 200-byte pair table.
    @inlinable
    public static func writeInt(_ value: Int64, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        var position = offset
        if value < 0 {
            buffer[position] = 0x2D
            position += 1
        }
        return writeUnsigned(value.magnitude, into: buffer, at: position)
    }

    /// Writes an unsigned decimal at `offset`; the caller guarantees 20 bytes of room.
    @inlinable
    public static func writeUnsigned(_ value: UInt64, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        let length = decimalLength(value)
        var position = offset + length
        var n = value
        while n >= 10 {
            let pair = Int(n % 100)
            n /= 100
            position -= 2
            buffer[position] = UInt8(truncatingIfNeeded: 0x30 + pair / 10)
            buffer[position + 1] = UInt8(truncatingIfNeeded: 0x30 + pair % 10)
        }
        if position > offset {
            buffer[offset] = UInt8(truncatingIfNeeded: 0x30 + n)
        }
        return offset + length
    }

    /// Writes a tag number (or any small non-negative integer) at `offset`; branches on the
    /// digit count instead of looping for values below 10 000. Caller guarantees 20 bytes.
    @inlinable @inline(__always)
    public static func writeTagNumber(_ value: Int, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        if value < 10 && value >= 0 {
            buffer[offset] = UInt8(truncatingIfNeeded: 0x30 &+ value)
            return offset + 1
        }
        if value < 100 && value >= 0 {
            buffer[offset] = UInt8(truncatingIfNeeded: 0x30 &+ value / 10)
            buffer[offset + 1] = UInt8(truncatingIfNeeded: 0x30 &+ value % 10)
            return offset + 2
        }
        if value < 1000 && value >= 0 {
            buffer[offset] = UInt8(truncatingIfNeeded: 0x30 &+ value / 100)
            buffer[offset + 1] = UInt8(truncatingIfNeeded: 0x30 &+ value / 10 % 10)
            buffer[offset + 2] = UInt8(truncatingIfNeeded: 0x30 &+ value % 10)
            return offset + 3
        }
        return writeInt(Int64(value), into: buffer, at: offset)
    }

    /// Writes a fixed-point raw value (10⁻⁸ units) as trimmed decimal text, byte-identical to
    /// `FixedPointDecimal.format(into:)` ("101.25", "-0.5", "7"), with constant divisors only.
    /// Caller guarantees 21 bytes of room.
    @inlinable
    public static func writeFixedPoint(_ raw: Int64, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        var position = offset
        if raw < 0 {
            buffer[position] = 0x2D
            position += 1
        }
        let magnitude = raw.magnitude
        position = writeUnsigned(magnitude / 100_000_000, into: buffer, at: position)
        let fraction = Int(magnitude % 100_000_000)
        if fraction == 0 { return position }
        buffer[position] = 0x2E
        position = writePadded(fraction, width: 8, into: buffer, at: position + 1)
        while buffer[position - 1] == 0x30 { position -= 1 }   // trim: the fraction is non-zero
        return position
    }

    /// The number of decimal digits of `value` (1 for zero).
    @inlinable
    public static func decimalLength(_ value: UInt64) -> Int {
        // A compare ladder for the common sizes (sequence numbers, ids, prices), then a loop.
        if value < 10 { return 1 }
        if value < 100 { return 2 }
        if value < 1000 { return 3 }
        if value < 10000 { return 4 }
        if value < 100_000 { return 5 }
        if value < 1_000_000 { return 6 }
        // Longer values (ClOrdIDs are typically 13 digits): a few more compares instead of a
        // loop with a compare, a multiply and an overflow test per digit.
        if value < 10_000_000_000 {
            if value < 10_000_000 { return 7 }
            if value < 100_000_000 { return 8 }
            return value < 1_000_000_000 ? 9 : 10
        }
        if value < 100_000_000_000_000 {
            if value < 100_000_000_000 { return 11 }
            if value < 1_000_000_000_000 { return 12 }
            return value < 10_000_000_000_000 ? 13 : 14
        }
        if value < 1_000_000_000_000_000 { return 15 }
        if value < 10_000_000_000_000_000 { return 16 }
        if value < 100_000_000_000_000_000 { return 17 }
        if value < 1_000_000_000_000_000_000 { return 18 }
        return value < 10_000_000_000_000_000_000 ? 19 : 20
    }

    /// Writes `width` digits of `value` zero-padded at `offset` (caller guarantees room).
    @inlinable
    public static func writePadded(_ value: Int, width: Int, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        var n = value
        var i = width - 1
        while i >= 0 {
            buffer[offset + i] = UInt8(truncatingIfNeeded: 0x30 + n % 10)
            n /= 10
            i -= 1
        }
        return offset + width
    }

    /// Copies `source` to `offset` and returns the new offset (caller guarantees room).
    @inlinable
    public static func copy(_ source: UnsafeRawBufferPointer, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        guard let from = source.baseAddress, !source.isEmpty else { return offset }
        precondition(offset + source.count <= buffer.count, "FIX encode buffer overflow")
        // SAFETY: the destination range was bounds-checked above; source and destination
        // never overlap (encoder buffers are private to the encoder).
        (buffer.baseAddress! + offset).copyMemory(from: from, byteCount: source.count)
        return offset + source.count
    }

    /// Copies `count` bytes within `buffer` from `source` to `destination` with 8-byte
    /// loads and stores (no call into libc for the short copies the encoder makes). The
    /// ranges must not overlap.
    @inlinable @inline(__always)
    public static func copyShort(_ buffer: UnsafeMutableRawBufferPointer, from source: Int, to destination: Int, count: Int) {
        precondition(source >= 0 && destination >= 0 && source + count <= buffer.count
                     && destination + count <= buffer.count, "FIX copy out of bounds")
        precondition(source + count <= destination || destination + count <= source, "FIX copy ranges overlap")
        guard let base = buffer.baseAddress else { return }
        var i = 0
        // SAFETY: every access is inside source..<source+count or destination..<destination+count,
        // both within `buffer` (checked above), and they do not overlap.
        while i + 8 <= count {
            let word = base.loadUnaligned(fromByteOffset: source + i, as: UInt64.self)
            base.storeBytes(of: word, toByteOffset: destination + i, as: UInt64.self)
            i += 8
        }
        while i < count {
            base.storeBytes(of: base.load(fromByteOffset: source + i, as: UInt8.self), toByteOffset: destination + i, as: UInt8.self)
            i += 1
        }
    }

    /// Moves `count` bytes within `buffer` from `source` to `destination` (ranges may overlap).
    @inlinable
    public static func move(_ buffer: UnsafeMutableRawBufferPointer, from source: Int, to destination: Int, count: Int) {
        precondition(source >= 0 && destination >= 0 && source + count <= buffer.count
                     && destination + count <= buffer.count, "FIX move out of bounds")
        guard count > 0, let base = buffer.baseAddress else { return }
        // SAFETY: both ranges are inside `buffer` (checked above); memmove semantics.
        (base + destination).copyMemory(from: UnsafeRawPointer(base + source), byteCount: count)
    }

    /// Writes a UTCTimestamp (`YYYYMMDD-HH:MM:SS` plus 0, 3, 6 or 9 fraction digits) and
    /// returns the new offset. The caller guarantees 27 bytes of room.
    @inlinable
    public static func writeTimestamp(_ time: Timestamp, precision: FIXTimePrecision,
                                      into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        let c = time.civil
        var p = writePadded(c.year, width: 4, into: buffer, at: offset)
        p = writePadded(c.month, width: 2, into: buffer, at: p)
        p = writePadded(c.day, width: 2, into: buffer, at: p)
        buffer[p] = 0x2D
        p = writePadded(c.hour, width: 2, into: buffer, at: p + 1)
        buffer[p] = 0x3A
        p = writePadded(c.minute, width: 2, into: buffer, at: p + 1)
        buffer[p] = 0x3A
        p = writePadded(c.second, width: 2, into: buffer, at: p + 1)
        switch precision {
        case .seconds: return p
        case .milliseconds:
            buffer[p] = 0x2E
            return writePadded(c.nanosecond / 1_000_000, width: 3, into: buffer, at: p + 1)
        case .microseconds:
            buffer[p] = 0x2E
            return writePadded(c.nanosecond / 1_000, width: 6, into: buffer, at: p + 1)
        case .nanoseconds:
            buffer[p] = 0x2E
            return writePadded(c.nanosecond, width: 9, into: buffer, at: p + 1)
        }
    }

    /// Writes a UTCDateOnly (`YYYYMMDD`) and returns the new offset (8 bytes of room).
    @inlinable
    public static func writeDate(_ time: Timestamp, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        let c = time.civil
        var p = writePadded(c.year, width: 4, into: buffer, at: offset)
        p = writePadded(c.month, width: 2, into: buffer, at: p)
        return writePadded(c.day, width: 2, into: buffer, at: p)
    }
}

/// Fraction digits of a written UTCTimestamp.
@frozen
public enum FIXTimePrecision: UInt8, Sendable, CaseIterable {
    case seconds, milliseconds, microseconds, nanoseconds
}
