import PeregrineCore
import PeregrineFIX
import PeregrinePlatform

/// Runs one `FIXSession` over one connection (plain TCP or TLS over TCP): receive → frame →
/// session → send, plus the session timer, until either side disconnects or `shouldStop`
/// says so.
///
/// Runs on the calling thread (a connection thread of the acceptor or initiator). The
/// receive wait is bounded by `tickNanos` so timers fire on time in every socket mode.
public struct FIXConnectionDriver {
    /// Longest wait for bytes before the session timer runs.
    public var tickNanos: UInt64 = 50_000_000
    /// Wall-clock source for the session (a test may pass a fake one).
    public var clock: @Sendable () -> Timestamp = { Clock.now() }

    public init() {}

    /// Why `run` returned.
    public enum Exit: Sendable, Equatable {
        case sessionDisconnected(String)
        case peerClosed
        case stopped
        case socketError(Int32)
        /// The TLS layer failed after the handshake (bad record, alert …): OpenSSL's reason.
        case tlsError(String)
    }

    /// Sends what the session has queued. Returns false when the peer is gone.
    static func flush(_ session: FIXSession, _ connection: FIXByteChannel) -> Bool {
        var ok = true
        session.drainOutbound { bytes in
            if case .sent = connection.send(bytes) {} else { ok = false }
        }
        return ok
    }

    /// Drives `session` (already `connected`) until the connection ends; leaves the
    /// connection open for the caller to close. `inbound` may hold bytes already read.
    func run(_ session: FIXSession, channel connection: FIXByteChannel, inbound: inout FIXInboundBuffer,
             shouldStop: () -> Bool) -> Exit {
        if !Self.flush(session, connection) { return .peerClosed }
        while true {
            // Frames already buffered.
            inbound.forEachFrame { frame in
                session.receive(frame, at: clock())
                return !session.disconnectRequested
            }
            if !Self.flush(session, connection) { return .peerClosed }
            if session.disconnectRequested { return .sessionDisconnected(session.disconnectReason) }
            session.timer(at: clock())
            if !Self.flush(session, connection) { return .peerClosed }
            if session.disconnectRequested { return .sessionDisconnected(session.disconnectReason) }
            if shouldStop() { return .stopped }
            let result = connection.receive(deadlineNanos: Clock.monotonicNanos() + tickNanos) { bytes in
                inbound.append(bytes)
            }
            switch result {
            case .received, .wouldBlock: continue
            case .closed: return .peerClosed
            case .failed(let code):
                let reason = connection.failureReason
                return reason.isEmpty ? .socketError(code) : .tlsError(reason)
            }
        }
    }
}
