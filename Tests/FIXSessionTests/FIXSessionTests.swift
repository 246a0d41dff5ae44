import Testing
import PeregrineCore
import PeregrineFIX
import PeregrineTestKit

/// A session under a fake clock, fed script-format messages ("35=0|34=2|…", `|` for SOH).
final class SessionHarness {
    let clock = ManualClock()
    let session: FIXSession
    let store: any FIXMessageStore

    init(role: FIXSessionRole = .acceptor, persist: Bool = true, store: (any FIXMessageStore)? = nil,
         configure: (inout FIXSessionConfiguration) -> Void = { _ in }) {
        var configuration = FIXSessionConfiguration(version: .fix44, senderCompID: "ISLD", targetCompID: "TW44", role: role)
        configuration.persistMessages = persist
        configure(&configuration)
        let s = store ?? FIXMemoryStore()
        self.store = s
        session = FIXSession(configuration: configuration, dictionary: ConformanceRunner.fix44, store: s,
                             application: FIXConformanceApplication())
        session.connected(at: clock.now())
    }

    /// Sends one inbound message (header 8/9/10 added; `<TIME>` is the fake clock's time).
    func send(_ text: String) {
        let template = ("8=FIX.4.4|" + text).replacingPipes
        let bytes = ConformanceScript.prepare(template, now: clock.now())
        bytes.withUnsafeBytes { session.receive($0, at: clock.now()) }
    }

    func tick(seconds: Double) {
        clock.advance(by: Nanoseconds(Int64(seconds * 1e9)))
        session.timer(at: clock.now())
    }

    /// Outbound messages since the last call, `|`-separated, without 8, 9, 52, 122 and 10.
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
                .filter { !$0.hasPrefix("8=") && !$0.hasPrefix("9=") && !$0.hasPrefix("52=") && !$0.hasPrefix("122=") && !$0.hasPrefix("10=") }
            result.append(fields.joined(separator: "|"))
            rest = rest.dropFirst(length)
        }
        return result
    }

    func logon(heartBtInt: Int = 30) {
        send("35=A|34=1|49=TW44|52=<TIME>|56=ISLD|98=0|108=\(heartBtInt)|")
        _ = sent()
    }
}

extension String {
    var replacingPipes: String { String(map { $0 == "|" ? "\u{1}" : $0 }) }
}

@Suite("FIX session state machine (fake clock)")
struct FIXSessionStateTests {
    @Test("an acceptor answers a Logon with its HeartBtInt and MsgSeqNum 1")
    func logon() {
        let h = SessionHarness()
        h.send("35=A|34=1|49=TW44|52=<TIME>|56=ISLD|98=0|108=30|")
        #expect(h.sent() == ["35=A|34=1|49=ISLD|56=TW44|98=0|108=30"], "\(h.session.disconnectReason) \(h.session.counters)")
        #expect(h.session.isLoggedOn)
        #expect(h.session.nextTargetSequenceNumber == 2)
    }

    @Test("the first message must be a Logon, else disconnect without a word")
    func notLogon() {
        let h = SessionHarness()
        h.send("35=0|34=1|49=TW44|52=<TIME>|56=ISLD|")
        #expect(h.sent().isEmpty)
        #expect(h.session.disconnectRequested)
    }

    @Test("heartbeat after HeartBtInt, TestRequest after 1.2x, disconnect after 2.4x of silence")
    func heartbeats() {
        let h = SessionHarness()
        h.logon(heartBtInt: 10)
        h.tick(seconds: 9.9)
        #expect(h.sent().isEmpty)
        h.tick(seconds: 0.1)
        #expect(h.sent() == ["35=0|34=2|49=ISLD|56=TW44"])
        h.tick(seconds: 2)
        #expect(h.sent() == ["35=1|34=3|49=ISLD|56=TW44|112=TEST"])
        h.tick(seconds: 11.9)
        #expect(!h.session.disconnectRequested)
        h.tick(seconds: 0.1)
        #expect(h.session.disconnectRequested)
    }

    @Test("a TestRequest is answered by a Heartbeat carrying its TestReqID")
    func testRequest() {
        let h = SessionHarness()
        h.logon()
        h.send("35=1|34=2|49=TW44|52=<TIME>|56=ISLD|112=PING|")
        #expect(h.sent() == ["35=0|34=2|49=ISLD|56=TW44|112=PING"])
    }

