import Testing
import PeregrineCore
import PeregrineFIX
import PeregrineFIXTransport
import PeregrinePlatform
import PeregrineTestKit

/// A FIXT.1.1 acceptor session (FIXT11 transport + FIX50SP2 application dictionaries)
/// under a fake clock, fed "35=…|" text with `|` for SOH.
final class FIXTHarness {
    static let dictionary: FIXDictionary = try! FIXDictionary.load(
        transportPath: ConformanceRunner.dictionaryDirectory + "/FIXT11.xml",
        applicationPath: ConformanceRunner.dictionaryDirectory + "/FIX50SP2.xml")

    let clock = ManualClock()
    let session: FIXSession

    init() {
        let configuration = FIXSessionConfiguration(version: .fixt11, senderCompID: "ISLD", targetCompID: "TW44", role: .acceptor)
        session = FIXSession(configuration: configuration, dictionary: Self.dictionary, store: FIXMemoryStore(),
                             application: FIXConformanceApplication())
        session.connected(at: clock.now())
    }

    func send(_ text: String) {
        let bytes = ConformanceScript.prepare(("8=FIXT.1.1|" + text).replacingPipes, now: clock.now())
        bytes.withUnsafeBytes { session.receive($0, at: clock.now()) }
    }

    /// Outbound messages since the last call without 8, 9, 52 and 10.
    func sent() -> [String] {
        var bytes: [UInt8] = []
        session.drainOutbound { bytes += $0 }
        var result: [String] = []
        var rest = bytes[...]
        while !rest.isEmpty {
            let length = Array(rest).withUnsafeBytes { raw -> Int in
                if case .frame(let n) = FIXFrameScanner.next(raw) { return n }
                return rest.count
            }
            let fields = rest.prefix(length).split(separator: 1).map { String(decoding: $0, as: UTF8.self) }
                .filter { !$0.hasPrefix("8=") && !$0.hasPrefix("9=") && !$0.hasPrefix("52=") && !$0.hasPrefix("10=") && !$0.hasPrefix("60=") }
            result.append(fields.joined(separator: "|"))
            rest = rest.dropFirst(length)
        }
        return result
    }
}

@Suite("FIXT.1.1 / FIX 5.0 SP2 sessions and RefreshOnLogon", .serialized)
struct FIXTSessionTests {
    static let order = "11=ORD-7|38=100|40=2|44=25.5|54=1|55=IBM|60=<TIME>|"

    @Test("a FIXT.1.1 Logon with DefaultApplVerID 9 is answered in kind; ApplVerID-tagged orders are validated and echoed")
    func fixtLogonAndOrders() {
        let h = FIXTHarness()
        h.send("35=A|34=1|49=TW44|52=<TIME>|56=ISLD|98=0|108=30|1137=9|")
        #expect(h.sent() == ["35=A|34=1|49=ISLD|56=TW44|98=0|108=30|1137=9"], "\(h.session.disconnectReason)")
        #expect(h.session.isLoggedOn)
        // An order carrying ApplVerID=9 (FIX 5.0 SP2) in the header.
        h.send("35=D|34=2|49=TW44|52=<TIME>|56=ISLD|1128=9|" + Self.order)
        #expect(h.sent() == ["35=D|34=2|49=ISLD|56=TW44|1128=9|11=ORD-7|38=100|40=2|44=25.5|54=1|55=IBM"])
        // And one relying on the session's DefaultApplVerID.
        h.send("35=D|34=3|49=TW44|52=<TIME>|56=ISLD|" + Self.order.replacing("ORD-7", with: "ORD-8"))
        #expect(h.sent() == ["35=D|34=3|49=ISLD|56=TW44|11=ORD-8|38=100|40=2|44=25.5|54=1|55=IBM"])
        // The FIX 5.0 SP2 dictionary applies: a NewOrderSingle without Side is rejected.
        h.send("35=D|34=4|49=TW44|52=<TIME>|56=ISLD|1128=9|11=ORD-9|38=100|40=2|55=IBM|60=<TIME>|")
        #expect(h.sent() == ["35=3|34=4|49=ISLD|56=TW44|45=4|58=Required tag missing|371=54|372=D|373=1"])
        // A tag FIX 5.0 SP2 does not define is an invalid tag number.
        h.send("35=D|34=5|49=TW44|52=<TIME>|56=ISLD|1128=9|" + Self.order.replacing("ORD-7", with: "ORD-10") + "9999=1|")
        #expect(h.sent().first?.contains("373=0") == true)
        // Session messages keep working; Logout ends it.
        h.send("35=1|34=6|49=TW44|52=<TIME>|56=ISLD|112=PING|")
        #expect(h.sent() == ["35=0|34=6|49=ISLD|56=TW44|112=PING"])
        h.send("35=5|34=7|49=TW44|52=<TIME>|56=ISLD|")
        #expect(h.sent() == ["35=5|34=7|49=ISLD|56=TW44"])
        #expect(h.session.disconnectRequested)
    }

