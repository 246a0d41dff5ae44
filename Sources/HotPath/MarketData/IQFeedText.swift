import PeregrineCore

/// Byte-level helpers for IQFeed's comma-separated lines: the one byte-scanning file of the
/// IQFeed codec. Everything here works on views into the caller's receive buffer, never copies,
/// never allocates, and is safe on any bytes (a malformed field gives `nil`, not a trap).
public enum IQFeedText {
    /// The next line in `buffer` starting at `start`: the line without CR/LF, and the offset after
    /// its LF. `nil` if no complete (LF-terminated) line is buffered yet.
    @inlinable
    public static func nextLine(in buffer: UnsafeRawBufferPointer, from start: Int) -> (line: UnsafeRawBufferPointer, next: Int)? {
        var i = start
        while i < buffer.count {
            if buffer[i] == 10 {
                var end = i
                if end > start && buffer[end - 1] == 13 { end -= 1 }
                return (UnsafeRawBufferPointer(rebasing: buffer[start..<end]), i + 1)
            }
            i += 1
        }
        return nil
    }

    /// The offset of the first comma in `base[start..<end]`, or `end` when there is none.
    ///
    /// Eight bytes at a time while a whole word fits before `end` (never reads past it): the
    /// lowest byte of `(x − 0x01…01) & ~x & 0x80…80`, x = word XOR ",,,,,,,,", marks the first
    /// comma exactly (a borrow can only set bits above a real match). One branch per field
    /// instead of one per byte (the per-byte exit branch mispredicted at every field end).
    @inlinable @inline(__always)
    public static func commaOffset(_ base: UnsafeRawPointer, from start: Int, end: Int) -> Int {
        var at = start
        while at &+ 8 <= end {
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt64.self))
            let x = word ^ 0x2C2C_2C2C_2C2C_2C2C
            let found = (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
            if found != 0 { return at &+ (found.trailingZeroBitCount &>> 3) }
            at &+= 8
        }
        while at < end && base.load(fromByteOffset: at, as: UInt8.self) != UInt8(ascii: ",") { at &+= 1 }
        return at
    }

    /// Strips a trailing CR and/or LF (for lines handed over whole).
    @inlinable
    public static func trimmed(_ line: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var end = line.count
        while end > 0 && (line[end - 1] == 10 || line[end - 1] == 13) { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: line[0..<end])
    }

    /// Whether `field` holds exactly the ASCII text `text`.
    @inlinable
    public static func equals(_ field: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
        guard field.count == text.utf8CodeUnitCount else { return false }
        let p = text.utf8Start
        for i in 0..<field.count where field[i] != p[i] { return false }
        return true
    }

    /// Unsigned decimal digits → value; `nil` if empty, non-digit or over 18 digits.
    @inlinable
    public static func integer(_ field: UnsafeRawBufferPointer) -> Int64? {
        guard field.count > 0 && field.count <= 18 else { return nil }
        var v: Int64 = 0
        for b in field {
            guard b >= 48 && b <= 57 else { return nil }
            v = v &* 10 &+ Int64(b &- 48)
        }
        return v
    }

    /// `n` digits at `offset` of `field` (caller checked the length).
    @inlinable @usableFromInline
    static func digits(_ field: UnsafeRawBufferPointer, _ offset: Int, _ n: Int) -> Int? {
        var v = 0
        for i in offset..<(offset + n) {
            let b = field[i]
            guard b >= 48 && b <= 57 else { return nil }
            v = v * 10 + Int(b &- 48)
        }
        return v
    }

    /// `HH:MM:SS` with an optional fraction of up to nine digits → nanoseconds after midnight.
    @inlinable
    public static func timeOfDay(_ field: UnsafeRawBufferPointer) -> Int64? {
        let count = field.count
        guard count >= 8, let p = field.baseAddress,
              p.load(fromByteOffset: 2, as: UInt8.self) == UInt8(ascii: ":"),
              p.load(fromByteOffset: 5, as: UInt8.self) == UInt8(ascii: ":") else { return nil }
        // Two digits at `offset`, or −1 when either is not a digit.
        @inline(__always) func pair(_ offset: Int) -> Int {
            let a = p.load(fromByteOffset: offset, as: UInt8.self) &- 48
            let b = p.load(fromByteOffset: offset &+ 1, as: UInt8.self) &- 48
            return a < 10 && b < 10 ? Int(a) &* 10 &+ Int(b) : -1
        }
        let h = pair(0), m = pair(3), s = pair(6)
        guard h >= 0, m >= 0, s >= 0, h < 24, m < 60, s < 61 else { return nil }
        var ns = Int64(h &* 3600 &+ m &* 60 &+ s) &* 1_000_000_000
        if count > 8 {
            guard p.load(fromByteOffset: 8, as: UInt8.self) == UInt8(ascii: "."), count > 9, count <= 18 else { return nil }
            // Σ dᵢ·10⁸⁻ⁱ, computed as the digits' integer times 10^(9 − digits) (exact).
            var fraction: Int64 = 0
            for i in 9..<count {
                let d = p.load(fromByteOffset: i, as: UInt8.self) &- 48
                guard d < 10 else { return nil }
                fraction = fraction &* 10 &+ Int64(d)
            }
            var scale = count &- 9
            while scale < 9 { fraction &*= 10; scale &+= 1 }
            ns &+= fraction
        }
        return ns
    }

    /// `YYYY-MM-DD` (history) → yyyymmdd.
    @inlinable
    public static func isoDate(_ field: UnsafeRawBufferPointer) -> Int? {
        guard field.count >= 10, field[4] == UInt8(ascii: "-"), field[7] == UInt8(ascii: "-"),
              let y = digits(field, 0, 4), let m = digits(field, 5, 2), let d = digits(field, 8, 2) else { return nil }
        return y * 10_000 + m * 100 + d
    }

    /// `MM/DD/YYYY` (Level 1 dates) → yyyymmdd.
    @inlinable
    public static func usDate(_ field: UnsafeRawBufferPointer) -> Int? {
        guard field.count == 10, field[2] == UInt8(ascii: "/"), field[5] == UInt8(ascii: "/"),
              let m = digits(field, 0, 2), let d = digits(field, 3, 2), let y = digits(field, 6, 4) else { return nil }
        return y * 10_000 + m * 100 + d
    }

    /// `YYYYMMDD` → yyyymmdd.
    @inlinable
    public static func compactDate(_ field: UnsafeRawBufferPointer) -> Int? {
        guard field.count == 8, let v = digits(field, 0, 8) else { return nil }
        return v
    }

    /// A decimal price ("188.3500"), exact or rounded half-even beyond eight decimals.
    @inlinable
    public static func price(_ field: UnsafeRawBufferPointer) -> Price? {
        Price(ascii: field, rounding: .toNearestOrEven)
    }

    /// A decimal size or volume.
    @inlinable
    public static func quantity(_ field: UnsafeRawBufferPointer) -> Quantity? {
        Quantity(ascii: field, rounding: .toNearestOrEven)
    }
}

/// Walks the comma-separated fields of one line (without CR/LF). A trailing comma yields a
/// final empty field, which position-based parsers simply ignore.
public struct IQFeedFieldScanner {
    public let line: UnsafeRawBufferPointer
    @usableFromInline var at = 0
    @usableFromInline var done = false

    @inlinable
    public init(_ line: UnsafeRawBufferPointer) { self.line = line }

    /// The next field, or `nil` after the last.
    @inlinable
    public mutating func next() -> UnsafeRawBufferPointer? {
        if done { return nil }
        let start = at
        while at < line.count && line[at] != UInt8(ascii: ",") { at += 1 }
        let field = UnsafeRawBufferPointer(rebasing: line[start..<at])
        if at >= line.count { done = true } else { at += 1 }
        return field
    }

    /// Everything after the current position (for free-text tails such as error messages).
    @inlinable
    public var rest: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: line[min(at, line.count)..<line.count])
    }
}
