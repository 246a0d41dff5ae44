import PeregrineCore

// FIX market data (issue #4 item 3): MarketDataRequest out, MarketDataSnapshotFullRefresh
// (W) and MarketDataIncrementalRefresh (X) in, as top-of-book quotes and trades.
//
// Entries used: MDEntryType 269 = 0 bid, 1 offer, 2 trade; MDEntryPx 270; MDEntrySize 271;
// MDUpdateAction 279 (X: 0 new, 1 change, 2 delete); Symbol 55 (in the header of W, in
// each entry of X, where an entry without one repeats the previous entry's).

/// Body writers for market-data messages (after `begin` or inside `FIXSession.send`).
/// Thread: the encoder's owner; no allocation; O(message length).
extension FIXEncoder {
    /// MarketDataRequest (35=V): MDReqID 262, SubscriptionRequestType 263 (1 = snapshot +
    /// updates, 2 = unsubscribe), MarketDepth 264 = 1 (top of book), MDUpdateType 265 = 1
    /// (incremental), NoMDEntryTypes 267 = 3 (bid, offer, trade), NoRelatedSym 146 + Symbol 55.
    public mutating func appendMarketDataRequestBody(requestID: FIXInlineText, subscribe: Bool,
                                                     symbols: UnsafeBufferPointer<FIXInlineText>) {
        append(FIXTag.mdReqID, text: requestID)
        append(FIXTag.subscriptionRequestType, char: subscribe ? 0x31 : 0x32)
        append(264, int: 1)
        append(265, int: 1)
        append(FIXTag.noMDEntryTypes, int: 3)
        append(FIXTag.mdEntryType, char: 0x30)
        append(FIXTag.mdEntryType, char: 0x31)
        append(FIXTag.mdEntryType, char: 0x32)
        append(146, int: Int64(symbols.count))
        for s in symbols { append(FIXTag.symbol, text: s) }
    }

    /// MarketDataIncrementalRefresh (35=X) for one quote (two entries: bid and offer, action
    /// change) or one trade (one entry, action new). Returns false (nothing written) for
    /// other event kinds.
    @discardableResult
    public mutating func appendIncrementalRefreshBody(_ event: MarketEvent, symbol: FIXInlineText,
                                                      requestID: FIXInlineText) -> Bool {
        switch event.kind {
        case .quote:
            append(FIXTag.mdReqID, text: requestID)
            append(FIXTag.noMDEntries, int: 2)
            appendEntry(action: 0x31, type: 0x30, symbol: symbol, price: event.bidPrice, size: event.bidQuantity)
            appendEntry(action: 0x31, type: 0x31, symbol: symbol, price: event.askPrice, size: event.askQuantity)
            return true
        case .trade:
            append(FIXTag.mdReqID, text: requestID)
            append(FIXTag.noMDEntries, int: 1)
            appendEntry(action: 0x30, type: 0x32, symbol: symbol, price: event.price, size: event.quantity)
            return true
        default:
            return false
        }
    }

    /// MarketDataSnapshotFullRefresh (35=W) of a top of book (bid, offer, and the last trade
    /// when `lastPrice` is non-zero).
    public mutating func appendSnapshotBody(symbol: FIXInlineText, requestID: FIXInlineText, bid: Price, bidSize: Quantity,
                                            ask: Price, askSize: Quantity, lastPrice: Price, lastSize: Quantity) {
        append(FIXTag.mdReqID, text: requestID)
        append(FIXTag.symbol, text: symbol)
        let entries = 2 + (lastPrice.rawValue != 0 ? 1 : 0)
        append(FIXTag.noMDEntries, int: Int64(entries))
        append(FIXTag.mdEntryType, char: 0x30); append(FIXTag.mdEntryPx, price: bid); append(FIXTag.mdEntrySize, quantity: bidSize)
        append(FIXTag.mdEntryType, char: 0x31); append(FIXTag.mdEntryPx, price: ask); append(FIXTag.mdEntrySize, quantity: askSize)
        if lastPrice.rawValue != 0 {
            append(FIXTag.mdEntryType, char: 0x32); append(FIXTag.mdEntryPx, price: lastPrice); append(FIXTag.mdEntrySize, quantity: lastSize)
        }
    }

    @usableFromInline
    mutating func appendEntry(action: UInt8, type: UInt8, symbol: FIXInlineText, price: Price, size: Quantity) {
        append(FIXTag.mdUpdateAction, char: action)
        append(FIXTag.mdEntryType, char: type)
        append(FIXTag.symbol, text: symbol)
        append(FIXTag.mdEntryPx, price: price)
        append(FIXTag.mdEntrySize, quantity: size)
    }
}

/// Turns W and X messages into top-of-book quote and trade `MarketEvent`s, keeping each
/// instrument's book top so a change of one side yields a full two-sided quote — and, with
/// `emitsDepth`, a by-price `.depth` event per bid/offer entry (size 0 = level deleted) for
/// the L2 books. Entries with MDEntryPositionNo (290) above 1 are depth only: they never
/// move the top.
///
/// Thread: one owner. Allocation: `init` only. Errors: a malformed entry (bad number, an
/// entry type before its group count, an unknown symbol) is counted and skipped; the rest of
/// the message is still used.
public struct FIXMarketDataDecoder: Sendable {
    var bid: [Price], bidSize: [Quantity], ask: [Price], askSize: [Quantity]
    public let venue: VenueId
    /// Whether bid/offer entries also produce by-price depth events.
    public var emitsDepth: Bool
    /// Entries skipped (malformed, unknown symbol, unsupported type).
    public private(set) var skippedEntries = 0

