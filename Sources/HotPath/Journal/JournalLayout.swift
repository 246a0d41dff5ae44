import PeregrinePlatform

/// Byte layout constants and little-endian accessors for the journal (FORMAT.md).
enum JournalLayout {
    static let magic: [UInt8] = Array("PRGNJRNL".utf8)
    static let formatVersion: UInt16 = 1
    static let fileHeaderLength = 64
    static let recordHeaderLength = 32

    /// Payload length rounded up to 8 bytes plus the record header.
    @inline(__always)
    static func recordSpan(payloadLength: Int) -> Int {
        recordHeaderLength + ((payloadLength + 7) & ~7)
    }

    @inline(__always)
    static func load<T: FixedWidthInteger>(_ base: UnsafeRawPointer, _ offset: Int, as: T.Type) -> T {
        T(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    @inline(__always)
    static func store<T: FixedWidthInteger>(_ value: T, _ base: UnsafeMutableRawPointer, _ offset: Int) {
        base.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
    }

    /// CRC of a record: header bytes 0..<24 then the payload.
    static func recordChecksum(header: UnsafeRawPointer, payload: UnsafeRawBufferPointer) -> UInt32 {
        let c = CRC32C.checksum(UnsafeRawBufferPointer(start: header, count: 24))
        return CRC32C.checksum(payload, seed: c)
    }

    /// Writes a file header into `base` and returns its CRC.
    static func writeFileHeader(_ base: UnsafeMutableRawPointer, fileIndex: UInt64, firstSequence: UInt64,
                                createdNanos: Int64, fileLength: Int) {
        for (i, b) in magic.enumerated() { base.storeBytes(of: b, toByteOffset: i, as: UInt8.self) }
        store(formatVersion, base, 8)
        store(UInt16(fileHeaderLength), base, 10)
        store(UInt32(0), base, 12)
        store(fileIndex, base, 16)
        store(firstSequence, base, 24)
        store(createdNanos, base, 32)
        store(UInt64(fileLength), base, 40)
        for o in stride(from: 48, to: 60, by: 4) { store(UInt32(0), base, o) }
        store(CRC32C.checksum(UnsafeRawBufferPointer(start: base, count: 60)), base, 60)
    }

    /// Validates a file header; returns (fileIndex, firstSequence, fileLength) or a reason.
    static func readFileHeader(_ base: UnsafeRawPointer, available: Int) -> Result<(UInt64, UInt64, Int), JournalError.Kind> {
        guard available >= fileHeaderLength else { return .failure(.badFileHeader("file shorter than its 64-byte header")) }
        for (i, b) in magic.enumerated() where base.load(fromByteOffset: i, as: UInt8.self) != b {
            return .failure(.badFileHeader("not a Peregrine journal (bad magic)"))
        }
        let version: UInt16 = load(base, 8, as: UInt16.self)
        guard version == formatVersion else { return .failure(.badFileHeader("format version \(version), this build reads \(formatVersion)")) }
        let crc: UInt32 = load(base, 60, as: UInt32.self)
        guard crc == CRC32C.checksum(UnsafeRawBufferPointer(start: base, count: 60)) else {
            return .failure(.badFileHeader("header checksum mismatch"))
        }
        return .success((load(base, 16, as: UInt64.self), load(base, 24, as: UInt64.self), Int(load(base, 40, as: UInt64.self))))
    }
}
