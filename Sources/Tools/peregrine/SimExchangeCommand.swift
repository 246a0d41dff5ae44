import ArgumentParser
import PeregrineCore
import PeregrinePlatform
import PeregrineSimExchange
import PeregrineSimVenue
#if canImport(Glibc)
import Glibc
#endif

/// `peregrine sim-exchange`: the simulated exchange as its own process (paper trading,
/// crash tests, trying `peregrine run` without a real venue).
struct SimExchangeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim-exchange",
        abstract: "Run the simulated exchange: agent-driven markets behind a FIX 4.4 acceptor and an IQFeed-compatible Level 1 feed."
    )

    @Option(help: "FIX order-entry port.")
    var fixPort: UInt16 = 9878

    @Option(help: "Level 1 feed port.")
    var feedPort: UInt16 = 9501

    @Option(help: "Comma-separated symbols.")
    var symbols: String = "SPY,QQQ"

    @Option(help: "Client SenderCompIDs allowed to log on (comma-separated); each trades under account 1, 2, …")
    var clients: String = "PEREGRINE"

    @Option(help: "Seed of the markets.")
    var seed: UInt64 = 7

    @Option(help: "Stop after this many seconds (default: until SIGINT/SIGTERM).")
    var seconds: Int?

    @Option(help: "Write a JSON summary (trades, each client's bought/sold per symbol) here on exit.")
    var report: String?

    func run() throws {
        ProcessControls.lineBufferStandardOutput()
        let list = symbols.split(separator: ",").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
        let clientList = clients.split(separator: ",").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
        guard !list.isEmpty, !clientList.isEmpty else { throw ValidationError("give at least one symbol and one client") }
        var c = SimulatedExchangeConfiguration()
        c.fixAddress = .loopback(port: fixPort)
        c.feedAddress = .loopback(port: feedPort)
        c.symbols = list
        c.seed = seed
        c.clients = clientList.enumerated().map { .init(compID: $1, account: AccountId(rawValue: UInt32($0 + 1))) }
        c.markets = list.indices.map { i in
            var p = SimulatedMarketParameters()
            if i > 0 { p.initialFairValue = 80 + 40 * Double(i) }
            return p
        }
        let exchange = SimulatedExchange(configuration: c)
        try exchange.start()
        DemoCommand.installSignalHandlers()
        print("sim-exchange: FIX 127.0.0.1:\(exchange.fixPort) (\(clientList.joined(separator: ", ")) -> \(c.compID)), feed 127.0.0.1:\(exchange.feedPort); symbols \(list.joined(separator: ", "))")
        let started = Clock.monotonicNanos()
        var lastLog = 0
        while !demoInterrupted.load(ordering: .relaxed) {
            if let seconds, Clock.monotonicNanos() - started > UInt64(seconds) * 1_000_000_000 { break }
            var pause = timespec(tv_sec: 0, tv_nsec: 100_000_000)
            nanosleep(&pause, nil)
            let log = exchange.log
            if log.count > lastLog { for line in log[lastLog...] { print("  \(line)") }; lastLog = log.count }
        }
        exchange.stop()
        var lines: [String] = []
        var json: [String] = []
        for (a, client) in clientList.enumerated() {
            var entries: [String] = []
            for (i, symbol) in list.enumerated() {
                let t = exchange.clientTotals(account: AccountId(rawValue: UInt32(a + 1)), instrument: InstrumentId(rawValue: UInt32(i)))
                lines.append("  \(client) \(symbol): bought \(t.bought) sold \(t.sold) position \(t.bought - t.sold)")
                entries.append("\"\(symbol)\": {\"bought\": \(t.bought.doubleValue), \"sold\": \(t.sold.doubleValue), \"position\": \((t.bought - t.sold).doubleValue)}")
            }
            json.append("\"\(client)\": {" + entries.joined(separator: ", ") + "}")
        }
        print("sim-exchange stopped: \(exchange.tradeCount) trades, \(exchange.ordersReceivedCount) client orders/cancels/replaces, \(exchange.clientFillCount) client fills")
        for line in lines { print(line) }
        if let report {
            let text = "{\n  \"trades\": \(exchange.tradeCount),\n  \"client_fills\": \(exchange.clientFillCount),\n  \"clients\": {" + json.joined(separator: ", ") + "}\n}\n"
            try DemoCommand.write(text, to: report)
        }
    }
}
