import Testing
import PeregrineCore
@testable import PeregrineFIX

@Suite("FIX validation: each SessionRejectReason from the dictionary")
struct FIXValidationTests {
    typealias T = FIXTestSupport

    static let header = "49=PEREGRINE|56=VENUE|34=12|52=20261126-14:30:05.123|"
    static let nosBody = "11=900001|1=ACC-7|21=1|55=AAPL|54=1|60=20261126-14:30:05.123|38=100|40=2|44=187.25|59=0|"

    static func validate(_ body: String, version: String = "FIX.4.4", dictionary: FIXDictionary = Dictionaries.fix44,
                         options: FIXValidationOptions = FIXValidationOptions()) -> FIXValidationResult {
        let bytes = T.message(version, body)
        return T.parse(bytes) { result, parser in
            guard case .complete = result else { return .reject(reason: .other, tag: -1) }
            return dictionary.validate(parser.message, options: options)
        }
    }

    @Test("typical NewOrderSingle and ExecutionReport are valid")
    func valid() {
        #expect(Self.validate(T.newOrderSingleBody) == .valid)
        #expect(Self.validate(T.executionReportBody) == .valid)
        #expect(Self.validate("35=0|" + Self.header) == .valid)
        #expect(Self.validate("35=D|" + Self.header + Self.nosBody, version: "FIX.4.2", dictionary: Dictionaries.fix42) == .valid)
    }

    @Test("each defect maps to its SessionRejectReason and RefTagID",
          arguments: [
            // (body, reason, tag)
            ("35=D|" + header + nosBody.replacingFirst("54=1|", with: ""), FIXSessionRejectReason.requiredTagMissing, 54),
            ("35=D|" + header.replacingFirst("49=PEREGRINE|", with: "") + nosBody, .requiredTagMissing, 49),
            ("35=D|" + header + nosBody.replacingFirst("54=1|", with: "54=Z|"), .valueIsIncorrect, 54),
            ("35=D|" + header + nosBody.replacingFirst("44=187.25|", with: "44=abc|"), .incorrectDataFormat, 44),
            ("35=D|" + header + nosBody.replacingFirst("38=100|", with: "38=1.0.0|"), .incorrectDataFormat, 38),
            ("35=D|" + header.replacingFirst("34=12|", with: "34=x|") + nosBody, .incorrectDataFormat, 34),
            ("35=D|" + header.replacingFirst(".123|", with: ".12|") + nosBody, .incorrectDataFormat, 52),
            ("35=D|" + header + nosBody + "55=MSFT|", .tagAppearsMoreThanOnce, 55),
            ("35=D|" + header + nosBody + "056=X|", .invalidTagNumber, 0),
            ("35=D|" + header + nosBody + "112=T|", .tagNotDefinedForMessageType, 112),
            ("35=D|" + header + nosBody + "4999=1|", .undefinedTag, 4999),
            ("35=D|" + header + nosBody + "6001=1|", .undefinedTag, 6001),
            ("35=D|" + header + nosBody + "58=|", .tagSpecifiedWithoutValue, 58),
            ("35=D|" + header + "11=900001|" + "57=DESK|" + nosBody.replacingFirst("11=900001|", with: ""), .tagSpecifiedOutOfRequiredOrder, 57),
            ("35=ZZ|" + header, .invalidMsgType, 35),
            ("35=ABCDE|" + header, .invalidMsgType, 35),
            ("35=D|" + header + nosBody + "453=2|448=P1|447=D|452=1|", .incorrectNumInGroupCount, 453),
            ("35=D|" + header + nosBody + "453=1|447=D|448=P1|452=1|", .repeatingGroupFieldsOutOfOrder, 447),
            ("35=D|" + header + nosBody + "453=1|448=P1|452=1|447=D|", .repeatingGroupFieldsOutOfOrder, 447),
            ("35=D|" + header + nosBody + "453=1|448=P1|447=D|447=D|", .tagAppearsMoreThanOnce, 447),
            ("35=D|" + header + nosBody + "453=1|448=P1|448=P2|", .incorrectNumInGroupCount, 453),   // a delimiter opens an instance
            ("35=D|" + header + nosBody + "453=x|448=P1|", .incorrectDataFormat, 453),
            ("35=D|" + header + nosBody + "453=1|448=P1|802=2|523=S1|803=1|", .incorrectNumInGroupCount, 802),
            ("35=W|" + header + "55=AAPL|268=1|270=1.5|269=0|", .repeatingGroupFieldsOutOfOrder, 270),
            ("35=W|" + header + "55=AAPL|268=2|269=0|270=1.5|271=100|", .incorrectNumInGroupCount, 268),
            ("35=W|" + header + "55=AAPL|268=1|269=Q|270=1.5|", .valueIsIncorrect, 269),
            ("35=W|" + header + "55=AAPL|", .requiredTagMissing, 268),
          ])
    func rejects(body: String, reason: FIXSessionRejectReason, tag: Int) {
        #expect(Self.validate(body) == .reject(reason: reason, tag: tag), "\(body)")
    }

