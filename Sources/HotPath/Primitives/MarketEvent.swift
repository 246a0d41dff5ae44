/// What a `MarketEvent` carries.
@frozen
public enum MarketEventKind: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    /// A print: price, quantity, feed sequence, trade id.
    case trade = 1
    /// Top of book: bid price/size, ask price/size, feed sequence.
    case quote = 2
    /// One price level changed: price, size (0 deletes), level, feed sequence; flags give side.
    case depth = 3
    /// A bar: open, high, low, close, volume.
    case bar = 4
    /// Trading status change (halt, resume, open, close); `statusCode` holds the venue code.
    case status = 5
    /// The whole book for the instrument is cleared (snapshot follows).
    case clearBook = 6
}

/// One normalized market-data event: one 64-byte cache line, trivially copyable.
///
/// Every source (TWS, IQFeed, FIX, recorded files) becomes this. The header is fixed; the
/// five payload words are interpreted by `kind` through the typed accessors below, so the
/// type stays one cache line without existentials or enums with payloads. Layout is pinned
/// by `MarketEventLayoutTests` (journal format depends on it).
@frozen
public struct MarketEvent: Sendable, BitwiseCopyable, Equatable {
    /// Venue (exchange) time of the event.
    public var exchangeTime: Timestamp
    /// When Peregrine received the bytes (TSC-derived or wall clock; see the feed).
    public var receiveTime: Timestamp
    /// Payload words; see the accessors.
    public var word0: Int64
    public var word1: Int64
    public var word2: Int64
    public var word3: Int64
    public var word4: Int64
    /// Dense instrument id.
    public var instrument: InstrumentId
    /// Source venue or feed.
    public var venue: VenueId
    /// Payload interpretation.
    public var kind: MarketEventKind
    /// `MarketEventFlags` bits.
    public var flags: UInt8

    /// A zeroed trade-kind event (for preallocating ring slots).
    @inlinable
    public init() {
        exchangeTime = .zero; receiveTime = .zero
        word0 = 0; word1 = 0; word2 = 0; word3 = 0; word4 = 0
        instrument = .none; venue = .none; kind = .trade; flags = 0
    }

    @inlinable
    init(kind: MarketEventKind, instrument: InstrumentId, venue: VenueId, exchangeTime: Timestamp,
         receiveTime: Timestamp, flags: UInt8, _ w0: Int64, _ w1: Int64, _ w2: Int64, _ w3: Int64, _ w4: Int64) {
        self.exchangeTime = exchangeTime; self.receiveTime = receiveTime
        word0 = w0; word1 = w1; word2 = w2; word3 = w3; word4 = w4
        self.instrument = instrument; self.venue = venue; self.kind = kind; self.flags = flags
    }

    /// A trade print.
    @inlinable
    public static func trade(_ instrument: InstrumentId, venue: VenueId, price: Price, quantity: Quantity,
                             exchangeTime: Timestamp, receiveTime: Timestamp, sequence: UInt64 = 0,
                             tradeId: UInt64 = 0, flags: MarketEventFlags = []) -> MarketEvent {
        MarketEvent(kind: .trade, instrument: instrument, venue: venue, exchangeTime: exchangeTime,
                    receiveTime: receiveTime, flags: flags.rawValue, price.rawValue, quantity.rawValue,
                    Int64(bitPattern: sequence), Int64(bitPattern: tradeId), 0)
    }

    /// A top-of-book quote.
    @inlinable
    public static func quote(_ instrument: InstrumentId, venue: VenueId, bidPrice: Price, bidQuantity: Quantity,
                             askPrice: Price, askQuantity: Quantity, exchangeTime: Timestamp,
                             receiveTime: Timestamp, sequence: UInt64 = 0, flags: MarketEventFlags = []) -> MarketEvent {
        MarketEvent(kind: .quote, instrument: instrument, venue: venue, exchangeTime: exchangeTime,
                    receiveTime: receiveTime, flags: flags.rawValue, bidPrice.rawValue, bidQuantity.rawValue,
                    askPrice.rawValue, askQuantity.rawValue, Int64(bitPattern: sequence))
    }

    /// A depth (price level) change; `quantity` zero deletes the level.
    @inlinable
    public static func depth(_ instrument: InstrumentId, venue: VenueId, side: Side, price: Price, quantity: Quantity,
                             level: Int, exchangeTime: Timestamp, receiveTime: Timestamp,
                             sequence: UInt64 = 0, flags: MarketEventFlags = []) -> MarketEvent {
        var f = flags
        if side.isSell { f.insert(.askSide) }
        return MarketEvent(kind: .depth, instrument: instrument, venue: venue, exchangeTime: exchangeTime,
                           receiveTime: receiveTime, flags: f.rawValue, price.rawValue, quantity.rawValue,
                           Int64(level), Int64(bitPattern: sequence), 0)
    }

