import CLibPQ

extension PostgresConnection {
    /// Bytes handed to libpq per `PQputCopyData` call (1 MiB measured fastest here:
    /// ../shared/design/MACHINE-NOTES.md, PostgreSQL).
    static let copyChunkBytes = 1 << 20

    /// Streams a binary COPY (`COPY table (columns) FROM STDIN (FORMAT binary)`) built by
    /// `encoder` and returns the number of rows the server stored.
    @discardableResult
    public func copyBinary(into table: String, columns: [String], _ encoder: consuming BinaryCopyEncoder) throws -> Int {
        let sql = "COPY \(table) (\(columns.joined(separator: ", "))) FROM STDIN (FORMAT binary)"
        return try copyIn(sql, data: encoder.finished())
    }

    /// Streams an encoder's rows as a binary COPY and empties it for reuse (its buffer is
    /// kept: see `BinaryCopyEncoder.drain`); returns the rows the server stored. The encoder
    /// is emptied whether or not the COPY succeeds.
    @discardableResult
    func copyBinary(into table: String, columns: [String], draining encoder: inout BinaryCopyEncoder) throws -> Int {
        let sql = "COPY \(table) (\(columns.joined(separator: ", "))) FROM STDIN (FORMAT binary)"
        return try encoder.drain { try copyIn(sql, bytes: $0) }
    }

    /// Runs a `COPY … FROM STDIN` statement, sending `data` (already in the statement's
    /// format) in 1 MiB chunks; returns the rows stored.
    @discardableResult
    public func copyIn(_ sql: String, data: [UInt8]) throws -> Int {
        try data.withUnsafeBytes { try copyIn(sql, bytes: $0) }
    }

    /// `copyIn(_:data:)` over borrowed bytes.
    func copyIn(_ sql: String, bytes raw: UnsafeRawBufferPointer) throws -> Int {
        let connection = try connection(Self.describe(sql))
        let start = PQexec(connection, sql)
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            defer { PQclear(start) }
            throw failure(.copyFailed, result: start, sql: sql)
        }
        PQclear(start)
        var sendFailed = false
        var offset = 0
        while offset < raw.count {
            let count = min(Self.copyChunkBytes, raw.count - offset)
            let pointer = raw.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self)
            if PQputCopyData(connection, pointer, Int32(count)) != 1 { sendFailed = true; break }
            offset += count
        }
        if sendFailed || PQputCopyEnd(connection, nil) != 1 {
            let message = Self.trimmed(String(cString: PQerrorMessage(connection)))
            drainResults(connection)
            throw PostgresError(isConnected ? .copyFailed : .connectionLost, message: message, context: Self.describe(sql))
        }
        // The COPY's own result, then nil.
        var rows = 0
        var firstError: PostgresError?
        while let result = PQgetResult(connection) {
            if PQresultStatus(result) == PGRES_COMMAND_OK {
                rows = Int(String(cString: PQcmdTuples(result))) ?? 0
            } else if firstError == nil {
                firstError = failure(.copyFailed, result: result, sql: sql)
            }
            PQclear(result)
        }
        if let firstError { throw firstError }
        if !isConnected { throw PostgresError(.connectionLost, message: "connection lost during COPY", context: Self.describe(sql)) }
        return rows
    }

    private func drainResults(_ connection: OpaquePointer) {
        while let result = PQgetResult(connection) { PQclear(result) }
    }
}
