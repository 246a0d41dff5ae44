import Synchronization
import PeregrinePlatform
#if canImport(Glibc)
import Glibc
#endif

/// How hard the backup server pushes received records to disk before acknowledging them.
public enum JournalBackupDurability: Sendable, Equatable {
    /// Ack once the record is in the (shared, file-backed) mapping: survives a crash of the
    /// server process, not a power loss of the backup host.
    case pageCache
    /// msync (MS_SYNC) the new bytes before every ack: an ack means "on the backup's disk".
    case syncBeforeAck
}

/// A refused frame: what to tell the client, then close.
struct BackupRefusal: Error {
    var code: ReplicationErrorCode
    var text: String
}

/// The backup's copy of one journal: validates each file header and record from the
/// client and writes it at the same offset as in the original (FORMAT.md layout), so the
/// files come out byte-identical. One connection thread owns it at a time.
final class BackupJournalStore {
    let directory: String
    let name: String
    let durability: JournalBackupDurability
    private var file: MappedFile?
    private(set) var fileIndex: UInt64 = 0
    private(set) var position = 0
    private(set) var nextSequence: UInt64 = 1
    private var lastCRC: UInt32 = 0
    private var headerCRC: UInt32 = 0
    private var sawEndOfFile = false
    private var syncedUpTo = 0
    /// Header and record bytes applied since `open` (what acks report).
    private(set) var appliedBytes: UInt64 = 0
    /// Records (end-of-file markers included) applied since `open`.
    private(set) var appliedRecords: UInt64 = 0
    /// Whether opening wiped a torn record at the tail (a crash mid-write).
    private(set) var repairedTornTail = false

    /// Opens (or starts) the copy of `name` in `directory`: scans the newest file for the
    /// end of valid data and wipes a torn tail.
    init(directory: String, name: String, durability: JournalBackupDurability) throws(JournalError) {
        self.directory = directory
        self.name = name
        self.durability = durability
        guard let last = try JournalDirectory.indices(directory: directory, name: name).last else { return }
        let path = JournalDirectory.path(directory: directory, name: name, index: last)
        let scan = try JournalTailScan.open(path: path)
        guard scan.fileIndex == last else {
            scan.file.close()
            throw JournalError(.badFileHeader("file says it is number \(scan.fileIndex), its name says \(last)"), file: path)
        }
        repairedTornTail = scan.repairedTornTail
        file = scan.file
        fileIndex = last
        position = scan.endOffset
        nextSequence = scan.nextSequence
        lastCRC = scan.lastRecordCRC
        headerCRC = scan.headerCRC
        sawEndOfFile = scan.sawEndOfFile
        syncedUpTo = repairedTornTail ? 0 : scan.endOffset
    }

    deinit { file?.close() }

    /// Where the copy ends (the resume and ack position).
    var resumePosition: ReplicationPosition {
        file == nil ? .empty
                    : ReplicationPosition(fileIndex: fileIndex, offset: UInt64(position), nextSequence: nextSequence,
                                                        lastCRC: lastCRC, fileHeaderCRC: headerCRC)
    }

    /// Starts a new file from the client's header (64 bytes as in the original).
    func applyFileHeader(_ bytes: UnsafeRawBufferPointer) throws(BackupRefusal) {
        guard bytes.count == JournalLayout.fileHeaderLength, let source = bytes.baseAddress else {
            throw BackupRefusal(code: .protocolViolation, text: "file header frame of \(bytes.count) bytes (expected 64)")
        }
        let index: UInt64, firstSequence: UInt64, length: Int
        switch JournalLayout.readFileHeader(source, available: bytes.count) {
        case .failure(let kind): throw BackupRefusal(code: .corrupt, text: "bad file header: \(kind)")
        case .success(let (i, f, l)): (index, firstSequence, length) = (i, f, l)
        }
        guard length >= 4096, length <= 1 << 40, length % 8 == 0 else {
            throw BackupRefusal(code: .protocolViolation, text: "file length \(length) is not a plausible journal file size")
        }
        if let current = file {
            guard index == fileIndex + 1 else {
                throw BackupRefusal(code: .outOfOrder, text: "file \(index) follows file \(fileIndex)")
            }
            guard firstSequence == nextSequence else {
                throw BackupRefusal(code: .outOfOrder, text: "file \(index) starts at sequence \(firstSequence), expected \(nextSequence)")
            }
            guard sawEndOfFile || position + JournalLayout.recordSpan(payloadLength: 8) > current.length else {
                throw BackupRefusal(code: .outOfOrder, text: "file \(index) starts before file \(fileIndex) is finished (data ends at \(position))")
            }
        }
        let path = JournalDirectory.path(directory: directory, name: name, index: index)
        let temporary = path + ".new"
        let created: MappedFile
        do {
            created = try MappedFile.create(path: temporary, length: length, truncate: true)
        } catch {
            unlink(temporary)
            throw BackupRefusal(code: .storage, text: "cannot create \(path): \(error)")
        }
        created.base.copyMemory(from: source, byteCount: JournalLayout.fileHeaderLength)
        if durability == .syncBeforeAck {
            do { try created.flush(offset: 0, count: JournalLayout.fileHeaderLength, wait: true) } catch {
                created.close(); unlink(temporary)
                throw BackupRefusal(code: .storage, text: "cannot sync \(path): \(error)")
            }
        }
        guard rename(temporary, path) == 0 else {
            let e = errno
            created.close(); unlink(temporary)
            throw BackupRefusal(code: .storage, text: "rename to \(path): \(SystemError("rename", errno: e).reason)")
        }
        if durability == .syncBeforeAck, let dir = opendir(directory) {
            _ = fsync(dirfd(dir))   // the new file's name is durable too
            closedir(dir)
        }
        if let previous = file {
            if durability == .syncBeforeAck { try? previous.flush(offset: 0, count: position, wait: true) }
            previous.close()
        }
        file = created
        fileIndex = index
        position = JournalLayout.fileHeaderLength
        syncedUpTo = position
        nextSequence = firstSequence
        lastCRC = JournalLayout.load(source, 60, as: UInt32.self)
        headerCRC = lastCRC
        sawEndOfFile = false
        appliedBytes &+= UInt64(JournalLayout.fileHeaderLength)
    }

