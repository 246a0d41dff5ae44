import PeregrineCore
import PeregrineFIX
import PeregrineFIXTransport
import PeregrinePlatform
import PeregrineSimVenue

// Design note — status requests at the simulated exchange
//
// The exchange keeps the latest state of every client order (from the execution reports it
// produces, whether or not the client is connected to hear them) and answers:
// * OrderMassStatusRequest (AF; FIX 4.3+): one ExecutionReport with ExecType I per order of
//   the session's account — working orders, and orders finished within
//   `finishedOrderMemorySeconds` and after the client's session last ended (less 2 s for
//   reports in flight), so a fill while the client was away is reported with its CumQty and
//   AvgPx — echoing MassStatusReqID (584), with TotNumReports (911) and
//   LastRptRequested (912) = Y on the last. MassStatusReqType (585) 7 (all orders) and 1
//   (orders for the security in Symbol 55) are served. The FIX specification says only
//   that ExecutionReports with ExecType "Order Status" are returned for all orders matching
//   the criteria; TransactTime is the order's last event (when it finished, for a finished
//   one: the requester uses it to tell a recent order from one it released long ago); when
//   none match, the exchange sends a single report naming no order
//   (OrderID and ExecID NONE, OrdStatus 8, TotNumReports 0, LastRptRequested Y, Text) — a
//   common venue practice, not a rule found in the specification text available here.
//   Refusals are BusinessMessageRejects: AF on a FIX 4.2 session (no such message in 4.2)
//   380=3 unsupported message type; MassStatusReqID missing 380=5 conditionally required
//   field missing; another scope (2–6, 8–10, valid FIX values the exchange does not serve)
//   or an unparsable one 380=0 other, RefTagID 585; an unknown Symbol 380=2.
// * OrderStatusRequest (H): one ExecutionReport with ExecType I (4.2: ExecTransType 3 and
//   ExecType = OrdStatus) for the order named by ClOrdID, echoing OrdStatusReqID (790) on
//   4.4+. An order the exchange does not know is answered with OrdStatus 8 Rejected and
//   OrdRejReason 5 Unknown order.

/// Something another thread asks the exchange thread to do (`SimulatedExchange.enqueue`).
public enum SimulatedExchangeAction: Sendable {
    /// An order from a participant outside the FIX sessions (its account routes no
    /// reports), or a cancel in a client's name (the venue's operator). Goes straight into
    /// the matching engine of its instrument.
    case submit(OrderCommand)
    /// Drops every client FIX connection without a logout (a network failure).
    case dropClientConnections
}

extension SimulatedExchange {
    /// Queues `action` for the exchange thread (runs at its next pass, in queue order).
    /// From any thread; takes a lock.
    public func enqueue(_ action: SimulatedExchangeAction) {
        queuedActions.withLock { $0.append(action) }
    }

    /// Exchange thread: runs the queued actions. Returns how many ran.
    func runQueuedActions() -> Int {
        let actions = queuedActions.withLock { list -> [SimulatedExchangeAction] in
            if list.isEmpty { return [] }
            let v = list
            list.removeAll()
            return v
        }
        for action in actions {
            switch action {
            case .submit(let command):
                let index = Int(command.instrument.rawValue)
                guard index < markets.count else { continue }
                markets[index].step(until: Clock.now(), into: &output)
                markets[index].submit(command, into: &output)
            case .dropClientConnections:
                for i in 0..<links.count where links[i] != nil { dropLink(i, now: Clock.now()) }
            }
        }
        return actions.count
    }

    /// Records a client order's state from an outgoing report (exchange thread).
    func rememberClientOrder(_ e: ExecutionEvent, now: Timestamp) {
        guard !ExecutionFlags(rawValue: e.flags).contains(.cancelRejected), e.orderId != .none else { return }
        let a = e.account.rawValue
        // A replace or a cancel answers under the request's ClOrdID: the order lives on under it.
        if (e.executionType == .replaced || e.executionType == .canceled) && e.originalOrderId != .none {
            clientOrders[a]?.removeValue(forKey: e.originalOrderId.rawValue)
        }
        clientOrders[a, default: [:]][e.orderId.rawValue] = (e, e.orderStatus.isTerminal ? now : .zero)
        if let count = clientOrders[a]?.count, count % 1_024 == 0 { forgetFinishedOrders(account: a, now: now) }
    }

    /// Drops finished orders older than the memory window.
    func forgetFinishedOrders(account a: UInt32, now: Timestamp) {
        let window = Nanoseconds.seconds(configuration.finishedOrderMemorySeconds)
        clientOrders[a] = clientOrders[a]?.filter { $0.value.finished == .zero || now - $0.value.finished <= window }
    }

    /// Adds a client fill to the exchange's bought/sold totals.
    func countClientFill(_ e: ExecutionEvent) {
        let i = Int(e.instrument.rawValue), a = e.account.rawValue
        if clientBought[a] == nil {
            clientBought[a] = Array(repeating: 0, count: markets.count)
            clientSold[a] = Array(repeating: 0, count: markets.count)
        }
        guard i < markets.count else { return }
        if e.side == .buy { clientBought[a]![i] &+= e.lastQuantity.rawValue } else { clientSold[a]![i] &+= e.lastQuantity.rawValue }
    }

