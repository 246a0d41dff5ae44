import CSupport
#if canImport(Glibc)
import Glibc
#endif

/// A file of fixed length mapped shared into memory, its blocks reserved on disk first.
///
/// Reserving with `posix_fallocate` turns "disk full" into an error when the file is
/// created (set-up, off the hot path) instead of a SIGBUS when a mapped page is first
/// written. Writers store into `base` directly; `flush` makes the bytes durable by policy.
/// Owned by one thread at a time; `close()` unmaps and closes (also on deinit).
public final class MappedFile: @unchecked Sendable {
    // SAFETY: the mapping is used by one owner at a time (the journal writer, or a reader
    // with its own read-only mapping); the kernel keeps shared mappings coherent.
    /// Start of the mapping.
    public let base: UnsafeMutableRawPointer
    /// Mapped length in bytes.
    public let length: Int
    /// The file's path.
    public let path: String
    private var fd: Int32
    private var isOpen = true

    /// Creates (or truncates, when `truncate`) `path` with `length` bytes reserved, mapped
    /// read-write. Throws with errno: ENOSPC for a full disk, EACCES, ENOENT (no folder).
    public static func create(path: String, length: Int, truncate: Bool = false) throws(SystemError) -> MappedFile {
        precondition(length > 0, "length must be positive")
        let flags = O_RDWR | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : 0)
        let fd = retryingOnInterrupt { open(path, flags, 0o644) }
        if fd < 0 { throw SystemError("open \(path)", errno: errno) }
        let rc = CSupport_reserve_file(fd, UInt64(length))
        if rc != 0 {
            Glibc.close(fd)
            throw SystemError("reserve \(length) bytes for \(path)", errno: rc)
        }
        guard let p = CSupport_map_shared(fd, length, 1) else {
            let e = errno
            Glibc.close(fd)
            throw SystemError("mmap \(path)", errno: e)
        }
        return MappedFile(base: p, length: length, path: path, fd: fd)
    }

    /// Maps an existing file read-only (whole file). Throws with errno.
    public static func openReadOnly(path: String) throws(SystemError) -> MappedFile {
        let fd = retryingOnInterrupt { open(path, O_RDONLY | O_CLOEXEC) }
        if fd < 0 { throw SystemError("open \(path)", errno: errno) }
        var info = stat()
        if fstat(fd, &info) != 0 {
            let e = errno
            Glibc.close(fd)
            throw SystemError("stat \(path)", errno: e)
        }
        let size = Int(info.st_size)
        if size == 0 {
            Glibc.close(fd)
            throw SystemError("map \(path) (empty file)", errno: Errno.invalid)
        }
        guard let p = CSupport_map_shared(fd, size, 0) else {
            let e = errno
            Glibc.close(fd)
            throw SystemError("mmap \(path)", errno: e)
        }
        return MappedFile(base: p, length: size, path: path, fd: fd)
    }

    private init(base: UnsafeMutableRawPointer, length: Int, path: String, fd: Int32) {
        self.base = base
        self.length = length
        self.path = path
        self.fd = fd
    }

    /// Schedules write-back of `range` (MS_ASYNC: returns at once) or waits for it
    /// (`wait`: MS_SYNC, then the data survive a power loss). Page-aligns the range.
    public func flush(offset: Int, count: Int, wait: Bool) throws(SystemError) {
        let page = 4096
        let start = offset & ~(page - 1)
        let end = min(length, offset + count)
        guard end > start else { return }
        let rc = wait ? CSupport_msync_sync(base + start, end - start) : CSupport_msync_async(base + start, end - start)
        if rc != 0 { throw SystemError("msync \(path)", errno: rc) }
    }

    /// Shrinks the file to `size` bytes after unmapping (used when a journal file is
    /// closed early). Unmaps and closes.
    public func close(truncatingTo size: Int? = nil) {
        guard isOpen else { return }
        isOpen = false
        _ = CSupport_unmap(base, length)
        if let size { _ = ftruncate(fd, off_t(size)) }
        Glibc.close(fd)
    }

    deinit { close() }
}
