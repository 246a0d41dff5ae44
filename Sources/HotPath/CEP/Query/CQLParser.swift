import PeregrineCore

/// A recursive-descent parser for CQL (grammar: docs/CQL.md). Collects every error it can:
/// after an error it skips to the next `;` (or to a token that starts a statement) and goes on.
public struct CQLParser {
    var tokens: [CQLToken]
    var position = 0
    public private(set) var diagnostics: [CQLDiagnostic]

    struct Failure: Error { var diagnostic: CQLDiagnostic }

    /// Parses `source`; the program holds every statement that parsed.
    public static func parse(_ source: String) -> (program: CQLProgram, diagnostics: [CQLDiagnostic]) {
        let (tokens, lexical) = CQLLexer.tokenize(source)
        var parser = CQLParser(tokens: tokens, diagnostics: lexical)
        let program = parser.parseProgram()
        parser.diagnostics.sort { $0.location < $1.location }
        return (program, parser.diagnostics)
    }

    init(tokens: [CQLToken], diagnostics: [CQLDiagnostic]) {
        self.tokens = tokens; self.diagnostics = diagnostics
    }

    // MARK: Token helpers

    var current: CQLToken { tokens[position] }
    var previous: CQLToken { tokens[Swift.max(0, position - 1)] }
    func peek(_ k: Int) -> CQLToken { tokens[Swift.min(tokens.count - 1, position + k)] }
    var atEnd: Bool { current.kind == .endOfInput }

    mutating func advance() { if !atEnd { position += 1 } }

    mutating func accept(keyword: String) -> Bool {
        if current.isKeyword(keyword) { advance(); return true }
        return false
    }
    mutating func accept(symbol: String) -> Bool {
        if current.isSymbol(symbol) { advance(); return true }
        return false
    }

    func fail(_ message: String, at location: CQLSourceLocation? = nil) -> Failure {
        Failure(diagnostic: CQLDiagnostic(location ?? current.location, message))
    }

    /// What the current token is, for messages.
    var found: String {
        switch current.kind {
        case .endOfInput: return "end of file"
        case .number: return "'\(current.text)'"
        case .identifier: return "'\(current.text)'"
        case .symbol: return "'\(current.text)'"
        }
    }

    mutating func expect(keyword: String, _ message: String) throws(Failure) {
        guard accept(keyword: keyword) else { throw fail("\(message), found \(found)") }
    }
    mutating func expect(symbol: String, _ message: String) throws(Failure) {
        guard accept(symbol: symbol) else { throw fail("\(message), found \(found)") }
    }

    static let reserved: Set<String> = ["SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "GROUP", "PARTITION", "BY", "INSERT",
                                        "INTO", "CREATE", "STREAM", "AS", "JOIN", "ON", "WITHIN", "PATTERN"]

    mutating func name(_ what: String) throws(Failure) -> CQLName {
        guard current.kind == .identifier, !Self.reserved.contains(current.text.uppercased()) else {
            throw fail("expected \(what), found \(found)")
        }
        defer { advance() }
        return CQLName(current.text, at: current.location)
    }

    func startsStatement(_ t: CQLToken) -> Bool {
        t.isKeyword("INSERT") || t.isKeyword("CREATE") || t.isKeyword("SELECT") || t.isKeyword("PATTERN")
    }

    // MARK: Statements

    mutating func parseProgram() -> CQLProgram {
        var statements: [CQLStatement] = []
        while !atEnd {
            if accept(symbol: ";") { continue }
            let start = position
            do {
                let s = try statement()
                statements.append(s)
                if !accept(symbol: ";") {
                    diagnostics.append(CQLDiagnostic(previous.end, "expected ';' after the statement, found \(found)"))
                    if !startsStatement(current) { synchronize() }
                }
            } catch {
                diagnostics.append(error.diagnostic)
                synchronize()
                if position == start { advance() }
            }
        }
        return CQLProgram(statements: statements)
    }

    /// Skips to just after the next `;`, or to a token that starts a statement.
    mutating func synchronize() {
        while !atEnd {
            if accept(symbol: ";") { return }
            if startsStatement(current) && position > 0 && !previous.isKeyword("INTO") {
                // A statement keyword right after an error token starts the next statement.
                return
            }
            advance()
        }
    }

