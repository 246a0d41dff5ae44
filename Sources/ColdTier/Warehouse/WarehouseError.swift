/// A loader failure with a stable code and context.
public struct WarehouseError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The journal could not be read (missing folder, corruption).
        case journal = "WH-JOURNAL"
        /// Another loader advanced the same journal's position concurrently.
        case concurrentLoader = "WH-CONCURRENT-LOADER"
        /// A continuous query's stored results came from different CQL text or settings.
        case continuousQueryChanged = "WH-CQ-CHANGED"
        /// Replaying the journal did not reproduce the stored results (journal or engine changed).
        case continuousQueryMismatch = "WH-CQ-MISMATCH"
        /// A stream or column name cannot be a PostgreSQL table or column.
        case continuousQueryName = "WH-CQ-NAME"
    }
    public var code: Code
    public var message: String
    public var context: String

    public init(_ code: Code, _ message: String, context: String) {
        self.code = code; self.message = message; self.context = context
    }

    public var description: String { "\(code.rawValue): \(message) (while \(context))" }
}
