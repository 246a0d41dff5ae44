import PeregrineCore
import PeregrineFIX
import PeregrineFIXTransport
import PeregrineOMS
import PeregrinePlatform
import PeregrineRisk

// Design note — reconciliation with a FIX venue after a reconnect (issue #5)
//
// A venue can change an order while the engine cannot hear it: a store-less session (no
// resend), a venue that lost the reports, a fill or cancel while the link was down. So once
// a venue's session is logged on again and caught up with the resend (the point where the
// cancel-on-disconnect settlement runs), the engine asks the venue for the status of every
// order of the session — OrderMassStatusRequest (AF, MassStatusReqType 7 = all orders, the
// account) on FIX 4.4 and FIXT/5.0, one OrderStatusRequest (H) per order the OMS thinks
// working on FIX 4.2 (which has no AF), or when the venue refuses AF with a
// BusinessMessageReject. The answers (ExecutionReports with ExecType I; ExecTransType 3 on
// 4.2) are collected into a buffer preallocated at the OMS's order capacity — never
// applied as fills — until LastRptRequested=Y, TotNumReports answers or every H is
// answered. Finished orders the OMS agrees with, or does not hold and that finished before
// the OMS's linger (it may have released them: adopting would book their fills twice), are
// not kept. Then
// `OrderManager.reconcile` compares and repairs (missing fills booked at the
// implied price, orders the venue no longer lists marked canceled, unknown orders adopted,
// quantities and prices taken from the venue); every difference is noted and counted, and
// every repair goes, as an execution event, to risk, the strategies and the journal (so a
// restart from the journal agrees). Orders sent after the request are not judged (the
// venue's snapshot predates them). If the answers do not complete within the timeout, or
// the session drops, nothing is repaired and the run is reported incomplete; `ctl
// reconcile` runs it again.

/// One venue's reconciliation state (engine thread only; a field of `VenueLink`).
struct VenueReconciliation {
    enum Phase { case idle, collecting }
    /// Run after reconnects (set before `start`).
    var enabled = true
    /// How long to wait for the venue's answers.
    var timeoutNanos: UInt64 = 5_000_000_000
    /// Run once the session is logged on and caught up.
    var pending = false
    var phase = Phase.idle
    /// MassStatusReqID / OrdStatusReqID of the current run.
    var requestID: UInt64 = 0
    /// AF (else H per order).
    var usesMassStatus = true
    /// Wall time the request left (orders created later are not judged).
    var startedAt = Timestamp.zero
    var startedNanos: UInt64 = 0
    var deadlineNanos: UInt64 = 0
    /// Reports expected (TotNumReports, or the H count); -1 while unknown.
    var expected = -1
    /// Status reports received for this run (including a "no orders" answer).
    var received = 0
    var sawLastReport = false
    /// More answers than the buffer holds (the run is then incomplete).
    var overflowed = false
    /// Finished orders the venue reported that the OMS no longer holds (not judged).
    var finishedUnknown = 0
    /// The venue's answers naming an order; capacity = the OMS's order capacity.
    var replies: [ExecutionEvent] = []
    /// Last outcome, for `status`.
    var lastSummary = ""

    /// Preallocates the answer buffer (cold, at engine set-up).
    mutating func prepare(capacity: Int) { replies.reserveCapacity(max(capacity, 16)) }
}

extension TradingEngine {
    /// Sets reconciliation after reconnects for every venue: on or off, and how long to wait
    /// for the venue's status answers before reporting the run incomplete. Call before
    /// `start` (cold; not thread-safe while running).
    public func configureReconciliation(afterReconnect: Bool = true, timeout: Nanoseconds = .seconds(5)) {
        for v in venues {
            v.reconciliation.enabled = afterReconnect
            v.reconciliation.timeoutNanos = UInt64(max(timeout.count, 1_000_000))
        }
    }

    /// The last reconciliation outcome per venue name ("" before the first). After `stop`
    /// or on the engine thread.
    public var reconciliationSummaries: [String] { venues.map { $0.reconciliation.lastSummary } }

