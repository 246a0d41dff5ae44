import PeregrineCore
import PeregrineFIX
import PeregrinePlatform

// File layout (little-endian), one file per session:
//   0      "PFXSTOR1"
//   64     state slot A (64 bytes)   generation u64, epoch u64, creation ns i64,
//   128    state slot B (64 bytes)   next sender u64, next target u64, CRC-32C u32 of the 40 bytes
//   4096…  records, 8-byte aligned:  length u32, CRC-32C u32 (of epoch, seq, payload),
//                                    epoch u32, seq u32, payload (the message as sent)
// The state is written to the slot the next generation selects, so a write torn by a crash
// leaves the other slot intact; the reader takes the valid slot with the higher
// generation. Records end at the first zero length, bad CRC or other epoch (a reset bumps
// the epoch instead of erasing), so a torn tail is simply where the log ends. Writes go to
// a MAP_SHARED mapping: they survive kill -9 as soon as they are made (the page cache holds
// them); `syncEveryWrite` adds msync for power loss.

/// A crash-safe FIX message store in one memory-mapped file (sequence numbers and every
/// stored message, CRC'd). See the layout note above.
///
/// Thread: the session's owner. Set-up (`open`) allocates and throws `SystemError`;
/// `save` and sequence updates do not allocate (except the index growing) and never
/// throw: a full file stops storing (`droppedMessages` counts them; resends then gap-fill).
public final class FIXFileStore: FIXMessageStore {
    static let magic: [UInt8] = Array("PFXSTOR1".utf8)
    static let slotOffsets = [64, 128]
    static let logStart = 4096

    let file: MappedFile
    /// Whether every write is followed by a synchronous msync.
    public let syncEveryWrite: Bool
    var generation: UInt64 = 0
    var epoch: UInt64 = 1
    var created = Timestamp.zero
    var sender = 1
    var target = 1
    var logEnd = FIXFileStore.logStart
    var offsets: [Int] = []      // by sequence number; 0 = not stored
    /// Messages not stored because the file was full.
    public private(set) var droppedMessages = 0
    /// The file's path.
    public var path: String { file.path }

    /// Opens (or creates) the store file at `path`, reserving `capacity` bytes, and
    /// recovers the state and message index. Throws `SystemError` (open, reserve, mmap).
    public init(path: String, capacity: Int = 64 << 20, syncEveryWrite: Bool = false,
                creationTime: Timestamp = .zero) throws(SystemError) {
        precondition(capacity > FIXFileStore.logStart * 2, "store capacity too small")
        file = try MappedFile.create(path: path, length: capacity)
        self.syncEveryWrite = syncEveryWrite
        let base = file.base
        var fresh = false
        for i in 0..<8 where base.load(fromByteOffset: i, as: UInt8.self) != Self.magic[i] { fresh = true }
        if fresh {
            for i in 0..<8 { base.storeBytes(of: Self.magic[i], toByteOffset: i, as: UInt8.self) }
            created = creationTime
            writeState()
        } else {
            recover()
        }
    }

    /// Unmaps the file (also on deinit).
    public func close() { file.close() }

    public var creationTime: Timestamp { created }

    public var nextSenderSequenceNumber: Int {
        get { sender }
        set { sender = newValue; writeState() }
    }

    public var nextTargetSequenceNumber: Int {
        get { target }
        set { target = newValue; writeState() }
    }

