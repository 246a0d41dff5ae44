import PeregrineCore
import PeregrineFeeds
import PeregrineMarketData
import PeregrinePlatform

// Design note — orders over the TWS API (issue #5, routing)
//
// A venue with `protocol = tws` owns a `TWSClientSession` of its own (its own client id, no
// subscriptions), driven by the engine thread like a FIX link. Orders keep the engine's
// 64-bit ClOrdIDs; TWS wants an int order id per order, handed out from nextValidId upward
// and kept in a preallocated table (`TWSOrderTable`) that survives reconnects. A replace is
// placeOrder again with the same TWS id (TWS's modify); the table then also knows the
// replace's ClOrdID, and the acknowledgement (openOrder / orderStatus showing the new
// quantity and price) is passed on as `.replaced` from the old ClOrdID to the new one, so
// the OMS chain stays as for FIX.
//
// Inbound, only execDetails carry fills (deduplicated by execId); orderStatus and openOrder
// move the order's state (PreSubmitted/Submitted → new, PendingCancel → pending cancel,
// Cancelled/ApiCancelled → canceled, Inactive → rejected, or canceled once the order had been
// acknowledged, which the OMS cannot reject any more) and each state is passed on once,
// so TWS's repeated orderStatus messages change nothing and a fill that arrives before the
// status (or after it) ends in the same OMS state. Order errors: 201 reject (or replace
// reject), 202 canceled, 103 duplicate id → reject, 104/105 → replace reject, 10147/10148/161
// → cancel reject; the text goes to the engine's notes.
//
// After every handshake (first connect, reconnect, TWS 1101/1102) the venue is not used
// until reqOpenOrders and reqExecutions (filtered by client id and account) have answered
// and `OrderManager.reconcile` has applied them: a fill missed while disconnected is booked,
// an order TWS no longer lists is marked canceled.

/// Counters of a TWS order venue (engine thread; read after `stop`).
public struct TWSOrderCounters: Sendable, Equatable {
    public var ordersPlaced = 0
    public var cancelsSent = 0
    public var modifiesSent = 0
    /// A request that could not be queued (session not ready, queue full) or an unsupported
    /// order type / time in force: rejected locally.
    public var sendFailures = 0
    /// orderStatus / openOrder / execDetails / errors naming an order id not in the table.
    public var unknownOrderMessages = 0
    /// orderStatus / openOrder repeating a state already passed on.
    public var repeatedStatuses = 0
    /// execDetails whose execId was already booked.
    public var duplicateExecutions = 0
    /// orderStatus with a status text this engine does not know.
    public var unknownStatuses = 0
    /// Order rejects (201, 103, Inactive) and cancel/replace rejects passed on.
    public var rejects = 0
    public var cancelRejects = 0
    /// Other errors naming one of our orders (warnings such as 399), noted only.
    public var orderWarnings = 0
    /// Reconciliations done (one per handshake) and the differences they found.
    public var reconciliations = 0
    public var reconciliationDifferences = 0
    public init() {}
}

/// One TWS order venue's session, id table and reconciliation state (engine thread only).
///
/// Allocation: all at `init` and `start`; none per order or message (contract and order
/// texts are precomputed per instrument; the execution-id set and tables are fixed-size).
final class TWSOrderLink {
    let clientId: Int
    let account: String
    let address: SocketAddress
    /// Per instrument, the contract placeOrder names (stock, SMART, USD).
    let contracts: [TWSContract]
    /// Symbol bytes per instrument (to map execDetails / openOrder of unknown orders).
    let symbolBytes: [[UInt8]]
    var session: TWSClientSession? = nil
    var table: TWSOrderTable
    var executions: TWSExecutionIdSet
    var nextTWSId: Int64 = 1
    var counters = TWSOrderCounters()
    /// Inside `session.poll` (the engine must not flush the session then).
    var polling = false

