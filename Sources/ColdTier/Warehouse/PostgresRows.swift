import CLibPQ

/// The rows of a query result, copied out as text (the cold tier's small control queries;
/// bulk data goes in through COPY).
public struct PostgresRows: Sendable, Sequence {
    /// Column names, in order.
    public let columns: [String]
    /// Row values as text; `nil` is SQL NULL.
    public let rows: [[String?]]
    /// The statement's affected-row count, when it reports one.
    public let affectedRows: Int

    init(_ result: OpaquePointer) {
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var rows: [[String?]] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            rows.append((0..<columnCount).map { column in
                PQgetisnull(result, Int32(row), Int32(column)) == 1 ? nil
                    : String(cString: PQgetvalue(result, Int32(row), Int32(column)))
            })
        }
        self.rows = rows
        affectedRows = Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    public var count: Int { rows.count }
    public func makeIterator() -> IndexingIterator<[[String?]]> { rows.makeIterator() }

    /// The first row's first value (for `SELECT count(*)`-style queries).
    public var scalar: String? { rows.first?.first ?? nil }

    /// The first row's first value as an integer (0 when NULL or absent).
    public var integer: Int64 { scalar.flatMap { Int64($0) } ?? 0 }
}
