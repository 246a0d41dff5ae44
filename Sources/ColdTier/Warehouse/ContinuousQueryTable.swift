import PeregrineCore
import PeregrineCEP

/// Where one named CQL stream is stored: `cq_<stream>`, one row per result.
///
/// Columns: `query_name`, `output_index` (the result's number in emission order; primary key
/// with the query name), `time_ns` (the result's event time: a window's end, a match time),
/// `instrument_id` (the partition: the instrument for `GROUP BY instrument`, else 0),
/// `integer_value` (`CEPOutput.integer`: events in the window, steps matched), one
/// `double precision` column per value of the stream (its CQL column names) and
/// `journal_sequence` (the record whose processing emitted it).
public struct ContinuousQueryTable: Sendable, Equatable {
    public var stream: String
    public var table: String
    /// Value column names, in `CEPOutput` value order.
    public var valueColumns: [String]

    static let fixedColumns = ["query_name", "output_index", "time_ns", "instrument_id", "integer_value", "journal_sequence"]

    init(stream: CQLStreamInfo) throws {
        self.stream = stream.name
        table = "cq_" + stream.name.lowercased()
        guard Self.isIdentifier(table), table.utf8.count <= 63 else {
            throw WarehouseError(.continuousQueryName, "stream '\(stream.name)' cannot be stored as table '\(table)'",
                                 context: "CQL line \(stream.location); use a name of letters, digits and _ (at most 60 characters)")
        }
        var used = Set(Self.fixedColumns)
        valueColumns = stream.columns.prefix(CEPOutput.maxValues).enumerated().map { index, name in
            var column = name.lowercased()
            if !Self.isIdentifier(column) { column = "value\(index)" }
            while used.contains(column) { column = "v_" + column }
            used.insert(column)
            return column
        }
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.utf8.first, first == UInt8(ascii: "_") || (first >= 97 && first <= 122) else { return false }
        return text.utf8.allSatisfy { $0 == UInt8(ascii: "_") || ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) }
    }

    var createStatement: String {
        """
        CREATE TABLE IF NOT EXISTS \(table) (
            query_name text NOT NULL,
            output_index bigint NOT NULL,
            time_ns bigint NOT NULL,
            instrument_id bigint NOT NULL,
            integer_value bigint NOT NULL,
            \(valueColumns.map { "\($0) double precision" }.joined(separator: ",\n    "))\(valueColumns.isEmpty ? "" : ",")
            journal_sequence bigint NOT NULL,
            PRIMARY KEY (query_name, output_index)
        );
        CREATE INDEX IF NOT EXISTS \(table)_instrument_time ON \(table) (instrument_id, time_ns);
        """
    }

    var copyColumns: [String] {
        ["query_name", "output_index", "time_ns", "instrument_id", "integer_value"] + valueColumns + ["journal_sequence"]
    }

    func encode(_ result: CEPOutput, queryName: String, outputIndex: Int64, journalSequence: UInt64,
                into rows: inout BinaryCopyEncoder) {
        rows.beginRow(fieldCount: 6 + valueColumns.count)
        rows.appendText(queryName)
        rows.appendBigint(outputIndex)
        rows.appendBigint(result.time.nanosecondsSinceEpoch)
        rows.appendBigint(Int64(result.partition))
        rows.appendBigint(result.integer)
        for i in 0..<valueColumns.count {
            if i < Int(result.valueCount) { rows.appendDouble(result[i]) } else { rows.appendNull() }
        }
        rows.appendBigint(Int64(bitPattern: journalSequence))
    }
}

extension ContinuousQueryRunner {
    static let positionsTable = """
        CREATE TABLE IF NOT EXISTS cq_positions (
            query_name text PRIMARY KEY,
            fingerprint text NOT NULL,
            journal_name text NOT NULL,
            sequence bigint NOT NULL DEFAULT 0,
            outputs bigint NOT NULL DEFAULT 0,
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """

    func ensureTables() throws {
        try connection.execute(Self.positionsTable)
        for table in tables { try connection.execute(table.createStatement) }
    }

    /// The stored position (creating the row at 0), after checking the fingerprint.
    func position() throws -> (sequence: UInt64, outputs: Int64) {
        try connection.query("""
            INSERT INTO cq_positions (query_name, fingerprint, journal_name) VALUES ($1, $2, $3) ON CONFLICT (query_name) DO NOTHING
            """, [options.queryName, options.fingerprint, options.journalName])
        let rows = try connection.query("SELECT fingerprint, journal_name, sequence, outputs FROM cq_positions WHERE query_name = $1",
                                        [options.queryName])
        guard let row = rows.rows.first, let fingerprint = row[0], let journal = row[1],
              let sequence = row[2].flatMap({ Int64($0) }), let outputs = row[3].flatMap({ Int64($0) }) else {
            throw PostgresError(.unexpectedResult, message: "no cq_positions row for '\(options.queryName)'", context: "reading the query position")
        }
        guard fingerprint == options.fingerprint, journal == options.journalName else {
            throw WarehouseError(.continuousQueryChanged,
                                 "query '\(options.queryName)' was stored from other CQL text, settings or journal ('\(journal)')",
                                 context: "resuming continuous query; use another --name, or delete its cq_positions row and cq_ rows to recompute")
        }
        return (UInt64(bitPattern: sequence), outputs)
    }

    /// One transaction: the batch's rows in every table, then the position (optimistic: only
    /// if no other runner moved it).
    func commit(_ rows: inout [BinaryCopyEncoder], progress: Progress, previousSequence: UInt64) throws {
        do {
            try connection.begin()
            for t in tables.indices where rows[t].rowCount > 0 {
                let stream = rows[t]
                rows[t] = BinaryCopyEncoder(reservingBytes: 1 << 12)
                try connection.copyBinary(into: tables[t].table, columns: tables[t].copyColumns, stream)
            }
            let updated = try connection.query("""
                UPDATE cq_positions SET sequence = $2, outputs = $3, updated_at = now() WHERE query_name = $1 AND sequence = $4
                """, [options.queryName, String(Int64(bitPattern: progress.lastSequence)), String(progress.outputIndex),
                      String(Int64(bitPattern: previousSequence))])
            guard updated.affectedRows == 1 else {
                throw WarehouseError(.concurrentLoader, "cq_positions for '\(options.queryName)' is no longer at sequence \(previousSequence)",
                                     context: "committing continuous query results; is another `peregrine cq` running with this name?")
            }
            try connection.commit()
        } catch {
            try? connection.rollback()
            throw error
        }
    }
}
