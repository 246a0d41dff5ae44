import Testing
import PeregrineCore
@testable import PeregrineFIX

@Suite("FIX encoder: exact bytes and round trips through the parser")
struct FIXEncoderTests {
    typealias T = FIXTestSupport

    static func encoder(_ version: FIXVersion, precision: FIXTimePrecision = .milliseconds) -> FIXEncoder {
        FIXEncoder(version: version, senderCompID: FIXInlineText("PEREGRINE")!, targetCompID: FIXInlineText("VENUE")!,
                   timePrecision: precision, capacity: 4096)
    }

    static let order = OrderCommand(kind: .new, orderId: OrderId(rawValue: 900001), instrument: InstrumentId(rawValue: 3),
                                    side: .buy, type: .limit, timeInForce: .day, price: Price("187.25")!,
                                    quantity: Quantity(units: 100)!, account: AccountId(rawValue: 7),
                                    strategy: StrategyId(rawValue: 1), createdTime: T.sendingTime)

    @Test("NewOrderSingle bytes equal a hand-written message with computed checksum")
    func newOrderSingleBytes() {
        var encoder = Self.encoder(.fix44)
        let bytes = Array(encoder.encodeNewOrderSingle(Self.order, symbol: FIXInlineText("AAPL")!,
                                                       account: FIXInlineText("ACC-7")!, sequenceNumber: 1042,
                                                       sendingTime: T.sendingTime))
        let expected = T.message("FIX.4.4", T.newOrderSingleBody)
        #expect(T.text(bytes) == T.text(expected))
    }

    @Test("NewOrderSingle, cancel, replace and ExecutionReport round-trip in FIX.4.2, FIX.4.4 and FIXT.1.1",
          arguments: FIXVersion.allCases)
    func orderFlowRoundTrips(version: FIXVersion) {
        var encoder = Self.encoder(version, precision: .microseconds)
        var parser = FIXParser()
        var stop = Self.order
        stop.type = .stopLimit
        stop.stopPrice = Price("186.5")!
        stop.side = .sellShort
        stop.timeInForce = .immediateOrCancel
        let symbol = FIXInlineText("ESZ6")!
        for order in [Self.order, stop] {
            let span = encoder.encodeNewOrderSingle(order, symbol: symbol, sequenceNumber: 7, sendingTime: T.sendingTime)
            #expect(parser.parse(span) == .complete(length: span.count))
            let m = parser.message
            #expect(m.version == version)
            #expect(m.messageType == .newOrderSingle)
            #expect(m.int(FIXTag.clOrdID).value == 900001)
            #expect(m.char(FIXTag.side).value == order.side.rawValue)
            #expect(m.char(FIXTag.ordType).value == order.type.rawValue)
            #expect(m.char(FIXTag.timeInForce).value == order.timeInForce.rawValue)
            #expect(m.price(FIXTag.price).value == order.price)
            #expect(m.quantity(FIXTag.orderQty).value == order.quantity)
            #expect(m.has(FIXTag.symbol, equalTo: "ESZ6"))
            #expect(m.has(FIXTag.senderCompID, equalTo: "PEREGRINE"))
            #expect(m.has(FIXTag.targetCompID, equalTo: "VENUE"))
            #expect(m.sequenceNumber == 7)
            #expect(m.timestamp(FIXTag.sendingTime).value?.nanosecondsSinceEpoch == T.sendingTime.nanosecondsSinceEpoch - 789)
            #expect(m.contains(FIXTag.handlInst) == (version != .fixt11))
            #expect(m.price(FIXTag.stopPx).value == (order.type.hasStopPrice ? order.stopPrice : nil))
        }
        var cancel = Self.order
        cancel.kind = .cancel
        cancel.originalOrderId = OrderId(rawValue: 900001)
        cancel.orderId = OrderId(rawValue: 900002)
        var span = encoder.encodeOrderCancelRequest(cancel, symbol: symbol, sequenceNumber: 8, sendingTime: T.sendingTime)
        #expect(parser.parse(span) == .complete(length: span.count))
        #expect(parser.message.messageType == .orderCancelRequest)
        #expect(parser.message.int(FIXTag.origClOrdID).value == 900001)
        #expect(parser.message.int(FIXTag.clOrdID).value == 900002)
        span = encoder.encodeOrderCancelReplaceRequest(cancel, symbol: symbol, sequenceNumber: 9, sendingTime: T.sendingTime)
        #expect(parser.parse(span) == .complete(length: span.count))
        #expect(parser.message.messageType == .orderCancelReplaceRequest)
        #expect(parser.message.price(FIXTag.price).value == Price("187.25"))

        var event = ExecutionEvent()
        event.transactTime = T.sendingTime
        event.orderId = OrderId(rawValue: 900001)
        event.venueOrderId = 55501
        event.executionId = 9001
        event.executionType = .trade
        event.orderStatus = .partiallyFilled
        event.side = .sell
        event.orderQuantity = Quantity(units: 100)!
        event.price = Price("187.25")!
        event.lastQuantity = Quantity(units: 40)!
        event.lastPrice = Price("187.24")!
        event.leavesQuantity = Quantity(units: 60)!
        event.cumulativeQuantity = Quantity(units: 40)!
        event.averagePrice = Price("187.24")!
        span = encoder.encodeExecutionReport(event, symbol: symbol, sequenceNumber: 10, sendingTime: T.sendingTime)
        #expect(parser.parse(span) == .complete(length: span.count))
        let er = parser.message
        #expect(er.messageType == .executionReport)
        #expect(er.int(FIXTag.orderID).value == 55501)
        #expect(er.int(FIXTag.execID).value == 9001)
        #expect(er.char(FIXTag.execType).value == (version == .fix42 ? UInt8(ascii: "1") : ExecutionType.trade.rawValue))
        #expect(er.char(FIXTag.ordStatus).value == OrderStatus.partiallyFilled.rawValue)
        #expect(er.quantity(FIXTag.lastQty).value == Quantity(units: 40))
        #expect(er.price(FIXTag.lastPx).value == Price("187.24"))
        #expect(er.quantity(FIXTag.leavesQty).value == Quantity(units: 60))
        #expect(er.quantity(FIXTag.cumQty).value == Quantity(units: 40))
        #expect(er.price(FIXTag.avgPx).value == Price("187.24"))
        #expect(er.timestamp(FIXTag.transactTime).value?.nanosecondsSinceEpoch == T.sendingTime.nanosecondsSinceEpoch - 789)
        #expect(er.contains(FIXTag.execTransType) == (version == .fix42))
    }

