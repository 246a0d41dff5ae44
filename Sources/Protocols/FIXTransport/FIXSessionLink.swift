import PeregrineCore
import PeregrineFIX
import PeregrinePlatform

/// One `FIXSession` over one `TCPConnection`, driven by the caller's own loop without ever
/// waiting: the shape a fused hot-path thread (or a single-threaded venue) needs, where
/// `FIXConnectionDriver` owns a thread and blocks in receive.
///
/// Per loop iteration call `poll(now:)` (takes bytes already arrived, frames them, hands
/// each frame to the session — whose application callbacks run inside — and sends what the
/// session queued), and every few milliseconds `timer(now:)`. After sending application
/// messages through `session.send`, call `flush()`.
///
/// Threading: one owner thread (the session and connection are thread-confined).
/// Allocation: none per message after set-up (the inbound buffer grows only for a frame
/// larger than its reservation). Errors: a closed or failed socket, or a disconnect the
/// session asks for, ends the link: `isOpen` turns false and `closeReason` says why; the
/// owner then calls `close(now:)` and may reconnect with a new link.
public final class FIXSessionLink {
    /// The session (owned by this link's thread while the link is open).
    public let session: FIXSession
    let channel: FIXByteChannel
    var inbound: FIXInboundBuffer
    /// Whether the connection is usable.
    public private(set) var isOpen = true
    /// Why the link ended ("" while open).
    public private(set) var closeReason = ""
    /// Bytes received and sent on this connection.
    public private(set) var bytesReceived = 0
    public private(set) var bytesSent = 0

    /// Wraps a connected socket and tells the session it is connected (an initiator session
    /// queues its Logon, sent by the first `flush`/`poll`). Set-up: allocates the buffer.
    public convenience init(session: FIXSession, connection: TCPConnection, now: Timestamp) {
        self.init(session: session, channel: .plain(connection), now: now)
    }

    /// Over a plain connection or an established TLS one (`FIXTLSConnection` after its
    /// handshake): the session sees plaintext frames either way.
    public init(session: FIXSession, channel: FIXByteChannel, now: Timestamp) {
        self.session = session
        self.channel = channel
        inbound = FIXInboundBuffer()
        session.connected(at: now)
        flush()
    }

    /// For an acceptor: wraps a connection whose first bytes were already read into
    /// `initialBytes` (the frame used to pick the session).
    public convenience init(session: FIXSession, connection: TCPConnection, initialBytes: UnsafeRawBufferPointer, now: Timestamp) {
        self.init(session: session, channel: .plain(connection), initialBytes: initialBytes, now: now)
    }

    /// For an acceptor over either kind of stream, with the first plaintext already read.
    public init(session: FIXSession, channel: FIXByteChannel, initialBytes: UnsafeRawBufferPointer, now: Timestamp) {
        self.session = session
        self.channel = channel
        inbound = FIXInboundBuffer()
        inbound.append(initialBytes)
        session.connected(at: now)
        flush()
    }

    // MARK: hot path begin
    /// Takes bytes already arrived (never waits), feeds every complete frame to the session,
    /// and sends its answers. Returns the number of frames processed.
    @discardableResult
    public func poll(now: Timestamp) -> Int {
        guard isOpen else { return 0 }
        var received = 0
        let result = channel.tryReceive { bytes in
            received = bytes.count
            inbound.append(bytes)
        }
        switch result {
        case .received, .wouldBlock: break
        case .closed: end("peer closed the connection")
        case .failed(let code):
            let tls = channel.failureReason
            end(tls.isEmpty ? "socket error \(code)" : "TLS: \(tls)")
        }
        bytesReceived &+= received
        var frames = 0
        let session = self.session
        inbound.forEachFrame { frame in
            session.receive(frame, at: now)
            frames += 1
            return !session.disconnectRequested
        }
        flush()
        if session.disconnectRequested && isOpen { end(session.disconnectReason) }
        return frames
    }

    /// Sends whatever the session has queued (after `session.send`). No allocation.
    public func flush() {
        guard isOpen else { return }
        var ok = true
        var sent = 0
        let channel = self.channel
        session.drainOutbound { bytes in
            if case .sent(let n) = channel.send(bytes) { sent = n } else { ok = false }
        }
        bytesSent &+= sent
        if !ok { end("send failed: peer gone") }
    }
    // MARK: hot path end

    /// Heartbeats, test requests, logon/logout timeouts and schedule; call every few ms.
    public func timer(now: Timestamp) {
        guard isOpen else { return }
        session.timer(at: now)
        flush()
        if session.disconnectRequested { end(session.disconnectReason) }
    }

    /// Starts the Logout handshake; keep polling until `isOpen` is false or a deadline.
    public func logout(text: String? = nil, now: Timestamp) {
        guard isOpen else { return }
        session.logout(text: text, at: now)
        flush()
    }

    /// Closes the socket and tells the session it is disconnected. Idempotent.
    public func close(now: Timestamp) {
        if isOpen { end("closed locally") }
        if !closedSession {
            closedSession = true
            channel.close()
            session.disconnected(at: now)
        }
    }

    var closedSession = false

    func end(_ reason: String) {
        guard isOpen else { return }
        isOpen = false
        closeReason = reason
    }
}
