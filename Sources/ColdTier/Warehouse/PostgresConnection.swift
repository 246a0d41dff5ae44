import CLibPQ

/// One libpq connection: statements, parameterized queries, binary COPY and transactions.
///
/// Blocking (synchronous libpq); one thread at a time. The cold tier only: it never runs on
/// a hot-path core. Owns the `PGconn` and closes it in `deinit`, which also aborts an open
/// transaction (the server rolls back when the connection goes away).
public final class PostgresConnection: @unchecked Sendable {
    // SAFETY: libpq connections are not thread-safe; the type is used by one thread at a
    // time (the loader's), which the documentation above requires.
    private var handle: OpaquePointer?
    /// The conninfo it was opened with (for reconnecting).
    public let conninfo: String

    /// Connects with a libpq conninfo string (`host=… port=… dbname=…` or a URI).
    public init(conninfo: String) throws {
        self.conninfo = conninfo
        let connection = PQconnectdb(conninfo)
        guard let connection, PQstatus(connection) == CONNECTION_OK else {
            let message = connection.map { Self.trimmed(String(cString: PQerrorMessage($0))) } ?? "out of memory"
            PQfinish(connection)
            throw PostgresError(.connectionFailed, message: message,
                                context: "connecting with '\(Self.redacted(conninfo))'; is the server running and the conninfo right?")
        }
        handle = connection
        // CREATE … IF NOT EXISTS and friends send NOTICEs, which libpq prints to stderr.
        try execute("SET client_min_messages = warning")
    }

    deinit { PQfinish(handle) }

    /// Closes the connection now (an open transaction is rolled back by the server).
    public func close() {
        PQfinish(handle)
        handle = nil
    }

    /// Whether the connection is open and healthy.
    public var isConnected: Bool { handle.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// The server's version number (e.g. 150004).
    public var serverVersion: Int { handle.map { Int(PQserverVersion($0)) } ?? 0 }

    func connection(_ context: @autoclosure () -> String) throws -> OpaquePointer {
        guard let handle else {
            throw PostgresError(.connectionLost, message: "connection is closed", context: context())
        }
        return handle
    }

    /// Runs one or more statements without parameters (e.g. a migration). Returns the last
    /// statement's affected-row count when it reports one.
    @discardableResult
    public func execute(_ sql: String) throws -> Int {
        let connection = try connection(Self.describe(sql))
        let result = PQexec(connection, sql)
        defer { PQclear(result) }
        try check(result, expecting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK], sql: sql)
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    /// Runs one statement with text-format parameters (`$1`, `$2`, …; `nil` is NULL) and
    /// returns its rows as text.
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) throws -> PostgresRows {
        let connection = try connection(Self.describe(sql))
        let result = Self.withCStrings(parameters) { values in
            PQexecParams(connection, sql, Int32(values.count), nil, values, nil, nil, 0)
        }
        defer { PQclear(result) }
        try check(result, expecting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK], sql: sql)
        return PostgresRows(result!)
    }

    /// Begins a transaction.
    public func begin() throws { try execute("BEGIN") }
    /// Commits the open transaction.
    public func commit() throws { try execute("COMMIT") }
    /// Rolls the open transaction back (a broken connection needs no rollback).
    public func rollback() throws {
        guard isConnected else { return }
        try execute("ROLLBACK")
    }

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try begin()
        do {
            let value = try body()
            try commit()
            return value
        } catch {
            try? rollback()
            throw error
        }
    }

    // MARK: Errors

    func check(_ result: OpaquePointer?, expecting accepted: [ExecStatusType], sql: String) throws {
        guard let result else {
            throw failure(.connectionLost, result: nil, sql: sql)
        }
        let status = PQresultStatus(result)
        if accepted.contains(status) { return }
        let code: PostgresError.Code = status == PGRES_FATAL_ERROR || status == PGRES_NONFATAL_ERROR ? .statementFailed : .unexpectedResult
        throw failure(code, result: result, sql: sql)
    }

    func failure(_ code: PostgresError.Code, result: OpaquePointer?, sql: String) -> PostgresError {
        var code = code
        var message = ""
        var sqlState: String?
        if let result {
            message = Self.trimmed(String(cString: PQresultErrorMessage(result)))
            if let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))) { sqlState = String(cString: state) }
            if message.isEmpty { message = "unexpected result status \(String(cString: PQresStatus(PQresultStatus(result))))" }
        }
        if message.isEmpty, let handle { message = Self.trimmed(String(cString: PQerrorMessage(handle))) }
        if !isConnected { code = .connectionLost }
        return PostgresError(code, sqlState: sqlState, message: message, context: Self.describe(sql))
    }

    static func describe(_ sql: String) -> String {
        var flat = ""
        var lastWasSpace = false
        for character in sql {
            let space = character == " " || character == "\n" || character == "\t"
            if space && lastWasSpace { continue }
            flat.append(space ? " " : character)
            lastWasSpace = space
            if flat.count >= 120 { flat += "…"; break }
        }
        return "running '\(flat)'"
    }

    static func trimmed(_ text: String) -> String {
        var text = Substring(text)
        while let last = text.last, last == "\n" || last == " " { text = text.dropLast() }
        return String(text)
    }

    /// The conninfo with any password value hidden.
    static func redacted(_ conninfo: String) -> String {
        conninfo.split(separator: " ").map { $0.hasPrefix("password=") ? "password=***" : String($0) }.joined(separator: " ")
    }

    static func withCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        let storage: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0) } ?? nil }
        defer { for pointer in storage { free(pointer) } }
        return body(storage.map { $0.map { UnsafePointer($0) } })
    }
}

#if canImport(Glibc)
import Glibc
#endif
