import Testing
import PeregrineCore
@testable import PeregrineFIX

@Suite("FIX parser: framing, checks and typed reads")
struct FIXParserTests {
    typealias T = FIXTestSupport

    @Test("a NewOrderSingle is framed, indexed and read by type")
    func newOrderSingle() {
        let bytes = T.message("FIX.4.4", T.newOrderSingleBody)
        T.parse(bytes) { result, parser in
            #expect(result == .complete(length: bytes.count))
            let m = parser.message
            #expect(m.version == .fix44)
            #expect(m.messageType == .newOrderSingle)
            #expect(m.fieldCount == 18)
            #expect(m.syntaxProblem == nil)
            #expect(m.int(FIXTag.msgSeqNum).value == 1042)
            #expect(m.sequenceNumber == 1042)
            #expect(m.price(FIXTag.price).value == Price("187.25"))
            #expect(m.quantity(FIXTag.orderQty).value == Quantity(units: 100))
            #expect(m.char(FIXTag.side).value == Side.buy.rawValue)
            #expect(m.timestamp(FIXTag.sendingTime).value == Timestamp(year: 2026, month: 11, day: 26, hour: 14, minute: 30, second: 5, nanosecond: 123_000_000))
            #expect(m.has(FIXTag.symbol, equalTo: "AAPL"))
            #expect(m.int(FIXTag.stopPx) == .failure(.missing))
            #expect(m.field(at: 0).tag == 8 && m.field(at: 1).tag == 9 && m.field(at: 2).tag == 35)
            #expect(m.field(at: m.fieldCount - 1).tag == 10)
        }
    }

    @Test("a message followed by another is consumed exactly, and the next one parses")
    func twoMessages() {
        let a = T.message("FIX.4.2", "35=0|49=A|56=B|34=1|52=20261126-14:30:05|")
        let b = T.message("FIXT.1.1", "35=1|49=A|56=B|34=2|52=20261126-14:30:05|112=TR1|")
        var parser = FIXParser()
        (a + b).withUnsafeBytes { buffer in
            #expect(parser.parse(buffer) == .complete(length: a.count))
            #expect(parser.message.version == .fix42)
            let rest = UnsafeRawBufferPointer(rebasing: buffer[a.count...])
            #expect(parser.parse(rest) == .complete(length: b.count))
            #expect(parser.message.version == .fixt11)
            #expect(parser.message.messageType == .testRequest)
            #expect(parser.message.has(FIXTag.testReqID, equalTo: "TR1"))
            // The previous message's tags are gone from the index (generation reset).
            #expect(!parser.message.contains(FIXTag.heartBtInt))
        }
    }

    @Test("timestamps parse at second, milli, micro and nano precision; dates and booleans too")
    func timestamps() {
        let body = "35=0|49=A|56=B|34=1|52=20261126-14:30:05|60=20261126-14:30:05.1|122=20261126-14:30:05.000001|"
            + "5001=20261126-14:30:05.123456789|5002=20260229|5006=20240229|5003=20261131|43=Y|97=N|5004=X|5005=20261126-24:00:00|"
        let bytes = T.message("FIX.4.4", body)
        T.parse(bytes) { result, parser in
            #expect(result == .complete(length: bytes.count))
            let m = parser.message
            #expect(m.timestamp(52).value == Timestamp(year: 2026, month: 11, day: 26, hour: 14, minute: 30, second: 5))
            #expect(m.timestamp(60) == .failure(.badFormat))
            #expect(m.timestamp(122).value?.nanosecondsSinceEpoch == Timestamp(year: 2026, month: 11, day: 26, hour: 14, minute: 30, second: 5)!.nanosecondsSinceEpoch + 1_000)
            #expect(m.timestamp(5001).value?.civil.nanosecond == 123_456_789)
            #expect(m.date(5002) == .failure(.badFormat))   // 2026 is not a leap year
            #expect(m.date(5003) == .failure(.badFormat))   // 31 November
            #expect(m.date(FIXTag.sendingTime) == .failure(.badFormat))
            #expect(m.date(5006).value == Timestamp(year: 2024, month: 2, day: 29))
            #expect(m.bool(43).value == true)
            #expect(m.bool(97).value == false)
            #expect(m.bool(5004) == .failure(.badValue))
            #expect(m.timestamp(5005) == .failure(.badFormat))
        }
    }

