import PeregrineCore

/// A run-time change of risk limits: both values and when the change took effect.
///
/// Built by `PreTradeRisk.apply(_:now:)` without allocating (it holds the two values);
/// `differences` renders the journal lines (`scope key: old -> new`) on a cold thread.
public struct RiskLimitsChange: Sendable {
    public var time: Timestamp
    public var previous: RiskLimits
    public var current: RiskLimits

    public init(time: Timestamp, previous: RiskLimits, current: RiskLimits) {
        self.time = time; self.previous = previous; self.current = current
    }

    /// One line per changed value, e.g. `instrument.AAPL maxPosition: 100 -> 200`.
    /// Cold path: reflects over the values and allocates.
    public var differences: [String] {
        var lines: [String] = []
        if previous.version != current.version { lines.append("version: \(previous.version) -> \(current.version)") }
        Self.compare("global", previous.global, current.global, into: &lines)
        for (i, (old, new)) in zip(previous.instruments, current.instruments).enumerated() {
            Self.compare("instrument.\(current.instrumentNames[i])", old, new, into: &lines)
        }
        for (a, (old, new)) in zip(previous.accounts, current.accounts).enumerated() {
            Self.compare("account.\(current.accountNames[a])", old, new, into: &lines)
        }
        for (v, (old, new)) in zip(previous.venues, current.venues).enumerated() {
            Self.compare("venue.\(current.venueNames[v])", old, new, into: &lines)
        }
        for a in 0..<current.accounts.count {
            for i in 0..<current.instruments.count
            where previous.isRestricted(account: a, instrument: i) != current.isRestricted(account: a, instrument: i) {
                lines.append("account.\(current.accountNames[a]) restricted \(current.instrumentNames[i]): "
                             + "\(previous.isRestricted(account: a, instrument: i)) -> \(current.isRestricted(account: a, instrument: i))")
            }
        }
        return lines
    }

    static func compare<T>(_ scope: String, _ old: T, _ new: T, into lines: inout [String]) {
        for (o, n) in zip(Mirror(reflecting: old).children, Mirror(reflecting: new).children) {
            let before = Self.text(o.value)
            let after = Self.text(n.value)
            if before != after { lines.append("\(scope) \(o.label ?? "?"): \(before) -> \(after)") }
        }
    }

    static func text(_ value: Any) -> String {
        if let n = value as? Notional { return n == .unlimited ? "unlimited" : n.description }
        if let q = value as? Quantity { return q == .max ? "unlimited" : q.description }
        if let p = value as? Price { return p.description }
        if let d = value as? Nanoseconds { return d.description }
        return String(describing: value)
    }
}

extension RiskLimits {
    /// The limits that differ from the defaults, one `scope key = value` line each, for the
    /// start-up print of the effective configuration. Cold path; allocates.
    public var effectiveConfiguration: [String] {
        var defaults = RiskLimits(instrumentCount: instruments.count, accountCount: accounts.count, venueCount: venues.count)
        for i in instruments.indices {
            defaults.instruments[i].tickSize = instruments[i].tickSize
            defaults.instruments[i].lotSize = instruments[i].lotSize
            defaults.instruments[i].multiplier = instruments[i].multiplier
        }
        defaults.instrumentNames = instrumentNames
        defaults.accountNames = accountNames
        defaults.venueNames = venueNames
        defaults.version = version
        return RiskLimitsChange(time: .zero, previous: defaults, current: self).differences.map { line in
            // "scope key: default -> value" becomes "scope key = value".
            guard let colon = line.firstIndex(of: ":"), let arrow = line.firstRange(of: " -> ") else { return line }
            return String(line[..<colon]) + " = " + String(line[arrow.upperBound...])
        }
    }
}
