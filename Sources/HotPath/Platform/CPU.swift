import CSupport

/// CPU facts and spin hints. All members may be called from any thread.
public enum CPU {
    /// Spin-wait hint (`pause` on x86, `yield` on arm64). ~10–140 cycles depending on the
    /// micro-architecture; never blocks, never allocates.
    @inlinable @inline(__always)
    public static func pause() { CSupport_cpu_pause() }

    /// Keeps the compiler from moving memory accesses across this point (no CPU fence).
    @inlinable @inline(__always)
    public static func compilerBarrier() { CSupport_compiler_barrier() }

    /// Online CPUs.
    public static var onlineCount: Int { Int(CSupport_online_cpus()) }

    /// CPUs in the calling thread's affinity mask.
    public static var allowedCount: Int { Int(CSupport_allowed_cpu_count()) }

    /// Whether `cpu` is in the calling thread's affinity mask.
    public static func isAllowed(_ cpu: Int) -> Bool { CSupport_cpu_is_allowed(Int32(cpu)) != 0 }

    /// The CPU the caller is running on now, or `nil`.
    public static var current: Int? {
        let c = CSupport_current_cpu()
        return c < 0 ? nil : Int(c)
    }

    /// Pins the calling thread to `cpu`.
    public static func pinCurrentThread(to cpu: Int) throws(SystemError) {
        let rc = CSupport_pin_current_thread(Int32(cpu))
        if rc != 0 { throw SystemError("pthread_setaffinity_np(cpu \(cpu))", errno: rc) }
    }

    /// Whether the CPU has an invariant TSC (usable as a clock across cores).
    public static var hasInvariantTSC: Bool { CSupport_tsc_is_invariant() != 0 }
}
