import CSupport

/// Page-aligned memory allocated on one NUMA node and faulted in at allocation.
///
/// Owns its pages (`~Copyable`, freed in `deinit`). Rings, order slots and buffers take
/// their storage from here at start-up so the hot path never page-faults or allocates.
/// Thread-safety: the value itself is moved, not shared; what the memory holds is the
/// owner's contract (rings document theirs).
public struct NodeLocalMemory: ~Copyable, @unchecked Sendable {
    // SAFETY: the pointer is owned uniquely by this value; sharing the pages between
    // threads is governed by the owning structure's protocol (e.g. ring indices).
    /// Start of the region (page-aligned, zero-filled).
    public let base: UnsafeMutableRawPointer
    /// Length in bytes.
    public let length: Int
    /// The node asked for (−1: no preference / NUMA unavailable).
    public let node: Int

    /// Allocates `length` bytes on `node` (−1: the caller's node by first touch), zeroed and
    /// faulted in; with `hugePages` advises transparent huge pages for the range.
    public init(length: Int, node: Int = -1, hugePages: Bool = false) throws(SystemError) {
        precondition(length > 0, "length must be positive")
        guard let p = CSupport_alloc_on_node(length, Int32(node)) else {
            throw SystemError("allocate \(length) bytes on NUMA node \(node)", errno: 12 /* ENOMEM */)
        }
        if hugePages { _ = CSupport_advise_huge_pages(p, length) }
        base = p
        self.length = length
        self.node = node
    }

    deinit { CSupport_free_on_node(base, length) }
}

/// NUMA topology queries.
public enum NUMA {
    /// Whether the kernel supports NUMA policy calls.
    public static var isAvailable: Bool { CSupport_numa_is_available() != 0 }
    /// The node of `cpu`, or −1 without NUMA support.
    public static func node(ofCPU cpu: Int) -> Int { Int(CSupport_numa_node_of_cpu(Int32(cpu))) }
    /// Makes `node` the calling thread's preferred node for the pages it touches next
    /// (first-touch allocations of an agent's `onStart`). No-op without NUMA or for −1.
    public static func preferNode(_ node: Int) { CSupport_numa_prefer_node(Int32(node)) }

    /// Highest node number (0 on a single-node machine).
    public static var maxNode: Int { Int(CSupport_numa_max_node()) }
}
