import PeregrineCore
import PeregrineFeeds
import PeregrineMarketData
import PeregrineOMS
import PeregrinePlatform

// The engine's side of TWS order venues (see the design note in TWSOrderLink.swift). Every
// function here runs on the engine thread.

/// Hands a TWS order venue's session events to the engine (engine thread).
struct EngineTWSOrderHandler<S: EngineStrategies>: FeedEventHandler {
    unowned let engine: TradingEngine<S>
    unowned let venue: VenueLink

    mutating func onMarketEvent(_ event: MarketEvent) {}
    mutating func onHealthChange(_ change: FeedHealthChange) { engine.onTWSVenueHealth(venue, change) }
    mutating func onTWSMessage(_ message: TWSIncoming, receiveTime: Timestamp) {
        engine.onTWSVenueMessage(venue, message, now: receiveTime)
    }
}

extension TradingEngine {
    /// The TWS order links of the configured venues (set-up: allocates their tables).
    func attachTWSOrderLinks(_ specs: [AdditionalVenue]) {
        for (i, spec) in specs.enumerated() where spec.orderProtocol == .tws {
            venues[i].tws = TWSOrderLink(spec: spec, symbols: configuration.symbols,
                                         capacity: max(1_024, configuration.oms.orderCapacity))
        }
    }

    /// Creates and starts each TWS order venue's session on the engine's socket engine.
    func startTWSVenues(_ sockets: SocketEngine) {
        for v in venues {
            guard let t = v.tws else { continue }
            let s = TWSClientSession(configuration: t.sessionConfiguration(venue: v.id, reconnectDelay: configuration.reconnectDelay),
                                     engine: sockets)
            t.session = s
            syncTWSTable(v, t)
            var handler = EngineTWSOrderHandler(engine: self, venue: v)
            s.start(now: Clock.now(), handler: &handler)
            note("order venue \(v.name): TWS API at \(t.address), client id \(t.clientId), account \(t.account)")
        }
    }

    // MARK: hot path begin

    /// Takes what arrived on each TWS order session (inside `iterate`). No allocation.
    func pollTWSVenues() -> Int {
        var work = 0
        for v in venues {
            guard let t = v.tws, let s = t.session else { continue }
            var handler = EngineTWSOrderHandler(engine: self, venue: v)
            t.polling = true
            work += s.poll(now: Clock.now(), handler: &handler)
            t.polling = false
        }
        return work
    }

    /// Sends the orders just queued on each TWS order session (after `route`), unless that
    /// session is the one being polled (its `poll` sends them on return).
    func flushTWSVenues(now: Timestamp) {
        for v in venues {
            guard let t = v.tws, !t.polling, let s = t.session else { continue }
            var handler = EngineTWSOrderHandler(engine: self, venue: v)
            t.polling = true
            s.flush(now: now, handler: &handler)
            t.polling = false
        }
    }

    /// One command onto a TWS order venue (after risk and the OMS accepted it). Returns 1
    /// when queued. No allocation: the contract and texts are precomputed or static.
    func submitTWS(_ command: OrderCommand, venue v: VenueLink, link t: TWSOrderLink, now: Timestamp) -> Int {
        guard let s = t.session else { return twsLocalReject(command, t, now: now) }
        switch command.kind {
        case .new:
            let instrument = Int(command.instrument.rawValue)
            guard instrument < t.contracts.count, let order = t.order(command) else { return twsLocalReject(command, t, now: now) }
            let twsId = t.nextTWSId
            let contract = t.contracts[instrument]
            guard s.enqueueRequest({ TWSRequests.placeOrder(orderId: twsId, contract: contract, order: order, into: $0) }) else {
                return twsLocalReject(command, t, now: now)
            }
            t.nextTWSId &+= 1
            _ = t.table.insert(twsId: twsId, orderId: command.orderId, instrument: command.instrument, side: command.side,
                               price: command.price, quantity: command.quantity)
            t.counters.ordersPlaced &+= 1
            counters.ordersSent &+= 1
        case .cancel:
            guard let i = t.table.index(orderId: command.originalOrderId), !t.table[i].done else {
                return twsLocalReject(command, t, now: now)
            }
            let twsId = t.table[i].twsId
            guard s.enqueueRequest({ TWSRequests.cancelOrder(orderId: twsId, into: $0) }) else {
                return twsLocalReject(command, t, now: now)
            }
            t.table[i].pendingCancelId = command.orderId
            t.table.alias(command.orderId, to: i)
            t.counters.cancelsSent &+= 1
            counters.cancelsSent &+= 1
        case .replace:
            guard let i = t.table.index(orderId: command.originalOrderId), !t.table[i].done,
                  let order = t.order(command) else { return twsLocalReject(command, t, now: now) }
            let entry = t.table[i]
            let contract = t.contracts[Int(entry.instrument.rawValue)]
            // TWS's modify: placeOrder again under the same order id.
            guard s.enqueueRequest({ TWSRequests.placeOrder(orderId: entry.twsId, contract: contract, order: order, into: $0) }) else {
                return twsLocalReject(command, t, now: now)
            }
            t.table[i].pendingReplaceId = command.orderId
            t.table[i].pendingPrice = command.price
            t.table[i].pendingQuantity = command.quantity
            t.table.alias(command.orderId, to: i)
            t.counters.modifiesSent &+= 1
            counters.replacesSent &+= 1
        case .massCancel:
            return 0
        }
        return 1
    }