    @Test("options switch checks off")
    func options() {
        var o = FIXValidationOptions()
        o.checkUserDefinedFields = false
        #expect(Self.validate("35=D|" + Self.header + Self.nosBody + "6001=1|", options: o) == .valid)
        o = FIXValidationOptions()
        o.checkUnknownFields = false
        #expect(Self.validate("35=D|" + Self.header + Self.nosBody + "4999=1|", options: o) == .valid)
        o = FIXValidationOptions()
        o.checkEnumValues = false
        #expect(Self.validate("35=D|" + Self.header + Self.nosBody.replacingFirst("54=1|", with: "54=Z|"), options: o) == .valid)
        o = FIXValidationOptions()
        o.checkRepeatingGroupCounts = false
        #expect(Self.validate("35=D|" + Self.header + Self.nosBody + "453=2|448=P1|447=D|452=1|", options: o) == .valid)
        o = FIXValidationOptions()
        o.allowRepeatedTags = true
        o.checkFieldOrder = false
        #expect(Self.validate("35=D|" + Self.header + Self.nosBody + "58=a|58=b|", options: o) == .valid)
        o = FIXValidationOptions()
        o.checkRequiredFields = false
        #expect(Self.validate("35=D|" + Self.header + Self.nosBody.replacingFirst("54=1|", with: ""), options: o) == .valid)
        o = FIXValidationOptions()
        o.checkFieldsHaveValues = false
        #expect(Self.validate("35=D|" + Self.header + Self.nosBody + "58=|", options: o) == .valid)
        #expect(Self.validate("35=D|" + Self.header + Self.nosBody + "58=|4999=1|", options: .none) == .valid)
    }

    @Test("an application MsgType this endpoint does not handle gets a BusinessMessageReject")
    func unsupported() {
        var o = FIXValidationOptions()
        o.supportedApplicationMessageTypes = [.newOrderSingle, .orderCancelRequest]
        #expect(Self.validate(T.executionReportBody, options: o) == .businessReject(reason: .unsupportedMessageType, tag: 35))
        #expect(Self.validate(T.newOrderSingleBody, options: o) == .valid)
        #expect(Self.validate("35=0|" + Self.header, options: o) == .valid)   // admin always handled
    }

    @Test("everything the encoder writes validates against its version's dictionary", arguments: FIXVersion.allCases)
    func encodedMessagesValidate(version: FIXVersion) {
        let dictionary = Dictionaries.forVersion(version)
        var encoder = FIXEncoderTests.encoder(version, precision: .microseconds)
        var parser = FIXParser()
        let symbol = FIXInlineText("AAPL")!
        var spans: [[UInt8]] = []
        var order = FIXEncoderTests.order
        spans.append(Array(encoder.encodeNewOrderSingle(order, symbol: symbol, account: FIXInlineText("ACC")!, sequenceNumber: 1, sendingTime: T.sendingTime)))
        order.originalOrderId = order.orderId
        order.orderId = OrderId(rawValue: 900002)
        spans.append(Array(encoder.encodeOrderCancelRequest(order, symbol: symbol, sequenceNumber: 2, sendingTime: T.sendingTime)))
        spans.append(Array(encoder.encodeOrderCancelReplaceRequest(order, symbol: symbol, sequenceNumber: 3, sendingTime: T.sendingTime)))
        var event = ExecutionEvent()
        event.transactTime = T.sendingTime
        event.orderId = order.orderId
        event.executionType = .rejected
        event.orderStatus = .rejected
        event.rejectReason = 3
        spans.append(Array(encoder.encodeExecutionReport(event, symbol: symbol, sequenceNumber: 4, sendingTime: T.sendingTime)))
        spans.append(Array(encoder.encodeLogon(heartbeatIntervalSeconds: 30, resetSequenceNumbers: true, sequenceNumber: 5, sendingTime: T.sendingTime)))
        spans.append(Array(encoder.encodeHeartbeat(sequenceNumber: 6, sendingTime: T.sendingTime)))
        Array("ID".utf8).withUnsafeBytes { id in
            spans.append(Array(encoder.encodeTestRequest(testRequestID: id, sequenceNumber: 7, sendingTime: T.sendingTime)))
            spans.append(Array(encoder.encodeReject(referenceSequenceNumber: 3, referenceTag: 44, referenceMessageType: .newOrderSingle,
                                                    reason: .incorrectDataFormat, text: id, sequenceNumber: 8, sendingTime: T.sendingTime)))
            spans.append(Array(encoder.encodeLogout(text: id, sequenceNumber: 11, sendingTime: T.sendingTime)))
        }
        spans.append(Array(encoder.encodeResendRequest(beginSequenceNumber: 1, endSequenceNumber: 0, sequenceNumber: 9, sendingTime: T.sendingTime)))
        spans.append(Array(encoder.encodeSequenceReset(newSequenceNumber: 20, gapFill: true, sequenceNumber: 10, sendingTime: T.sendingTime)))
        for bytes in spans {
            bytes.withUnsafeBytes { buffer in
                #expect(parser.parse(buffer) == .complete(length: bytes.count))
                #expect(dictionary.validate(parser.message) == .valid, "\(T.text(bytes))")
            }
        }
    }
}
