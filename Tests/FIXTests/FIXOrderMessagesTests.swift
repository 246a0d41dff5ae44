import Testing
import PeregrineCore
@testable import PeregrineFIX

/// The order-flow mapping: every encoder decodes back to its event or command, damaged
/// messages give a clear error (never a trap), and venue-style reports decode as the OMS
/// expects.
@Suite("FIXOrderMessages: order flow to and from OrderCommand and ExecutionEvent")
struct FIXOrderMessagesTests {
    typealias T = FIXTestSupport

    static let venue = VenueId(rawValue: 3)
    static let account = AccountId(rawValue: 7)
    static let receiveTime = Timestamp(nanosecondsSinceEpoch: 1_795_000_000_123_456_789)
    static let symbolNames = ["AAPL", "MSFT", "ESZ6", "BRK.B", "EUR/USD", "6EZ6 C1100", String(repeating: "X", count: 31)]
        + (0..<40).map { "SYM\($0)" }
    static let symbols: FIXSymbolTable = {
        var table = FIXSymbolTable(capacity: 64)
        for (i, name) in symbolNames.enumerated() {
            precondition(table.insert(name, id: InstrumentId(rawValue: UInt32(i))))
        }
        return table
    }()

    static func encoder(_ version: FIXVersion, precision: FIXTimePrecision = .nanoseconds) -> FIXEncoder {
        FIXEncoder(version: version, senderCompID: FIXInlineText("PEREGRINE")!, targetCompID: FIXInlineText("VENUE")!,
                   timePrecision: precision, capacity: 4096)
    }

    // MARK: - Decoding helpers

    enum Kind: CaseIterable {
        case newOrder, cancel, replace, execution, cancelReject

        var messageType: FIXMessageType {
            switch self {
            case .newOrder: return .newOrderSingle
            case .cancel: return .orderCancelRequest
            case .replace: return .orderCancelReplaceRequest
            case .execution: return .executionReport
            case .cancelReject: return .orderCancelReject
            }
        }

        /// Tags whose absence must be `.missingField` (the samples are stop-limit orders).
        var requiredTags: Set<Int> {
            switch self {
            case .newOrder: return [11, 55, 54, 38, 40, 44, 99]
            case .cancel: return [41, 11, 55, 54]
            case .replace: return [41, 11, 55, 54, 38, 40, 44, 99]
            case .execution: return [37, 17, 150, 39, 54, 151, 14]
            case .cancelReject: return [37, 11, 39, 434]
            }
        }
    }

    /// The decoder of `kind` applied to `m`: the error, or `nil` on success.
    static func error(_ kind: Kind, _ m: FIXMessageView) -> FIXOrderMessageError? {
        func failure<S>(_ r: Result<S, FIXOrderMessageError>) -> FIXOrderMessageError? {
            if case .failure(let e) = r { return e }
            return nil
        }
        switch kind {
        case .newOrder:
            return failure(FIXOrderMessages.decodeNewOrderSingle(m, symbols: symbols, account: account, venue: venue,
                                                                  receiveTime: receiveTime))
        case .cancel:
            return failure(FIXOrderMessages.decodeOrderCancelRequest(m, symbols: symbols, account: account, venue: venue,
                                                                      receiveTime: receiveTime))
        case .replace:
            return failure(FIXOrderMessages.decodeOrderCancelReplaceRequest(m, symbols: symbols, account: account,
                                                                             venue: venue, receiveTime: receiveTime))
        case .execution:
            return failure(FIXOrderMessages.decodeExecutionReport(m, symbols: symbols, venue: venue, receiveTime: receiveTime))
        case .cancelReject:
            return failure(FIXOrderMessages.decodeOrderCancelReject(m, venue: venue, receiveTime: receiveTime))
        }
    }

    static func parsed<R>(_ bytes: [UInt8], _ body: (FIXMessageView) -> R) -> R? {
        var parser = FIXParser()
        return bytes.withUnsafeBytes { buffer -> R? in
            guard case .complete = parser.parse(buffer) else { return nil }
            return body(parser.message)
        }
    }

    static func command(_ bytes: [UInt8], _ kind: OrderCommandKind) -> Result<OrderCommand, FIXOrderMessageError>? {
        parsed(bytes) { m in
            switch kind {
            case .new: return FIXOrderMessages.decodeNewOrderSingle(m, symbols: symbols, account: account, venue: venue,
                                                                    receiveTime: receiveTime)
            case .cancel: return FIXOrderMessages.decodeOrderCancelRequest(m, symbols: symbols, account: account,
                                                                           venue: venue, receiveTime: receiveTime)
            default: return FIXOrderMessages.decodeOrderCancelReplaceRequest(m, symbols: symbols, account: account,
                                                                             venue: venue, receiveTime: receiveTime)
            }
        }
    }

