import ArgumentParser
import PeregrineCore
import PeregrineFeeds
import PeregrineMarketData
import PeregrinePlatform
#if canImport(Glibc)
import Glibc
#endif

/// `peregrine feed …`: connect to a market-data source and print the normalized events and
/// the filter's drops, so an operator can check a source before trading: recorded LEAN files
/// (`replay`), a live TWS / IB Gateway (`tws`) or IQFeed Level 1 (`iqfeed`) connection.
struct FeedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feed",
        abstract: "Print a market-data source's normalized events and filter drops.",
        subcommands: [Replay.self, TWS.self, IQFeed.self]
    )

    /// `peregrine feed replay FILE…`: replay LEAN zip files (trade/quote ticks or bars),
    /// merged in time order, through the filter stage.
    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replay recorded LEAN files (e.g. ../shared/data/lean/Data/equity/usa/tick/ibm/20131007_trade.zip) through the filters."
        )

        @Argument(help: "LEAN zip files of one instrument and day (trade and/or quote).")
        var files: [String]

        @Option(name: .long, help: "Filter configuration file (key = value; see MarketDataFilterConfig). Default: every check on, 20 bp spike band.")
        var filters: String?

        @Option(name: .long, help: "Print at most this many events (the counts cover the whole replay).")
        var limit: Int = 20

        @Flag(name: .long, help: "Print dropped events with their reason as well.")
        var showDrops = false

        func run() throws {
            let instrument = InstrumentId(rawValue: 0)
            var readers: [LEANReader] = []
            for file in files {
                do {
                    readers.append(try LEANReader.open(path: file, instrument: instrument, venue: VenueId(rawValue: 0)))
                } catch {
                    throw ValidationError("\(file): \(error)")
                }
            }
            let config: MarketDataFilterConfig
            if let filters {
                do { config = try MarketDataFilterConfig.load(path: filters) } catch { throw ValidationError(error.description) }
            } else {
                config = MarketDataFilterConfig(
                    instrumentCapacity: 1,
                    defaults: InstrumentFilterRules(inUniverse: true, dropSuspicious: true, spikeBandBasisPoints: 20,
                                                    allowLocked: true),
                    sequencePerKind: true)
            }
            var filter = MarketDataFilter(config: config)
            var replay = LEANReplay(readers)
            var printed = 0, total = 0
            var byKind: [MarketEventKind: Int] = [:]
            while var event = replay.next() {
                total += 1
                byKind[event.kind, default: 0] += 1
                let verdict = filter.process(&event)
                let show = verdict.passes || showDrops
                if show && printed < limit {
                    printed += 1
                    print(Self.describe(event) + (verdict.passes ? "" : "  DROPPED: \(verdict.dropReason.map(String.init(describing:)) ?? "?")"))
                }
            }
            let kinds = byKind.keys.sorted { $0.rawValue < $1.rawValue }.map { "\($0): \(byKind[$0]!)" }.joined(separator: ", ")
            print("# \(total) event(s) (\(kinds))")
            print("# filter: \(filter.counters.summary)")
        }

        static func describe(_ e: MarketEvent) -> String {
            switch e.kind {
            case .trade: return "\(e.exchangeTime) trade \(e.quantity)@\(e.price)\(e.flags & MarketEventFlags.suspicious.rawValue != 0 ? " suspicious" : "")"
            case .quote: return "\(e.exchangeTime) quote \(e.bidQuantity)x\(e.bidPrice) / \(e.askPrice)x\(e.askQuantity)"
            case .bar: return "\(e.exchangeTime) bar o\(e.open) h\(e.high) l\(e.low) c\(e.close) v\(e.volume)"
            case .depth: return "\(e.exchangeTime) depth \(e.depthSide) L\(e.level) \(e.quantity)@\(e.price)"
            case .status: return "\(e.exchangeTime) status \(e.statusCode)"
            case .clearBook: return "\(e.exchangeTime) clear-book"
            }
        }
    }
}

