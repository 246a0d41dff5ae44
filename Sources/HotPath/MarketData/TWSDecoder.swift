import PeregrineCore

/// What `TWSDecoder.decode` did with the front of the receive buffer.
public enum TWSDecodeStep: Sendable {
    /// A message; drop `consumed` bytes from the buffer after using it (its text views point in).
    case message(TWSIncoming, consumed: Int)
    /// Not a whole frame yet; at least `needed` bytes in total are required.
    case incomplete(needed: Int)
    /// A frame that was not decoded; drop `consumed` bytes (which may exceed what is buffered for
    /// `.frameTooLarge`: keep discarding as bytes arrive). The stream stays in sync.
    case skipped(TWSSkipReason, messageId: Int64, consumed: Int)
}

/// Decodes TWS API frames (4-byte big-endian length + NUL-terminated text fields) into
/// `TWSIncoming` values, for server versions 145…157 — the text protocol range that
/// `TWSHandshake` advertises (PROTOCOL.md §1, §7). Every frame is consumed by its length prefix,
/// so unknown ids and malformed fields never desynchronize the stream.
///
/// One per connection, on the receive thread. `decode` does not allocate, lock or block; cost is
/// one pass over the frame.
public struct TWSDecoder: Sendable {
    /// The negotiated server version (from the handshake reply).
    public var serverVersion: Int
    /// Frames longer than this are skipped as `.frameTooLarge`.
    public var maximumFrameLength: Int

    public init(serverVersion: Int = 157, maximumFrameLength: Int = 1 << 24) {
        self.serverVersion = serverVersion
        self.maximumFrameLength = maximumFrameLength
    }

    /// Reads the 4-byte big-endian length at the front of `buffer`, if present.
    @inlinable
    public static func frameLength(_ buffer: UnsafeRawBufferPointer) -> Int? {
        guard buffer.count >= 4 else { return nil }
        return Int(buffer[0]) << 24 | Int(buffer[1]) << 16 | Int(buffer[2]) << 8 | Int(buffer[3])
    }

    /// Decodes the first frame of `buffer`.
    public func decode(_ buffer: UnsafeRawBufferPointer) -> TWSDecodeStep {
        guard let length = Self.frameLength(buffer) else { return .incomplete(needed: 4) }
        if length == 0 { return .skipped(.emptyFrame, messageId: 0, consumed: 4) }
        if length > maximumFrameLength { return .skipped(.frameTooLarge, messageId: 0, consumed: 4 + length) }
        guard buffer.count >= 4 + length else { return .incomplete(needed: 4 + length) }
        let payload = UnsafeRawBufferPointer(rebasing: buffer[4..<(4 + length)])
        let consumed = 4 + length
        guard payload[length - 1] == 0 else { return .skipped(.missingTerminator, messageId: 0, consumed: consumed) }
        var r = TWSFieldReader(payload)
        let id = r.int()
        if r.failure != nil { return .skipped(.badMessageId, messageId: 0, consumed: consumed) }
        guard let message = decodeBody(id, &r) else {
            return .skipped(r.failure ?? .unknownMessageId, messageId: id, consumed: consumed)
        }
        if let failure = r.failure { return .skipped(failure, messageId: id, consumed: consumed) }
        return .message(message, consumed: consumed)
    }

