import PeregrinePlatform
import PeregrineRings

/// A parsed tuning profile: where each thread runs, how it idles, and how big the rings
/// are. Immutable values produced once at start-up (see `TuningProfile+Parsing.swift` for
/// the file format); the hot path receives these values, never lookups.
public struct TuningProfile: Sendable, Equatable {
    /// Profile name (e.g. "dev-2core").
    public var name: String
    /// Where it was read from ("<defaults>" when built in code).
    public var source: String
    /// Cores reserved for this engine's spinning threads (isolated with `isolcpus` or, on a
    /// development box, simply declared). A profile that spins more threads than this is refused.
    public var isolatedCores: [Int]
    /// `mlockall` at start-up.
    public var lockMemory: Bool
    /// Advise transparent huge pages for rings and buffers.
    public var hugePages: Bool
    /// Threads, each running one or more agents fused in its duty cycle.
    public var threads: [ThreadProfile]
    /// Ring sizes by name.
    public var rings: [RingProfile]
    /// Socket modes by connection name.
    public var sockets: [SocketProfile]
    /// Line numbers of the sections and keys this profile was parsed from, so later checks
    /// (against this machine) can say `file:line`. Empty for profiles built in code; never
    /// part of equality (see `TuningSourceMap`).
    public var locations: TuningSourceMap

    public init(name: String, source: String = "<defaults>", isolatedCores: [Int] = [], lockMemory: Bool = false,
                hugePages: Bool = false, threads: [ThreadProfile] = [], rings: [RingProfile] = [],
                sockets: [SocketProfile] = [], locations: TuningSourceMap = TuningSourceMap()) {
        self.name = name; self.source = source; self.isolatedCores = isolatedCores
        self.lockMemory = lockMemory; self.hugePages = hugePages
        self.threads = threads; self.rings = rings; self.sockets = sockets
        self.locations = locations
    }

    /// The thread that runs agent `name`, if any.
    public func thread(runningAgent name: String) -> ThreadProfile? {
        threads.first { $0.agents.contains(name) }
    }

    /// The ring profile named `name`, if any.
    public func ring(named name: String) -> RingProfile? { rings.first { $0.name == name } }

    /// The socket profile named `name`, if any.
    public func socket(named name: String) -> SocketProfile? { sockets.first { $0.name == name } }
}

/// One pinned thread of a profile.
public struct ThreadProfile: Sendable, Equatable {
    /// Thread name (shown by `top -H`, at most 15 bytes reach the kernel).
    public var name: String
    /// Core to pin to; `nil` leaves the thread unpinned.
    public var cpu: Int?
    /// NUMA node for its memory; `nil` means the node of `cpu`.
    public var numaNode: Int?
    /// What it does when a duty cycle finds no work.
    public var idle: IdleStrategyKind
    /// Scheduling class.
    public var policy: SchedulingPolicy
    /// Agent names run on this thread, in duty-cycle order (fused when more than one).
    public var agents: [String]

    public init(name: String, cpu: Int? = nil, numaNode: Int? = nil, idle: IdleStrategyKind = .backoff(maxSpins: 100, maxYields: 10, minParkNanos: 1_000, maxParkNanos: 1_000_000),
                policy: SchedulingPolicy = .other, agents: [String]) {
        self.name = name; self.cpu = cpu; self.numaNode = numaNode; self.idle = idle
        self.policy = policy; self.agents = agents
    }

    /// Whether the thread keeps its core busy.
    public var isSpinning: Bool { idle.isSpinning }
}

/// Size and placement of one named ring.
public struct RingProfile: Sendable, Equatable {
    public var name: String
    /// Slots, a power of two.
    public var capacity: Int
    /// NUMA node of its memory; `nil`: the consumer thread's node.
    public var numaNode: Int?

    public init(name: String, capacity: Int, numaNode: Int? = nil) {
        self.name = name; self.capacity = capacity; self.numaNode = numaNode
    }
}

/// The socket mode of one named connection (e.g. "fix.venue", "md.tws").
public struct SocketProfile: Sendable, Equatable {
    public var name: String
    public var mode: SocketMode
    /// io_uring submission/completion queue depth.
    public var queueDepth: Int
    /// Receive buffer size in bytes (each provided buffer for multishot receive).
    public var receiveBufferBytes: Int
    /// Number of provided receive buffers.
    public var receiveBufferCount: Int
    /// TCP_NODELAY (default true for order and market-data links).
    public var noDelay: Bool
    /// The agent that polls this connection, or `nil`. When the mode spins (`busy-poll`,
    /// `io_uring-spin`) the thread running this agent counts as a spinning thread.
    public var agent: String?

    public init(name: String, mode: SocketMode, queueDepth: Int = 256, receiveBufferBytes: Int = 65_536,
                receiveBufferCount: Int = 16, noDelay: Bool = true, agent: String? = nil) {
        self.name = name; self.mode = mode; self.queueDepth = queueDepth
        self.receiveBufferBytes = receiveBufferBytes; self.receiveBufferCount = receiveBufferCount
        self.noDelay = noDelay; self.agent = agent
    }
}
