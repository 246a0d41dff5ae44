import PeregrinePlatform
#if canImport(Glibc)
import Glibc
#endif

/// What a verified journal holds.
public struct JournalVerification: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    /// Files, first and last roll number.
    public var files: Int
    public var firstFile: UInt64
    public var lastFile: UInt64
    /// Records (end-of-file markers not counted) and their sequence range (0…0 when none).
    public var records: Int
    public var firstSequence: UInt64
    public var lastSequence: UInt64
    /// Bytes in use (headers and records with padding) over all files.
    public var usedBytes: Int
    /// Offset of a torn record at the end of the newest file (a crash mid-write), if any;
    /// everything before it is valid.
    public var tornTailOffset: Int?

    public var description: String {
        var text = "\(name): \(files) file(s) [\(firstFile)…\(lastFile)], \(records) record(s)"
        if records > 0 { text += " #\(firstSequence)…#\(lastSequence)" }
        text += ", \(usedBytes) bytes in use"
        if let t = tornTailOffset { text += "; torn record at the tail (offset \(t)) ignored" }
        return text
    }
}

/// Restores a journal from a backup folder (the layout `JournalBackupServer` writes, which
/// is the journal's own): verifies every file and record, copies the files byte for byte
/// (each under a temporary name, fsynced, then renamed into place) and verifies the copy.
/// Cold path (a command-line tool); allocates freely.
public enum JournalRestore {
    /// Journal names found in `directory` (files `NAME-<10 digits>.pjournal`), sorted.
    public static func journalNames(in directory: String) throws(JournalError) -> [String] {
        guard let dir = opendir(directory) else {
            throw JournalError(.system(operation: "open folder \(directory)", errno: errno), file: directory)
        }
        defer { closedir(dir) }
        var names = Set<String>()
        while let entry = readdir(dir) {
            let fileName = withUnsafeBytes(of: entry.pointee.d_name) { raw -> String in
                let bytes = raw.bindMemory(to: UInt8.self)
                return String(decoding: bytes[0..<(bytes.firstIndex(of: 0) ?? bytes.count)], as: UTF8.self)
            }
            guard fileName.hasSuffix(JournalDirectory.suffix) else { continue }
            let stem = fileName.dropLast(JournalDirectory.suffix.count)
            guard let dash = stem.lastIndex(of: "-") else { continue }
            let digits = stem[stem.index(after: dash)...]
            guard digits.count == 10, digits.allSatisfy({ $0.isASCII && $0.isNumber }), dash > stem.startIndex else { continue }
            names.insert(String(stem[..<dash]))
        }
        return names.sorted()
    }

