import ArgumentParser
import PeregrineCore
import PeregrineJournal
import PeregrinePlatform
#if canImport(Glibc)
import Glibc
#endif

/// `peregrine backup-server --dir DIR --port N`: keep byte-identical copies of the journals
/// that replication agents stream here (protocol: ReplicationProtocol.swift).
struct BackupServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup-server",
        abstract: "Run the journal backup server: receive replicated journals into a folder."
    )

    @Option(name: .long, help: "Folder to keep the journal copies in (created if missing).")
    var dir: String

    @Option(name: .long, help: "TCP port to listen on.")
    var port: UInt16

    @Option(name: .long, help: "Address to listen on (0.0.0.0 for every interface).")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "Durability before an ack: sync (msync every ack) or page-cache.")
    var durability: String = "sync"

    func run() throws {
        let policy: JournalBackupDurability
        switch durability {
        case "sync": policy = .syncBeforeAck
        case "page-cache": policy = .pageCache
        default: throw ValidationError("--durability \(durability): use sync or page-cache")
        }
        if mkdir(dir, 0o755) != 0 && errno != EEXIST {
            throw ValidationError("cannot create \(dir): \(SystemError("mkdir", errno: errno).reason)")
        }
        let address: SocketAddress
        do { address = try SocketAddress(parsing: "\(host):\(port)") } catch { throw ValidationError("\(error)") }
        let server = JournalBackupServer(directory: dir, address: address,
                                         configuration: JournalBackupServerConfiguration(durability: policy))
        do { try server.start() } catch { throw ValidationError("\(error)") }
        print("backup-server: \(host):\(server.port), storing in \(dir) (durability \(durability)); Ctrl-C to stop")
        fflush(nil)
        var printed = 0
        while true {
            _ = usleep(200_000)
            let lines = server.log
            if lines.count < printed { printed = 0 }
            if lines.count > printed {
                for line in lines[printed...] { print("backup-server: \(line)") }
                printed = lines.count
                fflush(nil)   // log lines reach a file or pipe as they happen
            }
        }
    }
}

/// `peregrine backup …`: restore (and replicate) journals.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Restore a journal from a backup folder, or replicate one to a backup server.",
        subcommands: [Restore.self, Replicate.self]
    )

    /// `peregrine backup restore --from DIR --to DIR`.
    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild journal files from a backup folder, verifying every record (exit 1 on a problem)."
        )

        @Option(name: .long, help: "The backup server's folder.")
        var from: String

        @Option(name: .long, help: "Folder to restore into (created if missing).")
        var to: String

        @Option(name: .long, help: "Journal name to restore (default: every journal in the backup).")
        var name: String? = nil

        @Flag(name: .long, help: "Replace files of the journal already in the target folder.")
        var overwrite = false

        func run() throws {
            do {
                let results: [JournalVerification]
                if let name {
                    results = [try JournalRestore.restore(from: from, to: to, name: name, overwrite: overwrite)]
                } else {
                    results = try JournalRestore.restoreAll(from: from, to: to, overwrite: overwrite)
                }
                if results.isEmpty { print("no journals in \(from)"); throw ExitCode(1) }
                for r in results { print("restored \(r)") }
            } catch let error as JournalError {
                print("error: \(error)")
                throw ExitCode(1)
            }
        }
    }

    /// `peregrine backup replicate --dir DIR --server HOST:PORT`: run the replication agent
    /// stand-alone (the engine runs it as an agent beside its journal).
    struct Replicate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stream a journal folder to a backup server (tails it until stopped)."
        )

        @Option(name: .long, help: "Folder holding the journal files.")
        var dir: String

        @Option(name: .long, help: "Journal name (files are NAME-<index>.pjournal).")
        var name: String = "journal"

        @Option(name: .long, help: "Backup server address, host:port.")
        var server: String

        @Flag(name: .long, help: "Exit once everything in the journal is acknowledged and nothing new arrived for a second.")
        var exitWhenIdle = false

        func run() throws {
            let address: SocketAddress
            do { address = try SocketAddress(parsing: server) } catch { throw ValidationError("\(error)") }
            let agent = JournalReplicationAgent(configuration: JournalReplicationConfiguration(directory: dir, journalName: name, server: address))
            agent.onStart()
            defer { agent.onClose() }
            var lastReport = Clock.monotonicNanos()
            var idleSince = lastReport
            var lastError: String?
            while true {
                let work = agent.doWork()
                let now = Clock.monotonicNanos()
                let status = agent.status
                if work > 0 { idleSince = now }
                if status.lastError != lastError, let e = status.lastError { print("replicate: \(e)"); lastError = e; fflush(nil) }
                if now - lastReport > 5_000_000_000 {
                    print("replicate: acked #\(status.ackedSequence), lag \(status.lagRecords) record(s) / \(status.lagBytes) bytes, \(status.connected ? "connected" : "disconnected")")
                    lastReport = now
                }
                if exitWhenIdle && status.connected && status.lagBytes == 0 && now - idleSince > 1_000_000_000 {
                    print("replicate: caught up at #\(status.ackedSequence)")
                    return
                }
                if work == 0 { _ = usleep(1_000) }
            }
        }
    }
}
