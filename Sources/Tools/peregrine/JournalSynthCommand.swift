import ArgumentParser
import PeregrineCore
import PeregrineJournal
#if canImport(Glibc)
import Glibc
#endif

extension JournalCommand {
    /// `peregrine journal synth`: writes a synthetic journal of trade prints (and, optionally,
    /// the same rows as CSV) for the loader benchmark (`scripts/etl-bench.sh`).
    ///
    /// The content follows the recorded LEAN data in `../shared/data`: US equities around
    /// their 2013 prices (IBM ~185, SPY ~169, QQQ ~80, AAPL ~480, MSFT ~33, GOOG ~870, XOM ~87,
    /// JPM ~52), one-cent random-walk prices, sizes mostly round lots of 100 with odd lots
    /// and the occasional block, exchange times spread over the regular session
    /// (09:30–16:00 New York) of consecutive trading days from 2013-10-07. Deterministic for
    /// a seed. With `--rate` the trades are appended at that steady pace with the real clock
    /// as journal and exchange time (the end-to-end lag measurement).
    struct Synth: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a synthetic journal of trade prints (benchmarks; see scripts/etl-bench.sh).",
            shouldDisplay: false
        )

        @Argument(help: "Folder to write the journal to (created if missing; must not hold this journal yet).")
        var directory: String

        @Option(name: .long, help: "Journal name (files are NAME-<index>.pjournal).")
        var name: String = "journal"

        @Option(name: .long, help: "Trade prints to write.")
        var trades: Int = 1_000_000

        @Option(name: .long, help: "Instruments (1–8).")
        var instruments: Int = 8

        @Option(name: .long, help: "Trading days the prints are spread over (offline mode).")
        var days: Int = 5

        @Option(name: .long, help: "Seed of the generator.")
        var seed: UInt64 = 1

        @Option(name: .long, help: "Also write the trades table's rows as CSV (columns as in WarehouseTables.trades) to this file.")
        var csv: String?

        @Option(name: .long, help: "Append at this many trades per second with real-clock times (0: as fast as possible, historical times).")
        var rate: Int = 0

        @Option(name: .long, help: "Bytes per journal file.")
        var fileBytes: Int = 64 << 20

        func validate() throws {
            guard trades >= 0 else { throw ValidationError("--trades must not be negative (got \(trades))") }
            guard (1...Self.universe.count).contains(instruments) else {
                throw ValidationError("--instruments must be 1–\(Self.universe.count) (got \(instruments))")
            }
            guard days > 0 else { throw ValidationError("--days must be positive (got \(days))") }
            guard rate >= 0 else { throw ValidationError("--rate must not be negative (got \(rate))") }
        }

        /// Symbol and starting price in cents.
        static let universe: [(String, Int64)] = [("IBM", 18_512), ("SPY", 16_903), ("QQQ", 8_011), ("AAPL", 48_046),
                                                  ("MSFT", 3_334), ("GOOG", 87_197), ("XOM", 8_702), ("JPM", 5_214)]

        func run() throws {
            _ = mkdir(directory, 0o755)
            let writer: JournalWriter
            do {
                writer = try JournalWriter(directory: directory, name: name, fileBytes: fileBytes)
            } catch {
                throw ValidationError("cannot open journal '\(name)' in \(directory): \(error)")
            }
            guard writer.nextSequence == 1 else {
                throw ValidationError("\(directory) already holds journal '\(name)' (next sequence \(writer.nextSequence)); use an empty folder")
            }
            var csvFile: UnsafeMutablePointer<FILE>?
            if let csv {
                guard let file = fopen(csv, "w") else { throw ValidationError("cannot write \(csv): errno \(errno)") }
                setvbuf(file, nil, _IOFBF, 1 << 20)
                csvFile = file
            }
            var generator = SplitMix64(seed: seed)
            var cents = Self.universe.prefix(instruments).map(\.1)
            var tradeIds = [UInt64](repeating: 0, count: instruments)
            // 2013-10-07 09:30 New York (EDT) = 13:30 UTC; 6.5 h sessions on weekdays.
            let firstOpen = Timestamp(year: 2013, month: 10, day: 7, hour: 13, minute: 30)!.nanosecondsSinceEpoch
            let sessionNanos: Int64 = 23_400_000_000_000
            let perDay = max(1, (trades + days - 1) / days)
            let started = Self.nowNanos()
            var line = [UInt8]()
            line.reserveCapacity(160)
            for index in 0..<trades {
                let slot = Int(generator.next() % UInt64(instruments))
                // Random walk: mostly unchanged, ±1–3 cents otherwise, never below a dollar.
                let step = Int64(generator.next() % 7) - 3
                cents[slot] = max(100, cents[slot] + (generator.next() % 3 == 0 ? step : 0))
                tradeIds[slot] += 1
                let roll = generator.next() % 100
                let shares: Int64 = roll < 70 ? 100 * Int64(1 + generator.next() % 5)
                    : roll < 95 ? Int64(1 + generator.next() % 99)
                    : 100 * Int64(10 + generator.next() % 90)
                let exchangeNanos: Int64
                let journalNanos: Int64
                if rate > 0 {
                    // Paced: wait until this trade is due (sleeping, no spinning), stamp it now.
                    let due = started + Int64(index) * 1_000_000_000 / Int64(rate)
                    var now = Self.nowNanos()
                    if due > now + 200_000 {
                        var pause = timespec(tv_sec: Int((due - now) / 1_000_000_000), tv_nsec: Int((due - now) % 1_000_000_000))
                        _ = nanosleep(&pause, nil)
                        now = Self.nowNanos()
                    }
                    exchangeNanos = now - 150_000
                    journalNanos = now
                } else {
                    let day = index / perDay
                    let weekday = day % 5, week = day / 5   // Monday-based weekdays
                    let open = firstOpen + Int64(week * 7 + weekday) * 86_400_000_000_000
                    exchangeNanos = open + Int64(index % perDay) * (sessionNanos / Int64(perDay)) + Int64(generator.next() % 1000)
                    journalNanos = exchangeNanos + 150_000 + Int64(generator.next() % 50_000)
                }
                let event = MarketEvent.trade(InstrumentId(rawValue: UInt32(slot + 1)), venue: VenueId(rawValue: 1),
                                              price: Price(rawValue: cents[slot] * 1_000_000),
                                              quantity: Quantity(rawValue: shares * 100_000_000),
                                              exchangeTime: Timestamp(nanosecondsSinceEpoch: exchangeNanos),
                                              receiveTime: Timestamp(nanosecondsSinceEpoch: journalNanos - 20_000),
                                              sequence: UInt64(index + 1), tradeId: tradeIds[slot])
                guard case .appended(let sequence) = writer.append(event, type: .marketEvent,
                                                                   timestamp: Timestamp(nanosecondsSinceEpoch: journalNanos)) else {
                    throw ValidationError("journal append failed: \(writer.failure.map { "\($0)" } ?? "closed")")
                }
                if let csvFile {
                    // journal_sequence, instrument_id, venue_id, exchange_time_ns, receive_time_ns,
                    // price_e8, quantity_e8, feed_sequence, trade_id, flags
                    line.removeAll(keepingCapacity: true)
                    for (position, value) in [Int64(bitPattern: sequence), Int64(event.instrument.rawValue), Int64(event.venue.rawValue),
                                              event.exchangeTime.nanosecondsSinceEpoch, event.receiveTime.nanosecondsSinceEpoch,
                                              event.word0, event.word1, event.word2, event.word3, Int64(event.flags)].enumerated() {
                        if position > 0 { line.append(UInt8(ascii: ",")) }
                        Self.appendDecimal(value, to: &line)
                    }
                    line.append(UInt8(ascii: "\n"))
                    _ = line.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, csvFile) }
                }
            }
            writer.close()
            if let csvFile { fclose(csvFile) }
            let seconds = Double(Self.nowNanos() - started) / 1e9
            print("journal synth: \(trades) trade(s) over \(instruments) instrument(s) in \(directory)"
                  + (csv.map { " and \($0)" } ?? "") + " in \(Int(seconds * 1000)) ms")
        }

        static func appendDecimal(_ value: Int64, to line: inout [UInt8]) {
            if value < 0 { line.append(UInt8(ascii: "-")) }
            var magnitude = value.magnitude
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                         UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var count = 0
            withUnsafeMutableBytes(of: &digits) { buffer in
                repeat {
                    buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                    magnitude /= 10
                    count += 1
                } while magnitude > 0
                for index in stride(from: count - 1, through: 0, by: -1) { line.append(buffer[index]) }
            }
        }

        static func nowNanos() -> Int64 {
            var spec = timespec()
            clock_gettime(CLOCK_REALTIME, &spec)
            return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
        }
    }
}

/// SplitMix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014): a small, fast, seedable generator for reproducible synthetic data.
private struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
