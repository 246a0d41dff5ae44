import PeregrineCore
import PeregrineOMS
import PeregrinePlatform
import PeregrineRings
import PeregrineRisk
import Synchronization

/// An operator command for a running engine (from the control socket or a test).
public enum EngineCommand: Sendable {
    /// Connection state, counters, kill switch, latency so far.
    case status
    /// Positions and P&L per instrument.
    case positions
    /// Engage the kill switch: block new orders, cancel every open order.
    case killSwitch
    /// Release the kill switch (new orders allowed again).
    case resetKillSwitch
    /// Replace the risk limits (validated off the engine thread; the change is journaled).
    case reloadLimits(RiskLimits)
    /// Reconcile with every venue now (order status request; see MassStatusReconciliation.swift).
    case reconcile
}

/// The hand-over between an operator thread and the engine thread: one request at a time,
/// polled by the engine every millisecond (so the hot path pays one relaxed load).
final class EngineControlSlot: Sendable {
    let pending = Atomic<Bool>(false)
    let request = Mutex<EngineCommand?>(nil)
    let answer = Mutex<String?>(nil)
    let busy = Mutex<Bool>(false)
}

extension TradingEngine {
    /// Runs `command` on the engine thread and returns its answer (text for an operator).
    /// From any thread; one command at a time (others wait); waits up to `timeout`.
    /// Errors are answers ("error: …"), never throws.
    public func perform(_ command: EngineCommand, timeout: Nanoseconds = .seconds(5)) -> String {
        // One caller at a time.
        let deadline = Clock.monotonicNanos() + UInt64(timeout.count)
        while !control.busy.withLock({ busy -> Bool in
            if busy { return false }
            busy = true
            return true
        }) {
            if Clock.monotonicNanos() > deadline { return "error: engine busy with another command" }
            IdleSleep.sleep(nanos: 1_000_000)
        }
        defer { control.busy.withLock { $0 = false } }
        guard thread != nil else { return "error: engine not running" }
        control.answer.withLock { $0 = nil }
        control.request.withLock { $0 = command }
        control.pending.store(true, ordering: .releasing)
        while Clock.monotonicNanos() < deadline {
            if let answer = control.answer.withLock({ a -> String? in let v = a; a = nil; return v }) { return answer }
            IdleSleep.sleep(nanos: 500_000)
        }
        control.pending.store(false, ordering: .releasing)
        control.request.withLock { $0 = nil }
        return "error: no answer from the engine thread within \(timeout.count / 1_000_000) ms"
    }

    /// Engine thread: executes a pending operator command.
    func serviceControl(now: Timestamp) {
        guard control.pending.load(ordering: .acquiring) else { return }
        control.pending.store(false, ordering: .relaxed)
        guard let command = control.request.withLock({ r -> EngineCommand? in let v = r; r = nil; return v }) else { return }
        let text: String
        switch command {
        case .status: text = statusText()
        case .positions: text = positionsText()
        case .killSwitch:
            let queued = risk.engage(reason: .manual, now: now)
            route(now: now, tickStart: 0, venueTime: .zero)
            note("kill switch engaged by the operator")
            text = "kill switch engaged: \(queued) account(s) being cancelled; \(counters.killSwitchCancels) cancel(s) sent so far"
        case .resetKillSwitch:
            let was = risk.killSwitchCause
            risk.reset()
            note("kill switch reset by the operator")
            text = was == .none ? "kill switch was not engaged" : "kill switch reset (was: \(was))"
        case .reconcile:
            var started = 0
            for v in venues where v.tws == nil && v.reconciliation.phase == .idle {
                v.reconciliation.pending = true
                started += 1
            }
            // TWS venues: open orders and executions again (reqOpenOrders, reqExecutions). The
            // venue takes no new order until the answers are in (as after a reconnect), so no
            // order sent meanwhile is judged against a list that predates it.
            for v in venues {
                guard let t = v.tws, v.up, !t.reconciling else { continue }
                v.up = false
                beginTWSReconciliation(v, t)
                if t.reconciling { started += 1 } else { v.up = true }
            }
            serviceReconciliation(now: now)
            note("reconciliation requested by the operator")
            text = "reconciliation requested for \(started) venue(s)" + (started < venues.count ? " (\(venues.count - started) already running)" : "")
                + "; `status` shows the outcome"
        case .reloadLimits(let limits):
            let problems = risk.problems(replacingWith: limits)
            if !problems.isEmpty {
                text = "error: limits refused:\n" + problems.joined(separator: "\n")
            } else {
                let change = risk.apply(limits, now: now)
                journalLimitsChange(change)
                note("risk limits reloaded (version \(limits.version))")
                let differences = change.differences
                text = "limits applied (version \(limits.version)); \(differences.count) change(s)" + (differences.isEmpty ? "" : ":\n" + differences.joined(separator: "\n"))
            }
        }
        control.answer.withLock { $0 = text }
    }