extension FeedCommand {
    /// `peregrine feed tws --host H --port P --symbol SYM…`: a live TWS API session for a few
    /// seconds, printing events and health changes, then a summary.
    struct TWS: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tws",
            abstract: "Connect to TWS / IB Gateway, subscribe to market data, print events and connection health."
        )

        @OptionGroup var live: LiveFeedOptions

        @Option(name: .long, help: "TWS port (paper TWS 7497, live 7496, Gateway 4002/4001).")
        var port: Int = 7497

        @Option(name: .long, help: "API client id (TWS allows one connection per id).")
        var clientId: Int = 0

        @Option(name: .long, help: "Security type of every symbol.")
        var secType = "STK"

        @Option(name: .long, help: "Exchange of every symbol.")
        var exchange = "SMART"

        @Option(name: .long, help: "Currency of every symbol.")
        var currency = "USD"

        @Option(name: .long, help: "Also subscribe to this many rows of market depth per symbol (0: none).")
        var depth: Int = 0

        @Option(name: .long, help: "Outbound messages per second (TWS allows 50).")
        var rate: Int64 = 50

        func run() throws {
            var configuration = TWSSessionConfiguration(address: try live.address(port: port))
            configuration.clientId = clientId
            configuration.messagesPerSecond = max(1, rate)
            configuration.subscriptionCapacity = max(16, 2 * live.symbol.count)
            let session = TWSClientSession(configuration: configuration, engine: try live.engine())
            for (i, symbol) in live.symbol.enumerated() {
                let contract = TWSContract(symbol: symbol, secType: secType, exchange: exchange, currency: currency)
                let instrument = InstrumentId(rawValue: UInt32(i))
                guard session.subscribeMarketData(contract, instrument: instrument) != nil,
                      depth == 0 || session.subscribeMarketDepth(contract, instrument: instrument, rows: depth) != nil else {
                    throw ValidationError("cannot subscribe to \(symbol)")
                }
            }
            let printer = FeedPrinter(symbols: live.symbol, limit: live.limit, quiet: live.quiet)
            printer.printTWSErrors = true
            print("# connecting to TWS at \(configuration.address) as client \(clientId) for \(live.seconds) s")
            try live.run(printer: printer,
                         start: { h in session.start(now: Clock.now(), handler: &h) },
                         step: { h, now in session.poll(now: now, handler: &h) + session.timer(now: now, handler: &h) },
                         stop: { h in session.stop(now: Clock.now(), handler: &h) },
                         summary: {
                             var lines = ["# session: state \(session.state)\(session.dataStale ? " (stale)" : ""), server version \(session.serverVersion), "
                                 + "accounts \(session.managedAccounts.isEmpty ? "-" : session.managedAccounts), next order id \(session.nextValidOrderId)"]
                             lines.append("# counters: \(session.counters.summary)")
                             return (lines, session.counters)
                         })
        }
    }

    /// `peregrine feed iqfeed --host H --port P --symbol SYM…`: a live IQFeed Level 1 session.
    struct IQFeed: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "iqfeed",
            abstract: "Connect to IQConnect's Level 1 port, watch symbols, print events and connection health."
        )

        @OptionGroup var live: LiveFeedOptions

        @Option(name: .long, help: "IQConnect Level 1 port.")
        var port: Int = 5009

        @Flag(name: .long, help: "Watch trades only (t instead of w).")
        var tradesOnly = false

        func run() throws {
            var configuration = IQFeedSessionConfiguration(address: try live.address(port: port))
            configuration.clientName = "peregrine"
            configuration.symbolCapacity = max(16, live.symbol.count)
            let session = IQFeedLevel1Session(configuration: configuration, engine: try live.engine())
            for (i, symbol) in live.symbol.enumerated() where !session.watch(symbol, instrument: InstrumentId(rawValue: UInt32(i)), tradesOnly: tradesOnly) {
                throw ValidationError("cannot watch \(symbol) (empty, longer than 32 bytes, or too many symbols)")
            }
            let printer = FeedPrinter(symbols: live.symbol, limit: live.limit, quiet: live.quiet)
            print("# connecting to IQConnect at \(configuration.address) for \(live.seconds) s")
            try live.run(printer: printer,
                         start: { h in session.start(now: Clock.now(), handler: &h) },
                         step: { h, now in session.poll(now: now, handler: &h) + session.timer(now: now, handler: &h) },
                         stop: { h in session.stop(now: Clock.now(), handler: &h) },
                         summary: {
                             (["# session: state \(session.state)\(session.dataStale ? " (stale)" : ""), symbols not found \(session.symbolsNotFound)",
                               "# counters: \(session.counters.summary)"], session.counters)
                         })
        }
    }
}

/// Options shared by the live feed commands, and their run loop.
struct LiveFeedOptions: ParsableArguments {
    @Option(name: .long, help: "Host: an IPv4 address or localhost.")
    var host = "127.0.0.1"

    @Option(name: .long, parsing: .upToNextOption, help: "Symbols to subscribe to (repeat or list: --symbol AAPL MSFT).")
    var symbol: [String] = []

    @Option(name: .long, help: "Run for this many seconds, then print a summary.")
    var seconds: Double = 10

    @Option(name: .long, help: "Print at most this many events (the summary counts all).")
    var limit: Int = 200

    @Flag(name: .long, help: "Print health changes and the summary only.")
    var quiet = false

