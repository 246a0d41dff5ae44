import Testing
import PeregrineCore
@testable import PeregrineFIX

/// Reconciliation messages: OrderMassStatusRequest (AF), OrderStatusRequest (H) and the
/// status ExecutionReports that answer them, encoded, validated against the shipped
/// dictionaries (FIX 4.2, 4.4, FIXT.1.1/5.0 SP2) and decoded back.
@Suite("FIX status requests and status reports (reconciliation)")
struct FIXStatusMessagesTests {
    typealias M = FIXOrderMessagesTests
    static let sendingTime = Timestamp(nanosecondsSinceEpoch: 1_795_000_000_000_000_000)

    /// Encodes one message with `body`, parses it, checks it against the version's
    /// dictionary and hands the view to `check`.
    static func roundTrip(_ version: FIXVersion, _ type: FIXMessageType, body: (inout FIXEncoder) -> Void,
                          check: (FIXMessageView) -> Void) {
        var encoder = M.encoder(version, precision: .milliseconds)
        encoder.begin(type, sequenceNumber: 7, sendingTime: sendingTime)
        body(&encoder)
        let bytes = Array(encoder.finish())
        var parser = FIXParser()
        bytes.withUnsafeBytes { raw in
            guard case .complete = parser.parse(raw) else {
                Issue.record("\(version) \(type): not a complete message: \(FIXTestSupport.text(bytes))")
                return
            }
            let result = Dictionaries.forVersion(version).validate(parser.message)
            #expect(result == .valid, "\(version) \(type): \(result) in \(FIXTestSupport.text(bytes))")
            check(parser.message)
        }
    }

    static func text(_ m: FIXMessageView, _ tag: Int) -> String? { m.valueBytes(tag: tag).map { FIXTestSupport.text($0) } }

    static func sampleOrder() -> ExecutionEvent {
        var e = ExecutionEvent()
        e.orderId = OrderId(rawValue: 4_000_000_123)
        e.venueOrderId = 9_000_000_000_000_000_001   // above Int64.max: unsigned on the wire
        e.instrument = InstrumentId(rawValue: 1)
        e.side = .sell
        e.orderStatus = .partiallyFilled
        e.orderQuantity = Quantity(rawValue: 500 * FixedPointScale.scale)
        e.cumulativeQuantity = Quantity(rawValue: 200 * FixedPointScale.scale)
        e.leavesQuantity = Quantity(rawValue: 300 * FixedPointScale.scale)
        e.price = Price(rawValue: 101_25_000_000)
        e.averagePrice = Price(rawValue: 101_30_500_000)
        e.transactTime = sendingTime
        return e
    }

    @Test("AF carries MassStatusReqID, MassStatusReqType 7 and the account, valid in FIX 4.4 and FIXT/5.0 SP2",
          arguments: [FIXVersion.fix44, .fixt11])
    func massStatusRequest(version: FIXVersion) {
        Self.roundTrip(version, .orderMassStatusRequest, body: {
            $0.appendOrderMassStatusRequestBody(requestID: 1_795_000_000_000_000_123, account: FIXInlineText("ACC1"))
        }) { m in
            #expect(m.messageType == .orderMassStatusRequest)
            #expect(Self.text(m, 584) == "1795000000000000123")
            #expect(Self.text(m, 585) == "7")
            #expect(Self.text(m, 1) == "ACC1")
            #expect(!m.contains(55))
        }
        Self.roundTrip(version, .orderMassStatusRequest, body: {
            $0.appendOrderMassStatusRequestBody(requestID: 5, requestType: FIXEncoder.massStatusForSecurity,
                                                symbol: FIXInlineText("MSFT"))
        }) { m in
            #expect(Self.text(m, 585) == "1")
            #expect(Self.text(m, 55) == "MSFT")
        }
    }

    @Test("H names ClOrdID, OrderID, Symbol and Side; OrdStatusReqID only where the version has it",
          arguments: [FIXVersion.fix42, .fix44, .fixt11])
    func orderStatusRequest(version: FIXVersion) {
        Self.roundTrip(version, .orderStatusRequest, body: {
            $0.appendOrderStatusRequestBody(orderId: OrderId(rawValue: 42), venueOrderId: 77, side: .buy,
                                            symbol: FIXInlineText("AAPL")!, account: FIXInlineText("ACC1"), requestID: 991)
        }) { m in
            #expect(Self.text(m, 11) == "42")
            #expect(Self.text(m, 37) == "77")
            #expect(Self.text(m, 55) == "AAPL")
            #expect(Self.text(m, 54) == "1")
            #expect(Self.text(m, 790) == (version == .fix42 ? nil : "991"))
        }
    }

