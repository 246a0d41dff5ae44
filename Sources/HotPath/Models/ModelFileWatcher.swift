#if canImport(Glibc)
import Glibc
#endif

/// Notices when a model artifact file is replaced, so a running engine can pick up the model
/// `peregrine train` just wrote without an operator command.
///
/// The watcher compares the file's identity — device, inode, size and modification time
/// (nanoseconds) — with the one it last saw. `ModelArtifact.write` replaces a file by
/// rename, so a new model is a new inode and a reader never sees half a file; an in-place
/// rewrite changes size or mtime and is noticed too (and, if caught half-written, fails the
/// artifact's CRC check and is retried at the next change).
///
/// Threading: a value type owned by one cold thread (the `run` command's main loop); `poll`
/// makes one `stat` system call. Allocation: none per poll. Errors: none thrown — a missing
/// or unreadable file is reported as `.missing` (the current model stays in service).
public struct ModelFileWatcher: Sendable {
    /// What `poll` saw.
    public enum Change: Sendable, Equatable {
        /// Same file as last time (or still missing, already reported).
        case unchanged
        /// A different file or different contents: load it.
        case replaced
        /// The file cannot be read (`errno`); reported once until it comes back.
        case missing(errno: Int32)
    }

    /// The identity of a file version.
    struct Identity: Equatable, Sendable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var seconds: Int
        var nanoseconds: Int
    }

    /// The artifact's path.
    public let path: String
    private var seen: Identity?
    private var reportedMissing = false

    /// Starts watching `path`, taking the file as it is now as already loaded (the engine
    /// loaded it at start-up). Cold: one `stat`.
    public init(path: String) {
        self.path = path
        seen = Self.identity(path)
        reportedMissing = seen == nil
    }

    /// Checks the file once. `.replaced` is returned once per new file version.
    public mutating func poll() -> Change {
        guard let now = Self.identity(path) else {
            if reportedMissing { return .unchanged }
            reportedMissing = true
            return .missing(errno: errno)
        }
        reportedMissing = false
        if now == seen { return .unchanged }
        seen = now
        return .replaced
    }

    static func identity(_ path: String) -> Identity? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
                        seconds: Int(info.st_mtim.tv_sec), nanoseconds: Int(info.st_mtim.tv_nsec))
    }
}
