/// A minimal zip reader for LEAN data files: one archive, a few entries, stored or deflated.
///
/// Reads the end-of-central-directory record, the central directory and each local file header
/// (PKWARE APPNOTE.TXT §4.3), taking sizes and CRC from the central directory so entries written
/// with data descriptors (flag bit 3) read too. ZIP64 size fields in the central directory are read (LEAN writes them);
/// not supported: the ZIP64 end record (more than 65,535 entries), encryption, multi-disk.
/// Start-up only: it allocates (the entry list, the output of `extract`). Any thread.
public struct LEANZipArchive: Sendable {
    /// One file in the archive.
    public struct Entry: Sendable, Equatable {
        /// Name as stored (LEAN: e.g. `20131007_ibm_Trade_Tick.csv`).
        public var name: String
        /// 0 stored, 8 deflate.
        public var method: UInt16
        public var crc32: UInt32
        public var compressedSize: Int
        public var uncompressedSize: Int
        /// Offset of the local file header.
        public var localHeaderOffset: Int
    }

    /// The archive bytes.
    public let bytes: [UInt8]
    /// Entries in central-directory order.
    public let entries: [Entry]

    /// Parses the directory of `bytes`; throws if it is not a readable zip archive.
    public init(bytes: [UInt8]) throws(LEANArchiveError) {
        self.bytes = bytes
        self.entries = try LEANBuffers.read(bytes) { raw throws(LEANArchiveError) -> [Entry] in
            try Self.readDirectory(raw)
        }
    }

