import PeregrineCore
import PeregrineJournal
import PeregrineTestKit
import PeregrineWarehouse

/// Writes journals for the warehouse tests and keeps the counts and sums the warehouse
/// must end up with.
final class JournalFixture {
    let directory = TemporaryDirectory("warehouse")
    let writer: JournalWriter
    /// 2026-01-05 14:30 UTC.
    let day1 = Timestamp(year: 2026, month: 1, day: 5, hour: 14, minute: 30)!
    var clock: Int64 = 0

    var trades = 0, tradePriceSum: Int64 = 0, tradeQuantitySum: Int64 = 0
    var quotes = 0, depth = 0, bars = 0, status = 0
    var orders = 0, orderCommands = 0, executions = 0, fills = 0, fillQuantitySum: Int64 = 0, fillNotionalSum: Int128 = 0
    var positions: [UInt32: Int64] = [:]   // instrument → signed quantity (account 7)
    var riskDecisions = 0, rawMessages = 0, configurationChanges = 0, filterDrops = 0
    var quarantined: [String: Int] = [:]
    var records = 0
    var tradeDays: Set<Int64> = []

    init(fileBytes: Int = 1 << 20) throws {
        writer = try JournalWriter(directory: directory.path, name: "journal", fileBytes: fileBytes)
    }

    deinit {
        writer.close()
        directory.remove()
    }

    private func now() -> Timestamp { clock += 1_000; return day1 + Nanoseconds(clock) }

    private func append<T: BitwiseCopyable>(_ value: T, _ type: JournalRecordType, flags: UInt16 = 0) {
        let result = writer.append(value, type: type, flags: flags, timestamp: now())
        precondition(result != .failed, "journal append failed: \(String(describing: writer.failure))")
        records += 1
    }

    func quarantine(_ rule: ODSRule) { quarantined[rule.rawValue, default: 0] += 1 }

    // MARK: Market data

    func trade(_ instrument: UInt32, price: Int64, quantity: Int64, at time: Timestamp) {
        let event = MarketEvent.trade(InstrumentId(rawValue: instrument), venue: VenueId(rawValue: 1), price: Price(rawValue: price),
                                      quantity: Quantity(rawValue: quantity), exchangeTime: time, receiveTime: time + Nanoseconds(500),
                                      sequence: UInt64(records), tradeId: UInt64(records))
        append(event, .marketEvent)
        if price <= 0 { quarantine(.pricePositive) } else if quantity <= 0 { quarantine(.sizePositive) } else {
            trades += 1; tradePriceSum += price; tradeQuantitySum += quantity
            tradeDays.insert(time.nanosecondsSinceEpoch / 86_400_000_000_000)
        }
    }

    func quote(_ instrument: UInt32, bid: Int64, bidSize: Int64, ask: Int64, askSize: Int64, at time: Timestamp, bad: ODSRule? = nil) {
        append(MarketEvent.quote(InstrumentId(rawValue: instrument), venue: VenueId(rawValue: 1), bidPrice: Price(rawValue: bid),
                                 bidQuantity: Quantity(rawValue: bidSize), askPrice: Price(rawValue: ask), askQuantity: Quantity(rawValue: askSize),
                                 exchangeTime: time, receiveTime: time), .marketEvent)
        if let bad { quarantine(bad) } else { quotes += 1 }
    }

    func depthLevel(_ instrument: UInt32, price: Int64, size: Int64, level: Int, at time: Timestamp, bad: ODSRule? = nil) {
        append(MarketEvent.depth(InstrumentId(rawValue: instrument), venue: VenueId(rawValue: 1), side: level % 2 == 0 ? .buy : .sell,
                                 price: Price(rawValue: price), quantity: Quantity(rawValue: size), level: level,
                                 exchangeTime: time, receiveTime: time), .marketEvent)
        if let bad { quarantine(bad) } else { depth += 1 }
    }

    func bar(_ instrument: UInt32, open: Int64, high: Int64, low: Int64, close: Int64, at time: Timestamp, bad: ODSRule? = nil) {
        append(MarketEvent.bar(InstrumentId(rawValue: instrument), venue: VenueId(rawValue: 1), open: Price(rawValue: open),
                               high: Price(rawValue: high), low: Price(rawValue: low), close: Price(rawValue: close),
                               volume: Quantity(rawValue: 1_000), exchangeTime: time, receiveTime: time), .marketEvent)
        if let bad { quarantine(bad) } else { bars += 1 }
    }

