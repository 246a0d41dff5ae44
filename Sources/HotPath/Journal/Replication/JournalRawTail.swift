import Synchronization
import PeregrinePlatform
#if canImport(Glibc)
import Glibc
#endif

/// Tails a journal like `JournalReader` but hands out the raw bytes replication needs:
/// each file's 64-byte header and every record's header and payload — end-of-file records
/// included, which `JournalReader` consumes silently — so a backup can rebuild
/// byte-identical files. Verifies every record's CRC and the sequence numbers; stops at a
/// torn tail (writer crash) and sees the writer's repair on the next call.
///
/// One owner thread (the replication agent). Reading allocates only when a file is mapped.
final class JournalRawTail {
    enum Item {
        /// A file starts: its header, exactly as on disk.
        case fileHeader(index: UInt64, bytes: UnsafeRawBufferPointer)
        /// A record (header + payload, without padding) at `offset` of file `index`.
        /// `sequence` is the record's number (an end-of-file record repeats the next one's).
        case record(index: UInt64, offset: Int, bytes: UnsafeRawBufferPointer, sequence: UInt64, span: Int, isEndOfFile: Bool)
    }

    /// Why a resume position does not fit this journal.
    struct Diverged: Error { var text: String }

    let directory: String
    let name: String
    private(set) var fileIndex: UInt64
    private var file: MappedFile?
    private var offset = JournalLayout.fileHeaderLength
    private var headerPending = true
    private var moveAfterEndOfFile = false
    private(set) var expectedSequence: UInt64?
    private(set) var stoppedAtTornTail = false

    /// Starts before the header of the journal's first file.
    init(directory: String, name: String) throws(JournalError) {
        self.directory = directory
        self.name = name
        fileIndex = try JournalDirectory.indices(directory: directory, name: name).first ?? 0
    }

    deinit { file?.close() }

    /// Positions the tail just after what a backup holds (`position` from its resume frame).
    /// Throws `Diverged` when the backup's data is not a prefix of this journal.
    func seek(to position: ReplicationPosition) throws(Diverged) {
        file?.close()
        file = nil
        moveAfterEndOfFile = false
        if position.offset == 0 {
            // The backup is empty: start from our first file.
            headerPending = true
            expectedSequence = nil
            return
        }
        fileIndex = position.fileIndex
        headerPending = false
        let opened: MappedFile?
        do {
            opened = try openCurrent()
        } catch {
            throw Diverged(text: "cannot open file \(position.fileIndex) of '\(name)': \(error)")
        }
        guard let mapped = opened else {
            throw Diverged(text: "the backup holds file \(position.fileIndex) of '\(name)', which this journal does not have")
        }
        let base = UnsafeRawPointer(mapped.base)
        let target = Int(clamping: position.offset)
        var at = JournalLayout.fileHeaderLength
        var lastCRC: UInt32 = JournalLayout.load(base, 60, as: UInt32.self)
        guard lastCRC == position.fileHeaderCRC else {
            throw Diverged(text: "the backup's file \(fileIndex) has another header (another journal of the same name?)")
        }
        var next: UInt64 = JournalLayout.load(base, 24, as: UInt64.self)
        var lastWasEndOfFile = false
        while at < target {
            let length = lengthWord(mapped, at: at)
            guard length > 0 else {
                throw Diverged(text: "the backup holds file \(fileIndex) up to offset \(target); this journal's data there ends at \(at)")
            }
            let span = JournalLayout.recordSpan(payloadLength: length)
            guard at + span <= mapped.length else { throw Diverged(text: "record at offset \(at) of file \(fileIndex) runs past the file") }
            lastCRC = JournalLayout.load(base, at + 24, as: UInt32.self)
            let type: UInt16 = JournalLayout.load(base, at + 4, as: UInt16.self)
            let sequence: UInt64 = JournalLayout.load(base, at + 8, as: UInt64.self)
            lastWasEndOfFile = type == JournalRecordType.endOfFile.rawValue
            next = lastWasEndOfFile ? sequence : sequence &+ 1
            at += span
        }
        guard at == target else {
            throw Diverged(text: "the backup's end of file \(fileIndex), offset \(target), is not a record boundary here")
        }
        guard lastCRC == position.lastCRC, next == position.nextSequence else {
            throw Diverged(text: "the backup's data differs from this journal at file \(fileIndex) offset \(target) (next sequence \(position.nextSequence) vs \(next))")
        }
        offset = target
        headerPending = false
        expectedSequence = next
        moveAfterEndOfFile = lastWasEndOfFile
    }