    /// Validates and writes one record (`bytes`: header + payload) claimed to sit at
    /// `offset` of file `index`.
    func applyRecord(index: UInt64, offset: UInt64, bytes: UnsafeRawBufferPointer) throws(BackupRefusal) {
        guard let current = file else {
            throw BackupRefusal(code: .outOfOrder, text: "record before any file header")
        }
        guard bytes.count >= JournalLayout.recordHeaderLength, let source = bytes.baseAddress else {
            throw BackupRefusal(code: .protocolViolation, text: "record frame of \(bytes.count) bytes")
        }
        let length = Int(JournalLayout.load(source, 0, as: UInt32.self))
        guard length > 0, bytes.count == JournalLayout.recordHeaderLength + length else {
            throw BackupRefusal(code: .protocolViolation, text: "record says \(length) payload bytes, frame carries \(bytes.count - JournalLayout.recordHeaderLength)")
        }
        let stored: UInt32 = JournalLayout.load(source, 24, as: UInt32.self)
        guard stored == JournalLayout.recordChecksum(header: source, payload: UnsafeRawBufferPointer(start: source + 32, count: length)) else {
            throw BackupRefusal(code: .corrupt, text: "record checksum mismatch at file \(index) offset \(offset)")
        }
        guard index == fileIndex, offset == UInt64(position), !sawEndOfFile else {
            throw BackupRefusal(code: .outOfOrder, text: "record for file \(index) offset \(offset); the backup's data ends at file \(fileIndex) offset \(position)\(sawEndOfFile ? " (finished)" : "")")
        }
        let type: UInt16 = JournalLayout.load(source, 4, as: UInt16.self)
        let sequence: UInt64 = JournalLayout.load(source, 8, as: UInt64.self)
        guard sequence == nextSequence else {
            throw BackupRefusal(code: .outOfOrder, text: "record sequence \(sequence), expected \(nextSequence)")
        }
        let span = JournalLayout.recordSpan(payloadLength: length)
        guard position + span <= current.length else {
            throw BackupRefusal(code: .outOfOrder, text: "record of \(span) bytes at offset \(position) runs past the \(current.length)-byte file")
        }
        let isEndOfFile = type == JournalRecordType.endOfFile.rawValue
        if isEndOfFile {
            guard length == 8, JournalLayout.load(source, 32, as: UInt64.self) == fileIndex + 1 else {
                throw BackupRefusal(code: .protocolViolation, text: "end-of-file record does not name file \(fileIndex + 1)")
            }
        }
        let target = current.base + position
        // Everything but the length word first, the length last (releasing), as the journal
        // writer does: a reader tailing the backup never sees half a record.
        (target + 4).copyMemory(from: source + 4, byteCount: bytes.count - 4)
        let padding = span - bytes.count
        if padding > 0 { (target + bytes.count).initializeMemory(as: UInt8.self, repeating: 0, count: padding) }
        let word = target.assumingMemoryBound(to: Atomic<UInt32>.self)
        word.pointee.store(UInt32(length).littleEndian, ordering: .releasing)
        position += span
        lastCRC = stored
        if isEndOfFile { sawEndOfFile = true } else { nextSequence = sequence &+ 1 }
        appliedBytes &+= UInt64(span)
        appliedRecords &+= 1
    }

    /// Makes everything applied durable per the policy (before an ack).
    func syncForAck() throws(BackupRefusal) {
        guard durability == .syncBeforeAck, let file, position > syncedUpTo else { return }
        do {
            try file.flush(offset: syncedUpTo, count: position - syncedUpTo, wait: true)
        } catch {
            throw BackupRefusal(code: .storage, text: "cannot sync \(file.path): \(error)")
        }
        syncedUpTo = position
    }

    func close() {
        if let file {
            try? file.flush(offset: 0, count: position, wait: durability == .syncBeforeAck)
            file.close()
        }
        file = nil
    }
}