    mutating func statement() throws(Failure) -> CQLStatement {
        let start = current.location
        if accept(keyword: "CREATE") {
            try expect(keyword: "STREAM", "expected STREAM after CREATE")
            let n = try name("a stream name after CREATE STREAM")
            try expect(keyword: "AS", "expected AS after CREATE STREAM \(n.text)")
            let source = try name("the stream the new stream reads (e.g. trades)")
            var conditions: [CQLComparison] = []
            if accept(keyword: "WHERE") { conditions = try conditionList() }
            return .createStream(CQLCreateStream(name: n, source: source, conditions: conditions, location: start))
        }
        var insert: CQLName?
        if accept(keyword: "INSERT") {
            try expect(keyword: "INTO", "expected INTO after INSERT")
            insert = try name("a stream name after INSERT INTO")
        }
        if current.isKeyword("SELECT") { return .select(try select(insert, start)) }
        if current.isKeyword("PATTERN") { return .pattern(try pattern(insert, start)) }
        if insert != nil { throw fail("expected SELECT or PATTERN after INSERT INTO \(insert!.text), found \(found)") }
        throw fail("expected a statement (SELECT, PATTERN, INSERT INTO or CREATE STREAM), found \(found)")
    }

    mutating func select(_ insert: CQLName?, _ start: CQLSourceLocation) throws(Failure) -> CQLSelect {
        advance()   // SELECT
        var items: [CQLSelectItem] = []
        var star = false
        if current.isSymbol("*") && peek(1).isKeyword("FROM") {
            advance(); star = true
        } else {
            repeat {
                let e = try expression()
                var alias: CQLName?
                if accept(keyword: "AS") { alias = try name("a column name after AS") }
                items.append(CQLSelectItem(expression: e, alias: alias))
            } while accept(symbol: ",")
        }
        try expect(keyword: "FROM", "expected FROM after the select list")
        let from = try name("a stream name after FROM")
        var window: CQLWindowClause?
        if current.isSymbol("[") { window = try windowClause() }
        var join: CQLJoinClause?
        if current.isKeyword("JOIN") {
            let at = current.location
            advance()
            let table = try name("the stream to join (e.g. quotes) after JOIN")
            try expect(keyword: "ON", "expected ON instrument after JOIN \(table.text)")
            let on = try name("the join key after ON (instrument)")
            var within: Nanoseconds?
            if accept(keyword: "WITHIN") { within = try duration() }
            join = CQLJoinClause(table: table, on: on, within: within, location: at)
        }
        var conditions: [CQLComparison] = []
        if accept(keyword: "WHERE") { conditions = try conditionList() }
        let groupBy = try groupByClause()
        if current.isSymbol("[") {
            throw fail("the window goes right after the stream name: FROM \(from.text) [ … ]")
        }
        return CQLSelect(insertInto: insert, items: items, star: star, from: from, window: window, join: join,
                         conditions: conditions, groupBy: groupBy, location: start)
    }

    mutating func groupByClause() throws(Failure) -> CQLName? {
        if current.isKeyword("GROUP") || current.isKeyword("PARTITION") {
            let word = current.text.uppercased()
            advance()
            try expect(keyword: "BY", "expected BY after \(word)")
            return try name("a key after \(word) BY (instrument)")
        }
        return nil
    }

    mutating func windowClause() throws(Failure) -> CQLWindowClause {
        let at = current.location
        advance()   // [
        let kind: CQLWindowClause.Kind
        if accept(keyword: "RANGE") {
            let size = try duration()
            var slide: Nanoseconds?
            if accept(keyword: "SLIDE") { slide = try duration() }
            kind = .range(size, slide: slide)
        } else if accept(keyword: "ROWS") {
            let n = try integer("a row count after ROWS")
            var slide: Int?
            if accept(keyword: "SLIDE") { slide = try integer("a row count after SLIDE") }
            kind = .rows(n, slide: slide)
        } else if accept(keyword: "SESSION") {
            kind = .session(try duration())
        } else if accept(keyword: "TUMBLING") {
            kind = .tumbling(try duration())
        } else {
            throw fail("expected RANGE, ROWS, SESSION or TUMBLING in the window, found \(found)")
        }
        var capacity: Int?
        if accept(keyword: "CAPACITY") { capacity = try integer("a sample count after CAPACITY") }
        try expect(symbol: "]", "expected ']' to close the window")
        return CQLWindowClause(kind: kind, capacity: capacity, location: at)
    }

