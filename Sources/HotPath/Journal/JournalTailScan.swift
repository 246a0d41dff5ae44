import PeregrinePlatform

/// An existing journal file opened for appending and scanned to the end of its valid data.
///
/// Shared by the journal writer (resuming after a restart) and the backup server's store
/// (resuming a copy): maps the file read-write at its own length, validates its header,
/// walks the records verifying each CRC, and wipes a torn record left by a crash so readers
/// and the next append see a clean end. Set-up only (allocates, O(file)).
struct JournalTailScan {
    /// The file, mapped read-write.
    let file: MappedFile
    /// The file's roll number, from its header.
    let fileIndex: UInt64
    /// Offset just past the last valid record (where the next append goes).
    let endOffset: Int
    /// Sequence number the next record gets.
    let nextSequence: UInt64
    /// CRC of the last valid record, or of the file header when there is none.
    let lastRecordCRC: UInt32
    /// CRC stored in the file header.
    let headerCRC: UInt32
    /// Whether the file ends with an end-of-file record (the journal continues in the next).
    let sawEndOfFile: Bool
    /// Whether a torn record was found and wiped.
    let repairedTornTail: Bool

    /// Opens and scans `path`. Throws for a file that cannot be mapped or is not a journal.
    static func open(path: String) throws(JournalError) -> JournalTailScan {
        let existing: MappedFile
        do {
            let probe = try MappedFile.openReadOnly(path: path)
            let length = probe.length
            probe.close()
            existing = try MappedFile.create(path: path, length: length)
        } catch {
            throw JournalError(error, file: path)
        }
        let base = UnsafeRawPointer(existing.base)
        let index: UInt64, firstSequence: UInt64
        switch JournalLayout.readFileHeader(base, available: existing.length) {
        case .failure(let kind):
            existing.close()
            throw JournalError(kind, file: path)
        case .success(let (i, first, _)):
            index = i
            firstSequence = first
        }
        let headerCRC: UInt32 = JournalLayout.load(base, 60, as: UInt32.self)
        var offset = JournalLayout.fileHeaderLength
        var sequence = firstSequence
        var lastCRC = headerCRC
        var sawEndOfFile = false
        var repaired = false
        while offset + JournalLayout.recordHeaderLength <= existing.length {
            let length = Int(JournalLayout.load(base, offset, as: UInt32.self))
            if length == 0 { break }
            let span = JournalLayout.recordSpan(payloadLength: length)
            let fits = offset + span <= existing.length
            let stored: UInt32 = JournalLayout.load(base, offset + 24, as: UInt32.self)
            let valid = fits && stored == JournalLayout.recordChecksum(
                header: base + offset, payload: UnsafeRawBufferPointer(start: base + offset + 32, count: length))
            if !valid {
                // A torn append from a crash: wipe it so readers and the next append see a clean end.
                (existing.base + offset).initializeMemory(as: UInt8.self, repeating: 0, count: min(span, existing.length - offset))
                repaired = true
                break
            }
            let type: UInt16 = JournalLayout.load(base, offset + 4, as: UInt16.self)
            let recordSequence: UInt64 = JournalLayout.load(base, offset + 8, as: UInt64.self)
            sawEndOfFile = type == JournalRecordType.endOfFile.rawValue
            // An end-of-file record repeats the next record's number (FORMAT.md).
            sequence = sawEndOfFile ? recordSequence : recordSequence &+ 1
            lastCRC = stored
            offset += span
            if sawEndOfFile { break }
        }
        return JournalTailScan(file: existing, fileIndex: index, endOffset: offset, nextSequence: sequence,
                               lastRecordCRC: lastCRC, headerCRC: headerCRC, sawEndOfFile: sawEndOfFile,
                               repairedTornTail: repaired)
    }
}
