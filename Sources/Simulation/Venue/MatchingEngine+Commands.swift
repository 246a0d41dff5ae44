import PeregrineCore

// The public commands: new orders, cancels, replaces, mass cancels, end-of-day expiry.
extension MatchingEngine {
    /// Applies one order command at `time` and appends the reports and feed events it causes.
    ///
    /// Owner thread only; does not block or allocate (within `output`'s capacity). Cost:
    /// O(1) for a passive new order at an existing level or near the touch, O(log levels) to
    /// find a level elsewhere, O(1) per fill, O(1) expected for cancels and replaces by id;
    /// `massCancel` is O(order capacity).
    public mutating func submit(_ command: OrderCommand, time: Timestamp, into output: inout VenueOutput) {
        let firstMarketEvent = output.marketData.count
        switch command.kind {
        case .new: acceptNew(command, time: time, into: &output)
        case .cancel: cancel(command, time: time, into: &output)
        case .replace: replace(command, time: time, into: &output)
        case .massCancel: massCancel(account: command.account, time: time, into: &output)
        }
        triggerStops(time: time, into: &output)
        finishCall(time: time, firstMarketEvent: firstMarketEvent, into: &output)
    }

    /// Cancels the live order with this venue order id; `false` (and a cancel reject) if none.
    /// O(1): the slot is in the id's low 24 bits. Owner thread only, no allocation.
    @discardableResult
    public mutating func cancel(venueOrderId: UInt64, time: Timestamp, into output: inout VenueOutput) -> Bool {
        let firstMarketEvent = output.marketData.count
        let s = Int(venueOrderId & 0xFF_FFFF)
        guard s < orders.count, orders[s].state != .free, orders[s].venueOrderId == venueOrderId else {
            var unknown = OrderCommand()
            unknown.kind = .cancel
            unknown.instrument = configuration.instrument
            reject(unknown, reason: .unknownOrder, cancelReject: true, time: time, into: &output)
            return false
        }
        removeAndReport(s, type: .canceled, status: .canceled, reason: .none, clientId: .none, time: time, into: &output)
        finishCall(time: time, firstMarketEvent: firstMarketEvent, into: &output)
        return true
    }

    /// Expires every live day order (end of the trading day): an `.expired` report for each,
    /// depth and quote updates. Good-till-cancel orders stay. O(order capacity); not for the
    /// per-order path. Owner thread only.
    public mutating func expireDayOrders(time: Timestamp, into output: inout VenueOutput) {
        let firstMarketEvent = output.marketData.count
        for s in orders.indices where orders[s].state != .free && orders[s].timeInForce == .day {
            removeAndReport(s, type: .expired, status: .expired, reason: .none, clientId: .none, time: time, into: &output)
        }
        finishCall(time: time, firstMarketEvent: firstMarketEvent, into: &output)
    }

    // MARK: New

    mutating func acceptNew(_ command: OrderCommand, time: Timestamp, into output: inout VenueOutput) {
        let rules = configuration.rules
        var reason = VenueRejectReason.none
        if command.instrument != configuration.instrument {
            reason = .unknownInstrument
        } else if command.orderId == .none {
            reason = .unsupportedOrder
        } else {
            switch command.timeInForce {
            case .day, .goodTillCancel, .immediateOrCancel, .fillOrKill: break
            default: reason = .unsupportedOrder
            }
        }
        if reason == .none {
            if command.type.hasLimitPrice && !rules.isValidPrice(command.price) {
                reason = .invalidPriceIncrement
            } else if command.type.hasStopPrice && !rules.isValidPrice(command.stopPrice) {
                reason = .invalidPriceIncrement
            } else if !rules.isValidQuantity(command.quantity) {
                reason = .invalidQuantity
            } else if index.find(command.orderId, account: command.account) != nil {
                reason = .duplicateOrderId
            } else if command.type.hasStopPrice
                        && (command.side.isSell ? sellStops.count : buyStops.count) >= configuration.stopCapacity {
                reason = .bookFull
            }
        }
        guard reason == .none, let s = allocateOrder() else {
            reject(command, reason: reason == .none ? .bookFull : reason, cancelReject: false, time: time, into: &output)
            return
        }
        orderSerial &+= 1
        arrivalSerial &+= 1
        orders[s].orderId = command.orderId
        orders[s].venueOrderId = orderSerial << 24 | UInt64(s)
        orders[s].price = command.type.hasLimitPrice ? command.price : .zero
        orders[s].stopPrice = command.type.hasStopPrice ? command.stopPrice : .zero
        orders[s].quantity = command.quantity
        orders[s].leaves = command.quantity
        orders[s].arrival = arrivalSerial
        orders[s].account = command.account
        orders[s].strategy = command.strategy
        orders[s].side = command.side
        orders[s].type = command.type
        orders[s].timeInForce = command.timeInForce
        orders[s].state = .matching
        index.insert(command.orderId, account: command.account, slot: s)
        report(s, type: .new, status: .new, time: time, into: &output)
        if command.type.hasStopPrice {
            let added = addStop(s)
            precondition(added, "stop capacity checked above")
        } else {
            execute(s, time: time, into: &output)
        }
    }

