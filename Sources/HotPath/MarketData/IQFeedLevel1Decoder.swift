import PeregrineCore

/// What one IQFeed Level 1 (port 5009) line was.
@frozen
public enum IQFeedLevel1Result: UInt8, Sendable, BitwiseCopyable {
    /// `Q`/`P` decoded: `output.eventCount` (1 or 2) events are in `output`.
    case events
    /// `Q`/`P` for a known symbol that carried nothing mapped to an event (e.g. volume only).
    case noEvent
    /// `Q`/`P`/`F`/`R` for a symbol not in the table (drop reason `.notInUniverse`).
    case unknownSymbol
    /// `F` fundamental message (instrument in `output.instrument`); not turned into an event.
    case fundamental
    /// `T,YYYYMMDD HH:MM:SS`: `output.timestamp` set; also becomes the session date.
    case timestamp
    /// `n,SYM`: the watched symbol does not exist; `output.text` is the symbol.
    case symbolNotFound
    /// `E,text`: `output.text` is the text after `E,`.
    case error
    /// `S,CURRENT PROTOCOL,v`: `output.text` is the version.
    case protocolConfirmed
    /// `S,SERVER CONNECTED` (IQConnect's link to DTN is up: data fresh).
    case serverConnected
    /// `S,SERVER DISCONNECTED` / `S,SERVER RECONNECT FAILED` (data stale).
    case serverDisconnected
    /// `S,CURRENT UPDATE FIELDNAMES,…`: the P/Q layout was re-mapped.
    case layoutChanged
    /// Other `S,` messages (stats, key, cust, watches …); `output.text` is the rest.
    case system
    /// `R` regional, `N` news, `C` correction: recognised, not decoded here.
    case ignored
    /// A known message whose fields did not parse (drop reason `.malformed`).
    case malformed
    /// First field not a known message type.
    case unknownType
}

/// Results of one decoded line beside the `IQFeedLevel1Result` code (reused by the caller).
public struct IQFeedLevel1Output: Sendable {
    public var first = MarketEvent()
    public var second = MarketEvent()
    public var eventCount = 0
    public var instrument = InstrumentId.none
    public var timestamp = Timestamp.zero
    /// Byte range (in the line) of the text the result names.
    public var text: Range<Int> = 0..<0
    public init() {}
}

/// Decodes IQFeed Level 1 lines into `MarketEvent`s through a preallocated symbol table.
///
/// `Q` updates and `P` summaries follow the current `IQFeedUpdateLayout`; `Message Contents`
/// decides what a `Q` is: `C`/`E`/`O` → a trade, `b`/`a` → a quote (both → two events). Without
/// that field in the layout a `Q` gives a quote when bid/ask are selected, else a trade. A `P`
/// gives snapshot-flagged quote and/or trade. Times are US Eastern, converted to UTC; a time
/// without a date field uses the session date (from `T` messages or `init`). Quotes carry the
/// later of `Bid Time`/`Ask Time` when selected, else the receive time.
///
/// Single-threaded (one per connection). `decode` does not allocate, lock or block; cost is
/// one pass over the line plus a symbol hash.
public struct IQFeedLevel1Decoder: Sendable {
    public var symbols: IQFeedSymbolTable
    public var layout: IQFeedUpdateLayout
    public var venue: VenueId
    /// Session date (yyyymmdd, Eastern) for times without a date.
    public private(set) var sessionDate: Int
    var clock: NewYorkTime
    var clockDate: Int

    public init(symbols: IQFeedSymbolTable, venue: VenueId, sessionDate: Int,
                layout: IQFeedUpdateLayout = .standard) {
        self.symbols = symbols
        self.layout = layout
        self.venue = venue
        self.sessionDate = sessionDate
        clockDate = sessionDate
        clock = NewYorkTime(year: sessionDate / 10_000, month: sessionDate / 100 % 100, day: sessionDate % 100)
            ?? NewYorkTime(year: 1970, month: 1, day: 1)!
    }

    /// UTC time of an Eastern date (yyyymmdd) and nanoseconds after midnight.
    @inline(__always)
    mutating func utc(date: Int, nanoseconds: Int64) -> Timestamp {
        if date != clockDate, let c = NewYorkTime(year: date / 10_000, month: date / 100 % 100, day: date % 100) {
            clock = c
            clockDate = date
        }
        return clock.utc(nanosecondsSinceMidnight: nanoseconds)
    }

