import Testing
import PeregrineCore
import PeregrineFIX
import PeregrineFIXTransport
import PeregrinePlatform
import PeregrineTestKit
#if canImport(Glibc)
import Glibc
#endif

/// Writes `text` to `path` (stdio).
func writeText(_ text: String, to path: String) {
    guard let file = fopen(path, "wb") else { Issue.record("cannot write \(path)"); return }
    _ = text.withCString { fputs($0, file) }
    fclose(file)
}

/// Settings text with `$DICT` replaced by the shared dictionary folder.
func settingsText(_ template: String) -> String {
    template.replacing("$DICT", with: ConformanceRunner.dictionaryDirectory)
}

/// The problems of a settings text that must fail to load.
func settingsProblems(_ text: String, source: String = "venue.cfg", now: Timestamp = Clock.now()) -> [FIXSettingsProblem] {
    do {
        _ = try FIXSettings(text: text, source: source, now: now)
        Issue.record("the settings loaded, problems were expected")
        return []
    } catch {
        return error.problems
    }
}

@Suite("QuickFIX-style settings files")
struct FIXSettingsTests {
    /// A venue gateway's file in QuickFIX's layout: an acceptor for two clients and an
    /// initiator to a broker, logging keys included.
    static let gateway = """
        # Peregrine gateway — QuickFIX settings layout
        [DEFAULT]
        FileStorePath=/tmp/peregrine-settings-test-store
        FileLogPath=log
        ScreenLogShowIncoming=N
        StartTime=00:00:00
        EndTime=00:00:00
        UseDataDictionary=Y
        DataDictionary=$DICT/FIX44.xml
        BeginString=FIX.4.4
        ValidateUserDefinedFields=N
        MaxLatency=30

        [SESSION]
        ConnectionType=acceptor
        SenderCompID=EXECUTOR
        TargetCompID=CLIENT1
        SocketAcceptPort=5001
        SocketReuseAddress=Y

        [SESSION]
        ConnectionType=acceptor
        SenderCompID=EXECUTOR
        TargetCompID=CLIENT2
        SocketAcceptPort=5001
        ResetOnLogon=Y
        ValidateFieldsOutOfOrder=N

        [SESSION]
        ConnectionType=initiator
        BeginString=FIX.4.2
        DataDictionary=$DICT/FIX42.xml
        SenderCompID=PEREGRINE
        TargetCompID=BROKER
        SocketConnectHost=127.0.0.1
        SocketConnectPort=9878
        HeartBtInt=20
        ReconnectInterval=5
        LogonTimeout=5
        CheckLatency=N
        PersistMessages=N
        AllowUnknownMsgFields=Y
        """

