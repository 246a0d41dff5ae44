import PeregrineCore

/// Builds one TWS frame (length prefix + NUL-terminated fields) in a caller-provided buffer.
///
/// Overflow is remembered, not trapped: `finish()` returns `nil` and the caller retries with a
/// larger buffer. Number formats follow the official Python client, which the capture
/// `wire_ibapi157.jsonl` was made with: ints as decimal text, floats as Python `str(float)`
/// (`"0.0"`, `"189.52"`), unset values as empty fields. No allocation; any thread.
public struct TWSFrameWriter {
    let buffer: UnsafeMutableRawBufferPointer
    var count: Int
    var overflow = false
    let framed: Bool

    /// Starts a frame (reserving the 4-byte length) or, with `framed: false`, raw bytes.
    public init(_ buffer: UnsafeMutableRawBufferPointer, framed: Bool = true) {
        self.buffer = buffer
        self.framed = framed
        count = framed ? 4 : 0
        if framed && buffer.count < 4 { overflow = true }
    }

    @inline(__always)
    mutating func byte(_ b: UInt8) {
        guard count < buffer.count else { overflow = true; return }
        buffer[count] = b
        count += 1
    }

    mutating func raw(_ s: StaticString) {
        let p = s.utf8Start
        for i in 0..<s.utf8CodeUnitCount { byte(p[i]) }
    }

    mutating func raw(_ s: String) {
        for b in s.utf8 { byte(b == 0 ? UInt8(ascii: " ") : b) }  // a NUL would split the field
    }

    /// A text field.
    public mutating func field(_ s: StaticString) { raw(s); byte(0) }
    /// A text field (NUL bytes replaced by spaces).
    public mutating func field(_ s: String) { raw(s); byte(0) }
    /// An empty field.
    public mutating func empty() { byte(0) }

    mutating func digits(_ v: Int64) {
        if v < 0 { byte(UInt8(ascii: "-")) }
        var m = v.magnitude
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &scratch) { tmp in
            var n = 0
            repeat { tmp[n] = UInt8(48 + m % 10); m /= 10; n += 1 } while m > 0
            for i in stride(from: n - 1, through: 0, by: -1) { byte(tmp[i]) }
        }
    }

    /// An integer field.
    public mutating func field(_ v: Int64) { digits(v); byte(0) }
    /// An integer field.
    public mutating func field(_ v: Int) { digits(Int64(v)); byte(0) }
    /// A boolean field ("1"/"0").
    public mutating func field(_ v: Bool) { byte(v ? 49 : 48); byte(0) }

    /// A fixed-point value as Python `str(float)` would print it ("0.0", "189.52"); empty if `nil`.
    public mutating func float<T: FixedPointDecimal>(_ v: T?) {
        if let v { decimal(v, pointZero: true) }
        byte(0)
    }

    /// A fixed-point value without a forced ".0" ("100", "0.5"); empty if `nil`.
    public mutating func decimal<T: FixedPointDecimal>(_ v: T?) {
        if let v { decimal(v, pointZero: false) }
        byte(0)
    }

    mutating func decimal<T: FixedPointDecimal>(_ v: T, pointZero: Bool) {
        var scratch: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &scratch) { tmp in
            let n = v.format(into: tmp)
            var hasPoint = false
            for i in 0..<n {
                if tmp[i] == UInt8(ascii: ".") { hasPoint = true }
                byte(tmp[i])
            }
            if pointZero && !hasPoint { byte(UInt8(ascii: ".")); byte(48) }
        }
    }

    /// The max-double literal the official Python client writes for some unset order fields.
    public mutating func unsetDoubleLiteral() { raw("1.7976931348623157e+308"); byte(0) }

    /// Writes the length prefix; returns the total bytes, or `nil` if the buffer was too small.
    public mutating func finish() -> Int? {
        guard !overflow else { return nil }
        if framed {
            let length = UInt32(count - 4)
            buffer[0] = UInt8(truncatingIfNeeded: length >> 24)
            buffer[1] = UInt8(truncatingIfNeeded: length >> 16)
            buffer[2] = UInt8(truncatingIfNeeded: length >> 8)
            buffer[3] = UInt8(truncatingIfNeeded: length)
        }
        return count
    }
}
