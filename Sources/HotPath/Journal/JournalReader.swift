import Synchronization
import PeregrineCore
import PeregrinePlatform
#if canImport(Glibc)
import Glibc
#endif

/// One record as read from the journal; `payload` stays valid until the reader moves to
/// another file (copy what you keep).
public struct JournalRecord: @unchecked Sendable {
    // SAFETY: a view into a read-only mapping owned by the reader.
    public var type: JournalRecordType
    public var flags: UInt16
    public var sequence: UInt64
    public var timestamp: Timestamp
    public var payload: UnsafeRawBufferPointer
    /// Path of the file and offset of the record (for error reports and resume points).
    public var file: String
    public var offset: Int

    /// The payload as a trivially copyable value; `nil` if the size differs.
    public func load<T: BitwiseCopyable>(as type: T.Type) -> T? {
        guard payload.count == MemoryLayout<T>.size, let base = payload.baseAddress else { return nil }
        return base.loadUnaligned(as: T.self)
    }
}

/// Reads a journal in order across its files, verifying every record; can tail a journal
/// that a writer is still appending to (call `next()` again after it returned `nil`).
///
/// Any thread may own a reader (one at a time). Reading a record is O(payload) for the CRC
/// and does not allocate; moving to the next file maps it (allocates).
public final class JournalReader: @unchecked Sendable {
    // SAFETY: owned by one thread at a time.
    public let directory: String
    public let name: String
    private var file: MappedFile?
    private var fileIndex: UInt64
    private var offset = JournalLayout.fileHeaderLength
    private var expectedSequence: UInt64?
    /// Whether the reader stopped at a torn record at the tail (a writer crash).
    public private(set) var stoppedAtTornTail = false

    /// Opens `name`'s journal in `directory` at its first file (or `fromFile`).
    public init(directory: String, name: String = "journal", fromFile: UInt64? = nil) throws(JournalError) {
        self.directory = directory
        self.name = name
        let indices = try JournalDirectory.indices(directory: directory, name: name)
        fileIndex = fromFile ?? indices.first ?? 0
    }

    private func openCurrent() throws(JournalError) -> MappedFile? {
        if let file { return file }
        let path = JournalDirectory.path(directory: directory, name: name, index: fileIndex)
        let mapped: MappedFile
        do {
            mapped = try MappedFile.openReadOnly(path: path)
        } catch {
            if error.errno == 2 { return nil }   // ENOENT: not written yet
            throw JournalError(error, file: path)
        }
        switch JournalLayout.readFileHeader(UnsafeRawPointer(mapped.base), available: mapped.length) {
        case .failure(let kind): throw JournalError(kind, file: path)
        case .success(let (index, firstSequence, _)):
            guard index == fileIndex else {
                throw JournalError(.badFileHeader("file says it is number \(index), its name says \(fileIndex)"), file: path)
            }
            if let expected = expectedSequence, expected != firstSequence {
                throw JournalError(.sequenceGap(expected: expected, found: firstSequence), file: path)
            }
        }
        file = mapped
        offset = JournalLayout.fileHeaderLength
        return mapped
    }

    /// The next record, or `nil` when there is none yet (end of data). Throws on
    /// corruption (a bad record followed by more data, a sequence gap, a bad header).
    public func next() throws(JournalError) -> JournalRecord? {
        while true {
            guard let current = try openCurrent() else { return nil }
            let base = UnsafeRawPointer(current.base)
            var length = lengthWord(current, at: offset)
            if length == 0 {
                // End of data. The writer creates the next file only after finishing this
                // one, so if it exists this file is complete — but a record may have been
                // completed between our load and that check: look once more first.
                guard nextFileExists() else { return nil }
                length = lengthWord(current, at: offset)
                if length == 0 {
                    moveToNextFile(current)
                    continue
                }
            }
            let span = JournalLayout.recordSpan(payloadLength: length)
            let payload = UnsafeRawBufferPointer(start: base + offset + 32, count: min(length, max(0, current.length - offset - 32)))
            let crc: UInt32 = JournalLayout.load(base, offset + 24, as: UInt32.self)
            if offset + span > current.length || crc != JournalLayout.recordChecksum(header: base + offset, payload: payload) {
                if try isNewestFile() && restIsEmpty(current, after: offset + min(span, current.length - offset)) {
                    stoppedAtTornTail = true
                    return nil
                }
                throw JournalError(.corruptRecord(offset + span > current.length ? "length \(length) runs past the end of the file" : "checksum mismatch"),
                                   file: current.path, offset: offset)
            }
            let type = JournalRecordType(rawValue: JournalLayout.load(base, offset + 4, as: UInt16.self))
            let sequence: UInt64 = JournalLayout.load(base, offset + 8, as: UInt64.self)
            if let expected = expectedSequence, sequence != expected {
                throw JournalError(.sequenceGap(expected: expected, found: sequence), file: current.path, offset: offset)
            }
            expectedSequence = type == .endOfFile ? sequence : sequence &+ 1
            let record = JournalRecord(type: type, flags: JournalLayout.load(base, offset + 6, as: UInt16.self),
                                       sequence: sequence,
                                       timestamp: Timestamp(nanosecondsSinceEpoch: JournalLayout.load(base, offset + 16, as: Int64.self)),
                                       payload: payload, file: current.path, offset: offset)
            offset += span
            if type == .endOfFile {
                moveToNextFile(current)
                continue
            }
            return record
        }
    }

    /// The length word of the record at `offset` (0 when none, or no room for one).
    private func lengthWord(_ file: MappedFile, at offset: Int) -> Int {
        guard offset + JournalLayout.recordHeaderLength <= file.length else { return 0 }
        // acquiring: pairs with the writer's releasing store of the length.
        let word = (file.base + offset).assumingMemoryBound(to: Atomic<UInt32>.self)
        return Int(UInt32(littleEndian: word.pointee.load(ordering: .acquiring)))
    }

    private func isNewestFile() throws(JournalError) -> Bool { !nextFileExists() }

    private func nextFileExists() -> Bool {
        access(JournalDirectory.path(directory: directory, name: name, index: fileIndex + 1), F_OK) == 0
    }

    private func moveToNextFile(_ current: MappedFile) {
        current.close()
        file = nil
        fileIndex += 1
    }

    private func restIsEmpty(_ file: MappedFile, after position: Int) -> Bool {
        var p = (position + 7) & ~7
        while p + 4 <= file.length {
            if JournalLayout.load(UnsafeRawPointer(file.base), p, as: UInt32.self) != 0 { return false }
            p += 8    // record headers sit on 8-byte boundaries
        }
        return true
    }
}