    static func execution(_ bytes: [UInt8]) -> Result<ExecutionEvent, FIXOrderMessageError>? {
        parsed(bytes) { FIXOrderMessages.decodeExecutionReport($0, symbols: symbols, venue: venue, receiveTime: receiveTime) }
    }

    static func cancelReject(_ bytes: [UInt8]) -> Result<ExecutionEvent, FIXOrderMessageError>? {
        parsed(bytes) { FIXOrderMessages.decodeOrderCancelReject($0, venue: venue, receiveTime: receiveTime) }
    }

    /// 64-bit FNV-1a, written out independently of the codec.
    static func fnv1a(_ text: String) -> UInt64 {
        text.utf8.reduce(14_695_981_039_346_656_037) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
    }

    // MARK: - Random values

    static func id(_ rng: inout SplitMix64, allowZero: Bool = false) -> UInt64 {
        switch rng.next() % 5 {
        case 0: return allowZero ? 0 : 1
        case 1: return 1 + rng.next() % 1_000
        case 2: return UInt64.max - rng.next() % 3     // above Int64.max: must stay unsigned on the wire
        default: return Swift.max(1, rng.next() >> (rng.next() % 40))
        }
    }

    static func price(_ rng: inout SplitMix64) -> Price {
        Price(rawValue: Int64(bitPattern: rng.next()) >> Int64(20 + rng.next() % 40))
    }

    static func quantity(_ rng: inout SplitMix64, positive: Bool) -> Quantity {
        let raw = Int64(rng.next() >> (14 + rng.next() % 50))
        return Quantity(rawValue: positive ? Swift.max(1, raw) : raw)
    }

    static func time(_ rng: inout SplitMix64) -> Timestamp {
        Timestamp(nanosecondsSinceEpoch: 1_600_000_000_000_000_000 + Int64(rng.next() % 400_000_000_000_000_000))
    }

    static func randomCommand(_ rng: inout SplitMix64) -> OrderCommand {
        var c = OrderCommand()
        c.orderId = OrderId(rawValue: id(&rng))
        c.originalOrderId = OrderId(rawValue: id(&rng))
        c.instrument = InstrumentId(rawValue: UInt32(rng.next() % UInt64(symbolNames.count)))
        c.side = Side.allCases.randomElement(using: &rng)!
        c.type = OrderType.allCases.randomElement(using: &rng)!
        c.timeInForce = TimeInForce.allCases.randomElement(using: &rng)!
        c.price = c.type.hasLimitPrice ? price(&rng) : .zero
        c.stopPrice = c.type.hasStopPrice ? price(&rng) : .zero
        c.quantity = quantity(&rng, positive: true)
        c.account = account
        c.venue = venue
        c.createdTime = receiveTime
        return c
    }

    static func randomEvent(_ rng: inout SplitMix64) -> ExecutionEvent {
        var e = ExecutionEvent()
        e.transactTime = time(&rng)
        e.orderId = OrderId(rawValue: id(&rng, allowZero: true))
        e.originalOrderId = rng.next() % 3 == 0 ? .none : OrderId(rawValue: id(&rng))
        e.venueOrderId = id(&rng, allowZero: true)
        e.executionId = id(&rng, allowZero: true)
        e.lastPrice = price(&rng)
        e.lastQuantity = quantity(&rng, positive: false)
        e.leavesQuantity = quantity(&rng, positive: false)
        e.cumulativeQuantity = quantity(&rng, positive: false)
        e.averagePrice = price(&rng)
        e.price = rng.next() % 4 == 0 ? .zero : price(&rng)
        e.orderQuantity = quantity(&rng, positive: false)
        e.instrument = InstrumentId(rawValue: UInt32(rng.next() % UInt64(symbolNames.count)))
        e.executionType = ExecutionType.allCases.randomElement(using: &rng)!
        e.orderStatus = OrderStatus.allCases.randomElement(using: &rng)!
        e.side = Side.allCases.randomElement(using: &rng)!
        e.rejectReason = e.executionType == .rejected ? UInt16(truncatingIfNeeded: rng.next()) : 0
        e.flags = rng.next() % 2 == 0 ? ExecutionFlags.liquidityAdded.rawValue : 0
        e.receiveTime = receiveTime
        e.venue = venue
        return e
    }

    // MARK: - Round trips