    mutating func pattern(_ insert: CQLName?, _ start: CQLSourceLocation) throws(Failure) -> CQLPatternQuery {
        advance()   // PATTERN
        let first = try step()
        let expression: CQLPatternExpression
        if accept(symbol: "{") {
            let n = try integer("a repetition count in '{n}'")
            try expect(symbol: "}", "expected '}' after the repetition count")
            expression = .repetition(first, count: n)
        } else if current.isKeyword("AND") && peek(1).isKeyword("NOT") {
            advance(); advance()
            expression = .absence(trigger: first, cancel: try step())
        } else if current.isSymbol("->") {
            var steps = [first]
            while accept(symbol: "->") {
                if current.isKeyword("NOT") {
                    let notAt = current.location
                    advance()
                    let cancel = try step()
                    guard steps.count == 1 else {
                        throw fail("NOT is only allowed in a two-step pattern: A -> NOT B WITHIN T", at: notAt)
                    }
                    expression = .absence(trigger: first, cancel: cancel)
                    return try finishPattern(insert, expression, start)
                }
                steps.append(try step())
            }
            expression = .sequence(steps)
        } else {
            throw fail("expected '->', '{n}' or AND NOT after the pattern's first step, found \(found)")
        }
        return try finishPattern(insert, expression, start)
    }

    mutating func finishPattern(_ insert: CQLName?, _ e: CQLPatternExpression, _ start: CQLSourceLocation) throws(Failure) -> CQLPatternQuery {
        try expect(keyword: "WITHIN", "expected WITHIN <duration> after the pattern")
        let within = try duration()
        let groupBy = try groupByClause()
        return CQLPatternQuery(insertInto: insert, pattern: e, within: within, groupBy: groupBy, location: start)
    }

    mutating func step() throws(Failure) -> CQLPatternStep {
        let source = try name("a stream name for the pattern step")
        var conditions: [CQLComparison] = []
        if accept(symbol: "(") {
            conditions = try conditionList()
            try expect(symbol: ")", "expected ')' after the step's condition")
        }
        return CQLPatternStep(source: source, conditions: conditions)
    }

    // MARK: Conditions and expressions

    mutating func conditionList() throws(Failure) -> [CQLComparison] {
        var list = [try comparison()]
        while true {
            if accept(keyword: "AND") { list.append(try comparison()); continue }
            if current.isKeyword("OR") {
                throw fail("OR is not supported: conditions are joined with AND (write one query per alternative)")
            }
            return list
        }
    }

    mutating func comparison() throws(Failure) -> CQLComparison {
        let at = current.location
        let lhs = try expression()
        let op: CEPComparison
        switch current.kind == .symbol ? current.text : "" {
        case "<": op = .less
        case "<=": op = .lessOrEqual
        case "=", "==": op = .equal
        case "!=", "<>": op = .notEqual
        case ">=": op = .greaterOrEqual
        case ">": op = .greater
        default: throw fail("expected a comparison operator (<, <=, =, !=, >=, >) after \(lhs.text), found \(found)")
        }
        advance()
        let rhs = try expression()
        if case .number(let v, _, _) = rhs { return CQLComparison(lhs: lhs, comparison: op, constant: v, location: at) }
        if case .number(let v, _, _) = lhs {
            let flipped: CEPComparison
            switch op {
            case .less: flipped = .greater
            case .lessOrEqual: flipped = .greaterOrEqual
            case .greater: flipped = .less
            case .greaterOrEqual: flipped = .lessOrEqual
            default: flipped = op
            }
            return CQLComparison(lhs: rhs, comparison: flipped, constant: v, location: rhs.location)
        }
        throw fail("a comparison needs a constant on one side (e.g. spread > 0.05)", at: at)
    }