    /// `nil` for unknown ids (reader failure unset) or when a field failed.
    func decodeBody(_ id: Int64, _ r: inout TWSFieldReader) -> TWSIncoming? {
        switch id {
        case 1:
            r.skip(1)
            return .tickPrice(TWSTickPrice(requestId: r.int(), tickType: r.int(), price: r.price(), size: r.quantity(), attributes: r.int()))
        case 2:
            r.skip(1)
            return .tickSize(TWSTickSize(requestId: r.int(), tickType: r.int(), size: r.quantity()))
        case 3:
            if serverVersion < 131 { r.skip(1) }
            return .orderStatus(TWSOrderStatus(orderId: r.int(), status: r.text(), filled: r.quantity(), remaining: r.quantity(),
                                               averageFillPrice: r.price(), permId: r.int(), parentId: r.int(),
                                               lastFillPrice: r.price(), clientId: r.int(), whyHeld: r.text(),
                                               marketCapPrice: r.price()))
        case 4:
            r.skip(1)
            return .error(TWSError(id: r.int(), code: r.int(), message: r.text()))
        case 5: return decodeOpenOrder(&r).map(TWSIncoming.openOrder)
        case 9:
            r.skip(1)
            return .nextValidId(r.int())
        case 11:
            if serverVersion < 136 { r.skip(1) }
            let requestId = r.int(), orderId = r.int(), conId = r.int()
            let symbol = r.text(), secType = r.text()
            r.skip(4)  // lastTradeDate, strike, right, multiplier
            _ = r.text()  // contract exchange
            let currency = r.text()
            r.skip(2)  // localSymbol, tradingClass
            let execId = r.text(), time = r.text(), account = r.text(), exchange = r.text(), side = r.text()
            let shares = r.quantity(), price = r.price(), permId = r.int(), clientId = r.int()
            r.skip(1)  // liquidation
            let cumulative = r.quantity(), average = r.price(), orderRef = r.text()
            r.skip(3)  // evRule, evMultiplier, modelCode
            let liquidity = r.int()
            return .execution(TWSExecution(requestId: requestId, orderId: orderId, conId: conId, symbol: symbol, secType: secType,
                                           currency: currency, executionId: execId, time: time, account: account,
                                           exchange: exchange, side: side, shares: shares, price: price, permId: permId,
                                           clientId: clientId, cumulativeQuantity: cumulative, averagePrice: average,
                                           orderRef: orderRef, lastLiquidity: liquidity))
        case 12:
            r.skip(1)
            return .depth(TWSDepthUpdate(requestId: r.int(), position: r.int(), marketMaker: .empty, operation: r.int(),
                                         side: r.int(), price: r.price(), size: r.quantity(), isSmartDepth: false))
        case 13:
            r.skip(1)
            let requestId = r.int(), position = r.int(), maker = r.text(), operation = r.int(), side = r.int()
            let price = r.price(), size = r.quantity()
            let smart = serverVersion >= 146 ? r.bool() : false
            return .depth(TWSDepthUpdate(requestId: requestId, position: position, marketMaker: maker, operation: operation,
                                         side: side, price: price, size: size, isSmartDepth: smart))
        case 15:
            r.skip(1)
            return .managedAccounts(r.text())
        case 17:
            if serverVersion < 124 { r.skip(1) }
            let requestId = r.int(), start = r.text(), end = r.text(), count = r.int()
            guard count >= 0, count <= Int64(r.payload.count) else { r.fail(); return nil }
            return .historicalData(TWSHistoricalData(requestId: requestId, start: start, end: end, barCount: count,
                                                     bars: TWSFieldReaderBox(reader: r)))
        case 45:
            r.skip(1)
            return .tickGeneric(requestId: r.int(), tickType: r.int(), value: r.price())
        case 46:
            r.skip(1)
            return .tickString(requestId: r.int(), tickType: r.int(), value: r.text())
        case 52:
            r.skip(1)
            return .contractDetailsEnd(requestId: r.int())
        case 53:
            return .openOrderEnd
        case 55:
            r.skip(1)
            return .executionEnd(requestId: r.int())
        case 58:
            r.skip(1)
            return .marketDataType(requestId: r.int(), type: r.int())
        case 59:
            r.skip(1)
            return .commissionReport(TWSCommissionReport(executionId: r.text(), commission: r.price(), currency: r.text(),
                                                         realizedPnL: r.price()))
        case 6, 7, 8, 10, 14, 16, 18, 19, 20, 21, 47, 50, 51, 54, 56, 57, 61, 62, 63, 64:
            return .notDecoded(messageId: id)
        default:
            return nil
        }
    }

    /// openOrder (5) at server version ≥ 145 (no version field): reads the head, walks the
    /// conditional blocks to `orderState.status` (PROTOCOL.md §7, the official decoder's order).
    func decodeOpenOrder(_ r: inout TWSFieldReader) -> TWSOpenOrder? {
        if serverVersion < 145 { r.skip(1) }
        let orderId = r.int(), conId = r.int(), symbol = r.text(), secType = r.text()
        r.skip(4)  // lastTradeDate, strike, right, multiplier
        let exchange = r.text(), currency = r.text()
        r.skip(2)  // localSymbol, tradingClass
        let action = r.text(), quantity = r.quantity(), orderType = r.text(), limit = r.price(), aux = r.price()
        let tif = r.text()
        r.skip(1)  // ocaGroup
        let account = r.text()
        r.skip(3)  // openClose, origin, orderRef
        let clientId = r.int(), permId = r.int()
        // outsideRth … triggerMethod, volatility, volatilityType (indices 26…61 of the message).
        r.skip(36)
        let deltaNeutralType = r.text()
        r.skip(1)  // deltaNeutralAuxPrice
        if !deltaNeutralType.isEmpty { r.skip(8) }
        r.skip(7)  // continuousUpdate, referencePriceType, trailStopPrice, trailingPercent, basisPoints, basisPointsType, comboLegsDescrip
        let comboLegs = r.int()
        guard comboLegs >= 0 && comboLegs < 1_000 else { r.fail(); return nil }
        r.skip(Int(comboLegs) * 8)
        let orderComboLegs = r.int()
        guard orderComboLegs >= 0 && orderComboLegs < 1_000 else { r.fail(); return nil }
        r.skip(Int(orderComboLegs))
        let smartParams = r.int()
        guard smartParams >= 0 && smartParams < 1_000 else { r.fail(); return nil }
        r.skip(Int(smartParams) * 2)
        r.skip(2)  // scaleInitLevelSize, scaleSubsLevelSize
        if let increment = r.decimal(), increment > 0 { r.skip(7) }
        let hedgeType = r.text()
        if !hedgeType.isEmpty { r.skip(1) }
        r.skip(4)  // optOutSmartRouting, clearingAccount, clearingIntent, notHeld
        if r.bool() { r.skip(3) }  // delta-neutral contract
        let algo = r.text()
        if !algo.isEmpty {
            let n = r.int()
            guard n >= 0 && n < 1_000 else { r.fail(); return nil }
            r.skip(Int(n) * 2)
        }
        r.skip(2)  // solicited, whatIf
        let status = r.text()
        return TWSOpenOrder(orderId: orderId, conId: conId, symbol: symbol, secType: secType, exchange: exchange,
                            currency: currency, action: action, totalQuantity: quantity, orderType: orderType,
                            limitPrice: limit, auxPrice: aux, timeInForce: tif, account: account, clientId: clientId,
                            permId: permId, status: status)
    }
}
