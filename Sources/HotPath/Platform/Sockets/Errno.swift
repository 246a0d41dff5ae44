#if canImport(Glibc)
import Glibc
#endif

/// errno values for the socket files that also import CSupport.
///
/// CSupport's header includes <errno.h> too, so in a file importing both modules the
/// compiler may attribute `EINTR` & co. to CSupport; in a whole-module (release) build that
/// attribution leaks to other files and breaks `@inlinable` code that imports Glibc only
/// (`retryingOnInterrupt`). Naming them here, in a Glibc-only file, keeps every errno
/// macro owned by Glibc. Plain constants: any thread, no cost.
enum Errno {
    static var interrupted: Int32 { EINTR }
    static var again: Int32 { EAGAIN }
    static var wouldBlock: Int32 { EWOULDBLOCK }
    static var busy: Int32 { EBUSY }
    static var invalid: Int32 { EINVAL }
    static var noBuffers: Int32 { ENOBUFS }
    static var timerExpired: Int32 { ETIME }
    static var timedOut: Int32 { ETIMEDOUT }
    static var connectionReset: Int32 { ECONNRESET }
    static var brokenPipe: Int32 { EPIPE }
    static var tooManyFiles: Int32 { EMFILE }
    static var alreadyConnected: Int32 { EISCONN }
}
