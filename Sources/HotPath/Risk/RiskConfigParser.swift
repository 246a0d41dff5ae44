import PeregrineCore
#if canImport(Glibc)
import Glibc
#endif

/// A problem in a risk configuration file, with its place.
public struct RiskConfigProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// File name or "<text>".
    public var source: String
    /// 1-based line number (0: the file as a whole).
    public var line: Int
    /// What was wrong and what to do.
    public var message: String
    public init(source: String, line: Int, message: String) { self.source = source; self.line = line; self.message = message }
    public var description: String { "\(source):\(line): \(message)" }
}

/// Every problem of a risk configuration at once.
public struct RiskConfigErrors: Error, Sendable, CustomStringConvertible {
    public var problems: [RiskConfigProblem]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// Parses risk limits from `key = value` text in sections, once, off the hot path.
///
/// ```
/// # comments start with '#'
/// [global]            max_orders_per_second, order_burst, reference_max_age_ms,
///                     duplicate_window_ms, ratio_window_ms, reject_storm_count,
///                     reject_storm_window_ms, reject_storm_reasons, kill_on_venue_disconnect,
///                     max_open_orders
/// [instrument.*]      defaults for every instrument, then [instrument.SYMBOL] overrides:
///                     enabled, restricted, reduce_only, allow_market_orders,
///                     max_order_quantity, max_order_notional, max_position, collar_bps,
///                     max_orders_per_second, order_burst, max_model_score
/// [account.*]         defaults for every account, then [account.NAME] overrides:
///                     reduce_only, allow_short_sell, max_order_quantity, max_order_notional,
///                     max_position, max_gross_exposure, max_net_exposure, credit_limit,
///                     max_loss, max_drawdown, max_order_to_trade_ratio, max_cancel_ratio,
///                     ratio_min_count, restricted (comma-separated symbols)
/// [venue.*] / [venue.NAME]   max_orders_per_second, order_burst
/// ```
/// Quantities, prices and money are decimals; `unlimited` lifts a limit. Unknown sections,
/// keys, symbols, accounts and venues are errors; every problem is reported at once with
/// `source:line`. A rate without a burst gets a burst equal to the rate.
public enum RiskConfigParser {
    typealias Setter<T> = @Sendable (inout T, String) -> String?

