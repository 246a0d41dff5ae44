import PeregrineCore

/// What one LEAN CSV file holds (from its folder and name, see `LEANReader.open`).
@frozen
public enum LEANRecordKind: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    /// `time,price,size,exchange,condition,suspicious` → `.trade` events.
    case tradeTick
    /// `time,bid,bidSize,ask,askSize,exchange,condition,suspicious` → `.quote` events; a zero
    /// side means "no change" and keeps the last known price and size of that side.
    case quoteTick
    /// `time,open,high,low,close,volume` (second/minute) → `.bar` events.
    case tradeBar
    /// `time,bidO,bidH,bidL,bidC,bidSize,askO,askH,askL,askC,askSize` → `.quote` events
    /// carrying the closing bid and ask and their sizes.
    case quoteBar
}

/// Decodes one decompressed LEAN equity CSV into `MarketEvent`s, row by row.
///
/// Prices are deci-cents (`Price(mantissa:decimals: 4)`), sizes whole shares, times
/// milliseconds after midnight New York on the file date, converted to UTC by
/// `NewYorkTime`. Every event carries `.replayed`; vendor-flagged rows carry `.suspicious`;
/// `receiveTime` equals `exchangeTime`; `sequence` is the 1-based row number. Malformed rows are
/// skipped and counted, never trap. `next()` runs on the replay thread, does not allocate,
/// lock or block; cost is one pass over the row's bytes.
public struct LEANReader: Sendable {
    public let kind: LEANRecordKind
    public let instrument: InstrumentId
    public let venue: VenueId
    public let clock: NewYorkTime
    /// The CSV text.
    public let csv: [UInt8]
    /// Byte offset of the next row.
    public private(set) var position = 0
    /// Rows decoded into events so far.
    public private(set) var rowsDecoded = 0
    /// Rows skipped because a field did not parse (drop reason `.malformed`).
    public private(set) var malformedRows = 0
    /// Last known quote sides (raw fixed-point), for zero-means-unchanged quote ticks.
    var bidPrice: Int64 = 0, bidSize: Int64 = 0, askPrice: Int64 = 0, askSize: Int64 = 0

    /// A reader over CSV text already decompressed; `nil` for an invalid date.
    public init?(csv: [UInt8], kind: LEANRecordKind, year: Int, month: Int, day: Int,
                 instrument: InstrumentId, venue: VenueId) {
        guard let clock = NewYorkTime(year: year, month: month, day: day) else { return nil }
        self.csv = csv
        self.kind = kind
        self.clock = clock
        self.instrument = instrument
        self.venue = venue
    }

    /// Opens `…/{tick|second|minute}/{ticker}/{YYYYMMDD}_{trade|quote}.zip`: reads, inflates and
    /// CRC-checks it, and takes kind and date from the path. Start-up only (allocates, blocks).
    public static func open(path: String, instrument: InstrumentId, venue: VenueId) throws(LEANArchiveError) -> LEANReader {
        guard let name = LEANFileName(path: path) else {
            throw LEANArchiveError(.io, offset: 0,
                                   "\(path): expected …/{tick|second|minute}/{ticker}/{YYYYMMDD}_{trade|quote}.zip")
        }
        let csv = try LEANFile.readZipFirstEntry(path: path)
        guard let reader = LEANReader(csv: csv, kind: name.kind, year: name.year, month: name.month, day: name.day,
                                      instrument: instrument, venue: venue) else {
            throw LEANArchiveError(.io, offset: 0, "\(path): invalid date in the file name")
        }
        return reader
    }

    /// The next event, or `nil` at the end of the file. Skips (and counts) malformed rows.
    public mutating func next() -> MarketEvent? {
        csv.withUnsafeBufferPointer { bytes in
            var cursor = LEANRowCursor(bytes: bytes, at: position)
            defer { position = cursor.at }
            while cursor.at < bytes.count {
                if cursor.atLineEnd { cursor.skipLine(); continue }  // blank line
                cursor.ok = true
                let event = decodeRow(&cursor)
                cursor.endLine()
                if cursor.ok, let event {
                    rowsDecoded += 1
                    return event
                }
                malformedRows += 1
            }
            return nil
        }
    }