    /// Decodes one line (CR/LF optional). See `IQFeedLevel1Result` for what `output` holds.
    public mutating func decode(_ rawLine: UnsafeRawBufferPointer, receiveTime: Timestamp,
                                into output: inout IQFeedLevel1Output) -> IQFeedLevel1Result {
        let line = IQFeedText.trimmed(rawLine)
        output.eventCount = 0
        output.text = 0..<0
        guard line.count >= 1 else { return .unknownType }
        if line.count >= 2 && line[1] != UInt8(ascii: ",") { return .unknownType }
        switch line[0] {
        case UInt8(ascii: "Q"): return decodeUpdate(line, summary: false, receiveTime, &output)
        case UInt8(ascii: "P"): return decodeUpdate(line, summary: true, receiveTime, &output)
        case UInt8(ascii: "T"):
            guard line.count == 19, line[10] == UInt8(ascii: " "),
                  let date = IQFeedText.compactDate(UnsafeRawBufferPointer(rebasing: line[2..<10])),
                  let time = IQFeedText.timeOfDay(UnsafeRawBufferPointer(rebasing: line[11..<19])) else { return .malformed }
            sessionDate = date
            output.timestamp = utc(date: date, nanoseconds: time)
            return .timestamp
        case UInt8(ascii: "n"):
            guard line.count > 2 else { return .malformed }
            output.text = 2..<line.count
            output.instrument = symbols.lookup(UnsafeRawBufferPointer(rebasing: line[2..<line.count])) ?? .none
            return .symbolNotFound
        case UInt8(ascii: "E"):
            var end = line.count
            if end > 2 && line[end - 1] == UInt8(ascii: ",") { end -= 1 }
            output.text = min(2, line.count)..<max(end, min(2, line.count))
            return .error
        case UInt8(ascii: "F"):
            var scanner = IQFeedFieldScanner(line)
            _ = scanner.next()
            guard let symbol = scanner.next(), symbol.count > 0 else { return .malformed }
            guard let id = symbols.lookup(symbol) else { return .unknownSymbol }
            output.instrument = id
            return .fundamental
        case UInt8(ascii: "S"): return decodeSystem(line, &output)
        case UInt8(ascii: "R"), UInt8(ascii: "N"), UInt8(ascii: "C"): return .ignored
        default: return .unknownType
        }
    }

    mutating func decodeSystem(_ line: UnsafeRawBufferPointer, _ output: inout IQFeedLevel1Output) -> IQFeedLevel1Result {
        var scanner = IQFeedFieldScanner(line)
        _ = scanner.next()
        guard let kind = scanner.next() else { return .malformed }
        let restStart = line.count - scanner.rest.count
        output.text = restStart..<line.count
        if IQFeedText.equals(kind, "CURRENT PROTOCOL") { return .protocolConfirmed }
        if IQFeedText.equals(kind, "SERVER CONNECTED") { return .serverConnected }
        if IQFeedText.equals(kind, "SERVER DISCONNECTED") || IQFeedText.equals(kind, "SERVER RECONNECT FAILED") {
            return .serverDisconnected
        }
        if IQFeedText.equals(kind, "CURRENT UPDATE FIELDNAMES") {
            return layout.apply(currentUpdateFieldNames: line) ? .layoutChanged : .malformed
        }
        return .system
    }

