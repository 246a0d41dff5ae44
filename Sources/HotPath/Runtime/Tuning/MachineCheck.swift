#if canImport(Glibc)
import Glibc
#endif
import PeregrinePlatform

/// Reads this machine's latency-relevant settings from /proc and /sys (and a few probes)
/// and says what a colocated deployment should change.
///
/// Every file is read under `root` (default "/"), so tests point it at a fake tree. Facts
/// that come from system calls rather than files (io_uring, memlock limit, TSC) are passed
/// in as `Probes`. Set-up and tooling only: reads files and allocates.
public struct MachineCheck: Sendable {
    /// Facts from system calls rather than files.
    public struct Probes: Sendable, Equatable {
        /// 0 when io_uring is permitted, else the errno.
        public var ioUringErrno: Int32
        /// 0 when io_uring with SQPOLL is permitted, else the errno.
        public var sqPollErrno: Int32
        /// Soft RLIMIT_MEMLOCK in bytes (`UInt64.max`: unlimited).
        public var memlockLimit: UInt64
        /// Whether the CPU has an invariant TSC.
        public var hasInvariantTSC: Bool
        /// Whether the process runs as root (mlockall and SCHED_FIFO then need no limits).
        public var isRoot: Bool

        public init(ioUringErrno: Int32 = 0, sqPollErrno: Int32 = 0, memlockLimit: UInt64 = .max,
                    hasInvariantTSC: Bool = true, isRoot: Bool = true) {
            self.ioUringErrno = ioUringErrno; self.sqPollErrno = sqPollErrno
            self.memlockLimit = memlockLimit; self.hasInvariantTSC = hasInvariantTSC; self.isRoot = isRoot
        }

        /// This process on this machine (probes io_uring by creating two small rings).
        public static var current: Probes {
            Probes(ioUringErrno: ProcessControls.ioUringProbe(),
                   sqPollErrno: ProcessControls.ioUringProbe(sqPoll: true),
                   memlockLimit: ProcessControls.memlockLimit,
                   hasInvariantTSC: CPU.hasInvariantTSC,
                   isRoot: geteuid() == 0)
        }
    }

    /// Prefix for every /proc and /sys path ("/" on a real machine).
    public var root: String
    public var probes: Probes

    public init(root: String = "/", probes: Probes = .current) {
        self.root = root
        self.probes = probes
    }

    // MARK: Readers (each returns what the file says, or nil/[] when it is absent)

    func file(_ path: String) -> String? { SystemFiles.readLine(SystemFiles.join(root, path)) }

    /// Online CPUs (/sys/devices/system/cpu/online); falls back to this process's count.
    public func onlineCPUs() -> [Int] {
        if let text = file("/sys/devices/system/cpu/online"), let cpus = try? TuningValueSyntax.cpuList(text), !cpus.isEmpty {
            return cpus
        }
        return Array(0..<CPU.onlineCount)
    }

    /// Kernel command line as `name → value` ("" for flags); stops at "--" (init's arguments).
    public func kernelCommandLine() -> [String: String] {
        var parameters: [String: String] = [:]
        for word in (file("/proc/cmdline") ?? "").split(separator: " ") {
            if word == "--" { break }
            let (name, value) = String(word).splitOnce("=")
            parameters[name] = value ?? ""
        }
        return parameters
    }

    /// Cores the scheduler keeps general work off (isolcpus), from
    /// /sys/devices/system/cpu/isolated, else from `isolcpus=` on the command line.
    public func isolatedCPUs() -> [Int] {
        if let text = file("/sys/devices/system/cpu/isolated") { return (try? TuningValueSyntax.cpuList(text)) ?? [] }
        return Self.cpuListParameter(kernelCommandLine()["isolcpus"]) ?? []
    }

    /// Tickless cores (nohz_full); `nil` when the kernel does not expose the file (built
    /// without NO_HZ_FULL).
    public func nohzFullCPUs() -> [Int]? {
        guard let text = file("/sys/devices/system/cpu/nohz_full") else { return nil }
        return (try? TuningValueSyntax.cpuList(text == "(null)" ? "" : text)) ?? []
    }

    /// The cpufreq governor of each online cpu that exposes one (none on most VMs).
    public func governors() -> [Int: String] {
        var result: [Int: String] = [:]
        for cpu in onlineCPUs() {
            if let governor = file("/sys/devices/system/cpu/cpu\(cpu)/cpufreq/scaling_governor") { result[cpu] = governor }
        }
        return result
    }

    /// The selected transparent-huge-page mode ("always", "madvise", "never"), or `nil`.
    public func transparentHugePages() -> String? {
        guard let text = file("/sys/kernel/mm/transparent_hugepage/enabled") else { return nil }
        if let open = text.firstIndex(of: "["), let close = text.firstIndex(of: "]"), open < close {
            return String(text[text.index(after: open)..<close])
        }
        return text
    }

    /// Active swap areas (first column of /proc/swaps after its header).
    public func swapAreas() -> [String] {
        guard let text = file("/proc/swaps") else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { $0.split(separator: " ").first.map(String.init) }
    }

    /// Whether a process named irqbalance runs (scans /proc/PID/comm).
    public func isIrqbalanceRunning() -> Bool {
        SystemFiles.directoryEntries(SystemFiles.join(root, "/proc"))
            .filter { $0.allSatisfy(\.isNumber) }
            .contains { file("/proc/\($0)/comm") == "irqbalance" }
    }

    /// Current and available clocksources.
    public func clocksource() -> (current: String?, available: [String]) {
        let base = "/sys/devices/system/clocksource/clocksource0/"
        return (file(base + "current_clocksource"),
                (file(base + "available_clocksource") ?? "").split(separator: " ").map(String.init))
    }

    /// NUMA nodes online (/sys/devices/system/node/online); `[0]` when not exposed.
    public func numaNodes() -> [Int] {
        guard let text = file("/sys/devices/system/node/online"), let nodes = try? TuningValueSyntax.cpuList(text), !nodes.isEmpty else { return [0] }
        return nodes
    }

    /// kernel.sched_rt_runtime_us (-1: real-time threads may use 100% of a cpu), or `nil`.
    public func realTimeRuntimeMicros() -> Int? {
        guard let text = file("/proc/sys/kernel/sched_rt_runtime_us") else { return nil }
        return Int(text)
    }

    /// "managed_irq,domain,2-7" → [2…7]; flags of isolcpus= are skipped.
    static func cpuListParameter(_ value: String?) -> [Int]? {
        guard let value else { return nil }
        let list = value.split(separator: ",").filter { $0.first?.isNumber == true }.joined(separator: ",")
        return try? TuningValueSyntax.cpuList(list)
    }
}