    /// Engine thread, every millisecond: starts a pending run once the venue is caught up,
    /// finishes one whose answers are in or whose time is up. Cold path (a reconnect).
    func serviceReconciliation(now: Timestamp) {
        let mono = Clock.monotonicNanos()
        for v in venues where v.tws == nil {   // TWS venues reconcile by open orders and executions
            switch v.reconciliation.phase {
            case .idle:
                if v.reconciliation.pending && v.session.isLoggedOn && !v.session.isAwaitingResend && !v.codPending
                    && v.link?.isOpen == true {
                    startReconciliation(v, now: now)
                }
            case .collecting:
                let r = v.reconciliation
                if !v.session.isLoggedOn || v.link?.isOpen != true {
                    finishReconciliation(v, complete: false, now: now, why: "the session dropped")
                    v.reconciliation.pending = v.reconciliation.enabled
                } else if r.overflowed {
                    finishReconciliation(v, complete: false, now: now, why: "more answers than the OMS has order slots")
                } else if r.usesMassStatus ? (r.sawLastReport || (r.expected >= 0 && r.received >= max(r.expected, 1)))
                                           : r.received >= r.expected {
                    finishReconciliation(v, complete: true, now: now, why: "")
                } else if mono >= r.deadlineNanos {
                    finishReconciliation(v, complete: false, now: now, why: "timed out")
                }
            }
        }
    }

    /// Sends AF (or H per working order) and starts collecting.
    func startReconciliation(_ v: VenueLink, now: Timestamp) {
        v.reconciliation.pending = false
        v.reconciliation.phase = .collecting
        v.reconciliation.replies.removeAll(keepingCapacity: true)
        v.reconciliation.received = 0
        v.reconciliation.expected = -1
        v.reconciliation.sawLastReport = false
        v.reconciliation.overflowed = false
        v.reconciliation.finishedUnknown = 0
        v.reconciliation.requestID = UInt64(max(now.nanosecondsSinceEpoch, 1))
        v.reconciliation.startedAt = now
        v.reconciliation.startedNanos = Clock.monotonicNanos()
        v.reconciliation.deadlineNanos = v.reconciliation.startedNanos &+ v.reconciliation.timeoutNanos
        counters.reconciliationRequests &+= 1
        if v.session.configuration.version != .fix42 {
            v.reconciliation.usesMassStatus = true
            let id = v.reconciliation.requestID
            let account = v.accountText
            v.session.send(.orderMassStatusRequest) {
                $0.appendOrderMassStatusRequestBody(requestID: id, requestType: FIXEncoder.massStatusAllOrders, account: account)
            }
            v.link?.flush()
            note("reconciliation with \(v.name): OrderMassStatusRequest \(id) sent")
        } else {
            sendOrderStatusRequests(v)
            note("reconciliation with \(v.name): \(v.reconciliation.expected) OrderStatusRequest(s) sent (FIX 4.2 has no AF)")
        }
    }

    /// H for every order of `v` the OMS thinks working; `expected` = their number.
    func sendOrderStatusRequests(_ v: VenueLink) {
        v.reconciliation.usesMassStatus = false
        let id = v.reconciliation.requestID
        let account = v.accountText
        var sent = 0
        oms.forEachOrder { _, r in
            guard r.venue == v.id, !r.isTerminal, let symbol = symbols.symbol(of: r.instrument) else { return }
            v.session.send(.orderStatusRequest) {
                $0.appendOrderStatusRequestBody(orderId: r.orderId, venueOrderId: r.venueOrderId, side: r.side,
                                                symbol: symbol, account: account, requestID: id)
            }
            sent += 1
        }
        v.link?.flush()
        v.reconciliation.expected = sent
    }

    /// A status ExecutionReport from `v` (engine thread, inside the session's `poll`): kept
    /// for the running reconciliation, else counted and dropped — never applied as a fill.
    func onStatusReport(_ message: FIXMessageView, venue v: VenueLink) -> FIXApplicationResult {
        let report: FIXStatusReport
        switch FIXOrderMessages.decodeStatusReport(message, symbols: symbols, venue: v.id, receiveTime: Clock.now()) {
        case .success(let r): report = r
        case .failure(let error):
            counters.badExecutionReports &+= 1
            return .businessReject(reason: .other, tag: error.tag)
        }
        counters.statusReports &+= 1
        let r = v.reconciliation
        let id = r.usesMassStatus ? report.massStatusRequestID : report.orderStatusRequestID
        guard r.phase == .collecting, id == r.requestID || id == 0 else {
            counters.unsolicitedStatusReports &+= 1
            return .accepted
        }
        v.reconciliation.received += 1
        if report.totalReports >= 0 { v.reconciliation.expected = report.totalReports }
        if report.isLastReport { v.reconciliation.sawLastReport = true }
        guard report.namesAnOrder else { return .accepted }
        var event = report.event
        let record = oms.order(event.orderId) ?? oms.order(event.originalOrderId)
        if event.orderStatus.isTerminal {
            // Finished at the venue: nothing to do when the OMS agrees; one the OMS does not
            // hold and that finished before the OMS's linger it may have released after
            // booking its fills: not judged (a recent one is adopted).
            let recent = event.transactTime != .zero && event.receiveTime - event.transactTime < oms.configuration.linger
            if record == nil && !recent { v.reconciliation.finishedUnknown += 1; return .accepted }
            if let record, record.isTerminal && record.filledQuantity == event.cumulativeQuantity { return .accepted }
        }
        if let record {
            event.instrument = record.instrument
            event.account = record.account
            event.strategy = record.strategy
        } else if event.account.rawValue == 0 {
            event.account = account   // an order only the venue knows: the session's account
        }
        if v.reconciliation.replies.count < v.reconciliation.replies.capacity {
            v.reconciliation.replies.append(event)
        } else {
            v.reconciliation.overflowed = true
        }
        return .accepted
    }

