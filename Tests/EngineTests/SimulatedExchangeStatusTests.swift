import Testing
import PeregrineCore
import PeregrineFIX
import PeregrinePlatform
import PeregrineSimExchange
import PeregrineSimVenue

/// A minimal FIX client on a real loopback socket: encodes with `FIXEncoder`, reads frames
/// and keeps each received message as (tag, value) text pairs. Test thread only.
final class RawFIXClient {
    let connection: TCPConnection
    var encoder: FIXEncoder
    var sequence = 1
    var buffer: [UInt8] = []
    var received: [[(tag: Int, value: String)]] = []
    let engine: SocketEngine

    init(port: UInt16, version: FIXVersion, sender: String = "PEREGRINE", target: String = "SIMX") throws {
        engine = try SocketEngine.make(mode: .blocking)
        connection = try engine.connect(to: .loopback(port: port))
        encoder = FIXEncoder(version: version, senderCompID: FIXInlineText(sender)!, targetCompID: FIXInlineText(target)!)
        _ = connection.send(encoder.encodeLogon(heartbeatIntervalSeconds: 30, resetSequenceNumbers: true,
                                                sequenceNumber: sequence, sendingTime: Clock.now()))
        sequence += 1
    }

    func send(_ type: FIXMessageType, _ body: (inout FIXEncoder) -> Void) {
        encoder.begin(type, sequenceNumber: sequence, sendingTime: Clock.now())
        body(&encoder)
        _ = connection.send(encoder.finish())
        sequence += 1
    }

    /// Reads until `count` more messages of `type` arrived (or 5 s); returns them.
    func await(_ type: String, count: Int = 1) -> [[(tag: Int, value: String)]] {
        let start = received.count
        let deadline = Clock.monotonicNanos() + 5_000_000_000
        func matching() -> [[(tag: Int, value: String)]] {
            received[start...].filter { m in m.contains { $0.tag == 35 && $0.value == type } }
        }
        while matching().count < count && Clock.monotonicNanos() < deadline {
            _ = connection.tryReceive { buffer.append(contentsOf: $0) }
            while true {
                var length = 0, skip = 0
                buffer.withUnsafeBytes { raw in
                    switch FIXFrameScanner.next(raw) {
                    case .frame(let n): length = n
                    case .skip(let n): skip = n
                    case .incomplete: break
                    }
                }
                if skip > 0 { buffer.removeFirst(skip); continue }
                guard length > 0 else { break }
                let frame = Array(buffer[0..<length])
                buffer.removeFirst(length)
                var parser = FIXParser()
                frame.withUnsafeBytes { raw in
                    guard case .complete = parser.parse(raw) else { return }
                    let m = parser.message
                    received.append((0..<m.fieldCount).map { i in
                        (Int(m.field(at: i).tag), String(decoding: m.value(at: i), as: UTF8.self))
                    })
                }
            }
            EndToEndTests.sleepMillis(5)
        }
        return matching()
    }

    func close() { connection.close(); engine.close() }
}

extension Array where Element == (tag: Int, value: String) {
    subscript(tag tag: Int) -> String? { first { $0.tag == tag }?.value }
}

/// The simulated exchange answers OrderMassStatusRequest and OrderStatusRequest on a real
/// FIX session (see SimulatedExchange+Status.swift).
@Suite("Simulated exchange: status requests over FIX", .serialized)
struct SimulatedExchangeStatusTests {
    static func quietExchange(_ version: FIXVersion) throws -> SimulatedExchange {
        var c = SimulatedExchangeConfiguration()
        c.version = version
        c.symbols = ["SPY", "QQQ"]
        var p = SimulatedMarketParameters()
        p.marketMakerCount = 0; p.noiseTraderCount = 0; p.momentumTraderCount = 0   // nobody trades with us
        c.markets = [p]
        let x = SimulatedExchange(configuration: c)
        try x.start()
        return x
    }

    static func order(_ id: UInt64, _ symbol: String, price: Int64, quantity: Int64) -> (inout FIXEncoder) -> Void {
        { e in
            let command = OrderCommand(kind: .new, orderId: OrderId(rawValue: id), instrument: .none, side: .buy, type: .limit,
                                       timeInForce: .day, price: Price(units: price)!, quantity: Quantity(units: quantity)!,
                                       account: AccountId(rawValue: 1), strategy: StrategyId(rawValue: 0), createdTime: .zero)
            e.appendNewOrderSingleBody(command, symbol: FIXInlineText(symbol)!, transactTime: Clock.now())
        }
    }