    @Test("A status report decodes back field by field with the request's bookkeeping",
          arguments: [FIXVersion.fix44, .fixt11])
    func statusReportRoundTrip(version: FIXVersion) {
        let order = Self.sampleOrder()
        Self.roundTrip(version, .executionReport, body: {
            $0.appendOrderStatusReportBody(order, symbol: FIXInlineText("MSFT"), massStatusRequestID: FIXInlineText("123456"),
                                           totalReports: 3, lastReport: false)
        }) { m in
            #expect(Self.text(m, 150) == "I")
            #expect(FIXOrderMessages.isStatusReport(m))
            guard case .success(let r) = FIXOrderMessages.decodeStatusReport(m, symbols: M.symbols, venue: M.venue,
                                                                            receiveTime: M.receiveTime) else {
                Issue.record("did not decode"); return
            }
            #expect(r.massStatusRequestID == 123_456)
            #expect(r.totalReports == 3)
            #expect(!r.isLastReport)
            #expect(r.namesAnOrder)
            let e = r.event
            #expect(e.executionType == .orderStatus)
            #expect(ExecutionFlags(rawValue: e.flags).contains(.statusResponse))
            #expect(e.orderId == order.orderId && e.venueOrderId == order.venueOrderId)
            #expect(e.orderStatus == .partiallyFilled && e.side == .sell && e.instrument == order.instrument)
            #expect(e.orderQuantity == order.orderQuantity && e.cumulativeQuantity == order.cumulativeQuantity)
            #expect(e.leavesQuantity == order.leavesQuantity && e.averagePrice == order.averagePrice && e.price == order.price)
            #expect(e.lastQuantity == .zero, "a status answer is not a fill")
            #expect(e.venue == M.venue && e.receiveTime == M.receiveTime)
        }
    }

    @Test("FIX 4.2 has no ExecType I: ExecTransType 3 with ExecType = OrdStatus, no 584/911/912, decoded as a status answer")
    func fix42StatusReport() {
        var order = Self.sampleOrder()
        order.orderStatus = .filled
        order.cumulativeQuantity = order.orderQuantity
        order.leavesQuantity = .zero
        Self.roundTrip(.fix42, .executionReport, body: {
            $0.appendOrderStatusReportBody(order, symbol: FIXInlineText("MSFT"), massStatusRequestID: FIXInlineText("1"),
                                           orderStatusRequestID: FIXInlineText("2"), totalReports: 1, lastReport: true)
        }) { m in
            #expect(Self.text(m, 20) == "3")
            #expect(Self.text(m, 150) == "2")
            #expect(!m.contains(584) && !m.contains(790) && !m.contains(911) && !m.contains(912))
            guard case .success(let r) = FIXOrderMessages.decodeStatusReport(m, symbols: M.symbols, venue: M.venue,
                                                                            receiveTime: M.receiveTime) else {
                Issue.record("did not decode"); return
            }
            #expect(r.event.executionType == .orderStatus, "not a fill although ExecType is 2")
            #expect(r.event.orderStatus == .filled && r.event.cumulativeQuantity == order.orderQuantity)
            #expect(r.totalReports == -1 && r.massStatusRequestID == 0)
        }
    }

    @Test("The no-orders answer names no order: TotNumReports 0, LastRptRequested Y")
    func noOrdersAnswer() {
        var none = ExecutionEvent()
        none.orderStatus = .rejected
        Self.roundTrip(.fix44, .executionReport, body: {
            $0.appendOrderStatusReportBody(none, symbol: FIXInlineText("[N/A]"), massStatusRequestID: FIXInlineText("X-1"),
                                           totalReports: 0, lastReport: true, text: FIXInlineText("no orders"))
        }) { m in
            #expect(Self.text(m, 37) == "NONE" && Self.text(m, 17) == "NONE" && !m.contains(11))
            guard case .success(let r) = FIXOrderMessages.decodeStatusReport(m, symbols: M.symbols, venue: M.venue,
                                                                            receiveTime: M.receiveTime) else {
                Issue.record("did not decode"); return
            }
            #expect(!r.namesAnOrder)
            #expect(r.totalReports == 0 && r.isLastReport)
            #expect(r.massStatusRequestID == M.fnv1a("X-1"), "a text id is hashed like other venue ids")
        }
    }

    @Test("A live report is not a status answer; damaged bookkeeping fields are errors, not traps")
    func liveReportsAndDamage() {
        let live = FIXTestSupport.message("FIX.4.4", "35=8|49=V|56=P|34=2|52=20261126-06:00:00|37=9|11=5|17=E1|150=F|39=2|55=AAPL|54=1|38=100|32=100|31=10|151=0|14=100|6=10|")
        let result = M.parsed(live) { m -> Bool in
            #expect(!FIXOrderMessages.isStatusReport(m))
            if case .failure(.badValue(tag: 150)) = FIXOrderMessages.decodeStatusReport(m, symbols: M.symbols, venue: M.venue,
                                                                                       receiveTime: M.receiveTime) { return true }
            return false
        }
        #expect(result == true)
        let base = "35=8|49=V|56=P|34=2|52=20261126-06:00:00|37=9|11=ABC|17=0|150=I|39=0|55=AAPL|54=1|38=100|151=100|14=0|6=0|584=7|"
        for (extra, tag) in [("911=x|", 911), ("911=-1|", 911), ("912=Q|", 912)] {
            let bytes = FIXTestSupport.message("FIX.4.4", base + extra)
            let error = M.parsed(bytes) { m -> FIXOrderMessageError? in
                if case .failure(let e) = FIXOrderMessages.decodeStatusReport(m, symbols: M.symbols, venue: M.venue,
                                                                              receiveTime: M.receiveTime) { return e }
                return nil
            }
            #expect(error == .badValue(tag: tag), "\(extra)")
        }
        // A ClOrdID that is not Peregrine's: the order is named by the venue's OrderID only.
        let foreign = FIXTestSupport.message("FIX.4.4", base + "911=1|912=Y|")
        let named = M.parsed(foreign) { m -> Bool? in
            guard case .success(let r) = FIXOrderMessages.decodeStatusReport(m, symbols: M.symbols, venue: M.venue,
                                                                            receiveTime: M.receiveTime) else { return nil }
            return r.event.orderId == .none && r.event.venueOrderId == 9 && r.namesAnOrder && r.isLastReport
        }
        #expect(named == true)
    }
}