    @Test("a gateway file yields two acceptor sessions on one port and an initiator, with [DEFAULT] inherited")
    func gatewayFile() throws {
        let settings = try FIXSettings(text: settingsText(Self.gateway), source: "gateway.cfg")
        #expect(settings.sessions.count == 3)
        let client1 = try #require(settings.session(version: .fix44, senderCompID: "EXECUTOR", targetCompID: "CLIENT1"))
        #expect(client1.configuration.role == .acceptor)
        #expect(client1.endpoint.address == SocketAddress(hostBits: 0, port: 5001))
        #expect(client1.configuration.maxSendingTimeSkew == .seconds(30))
        #expect(client1.configuration.validation.checkUserDefinedFields == false)
        #expect(client1.configuration.validation.checkFieldOrder == true)
        #expect(client1.configuration.resetOnLogon == false)
        #expect(client1.dictionary?.beginString == "FIX.4.4")
        #expect(client1.storePath == "/tmp/peregrine-settings-test-store/FIX.4.4-EXECUTOR-CLIENT1.fixstore")
        #expect(client1.line == 14)
        // 00:00:00–00:00:00: open all day, resetting at midnight UTC.
        let schedule = client1.configuration.schedule
        #expect(!schedule.isAlwaysOpen)
        #expect(schedule.isInSession(Timestamp(year: 2026, month: 3, day: 4, hour: 23, minute: 59, second: 59)!))
        #expect(schedule.sessionStart(containing: Timestamp(year: 2026, month: 3, day: 4, hour: 13)!)
                == Timestamp(year: 2026, month: 3, day: 4)!)
        let client2 = try #require(settings.session(version: .fix44, senderCompID: "EXECUTOR", targetCompID: "CLIENT2"))
        #expect(client2.configuration.resetOnLogon)
        #expect(client2.configuration.validation.checkFieldOrder == false)
        let broker = try #require(settings.initiators.first)
        #expect(broker.configuration.version == .fix42)
        #expect(broker.dictionary?.beginString == "FIX.4.2")
        #expect(broker.configuration.heartbeatIntervalSeconds == 20)
        #expect(broker.configuration.logonTimeout == .seconds(5))
        #expect(broker.configuration.maxSendingTimeSkew == nil)
        #expect(broker.configuration.persistMessages == false)
        #expect(broker.configuration.validation.checkUnknownFields == false)
        #expect(broker.reconnectIntervalSeconds == 5)
        #expect(broker.endpoint.address == SocketAddress.loopback(port: 9878))
        #expect(broker.tls == nil)
        // One acceptor for port 5001 with both sessions.
        #expect(settings.acceptors.count == 1)
        #expect(settings.acceptors.first?.sessions.map(\.configuration.targetCompID) == ["CLIENT1", "CLIENT2"])
        // Logging keys are accepted and listed as ignored.
        #expect(settings.notes.contains { $0.hasPrefix("gateway.cfg:4: FileLogPath is ignored") }, "\(settings.notes)")
        #expect(settings.notes.contains { $0.contains("ScreenLogShowIncoming is ignored") })
        let description = settings.effectiveDescription
        #expect(description.contains("FIX.4.4 EXECUTOR->CLIENT2  acceptor"))
        #expect(description.contains("connect 127.0.0.1:9878 (blocking)  ReconnectInterval=5s"))
        #expect(description.contains("daily 00:00:00 to 23:59:59 UTC (UTC+00:00)"), "\(description)")
    }

    @Test("QuickFIX's example acceptor file: every unsupported version and missing dictionary is reported at once")
    func quickFIXExecutorExample() {
        // The shape of QuickFIX's bin/cfg/executor.cfg: one acceptor serving FIX 4.0 … 4.4.
        var text = """
            [DEFAULT]
            ConnectionType=acceptor
            SocketAcceptPort=5001
            SocketReuseAddress=Y
            StartTime=00:00:00
            EndTime=00:00:00
            MySQLLogDatabase=quickfix
            MySQLLogUser=root
            MySQLLogHost=localhost
            FileStorePath=store
            """
        for version in ["FIX.4.0", "FIX.4.1", "FIX.4.2", "FIX.4.3", "FIX.4.4"] {
            let spec = "../spec/" + version.replacing(".", with: "") + ".xml"
            text += "\n\n[SESSION]\nBeginString=\(version)\nSenderCompID=EXECUTOR\nTargetCompID=CLIENT1\nDataDictionary=\(spec)"
        }
        let problems = settingsProblems(text, source: "executor.cfg")
        let messages = problems.map(\.description)
        // FIX.4.0, 4.1, 4.3: not spoken here; FIX.4.2 and 4.4: the relative dictionaries do not exist.
        #expect(messages.filter { $0.contains("is not supported; this engine speaks FIX.4.2, FIX.4.4 and FIXT.1.1") }.count == 3, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("executor.cfg:13: BeginString FIX.4.0 is not supported") }, "\(messages)")
        #expect(messages.filter { $0.contains("cannot load the dictionary") && $0.contains("cannot open dictionary file") }.count == 2,
                "\(messages)")
        #expect(messages.contains { $0.hasPrefix("executor.cfg:28: cannot load the dictionary: ../spec/FIX42.xml") }, "\(messages)")
        // Reported in line order.
        #expect(problems.map(\.line) == problems.map(\.line).sorted())
    }

    @Test("QuickFIX's example initiator file: the duplicate session is reported with both lines")
    func quickFIXTradeClientExample() throws {
        // The shape of QuickFIX's bin/cfg/tradeclient.cfg (which lists one session twice).
        func tradeClient(secondTarget: String) -> String {
            """
            [DEFAULT]
            ConnectionType=initiator
            HeartBtInt=30
            ReconnectInterval=30
            FileStorePath=store
            FileLogPath=log
            StartTime=00:00:00
            EndTime=00:00:00
            UseDataDictionary=N
            SocketConnectHost=localhost

            [SESSION]
            BeginString=FIX.4.2
            SenderCompID=CLIENT1
            TargetCompID=ORDERMATCH
            SocketConnectPort=5001

            [SESSION]
            BeginString=FIX.4.2
            SenderCompID=CLIENT1
            TargetCompID=\(secondTarget)
            SocketConnectPort=5001

            [SESSION]
            BeginString=FIX.4.4
            SenderCompID=CLIENT1
            TargetCompID=EXECUTOR
            SocketConnectPort=5001
            """
        }
        let problems = settingsProblems(tradeClient(secondTarget: "ORDERMATCH"), source: "tradeclient.cfg")
        #expect(problems.map(\.description) == [
            "tradeclient.cfg:18: session FIX.4.2 CLIENT1->ORDERMATCH is defined twice (first at line 12); remove one or change a CompID",
        ])
        // Without the duplicate it loads: localhost resolved, no dictionary, relative store path.
        let settings = try FIXSettings(text: tradeClient(secondTarget: "ORDERMATCH2"), source: "tradeclient.cfg")
        #expect(settings.sessions.count == 3)
        #expect(settings.sessions[0].endpoint.address == .loopback(port: 5001))
        #expect(settings.sessions[0].dictionary == nil)
        #expect(settings.sessions[0].storePath == "store/FIX.4.2-CLIENT1-ORDERMATCH.fixstore")
    }

    @Test("unknown keys and sections are reported with 'did you mean'")
    func didYouMean() {
        let text = """
            [DEFAULT]
            ConnectionType=initiator
            HeartBeatInt=30
            SocketConectHost=127.0.0.1
            ResetOnLogin=Y
            ValidateFieldsOutOfOrdr=N
            TotallyMadeUpKey=1

            [SESION]
            BeginString=FIX.4.4
            """
        let messages = settingsProblems(text).map(\.description)
        #expect(messages == [
            "venue.cfg:3: unknown key HeartBeatInt; did you mean HeartBtInt?",
            "venue.cfg:4: unknown key SocketConectHost; did you mean SocketConnectHost?",
            "venue.cfg:5: unknown key ResetOnLogin; did you mean ResetOnLogon?",
            "venue.cfg:6: unknown key ValidateFieldsOutOfOrdr; did you mean ValidateFieldsOutOfOrder?",
            "venue.cfg:7: unknown key TotallyMadeUpKey; FIX/SETTINGS.md lists the keys this engine reads",
            "venue.cfg:9: unknown section [SESION]; expected [DEFAULT] or [SESSION] (did you mean [SESSION]?)",
        ], "\(messages)")
    }

    @Test("every bad value, missing key and refused feature of a file is reported at once, in line order")
    func allProblemsAtOnce() {
        let text = """
            [DEFAULT]
            UseDataDictionary=N
            SocketNodelay=N
            LogonTime=08:00:00

            [SESSION]
            BeginString=FIX.4.4
            SenderCompID=PEREGRINE
            ConnectionType=initator
            StartTime=25:00:00
            EndTime=17:00:00

            [SESSION]
            BeginString=FIX.4.4
            SenderCompID=PEREGRINE
            TargetCompID=VENUE
            ConnectionType=initiator
            HeartBtInt=abc
            ResetOnLogon=yes
            SocketConnectHost=127.0.0.1
            SocketConnectPort=70000
            MySQLStoreHost=db
            SenderCompID=OTHER
            not a key value line
            """
        let messages = settingsProblems(text).map(\.description)
        #expect(messages == [
            "venue.cfg:3: SocketNodelay=N is not supported: TCP_NODELAY is always set (only Y)",
            "venue.cfg:4: LogonTime is not supported: separate logon windows are not supported; use StartTime/EndTime",
            "venue.cfg:6: TargetCompID is missing (required for every session)",
            "venue.cfg:9: ConnectionType=initator is neither initiator nor acceptor",
            "venue.cfg:10: StartTime=25:00:00 is not a time of day HH:MM:SS (00:00:00 to 23:59:59)",
            "venue.cfg:18: HeartBtInt=abc is not a whole number from 1 to 3600 seconds",
            "venue.cfg:19: ResetOnLogon=yes is not Y or N",
            "venue.cfg:21: SocketConnectPort=70000 is not a whole number from 1 to 65535",
            "venue.cfg:22: MySQLStoreHost is not supported: this engine stores sequence numbers and messages in a memory-mapped file under FileStorePath",
            "venue.cfg:23: SenderCompID is given twice in this section (first at line 15); keep one",
            "venue.cfg:24: expected key=value, [DEFAULT] or [SESSION], found \"not a key value line\"",
        ], "\(messages.joined(separator: "\n"))")
    }

    @Test("StartDay/EndDay make a weekly session; TimeZone resolves zoneinfo names at load and fixed offsets")
    func schedules() throws {
        let base = """
            [SESSION]
            BeginString=FIX.4.4
            SenderCompID=A
            TargetCompID=B
            ConnectionType=acceptor
            SocketAcceptPort=0
            UseDataDictionary=N

            """
        let january = Timestamp(year: 2026, month: 1, day: 15, hour: 12)!
        let july = Timestamp(year: 2026, month: 7, day: 15, hour: 12)!
        // CME-style week: Sunday 17:00 to Friday 16:00 New York time.
        let weekly = base + "StartDay=Sunday\nStartTime=17:00:00\nEndDay=fri\nEndTime=16:00:00\nTimeZone=America/New_York\n"
        let winter = try FIXSettings(text: weekly, now: january)
        let schedule = winter.sessions[0].configuration.schedule
        #expect(schedule.utcOffsetSeconds == -5 * 3600)
        #expect(schedule.startWeekday == 0 && schedule.endWeekday == 5)
        // Wednesday 2026-01-14 12:00 New York (17:00 UTC) is inside; the week opened Sunday 2026-01-11 17:00 NY = 22:00 UTC.
        #expect(schedule.sessionStart(containing: Timestamp(year: 2026, month: 1, day: 14, hour: 17)!)
                == Timestamp(year: 2026, month: 1, day: 11, hour: 22)!)
        // Saturday is outside.
        #expect(!schedule.isInSession(Timestamp(year: 2026, month: 1, day: 17, hour: 12)!))
        #expect(winter.notes.contains { $0.contains("TimeZone America/New_York is UTC-5:00 now; it observes daylight saving") },
                "\(winter.notes)")
        #expect(winter.effectiveDescription.contains("weekly Sunday 17:00:00 to Friday 16:00:00 America/New_York (UTC-05:00)"),
                "\(winter.effectiveDescription)")
        let summer = try FIXSettings(text: weekly, now: july)
        #expect(summer.sessions[0].configuration.schedule.utcOffsetSeconds == -4 * 3600)
        // Fixed offsets and QuickFIX/J's Weekdays.
        let daily = try FIXSettings(text: base + "StartTime=08:00:00\nEndTime=18:30:00\nTimeZone=+01:00\nWeekdays=Mon,Tue,Wed,Thu,Fri\n")
        let d = daily.sessions[0].configuration.schedule
        #expect(d.utcOffsetSeconds == 3600 && d.startSecondOfDay == 8 * 3600 && d.endSecondOfDay == 18 * 3600 + 1800)
        #expect(d.weekdays == 0b0111110)
        // No window at all: never closes (and a note says so).
        let open = try FIXSettings(text: base)
        #expect(open.sessions[0].configuration.schedule.isAlwaysOpen)
        #expect(open.notes.contains { $0.contains("never closes") })
        // Problems in the schedule keys.
        let messages = settingsProblems(base + "StartTime=08:00:00\nStartDay=Funday\nTimeZone=Mars/Olympus_Mons\n").map(\.description)
        #expect(messages.contains { $0.contains("EndTime is missing: give both StartTime and EndTime, or neither") }, "\(messages)")
        #expect(messages.contains { $0.contains("StartDay=Funday is not a day of the week") })
        #expect(messages.contains { $0.contains("give both StartDay and EndDay") })
        #expect(messages.contains { $0.contains("unknown time zone \"Mars/Olympus_Mons\"") })
    }

    @Test("a FIXT.1.1 session loads the transport and application dictionaries; DataDictionary alone is refused")
    func fixtSession() throws {
        let text = settingsText("""
            [SESSION]
            BeginString=FIXT.1.1
            DefaultApplVerID=9
            SenderCompID=PEREGRINE
            TargetCompID=VENUE
            ConnectionType=initiator
            HeartBtInt=30
            SocketConnectHost=127.0.0.1
            SocketConnectPort=9880
            TransportDataDictionary=$DICT/FIXT11.xml
            AppDataDictionary=$DICT/FIX50SP2.xml
            """)
        let settings = try FIXSettings(text: text)
        #expect(settings.sessions[0].configuration.version == .fixt11)
        #expect(settings.sessions[0].dictionary?.beginString == "FIXT.1.1")
        #expect(settings.sessions[0].dictionary?.message(.newOrderSingle) != nil)
        let wrong = text.replacing("TransportDataDictionary=", with: "DataDictionary=").replacing("DefaultApplVerID=9", with: "DefaultApplVerID=7")
        let messages = settingsProblems(wrong).map(\.description)
        #expect(messages.contains { $0.contains("DefaultApplVerID=7 is not supported") }, "\(messages)")
        #expect(messages.contains { $0.contains("a FIXT.1.1 session takes TransportDataDictionary") }, "\(messages)")
    }

    @Test("relative dictionary and store paths are taken from the settings file's folder; RefreshOnLogon wraps the file store")
    func relativePaths() throws {
        let dir = TemporaryDirectory("fixsettings")
        defer { dir.remove() }
        _ = symlink(ConformanceRunner.dictionaryDirectory + "/FIX44.xml", dir.file("FIX44.xml"))
        writeText("""
            [DEFAULT]
            DataDictionary=FIX44.xml
            FileStorePath=store
            [SESSION]
            BeginString=FIX.4.4
            SenderCompID=ISLD
            TargetCompID=TW44
            ConnectionType=acceptor
            SocketAcceptPort=0
            RefreshOnLogon=Y
            """, to: dir.file("acceptor.cfg"))
        let settings = try FIXSettings.load(path: dir.file("acceptor.cfg"))
        let session = settings.sessions[0]
        #expect(session.dictionaryPaths == [dir.file("FIX44.xml")])
        #expect(session.storePath == dir.file("store/FIX.4.4-ISLD-TW44.fixstore"))
        let store = try session.makeStore()
        #expect(store is FIXRefreshOnLogonStore)
        #expect(dir.fileNames() == ["FIX44.xml", "acceptor.cfg", "store"])
        // RefreshOnLogon without a file store is a problem; a missing file says so.
        let messages = settingsProblems("""
            [SESSION]
            BeginString=FIX.4.4
            SenderCompID=ISLD
            TargetCompID=TW44
            ConnectionType=acceptor
            SocketAcceptPort=0
            UseDataDictionary=N
            RefreshOnLogon=Y
            """).map(\.description)
        #expect(messages == ["venue.cfg:8: RefreshOnLogon=Y needs FileStorePath: a memory store has nothing to re-read"])
        #expect(throws: FIXSettingsError.self) { _ = try FIXSettings.load(path: dir.file("missing.cfg")) }
    }

    @Test("TLS keys: certificates are loaded when the file is read; mistakes are reported at their lines")
    func tlsKeys() throws {
        let certificates = try TLSFixtures()
        let acceptor = """
            [SESSION]
            BeginString=FIX.4.4
            SenderCompID=ISLD
            TargetCompID=TW44
            ConnectionType=acceptor
            SocketAcceptPort=0
            UseDataDictionary=N
            SocketUseSSL=Y
            ServerCertificateFile=\(certificates.serverCertificate)
            ServerCertificateKeyFile=\(certificates.serverKey)
            SSLProtocol=all -TLSv1.2
            """
        let settings = try FIXSettings(text: acceptor)
        let session = settings.sessions[0]
        #expect(session.tlsContext != nil)
        #expect(session.tls?.minimumVersion == .tls13)
        #expect(session.tls?.verifyPeer == false)
        let initiator = """
            [SESSION]
            BeginString=FIX.4.4
            SenderCompID=TW44
            TargetCompID=ISLD
            ConnectionType=initiator
            HeartBtInt=30
            SocketConnectHost=localhost
            SocketConnectPort=9000
            UseDataDictionary=N
            SocketUseSSL=Y
            CertificationAuthoritiesFile=\(certificates.serverCertificate)
            """
        let client = try FIXSettings(text: initiator).sessions[0]
        #expect(client.tls?.verifyPeer == true)
        #expect(client.tls?.serverName == "localhost")
        #expect(client.tls?.caFile == certificates.serverCertificate)
        // Mistakes.
        let broken = acceptor
            .replacing(certificates.serverKey, with: "/nonexistent/server.key")
            .replacing("SSLProtocol=all -TLSv1.2", with: "SSLProtocol=+SSLv3 +TLSv1.2\nCertificateVerifyLevel=2\nSSLServerName=x")
        let messages = settingsProblems(broken).map(\.description)
        #expect(messages.contains { $0.hasPrefix("venue.cfg:11: SSLProtocol: SSLv3 is not offered by this engine") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("venue.cfg:12: CertificateVerifyLevel=2 on an acceptor needs CertificationAuthoritiesFile") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("venue.cfg:13: SSLServerName is for initiators") }, "\(messages)")
        let unreadable = acceptor.replacing(certificates.serverKey, with: "/nonexistent/server.key")
        #expect(settingsProblems(unreadable).map(\.description) == [
            "venue.cfg:10: TLS: open private key file /nonexistent/server.key failed: No such file or directory [errno 2]; check the path",
        ])
        let withoutSwitch = acceptor.replacing("SocketUseSSL=Y", with: "SocketUseSSL=N")
        #expect(settingsProblems(withoutSwitch).first?.description.hasPrefix(
            "venue.cfg:9: ServerCertificateFile is set but SocketUseSSL is not Y") == true)
    }

    @Test("every declared key is documented in FIX/SETTINGS.md")
    func keysDocumented() {
        let text = ConformanceRunner.readText(ConformanceRunner.packageRoot + "/Sources/Protocols/FIX/SETTINGS.md")
        #expect(!text.isEmpty)
        let missing = FIXSettingKey.all.map(\.name).filter { !text.contains("`\($0)`") }
        #expect(missing.isEmpty, "not in SETTINGS.md: \(missing)")
    }

    @Test("a settings file runs a TLS initiator against a TLS acceptor on loopback")
    func settingsEndToEnd() throws {
        let certificates = try TLSFixtures()
        let probe = try TCPSocket.listen(on: .loopback(port: 0))
        let port = try probe.localAddress().port
        probe.close()
        let text = settingsText("""
            [DEFAULT]
            BeginString=FIX.4.4
            DataDictionary=$DICT/FIX44.xml
            SocketUseSSL=Y
            ResetOnLogon=Y
            ReconnectInterval=1

            [SESSION]
            ConnectionType=acceptor
            SenderCompID=ISLD
            TargetCompID=TW44
            SocketAcceptAddress=127.0.0.1
            SocketAcceptPort=\(port)
            ServerCertificateFile=\(certificates.serverCertificate)
            ServerCertificateKeyFile=\(certificates.serverKey)

            [SESSION]
            ConnectionType=initiator
            SenderCompID=TW44
            TargetCompID=ISLD
            HeartBtInt=30
            SocketConnectHost=127.0.0.1
            SocketConnectPort=\(port)
            CertificationAuthoritiesFile=\(certificates.serverCertificate)
            """)
        let settings = try FIXSettings(text: text)
        let group = try #require(settings.acceptors.first)
        let accepted = try group.sessions[0].makeSession(application: FIXConformanceApplication())
        let acceptor = group.makeAcceptor(sessions: [accepted])
        try acceptor.start()
        defer { acceptor.stop() }
        let application = RecordingApplication()
        let initiatorSettings = try #require(settings.initiators.first)
        let session = try initiatorSettings.makeSession(application: application)
        let initiator = initiatorSettings.makeInitiator(session: session)
        try initiator.start()
        let echoed = waitFor(seconds: 10) { (accepted.application as? FIXConformanceApplication)?.echoed ?? 0 >= 1 }
        pauseMillis(200)
        initiator.stop()
        acceptor.stop()
        #expect(echoed, "\(initiator.log) \(acceptor.log)")
        #expect(application.messages == ["ORDER-1"])
        #expect(acceptor.log.contains { $0.contains("TLS established") })
    }
}