    @inline(__always)
    mutating func decodeRow(_ c: inout LEANRowCursor) -> MarketEvent? {
        let time = clock.utc(millisecondsSinceMidnight: c.integer())
        let sequence = UInt64(rowsDecoded + malformedRows + 1)
        switch kind {
        case .tradeTick:
            let price = Price(mantissa: c.integer(), decimals: 4)
            let size = Quantity(units: c.integer())
            c.skipField()  // exchange
            c.skipField()  // condition
            let suspicious = c.integer()
            guard c.ok, let price, let size else { return nil }
            var flags: MarketEventFlags = .replayed
            if suspicious != 0 { flags.insert(.suspicious) }
            return .trade(instrument, venue: venue, price: price, quantity: size, exchangeTime: time,
                          receiveTime: time, sequence: sequence, flags: flags)
        case .quoteTick:
            let bid = Price(mantissa: c.integer(), decimals: 4)
            let bidQuantity = Quantity(units: c.integer())
            let ask = Price(mantissa: c.integer(), decimals: 4)
            let askQuantity = Quantity(units: c.integer())
            c.skipField()  // exchange
            c.skipField()  // condition
            let suspicious = c.integer()
            guard c.ok, let bid, let bidQuantity, let ask, let askQuantity else { return nil }
            if bid.rawValue != 0 { bidPrice = bid.rawValue; bidSize = bidQuantity.rawValue }
            if ask.rawValue != 0 { askPrice = ask.rawValue; askSize = askQuantity.rawValue }
            var flags: MarketEventFlags = .replayed
            if suspicious != 0 { flags.insert(.suspicious) }
            return .quote(instrument, venue: venue, bidPrice: Price(rawValue: bidPrice),
                          bidQuantity: Quantity(rawValue: bidSize), askPrice: Price(rawValue: askPrice),
                          askQuantity: Quantity(rawValue: askSize), exchangeTime: time, receiveTime: time,
                          sequence: sequence, flags: flags)
        case .tradeBar:
            let open = Price(mantissa: c.integer(), decimals: 4)
            let high = Price(mantissa: c.integer(), decimals: 4)
            let low = Price(mantissa: c.integer(), decimals: 4)
            let close = Price(mantissa: c.integer(), decimals: 4)
            let volume = Quantity(units: c.integer())
            guard c.ok, let open, let high, let low, let close, let volume else { return nil }
            var event = MarketEvent.bar(instrument, venue: venue, open: open, high: high, low: low, close: close,
                                        volume: volume, exchangeTime: time, receiveTime: time)
            event.flags = MarketEventFlags.replayed.rawValue
            return event
        case .quoteBar:
            c.skipField(); c.skipField(); c.skipField()
            let bid = Price(mantissa: c.integer(), decimals: 4)
            let bidQuantity = Quantity(units: c.integer())
            c.skipField(); c.skipField(); c.skipField()
            let ask = Price(mantissa: c.integer(), decimals: 4)
            let askQuantity = Quantity(units: c.integer())
            guard c.ok, let bid, let bidQuantity, let ask, let askQuantity else { return nil }
            return .quote(instrument, venue: venue, bidPrice: bid, bidQuantity: bidQuantity, askPrice: ask,
                          askQuantity: askQuantity, exchangeTime: time, receiveTime: time,
                          sequence: sequence, flags: .replayed)
        }
    }
}

/// Kind and date parsed from a LEAN file path (start-up only).
public struct LEANFileName: Sendable, Equatable {
    public var kind: LEANRecordKind
    public var year: Int, month: Int, day: Int

    public init(kind: LEANRecordKind, year: Int, month: Int, day: Int) {
        self.kind = kind; self.year = year; self.month = month; self.day = day
    }

    /// Parses `…/{tick|second|minute}/{ticker}/{YYYYMMDD}_{trade|quote}.zip`; `nil` otherwise.
    public init?(path: String) {
        let parts = path.split(separator: "/")
        guard parts.count >= 3 else { return nil }
        let file = parts[parts.count - 1]
        let resolution = parts[parts.count - 3]
        let utf8 = Array(file.utf8)
        guard utf8.count >= 12, utf8[8] == UInt8(ascii: "_") else { return nil }
        var date = 0
        for b in utf8[0..<8] {
            guard b >= 48 && b <= 57 else { return nil }
            date = date * 10 + Int(b - 48)
        }
        year = date / 10_000; month = date / 100 % 100; day = date % 100
        let isTrade = file.hasSuffix("_trade.zip")
        guard isTrade || file.hasSuffix("_quote.zip") else { return nil }
        switch resolution {
        case "tick": kind = isTrade ? .tradeTick : .quoteTick
        case "second", "minute": kind = isTrade ? .tradeBar : .quoteBar
        default: return nil
        }
    }
}

/// Scans one CSV row field by field without copying (the byte-scanning room of this reader).
struct LEANRowCursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var at: Int
    var ok = true

    init(bytes: UnsafeBufferPointer<UInt8>, at: Int) {
        self.bytes = bytes
        self.at = at
    }

    @inline(__always)
    var atLineEnd: Bool { at >= bytes.count || bytes[at] == 10 || bytes[at] == 13 }

    /// A decimal integer field (optional '-'); clears `ok` if empty, non-numeric or too long.
    @inline(__always)
    mutating func integer() -> Int64 {
        var negative = false
        if at < bytes.count && bytes[at] == UInt8(ascii: "-") { negative = true; at += 1 }
        var value: Int64 = 0
        var digits = 0
        while at < bytes.count {
            let b = bytes[at]
            if b == UInt8(ascii: ",") { at += 1; break }
            if b == 10 || b == 13 { break }
            guard b >= 48 && b <= 57, digits < 18 else { ok = false; skipField(); break }
            value = value &* 10 &+ Int64(b &- 48)
            digits += 1
            at += 1
        }
        if digits == 0 { ok = false }
        return negative ? -value : value
    }

    /// Skips a field and its comma; clears `ok` if the line ended already.
    @inline(__always)
    mutating func skipField() {
        if atLineEnd { ok = false; return }
        while at < bytes.count {
            let b = bytes[at]
            if b == UInt8(ascii: ",") { at += 1; return }
            if b == 10 || b == 13 { return }
            at += 1
        }
    }

    /// Expects the end of the row (CR, LF, CRLF or end of data) and steps past it; extra fields
    /// clear `ok` and are skipped.
    @inline(__always)
    mutating func endLine() {
        if !atLineEnd { ok = false }
        skipLine()
    }

    @inline(__always)
    mutating func skipLine() {
        while at < bytes.count && bytes[at] != 10 && bytes[at] != 13 { at += 1 }
        if at < bytes.count && bytes[at] == 13 { at += 1 }
        if at < bytes.count && bytes[at] == 10 { at += 1 }
    }
}
