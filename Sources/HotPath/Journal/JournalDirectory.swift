#if canImport(Glibc)
import Glibc
#endif

/// Finds a journal's files in its folder (set-up only: allocates Strings).
enum JournalDirectory {
    static let suffix = ".pjournal"

    static func fileName(name: String, index: UInt64) -> String {
        var digits = String(index)
        while digits.count < 10 { digits = "0" + digits }
        return "\(name)-\(digits)\(suffix)"
    }

    static func path(directory: String, name: String, index: UInt64) -> String {
        directory.hasSuffix("/") ? directory + fileName(name: name, index: index)
                                 : directory + "/" + fileName(name: name, index: index)
    }

    /// Roll numbers of `name`'s files in `directory`, ascending. Throws for a missing or
    /// unreadable folder.
    static func indices(directory: String, name: String) throws(JournalError) -> [UInt64] {
        guard let dir = opendir(directory) else {
            throw JournalError(.system(operation: "open folder \(directory)", errno: errno), file: directory)
        }
        defer { closedir(dir) }
        let prefix = name + "-"
        var found: [UInt64] = []
        while let entry = readdir(dir) {
            let fileName = withUnsafeBytes(of: entry.pointee.d_name) { raw -> String in
                let bytes = raw.bindMemory(to: UInt8.self)
                let length = bytes.firstIndex(of: 0) ?? bytes.count
                return String(decoding: bytes[0..<length], as: UTF8.self)
            }
            guard fileName.hasPrefix(prefix), fileName.hasSuffix(suffix) else { continue }
            let middle = fileName.dropFirst(prefix.count).dropLast(suffix.count)
            guard middle.count == 10, let index = UInt64(middle) else { continue }
            found.append(index)
        }
        return found.sorted()
    }
}
