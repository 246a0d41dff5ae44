import Testing
import PeregrineCore
import PeregrineFIX
import PeregrineFIXTransport
import PeregrinePlatform
import PeregrineTestKit
#if canImport(Glibc)
import Glibc
#endif

// Session-level interop beyond orders: heartbeats at HeartBtInt=1 and ResetSeqNumFlag logons.
extension FIXInteropTests {
    @Test("heartbeats both ways at HeartBtInt=1 keep a QuickFIX initiator ↔ Peregrine acceptor session up")
    func heartbeatsWithQuickFIXInitiator() throws {
        let bin = try QuickFIX.harness()
        let dir = TemporaryDirectory("interop-hb")
        defer { removeUnlessKept(dir) }
        let port = try QuickFIX.freePort()
        let venue = VenueApplication()
        let session = InteropSessions.acceptor(target: "QFCLIENT", store: FIXMemoryStore(), application: venue)
        let acceptor = FIXAcceptor(sessions: [session], address: .loopback(port: port))
        try acceptor.start()
        defer { acceptor.stop() }
        let client = try Self.startInitiator(bin, dir: dir, port: port, run: 1,
                                             arguments: ["--orders", "1", "--prefix", "HB-", "--heartbeat", "1",
                                                         "--hold-ms", "3500", "--timeout-seconds", "20"])
        let status = client.wait(timeoutSeconds: 30)
        acceptor.stop()
        let lines = client.lines
        #expect(status == .exited(0), "\(client.tail(60))")
        #expect(lines.messages("RECV", "A").first?[108] == "1", "Peregrine's Logon answer echoes HeartBtInt=1")
        #expect(lines.messages("RECV", "0").count >= 2, "Peregrine heartbeats\n\(client.tail(60))")
        #expect(lines.messages("SEND", "0").count >= 2, "QuickFIX heartbeats")
        #expect(lines.filter { $0.word == "RECV" && ["3", "j"].contains($0[35] ?? "") }.isEmpty, "no rejects from Peregrine")
        #expect(venue.snapshot.logouts == 1)
        #expect(session.counters.rejectsSent == 0, "\(session.counters) \(acceptor.log)")
    }

    @Test("heartbeats both ways at HeartBtInt=1 keep a Peregrine initiator ↔ QuickFIX acceptor session up")
    func heartbeatsWithQuickFIXAcceptor() throws {
        let bin = try QuickFIX.harness()
        let dir = TemporaryDirectory("interop-hb2")
        defer { removeUnlessKept(dir) }
        let port = try QuickFIX.freePort()
        let venue = try Self.startAcceptor(bin, dir: dir, port: port, run: 1)
        defer { venue.kill() }
        let client = OrderClient(batches: [["HB-1"]])
        var configuration = FIXSessionConfiguration(version: .fix44, senderCompID: "PEREGRINE", targetCompID: "QFVENUE",
                                                    role: .initiator)
        configuration.heartbeatIntervalSeconds = 1
        let session = FIXSession(configuration: configuration, dictionary: QuickFIX.fix44, store: FIXMemoryStore(),
                                 application: client)
        let initiator = Self.peregrineInitiator(session, port: port)
        try initiator.start()
        sleepMillis(3500)
        let stillUp = client.snapshot.logouts == 0 && client.filled == ["HB-1"]
        initiator.stop()
        venue.waitForLine(seconds: 5) { $0.word == "LOGOUT" }
        venue.signal(SIGTERM)
        venue.wait(timeoutSeconds: 5)
        let lines = venue.lines
        #expect(stillUp, "\(venue.tail(60))")
        #expect(lines.messages("RECV", "A").first?[108] == "1")
        #expect(lines.messages("RECV", "0").count >= 2, "Peregrine heartbeats\n\(venue.tail(60))")
        #expect(lines.messages("SEND", "0").count >= 2, "QuickFIX heartbeats")
        #expect(lines.filter { $0.word == "RECV" && ["3", "j"].contains($0[35] ?? "") }.isEmpty, "no rejects from QuickFIX")
        #expect(session.counters.rejectsSent == 0, "\(session.counters)")
    }

