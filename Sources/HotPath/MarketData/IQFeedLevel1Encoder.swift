import PeregrineCore

/// Writes IQFeed Level 1 lines (the port-5009 protocol 6.2 text, `PROTOCOL.md` §1) from
/// market events: what an IQFeed-compatible feed server — the simulated venue's public feed
/// — sends, and what `IQFeedLevel1Decoder` reads back.
///
/// Update lines use the `IQFeedUpdateLayout.standard` field set: `Q,Symbol,Most Recent
/// Trade,Size,Time,Market Center,Total Volume,Bid,Bid Size,Ask,Ask Size,Open,High,Low,Close,
/// Message Contents,Conditions` with Message Contents `C` for a trade and `ba` for a quote,
/// times in New York time with microseconds. The encoder keeps the last trade and quote per
/// instrument so every line carries the full picture, as IQFeed's do.
///
/// Threading: one owner. Allocation: `init` sizes the per-instrument state and the line
/// buffer; encoding never allocates. Errors: an event for an instrument without a symbol,
/// or of a kind Level 1 has no line for (depth, bar, status), returns `nil`.
public struct IQFeedLevel1Encoder: Sendable {
    struct InstrumentState: Sendable {
        var symbol: [UInt8] = []
        var last = Price.zero
        var lastSize = Quantity.zero
        var lastTime = Timestamp.zero
        var volume: Int64 = 0
        var bid = Price.zero
        var bidSize = Quantity.zero
        var ask = Price.zero
        var askSize = Quantity.zero
    }

    var instruments: [InstrumentState]
    var line: [UInt8]
    var clock: NewYorkTime
    /// The New York date (yyyymmdd) times are written for.
    public private(set) var sessionDate: Int
    /// Market center code written in trades (IQFeed's numeric exchange id).
    public var marketCenter: Int = 11

    /// An encoder for instruments `0..<symbols.count` named by `symbols`, writing times on
    /// the New York date `sessionDate` (yyyymmdd). Set-up: allocates.
    public init(symbols: [String], sessionDate: Int) {
        instruments = symbols.map { InstrumentState(symbol: Array($0.utf8)) }
        line = [UInt8](repeating: 0, count: 512)
        self.sessionDate = sessionDate
        clock = NewYorkTime(year: sessionDate / 10_000, month: sessionDate / 100 % 100, day: sessionDate % 100)
            ?? NewYorkTime(year: 1970, month: 1, day: 1)!
    }

    /// The New York date (yyyymmdd) of a UTC instant.
    public static func newYorkDate(of time: Timestamp) -> Int {
        // Eastern time is UTC−4 or −5: take the civil date of time − 4 h, then check with
        // the exact rule for that date (the day boundary differs by at most one hour).
        let c = (time - .seconds(4 * 3600)).civil
        var date = c.year * 10_000 + c.month * 100 + c.day
        if let ny = NewYorkTime(year: c.year, month: c.month, day: c.day), time < ny.utc(nanosecondsSinceMidnight: 0) {
            let p = (time - .seconds(5 * 3600)).civil
            date = p.year * 10_000 + p.month * 100 + p.day
        }
        return date
    }

