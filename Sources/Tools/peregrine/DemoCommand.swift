import ArgumentParser
import PeregrineCEP
import PeregrineCore
import PeregrineEngine
import PeregrineModels
import PeregrinePlatform
import PeregrineRisk
import PeregrineSimExchange
import PeregrineSimVenue
import PeregrineStrategy
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGINT/SIGTERM; the demo's main loop polls it.
let demoInterrupted = Atomic<Bool>(false)

/// `peregrine demo`: the simulated exchange (agent-driven markets behind a FIX acceptor and
/// an IQFeed-compatible feed) and the engine with the two example strategies, connected
/// over loopback sockets, for a bounded time; then the run report.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the end-to-end demo: simulated exchange and market on loopback, the engine trading against them.",
        discussion: """
        Starts a simulated exchange (matching engine with market-maker, noise and momentum agents, \
        behind a real FIX 4.4 acceptor, publishing an IQFeed-compatible Level 1 feed) and the engine \
        (feed → filters → book → strategies → pre-trade risk → OMS → FIX), trades for --seconds, \
        and prints events, orders, fills, rejects by risk reason, positions, P&L and tick-to-order \
        latency percentiles. Ctrl-C stops early with the same report.
        """
    )

    @Option(help: "How long to trade, in seconds.")
    var seconds: Int = 60

    @Option(help: "Comma-separated symbols to simulate and trade.")
    var symbols: String = "SPY,QQQ"

    @Option(help: "Directory for the journal and the report files.")
    var out: String = "demo-out"

    @Option(help: "Risk limits file (see docs/RISK.md); default: the built-in demo limits.")
    var risk: String?

    @Option(help: "Trade against recorded data instead of the agents: a LEAN data folder (e.g. ../shared/data/lean/Data); symbols are those with quote ticks on --date.")
    var data: String?

    @Option(help: "With --data: the recorded day (yyyymmdd; default: the earliest with quote ticks).")
    var date: Int?

    @Option(help: "With --data: recorded seconds per second (from 09:30 New York).")
    var speed: Double = 10

    @Option(help: "Pin the engine thread to this CPU.")
    var cpu: Int?

    @Flag(help: "Spin the engine thread when idle (only on an isolated core).")
    var spin = false

    @Option(help: "How the engine's sockets wait: blocking (polled without waiting), epoll, busy-poll, io_uring, io_uring-spin, io_uring-sqpoll.")
    var socketMode: String = "blocking"

    @Option(help: "Seed of the simulated market.")
    var seed: UInt64 = 7

    @Option(help: "Seconds between progress lines.")
    var progressEvery: Int = 5

    func validate() throws {
        guard seconds > 0 && seconds <= 86_400 else { throw ValidationError("--seconds must be 1…86400") }
        guard progressEvery > 0 else { throw ValidationError("--progress-every must be positive") }
        let list = symbolList
        guard !list.isEmpty, list.count <= 8 else { throw ValidationError("--symbols: give 1 to 8 symbols") }
        guard Set(list).count == list.count else { throw ValidationError("--symbols: a symbol is listed twice") }
        guard SocketMode(rawValue: socketMode) != nil else {
            throw ValidationError("--socket-mode: one of \(SocketMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    var symbolList: [String] {
        symbols.split(separator: ",").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
    }

    func run() throws {
        ProcessControls.lineBufferStandardOutput()
        var list = symbolList
        var replay: RecordedReplaySource? = nil
        if let data {
            guard let found = RecordedReplaySource.discover(dataDirectory: data, date: date) else {
                throw ValidationError("--data \(data): no LEAN quote ticks (equity/usa/tick/SYMBOL/YYYYMMDD_quote.zip)\(date.map { " for \($0)" } ?? "") under it")
            }
            guard speed > 0 && speed <= 10_000 else { throw ValidationError("--speed must be in (0, 10000]") }
            list = found.symbols
            replay = RecordedReplaySource(files: found.files, speed: speed)
            print("recorded data: \(found.symbols.joined(separator: ", ")) on \(found.date), from 09:30 New York at \(speed)× (the recorded quotes are the exchange's liquidity; recorded trades are printed on the feed)")
        }
        let started = Clock.monotonicNanos()
        let runDirectory = "\(out)/run-\(Self.stamp())"
        try Self.makeDirectories("\(runDirectory)/journal")

        // The exchange.
        var exchangeConfiguration = SimulatedExchangeConfiguration()
        exchangeConfiguration.symbols = list
        exchangeConfiguration.seed = seed
        exchangeConfiguration.replay = replay
        exchangeConfiguration.markets = list.enumerated().map { i, _ in
            var p = SimulatedMarketParameters()
            if i > 0 { p.initialFairValue = 80 + 40 * Double(i) }   // other symbols: same agents, other price levels
            return p
        }
        let exchange = SimulatedExchange(configuration: exchangeConfiguration)
        try exchange.start()
        defer { exchange.stop() }

        // The engine and its strategies.
        let limits: RiskLimits
        if let risk {
            limits = try RiskConfigParser.parse(try Self.readFile(risk), source: risk, instruments: ExampleSetup.registry(symbols: list),
                                                accounts: ["house", "DEMO"], venues: ["none", "SIMX"])
        } else {
            limits = try ExampleSetup.riskLimits(symbols: list)
        }
        var engineConfiguration = EngineConfiguration(symbols: list, orderEntry: .loopback(port: exchange.fixPort),
                                                      feed: .loopback(port: exchange.feedPort))
        engineConfiguration.journalDirectory = "\(runDirectory)/journal"
        engineConfiguration.spin = spin
        engineConfiguration.socketMode = SocketMode(rawValue: socketMode) ?? .blocking
        if let cpu { engineConfiguration.placement = ThreadPlacement(cpu: cpu) }
        let queries = try ExampleSetup.queries(instrumentCount: list.count)
        let engine = try TradingEngine(configuration: engineConfiguration,
                                       strategies: ExampleSetup.strategies(instrumentCount: list.count, queries: queries),
                                       riskLimits: limits, queries: queries)
        Self.installSignalHandlers()
        print("peregrine demo: exchange on FIX 127.0.0.1:\(exchange.fixPort), feed 127.0.0.1:\(exchange.feedPort); symbols \(list.joined(separator: ", "))")
        print("strategies: momentum crossover (EMA 5/40 of the mid from the CEP engine, passive limits) and imbalance mean reversion (logistic model, marketable limits)")
        print("trading for \(seconds) s (Ctrl-C stops early with the same report) …")
        try engine.start()

        let deadline = started + UInt64(seconds) * 1_000_000_000
        var nextProgress = Clock.monotonicNanos() + UInt64(progressEvery) * 1_000_000_000
        while Clock.monotonicNanos() < deadline && !demoInterrupted.load(ordering: .relaxed) {
            var pause = timespec(tv_sec: 0, tv_nsec: 100_000_000)
            nanosleep(&pause, nil)
            if Clock.monotonicNanos() >= nextProgress {
                nextProgress += UInt64(progressEvery) * 1_000_000_000
                let p = engine.progress
                let elapsed = Int((Clock.monotonicNanos() - started) / 1_000_000_000)
                print("[\(Self.padLeft(String(elapsed), 3)) s] events \(p.marketEvents)  orders \(p.ordersSent)  fills \(p.fills)  risk rejects \(p.riskRejects)  venue \(p.venueConnected ? "up" : "DOWN")\(p.killSwitchEngaged ? "  KILL SWITCH" : "")  exchange trades \(exchange.tradeCount)")
            }
        }
        if demoInterrupted.load(ordering: .relaxed) { print("interrupted: stopping cleanly …") }
        engine.stop()
        let elapsed = Double(Clock.monotonicNanos() - started) / 1e9
        exchange.stop()
        let report = EngineReport(engine: engine, seconds: elapsed)
        let replayed = exchange.replayProgress
        let text = report.text + (replay == nil ? "" : "recorded    : \(replayed.quotes) quotes applied, \(replayed.trades) trades printed\n")
            + "exchange    : \(exchange.tradeCount) trades printed, \(exchange.ordersReceivedCount) of our orders/cancels/replaces received, \(exchange.clientFillCount) fills sent to us, \(exchange.feedEventCount) feed lines\n"
        print(text, terminator: "")
        try Self.write(text, to: "\(runDirectory)/report.txt")
        try Self.write(report.json, to: "\(runDirectory)/report.json")
        print("report      : \(runDirectory)/report.txt, \(runDirectory)/report.json")
        if report.counters.fills == 0 {
            print("note: no fills in this run (the strategies found no signal strong enough); try a longer --seconds")
        }
    }

    // MARK: - Helpers

    static func installSignalHandlers() {
        let handler: @convention(c) (Int32) -> Void = { _ in demoInterrupted.store(true, ordering: .relaxed) }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }

    static func stamp() -> String {
        let c = Clock.now().civil
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(c.year)\(two(c.month))\(two(c.day))-\(two(c.hour))\(two(c.minute))\(two(c.second))"
    }

    static func padLeft(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }

    static func makeDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/\(part)"
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw ValidationError("cannot create \(current): \(String(cString: strerror(errno)))")
            }
        }
    }

    static func write(_ text: String, to path: String) throws {
        guard let f = fopen(path, "w") else { throw ValidationError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { fclose(f) }
        fputs(text, f)
    }

    static func readFile(_ path: String) throws -> String {
        guard let f = fopen(path, "r") else { throw ValidationError("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = fread(&chunk, 1, chunk.count, f)
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
