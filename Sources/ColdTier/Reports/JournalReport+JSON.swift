import PeregrineCore

extension JournalReport {
    /// The report as one JSON object (for tools and notebooks). Money and quantities are
    /// decimal numbers (exact to 10⁻⁸), latencies integer nanoseconds. Allocates; O(lines +
    /// curve points).
    public var json: String {
        var o = JSONObject()
        var s = JSONObject()
        s.add("path", string: source.path)
        s.add("name", string: source.name)
        s.add("files", raw: "[" + source.files.map(JSONObject.quote).joined(separator: ", ") + "]")
        s.add("records", number: "\(source.recordCount)")
        s.add("record_counts", raw: "{" + source.recordCounts.map { "\(JSONObject.quote($0.type)): \($0.count)" }.joined(separator: ", ") + "}")
        s.add("first", raw: source.firstTimestamp.map { JSONObject.quote($0.description) } ?? "null")
        s.add("last", raw: source.lastTimestamp.map { JSONObject.quote($0.description) } ?? "null")
        o.add("source", raw: s.text)
        o.add("problems", raw: "[" + problems.map(JSONObject.quote).joined(separator: ", ") + "]")
        o.add("day_boundary", string: dayBoundary.rawValue)
        o.add("days", raw: JSONObject.array(days.map { d in
            var j = JSONObject()
            j.add("day", string: d.day.description)
            j.add("fills", number: "\(d.fills)")
            j.add("bought", number: d.boughtQuantity.description)
            j.add("sold", number: d.soldQuantity.description)
            j.add("traded_notional", number: d.tradedNotional.description)
            j.add("realized", number: d.realized.description)
            j.add("fees", number: d.fees.description)
            j.add("net_change", number: d.netChange.description)
            return j.text
        }))
        o.add("strategies", raw: JSONObject.array(strategies.map(Self.pnl)))
        o.add("instruments", raw: JSONObject.array(instruments.map(Self.pnl)))
        o.add("total", raw: Self.pnl(total))
        o.add("order_flow", raw: JSONObject.array((orderFlow + [orderFlowTotal]).map { l in
            var j = JSONObject()
            j.add("strategy", string: l.label)
            j.add("new", number: "\(l.newOrders)")
            j.add("cancels", number: "\(l.cancels)")
            j.add("replaces", number: "\(l.replaces)")
            j.add("mass_cancels", number: "\(l.massCancels)")
            j.add("fills", number: "\(l.fills)")
            j.add("orders_filled", number: "\(l.ordersFilled)")
            j.add("ordered_quantity", number: l.orderedQuantity.description)
            j.add("filled_quantity", number: l.filledQuantity.description)
            j.add("fill_ratio", number: JSONObject.double(l.fillRatio))
            j.add("venue_rejects", number: "\(l.venueRejects)")
            j.add("risk_rejects", number: "\(l.riskRejects)")
            j.add("unanswered", number: "\(l.unanswered)")
            return j.text
        }))
        o.add("slippage_by_strategy", raw: JSONObject.array(slippageByStrategy.map(Self.slippage)))
        o.add("slippage_by_instrument", raw: JSONObject.array(slippageByInstrument.map(Self.slippage)))
        o.add("slippage_total", raw: Self.slippage(slippageTotal))
        o.add("fills_without_arrival", number: "\(fillsWithoutArrival)")
        o.add("latency_ns", raw: JSONObject.array(latencies.map { l in
            var j = JSONObject()
            j.add("name", string: l.name)
            j.add("count", number: "\(l.count)")
            for (key, p) in [("p50", 50.0), ("p90", 90), ("p99", 99), ("p99.9", 99.9)] { j.add(key, number: "\(l.value(atPercentile: p))") }
            j.add("max", number: "\(l.histogram.max)")
            j.add("negative_samples", number: "\(l.negativeSamples)")
            return j.text
        }))
        o.add("venue_rejects", raw: JSONObject.array(venueRejects.map { r in
            var j = JSONObject()
            j.add("kind", string: r.kind)
            j.add("code", number: "\(r.code)")
            j.add("reason", string: r.reason)
            j.add("count", number: "\(r.count)")
            return j.text
        }))
        if let risk = riskDecisions {
            var j = JSONObject()
            j.add("accepted", number: "\(risk.accepted)")
            j.add("rejected", number: "\(risk.rejected)")
            j.add("rejects_by_reason", raw: "{" + risk.rejectsByReason.map { "\(JSONObject.quote($0.reason)): \($0.count)" }.joined(separator: ", ") + "}")
            o.add("risk_decisions", raw: j.text)
        } else {
            o.add("risk_decisions", raw: "null")
        }
        var u = JSONObject()
        u.add("count", number: "\(unknownOrderExecutions.count)")
        u.add("fills", number: "\(unknownOrderExecutions.fills)")
        u.add("fill_quantity", number: unknownOrderExecutions.fillQuantity.description)
        o.add("unknown_order_executions", raw: u.text)
        return o.text + "\n"
    }

    private static func pnl(_ l: PnLLine) -> String {
        var j = JSONObject()
        j.add("name", string: l.label)
        j.add("fills", number: "\(l.fills)")
        j.add("bought", number: l.boughtQuantity.description)
        j.add("sold", number: l.soldQuantity.description)
        j.add("position", raw: l.position?.description ?? "null")
        j.add("average_price", raw: l.averagePrice?.description ?? "null")
        j.add("mark", raw: l.mark?.description ?? "null")
        j.add("realized", number: l.realized.description)
        j.add("unrealized", number: l.unrealized.description)
        j.add("fees", number: l.fees.description)
        j.add("net", number: l.net.description)
        return j.text
    }

    private static func slippage(_ l: SlippageLine) -> String {
        var j = JSONObject()
        j.add("name", string: l.label)
        j.add("count", number: "\(l.count)")
        j.add("mean_bps", number: JSONObject.double(l.meanBps))
        j.add("median_bps", number: JSONObject.double(l.medianBps))
        j.add("worst_bps", number: JSONObject.double(l.worstBps))
        j.add("total_cost", number: l.totalCost.description)
        j.add("mean_cost", number: JSONObject.double(l.meanCost))
        j.add("median_cost", number: JSONObject.double(l.medianCost))
        j.add("worst_cost", number: JSONObject.double(l.worstCost))
        return j.text
    }
}

/// A tiny JSON object writer (keys in insertion order).
struct JSONObject {
    private var members: [String] = []

    mutating func add(_ key: String, raw: String) { members.append("\(Self.quote(key)): \(raw)") }
    mutating func add(_ key: String, string: String) { add(key, raw: Self.quote(string)) }
    mutating func add(_ key: String, number: String) { add(key, raw: number) }

    var text: String { "{" + members.joined(separator: ", ") + "}" }

    static func array(_ items: [String]) -> String { "[" + items.joined(separator: ",\n  ") + "]" }

    /// A finite double as JSON (6 decimals), `null` otherwise.
    static func double(_ v: Double) -> String { v.isFinite ? ReportFormat.fixed(v, 6) : "null" }

    static func quote(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if ch.value < 0x20 {
                    let hex = String(ch.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(ch)
                }
            }
        }
        return out + "\""
    }
}