    /// A command the TWS venue could not take (not mapped, queue full, unknown order): the
    /// reject a venue would send, applied at once (OMS, risk, journal, strategy) without
    /// re-entering `route`.
    func twsLocalReject(_ command: OrderCommand, _ t: TWSOrderLink, now: Timestamp) -> Int {
        t.counters.sendFailures &+= 1
        let reject = localReject(command, now: now)
        _ = oms.onExecution(reject)
        risk.onExecution(reject)
        if let ring = executionRing, ring.tryPublish(reject) != .published { journalDrops &+= 1 }
        strategies.onOrderUpdate(reject)
        return 0
    }

    /// One decoded message of a TWS order session (inside its `poll`).
    func onTWSVenueMessage(_ v: VenueLink, _ message: TWSIncoming, now: Timestamp) {
        guard let t = v.tws else { return }
        switch message {
        case .orderStatus(let s):
            let total = (s.filled ?? .zero) + (s.remaining ?? .zero)
            if let e = t.onStatus(twsId: s.orderId, status: s.status, totalQuantity: total, limitPrice: nil, venue: v.id, now: now) {
                onExecution(e)
            }
            if t.reconciling { t.collect(status: s) }
        case .openOrder(let o):
            if let e = t.onStatus(twsId: o.orderId, status: o.status, totalQuantity: o.totalQuantity, limitPrice: o.limitPrice,
                                  venue: v.id, now: now) {
                onExecution(e)
            }
            if t.reconciling { t.collect(openOrder: o, account: account, venue: v.id, now: now) }
        case .openOrderEnd:
            if t.reconciling { t.openOrdersDone = true; finishTWSReconciliationIfDone(v, t, now: now) }
        case .execution(let x):
            if x.requestId == t.executionRequestId {
                if t.reconciling { t.collect(execution: x, account: account, venue: v.id, now: now) }
            } else if let e = t.onExecution(x, venue: v.id, now: now) {
                onExecution(e)
            }
        case .executionEnd(let requestId):
            if t.reconciling && requestId == t.executionRequestId {
                t.executionsDone = true
                finishTWSReconciliationIfDone(v, t, now: now)
            }
        case .error(let error):
            guard let e = t.onError(error, venue: v.id, now: now) else { return }
            if e.executionType == .rejected {
                // Rare; the text is the only place TWS says why (cold: allocates).
                note("order venue \(v.name): TWS error \(error.code) for order \(error.id) (\(e.orderId.rawValue)): \(error.message.string)")
            }
            onExecution(e)
        default:
            break
        }
    }

    // MARK: hot path end

    /// Connection health of a TWS order session: ready → reconcile, then trade; anything
    /// short of ready (socket lost, TWS lost IB: 1100/2110) → the venue is lost (risk's
    /// venue-disconnect hook, as for a FIX session).
    func onTWSVenueHealth(_ v: VenueLink, _ change: FeedHealthChange) {
        guard let t = v.tws else { return }
        if change.state != change.previous { note("order venue \(v.name) (TWS): \(change)") }
        switch change.state {
        case .ready:
            if !v.up && !t.reconciling { beginTWSReconciliation(v, t) }
        case .resubscribing:
            break
        case .disconnected, .connecting, .handshaking, .connectivityLost:
            t.reconciling = false
            if v.up {
                v.up = false
                risk.onVenueDisconnected(v.id, now: Clock.now())
                note("order venue \(v.name) (TWS) lost: \(change.reason)")
            }
        }
    }

