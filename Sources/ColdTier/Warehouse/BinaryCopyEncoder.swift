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
    /// The stream so far in `bytes[0..<count]`; the rest is room (zeros, or bytes of rows
    /// already sent when the encoder is reused). Writing a field is a bounds check and two
    /// stores into that room — no `append(contentsOf:)` per field, which cost ~80
    /// instructions a call and more than half of the loader's client time (callgrind, 200k
    /// trades). Room is added 4 KiB or more at a time, within the reserved capacity first.
    private var bytes: [UInt8]
    private var count: Int
    /// Rows begun so far.
    public private(set) var rowCount = 0

    public init(reservingBytes: Int = 1 << 16) {
        bytes = Self.header
        bytes.reserveCapacity(reservingBytes)
        count = bytes.count
    }

    /// Starts a row of `fieldCount` fields (then append exactly that many).
    @inline(__always)
    public mutating func beginRow(fieldCount: Int) {
        rowCount += 1
        write(Int16(fieldCount))
    }

    @inline(__always)
    public mutating func appendBigint(_ value: Int64) { write(Int32(8), value) }

    /// A `double precision` (float8): the IEEE 754 bits, big-endian.
    @inline(__always)
    public mutating func appendDouble(_ value: Double) { write(Int32(8), value.bitPattern) }

    @inline(__always)
    public mutating func appendInteger(_ value: Int32) { write(Int32(4), value) }

    @inline(__always)
    public mutating func appendSmallint(_ value: Int16) { write(Int32(2), value) }

    @inline(__always)
    public mutating func appendBoolean(_ value: Bool) { write(Int32(1), UInt8(value ? 1 : 0)) }

    /// A `text` field (UTF-8).
    public mutating func appendText(_ value: String) {
        var value = value
        value.withUTF8 { appendBytes(UnsafeRawBufferPointer($0)) }
    }

    /// A `bytea` field.
    public mutating func appendBytes(_ value: UnsafeRawBufferPointer) {
        write(Int32(value.count))
        guard let source = value.baseAddress, value.count > 0 else { return }
        makeRoom(value.count)
        let offset = count
        bytes.withUnsafeMutableBytes { $0.baseAddress!.advanced(by: offset).copyMemory(from: source, byteCount: value.count) }
        count += value.count
    }

    /// A NULL field.
    public mutating func appendNull() { write(Int32(-1)) }

    /// Grows the zero-filled room (doubling) so `extra` more bytes fit.
    @inline(__always)
    private mutating func makeRoom(_ extra: Int) {
        if count + extra > bytes.count { grow(extra) }
    }

    /// Adds room: at least 4 KiB and at least a quarter of the stream so far, so a large
    /// stream grows in few steps (the array itself doubles its capacity when it must).
    @inline(never)
    private mutating func grow(_ extra: Int) {
        bytes.append(contentsOf: repeatElement(0, count: Swift.max(count + extra - bytes.count, 1 << 12, count / 4)))
    }

    /// One big-endian integer.
    @inline(__always)
    private mutating func write<T: FixedWidthInteger>(_ value: T) {
        let size = MemoryLayout<T>.size
        makeRoom(size)
        let offset = count
        // SAFETY: makeRoom guarantees offset + size <= bytes.count; storeBytes allows unaligned offsets.
        bytes.withUnsafeMutableBytes { $0.storeBytes(of: value.bigEndian, toByteOffset: offset, as: T.self) }
        count += size
    }

    /// A field: its 32-bit length and its big-endian value, with one room check.
    @inline(__always)
    private mutating func write<T: FixedWidthInteger>(_ length: Int32, _ value: T) {
        let size = 4 + MemoryLayout<T>.size
        makeRoom(size)
        let offset = count
        // SAFETY: as in write(_:).
        bytes.withUnsafeMutableBytes { buffer in
            buffer.storeBytes(of: length.bigEndian, toByteOffset: offset, as: Int32.self)
            buffer.storeBytes(of: value.bigEndian, toByteOffset: offset + 4, as: T.self)
        }
        count += size
    }

    /// Drops every row (header only), keeping the buffer for the next rows.
    mutating func reset() {
        count = Self.header.count
        rowCount = 0
    }

    /// Appends the trailer, lends the complete stream to `body`, then empties the encoder
    /// (no rows, header only) while keeping its room, so the next batch's rows are written
    /// into memory already allocated and touched. The loader sends each batch this way.
    mutating func drain<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        write(Int16(-1))
        let used = count
        defer { reset() }
        return try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<used])) }
    }

    /// The complete stream (with the trailer).
    public consuming func finished() -> [UInt8] {
        write(Int16(-1))
        bytes.removeLast(bytes.count - count)
        return bytes
    }

    /// Encoded size so far.
    public var byteCount: Int { count }
}
