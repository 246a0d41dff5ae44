import PeregrineCore
import PeregrineFIX
import PeregrinePlatform
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A FIX initiator: connects to one counterparty, runs the session, and reconnects with
/// exponential back-off (doubling from `initialBackoff` to `maxBackoff`, reset after a
/// successful logon) until `stop`.
///
/// With `tls`, each connection first completes a TLS handshake (verifying the acceptor's
/// certificate and name per the context's settings); a failed handshake counts as a failed
/// connect (back-off, retry) and its reason is logged.
///
/// Thread: `start` spawns one connection thread that owns the session; read the session
/// only after `stop` (or through the application callbacks, which run on that thread).
public final class FIXInitiator: @unchecked Sendable {
    // SAFETY: the session is used only by the connection thread between start and stop.
    let session: FIXSession
    let address: SocketAddress
    let mode: SocketMode
    let driver: FIXConnectionDriver
    /// TLS for every connection, or nil for plain TCP.
    let tls: FIXTLSContext?
    /// First reconnect delay.
    public let initialBackoffNanos: UInt64
    /// Longest reconnect delay.
    public let maxBackoffNanos: UInt64
    let stopping = Atomic<Bool>(false)
    let connectCount = Atomic<Int>(0)
    var thread: PinnedThread? = nil
    let logLines = Mutex<[String]>([])

    /// - Parameter tls: a client-role TLS context (trusted authorities, server name), or nil.
    public init(session: FIXSession, address: SocketAddress, mode: SocketMode = .blocking,
                initialBackoffNanos: UInt64 = 500_000_000, maxBackoffNanos: UInt64 = 30_000_000_000,
                tls: FIXTLSContext? = nil, driver: FIXConnectionDriver = FIXConnectionDriver()) {
        precondition(session.configuration.role == .initiator, "an initiator needs an initiator session")
        precondition(tls.map { $0.role == .initiator } ?? true, "an initiator needs a client-role TLS context")
        self.session = session
        self.address = address
        self.mode = mode
        self.initialBackoffNanos = initialBackoffNanos
        self.maxBackoffNanos = maxBackoffNanos
        self.tls = tls
        self.driver = driver
    }

    /// Recent log lines (connect and TLS failures, session ends), oldest first; bounded.
    public var log: [String] { logLines.withLock { $0 } }

    func note(_ line: String) {
        logLines.withLock { lines in
            lines.append(line)
            if lines.count > 1000 { lines.removeFirst(lines.count - 1000) }
        }
    }

    /// Connections made so far.
    public var connections: Int { connectCount.load(ordering: .acquiring) }

    /// Starts the connection thread. Throws `SystemError` if the thread cannot start.
    public func start() throws(SystemError) {
        thread = try PinnedThread.start(name: "fix-init", placement: ThreadPlacement()) { [self] in run() }
    }

    /// Asks the session to log out (if logged on), stops reconnecting and joins the thread.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        thread?.join()
        thread = nil
    }

    func sleep(nanos: UInt64) {
        let until = Clock.monotonicNanos() + nanos
        while Clock.monotonicNanos() < until && !stopping.load(ordering: .acquiring) {
            // Bounded waits keep `stop` responsive without a condition variable.
            let slice = min(until - Clock.monotonicNanos(), 20_000_000)
            var spec = timespec(tv_sec: 0, tv_nsec: Int(slice))
            _ = nanosleep(&spec, nil)
        }
    }

    /// The connection as the session's byte stream: plain, or TLS after a successful
    /// handshake. Nil (connection closed, reason logged) when the handshake fails.
    func secure(_ connection: TCPConnection) -> FIXByteChannel? {
        guard let tls else { return .plain(connection) }
        let secured: FIXTLSConnection
        do { secured = try FIXTLSConnection(context: tls, connection: connection) } catch {
            note("TLS set-up failed: \(error)")
            connection.close()
            return nil
        }
        guard secured.handshake(deadlineNanos: Clock.monotonicNanos() + tls.settings.handshakeTimeoutNanos,
                                shouldStop: { stopping.load(ordering: .acquiring) }) else {
            note("TLS handshake with \(address) failed: \(secured.failureReason)")
            secured.close()
            return nil
        }
        note("TLS established with \(address): \(secured.protocolVersion) \(secured.cipherName)")
        return .tls(secured)
    }

    func run() {
        var backoff = initialBackoffNanos
        while !stopping.load(ordering: .acquiring) {
            let engine: SocketEngine
            let connection: TCPConnection
            do {
                engine = try SocketEngine.make(mode: mode)
                do { connection = try engine.connect(to: address) } catch {
                    engine.close()
                    throw error
                }
            } catch {
                note("connect \(address) failed: \(error)")
                sleep(nanos: backoff)
                backoff = min(maxBackoffNanos, backoff * 2)
                continue
            }
            connectCount.add(1, ordering: .acquiringAndReleasing)
            guard let channel = secure(connection) else {
                engine.close()
                sleep(nanos: backoff)
                backoff = min(maxBackoffNanos, backoff * 2)
                continue
            }
            (session.store as? any FIXStoreRefreshing)?.refreshBeforeLogon()
            session.connected(at: driver.clock())
            var inbound = FIXInboundBuffer()
            var loggedOut = false
            let exit = driver.run(session, channel: channel, inbound: &inbound) {
                if stopping.load(ordering: .acquiring) {
                    if session.isLoggedOn && !loggedOut {
                        session.logout(at: driver.clock())
                        loggedOut = true
                        return false   // let the Logout exchange finish (bounded by logoutTimeout)
                    }
                    return !session.isLoggedOn && session.state != .loggingOut
                }
                return false
            }
            if session.isLoggedOn || session.state == .loggingOut { backoff = initialBackoffNanos }
            note("session \(session.configuration.senderCompID)->\(session.configuration.targetCompID) ended: \(exit)")
            channel.close()
            engine.close()
            session.disconnected(at: driver.clock())
            if !stopping.load(ordering: .acquiring) {
                sleep(nanos: backoff)
                backoff = min(maxBackoffNanos, backoff * 2)
            }
        }
    }
}
