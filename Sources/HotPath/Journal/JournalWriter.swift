import Synchronization
import PeregrineCore
import PeregrinePlatform
#if canImport(Glibc)
import Glibc
#endif

/// How hard the writer pushes records to disk.
public enum JournalDurability: Sendable, Equatable {
    /// Leave write-back to the kernel: records survive a process crash (the shared
    /// mapping is the page cache), not a power loss. No system call per record.
    case pageCache
    /// Schedule write-back (msync MS_ASYNC) every `records` records.
    case asyncEvery(records: Int)
    /// Wait for the disk (msync MS_SYNC) every `records` records: survives power loss up
    /// to the last sync, at the price of a blocking call on the journal thread.
    case syncEvery(records: Int)
}

/// Result of an append.
@frozen
public enum JournalAppendResult: Sendable, Equatable {
    /// Written with this sequence number.
    case appended(sequence: UInt64)
    /// Not written: the writer has failed (see `JournalWriter.failure`), e.g. the disk is
    /// full and the next file could not be reserved.
    case failed
}

/// Appends records to a memory-mapped, size-rolled journal (format: FORMAT.md).
///
/// Owned by one thread — the journal agent, a consumer of the engine's rings, so the hot
/// path never waits for it. An append copies into the mapping and costs a CRC plus a few
/// stores; it allocates only when a file fills and the next is created (a file name and
/// a `posix_fallocate`). Disk full surfaces as `.failed` with `failure` set, never a crash
/// or SIGBUS. Re-opening a journal continues after its last valid record, overwriting a
/// torn tail left by a crash.
public final class JournalWriter: @unchecked Sendable {
    // SAFETY: used by one thread at a time (the journal agent); readers map the files
    // themselves and synchronize through the record length's release/acquire.
    public let directory: String
    public let name: String
    /// Bytes per file (a record never spans files).
    public let fileBytes: Int
    public let durability: JournalDurability
    private var file: MappedFile?
    /// The current file's mapping and length, cached so an append touches no reference
    /// count (a retain/release pair is two atomic read-modify-writes).
    private var currentBase: UnsafeMutableRawPointer?
    private var currentLength = 0
    private var fileIndex: UInt64 = 0
    private var position = JournalLayout.fileHeaderLength
    private var recordsSinceFlush = 0
    private var flushedUpTo = 0
    /// Sequence number the next record will get (first is 1).
    public private(set) var nextSequence: UInt64 = 1
    private var closed = false
    /// Why the writer stopped accepting records, if it did.
    public private(set) var failure: JournalError?
    /// Whether opening found and discarded a torn record at the tail.
    public private(set) var repairedTornTail = false

    /// Opens `name`'s journal in `directory` for appending (creating its first file if it
    /// has none). Throws for an unreadable folder, a file that is not a journal, a
    /// corrupt record before the tail, or a file that cannot be reserved (ENOSPC).
    public init(directory: String, name: String = "journal", fileBytes: Int = 64 << 20,
                durability: JournalDurability = .pageCache) throws(JournalError) {
        precondition(fileBytes >= 4096, "journal files must be at least 4 KiB")
        self.directory = directory
        self.name = name
        self.fileBytes = fileBytes
        self.durability = durability
        let indices = try JournalDirectory.indices(directory: directory, name: name)
        if let last = indices.last {
            try resume(index: last)
        } else {
            try openNewFile(index: 0, firstSequence: 1)
        }
    }

    /// Where an append left off in the newest file: validates it and finds the end.
    private func resume(index: UInt64) throws(JournalError) {
        let scan = try JournalTailScan.open(path: JournalDirectory.path(directory: directory, name: name, index: index))
        let existing = scan.file
        let offset = scan.endOffset
        let sequence = scan.nextSequence
        repairedTornTail = scan.repairedTornTail
        if scan.sawEndOfFile {
            existing.close()
            try openNewFile(index: index + 1, firstSequence: sequence)
            return
        }
        file = existing
        currentBase = existing.base
        currentLength = existing.length
        fileIndex = index
        position = offset
        flushedUpTo = offset
        nextSequence = sequence
    }

    private func openNewFile(index: UInt64, firstSequence: UInt64) throws(JournalError) {
        let path = JournalDirectory.path(directory: directory, name: name, index: index)
        // Build the file under a temporary name and rename it into place, so a reader never
        // sees a file without its reserved length and header.
        let temporary = path + ".new"
        let created: MappedFile
        do {
            created = try MappedFile.create(path: temporary, length: fileBytes, truncate: true)
        } catch {
            unlink(temporary)
            throw JournalError(error, file: path)
        }
        JournalLayout.writeFileHeader(created.base, fileIndex: index, firstSequence: firstSequence,
                                      createdNanos: Clock.now().nanosecondsSinceEpoch, fileLength: fileBytes)
        guard rename(temporary, path) == 0 else {
            let e = errno
            created.close()
            unlink(temporary)
            throw JournalError(.system(operation: "rename \(temporary) to \(path)", errno: e), file: path)
        }
        file = created
        currentBase = created.base
        currentLength = created.length
        fileIndex = index
        position = JournalLayout.fileHeaderLength
        flushedUpTo = 0
        nextSequence = firstSequence
    }

    /// Appends one record. Journal thread only. O(payload) for the copy and CRC; allocates
    /// only when rolling to a new file.
    public func append(type: JournalRecordType, flags: UInt16 = 0, timestamp: Timestamp,
                       payload: UnsafeRawBufferPointer) -> JournalAppendResult {
        guard let base = currentBase, !closed else { return .failed }
        let span = JournalLayout.recordSpan(payloadLength: payload.count)
        if position + span > currentLength {
            return rollAndAppend(type: type, flags: flags, timestamp: timestamp, payload: payload, span: span)
        }
        let sequence = nextSequence
        write(into: base, type: type, flags: flags, timestamp: timestamp, payload: payload)
        if durability != .pageCache {
            recordsSinceFlush += 1
            switch durability {
            case .pageCache: break
            case .asyncEvery(let n), .syncEvery(let n):
                if recordsSinceFlush >= n, let file { flushPending(file) }
            }
        }
        return .appended(sequence: sequence)
    }

