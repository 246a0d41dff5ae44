/// What an application answers for an inbound application message.
public enum FIXApplicationResult: Sendable, Equatable {
    /// Processed (the application may have sent messages through the session).
    case accepted
    /// Not a message type this application handles: BusinessMessageReject 380=3.
    case unsupportedMessageType
    /// A BusinessMessageReject with this reason and the tag concerned (0 for none).
    case businessReject(reason: FIXBusinessRejectReason, tag: Int)
}

/// The application behind a FIX session: called on the session's owning thread for
/// session events and every in-sequence application message.
public protocol FIXApplication: AnyObject {
    /// Application MsgTypes handled; others get a BusinessMessageReject before any field
    /// check. `nil`: every type reaches `onMessage`.
    var supportedMessageTypes: [FIXMessageType]? { get }
    /// The session logged on.
    func onLogon(_ session: FIXSession)
    /// The session logged out or lost its connection.
    func onLogout(_ session: FIXSession)
    /// One validated, in-sequence application message; valid only during the call.
    func onMessage(_ message: FIXMessageView, session: FIXSession) -> FIXApplicationResult
}
