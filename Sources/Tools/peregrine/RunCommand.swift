import ArgumentParser
import PeregrineCEP
import PeregrineCore
import PeregrineEngine
import PeregrineJournal
import PeregrineModels
import PeregrineStrategy
import PeregrinePlatform
import PeregrineRisk
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `peregrine run --config FILE`: the engine with the example strategies against a venue
/// and feed from configuration, operator commands on a local control socket, recovery from
/// the journal on start-up.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the engine from a configuration file (see config/engine.conf), with operator commands on a control socket.",
        discussion: """
        Connects to the FIX venue and the IQFeed-protocol feed named in the file, trades the example \
        strategies, journals every event, and (with recover = yes) rebuilds orders and positions from \
        the journal at start-up. Operator commands: `peregrine ctl --socket PATH status|positions|kill|reset|reconcile|reload-limits FILE|reload-model FILE|stop`. \
        SIGINT/SIGTERM stop cleanly (logout, journal flushed) and print the run report.
        """
    )

    @Option(help: "Engine configuration file.")
    var config: String

    @Option(help: "Stop after this many seconds (default: until SIGINT/SIGTERM or `ctl stop`).")
    var seconds: Int?

    @Option(help: "Write the run report as JSON here on exit.")
    var report: String?

    @Flag(help: "Check the configuration and the risk limits, print the effective settings, and exit.")
    var check = false

    func run() throws {
        ProcessControls.lineBufferStandardOutput()
        let parsed: EngineConfigFile
        do {
            parsed = try EngineConfigFile.parse(try DemoCommand.readFile(config), source: config)
        } catch let errors as EngineConfigErrors {
            throw ValidationError("configuration problems:\n\(errors)")
        }
        let engineConfiguration = parsed.engine
        let limits = try Self.limits(parsed)
        if check {
            print("configuration \(config): OK")
            print("  symbols \(engineConfiguration.symbols.joined(separator: ", ")); venue \(engineConfiguration.orderEntry) as \(engineConfiguration.senderCompID)->\(engineConfiguration.targetCompID) (\(engineConfiguration.fixVersion)); feed \(engineConfiguration.feed)")
            for v in engineConfiguration.additionalVenues {
                let how = v.orderProtocol == .tws ? "TWS API, client id \(v.twsClientId), account \(v.accountName)"
                                                  : "\(v.senderCompID)->\(v.targetCompID) (\(v.fixVersion))\(v.tls != nil ? ", TLS" : "")"
                print("  venue \(v.name): \(v.orderEntry) \(how)")
            }
            if !engineConfiguration.routes.isEmpty { print("  routing rules: \(engineConfiguration.routes.count) (first match; otherwise the primary venue)") }
            print("  model \(parsed.modelFile.map { "\($0), checked every \(parsed.modelWatchSeconds) s" } ?? "built-in sample")")
            print("  journal \(engineConfiguration.journalDirectory ?? "off"), FIX store \(engineConfiguration.fixStoreDirectory ?? "memory (reset on logon)"), recover \(engineConfiguration.recoverFromJournal)")
            print("  risk limits: \(parsed.riskFile ?? "built-in demo limits")")
            for line in limits.effectiveConfiguration { print("    \(line)") }
            return
        }
        if let directory = engineConfiguration.journalDirectory { try DemoCommand.makeDirectories(directory) }
        if let directory = engineConfiguration.fixStoreDirectory { try DemoCommand.makeDirectories(directory) }
        if let path = parsed.controlSocket, let slash = path.lastIndex(of: "/") {
            try DemoCommand.makeDirectories(String(path[..<slash]))
        }
        let n = engineConfiguration.symbols.count
        let queries: CQLQuerySet
        do {
            if let file = parsed.cqlFile {
                queries = try ExampleSetup.queries(instrumentCount: n, source: try DemoCommand.readFile(file), file: file)
            } else {
                queries = try ExampleSetup.queries(instrumentCount: n)
            }
        } catch let error as CQLError {
            throw ValidationError("continuous queries:\n\(error)")
        }
        let modelSlot: ModelSlot
        if let file = parsed.modelFile {
            modelSlot = ModelSlot(try ExampleSetup.imbalanceModel(path: file))
            print("model: \(file)")
        } else {
            modelSlot = ModelSlot(try Model(ImbalanceReversionAlpha.sampleModelDefinition()))
        }
        let engine = try TradingEngine(configuration: engineConfiguration,
                                       strategies: try ExampleSetup.strategies(instrumentCount: n, queries: queries, model: modelSlot),
                                       riskLimits: limits, queries: queries)
        let r = engine.recovery
        if r.commands > 0 || r.executions > 0 {
            print("recovered from the journal: \(r.commands) commands, \(r.executions) venue reports; \(r.openOrdersCancelled) open orders marked cancelled (venue cancels on disconnect); positions:")
            print(engine.positionsText())
        }
        for p in r.problems { print("recovery: \(p)") }
        DemoCommand.installSignalHandlers()
        let stopRequested = Atomic<Bool>(false)
        var server: ControlServer? = nil
        if let path = parsed.controlSocket {
            server = try ControlServer(path: path) { line in
                Self.answer(line, engine: engine, parsed: parsed, model: modelSlot, stop: { stopRequested.store(true, ordering: .relaxed) })
            }
            print("control socket \(path): peregrine ctl --socket \(path) status")
        }
        // Journal replication to the backup server, on its own sleeping thread.
        var replication: (agent: JournalReplicationAgent, thread: PinnedThread)? = nil
        if let server = parsed.backupServer, let directory = engineConfiguration.journalDirectory {
            let agent = JournalReplicationAgent(configuration: JournalReplicationConfiguration(directory: directory, journalName: "engine", server: server))
            let thread = try PinnedThread.start(name: "replication", placement: ThreadPlacement()) {
                agent.onStart()
                while !stopRequested.load(ordering: .relaxed) && !demoInterrupted.load(ordering: .relaxed) {
                    if agent.doWork() == 0 { var pause = timespec(tv_sec: 0, tv_nsec: 1_000_000); nanosleep(&pause, nil) }
                }
                // Give the last records a moment to be acknowledged.
                let until = Clock.monotonicNanos() + 2_000_000_000
                while Clock.monotonicNanos() < until && agent.status.lagBytes > 0 { _ = agent.doWork() }
                agent.onClose()
            }
            replication = (agent, thread)
            print("journal replication to \(server)")
        }
        // A model file replaced by `peregrine train` (or a deploy) is picked up by itself.
        var modelWatcher: ModelFileWatcher? = nil
        if let file = parsed.modelFile, parsed.modelWatchSeconds > 0 {
            modelWatcher = ModelFileWatcher(path: file)
            print("model: watching \(file) every \(parsed.modelWatchSeconds) s for a new version")
        }
        let started = Clock.monotonicNanos()
        let watchInterval = UInt64(parsed.modelWatchSeconds * 1e9)
        var nextModelCheck = started + watchInterval
        try engine.start()
        print("engine running: venue \(engineConfiguration.orderEntry), feed \(engineConfiguration.feed), symbols \(engineConfiguration.symbols.joined(separator: ", ")); Ctrl-C stops")
        var nextProgress = started + 10_000_000_000
        while !demoInterrupted.load(ordering: .relaxed) && !stopRequested.load(ordering: .relaxed) {
            if let seconds, Clock.monotonicNanos() - started > UInt64(seconds) * 1_000_000_000 { break }
            var pause = timespec(tv_sec: 0, tv_nsec: 50_000_000)
            nanosleep(&pause, nil)
            if modelWatcher != nil && Clock.monotonicNanos() >= nextModelCheck {
                nextModelCheck = Clock.monotonicNanos() + watchInterval
                if let line = ExampleSetup.pickUpModel(&modelWatcher!, slot: modelSlot) { print(line) }
            }
            if Clock.monotonicNanos() >= nextProgress {
                nextProgress += 10_000_000_000
                let p = engine.progress
                var backup = ""
                if let r = replication?.agent.status { backup = "  backup \(r.connected ? "acked #\(r.ackedSequence)" : "DOWN")" }
                print("events \(p.marketEvents)  orders \(p.ordersSent)  fills \(p.fills)  risk rejects \(p.riskRejects)  venue \(p.venueConnected ? "up" : "DOWN")\(p.killSwitchEngaged ? "  KILL SWITCH" : "")\(backup)  \(p.lastNote)")
            }
        }
        server?.stop()
        engine.stop()
        stopRequested.store(true, ordering: .relaxed)
        if let replication {
            replication.thread.join()
            let r = replication.agent.status
            print("journal replication: acked #\(r.ackedSequence), \(r.lagRecords) record(s) not yet acknowledged")
        }
        let result = EngineReport(engine: engine, seconds: Double(Clock.monotonicNanos() - started) / 1e9)
        print(result.text, terminator: "")
        if let report { try DemoCommand.write(result.json, to: report) }
    }

    static func limits(_ parsed: EngineConfigFile) throws -> RiskLimits {
        let symbols = parsed.engine.symbols
        // Venue ids: the primary (named by its TargetCompID in risk files) then [venue.NAME]s.
        let venues = [parsed.engine.targetCompID] + parsed.engine.additionalVenues.map(\.name)
        guard let file = parsed.riskFile else { return try ExampleSetup.riskLimits(symbols: symbols, venues: venues) }
        do {
            return try RiskConfigParser.parse(try DemoCommand.readFile(file), source: file, instruments: ExampleSetup.registry(symbols: symbols),
                                              accounts: ["house", parsed.engine.accountName], venues: ["none"] + venues)
        } catch let errors as RiskConfigErrors {
            throw ValidationError("risk limits problems:\n\(errors)")
        }
    }

    /// One control-socket command line → its answer.
    static func answer(_ line: String, engine: TradingEngine<ExampleStrategySet>, parsed: EngineConfigFile, model: ModelSlot,
                       stop: () -> Void) -> String {
        let words = line.split(separator: " ").map(String.init)
        switch words.first ?? "" {
        case "status": return engine.perform(.status)
        case "positions": return engine.perform(.positions)
        case "kill": return engine.perform(.killSwitch)
        case "reset": return engine.perform(.resetKillSwitch)
        case "reconcile": return engine.perform(.reconcile)
        case "reload-limits":
            var p = parsed
            if words.count > 1 { p.riskFile = words[1] }
            guard p.riskFile != nil else { return "error: reload-limits needs a file (none in the configuration)" }
            do {
                var limits = try limits(p)
                limits.version = UInt64(Clock.now().nanosecondsSinceEpoch / 1_000_000_000)
                return engine.perform(.reloadLimits(limits))
            } catch {
                return "error: \(error)"
            }
        case "reload-model":
            // Off the engine thread: load, check, publish; the strategy's next prediction
            // uses the new model (lock-free swap, no pause on the hot path).
            guard let file = words.count > 1 ? words[1] : parsed.modelFile else {
                return "error: reload-model needs a file (none in the configuration)"
            }
            do {
                let next = try ExampleSetup.imbalanceModel(path: file)
                try model.publish(next)
                return "model swapped in: \(file) (\(next.kind), \(next.featureCount) features; \(model.publishedCount) published so far)"
            } catch {
                return "error: \(error)"
            }
        case "stop":
            stop()
            return "stopping"
        case "help", "":
            return "commands: status, positions, kill, reset, reconcile, reload-limits [FILE], reload-model [FILE], stop"
        default:
            return "error: unknown command '\(words[0])'; commands: status, positions, kill, reset, reconcile, reload-limits [FILE], reload-model [FILE], stop"
        }
    }
}

/// `peregrine ctl`: send one operator command to a running `peregrine run`.
struct CtlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ctl",
        abstract: "Send an operator command to a running engine: status, positions, kill, reset, reconcile, reload-limits [FILE], reload-model [FILE], stop."
    )

    @Option(help: "The engine's control socket (control_socket in its configuration).")
    var socket: String

    @Argument(help: "The command and its arguments.")
    var command: [String]

    func run() throws {
        let answer = try ControlServer.send(command.joined(separator: " "), to: socket)
        print(answer)
        if answer.hasPrefix("error:") { throw ExitCode(1) }
    }
}
