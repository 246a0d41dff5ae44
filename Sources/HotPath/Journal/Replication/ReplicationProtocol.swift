import PeregrinePlatform

/// The journal replication protocol, version 1: a primary's `JournalReplicationAgent`
/// streams a journal (FORMAT.md) to a `JournalBackupServer`, which rebuilds byte-identical
/// files. One TCP connection carries one journal name. All integers are little-endian.
///
/// ## Frames
///
/// Every message is a frame: a 12-byte header, then `length` body bytes.
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 4 | body length *N* (at most `maxBody`, 64 MiB + 64 by default) |
/// | 4 | 2 | frame type (below) |
/// | 6 | 2 | reserved, 0 |
/// | 8 | 4 | CRC-32C of the *N* body bytes |
///
/// A frame whose CRC does not match, whose length is too large or whose type is unknown
/// is a protocol error: the receiver sends `error` (the server) and closes the connection.
///
/// | type | name | direction | body |
/// |---|---|---|---|
/// | 1 | hello | client → server | magic `PRGNREPL` (8), version u16 = 1, name length u16, reserved u32, journal name (UTF-8, `[A-Za-z0-9._-]`, 1–128 bytes) |
/// | 2 | resume | server → client | the server's position (below) |
/// | 3 | file header | client → server | the 64 bytes of a journal file's header, exactly as in the file |
/// | 4 | record | client → server | file index u64, offset u64, then the record's header and payload (32 + *L* bytes) exactly as in the file (padding not sent: it is zeros) |
/// | 5 | ack | server → client | the server's position (below) + bytes applied on this connection u64 |
/// | 6 | heartbeat | both | sender's monotonic clock, ns, u64 |
/// | 7 | error | server → client | code u32 (`ReplicationErrorCode`), UTF-8 text; the server then closes |
///
/// A **position** (resume and ack, 32 bytes): file index u64, offset u64 (the end of the
/// server's data in that file; 0: the server has no file of this journal yet), next sequence
/// number u64 (every record before it is held), CRC u32 of the last thing before `offset`
/// (the record's CRC field, or the file header's CRC when `offset` is 64), CRC u32 of that
/// file's header (bytes 60..<64 of the file).
///
/// ## Conversation
/// 1. The client connects and sends `hello`. The server refuses (`error` busy) a name that
///    already has a client; otherwise it opens (or creates) its copy of the journal, scans
///    its newest file for the end of valid data (a torn tail left by a crash is wiped),
///    makes that durable per its policy and answers `resume` with the position.
/// 2. The client checks the position against its own journal (the record ending there must
///    have the same CRC and sequence; else `diverged`: it disconnects and reports) and
///    sends, in order, from there on: `file header` when it starts a file (the server
///    creates the file with the header's length, reserved and zero-filled, and the same
///    header bytes — creation time included), and `record` for every record, end-of-file
///    records too. So the backup has the same bytes at the same offsets and the same
///    roll points.
/// 3. The server checks each record before writing (frame CRC, record CRC, file index,
///    offset == its end of data, sequence == its next, fits in the file); any mismatch is
///    an `error` and a close, never a write. Records are written like the journal writer
///    does (length word last, releasing) so the backup folder can itself be tailed.
/// 4. The server acks whenever the socket has drained or every `ackEveryRecords` records,
///    after making the data durable per policy (`syncBeforeAck`: msync MS_SYNC). The ack's
///    position says what is durable; its byte count lets the client compute its lag.
/// 5. Both sides send `heartbeat` when they have sent nothing for a while, and close a
///    connection that has been silent for `peerTimeout`.
/// 6. After any disconnect the client reconnects with back-off and resumes from the new
///    `resume` position: records the server held but had not acked are not resent; records
///    it never got are. The server's end-of-data check makes a duplicate or a gap a protocol
///    error rather than a corrupt copy.
public enum ReplicationFrameType: UInt16, Sendable {
    case hello = 1
    case resume = 2
    case fileHeader = 3
    case record = 4
    case ack = 5
    case heartbeat = 6
    case error = 7
}