    /// Checks every file and record of `name`'s journal in `directory`: consecutive roll
    /// numbers, headers, record CRCs, consecutive sequence numbers within and across files,
    /// every file but the newest finished, zeros after the data. Throws on the first problem.
    public static func verify(directory: String, name: String = "journal") throws(JournalError) -> JournalVerification {
        let indices = try JournalDirectory.indices(directory: directory, name: name)
        guard let first = indices.first, let last = indices.last else {
            throw JournalError(.badFileHeader("no files of journal '\(name)'"), file: directory)
        }
        var result = JournalVerification(name: name, files: indices.count, firstFile: first, lastFile: last, records: 0,
                                         firstSequence: 0, lastSequence: 0, usedBytes: 0, tornTailOffset: nil)
        var expected: UInt64?
        for (n, index) in indices.enumerated() {
            let path = JournalDirectory.path(directory: directory, name: name, index: index)
            guard index == first + UInt64(n) else {
                throw JournalError(.sequenceGap(expected: first + UInt64(n), found: index), file: path)
            }
            let mapped: MappedFile
            do { mapped = try MappedFile.openReadOnly(path: path) } catch { throw JournalError(error, file: path) }
            defer { mapped.close() }
            let base = UnsafeRawPointer(mapped.base)
            let firstSequence: UInt64
            switch JournalLayout.readFileHeader(base, available: mapped.length) {
            case .failure(let kind): throw JournalError(kind, file: path)
            case .success(let (i, f, length)):
                guard i == index else { throw JournalError(.badFileHeader("file says it is number \(i), its name says \(index)"), file: path) }
                guard length == mapped.length else {
                    throw JournalError(.badFileHeader("header says \(length) bytes, the file has \(mapped.length)"), file: path)
                }
                firstSequence = f
            }
            if let e = expected, e != firstSequence { throw JournalError(.sequenceGap(expected: e, found: firstSequence), file: path) }
            var next = firstSequence
            var offset = JournalLayout.fileHeaderLength
            var finished = false
            let newest = index == last
            while offset + JournalLayout.recordHeaderLength <= mapped.length {
                let length = Int(JournalLayout.load(base, offset, as: UInt32.self))
                if length == 0 { break }
                let span = JournalLayout.recordSpan(payloadLength: length)
                let fits = offset + span <= mapped.length
                let crc: UInt32 = JournalLayout.load(base, offset + 24, as: UInt32.self)
                guard fits && crc == JournalLayout.recordChecksum(header: base + offset,
                                                                   payload: UnsafeRawBufferPointer(start: base + offset + 32, count: length)) else {
                    if newest && zeros(base, from: fits ? offset + span : mapped.length, to: mapped.length) {
                        result.tornTailOffset = offset
                        break
                    }
                    throw JournalError(.corruptRecord(fits ? "checksum mismatch" : "length \(length) runs past the end of the file"),
                                       file: path, offset: offset)
                }
                let type: UInt16 = JournalLayout.load(base, offset + 4, as: UInt16.self)
                let sequence: UInt64 = JournalLayout.load(base, offset + 8, as: UInt64.self)
                guard sequence == next else { throw JournalError(.sequenceGap(expected: next, found: sequence), file: path, offset: offset) }
                offset += span
                if type == JournalRecordType.endOfFile.rawValue {
                    guard length == 8, JournalLayout.load(base, offset - span + 32, as: UInt64.self) == index + 1 else {
                        throw JournalError(.corruptRecord("end-of-file record does not name file \(index + 1)"), file: path, offset: offset - span)
                    }
                    finished = true
                    break
                }
                if result.records == 0 { result.firstSequence = sequence }
                result.records += 1
                result.lastSequence = sequence
                next = sequence &+ 1
            }
            if result.tornTailOffset == nil && !zeros(base, from: offset, to: mapped.length) {
                throw JournalError(.corruptRecord("non-zero bytes after the end of data"), file: path, offset: offset)
            }
            if !newest && !finished && offset + JournalLayout.recordSpan(payloadLength: 8) <= mapped.length {
                throw JournalError(.corruptRecord("file ends at \(offset) without an end-of-file record, and file \(index + 1) follows"),
                                   file: path, offset: offset)
            }
            result.usedBytes += offset
            expected = next
        }
        return result
    }

