#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole recorded-data file into memory at replay start-up.
///
/// The one place the market-data target touches the file system: plain `open`/`read`, EINTR
/// retried here. Start-up only (allocates the array); any thread; blocks on the disk.
public enum LEANFile {
    /// The bytes of the file at `path`; `.io` error naming the path and errno on failure.
    public static func readAll(path: String) throws(LEANArchiveError) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw LEANArchiveError(.io, offset: 0, "cannot open \(path) (errno \(errno)); check the path and that ../shared/data is present")
        }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw LEANArchiveError(.io, offset: result.count, "read of \(path) failed (errno \(errno))")
            }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
        }
        return result
    }

    /// The first entry of the zip archive at `path`, inflated and CRC-checked.
    public static func readZipFirstEntry(path: String) throws(LEANArchiveError) -> [UInt8] {
        try LEANZipArchive(bytes: readAll(path: path)).extractFirst()
    }
}
