/// A loader failure with a stable code and context.
public struct WarehouseError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The journal could not be read (missing folder, corruption).
        case journal = "WH-JOURNAL"
        /// Another loader advanced the same journal's position concurrently.
        case concurrentLoader = "WH-CONCURRENT-LOADER"
    }
    public var code: Code
    public var message: String
    public var context: String

    public init(_ code: Code, _ message: String, context: String) {
        self.code = code; self.message = message; self.context = context
    }

    public var description: String { "\(code.rawValue): \(message) (while \(context))" }
}