    @Test("admin messages round-trip in every version", arguments: FIXVersion.allCases)
    func adminRoundTrips(version: FIXVersion) {
        var encoder = Self.encoder(version, precision: .nanoseconds)
        var parser = FIXParser()
        let id = Array("TEST-1".utf8)
        let text = Array("bye now".utf8)
        id.withUnsafeBytes { id in
            text.withUnsafeBytes { text in
                var span = encoder.encodeLogon(heartbeatIntervalSeconds: 30, resetSequenceNumbers: true, sequenceNumber: 1, sendingTime: T.sendingTime)
                #expect(parser.parse(span) == .complete(length: span.count))
                #expect(parser.message.messageType == .logon)
                #expect(parser.message.int(FIXTag.heartBtInt).value == 30)
                #expect(parser.message.int(FIXTag.encryptMethod).value == 0)
                #expect(parser.message.bool(FIXTag.resetSeqNumFlag).value == true)
                #expect(parser.message.has(FIXTag.defaultApplVerID, equalTo: "9") == (version == .fixt11))
                #expect(parser.message.timestamp(FIXTag.sendingTime).value == T.sendingTime)

                span = encoder.encodeHeartbeat(testRequestID: id, sequenceNumber: 2, sendingTime: T.sendingTime)
                #expect(parser.parse(span) == .complete(length: span.count))
                #expect(parser.message.messageType == .heartbeat)
                #expect(parser.message.has(FIXTag.testReqID, equalTo: "TEST-1"))

                span = encoder.encodeTestRequest(testRequestID: id, sequenceNumber: 3, sendingTime: T.sendingTime)
                #expect(parser.parse(span) == .complete(length: span.count))
                #expect(parser.message.messageType == .testRequest)

                span = encoder.encodeResendRequest(beginSequenceNumber: 5, endSequenceNumber: 0, sequenceNumber: 4, sendingTime: T.sendingTime)
                #expect(parser.parse(span) == .complete(length: span.count))
                #expect(parser.message.int(FIXTag.beginSeqNo).value == 5)
                #expect(parser.message.int(FIXTag.endSeqNo).value == 0)

                span = encoder.encodeReject(referenceSequenceNumber: 17, referenceTag: 44, referenceMessageType: .newOrderSingle,
                                            reason: .incorrectDataFormat, text: text, sequenceNumber: 5, sendingTime: T.sendingTime)
                #expect(parser.parse(span) == .complete(length: span.count))
                #expect(parser.message.messageType == .reject)
                #expect(parser.message.int(FIXTag.refSeqNum).value == 17)
                #expect(parser.message.int(FIXTag.refTagID).value == 44)
                #expect(parser.message.has(FIXTag.refMsgType, equalTo: "D"))
                #expect(parser.message.int(FIXTag.sessionRejectReason).value == 6)
                #expect(parser.message.has(FIXTag.text, equalTo: "bye now"))

                span = encoder.encodeSequenceReset(newSequenceNumber: 12, gapFill: true, sequenceNumber: 6, sendingTime: T.sendingTime)
                #expect(parser.parse(span) == .complete(length: span.count))
                #expect(parser.message.bool(FIXTag.gapFillFlag).value == true)
                #expect(parser.message.bool(FIXTag.possDupFlag).value == true)
                #expect(parser.message.contains(FIXTag.origSendingTime))
                #expect(parser.message.int(FIXTag.newSeqNo).value == 12)

                span = encoder.encodeLogout(text: text, sequenceNumber: 7, sendingTime: T.sendingTime)
                #expect(parser.parse(span) == .complete(length: span.count))
                #expect(parser.message.messageType == .logout)
                #expect(parser.message.has(FIXTag.text, equalTo: "bye now"))
            }
        }
    }

