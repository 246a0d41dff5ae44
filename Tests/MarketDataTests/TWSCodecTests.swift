import Testing
import PeregrineCore
import PeregrineMarketData

@Suite("TWS: encoder against the official client's capture")
struct TWSEncoderTests {
    static var aapl: TWSContract { TWSContract(symbol: "AAPL") }

    /// The client's frames from the capture, in order.
    func clientFrames() throws -> [TWSCapturedFrame] {
        try TWSCapturedFrame.load().filter { $0.direction == "in" }
    }

    @Test("the greeting is API\\0 + length + v100..157, as PROTOCOL.md shows in hex")
    func greeting() throws {
        let bytes = encoded { TWSHandshake.writeGreeting(into: $0) }
        #expect(bytes == [0x41, 0x50, 0x49, 0x00, 0x00, 0x00, 0x00, 0x09, 0x76, 0x31, 0x30, 0x30, 0x2e, 0x2e, 0x31, 0x35, 0x37])
        let handshake = try #require(try TWSCapturedFrame.load().first { $0.direction == "in-handshake" })
        #expect(Array(bytes[8...]) == Array(handshake.fields[0].utf8))
        #expect(encoded { TWSHandshake.writeGreeting(options: "+PACEAPI", into: $0) }.count == 8 + 18)
    }

    @Test("startApi, reqMktData, placeOrder ×2, reqHistoricalData and cancelOrder match the capture byte for byte")
    func captureFrames() throws {
        let frames = try clientFrames()
        #expect(frames.count == 6)
        var buy = TWSOrder(action: "BUY", totalQuantity: Quantity(units: 100)!, orderType: "LMT", limitPrice: Price("189.52"))
        buy.timeInForce = "DAY"
        buy.eTradeOnly = true      // ibapi 9.81's old defaults, present in the capture
        buy.firmQuoteOnly = true
        var sell = TWSOrder(action: "SELL", totalQuantity: Quantity(units: 50)!, orderType: "LMT", limitPrice: Price("200"))
        sell.eTradeOnly = true
        sell.firmQuoteOnly = true
        let mine: [[UInt8]] = [
            encoded { TWSRequests.startApi(clientId: 7, into: $0) },
            encoded { TWSRequests.requestMarketData(requestId: 1001, contract: Self.aapl, into: $0) },
            encoded { TWSRequests.placeOrder(orderId: 1, contract: Self.aapl, order: buy, into: $0) },
            encoded { TWSRequests.requestHistoricalData(requestId: 2001, contract: Self.aapl, duration: "3 D", barSize: "1 day", into: $0) },
            encoded { TWSRequests.placeOrder(orderId: 2, contract: Self.aapl, order: sell, into: $0) },
            encoded { TWSRequests.cancelOrder(orderId: 2, into: $0) },
        ]
        let expected = frames.filter { $0.fields.first != "v100..157" }.map(\.frameBytes)
        #expect(mine.count == expected.count)
        for (i, (a, b)) in zip(mine, expected).enumerated() {
            #expect(a == b, "frame \(i): \(String(decoding: a.map { $0 == 0 ? UInt8(ascii: "|") : $0 }, as: UTF8.self))")
        }
    }

    @Test("placeOrder has the 110 fields of placeOrder_golden.md in order")
    func golden() throws {
        let text = try MarketDataTestData.text(MarketDataTestData.protocols("tws/placeOrder_golden.md"))
        // The v157 table: rows "| # | field | `value` |" up to the next heading.
        var values: [String] = []
        for line in text.split(separator: "\n").dropFirst() {
            if line.hasPrefix("###") { break }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingSpaces }
            guard cells.count >= 4, Int(cells[1]) != nil else { continue }
            values.append(String(cells[3].dropFirst().dropLast()))  // strip the backticks
        }
        #expect(values.count == 110)
        var order = TWSOrder(action: "BUY", totalQuantity: Quantity(units: 100)!, orderType: "LMT", limitPrice: Price("189.52"))
        order.timeInForce = "DAY"; order.eTradeOnly = true; order.firmQuoteOnly = true
        let bytes = encoded { TWSRequests.placeOrder(orderId: 1, contract: TWSContract(symbol: "AAPL"), order: order, into: $0) }
        let fields = bytes.dropFirst(4).split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
        #expect(fields == values)
    }

    @Test("the other requests have the official client's layouts")
    func otherRequests() {
        func fields(_ b: [UInt8]) -> [String] {
            b.dropFirst(4).split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(fields(encoded { TWSRequests.cancelMarketData(requestId: 1001, into: $0) }) == ["2", "2", "1001"])
        #expect(fields(encoded { TWSRequests.requestOpenOrders(into: $0) }) == ["5", "1"])
        #expect(fields(encoded { TWSRequests.requestIds(into: $0) }) == ["8", "1", "1"])
        #expect(fields(encoded { TWSRequests.requestExecutions(requestId: 3, clientId: 7, into: $0) }) == ["7", "3", "3", "7", "", "", "", "", "", ""])
        #expect(fields(encoded { TWSRequests.requestMarketDepth(requestId: 4, contract: TWSEncoderTests.aapl, rows: 5, into: $0) })
                == ["10", "5", "4", "0", "AAPL", "STK", "", "0.0", "", "", "SMART", "", "USD", "", "", "5", "0", ""])
        #expect(fields(encoded { TWSRequests.requestContractDetails(requestId: 5, contract: TWSEncoderTests.aapl, into: $0) })
                == ["9", "8", "5", "0", "AAPL", "STK", "", "0.0", "", "", "SMART", "", "USD", "", "", "0", "", ""])
        // Too small a buffer: nil.
        var tiny = [UInt8](repeating: 0, count: 10)
        #expect(tiny.withUnsafeMutableBytes { TWSRequests.requestMarketData(requestId: 1, contract: TWSEncoderTests.aapl, into: $0) } == nil)
    }
}

extension Substring {
    var trimmingSpaces: String {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