    @Test("a QuickFIX initiator logging on with ResetSeqNumFlag=Y resets a Peregrine acceptor's numbers")
    func quickFIXResetOnLogon() throws {
        let bin = try QuickFIX.harness()
        let dir = TemporaryDirectory("interop-rst")
        defer { removeUnlessKept(dir) }
        let port = try QuickFIX.freePort()
        let venue = VenueApplication()
        let store = try FIXFileStore(path: dir.file("peregrine.store"), capacity: 1 << 20)
        let session = InteropSessions.acceptor(target: "QFCLIENT", store: store, application: venue)
        let acceptor = FIXAcceptor(sessions: [session], address: .loopback(port: port))
        try acceptor.start()
        defer { acceptor.stop() }
        let first = try Self.startInitiator(bin, dir: dir, port: port, run: 1,
                                            arguments: ["--orders", "3", "--prefix", "X-", "--timeout-seconds", "20"])
        let firstStatus = first.wait(timeoutSeconds: 25)
        let second = try Self.startInitiator(bin, dir: dir, port: port, run: 2,
                                             arguments: ["--orders", "2", "--first-id", "4", "--prefix", "X-",
                                                         "--reset-on-logon", "Y", "--timeout-seconds", "20"])
        let secondStatus = second.wait(timeoutSeconds: 25)
        acceptor.stop()
        #expect(firstStatus == .exited(0), "\(first.tail())")
        #expect(secondStatus == .exited(0), "\(second.tail(60))")
        let lines = second.lines
        let sentLogon = lines.messages("SEND", "A").first, answer = lines.messages("RECV", "A").first
        #expect(sentLogon?[34] == "1" && sentLogon?[141] == "Y", "\(String(describing: sentLogon))")
        #expect(answer?[34] == "1" && answer?[141] == "Y", "Peregrine answers 34=1 141=Y: \(String(describing: answer))")
        #expect(lines.messages("SEND", "2").isEmpty && lines.messages("RECV", "2").isEmpty, "no resend after a reset")
        #expect(venue.snapshot.orders.map(\.clOrdID) == (1...5).map { "X-\($0)" })
        #expect(lines.filter { $0.word == "RECV" && ["3", "j"].contains($0[35] ?? "") }.isEmpty, "no rejects from Peregrine")
        #expect(session.counters.rejectsSent == 0, "\(session.counters) \(acceptor.log)")
    }

    @Test("a Peregrine initiator with resetOnLogon resets a QuickFIX acceptor's numbers")
    func peregrineResetOnLogon() throws {
        let bin = try QuickFIX.harness()
        let dir = TemporaryDirectory("interop-rst2")
        defer { removeUnlessKept(dir) }
        let port = try QuickFIX.freePort()
        let venue = try Self.startAcceptor(bin, dir: dir, port: port, run: 1)
        defer { venue.kill() }
        let storePath = dir.file("peregrine.store")
        let client1 = OrderClient(batches: [["Y-1", "Y-2"]])
        let session1 = InteropSessions.initiator(target: "QFVENUE", store: try FIXFileStore(path: storePath, capacity: 1 << 20),
                                                 application: client1)
        let initiator1 = Self.peregrineInitiator(session1, port: port)
        try initiator1.start()
        let filled1 = waitUntil(seconds: 10) { client1.filled == ["Y-1", "Y-2"] }
        initiator1.stop()
        venue.waitForLine(seconds: 5) { $0.word == "LOGOUT" }

        let client2 = OrderClient(batches: [["Y-3"]])
        var configuration = FIXSessionConfiguration(version: .fix44, senderCompID: "PEREGRINE", targetCompID: "QFVENUE",
                                                    role: .initiator)
        configuration.resetOnLogon = true
        let session2 = FIXSession(configuration: configuration, dictionary: QuickFIX.fix44,
                                  store: try FIXFileStore(path: storePath, capacity: 1 << 20), application: client2)
        let initiator2 = Self.peregrineInitiator(session2, port: port)
        try initiator2.start()
        let filled2 = waitUntil(seconds: 10) { client2.filled == ["Y-3"] }
        initiator2.stop()
        venue.waitForLine(seconds: 5) { $0.word == "LOGOUT" && venue.lines.filter { $0.word == "LOGOUT" }.count == 2 }
        venue.signal(SIGTERM)
        venue.wait(timeoutSeconds: 5)
        let lines = venue.lines
        #expect(filled1 && filled2, "\(venue.tail(60))")
        let logons = lines.messages("RECV", "A"), answers = lines.messages("SEND", "A")
        #expect(logons.count == 2 && logons.last?[34] == "1" && logons.last?[141] == "Y", "\(logons)")
        #expect(answers.count == 2 && answers.last?[34] == "1" && answers.last?[141] == "Y", "\(answers)")
        #expect(lines.filter { $0.word == "RECV" && ["3", "j"].contains($0[35] ?? "") }.isEmpty, "no rejects from QuickFIX")
        #expect(session2.counters.rejectsSent == 0, "\(session2.counters)")
    }
}
