import ArgumentParser
import PeregrineCore
import PeregrineMarketData

/// `peregrine feed …`: connect to a market-data source and print the normalized events and
/// the filter's drops, so an operator can check a source before trading. Today: recorded
/// LEAN files (`replay`); live TWS, IQFeed and FIX feeds arrive with their sessions (#4).
struct FeedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feed",
        abstract: "Print a market-data source's normalized events and filter drops.",
        subcommands: [Replay.self]
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