    func statusChange(_ instrument: UInt32, at time: Timestamp) {
        append(MarketEvent.status(InstrumentId(rawValue: instrument), venue: VenueId(rawValue: 1), code: 17, exchangeTime: time, receiveTime: time), .marketEvent)
        status += 1
    }

    // MARK: Orders

    func command(_ kind: OrderCommandKind, id: UInt64, original: UInt64 = 0, instrument: UInt32, side: Side = .buy,
                 quantity: Int64, price: Int64 = 100 * 100_000_000, bad: ODSRule? = nil) {
        let command = OrderCommand(kind: kind, orderId: OrderId(rawValue: id), originalOrderId: OrderId(rawValue: original),
                                   instrument: InstrumentId(rawValue: instrument), side: side, type: .limit, timeInForce: .day,
                                   price: Price(rawValue: price), quantity: Quantity(rawValue: quantity),
                                   account: AccountId(rawValue: 7), strategy: StrategyId(rawValue: 3), createdTime: now())
        append(command, .orderCommand)
        if let bad { return quarantine(bad) }
        orderCommands += 1
        if kind == .new || kind == .replace { orders += 1 }
    }

    func execution(_ type: ExecutionType, order: UInt64, executionId: UInt64 = 0, instrument: UInt32, side: Side = .buy,
                   price: Int64 = 0, quantity: Int64 = 0, bad: ODSRule? = nil) {
        var event = ExecutionEvent()
        event.transactTime = now(); event.receiveTime = event.transactTime
        event.orderId = OrderId(rawValue: order); event.executionId = executionId
        event.executionType = type; event.orderStatus = type == .trade ? .partiallyFilled : .new
        event.side = side; event.instrument = InstrumentId(rawValue: instrument); event.account = AccountId(rawValue: 7)
        event.strategy = StrategyId(rawValue: 3); event.venue = VenueId(rawValue: 1)
        event.lastPrice = Price(rawValue: price); event.lastQuantity = Quantity(rawValue: quantity)
        append(event, .executionEvent)
        if let bad { return quarantine(bad) }
        executions += 1
        if type == .trade {
            fills += 1; fillQuantitySum += quantity; fillNotionalSum += Int128(price) * Int128(quantity)
            positions[instrument, default: 0] += side.sign * quantity
        }
    }

    // MARK: Other records

    func riskDecision(order: UInt64, reason: UInt8) {
        var payload = [UInt8](repeating: 0, count: 16)
        withUnsafeBytes(of: order.littleEndian) { for i in 0..<8 { payload[i] = $0[i] } }
        payload[8] = reason
        payload.withUnsafeBytes { _ = writer.append(type: .riskDecision, timestamp: now(), payload: $0) }
        records += 1; riskDecisions += 1
    }

    func raw(_ text: String, type: JournalRecordType) {
        Array(text.utf8).withUnsafeBytes { _ = writer.append(type: type, flags: 2, timestamp: now(), payload: $0) }
        records += 1
        if type == .configurationChange { configurationChanges += 1 } else { rawMessages += 1 }
    }

    func filterDrop(_ instrument: UInt32) {
        let event = MarketEvent.trade(InstrumentId(rawValue: instrument), venue: VenueId(rawValue: 1), price: Price(rawValue: 1),
                                      quantity: Quantity(rawValue: 1), exchangeTime: day1, receiveTime: day1)
        append(event, JournalRecordType(rawValue: WarehouseRecordType.filterDrop), flags: 3)
        filterDrops += 1
    }

    func unknownRecord() {
        [UInt8](repeating: 7, count: 12).withUnsafeBytes { _ = writer.append(type: JournalRecordType(rawValue: 2000), timestamp: now(), payload: $0) }
        records += 1; quarantine(.unknownRecordType)
    }

    func malformedMarketEvent() {
        [UInt8](repeating: 1, count: 32).withUnsafeBytes { _ = writer.append(type: .marketEvent, timestamp: now(), payload: $0) }
        records += 1; quarantine(.malformedPayload)
    }

    var quarantinedTotal: Int { quarantined.values.reduce(0, +) }
}
