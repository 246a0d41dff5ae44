import PeregrineJournal
#if canImport(Glibc)
import Glibc
#endif

extension JournalReport {
    /// Reads a journal and builds its report. `path` is a folder (every file of the journal,
    /// in roll order; `options.journalName` picks one when the folder holds several) or one
    /// `NAME-<index>.pjournal` file (that file alone).
    ///
    /// Streams the records (one mapped file at a time). A corrupt record, a sequence gap or a
    /// bad file header does not stop the report: it becomes a line in `problems`, the rest of
    /// that file is skipped and reading resumes at the next file; a torn record at the tail
    /// (a writer crash) ends the journal with a problem line, as `JournalReader` reports it.
    ///
    /// Threading: any thread; blocks on file I/O. Throws `ReportError` for a missing path, a
    /// file that is not a journal, or a folder without one.
    public static func read(path: String, options: JournalReportOptions = JournalReportOptions()) throws(ReportError) -> JournalReport {
        let location = try JournalFiles.locate(path: path, name: options.journalName)
        let builder = JournalReportBuilder(options: options)
        builder.setSource(path: path, name: location.name)
        JournalFiles.read(location, into: builder)
        return builder.finish()
    }
}

/// A journal found on disk: its folder, name, the roll numbers present, and whether only one
/// file was asked for.
struct JournalLocation {
    var directory: String
    var name: String
    var indices: [UInt64]
    var onlyFile: UInt64?
}

/// Finding a journal's files and reading them with recovery (cold: allocates, blocks).
enum JournalFiles {
    static let suffix = ".pjournal"

    /// `NAME-<10 digits>.pjournal` → (NAME, index).
    static func parse(fileName: String) -> (name: String, index: UInt64)? {
        guard fileName.hasSuffix(suffix) else { return nil }
        let stem = fileName.dropLast(suffix.count)
        guard let dash = stem.lastIndex(of: "-") else { return nil }
        let digits = stem[stem.index(after: dash)...]
        let name = stem[..<dash]
        guard !name.isEmpty, digits.count == 10, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let index = UInt64(digits) else { return nil }
        return (String(name), index)
    }

    static func path(_ directory: String, _ name: String, _ index: UInt64) -> String {
        var digits = String(index)
        while digits.count < 10 { digits = "0" + digits }
        return (directory.hasSuffix("/") ? directory : directory + "/") + "\(name)-\(digits)\(suffix)"
    }

