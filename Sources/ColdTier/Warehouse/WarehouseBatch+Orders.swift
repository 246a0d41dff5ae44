import PeregrineCore

/// Position and cash-flow changes of a batch's accepted fills.
struct FillTotals {
    struct PositionKey: Hashable { var account: UInt32; var instrument: UInt32 }
    struct PositionDelta { var quantity: Int64 = 0; var fills: Int64 = 0; var lastSequence: UInt64 = 0 }
    struct PnLKey: Hashable { var day: Int64; var account: UInt32; var strategy: UInt16; var instrument: UInt32 }
    struct PnLDelta { var bought: Int64 = 0; var sold: Int64 = 0; var buyNotional: Int128 = 0; var sellNotional: Int128 = 0; var fills: Int64 = 0 }
    var positions: [PositionKey: PositionDelta] = [:]
    var pnl: [PnLKey: PnLDelta] = [:]
}

/// The stateful ODS rules, applied in journal order when the batch is committed.
struct OrderFlowEncoding {
    var orderCommands = BinaryCopyEncoder()
    var orders = BinaryCopyEncoder()
    var executions = BinaryCopyEncoder()
    var totals = FillTotals()
}

extension WarehouseBatch {
    /// Order ids the rules will ask the ledger about.
    var referencedOrderIds: Set<UInt64> {
        var ids: Set<UInt64> = []
        for record in orderFlow {
            switch record.event {
            case .command(let c):
                ids.insert(c.orderId.rawValue)
                if c.originalOrderId != .none { ids.insert(c.originalOrderId.rawValue) }
            case .execution(let e): ids.insert(e.orderId.rawValue)
            }
        }
        return ids
    }

    /// Applies the stateful rules to the order flow (the ledger must hold every referenced
    /// order that exists) and encodes the accepted rows; breaking rows go to quarantine.
    mutating func encodeOrderFlow(ledger: OrderLedger) -> OrderFlowEncoding {
        var out = OrderFlowEncoding()
        for record in orderFlow {
            switch record.event {
            case .command(let command): encode(command, record, ledger, &out)
            case .execution(let execution): encode(execution, record, ledger, &out)
            }
        }
        return out
    }

    private mutating func quarantine<T: BitwiseCopyable>(_ record: OrderFlowRecord, _ value: T, _ rule: ODSRule, _ reason: String) {
        withUnsafeBytes(of: value) {
            quarantineRow(sequence: record.sequence, fileIndex: record.fileIndex, offset: record.offset,
                          time: record.timestamp, type: record.type, rule, reason, $0)
        }
    }

    private mutating func encode(_ c: OrderCommand, _ record: OrderFlowRecord, _ ledger: OrderLedger, _ out: inout OrderFlowEncoding) {
        var carriedFills: Int64 = 0
        switch c.kind {
        case .new, .replace:
            if c.kind == .replace {
                guard let original = ledger.state(c.originalOrderId.rawValue) else {
                    return quarantine(record, c, .unknownOriginalOrder, "replace \(c.orderId) names unknown order \(c.originalOrderId)")
                }
                carriedFills = original.filled
            }
            if ledger.contains(c.orderId.rawValue) || c.orderId == .none {
                return quarantine(record, c, .duplicateOrderId, "\(WarehouseText.commandKind(c.kind)) reuses order id \(c.orderId)")
            }
            if c.quantity.rawValue <= 0 {
                return quarantine(record, c, .sizePositive, "order \(c.orderId) quantity \(c.quantity) is not positive")
            }
            if c.price.rawValue < 0 || (c.type.hasLimitPrice && c.price.rawValue == 0) {
                return quarantine(record, c, .pricePositive, "\(WarehouseText.orderType(c.type)) order \(c.orderId) price \(c.price) is not positive")
            }
            if c.stopPrice.rawValue < 0 || (c.type.hasStopPrice && c.stopPrice.rawValue == 0) {
                return quarantine(record, c, .pricePositive, "\(WarehouseText.orderType(c.type)) order \(c.orderId) stop price \(c.stopPrice) is not positive")
            }
            if carriedFills > c.quantity.rawValue {
                return quarantine(record, c, .fillExceedsOrderQuantity, "replace \(c.orderId) quantity \(c.quantity) is below the \(Quantity(rawValue: carriedFills)) already filled on \(c.originalOrderId)")
            }
            ledger.set(c.orderId.rawValue, OrderState(quantity: c.quantity.rawValue, filled: carriedFills, side: c.side))
            out.orders.beginRow(fieldCount: 15)
            out.orders.appendBigint(Int64(bitPattern: c.orderId.rawValue))
            out.orders.appendBigint(Int64(bitPattern: record.sequence))
            out.orders.appendBigint(Int64(bitPattern: c.originalOrderId.rawValue))
            out.orders.appendBigint(c.createdTime.nanosecondsSinceEpoch)
            out.orders.appendBigint(Int64(c.instrument.rawValue))
            out.orders.appendBigint(Int64(c.account.rawValue))
            out.orders.appendInteger(Int32(c.strategy.rawValue))
            out.orders.appendInteger(Int32(c.venue.rawValue))
            out.orders.appendText(WarehouseText.side(c.side))
            out.orders.appendText(WarehouseText.orderType(c.type))
            out.orders.appendText(WarehouseText.timeInForce(c.timeInForce))
            out.orders.appendBigint(c.price.rawValue)
            out.orders.appendBigint(c.stopPrice.rawValue)
            out.orders.appendBigint(c.quantity.rawValue)
            out.orders.appendBigint(carriedFills)
        case .cancel:
            if !ledger.contains(c.originalOrderId.rawValue) {
                return quarantine(record, c, .unknownOriginalOrder, "cancel \(c.orderId) names unknown order \(c.originalOrderId)")
            }
        case .massCancel:
            break
        }
        out.orderCommands.beginRow(fieldCount: 16)
        out.orderCommands.appendBigint(Int64(bitPattern: record.sequence))
        out.orderCommands.appendBigint(record.timestamp)
        out.orderCommands.appendBigint(c.createdTime.nanosecondsSinceEpoch)
        out.orderCommands.appendText(WarehouseText.commandKind(c.kind))
        out.orderCommands.appendBigint(Int64(bitPattern: c.orderId.rawValue))
        out.orderCommands.appendBigint(Int64(bitPattern: c.originalOrderId.rawValue))
        out.orderCommands.appendBigint(Int64(c.instrument.rawValue))
        out.orderCommands.appendBigint(Int64(c.account.rawValue))
        out.orderCommands.appendInteger(Int32(c.strategy.rawValue))
        out.orderCommands.appendInteger(Int32(c.venue.rawValue))
        out.orderCommands.appendText(WarehouseText.side(c.side))
        out.orderCommands.appendText(WarehouseText.orderType(c.type))
        out.orderCommands.appendText(WarehouseText.timeInForce(c.timeInForce))
        out.orderCommands.appendBigint(c.price.rawValue)
        out.orderCommands.appendBigint(c.stopPrice.rawValue)
        out.orderCommands.appendBigint(c.quantity.rawValue)
    }