    @Test("NewOrderSingle, cancel and replace decode to the command encoded, and body writer = wrapper bytes",
          arguments: FIXVersion.allCases)
    func orderRoundTrips(version: FIXVersion) {
        var rng = SplitMix64(state: 0x0DE5_0001 &+ UInt64(FIXVersion.allCases.firstIndex(of: version)!))
        var wrapper = Self.encoder(version)
        var bodies = Self.encoder(version)
        let account = FIXInlineText("ACC-7")!
        var decoded = 0
        for i in 0..<3_000 {
            let original = Self.randomCommand(&rng)
            let symbol = Self.symbols.symbol(of: original.instrument)!
            let accountText: FIXInlineText? = i % 3 == 0 ? account : nil
            let sendingTime = Self.time(&rng)
            var expected = original
            let bytes: [UInt8]
            let body: [UInt8]
            switch i % 3 {
            case 0:
                expected.kind = .new
                expected.originalOrderId = .none
                bytes = Array(wrapper.encodeNewOrderSingle(original, symbol: symbol, account: accountText,
                                                           sequenceNumber: i + 1, sendingTime: sendingTime))
                bodies.begin(.newOrderSingle, sequenceNumber: i + 1, sendingTime: sendingTime)
                bodies.appendNewOrderSingleBody(original, symbol: symbol, account: accountText, transactTime: sendingTime)
                body = Array(bodies.finish())
            case 1:
                expected = OrderCommand()
                expected.kind = .cancel
                expected.orderId = original.orderId
                expected.originalOrderId = original.originalOrderId
                expected.instrument = original.instrument
                expected.side = original.side
                expected.quantity = original.quantity
                expected.account = Self.account
                expected.venue = Self.venue
                expected.createdTime = Self.receiveTime
                bytes = Array(wrapper.encodeOrderCancelRequest(original, symbol: symbol, account: accountText,
                                                               sequenceNumber: i + 1, sendingTime: sendingTime))
                bodies.begin(.orderCancelRequest, sequenceNumber: i + 1, sendingTime: sendingTime)
                bodies.appendOrderCancelRequestBody(original, symbol: symbol, account: accountText, transactTime: sendingTime)
                body = Array(bodies.finish())
            default:
                expected.kind = .replace
                bytes = Array(wrapper.encodeOrderCancelReplaceRequest(original, symbol: symbol, account: accountText,
                                                                      sequenceNumber: i + 1, sendingTime: sendingTime))
                bodies.begin(.orderCancelReplaceRequest, sequenceNumber: i + 1, sendingTime: sendingTime)
                bodies.appendOrderCancelReplaceRequestBody(original, symbol: symbol, account: accountText,
                                                           transactTime: sendingTime)
                body = Array(bodies.finish())
            }
            #expect(body == bytes)
            let result = Self.command(bytes, expected.kind)
            #expect(result == .success(expected), "\(T.text(bytes))")
            if result == .success(expected) { decoded += 1 }
        }
        #expect(decoded == 3_000)
    }

    @Test("ExecutionReport decodes to the event encoded (ids above Int64.max, FIX 4.2 trades, flags)",
          arguments: FIXVersion.allCases)
    func executionReportRoundTrips(version: FIXVersion) {
        var rng = SplitMix64(state: 0x0DE5_0002 &+ UInt64(FIXVersion.allCases.firstIndex(of: version)!))
        var wrapper = Self.encoder(version)
        var bodies = Self.encoder(version)
        let unknown = FIXInlineText("NOT-IN-TABLE")!
        let text = FIXInlineText("venue says no")!
        var decoded = 0
        for i in 0..<3_000 {
            let original = Self.randomEvent(&rng)
            let symbol = i % 10 == 0 ? unknown : Self.symbols.symbol(of: original.instrument)!
            let note: FIXInlineText? = original.executionType == .rejected ? text : nil
            let sendingTime = Self.time(&rng)
            let bytes = Array(wrapper.encodeExecutionReport(original, symbol: symbol, text: note, sequenceNumber: i + 1,
                                                            sendingTime: sendingTime))
            bodies.begin(.executionReport, sequenceNumber: i + 1, sendingTime: sendingTime)
            bodies.appendExecutionReportBody(original, symbol: symbol, text: note)
            #expect(Array(bodies.finish()) == bytes)

            var expected = original
            if i % 10 == 0 { expected.instrument = .none }          // unknown symbol: no error
            var flags = ExecutionFlags()
            if original.executionType == .orderStatus { flags.insert(.statusResponse) }
            if version != .fix42 && original.flags & ExecutionFlags.liquidityAdded.rawValue != 0 {
                flags.insert(.liquidityAdded)
            }
            expected.flags = flags.rawValue
            let result = Self.execution(bytes)
            #expect(result == .success(expected), "\(T.text(bytes))")
            if result == .success(expected) { decoded += 1 }
        }
        #expect(decoded == 3_000)
    }

