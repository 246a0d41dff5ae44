import PeregrineCore

/// The order management system: every order's FIX OrdStatus state machine, in preallocated
/// slots, and the positions and P&L its fills make.
///
/// ## Design
/// - **Thread.** One writer: the OMS agent, which sees the outbound commands (`onSend`)
///   and the inbound execution reports (`onExecution`) in order. Nothing here blocks,
///   locks, throws or allocates after `init`; time comes from the events (fake time in
///   tests). Reconciliation (`reconcile`) runs on the same thread after a reconnect and
///   does allocate (its report); it is not a per-event call.
/// - **Slots.** `orderCapacity` records in one array. A cancel/replace chain lives in one
///   slot. Ids index into it by open addressing (`SlotKeyIndex`): ClOrdIDs (each slot
///   keeps up to `aliasLimit` ids — the current one, pending request ids and the most
///   recent previous ones, so late reports for OrigClOrdID or ClOrdID both match; older
///   links of a long chain are released when the limit is reached) and (venue, OrderID)
///   for unsolicited reports that carry only the venue's id. A terminal order stays in a
///   FIFO linger list for `linger`, then its slot is recycled when a new order needs one
///   (O(1): the list is ordered by termination time). A recycled slot bumps `generation`.
/// - **State machine.** `baseStatus` is the working status (pendingNew → new →
///   partiallyFilled → filled, or terminal canceled / rejected / expired / doneForDay);
///   pending cancel and pending replace are flags on top, so a cancel reject simply
///   clears its flag and the order returns to whatever its fills made it meanwhile (a
///   fill may arrive between a cancel request and its reject). `status` applies the FIX
///   precedence. One cancel and one replace may be pending at a time (a cancel may chase
///   a pending replace; a second of the same kind is `.requestPending`). Fills are accepted in pending cancel/replace (the race the venue
///   resolves) and rejected on terminal orders. Replaced: the new ClOrdID becomes
///   `orderId`, price and quantity come from the report (else from the request), and an
///   order whose quantity drops to its fills becomes filled. Every illegal report is a
///   result code, counted, never a trap; a PossDup report that would be illegal is a
///   duplicate instead.
/// - **Duplicates and busts.** Fills are deduplicated on (venue, ExecID) in a ring ledger
///   (`executionCapacity`), which also keeps each fill's quantity and price (a fill with
///   ExecID 0 is booked but can be neither deduplicated nor busted). Because
///   `ExecutionEvent` has no ExecRefID field, a trade cancel or correct carries the
///   *referenced* fill's ExecID in `executionId` (the adapter maps FIX 19 there); the
///   bust sets the booked fill to zero and a correction to the new LastQty/LastPx, so
///   repeating either changes nothing. The ledger also keeps what each fill did to its
///   position (basis change, realized P&L), and a bust takes exactly that back
///   (`Position.reverse`): exact when it is the position's latest fill; for an older one
///   the quantity and total P&L stay exact while the realized/unrealized split is
///   approximate (an exact answer needs a replay, which is not O(1)).
/// - **Positions.** Average cost, exact `Int128` notionals; see `Position`. Fees from the
///   `FeeSchedule` hook on every fill, plus `addFee` for commissions reported apart.
/// - **Overfills** are refused (`.overfill`) and left for reconciliation and an operator
///   rather than booked: a venue overfill is rare and usually a mapping fault.
/// - **Reconciliation** compares the venue's open orders and executions with the slots,
///   applies missing fills, adopts unknown orders, closes orders the venue no longer has,
///   and returns every difference as data (`ReconciliationReport`). For venues that
///   cancel on disconnect, `onVenueDisconnected` first marks their working orders
///   pending cancel.
public struct OrderManager: Sendable {
    /// Ids remembered per slot for matching reports (see the design note).
    public static let aliasLimit = 4

    public let configuration: OMSConfiguration
    var records: [OrderRecord]
    var aliases: [OrderId]
    var orderIndex: SlotKeyIndex
    var venueIndex: SlotKeyIndex
    var ledger: ExecutionLedger
    var freeSlots: [UInt32]
    var freeCount: Int
    var lingerHead: UInt32 = .max
    var lingerTail: UInt32 = .max
    var codeCounts: [UInt64]
    /// Positions and P&L made by the fills.
    public internal(set) var positions: PositionBook
    /// Orders in slots (working plus lingering).
    public internal(set) var ordersInUse = 0
    /// Cancels the venue sent without a pending cancel request (unsolicited).
    public internal(set) var unsolicitedCancelCount: UInt64 = 0
    /// Fills whose reported CumQty disagreed with the local cumulative quantity.
    public internal(set) var cumulativeMismatchCount: UInt64 = 0
    /// Busts and corrections applied.
    public internal(set) var tradeAdjustmentCount: UInt64 = 0