    private func openCurrent() throws(JournalError) -> MappedFile? {
        if let file { return file }
        let path = JournalDirectory.path(directory: directory, name: name, index: fileIndex)
        let mapped: MappedFile
        do {
            mapped = try MappedFile.openReadOnly(path: path)
        } catch {
            if error.errno == ENOENT { return nil }
            throw JournalError(error, file: path)
        }
        switch JournalLayout.readFileHeader(UnsafeRawPointer(mapped.base), available: mapped.length) {
        case .failure(let kind): throw JournalError(kind, file: path)
        case .success(let (index, firstSequence, length)):
            guard index == fileIndex else {
                throw JournalError(.badFileHeader("file says it is number \(index), its name says \(fileIndex)"), file: path)
            }
            guard length == mapped.length else {
                throw JournalError(.badFileHeader("header says \(length) bytes, the file has \(mapped.length)"), file: path)
            }
            if headerPending {
                if let expected = expectedSequence, expected != firstSequence {
                    throw JournalError(.sequenceGap(expected: expected, found: firstSequence), file: path)
                }
                expectedSequence = firstSequence
            }
        }
        file = mapped
        offset = JournalLayout.fileHeaderLength
        return mapped
    }

    /// The next item, or nil when there is none yet. The bytes stay valid until the next call.
    func next() throws(JournalError) -> Item? {
        while true {
            if moveAfterEndOfFile {
                moveAfterEndOfFile = false
                moveToNextFile()
            }
            guard let current = try openCurrent() else { return nil }
            let base = UnsafeRawPointer(current.base)
            if headerPending {
                headerPending = false
                return .fileHeader(index: fileIndex, bytes: UnsafeRawBufferPointer(start: base, count: JournalLayout.fileHeaderLength))
            }
            var length = lengthWord(current, at: offset)
            if length == 0 {
                // As in JournalReader: the next file exists only once this one is finished,
                // but a record may have completed between the load and the check.
                guard nextFileExists() else { return nil }
                length = lengthWord(current, at: offset)
                if length == 0 {
                    moveToNextFile()
                    continue
                }
            }
            let span = JournalLayout.recordSpan(payloadLength: length)
            let fits = offset + span <= current.length
            let crc: UInt32 = JournalLayout.load(base, offset + 24, as: UInt32.self)
            if !fits || crc != JournalLayout.recordChecksum(header: base + offset,
                                                          payload: UnsafeRawBufferPointer(start: base + offset + 32, count: length)) {
                if !nextFileExists() && restIsEmpty(current, after: fits ? offset + span : current.length) {
                    stoppedAtTornTail = true
                    return nil
                }
                throw JournalError(.corruptRecord(fits ? "checksum mismatch" : "length \(length) runs past the end of the file"),
                                   file: current.path, offset: offset)
            }
            stoppedAtTornTail = false
            let type: UInt16 = JournalLayout.load(base, offset + 4, as: UInt16.self)
            let sequence: UInt64 = JournalLayout.load(base, offset + 8, as: UInt64.self)
            if let expected = expectedSequence, sequence != expected {
                throw JournalError(.sequenceGap(expected: expected, found: sequence), file: current.path, offset: offset)
            }
            let isEndOfFile = type == JournalRecordType.endOfFile.rawValue
            expectedSequence = isEndOfFile ? sequence : sequence &+ 1
            let item = Item.record(index: fileIndex, offset: offset,
                                   bytes: UnsafeRawBufferPointer(start: base + offset, count: JournalLayout.recordHeaderLength + length),
                                   sequence: sequence, span: span, isEndOfFile: isEndOfFile)
            offset += span
            if isEndOfFile { moveAfterEndOfFile = true }
            return item
        }
    }

    private func lengthWord(_ file: MappedFile, at offset: Int) -> Int {
        guard offset + JournalLayout.recordHeaderLength <= file.length else { return 0 }
        // acquiring: pairs with the writer's releasing store of the length.
        let word = (file.base + offset).assumingMemoryBound(to: Atomic<UInt32>.self)
        return Int(UInt32(littleEndian: word.pointee.load(ordering: .acquiring)))
    }

    private func nextFileExists() -> Bool {
        access(JournalDirectory.path(directory: directory, name: name, index: fileIndex + 1), F_OK) == 0
    }

    private func moveToNextFile() {
        file?.close()
        file = nil
        fileIndex += 1
        headerPending = true
    }

    private func restIsEmpty(_ file: MappedFile, after position: Int) -> Bool {
        var p = (position + 7) & ~7
        while p + 4 <= file.length {
            if JournalLayout.load(UnsafeRawPointer(file.base), p, as: UInt32.self) != 0 { return false }
            p += 8
        }
        return true
    }
}
