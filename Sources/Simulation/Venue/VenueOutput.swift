import PeregrineCore

/// The caller-provided buffers a `MatchingEngine` appends its answers to: execution reports
/// for the order owners and market-data events for the public feed.
///
/// Preallocate with `init(executionCapacity:marketDataCapacity:)` and `clear()` after
/// draining: appends within the reserved capacity never allocate. Size for the worst call
/// you expect — one aggressive order that fills against n resting orders appends 2n + 2
/// execution reports and about n + 3 market events; a larger burst still works but grows
/// the array (one allocation).
public struct VenueOutput: Sendable {
    /// Execution reports in the order the venue produced them.
    public var executions: [ExecutionEvent]
    /// Public feed events (trades, quotes, depth) in feed-sequence order.
    public var marketData: [MarketEvent]

    /// Empty buffers with room for the given counts.
    public init(executionCapacity: Int = 4_096, marketDataCapacity: Int = 4_096) {
        executions = []
        executions.reserveCapacity(executionCapacity)
        marketData = []
        marketData.reserveCapacity(marketDataCapacity)
    }

    /// Forgets the events, keeping the capacity. O(1) for these trivial element types.
    @inlinable
    public mutating func clear() {
        executions.removeAll(keepingCapacity: true)
        marketData.removeAll(keepingCapacity: true)
    }
}