    @Test("AF: one ExecType I report per order with TotNumReports and LastRptRequested; none → one report naming no order; unsupported scopes refused")
    func massStatusOnFIX44() throws {
        let exchange = try Self.quietExchange(.fix44)
        defer { exchange.stop() }
        let client = try RawFIXClient(port: exchange.fixPort, version: .fix44)
        defer { client.close() }
        #expect(client.await("A").count == 1, "logon answered")

        client.send(.orderMassStatusRequest) { $0.appendOrderMassStatusRequestBody(requestID: 11) }
        let empty = client.await("8")
        #expect(empty.count == 1)
        if let m = empty.first {
            #expect(m[tag: 150] == "I" && m[tag: 911] == "0" && m[tag: 912] == "Y" && m[tag: 584] == "11")
            #expect(m[tag: 37] == "NONE" && m[tag: 11] == nil)
        }

        client.send(.newOrderSingle, Self.order(1, "SPY", price: 95, quantity: 100))
        client.send(.newOrderSingle, Self.order(2, "QQQ", price: 90, quantity: 300))
        #expect(client.await("8", count: 2).allSatisfy { $0[tag: 150] == "0" }, "both acknowledged")

        client.send(.orderMassStatusRequest) { $0.appendOrderMassStatusRequestBody(requestID: 12) }
        let reports = client.await("8", count: 2)
        #expect(reports.count == 2)
        #expect(reports.allSatisfy { $0[tag: 150] == "I" && $0[tag: 39] == "0" && $0[tag: 911] == "2" && $0[tag: 584] == "12" })
        #expect(Set(reports.compactMap { $0[tag: 11] }) == ["1", "2"])
        #expect(reports.map { $0[tag: 912] } == ["N", "Y"], "LastRptRequested=Y on the last only")
        #expect(reports.first { $0[tag: 11] == "2" }?[tag: 151] == "300")

        client.send(.orderMassStatusRequest) {
            $0.appendOrderMassStatusRequestBody(requestID: 13, requestType: FIXEncoder.massStatusForSecurity, symbol: FIXInlineText("QQQ"))
        }
        let bySecurity = client.await("8")
        #expect(bySecurity.count == 1 && bySecurity.first?[tag: 11] == "2" && bySecurity.first?[tag: 911] == "1")

        client.send(.orderMassStatusRequest) { $0.appendOrderMassStatusRequestBody(requestID: 14, requestType: 3) }
        let refused = client.await("j")
        #expect(refused.first?[tag: 380] == "0" && refused.first?[tag: 372] == "AF", "a scope the exchange does not serve")
        client.send(.orderMassStatusRequest) {
            $0.appendOrderMassStatusRequestBody(requestID: 15, requestType: FIXEncoder.massStatusForSecurity, symbol: FIXInlineText("NOPE"))
        }
        #expect(client.await("j").first?[tag: 380] == "2", "unknown security")
        client.send(.orderMassStatusRequest) { $0.append(FIXTag.massStatusReqType, int: 7) }
        #expect(client.await("j").first?[tag: 380] == "5", "MassStatusReqID missing")

        // H: a known order, and one the exchange never had.
        client.send(.orderStatusRequest) {
            $0.appendOrderStatusRequestBody(orderId: OrderId(rawValue: 1), venueOrderId: 0, side: .buy,
                                            symbol: FIXInlineText("SPY")!, requestID: 77)
        }
        let known = client.await("8")
        #expect(known.first?[tag: 150] == "I" && known.first?[tag: 39] == "0" && known.first?[tag: 790] == "77")
        client.send(.orderStatusRequest) {
            $0.appendOrderStatusRequestBody(orderId: OrderId(rawValue: 999), venueOrderId: 0, side: .sell,
                                            symbol: FIXInlineText("SPY")!, requestID: 78)
        }
        let unknown = client.await("8")
        #expect(unknown.first?[tag: 39] == "8" && unknown.first?[tag: 103] == "5" && unknown.first?[tag: 11] == "999")
        #expect(client.received.allSatisfy { $0[tag: 35] != "3" }, "no session-level rejects")

        // An order sent just before the request (same read at the exchange) is in the answer,
        // and its acknowledgement comes first.
        client.send(.newOrderSingle, Self.order(3, "SPY", price: 94, quantity: 10))
        client.send(.orderMassStatusRequest) { $0.appendOrderMassStatusRequestBody(requestID: 16) }
        let answer = client.await("8", count: 4)
        #expect(answer.first?[tag: 150] == "0" && answer.first?[tag: 11] == "3", "the ack first")
        #expect(answer.dropFirst().contains { $0[tag: 11] == "3" && $0[tag: 150] == "I" && $0[tag: 911] == "3" },
                "\(answer.map { "\($0[tag: 11] ?? "-") \($0[tag: 150] ?? "-")" })")
    }

    @Test("FIX 4.2: AF is refused as an unsupported message type; H is answered with ExecTransType 3")
    func fix42() throws {
        let exchange = try Self.quietExchange(.fix42)
        defer { exchange.stop() }
        let client = try RawFIXClient(port: exchange.fixPort, version: .fix42)
        defer { client.close() }
        #expect(client.await("A").count == 1)
        client.send(.orderMassStatusRequest) { $0.appendOrderMassStatusRequestBody(requestID: 1) }
        let refused = client.await("j")
        #expect(refused.first?[tag: 380] == "3" && refused.first?[tag: 372] == "AF")
        client.send(.newOrderSingle, Self.order(5, "SPY", price: 95, quantity: 100))
        #expect(client.await("8").first?[tag: 39] == "0")
        client.send(.orderStatusRequest) {
            $0.appendOrderStatusRequestBody(orderId: OrderId(rawValue: 5), venueOrderId: 0, side: .buy,
                                            symbol: FIXInlineText("SPY")!, requestID: 1)
        }
        let status = client.await("8")
        #expect(status.first?[tag: 20] == "3" && status.first?[tag: 150] == "0" && status.first?[tag: 39] == "0")
        #expect(status.first?[tag: 790] == nil && status.first?[tag: 911] == nil)
    }
}