    // MARK: hot path begin
    /// Encodes `event` (trade or quote) and lends the line (with CR LF) to `body`. Returns
    /// `body`'s result, or `nil` when the event has no Level 1 line.
    public mutating func encode<R>(_ event: MarketEvent, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
        let index = Int(event.instrument.rawValue)
        guard event.instrument != .none, index < instruments.count else { return nil }
        var contents: StaticString
        switch event.kind {
        case .trade:
            instruments[index].last = event.price
            instruments[index].lastSize = event.quantity
            instruments[index].lastTime = event.exchangeTime
            instruments[index].volume &+= event.quantity.rawValue / FixedPointScale.scale
            contents = "C"
        case .quote:
            instruments[index].bid = event.bidPrice
            instruments[index].bidSize = event.bidQuantity
            instruments[index].ask = event.askPrice
            instruments[index].askSize = event.askQuantity
            contents = "ba"
        default:
            return nil
        }
        let state = instruments[index]
        let midnight = clock.utc(nanosecondsSinceMidnight: 0)
        let marketCenter = self.marketCenter
        return line.withUnsafeMutableBytes { out -> R in
            var w = LineWriter(out)
            w.byte(UInt8(ascii: "Q")); w.comma()
            state.symbol.withUnsafeBytes { w.bytes($0) }; w.comma()
            if state.last != .zero { w.decimal(state.last) }; w.comma()
            if state.last != .zero { w.decimal(state.lastSize) }; w.comma()
            if state.lastTime != .zero { w.time(state.lastTime - midnight) }; w.comma()
            w.integer(Int64(marketCenter)); w.comma()
            w.integer(state.volume); w.comma()
            if state.bid != .zero { w.decimal(state.bid) }; w.comma()
            if state.bid != .zero { w.decimal(state.bidSize) }; w.comma()
            if state.ask != .zero { w.decimal(state.ask) }; w.comma()
            if state.ask != .zero { w.decimal(state.askSize) }; w.comma()
            w.comma(); w.comma(); w.comma(); w.comma()      // open, high, low, close: not tracked
            contents.withUTF8Buffer { w.bytes(UnsafeRawBufferPointer($0)) }; w.comma()
            w.byte(13); w.byte(10)
            return body(UnsafeRawBufferPointer(rebasing: out[0..<w.position]))
        }
    }
    // MARK: hot path end

    /// A `T,YYYYMMDD HH:MM:SS` timestamp line (IQFeed sends one a second) for `time`.
    public mutating func encodeTimestamp<R>(_ time: Timestamp, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let midnight = clock.utc(nanosecondsSinceMidnight: 0)
        let sessionDate = self.sessionDate
        return line.withUnsafeMutableBytes { out -> R in
            var w = LineWriter(out)
            w.byte(UInt8(ascii: "T")); w.comma()
            w.integer(Int64(sessionDate)); w.byte(32)
            let seconds = max(0, (time - midnight).count / 1_000_000_000)
            w.twoDigits(Int(seconds / 3600 % 24)); w.byte(58)
            w.twoDigits(Int(seconds / 60 % 60)); w.byte(58)
            w.twoDigits(Int(seconds % 60))
            w.byte(13); w.byte(10)
            return body(UnsafeRawBufferPointer(rebasing: out[0..<w.position]))
        }
    }
}

/// Appends ASCII into a fixed buffer (bounds are the caller's: lines are short).
struct LineWriter {
    let out: UnsafeMutableRawBufferPointer
    var position = 0

    init(_ out: UnsafeMutableRawBufferPointer) { self.out = out }

    @inline(__always) mutating func byte(_ b: UInt8) {
        guard position < out.count else { return }
        out[position] = b
        position += 1
    }

    @inline(__always) mutating func comma() { byte(44) }

    mutating func bytes(_ b: UnsafeRawBufferPointer) { for x in b { byte(x) } }

    mutating func integer(_ value: Int64) {
        if value < 0 { byte(45) }
        var n = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let count = withUnsafeMutableBytes(of: &digits) { tmp -> Int in
            var i = 0
            repeat { tmp[i] = UInt8(48 + n % 10); n /= 10; i += 1 } while n > 0 && i < 24
            return i
        }
        withUnsafeBytes(of: &digits) { tmp in
            for k in stride(from: count - 1, through: 0, by: -1) { byte(tmp[k]) }
        }
    }

    mutating func twoDigits(_ value: Int) {
        byte(UInt8(48 + value / 10 % 10)); byte(UInt8(48 + value % 10))
    }

    mutating func decimal<D: FixedPointDecimal>(_ value: D) {
        guard position + D.maxFormattedLength <= out.count else { return }
        position += value.format(into: UnsafeMutableRawBufferPointer(rebasing: out[position..<(position + D.maxFormattedLength)]))
    }

    /// HH:MM:SS.ffffff from nanoseconds after midnight.
    mutating func time(_ sinceMidnight: Nanoseconds) {
        let ns = max(0, sinceMidnight.count)
        let seconds = ns / 1_000_000_000
        twoDigits(Int(seconds / 3600 % 24)); byte(58)
        twoDigits(Int(seconds / 60 % 60)); byte(58)
        twoDigits(Int(seconds % 60)); byte(46)
        var micros = Int(ns % 1_000_000_000 / 1_000)
        var divisor = 100_000
        for _ in 0..<6 { byte(UInt8(48 + micros / divisor)); micros %= divisor; divisor /= 10 }
    }
}