    public init(instrumentCount: Int, venue: VenueId, emitsDepth: Bool = false) {
        self.emitsDepth = emitsDepth
        bid = Array(repeating: .zero, count: instrumentCount); bidSize = Array(repeating: .zero, count: instrumentCount)
        ask = Array(repeating: .zero, count: instrumentCount); askSize = Array(repeating: .zero, count: instrumentCount)
        self.venue = venue
    }

    /// Decodes a W or X message, calling `body` with each resulting event (a quote after the
    /// entries of one instrument changed its top, a trade per trade entry). Returns the
    /// number of events. No allocation.
    public mutating func decode(_ m: FIXMessageView, symbols: borrowing FIXSymbolTable, receiveTime: Timestamp,
                                _ body: (MarketEvent) -> Void) -> Int {
        let snapshot = m.messageType == .marketDataSnapshotFullRefresh
        guard snapshot || m.messageType == .marketDataIncrementalRefresh else { return 0 }
        var events = 0
        var instrument = InstrumentId.none
        if snapshot, let s = m.valueBytes(tag: FIXTag.symbol) { instrument = symbols.lookup(s) ?? .none }
        // Entry being read.
        var inEntries = false
        var type: UInt8 = 0, action: UInt8 = 0x31
        var price = Price.zero, size = Quantity.zero
        var hasPrice = false
        var position = 1
        var quoteDirty = InstrumentId.none
        func flushEntry() {
            defer { type = 0; action = 0x31; price = .zero; size = .zero; hasPrice = false; position = 1 }
            guard type != 0 else { return }
            let i = Int(instrument.rawValue)
            guard instrument != .none, i < bid.count else { skippedEntries += 1; return }
            switch type {
            case 0x30, 0x31:
                let delete = action == 0x32
                guard delete || hasPrice else { skippedEntries += 1; return }
                if emitsDepth && hasPrice {
                    body(.depth(instrument, venue: venue, side: type == 0x30 ? .buy : .sell, price: price,
                                quantity: delete ? .zero : size, level: max(0, position - 1), exchangeTime: receiveTime,
                                receiveTime: receiveTime, flags: snapshot ? .snapshot : []))
                    events += 1
                }
                guard position <= 1 else { return }   // deeper levels do not move the top
                if quoteDirty != .none && quoteDirty != instrument { emitQuote(quoteDirty) }
                if type == 0x30 { bid[i] = delete ? .zero : price; bidSize[i] = delete ? .zero : size }
                else { ask[i] = delete ? .zero : price; askSize[i] = delete ? .zero : size }
                quoteDirty = instrument
            case 0x32:
                guard hasPrice else { skippedEntries += 1; return }
                body(.trade(instrument, venue: venue, price: price, quantity: size, exchangeTime: receiveTime,
                            receiveTime: receiveTime, tradeId: 0, flags: snapshot ? .snapshot : []))
                events += 1
            default:
                skippedEntries += 1
            }
        }
        func emitQuote(_ id: InstrumentId) {
            let i = Int(id.rawValue)
            body(.quote(id, venue: venue, bidPrice: bid[i], bidQuantity: bidSize[i], askPrice: ask[i], askQuantity: askSize[i],
                        exchangeTime: receiveTime, receiveTime: receiveTime, flags: snapshot ? .snapshot : []))
            events += 1
        }
        for index in 0..<m.fieldCount {
            let field = m.field(at: index)
            let value = m.value(at: index)
            switch Int(field.tag) {
            case FIXTag.noMDEntries:
                inEntries = true
            case FIXTag.mdUpdateAction where inEntries:
                flushEntry()
                action = value.first ?? 0x31
            case FIXTag.mdEntryType where inEntries:
                // A new entry starts at its type unless an action already opened it.
                if type != 0 { flushEntry() }
                type = value.first ?? 0
            case FIXTag.symbol where inEntries && !snapshot:
                instrument = symbols.lookup(value) ?? .none
            case FIXTag.mdEntryPx where inEntries:
                if case .success(let p) = FIXValue.decimal(value, as: Price.self) { price = p; hasPrice = true } else { type = 0xFF }
            case 290 where inEntries:   // MDEntryPositionNo
                if case .success(let n) = FIXValue.int(value), n >= 1 { position = Int(n) }
            case FIXTag.mdEntrySize where inEntries:
                if case .success(let q) = FIXValue.decimal(value, as: Quantity.self) { size = q } else { type = 0xFF }
            default:
                break
            }
        }
        flushEntry()
        if quoteDirty != .none { emitQuote(quoteDirty) }
        return events
    }

    /// The book top the decoder holds for `instrument` (tests, operator output).
    public func top(_ instrument: InstrumentId) -> (bid: Price, bidSize: Quantity, ask: Price, askSize: Quantity) {
        let i = Int(instrument.rawValue)
        return (bid[i], bidSize[i], ask[i], askSize[i])
    }
}
