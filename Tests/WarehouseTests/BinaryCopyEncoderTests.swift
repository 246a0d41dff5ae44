import Testing
@testable import PeregrineWarehouse

/// The binary COPY stream byte for byte (PostgreSQL documentation, "COPY", "Binary Format"),
/// independent of a server: the integration tests load the same streams into PostgreSQL.
@Suite("Binary COPY encoder")
struct BinaryCopyEncoderTests {
    static let header: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [UInt8](repeating: 0, count: 8)

    /// The reference: each field written out by hand, big-endian.
    static func be<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<MemoryLayout<T>.size).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }

    static func row(_ value: Int64) -> [UInt8] {
        var bytes = be(Int16(8))
        bytes += be(Int32(8)) + be(value)
        bytes += be(Int32(4)) + be(Int32(truncatingIfNeeded: value))
        bytes += be(Int32(2)) + be(Int16(truncatingIfNeeded: value))
        bytes += be(Int32(1)) + [value % 2 == 0 ? 1 : 0]
        bytes += be(Int32(8)) + be((Double(value) / 3).bitPattern)
        bytes += be(Int32(-1))
        let text = Array("row \(value) ü".utf8)
        bytes += be(Int32(text.count)) + text
        bytes += be(Int32(3)) + [0x00, 0xFF, UInt8(truncatingIfNeeded: value)]
        return bytes
    }

    static func encode(_ values: [Int64], reserving: Int) -> (stream: [UInt8], rows: Int, size: Int) {
        var encoder = BinaryCopyEncoder(reservingBytes: reserving)
        for value in values {
            encoder.beginRow(fieldCount: 8)
            encoder.appendBigint(value)
            encoder.appendInteger(Int32(truncatingIfNeeded: value))
            encoder.appendSmallint(Int16(truncatingIfNeeded: value))
            encoder.appendBoolean(value % 2 == 0)
            encoder.appendDouble(Double(value) / 3)
            encoder.appendNull()
            encoder.appendText("row \(value) ü")
            [0x00, 0xFF, UInt8(truncatingIfNeeded: value)].withUnsafeBytes { encoder.appendBytes($0) }
        }
        let rows = encoder.rowCount, size = encoder.byteCount
        return (encoder.finished(), rows, size)
    }

    @Test("rows, the header and the trailer match a hand-written stream, whatever room was reserved", arguments: [0, 7, 100, 1 << 16])
    func stream(reserving: Int) {
        let values: [Int64] = [0, 1, -1, Int64.max, Int64.min, 1_234_567_890_123] + (0..<2_000).map { Int64($0) * 7_919 - 5_000_000 }
        let expected = Self.header + values.flatMap(Self.row) + [0xFF, 0xFF]
        let (stream, rows, size) = Self.encode(values, reserving: reserving)
        #expect(rows == values.count)
        #expect(size == expected.count - 2, "byteCount excludes the trailer")
        #expect(stream.count == expected.count)
        #expect(stream == expected)
    }

    @Test("an empty stream is the header and the trailer")
    func empty() {
        #expect(BinaryCopyEncoder(reservingBytes: 0).finished() == Self.header + [0xFF, 0xFF])
        #expect(BinaryCopyEncoder().finished() == Self.header + [0xFF, 0xFF])
    }

    @Test("a drained encoder is empty and reused: the next stream holds only the new rows, never bytes of the old")
    func drainAndReuse() {
        var encoder = BinaryCopyEncoder(reservingBytes: 0)
        let big = (0..<5_000).map { Int64($0) * 31 }, small: [Int64] = [42, -7]
        for (round, values) in [big, small, big, small].enumerated() {
            for value in values {
                encoder.beginRow(fieldCount: 8)
                encoder.appendBigint(value)
                encoder.appendInteger(Int32(truncatingIfNeeded: value))
                encoder.appendSmallint(Int16(truncatingIfNeeded: value))
                encoder.appendBoolean(value % 2 == 0)
                encoder.appendDouble(Double(value) / 3)
                encoder.appendNull()
                encoder.appendText("row \(value) ü")
                [0x00, 0xFF, UInt8(truncatingIfNeeded: value)].withUnsafeBytes { encoder.appendBytes($0) }
            }
            let stream = encoder.drain { Array($0) }
            #expect(stream == Self.header + values.flatMap(Self.row) + [0xFF, 0xFF], "round \(round)")
            #expect(encoder.rowCount == 0 && encoder.byteCount == Self.header.count, "empty after draining")
        }
    }
}
