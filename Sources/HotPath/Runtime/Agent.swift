/// A unit of work driven by a duty-cycle loop (after Aeron's Agent).
///
/// The runner calls `onStart` once on the agent's own pinned thread (allocate and touch
/// memory there so it lands on the thread's NUMA node), then `doWork` in a loop until
/// stopped, then `onClose` on the same thread. Several agents can share one thread
/// (fused) or have one each (spread) — placement is configuration, not code.
///
/// `doWork` must not block and should not allocate; it returns how much work it did
/// (0 lets the thread idle). Class-constrained so that fused agents are called through
/// one witness-table call per duty cycle, never per event.
public protocol Agent: AnyObject, Sendable {
    /// Name used in tuning profiles (`agents = …`) and thread names.
    var name: String { get }
    /// Called once on the agent's thread before the first `doWork`.
    func onStart()
    /// One duty cycle: poll inputs, process what arrived. Returns the work count.
    func doWork() -> Int
    /// Called once on the agent's thread after the last `doWork`.
    func onClose()
}

extension Agent {
    public func onStart() {}
    public func onClose() {}
}
