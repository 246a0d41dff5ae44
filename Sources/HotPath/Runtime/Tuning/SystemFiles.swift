#if canImport(Glibc)
import Glibc
#endif
import PeregrinePlatform

/// Small whole-file reads with Glibc (no Foundation on the hot-path side): tuning profiles
/// and the one-line files of /proc and /sys. Set-up only; allocates.
enum SystemFiles {
    struct Failure: Error {
        var errno: Int32
        var message: String
        init(errno: Int32, message: String? = nil) {
            self.errno = errno
            self.message = message ?? SystemError("read", errno: errno).reason
        }
    }

    /// The whole file as UTF-8 text (invalid bytes replaced), or why it could not be read.
    /// /proc and /sys files report size 0, so this reads until end of file. Refuses files
    /// larger than `limitBytes`.
    static func readText(_ path: String, limitBytes: Int = 1 << 20) -> Result<String, Failure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return .failure(Failure(errno: errno)) }
        defer { _ = close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer in read(fd, buffer.baseAddress, buffer.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(Failure(errno: errno))
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > limitBytes {
                return .failure(Failure(errno: EFBIG, message: "file is larger than \(limitBytes / 1024) KiB"))
            }
        }
        return .success(String(decoding: bytes, as: UTF8.self))
    }

    /// The file's text with surrounding whitespace and newlines removed, or `nil`.
    static func readLine(_ path: String) -> String? {
        guard case .success(let text) = readText(path, limitBytes: 64 * 1024) else { return nil }
        return text.split(whereSeparator: { $0 == "\n" }).joined(separator: "\n").trimmed
    }

    /// Whether `path` exists (file or directory).
    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Names in directory `path` (without "." and ".."), or `[]` when it cannot be read.
    static func directoryEntries(_ path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { _ = closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            // SAFETY: `d_name` is a NUL-terminated array inside the dirent readdir returned,
            // valid until the next readdir call; it is copied out before then.
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The working directory, for messages about relative paths.
    static func currentDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `root` + `path` with one slash between ("/" + "/proc/swaps" → "/proc/swaps").
    static func join(_ root: String, _ path: String) -> String {
        if root.isEmpty || root == "/" { return path }
        let base = root.hasSuffix("/") ? String(root.dropLast()) : root
        return base + (path.hasPrefix("/") ? path : "/" + path)
    }
}
