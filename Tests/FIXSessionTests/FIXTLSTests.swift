import Testing
import PeregrineCore
import PeregrineFIX
import PeregrineFIXTransport
import PeregrinePlatform
import PeregrineTestKit
#if canImport(Glibc)
import Glibc
#endif

/// Self-signed certificates made for one test with the `openssl` command-line tool (Debian
/// package `openssl`), in a temporary folder.
final class TLSFixtures: @unchecked Sendable {
    // SAFETY: used by one test thread.
    let directory = TemporaryDirectory("fixtls")
    var serverCertificate: String { directory.file("server.pem") }
    var serverKey: String { directory.file("server.key") }
    /// An unrelated self-signed certificate: the wrong authority for the server's.
    var otherCertificate: String { directory.file("other.pem") }
    var clientCertificate: String { directory.file("client.pem") }
    var clientKey: String { directory.file("client.key") }

    static let openssl = "/usr/bin/openssl"

    init() throws {
        guard access(Self.openssl, X_OK) == 0 else {
            throw TLSFixtureError("\(Self.openssl) not found: install the Debian package `openssl`")
        }
        try makeSelfSigned(name: "server", commonName: "localhost", altNames: "DNS:localhost,IP:127.0.0.1")
        try makeSelfSigned(name: "other", commonName: "localhost", altNames: "DNS:localhost,IP:127.0.0.1")
        try makeSelfSigned(name: "client", commonName: "TW44", altNames: "DNS:tw44.test")
    }

    deinit { directory.remove() }

    /// `openssl req -x509` with a fresh P-256 key (fast), valid two days.
    func makeSelfSigned(name: String, commonName: String, altNames: String) throws {
        try Self.run([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", directory.file(name + ".key"), "-out", directory.file(name + ".pem"), "-days", "2",
            "-subj", "/CN=\(commonName)", "-addext", "subjectAltName=\(altNames)",
        ], log: directory.file(name + ".log"))
    }

