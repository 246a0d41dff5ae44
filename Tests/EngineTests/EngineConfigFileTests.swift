import Testing
import PeregrineCore
@testable import PeregrineEngine
import PeregrinePlatform
#if canImport(Glibc)
import Glibc
#endif

@Suite struct EngineConfigFileTests {
    static let good = """
        [engine]
        symbols = SPY, QQQ
        journal = var/journal
        fix_store = var/fix
        recover = yes
        risk = config/risk.conf
        cql = config/momentum.cql
        backup = 127.0.0.1:7400
        control_socket = var/peregrine.sock
        cpu = 1
        spin = yes
        socket_mode = io_uring-spin

        [venue]
        host = 127.0.0.1
        port = 9878
        sender_comp_id = ME
        target_comp_id = THEM
        version = FIX.4.2
        heartbeat = 15
        account = ACC1
        cancels_on_disconnect = no
        tls = yes
        tls_ca_file = /etc/venue-ca.pem
        tls_server_name = fix.venue.example

        [feed]
        kind = iqfeed
        host = 10.0.0.5
        port = 5009
        """

    @Test func everyKeyIsRead() throws {
        let c = try EngineConfigFile.parse(Self.good)
        #expect(c.engine.symbols == ["SPY", "QQQ"])
        #expect(c.engine.journalDirectory == "var/journal" && c.engine.fixStoreDirectory == "var/fix")
        #expect(c.engine.recoverFromJournal && c.engine.spin && c.engine.placement.cpu == 1)
        #expect(c.engine.socketMode == .ioUringSpin)
        #expect(c.riskFile == "config/risk.conf" && c.cqlFile == "config/momentum.cql" && c.controlSocket == "var/peregrine.sock")
        #expect(c.backupServer == SocketAddress.loopback(port: 7400))
        #expect(c.engine.orderEntry == SocketAddress.loopback(port: 9878))
        #expect(c.engine.feed == (try SocketAddress(parsing: "10.0.0.5:5009")))
        #expect(c.engine.senderCompID == "ME" && c.engine.targetCompID == "THEM" && c.engine.fixVersion == .fix42)
        #expect(c.engine.heartbeatSeconds == 15 && c.engine.accountName == "ACC1" && !c.engine.venueCancelsOnDisconnect)
        #expect(c.engine.venueTLS?.caFile == "/etc/venue-ca.pem" && c.engine.venueTLS?.serverName == "fix.venue.example")
        #expect(c.engine.venueTLS?.verifyPeer == true)
    }

    @Test func theShippedExampleParses() throws {
        let path = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        var text = ""
        if let f = fopen("/" + path + "/config/engine.conf", "r") {
            var line = [CChar](repeating: 0, count: 4096)
            while fgets(&line, 4096, f) != nil { text += String(cString: line) }
            fclose(f)
        }
        #expect(!text.isEmpty)
        let c = try EngineConfigFile.parse(text, source: "config/engine.conf")
        #expect(c.engine.symbols == ["SPY", "QQQ"])
        #expect(c.engine.recoverFromJournal)
    }

    @Test func everyProblemIsReportedWithItsLine() {
        let text = """
            [engine]
            symbols = SPY,SPY
            jurnal = x
            spin = yes
            socket_mode = turbo
            recover = maybe
            [venue]
            host = 300.1.1.1
            port = 99999
            version = FIX.9
            tls_ca_file = ca.pem
            [feed]
            kind = bloomberg
            port = 5009
            [extra]
            """
        do {
            _ = try EngineConfigFile.parse(text, source: "bad.conf")
            Issue.record("a bad file parsed")
        } catch {
            let all = error.description
            #expect(all.contains("bad.conf:2: a symbol is listed twice"))
            #expect(all.contains("bad.conf:3: unknown key 'jurnal' in [engine]; did you mean 'journal'?"))
            #expect(all.contains("bad.conf:4: spin = yes needs cpu = N"))
            #expect(all.contains("bad.conf:5: 'turbo' is not one of"))
            #expect(all.contains("bad.conf:6: 'maybe' is not yes/no"))
            #expect(all.contains("bad.conf:9: '99999' is not a port"))
            #expect(all.contains("bad.conf:10: 'FIX.9' is not FIX.4.2"))
            #expect(all.contains("bad.conf:11: 'tls_ca_file' without tls = yes"))
            #expect(all.contains("bad.conf:13: feed kind 'bloomberg' is not supported"))
            #expect(all.contains("missing required 'host' in [feed]"))
            #expect(all.contains("bad.conf:15: unknown section [extra]"))
        }
    }

    @Test func modelWatchIsReadAndChecked() throws {
        let base = "[venue]\nhost = 127.0.0.1\nport = 9878\n[feed]\nhost = 127.0.0.1\nport = 5009\n"
        let watched = try EngineConfigFile.parse("[engine]\nsymbols = SPY\nmodel = m.pmodel\nmodel_watch = 0.5\n" + base)
        #expect(watched.modelFile == "m.pmodel" && watched.modelWatchSeconds == 0.5)
        let defaulted = try EngineConfigFile.parse("[engine]\nsymbols = SPY\nmodel = m.pmodel\n" + base)
        #expect(defaulted.modelWatchSeconds == 1, "a configured model file is watched by default")
        #expect(try EngineConfigFile.parse("[engine]\nsymbols = SPY\nmodel = m.pmodel\nmodel_watch = 0\n" + base).modelWatchSeconds == 0)
        for (bad, expected) in [("model_watch = soon", "model_watch must be seconds"), ("model_watch = -1", "model_watch must be seconds")] {
            do {
                _ = try EngineConfigFile.parse("[engine]\nsymbols = SPY\nmodel = m.pmodel\n\(bad)\n" + base, source: "w.conf")
                Issue.record("'\(bad)' parsed")
            } catch {
                #expect(error.description.contains("w.conf:4: \(expected)"), "\(error)")
            }
        }
        do {
            _ = try EngineConfigFile.parse("[engine]\nsymbols = SPY\nmodel_watch = 2\n" + base, source: "w.conf")
            Issue.record("model_watch without a model parsed")
        } catch {
            #expect(error.description.contains("w.conf:3: model_watch needs model = FILE"), "\(error)")
        }
    }
}