    /// The slow path: close the full file (with an end-of-file marker), open the next.
    private func rollAndAppend(type: JournalRecordType, flags: UInt16, timestamp: Timestamp,
                               payload: UnsafeRawBufferPointer, span: Int) -> JournalAppendResult {
        guard let current = file, let base = currentBase else { return .failed }
        if JournalLayout.fileHeaderLength + span > fileBytes {
            failure = JournalError(.recordTooLarge(payload.count), file: current.path)
            return .failed
        }
        if position + JournalLayout.recordSpan(payloadLength: 8) <= currentLength {
            // End-of-file marker; its payload names the next file (FORMAT.md).
            let next = (fileIndex + 1).littleEndian
            withUnsafeBytes(of: next) { write(into: base, type: .endOfFile, flags: 0, timestamp: timestamp, payload: $0) }
        }
        finishFile(current)
        file = nil
        currentBase = nil
        do {
            try openNewFile(index: fileIndex + 1, firstSequence: nextSequence)
        } catch {
            failure = error
            return .failed
        }
        return append(type: type, flags: flags, timestamp: timestamp, payload: payload)
    }

    /// Appends a trivially copyable value (an event struct) as the payload.
    @inlinable
    public func append<T: BitwiseCopyable>(_ value: T, type: JournalRecordType, flags: UInt16 = 0,
                                           timestamp: Timestamp) -> JournalAppendResult {
        withUnsafeBytes(of: value) { append(type: type, flags: flags, timestamp: timestamp, payload: $0) }
    }

    @inline(__always)
    private func write(into base: UnsafeMutableRawPointer, type: JournalRecordType, flags: UInt16, timestamp: Timestamp,
                       payload: UnsafeRawBufferPointer) {
        let record = base + position
        let span = JournalLayout.recordSpan(payloadLength: payload.count)
        if let source = payload.baseAddress, payload.count > 0 {
            (record + JournalLayout.recordHeaderLength).copyMemory(from: source, byteCount: payload.count)
        }
        // Zero the padding so files are deterministic byte for byte.
        let padding = span - JournalLayout.recordHeaderLength - payload.count
        if padding > 0 {
            (record + JournalLayout.recordHeaderLength + payload.count).initializeMemory(as: UInt8.self, repeating: 0, count: padding)
        }
        // Header fields other than the length, while the length word is still 0.
        JournalLayout.store(UInt32(0), record, 0)
        JournalLayout.store(type.rawValue, record, 4)
        JournalLayout.store(flags, record, 6)
        JournalLayout.store(nextSequence, record, 8)
        JournalLayout.store(timestamp.nanosecondsSinceEpoch, record, 16)
        JournalLayout.store(UInt32(0), record, 28)
        // The CRC covers the header as it will read once complete, so compute it over a
        // stack copy that already holds the length.
        var header: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let crc = withUnsafeMutableBytes(of: &header) { h -> UInt32 in
            h.baseAddress!.copyMemory(from: record, byteCount: 24)
            JournalLayout.store(UInt32(payload.count), h.baseAddress!, 0)
            return JournalLayout.recordChecksum(header: UnsafeRawPointer(h.baseAddress!),
                                                payload: UnsafeRawBufferPointer(start: record + 32, count: payload.count))
        }
        JournalLayout.store(crc, record, 24)
        // The length goes in last: a reader that sees it non-zero sees the whole record.
        atomicStoreLength(UInt32(payload.count), at: record)
        position += span
        // End-of-file markers carry the next sequence number without consuming it, so the
        // records a reader sees are numbered consecutively across files.
        if type != .endOfFile { nextSequence &+= 1 }
    }

    /// Releasing store of the length word (little-endian on every supported CPU).
    private func atomicStoreLength(_ length: UInt32, at record: UnsafeMutableRawPointer) {
        // SAFETY: the word is 8-byte aligned inside the mapping; Atomic<UInt32> has the
        // layout of UInt32, and readers load it with acquiring ordering.
        let word = record.assumingMemoryBound(to: Atomic<UInt32>.self)
        // releasing: the payload and header stores above are visible before the length.
        word.pointee.store(length.littleEndian, ordering: .releasing)
    }

    private func flushPending(_ file: MappedFile) {
        recordsSinceFlush = 0
        let wait: Bool
        if case .syncEvery = durability { wait = true } else { wait = false }
        do {
            try file.flush(offset: flushedUpTo, count: position - flushedUpTo, wait: wait)
            flushedUpTo = position & ~4095
        } catch {
            failure = JournalError(error, file: file.path)
        }
    }

    private func finishFile(_ file: MappedFile) {
        if durability != .pageCache {
            try? file.flush(offset: 0, count: position, wait: true)
        }
        file.close()
    }

    /// Writes back everything appended so far; `wait` blocks until it is on disk.
    public func flush(wait: Bool = true) throws(JournalError) {
        guard let file else { return }
        do {
            try file.flush(offset: 0, count: position, wait: wait)
        } catch {
            throw JournalError(error, file: file.path)
        }
    }

    /// Flushes and closes the current file. Further appends return `.failed`.
    public func close() {
        if let file {
            try? file.flush(offset: 0, count: position, wait: durability != .pageCache)
            file.close()
        }
        file = nil
        currentBase = nil
        closed = true
    }

    /// The path of the file being written.
    public var currentFilePath: String? { file?.path }
}
