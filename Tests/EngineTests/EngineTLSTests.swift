import Testing
import PeregrineCore
@testable import PeregrineEngine
import PeregrineFIXTransport
import PeregrinePlatform
import PeregrineSimExchange
import PeregrineTestKit
#if canImport(Glibc)
import Glibc
#endif

/// The engine's order session over TLS to the simulated exchange (certificates made at
/// test time with the `openssl` tool, Debian package `openssl`).
@Suite(.serialized)
struct EngineTLSTests {
    static func openssl(_ arguments: [String]) throws {
        let tool = "/usr/bin/openssl"
        guard access(tool, X_OK) == 0 else { throw EngineError("\(tool) not found: install the Debian package `openssl`") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([tool] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var child: pid_t = 0
        guard posix_spawn(&child, tool, &actions, nil, argv, environ) == 0 else { throw EngineError("posix_spawn openssl failed") }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else { throw EngineError("openssl \(arguments.prefix(2)) failed: status \(status)") }
    }

    static func selfSigned(_ directory: TemporaryDirectory, name: String) throws -> (certificate: String, key: String) {
        let certificate = directory.file(name + ".pem"), key = directory.file(name + ".key")
        try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=localhost",
                     "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        return (certificate, key)
    }

    @Test func ordersFlowOverTLSAndAWrongAuthorityIsRefused() throws {
        let directory = TemporaryDirectory("engine-tls")
        defer { directory.remove() }
        let exchangeIdentity = try Self.selfSigned(directory, name: "exchange")
        let stranger = try Self.selfSigned(directory, name: "stranger")
        var c = SimulatedExchangeConfiguration()
        c.symbols = ["SPY"]
        c.fixTLS = .acceptor(certificateFile: exchangeIdentity.certificate, privateKeyFile: exchangeIdentity.key)
        let exchange = SimulatedExchange(configuration: c)
        try exchange.start()
        defer { exchange.stop() }

        // Trusting the exchange's certificate: logon, orders, fills.
        var configuration = EngineConfiguration(symbols: ["SPY"], orderEntry: .loopback(port: exchange.fixPort),
                                                feed: .loopback(port: exchange.feedPort))
        configuration.venueTLS = .initiator(caFile: exchangeIdentity.certificate, serverName: "localhost")
        let engine = try TradingEngine(configuration: configuration, strategies: try ExampleSetup.strategies(instrumentCount: 1),
                                       riskLimits: try ExampleSetup.riskLimits(symbols: ["SPY"]))
        try engine.start()
        let traded = EndToEndTests.wait(seconds: 30) { engine.progress.fills >= 3 }
        engine.stop()
        #expect(traded, "fills \(engine.progress.fills); \(engine.log.suffix(4))")
        #expect(engine.log.contains { $0.contains("over TLS") }, "\(engine.log.prefix(4))")

        // Trusting someone else: the handshake fails with the reason, no logon, no crash.
        var wrong = configuration
        wrong.venueTLS = .initiator(caFile: stranger.certificate, serverName: "localhost")
        wrong.reconnectDelay = .milliseconds(200)
        let refused = try TradingEngine(configuration: wrong, strategies: try ExampleSetup.strategies(instrumentCount: 1),
                                        riskLimits: try ExampleSetup.riskLimits(symbols: ["SPY"]))
        try refused.start()
        let noted = EndToEndTests.wait(seconds: 10) { refused.progress.lastNote.contains("TLS handshake failed") }
        refused.stop()
        #expect(noted, "\(refused.log.suffix(4))")
        #expect(refused.counters.ordersSent == 0)
    }
}
