import PeregrineCore

/// What the filter decided for one event.
@frozen
public enum FilterVerdict: Sendable, BitwiseCopyable, Equatable {
    /// The event passes unchanged.
    case pass
    /// The event passes; its sequence number jumped forward, so `.afterGap` was set on it.
    case passAfterGap
    /// The event is dropped for the reason given.
    case drop(MarketDataDropReason)

    /// Whether the event goes on to the books and strategies.
    @inlinable public var passes: Bool {
        if case .drop = self { return false }
        return true
    }

    /// The drop reason, or `nil` for a pass.
    @inlinable public var dropReason: MarketDataDropReason? {
        if case .drop(let reason) = self { return reason }
        return nil
    }
}

/// Receives every event the filter drops, with the reason (for the journal).
///
/// Called on the filter's thread inside `process(_:dropsTo:)`; implementations must not block
/// or allocate (copy the 64-byte event into a preallocated ring slot).
public protocol MarketDataDropSink {
    mutating func onDrop(_ event: MarketEvent, reason: MarketDataDropReason)
}
