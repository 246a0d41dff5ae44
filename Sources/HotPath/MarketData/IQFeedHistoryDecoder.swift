import PeregrineCore

/// The row layout of a history request's replies (it depends on the request, not the line).
@frozen
public enum IQFeedHistoryKind: UInt8, Sendable, BitwiseCopyable {
    /// HTX/HTD/HTT: `time,Last,LastSize,TotalVolume,Bid,Ask,TickID,Basis,MarketCenter,Conditions[,Aggressor,DayCode]`.
    case ticks
    /// HIX/HID/HIT: `time,High,Low,Open,Close,TotalVolume,PeriodVolume,NumberOfTrades`.
    case intervals
    /// HDX/HDT/HWX/HMX: `date,High,Low,Open,Close,PeriodVolume,OpenInterest`.
    case daily
}

/// What one history (port 9100) reply line was.
@frozen
public enum IQFeedHistoryResult: UInt8, Sendable, BitwiseCopyable {
    /// A tick row → `.trade` event, or an interval/daily row → `.bar` event, in `output.event`.
    case event
    /// `!ENDMSG!`: the request is complete.
    case endOfData
    /// `E,!NO_DATA!`: no data for the request (not a transport error; `!ENDMSG!` follows).
    case noData
    /// `E,<text>`: the request failed (`output.text`; `!ENDMSG!` follows).
    case error
    /// `S,…` system line (e.g. `S,CURRENT PROTOCOL,6.2`).
    case system
    /// A row whose fields did not parse (drop reason `.malformed`).
    case malformed
}

/// Output of `IQFeedHistoryDecoder.decode`, reused by the caller.
public struct IQFeedHistoryOutput: Sendable {
    public var event = MarketEvent()
    /// Byte range of the request id (empty when the line has none).
    public var requestId: Range<Int> = 0..<0
    /// Byte range of an error text.
    public var text: Range<Int> = 0..<0
    public init() {}
}

/// Decodes history lookup replies (PROTOCOL.md §2) into `MarketEvent`s.
///
/// Accepts all the shapes the C# tests use: with or without a leading request id, with or
/// without the 6.2 `LH` message id, and 6.0/6.1 rows with fewer trailing fields. Tick rows become
/// trades (`tradeId` = TickID), interval and daily rows bars (volume = period volume; bar time
/// is the label IQFeed sends). Times are US Eastern → UTC. Every event carries `.replayed`. The
/// instrument is the request's (history rows carry no symbol). One per connection; `decode` does
/// not allocate, lock or block.
public struct IQFeedHistoryDecoder: Sendable {
    public var venue: VenueId
    var clock: NewYorkTime
    var clockDate: Int

    public init(venue: VenueId) {
        self.venue = venue
        clock = NewYorkTime(year: 1970, month: 1, day: 1)!
        clockDate = 19_700_101
    }

    mutating func utc(date: Int, nanoseconds: Int64) -> Timestamp {
        if date != clockDate, let c = NewYorkTime(year: date / 10_000, month: date / 100 % 100, day: date % 100) {
            clock = c
            clockDate = date
        }
        return clock.utc(nanosecondsSinceMidnight: nanoseconds)
    }

    /// Decodes one reply line of a `kind` request for `instrument`.
    public mutating func decode(_ rawLine: UnsafeRawBufferPointer, kind: IQFeedHistoryKind, instrument: InstrumentId,
                                receiveTime: Timestamp, into output: inout IQFeedHistoryOutput) -> IQFeedHistoryResult {
        let line = IQFeedText.trimmed(rawLine)
        output.requestId = 0..<0
        output.text = 0..<0
        var scanner = IQFeedFieldScanner(line)
        guard var field = scanner.next() else { return .malformed }
        var offset = 0
        // Up to two leading fields may be a request id and/or `LH`; the date decides.
        for step in 0..<3 {
            if IQFeedText.equals(field, "!ENDMSG!") { return .endOfData }
            if IQFeedText.equals(field, "E") {
                let start = line.count - scanner.rest.count
                let tail = UnsafeRawBufferPointer(rebasing: line[start..<line.count])
                var first = IQFeedFieldScanner(tail)
                if let t = first.next(), IQFeedText.equals(t, "!NO_DATA!") { return .noData }
                var end = line.count
                while end > start && line[end - 1] == UInt8(ascii: ",") { end -= 1 }
                output.text = start..<end
                return .error
            }
            if step == 0 && IQFeedText.equals(field, "S") { return .system }
            if IQFeedText.isoDate(field) != nil { break }
            if step == 2 { return .malformed }
            if !IQFeedText.equals(field, "LH") {
                guard step == 0 else { return .malformed }
                output.requestId = offset..<(offset + field.count)
            }
            offset = line.count - scanner.rest.count
            guard let next = scanner.next() else { return .malformed }
            field = next
        }
        guard let date = IQFeedText.isoDate(field) else { return .malformed }
        var nanos: Int64 = 0
        if field.count > 10 {
            guard field[10] == UInt8(ascii: " "),
                  let t = IQFeedText.timeOfDay(UnsafeRawBufferPointer(rebasing: field[11..<field.count])) else { return .malformed }
            nanos = t
        }
        let time = utc(date: date, nanoseconds: nanos)
        switch kind {
        case .ticks:
            guard let last = scanner.next().flatMap(IQFeedText.price),
                  let size = scanner.next().flatMap(IQFeedText.quantity),
                  scanner.next() != nil, scanner.next() != nil, scanner.next() != nil  // volume, bid, ask
            else { return .malformed }
            let tickId = scanner.next().flatMap(IQFeedText.integer) ?? 0
            output.event = .trade(instrument, venue: venue, price: last, quantity: size, exchangeTime: time,
                                  receiveTime: receiveTime, tradeId: UInt64(bitPattern: tickId), flags: .replayed)
        case .intervals, .daily:
            guard let high = scanner.next().flatMap(IQFeedText.price),
                  let low = scanner.next().flatMap(IQFeedText.price),
                  let open = scanner.next().flatMap(IQFeedText.price),
                  let close = scanner.next().flatMap(IQFeedText.price) else { return .malformed }
            var volumeField = scanner.next()
            if kind == .intervals { volumeField = scanner.next() }  // skip total volume
            guard let volume = volumeField.flatMap(IQFeedText.quantity) else { return .malformed }
            output.event = .bar(instrument, venue: venue, open: open, high: high, low: low, close: close,
                                volume: volume, exchangeTime: time, receiveTime: receiveTime)
            output.event.flags = MarketEventFlags.replayed.rawValue
        }
        return .event
    }
}