/// Error codes of the `error` frame.
public enum ReplicationErrorCode: UInt32, Sendable {
    /// Malformed frame, bad hello, unexpected frame type.
    case protocolViolation = 1
    /// Another client is replicating this journal name.
    case busy = 2
    /// A frame or record checksum did not match.
    case corrupt = 3
    /// A record or file out of order (gap, duplicate, wrong offset or sequence).
    case outOfOrder = 4
    /// The server could not store the data (disk full, I/O error).
    case storage = 5
}

/// Where a backup's copy of a journal ends (resume and ack frames).
public struct ReplicationPosition: Sendable, Equatable, CustomStringConvertible {
    /// The newest file's roll number.
    public var fileIndex: UInt64
    /// End of valid data in that file; 0 when the backup has no file of this journal.
    public var offset: UInt64
    /// The next record's sequence number (every earlier one is held).
    public var nextSequence: UInt64
    /// CRC field of the last record before `offset`, or of the file header at offset 64.
    public var lastCRC: UInt32
    /// The CRC field of that file's header (so a backup of another journal with the same
    /// records — same sequences, other creation time — is told apart).
    public var fileHeaderCRC: UInt32

    public init(fileIndex: UInt64, offset: UInt64, nextSequence: UInt64, lastCRC: UInt32, fileHeaderCRC: UInt32) {
        self.fileIndex = fileIndex; self.offset = offset; self.nextSequence = nextSequence
        self.lastCRC = lastCRC; self.fileHeaderCRC = fileHeaderCRC
    }

    /// The position of a backup that holds nothing yet.
    public static let empty = ReplicationPosition(fileIndex: 0, offset: 0, nextSequence: 1, lastCRC: 0, fileHeaderCRC: 0)

    public var description: String {
        offset == 0 ? "empty" : "file \(fileIndex) offset \(offset) next sequence \(nextSequence)"
    }

    static let encodedLength = 32

    func encode(into w: FrameWriter) {
        w.put(fileIndex); w.put(offset); w.put(nextSequence); w.put(lastCRC); w.put(fileHeaderCRC)
    }

    static func decode(_ body: UnsafeRawBufferPointer) -> ReplicationPosition? {
        guard body.count >= encodedLength, let b = body.baseAddress else { return nil }
        return ReplicationPosition(fileIndex: JournalLayout.load(b, 0, as: UInt64.self),
                                   offset: JournalLayout.load(b, 8, as: UInt64.self),
                                   nextSequence: JournalLayout.load(b, 16, as: UInt64.self),
                                   lastCRC: JournalLayout.load(b, 24, as: UInt32.self),
                                   fileHeaderCRC: JournalLayout.load(b, 28, as: UInt32.self))
    }
}

enum ReplicationWire {
    static let magic: [UInt8] = Array("PRGNREPL".utf8)
    static let version: UInt16 = 1
    static let frameHeaderLength = 12
    /// Largest body accepted by default: a 64 MiB record plus the record frame's prefix.
    static let defaultMaxBody = (64 << 20) + 64

    /// Whether `name` is an acceptable journal name (it becomes part of file names).
    static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 128, name != ".", name != ".." else { return false }
        return bytes.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2E || b == 0x5F || b == 0x2D
        }
    }
}

/// A growable outgoing byte buffer that frames are built in (cold path; grows by doubling,
/// so after warm-up appending does not allocate).
final class FrameWriter {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    private(set) var count = 0
    private var frameStart = -1

    init(capacity: Int = 1 << 16) {
        self.capacity = max(64, capacity)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    func reset() { count = 0; frameStart = -1 }

    func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        var newCapacity = capacity
        while newCapacity < count + extra { newCapacity *= 2 }
        let fresh = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        fresh.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = fresh
        capacity = newCapacity
    }

    func put<T: FixedWidthInteger>(_ value: T) {
        reserve(MemoryLayout<T>.size)
        JournalLayout.store(value, base, count)
        count += MemoryLayout<T>.size
    }

