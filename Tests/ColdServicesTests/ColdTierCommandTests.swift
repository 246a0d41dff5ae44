import Testing
import PeregrineWarehouse
#if canImport(Glibc)
import Glibc
#endif

/// The real `peregrine cold-tier` binary: SIGTERM in the middle of a run exits 0 with the
/// warehouse consistent; a SIGKILL (crash) leaves it consistent too; a restart finishes the
/// job with no duplicates.
@Suite("peregrine cold-tier process", .serialized)
struct ColdTierCommandTests {
    /// The `peregrine` built with these tests (`swift build --build-tests`, debug or `-c release`).
    static var binary: String {
        #if DEBUG
        ColdTestSupport.root + "/.build/debug/peregrine"
        #else
        ColdTestSupport.root + "/.build/release/peregrine"
        #endif
    }

    /// Starts `peregrine cold-tier …` with its output in `log`; its pid.
    static func spawn(_ arguments: [String], log: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([binary] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, binary, &actions, nil, argv, environ)
        guard result == 0 else { throw ColdTestSupport.Failure(description: "posix_spawn \(binary): errno \(result)") }
        return pid
    }

    /// Waits for `pid` to exit (at most `seconds`); its exit status, or nil if it did not exit.
    static func wait(_ pid: pid_t, seconds: Int = 60) -> Int32? {
        for _ in 0..<(seconds * 20) {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            }
            ColdTestSupport.sleep(milliseconds: 50)
        }
        return nil
    }

    static func integer(_ conninfo: String, _ sql: String) -> Int64 {
        guard let connection = try? PostgresConnection(conninfo: conninfo) else { return -1 }
        defer { connection.close() }
        return (try? connection.query(sql).integer) ?? -1
    }

    static func logText(_ path: String) -> String {
        (try? ColdTestSupport.shell("cat '\(path)'")) ?? "<no log>"
    }

    @Test("SIGTERM mid-run exits 0 with the warehouse consistent; after a SIGKILL too; a restart completes it without duplicates")
    func sigtermMidRun() throws {
        guard access(Self.binary, X_OK) == 0 else {
            Issue.record("\(Self.binary) is missing: run `swift build --build-tests` first"); return
        }
        let base = try ColdTestSupport.conninfo.get()
        let name = "peregrine_cold_sigterm_\(getpid())"
        let conninfo = try ColdTestSupport.database(name, base: base)
        defer { ColdTestSupport.dropDatabase(name, base: base) }
        let journal = try GrowingJournal()
        try journal.append(6_000)
        let cqlFile = journal.directory.file("live.cql")
        let file = try #require(fopen(cqlFile, "w"))
        fputs(GrowingJournal.cql, file)
        fclose(file)
        let log = journal.directory.file("cold-tier.log")
        let arguments = ["cold-tier", "--journal", journal.directory.path, "--conninfo", conninfo, "--cql", cqlFile,
                         "--batch", "50", "--instruments", "8", "--lateness-ms", "2000", "--progress-interval", "0.2", "--poll-ms", "10"]

        // First run: stop it with SIGTERM while it is loading and the journal still grows.
        let first = try Self.spawn(arguments, log: log)
        var sawLoad = false
        for _ in 0..<600 where !sawLoad {
            sawLoad = Self.integer(conninfo, "SELECT coalesce(max(sequence), 0) FROM journal_positions") > 0
                && Self.integer(conninfo, "SELECT coalesce(max(sequence), 0) FROM cq_positions") > 0
            if !sawLoad { ColdTestSupport.sleep(milliseconds: 50) }
        }
        #expect(sawLoad, "the loader and the query committed something; log:\n\(Self.logText(log))")
        try journal.append(500)
        kill(first, SIGTERM)
        let firstExit = Self.wait(first)
        #expect(firstExit == 0, "exit status after SIGTERM; log:\n\(Self.logText(log))")
        if firstExit == nil { kill(first, SIGKILL); _ = Self.wait(first) }
        let stoppedAt = Self.integer(conninfo, "SELECT sequence FROM journal_positions")
        #expect(stoppedAt > 0)
        #expect(stoppedAt < Int64(journal.records), "stopped mid-run, before the end of the journal")
        #expect(Self.logText(log).contains("cold-tier: shut down cleanly"))
        try ColdServicesTests.checkConsistent(conninfo, journal, complete: false)

        // Second run: killed with SIGKILL (a crash) once it has committed past the first stop.
        try journal.append(4_000)
        let crashed = try Self.spawn(arguments, log: log)
        var moved = false
        for _ in 0..<600 where !moved {
            moved = Self.integer(conninfo, "SELECT sequence FROM journal_positions") > stoppedAt
            if !moved { ColdTestSupport.sleep(milliseconds: 20) }
        }
        #expect(moved, "the second run loaded past sequence \(stoppedAt); log:\n\(Self.logText(log))")
        kill(crashed, SIGKILL)
        #expect(Self.wait(crashed) == 128 + SIGKILL)
        try ColdServicesTests.checkConsistent(conninfo, journal, complete: false)

        // Third run: catches up from the stored positions; SIGTERM once it has.
        try journal.append(500)
        let second = try Self.spawn(arguments, log: log)
        let records = Int64(journal.records)
        var caughtUp = false
        for _ in 0..<1_800 where !caughtUp {
            caughtUp = Self.integer(conninfo, "SELECT sequence FROM journal_positions") == records
                && Self.integer(conninfo, "SELECT sequence FROM cq_positions WHERE query_name = 'live'") == records
            if !caughtUp { ColdTestSupport.sleep(milliseconds: 50) }
        }
        #expect(caughtUp, "the restarted process caught up with \(records) records; log:\n\(Self.logText(log))")
        kill(second, SIGTERM)
        let secondExit = Self.wait(second)
        #expect(secondExit == 0)
        if secondExit == nil { kill(second, SIGKILL); _ = Self.wait(second) }
        try ColdServicesTests.checkConsistent(conninfo, journal, complete: true)
        let text = Self.logText(log)
        #expect(text.contains("etl: running"), "progress lines were logged")
        #expect(text.contains("cq live:"), "query progress lines were logged")
    }
}