    private mutating func encode(_ x: ExecutionEvent, _ record: OrderFlowRecord, _ ledger: OrderLedger, _ out: inout OrderFlowEncoding) {
        guard var order = ledger.state(x.orderId.rawValue) else {
            return quarantine(record, x, .executionUnknownOrder, "\(WarehouseText.executionType(x.executionType)) report for unknown order \(x.orderId)")
        }
        if x.executionType == .trade {
            if x.lastPrice.rawValue <= 0 {
                return quarantine(record, x, .pricePositive, "fill \(x.executionId) on order \(x.orderId) price \(x.lastPrice) is not positive")
            }
            if x.lastQuantity.rawValue <= 0 {
                return quarantine(record, x, .sizePositive, "fill \(x.executionId) on order \(x.orderId) quantity \(x.lastQuantity) is not positive")
            }
            if x.executionId != 0 && order.fillIds.contains(x.executionId) {
                return quarantine(record, x, .duplicateExecutionId, "fill \(x.executionId) on order \(x.orderId) was already loaded")
            }
            let filled = order.filled &+ x.lastQuantity.rawValue
            if filled > order.quantity || filled < order.filled {
                return quarantine(record, x, .fillExceedsOrderQuantity,
                                  "fill \(x.executionId) of \(x.lastQuantity) on order \(x.orderId) would make \(Quantity(rawValue: filled)) filled of \(Quantity(rawValue: order.quantity))")
            }
            order.filled = filled
            if x.executionId != 0 { order.fillIds.insert(x.executionId) }
            ledger.set(x.orderId.rawValue, order)
            let signed = x.side.sign * x.lastQuantity.rawValue
            out.totals.positions[FillTotals.PositionKey(account: x.account.rawValue, instrument: x.instrument.rawValue), default: .init()]
                .add(quantity: signed, sequence: record.sequence)
            let notional = Int128(x.lastPrice.rawValue) * Int128(x.lastQuantity.rawValue)
            let key = FillTotals.PnLKey(day: WarehouseText.day(ofNanos: x.transactTime.nanosecondsSinceEpoch), account: x.account.rawValue,
                                        strategy: x.strategy.rawValue, instrument: x.instrument.rawValue)
            out.totals.pnl[key, default: .init()].add(buy: x.side == .buy, quantity: x.lastQuantity.rawValue, notional: notional)
        }
        out.executions.beginRow(fieldCount: 23)
        out.executions.appendBigint(Int64(bitPattern: record.sequence))
        out.executions.appendBigint(Int64(bitPattern: x.orderId.rawValue))
        out.executions.appendBigint(Int64(bitPattern: x.originalOrderId.rawValue))
        out.executions.appendBigint(Int64(bitPattern: x.venueOrderId))
        out.executions.appendBigint(Int64(bitPattern: x.executionId))
        out.executions.appendText(WarehouseText.executionType(x.executionType))
        out.executions.appendText(WarehouseText.orderStatus(x.orderStatus))
        out.executions.appendText(WarehouseText.side(x.side))
        out.executions.appendBigint(Int64(x.instrument.rawValue))
        out.executions.appendBigint(Int64(x.account.rawValue))
        out.executions.appendInteger(Int32(x.strategy.rawValue))
        out.executions.appendInteger(Int32(x.venue.rawValue))
        for value in [x.lastPrice.rawValue, x.lastQuantity.rawValue, x.leavesQuantity.rawValue, x.cumulativeQuantity.rawValue,
                      x.averagePrice.rawValue, x.price.rawValue, x.orderQuantity.rawValue] {
            out.executions.appendBigint(value)
        }
        out.executions.appendInteger(Int32(x.rejectReason))
        out.executions.appendSmallint(Int16(x.flags))
        out.executions.appendBigint(x.transactTime.nanosecondsSinceEpoch)
        out.executions.appendBigint(x.receiveTime.nanosecondsSinceEpoch)
    }
}

extension FillTotals.PositionDelta {
    mutating func add(quantity: Int64, sequence: UInt64) {
        self.quantity += quantity
        fills += 1
        lastSequence = sequence
    }
}

extension FillTotals.PnLDelta {
    mutating func add(buy: Bool, quantity: Int64, notional: Int128) {
        if buy { bought += quantity; buyNotional += notional } else { sold += quantity; sellNotional += notional }
        fills += 1
    }
}