    func put(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0, let source = bytes.baseAddress else { return }
        reserve(bytes.count)
        (base + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    func put(_ bytes: [UInt8]) { bytes.withUnsafeBytes { put($0) } }

    /// Starts a frame of `type`; fill its body with `put`, then call `end()`.
    func begin(_ type: ReplicationFrameType) {
        precondition(frameStart < 0, "frame already open")
        frameStart = count
        put(UInt32(0)); put(type.rawValue); put(UInt16(0)); put(UInt32(0))
    }

    /// Closes the open frame: fills in its length and body CRC.
    func end() {
        precondition(frameStart >= 0, "no frame open")
        let bodyStart = frameStart + ReplicationWire.frameHeaderLength
        let length = count - bodyStart
        JournalLayout.store(UInt32(length), base, frameStart)
        JournalLayout.store(CRC32C.checksum(UnsafeRawBufferPointer(start: base + bodyStart, count: length)), base, frameStart + 8)
        frameStart = -1
    }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
}

/// Why an incoming frame was refused.
enum FrameProblem: Error, Equatable {
    case tooLarge(Int)
    case badChecksum(type: UInt16)
    case unknownType(UInt16)

    var text: String {
        switch self {
        case .tooLarge(let n): return "frame body of \(n) bytes is larger than allowed"
        case .badChecksum(let t): return "frame (type \(t)) checksum mismatch"
        case .unknownType(let t): return "unknown frame type \(t)"
        }
    }
}

/// Reassembles frames from a byte stream. Bytes are received straight into its buffer.
final class FrameReader {
    private var base: UnsafeMutableRawPointer
    private var capacity: Int
    private var start = 0
    private var end = 0
    let maxBody: Int

    init(capacity: Int = 1 << 18, maxBody: Int = ReplicationWire.defaultMaxBody) {
        self.capacity = capacity
        self.maxBody = maxBody
        base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    func reset() { start = 0; end = 0 }

    var buffered: Int { end - start }

    /// Space to receive into (at least `minimum` bytes, compacting or growing first).
    func receiveSpace(minimum: Int = 1 << 16) -> UnsafeMutableRawBufferPointer {
        if capacity - end < minimum {
            if start > 0 {
                (base).copyMemory(from: base + start, byteCount: end - start)
                end -= start
                start = 0
            }
            if capacity - end < minimum {
                var newCapacity = capacity
                while newCapacity - end < minimum { newCapacity *= 2 }
                let fresh = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
                fresh.copyMemory(from: base, byteCount: end)
                base.deallocate()
                base = fresh
                capacity = newCapacity
            }
        }
        return UnsafeMutableRawBufferPointer(start: base + end, count: capacity - end)
    }

    func didReceive(_ n: Int) { end += n }

    /// The next complete frame (its body lent to `body` until the next call), nil when
    /// more bytes are needed; throws for a bad frame.
    func next() throws(FrameProblem) -> (type: ReplicationFrameType, body: UnsafeRawBufferPointer)? {
        guard end - start >= ReplicationWire.frameHeaderLength else { return nil }
        let header = UnsafeRawPointer(base + start)
        let length = Int(JournalLayout.load(header, 0, as: UInt32.self))
        let rawType: UInt16 = JournalLayout.load(header, 4, as: UInt16.self)
        guard length <= maxBody else { throw .tooLarge(length) }
        guard let type = ReplicationFrameType(rawValue: rawType) else { throw .unknownType(rawType) }
        let total = ReplicationWire.frameHeaderLength + length
        if end - start < total {
            _ = receiveSpace(minimum: total - (end - start))
            return nil
        }
        let body = UnsafeRawBufferPointer(start: base + start + ReplicationWire.frameHeaderLength, count: length)
        let crc: UInt32 = JournalLayout.load(UnsafeRawPointer(base + start), 8, as: UInt32.self)
        guard crc == CRC32C.checksum(body) else { throw .badChecksum(type: rawType) }
        start += total
        if start == end { start = 0; end = 0 }   // the body stays valid: nothing overwrites it until the next receive
        return (type, body)
    }
}