    @Test("MsgSeqNum too high: ResendRequest once, queue, process when the gap fills")
    func tooHigh() {
        let h = SessionHarness()
        h.logon()
        h.send("35=1|34=4|49=TW44|52=<TIME>|56=ISLD|112=LATER|")
        h.send("35=0|34=5|49=TW44|52=<TIME>|56=ISLD|")
        #expect(h.sent() == ["35=2|34=2|49=ISLD|56=TW44|7=2|16=0"])
        h.send("35=4|34=2|43=Y|49=TW44|52=<TIME>|56=ISLD|122=<TIME>|36=4|123=Y|")
        #expect(h.sent() == ["35=0|34=3|49=ISLD|56=TW44|112=LATER"])
        #expect(h.session.nextTargetSequenceNumber == 6)
    }

    @Test("MsgSeqNum too low without PossDupFlag: Logout with the standard text, then disconnect")
    func tooLow() {
        let h = SessionHarness()
        h.logon()
        h.send("35=0|34=2|49=TW44|52=<TIME>|56=ISLD|")
        h.send("35=0|34=2|49=TW44|52=<TIME>|56=ISLD|")
        #expect(h.sent() == ["35=5|34=2|49=ISLD|56=TW44|58=MsgSeqNum too low, expecting 3 but received 2"])
        #expect(h.session.disconnectRequested)
    }

    @Test("PossDup too low: ignored with OrigSendingTime, rejected without it")
    func possDup() {
        let h = SessionHarness()
        h.logon()
        h.send("35=0|34=2|49=TW44|52=<TIME>|56=ISLD|")
        h.send("35=0|34=2|43=Y|49=TW44|52=<TIME>|56=ISLD|122=<TIME>|")
        #expect(h.sent().isEmpty)
        h.send("35=0|34=2|43=Y|49=TW44|52=<TIME>|56=ISLD|")
        #expect(h.sent() == ["35=3|34=2|49=ISLD|56=TW44|45=2|58=Required tag missing|371=122|372=0|373=1"])
        #expect(!h.session.disconnectRequested)
    }

    @Test("SendingTime more than 120 s off: Reject 10 and Logout")
    func sendingTime() {
        let h = SessionHarness()
        h.logon()
        h.send("35=0|34=2|49=TW44|52=<TIME-121>|56=ISLD|")
        #expect(h.sent() == ["35=3|34=2|49=ISLD|56=TW44|45=2|58=SendingTime accuracy problem|372=0|373=10",
                             "35=5|34=3|49=ISLD|56=TW44"])
        #expect(h.session.state == .loggingOut)
    }

    @Test("wrong CompID: Reject 9 and Logout; a Logout answer closes")
    func compID() {
        let h = SessionHarness()
        h.logon()
        h.send("35=0|34=2|49=XX|52=<TIME>|56=ISLD|")
        #expect(h.sent() == ["35=3|34=2|49=ISLD|56=TW44|45=2|58=CompID problem|372=0|373=9", "35=5|34=3|49=ISLD|56=TW44"])
        h.send("35=5|34=3|49=TW44|52=<TIME>|56=ISLD|")
        #expect(h.sent().isEmpty)
        #expect(h.session.disconnectRequested)
    }

    @Test("dictionary rejects carry the standard SessionRejectReason text")
    func validation() {
        let h = SessionHarness()
        h.logon()
        h.send("35=D|34=2|49=TW44|52=<TIME>|56=ISLD|11=ID|21=4|40=1|54=1|55=X|60=<TIME>|")
        #expect(h.sent() == ["35=3|34=2|49=ISLD|56=TW44|45=2|58=Value is incorrect (out of range) for this tag|371=21|372=D|373=5"])
        #expect(h.session.nextTargetSequenceNumber == 3)
    }

    @Test("ResendRequest: application messages again with PossDupFlag, admin ones gap-filled")
    func resend() {
        let h = SessionHarness()
        h.logon()
        h.send("35=D|34=2|49=TW44|52=<TIME>|56=ISLD|11=A|21=3|40=1|54=1|55=X|60=<TIME>|")
        h.send("35=1|34=3|49=TW44|52=<TIME>|56=ISLD|112=T|")
        _ = h.sent()
        h.send("35=2|34=4|49=TW44|52=<TIME>|56=ISLD|7=1|16=0|")
        let resent = h.sent()
        #expect(resent.count == 3)
        #expect(resent[0] == "35=4|34=1|43=Y|49=ISLD|56=TW44|36=2|123=Y")
        #expect(resent[1].hasPrefix("35=D|34=2|43=Y|49=ISLD|56=TW44|11=A|"))
        #expect(resent[2] == "35=4|34=3|43=Y|49=ISLD|56=TW44|36=4|123=Y")
    }

    @Test("store-less mode gap-fills every ResendRequest")
    func storeless() {
        let h = SessionHarness(persist: false)
        h.logon()
        h.send("35=D|34=2|49=TW44|52=<TIME>|56=ISLD|11=A|21=3|40=1|54=1|55=X|60=<TIME>|")
        _ = h.sent()
        h.send("35=2|34=3|49=TW44|52=<TIME>|56=ISLD|7=1|16=0|")
        #expect(h.sent() == ["35=4|34=1|43=Y|49=ISLD|56=TW44|36=3|123=Y"])
    }

    @Test("SequenceReset-Reset moves the expected number; a lower NewSeqNo is rejected")
    func sequenceReset() {
        let h = SessionHarness()
        h.logon()
        h.send("35=4|34=0|49=TW44|52=<TIME>|56=ISLD|36=10|")
        #expect(h.session.nextTargetSequenceNumber == 10)
        h.send("35=4|34=0|49=TW44|52=<TIME>|56=ISLD|36=5|")
        #expect(h.sent() == ["35=3|34=2|49=ISLD|56=TW44|45=0|58=Value is incorrect (out of range) for this tag|372=4|373=5"])
    }

    @Test("our Logout waits for the answer, then times out and closes")
    func logoutTimeout() {
        let h = SessionHarness()
        h.logon()
        h.session.logout(text: "bye", at: h.clock.now())
        #expect(h.sent() == ["35=5|34=2|49=ISLD|56=TW44|58=bye"])
        h.tick(seconds: 1.9)
        #expect(!h.session.disconnectRequested)
        h.tick(seconds: 0.2)
        #expect(h.session.disconnectRequested)
    }

    @Test("an initiator sends Logon on connect, with ResetSeqNumFlag when resetting on logon")
    func initiator() {
        let h = SessionHarness(role: .initiator) { $0.resetOnLogon = true; $0.heartbeatIntervalSeconds = 20 }
        #expect(h.sent() == ["35=A|34=1|49=ISLD|56=TW44|98=0|108=20|141=Y"])
        h.send("35=A|34=1|49=TW44|52=<TIME>|56=ISLD|98=0|108=20|141=Y|")
        #expect(h.sent().isEmpty)
        #expect(h.session.isLoggedOn)
    }

    @Test("a Logon with ResetSeqNumFlag while logged on resets both numbers")
    func resetWhileLoggedOn() {
        let h = SessionHarness()
        h.logon()
        h.send("35=1|34=2|49=TW44|52=<TIME>|56=ISLD|112=X|")
        _ = h.sent()
        h.send("35=A|34=1|49=TW44|52=<TIME>|56=ISLD|98=0|108=30|141=Y|")
        #expect(h.sent() == ["35=A|34=1|49=ISLD|56=TW44|98=0|108=30|141=Y"])
        #expect(h.session.nextTargetSequenceNumber == 2)
    }
}

