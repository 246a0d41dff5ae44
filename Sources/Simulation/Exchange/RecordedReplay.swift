import PeregrineCore
import PeregrineMarketData
import PeregrinePlatform
import PeregrineSimVenue
#if canImport(Glibc)
import Glibc
#endif

/// Recorded market data driving the simulated exchange instead of its agents: the recorded
/// quotes become the resting liquidity of a "replay" participant (its bid and ask at the
/// recorded prices and sizes, replaced at every recorded quote), so orders trade against
/// the recorded book; the recorded trades are printed on the feed. Time runs at `speed`
/// times the recorded pace from `startTime` (default: the first event at or after 09:30
/// New York time).
public struct RecordedReplaySource: Sendable {
    /// LEAN tick files per symbol, in `SimulatedExchangeConfiguration.symbols` order (each
    /// symbol's quote file, and optionally its trade file).
    public var files: [[String]]
    /// Recorded seconds per wall-clock second.
    public var speed: Double = 10
    /// Recorded instant to begin at (nil: 09:30 New York on the files' date).
    public var startTime: Timestamp? = nil

    public init(files: [[String]], speed: Double = 10, startTime: Timestamp? = nil) {
        self.files = files; self.speed = speed; self.startTime = startTime
    }

    /// The tick files under a LEAN data folder (`…/Data`) for `date` (yyyymmdd; nil: the
    /// earliest date that has quote files): symbols (lower-case folder names, upper-cased)
    /// that have a quote file, with their trade file when there is one. Cold; allocates.
    public static func discover(dataDirectory: String, date: Int? = nil) -> (date: Int, symbols: [String], files: [[String]])? {
        let tick = dataDirectory + "/equity/usa/tick"
        let tickers = DirectoryListing.names(in: tick).sorted()
        var byDate: [Int: [(String, [String])]] = [:]
        for ticker in tickers {
            for file in DirectoryListing.names(in: tick + "/" + ticker) where file.hasSuffix("_quote.zip") {
                guard let d = Int(file.prefix(8)) else { continue }
                var files = [tick + "/" + ticker + "/" + file]
                let trade = "\(d)_trade.zip"
                if DirectoryListing.names(in: tick + "/" + ticker).contains(trade) { files.append(tick + "/" + ticker + "/" + trade) }
                byDate[d, default: []].append((ticker.uppercased(), files))
            }
        }
        guard let chosen = date ?? byDate.keys.min(), let entries = byDate[chosen], !entries.isEmpty else { return nil }
        return (chosen, entries.map(\.0), entries.map(\.1))
    }
}

/// The exchange-thread state of a replay.
struct RecordedReplayState {
    var replay: LEANReplay
    var pending: MarketEvent?
    let origin: Timestamp          // recorded time at wall origin
    let wallOrigin: Timestamp
    let speed: Double
    var orderIds: [(bid: OrderId, ask: OrderId)]
    var nextId: UInt64 = 1
    var quotesApplied = 0
    var tradesPrinted = 0

    static let firstAccount: UInt32 = 80_000
}

extension SimulatedExchange {
    /// Opens the files and positions the replay at its start (exchange start-up).
    static func openReplay(_ source: RecordedReplaySource, instrumentCount: Int, now: Timestamp) throws(SystemError) -> RecordedReplayState {
        var readers: [LEANReader] = []
        for (i, files) in source.files.enumerated() where i < instrumentCount {
            for path in files {
                do {
                    readers.append(try LEANReader.open(path: path, instrument: InstrumentId(rawValue: UInt32(i)), venue: VenueId(rawValue: 0)))
                } catch {
                    throw SystemError("recorded data \(path): \(error)", errno: 2)
                }
            }
        }
        guard let first = readers.first else { throw SystemError("recorded data: no files", errno: 2) }
        let start = source.startTime ?? first.clock.utc(nanosecondsSinceMidnight: (9 * 3600 + 30 * 60) * 1_000_000_000)
        var replay = LEANReplay(readers)
        var pending = replay.next()
        while let e = pending, e.exchangeTime < start { pending = replay.next() }
        return RecordedReplayState(replay: replay, pending: pending, origin: start, wallOrigin: now,
                                   speed: max(0.01, source.speed),
                                   orderIds: Array(repeating: (.none, .none), count: instrumentCount))
    }

    /// Applies every recorded event due by wall time `now`. Exchange thread.
    func stepReplay(now: Timestamp) {
        guard var state = replayState else { return }
        let elapsed = Double((now - state.wallOrigin).count) * state.speed
        let target = state.origin + Nanoseconds(Int64(elapsed))
        var applied = 0
        while let event = state.pending, event.exchangeTime <= target, applied < 10_000 {
            applyRecorded(event, state: &state, now: now)
            state.pending = state.replay.next()
            applied += 1
        }
        replayState = state
    }

    func applyRecorded(_ recorded: MarketEvent, state: inout RecordedReplayState, now: Timestamp) {
        let i = Int(recorded.instrument.rawValue)
        guard i < markets.count else { return }
        switch recorded.kind {
        case .quote:
            let bid = recorded.bidPrice, ask = recorded.askPrice
            guard bid.rawValue > 0, ask > bid else { return }
            let account = AccountId(rawValue: RecordedReplayState.firstAccount + UInt32(i))
            let previous = state.orderIds[i]
            // Move each side with one replace (one feed update per side, never a one-sided
            // or empty book in between); a side that traded away is entered anew. When the
            // market moves up, move the ask first so the book never crosses itself.
            var ids = previous
            let askFirst = markets[i].engine.bestAsk.map { bid >= $0.price } ?? false
            let sides: [(Side, Price, Quantity)] = askFirst
                ? [(.sell, ask, recorded.askQuantity), (.buy, bid, recorded.bidQuantity)]
                : [(.buy, bid, recorded.bidQuantity), (.sell, ask, recorded.askQuantity)]
            for (side, price, size) in sides {
                let old = side == .buy ? previous.bid : previous.ask
                let live = old != .none && markets[i].engine.order(old, account: account) != nil
                let id = OrderId(rawValue: 1 << 61 | state.nextId)
                state.nextId &+= 1
                if size.rawValue <= 0 {
                    if live {
                        var cancel = OrderCommand()
                        cancel.kind = .cancel; cancel.orderId = id; cancel.originalOrderId = old
                        cancel.instrument = recorded.instrument; cancel.account = account; cancel.side = side; cancel.createdTime = now
                        markets[i].submit(cancel, into: &output)
                    }
                    if side == .buy { ids.bid = .none } else { ids.ask = .none }
                    continue
                }
                markets[i].submit(OrderCommand(kind: live ? .replace : .new, orderId: id, originalOrderId: live ? old : .none,
                                               instrument: recorded.instrument, side: side, type: .limit, timeInForce: .day,
                                               price: price, quantity: size, account: account,
                                               strategy: StrategyId(rawValue: 0), createdTime: now), into: &output)
                if side == .buy { ids.bid = id } else { ids.ask = id }
            }
            state.orderIds[i] = ids
            state.quotesApplied += 1
        case .trade:
            // The recorded print goes on the feed as it happened (it does not trade here).
            var print = recorded
            print.exchangeTime = now
            print.receiveTime = now
            output.marketData.append(print)
            state.tradesPrinted += 1
        default:
            break
        }
    }
}

/// Directory entries without Foundation (cold).
enum DirectoryListing {
    static func names(in path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
