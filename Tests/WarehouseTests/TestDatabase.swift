import Testing
import PeregrineWarehouse
#if canImport(Glibc)
import Glibc
#endif

/// The throwaway PostgreSQL cluster the integration tests use: `PEREGRINE_PG_CONNINFO` when
/// set, otherwise the one `scripts/postgres-test-cluster.sh start` makes (started once per
/// test process and left running for the next run; `… stop` removes it). Each test gets
/// its own database, dropped at the end.
enum TestCluster {
    /// The cluster's conninfo, or why there is none.
    static let conninfo: Result<String, ClusterUnavailable> = locate()

    struct ClusterUnavailable: Error, CustomStringConvertible {
        var description: String
    }

    private static func locate() -> Result<String, ClusterUnavailable> {
        if let value = getenv("PEREGRINE_PG_CONNINFO"), !String(cString: value).isEmpty {
            return .success(String(cString: value))
        }
        // Tests/WarehouseTests/TestDatabase.swift → the package root.
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        let script = parts.joined(separator: "/") + "/scripts/postgres-test-cluster.sh"
        guard let pipe = popen("bash '\(script)' start 2>&1", "r") else {
            return .failure(ClusterUnavailable(description: "could not run \(script)"))
        }
        var output = ""
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), pipe) != nil {
            let length = buffer.firstIndex(of: 0) ?? buffer.count
            output += String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        let status = pclose(pipe)
        let exitCode = (status >> 8) & 0xff
        guard exitCode == 0 else {
            return .failure(ClusterUnavailable(description: """
                PostgreSQL is needed for the warehouse tests and \(script) start failed (exit \(exitCode)). \
                Install the Debian package `postgresql` (apt-get install -y postgresql) or set PEREGRINE_PG_CONNINFO. Output:
                \(output)
                """))
        }
        for line in output.split(separator: "\n") where line.hasPrefix("export PEREGRINE_PG_CONNINFO=") {
            return .success(String(line.dropFirst("export PEREGRINE_PG_CONNINFO=".count)).replacingQuotes())
        }
        return .failure(ClusterUnavailable(description: "\(script) printed no conninfo:\n\(output)"))
    }
}

private extension String {
    func replacingQuotes() -> String { String(filter { $0 != "'" }) }
}

/// A fresh database for one test.
final class TestDatabase {
    let name: String
    let conninfo: String
    private let admin: PostgresConnection
    private static let lock = Mutex()

    init(_ label: String) throws {
        let base = try TestCluster.conninfo.get()
        admin = try PostgresConnection(conninfo: base)
        let number = Self.lock.next()
        name = "peregrine_wh_\(label)_\(getpid())_\(number)"
        try admin.execute("DROP DATABASE IF EXISTS \(name)")
        try admin.execute("CREATE DATABASE \(name)")
        conninfo = base + " dbname=\(name)"
    }

    func connect() throws -> PostgresConnection { try PostgresConnection(conninfo: conninfo) }

    func drop() { _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }

    /// A tiny counter lock (pthread mutex) so parallel tests get distinct names.
    final class Mutex: @unchecked Sendable {
        // SAFETY: guarded by the pthread mutex.
        private var mutex = pthread_mutex_t()
        private var value = 0
        init() { pthread_mutex_init(&mutex, nil) }
        func next() -> Int {
            pthread_mutex_lock(&mutex); defer { pthread_mutex_unlock(&mutex) }
            value += 1
            return value
        }
    }
}

extension PostgresConnection {
    /// `SELECT …` returning one integer.
    func integer(_ sql: String) throws -> Int64 { try query(sql).integer }
    /// `SELECT …` returning one text value.
    func text(_ sql: String) throws -> String? { try query(sql).scalar }
}
