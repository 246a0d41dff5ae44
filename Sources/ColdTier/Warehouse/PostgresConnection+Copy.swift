import CLibPQ
#if canImport(Glibc)
import Glibc
#endif

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
    /// is emptied whether or not the COPY succeeds. `whileSending`: see `copyIn(_:bytes:whileSending:)`.
    @discardableResult
    func copyBinary(into table: String, columns: [String], draining encoder: inout BinaryCopyEncoder,
                    whileSending: (() -> Bool)? = nil) throws -> Int {
        let sql = "COPY \(table) (\(columns.joined(separator: ", "))) FROM STDIN (FORMAT binary)"
        return try encoder.drain { try copyIn(sql, bytes: $0, whileSending: whileSending) }
    }

    /// Runs a `COPY … FROM STDIN` statement, sending `data` (already in the statement's
    /// format) in 1 MiB chunks; returns the rows stored.
    @discardableResult
    public func copyIn(_ sql: String, data: [UInt8]) throws -> Int {
        try data.withUnsafeBytes { try copyIn(sql, bytes: $0) }
    }

    /// `copyIn(_:data:)` over borrowed bytes.
    ///
    /// With `whileSending`, the data is queued in libpq's output buffer at once and the
    /// socket is flushed without blocking (`PQsetnonblocking`); while the server still has
    /// bytes to take, `whileSending` is called to do other work (the loader reads and
    /// encodes its next batch), and when it has none (returns false) the call waits in
    /// `poll` for the socket. So the client's work overlaps the server's COPY instead of
    /// alternating with it. The COPY's outcome is the same either way.
    func copyIn(_ sql: String, bytes raw: UnsafeRawBufferPointer, whileSending: (() -> Bool)? = nil) throws -> Int {
        let connection = try connection(Self.describe(sql))
        let start = PQexec(connection, sql)
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            defer { PQclear(start) }
            throw failure(.copyFailed, result: start, sql: sql)
        }
        PQclear(start)
        var sendFailed = false
        if let whileSending {
            sendFailed = !Self.sendOverlapped(connection, raw, whileSending)
        } else {
            var offset = 0
            while offset < raw.count {
                let count = min(Self.copyChunkBytes, raw.count - offset)
                let pointer = raw.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self)
                if PQputCopyData(connection, pointer, Int32(count)) != 1 { sendFailed = true; break }
                offset += count
            }
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

    /// Queues `raw` as COPY data and flushes it in non-blocking mode, calling `work` while
    /// the socket is busy; false on a send failure. Leaves the connection blocking again.
    private static func sendOverlapped(_ connection: OpaquePointer, _ raw: UnsafeRawBufferPointer, _ work: () -> Bool) -> Bool {
        guard PQsetnonblocking(connection, 1) == 0 else { return false }
        defer { _ = PQsetnonblocking(connection, 0) }
        var offset = 0
        while offset < raw.count {
            let count = min(Self.copyChunkBytes, raw.count - offset)
            let pointer = raw.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self)
            // Non-blocking: 1 queued (libpq enlarges its buffer and sends what the socket
            // takes), 0 would block (buffer not enlarged: flush first), -1 failed.
            switch PQputCopyData(connection, pointer, Int32(count)) {
            case 1: offset += count
            case 0: if !flushStep(connection, work) { return false }
            default: return false
            }
        }
        while true {
            switch PQflush(connection) {
            case 0: return true
            case 1: if !flushStep(connection, work) { return false }
            default: return false
            }
        }
    }

    /// While output is pending: the caller's work if it has any, else wait (up to 100 ms)
    /// until the socket can take more. False when the socket has failed.
    private static func flushStep(_ connection: OpaquePointer, _ work: () -> Bool) -> Bool {
        if work() { return PQflush(connection) >= 0 }
        var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLOUT | POLLIN), revents: 0)
        if descriptor.fd < 0 { return false }
        _ = poll(&descriptor, 1, 100)   // EINTR or a timeout just flushes again
        return PQflush(connection) >= 0
    }

    private func drainResults(_ connection: OpaquePointer) {
        while let result = PQgetResult(connection) { PQclear(result) }
    }
}
