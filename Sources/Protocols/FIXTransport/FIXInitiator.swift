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
/// Thread: `start` spawns one connection thread that owns the session; read the session
/// only after `stop` (or through the application callbacks, which run on that thread).
public final class FIXInitiator: @unchecked Sendable {
    // SAFETY: the session is used only by the connection thread between start and stop.
    let session: FIXSession
    let address: SocketAddress
    let mode: SocketMode
    let driver: FIXConnectionDriver
    /// First reconnect delay.
    public let initialBackoffNanos: UInt64
    /// Longest reconnect delay.
    public let maxBackoffNanos: UInt64
    let stopping = Atomic<Bool>(false)
    let connectCount = Atomic<Int>(0)
    var thread: PinnedThread? = nil

    public init(session: FIXSession, address: SocketAddress, mode: SocketMode = .blocking,
                initialBackoffNanos: UInt64 = 500_000_000, maxBackoffNanos: UInt64 = 30_000_000_000,
                driver: FIXConnectionDriver = FIXConnectionDriver()) {
        precondition(session.configuration.role == .initiator, "an initiator needs an initiator session")
        self.session = session
        self.address = address
        self.mode = mode
        self.initialBackoffNanos = initialBackoffNanos
        self.maxBackoffNanos = maxBackoffNanos
        self.driver = driver
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

    func run() {
        var backoff = initialBackoffNanos
        while !stopping.load(ordering: .acquiring) {
            guard let engine = try? SocketEngine.make(mode: mode),
                  let connection = try? engine.connect(to: address) else {
                sleep(nanos: backoff)
                backoff = min(maxBackoffNanos, backoff * 2)
                continue
            }
            connectCount.add(1, ordering: .acquiringAndReleasing)
            session.connected(at: driver.clock())
            var inbound = FIXInboundBuffer()
            var loggedOut = false
            _ = driver.run(session, connection: connection, inbound: &inbound) {
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
            connection.close()
            engine.close()
            session.disconnected(at: driver.clock())
            if !stopping.load(ordering: .acquiring) {
                sleep(nanos: backoff)
                backoff = min(maxBackoffNanos, backoff * 2)
            }
        }
    }
}
