import PeregrineCore
import PeregrineJournal

/// The journal's safe payload decoder (shared with recovery and the reports).
typealias WarehousePayload = JournalPayload

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