    /// Parses `text` for the instruments of `registry`, the accounts named (in `AccountId`
    /// order) and the venues named (in `VenueId` order).
    public static func parse(_ text: String, source: String = "<text>", instruments registry: InstrumentRegistry,
                             accounts: [String], venues: [String] = []) throws(RiskConfigErrors) -> RiskLimits {
        var limits = RiskLimits(instrumentCount: registry.count, accountCount: accounts.count, venueCount: venues.count)
        limits.adopt(registry)
        limits.accountNames = accounts
        limits.venueNames = venues
        var problems: [RiskConfigProblem] = []
        func problem(_ line: Int, _ message: String) { problems.append(RiskConfigProblem(source: source, line: line, message: message)) }

        // Pass 1: lines into (section, key, value, line); wildcards are applied before specifics.
        struct Assignment { var kind: String; var target: String; var key: String; var value: String; var line: Int }
        var assignments: [Assignment] = []
        var section: (kind: String, target: String)? = nil
        var seen: [String: Int] = [:]
        var sectionLines: [String: Int] = [:]
        var lineNumber = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = raw[...]
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let content = line.trimmed()
            if content.isEmpty { continue }
            if content.hasPrefix("[") {
                guard content.hasSuffix("]") else { problem(lineNumber, "section header '\(content)' lacks ']'"); section = nil; continue }
                let name = String(content.dropFirst().dropLast()).trimmedString()
                let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
                let kind = parts.first ?? ""
                let target = parts.count > 1 ? parts[1] : ""
                switch (kind, target.isEmpty) {
                case ("global", true): section = (kind, "")
                case ("instrument", false), ("account", false), ("venue", false): section = (kind, target)
                default:
                    problem(lineNumber, "unknown section [\(name)]; expected [global], [instrument.SYMBOL|*], [account.NAME|*] or [venue.NAME|*]")
                    section = nil
                    continue
                }
                if let first = sectionLines[name] { problem(lineNumber, "section [\(name)] repeats (first on line \(first))") }
                else { sectionLines[name] = lineNumber }
                if kind == "instrument" && target != "*" && registry.id(of: target) == nil {
                    problem(lineNumber, "unknown instrument '\(target)'; add it to the instrument file or fix the symbol")
                } else if kind == "account" && target != "*" && !accounts.contains(target) {
                    problem(lineNumber, "unknown account '\(target)'; known: \(accounts.joined(separator: ", "))")
                } else if kind == "venue" && target != "*" && !venues.contains(target) {
                    problem(lineNumber, "unknown venue '\(target)'; known: \(venues.joined(separator: ", "))")
                }
                continue
            }
            guard let equals = content.firstIndex(of: "=") else {
                problem(lineNumber, "expected 'key = value', found '\(content)'")
                continue
            }
            let key = String(content[..<equals]).trimmedString()
            let value = String(content[content.index(after: equals)...]).trimmedString()
            guard let current = section else { problem(lineNumber, "'\(key)' is outside any section; start with [global]"); continue }
            let known: Bool
            switch current.kind {
            case "global": known = globalKeys[key] != nil
            case "instrument": known = instrumentKeys[key] != nil
            case "account": known = accountKeys[key] != nil || key == "restricted"
            default: known = venueKeys[key] != nil
            }
            guard known else {
                let list: [String]
                switch current.kind {
                case "global": list = Array(globalKeys.keys)
                case "instrument": list = Array(instrumentKeys.keys)
                case "account": list = Array(accountKeys.keys) + ["restricted"]
                default: list = Array(venueKeys.keys)
                }
                problem(lineNumber, "unknown key '\(key)' in [\(current.kind)\(current.target.isEmpty ? "" : "." + current.target)]; known keys: \(list.sorted().joined(separator: ", "))")
                continue
            }
            if value.isEmpty { problem(lineNumber, "'\(key)' has no value"); continue }
            let id = "\(current.kind).\(current.target).\(key)"
            if let first = seen[id] { problem(lineNumber, "'\(key)' repeats in this section (first on line \(first))"); continue }
            seen[id] = lineNumber
            assignments.append(Assignment(kind: current.kind, target: current.target, key: key, value: value, line: lineNumber))
        }

        // Pass 2: apply wildcards, then specific sections.
        let ordered = assignments.filter { $0.target == "*" } + assignments.filter { $0.target != "*" }
        for a in ordered {
            var error: String? = nil
            switch a.kind {
            case "global":
                error = globalKeys[a.key]!(&limits.global, a.value)
            case "instrument":
                let targets = a.target == "*" ? Array(0..<registry.count) : registry.id(of: a.target).map { [$0.index] } ?? []
                for i in targets { error = instrumentKeys[a.key]!(&limits.instruments[i], a.value) ?? error }
            case "account":
                let targets = a.target == "*" ? Array(0..<accounts.count) : accounts.firstIndex(of: a.target).map { [$0] } ?? []
                if a.key == "restricted" {
                    for symbol in a.value.split(separator: ",").map({ String($0).trimmedString() }) where !symbol.isEmpty {
                        guard let id = registry.id(of: symbol) else { error = "restricted: unknown instrument '\(symbol)'"; continue }
                        for t in targets { limits.accountRestricted[t * registry.count + id.index] = true }
                    }
                } else {
                    for t in targets { error = accountKeys[a.key]!(&limits.accounts[t], a.value) ?? error }
                }
            default:
                let targets = a.target == "*" ? Array(0..<venues.count) : venues.firstIndex(of: a.target).map { [$0] } ?? []
                for v in targets { error = venueKeys[a.key]!(&limits.venues[v], a.value) ?? error }
            }
            if let error { problem(a.line, error) }
        }

        // Bursts default to the rate; then whole-value validation.
        func defaultBurst(_ rate: Int64, _ burst: inout Int64) { if rate > 0 && burst == 0 { burst = Swift.min(rate, TokenBucket.maxBurst) } }
        defaultBurst(limits.global.ordersPerSecond, &limits.global.orderBurst)
        for i in limits.instruments.indices { defaultBurst(limits.instruments[i].ordersPerSecond, &limits.instruments[i].orderBurst) }
        for v in limits.venues.indices { defaultBurst(limits.venues[v].ordersPerSecond, &limits.venues[v].orderBurst) }
        if problems.isEmpty {
            for message in limits.problems() { problem(0, message) }
        }
        if !problems.isEmpty { throw RiskConfigErrors(problems: problems) }
        return limits
    }