    static func locate(path: String, name: String?) throws(ReportError) -> JournalLocation {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let e = errno
            if e == ENOENT || e == ENOTDIR {
                throw ReportError(.missingPath, path: path, "no such file or folder; give a journal folder (e.g. demo-out/run-*/journal) or a .pjournal file")
            }
            throw ReportError(.io, path: path, "cannot read: \(String(cString: strerror(e)))")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            let journals = try list(directory: path)
            let chosen: String
            if let name {
                guard journals[name] != nil else {
                    throw ReportError(.noJournal, path: path, "no journal named '\(name)' here (found: \(describe(journals)))")
                }
                chosen = name
            } else if journals.count == 1 {
                chosen = journals.keys.first!
            } else if journals.isEmpty {
                throw ReportError(.noJournal, path: path, "no journal files (NAME-<10 digits>.pjournal) in this folder")
            } else {
                throw ReportError(.noJournal, path: path, "several journals here (\(describe(journals))); choose one with --name")
            }
            return JournalLocation(directory: path, name: chosen, indices: journals[chosen]!.sorted(), onlyFile: nil)
        }
        let slash = path.lastIndex(of: "/")
        let fileName = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let directory = slash.map { String(path[..<$0]) } ?? "."
        guard let (journalName, index) = parse(fileName: fileName) else {
            throw ReportError(.notAJournal, path: path, "not a journal file: journal files are named NAME-<10 digits>.pjournal (give the folder or one of them)")
        }
        try checkMagic(path)
        return JournalLocation(directory: directory.isEmpty ? "/" : directory, name: journalName, indices: [index], onlyFile: index)
    }

    private static func describe(_ journals: [String: [UInt64]]) -> String {
        journals.keys.sorted().map { "\($0): \(journals[$0]!.count) file(s)" }.joined(separator: ", ")
    }

    /// Journal names in `directory` and their roll numbers.
    static func list(directory: String) throws(ReportError) -> [String: [UInt64]] {
        guard let dir = opendir(directory) else {
            throw ReportError(.io, path: directory, "cannot open folder: \(String(cString: strerror(errno)))")
        }
        defer { closedir(dir) }
        var found: [String: [UInt64]] = [:]
        while let entry = readdir(dir) {
            let fileName = withUnsafeBytes(of: entry.pointee.d_name) { raw -> String in
                let bytes = raw.bindMemory(to: UInt8.self)
                return String(decoding: bytes[0..<(bytes.firstIndex(of: 0) ?? bytes.count)], as: UTF8.self)
            }
            if let (name, index) = parse(fileName: fileName) { found[name, default: []].append(index) }
        }
        return found
    }

    /// Throws unless the file starts with the journal magic `PRGNJRNL`.
    static func checkMagic(_ path: String) throws(ReportError) {
        guard let file = fopen(path, "rb") else {
            throw ReportError(.io, path: path, "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var magic = [UInt8](repeating: 0, count: 8)
        let n = fread(&magic, 1, 8, file)
        guard n == 8, magic == Array("PRGNJRNL".utf8) else {
            throw ReportError(.notAJournal, path: path, "not a Peregrine journal (the file does not start with PRGNJRNL)")
        }
    }

    /// Reads every record of `location` into `builder`, turning reading failures into problem
    /// lines (see `JournalReport.read`).
    static func read(_ location: JournalLocation, into builder: JournalReportBuilder) {
        var start = location.indices.first ?? 0
        let last = location.indices.last ?? 0
        while true {
            let reader: JournalReader
            do {
                reader = try JournalReader(directory: location.directory, name: location.name, fromFile: start)
            } catch {
                builder.noteProblem("cannot open the journal: \(error)")
                return
            }
            var currentFile = ""
            var currentIndex = start
            var endOfLastRecord = 0
            var failedAt: UInt64?
            do {
                while let record = try reader.next() {
                    if record.file != currentFile {
                        currentFile = record.file
                        let fileName = record.file.split(separator: "/").last.map(String.init) ?? record.file
                        currentIndex = parse(fileName: fileName)?.index ?? currentIndex
                        if let only = location.onlyFile, currentIndex != only { return }
                    }
                    endOfLastRecord = record.offset + 32 + ((record.payload.count + 7) & ~7)
                    builder.add(record)
                }
                if reader.stoppedAtTornTail {
                    let file = currentFile.isEmpty ? path(location.directory, location.name, currentIndex) : currentFile
                    builder.noteProblem("torn record at the tail: \(file) offset \(endOfLastRecord == 0 ? 64 : endOfLastRecord) (the writer died mid-append); the report covers the records before it")
                    return
                }
            } catch {
                let fileName = error.file.split(separator: "/").last.map(String.init) ?? error.file
                failedAt = parse(fileName: fileName)?.index ?? currentIndex
                builder.noteProblem("\(error); the rest of that file is skipped")
            }
            // Resume at the next file present after the one that failed or ended early.
            let reached = failedAt ?? currentIndex
            guard location.onlyFile == nil, reached < last,
                  let next = location.indices.first(where: { $0 > reached }) else { return }
            if failedAt == nil {
                builder.noteProblem("the journal stops at file \(reached) but file \(next) exists (a missing file?); resuming there")
            } else {
                builder.noteProblem("resuming at file \(next)")
            }
            start = next
        }
    }
}

extension JournalReport {
    /// Writes `html` to `path` (created or replaced). Blocks on I/O; throws `ReportError`.
    public func writeHTML(to path: String) throws(ReportError) { try Self.write(html, to: path) }

    /// Writes `json` to `path` (created or replaced). Blocks on I/O; throws `ReportError`.
    public func writeJSON(to path: String) throws(ReportError) { try Self.write(json, to: path) }

    static func write(_ contents: String, to path: String) throws(ReportError) {
        guard let file = fopen(path, "wb") else {
            throw ReportError(.io, path: path, "cannot write: \(String(cString: strerror(errno)))")
        }
        var bytes = Array(contents.utf8)
        let written = fwrite(&bytes, 1, bytes.count, file)
        let closed = fclose(file)
        guard written == bytes.count, closed == 0 else {
            throw ReportError(.io, path: path, "write failed: \(String(cString: strerror(errno)))")
        }
    }
}