    mutating func decodeUpdate(_ line: UnsafeRawBufferPointer, summary: Bool, _ receiveTime: Timestamp,
                               _ output: inout IQFeedLevel1Output) -> IQFeedLevel1Result {
        // The fields are walked with a raw pointer and the layout's roles through one buffer
        // pointer (no per-field optional scanner state or array access); the splitting is the
        // `IQFeedFieldScanner`'s: fields between commas, a trailing comma gives a final empty
        // field, position 0 is the symbol (the message type before it is skipped).
        let end = line.count
        guard let base = line.baseAddress else { return .malformed }
        var at = IQFeedText.commaOffset(base, from: 0, end: end)
        guard at < end else { return .malformed }
        at &+= 1
        let symbolStart = at
        at = IQFeedText.commaOffset(base, from: at, end: end)
        let symbol = UnsafeRawBufferPointer(start: base + symbolStart, count: at &- symbolStart)
        guard symbol.count > 0 else { return .malformed }
        guard let instrument = symbols.lookup(symbol) else { return .unknownSymbol }
        output.instrument = instrument
        var lastPrice: Price? = nil, lastSize: Quantity? = nil, lastTime: Int64 = -1, lastDate = 0
        var bid: Price? = nil, bidSize: Quantity? = nil, ask: Price? = nil, askSize: Quantity? = nil
        var bidTime: Int64 = -1, askTime: Int64 = -1, tickId: Int64 = 0
        var hasContents = false, tradeChanged = false, quoteChanged = false
        var more = at < end
        if more { at &+= 1 }
        let roleCount = Swift.min(layout.count, layout.roles.count)
        let parsed: Bool = layout.roles.withUnsafeBufferPointer { roles in
            var position = 1
            while more {
                let start = at
                at = IQFeedText.commaOffset(base, from: at, end: end)
                let f = UnsafeRawBufferPointer(start: base + start, count: at &- start)
                if at >= end { more = false } else { at &+= 1 }
                let raw = position < roleCount ? roles[position] : 0
                position &+= 1
                if f.count == 0 || raw == 0 { continue }
                switch IQFeedUpdateLayout.field(raw: raw) {
                case .lastPrice: guard let v = IQFeedText.price(f) else { return false }; lastPrice = v
                case .lastSize: guard let v = IQFeedText.quantity(f) else { return false }; lastSize = v
                case .lastTime: guard let v = IQFeedText.timeOfDay(f) else { return false }; lastTime = v
                case .lastDate: guard let v = IQFeedText.usDate(f) else { return false }; lastDate = v
                case .bid: guard let v = IQFeedText.price(f) else { return false }; bid = v
                case .bidSize: guard let v = IQFeedText.quantity(f) else { return false }; bidSize = v
                case .ask: guard let v = IQFeedText.price(f) else { return false }; ask = v
                case .askSize: guard let v = IQFeedText.quantity(f) else { return false }; askSize = v
                case .bidTime: guard let v = IQFeedText.timeOfDay(f) else { return false }; bidTime = v
                case .askTime: guard let v = IQFeedText.timeOfDay(f) else { return false }; askTime = v
                case .tickId: guard let v = IQFeedText.integer(f) else { return false }; tickId = v
                case .messageContents:
                    hasContents = true
                    for b in f {
                        switch b {
                        case UInt8(ascii: "C"), UInt8(ascii: "E"), UInt8(ascii: "O"): tradeChanged = true
                        case UInt8(ascii: "b"), UInt8(ascii: "a"): quoteChanged = true
                        default: break
                        }
                    }
                default: break  // volume, OHLC, market center, conditions: not in the event
                }
            }
            return true
        }
        guard parsed else { return .malformed }
        let hasQuote = bid != nil || ask != nil
        let wantTrade: Bool
        let wantQuote: Bool
        if summary {
            wantTrade = lastPrice != nil
            wantQuote = hasQuote
        } else if hasContents {
            wantTrade = tradeChanged && lastPrice != nil
            wantQuote = quoteChanged && hasQuote
        } else {
            wantQuote = hasQuote
            wantTrade = !hasQuote && lastPrice != nil
        }
        let flags: MarketEventFlags = summary ? .snapshot : []
        let date = lastDate != 0 ? lastDate : sessionDate
        if wantTrade, let lastPrice {
            let time = lastTime >= 0 ? utc(date: date, nanoseconds: lastTime) : receiveTime
            output.first = .trade(instrument, venue: venue, price: lastPrice, quantity: lastSize ?? .zero,
                                  exchangeTime: time, receiveTime: receiveTime,
                                  tradeId: UInt64(bitPattern: tickId), flags: flags)
            output.eventCount = 1
        }
        if wantQuote {
            let quoteNanos = max(bidTime, askTime)
            let time = quoteNanos >= 0 ? utc(date: date, nanoseconds: quoteNanos) : receiveTime
            let event = MarketEvent.quote(instrument, venue: venue, bidPrice: bid ?? .zero, bidQuantity: bidSize ?? .zero,
                                          askPrice: ask ?? .zero, askQuantity: askSize ?? .zero,
                                          exchangeTime: time, receiveTime: receiveTime, flags: flags)
            if output.eventCount == 0 { output.first = event } else { output.second = event }
            output.eventCount += 1
        }
        return output.eventCount > 0 ? .events : .noEvent
    }
}
