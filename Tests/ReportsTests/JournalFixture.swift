import PeregrineCore
import PeregrineJournal
import PeregrineTestKit
@testable import PeregrineReports

/// Writes a small hand-made engine journal into a temporary folder: quotes, trades, order
/// commands and execution reports at chosen journal and event times.
final class JournalFixture {
    let directory: TemporaryDirectory
    let writer: JournalWriter
    /// Time zero of the fixture (journal and event times are offsets from it in ms).
    let origin: Timestamp
    private var nextExecutionId: UInt64 = 1

    init(_ label: String, origin: Timestamp = Timestamp(year: 2026, month: 3, day: 9, hour: 14, minute: 30)!,
         fileBytes: Int = 1 << 20) throws {
        directory = TemporaryDirectory(label)
        writer = try JournalWriter(directory: directory.path, name: "engine", fileBytes: fileBytes)
        self.origin = origin
    }

    deinit { directory.remove() }

    func at(_ milliseconds: Int64) -> Timestamp { origin + .milliseconds(milliseconds) }

    static func price(_ text: String) -> Price { Price(text)! }
    static func quantity(_ units: Int64) -> Quantity { Quantity(units: units)! }

    /// A quote received at `received` ms, journaled at `journaled` ms (default: the same).
    func quote(_ instrument: UInt32 = 0, bid: String, ask: String, received: Int64, journaled: Int64? = nil) {
        let event = MarketEvent.quote(InstrumentId(rawValue: instrument), venue: VenueId(rawValue: 1),
                                      bidPrice: Self.price(bid), bidQuantity: Self.quantity(500),
                                      askPrice: Self.price(ask), askQuantity: Self.quantity(500),
                                      exchangeTime: at(received), receiveTime: at(received))
        append(event, .marketEvent, journaled ?? received)
    }

    func trade(_ instrument: UInt32 = 0, price: String, received: Int64, journaled: Int64? = nil) {
        let event = MarketEvent.trade(InstrumentId(rawValue: instrument), venue: VenueId(rawValue: 1), price: Self.price(price),
                                      quantity: Self.quantity(100), exchangeTime: at(received), receiveTime: at(received))
        append(event, .marketEvent, journaled ?? received)
    }

    /// A new order decided at `created` ms and journaled at `journaled` ms.
    func newOrder(_ id: UInt64, _ side: Side, _ quantity: Int64, at price: String, instrument: UInt32 = 0, strategy: UInt16 = 1,
                  created: Int64, journaled: Int64) {
        let command = OrderCommand(kind: .new, orderId: OrderId(rawValue: id), instrument: InstrumentId(rawValue: instrument),
                                   side: side, type: .limit, timeInForce: .day, price: Self.price(price),
                                   quantity: Self.quantity(quantity), account: AccountId(rawValue: 1),
                                   strategy: StrategyId(rawValue: strategy), venue: VenueId(rawValue: 1), createdTime: at(created))
        append(command, .orderCommand, journaled)
    }

    func cancel(_ id: UInt64, of original: UInt64, instrument: UInt32 = 0, strategy: UInt16 = 1, journaled: Int64) {
        let command = OrderCommand(kind: .cancel, orderId: OrderId(rawValue: id), originalOrderId: OrderId(rawValue: original),
                                   instrument: InstrumentId(rawValue: instrument), side: .buy, type: .limit, timeInForce: .day,
                                   price: .zero, quantity: .zero, account: AccountId(rawValue: 1),
                                   strategy: StrategyId(rawValue: strategy), venue: VenueId(rawValue: 1), createdTime: at(journaled))
        append(command, .orderCommand, journaled)
    }

    /// An execution report as the engine journals it (instrument and strategy filled in).
    @discardableResult
    func execution(_ id: UInt64, _ type: ExecutionType, status: OrderStatus, side: Side = .buy, fill: (Int64, String)? = nil,
                   instrument: UInt32 = 0, strategy: UInt16 = 1, received: Int64, journaled: Int64? = nil,
                   executionId: UInt64? = nil, rejectReason: UInt16 = 0, flags: ExecutionFlags = [],
                   original: UInt64 = 0) -> UInt64 {
        var e = ExecutionEvent()
        e.orderId = OrderId(rawValue: id)
        e.originalOrderId = OrderId(rawValue: original)
        e.instrument = InstrumentId(rawValue: instrument)
        e.account = AccountId(rawValue: 1)
        e.strategy = StrategyId(rawValue: strategy)
        e.venue = VenueId(rawValue: 1)
        e.side = side
        e.executionType = type
        e.orderStatus = status
        e.rejectReason = rejectReason
        e.flags = flags.rawValue
        e.receiveTime = at(received)
        e.transactTime = at(received)
        let execId = executionId ?? nextExecutionId
        nextExecutionId = max(nextExecutionId, execId) + 1
        e.executionId = execId
        if let (quantity, price) = fill {
            e.lastQuantity = Self.quantity(quantity)
            e.lastPrice = Self.price(price)
        }
        append(e, .executionEvent, journaled ?? received)
        return execId
    }

    func riskDecision(_ id: UInt64, reason: UInt8, journaled: Int64) {
        var payload = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 { payload[i] = UInt8(truncatingIfNeeded: id >> (8 * UInt64(i))) }
        payload[8] = reason
        let result = payload.withUnsafeBytes { writer.append(type: .riskDecision, timestamp: at(journaled), payload: $0) }
        precondition(result != .failed, "fixture append failed")
    }

    private func append<T: BitwiseCopyable>(_ value: T, _ type: JournalRecordType, _ journaled: Int64) {
        let result = writer.append(value, type: type, timestamp: at(journaled))
        precondition(result != .failed, "fixture append failed")
    }

    /// Closes the writer and reads the journal back into a report.
    func report(_ options: JournalReportOptions = JournalReportOptions()) throws -> JournalReport {
        writer.close()
        return try JournalReport.read(path: directory.path, options: options)
    }

    /// Path of the journal file with roll number `index`.
    func filePath(_ index: UInt64 = 0) -> String { JournalFiles.path(directory.path, "engine", index) }
}

/// Money from text, for exact comparisons.
func money(_ text: String) -> Notional { Notional(Price(text)!) }