    /// Preallocates everything; the only allocation the OMS makes outside reconciliation.
    public init(configuration: OMSConfiguration) {
        precondition(configuration.orderCapacity > 0 && configuration.orderCapacity < Int(UInt32.max))
        self.configuration = configuration
        let capacity = configuration.orderCapacity
        records = Array(repeating: OrderRecord(), count: capacity)
        aliases = Array(repeating: .none, count: capacity * Self.aliasLimit)
        orderIndex = SlotKeyIndex(capacity: capacity * Self.aliasLimit)
        venueIndex = SlotKeyIndex(capacity: capacity)
        ledger = ExecutionLedger(capacity: configuration.executionCapacity)
        freeSlots = Array((0..<UInt32(capacity)).reversed())
        freeCount = capacity
        codeCounts = Array(repeating: 0, count: 32)
        positions = PositionBook(accountCount: configuration.accountCount, instrumentCount: configuration.instrumentCount)
    }

    // MARK: - Queries (any time on the OMS thread; O(1), no allocation)

    /// The slot tracking ClOrdID `id` (current, pending or a recent previous one), or `.none`.
    public func slot(of id: OrderId) -> OrderSlotIndex {
        orderIndex.find(id.rawValue).map { OrderSlotIndex(rawValue: $0) } ?? .none
    }

    /// The slot tracking the venue's OrderID `venueOrderId` at `venue`, or `.none`.
    public func slot(venueOrderId: UInt64, venue: VenueId) -> OrderSlotIndex {
        venueIndex.find(venueOrderId, scope: venue.rawValue).map { OrderSlotIndex(rawValue: $0) } ?? .none
    }

    /// The order tracked under `id`, or `nil`.
    public func order(_ id: OrderId) -> OrderRecord? {
        guard let s = orderIndex.find(id.rawValue) else { return nil }
        return records[Int(s)]
    }

    /// The record in `slot` (an empty record when the slot is free).
    public func order(at slot: OrderSlotIndex) -> OrderRecord { records[Int(slot.rawValue)] }

    /// How many times `code` has been returned.
    public func count(of code: OrderEventCode) -> UInt64 { codeCounts[Int(code.rawValue) & 31] }

    /// Faults returned so far (all codes with `isFault`).
    public var faultCount: UInt64 {
        OrderEventCode.allCases.reduce(0) { $1.isFault ? $0 + count(of: $1) : $0 }
    }

    /// The position of `account` in `instrument`.
    public func position(account: AccountId, instrument: InstrumentId) -> Position {
        positions.position(account: account, instrument: instrument)
    }

    /// Sets an instrument's mark for unrealized P&L. O(1), no allocation.
    public mutating func onMark(instrument: InstrumentId, price: Price) {
        positions.onMark(instrument: instrument, price: price)
    }

    /// Charges a fee or commission reported apart from a fill (see `PositionBook.addFee`).
    /// O(1), no allocation.
    public mutating func addFee(_ amount: Notional, account: AccountId, instrument: InstrumentId) {
        positions.addFee(amount, account: account, instrument: instrument)
    }

    /// Calls `body` with every slot in use (for monitors and reconciliation). O(capacity).
    public func forEachOrder(_ body: (OrderSlotIndex, OrderRecord) -> Void) {
        for i in records.indices where records[i].isInUse { body(OrderSlotIndex(rawValue: UInt32(i)), records[i]) }
    }

    // MARK: - Internals shared by the extensions

    @inline(__always)
    mutating func finish(_ code: OrderEventCode, _ slot: Int) -> OrderEventResult {
        codeCounts[Int(code.rawValue)] &+= 1
        return OrderEventResult(code: code, slot: slot < 0 ? .none : OrderSlotIndex(rawValue: UInt32(slot)))
    }

