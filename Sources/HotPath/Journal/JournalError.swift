import PeregrinePlatform

/// A journal problem with the file and offset it concerns.
public struct JournalError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Error, Sendable, Equatable {
        /// A system call failed (open, fallocate, mmap, msync) with this errno.
        case system(operation: String, errno: Int32)
        /// The file header is not a valid version-1 header.
        case badFileHeader(String)
        /// A record's checksum or length is wrong where more records follow (corruption).
        case corruptRecord(String)
        /// Record sequence numbers are not consecutive.
        case sequenceGap(expected: UInt64, found: UInt64)
        /// The payload is larger than a file can hold.
        case recordTooLarge(Int)
    }
    public var kind: Kind
    public var file: String
    public var offset: Int

    public init(_ kind: Kind, file: String, offset: Int = 0) {
        self.kind = kind; self.file = file; self.offset = offset
    }

    init(_ error: SystemError, file: String) {
        self.init(.system(operation: error.operation, errno: error.errno), file: file)
    }

    public var description: String {
        switch kind {
        case .system(let op, let e):
            return "\(file): \(SystemError(op, errno: e).description)"
        case .badFileHeader(let why): return "\(file): bad journal header: \(why)"
        case .corruptRecord(let why): return "\(file) at offset \(offset): corrupt record: \(why)"
        case .sequenceGap(let expected, let found): return "\(file) at offset \(offset): sequence gap: expected \(expected), found \(found)"
        case .recordTooLarge(let n): return "\(file): a \(n)-byte record does not fit in one journal file; raise the file size"
        }
    }
}
