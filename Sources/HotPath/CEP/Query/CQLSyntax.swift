import PeregrineCore

/// A name with where it was written.
public struct CQLName: Sendable, Equatable {
    public var text: String
    public var location: CQLSourceLocation
    public init(_ text: String, at location: CQLSourceLocation) { self.text = text; self.location = location }
}

/// An arithmetic operator in a value expression.
public enum CQLBinaryOperator: String, Sendable, Equatable {
    case add = "+", subtract = "-", multiply = "*", divide = "/"
}

/// A value expression: a field or column, a literal, a function call, or arithmetic.
public indirect enum CQLExpression: Sendable, Equatable {
    /// `price`, `trades.price`, `vwap` (a derived stream's column).
    case column(qualifier: CQLName?, name: CQLName)
    /// `0.03`, `-2`.
    case number(Double, isInteger: Bool, at: CQLSourceLocation)
    /// `5 SECONDS` (function arguments only).
    case duration(Nanoseconds, at: CQLSourceLocation)
    /// `*` (as in `count(*)`).
    case star(at: CQLSourceLocation)
    /// `vwap(price, quantity)`, `EMA(price, 20)`, `percentile(price, 0.95)`.
    case call(name: CQLName, arguments: [CQLExpression])
    /// `last / first`.
    case binary(CQLBinaryOperator, CQLExpression, CQLExpression, at: CQLSourceLocation)

    /// Where the expression starts.
    public var location: CQLSourceLocation {
        switch self {
        case .column(let q, let n): return q?.location ?? n.location
        case .number(_, _, let at), .duration(_, let at), .star(let at): return at
        case .call(let name, _): return name.location
        case .binary(_, let lhs, _, _): return lhs.location
        }
    }

    /// The expression as CQL text (for plans and messages).
    public var text: String {
        switch self {
        case .column(let q, let n): return q.map { "\($0.text).\(n.text)" } ?? n.text
        case .number(let v, _, _): return CQLFormat.number(v)
        case .duration(let d, _): return CQLFormat.duration(d)
        case .star: return "*"
        case .call(let name, let args): return "\(name.text)(\(args.map(\.text).joined(separator: ", ")))"
        case .binary(let op, let l, let r, _):
            func wrap(_ e: CQLExpression) -> String { if case .binary = e { return "(\(e.text))" } else { return e.text } }
            return "\(wrap(l)) \(op.rawValue) \(wrap(r))"
        }
    }
}

/// `expression op constant` in a `WHERE` clause or a pattern step (the parser turns
/// `constant op expression` around).
public struct CQLComparison: Sendable, Equatable {
    public var lhs: CQLExpression
    public var comparison: CEPComparison
    public var constant: Double
    public var location: CQLSourceLocation
    public init(lhs: CQLExpression, comparison: CEPComparison, constant: Double, location: CQLSourceLocation) {
        self.lhs = lhs; self.comparison = comparison; self.constant = constant; self.location = location
    }
    public var text: String { "\(lhs.text) \(CQLFormat.symbol(comparison)) \(CQLFormat.number(constant))" }
}

/// A window clause: `[RANGE 1 MINUTE SLIDE 10 SECONDS]`, `[ROWS 50]`, `[SESSION 30 SECONDS]`,
/// `[TUMBLING 1 MINUTE]`, each with an optional `CAPACITY n`.
public struct CQLWindowClause: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case range(Nanoseconds, slide: Nanoseconds?)
        case rows(Int, slide: Int?)
        case session(Nanoseconds)
        case tumbling(Nanoseconds)
    }
    public var kind: Kind
    public var capacity: Int?
    public var location: CQLSourceLocation
}

/// `JOIN quotes ON instrument [WITHIN 1 SECOND]`: the latest row of `table` per instrument.
public struct CQLJoinClause: Sendable, Equatable {
    public var table: CQLName
    public var on: CQLName
    public var within: Nanoseconds?
    public var location: CQLSourceLocation
}

/// `expression [AS alias]` in a select list.
public struct CQLSelectItem: Sendable, Equatable {
    public var expression: CQLExpression
    public var alias: CQLName?
}

/// `[INSERT INTO name] SELECT … FROM source [window] [JOIN …] [WHERE …] [GROUP BY key]`.
public struct CQLSelect: Sendable, Equatable {
    public var insertInto: CQLName?
    /// Empty with `star` for `SELECT *`.
    public var items: [CQLSelectItem]
    public var star: Bool
    public var from: CQLName
    public var window: CQLWindowClause?
    public var join: CQLJoinClause?
    public var conditions: [CQLComparison]
    public var groupBy: CQLName?
    public var location: CQLSourceLocation
}

/// One step of a pattern: `quotes(spread > 0.05)`.
public struct CQLPatternStep: Sendable, Equatable {
    public var source: CQLName
    public var conditions: [CQLComparison]
    public var text: String {
        conditions.isEmpty ? source.text : "\(source.text)(\(conditions.map(\.text).joined(separator: " AND ")))"
    }
}

/// A pattern expression.
public enum CQLPatternExpression: Sendable, Equatable {
    /// `A -> B [-> C [-> D]]`.
    case sequence([CQLPatternStep])
    /// `A{n}`.
    case repetition(CQLPatternStep, count: Int)
    /// `A AND NOT B` (also written `A -> NOT B`).
    case absence(trigger: CQLPatternStep, cancel: CQLPatternStep)
}

/// `[INSERT INTO name] PATTERN expression WITHIN duration [GROUP BY key]`.
public struct CQLPatternQuery: Sendable, Equatable {
    public var insertInto: CQLName?
    public var pattern: CQLPatternExpression
    public var within: Nanoseconds
    public var groupBy: CQLName?
    public var location: CQLSourceLocation
}

/// `CREATE STREAM name AS source [WHERE …]`: a named, filtered view of a stream (no operator
/// of its own; its conditions join those of each query reading it).
public struct CQLCreateStream: Sendable, Equatable {
    public var name: CQLName
    public var source: CQLName
    public var conditions: [CQLComparison]
    public var location: CQLSourceLocation
}

/// One statement of a CQL file.
public enum CQLStatement: Sendable, Equatable {
    case createStream(CQLCreateStream)
    case select(CQLSelect)
    case pattern(CQLPatternQuery)

    public var location: CQLSourceLocation {
        switch self {
        case .createStream(let s): return s.location
        case .select(let s): return s.location
        case .pattern(let p): return p.location
        }
    }
}

/// A parsed CQL file.
public struct CQLProgram: Sendable, Equatable {
    public var statements: [CQLStatement]
}

/// Text forms shared by plans and messages.
public enum CQLFormat {
    /// `500`, `0.03`, `-2.5`.
    public static func number(_ v: Double) -> String {
        if v == v.rounded(), Swift.abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    /// The largest exact unit: `1m`, `10s`, `500ms`, `250us`, `7ns`, `1h`.
    public static func duration(_ d: Nanoseconds) -> String {
        let n = d.count
        let units: [(Int64, String)] = [(3_600_000_000_000, "h"), (60_000_000_000, "m"), (1_000_000_000, "s"),
                                        (1_000_000, "ms"), (1_000, "us")]
        for (size, name) in units where n != 0 && n % size == 0 { return "\(n / size)\(name)" }
        return "\(n)ns"
    }

    public static func symbol(_ c: CEPComparison) -> String {
        switch c {
        case .less: return "<"
        case .lessOrEqual: return "<="
        case .equal: return "="
        case .notEqual: return "!="
        case .greaterOrEqual: return ">="
        case .greater: return ">"
        }
    }
}
