#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed set-up system call, with the operation and the errno.
///
/// Thrown by set-up APIs (pinning, io_uring, memory); never on the hot path.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being done, e.g. "pthread_create(engine, cpu 1, SCHED_FIFO 1)".
    public var operation: String
    /// The errno value.
    public var errno: Int32

    public init(_ operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
    }

    /// The C library's text for the errno.
    public var reason: String {
        guard let text = strerror(errno) else { return "errno \(errno)" }
        return String(cString: text)
    }

    public var description: String {
        var hint = ""
        if errno == EPERM {
            hint = " (needs root or CAP_SYS_NICE / CAP_IPC_LOCK; or set the policy to 'other' in the tuning profile)"
        } else if errno == ENOMEM {
            hint = " (check `ulimit -l` and free memory)"
        }
        return "\(operation) failed: \(reason) [errno \(errno)]\(hint)"
    }
}

/// Retries a system call while it fails with EINTR (the one place EINTR is handled).
@inlinable
public func retryingOnInterrupt(_ body: () -> Int32) -> Int32 {
    while true {
        let rc = body()
        if rc == -1 && errno == EINTR { continue }
        return rc
    }
}
