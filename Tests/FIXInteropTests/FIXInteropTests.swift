import Testing
import PeregrineCore
import PeregrineFIX
import PeregrineFIXTransport
import PeregrinePlatform
import PeregrineTestKit
#if canImport(Glibc)
import Glibc
#endif

// Interop with QuickFIX C++ (Debian libquickfix-dev 1.15.1) on loopback, FIX 4.4.
// The QuickFIX side is tools/quickfix/{qf_acceptor,qf_initiator}.cpp, built once per run by
// tools/quickfix/build.sh into /tmp/peregrine-quickfix-build-<checkout path> (skipped when
// up to date). PEREGRINE_INTEROP_KEEP=1 keeps each test's folder (QuickFIX settings, stores,
// message and event logs under log/, the programs' outputs) and prints its path.
// Every test has hard deadlines on each wait; QuickFIX processes are killed at the end
// (ChildProcess kills its process group when dropped) and stop themselves after
// --max-seconds / --timeout-seconds anyway.
//
// CompIDs: Peregrine is PEREGRINE; the QuickFIX acceptor is QFVENUE, the initiator QFCLIENT.

/// Removes a test's folder, unless PEREGRINE_INTEROP_KEEP is set (then prints where it is:
/// QuickFIX's outputs, settings, store and message logs under log/).
func removeUnlessKept(_ dir: TemporaryDirectory) {
    if getenv("PEREGRINE_INTEROP_KEEP") != nil {
        print("[interop] kept \(dir.path)")
    } else {
        removeTree(dir.path)
    }
}

/// rm -r (TemporaryDirectory.remove only deletes plain files; QuickFIX makes store/ and log/).
func removeTree(_ path: String) {
    if let handle = opendir(path) {
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(handle)
        for name in names { removeTree(path + "/" + name) }
        rmdir(path)
    } else {
        unlink(path)
    }
}

/// Seconds since `start` (for the timing lines).
func elapsed(since start: UInt64) -> Double { (Double(Clock.monotonicNanos() - start) / 1e7).rounded() / 100 }

/// A FIX version and socket mode the basic flows run with.
struct InteropVariant: Sendable, CustomTestStringConvertible, CustomStringConvertible {
    let version: FIXVersion
    let mode: SocketMode
    var description: String { "\(version), \(mode)" }
    var testDescription: String { description }

    // busy-poll spins a core: left out on shared 2-core CI machines.
    static let all = [
        InteropVariant(version: .fix44, mode: .blocking),
        InteropVariant(version: .fix44, mode: .epoll),
        InteropVariant(version: .fix44, mode: .ioUring),
        InteropVariant(version: .fix42, mode: .blocking),
        InteropVariant(version: .fix42, mode: .ioUring),
    ]
}

@Suite("FIX interop with QuickFIX C++ (loopback, FIX 4.4 and 4.2)", .serialized)
struct FIXInteropTests {
    // MARK: - Launch helpers

    static func startAcceptor(_ bin: String, dir: TemporaryDirectory, port: UInt16, run: Int,
                              version: FIXVersion = .fix44, extra: [String] = []) throws -> ChildProcess {
        let process = try ChildProcess(executable: bin + "/qf_acceptor",
                                       arguments: ["--port", "\(port)", "--dict", QuickFIX.dictionaryPath(version),
                                                   "--begin-string", version.rawValue,
                                                   "--dir", dir.path, "--sender", "QFVENUE", "--target", "PEREGRINE",
                                                   "--max-seconds", "60"] + extra,
                                       outputPath: dir.file("qf_acceptor.\(run).out"))
        guard process.waitForLine(seconds: 10, { $0.word == "READY" }) else {
            throw InteropError("qf_acceptor did not start\n" + process.tail())
        }
        return process
    }

    static func startInitiator(_ bin: String, dir: TemporaryDirectory, port: UInt16, run: Int,
                               version: FIXVersion = .fix44, arguments: [String]) throws -> ChildProcess {
        try ChildProcess(executable: bin + "/qf_initiator",
                         arguments: ["--port", "\(port)", "--dict", QuickFIX.dictionaryPath(version),
                                     "--begin-string", version.rawValue, "--dir", dir.path,
                                     "--sender", "QFCLIENT", "--target", "PEREGRINE"] + arguments,
                         outputPath: dir.file("qf_initiator.\(run).out"))
    }