    /// Reads and parses the file at `path` (see `parse`). Set-up only.
    public static func load(path: String, instruments registry: InstrumentRegistry, accounts: [String],
                            venues: [String] = []) throws(RiskConfigErrors) -> RiskLimits {
        guard let file = fopen(path, "rb") else {
            throw RiskConfigErrors(problems: [RiskConfigProblem(source: path, line: 0,
                message: "cannot open (errno \(errno)); check the path given for the risk configuration")])
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count { break }
        }
        return try parse(String(decoding: bytes, as: UTF8.self), source: path, instruments: registry,
                         accounts: accounts, venues: venues)
    }

    // MARK: Keys (each declared once, with its parser; defaults live in the limit types)

    static let globalKeys: [String: Setter<GlobalLimits>] = [
        "max_orders_per_second": { l, v in assign(parseCount(v, max: TokenBucket.maxRate), countError(v)) { l.ordersPerSecond = $0 } },
        "order_burst": { l, v in assign(parseCount(v, max: TokenBucket.maxBurst), countError(v)) { l.orderBurst = $0 } },
        "reference_max_age_ms": { l, v in assign(parseCount(v), countError(v)) { l.referenceMaxAge = .milliseconds($0) } },
        "duplicate_window_ms": { l, v in assign(parseCount(v), countError(v)) { l.duplicateWindow = .milliseconds($0) } },
        "ratio_window_ms": { l, v in
            guard let n = parseCount(v), n > 0 else { return "ratio_window_ms '\(v)' must be a positive whole number" }
            l.ratioWindow = .milliseconds(n); return nil
        },
        "reject_storm_count": { l, v in assign(parseCount(v, max: Int64(RiskLimits.maxStormCount)), countError(v, max: Int64(RiskLimits.maxStormCount))) { l.stormRejectCount = Int($0) } },
        "reject_storm_window_ms": { l, v in assign(parseCount(v), countError(v)) { l.stormWindow = .milliseconds($0) } },
        "reject_storm_reasons": { l, v in
            var mask: UInt64 = 0
            for name in v.split(separator: ",").map({ String($0).trimmedString() }) where !name.isEmpty {
                guard let reason = RiskRejectReason(name: name) else {
                    return "reject_storm_reasons: unknown reason '\(name)'; known: \(RiskRejectReason.allCases.map(\.description).joined(separator: ", "))"
                }
                mask |= 1 << UInt64(reason.rawValue)
            }
            l.stormReasons = mask; return nil
        },
        "kill_on_venue_disconnect": { l, v in assign(parseBool(v), boolError(v)) { l.killOnVenueDisconnect = $0 } },
        "max_open_orders": { l, v in
            guard let n = parseCount(v, max: 1 << 24), n > 0 else { return "max_open_orders '\(v)' must be within 1...16777216" }
            l.maxOpenOrders = Int(n); return nil
        },
    ]

    static let instrumentKeys: [String: Setter<InstrumentLimits>] = [
        "enabled": { l, v in assign(parseBool(v), boolError(v)) { l.enabled = $0 } },
        "restricted": { l, v in assign(parseBool(v), boolError(v)) { l.restricted = $0 } },
        "reduce_only": { l, v in assign(parseBool(v), boolError(v)) { l.reduceOnly = $0 } },
        "allow_market_orders": { l, v in assign(parseBool(v), boolError(v)) { l.allowMarketOrders = $0 } },
        "max_order_quantity": { l, v in assign(parseQuantity(v), quantityError(v)) { l.maxOrderQuantity = $0 } },
        "max_order_notional": { l, v in assign(parseMoney(v), moneyError(v)) { l.maxOrderNotional = $0 } },
        "max_position": { l, v in assign(parseQuantity(v), quantityError(v)) { l.maxPosition = $0 } },
        "collar_bps": { l, v in assign(parseCount(v, max: 1_000_000), countError(v, max: 1_000_000)) { l.collarBasisPoints = $0 } },
        "max_orders_per_second": { l, v in assign(parseCount(v, max: TokenBucket.maxRate), countError(v)) { l.ordersPerSecond = $0 } },
        "order_burst": { l, v in assign(parseCount(v, max: TokenBucket.maxBurst), countError(v)) { l.orderBurst = $0 } },
        "max_model_score": { l, v in
            guard let d = Double(v), d.isFinite else { return "max_model_score '\(v)' must be a finite number" }
            l.maxModelScore = d; return nil
        },
    ]