    mutating func expression() throws(Failure) -> CQLExpression {
        var lhs = try term()
        while current.isSymbol("+") || current.isSymbol("-") {
            let at = current.location
            let op: CQLBinaryOperator = current.text == "+" ? .add : .subtract
            advance()
            lhs = .binary(op, lhs, try term(), at: at)
        }
        return lhs
    }

    mutating func term() throws(Failure) -> CQLExpression {
        var lhs = try unary()
        while current.isSymbol("*") || current.isSymbol("/") {
            let at = current.location
            let op: CQLBinaryOperator = current.text == "*" ? .multiply : .divide
            advance()
            lhs = .binary(op, lhs, try unary(), at: at)
        }
        return lhs
    }

    mutating func unary() throws(Failure) -> CQLExpression {
        if current.isSymbol("-") && peek(1).kind == .number {
            let at = current.location
            advance()
            let t = current
            advance()
            return .number(-t.number, isInteger: t.isInteger, at: at)
        }
        return try primary()
    }

    mutating func primary() throws(Failure) -> CQLExpression {
        let t = current
        switch t.kind {
        case .number:
            if peek(1).kind == .identifier, Self.unit(peek(1).text) != nil { return .duration(try duration(), at: t.location) }
            advance()
            return .number(t.number, isInteger: t.isInteger, at: t.location)
        case .identifier:
            if Self.reserved.contains(t.text.uppercased()) { throw fail("expected a value, found \(found)") }
            advance()
            let n = CQLName(t.text, at: t.location)
            if accept(symbol: "(") {
                var args: [CQLExpression] = []
                if !current.isSymbol(")") {
                    repeat {
                        if current.isSymbol("*") && (peek(1).isSymbol(")") || peek(1).isSymbol(",")) {
                            args.append(.star(at: current.location)); advance()
                        } else {
                            args.append(try expression())
                        }
                    } while accept(symbol: ",")
                }
                try expect(symbol: ")", "expected ')' after argument list")
                return .call(name: n, arguments: args)
            }
            if accept(symbol: ".") {
                let column = try name("a field name after '\(n.text).'")
                return .column(qualifier: n, name: column)
            }
            return .column(qualifier: nil, name: n)
        case .symbol where t.text == "(":
            advance()
            let e = try expression()
            try expect(symbol: ")", "expected ')' to close the parenthesis")
            return e
        default:
            throw fail("expected a value (a field, a number or a function call), found \(found)")
        }
    }

    mutating func integer(_ what: String) throws(Failure) -> Int {
        guard current.kind == .number, current.isInteger, current.number >= 1, current.number < 1e15 else {
            throw fail("expected \(what) (a positive whole number), found \(found)")
        }
        defer { advance() }
        return Int(current.number)
    }

    /// Nanoseconds per unit, by name (case-insensitive).
    static func unit(_ text: String) -> Int64? {
        switch text.uppercased() {
        case "NS", "NANOSECOND", "NANOSECONDS": return 1
        case "US", "MICROSECOND", "MICROSECONDS": return 1_000
        case "MS", "MILLISECOND", "MILLISECONDS": return 1_000_000
        case "S", "SEC", "SECOND", "SECONDS": return 1_000_000_000
        case "MIN", "MINUTE", "MINUTES": return 60_000_000_000
        case "H", "HOUR", "HOURS": return 3_600_000_000_000
        default: return nil
        }
    }

    mutating func duration() throws(Failure) -> Nanoseconds {
        let at = current.location
        guard current.kind == .number else {
            throw fail("expected a duration (e.g. 5 SECONDS), found \(found)")
        }
        let v = current.number
        advance()
        guard current.kind == .identifier, let unit = Self.unit(current.text) else {
            throw fail("expected a time unit (NANOSECONDS, MICROSECONDS, MILLISECONDS, SECONDS, MINUTES, HOURS) after \(CQLFormat.number(v)), found \(found)")
        }
        advance()
        let ns = v * Double(unit)
        guard ns >= 1, ns < 9e18, ns == ns.rounded() else {
            throw fail("a duration must be a positive whole number of nanoseconds", at: at)
        }
        return Nanoseconds(Int64(ns))
    }
}
