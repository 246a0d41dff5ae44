/// The type of a journal record (see FORMAT.md). Extensible: applications use 1024 and up.
@frozen
public struct JournalRecordType: RawRepresentable, Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// A `MarketEvent` (64 bytes).
    public static let marketEvent = JournalRecordType(rawValue: 1)
    /// An `OrderCommand` (64 bytes).
    public static let orderCommand = JournalRecordType(rawValue: 2)
    /// An `ExecutionEvent` (128 bytes).
    public static let executionEvent = JournalRecordType(rawValue: 3)
    /// A risk decision.
    public static let riskDecision = JournalRecordType(rawValue: 4)
    /// Raw inbound message bytes.
    public static let rawInbound = JournalRecordType(rawValue: 16)
    /// Raw outbound message bytes.
    public static let rawOutbound = JournalRecordType(rawValue: 17)
    /// A configuration or limit change (UTF-8 text).
    public static let configurationChange = JournalRecordType(rawValue: 32)
    /// End of this file; the journal continues in the next.
    public static let endOfFile = JournalRecordType(rawValue: 0xFFFF)

    public var description: String {
        switch self {
        case .marketEvent: return "market-event"
        case .orderCommand: return "order-command"
        case .executionEvent: return "execution-event"
        case .riskDecision: return "risk-decision"
        case .rawInbound: return "raw-inbound"
        case .rawOutbound: return "raw-outbound"
        case .configurationChange: return "configuration-change"
        case .endOfFile: return "end-of-file"
        default: return "type-\(rawValue)"
        }
    }
}