    /// Asks TWS for this client's open orders and executions (reqOpenOrders, reqExecutions
    /// filtered by client id and account). Cold path.
    func beginTWSReconciliation(_ v: VenueLink, _ t: TWSOrderLink) {
        guard let s = t.session else { return }
        t.nextTWSId = max(t.nextTWSId, s.nextValidOrderId)
        t.executionRequestId &+= 1
        t.reconcileOpenOrders.removeAll(keepingCapacity: true)
        t.reconcileExecutions.removeAll(keepingCapacity: true)
        t.openOrdersDone = false
        t.executionsDone = false
        let requestId = t.executionRequestId, clientId = t.clientId, account = t.account
        let asked = s.enqueueRequest { TWSRequests.requestOpenOrders(into: $0) }
            && s.enqueueRequest { TWSRequests.requestExecutions(requestId: requestId, clientId: clientId, account: account, into: $0) }
        t.reconciling = asked
        note(asked ? "order venue \(v.name) (TWS): reconciling (open orders, executions of client \(clientId))"
                   : "order venue \(v.name) (TWS): could not request open orders and executions")
    }

    /// Both answers in: `OrderManager.reconcile`, then the booked fills and the orders marked
    /// canceled go to risk, the journal and the strategies; then the venue trades. Cold path.
    func finishTWSReconciliationIfDone(_ v: VenueLink, _ t: TWSOrderLink, now: Timestamp) {
        guard t.reconciling && t.openOrdersDone && t.executionsDone else { return }
        t.reconciling = false
        let report = oms.reconcile(venue: v.id, openOrders: t.reconcileOpenOrders, executions: t.reconcileExecutions, now: now)
        t.counters.reconciliations &+= 1
        t.counters.reconciliationDifferences &+= report.differences.count
        // The fills the OMS booked (one missing-fill difference each, in order).
        var booked = report.differences.filter { $0.kind == .missingFill && $0.repair == .appliedExecution }
        for x in t.reconcileExecutions {
            let twsId = Int64(bitPattern: x.venueOrderId)
            guard t.executions.insert(x.executionId) else { continue }
            guard let k = booked.firstIndex(where: { $0.venueOrderId == x.venueOrderId }) else { continue }
            booked.remove(at: k)
            if let i = t.table.index(twsId: twsId) {
                t.table[i].filled += x.lastQuantity
                t.table[i].acknowledged = true
                if t.table[i].filled.rawValue >= t.table[i].quantity.rawValue { t.table[i].done = true }
            }
            let slot = oms.slot(venueOrderId: x.venueOrderId, venue: v.id)
            guard slot != .none else { continue }
            var e = x
            let r = oms.order(at: slot)
            e.orderId = r.orderId
            e.instrument = r.instrument
            e.account = r.account
            e.strategy = r.strategy
            risk.onExecution(e)
            if let ring = executionRing, ring.tryPublish(e) != .published { journalDrops &+= 1 }
            counters.fills &+= 1
            counters.filledQuantity &+= e.lastQuantity.rawValue
            strategies.onOrderUpdate(e)
        }
        for d in report.differences where d.repair == .markedCanceled || d.repair == .markedFilled {
            if let i = t.table.index(twsId: Int64(bitPattern: d.venueOrderId)) ?? t.table.index(orderId: d.orderId) {
                t.table[i].done = true
            }
            guard d.repair == .markedCanceled, d.slot != .none else { continue }
            let e = Self.cancelReport(for: oms.order(at: d.slot), venue: v.id, now: now,
                                      flags: ExecutionFlags.statusResponse.rawValue)
            risk.onExecution(e)
            if let ring = executionRing, ring.tryPublish(e) != .published { journalDrops &+= 1 }
            strategies.onOrderUpdate(e)
        }
        note("order venue \(v.name) (TWS) reconciled: \(report.openOrdersExamined) open order(s), "
             + "\(report.executionsExamined) new execution(s), \(report.differences.count) difference(s)")
        for d in report.differences.prefix(50) {
            note("  \(d.kind): order \(d.orderId.rawValue) (TWS \(Int64(bitPattern: d.venueOrderId))) \(d.repair); "
                 + "local \(d.localStatus) \(d.localQuantity), TWS \(d.venueStatus) \(d.venueQuantity)")
        }
        t.reconcileOpenOrders.removeAll(keepingCapacity: true)
        t.reconcileExecutions.removeAll(keepingCapacity: true)
        syncTWSTable(v, t)
        v.up = true
        risk.onVenueConnected(v.id)
        note("order venue \(v.name) (TWS) ready for orders")
        if risk.isKillSwitchEngaged { cancelOpenTWSOrders(v, now: now) }
    }

