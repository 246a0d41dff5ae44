/// Counters of a feed session: faults and volumes, preallocated, updated on the owning thread
/// and read by a monitor between calls. Plain integers; no allocation.
public struct FeedSessionCounters: Sendable, Equatable {
    /// Bytes received.
    public var bytesReceived = 0
    /// Frames (TWS) or lines (IQFeed) received, decoded or not.
    public var messagesReceived = 0
    /// Market events handed to the handler.
    public var marketEvents = 0
    /// Messages skipped because the codec does not know their type (TWS id, IQFeed type letter).
    public var unknownMessages = 0
    /// Messages skipped because a field did not parse or the frame was malformed.
    public var malformedMessages = 0
    /// Bytes thrown away to resynchronize (an oversized frame or line).
    public var discardedBytes = 0
    /// Market-data messages for a ticker id or symbol with no subscription.
    public var unmatchedMessages = 0
    /// Error messages received (TWS `error`, IQFeed `E`).
    public var errorsReceived = 0
    /// Bytes sent (greeting included).
    public var bytesSent = 0
    /// Frames or command lines sent.
    public var messagesSent = 0
    /// Requests refused because the outbound queue was full (or the request did not encode).
    public var requestsRejected = 0
    /// Queued requests dropped when a connection ended (orders and other one-off requests are
    /// not replayed; subscriptions are re-sent from the subscription table).
    public var requestsDroppedOnDisconnect = 0
    /// Times a send waited for a pacing token.
    public var pacingDelays = 0
    /// TWS error 100 notices.
    public var pacingViolations = 0
    /// TCP connect attempts.
    public var connectAttempts = 0
    /// Connect attempts that failed (refused, timed out, unreachable).
    public var connectFailures = 0
    /// Connections that completed the handshake after the first one did (successful reconnects).
    public var reconnects = 0
    /// Times every subscription was re-sent (reconnect or TWS 1101).
    public var resubscriptions = 0
    /// Health changes reported.
    public var healthChanges = 0

    /// All zero.
    public init() {}

    /// "received 120 msgs / 3400 B, 80 events, …"; allocates (logging only).
    public var summary: String {
        "received \(messagesReceived) msgs / \(bytesReceived) B, \(marketEvents) events, sent \(messagesSent) msgs / \(bytesSent) B, "
            + "unknown \(unknownMessages), malformed \(malformedMessages), discarded \(discardedBytes) B, unmatched \(unmatchedMessages), "
            + "errors \(errorsReceived), rejected \(requestsRejected), dropped-on-disconnect \(requestsDroppedOnDisconnect), "
            + "pacing delays \(pacingDelays), pacing violations \(pacingViolations), connects \(connectAttempts) "
            + "(failed \(connectFailures)), reconnects \(reconnects), resubscriptions \(resubscriptions), health changes \(healthChanges)"
    }
}