    /// A BusinessMessageReject from `v`: a refused AF falls back to H per order.
    func onBusinessReject(_ message: FIXMessageView, venue v: VenueLink) {
        let refType = message.valueBytes(tag: 372).map { String(decoding: $0, as: UTF8.self) } ?? "?"
        let reason = message.valueBytes(tag: 380).map { String(decoding: $0, as: UTF8.self) } ?? "?"
        if refType == "AF" && v.reconciliation.phase == .collecting && v.reconciliation.usesMassStatus {
            sendOrderStatusRequests(v)
            note("reconciliation with \(v.name): the venue refused OrderMassStatusRequest (reason \(reason)); \(v.reconciliation.expected) OrderStatusRequest(s) sent instead")
        } else {
            note("venue \(v.name) refused a \(refType) message (BusinessRejectReason \(reason))")
        }
    }

    /// Applies a complete run (or reports an incomplete one) and goes idle.
    func finishReconciliation(_ v: VenueLink, complete: Bool, now: Timestamp, why: String) {
        v.reconciliation.phase = .idle
        let r = v.reconciliation
        let millis = (Clock.monotonicNanos() &- r.startedNanos) / 1_000_000
        guard complete else {
            counters.reconciliationsIncomplete &+= 1
            let expected = r.expected >= 0 ? "\(r.expected)" : "?"
            let summary = "incomplete (\(why)): \(r.received) of \(expected) report(s) after \(millis) ms; nothing repaired"
            v.reconciliation.lastSummary = summary
            note("reconciliation with \(v.name) \(summary); `ctl reconcile` runs it again")
            return
        }
        var repairs: [ExecutionEvent] = []
        let report = oms.reconcile(venue: v.id, openOrders: r.replies, executions: EmptyCollection<ExecutionEvent>(),
                                   now: now, adoptUnknownOrders: true, workingOrdersBefore: r.startedAt, repairs: &repairs)
        v.reconciliation.replies.removeAll(keepingCapacity: true)
        counters.reconciliations &+= 1
        counters.reconciliationDifferences &+= report.differences.count
        let unrepaired = report.unrepaired.count
        counters.reconciliationUnrepaired &+= unrepaired
        counters.reconciliationRepairs &+= repairs.count
        for (i, d) in report.differences.enumerated() where i < 50 {
            let local = d.kind == .unknownOrder ? "none" : "\(d.localStatus) \(d.localQuantity)"
            note("reconciliation with \(v.name): \(d.kind) order \(d.orderId.rawValue) (venue id \(d.venueOrderId)): local \(local), venue \(d.venueStatus) \(d.venueQuantity) → \(d.repair == .none ? "for an operator" : "\(d.repair)")")
        }
        if report.differences.count > 50 { note("reconciliation with \(v.name): \(report.differences.count - 50) more difference(s)") }
        for var e in repairs {
            e.venue = v.id
            risk.onExecution(e)
            if let ring = executionRing, ring.tryPublish(e) != .published { journalDrops &+= 1 }
            strategies.onOrderUpdate(e)
        }
        let summary = "\(r.received) report(s), \(report.openOrdersExamined) judged, \(report.differences.count) difference(s), \(repairs.count) repair(s), \(unrepaired) for an operator"
            + (r.finishedUnknown > 0 ? ", \(r.finishedUnknown) finished order(s) the OMS no longer holds" : "") + " (\(millis) ms)"
        v.reconciliation.lastSummary = summary
        note("reconciliation with \(v.name): \(summary)")
        route(now: now, tickStart: 0, venueTime: .zero)
    }
}