    /// Enters into the id table every working order of this venue the OMS knows by its TWS
    /// id but the table does not: orders recovered from the journal at start-up, orders
    /// adopted by reconciliation. Their later statuses and fills are then tracked live, and
    /// new ids continue above theirs. Cold path.
    func syncTWSTable(_ v: VenueLink, _ t: TWSOrderLink) {
        var added = 0
        oms.forEachOrder { _, r in
            guard r.venue == v.id, !r.isTerminal, r.venueOrderId != 0, r.venueOrderId < UInt64(Int32.max) else { return }
            let twsId = Int64(r.venueOrderId)
            guard t.table.index(twsId: twsId) == nil else { return }
            let i = t.table.insert(twsId: twsId, orderId: r.orderId, instrument: r.instrument, side: r.side, price: r.price,
                                   quantity: r.quantity)
            t.table[i].filled = r.filledQuantity
            t.table[i].acknowledged = r.isAcknowledged
            t.nextTWSId = max(t.nextTWSId, twsId + 1)
            added += 1
        }
        if added > 0 { note("order venue \(v.name) (TWS): \(added) working order(s) known by TWS id entered into the id table") }
    }

    /// The kill switch engaged while the venue was away: its cancels were refused then, and
    /// TWS keeps API orders working across a client disconnect, so the orders still open
    /// there are cancelled now. Cold path.
    func cancelOpenTWSOrders(_ v: VenueLink, now: Timestamp) {
        var cancels: [OrderCommand] = []
        oms.forEachOrder { _, r in
            guard r.venue == v.id, !r.isTerminal, !r.isCancelPending else { return }
            cancels.append(OrderCommand(kind: .cancel, orderId: .none, originalOrderId: r.orderId, instrument: r.instrument,
                                        side: r.side, type: r.type, timeInForce: r.timeInForce, price: r.price,
                                        quantity: r.quantity, account: r.account, strategy: r.strategy, venue: v.id,
                                        createdTime: now))
        }
        var sent = 0
        for var c in cancels {
            c.orderId = OrderId(rawValue: 0xFF << 40 | nextEngineOrder)
            nextEngineOrder &+= 1
            sent += submit(c, now: now)
        }
        counters.killSwitchCancels &+= sent
        if !cancels.isEmpty { note("order venue \(v.name) (TWS): kill switch engaged, \(sent) open order(s) cancelled after the reconnect") }
    }

    /// Stops every TWS order session (shutdown).
    func stopTWSVenues() {
        for v in venues {
            guard let t = v.tws, let s = t.session else { continue }
            var handler = EngineTWSOrderHandler(engine: self, venue: v)
            s.stop(now: Clock.now(), handler: &handler)
            let c = t.counters
            note("order venue \(v.name) (TWS): \(c.ordersPlaced) placed, \(c.modifiesSent) modified, \(c.cancelsSent) cancels; "
                 + "\(c.rejects) rejects, \(c.cancelRejects) cancel/modify rejects, \(c.sendFailures) refused locally; "
                 + "\(c.duplicateExecutions) repeated executions, \(c.repeatedStatuses) repeated statuses, "
                 + "\(c.unknownOrderMessages) about unknown orders, \(s.counters.malformedMessages) malformed frames; "
                 + "\(c.reconciliations) reconciliation(s), \(c.reconciliationDifferences) difference(s)")
        }
    }
}

extension TradingEngine {
    /// Connects, reconnects and paces each TWS order session (every millisecond).
    func timerTWSVenues(now: Timestamp) {
        for v in venues {
            guard let t = v.tws, let s = t.session else { continue }
            var handler = EngineTWSOrderHandler(engine: self, venue: v)
            t.polling = true
            s.timer(now: now, handler: &handler)
            t.polling = false
        }
    }
}