    // Reconciliation (cold path; buffers reserved at init).
    var reconciling = false
    var openOrdersDone = false
    var executionsDone = false
    var executionRequestId: Int64 = 900_000_000
    var reconcileOpenOrders: [ExecutionEvent] = []
    var reconcileExecutions: [ExecutionEvent] = []

    init(spec: AdditionalVenue, symbols: [String], capacity: Int) {
        clientId = spec.twsClientId
        account = spec.accountName
        address = spec.orderEntry
        contracts = symbols.map { TWSContract(symbol: $0) }
        symbolBytes = symbols.map { Array($0.utf8) }
        table = TWSOrderTable(capacity: capacity)
        executions = TWSExecutionIdSet(capacity: 4 * capacity)
        reconcileOpenOrders.reserveCapacity(capacity)
        reconcileExecutions.reserveCapacity(capacity)
    }

    /// The session configuration: this venue's client id, no subscriptions.
    func sessionConfiguration(venue: VenueId, reconnectDelay: Nanoseconds) -> TWSSessionConfiguration {
        var c = TWSSessionConfiguration(address: address)
        c.clientId = clientId
        c.venue = venue
        c.subscriptionCapacity = 1
        c.initialReconnectDelay = reconnectDelay
        return c
    }

    /// Whether the handshake is done (requests can be queued).
    var sessionReady: Bool {
        guard let s = session else { return false }
        switch s.state {
        case .ready, .resubscribing: return true
        default: return false
        }
    }

    /// The instrument whose symbol is `text`, if configured. O(instruments).
    func instrument(symbol text: TWSText) -> InstrumentId {
        for (i, s) in symbolBytes.enumerated() where s.count == text.bytes.count {
            var same = true
            for j in 0..<s.count where s[j] != text.bytes[j] { same = false; break }
            if same { return InstrumentId(rawValue: UInt32(i)) }
        }
        return .none
    }

    // MARK: hot path begin

    /// The TWS texts of an order's side, type and time in force; nil when TWS cannot take
    /// it here (stop orders, good-till-date, at-the-close are not mapped). Static strings:
    /// no allocation.
    static func texts(_ c: OrderCommand) -> (action: String, type: String, tif: String)? {
        let action: String
        switch c.side {
        case .buy: action = "BUY"
        case .sell: action = "SELL"
        case .sellShort, .sellShortExempt: action = "SSHORT"
        }
        let type: String
        switch c.type {
        case .limit: type = "LMT"
        case .market: type = "MKT"
        case .stop, .stopLimit: return nil
        }
        let tif: String
        switch c.timeInForce {
        case .day: tif = "DAY"
        case .goodTillCancel: tif = "GTC"
        case .immediateOrCancel: tif = "IOC"
        case .fillOrKill: tif = "FOK"
        case .atTheOpening: tif = "OPG"
        case .goodTillDate, .atTheClose: return nil
        }
        return (action, type, tif)
    }

    /// The placeOrder of `command` (a new order or a replace) under TWS id `twsId`.
    func order(_ command: OrderCommand) -> TWSOrder? {
        guard let t = Self.texts(command) else { return nil }
        var o = TWSOrder(action: t.action, totalQuantity: command.quantity, orderType: t.type,
                         limitPrice: command.type == .limit ? command.price : nil)
        o.timeInForce = t.tif
        o.account = account
        return o
    }

    /// A status text → the execution type it means, or nil (unknown text).
    static func executionType(status s: TWSText) -> ExecutionType? {
        if s.equals("Submitted") || s.equals("PreSubmitted") { return .new }
        if s.equals("PendingSubmit") || s.equals("ApiPending") { return .pendingNew }
        if s.equals("PendingCancel") { return .pendingCancel }
        if s.equals("Cancelled") || s.equals("ApiCancelled") { return .canceled }
        if s.equals("Inactive") { return .rejected }
        if s.equals("Filled") { return .trade }  // fills come from execDetails; marker only
        return nil
    }

