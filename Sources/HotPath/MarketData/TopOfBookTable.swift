import PeregrineCore

/// The best bid and ask and the last trade of one instrument, as a plain value.
@frozen
public struct TopOfBook: Sendable, BitwiseCopyable, Equatable {
    public var bidPrice: Price = .zero
    public var bidQuantity: Quantity = .zero
    public var askPrice: Price = .zero
    public var askQuantity: Quantity = .zero
    public var lastTradePrice: Price = .zero
    public var lastTradeQuantity: Quantity = .zero
    /// Exchange time of the last quote or trade applied.
    public var exchangeTime: Timestamp = .zero
    /// Quotes and trades applied since start-up (or the last clear): a version to detect change.
    public var updates: UInt64 = 0

    public init() {}

    /// Both sides present (positive price and size).
    @inlinable public var isTwoSided: Bool {
        bidPrice.rawValue > 0 && askPrice.rawValue > 0 && bidQuantity.rawValue > 0 && askQuantity.rawValue > 0
    }
    @inlinable public var mid: Price? { isTwoSided ? BookMath.mid(bid: bidPrice, ask: askPrice) : nil }
    @inlinable public var spread: Price? { isTwoSided ? askPrice - bidPrice : nil }
    @inlinable public var microprice: Price? {
        isTwoSided ? BookMath.microprice(bid: bidPrice, bidQuantity: bidQuantity, ask: askPrice, askQuantity: askQuantity) : nil
    }
    @inlinable public var imbalance: Double? {
        isTwoSided ? BookMath.imbalance(bidQuantity: bidQuantity, askQuantity: askQuantity) : nil
    }
    @inlinable public var crossing: BookCrossing {
        isTwoSided ? BookCrossing.of(bid: bidPrice.rawValue, ask: askPrice.rawValue) : .normal
    }
}

/// Preallocated top-of-book for every instrument, fed by quote and trade events.
///
/// One owner thread applies events and reads between them (so each read is consistent); `apply`
/// and the subscript do not allocate or block and cost a few nanoseconds.
public struct TopOfBookTable: Sendable {
    @usableFromInline var books: [TopOfBook]
    /// Crossed quotes applied (normally zero after the filter).
    public private(set) var crossedQuotes = 0

    /// Books for ids `0..<instrumentCapacity`. Set-up only (allocates).
    public init(instrumentCapacity: Int) {
        books = [TopOfBook](repeating: TopOfBook(), count: instrumentCapacity)
    }

    public var instrumentCapacity: Int { books.count }

    /// Applies a quote (replaces both sides), trade (last price and size) or clearBook; other
    /// kinds and ids outside the capacity are ignored. Returns whether the book changed.
    @discardableResult
    public mutating func apply(_ event: MarketEvent) -> Bool {
        let i = Int(event.instrument.rawValue)
        guard i < books.count else { return false }
        switch event.kind {
        case .quote:
            books[i].bidPrice = event.bidPrice
            books[i].bidQuantity = event.bidQuantity
            books[i].askPrice = event.askPrice
            books[i].askQuantity = event.askQuantity
            if event.bidPrice > event.askPrice && event.bidPrice.rawValue > 0 && event.askPrice.rawValue > 0 { crossedQuotes += 1 }
        case .trade:
            books[i].lastTradePrice = event.price
            books[i].lastTradeQuantity = event.quantity
        case .clearBook:
            books[i] = TopOfBook()
            return true
        default:
            return false
        }
        books[i].exchangeTime = event.exchangeTime
        books[i].updates &+= 1
        return true
    }

    /// The instrument's top of book (a copy: a consistent snapshot).
    @inlinable public subscript(instrument: InstrumentId) -> TopOfBook { books[instrument.index] }
}
