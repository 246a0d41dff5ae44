import PeregrineCore

/// Decodes the engine's event payloads from journal records safely: the size must match and
/// every enum byte must name a case before the bytes are loaded as the Swift type (loading
/// an out-of-range enum byte would be undefined behaviour). FORMAT.md: payload-free enums are
/// stored as their case index (0, 1, 2, … in declaration order), not their raw value; field
/// offsets come from `MemoryLayout`, the layout the writer used (pinned by the event layout
/// tests). Used by start-up recovery, the warehouse loader and the reports.
///
/// Any thread; no allocation; `nil` for a payload that is not a valid event of the type.
public enum JournalPayload {
    public static func marketEvent(_ record: JournalRecord) -> MarketEvent? {
        guard record.payload.count == MemoryLayout<MarketEvent>.size,
              valid(record.payload, MemoryLayout<MarketEvent>.offset(of: \.kind), MarketEventKind.self) else { return nil }
        return record.load(as: MarketEvent.self)
    }

    public static func orderCommand(_ record: JournalRecord) -> OrderCommand? {
        let p = record.payload
        guard p.count == MemoryLayout<OrderCommand>.size,
              valid(p, MemoryLayout<OrderCommand>.offset(of: \.kind), OrderCommandKind.self),
              valid(p, MemoryLayout<OrderCommand>.offset(of: \.side), Side.self),
              valid(p, MemoryLayout<OrderCommand>.offset(of: \.type), OrderType.self),
              valid(p, MemoryLayout<OrderCommand>.offset(of: \.timeInForce), TimeInForce.self) else { return nil }
        return record.load(as: OrderCommand.self)
    }

    public static func executionEvent(_ record: JournalRecord) -> ExecutionEvent? {
        let p = record.payload
        guard p.count == MemoryLayout<ExecutionEvent>.size,
              valid(p, MemoryLayout<ExecutionEvent>.offset(of: \.executionType), ExecutionType.self),
              valid(p, MemoryLayout<ExecutionEvent>.offset(of: \.orderStatus), OrderStatus.self),
              valid(p, MemoryLayout<ExecutionEvent>.offset(of: \.side), Side.self) else { return nil }
        return record.load(as: ExecutionEvent.self)
    }

    /// A risk decision (FORMAT.md type 4): order id u64 LE at 0, reason code u8 at 8
    /// (0 = accepted), 7 reserved bytes.
    public static func riskDecision(_ record: JournalRecord) -> (orderId: OrderId, reason: UInt8)? {
        let p = record.payload
        guard p.count >= 9 else { return nil }
        var id: UInt64 = 0
        for i in (0..<8).reversed() { id = id << 8 | UInt64(p[i]) }
        return (OrderId(rawValue: id), p[8])
    }

    @inline(__always)
    static func valid<E: CaseIterable>(_ payload: UnsafeRawBufferPointer, _ offset: Int?, _: E.Type) -> Bool {
        guard let offset, offset < payload.count, MemoryLayout<E>.size == 1 else { return false }
        return Int(payload[offset]) < E.allCases.count
    }
}
