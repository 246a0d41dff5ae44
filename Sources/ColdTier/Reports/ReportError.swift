/// Why a report could not be built or written, with the path it concerns and what to do.
///
/// Problems *inside* a readable journal (a corrupt record, a torn tail, a malformed payload)
/// are not errors: they are listed in the report's `problems` and reading goes on.
public struct ReportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable code for scripts and tests.
    public enum Code: String, Sendable, Equatable {
        /// The path does not exist.
        case missingPath = "missing-path"
        /// The file is not a journal file (its name or its header says so).
        case notAJournal = "not-a-journal"
        /// The folder holds no journal files, or several journals and no name was given.
        case noJournal = "no-journal"
        /// A system call failed (open, read, write) on the path.
        case io = "io"
    }

    public var code: Code
    public var path: String
    /// What was wrong and what to do, in one sentence or two.
    public var message: String

    public init(_ code: Code, path: String, _ message: String) {
        self.code = code; self.path = path; self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
