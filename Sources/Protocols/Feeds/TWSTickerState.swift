import PeregrineCore
import PeregrineMarketData

/// What a subscription slot carries.
public enum TWSSubscriptionKind: UInt8, Sendable, BitwiseCopyable {
    /// reqMktData (1): top of book and last trade.
    case marketData = 1
    /// reqMktDepth (10): price levels.
    case marketDepth = 2
}

/// The hot, trivially copyable state of one subscription slot: the ticker id it answers to,
/// the instrument, and the top of book built from TWS's separate bid/ask/last ticks.
///
/// TWS sends one value per tick (BID price with size, ASK_SIZE alone, LAST with size, then a
/// LAST_SIZE echo of the same print). `apply` turns those into whole `MarketEvent`s: a quote
/// carrying both sides after any bid/ask change, a trade per LAST tick, and a trade for a
/// LAST_SIZE that is not the echo of the LAST just seen (a print at an unchanged price).
/// Delayed ticks (66–71) are treated as their live kin. No allocation; a few comparisons.
struct TWSTickerState: BitwiseCopyable {
    /// −1 when the slot is free.
    var tickerId: Int64 = -1
    var instrument = InstrumentId.none
    var kind = TWSSubscriptionKind.marketData
    /// A request frame for this slot is in the outbound queue (do not queue another).
    var queued = false
    var bid = Price.zero, bidSize = Quantity.zero
    var ask = Price.zero, askSize = Quantity.zero
    var last = Price.zero
    var hasLast = false
    /// The LAST tick just turned into a trade; its LAST_SIZE echo carries this size.
    var echoPending = false
    var echoSize = Quantity.zero
    /// Last TWS error code for this ticker (0 none).
    var lastError: Int64 = 0

    /// Clears the book (a new subscription, or one re-sent after data was lost).
    mutating func clearBook() {
        bid = .zero; bidSize = .zero; ask = .zero; askSize = .zero
        last = .zero; hasLast = false; echoPending = false; echoSize = .zero
    }

    /// A tickPrice; returns the event it produces, if any.
    mutating func apply(_ tick: TWSTickPrice, venue: VenueId, now: Timestamp) -> MarketEvent? {
        switch tick.tickType {
        case 1, 66:  // BID
            guard let price = tick.price else { return nil }
            bid = price.rawValue > 0 ? price : .zero
            if let size = tick.size { bidSize = size }
            return quote(venue, now)
        case 2, 67:  // ASK
            guard let price = tick.price else { return nil }
            ask = price.rawValue > 0 ? price : .zero
            if let size = tick.size { askSize = size }
            return quote(venue, now)
        case 4, 68:  // LAST
            guard let event = tick.tradeEvent(instrument, venue: venue, receiveTime: now) else { return nil }
            last = event.price
            hasLast = true
            echoPending = true
            echoSize = event.quantity
            return event
        default:
            return nil
        }
    }

    /// A tickSize; returns the event it produces, if any.
    mutating func apply(_ tick: TWSTickSize, venue: VenueId, now: Timestamp) -> MarketEvent? {
        guard let size = tick.size else { return nil }
        switch tick.tickType {
        case 0, 69:  // BID_SIZE
            guard size != bidSize else { return nil }
            bidSize = size
            return bid == .zero ? nil : quote(venue, now)
        case 3, 70:  // ASK_SIZE
            guard size != askSize else { return nil }
            askSize = size
            return ask == .zero ? nil : quote(venue, now)
        case 5, 71:  // LAST_SIZE
            if echoPending {
                echoPending = false
                if size == echoSize { return nil }
            }
            guard hasLast else { return nil }
            return .trade(instrument, venue: venue, price: last, quantity: size, exchangeTime: now, receiveTime: now)
        default:
            return nil
        }
    }

    func quote(_ venue: VenueId, _ now: Timestamp) -> MarketEvent {
        .quote(instrument, venue: venue, bidPrice: bid, bidQuantity: bidSize, askPrice: ask, askQuantity: askSize,
               exchangeTime: now, receiveTime: now)
    }
}

/// The cold half of a subscription slot: what to send to (re)subscribe.
struct TWSSubscriptionRequest {
    var contract: TWSContract
    var kind: TWSSubscriptionKind
    var genericTicks: String
    var depthRows: Int
    var smartDepth: Bool
}
