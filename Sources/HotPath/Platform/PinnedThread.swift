import CSupport
#if canImport(Glibc)
import Glibc
#endif

/// The scheduling class of a thread.
public enum SchedulingPolicy: Sendable, Equatable, CustomStringConvertible {
    /// SCHED_OTHER (time sharing).
    case other
    /// SCHED_FIFO at a priority 1…99 (real time; needs root or CAP_SYS_NICE).
    case fifo(priority: Int)
    /// SCHED_RR at a priority 1…99.
    case roundRobin(priority: Int)

    public var description: String {
        switch self {
        case .other: return "other"
        case .fifo(let p): return "fifo:\(p)"
        case .roundRobin(let p): return "rr:\(p)"
        }
    }
}

/// Where and how a thread runs: set in its attributes before it executes anything.
public struct ThreadPlacement: Sendable, Equatable {
    /// The one CPU the thread may run on, or `nil` to inherit the creator's mask.
    public var cpu: Int?
    /// Scheduling class and priority.
    public var policy: SchedulingPolicy
    /// Stack size in bytes; 0 keeps the default.
    public var stackBytes: Int

    public init(cpu: Int? = nil, policy: SchedulingPolicy = .other, stackBytes: Int = 0) {
        self.cpu = cpu
        self.policy = policy
        self.stackBytes = stackBytes
    }
}

/// A POSIX thread started pinned and with its scheduling class already applied.
///
/// Affinity and policy go into `pthread_attr_t` (`PTHREAD_EXPLICIT_SCHED`), so the thread
/// never runs an instruction on another core or at the creator's priority: a spinning
/// thread that inherited a single-core mask could otherwise starve its parent. Start and
/// join from a control thread; not for the hot path (creating a thread allocates).
public final class PinnedThread: @unchecked Sendable {
    // SAFETY: `handle` is written once in `start` before the object is shared and read
    // only by `join`, which the owner calls from one thread.
    private var handle: pthread_t
    private var joined = false
    /// The name given at start (at most 15 bytes reach the kernel).
    public let name: String
    /// Where the thread runs.
    public let placement: ThreadPlacement

    private init(handle: pthread_t, name: String, placement: ThreadPlacement) {
        self.handle = handle
        self.name = name
        self.placement = placement
    }

    /// Starts `body` on a new thread placed as `placement`.
    ///
    /// Throws `SystemError` with the errno: EPERM when real-time scheduling is not
    /// permitted, EINVAL for a CPU the machine does not have.
    public static func start(name: String, placement: ThreadPlacement,
                             _ body: @escaping @Sendable () -> Void) throws(SystemError) -> PinnedThread {
        if let cpu = placement.cpu, cpu < 0 || cpu >= CPU.onlineCount {
            throw SystemError("pin thread \(name) to cpu \(cpu) (this machine has cpus 0-\(CPU.onlineCount - 1))", errno: EINVAL)
        }
        let box = Unmanaged.passRetained(ThreadBody(body))
        var handle = pthread_t()
        let policy: Int32
        let priority: Int32
        switch placement.policy {
        case .other: policy = CSupport_sched_other(); priority = 0
        case .fifo(let p): policy = CSupport_sched_fifo(); priority = Int32(p)
        case .roundRobin(let p): policy = CSupport_sched_rr(); priority = Int32(p)
        }
        let rc = CSupport_thread_start(&handle, Int32(placement.cpu ?? -1), policy, priority,
                                       placement.stackBytes, threadEntry, box.toOpaque())
        if rc != 0 {
            box.release()
            throw SystemError("pthread_create(\(name), cpu \(placement.cpu.map(String.init) ?? "any"), \(placement.policy))", errno: rc)
        }
        _ = name.withCString { CSupport_thread_set_name(handle, $0) }
        return PinnedThread(handle: handle, name: name, placement: placement)
    }

    /// Waits for the thread to finish. Call once, from the thread that owns this object.
    public func join() {
        guard !joined else { return }
        joined = true
        pthread_join(handle, nil)
    }
}

/// Boxes the Swift closure for the C entry point.
private final class ThreadBody {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}

/// The C entry point; created at file scope (not main-actor isolated, see MACHINE-NOTES.md).
private let threadEntry: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? = { raw in
    guard let raw else { return nil }
    let box = Unmanaged<ThreadBody>.fromOpaque(raw).takeRetainedValue()
    box.body()
    return nil
}