    /// The base of every event about entry `e`.
    func event(_ e: TWSOrderEntry, _ type: ExecutionType, venue: VenueId, now: Timestamp) -> ExecutionEvent {
        var x = ExecutionEvent()
        x.orderId = e.orderId
        x.venueOrderId = UInt64(bitPattern: e.twsId)
        x.instrument = e.instrument
        x.side = e.side
        x.price = e.price
        x.orderQuantity = e.quantity
        x.cumulativeQuantity = e.filled
        x.leavesQuantity = e.done ? .zero : (e.quantity.rawValue > e.filled.rawValue ? e.quantity - e.filled : .zero)
        x.executionType = type
        x.orderStatus = e.filled.rawValue > 0 ? .partiallyFilled : .new
        x.venue = venue
        x.transactTime = now
        x.receiveTime = now
        return x
    }

    /// A state change from orderStatus or openOrder (quantity/price only from openOrder):
    /// the event to pass on, or nil for a repeat or nothing new.
    func onStatus(twsId: Int64, status: TWSText, totalQuantity: Quantity?, limitPrice: Price?,
                  venue: VenueId, now: Timestamp) -> ExecutionEvent? {
        guard let i = table.index(twsId: twsId) else { counters.unknownOrderMessages &+= 1; return nil }
        guard let type = Self.executionType(status: status) else { counters.unknownStatuses &+= 1; return nil }
        var e = table[i]
        if e.done { counters.repeatedStatuses &+= 1; return nil }
        // A modify is acknowledged when TWS shows its quantity (and, from openOrder, price).
        // orderStatus has no price: it confirms only a modify that changed the quantity.
        if e.pendingReplaceId != .none, type == .new || type == .pendingNew, let q = totalQuantity, q == e.pendingQuantity,
           limitPrice.map({ $0 == e.pendingPrice }) ?? (e.pendingQuantity != e.quantity) {
            var x = event(e, .replaced, venue: venue, now: now)
            x.orderId = e.pendingReplaceId
            x.originalOrderId = e.orderId
            x.price = e.pendingPrice
            x.orderQuantity = e.pendingQuantity
            e.orderId = e.pendingReplaceId
            e.price = e.pendingPrice
            e.quantity = e.pendingQuantity
            e.pendingReplaceId = .none
            e.acknowledged = true
            x.leavesQuantity = e.quantity.rawValue > e.filled.rawValue ? e.quantity - e.filled : .zero
            table[i] = e
            return x
        }
        switch type {
        case .new:
            if e.acknowledged { counters.repeatedStatuses &+= 1; return nil }
            e.acknowledged = true
            table[i] = e
            return event(e, .new, venue: venue, now: now)
        case .pendingCancel:
            if e.cancelPendingReported { counters.repeatedStatuses &+= 1; return nil }
            e.cancelPendingReported = true
            table[i] = e
            var x = event(e, .pendingCancel, venue: venue, now: now)
            x.orderStatus = .pendingCancel
            return x
        case .canceled:
            return cancel(i, venue: venue, now: now)
        case .rejected:
            return reject(i, code: 0, venue: venue, now: now)
        default:
            counters.repeatedStatuses &+= 1  // PendingSubmit, Filled: nothing to pass on
            return nil
        }
    }

    /// Entry `i` canceled (Cancelled status or error 202), once.
    func cancel(_ i: Int, venue: VenueId, now: Timestamp) -> ExecutionEvent? {
        var e = table[i]
        if e.done { counters.repeatedStatuses &+= 1; return nil }
        e.done = true
        var x = event(e, .canceled, venue: venue, now: now)
        x.orderStatus = .canceled
        if e.pendingCancelId != .none {
            x.orderId = e.pendingCancelId
            x.originalOrderId = e.orderId
        }
        e.pendingCancelId = .none
        table[i] = e
        return x
    }