    /// The decompressed, CRC-checked contents of `entry`.
    public func extract(_ entry: Entry) throws(LEANArchiveError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: entry.uncompressedSize)
        try LEANBuffers.read(bytes) { raw throws(LEANArchiveError) in
            let at = entry.localHeaderOffset
            guard at + 30 <= raw.count else {
                throw LEANArchiveError(.truncated, offset: at, "local header of \(entry.name) lies past the end of the file")
            }
            guard Self.u32(raw, at) == 0x0403_4B50 else {
                throw LEANArchiveError(.badSignature, offset: at, "no local file header where the directory points for \(entry.name)")
            }
            let dataStart = at + 30 + Int(Self.u16(raw, at + 26)) + Int(Self.u16(raw, at + 28))
            guard dataStart + entry.compressedSize <= raw.count else {
                throw LEANArchiveError(.truncated, offset: raw.count,
                                       "\(entry.name): \(entry.compressedSize) compressed bytes from byte \(dataStart) run past the end of the \(raw.count)-byte file; the archive is truncated, fetch it again")
            }
            let data = UnsafeRawBufferPointer(rebasing: raw[dataStart..<(dataStart + entry.compressedSize)])
            try LEANBuffers.write(&out) { dst throws(LEANArchiveError) in
                let written: Int
                switch entry.method {
                case 0:
                    guard entry.compressedSize == entry.uncompressedSize else {
                        throw LEANArchiveError(.sizeMismatch, offset: at, "stored entry \(entry.name) has different sizes")
                    }
                    dst.copyMemory(from: data)
                    written = data.count
                case 8:
                    do throws(LEANArchiveError) {
                        written = try LEANInflate.inflate(data, into: dst)
                    } catch {
                        var e = error
                        e.offset += dataStart
                        e.detail = "\(entry.name): " + e.detail
                        throw e
                    }
                default:
                    throw LEANArchiveError(.unsupportedCompression, offset: at,
                                           "\(entry.name) uses compression method \(entry.method); only stored and deflate are read")
                }
                guard written == entry.uncompressedSize else {
                    throw LEANArchiveError(.sizeMismatch, offset: dataStart,
                                           "\(entry.name) inflated to \(written) bytes, directory says \(entry.uncompressedSize)")
                }
                let crc = LEANCRC32.checksum(UnsafeRawBufferPointer(dst))
                guard crc == entry.crc32 else {
                    throw LEANArchiveError(.crcMismatch, offset: dataStart,
                                           "\(entry.name) CRC-32 is \(Self.hex(crc)), directory says \(Self.hex(entry.crc32)); the file is corrupt, fetch it again")
                }
            }
        }
        return out
    }

    /// The contents of the first entry (LEAN archives hold exactly one CSV).
    public func extractFirst() throws(LEANArchiveError) -> [UInt8] {
        guard let first = entries.first else {
            throw LEANArchiveError(.noEntries, offset: 0, "the archive holds no files")
        }
        return try extract(first)
    }

    // MARK: Directory

    static func readDirectory(_ raw: UnsafeRawBufferPointer) throws(LEANArchiveError) -> [Entry] {
        // The EOCD record is 22 bytes plus a comment of up to 65,535 bytes at the very end.
        var eocd = -1
        if raw.count >= 22 {
            var at = raw.count - 22
            let lowest = max(0, raw.count - 22 - 65_535)
            while at >= lowest {
                if u32(raw, at) == 0x0605_4B50 && at + 22 + Int(u16(raw, at + 20)) == raw.count { eocd = at; break }
                at -= 1
            }
        }
        guard eocd >= 0 else {
            throw LEANArchiveError(.missingEndOfCentralDirectory, offset: raw.count,
                                   "no end-of-central-directory record in the last 64 KiB: not a zip archive, or truncated at the end; fetch it again")
        }
        guard u16(raw, eocd + 4) == 0, u16(raw, eocd + 6) == 0 else {
            throw LEANArchiveError(.unsupportedFeature, offset: eocd, "multi-disk archives are not supported")
        }
        let count = Int(u16(raw, eocd + 10))
        let directorySize = Int(u32(raw, eocd + 12))
        let directoryOffset = Int(u32(raw, eocd + 16))
        guard count != 0xFFFF, directoryOffset != 0xFFFF_FFFF else {
            throw LEANArchiveError(.unsupportedFeature, offset: eocd, "ZIP64 archives are not supported")
        }
        guard directoryOffset + directorySize <= eocd else {
            throw LEANArchiveError(.truncated, offset: eocd, "central directory (\(directorySize) bytes at \(directoryOffset)) overlaps the end record")
        }
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        var at = directoryOffset
        for _ in 0..<count {
            guard at + 46 <= eocd else {
                throw LEANArchiveError(.truncated, offset: at, "central directory ends inside an entry")
            }
            guard u32(raw, at) == 0x0201_4B50 else {
                throw LEANArchiveError(.badSignature, offset: at, "central directory entry signature missing")
            }
            let flags = u16(raw, at + 8)
            guard flags & 1 == 0 else {
                throw LEANArchiveError(.unsupportedFeature, offset: at, "encrypted entries are not supported")
            }
            let nameLength = Int(u16(raw, at + 28))
            let next = at + 46 + nameLength + Int(u16(raw, at + 30)) + Int(u16(raw, at + 32))
            guard next <= eocd else {
                throw LEANArchiveError(.truncated, offset: at, "central directory ends inside an entry name")
            }
            var compressed = UInt64(u32(raw, at + 20))
            var uncompressed = UInt64(u32(raw, at + 24))
            var local = UInt64(u32(raw, at + 42))
            // ZIP64 extended information (APPNOTE §4.5.3): 8-byte values for each 32-bit field
            // set to 0xFFFFFFFF, in the order uncompressed, compressed, local offset. LEAN's
            // writer emits it even for small files.
            var extra = at + 46 + nameLength
            let extraEnd = extra + Int(u16(raw, at + 30))
            while extra + 4 <= extraEnd {
                let id = u16(raw, extra)
                let size = Int(u16(raw, extra + 2))
                var field = extra + 4
                let fieldEnd = field + size
                guard fieldEnd <= extraEnd else {
                    throw LEANArchiveError(.truncated, offset: extra, "extra field runs past its entry")
                }
                if id == 0x0001 {
                    if uncompressed == 0xFFFF_FFFF && field + 8 <= fieldEnd { uncompressed = u64(raw, field); field += 8 }
                    if compressed == 0xFFFF_FFFF && field + 8 <= fieldEnd { compressed = u64(raw, field); field += 8 }
                    if local == 0xFFFF_FFFF && field + 8 <= fieldEnd { local = u64(raw, field); field += 8 }
                }
                extra = fieldEnd
            }
            guard compressed < 1 << 40, uncompressed < 1 << 40, local < 1 << 40 else {
                throw LEANArchiveError(.unsupportedFeature, offset: at,
                                       "entry sizes or offset are unset or beyond 1 TiB (ZIP64 field missing)")
            }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: raw[(at + 46)..<(at + 46 + nameLength)]), as: UTF8.self)
            entries.append(Entry(name: name, method: u16(raw, at + 10), crc32: u32(raw, at + 16),
                                 compressedSize: Int(compressed), uncompressedSize: Int(uncompressed),
                                 localHeaderOffset: Int(local)))
            at = next
        }
        return entries
    }

    @inline(__always)
    static func u16(_ raw: UnsafeRawBufferPointer, _ at: Int) -> UInt16 {
        UInt16(raw[at]) | UInt16(raw[at + 1]) << 8
    }

    @inline(__always)
    static func u64(_ raw: UnsafeRawBufferPointer, _ at: Int) -> UInt64 {
        UInt64(u32(raw, at)) | UInt64(u32(raw, at + 4)) << 32
    }

    @inline(__always)
    static func u32(_ raw: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(raw[at]) | UInt32(raw[at + 1]) << 8 | UInt32(raw[at + 2]) << 16 | UInt32(raw[at + 3]) << 24
    }

    static func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - s.count) + s
    }
}
