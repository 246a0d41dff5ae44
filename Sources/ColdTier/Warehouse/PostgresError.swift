/// A PostgreSQL failure with a stable code, the server's SQLSTATE when there is one, and
/// the operation it happened in.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// Stable error codes (their raw values appear in logs and are safe to match on).
    public enum Code: String, Sendable {
        /// The connection could not be opened (bad conninfo, server down, auth failed).
        case connectionFailed = "PG-CONNECT"
        /// The connection broke while in use (server restart, network); retry after reconnecting.
        case connectionLost = "PG-CONNECTION-LOST"
        /// The server rejected a statement (see `sqlState`).
        case statementFailed = "PG-STATEMENT"
        /// A COPY failed (see `sqlState`).
        case copyFailed = "PG-COPY"
        /// The server answered something the client did not expect.
        case unexpectedResult = "PG-UNEXPECTED"
    }

    public var code: Code
    /// Five-character SQLSTATE (e.g. `23514` check violation), when the server sent one.
    public var sqlState: String?
    /// libpq's or the server's message.
    public var message: String
    /// What the client was doing (operation and the start of the statement).
    public var context: String

    public init(_ code: Code, sqlState: String? = nil, message: String, context: String) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
        self.context = context
    }

    /// Whether retrying on a fresh connection may succeed (connection errors, SQLSTATE
    /// class 08, admin shutdown 57P01–57P03, serialization/deadlock 40001/40P01).
    public var isTransient: Bool {
        if code == .connectionFailed || code == .connectionLost { return true }
        guard let state = sqlState else { return false }
        return state.hasPrefix("08") || state.hasPrefix("57P") || state == "40001" || state == "40P01"
    }

    public var description: String {
        var text = "\(code.rawValue)"
        if let sqlState { text += " [\(sqlState)]" }
        text += ": \(message) (while \(context))"
        return text
    }
}
