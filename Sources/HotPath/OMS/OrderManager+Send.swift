import PeregrineCore

extension OrderManager {
    /// Registers an outbound command so the venue's answers can be matched: a new order
    /// takes a slot in pending new; a cancel or replace marks its order pending and indexes
    /// the request's ClOrdID; a mass cancel marks every matching open order pending cancel.
    ///
    /// Call on the OMS thread, after risk and before (or as) the command is encoded. Does
    /// not block or allocate. O(1) expected, except `.massCancel`, which walks the slots
    /// (O(capacity), for the kill switch). `now` starts lingers and recycles slots.
    public mutating func onSend(_ command: OrderCommand, now: Timestamp) -> OrderEventResult {
        switch command.kind {
        case .new: return registerNew(command, now: now)
        case .cancel: return registerCancel(command)
        case .replace: return registerReplace(command)
        case .massCancel: return registerMassCancel(command)
        }
    }

    /// `onSend(_:now:)` with the command's creation time as the clock.
    public mutating func onSend(_ command: OrderCommand) -> OrderEventResult {
        onSend(command, now: command.createdTime)
    }

    private mutating func registerNew(_ command: OrderCommand, now: Timestamp) -> OrderEventResult {
        guard command.orderId != .none, command.quantity.rawValue > 0,
              positions.contains(account: command.account, instrument: command.instrument)
        else { return finish(.invalidCommand, -1) }
        if let existing = orderIndex.find(command.orderId.rawValue) { return finish(.duplicateOrderId, Int(existing)) }
        guard let slot = allocateSlot(now: now) else { return finish(.capacityExhausted, -1) }
        // Filled in a local and stored once: one uniqueness check of `records`, not one per field.
        var record = records[slot]
        record.orderId = command.orderId
        record.rootOrderId = command.orderId
        record.price = command.price
        record.quantity = command.quantity
        record.instrument = command.instrument
        record.account = command.account
        record.strategy = command.strategy
        record.venue = command.venue
        record.side = command.side
        record.type = command.type
        record.timeInForce = command.timeInForce
        record.createdTime = command.createdTime
        record.updatedTime = now
        record.baseStatus = .pendingNew
        records[slot] = record
        addAlias(command.orderId, slot: slot)
        return finish(.applied, slot)
    }

    private mutating func registerCancel(_ command: OrderCommand) -> OrderEventResult {
        guard let found = orderIndex.find(command.originalOrderId.rawValue) else { return finish(.unknownOrder, -1) }
        let slot = Int(found)
        guard !records[slot].isTerminal else { return finish(.illegalTransition, slot) }
        guard !records[slot].isCancelPending else { return finish(.requestPending, slot) }
        if command.orderId != .none, command.orderId != command.originalOrderId {
            if let other = orderIndex.find(command.orderId.rawValue), Int(other) != slot {
                return finish(.duplicateOrderId, slot)
            }
            records[slot].pendingCancelId = command.orderId
            addAlias(command.orderId, slot: slot)
        } else {
            records[slot].pendingCancelId = .none
        }
        records[slot].isCancelPending = true
        return finish(.applied, slot)
    }

    private mutating func registerReplace(_ command: OrderCommand) -> OrderEventResult {
        guard let found = orderIndex.find(command.originalOrderId.rawValue) else { return finish(.unknownOrder, -1) }
        let slot = Int(found)
        guard command.orderId != .none, command.quantity.rawValue > 0 else { return finish(.invalidCommand, slot) }
        guard !records[slot].isTerminal else { return finish(.illegalTransition, slot) }
        guard !records[slot].isReplacePending else { return finish(.requestPending, slot) }
        if orderIndex.find(command.orderId.rawValue) != nil { return finish(.duplicateOrderId, slot) }
        records[slot].pendingReplaceId = command.orderId
        records[slot].pendingPrice = command.price
        records[slot].pendingQuantity = command.quantity
        records[slot].isReplacePending = true
        addAlias(command.orderId, slot: slot)
        return finish(.applied, slot)
    }

    /// Records that the session to `venue` dropped. With `cancelsOnDisconnect` (the venue
    /// cancels a session's orders when it drops: FIX CancelOnDisconnect, most exchanges'
    /// session settings), every working order there becomes pending cancel; reconciliation
    /// after the reconnect closes the ones the venue no longer lists. Returns how many
    /// orders were marked. Cold path: O(capacity), no allocation.
    @discardableResult
    public mutating func onVenueDisconnected(_ venue: VenueId, cancelsOnDisconnect: Bool) -> Int {
        guard cancelsOnDisconnect else { return 0 }
        var marked = 0
        for i in records.indices where records[i].isInUse && !records[i].isTerminal && records[i].venue == venue {
            records[i].isCancelPending = true
            marked += 1
        }
        return marked
    }

    private mutating func registerMassCancel(_ command: OrderCommand) -> OrderEventResult {
        var marked = false
        for i in records.indices where records[i].isInUse && !records[i].isTerminal {
            guard records[i].account == command.account else { continue }
            if command.instrument != .none && records[i].instrument != command.instrument { continue }
            if command.venue != .none && records[i].venue != command.venue { continue }
            records[i].isCancelPending = true
            marked = true
        }
        return finish(marked ? .applied : .noChange, -1)
    }
}