    @Test("a FIX.4.4 message on a FIXT.1.1 session is answered with a Logout (wrong BeginString)")
    func wrongBeginString() {
        let h = FIXTHarness()
        h.send("35=A|34=1|49=TW44|52=<TIME>|56=ISLD|98=0|108=30|1137=9|")
        _ = h.sent()
        let bytes = ConformanceScript.prepare("8=FIX.4.4|35=0|34=2|49=TW44|52=<TIME>|56=ISLD|".replacingPipes, now: h.clock.now())
        bytes.withUnsafeBytes { h.session.receive($0, at: h.clock.now()) }
        #expect(h.sent() == ["35=5|34=2|49=ISLD|56=TW44|58=Incorrect BeginString"])
    }

    @Test("a FIXT.1.1 initiator and acceptor exchange FIX 5.0 SP2 orders over loopback")
    func fixtOverLoopback() throws {
        var acceptorConfiguration = FIXSessionConfiguration(version: .fixt11, senderCompID: "ISLD", targetCompID: "TW44", role: .acceptor)
        acceptorConfiguration.resetOnLogon = true
        let accepted = FIXSession(configuration: acceptorConfiguration, dictionary: FIXTHarness.dictionary,
                                  store: FIXMemoryStore(), application: FIXConformanceApplication())
        let acceptor = FIXAcceptor(sessions: [accepted], address: .loopback(port: 0))
        try acceptor.start()
        defer { acceptor.stop() }
        var configuration = FIXSessionConfiguration(version: .fixt11, senderCompID: "TW44", targetCompID: "ISLD", role: .initiator)
        configuration.resetOnLogon = true
        let application = FIXTOrderApplication()
        let session = FIXSession(configuration: configuration, dictionary: FIXTHarness.dictionary, store: FIXMemoryStore(),
                                 application: application)
        let initiator = FIXInitiator(session: session, address: .loopback(port: acceptor.port),
                                     initialBackoffNanos: 50_000_000, maxBackoffNanos: 200_000_000)
        try initiator.start()
        let echoed = waitFor(seconds: 10) { application.echoes == ["F5-1"] }
        initiator.stop()
        #expect(echoed, "\(initiator.log) \(acceptor.log)")
        #expect(application.applVerIDs == ["9"])
        #expect(accepted.counters.rejectsSent == 0)
    }