    /// A bar; `exchangeTime` is the bar's start.
    @inlinable
    public static func bar(_ instrument: InstrumentId, venue: VenueId, open: Price, high: Price, low: Price,
                           close: Price, volume: Quantity, exchangeTime: Timestamp, receiveTime: Timestamp) -> MarketEvent {
        MarketEvent(kind: .bar, instrument: instrument, venue: venue, exchangeTime: exchangeTime,
                    receiveTime: receiveTime, flags: 0, open.rawValue, high.rawValue, low.rawValue,
                    close.rawValue, volume.rawValue)
    }

    /// A trading status change carrying a venue-defined code.
    @inlinable
    public static func status(_ instrument: InstrumentId, venue: VenueId, code: Int64,
                              exchangeTime: Timestamp, receiveTime: Timestamp) -> MarketEvent {
        MarketEvent(kind: .status, instrument: instrument, venue: venue, exchangeTime: exchangeTime,
                    receiveTime: receiveTime, flags: 0, code, 0, 0, 0, 0)
    }

    // MARK: Typed payload accessors (valid for the kinds named)

    /// Trade or depth price.
    @inlinable public var price: Price { Price(rawValue: word0) }
    /// Trade or depth quantity.
    @inlinable public var quantity: Quantity { Quantity(rawValue: word1) }
    /// Quote bid price.
    @inlinable public var bidPrice: Price { Price(rawValue: word0) }
    /// Quote bid size.
    @inlinable public var bidQuantity: Quantity { Quantity(rawValue: word1) }
    /// Quote ask price.
    @inlinable public var askPrice: Price { Price(rawValue: word2) }
    /// Quote ask size.
    @inlinable public var askQuantity: Quantity { Quantity(rawValue: word3) }
    /// Depth level (0 = best).
    @inlinable public var level: Int { Int(word2) }
    /// Depth side.
    @inlinable public var depthSide: Side { MarketEventFlags(rawValue: flags).contains(.askSide) ? .sell : .buy }
    /// Feed sequence number (trade, quote, depth).
    @inlinable public var sequence: UInt64 {
        switch kind {
        case .trade: return UInt64(bitPattern: word2)
        case .quote: return UInt64(bitPattern: word4)
        case .depth: return UInt64(bitPattern: word3)
        default: return 0
        }
    }
    /// Trade id (trade).
    @inlinable public var tradeId: UInt64 { UInt64(bitPattern: word3) }
    /// Bar open, high, low, close, volume.
    @inlinable public var open: Price { Price(rawValue: word0) }
    @inlinable public var high: Price { Price(rawValue: word1) }
    @inlinable public var low: Price { Price(rawValue: word2) }
    @inlinable public var close: Price { Price(rawValue: word3) }
    @inlinable public var volume: Quantity { Quantity(rawValue: word4) }
    /// Status code (status).
    @inlinable public var statusCode: Int64 { word0 }
}

/// Flag bits of a `MarketEvent`.
@frozen
public struct MarketEventFlags: OptionSet, Sendable, BitwiseCopyable {
    // The flags are computed constants rather than `static let`s so that a check in another
    // module compiles to a bit test, not a call to a lazy global's addressor.
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Depth: the level is on the ask side.
    @inlinable public static var askSide: MarketEventFlags { MarketEventFlags(rawValue: 1 << 0) }
    /// The vendor flagged the print suspicious.
    @inlinable public static var suspicious: MarketEventFlags { MarketEventFlags(rawValue: 1 << 1) }
    /// Replayed from a recording or journal, not live.
    @inlinable public static var replayed: MarketEventFlags { MarketEventFlags(rawValue: 1 << 2) }
    /// Part of a snapshot, not an incremental update.
    @inlinable public static var snapshot: MarketEventFlags { MarketEventFlags(rawValue: 1 << 3) }
    /// Last event of a venue packet / batch (engines may act on batch boundaries).
    @inlinable public static var endOfBatch: MarketEventFlags { MarketEventFlags(rawValue: 1 << 4) }
    /// The sequence number revealed a gap before this event.
    @inlinable public static var afterGap: MarketEventFlags { MarketEventFlags(rawValue: 1 << 5) }
}
