import Testing
import PeregrineCore
import PeregrineFIX
import PeregrineFIXTransport
import PeregrinePlatform
#if canImport(Glibc)
import Glibc
#endif

func pauseMillis(_ ms: Int) { var t = timespec(tv_sec: 0, tv_nsec: ms * 1_000_000); _ = nanosleep(&t, nil) }

/// Records session events of the initiator side.
final class RecordingApplication: FIXApplication, @unchecked Sendable {
    // SAFETY: written by the initiator's thread, read after `stop` joined it.
    var logons = 0
    var logouts = 0
    var messages: [String] = []
    var supportedMessageTypes: [FIXMessageType]? { nil }
    func onLogon(_ session: FIXSession) {
        logons += 1
        session.send(.newOrderSingle) { e in
            e.append(FIXTag.clOrdID, ascii: "ORDER-1")
            e.append(FIXTag.handlInst, ascii: "1")
            e.append(FIXTag.ordType, ascii: "1")
            e.append(FIXTag.side, ascii: "1")
            e.append(FIXTag.symbol, ascii: "INTC")
            e.append(FIXTag.transactTime, timestamp: Clock.now(), precision: .seconds)
        }
    }
    func onLogout(_ session: FIXSession) { logouts += 1 }
    func onMessage(_ message: FIXMessageView, session: FIXSession) -> FIXApplicationResult {
        messages.append(String(decoding: message.valueBytes(tag: FIXTag.clOrdID) ?? UnsafeRawBufferPointer(start: nil, count: 0), as: UTF8.self))
        return .accepted
    }
}

@Suite("FIX transports on loopback", .serialized)
struct FIXTransportTests {
    @Test("the initiator retries until the acceptor listens, logs on, gets its order echoed and logs out")
    func initiatorAgainstAcceptor() throws {
        // Reserve a free port, then release it so the first connects are refused.
        let probe = try TCPSocket.listen(on: .loopback(port: 0))
        let port = try probe.localAddress().port
        probe.close()
        var configuration = FIXSessionConfiguration(version: .fix44, senderCompID: "TW44", targetCompID: "ISLD", role: .initiator)
        configuration.heartbeatIntervalSeconds = 30
        configuration.resetOnLogon = true
        let application = RecordingApplication()
        let session = FIXSession(configuration: configuration, dictionary: ConformanceRunner.fix44,
                                 store: FIXMemoryStore(), application: application)
        let initiator = FIXInitiator(session: session, address: .loopback(port: port),
                                     initialBackoffNanos: 50_000_000, maxBackoffNanos: 200_000_000)
        try initiator.start()
        let accepted = ConformanceRunner.acceptorSession()
        let acceptor = FIXAcceptor(sessions: [accepted], address: .loopback(port: port))
        let startWaiting = Clock.monotonicNanos()
        while Clock.monotonicNanos() - startWaiting < 300_000_000 { pauseMillis(10) }   // let a few connects fail
        try acceptor.start()
        let deadline = Clock.monotonicNanos() + 5_000_000_000
        while Clock.monotonicNanos() < deadline && acceptor.activeConnectionCount == 0 { pauseMillis(10) }
        let echoDeadline = Clock.monotonicNanos() + 5_000_000_000
        while Clock.monotonicNanos() < echoDeadline && (accepted.application as? FIXConformanceApplication)?.echoed ?? 0 == 0 { pauseMillis(10) }
        let settle = Clock.monotonicNanos()
        while Clock.monotonicNanos() - settle < 200_000_000 { pauseMillis(10) }
        initiator.stop()
        acceptor.stop()
        #expect(application.logons == 1)
        #expect(application.messages == ["ORDER-1"])
        #expect(application.logouts == 1)
        #expect(initiator.connections >= 1)
    }
}