    /// Runs the openssl tool (stdin /dev/null, output to `log`), waiting for it to end.
    static func run(_ arguments: [String], log: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([openssl] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = [strdup("LANG=C"), nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, openssl, &actions, nil, argv, envp)
        guard rc == 0 else { throw TLSFixtureError("posix_spawn openssl failed: errno \(rc)") }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else {
            throw TLSFixtureError("openssl \(arguments.prefix(2).joined(separator: " ")) failed (status \(status)): \(ConformanceRunner.readText(log))")
        }
    }
}

struct TLSFixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` every 10 ms until it holds or `seconds` pass; returns whether it held.
@discardableResult
func waitFor(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Clock.monotonicNanos() + UInt64(seconds * 1e9)
    while Clock.monotonicNanos() < deadline {
        if condition() { return true }
        pauseMillis(10)
    }
    return condition()
}

/// Sleeps `seconds` (in slices: `pauseMillis` takes less than one second).
func pauseSeconds(_ seconds: Double) {
    let deadline = Clock.monotonicNanos() + UInt64(seconds * 1e9)
    while Clock.monotonicNanos() < deadline { pauseMillis(10) }
}

@Suite("FIX over TLS on loopback", .serialized)
struct FIXTLSTests {
    static func initiatorSession(heartBtInt: Int = 1) -> (FIXSession, RecordingApplication) {
        var configuration = FIXSessionConfiguration(version: .fix44, senderCompID: "TW44", targetCompID: "ISLD", role: .initiator)
        configuration.heartbeatIntervalSeconds = heartBtInt
        configuration.resetOnLogon = true
        let application = RecordingApplication()
        return (FIXSession(configuration: configuration, dictionary: ConformanceRunner.fix44, store: FIXMemoryStore(),
                           application: application), application)
    }

    @Test("an initiator and an acceptor log on over TLS, exchange heartbeats and an order, and log out",
          arguments: [SocketMode.blocking, SocketMode.ioUring])
    func logonHeartbeatOrder(mode: SocketMode) throws {
        let certificates = try TLSFixtures()
        let serverContext = try FIXTLSContext(
            settings: .acceptor(certificateFile: certificates.serverCertificate, privateKeyFile: certificates.serverKey),
            role: .acceptor)
        let clientContext = try FIXTLSContext(
            settings: .initiator(caFile: certificates.serverCertificate, serverName: "localhost"), role: .initiator)
        let accepted = ConformanceRunner.acceptorSession()
        let acceptor = FIXAcceptor(sessions: [accepted], address: .loopback(port: 0), mode: mode, tls: serverContext)
        try acceptor.start()
        defer { acceptor.stop() }
        let (session, application) = Self.initiatorSession(heartBtInt: 1)
        let initiator = FIXInitiator(session: session, address: .loopback(port: acceptor.port), mode: mode,
                                     initialBackoffNanos: 50_000_000, maxBackoffNanos: 200_000_000, tls: clientContext)
        try initiator.start()
        let echoed = waitFor(seconds: 10) { (accepted.application as? FIXConformanceApplication)?.echoed ?? 0 >= 1 }
        // Stay up long enough for heartbeats both ways (HeartBtInt=1).
        pauseSeconds(2.5)
        initiator.stop()
        acceptor.stop()
        #expect(echoed, "initiator log: \(initiator.log) acceptor log: \(acceptor.log)")
        #expect(application.logons == 1)
        #expect(application.messages == ["ORDER-1"])
        #expect(application.logouts == 1)
        // Each way: Logon, the order (or its echo), Logout, and at least one Heartbeat.
        #expect(session.counters.messagesReceived >= 4, "\(session.counters)")
        #expect(accepted.counters.messagesReceived >= 4, "\(accepted.counters)")
        #expect(acceptor.log.contains { $0.contains("TLS established") && $0.contains("TLSv1.3") }, "\(acceptor.log)")
        #expect(initiator.log.contains { $0.contains("TLS established") }, "\(initiator.log)")
    }

    @Test("an initiator that does not trust the acceptor's certificate refuses it and never logs on")
    func wrongAuthority() throws {
        let certificates = try TLSFixtures()
        let serverContext = try FIXTLSContext(
            settings: .acceptor(certificateFile: certificates.serverCertificate, privateKeyFile: certificates.serverKey),
            role: .acceptor)
        let distrustful = try FIXTLSContext(
            settings: .initiator(caFile: certificates.otherCertificate, serverName: "localhost"), role: .initiator)
        let accepted = ConformanceRunner.acceptorSession()
        let acceptor = FIXAcceptor(sessions: [accepted], address: .loopback(port: 0), tls: serverContext)
        try acceptor.start()
        defer { acceptor.stop() }
        let (session, application) = Self.initiatorSession()
        let initiator = FIXInitiator(session: session, address: .loopback(port: acceptor.port),
                                     initialBackoffNanos: 100_000_000, maxBackoffNanos: 200_000_000, tls: distrustful)
        try initiator.start()
        let refused = waitFor(seconds: 5) { initiator.log.contains { $0.contains("certificate verify failed") } }
        pauseMillis(300)
        initiator.stop()
        acceptor.stop()
        #expect(refused, "\(initiator.log)")
        #expect(application.logons == 0)
        #expect(accepted.counters.messagesReceived == 0)
        #expect(acceptor.log.contains { $0.contains("TLS handshake failed") }, "\(acceptor.log)")
    }

    @Test("an initiator checks the acceptor's name: a certificate for another host is refused")
    func wrongServerName() throws {
        let certificates = try TLSFixtures()
        let serverContext = try FIXTLSContext(
            settings: .acceptor(certificateFile: certificates.serverCertificate, privateKeyFile: certificates.serverKey),
            role: .acceptor)
        let client = try FIXTLSContext(
            settings: .initiator(caFile: certificates.serverCertificate, serverName: "fix.venue.example"), role: .initiator)
        let acceptor = FIXAcceptor(sessions: [ConformanceRunner.acceptorSession()], address: .loopback(port: 0), tls: serverContext)
        try acceptor.start()
        defer { acceptor.stop() }
        let (session, application) = Self.initiatorSession()
        let initiator = FIXInitiator(session: session, address: .loopback(port: acceptor.port),
                                     initialBackoffNanos: 100_000_000, maxBackoffNanos: 200_000_000, tls: client)
        try initiator.start()
        let refused = waitFor(seconds: 5) { initiator.log.contains { $0.contains("hostname mismatch") } }
        initiator.stop()
        #expect(refused, "\(initiator.log)")
        #expect(application.logons == 0)
    }

    @Test("a plaintext FIX client hitting a TLS acceptor is refused at once, without a hang")
    func plaintextClientRefused() throws {
        let certificates = try TLSFixtures()
        let serverContext = try FIXTLSContext(
            settings: .acceptor(certificateFile: certificates.serverCertificate, privateKeyFile: certificates.serverKey),
            role: .acceptor)
        let accepted = ConformanceRunner.acceptorSession()
        let acceptor = FIXAcceptor(sessions: [accepted], address: .loopback(port: 0), tls: serverContext)
        try acceptor.start()
        defer { acceptor.stop() }
        let engine = try SocketEngine.make(mode: .blocking)
        defer { engine.close() }
        let connection = try engine.connect(to: .loopback(port: acceptor.port))
        let logon = ConformanceScript.prepare("8=FIX.4.4|35=A|34=1|49=TW44|52=<TIME>|56=ISLD|98=0|108=30|".replacingPipes,
                                              now: Clock.now())
        let started = Clock.monotonicNanos()
        _ = logon.withUnsafeBytes { connection.send($0) }
        var received: [UInt8] = []
        var ended = false
        while !ended && Clock.monotonicNanos() - started < 5_000_000_000 {
            switch connection.receive(deadlineNanos: Clock.monotonicNanos() + 100_000_000, { received += $0 }) {
            case .closed, .failed: ended = true
            case .received, .wouldBlock: continue
            }
        }
        let seconds = Double(Clock.monotonicNanos() - started) / 1e9
        connection.close()
        #expect(ended, "the acceptor kept the plaintext connection open")
        #expect(seconds < 2, "refusal took \(seconds) s")
        // Nothing but (at most) a TLS alert record came back: no FIX.
        #expect(!String(decoding: received, as: UTF8.self).contains("35=A"))
        if let first = received.first { #expect(first == 0x15, "expected a TLS alert record, got \(received.prefix(8))") }
        #expect(waitFor(seconds: 2) { acceptor.log.contains { $0.contains("TLS handshake failed") } }, "\(acceptor.log)")
        #expect(accepted.counters.messagesReceived == 0)
    }

    @Test("a client that connects and stays silent is dropped when the handshake times out")
    func silentClientTimesOut() throws {
        let certificates = try TLSFixtures()
        var settings = FIXTLSSettings.acceptor(certificateFile: certificates.serverCertificate,
                                               privateKeyFile: certificates.serverKey)
        settings.handshakeTimeoutNanos = 300_000_000
        let acceptor = FIXAcceptor(sessions: [ConformanceRunner.acceptorSession()], address: .loopback(port: 0),
                                   tls: try FIXTLSContext(settings: settings, role: .acceptor))
        try acceptor.start()
        defer { acceptor.stop() }
        let engine = try SocketEngine.make(mode: .blocking)
        defer { engine.close() }
        let connection = try engine.connect(to: .loopback(port: acceptor.port))
        let started = Clock.monotonicNanos()
        var ended = false
        while !ended && Clock.monotonicNanos() - started < 5_000_000_000 {
            switch connection.receive(deadlineNanos: Clock.monotonicNanos() + 100_000_000, { _ in }) {
            case .closed, .failed: ended = true
            case .received, .wouldBlock: continue
            }
        }
        let seconds = Double(Clock.monotonicNanos() - started) / 1e9
        connection.close()
        #expect(ended)
        #expect(seconds < 2, "dropped after \(seconds) s")
        #expect(waitFor(seconds: 2) { acceptor.log.contains { $0.contains("timed out") } }, "\(acceptor.log)")
    }

    @Test("an acceptor that requires client certificates refuses an initiator without one and admits one with it")
    func mutualTLS() throws {
        let certificates = try TLSFixtures()
        var server = FIXTLSSettings.acceptor(certificateFile: certificates.serverCertificate, privateKeyFile: certificates.serverKey)
        server.requirePeerCertificate = true
        server.caFile = certificates.clientCertificate
        let serverContext = try FIXTLSContext(settings: server, role: .acceptor)
        let accepted = ConformanceRunner.acceptorSession()
        let acceptor = FIXAcceptor(sessions: [accepted], address: .loopback(port: 0), tls: serverContext)
        try acceptor.start()
        defer { acceptor.stop() }

        let anonymous = try FIXTLSContext(settings: .initiator(caFile: certificates.serverCertificate, serverName: "localhost"),
                                          role: .initiator)
        let (first, firstApplication) = Self.initiatorSession()
        let refusedInitiator = FIXInitiator(session: first, address: .loopback(port: acceptor.port),
                                            initialBackoffNanos: 100_000_000, maxBackoffNanos: 200_000_000, tls: anonymous)
        try refusedInitiator.start()
        let refused = waitFor(seconds: 5) { acceptor.log.contains { $0.contains("TLS handshake failed") || $0.contains("ended") } }
        pauseMillis(300)
        refusedInitiator.stop()
        #expect(refused, "\(acceptor.log)")
        #expect(firstApplication.logons == 0, "\(refusedInitiator.log)")

        var client = FIXTLSSettings.initiator(caFile: certificates.serverCertificate, serverName: "localhost")
        client.certificateFile = certificates.clientCertificate
        client.privateKeyFile = certificates.clientKey
        let (second, secondApplication) = Self.initiatorSession()
        let admitted = FIXInitiator(session: second, address: .loopback(port: acceptor.port),
                                    initialBackoffNanos: 100_000_000, maxBackoffNanos: 200_000_000,
                                    tls: try FIXTLSContext(settings: client, role: .initiator))
        try admitted.start()
        let loggedOn = waitFor(seconds: 5) { secondApplication.messages == ["ORDER-1"] }
        admitted.stop()
        #expect(loggedOn, "\(admitted.log) \(acceptor.log)")
    }

    @Test("set-up errors name the file and OpenSSL's reason")
    func setUpErrors() throws {
        let certificates = try TLSFixtures()
        #expect(throws: FIXTLSError.self) {
            _ = try FIXTLSContext(settings: .acceptor(certificateFile: "/nonexistent/server.pem", privateKeyFile: "/nonexistent/k"),
                                  role: .acceptor)
        }
        do {
            _ = try FIXTLSContext(settings: .acceptor(certificateFile: certificates.serverCertificate,
                                                      privateKeyFile: certificates.clientKey), role: .acceptor)
            Issue.record("a key that does not match its certificate was accepted")
        } catch {
            #expect(error.description.contains(certificates.clientKey), "\(error)")
            #expect(error.description.contains("values mismatch") || error.description.contains("mismatch"), "\(error)")
        }
        do {
            _ = try FIXTLSContext(settings: FIXTLSSettings(role: .acceptor), role: .acceptor)
            Issue.record("an acceptor without a certificate was accepted")
        } catch {
            #expect(error.description.contains("no certificate"))
        }
    }
}
