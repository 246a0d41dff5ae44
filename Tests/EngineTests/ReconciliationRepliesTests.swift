import Testing
import PeregrineCore
@testable import PeregrineEngine
import PeregrineFIX
import PeregrineOMS
import PeregrinePlatform

/// The engine's handling of status answers, fed directly (engine not started, so the test
/// thread is the engine thread): odd, foreign and damaged replies are adopted, reported or
/// refused — never applied as fills, never a crash.
@Suite("Reconciliation: odd and damaged status replies")
struct ReconciliationRepliesTests {
    /// A FIX 4.4 message from the venue with BodyLength and CheckSum computed.
    static func message(_ fields: String) -> [UInt8] {
        let body = Array(("35=8|49=SIMX|56=PEREGRINE|34=9|52=20261126-06:00:00.000|" + fields).utf8).map { $0 == UInt8(ascii: "|") ? 1 : $0 }
        var bytes = Array("8=FIX.4.4\u{1}9=\(body.count)\u{1}".utf8) + body
        let sum = bytes.reduce(0) { ($0 + Int($1)) & 0xFF }
        bytes += Array("10=\(sum < 10 ? "00" : sum < 100 ? "0" : "")\(sum)\u{1}".utf8)
        return bytes
    }

    static func feed(_ engine: TradingEngine<ScriptedStrategies>, _ fields: String) -> FIXApplicationResult? {
        let bytes = message(fields)
        var parser = FIXParser()
        return bytes.withUnsafeBytes { raw -> FIXApplicationResult? in
            guard case .complete = parser.parse(raw) else { return nil }
            return engine.onStatusReport(parser.message, venue: engine.venues[0])
        }
    }

    @Test("foreign ClOrdIDs, unknown orders, unknown symbols, other requests and damaged fields")
    func oddReplies() throws {
        let configuration = EngineConfiguration(symbols: ["SPY"], orderEntry: .loopback(port: 1), feed: .loopback(port: 1))
        let engine = try TradingEngine(configuration: configuration, strategies: ScriptedStrategies(idle: true),
                                       riskLimits: try ExampleSetup.riskLimits(symbols: ["SPY"]))
        let v = engine.venues[0]
        #expect(v.reconciliation.replies.capacity >= engine.configuration.oms.orderCapacity, "buffer preallocated")
        // A status report while no request runs: counted, dropped, not a fill.
        let common = "17=0|150=I|54=1|38=100|44=100|151=100|14=0|6=0|"
        #expect(Self.feed(engine, "37=1|11=1|39=0|55=SPY|584=1|" + common) == .accepted)
        #expect(engine.counters.unsolicitedStatusReports == 1)

        v.reconciliation.phase = .collecting
        v.reconciliation.usesMassStatus = true
        v.reconciliation.requestID = 42
        // 1: a ClOrdID that is not Peregrine's, known by the venue's OrderID only.
        #expect(Self.feed(engine, "37=VENUE-X|11=abc|39=0|55=SPY|584=42|911=5|912=N|" + common) == .accepted)
        // 2: a numeric ClOrdID the OMS never had, partly filled.
        #expect(Self.feed(engine, "37=12|11=777777|39=1|55=SPY|584=42|911=5|912=N|17=0|150=I|54=1|38=100|44=100|151=90|14=10|6=100|") == .accepted)
        // 3: an answer to another request: not ours.
        #expect(Self.feed(engine, "37=13|11=5|39=0|55=SPY|584=999|911=5|" + common) == .accepted)
        #expect(engine.counters.unsolicitedStatusReports == 2)
        // 4: damaged TotNumReports: refused (BusinessMessageReject), counted.
        #expect(Self.feed(engine, "37=14|11=6|39=0|55=SPY|584=42|911=x|" + common) == .businessReject(reason: .other, tag: 911))
        #expect(engine.counters.badExecutionReports == 1)
        // 5: a finished order the OMS does not hold: not judged.
        #expect(Self.feed(engine, "37=15|11=888|39=2|55=SPY|584=42|911=5|17=0|150=I|54=1|38=100|44=100|151=0|14=100|6=100|") == .accepted)
        // 6: the last one, in a symbol the engine does not trade.
        #expect(Self.feed(engine, "37=16|11=999|39=0|55=ZZZ|584=42|911=5|912=Y|" + common) == .accepted)
        #expect(v.reconciliation.sawLastReport && v.reconciliation.expected == 5)
        #expect(v.reconciliation.replies.count == 3, "1, 2 and 6 kept; 3 another request's, 4 refused, 5 finished")

        engine.finishReconciliation(v, complete: true, now: Clock.now(), why: "")
        #expect(engine.counters.reconciliations == 1)
        let spy = InstrumentId(rawValue: 0)
        #expect(engine.oms.order(OrderId(rawValue: 777_777))?.filledQuantity == Quantity(units: 10), "adopted with its fills")
        #expect(engine.oms.position(account: ExampleSetup.account, instrument: spy).quantity == Quantity(units: 10))
        #expect(engine.oms.order(OrderId(rawValue: 999)) == nil, "an instrument the OMS has no position for is only reported")
        var foreign = 0
        engine.oms.forEachOrder { _, r in if r.orderId == .none && r.venueOrderId != 0 && !r.isTerminal { foreign += 1 } }
        #expect(foreign == 1, "the order with a foreign ClOrdID is adopted under the venue's OrderID")
        #expect(engine.counters.reconciliationDifferences >= 3)
        #expect(v.reconciliation.lastSummary.contains("1 finished order(s) the OMS no longer holds"), "\(v.reconciliation.lastSummary)")
        #expect(engine.log.contains { $0.contains("unknownOrder order 999") && $0.contains("for an operator") }, "\(engine.log)")
        #expect(engine.counters.fills == 0, "nothing counted as a live fill")
    }
}