    @Test("huge, negative and malformed numbers report the right error")
    func numbers() {
        let body = "35=0|49=A|56=B|34=1|52=20261126-14:30:05|5001=9223372036854775807|5002=9223372036854775808|"
            + "5003=-9223372036854775808|5004=-12|5005=12a|5006=1.5|5007=-0.00000001|5008=0.000000001|5009=92233720368.54775808|5010=|"
        let bytes = T.message("FIX.4.4", body)
        T.parse(bytes) { result, parser in
            #expect(result == .complete(length: bytes.count))
            let m = parser.message
            #expect(m.int(5001).value == Int64.max)
            #expect(m.int(5002) == .failure(.badValue))
            #expect(m.int(5003).value == Int64.min)
            #expect(m.int(5004).value == -12)
            #expect(m.int(5005) == .failure(.badFormat))
            #expect(m.int(5006) == .failure(.badFormat))
            #expect(m.price(5006).value == Price("1.5"))
            #expect(m.price(5007).value == Price(rawValue: -1))
            #expect(m.price(5008) == .failure(.badValue))
            #expect(m.price(5009) == .failure(.badValue))
            #expect(m.int(5010) == .failure(.empty))
            #expect(m.bytes(5010).value?.count == 0)
            #expect(m.syntaxProblem?.reason == .tagSpecifiedWithoutValue)
            #expect(m.syntaxProblem?.tag == 5010)
            #expect(m.int(5011) == .failure(.missing))
            #expect(FIXFieldError.badFormat.sessionRejectReason == .incorrectDataFormat)
            #expect(FIXFieldError.empty.sessionRejectReason == .tagSpecifiedWithoutValue)
        }
    }

    @Test("a wrong checksum is garbled and skips the whole frame")
    func badChecksum() {
        var bytes = T.message("FIX.4.4", T.newOrderSingleBody)
        let n = bytes.count
        bytes[n - 2] = bytes[n - 2] == UInt8(ascii: "9") ? UInt8(ascii: "0") : bytes[n - 2] + 1
        let next = T.message("FIX.4.4", "35=0|49=A|56=B|34=2|52=20261126-14:30:05|")
        #expect(T.parseResult(bytes + next) == .garbled(.checksumMismatch, skip: n))
        #expect(T.parseResult(bytes) == .garbled(.checksumMismatch, skip: n))
        // Non-digit checksum.
        bytes[n - 2] = UInt8(ascii: "x")
        #expect(T.parseResult(bytes) == .garbled(.checksumMismatch, skip: n))
    }

    @Test("a wrong BodyLength is garbled (too short) or waits for bytes (too long)")
    func badBodyLength() {
        let body = "35=0|49=A|56=B|34=2|52=20261126-14:30:05|"
        let good = T.message("FIX.4.4", body)
        let text = T.text(good)
        let length = "9=\(body.utf8.count)|"
        #expect(text.contains(length))
        // Recompute nothing: just change the declared length.
        let shorter = T.raw(text.replacingFirst(length, with: "9=\(body.utf8.count - 1)|"))
        let longer = T.raw(text.replacingFirst(length, with: "9=60|"))
        #expect(T.parseResult(shorter) == .garbled(.bodyLengthMismatch, skip: shorter.count))
        #expect(T.parseResult(longer) == .incomplete(minimumLength: 15 + 60 + 7))
        // Leading zero, letters, missing 9=.
        #expect(T.parseResult(T.raw(text.replacingFirst(length, with: "9=0\(body.utf8.count)|"))) == .garbled(.badBodyLength, skip: good.count + 1))
        #expect(T.parseResult(T.raw(text.replacingFirst(length, with: "9=4x|"))) == .garbled(.badBodyLength, skip: good.count))
        #expect(T.parseResult(T.raw(text.replacingFirst(length, with: "35=0|"))) == .garbled(.badBodyLength, skip: good.count))
    }

    @Test("a missing SOH inside the frame makes the trailer misplaced")
    func missingSOH() {
        let good = T.message("FIX.4.4", "35=0|49=A|56=B|34=2|52=20261126-14:30:05|")
        var bytes = good
        let index = T.text(good).indexOf("|49=")!
        bytes[index] = UInt8(ascii: "X")   // same length, but now "35=0X49=A" and checksum differs
        if case .garbled = T.parseResult(bytes) {} else { Issue.record("expected garbled") }
        // SOH missing before the trailer.
        var noTrailerSOH = T.message("FIX.4.4", "35=0|49=A|56=B|34=2|52=20261126-14:30:05|")
        noTrailerSOH.remove(at: noTrailerSOH.count - 8)
        #expect(T.parseResult(noTrailerSOH) == .incomplete(minimumLength: noTrailerSOH.count + 1))
        // SOH missing after the checksum.
        var noFinal = good
        noFinal[noFinal.count - 1] = UInt8(ascii: "X")
        #expect(T.parseResult(noFinal) == .garbled(.bodyLengthMismatch, skip: noFinal.count))
    }

