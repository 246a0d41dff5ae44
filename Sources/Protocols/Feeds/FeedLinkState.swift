import PeregrineCore

/// Where a feed session's connection stands: the states of the connection-health state machine
/// shared by `TWSClientSession` and `IQFeedLevel1Session`.
///
/// ```
/// disconnected ──timer──▶ connecting ──TCP up──▶ handshaking ──ready msgs──▶ resubscribing ──queue drained──▶ ready
///      ▲                      │ refused/timeout        │ timeout/closed                                     │  ▲
///      └──── back-off ◀───────┴────────────────────────┴──────────── socket closed ◀──────────────────────────┘  │
///                                          ready ──1100 / SERVER DISCONNECTED──▶ connectivityLost ──1102──────────┘
///                                                                          └──1101──▶ resubscribing
/// ```
@frozen
public enum FeedLinkState: UInt8, Sendable, BitwiseCopyable, CustomStringConvertible, CaseIterable {
    /// No socket. A connect attempt is scheduled after the back-off (unless stopped).
    case disconnected
    /// A non-blocking TCP connect is in flight.
    case connecting
    /// TCP is up; the protocol preamble is being exchanged (TWS: version, startApi, nextValidId
    /// and managedAccounts; IQFeed: `S,SET PROTOCOL` → `S,CURRENT PROTOCOL`).
    case handshaking
    /// Subscriptions are being re-sent (after a reconnect or TWS error 1101) through the pacer.
    case resubscribing
    /// Connected, subscribed, upstream healthy.
    case ready
    /// The source lost its own upstream link (TWS↔IB: error 1100 or 2110; IQConnect↔DTN:
    /// `S,SERVER DISCONNECTED`). The socket is still up; data is stale.
    case connectivityLost

    public var description: String {
        switch self {
        case .disconnected: return "disconnected"
        case .connecting: return "connecting"
        case .handshaking: return "handshaking"
        case .resubscribing: return "resubscribing"
        case .ready: return "ready"
        case .connectivityLost: return "connectivity-lost"
        }
    }

    /// Whether a socket is open (handshaking or later).
    @inlinable public var isConnected: Bool {
        switch self {
        case .disconnected, .connecting: return false
        default: return true
        }
    }
}

/// Why a feed session's health changed.
@frozen
public enum FeedHealthReason: UInt8, Sendable, BitwiseCopyable, CustomStringConvertible {
    /// `start` was called; the first connect is scheduled.
    case started
    /// A TCP connect began.
    case connectStarted
    /// The TCP connect failed; `code` is the errno (ECONNREFUSED = 111 …).
    case connectFailed
    /// The TCP connect did not complete within the configured timeout.
    case connectTimedOut
    /// TCP is up; the preamble was sent.
    case connected
    /// The handshake finished (TWS: `code` = server version).
    case handshakeComplete
    /// The handshake did not finish within the configured timeout.
    case handshakeTimedOut
    /// The peer speaks a version this session does not (TWS: `code` = server version; IQFeed:
    /// the protocol in `S,CURRENT PROTOCOL` differs).
    case versionRejected
    /// The peer closed the socket.
    case peerClosed
    /// A receive or send failed; `code` is the errno.
    case socketError
    /// All re-sent subscriptions are on the wire.
    case resubscribed
    /// TWS 1100 / 2110, IQFeed `S,SERVER DISCONNECTED` or `S,SERVER RECONNECT FAILED`.
    case connectivityLost
    /// TWS 1101: connectivity restored, subscriptions lost — everything is re-sent.
    case restoredDataLost
    /// TWS 1102: connectivity restored, subscriptions kept.
    case restoredDataKept
    /// IQFeed `S,SERVER CONNECTED`.
    case serverConnected
    /// A TWS data farm reported broken (2103 market data, 2105 HMDS, 2157 sec-def); `code` is
    /// the error code, `farm` the farm's slot (`TWSClientSession.farmName(_:)`).
    case farmBroken
    /// A TWS data farm reported OK, inactive-but-available or connecting (2104, 2106, 2107,
    /// 2108, 2119, 2158).
    case farmRestored
    /// TWS error 100: too many messages per second; sending pauses for the pacing back-off.
    case pacingViolation
    /// The pacing pause ended.
    case pacingResumed
    /// TWS error 326: the client id is in use; the session disconnects and retries later.
    case clientIdInUse
    /// The clock entered the configured nightly-reset window (drops are expected).
    case resetWindowEntered
    /// The clock left the nightly-reset window.
    case resetWindowLeft
    /// `stop` closed the session.
    case stopped
    /// The peer does not speak the protocol (TWS: the first reply is not a version frame;
    /// `code` is its bogus length), or the receive buffer could not be resynchronized.
    case protocolError

    public var description: String {
        switch self {
        case .started: return "started"
        case .connectStarted: return "connect-started"
        case .connectFailed: return "connect-failed"
        case .connectTimedOut: return "connect-timed-out"
        case .connected: return "connected"
        case .handshakeComplete: return "handshake-complete"
        case .handshakeTimedOut: return "handshake-timed-out"
        case .versionRejected: return "version-rejected"
        case .peerClosed: return "peer-closed"
        case .socketError: return "socket-error"
        case .resubscribed: return "resubscribed"
        case .connectivityLost: return "connectivity-lost"
        case .restoredDataLost: return "restored-data-lost"
        case .restoredDataKept: return "restored-data-kept"
        case .serverConnected: return "server-connected"
        case .farmBroken: return "farm-broken"
        case .farmRestored: return "farm-restored"
        case .pacingViolation: return "pacing-violation"
        case .pacingResumed: return "pacing-resumed"
        case .clientIdInUse: return "client-id-in-use"
        case .resetWindowEntered: return "reset-window-entered"
        case .resetWindowLeft: return "reset-window-left"
        case .stopped: return "stopped"
        case .protocolError: return "protocol-error"
        }
    }
}

/// One change of a feed session's health: a state transition, a change of data freshness, or
/// a notable event that leaves the state as it was (farm notices, pacing).
///
/// A small plain value (32-byte stride); building one does not allocate.
@frozen
public struct FeedHealthChange: Sendable, BitwiseCopyable, Equatable, CustomStringConvertible {
    /// When the session noticed (the `now` passed to `poll`/`timer`).
    public var time: Timestamp
    /// The state before and after (equal for events that do not change it).
    public var previous: FeedLinkState
    public var state: FeedLinkState
    /// Whether market data should be treated as stale after this change.
    public var dataStale: Bool
    /// What happened.
    public var reason: FeedHealthReason
    /// Reason-specific number: errno, TWS error code, server version, or 0.
    public var code: Int64
    /// TWS farm slot for farm notices, −1 otherwise.
    public var farm: Int32

    @inlinable
    public init(time: Timestamp, previous: FeedLinkState, state: FeedLinkState, dataStale: Bool,
                reason: FeedHealthReason, code: Int64 = 0, farm: Int32 = -1) {
        self.time = time; self.previous = previous; self.state = state; self.dataStale = dataStale
        self.reason = reason; self.code = code; self.farm = farm
    }

    /// "connecting -> handshaking (connected)"; allocates (logging only).
    public var description: String {
        let arrow = previous == state ? "\(state)" : "\(previous) -> \(state)"
        let codeText = code != 0 ? " \(code)" : ""
        return "\(arrow) (\(reason)\(codeText))\(dataStale ? " stale" : "")"
    }
}
