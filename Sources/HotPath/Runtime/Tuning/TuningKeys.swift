import PeregrinePlatform

/// The kinds of section a tuning profile file has: `[profile]`, `[thread.NAME]`,
/// `[ring.NAME]`, `[socket.NAME]`.
public enum TuningSectionKind: String, Sendable, CaseIterable {
    case profile, thread, ring, socket

    /// How the header is written, for messages ("[thread.NAME]").
    public var headerPattern: String { self == .profile ? "[profile]" : "[\(rawValue).NAME]" }
}

/// One key of a tuning profile file: its section, name, default and accepted syntax.
///
/// Every key is declared once, in `TuningKeys`; the parser, the unknown-key messages and
/// the effective configuration printed at start-up all read these declarations.
public struct TuningKey: Sendable, Hashable, CustomStringConvertible {
    /// The kind of section the key belongs to.
    public let section: TuningSectionKind
    /// The key as written in the file (snake_case).
    public let name: String
    /// The value used when the file omits the key, written as in a file; `nil` when the
    /// key is required.
    public let defaultValue: String?
    /// Accepted values, for error messages ("true | false").
    public let syntax: String

    init(_ section: TuningSectionKind, _ name: String, default defaultValue: String?, syntax: String) {
        self.section = section; self.name = name; self.defaultValue = defaultValue; self.syntax = syntax
    }

    public var description: String { name }
}

/// The table of every tuning key, after Aeron's low-latency properties: each key once,
/// with its default and what it does. `tuning/README.md` explains how to choose values.
public enum TuningKeys {
    // MARK: [profile]

    /// Profile name, printed at start-up. Default: the file name without `.conf`.
    public static let profileName = TuningKey(.profile, "name", default: "", syntax: "a name, e.g. colo-8core")
    /// Cores reserved for this engine's spinning threads: a list such as `2-7` or `0,1`, or
    /// `none`. On a colocated box these are the cores booted with `isolcpus`/`nohz_full`;
    /// on a development box, the cores you let the engine monopolise. The number of
    /// spinning threads may not exceed the number of cores listed here.
    public static let isolatedCores = TuningKey(.profile, "isolated_cores", default: "none",
                                                syntax: "a cpu list such as 2-7 or 0,1,4, or none")
    /// `mlockall(MCL_CURRENT|MCL_FUTURE)` at start-up so no engine page faults or swaps.
    /// Needs root, CAP_IPC_LOCK or a large enough `ulimit -l`.
    public static let lockMemory = TuningKey(.profile, "lock_memory", default: "false", syntax: "true | false")
    /// Ask for transparent huge pages (`madvise(MADV_HUGEPAGE)`) on rings and buffers:
    /// fewer TLB misses. Works when /sys/kernel/mm/transparent_hugepage/enabled is
    /// `madvise` or `always`.
    public static let hugePages = TuningKey(.profile, "huge_pages", default: "false", syntax: "true | false")

    // MARK: [thread.NAME]

    /// Core to pin the thread to, or `none` (unpinned: the kernel places it on any core
    /// of the process's mask, which excludes isolated cores). Spinning threads must be
    /// pinned to one of `isolated_cores`, alone on their core.
    public static let threadCPU = TuningKey(.thread, "cpu", default: "none", syntax: "a cpu number, or none")
    /// NUMA node for the thread's memory: `auto` (the node of `cpu`) or a node number.
    public static let threadNUMANode = TuningKey(.thread, "numa_node", default: "auto", syntax: "auto, or a node number")
    /// What the thread does when a duty cycle finds no work: `busy-spin` (pause loop,
    /// lowest latency, owns its core), `yield` (sched_yield loop, still counts as
    /// spinning), `park:DURATION` (sleep; frees the core, wakes tens of µs late) or
    /// `backoff[:SPINS/YIELDS/MIN..MAX]` (spin, then yield, then park with doubling sleeps).
    public static let threadIdle = TuningKey(.thread, "idle", default: "backoff:100/10/1us..1ms",
                                             syntax: "busy-spin | yield | park:DURATION | backoff[:SPINS/YIELDS/MIN..MAX], durations like 50us, 1ms")
    /// Scheduling class: `other` (time sharing), `fifo:N` or `rr:N` (real time, priority
    /// 1…99; needs root or CAP_SYS_NICE).
    public static let threadPolicy = TuningKey(.thread, "policy", default: "other", syntax: "other | fifo:N | rr:N with N in 1...99")
    /// Agents run on this thread, in duty-cycle order; more than one means they are fused
    /// (one duty cycle calls each in turn, no ring hop between them). Each agent appears on
    /// exactly one thread. Required.
    public static let threadAgents = TuningKey(.thread, "agents", default: nil, syntax: "a comma-separated list of agent names")