    @Test("timestamps are written at seconds, milli, micro and nano precision")
    func timestampPrecision() {
        var encoder = Self.encoder(.fix44)
        encoder.beginRaw()
        encoder.append(messageType: .heartbeat)
        for precision in FIXTimePrecision.allCases {
            encoder.append(60, timestamp: T.sendingTime, precision: precision)
        }
        encoder.append(75, date: T.sendingTime)
        encoder.append(5001, int: Int64.min)
        encoder.append(5002, int: 0)
        encoder.append(5003, price: Price(rawValue: -1))
        encoder.append(5004, quantity: Quantity.max)
        let text = T.text(encoder.finish())
        #expect(text.contains("|60=20261126-14:30:05|60=20261126-14:30:05.123|60=20261126-14:30:05.123456|60=20261126-14:30:05.123456789|75=20261126|"))
        #expect(text.contains("|5001=-9223372036854775808|5002=0|5003=-0.00000001|5004=92233720368.54775807|"))
    }

    @Test("BodyLength grows from one to several digits without leading zeros")
    func bodyLengthWidths() {
        var encoder = Self.encoder(.fix42, precision: .seconds)
        var parser = FIXParser()
        let filler = [UInt8](repeating: UInt8(ascii: "x"), count: 3000)
        for n in [0, 1, 5, 50, 500, 3000] {
            encoder.beginRaw()
            encoder.append(messageType: .email)
            filler.withUnsafeBytes { encoder.append(58, bytes: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            let span = encoder.finish()
            #expect(parser.parse(span) == .complete(length: span.count), "n = \(n)")
            #expect(T.text(span).hasPrefix("8=FIX.4.2|9=\(n + 9)|35=C|58="))
        }
    }
}

@Suite("FIX byte formatting against the primitives")
struct FIXBytesTests {
    @Test("fixed-point text equals Price.format for edge and random values")
    func fixedPoint() {
        var rng = SplitMix64(state: 7)
        var values: [Int64] = [0, 1, -1, 10, 100_000_000, -100_000_000, 12_345_678_901, Int64.max, Int64.min, 50_000_000, -50_000_000]
        for _ in 0..<20_000 { values.append(Int64(bitPattern: rng.next()) >> Int64(rng.next() % 60)) }
        var a = [UInt8](repeating: 0, count: 32), b = [UInt8](repeating: 0, count: 32)
        for raw in values {
            let n = a.withUnsafeMutableBytes { FIXBytes.writeFixedPoint(raw, into: $0, at: 0) }
            let m = b.withUnsafeMutableBytes { Price(rawValue: raw).format(into: $0) }
            #expect(Array(a[0..<n]) == Array(b[0..<m]), "\(raw)")
        }
    }

    @Test("integers and tags are written exactly")
    func integers() {
        var a = [UInt8](repeating: 0, count: 32)
        for v: Int64 in [0, 9, 10, 99, 100, 999, 1000, 5001, 123_456_789, Int64.max, Int64.min, -7] {
            let n = a.withUnsafeMutableBytes { FIXBytes.writeInt(v, into: $0, at: 0) }
            #expect(String(decoding: a[0..<n], as: UTF8.self) == String(v))
            if v >= 0 && v < Int64(Int32.max) {
                let k = a.withUnsafeMutableBytes { FIXBytes.writeTagNumber(Int(v), into: $0, at: 0) }
                #expect(String(decoding: a[0..<k], as: UTF8.self) == String(v))
            }
        }
    }

    @Test("the encoder's cached timestamps match a fresh formatting across seconds and before 1970")
    func cachedTimestamps() {
        var encoder = FIXEncoderTests.encoder(.fix44, precision: .nanoseconds)
        var parser = FIXParser()
        var rng = SplitMix64(state: 11)
        var t = Timestamp(year: 1969, month: 12, day: 31, hour: 23, minute: 59, second: 58)!.nanosecondsSinceEpoch
        for _ in 0..<2_000 {
            t += Int64(rng.next() % 700_000_000)
            let time = Timestamp(nanosecondsSinceEpoch: t)
            encoder.beginRaw()
            encoder.append(messageType: .heartbeat)
            encoder.append(60, timestamp: time)
            encoder.append(52, timestamp: time, precision: .milliseconds)
            let span = encoder.finish()
            #expect(parser.parse(span) == .complete(length: span.count))
            #expect(parser.message.timestamp(60).value == time)
            var expected = [UInt8](repeating: 0, count: 32)
            let n = expected.withUnsafeMutableBytes { FIXBytes.writeTimestamp(time, precision: .milliseconds, into: $0, at: 0) }
            #expect(parser.message.bytes(52).value.map { Array($0) } == Array(expected[0..<n]))
        }
    }
}