    static let accountKeys: [String: Setter<AccountLimits>] = [
        "reduce_only": { l, v in assign(parseBool(v), boolError(v)) { l.reduceOnly = $0 } },
        "allow_short_sell": { l, v in assign(parseBool(v), boolError(v)) { l.allowShortSell = $0 } },
        "max_order_quantity": { l, v in assign(parseQuantity(v), quantityError(v)) { l.maxOrderQuantity = $0 } },
        "max_order_notional": { l, v in assign(parseMoney(v), moneyError(v)) { l.maxOrderNotional = $0 } },
        "max_position": { l, v in assign(parseQuantity(v), quantityError(v)) { l.maxPosition = $0 } },
        "max_gross_exposure": { l, v in assign(parseMoney(v), moneyError(v)) { l.maxGrossExposure = $0 } },
        "max_net_exposure": { l, v in assign(parseMoney(v), moneyError(v)) { l.maxNetExposure = $0 } },
        "credit_limit": { l, v in assign(parseMoney(v), moneyError(v)) { l.creditLimit = $0 } },
        "max_loss": { l, v in assign(parseMoney(v), moneyError(v)) { l.maxLoss = $0 } },
        "max_drawdown": { l, v in assign(parseMoney(v), moneyError(v)) { l.maxDrawdown = $0 } },
        "max_order_to_trade_ratio": { l, v in assign(parseQuantity(v), quantityError(v)) { l.maxOrderToTradeRatio = $0 } },
        "max_cancel_ratio": { l, v in assign(parseQuantity(v), quantityError(v)) { l.maxCancelRatio = $0 } },
        "ratio_min_count": { l, v in assign(parseCount(v), countError(v)) { l.ratioMinimumCount = $0 } },
    ]

    static let venueKeys: [String: Setter<VenueLimits>] = [
        "max_orders_per_second": { l, v in assign(parseCount(v, max: TokenBucket.maxRate), countError(v)) { l.ordersPerSecond = $0 } },
        "order_burst": { l, v in assign(parseCount(v, max: TokenBucket.maxBurst), countError(v)) { l.orderBurst = $0 } },
    ]

    // MARK: Values

    static func assign<V>(_ value: V?, _ error: @autoclosure () -> String, _ store: (V) -> Void) -> String? {
        guard let value else { return error() }
        store(value)
        return nil
    }

    static func parseBool(_ v: String) -> Bool? {
        switch v.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: return nil
        }
    }
    static func boolError(_ v: String) -> String { "'\(v)' is not a boolean; use true or false" }

    static func parseCount(_ v: String, max: Int64 = Int64.max / 1_000_000) -> Int64? {
        guard let n = Int64(v.replacing("_", with: "")), n >= 0, n <= max else { return nil }
        return n
    }
    static func countError(_ v: String, max: Int64? = nil) -> String {
        "'\(v)' must be a whole number >= 0\(max.map { " and <= \($0)" } ?? "")"
    }

    static func parseQuantity(_ v: String) -> Quantity? {
        if v == "unlimited" { return .max }
        guard let q = Quantity(v.replacing("_", with: "")), q.rawValue > 0 else { return nil }
        return q
    }
    static func quantityError(_ v: String) -> String { "'\(v)' must be a positive decimal (at most 8 decimals) or 'unlimited'" }

    static func parseMoney(_ v: String) -> Notional? {
        if v == "unlimited" { return .unlimited }
        guard let p = Price(v.replacing("_", with: "")), p.rawValue > 0 else { return nil }
        return Notional(p)
    }
    static func moneyError(_ v: String) -> String { "'\(v)' must be a positive amount (at most 8 decimals) or 'unlimited'" }
}

extension Substring {
    func trimmed() -> String {
        var s = self
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}

extension String {
    func trimmedString() -> String { self[...].trimmed() }
}