    static func peregrineInitiator(_ session: FIXSession, port: UInt16, mode: SocketMode = .blocking) -> FIXInitiator {
        FIXInitiator(session: session, address: .loopback(port: port), mode: mode,
                     initialBackoffNanos: 100_000_000, maxBackoffNanos: 400_000_000)
    }

    // MARK: - Peregrine initiator → QuickFIX acceptor

    @Test("Peregrine initiator → QuickFIX acceptor: logon, orders, execution reports back, logout",
          arguments: InteropVariant.all)
    func peregrineInitiatorToQuickFIXAcceptor(_ variant: InteropVariant) throws {
        let bin = try QuickFIX.harness()
        let started = Clock.monotonicNanos()
        let dir = TemporaryDirectory("interop-pi")
        defer { removeUnlessKept(dir) }
        let port = try QuickFIX.freePort()
        let venue = try Self.startAcceptor(bin, dir: dir, port: port, run: 1, version: variant.version)
        defer { venue.kill() }

        let ids = (1...5).map { "PI-\($0)" }
        let client = OrderClient(batches: [ids])
        let store = try FIXFileStore(path: dir.file("peregrine.store"), capacity: 1 << 20)
        let session = InteropSessions.initiator(target: "QFVENUE", version: variant.version, store: store,
                                                application: client)
        let initiator = Self.peregrineInitiator(session, port: port, mode: variant.mode)
        try initiator.start()
        let filled = waitUntil(seconds: 15) { client.filled.count == ids.count }
        initiator.stop()   // Logout handshake
        let loggedOut = venue.waitForLine(seconds: 5) { $0.word == "LOGOUT" }
        venue.signal(SIGTERM)
        venue.wait(timeoutSeconds: 5)

        let lines = venue.lines
        let snapshot = client.snapshot
        #expect(filled, "fills: \(client.filled.sorted()) \n\(venue.tail())")
        #expect(client.acked == Set(ids))
        #expect(lines.messages("RECV", "D").map { $0[11] ?? "" } == ids, "\(venue.tail())")
        #expect(lines.messages("RECV", "A").count == 1)
        #expect(lines.messages("RECV", "5").count == 1, "Peregrine's Logout reached QuickFIX")
        #expect(lines.messages("SEND", "5").count == 1, "QuickFIX answered the Logout")
        #expect(loggedOut)
        #expect(lines.filter { $0.word == "RECV" && ["3", "j"].contains($0[35] ?? "") }.isEmpty, "no rejects from QuickFIX")
        #expect(session.counters.rejectsSent == 0, "Peregrine rejected something: \(session.counters)")
        #expect(snapshot.logons == 1 && snapshot.logouts == 1)
        #expect(session.nextSenderSequenceNumber == 8)   // Logon, 5 orders, Logout
        #expect(session.nextTargetSequenceNumber == 13)  // Logon, 10 reports, Logout
        print("[interop] Peregrine initiator → QuickFIX acceptor (\(variant)): 5 orders, 10 reports in \(elapsed(since: started)) s")
    }

    // MARK: - QuickFIX initiator → Peregrine acceptor