    /// Restores `name`'s journal from `backupDirectory` into `directory` (created if
    /// missing): verifies the backup, copies each file byte for byte, verifies the copy
    /// and checks it matches. Refuses when `directory` already has files of that journal
    /// unless `overwrite` (then they are replaced). A torn tail in the backup (a crash of
    /// the backup server mid-write) is zeroed in the copy.
    @discardableResult
    public static func restore(from backupDirectory: String, to directory: String, name: String = "journal",
                               overwrite: Bool = false) throws(JournalError) -> JournalVerification {
        let source = try verify(directory: backupDirectory, name: name)
        if let a = realpath(backupDirectory, nil) {
            defer { free(a) }
            if let b = realpath(directory, nil) {
                defer { free(b) }
                if strcmp(a, b) == 0 {
                    throw JournalError(.system(operation: "restore \(backupDirectory) onto itself", errno: EINVAL), file: directory)
                }
            }
        }
        if mkdir(directory, 0o755) != 0 && errno != EEXIST {
            throw JournalError(.system(operation: "create folder \(directory)", errno: errno), file: directory)
        }
        let existing = try JournalDirectory.indices(directory: directory, name: name)
        if !existing.isEmpty {
            guard overwrite else {
                throw JournalError(.system(operation: "restore into \(directory): it already holds \(existing.count) file(s) of journal '\(name)' (restore with overwrite / --overwrite to replace them)",
                                           errno: EEXIST), file: directory)
            }
            for index in existing { unlink(JournalDirectory.path(directory: directory, name: name, index: index)) }
        }
        for index in source.firstFile...source.lastFile {
            let from = JournalDirectory.path(directory: backupDirectory, name: name, index: index)
            let to = JournalDirectory.path(directory: directory, name: name, index: index)
            let zeroFrom = index == source.lastFile ? source.tornTailOffset : nil
            try copyFile(from: from, to: to, zeroFrom: zeroFrom)
        }
        if let dir = opendir(directory) { _ = fsync(dirfd(dir)); closedir(dir) }
        var copy = try verify(directory: directory, name: name)
        copy.tornTailOffset = source.tornTailOffset
        guard copy == source else {
            throw JournalError(.corruptRecord("the restored copy differs from the backup: \(copy) vs \(source)"), file: directory)
        }
        return copy
    }

    /// Restores every journal found in `backupDirectory`.
    public static func restoreAll(from backupDirectory: String, to directory: String,
                                  overwrite: Bool = false) throws(JournalError) -> [JournalVerification] {
        var results: [JournalVerification] = []
        for name in try journalNames(in: backupDirectory) {
            results.append(try restore(from: backupDirectory, to: directory, name: name, overwrite: overwrite))
        }
        return results
    }

    private static func zeros(_ base: UnsafeRawPointer, from: Int, to: Int) -> Bool {
        var p = from
        while p < to && p & 7 != 0 {
            if base.load(fromByteOffset: p, as: UInt8.self) != 0 { return false }
            p += 1
        }
        while p + 8 <= to {
            if base.loadUnaligned(fromByteOffset: p, as: UInt64.self) != 0 { return false }
            p += 8
        }
        while p < to {
            if base.load(fromByteOffset: p, as: UInt8.self) != 0 { return false }
            p += 1
        }
        return true
    }

    private static func copyFile(from: String, to: String, zeroFrom: Int?) throws(JournalError) {
        let input = open(from, O_RDONLY | O_CLOEXEC)
        if input < 0 { throw JournalError(.system(operation: "open \(from)", errno: errno), file: from) }
        defer { close(input) }
        let temporary = to + ".new"
        let output = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if output < 0 { throw JournalError(.system(operation: "create \(temporary)", errno: errno), file: to) }
        var closed = false
        defer { if !closed { close(output); unlink(temporary) } }
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var copied = 0
        while true {
            let n = read(input, buffer, chunk)
            if n < 0 {
                if errno == EINTR { continue }
                throw JournalError(.system(operation: "read \(from)", errno: errno), file: from)
            }
            if n == 0 { break }
            if let z = zeroFrom, copied + n > z {
                let start = max(0, z - copied)
                (buffer + start).initializeMemory(as: UInt8.self, repeating: 0, count: n - start)
            }
            var written = 0
            while written < n {
                let w = write(output, buffer + written, n - written)
                if w < 0 {
                    if errno == EINTR { continue }
                    throw JournalError(.system(operation: "write \(temporary)", errno: errno), file: to)
                }
                written += w
            }
            copied += n
        }
        if fsync(output) != 0 { throw JournalError(.system(operation: "fsync \(temporary)", errno: errno), file: to) }
        close(output)
        closed = true
        if rename(temporary, to) != 0 {
            let e = errno
            unlink(temporary)
            throw JournalError(.system(operation: "rename \(temporary) to \(to)", errno: e), file: to)
        }
    }
}
