import PeregrineCore

/// Which side opens the session: the initiator connects and sends the first Logon.
public enum FIXSessionRole: String, Sendable {
    case initiator
    case acceptor
}

/// Set-up values of one FIX session (QuickFIX settings by their meaning). A plain value,
/// parsed once at start-up; the session reads it, never looks keys up.
public struct FIXSessionConfiguration: Sendable {
    /// BeginString (8) of every message.
    public var version: FIXVersion
    /// Our SenderCompID (49).
    public var senderCompID: String
    /// The counterparty's CompID: their SenderCompID, our TargetCompID (56).
    public var targetCompID: String
    /// Initiator or acceptor.
    public var role: FIXSessionRole
    /// HeartBtInt (108) the initiator proposes; an acceptor takes the counterparty's.
    public var heartbeatIntervalSeconds = 30
    /// Reset both sequence numbers to 1 at every Logon (and send ResetSeqNumFlag=Y when
    /// initiating).
    public var resetOnLogon = false
    /// Reset both sequence numbers after a Logout exchange.
    public var resetOnLogout = false
    /// Reset both sequence numbers when the connection drops.
    public var resetOnDisconnect = false
    /// Largest accepted |SendingTime − now| (FIX: "reasonable transmission time"); `nil`
    /// turns the check off. QuickFIX's MaxLatency default is 120 s.
    public var maxSendingTimeSkew: Nanoseconds? = .seconds(120)
    /// How long to wait for the Logout answer before closing.
    public var logoutTimeout: Nanoseconds = .seconds(2)
    /// How long to wait for a Logon (acceptor: the first message; initiator: the answer).
    public var logonTimeout: Nanoseconds = .seconds(10)
    /// TestRequest after this many heartbeat intervals without inbound traffic, in
    /// thousandths (1200 = 1.2 × HeartBtInt, QuickFIX's grace); the session is declared dead
    /// at twice that.
    public var testRequestDelayPermille = 1200
    /// Store sent application messages so a ResendRequest can replay them; when false the
    /// session gap-fills every request (store-less mode).
    public var persistMessages = true
    /// Check that 49/56 of every inbound message match this session.
    public var checkCompIDs = true
    /// Dictionary checks applied to inbound messages.
    public var validation = FIXValidationOptions()
    /// When the session may be logged on, and when its sequence numbers reset daily.
    public var schedule: FIXSessionSchedule = .always

    public init(version: FIXVersion, senderCompID: String, targetCompID: String, role: FIXSessionRole) {
        self.version = version
        self.senderCompID = senderCompID
        self.targetCompID = targetCompID
        self.role = role
    }
}
