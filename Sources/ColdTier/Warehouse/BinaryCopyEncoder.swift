/// Builds the body of a PostgreSQL binary COPY stream (PostgreSQL documentation, "COPY",
/// section "Binary Format"): a signature and header, one tuple per row (a 16-bit field
/// count, then each field as a 32-bit length and big-endian bytes, −1 for NULL), and a
/// 16-bit −1 trailer.
///
/// Column types must match exactly (`bigint` takes 8 bytes, `integer` 4, `smallint` 2,
/// `boolean` 1; `text` and `bytea` their bytes): the server checks lengths, not meaning.
public struct BinaryCopyEncoder: Sendable {
    /// "PGCOPY\n\xff\r\n\0", flags 0, header-extension length 0.
    static let header: [UInt8] = [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00,
                                  0, 0, 0, 0, 0, 0, 0, 0]
    private(set) var bytes: [UInt8]
    /// Rows begun so far.
    public private(set) var rowCount = 0

    public init(reservingBytes: Int = 1 << 16) {
        bytes = Self.header
        bytes.reserveCapacity(reservingBytes)
    }

    /// Starts a row of `fieldCount` fields (then append exactly that many).
    @inline(__always)
    public mutating func beginRow(fieldCount: Int) {
        rowCount += 1
        appendBigEndian(Int16(fieldCount))
    }

    @inline(__always)
    public mutating func appendBigint(_ value: Int64) {
        appendBigEndian(Int32(8))
        appendBigEndian(value)
    }

    /// A `double precision` (float8): the IEEE 754 bits, big-endian.
    @inline(__always)
    public mutating func appendDouble(_ value: Double) {
        appendBigEndian(Int32(8))
        appendBigEndian(value.bitPattern)
    }

    @inline(__always)
    public mutating func appendInteger(_ value: Int32) {
        appendBigEndian(Int32(4))
        appendBigEndian(value)
    }

    @inline(__always)
    public mutating func appendSmallint(_ value: Int16) {
        appendBigEndian(Int32(2))
        appendBigEndian(value)
    }

    @inline(__always)
    public mutating func appendBoolean(_ value: Bool) {
        appendBigEndian(Int32(1))
        bytes.append(value ? 1 : 0)
    }

    /// A `text` field (UTF-8).
    public mutating func appendText(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            appendBigEndian(Int32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// A `bytea` field.
    public mutating func appendBytes(_ value: UnsafeRawBufferPointer) {
        appendBigEndian(Int32(value.count))
        bytes.append(contentsOf: value)
    }

    /// A NULL field.
    public mutating func appendNull() { appendBigEndian(Int32(-1)) }

    @inline(__always)
    private mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// The complete stream (with the trailer).
    public consuming func finished() -> [UInt8] {
        bytes.append(0xFF); bytes.append(0xFF)
        return bytes
    }

    /// Encoded size so far.
    public var byteCount: Int { bytes.count }
}