    public func save(sequenceNumber: Int, message: UnsafeRawBufferPointer) {
        let recordLength = (16 + message.count + 7) & ~7
        guard sequenceNumber > 0, logEnd + recordLength + 16 <= file.length else { droppedMessages += 1; return }
        let base = file.base + logEnd
        base.storeBytes(of: UInt32(truncatingIfNeeded: epoch).littleEndian, toByteOffset: 8, as: UInt32.self)
        base.storeBytes(of: UInt32(truncatingIfNeeded: sequenceNumber).littleEndian, toByteOffset: 12, as: UInt32.self)
        if let source = message.baseAddress { (base + 16).copyMemory(from: source, byteCount: message.count) }
        // End marker first, then the CRC, then the length: a reader sees the record only
        // once all of it is there.
        (file.base + logEnd + recordLength).storeBytes(of: UInt32(0), as: UInt32.self)
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(start: base + 8, count: 8 + message.count))
        base.storeBytes(of: crc.littleEndian, toByteOffset: 4, as: UInt32.self)
        base.storeBytes(of: UInt32(message.count).littleEndian, as: UInt32.self)
        if sequenceNumber >= offsets.count { offsets += [Int](repeating: 0, count: sequenceNumber + 1 - offsets.count + 64) }
        offsets[sequenceNumber] = logEnd
        if syncEveryWrite { try? file.flush(offset: logEnd, count: recordLength, wait: true) }
        logEnd += recordLength
    }

    public func withMessage(sequenceNumber: Int, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        guard sequenceNumber > 0, sequenceNumber < offsets.count, offsets[sequenceNumber] != 0 else { return false }
        let base = file.base + offsets[sequenceNumber]
        let length = Int(UInt32(littleEndian: base.load(as: UInt32.self)))
        body(UnsafeRawBufferPointer(start: base + 16, count: length))
        return true
    }

    public func reset(at time: Timestamp) {
        epoch += 1
        sender = 1
        target = 1
        created = time
        logEnd = Self.logStart
        offsets.removeAll(keepingCapacity: true)
        writeState()
    }

    func writeState() {
        generation += 1
        let slot = file.base + Self.slotOffsets[Int(generation % 2)]
        slot.storeBytes(of: generation.littleEndian, toByteOffset: 0, as: UInt64.self)
        slot.storeBytes(of: epoch.littleEndian, toByteOffset: 8, as: UInt64.self)
        slot.storeBytes(of: created.nanosecondsSinceEpoch.littleEndian, toByteOffset: 16, as: Int64.self)
        slot.storeBytes(of: UInt64(sender).littleEndian, toByteOffset: 24, as: UInt64.self)
        slot.storeBytes(of: UInt64(target).littleEndian, toByteOffset: 32, as: UInt64.self)
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(start: slot, count: 40))
        slot.storeBytes(of: crc.littleEndian, toByteOffset: 40, as: UInt32.self)
        if syncEveryWrite { try? file.flush(offset: 0, count: 4096, wait: true) }
    }

    func recover() {
        var best: UnsafeMutableRawPointer? = nil
        var bestGeneration: UInt64 = 0
        for offset in Self.slotOffsets {
            let slot = file.base + offset
            let crc = UInt32(littleEndian: slot.load(fromByteOffset: 40, as: UInt32.self))
            guard crc == CRC32C.checksum(UnsafeRawBufferPointer(start: slot, count: 40)) else { continue }
            let g = UInt64(littleEndian: slot.load(as: UInt64.self))
            if g >= bestGeneration { bestGeneration = g; best = slot }
        }
        if let slot = best {
            generation = bestGeneration
            epoch = UInt64(littleEndian: slot.load(fromByteOffset: 8, as: UInt64.self))
            created = Timestamp(nanosecondsSinceEpoch: Int64(littleEndian: slot.load(fromByteOffset: 16, as: Int64.self)))
            sender = Int(UInt64(littleEndian: slot.load(fromByteOffset: 24, as: UInt64.self)))
            target = Int(UInt64(littleEndian: slot.load(fromByteOffset: 32, as: UInt64.self)))
        }
        // Scan the log.
        var offset = Self.logStart
        var lastSequence = 0
        while offset + 16 <= file.length {
            let base = file.base + offset
            let length = Int(UInt32(littleEndian: base.load(as: UInt32.self)))
            guard length > 0, offset + 16 + length <= file.length else { break }
            let recordEpoch = UInt32(littleEndian: base.load(fromByteOffset: 8, as: UInt32.self))
            guard recordEpoch == UInt32(truncatingIfNeeded: epoch) else { break }
            let crc = UInt32(littleEndian: base.load(fromByteOffset: 4, as: UInt32.self))
            guard crc == CRC32C.checksum(UnsafeRawBufferPointer(start: base + 8, count: 8 + length)) else { break }
            let sequence = Int(UInt32(littleEndian: base.load(fromByteOffset: 12, as: UInt32.self)))
            if sequence >= offsets.count { offsets += [Int](repeating: 0, count: sequence + 1 - offsets.count + 64) }
            offsets[sequence] = offset
            lastSequence = max(lastSequence, sequence)
            offset += (16 + length + 7) & ~7
        }
        logEnd = offset
        // A message stored but whose state update was lost still counts as sent.
        if lastSequence + 1 > sender { sender = lastSequence + 1; writeState() }
    }
}