    /// A free slot, recycling the oldest lingering order whose linger has passed. O(1).
    mutating func allocateSlot(now: Timestamp) -> Int? {
        if freeCount == 0 {
            guard lingerHead != .max else { return nil }
            let head = Int(lingerHead)
            guard now - records[head].terminalTime >= configuration.linger else { return nil }
            recycle(head)
        }
        freeCount -= 1
        let slot = Int(freeSlots[freeCount])
        let generation = records[slot].generation
        records[slot] = OrderRecord()
        records[slot].generation = generation
        records[slot].isInUse = true
        ordersInUse += 1
        return slot
    }

    /// Releases every lingering order whose linger has passed (maintenance; O(released)).
    @discardableResult
    public mutating func releaseLingeringOrders(now: Timestamp) -> Int {
        var released = 0
        while lingerHead != .max && now - records[Int(lingerHead)].terminalTime >= configuration.linger {
            recycle(Int(lingerHead))
            released += 1
        }
        return released
    }

    /// Forgets the order in `slot`: ids out of the indexes, slot onto the free list.
    mutating func recycle(_ slot: Int) {
        unlinkLinger(slot)
        let base = slot * Self.aliasLimit
        for k in 0..<Int(records[slot].aliasCount) {
            orderIndex.remove(aliases[base + k].rawValue)
            aliases[base + k] = .none
        }
        records[slot].aliasCount = 0
        if records[slot].venueOrderId != 0 {
            venueIndex.remove(records[slot].venueOrderId, scope: records[slot].venue.rawValue)
        }
        records[slot].isInUse = false
        records[slot].generation &+= 1
        freeSlots[freeCount] = UInt32(slot)
        freeCount += 1
        ordersInUse -= 1
    }

    /// Indexes `id` for `slot`, dropping the oldest alias that is neither current nor
    /// pending when the slot already has `aliasLimit`. O(1).
    mutating func addAlias(_ id: OrderId, slot: Int) {
        guard id != .none else { return }
        let base = slot * Self.aliasLimit
        var n = Int(records[slot].aliasCount)
        for k in 0..<n where aliases[base + k] == id { return }
        if n == Self.aliasLimit {
            let r = records[slot]
            var victim = 0
            while victim < n - 1 {
                let a = aliases[base + victim]
                if a != r.orderId && a != r.pendingReplaceId && a != r.pendingCancelId { break }
                victim += 1
            }
            orderIndex.remove(aliases[base + victim].rawValue)
            for k in victim..<(n - 1) { aliases[base + k] = aliases[base + k + 1] }
            n -= 1
        }
        aliases[base + n] = id
        records[slot].aliasCount = UInt8(n + 1)
        orderIndex.insert(id.rawValue, value: UInt32(slot))
    }

    /// Records the venue's OrderID for `slot` (re-indexing when a venue changes it on replace).
    mutating func noteVenueOrderId(_ venueOrderId: UInt64, slot: Int) {
        let current = records[slot].venueOrderId
        guard venueOrderId != 0, venueOrderId != current else { return }
        let venue = records[slot].venue.rawValue
        if current != 0 { venueIndex.remove(current, scope: venue) }
        records[slot].venueOrderId = venueOrderId
        venueIndex.insert(venueOrderId, scope: venue, value: UInt32(slot))
    }

    /// Makes `slot` terminal with `status` at `now` and starts its linger.
    mutating func makeTerminal(_ slot: Int, _ status: OrderStatus, now: Timestamp) {
        records[slot].baseStatus = status
        records[slot].isCancelPending = false
        records[slot].isReplacePending = false
        records[slot].terminalTime = now
        unlinkLinger(slot)
        let s = UInt32(slot)
        records[slot].lingerPrevious = lingerTail
        records[slot].lingerNext = .max
        if lingerTail != .max { records[Int(lingerTail)].lingerNext = s } else { lingerHead = s }
        lingerTail = s
    }

    /// Takes `slot` out of the linger list (a bust revived it, or it is recycled).
    mutating func unlinkLinger(_ slot: Int) {
        let s = UInt32(slot)
        let previous = records[slot].lingerPrevious
        let next = records[slot].lingerNext
        guard previous != .max || next != .max || lingerHead == s else { return }
        if previous == .max { lingerHead = next }
        if next == .max { lingerTail = previous }
        // One buffer for the three link writes (one uniqueness check, not three).
        records.withUnsafeMutableBufferPointer { records in
            if previous != .max { records[Int(previous)].lingerNext = next }
            if next != .max { records[Int(next)].lingerPrevious = previous }
            records[slot].lingerPrevious = .max
            records[slot].lingerNext = .max
        }
    }
}