    @Test("RefreshOnLogon: a standby sharing the primary's store file resumes from the primary's numbers")
    func refreshOnLogon() throws {
        let dir = TemporaryDirectory("fixrefresh")
        defer { dir.remove() }
        let path = dir.file("FIX.4.4-ISLD-TW44.fixstore")
        // The standby opens the (new) file first and keeps what it read: 1 and 1.
        let standbyStore = FIXRefreshOnLogonStore(try FIXFileStore(path: path, capacity: 1 << 20))
        let staleControl = try FIXFileStore(path: path, capacity: 1 << 20)
        // The primary runs the session on the same file: Logon and three echoed orders.
        do {
            let primary = SessionHarness(store: try FIXFileStore(path: path, capacity: 1 << 20))
            primary.logon()
            for n in 2...4 {
                primary.send("35=D|34=\(n)|49=TW44|52=<TIME>|56=ISLD|11=P\(n)|21=1|40=1|54=1|55=X|60=<TIME>|")
            }
            #expect(primary.sent().count == 3)
            #expect(primary.session.nextSenderSequenceNumber == 5 && primary.session.nextTargetSequenceNumber == 5)
        }
        #expect(standbyStore.nextSenderSequenceNumber == 1 && staleControl.nextSenderSequenceNumber == 1)
        // The standby takes over: its acceptor refreshes the store before the Logon.
        let standby = FIXSession(configuration: FIXSessionConfiguration(version: .fix44, senderCompID: "ISLD",
                                                                        targetCompID: "TW44", role: .acceptor),
                                 dictionary: ConformanceRunner.fix44, store: standbyStore,
                                 application: FIXConformanceApplication())
        let acceptor = FIXAcceptor(sessions: [standby], address: .loopback(port: 0))
        try acceptor.start()
        defer { acceptor.stop() }
        // The counterparty continues its numbers: it sends 5 next and expects 5.
        let clientStore = FIXMemoryStore()
        clientStore.nextSenderSequenceNumber = 5
        clientStore.nextTargetSequenceNumber = 5
        var configuration = FIXSessionConfiguration(version: .fix44, senderCompID: "TW44", targetCompID: "ISLD", role: .initiator)
        configuration.heartbeatIntervalSeconds = 30
        let application = RecordingApplication()
        let client = FIXSession(configuration: configuration, dictionary: ConformanceRunner.fix44, store: clientStore,
                                application: application)
        let initiator = FIXInitiator(session: client, address: .loopback(port: acceptor.port),
                                     initialBackoffNanos: 50_000_000, maxBackoffNanos: 200_000_000)
        try initiator.start()
        let echoed = waitFor(seconds: 10) { application.messages == ["ORDER-1"] }
        initiator.stop()
        acceptor.stop()
        #expect(echoed, "\(initiator.log) \(acceptor.log)")
        #expect(standbyStore.refreshCount == 1)
        // Logon 5 and order 6 in; Logon 5, echo 6 and the Logout answer 7 out.
        #expect(standby.nextTargetSequenceNumber == 8, "\(acceptor.log)")
        #expect(standby.nextSenderSequenceNumber == 8)
        #expect(client.counters.resendRequestsSent == 0 && standby.counters.resendRequestsSent == 0)
        // Without the refresh the standby would have answered with MsgSeqNum 1 (too low);
        // its stored messages came from the primary too.
        staleControl.refresh()
        #expect(staleControl.nextSenderSequenceNumber == 8)
        #expect(standbyStore.withMessage(sequenceNumber: 3) { _ in })
    }
}

/// An initiator application for FIX 5.0 SP2: sends one NewOrderSingle with ApplVerID=9 on
/// logon and records the echoes.
final class FIXTOrderApplication: FIXApplication, @unchecked Sendable {
    // SAFETY: written by the initiator's thread, read after `stop` joined it (or polled for
    // a value that only grows).
    var echoes: [String] = []
    var applVerIDs: [String] = []
    var supportedMessageTypes: [FIXMessageType]? { nil }
    func onLogon(_ session: FIXSession) {
        session.send(.newOrderSingle, extraHeader: [FIXHeaderField(tag: 1128, value: Array("9".utf8))]) { e in
            e.append(FIXTag.clOrdID, ascii: "F5-1")
            e.append(FIXTag.orderQty, ascii: "100")
            e.append(FIXTag.ordType, ascii: "1")
            e.append(FIXTag.side, ascii: "1")
            e.append(FIXTag.symbol, ascii: "IBM")
            e.append(FIXTag.transactTime, timestamp: Clock.now(), precision: .milliseconds)
        }
    }
    func onLogout(_ session: FIXSession) {}
    func onMessage(_ message: FIXMessageView, session: FIXSession) -> FIXApplicationResult {
        let text = { (tag: Int) in String(decoding: message.valueBytes(tag: tag) ?? UnsafeRawBufferPointer(start: nil, count: 0), as: UTF8.self) }
        applVerIDs.append(text(1128))
        echoes.append(text(FIXTag.clOrdID))
        return .accepted
    }
}
