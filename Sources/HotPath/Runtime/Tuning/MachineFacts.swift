import PeregrinePlatform

/// What a tuning profile is checked against: the CPUs, NUMA nodes and io_uring support of
/// a machine. `current` reads this machine; tests build other machines by hand so profile
/// checks stay deterministic.
public struct MachineFacts: Sendable, Equatable {
    /// Online CPUs; cpus are numbered 0..<onlineCPUs.
    public var onlineCPUs: Int
    /// CPUs in this process's affinity mask (taskset, cgroup cpusets).
    public var allowedCPUs: [Int]
    /// NUMA nodes (1 without NUMA support); nodes are numbered 0..<numaNodes.
    public var numaNodes: Int
    /// 0 when the kernel lets this process create an io_uring, else the errno it refused with.
    public var ioUringErrno: Int32
    /// 0 when io_uring with SQPOLL is permitted, else the errno.
    public var sqPollErrno: Int32

    public init(onlineCPUs: Int, allowedCPUs: [Int]? = nil, numaNodes: Int = 1,
                ioUringErrno: Int32 = 0, sqPollErrno: Int32 = 0) {
        self.onlineCPUs = onlineCPUs
        self.allowedCPUs = allowedCPUs ?? Array(0..<max(onlineCPUs, 0))
        self.numaNodes = max(numaNodes, 1)
        self.ioUringErrno = ioUringErrno
        self.sqPollErrno = sqPollErrno
    }

    /// This machine, as the calling thread sees it (creates and closes two small io_urings
    /// to probe support). Set-up only.
    public static var current: MachineFacts {
        let online = CPU.onlineCount
        return MachineFacts(
            onlineCPUs: online,
            allowedCPUs: (0..<online).filter { CPU.isAllowed($0) },
            numaNodes: NUMA.isAvailable ? NUMA.maxNode + 1 : 1,
            ioUringErrno: ProcessControls.ioUringProbe(),
            sqPollErrno: ProcessControls.ioUringProbe(sqPoll: true))
    }

    /// "0-1", for messages.
    var cpuRange: String { onlineCPUs > 0 ? TuningValueSyntax.formatCPUList(Array(0..<onlineCPUs)) : "none" }
}