    /// Entry `i` rejected: a new order refused, or (when a modify is pending) the modify.
    func reject(_ i: Int, code: Int64, venue: VenueId, now: Timestamp) -> ExecutionEvent? {
        var e = table[i]
        if e.done { counters.repeatedStatuses &+= 1; return nil }
        if e.pendingReplaceId != .none {
            var x = event(e, .rejected, venue: venue, now: now)
            x.orderId = e.pendingReplaceId
            x.originalOrderId = e.orderId
            x.flags = ExecutionFlags.cancelRejected.rawValue
            x.rejectReason = UInt16(clamping: code)
            e.pendingReplaceId = .none
            table[i] = e
            counters.cancelRejects &+= 1
            return x
        }
        if e.acknowledged || e.filled.rawValue > 0 {
            // Dead after it worked (Inactive, or 201 from the exchange later): the OMS cannot
            // reject an acknowledged order, so it ends as canceled, with the code.
            counters.rejects &+= 1
            var x = cancel(i, venue: venue, now: now)
            x?.rejectReason = UInt16(clamping: code)
            return x
        }
        e.done = true
        table[i] = e
        var x = event(e, .rejected, venue: venue, now: now)
        x.orderStatus = .rejected
        x.rejectReason = UInt16(clamping: code)
        counters.rejects &+= 1
        return x
    }

    /// A cancel refused (10147, 10148, 161): the pending cancel answered.
    func cancelReject(_ i: Int, code: Int64, venue: VenueId, now: Timestamp) -> ExecutionEvent? {
        var e = table[i]
        guard e.pendingCancelId != .none else { counters.orderWarnings &+= 1; return nil }
        var x = event(e, .rejected, venue: venue, now: now)
        x.orderId = e.pendingCancelId
        x.originalOrderId = e.orderId
        x.flags = ExecutionFlags.cancelRejected.rawValue
        x.rejectReason = UInt16(clamping: code)
        e.pendingCancelId = .none
        e.cancelPendingReported = false
        table[i] = e
        counters.cancelRejects &+= 1
        return x
    }

    /// An order-related `error`: the event it means, or nil (warnings, unknown ids).
    func onError(_ error: TWSError, venue: VenueId, now: Timestamp) -> ExecutionEvent? {
        guard let i = table.index(twsId: error.id) else {
            if error.id > 0 && error.id < executionRequestId && error.code >= 100 && error.code < 1_000 {
                counters.unknownOrderMessages &+= 1
            }
            return nil
        }
        switch error.code {
        case 201, 103: return reject(i, code: error.code, venue: venue, now: now)
        case 104, 105:
            return table[i].pendingReplaceId != .none ? reject(i, code: error.code, venue: venue, now: now) : nil
        case 202: return cancel(i, venue: venue, now: now)
        case 10147, 10148, 161: return cancelReject(i, code: error.code, venue: venue, now: now)
        default:
            counters.orderWarnings &+= 1
            return nil
        }
    }

    /// A live execDetails: the fill, or nil for a repeated execId or an unknown order.
    func onExecution(_ x: TWSExecution, venue: VenueId, now: Timestamp) -> ExecutionEvent? {
        let execId = TWSExecutionIdSet.hash(x.executionId.bytes)
        guard let i = table.index(twsId: x.orderId) else { counters.unknownOrderMessages &+= 1; return nil }
        guard let shares = x.shares, shares.rawValue > 0, let price = x.price else { counters.unknownOrderMessages &+= 1; return nil }
        guard executions.insert(execId) else { counters.duplicateExecutions &+= 1; return nil }
        var e = table[i]
        e.filled += shares
        e.acknowledged = true
        if e.filled.rawValue >= e.quantity.rawValue { e.done = true }
        table[i] = e
        var f = event(e, .trade, venue: venue, now: now)
        f.executionId = execId
        f.lastQuantity = shares
        f.lastPrice = price
        f.averagePrice = x.averagePrice ?? price
        f.orderStatus = e.filled.rawValue >= e.quantity.rawValue ? .filled : .partiallyFilled
        if x.side.equals("SLD") && e.side == .buy { counters.orderWarnings &+= 1 }
        return f
    }

    // MARK: hot path end
}
