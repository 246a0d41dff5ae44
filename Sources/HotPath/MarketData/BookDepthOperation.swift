import PeregrineCore

/// How a `.depth` event changes a price-level book.
///
/// Carried in the depth event's spare payload word (`word4`, zero in every depth event built by
/// `MarketEvent.depth`), so by-price events need no change and journals keep the operation.
@frozen
public enum BookDepthOperation: Int64, Sendable, BitwiseCopyable, CaseIterable {
    /// Set the level at the event's price to its quantity (0 deletes); `level` is informative.
    case byPrice = 0
    /// Insert a level at row `level`, shifting worse rows down (TWS updateMktDepth operation 0).
    case insert = 1
    /// Replace price and size at row `level` (TWS operation 1).
    case update = 2
    /// Remove row `level`, shifting worse rows up (TWS operation 2).
    case delete = 3
}

extension MarketEvent {
    /// A by-position depth change (TWS updateMktDepth style): `operation` at row `position`.
    @inlinable
    public static func depthAtPosition(_ instrument: InstrumentId, venue: VenueId, side: BookSide, position: Int,
                                       operation: BookDepthOperation, price: Price, quantity: Quantity,
                                       exchangeTime: Timestamp, receiveTime: Timestamp, sequence: UInt64 = 0,
                                       flags: MarketEventFlags = []) -> MarketEvent {
        var event = MarketEvent.depth(instrument, venue: venue, side: side == .ask ? .sell : .buy, price: price,
                                      quantity: operation == .delete ? .zero : quantity, level: position,
                                      exchangeTime: exchangeTime, receiveTime: receiveTime, sequence: sequence, flags: flags)
        event.word4 = operation.rawValue
        return event
    }

    /// The book operation of a `.depth` event; `nil` for an unknown code.
    @inlinable public var depthOperation: BookDepthOperation? { BookDepthOperation(rawValue: word4) }
}

extension TWSDepthUpdate {
    /// As a by-position `.depth` event that keeps the TWS operation (insert/update/delete at
    /// `position`); unknown operation codes become `.update`, which the book range-checks.
    public func bookEvent(_ instrument: InstrumentId, venue: VenueId, receiveTime: Timestamp) -> MarketEvent {
        let op: BookDepthOperation = operation == 0 ? .insert : (operation == 2 ? .delete : .update)
        return .depthAtPosition(instrument, venue: venue, side: side == 1 ? .bid : .ask, position: Int(position),
                                operation: op, price: price ?? .zero, quantity: size ?? .zero,
                                exchangeTime: receiveTime, receiveTime: receiveTime)
    }
}