    @Test("every truncation of a valid message is incomplete")
    func truncated() {
        let bytes = T.message("FIX.4.4", T.executionReportBody)
        for cut in 0..<bytes.count {
            let result = T.parseResult(Array(bytes[0..<cut]))
            guard case .incomplete(let need) = result else {
                Issue.record("cut \(cut): \(result)")
                continue
            }
            #expect(need > cut && need <= bytes.count)
        }
    }

    @Test("garbage before 8= is skipped up to the next BeginString")
    func garbageBefore() {
        let good = T.message("FIX.4.2", "35=0|49=A|56=B|34=2|52=20261126-14:30:05|")
        let junk = T.raw("xx|10=123|junk")
        var parser = FIXParser()
        (junk + good).withUnsafeBytes { buffer in
            #expect(parser.parse(buffer) == .garbled(.garbageBeforeBeginString, skip: junk.count))
            #expect(parser.parse(UnsafeRawBufferPointer(rebasing: buffer[junk.count...])) == .complete(length: good.count))
        }
        // A partial "8=FI" at the end is kept.
        #expect(T.parseResult(T.raw("abc|8=FI")) == .garbled(.garbageBeforeBeginString, skip: 4))
        #expect(T.parseResult(Array("8=FI".utf8)) == .incomplete(minimumLength: 5))
        #expect(T.parseResult(T.raw("8=FOO|9=5|")) == .garbled(.garbageBeforeBeginString, skip: 10))
        #expect(T.parseResult([]) == .incomplete(minimumLength: 1))
        // Unsupported version: skip to the next candidate.
        let v43 = T.message("FIX.4.3", "35=0|")
        #expect(T.parseResult(v43 + good) == .garbled(.badBeginString, skip: v43.count))
    }

    @Test("tags with leading zeros, letters or no '=' are kept as a syntax problem (reason 0)")
    func badTags() {
        for (body, tag) in [("35=0|49=A|056=B|", 0), ("35=0|49=A|5x6=B|", 0), ("35=0|49=A|56|", 56), ("35=0|=B|", 0),
                            ("35=0|49=A|-56=B|", 0), ("35=0|49=A|1234567890=B|", 0)] {
            let bytes = T.message("FIX.4.4", body)
            T.parse(bytes) { result, parser in
                #expect(result == .complete(length: bytes.count), "\(body)")
                #expect(parser.message.syntaxProblem?.reason == .invalidTagNumber, "\(body)")
                #expect(parser.message.syntaxProblem?.tag == tag, "\(body)")
            }
        }
        // MsgType not third.
        let bytes = T.message("FIX.4.4", "49=A|35=0|")
        #expect(T.parseResult(bytes) == .garbled(.msgTypeNotThird, skip: bytes.count))
    }

    @Test("duplicate tags: lookup returns the first, the later one is still indexed")
    func duplicates() {
        let bytes = T.message("FIX.4.4", "35=0|49=A|56=B|34=1|52=20261126-14:30:05|58=one|58=two|")
        T.parse(bytes) { _, parser in
            let m = parser.message
            let first = m.index(of: 58)!
            #expect(T.text(m.value(at: first)) == "one")
            let second = m.index(of: 58, from: first + 1)!
            #expect(T.text(m.value(at: second)) == "two")
        }
    }

    @Test("DATA fields are taken by their declared length and may contain SOH")
    func dataFields() {
        let bytes = T.message("FIX.4.4", "35=0|49=A|56=B|34=1|52=20261126-14:30:05|95=5|96=a|b=c|58=t|")
        T.parse(bytes) { result, parser in
            #expect(result == .complete(length: bytes.count))
            #expect(T.text(parser.message.bytes(96).value!) == "a|b=c")
            #expect(parser.message.has(58, equalTo: "t"))
            #expect(parser.message.syntaxProblem == nil)
        }
    }

    @Test("more fields than the table holds is garbled and skips the frame")
    func tooManyFields() {
        var body = "35=0|"
        for i in 0..<20 { body += "\(5000 + i)=x|" }
        let bytes = T.message("FIX.4.4", body)
        T.parse(bytes, maxFields: 16) { result, _ in
            #expect(result == .garbled(.tooManyFields, skip: bytes.count))
        }
        T.parse(bytes, maxFields: 24) { result, parser in
            #expect(result == .complete(length: bytes.count))
            #expect(parser.message.has(5019, equalTo: "x"))
        }
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        var copy = self
        copy.replaceSubrange(range, with: replacement)
        return copy
    }

    func indexOf(_ target: String) -> Int? {
        guard let range = firstRange(of: target) else { return nil }
        return utf8.distance(from: startIndex, to: range.lowerBound)
    }
}
