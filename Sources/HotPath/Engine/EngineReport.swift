import PeregrineCore
import PeregrineMarketData
import PeregrineOMS
import PeregrineRisk
import PeregrineRuntime

/// What a run did, built from a stopped engine (cold; allocates): counts, rejects by
/// reason, positions and P&L, latency percentiles; rendered as text and JSON.
public struct EngineReport: Sendable {
    public struct PositionLine: Sendable, Equatable {
        public var symbol: String
        public var quantity: Double
        public var averagePrice: Double
        public var mark: Double
        public var realized: Double
        public var unrealized: Double
        public var bought: Double
        public var sold: Double
    }

    public struct Latency: Sendable, Equatable {
        public var name: String
        public var count: UInt64
        public var p50: UInt64, p90: UInt64, p99: UInt64, p999: UInt64, max: UInt64
        public var mean: Double

        init(_ name: String, _ h: LatencyHistogram) {
            self.name = name
            count = h.count
            p50 = h.value(atPercentile: 50); p90 = h.value(atPercentile: 90); p99 = h.value(atPercentile: 99)
            p999 = h.value(atPercentile: 99.9); max = h.max
            mean = h.mean
        }
    }

    public var seconds: Double
    public var counters: EngineCounters
    public var rejectsByReason: [(reason: String, count: UInt64)]
    /// Market events the filters dropped, by reason (non-zero only).
    public var dropsByReason: [(reason: String, count: Int)]
    public var killSwitch: String
    public var positions: [PositionLine]
    public var realizedPnL: Double
    public var unrealizedPnL: Double
    public var fees: Double
    public var latencies: [Latency]
    public var journalPath: String?
    public var journalDrops: Int
    public var omsFaultCount: UInt64
    /// OMS outcomes that are faults, by code (only non-zero ones).
    public var omsFaults: [(code: String, count: UInt64)]
    public var notes: [String]

    /// Reads a stopped engine.
    public init<S>(engine: TradingEngine<S>, seconds: Double) {
        self.seconds = seconds
        counters = engine.counters
        rejectsByReason = RiskRejectReason.allCases.compactMap { reason in
            let n = engine.risk.rejectCount(reason)
            return n > 0 ? (reason.description, n) : nil
        }
        dropsByReason = MarketDataDropReason.allCases.compactMap { reason in
            let n = engine.filter.counters.dropped(reason)
            return n > 0 ? (reason.description, n) : nil
        }
        killSwitch = engine.risk.isKillSwitchEngaged ? "engaged (\(engine.risk.killSwitchCause))" : "not engaged"
        var lines: [PositionLine] = []
        let account = AccountId(rawValue: 1)
        for (i, symbol) in engine.configuration.symbols.enumerated() {
            let id = InstrumentId(rawValue: UInt32(i))
            let p = engine.oms.position(account: account, instrument: id)
            let mark = engine.oms.positions.mark(instrument: id)
            lines.append(PositionLine(symbol: symbol, quantity: p.quantity.doubleValue, averagePrice: p.averagePrice.doubleValue,
                                      mark: mark?.doubleValue ?? 0, realized: p.realizedPnL.doubleValue,
                                      unrealized: engine.oms.positions.unrealizedPnL(account: account, instrument: id).doubleValue,
                                      bought: p.boughtQuantity.doubleValue, sold: p.soldQuantity.doubleValue))
        }
        positions = lines
        let totals = engine.oms.positions.totals(account: account)
        realizedPnL = totals.realizedPnL.doubleValue
        unrealizedPnL = totals.unrealizedPnL.doubleValue
        fees = totals.fees.doubleValue
        latencies = [Latency("tick-to-order (bytes in → FIX encoded)", engine.tickToOrder),
                     Latency("tick-to-wire (→ send returned)", engine.tickToWire),
                     Latency("tick processing (every line)", engine.tickProcessing),
                     Latency("venue event to order sent", engine.venueEventToOrder)]
        journalPath = engine.configuration.journalDirectory
        journalDrops = engine.journalDrops
        omsFaultCount = engine.oms.faultCount
        omsFaults = OrderEventCode.allCases.filter(\.isFault).compactMap { code in
            let n = engine.oms.count(of: code)
            return n > 0 ? ("\(code)", n) : nil
        }
        notes = engine.log
    }

    static func money(_ v: Double) -> String {
        let cents = (v * 100).rounded()
        let sign = cents < 0 ? "-" : ""
        let a = abs(cents)
        let whole = Int(a / 100), frac = Int(a.truncatingRemainder(dividingBy: 100))
        return "\(sign)\(whole).\(frac < 10 ? "0" : "")\(frac)"
    }