@Suite("FIX session schedule")
struct FIXSessionScheduleTests {
    @Test("a daily window with weekdays and a UTC offset; overnight windows belong to their start day")
    func windows() {
        // 09:00–17:00 at UTC-5, Monday to Friday (bits 1...5).
        let s = FIXSessionSchedule(startSecondOfDay: 9 * 3600, endSecondOfDay: 17 * 3600, weekdays: 0b0111110,
                                   utcOffsetSeconds: -5 * 3600)
        let friday = Timestamp(year: 2026, month: 1, day: 2, hour: 15)!          // 10:00 local, Friday
        #expect(s.isInSession(friday))
        #expect(s.sessionStart(containing: friday) == Timestamp(year: 2026, month: 1, day: 2, hour: 14)!)
        #expect(!s.isInSession(Timestamp(year: 2026, month: 1, day: 2, hour: 23)!))  // 18:00 local
        #expect(!s.isInSession(Timestamp(year: 2026, month: 1, day: 3, hour: 15)!))  // Saturday
        let overnight = FIXSessionSchedule(startSecondOfDay: 22 * 3600, endSecondOfDay: 6 * 3600)
        #expect(overnight.sessionStart(containing: Timestamp(year: 2026, month: 1, day: 3, hour: 2)!)
                == Timestamp(year: 2026, month: 1, day: 2, hour: 22)!)
        #expect(!overnight.isInSession(Timestamp(year: 2026, month: 1, day: 3, hour: 12)!))
    }

    @Test("a store created before the current window resets at connect (daily reset)")
    func dailyReset() {
        let store = FIXMemoryStore(creationTime: Timestamp(year: 2026, month: 1, day: 1, hour: 10)!)
        store.nextSenderSequenceNumber = 50
        store.nextTargetSequenceNumber = 40
        let h = SessionHarness(store: store) { $0.schedule = FIXSessionSchedule(startSecondOfDay: 8 * 3600, endSecondOfDay: 20 * 3600) }
        #expect(h.session.nextSenderSequenceNumber == 1)
        #expect(h.session.nextTargetSequenceNumber == 1)
    }
}