    // MARK: Cancel

    mutating func cancel(_ command: OrderCommand, time: Timestamp, into output: inout VenueOutput) {
        guard let s = index.find(command.originalOrderId, account: command.account) else {
            reject(command, reason: .unknownOrder, cancelReject: true, time: time, into: &output)
            return
        }
        removeAndReport(s, type: .canceled, status: .canceled, reason: .none, clientId: command.orderId, time: time, into: &output)
    }

    /// Cancels every live order of `account`. O(order capacity).
    mutating func massCancel(account: AccountId, time: Timestamp, into output: inout VenueOutput) {
        for s in orders.indices where orders[s].state != .free && orders[s].account == account {
            removeAndReport(s, type: .canceled, status: .canceled, reason: .none, clientId: .none, time: time, into: &output)
        }
    }

    /// Takes live order `s` out of the book or stop list, reports it (under `clientId` when
    /// a cancel request named one, with the old id as `originalOrderId`) and frees the slot.
    mutating func removeAndReport(_ s: Int, type: ExecutionType, status: OrderStatus, reason: VenueRejectReason,
                                  clientId: OrderId, time: Timestamp, into output: inout VenueOutput) {
        switch orders[s].state {
        case .resting: unlink(s, time: time, publish: true, into: &output)
        case .pendingStop: removeStop(s)
        case .matching, .free: break
        }
        index.remove(orders[s].orderId, account: orders[s].account)
        orders[s].leaves = .zero  // FIX: LeavesQty is 0 once the order is done
        var original = OrderId.none
        if clientId != .none && clientId != orders[s].orderId {
            original = orders[s].orderId
            orders[s].orderId = clientId
        }
        report(s, type: type, status: status, time: time, reason: reason, originalOrderId: original, into: &output)
        releaseOrder(s)
    }

    // MARK: Replace

    mutating func replace(_ command: OrderCommand, time: Timestamp, into output: inout VenueOutput) {
        guard let s = index.find(command.originalOrderId, account: command.account) else {
            reject(command, reason: .unknownOrder, cancelReject: true, time: time, into: &output)
            return
        }
        let rules = configuration.rules
        var reason = VenueRejectReason.none
        if command.orderId == .none {
            reason = .unsupportedOrder
        } else if command.orderId != command.originalOrderId && index.find(command.orderId, account: command.account) != nil {
            reason = .duplicateOrderId
        } else if command.side != orders[s].side || command.type != orders[s].type {
            reason = .unsupportedOrder
        } else if command.type.hasLimitPrice && !rules.isValidPrice(command.price) {
            reason = .invalidPriceIncrement
        } else if command.type.hasStopPrice && !rules.isValidPrice(command.stopPrice) {
            reason = .invalidPriceIncrement
        } else if !rules.isValidQuantity(command.quantity) {
            reason = .invalidQuantity
        } else if command.quantity <= orders[s].cumulative {
            reason = .quantityBelowFilled
        }
        guard reason == .none else {
            reject(command, reason: reason, cancelReject: true, status: orderStatus(s), time: time, into: &output)
            return
        }
        let original = orders[s].orderId
        index.remove(original, account: command.account)
        orders[s].orderId = command.orderId
        index.insert(command.orderId, account: command.account, slot: s)
        let newPrice = command.type.hasLimitPrice ? command.price : .zero
        let newStop = command.type.hasStopPrice ? command.stopPrice : .zero
        let newLeaves = command.quantity - orders[s].cumulative

        if orders[s].state == .pendingStop {
            removeStop(s)
            orders[s].price = newPrice; orders[s].stopPrice = newStop
            orders[s].quantity = command.quantity; orders[s].leaves = newLeaves
            arrivalSerial &+= 1
            orders[s].arrival = arrivalSerial
            _ = addStop(s)  // room: it was just removed
            report(s, type: .replaced, status: orderStatus(s), time: time, originalOrderId: original, into: &output)
            return
        }
        // Resting (only day/GTC limit-priced orders rest).
        let losesPriority = newPrice != orders[s].price || command.quantity > orders[s].quantity
        if losesPriority {
            unlink(s, time: time, publish: true, into: &output)
            orders[s].state = .matching
            orders[s].price = newPrice; orders[s].stopPrice = newStop
            orders[s].quantity = command.quantity; orders[s].leaves = newLeaves
            arrivalSerial &+= 1
            orders[s].arrival = arrivalSerial
            report(s, type: .replaced, status: orderStatus(s), time: time, originalOrderId: original, into: &output)
            execute(s, time: time, into: &output)
        } else {
            let l = Int(orders[s].level)
            let delta = orders[s].leaves - newLeaves
            orders[s].quantity = command.quantity
            orders[s].leaves = newLeaves
            orders[s].stopPrice = newStop
            levels[l].quantity -= delta
            report(s, type: .replaced, status: orderStatus(s), time: time, originalOrderId: original, into: &output)
            if delta.rawValue != 0 { publishDepth(level: l, sell: orders[s].side.isSell, time: time, into: &output) }
        }
    }
}