    static func micros(_ ns: UInt64) -> String {
        let tenths = (Double(ns) / 100).rounded()
        let whole = Int(tenths / 10), frac = Int(tenths.truncatingRemainder(dividingBy: 10))
        return "\(whole).\(frac) µs"
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    static func padLeft(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }

    /// The report as text for a terminal.
    public var text: String {
        var out = ""
        let c = counters
        out += "== Peregrine run report (\(Int(seconds.rounded())) s) ==\n"
        out += "market data : \(c.feedLines) feed lines, \(c.marketEvents) events, \(c.marketEventsDropped) dropped by filters, \(c.feedBadLines) malformed\n"
        if !dropsByReason.isEmpty {
            out += "              dropped: " + dropsByReason.map { "\($0.reason) \($0.count)" }.joined(separator: ", ") + "\n"
        }
        out += "orders      : \(c.ordersSent) new, \(c.cancelsSent) cancels, \(c.replacesSent) replaces\n"
        out += "fills       : \(c.fills) (\(Int((Double(c.filledQuantity) / 1e8).rounded())) shares)\n"
        out += "rejects     : \(c.riskRejects) by risk, \(c.venueRejects) by the venue, \(c.rejectedNotConnected) while disconnected, \(c.omsRefusals) refused by the OMS (e.g. cancel of a filled order)\n"
        for r in rejectsByReason { out += "              risk \(r.reason): \(r.count)\n" }
        if c.reconciliationRequests > 0 {
            out += "reconcile   : \(c.reconciliations) run(s) applied, \(c.reconciliationsIncomplete) incomplete; \(c.reconciliationDifferences) difference(s), \(c.reconciliationRepairs) repair(s), \(c.reconciliationUnrepaired) for an operator\n"
        }
        out += "kill switch : \(killSwitch)\n"
        out += "positions   :\n"
        out += "  " + Self.pad("symbol", 8) + Self.padLeft("qty", 10) + Self.padLeft("avg px", 12) + Self.padLeft("mark", 12)
            + Self.padLeft("realized", 12) + Self.padLeft("unrealized", 12) + Self.padLeft("bought", 10) + Self.padLeft("sold", 10) + "\n"
        for p in positions {
            out += "  " + Self.pad(p.symbol, 8) + Self.padLeft("\(Int(p.quantity))", 10) + Self.padLeft(Self.money(p.averagePrice), 12)
                + Self.padLeft(Self.money(p.mark), 12) + Self.padLeft(Self.money(p.realized), 12)
                + Self.padLeft(Self.money(p.unrealized), 12) + Self.padLeft("\(Int(p.bought))", 10) + Self.padLeft("\(Int(p.sold))", 10) + "\n"
        }
        out += "P&L         : realized \(Self.money(realizedPnL)), unrealized \(Self.money(unrealizedPnL)), fees \(Self.money(fees)), net \(Self.money(realizedPnL + unrealizedPnL - fees))\n"
        out += "latency     : (engine thread, monotonic clock; percentiles within 1.6 %)\n"
        for l in latencies {
            if l.count == 0 { out += "  \(l.name): no samples\n"; continue }
            out += "  \(Self.pad(l.name, 40)) n=\(l.count)  p50 \(Self.micros(l.p50))  p90 \(Self.micros(l.p90))  p99 \(Self.micros(l.p99))  p99.9 \(Self.micros(l.p999))  max \(Self.micros(l.max))\n"
        }
        out += "journal     : \(journalPath ?? "off")\(journalDrops > 0 ? " (\(journalDrops) records dropped: ring full)" : "")\n"
        if omsFaultCount > 0 {
            out += "oms faults  : \(omsFaultCount): " + omsFaults.map { "\($0.code) \($0.count)" }.joined(separator: ", ")
                + (c.adoptedFills > 0 ? "; \(c.adoptedFills) fill(s) of unknown orders adopted" : "") + "\n"
        }
        return out
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default:
                if ch.value < 0x20 { out += "\\u00" + (ch.value < 16 ? "0" : "") + String(ch.value, radix: 16) } else { out.unicodeScalars.append(ch) }
            }
        }
        return out + "\""
    }

    /// The report as a JSON object (for tools and charts).
    public var json: String {
        let c = counters
        var parts: [String] = []
        parts.append("\"seconds\": \(seconds)")
        parts.append("\"feed_lines\": \(c.feedLines), \"market_events\": \(c.marketEvents), \"dropped\": \(c.marketEventsDropped)")
        parts.append("\"orders\": \(c.ordersSent), \"cancels\": \(c.cancelsSent), \"replaces\": \(c.replacesSent), \"fills\": \(c.fills)")
        parts.append("\"risk_rejects\": {" + rejectsByReason.map { "\(Self.jsonString($0.reason)): \($0.count)" }.joined(separator: ", ") + "}")
        parts.append("\"filter_drops\": {" + dropsByReason.map { "\(Self.jsonString($0.reason)): \($0.count)" }.joined(separator: ", ") + "}")
        parts.append("\"venue_rejects\": \(c.venueRejects), \"kill_switch\": \(Self.jsonString(killSwitch))")
        parts.append("\"reconciliation\": {\"runs\": \(c.reconciliations), \"incomplete\": \(c.reconciliationsIncomplete), \"differences\": \(c.reconciliationDifferences), \"repairs\": \(c.reconciliationRepairs), \"unrepaired\": \(c.reconciliationUnrepaired)}")
        parts.append("\"positions\": [" + positions.map {
            "{\"symbol\": \(Self.jsonString($0.symbol)), \"quantity\": \($0.quantity), \"average_price\": \($0.averagePrice), \"mark\": \($0.mark), \"realized\": \($0.realized), \"unrealized\": \($0.unrealized), \"bought\": \($0.bought), \"sold\": \($0.sold)}"
        }.joined(separator: ", ") + "]")
        parts.append("\"pnl\": {\"realized\": \(realizedPnL), \"unrealized\": \(unrealizedPnL), \"fees\": \(fees)}")
        parts.append("\"latency_ns\": {" + latencies.map {
            "\(Self.jsonString($0.name)): {\"count\": \($0.count), \"p50\": \($0.p50), \"p90\": \($0.p90), \"p99\": \($0.p99), \"p99.9\": \($0.p999), \"max\": \($0.max)}"
        }.joined(separator: ", ") + "}")
        parts.append("\"journal\": \(journalPath.map(Self.jsonString) ?? "null")")
        return "{\n  " + parts.joined(separator: ",\n  ") + "\n}\n"
    }
}
