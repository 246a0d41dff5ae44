/// One line of the ODS violations report.
public struct ODSViolation: Sendable, Equatable {
    /// An `ODSRule` name, or a live check (`position_equals_sum_of_fills`,
    /// `fill_exceeds_order_quantity (stored)`).
    public var rule: String
    public var count: Int64
    public var firstSequence: UInt64?
    public var lastSequence: UInt64?
    /// The reason given for the first violation.
    public var example: String
}

/// Reports over the operational data store.
public enum WarehouseReport {
    /// Violations by rule (from the `ods_violations` view): quarantined records plus the
    /// live invariant checks, ordered by rule.
    public static func violations(_ connection: PostgresConnection) throws -> [ODSViolation] {
        try connection.query("SELECT rule, violations, first_sequence, last_sequence, example FROM ods_violations ORDER BY rule")
            .rows.map { row in
                ODSViolation(rule: row[0] ?? "", count: row[1].flatMap { Int64($0) } ?? 0,
                             firstSequence: row[2].flatMap { Int64($0) }.map { UInt64(bitPattern: $0) },
                             lastSequence: row[3].flatMap { Int64($0) }.map { UInt64(bitPattern: $0) },
                             example: row[4] ?? "")
            }
    }

    /// The report as text, one rule per line ("no violations" when clean).
    public static func violationsText(_ connection: PostgresConnection) throws -> String {
        let lines = try violations(connection)
        guard !lines.isEmpty else { return "ODS: no violations" }
        var text = "ODS violations:"
        for line in lines {
            var range = ""
            if let first = line.firstSequence, let last = line.lastSequence { range = " (sequences \(first)…\(last))" }
            text += "\n  \(line.rule): \(line.count)\(range) — e.g. \(line.example)"
        }
        return text
    }
}