    /// Connection state, counters and latency as text (engine thread, or after `stop`).
    public func statusText() -> String {
        let c = counters
        var lines: [String] = []
        for v in venues {
            let s = v.session
            let label = venues.count == 1 ? "venue session" : "venue \(v.name) (#\(v.id.rawValue))"
            lines.append("\(label): \(s.isLoggedOn ? "logged on" : "not logged on") (\(s.state)), next seq out \(s.nextSenderSequenceNumber) in \(s.nextTargetSequenceNumber)")
        }
        if !configuration.routes.isEmpty { lines.append("routing: \(configuration.routes.count) rule(s), unmatched orders to \(venues[0].name)") }
        lines.append("feed: \(feedConnection == nil ? "disconnected" : "connected"), \(c.feedLines) lines, \(c.marketEvents) events, \(c.marketEventsDropped) dropped")
        lines.append("orders: \(c.ordersSent) new, \(c.cancelsSent) cancels, \(c.replacesSent) replaces; fills \(c.fills); open orders (risk) \(risk.openOrderCount)")
        lines.append("rejects: \(c.riskRejects) risk, \(c.venueRejects) venue, \(c.omsRefusals) OMS, \(c.rejectedNotConnected) disconnected")
        lines.append("kill switch: \(risk.isKillSwitchEngaged ? "ENGAGED (\(risk.killSwitchCause))" : "off")")
        let t = tickToOrder
        lines.append("tick-to-order: n=\(t.count) p50 \(t.value(atPercentile: 50)) ns p99 \(t.value(atPercentile: 99)) ns max \(t.max) ns")
        for v in venues where !v.reconciliation.lastSummary.isEmpty || v.reconciliation.phase == .collecting {
            let state = v.reconciliation.phase == .collecting ? "running (\(v.reconciliation.received) report(s) so far); last: " : ""
            lines.append("reconciliation \(v.name): \(state)\(v.reconciliation.lastSummary)")
        }
        if recovery.commands > 0 || recovery.executions > 0 {
            lines.append("recovered at start: \(recovery.commands) commands, \(recovery.executions) reports, \(recovery.openOrdersCancelled) open orders marked cancelled")
        }
        return lines.joined(separator: "\n")
    }

    /// Positions and P&L per instrument as text (engine thread, or after `stop`).
    public func positionsText() -> String {
        var lines = ["symbol  position  avg-price  realized  unrealized"]
        for (i, symbol) in configuration.symbols.enumerated() {
            let id = InstrumentId(rawValue: UInt32(i))
            let p = oms.position(account: account, instrument: id)
            lines.append("\(symbol)  \(p.quantity)  \(p.averagePrice)  \(p.realizedPnL)  \(oms.positions.unrealizedPnL(account: account, instrument: id))")
        }
        let totals = oms.positions.totals(account: account)
        lines.append("total realized \(totals.realizedPnL) unrealized \(totals.unrealizedPnL) fees \(totals.fees)")
        return lines.joined(separator: "\n")
    }
}