    @Test("OrderCancelReject decodes to a cancel-rejected event as the OMS reads it", arguments: FIXVersion.allCases)
    func cancelRejectRoundTrips(version: FIXVersion) {
        var rng = SplitMix64(state: 0x0DE5_0003 &+ UInt64(FIXVersion.allCases.firstIndex(of: version)!))
        var wrapper = Self.encoder(version)
        var bodies = Self.encoder(version)
        for i in 0..<2_000 {
            var original = Self.randomEvent(&rng)
            if i % 4 == 0 { original.transactTime = .zero }
            if i % 4 == 1 { original.venueOrderId = 0 }
            let responseTo: UInt8 = rng.next() % 2 == 0 ? 0x31 : 0x32
            let reason = Int(rng.next() % 100)
            let sendingTime = Self.time(&rng)
            let bytes = Array(wrapper.encodeOrderCancelReject(original, responseTo: responseTo, reason: reason,
                                                              sequenceNumber: i + 1, sendingTime: sendingTime))
            bodies.begin(.orderCancelReject, sequenceNumber: i + 1, sendingTime: sendingTime)
            bodies.appendOrderCancelRejectBody(original, responseTo: responseTo, reason: reason)
            #expect(Array(bodies.finish()) == bytes)
            if i % 4 == 1 { #expect(T.text(bytes).contains("|37=NONE|")) }

            var expected = ExecutionEvent()
            expected.transactTime = original.transactTime
            expected.receiveTime = Self.receiveTime
            expected.orderId = original.orderId
            expected.originalOrderId = original.originalOrderId
            expected.venueOrderId = original.venueOrderId
            expected.orderStatus = original.orderStatus
            expected.rejectReason = UInt16(reason)
            expected.executionType = .rejected
            expected.flags = ExecutionFlags.cancelRejected.rawValue
            expected.venue = Self.venue
            #expect(Self.cancelReject(bytes) == .success(expected), "\(T.text(bytes))")
        }
    }

    @Test("millisecond encoders round-trip millisecond times; a session-style header works with the body writers")
    func sessionStyleHeader() {
        var encoder = Self.encoder(.fix44, precision: .milliseconds)
        var order = OrderCommand()
        order.orderId = OrderId(rawValue: 42)
        order.instrument = InstrumentId(rawValue: 2)
        order.type = .market
        order.quantity = Quantity(units: 5)!
        order.account = Self.account
        order.venue = Self.venue
        order.createdTime = Self.receiveTime
        // What FIXSession.send does: MsgType, its own header fields, then the body closure.
        encoder.beginRaw()
        encoder.append(messageType: .newOrderSingle)
        encoder.append(FIXTag.msgSeqNum, int: 9)
        encoder.append(FIXTag.senderCompID, ascii: "PEREGRINE")
        encoder.append(FIXTag.sendingTime, timestamp: Self.receiveTime)
        encoder.append(FIXTag.targetCompID, ascii: "VENUE")
        encoder.appendNewOrderSingleBody(order, symbol: Self.symbols.symbol(of: order.instrument)!, account: nil,
                                         transactTime: Timestamp(nanosecondsSinceEpoch: 1_795_000_000_123_000_000))
        let bytes = Array(encoder.finish())
        #expect(Self.command(bytes, .new) == .success(order))
        #expect(T.text(bytes).contains("|60=20261118-11:06:40.123|"))
    }

    @Test("encoded OrderCancelReject and ExecutionReport with Text and LastLiquidityInd validate against the dictionary",
          arguments: FIXVersion.allCases)
    func encodedMessagesValidate(version: FIXVersion) {
        let dictionary = Dictionaries.forVersion(version)
        var encoder = Self.encoder(version, precision: .microseconds)
        var event = ExecutionEvent()
        event.transactTime = T.sendingTime
        event.orderId = OrderId(rawValue: UInt64.max)
        event.originalOrderId = OrderId(rawValue: 900001)
        event.venueOrderId = 0
        event.orderStatus = .new
        var spans: [[UInt8]] = []
        spans.append(Array(encoder.encodeOrderCancelReject(event, responseTo: 0x32, reason: 1, sequenceNumber: 1,
                                                           sendingTime: T.sendingTime)))
        event.executionType = .trade
        event.orderStatus = .partiallyFilled
        event.lastQuantity = Quantity(units: 10)!
        event.lastPrice = Price("99.5")!
        event.flags = ExecutionFlags.liquidityAdded.rawValue
        spans.append(Array(encoder.encodeExecutionReport(event, symbol: FIXInlineText("AAPL")!, sequenceNumber: 2,
                                                         sendingTime: T.sendingTime)))
        event.executionType = .rejected
        event.orderStatus = .rejected
        event.rejectReason = 1
        spans.append(Array(encoder.encodeExecutionReport(event, symbol: FIXInlineText("AAPL")!,
                                                         text: FIXInlineText("unknown symbol")!, sequenceNumber: 3,
                                                         sendingTime: T.sendingTime)))
        for bytes in spans {
            let result = Self.parsed(bytes) { dictionary.validate($0) }
            #expect(result == .valid, "\(T.text(bytes))")
        }
        #expect(T.text(spans[0]).contains("|37=NONE|11=18446744073709551615|41=900001|39=0|"))
        #expect(T.text(spans[1]).contains("|851=1|") == (version != .fix42))
        #expect(T.text(spans[2]).contains("|58=unknown symbol|"))
    }

    // MARK: - Venue-style messages

    @Test("a venue's ExecutionReport with text ExecID and OrderID decodes as the OMS expects")
    func venueStyleExecutionReport() throws {
        let aapl = try #require(Self.symbols.lookup(bytes: "AAPL"))
        let result = try #require(Self.execution(T.message("FIX.4.4", T.executionReportBody)))
        var expected = ExecutionEvent()
        expected.transactTime = Timestamp(year: 2026, month: 11, day: 26, hour: 14, minute: 30, second: 5,
                                          nanosecond: 456_789_000)!
        expected.receiveTime = Self.receiveTime
        expected.orderId = OrderId(rawValue: 900001)
        expected.venueOrderId = Self.fnv1a("V-55501")
        expected.executionId = Self.fnv1a("E-9001")
        expected.lastPrice = Price("187.24")!
        expected.lastQuantity = Quantity(units: 40)!
        expected.leavesQuantity = Quantity(units: 60)!
        expected.cumulativeQuantity = Quantity(units: 40)!
        expected.averagePrice = Price("187.24")!
        expected.price = Price("187.25")!
        expected.orderQuantity = Quantity(units: 100)!
        expected.instrument = aapl
        expected.venue = Self.venue
        expected.executionType = .trade
        expected.orderStatus = .partiallyFilled
        expected.side = .buy
        #expect(result == .success(expected))

        // FIX 4.2 resend of a fill: ExecTransType 0, ExecType 2, LastShares, PossDupFlag.
        let fill42 = T.message("FIX.4.2", "35=8|34=77|43=Y|49=VENUE|52=20261126-14:30:06|56=PEREGRINE|122=20261126-14:30:05|"
            + "37=OID-20261126-000017|11=900001|17=73829:1|20=0|150=2|39=2|55=MSFT|54=2|38=100|44=187.25|32=60|31=187.26|"
            + "151=0|14=100|6=187.254|60=20261126-14:30:05|")
        let e = try #require(Self.execution(fill42)).get()
        #expect(e.executionType == .trade && e.orderStatus == .filled && e.side == .sell)
        #expect(e.venueOrderId == Self.fnv1a("OID-20261126-000017") && e.executionId == Self.fnv1a("73829:1"))
        #expect(e.flags == ExecutionFlags.possibleDuplicate.rawValue)
        #expect(e.lastQuantity == Quantity(units: 60) && e.lastPrice == Price("187.26"))
        #expect(e.averagePrice == Price("187.254") && e.instrument == InstrumentId(rawValue: 1))

        // FIX 4.2 bust: ExecTransType 1 names the busted fill in ExecRefID.
        let bust42 = T.message("FIX.4.2", "35=8|34=78|49=VENUE|52=20261126-14:31:00|56=PEREGRINE|37=OID-20261126-000017|"
            + "11=900001|17=73829:2|19=73829:1|20=1|150=2|39=1|55=MSFT|54=2|38=100|32=60|31=187.26|151=60|14=40|6=187.25|")
        let bust = try #require(Self.execution(bust42)).get()
        #expect(bust.executionType == .tradeCancel && bust.executionId == Self.fnv1a("73829:1"))

        // FIX 4.4 order status answer to a mass status request; FIX 4.2 OrdStatus 5 (Replaced).
        let status = T.message("FIX.4.4", "35=8|34=80|49=VENUE|52=20261126-14:32:00|56=PEREGRINE|584=MS-1|37=12345|"
            + "11=900003|17=S-1|150=I|39=1|55=ZZZZ|54=1|38=100|44=10|151=60|14=40|6=10|")
        let s = try #require(Self.execution(status)).get()
        #expect(s.executionType == .orderStatus && s.flags == ExecutionFlags.statusResponse.rawValue)
        #expect(s.venueOrderId == 12345 && s.instrument == .none)
        let replaced42 = T.message("FIX.4.2", "35=8|34=81|49=VENUE|52=20261126-14:32:00|56=PEREGRINE|37=12345|11=900004|"
            + "41=900003|17=R-1|20=0|150=5|39=5|55=AAPL|54=1|38=80|44=10.5|151=40|14=40|6=10|")
        let r = try #require(Self.execution(replaced42)).get()
        #expect(r.executionType == .replaced && r.orderStatus == .partiallyFilled)
        #expect(r.orderId == OrderId(rawValue: 900004) && r.originalOrderId == OrderId(rawValue: 900003))

        // A reject for an order the venue never booked: OrderID NONE, OrdRejReason, Text.
        let reject = T.message("FIX.4.4", "35=8|34=82|49=VENUE|52=20261126-14:32:00|56=PEREGRINE|37=NONE|11=900005|"
            + "17=REJ-77|150=8|39=8|103=1|55=AAPL|54=1|38=100|151=0|14=0|58=Unknown symbol|")
        let j = try #require(Self.execution(reject)).get()
        #expect(j.venueOrderId == 0 && j.rejectReason == 1 && j.executionType == .rejected && j.orderStatus == .rejected)

        // A replace refused with an OrderCancelReject (text OrderID, no TransactTime).
        let cxlRej = T.message("FIX.4.4", "35=9|34=83|49=VENUE|52=20261126-14:32:01|56=PEREGRINE|37=V-55501|11=900006|"
            + "41=900001|39=1|434=2|102=0|58=Too late to replace|")
        let c = try #require(Self.cancelReject(cxlRej)).get()
        #expect(c.executionType == .rejected && c.flags == ExecutionFlags.cancelRejected.rawValue)
        #expect(c.orderId == OrderId(rawValue: 900006) && c.originalOrderId == OrderId(rawValue: 900001))
        #expect(c.orderStatus == .partiallyFilled && c.venueOrderId == Self.fnv1a("V-55501") && c.transactTime == .zero)
    }

    @Test("venue-side rules: numeric ClOrdID, known symbol, positive quantity, prices by type, TimeInForce default")
    func venueSideRules() {
        let header = "35=D|34=5|49=PEREGRINE|52=20261126-14:30:05.123|56=VENUE|"
        let body = "11=900001|21=1|55=AAPL|54=1|60=20261126-14:30:05.123|38=100|40=2|44=187.25|"
        func decode(_ text: String) -> Result<OrderCommand, FIXOrderMessageError>? {
            Self.command(T.message("FIX.4.4", text), .new)
        }
        guard case .success(let order)? = decode(header + body) else { Issue.record("valid order failed"); return }
        #expect(order.timeInForce == .day && order.price == Price("187.25") && order.instrument == InstrumentId(rawValue: 0))
        #expect(order.createdTime == Self.receiveTime && order.account == Self.account && order.venue == Self.venue)
        let cases: [(String, FIXOrderMessageError)] = [
            (body.replacingFirst("11=900001", with: "11=ORD-1"), .badValue(tag: 11)),
            (body.replacingFirst("11=900001", with: "11=0"), .badValue(tag: 11)),
            (body.replacingFirst("11=900001", with: "11=18446744073709551616"), .badValue(tag: 11)),
            (body.replacingFirst("55=AAPL", with: "55=GOOG"), .unknownSymbol),
            (body.replacingFirst("38=100", with: "38=0"), .badValue(tag: 38)),
            (body.replacingFirst("38=100", with: "38=-5"), .badValue(tag: 38)),
            (body.replacingFirst("44=187.25|", with: ""), .missingField(tag: 44)),
            (body.replacingFirst("40=2", with: "40=4"), .missingField(tag: 99)),
            (body.replacingFirst("40=2", with: "40=P"), .badValue(tag: 40)),
            (body.replacingFirst("54=1", with: "54=3"), .badValue(tag: 54)),
            (body + "59=9|", .badValue(tag: 59)),
        ]
        for (text, error) in cases {
            #expect(decode(header + text) == .failure(error), "\(text)")
        }
        func value(_ text: String) -> OrderCommand? {
            guard case .success(let command)? = decode(header + text) else { return nil }
            return command
        }
        #expect(value(body.replacingFirst("11=900001", with: "11=18446744073709551615"))?.orderId == OrderId(rawValue: .max))
        #expect(value(body.replacingFirst("40=2|44=187.25", with: "40=1"))?.price == .zero)
    }

    @Test("errors map to the SessionRejectReason and RefTagID a receiver answers with")
    func errorMapping() {
        #expect(FIXOrderMessageError.missingField(tag: 54).sessionRejectReason == .requiredTagMissing)
        #expect(FIXOrderMessageError.missingField(tag: 54).tag == 54)
        #expect(FIXOrderMessageError.badValue(tag: 38).sessionRejectReason == .valueIsIncorrect)
        #expect(FIXOrderMessageError.badValue(tag: 60).sessionRejectReason == .incorrectDataFormat)
        #expect(FIXOrderMessageError.unknownSymbol.sessionRejectReason == nil)
        #expect(FIXOrderMessageError.unknownSymbol.tag == 55)
        // Results and errors hold no references, so returning them cannot allocate.
        #expect(_isPOD(Result<OrderCommand, FIXOrderMessageError>.self))
        #expect(_isPOD(Result<ExecutionEvent, FIXOrderMessageError>.self))
        #expect(_isPOD(FIXOrderFieldReader.self))
    }

    // MARK: - Damaged messages

    /// One encoded sample of `kind` (stop-limit orders; an ExecutionReport resent with
    /// PossDupFlag so the header flag is exercised), as (tag, value) fields.
    static func sample(_ kind: Kind, _ version: FIXVersion) -> [(tag: Int, value: String)] {
        var encoder = Self.encoder(version, precision: .milliseconds)
        var order = OrderCommand()
        order.orderId = OrderId(rawValue: 900002)
        order.originalOrderId = OrderId(rawValue: 900001)
        order.instrument = InstrumentId(rawValue: 2)
        order.side = .sellShort
        order.type = .stopLimit
        order.timeInForce = .goodTillCancel
        order.price = Price("187.25")!
        order.stopPrice = Price("187.5")!
        order.quantity = Quantity(units: 100)!
        let symbol = FIXInlineText("ESZ6")!
        var event = ExecutionEvent()
        event.transactTime = T.sendingTime
        event.orderId = order.orderId
        event.originalOrderId = order.originalOrderId
        event.venueOrderId = 777
        event.executionId = 888
        event.executionType = .trade
        event.orderStatus = .partiallyFilled
        event.lastQuantity = Quantity(units: 40)!
        event.lastPrice = Price("187.24")!
        event.leavesQuantity = Quantity(units: 60)!
        event.cumulativeQuantity = Quantity(units: 40)!
        event.averagePrice = Price("187.24")!
        event.price = order.price
        event.orderQuantity = order.quantity
        let bytes: [UInt8]
        switch kind {
        case .newOrder: bytes = Array(encoder.encodeNewOrderSingle(order, symbol: symbol, sequenceNumber: 1, sendingTime: T.sendingTime))
        case .cancel: bytes = Array(encoder.encodeOrderCancelRequest(order, symbol: symbol, sequenceNumber: 1, sendingTime: T.sendingTime))
        case .replace:
            bytes = Array(encoder.encodeOrderCancelReplaceRequest(order, symbol: symbol, sequenceNumber: 1, sendingTime: T.sendingTime))
        case .execution:
            encoder.begin(.executionReport, sequenceNumber: 1, sendingTime: T.sendingTime, possibleDuplicate: true,
                          originalSendingTime: T.sendingTime)
            encoder.appendExecutionReportBody(event, symbol: symbol)
            bytes = Array(encoder.finish())
        case .cancelReject:
            bytes = Array(encoder.encodeOrderCancelReject(event, responseTo: 0x31, reason: 1, sequenceNumber: 1,
                                                          sendingTime: T.sendingTime))
        }
        return parsed(bytes) { m in
            (2..<(m.fieldCount - 1)).map { i in
                (Int(m.field(at: i).tag), String(decoding: m.value(at: i), as: UTF8.self))
            }
        }!
    }

    static func frame(_ fields: [(tag: Int, value: String)], _ version: FIXVersion) -> [UInt8] {
        T.message(version.rawValue, fields.map { "\($0.tag)=\($0.value)|" }.joined())
    }

    /// Header tags the decoders never read (PossDupFlag 43 is read, so it is fair game).
    static let untouched: Set<Int> = [35, 34, 49, 52, 56, 122]

    @Test("each field removed: required ones give missingField(tag), the rest still decode",
          arguments: FIXVersion.allCases)
    func removedFields(version: FIXVersion) {
        for kind in Kind.allCases {
            let fields = Self.sample(kind, version)
            #expect(Self.parsed(Self.frame(fields, version)) { Self.error(kind, $0) } == .some(nil), "\(kind)")
            for (i, field) in fields.enumerated() where !Self.untouched.contains(field.tag) {
                var reduced = fields
                reduced.remove(at: i)
                let outcome = Self.parsed(Self.frame(reduced, version)) { Self.error(kind, $0) }
                let expected: FIXOrderMessageError? = kind.requiredTags.contains(field.tag) ? .missingField(tag: field.tag) : nil
                #expect(outcome == .some(expected), "\(kind) without \(field.tag)")
            }
            // Truncated bodies: every prefix fails only with a missing required tag it lacks.
            let header = fields.filter { Self.untouched.contains($0.tag) }
            let body = fields.filter { !Self.untouched.contains($0.tag) }
            for keep in 0..<body.count {
                let prefix = header + body[0..<keep]
                let outcome = Self.parsed(Self.frame(prefix, version)) { Self.error(kind, $0) }
                if case .some(.some(let error)) = outcome {
                    guard case .missingField(let tag) = error else { Issue.record("\(kind) prefix \(keep): \(error)"); continue }
                    #expect(kind.requiredTags.contains(tag) && !prefix.contains { $0.tag == tag })
                }
            }
        }
    }

    @Test("each field given a bad value: the error names that field (or the price its new OrdType needs)",
          arguments: FIXVersion.allCases)
    func badValues(version: FIXVersion) {
        let garbage = ["", "X", "-1", "0", "1.5.5", "99999999999999999999999", "NONE", "Y", "2", "abc def",
                       String(repeating: "9", count: 40), "1e5", "+1", "3", "H", "\u{7F}"]
        var errors = 0
        for kind in Kind.allCases {
            let fields = Self.sample(kind, version)
            for (i, field) in fields.enumerated() where !Self.untouched.contains(field.tag) {
                for value in garbage {
                    var damaged = fields
                    damaged[i].value = value
                    guard let outcome = Self.parsed(Self.frame(damaged, version), { Self.error(kind, $0) }) else {
                        Issue.record("\(kind) \(field.tag)=\(value) did not parse")
                        continue
                    }
                    guard let error = outcome else { continue }
                    errors += 1
                    let priceForType = field.tag == FIXTag.ordType && (error == .missingField(tag: 44) || error == .missingField(tag: 99))
                    #expect(error.tag == field.tag || priceForType, "\(kind) \(field.tag)=\(value): \(error)")
                    if case .missingField = error { #expect(priceForType) }
                }
            }
        }
        #expect(errors > 200)
    }

    @Test("30k random byte mutations, re-framed: every decoder returns a value or a clear error, never traps")
    func randomMutations() {
        var rng = SplitMix64(state: 0x0DE5_F022)
        var samples: [(Kind, [UInt8])] = []
        for version in FIXVersion.allCases {
            for kind in Kind.allCases { samples.append((kind, Self.frame(Self.sample(kind, version), version))) }
        }
        var parser = FIXParser(maxFields: 64)
        var counts = (complete: 0, decoded: 0, failed: 0)
        for iteration in 0..<30_000 {
            let (_, original) = samples[iteration % samples.count]
            let bytes = FIXFuzzTests.reframed(original, &rng)
            bytes.withUnsafeBytes { buffer in
                guard case .complete = parser.parse(buffer) else { return }
                counts.complete += 1
                let m = parser.message
                for kind in Kind.allCases {
                    let error = Self.error(kind, m)
                    if m.messageType != kind.messageType {
                        #expect(error == .badValue(tag: FIXTag.msgType))
                    } else if let error {
                        counts.failed += 1
                        #expect(error.tag > 0)
                        #expect(error == .unknownSymbol || error.sessionRejectReason != nil)
                    } else {
                        counts.decoded += 1
                    }
                }
            }
        }
        #expect(counts.complete > 5_000 && counts.decoded > 1_000 && counts.failed > 1_000, "\(counts)")
    }

    // MARK: - Symbol table

    @Test("symbol table: lookup by bytes, reverse by id, and every refusal")
    func symbolTable() {
        var table = FIXSymbolTable(capacity: 3)
        func add(_ symbol: String, _ id: InstrumentId) -> Bool { table.insert(symbol, id: id) }
        #expect(add("AAPL", InstrumentId(rawValue: 0)))
        #expect(add("ESZ6", InstrumentId(rawValue: 5)))
        #expect(!add("AAPL", InstrumentId(rawValue: 1)))                    // duplicate symbol
        #expect(!add("MSFT", InstrumentId(rawValue: 5)))                    // duplicate id
        #expect(!add(String(repeating: "Y", count: 32), InstrumentId(rawValue: 2)))   // too long
        #expect(!add("", InstrumentId(rawValue: 2)))
        #expect(!add("MSFT", .none))
        #expect(add(String(repeating: "Y", count: 31), InstrumentId(rawValue: 2)))
        #expect(!add("MSFT", InstrumentId(rawValue: 3)))                    // full
        #expect(table.count == 3)
        #expect(table.lookup(bytes: "AAPL") == InstrumentId(rawValue: 0))
        #expect(table.lookup(bytes: "ESZ6") == InstrumentId(rawValue: 5))
        #expect(table.lookup(bytes: String(repeating: "Y", count: 31)) == InstrumentId(rawValue: 2))
        #expect(table.lookup(bytes: "aapl") == nil)
        #expect(table.lookup(bytes: "AAPL ") == nil)
        #expect(table.lookup(bytes: "") == nil)
        #expect(table.lookup(bytes: String(repeating: "Y", count: 40)) == nil)
        #expect(table.symbol(of: InstrumentId(rawValue: 5))?.string == "ESZ6")
        #expect(table.symbol(of: InstrumentId(rawValue: 1)) == nil)
        #expect(table.symbol(of: InstrumentId(rawValue: 99)) == nil)
        #expect(table.symbol(of: .none) == nil)

        // Many similar symbols (collisions in the probe sequence) all resolve both ways.
        var big = FIXSymbolTable(capacity: 5_000)
        var inserted = 0
        for i in 0..<5_000 where big.insert("S\(i)", id: InstrumentId(rawValue: UInt32(i))) { inserted += 1 }
        #expect(inserted == 5_000 && big.count == 5_000)
        for i in 0..<5_000 {
            #expect(big.lookup(bytes: "S\(i)") == InstrumentId(rawValue: UInt32(i)))
            #expect(big.symbol(of: InstrumentId(rawValue: UInt32(i)))?.string == "S\(i)")
            #expect(big.lookup(bytes: "T\(i)") == nil)
        }
    }
}

extension FIXSymbolTable {
    /// `lookup` over a `String` (tests only).
    func lookup(bytes text: String) -> InstrumentId? {
        var copy = text
        return copy.withUTF8 { lookup(UnsafeRawBufferPointer($0)) }
    }
}
