import PeregrineCore
import PeregrineMarketData

/// What a feed session hands its owner: normalized market events, health changes, and (for
/// callers that need them) the raw decoded messages.
///
/// Called synchronously on the session's owning thread from inside `poll`/`timer`/`stop`, in
/// wire order. The session is a generic over the handler (no existential, no allocation per
/// call); implement it on a struct or final class. A handler may call the session's
/// subscription methods (they only queue requests) but must not call `poll`, `timer` or
/// `stop` re-entrantly. Text views inside the messages are valid only during the call.
public protocol FeedEventHandler {
    /// One normalized event (trade, quote, depth). Must not block; should not allocate.
    mutating func onMarketEvent(_ event: MarketEvent)
    /// The session's health changed (see `FeedHealthChange`).
    mutating func onHealthChange(_ change: FeedHealthChange)
    /// Every decoded TWS message, after the session has used it (orders, executions, errors,
    /// history…). Default: ignored.
    mutating func onTWSMessage(_ message: TWSIncoming, receiveTime: Timestamp)
    /// Every IQFeed Level 1 line with the decoder's result and output, after the session has
    /// used it (`line` excludes CR LF). Default: ignored.
    mutating func onIQFeedLine(_ result: IQFeedLevel1Result, line: UnsafeRawBufferPointer, output: IQFeedLevel1Output)
}

extension FeedEventHandler {
    public mutating func onTWSMessage(_ message: TWSIncoming, receiveTime: Timestamp) {}
    public mutating func onIQFeedLine(_ result: IQFeedLevel1Result, line: UnsafeRawBufferPointer, output: IQFeedLevel1Output) {}
}

/// A handler that drops everything (e.g. for `timer` calls whose events the caller ignores).
public struct IgnoringFeedEventHandler: FeedEventHandler {
    public init() {}
    public mutating func onMarketEvent(_ event: MarketEvent) {}
    public mutating func onHealthChange(_ change: FeedHealthChange) {}
}
