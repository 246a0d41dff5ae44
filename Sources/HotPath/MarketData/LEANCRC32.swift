/// CRC-32 (ISO-HDLC / zip polynomial 0xEDB88320, reflected), as zip records it per entry.
///
/// Table-driven, one byte per step; used once per archive entry at replay start-up.
/// Any thread; no allocation after the table (a lazily built global) exists.
public enum LEANCRC32 {
    /// The 256-entry lookup table (PKWARE APPNOTE 4.4.7; the reflected CRC-32 of ITU-T V.42).
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// The CRC-32 of `bytes`, continuing from `crc` (pass 0 to start).
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        var c = ~crc
        table.withUnsafeBufferPointer { t in
            for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        }
        return ~c
    }

    /// The CRC-32 of an array.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }
}