    func validate() throws {
        guard !symbol.isEmpty else { throw ValidationError("give at least one --symbol") }
        guard seconds > 0 && seconds <= 86_400 else { throw ValidationError("--seconds must be between 0 and 86400") }
        _ = try address(port: 1)
    }

    func address(port: Int) throws -> SocketAddress {
        guard (1...65_535).contains(port) else { throw ValidationError("--port \(port): use 1-65535") }
        let numeric = host == "localhost" ? "127.0.0.1" : host
        do { return try SocketAddress(parsing: "\(numeric):\(port)") } catch {
            throw ValidationError("--host \(host): not an IPv4 address (host names other than localhost are not resolved)")
        }
    }

    func engine() throws -> SocketEngine {
        do { return try SocketEngine.make(mode: .blocking) } catch { throw ValidationError("socket engine: \(error)") }
    }

    /// Runs the session loop for `seconds` (idling 200 µs when a pass did no work), stops,
    /// prints the summary; exits 1 if the session never became ready.
    func run(printer: FeedPrinter, start: (inout FeedPrinter) -> Void, step: (inout FeedPrinter, Timestamp) -> Int,
             stop: (inout FeedPrinter) -> Void, summary: () -> ([String], FeedSessionCounters)) throws {
        var handler = printer
        start(&handler)
        let deadline = Clock.monotonicNanos() + UInt64(seconds * 1e9)
        while Clock.monotonicNanos() < deadline {
            if step(&handler, Clock.now()) == 0 { usleep(200) }
        }
        stop(&handler)
        let (lines, counters) = summary()
        print("# \(printer.eventCount) event(s)\(printer.kindSummary), \(printer.healthCount) health change(s), "
              + "\(counters.reconnects) reconnect(s), \(counters.connectAttempts) connect attempt(s)")
        for line in lines { print(line) }
        guard printer.everReady else {
            var why = "never became ready"
            if let failure = printer.lastFailure { why += "; last problem: \(failure)" }
            print("error: \(why)")
            throw ExitCode(1)
        }
    }
}

/// Prints what a live session reports (the CLI's handler; allocation is fine here).
final class FeedPrinter: FeedEventHandler {
    let symbols: [String]
    let limit: Int
    let quiet: Bool
    var printTWSErrors = false
    var eventCount = 0
    var healthCount = 0
    var byKind: [MarketEventKind: Int] = [:]
    var everReady = false
    var lastFailure: String? = nil

    init(symbols: [String], limit: Int, quiet: Bool) {
        self.symbols = symbols
        self.limit = limit
        self.quiet = quiet
    }

    var kindSummary: String {
        let kinds = byKind.keys.sorted { $0.rawValue < $1.rawValue }.map { "\($0): \(byKind[$0]!)" }
        return kinds.isEmpty ? "" : " (\(kinds.joined(separator: ", ")))"
    }

    func onMarketEvent(_ event: MarketEvent) {
        eventCount += 1
        byKind[event.kind, default: 0] += 1
        guard !quiet && eventCount <= limit else { return }
        let index = Int(event.instrument.rawValue)
        let symbol = index < symbols.count ? symbols[index] : "\(event.instrument)"
        print("\(symbol) \(FeedCommand.Replay.describe(event))")
        if eventCount == limit { print("# (event limit reached; counting silently)") }
    }

    func onHealthChange(_ change: FeedHealthChange) {
        healthCount += 1
        if change.state == .ready { everReady = true }
        var text = "\(change.time) health: \(change)"
        switch change.reason {
        case .connectFailed, .socketError:
            let reason = SystemError("", errno: Int32(truncatingIfNeeded: change.code)).reason
            text += " — \(reason) (errno \(change.code)); retrying with back-off"
            lastFailure = "\(change.reason): \(reason)"
        case .connectTimedOut, .handshakeTimedOut, .peerClosed, .versionRejected, .clientIdInUse, .protocolError:
            lastFailure = "\(change.reason)\(change.code != 0 ? " \(change.code)" : "")"
            if change.reason == .peerClosed && !everReady { text += " — is this the right port, and does TWS allow API connections?" }
            if change.reason == .clientIdInUse { text += " — another connection uses this --client-id" }
            if change.reason == .protocolError { text += " — the peer does not speak this protocol (wrong port?)" }
            if change.reason == .versionRejected { text += " — unsupported protocol version" }
        default:
            break
        }
        print(text)
    }

    func onTWSMessage(_ message: TWSIncoming, receiveTime: Timestamp) {
        guard printTWSErrors, case .error(let error) = message else { return }
        print("\(receiveTime) tws error \(error.code) (id \(error.id)): \(error.message.string)")
    }
}
