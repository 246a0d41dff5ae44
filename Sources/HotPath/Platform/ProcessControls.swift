import CSupport

/// Process-wide controls for latency: memory locking, scheduler, io_uring availability.
/// Call at start-up from the control thread.
public enum ProcessControls {
    /// Locks all current and future pages in RAM (mlockall). Throws with the errno
    /// (ENOMEM/EPERM when RLIMIT_MEMLOCK is too small for a non-root user).
    public static func lockAllMemory() throws(SystemError) {
        let rc = CSupport_lock_all_memory()
        if rc != 0 { throw SystemError("mlockall(MCL_CURRENT|MCL_FUTURE) (memlock limit \(memlockLimitDescription))", errno: rc) }
    }

    /// Undoes `lockAllMemory`.
    public static func unlockAllMemory() { _ = CSupport_unlock_all_memory() }

    /// Makes standard output line-buffered (set-up, before printing), so a command's
    /// progress lines reach a pipe or log file as they are printed.
    public static func lineBufferStandardOutput() { CSupport_line_buffer_stdout() }

    /// The soft RLIMIT_MEMLOCK in bytes; `UInt64.max` for unlimited.
    public static var memlockLimit: UInt64 { CSupport_memlock_limit() }

    /// The limit as text ("unlimited", "8 MiB").
    public static var memlockLimitDescription: String {
        let l = memlockLimit
        return l == .max ? "unlimited" : "\(l / 1024 / 1024) MiB"
    }

    /// Sets the calling thread's scheduling class.
    public static func setCurrentThreadPolicy(_ policy: SchedulingPolicy) throws(SystemError) {
        let rc: Int32
        switch policy {
        case .other: rc = CSupport_set_current_scheduling(CSupport_sched_other(), 0)
        case .fifo(let p): rc = CSupport_set_current_scheduling(CSupport_sched_fifo(), Int32(p))
        case .roundRobin(let p): rc = CSupport_set_current_scheduling(CSupport_sched_rr(), Int32(p))
        }
        if rc != 0 { throw SystemError("pthread_setschedparam(\(policy))", errno: rc) }
    }

    /// Whether the kernel lets this process create an io_uring: 0, or the errno it refused with.
    public static func ioUringProbe(sqPoll: Bool = false) -> Int32 {
        CSupport_io_uring_probe(sqPoll ? CSupport_io_uring_setup_sqpoll() : 0)
    }
}