    /// An OrderMassStatusRequest (AF) from the session of `account` (see the design note).
    func massStatusRequest(_ m: FIXMessageView, session: FIXSession, account: AccountId) -> FIXApplicationResult {
        if session.configuration.version == .fix42 || !configuration.answersMassStatus { return .unsupportedMessageType }
        if configuration.ignoresStatusRequests { return .accepted }
        // Orders the session sent before this request (same poll) are in the books but their
        // reports not yet out: send and remember them first (FIFO, as a venue would).
        _ = dispatchOutput()
        guard let idBytes = m.valueBytes(tag: FIXTag.massStatusReqID), !idBytes.isEmpty,
              let requestID = FIXInlineText(bytes: idBytes) else {
            return .businessReject(reason: .conditionallyRequiredFieldMissing, tag: FIXTag.massStatusReqID)
        }
        guard let typeBytes = m.valueBytes(tag: FIXTag.massStatusReqType), case .success(let type) = FIXValue.int(typeBytes) else {
            return .businessReject(reason: .other, tag: FIXTag.massStatusReqType)
        }
        var instrument: InstrumentId? = nil
        switch type {
        case Int64(FIXEncoder.massStatusAllOrders):
            break
        case Int64(FIXEncoder.massStatusForSecurity):
            guard let symbol = m.valueBytes(tag: FIXTag.symbol), let id = symbols.lookup(symbol) else {
                return .businessReject(reason: .unknownSecurity, tag: FIXTag.symbol)
            }
            instrument = id
        default:
            return .businessReject(reason: .other, tag: FIXTag.massStatusReqType)
        }
        let now = Clock.now()
        // Finished orders: those within the memory window that finished after (or just
        // before: reports in flight) the client's session last ended.
        var since = now - Nanoseconds.seconds(configuration.finishedOrderMemorySeconds)
        if let ended = clientSessionEnded[account.rawValue], ended - .seconds(2) > since { since = ended - .seconds(2) }
        let orders = (clientOrders[account.rawValue] ?? [:]).values
            .filter { ($0.finished == .zero || $0.finished >= since) && (instrument == nil || $0.state.instrument == instrument) }
            .map(\.state)
            .sorted { $0.venueOrderId < $1.venueOrderId }
        if orders.isEmpty {
            var none = ExecutionEvent()
            none.orderStatus = .rejected
            none.transactTime = now
            let text = FIXInlineText("no orders")
            let notApplicable = FIXInlineText("[N/A]")   // Symbol is required in an ER (Instrument block)
            session.send(.executionReport) {
                $0.appendOrderStatusReportBody(none, symbol: notApplicable, massStatusRequestID: requestID, totalReports: 0,
                                               lastReport: true, text: text)
            }
        } else {
            for (i, order) in orders.enumerated() {
                var e = order          // TransactTime: the order's last event
                e.executionId = 0
                let symbol = symbols.symbol(of: e.instrument)
                session.send(.executionReport) {
                    $0.appendOrderStatusReportBody(e, symbol: symbol, massStatusRequestID: requestID,
                                                   totalReports: orders.count, lastReport: i == orders.count - 1)
                }
            }
        }
        note("session \(session.configuration.targetCompID): OrderMassStatusRequest answered with \(orders.count) order(s)")
        return .accepted
    }

    /// An OrderStatusRequest (H) from the session of `account` (see the design note).
    func orderStatusRequest(_ m: FIXMessageView, session: FIXSession, account: AccountId) -> FIXApplicationResult {
        if configuration.ignoresStatusRequests { return .accepted }
        _ = dispatchOutput()   // reports of earlier requests first (see massStatusRequest)
        guard let idBytes = m.valueBytes(tag: FIXTag.clOrdID), case .success(let id) = FIXValue.int(idBytes), id > 0 else {
            return .businessReject(reason: .other, tag: FIXTag.clOrdID)
        }
        let clOrdID = UInt64(id)
        guard let symbolBytes = m.valueBytes(tag: FIXTag.symbol), let instrument = symbols.lookup(symbolBytes) else {
            return .businessReject(reason: .unknownSecurity, tag: FIXTag.symbol)
        }
        let requestID = m.valueBytes(tag: 790).flatMap { FIXInlineText(bytes: $0) }
        var e: ExecutionEvent
        let orders = clientOrders[account.rawValue] ?? [:]
        if let known = orders[clOrdID] ?? orders.values.first(where: { $0.state.originalOrderId.rawValue == clOrdID }),
           known.state.instrument == instrument {
            e = known.state
        } else {
            e = ExecutionEvent()
            e.orderId = OrderId(rawValue: clOrdID)
            e.instrument = instrument
            e.orderStatus = .rejected
            e.rejectReason = 5   // OrdRejReason 5: unknown order
            if let side = m.valueBytes(tag: FIXTag.side), side.count == 1, let s = Side(rawValue: side[0]) { e.side = s }
        }
        if e.transactTime == .zero { e.transactTime = Clock.now() }
        e.executionId = 0
        let symbol = symbols.symbol(of: instrument)
        let report = e
        session.send(.executionReport) {
            $0.appendOrderStatusReportBody(report, symbol: symbol, orderStatusRequestID: requestID)
        }
        return .accepted
    }
}