    // MARK: [ring.NAME]

    /// Slots in the ring, a power of two (2 … 2^30). Size for the longest burst the
    /// consumer may fall behind by; a full ring applies back-pressure to the producer.
    public static let ringCapacity = TuningKey(.ring, "capacity", default: "65536", syntax: "a power of two, e.g. 4096 or 65536")
    /// NUMA node of the ring's memory: `auto` (the consumer thread's node) or a number.
    public static let ringNUMANode = TuningKey(.ring, "numa_node", default: "auto", syntax: "auto, or a node number")

    // MARK: [socket.NAME]

    /// How the connection waits for bytes: `io_uring` (sleep in the kernel), `io_uring-spin`
    /// (poll the completion queue; spins), `io_uring-sqpoll` (a kernel thread polls the
    /// submission queue; that thread spins and counts against isolated cores), `epoll`,
    /// `busy-poll` (recv(MSG_DONTWAIT) loop; lowest latency, spins) or `blocking`. Required.
    public static let socketMode = TuningKey(.socket, "mode", default: nil,
                                             syntax: SocketMode.allCases.map(\.rawValue).joined(separator: " | "))
    /// Agent that polls this connection, or `none`. Required when the mode spins, so the
    /// agent's thread is counted as a spinning thread.
    public static let socketAgent = TuningKey(.socket, "agent", default: "none", syntax: "an agent name listed on some thread, or none")
    /// io_uring submission/completion queue entries, a power of two (1 … 32768).
    public static let socketQueueDepth = TuningKey(.socket, "queue_depth", default: "256", syntax: "a power of two, 1...32768")
    /// Bytes per receive buffer (each provided buffer of a multishot receive), 64 … 2^30.
    public static let socketReceiveBufferBytes = TuningKey(.socket, "receive_buffer_bytes", default: "65536", syntax: "a byte count, 64...1073741824")
    /// Number of provided receive buffers, a power of two (1 … 32768).
    public static let socketReceiveBufferCount = TuningKey(.socket, "receive_buffer_count", default: "16", syntax: "a power of two, 1...32768")
    /// TCP_NODELAY: send small writes at once (order entry and market data want this).
    public static let socketNoDelay = TuningKey(.socket, "no_delay", default: "true", syntax: "true | false")

    // MARK: Table

    /// Every key of `section`, in the order the effective configuration prints them.
    public static func keys(in section: TuningSectionKind) -> [TuningKey] {
        switch section {
        case .profile: return [profileName, isolatedCores, lockMemory, hugePages]
        case .thread: return [threadCPU, threadNUMANode, threadIdle, threadPolicy, threadAgents]
        case .ring: return [ringCapacity, ringNUMANode]
        case .socket: return [socketMode, socketAgent, socketQueueDepth, socketReceiveBufferBytes,
                              socketReceiveBufferCount, socketNoDelay]
        }
    }

    /// Every key of every section.
    public static var all: [TuningKey] { TuningSectionKind.allCases.flatMap { keys(in: $0) } }

    /// The key `name` of `section`, or `nil` when there is no such key.
    public static func key(_ name: String, in section: TuningSectionKind) -> TuningKey? {
        keys(in: section).first { $0.name == name }
    }
}
