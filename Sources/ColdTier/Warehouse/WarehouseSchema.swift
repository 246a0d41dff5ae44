/// One versioned schema change: SQL applied once, in a transaction, and recorded in
/// `schema_migrations`.
public struct WarehouseMigration: Sendable {
    public var version: Int
    public var name: String
    public var sql: String
}

/// The warehouse schema (SCHEMA.md) and its migrations.
public enum WarehouseSchema {
    /// Every migration, in version order. Append new ones; never edit an applied one.
    public static let migrations: [WarehouseMigration] = [tables, views]

    /// The newest version.
    public static var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Applies the migrations the database lacks, each in its own transaction, and returns
    /// the versions applied (empty when up to date). Safe to run concurrently: an advisory
    /// lock serializes migrators.
    @discardableResult
    public static func migrate(_ connection: PostgresConnection) throws -> [Int] {
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        var applied: [Int] = []
        for migration in migrations {
            let done = try connection.transaction { () throws -> Bool in
                // Key: "PRGNWHSE" — the same for every migrator of this schema.
                try connection.execute("SELECT pg_advisory_xact_lock(5787360113148168261)")
                let existing = try connection.query("SELECT 1 FROM schema_migrations WHERE version = $1", [String(migration.version)])
                if existing.count > 0 { return false }
                try connection.execute(migration.sql)
                try connection.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                                     [String(migration.version), migration.name])
                return true
            }
            if done { applied.append(migration.version) }
        }
        return applied
    }

    /// The versions recorded in the database, ascending.
    public static func appliedVersions(_ connection: PostgresConnection) throws -> [Int] {
        try connection.query("SELECT version FROM schema_migrations ORDER BY version").rows.compactMap { $0[0].flatMap { Int($0) } }
    }
}