    @Test("QuickFIX initiator → Peregrine acceptor: logon, orders, execution reports back, logout",
          arguments: InteropVariant.all)
    func quickFIXInitiatorToPeregrineAcceptor(_ variant: InteropVariant) throws {
        let bin = try QuickFIX.harness()
        let started = Clock.monotonicNanos()
        let dir = TemporaryDirectory("interop-qi")
        defer { removeUnlessKept(dir) }
        let port = try QuickFIX.freePort()
        let venue = VenueApplication()
        let store = try FIXFileStore(path: dir.file("peregrine.store"), capacity: 1 << 20)
        let session = InteropSessions.acceptor(target: "QFCLIENT", version: variant.version, store: store,
                                               application: venue)
        let acceptor = FIXAcceptor(sessions: [session], address: .loopback(port: port), mode: variant.mode)
        try acceptor.start()
        defer { acceptor.stop() }

        let client = try Self.startInitiator(bin, dir: dir, port: port, run: 1, version: variant.version,
                                             arguments: ["--orders", "5", "--prefix", "QI-", "--timeout-seconds", "20"])
        let status = client.wait(timeoutSeconds: 30)
        _ = waitUntil(seconds: 3) { venue.snapshot.logouts == 1 }
        let lines = client.lines
        #expect(status == .exited(0), "\(client.tail())")
        #expect(lines.contains { $0.text.hasPrefix("DONE ok") })
        #expect(venue.snapshot.orders.map(\.clOrdID) == (1...5).map { "QI-\($0)" })
        #expect(lines.messages("RECV", "8").count == 10)
        #expect(lines.messages("RECV", "5").count == 1, "Peregrine answered QuickFIX's Logout")
        #expect(lines.filter { $0.word == "RECV" && ["3", "j"].contains($0[35] ?? "") }.isEmpty, "no rejects from Peregrine")
        #expect(venue.snapshot.logons == 1 && venue.snapshot.logouts == 1)
        acceptor.stop()
        #expect(session.counters.rejectsSent == 0, "\(session.counters) \(acceptor.log)")
        print("[interop] QuickFIX initiator → Peregrine acceptor (\(variant)): 5 orders, 10 reports in \(elapsed(since: started)) s")
    }

    @Test("QuickFIX initiator → Peregrine conformance acceptor: orders echoed")
    func quickFIXInitiatorToConformanceAcceptor() throws {
        let bin = try QuickFIX.harness()
        let dir = TemporaryDirectory("interop-qc")
        defer { removeUnlessKept(dir) }
        let port = try QuickFIX.freePort()
        let session = InteropSessions.acceptor(target: "QFCLIENT", store: FIXMemoryStore(),
                                               application: FIXConformanceApplication())
        let acceptor = FIXAcceptor(sessions: [session], address: .loopback(port: port))
        try acceptor.start()
        defer { acceptor.stop() }
        let client = try Self.startInitiator(bin, dir: dir, port: port, run: 1,
                                             arguments: ["--orders", "3", "--prefix", "QC-", "--timeout-seconds", "20"])
        let status = client.wait(timeoutSeconds: 30)
        #expect(status == .exited(0), "\(client.tail())")
        #expect(client.lines.messages("RECV", "D").map { $0[11] ?? "" } == ["QC-1", "QC-2", "QC-3"])
    }

    // MARK: - Restarts with resend / gap fill

