import Testing
import PeregrineCore
import PeregrineMarketData

@Suite("TWS: decoder")
struct TWSDecoderTests {
    /// Decodes every frame of `stream` in order, handing each step to `body`.
    func decodeAll(_ stream: [UInt8], decoder: TWSDecoder = TWSDecoder(), _ body: (TWSDecodeStep) -> Void) {
        stream.withUnsafeBytes { raw in
            var at = 0
            while at < raw.count {
                let step = decoder.decode(UnsafeRawBufferPointer(rebasing: raw[at...]))
                body(step)
                switch step {
                case .message(_, let consumed), .skipped(_, _, let consumed): at += consumed
                case .incomplete: return
                }
            }
        }
    }

    @Test("every server frame of the capture decodes, with the values it carries")
    func captureServerFrames() throws {
        let frames = try TWSCapturedFrame.load().filter { $0.direction == "out" }
        // The first is the handshake reply.
        let reply = frames[0].frameBytes
        let parsed = reply.withUnsafeBytes { TWSHandshake.decodeServerReply(UnsafeRawBufferPointer(rebasing: $0[4...])) }
        #expect(parsed?.serverVersion == 157)
        #expect(parsed?.connectionTime.string == "20261125 23:15:51 UTC")
        let stream = frames.dropFirst().flatMap(\.frameBytes)
        var kinds: [String] = []
        decodeAll(stream) { step in
            guard case .message(let m, _) = step else { Issue.record("not decoded: \(step)"); return }
            switch m {
            case .managedAccounts(let a): kinds.append("accounts"); #expect(a.string == "DU123456")
            case .nextValidId(let id): kinds.append("nextId"); #expect(id == 1)
            case .tickPrice(let t):
                kinds.append("tickPrice")
                #expect(t.requestId == 1001)
                if t.tickType == 1 { #expect(t.price == Price("189.5") && t.size == Quantity(units: 300) && t.attributes == 1) }
                if t.tickType == 4 {
                    let trade = t.tradeEvent(InstrumentId(rawValue: 1), venue: VenueId(rawValue: 2), receiveTime: .zero)
                    #expect(trade?.price == Price("189.51") && trade?.quantity == Quantity(units: 100))
                }
            case .tickSize(let s): kinds.append("tickSize"); #expect(s.tickType == 8 && s.size == Quantity(units: 123_456))
            case .openOrder(let o):
                kinds.append("openOrder")
                #expect(o.symbol.string == "AAPL" && o.secType.string == "STK" && o.exchange.string == "SMART" && o.currency.string == "USD")
                #expect(o.orderType.string == "LMT" && o.timeInForce.string == "DAY" && o.account.string == "DU123456")
                #expect(o.status.string == "Submitted" && o.clientId == 7)
                if o.orderId == 1 { #expect(o.action.string == "BUY" && o.totalQuantity == Quantity(units: 100) && o.limitPrice == Price("189.52") && o.permId == 1001) }
                if o.orderId == 2 { #expect(o.action.string == "SELL" && o.totalQuantity == Quantity(units: 50) && o.limitPrice == Price("200")) }
            case .orderStatus(let s):
                kinds.append("orderStatus:" + s.status.string)
                if s.status.equals("Filled") { #expect(s.filled == Quantity(units: 100) && s.averageFillPrice == Price("189.52") && s.remaining == .zero) }
            case .execution(let e):
                kinds.append("execution")
                #expect(e.requestId == -1 && e.orderId == 1 && e.symbol.string == "AAPL" && e.executionId.string == "0000e1a7.1.01.01")
                #expect(e.side.string == "BOT" && e.shares == Quantity(units: 100) && e.price == Price("189.52") && e.exchange.string == "ISLAND")
                #expect(e.time.string == "20261125  23:15:51" && e.lastLiquidity == 1)
            case .historicalData(var h):
                kinds.append("historical")
                #expect(h.requestId == 2001 && h.barCount == 3 && h.start.string == "20240102  00:00:00")
                var closes: [Price] = []
                while let bar = h.nextBar() {
                    closes.append(bar.close)
                    if closes.count == 1 {
                        #expect(bar.date.string == "20240102" && bar.open == Price("187.15") && bar.volume == Quantity(units: 82_488_700))
                        #expect(bar.averagePrice == Price("185.9") && bar.tradeCount == 1_009_074)
                    }
                }
                #expect(closes == [Price("185.64")!, Price("184.25")!, Price("181.91")!])
            case .error(let e):
                kinds.append("error")
                #expect(e.id == 2 && e.code == 202 && e.message.string == "Order Canceled - reason:")
            default: Issue.record("unexpected message")
            }
        }
        #expect(kinds == ["accounts", "nextId", "tickPrice", "tickPrice", "tickPrice", "tickSize", "openOrder",
                          "orderStatus:Submitted", "execution", "orderStatus:Filled", "historical", "openOrder",
                          "orderStatus:Submitted", "orderStatus:Cancelled", "error"])
    }

    @Test("other incoming messages: tickGeneric, tickString, marketDataType, depth L1/L2, commission, ends")
    func syntheticMessages() {
        let frames: [[String]] = [
            ["45", "6", "7", "49", "0.5"],
            ["46", "6", "7", "45", "1700000000"],
            ["58", "1", "7", "3"],
            ["12", "1", "8", "0", "0", "1", "189.5", "300"],
            ["13", "1", "8", "2", "ARCA", "2", "0", "189.6", "0", "1"],
            ["59", "1", "0000e1a7.1.01.01", "1.0", "USD", "1.7976931348623157E308", "", ""],
            ["53", "1"], ["55", "1", "3"], ["52", "1", "5"], ["10", "8", "5", "AAPL"],
        ]
        var results: [String] = []
        decodeAll(frames.flatMap(TWSCapturedFrame.frame)) { step in
            guard case .message(let m, _) = step else { Issue.record("not decoded: \(step)"); return }
            switch m {
            case .tickGeneric(let id, let type, let v): results.append("generic"); #expect(id == 7 && type == 49 && v == Price("0.5"))
            case .tickString(_, let type, let v): results.append("string"); #expect(type == 45 && v.string == "1700000000")
            case .marketDataType(_, let t): results.append("mdt"); #expect(t == 3)
            case .depth(let d):
                results.append("depth")
                let e = d.marketEvent(InstrumentId(rawValue: 1), venue: VenueId(rawValue: 2), receiveTime: .zero)
                if d.marketMaker.isEmpty {
                    #expect(e.kind == .depth && e.depthSide == .buy && e.price == Price("189.5") && e.quantity == Quantity(units: 300) && e.level == 0)
                } else {
                    #expect(d.marketMaker.string == "ARCA" && d.isSmartDepth && e.depthSide == .sell && e.quantity == .zero && e.level == 2)
                }
            case .commissionReport(let c):
                results.append("commission")
                #expect(c.commission == Price("1") && c.currency.string == "USD" && c.realizedPnL == nil)  // max-double = unset
            case .openOrderEnd: results.append("ooEnd")
            case .executionEnd(let id): results.append("execEnd"); #expect(id == 3)
            case .contractDetailsEnd(let id): results.append("cdEnd"); #expect(id == 5)
            case .notDecoded(let id): results.append("nd\(id)")
            default: Issue.record("unexpected")
            }
        }
        #expect(results == ["generic", "string", "mdt", "depth", "depth", "commission", "ooEnd", "execEnd", "cdEnd", "nd10"])
    }

    @Test("malformed frames are skipped by length with the right code; the next message still decodes")
    func malformed() {
        let good = TWSCapturedFrame.frame(["1", "6", "1001", "1", "189.5", "300", "1"])
        var cases: [(String, [UInt8], TWSSkipReason, Int)] = []
        // Length above the limit (limit set to 1 KiB below): the whole declared frame is dropped.
        let bigPayload = [UInt8](repeating: UInt8(ascii: "9"), count: 4_999) + [0]
        cases.append(("too large", TWSCapturedFrame.lengthPrefix(5_000) + bigPayload, .frameTooLarge, 5_004))
        // Self-consistent frame too short for its message (tickPrice cut after reqId).
        cases.append(("too short", TWSCapturedFrame.frame(["1", "6", "1001"]), .missingTerminator, 4 + 9))
        // Payload not NUL-terminated.
        let noNul: [UInt8] = Array("1\u{0}6\u{0}1001\u{0}1\u{0}189.5".utf8)
        cases.append(("missing NUL", TWSCapturedFrame.lengthPrefix(noNul.count) + noNul, .missingTerminator, 4 + noNul.count))
        cases.append(("non-numeric int", TWSCapturedFrame.frame(["1", "6", "abc", "1", "189.5", "300", "1"]), .malformedField, 4 + 22))
        cases.append(("non-numeric price", TWSCapturedFrame.frame(["1", "6", "1001", "1", "189.5.1", "300", "1"]), .malformedField, 4 + 25))
        cases.append(("unknown id", TWSCapturedFrame.frame(["999", "1", "x"]), .unknownMessageId, 4 + 8))
        cases.append(("bad id", TWSCapturedFrame.frame(["x1", "1"]), .badMessageId, 4 + 5))
        cases.append(("empty frame", TWSCapturedFrame.lengthPrefix(0), .emptyFrame, 4))
        for (name, bad, reason, consumed) in cases {
            var steps: [TWSDecodeStep] = []
            decodeAll(bad + good, decoder: TWSDecoder(maximumFrameLength: 1_024)) { steps.append($0) }
            #expect(steps.count == 2, "\(name)")
            guard steps.count == 2 else { continue }
            if case .skipped(let r, _, let c) = steps[0] {
                #expect(r == reason && c == consumed && c == bad.count, "\(name): \(r) \(c)")
            } else {
                Issue.record("\(name): not skipped")
            }
            if case .message(.tickPrice(let t), _) = steps[1] {
                #expect(t.price == Price("189.5"), "\(name)")
            } else {
                Issue.record("\(name): following message not decoded")
            }
        }
        // A partial frame asks for more bytes.
        let partial = Array(good.prefix(10))
        partial.withUnsafeBytes { raw in
            if case .incomplete(let needed) = TWSDecoder().decode(raw) { #expect(needed == good.count) } else { Issue.record("expected incomplete") }
        }
    }

    @Test("decimals: plain, exponent, and the unset sentinels")
    func decimals() {
        func price(_ s: String) -> Price?? {
            var steps: TWSIncoming? = nil
            decodeAll(TWSCapturedFrame.frame(["45", "6", "1", "2", s])) { if case .message(let m, _) = $0 { steps = m } }
            guard case .tickGeneric(_, _, let v)? = steps else { return .none }
            return .some(v)
        }
        #expect(price("189.52") == .some(Price("189.52")))
        #expect(price("1.7976931348623157E308") == .some(nil))
        #expect(price("1.7976931348623157e+308") == .some(nil))
        #expect(price("") == .some(nil))
        #expect(price("Infinite") == .some(nil))
        #expect(price("1.5E-4") == .some(Price("0.00015")))
        #expect(price("-2.5e2") == .some(Price("-250")))
        #expect(price("1e") == .none)  // malformed → skipped
    }

    @Test("random frames never trap and always make progress")
    func fuzz() {
        var rng = SplitMix(seed: 5)
        let decoder = TWSDecoder(maximumFrameLength: 4_096)
        let alphabet = Array("0123456789-.eE\u{0}abc".utf8)
        for _ in 0..<3_000 {
            let n = Int(rng.next() % 48)
            var payload = (0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            if rng.next() % 2 == 0 { payload.insert(contentsOf: Array(["1", "2", "3", "4", "5", "9", "11", "13", "17", "59"][Int(rng.next() % 10)].utf8) + [0], at: 0) }
            let bytes = TWSCapturedFrame.lengthPrefix(payload.count) + payload
            bytes.withUnsafeBytes { raw in
                switch decoder.decode(raw) {
                case .message(let m, let c):
                    #expect(c == bytes.count)
                    if case .historicalData(var h) = m { while h.nextBar() != nil {} }
                case .skipped(_, _, let c): #expect(c == bytes.count)
                case .incomplete: Issue.record("complete frame reported incomplete")
                }
            }
        }
    }
}
