import PeregrineCore
import PeregrineJournal

/// Decodes event payloads safely: the size must match and every enum byte must be a known
/// case (index) before the bytes are loaded as the Swift type (loading an out-of-range enum byte
/// would be undefined behaviour). Offsets come from `MemoryLayout`, the same layout the
/// writer used (pinned by the event layout tests).
enum WarehousePayload {
    static func marketEvent(_ record: JournalRecord) -> MarketEvent? {
        guard record.payload.count == MemoryLayout<MarketEvent>.size,
              valid(record.payload, MemoryLayout<MarketEvent>.offset(of: \.kind), MarketEventKind.self) else { return nil }
        return record.load(as: MarketEvent.self)
    }

    static func orderCommand(_ record: JournalRecord) -> OrderCommand? {
        let p = record.payload
        guard p.count == MemoryLayout<OrderCommand>.size,
              valid(p, MemoryLayout<OrderCommand>.offset(of: \.kind), OrderCommandKind.self),
              valid(p, MemoryLayout<OrderCommand>.offset(of: \.side), Side.self),
              valid(p, MemoryLayout<OrderCommand>.offset(of: \.type), OrderType.self),
              valid(p, MemoryLayout<OrderCommand>.offset(of: \.timeInForce), TimeInForce.self) else { return nil }
        return record.load(as: OrderCommand.self)
    }

    static func executionEvent(_ record: JournalRecord) -> ExecutionEvent? {
        let p = record.payload
        guard p.count == MemoryLayout<ExecutionEvent>.size,
              valid(p, MemoryLayout<ExecutionEvent>.offset(of: \.executionType), ExecutionType.self),
              valid(p, MemoryLayout<ExecutionEvent>.offset(of: \.orderStatus), OrderStatus.self),
              valid(p, MemoryLayout<ExecutionEvent>.offset(of: \.side), Side.self) else { return nil }
        return record.load(as: ExecutionEvent.self)
    }

    /// Whether the enum byte at `offset` names a case. Swift stores a payload-free enum as
    /// its case index (0, 1, 2, … in declaration order), not its raw value, so that is what
    /// the journal holds.
    @inline(__always)
    private static func valid<E: CaseIterable>(_ payload: UnsafeRawBufferPointer, _ offset: Int?, _: E.Type) -> Bool {
        guard let offset, offset < payload.count, MemoryLayout<E>.size == 1 else { return false }
        return Int(payload[offset]) < E.allCases.count
    }
}

/// An order command or execution report waiting for the batch's stateful rules.
struct OrderFlowRecord {
    enum Event {
        case command(OrderCommand)
        case execution(ExecutionEvent)
    }
    var sequence: UInt64
    var timestamp: Int64
    var fileIndex: UInt64
    var offset: Int
    var type: UInt16
    var event: Event

    init(_ record: JournalRecord, _ event: Event) {
        sequence = record.sequence
        timestamp = record.timestamp.nanosecondsSinceEpoch
        fileIndex = WarehouseText.fileIndex(ofPath: record.file)
        offset = record.offset
        type = record.type.rawValue
        self.event = event
    }
}