    @Test("QuickFIX acceptor killed mid-session and restarted on its file store: Peregrine resends the lost order",
          arguments: [FIXVersion.fix44, .fix42])
    func quickFIXAcceptorRestart(_ version: FIXVersion) throws {
        let bin = try QuickFIX.harness()
        let started = Clock.monotonicNanos()
        let dir = TemporaryDirectory("interop-qar")
        defer { removeUnlessKept(dir) }
        let port = try QuickFIX.freePort()
        // Run 1 dies (_exit, no Logout) inside fromApp of R-3, before counting it.
        let first = try Self.startAcceptor(bin, dir: dir, port: port, run: 1, version: version,
                                           extra: ["--crash-on-order", "R-3"])
        defer { first.kill() }

        let client = OrderClient(batches: [["R-1", "R-2", "R-3"], ["R-4", "R-5"]])
        let store = try FIXFileStore(path: dir.file("peregrine.store"), capacity: 1 << 20)
        let session = InteropSessions.initiator(target: "QFVENUE", version: version, store: store, application: client)
        let initiator = Self.peregrineInitiator(session, port: port)
        try initiator.start()
        let crashed = first.waitForLine(seconds: 15) { $0.word == "CRASH" }
        let firstStatus = first.wait(timeoutSeconds: 5)

        let second = try Self.startAcceptor(bin, dir: dir, port: port, run: 2, version: version)
        defer { second.kill() }
        let ids = (1...5).map { "R-\($0)" }
        let filled = waitUntil(seconds: 20) { client.filled == Set(ids) }
        initiator.stop()
        second.waitForLine(seconds: 5) { $0.word == "LOGOUT" }
        second.signal(SIGTERM)
        second.wait(timeoutSeconds: 5)

        #expect(crashed, "\(first.tail())")
        #expect(firstStatus == .exited(3))
        let lines1 = first.lines, lines2 = second.lines
        #expect(lines1.messages("RECV", "D").map { $0[11] ?? "" } == ["R-1", "R-2", "R-3"])
        #expect(filled, "fills \(client.filled.sorted())\n\(second.tail(60))")
        // Sequence numbers continue over the restart: Peregrine's second Logon is not 34=1,
        // QuickFIX's numbering continues from its file store.
        let logon2 = lines2.messages("RECV", "A").first
        #expect((logon2?[34]).flatMap { Int($0) } ?? 0 > 4, "second Logon: \(String(describing: logon2))")
        #expect(logon2?[141] == nil)
        let ackSequences1 = lines1.sequenceNumbers("SEND"), sequences2 = lines2.sequenceNumbers("SEND")
        #expect((sequences2.first ?? 0) == (ackSequences1.last ?? -1) + 1, "QuickFIX out-numbers \(ackSequences1) then \(sequences2)")
        // QuickFIX asked for the gap from R-3's number; Peregrine resent R-3 with PossDupFlag.
        let resendRequests = lines2.messages("SEND", "2")
        #expect(resendRequests.count >= 1, "\(second.tail(60))")
        let r3 = lines1.messages("RECV", "D").last.flatMap { $0[34] }
        #expect(resendRequests.first?[7] == r3, "ResendRequest \(resendRequests) for R-3 sent as \(String(describing: r3))")
        #expect(lines2.contains { $0.isMessage("RECV", "D") && $0[11] == "R-3" && $0[43] == "Y" }, "\(second.tail(60))")
        // The second Logon's number is gap-filled (SequenceReset 123=Y). QuickFIX may have
        // processed its queue before the fill arrives and then drops it silently as a
        // PossDup duplicate, so look at the wire (QuickFIX's message log), not the callbacks.
        let wire = QuickFIX.readText(dir.file("log/\(version.rawValue)-QFVENUE-PEREGRINE.messages.current.log"))
            .replacingSOH
        let logonNumber = logon2?[34] ?? "?"
        #expect(wire.contains("|35=4|34=\(logonNumber)|43=Y|") && wire.contains("|123=Y|"),
                "gap fill for the Logon (34=\(logonNumber)) on the wire:\n\(wire)")
        #expect(lines2.filter { $0.word == "RECV" && ["3", "j"].contains($0[35] ?? "") }.isEmpty, "no rejects from QuickFIX")
        #expect(session.counters.messagesResent >= 1)
        #expect(session.counters.rejectsSent == 0, "\(session.counters)")
        #expect(client.snapshot.logons == 2)
        print("[interop] QuickFIX acceptor crash/restart (\(version)): 5 orders filled, resend answered in \(elapsed(since: started)) s")
    }

    @Test("QuickFIX initiator killed mid-session and restarted: Peregrine acceptor resends the lost execution reports",
          arguments: [FIXVersion.fix44, .fix42])
    func quickFIXInitiatorRestart(_ version: FIXVersion) throws {
        let bin = try QuickFIX.harness()
        let started = Clock.monotonicNanos()
        let dir = TemporaryDirectory("interop-qir")
        defer { removeUnlessKept(dir) }
        let port = try QuickFIX.freePort()
        let venue = VenueApplication()
        let store = try FIXFileStore(path: dir.file("peregrine.store"), capacity: 1 << 20)
        let session = InteropSessions.acceptor(target: "QFCLIENT", version: version, store: store, application: venue)
        let acceptor = FIXAcceptor(sessions: [session], address: .loopback(port: port))
        try acceptor.start()
        defer { acceptor.stop() }

        // Run 1 dies inside fromApp of S-3's ack (before counting it): S-3's ack and fill are lost.
        let first = try Self.startInitiator(bin, dir: dir, port: port, run: 1, version: version,
                                            arguments: ["--orders", "3", "--prefix", "S-", "--crash-on-ack", "S-3",
                                                        "--timeout-seconds", "20"])
        let firstStatus = first.wait(timeoutSeconds: 25)
        let second = try Self.startInitiator(bin, dir: dir, port: port, run: 2, version: version,
                                             arguments: ["--orders", "2", "--first-id", "4", "--prefix", "S-",
                                                         "--also-expect", "S-3", "--timeout-seconds", "20"])
        let secondStatus = second.wait(timeoutSeconds: 25)
        _ = waitUntil(seconds: 3) { venue.snapshot.logouts == 2 }

        #expect(firstStatus == .exited(3), "\(first.tail())")
        #expect(first.lines.contains { $0.word == "CRASH" })
        #expect(secondStatus == .exited(0), "\(second.tail(60))")
        let lines2 = second.lines
        let logon = lines2.messages("RECV", "A").first
        #expect((logon?[34]).flatMap { Int($0) } ?? 0 > 1, "Peregrine's Logon continues its numbering: \(String(describing: logon))")
        #expect(lines2.messages("SEND", "A").first?[34] == "5", "QuickFIX's Logon continues at 5 (Logon + 3 orders before)")
        let resendRequests = lines2.messages("SEND", "2")
        #expect(resendRequests.count >= 1, "QuickFIX asked for the lost reports\n\(second.tail(60))")
        let possDup = lines2.filter { $0.isMessage("RECV", "8") && $0[43] == "Y" }
        #expect(possDup.map { $0[11] ?? "" } == ["S-3", "S-3"], "resent reports: \(possDup)")
        #expect(possDup.map { $0[150] ?? "" } == ["0", version == .fix42 ? "2" : "F"])
        #expect(venue.snapshot.orders.map(\.clOrdID) == ["S-1", "S-2", "S-3", "S-4", "S-5"])
        #expect(lines2.filter { $0.word == "RECV" && ["3", "j"].contains($0[35] ?? "") }.isEmpty, "no rejects from Peregrine")
        acceptor.stop()
        #expect(session.counters.messagesResent >= 2)
        #expect(session.counters.rejectsSent == 0, "\(session.counters) \(acceptor.log)")
        print("[interop] QuickFIX initiator crash/restart (\(version)): reports resent, 5 orders filled in \(elapsed(since: started)) s")
    }

    @Test("Peregrine acceptor restarted on its file store while QuickFIX queues orders: Peregrine's ResendRequest is answered")
    func peregrineAcceptorRestart() throws {
        let bin = try QuickFIX.harness()
        let started = Clock.monotonicNanos()
        let dir = TemporaryDirectory("interop-par")
        defer { removeUnlessKept(dir) }
        let port = try QuickFIX.freePort()
        let venue = VenueApplication()
        let storePath = dir.file("peregrine.store")
        let store1 = try FIXFileStore(path: storePath, capacity: 1 << 20)
        let session1 = InteropSessions.acceptor(target: "QFCLIENT", store: store1, application: venue)
        let acceptor1 = FIXAcceptor(sessions: [session1], address: .loopback(port: port))
        try acceptor1.start()
        defer { acceptor1.stop() }

        let ids = (1...6).map { "T-\($0)" }
        let client = try Self.startInitiator(bin, dir: dir, port: port, run: 1,
                                             arguments: ["--orders", "6", "--prefix", "T-", "--interval-ms", "400",
                                                         "--timeout-seconds", "30"])
        let gotTwo = waitUntil(seconds: 10) { venue.snapshot.answered.count >= 2 }
        acceptor1.stop()              // the connection drops without a Logout (a crash, to QuickFIX)
        let sequenceAtStop = (store1.nextSenderSequenceNumber, store1.nextTargetSequenceNumber)
        sleepMillis(1000)             // QuickFIX stores the orders it cannot send
        let store2 = try FIXFileStore(path: storePath, capacity: 1 << 20)
        #expect(store2.nextSenderSequenceNumber == sequenceAtStop.0 && store2.nextTargetSequenceNumber == sequenceAtStop.1)
        let session2 = InteropSessions.acceptor(target: "QFCLIENT", store: store2, application: venue)
        let acceptor2 = FIXAcceptor(sessions: [session2], address: .loopback(port: port))
        try acceptor2.start()
        defer { acceptor2.stop() }
        let status = client.wait(timeoutSeconds: 35)
        acceptor2.stop()

        let lines = client.lines
        #expect(gotTwo)
        #expect(status == .exited(0), "\(client.tail(60))")
        #expect(lines.contains { $0.text.hasPrefix("ORDER") && $0.text.contains("offline") }, "no order was queued offline")
        #expect(lines.messages("RECV", "2").count >= 1, "Peregrine sent a ResendRequest\n\(client.tail(60))")
        let orders = venue.snapshot.orders
        #expect(Set(orders.map(\.clOrdID)) == Set(ids), "\(orders)")
        #expect(orders.contains { $0.possibleDuplicate }, "queued orders arrived as PossDup resends: \(orders)")
        #expect(venue.snapshot.answered == ids)
        #expect(session2.counters.resendRequestsSent >= 1)
        #expect(session2.counters.rejectsSent == 0, "\(session2.counters) \(acceptor2.log)")
        let logons = lines.messages("RECV", "A")
        #expect(logons.count == 2 && (logons.last?[34]).flatMap { Int($0) } ?? 0 > 1, "\(logons)")
        #expect(lines.filter { $0.word == "RECV" && ["3", "j"].contains($0[35] ?? "") }.isEmpty, "no rejects from Peregrine")
        print("[interop] Peregrine acceptor restart: 6 orders, queued ones resent on request, in \(elapsed(since: started)) s")
    }

    @Test("Peregrine initiator restarted on its file store while QuickFIX holds fills: Peregrine's ResendRequest is answered")
    func peregrineInitiatorRestart() throws {
        let bin = try QuickFIX.harness()
        let started = Clock.monotonicNanos()
        let dir = TemporaryDirectory("interop-pir")
        defer { removeUnlessKept(dir) }
        let port = try QuickFIX.freePort()
        // Fills go out 2 s after the ack: by then Peregrine is gone and QuickFIX stores them.
        let venue = try Self.startAcceptor(bin, dir: dir, port: port, run: 1, extra: ["--fill-delay-ms", "2000"])
        defer { venue.kill() }
        let storePath = dir.file("peregrine.store")

        let client1 = OrderClient(batches: [["U-1", "U-2"]])
        let store1 = try FIXFileStore(path: storePath, capacity: 1 << 20)
        let session1 = InteropSessions.initiator(target: "QFVENUE", store: store1, application: client1)
        let initiator1 = Self.peregrineInitiator(session1, port: port)
        try initiator1.start()
        let acked = waitUntil(seconds: 10) { client1.acked == ["U-1", "U-2"] }
        initiator1.stop()   // logs out; Peregrine "restarts"
        let queued = venue.waitForLine(seconds: 5) { line in
            line.word == "FILL_QUEUED" && venue.lines.filter { $0.word == "FILL_QUEUED" }.count == 2
        }

        let client2 = OrderClient(batches: [["U-3"]])
        let store2 = try FIXFileStore(path: storePath, capacity: 1 << 20)
        let session2 = InteropSessions.initiator(target: "QFVENUE", store: store2, application: client2)
        let initiator2 = Self.peregrineInitiator(session2, port: port)
        try initiator2.start()
        let filled = waitUntil(seconds: 15) { client2.filled == ["U-1", "U-2", "U-3"] }
        initiator2.stop()
        venue.waitForLine(seconds: 5) { $0.word == "LOGOUT" && venue.lines.filter { $0.word == "LOGOUT" }.count == 2 }
        venue.signal(SIGTERM)
        venue.wait(timeoutSeconds: 5)

        let lines = venue.lines
        #expect(acked)
        #expect(queued, "\(venue.tail())")
        #expect(filled, "fills \(client2.filled.sorted())\n\(venue.tail(60))")
        let resent = client2.snapshot.received.filter { $0.possibleDuplicate }
        #expect(Set(resent.map(\.clOrdID)) == ["U-1", "U-2"], "fills resent with PossDupFlag: \(client2.snapshot.received)")
        #expect(lines.messages("RECV", "2").count >= 1, "QuickFIX got Peregrine's ResendRequest\n\(venue.tail(60))")
        #expect(session2.counters.resendRequestsSent >= 1)
        let logons = lines.messages("RECV", "A")
        #expect(logons.count == 2 && (logons.last?[34]).flatMap { Int($0) } ?? 0 > 1, "\(logons)")
        #expect(lines.filter { $0.word == "RECV" && ["3", "j"].contains($0[35] ?? "") }.isEmpty, "no rejects from QuickFIX")
        #expect(session1.counters.rejectsSent == 0 && session2.counters.rejectsSent == 0,
                "\(session1.counters) \(session2.counters)")
        print("[interop] Peregrine initiator restart: held fills resent on request, in \(elapsed(since: started)) s")
    }
}
