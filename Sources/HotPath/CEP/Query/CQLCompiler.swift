#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import PeregrineCore

/// Start-up settings of a compiled query set.
public struct CQLOptions: Sendable, Equatable {
    /// Partitions of `GROUP BY instrument` operators: instrument indexes 0..<instruments.
    public var instruments: Int
    /// The id of the first output stream (streams are numbered densely in statement order);
    /// give each query set its own range when several share an output buffer.
    public var firstStreamId: UInt16
    /// Samples per partition of a time or session window without `CAPACITY`.
    public var defaultWindowCapacity: Int

    public init(instruments: Int = 1, firstStreamId: UInt16 = 1, defaultWindowCapacity: Int = 1_024) {
        self.instruments = instruments; self.firstStreamId = firstStreamId; self.defaultWindowCapacity = defaultWindowCapacity
    }
}

/// The continuous query language: parse and compile CQL into a `CQLQuerySet` (docs/CQL.md).
public enum CQL {
    /// Parses `source` into statements with source positions; errors are returned, not thrown.
    public static func parse(_ source: String) -> (program: CQLProgram, diagnostics: [CQLDiagnostic]) {
        CQLParser.parse(source)
    }

    /// Parses and compiles `source` (`file` names it in messages and the plan). Allocates
    /// every operator; throws every error found, in source order.
    public static func compile(_ source: String, file: String = "<input>", options: CQLOptions = CQLOptions()) throws(CQLError) -> CQLQuerySet {
        let (program, parseErrors) = CQLParser.parse(source)
        var compiler = CQLCompiler(options: options, file: file)
        if options.instruments < 1 {
            throw CQLError(file: file, source: source, diagnostics: [CQLDiagnostic(CQLSourceLocation(line: 1, column: 1), "the query set needs at least one instrument (instruments = \(options.instruments))")])
        }
        // Names of statements that failed to parse are known, so readers do not cascade errors.
        compiler.declarePoisoned(source: source, diagnostics: parseErrors)
        compiler.compile(program)
        var all = parseErrors + compiler.diagnostics
        all.sort { $0.location < $1.location }
        if !all.isEmpty { throw CQLError(file: file, source: source, diagnostics: all) }
        return compiler.finish()
    }

    /// Reads and compiles the file at `path`.
    public static func compile(contentsOf path: String, options: CQLOptions = CQLOptions()) throws(CQLError) -> CQLQuerySet {
        guard let source = readText(path) else {
            throw CQLError(file: path, source: "", diagnostics: [CQLDiagnostic(CQLSourceLocation(line: 0, column: 0), "cannot read the file (errno \(errno)); check the path")])
        }
        return try compile(source, file: path, options: options)
    }

    /// The whole file as UTF-8 text, or nil (stdio; no Foundation).
    public static func readText(_ path: String) -> String? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count {
                if ferror(file) != 0 { return nil }
                break
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// AST → operators. One error per failing statement; later statements are still checked.
struct CQLCompiler {
    struct Failure: Error { var diagnostic: CQLDiagnostic }

    /// What a stream name refers to.
    enum Source {
        /// Market events of `kind` (nil: all), with a view's conditions.
        case market(kind: MarketEventKind?, conditions: [CQLComparison], base: String)
        /// Results of output stream `index`, with a view's conditions.
        case derived(index: Int, conditions: [CQLComparison])
        /// A statement that failed: readers are not checked further.
        case poisoned
    }

    let options: CQLOptions
    let file: String
    var diagnostics: [CQLDiagnostic] = []
    var sources: [String: (source: Source, location: CQLSourceLocation?)] = [:]
    var set: CQLQuerySet
    var streams: [CQLStreamInfo] = []
    var slots: [CQLQuerySet.Slot] = []
    var consumersByStream: [[CQLQuerySet.Slot]] = []
    var plan: [[String]] = []
    var readers: [[String]] = []
    var marketOperators = 0, derivedOperators = 0

    static let builtIns: [(String, MarketEventKind?)] = [("trades", .trade), ("quotes", .quote), ("depth", .depth),
                                                         ("bars", .bar), ("market", nil)]

    init(options: CQLOptions, file: String) {
        self.options = options; self.file = file
        set = CQLQuerySet(file: file, options: options, streams: [], planLines: [])
        for (name, kind) in Self.builtIns { sources[name] = (.market(kind: kind, conditions: [], base: name), nil) }
    }

    func fail(_ message: String, at location: CQLSourceLocation) -> Failure {
        Failure(diagnostic: CQLDiagnostic(location, message))
    }

    /// Marks `INSERT INTO x` / `CREATE STREAM x` names of statements with parse errors.
    mutating func declarePoisoned(source: String, diagnostics: [CQLDiagnostic]) {
        guard !diagnostics.isEmpty else { return }
        let (tokens, _) = CQLLexer.tokenize(source)
        for i in tokens.indices.dropLast(2) {
            let isInsert = tokens[i].isKeyword("INSERT") && tokens[i + 1].isKeyword("INTO")
            let isCreate = tokens[i].isKeyword("CREATE") && tokens[i + 1].isKeyword("STREAM")
            if (isInsert || isCreate) && tokens[i + 2].kind == .identifier {
                poisonedNames.insert(tokens[i + 2].text)
            }
        }
    }
    var poisonedNames: Set<String> = []

    mutating func compile(_ program: CQLProgram) {
        for (n, statement) in program.statements.enumerated() {
            do {
                switch statement {
                case .createStream(let c): try createStream(c)
                case .select(let s): try select(s, number: n + 1)
                case .pattern(let p): try pattern(p, number: n + 1)
                }
            } catch let failure as Failure {
                diagnostics.append(failure.diagnostic)
                switch statement {
                case .createStream(let c): poison(c.name.text)
                case .select(let s): if let n = s.insertInto { poison(n.text) }
                case .pattern(let p): if let n = p.insertInto { poison(n.text) }
                }
            } catch {
                diagnostics.append(CQLDiagnostic(statement.location, "internal error: \(error)"))
            }
        }
    }

    mutating func poison(_ name: String) {
        if sources[name] == nil { sources[name] = (.poisoned, nil) }
    }

    // MARK: Names

    mutating func declare(_ name: CQLName, _ source: Source) throws {
        if let existing = sources[name.text] {
            if case .poisoned = existing.source { sources[name.text] = (source, name.location); return }
            if let at = existing.location {
                throw fail("stream '\(name.text)' is already defined at \(at)", at: name.location)
            }
            throw fail("'\(name.text)' is a built-in stream; choose another name", at: name.location)
        }
        sources[name.text] = (source, name.location)
    }

    struct PoisonedRead: Error {}

    func lookup(_ name: CQLName) throws -> Source {
        if let s = sources[name.text] {
            if case .poisoned = s.source { throw PoisonedRead() }
            return s.source
        }
        if poisonedNames.contains(name.text) { throw PoisonedRead() }
        let known = (Self.builtIns.map(\.0) + sources.keys.filter { k in !Self.builtIns.contains { $0.0 == k } }.sorted())
        throw fail("unknown stream '\(name.text)' (known: \(known.joined(separator: ", "))); a stream must be defined before it is read", at: name.location)
    }

    mutating func createStream(_ c: CQLCreateStream) throws {
        let base: Source
        do { base = try lookup(c.source) } catch is PoisonedRead { poison(c.name.text); return }
        switch base {
        case .market(let kind, let conditions, let baseName):
            let all = conditions + c.conditions
            _ = try marketCondition(kind: kind, all, streamName: baseName)   // check now
            try declare(c.name, .market(kind: kind, conditions: all, base: baseName))
        case .derived(let index, let conditions):
            let all = conditions + c.conditions
            _ = try outputCondition(index, all)
            try declare(c.name, .derived(index: index, conditions: all))
        case .poisoned:
            poison(c.name.text)
        }
    }

    // MARK: Fields and columns

    struct FieldInfo { var name: String; var field: MarketField; var kinds: [MarketEventKind] }

    static let fields: [FieldInfo] = [
        FieldInfo(name: "price", field: .price, kinds: [.trade, .depth]),
        FieldInfo(name: "quantity", field: .quantity, kinds: [.trade, .depth]),
        FieldInfo(name: "notional", field: .notional, kinds: [.trade, .depth]),
        FieldInfo(name: "bid_price", field: .bidPrice, kinds: [.quote]),
        FieldInfo(name: "ask_price", field: .askPrice, kinds: [.quote]),
        FieldInfo(name: "bid_quantity", field: .bidQuantity, kinds: [.quote]),
        FieldInfo(name: "ask_quantity", field: .askQuantity, kinds: [.quote]),
        FieldInfo(name: "mid", field: .mid, kinds: [.quote]),
        FieldInfo(name: "spread", field: .spread, kinds: [.quote]),
        FieldInfo(name: "imbalance", field: .imbalance, kinds: [.quote]),
        FieldInfo(name: "open", field: .open, kinds: [.bar]),
        FieldInfo(name: "high", field: .high, kinds: [.bar]),
        FieldInfo(name: "low", field: .low, kinds: [.bar]),
        FieldInfo(name: "close", field: .close, kinds: [.bar]),
        FieldInfo(name: "volume", field: .volume, kinds: [.bar]),
        FieldInfo(name: "time", field: .timeSeconds, kinds: [.trade, .quote, .depth, .bar, .status, .clearBook]),
    ]
    static let fieldAliases: [String: String] = ["bid": "bid_price", "ask": "ask_price", "bid_size": "bid_quantity",
                                                 "ask_size": "ask_quantity", "size": "quantity"]

    static func fieldInfo(_ name: String) -> FieldInfo? {
        let lower = name.lowercased()
        let canonical = fieldAliases[lower] ?? lower
        return fields.first { $0.name == canonical }
    }

    static func fieldName(_ f: MarketField) -> String {
        fields.first { $0.field == f }?.name ?? "\(f)"
    }

    static func kindName(_ kind: MarketEventKind?) -> String {
        switch kind {
        case .trade: return "trades"
        case .quote: return "quotes"
        case .depth: return "depth"
        case .bar: return "bars"
        case .status: return "status"
        case .clearBook: return "clear-book"
        case nil: return "market"
        }
    }

    static func fieldsOf(_ kind: MarketEventKind?) -> String {
        fields.filter { kind == nil || $0.kinds.contains(kind!) }.map(\.name).joined(separator: ", ")
    }

    /// A market field read from events of `kind`.
    func marketField(_ e: CQLExpression, kind: MarketEventKind?, streamName: String) throws -> MarketField {
        switch e {
        case .column(_, let name):
            guard let info = Self.fieldInfo(name.text) else {
                throw fail("unknown field '\(name.text)' of \(streamName) (fields: \(Self.fieldsOf(kind)))", at: name.location)
            }
            if let k = kind, !info.kinds.contains(k) {
                throw fail("field '\(info.name)' is not defined on \(streamName) (fields: \(Self.fieldsOf(kind)))", at: name.location)
            }
            return info.field
        case .binary(_, _, _, let at):
            throw fail("arithmetic on market fields is not supported; use a field (\(Self.fieldsOf(kind))) or compute it on a derived stream", at: at)
        default:
            throw fail("expected a field of \(streamName) (\(Self.fieldsOf(kind))), found \(e.text)", at: e.location)
        }
    }

    func operand(_ e: CQLExpression, _ info: CQLStreamInfo) throws -> OutputOperand {
        switch e {
        case .column(let qualifier, let name):
            if let q = qualifier, q.text != info.name {
                throw fail("'\(q.text)' is not the stream read here (\(info.name))", at: q.location)
            }
            guard let i = info.columns.firstIndex(where: { $0.lowercased() == name.text.lowercased() }) else {
                let cols = info.columns.isEmpty ? "it has no columns" : "columns: \(info.columns.joined(separator: ", "))"
                throw fail("unknown column '\(name.text)' of \(info.name) (\(cols))", at: name.location)
            }
            return .column(i)
        case .number(let v, _, _):
            return .constant(v)
        default:
            throw fail("expected a column of \(info.name) or a number, found \(e.text)", at: e.location)
        }
    }

    /// A value of a derived stream: a column, or one arithmetic operation.
    func outputExpression(_ e: CQLExpression, _ info: CQLStreamInfo) throws -> OutputExpression {
        if case .binary(let op, let l, let r, let at) = e {
            if case .binary = l { throw fail("only one arithmetic operator per value (e.g. last / first)", at: l.location) }
            if case .binary = r { throw fail("only one arithmetic operator per value (e.g. last / first)", at: r.location) }
            let operation: OutputArithmetic
            switch op {
            case .add: operation = .add
            case .subtract: operation = .subtract
            case .multiply: operation = .multiply
            case .divide: operation = .divide
            }
            _ = at
            return OutputExpression(lhs: try operand(l, info), operation: operation, rhs: try operand(r, info))
        }
        let o = try operand(e, info)
        if o.column < 0 { throw fail("expected a column of \(info.name), found the constant \(e.text)", at: e.location) }
        return OutputExpression(lhs: o)
    }

    func marketCondition(kind: MarketEventKind?, _ comparisons: [CQLComparison], streamName: String) throws -> MarketCondition {
        var c = MarketCondition(kind: kind)
        for (i, cmp) in comparisons.enumerated() {
            let f = try marketField(cmp.lhs, kind: kind, streamName: streamName)
            if i >= 2 {
                throw fail("a condition on market events holds at most two comparisons (including those of the stream's CREATE STREAM); split the query or move one into a view of a derived stream", at: cmp.location)
            }
            c = c.and(f, cmp.comparison, cmp.constant)
        }
        return c
    }

    func outputCondition(_ index: Int, _ comparisons: [CQLComparison]) throws -> OutputCondition {
        let info = streams[index]
        var c = OutputCondition(stream: info.id)
        for (i, cmp) in comparisons.enumerated() {
            let e = try outputExpression(cmp.lhs, info)
            if i >= 2 {
                throw fail("a condition on a derived stream holds at most two comparisons (including those of the stream's CREATE STREAM)", at: cmp.location)
            }
            c = c.and(e, cmp.comparison, cmp.constant)
        }
        return c
    }

    // MARK: Statements

    /// Whether `groupBy` asks for per-instrument partitions (only `instrument` is a key).
    func grouped(_ groupBy: CQLName?) throws -> Bool {
        guard let g = groupBy else { return false }
        guard g.text.lowercased() == "instrument" else {
            throw fail("only GROUP BY instrument is supported (derived streams keep the instrument of the result they came from)", at: g.location)
        }
        return true
    }

    mutating func newStream(_ insert: CQLName?, number: Int, columns: [String], kind: CEPOutputKind,
                            location: CQLSourceLocation, market: Bool) throws -> StreamId {
        let raw = Int(options.firstStreamId) + streams.count
        guard raw <= Int(UInt16.max) else { throw fail("too many streams for firstStreamId \(options.firstStreamId)", at: location) }
        var seen: Set<String> = []
        for c in columns where !seen.insert(c.lowercased()).inserted {
            throw fail("duplicate column name '\(c)'; name the columns with AS", at: location)
        }
        let id = StreamId(rawValue: UInt16(raw))
        let info = CQLStreamInfo(name: insert?.text ?? "_\(number)", isNamed: insert != nil, id: id, columns: columns,
                                 kind: kind, location: location, readsMarketEvents: market)
        if let n = insert { try declare(n, .derived(index: streams.count, conditions: [])) }
        streams.append(info)
        consumersByStream.append([])
        readers.append([])
        return id
    }

    mutating func register(_ slot: CQLQuerySet.Slot, reads: [Int], plan lines: [String]) {
        slots.append(slot)
        switch slot.kind {
        case .marketFilter, .marketWindow, .marketEMA, .marketJoin, .marketSequence, .marketRepetition, .marketAbsence:
            set.marketSchedule.append(slot)
            marketOperators += 1
        default:
            set.derivedSchedule.append(slot)
            derivedOperators += 1
            for r in Set(reads).sorted() {
                consumersByStream[r].append(slot)
                readers[r].append(streams.last!.name)
            }
        }
        plan.append(lines)
    }

    func header(_ id: StreamId, _ name: String, _ what: String, _ at: CQLSourceLocation) -> String {
        "\(id) \(name) <- \(what)  (line \(at.line))"
    }

    func describe(_ source: String, _ base: String, _ conditionText: String) -> String {
        let id = streams.first { $0.name == base }.map { " \($0.id)" } ?? ""
        return "  reads   \(source == base ? source : "\(source) (view of \(base))")\(id)\(conditionText.isEmpty ? "" : " where \(conditionText)")"
    }

    static func conditionText(_ kind: MarketEventKind?, _ comparisons: [CQLComparison]) -> String {
        var parts: [String] = []
        if let k = kind { parts.append("kind = \(k)") }
        parts += comparisons.map(\.text)
        return parts.joined(separator: " AND ")
    }

    func keyText(_ grouped: Bool) -> String {
        grouped ? "  key     instrument (\(options.instruments) partitions)" : "  key     none (1 partition)"
    }

    static func columnsText(_ columns: [String], _ exprs: [String]) -> String {
        if columns.isEmpty { return "  emits   no values" }
        return "  emits   " + zip(columns.indices, zip(columns, exprs)).map { i, p in
            p.0 == p.1 ? "[\(i)] \(p.0)" : "[\(i)] \(p.0) = \(p.1)"
        }.joined(separator: ", ")
    }

    // MARK: SELECT

    mutating func select(_ s: CQLSelect, number: Int) throws {
        let source: Source
        do { source = try lookup(s.from) } catch is PoisonedRead {
            if let n = s.insertInto { poison(n.text) }
            return
        }
        let isGrouped = try grouped(s.groupBy)
        if let join = s.join { return try self.join(s, join, source, number: number) }
        if s.items.count > CEPOutput.maxValues {
            throw fail("a query emits at most \(CEPOutput.maxValues) values; this one asks for \(s.items.count)", at: s.items[CEPOutput.maxValues].expression.location)
        }
        var emaItem: CQLSelectItem?
        var aggregateCount = 0
        for item in s.items {
            if case .call(let name, _) = item.expression {
                if name.text.lowercased() == "ema" { emaItem = item } else { aggregateCount += 1 }
            }
        }
        if let ema = emaItem {
            guard s.items.count == 1 else {
                throw fail("EMA(...) is a query of its own: SELECT EMA(price, 20) FROM … (it emits the average and the deviation from it)", at: ema.expression.location)
            }
            if let w = s.window { throw fail("EMA(...) needs no window; remove it", at: w.location) }
            return try self.ema(s, ema, source, isGrouped, number: number)
        }
        if let w = s.window {
            if s.star { throw fail("a windowed query needs aggregates (e.g. SELECT vwap(price, quantity)), not *", at: s.from.location) }
            return try window(s, w, source, isGrouped, number: number)
        }
        if aggregateCount > 0, let first = s.items.first(where: { if case .call = $0.expression { return true } else { return false } }) {
            throw fail("aggregate '\(first.expression.text)' needs a window: add one after FROM \(s.from.text), e.g. [RANGE 1 MINUTE] or [ROWS 50]", at: first.expression.location)
        }
        try filterProject(s, source, isGrouped, number: number)
    }

    func itemName(_ item: CQLSelectItem) -> String {
        if let a = item.alias { return a.text }
        switch item.expression {
        case .column(_, let n): return n.text
        case .call(let name, let args):
            let f = name.text.lowercased()
            if f == "percentile", args.count == 2, case .number(let q, _, _) = args[1], (q * 100).rounded() == q * 100 {
                return "p\(CQLFormat.number(q * 100))"
            }
            return f
        default: return item.expression.text
        }
    }

    mutating func filterProject(_ s: CQLSelect, _ source: Source, _ isGrouped: Bool, number: Int) throws {
        let partitions = isGrouped ? options.instruments : 1
        switch source {
        case .market(let kind, let viewConditions, let base):
            if s.star { throw fail("SELECT * is for derived streams; name the fields of \(s.from.text) (\(Self.fieldsOf(kind)))", at: s.from.location) }
            let fields = try s.items.map { try marketField($0.expression, kind: kind, streamName: s.from.text) }
            let all = viewConditions + s.conditions
            let condition = try marketCondition(kind: kind, all, streamName: s.from.text)
            let columns = s.items.map(itemName)
            let id = try newStream(s.insertInto, number: number, columns: columns, kind: .value, location: s.location, market: true)
            set.marketFilters.append(CQLQuerySet.MarketFilterProject(stream: id, partitions: partitions, key: MarketGrouping(byInstrument: isGrouped),
                                                                     filter: condition, projections: fields))
            register(.init(kind: .marketFilter, index: set.marketFilters.count - 1), reads: [], plan: [
                header(id, streams.last!.name, "FilterProjectOperator", s.location),
                describe(s.from.text, base, Self.conditionText(kind, all)), keyText(isGrouped),
                Self.columnsText(columns, fields.map(Self.fieldName)),
            ])
        case .derived(let index, let viewConditions):
            let info = streams[index]
            let exprs: [OutputExpression]
            let columns: [String]
            let texts: [String]
            if s.star {
                exprs = info.columns.indices.map { OutputExpression.column($0) }
                columns = info.columns; texts = info.columns
            } else {
                exprs = try s.items.map { try outputExpression($0.expression, info) }
                columns = s.items.map(itemName); texts = s.items.map(\.expression.text)
            }
            let all = viewConditions + s.conditions
            let condition = try outputCondition(index, all)
            let id = try newStream(s.insertInto, number: number, columns: columns, kind: .value, location: s.location, market: false)
            set.derivedFilters.append(CQLQuerySet.DerivedFilterProject(stream: id, partitions: partitions, key: OutputGrouping(byPartition: isGrouped),
                                                                       filter: condition, projections: exprs))
            register(.init(kind: .derivedFilter, index: set.derivedFilters.count - 1), reads: [index], plan: [
                header(id, streams.last!.name, "FilterProjectOperator", s.location),
                describe(s.from.text, info.name, all.map(\.text).joined(separator: " AND ")), keyText(isGrouped),
                Self.columnsText(columns, texts),
            ])
        case .poisoned: return
        }
    }

    // MARK: EMA

    mutating func ema(_ s: CQLSelect, _ item: CQLSelectItem, _ source: Source, _ isGrouped: Bool, number: Int) throws {
        guard case .call(let name, let args) = item.expression else { return }
        guard args.count == 2 else {
            throw fail("EMA takes a value and a span or time constant: EMA(price, 20) or EMA(mid, 5 SECONDS)", at: name.location)
        }
        let smoothing: EMASmoothing
        switch args[1] {
        case .number(let n, true, _) where n >= 1 && n < 1e9: smoothing = .span(Int(n))
        case .duration(let d, _): smoothing = .timeConstant(d)
        default:
            throw fail("EMA's second argument is a span (a whole number of events ≥ 1) or a time constant (e.g. 5 SECONDS), found \(args[1].text)", at: args[1].location)
        }
        let smoothingText: String
        switch smoothing {
        case .span(let n): smoothingText = "span \(n) events (alpha = 2/(n+1))"
        case .timeConstant(let d): smoothingText = "time constant \(CQLFormat.duration(d)) (alpha = 1 - exp(-dt/tau))"
        }
        let partitions = isGrouped ? options.instruments : 1
        let columns = [item.alias?.text ?? "ema", "deviation"]
        switch source {
        case .market(let kind, let viewConditions, let base):
            let field = try marketField(args[0], kind: kind, streamName: s.from.text)
            let all = viewConditions + s.conditions
            let condition = try marketCondition(kind: kind, all, streamName: s.from.text)
            let id = try newStream(s.insertInto, number: number, columns: columns, kind: .value, location: s.location, market: true)
            set.marketEMAs.append(CQLQuerySet.MarketEMA(stream: id, smoothing: smoothing, partitions: partitions,
                                                        key: MarketGrouping(byInstrument: isGrouped), filter: condition, value: field))
            register(.init(kind: .marketEMA, index: set.marketEMAs.count - 1), reads: [], plan: [
                header(id, streams.last!.name, "MovingAverageOperator \(smoothingText)", s.location),
                describe(s.from.text, base, Self.conditionText(kind, all)), keyText(isGrouped),
                Self.columnsText(columns, ["ema(\(Self.fieldName(field)))", "\(Self.fieldName(field)) - ema"]),
            ])
        case .derived(let index, let viewConditions):
            let info = streams[index]
            let value = try outputExpression(args[0], info)
            let all = viewConditions + s.conditions
            let condition = try outputCondition(index, all)
            let id = try newStream(s.insertInto, number: number, columns: columns, kind: .value, location: s.location, market: false)
            set.derivedEMAs.append(CQLQuerySet.DerivedEMA(stream: id, smoothing: smoothing, partitions: partitions,
                                                          key: OutputGrouping(byPartition: isGrouped), filter: condition, value: value))
            register(.init(kind: .derivedEMA, index: set.derivedEMAs.count - 1), reads: [index], plan: [
                header(id, streams.last!.name, "MovingAverageOperator \(smoothingText)", s.location),
                describe(s.from.text, info.name, all.map(\.text).joined(separator: " AND ")), keyText(isGrouped),
                Self.columnsText(columns, ["ema(\(args[0].text))", "\(args[0].text) - ema"]),
            ])
        case .poisoned: return
        }
    }

    // MARK: Windows

    /// Aggregates of a window: all read one value (and VWAP / sum of a second field, one weight).
    struct WindowAggregates<P: Equatable> {
        var aggregates: [CEPAggregate] = []
        var value: P?
        var weight: P?
        var texts: [String] = []
    }

    func windowAggregates<P: Equatable>(_ s: CQLSelect, resolve: (CQLExpression) throws -> P, defaultVWAP: (() throws -> (P, P))?,
                                        describe: (P) -> String) throws -> WindowAggregates<P> {
        var r = WindowAggregates<P>()
        var valueFrom = ""
        func setValue(_ p: P, _ e: CQLExpression, _ at: CQLSourceLocation) throws {
            if let v = r.value, v != p {
                throw fail("every aggregate of one window reads the same value: \(e.text) here, \(valueFrom) before (sum() of a second field works when it is the VWAP weight; otherwise write two queries)", at: at)
            }
            if r.value == nil { r.value = p; valueFrom = e.text }
        }
        // Pass 1: functions, their value and weight.
        var pending: [(Int, CQLExpression, CQLSourceLocation)] = []   // sum(x): value or weight, decided after
        var kinds: [CEPAggregate?] = []
        for (i, item) in s.items.enumerated() {
            guard case .call(let name, let args) = item.expression else {
                throw fail("in a windowed query every value is an aggregate (e.g. avg(price), vwap(price, quantity)); '\(item.expression.text)' is not", at: item.expression.location)
            }
            let f = name.text.lowercased()
            func one() throws -> CQLExpression {
                guard args.count == 1 else { throw fail("\(f) takes one argument: \(f)(price)", at: name.location) }
                return args[0]
            }
            var kind: CEPAggregate?
            switch f {
            case "count":
                guard args.count <= 1 else { throw fail("count takes * or nothing: count(*)", at: name.location) }
                kind = .count
            case "sum":
                pending.append((i, try one(), name.location))
            case "avg", "mean": kind = .mean
            case "min": kind = .min
            case "max": kind = .max
            case "first": kind = .first
            case "last": kind = .last
            case "variance", "var": kind = .variance
            case "stddev", "std": kind = .standardDeviation
            case "zscore": kind = .zScore
            case "percentile", "median":
                let q: Double
                if f == "median" {
                    _ = try one(); q = 0.5
                } else {
                    guard args.count == 2, case .number(let v, _, _) = args[1], v >= 0, v <= 1 else {
                        throw fail("percentile takes a value and a quantile in 0...1: percentile(price, 0.95)", at: name.location)
                    }
                    q = v
                }
                kind = .percentile(q)
            case "vwap":
                let (p, w): (P, P)
                if args.isEmpty, let d = defaultVWAP {
                    (p, w) = try d()
                } else {
                    guard args.count == 2 else { throw fail("vwap takes a price and a weight: vwap(price, quantity)", at: name.location) }
                    (p, w) = (try resolve(args[0]), try resolve(args[1]))
                }
                try setValue(p, args.first ?? item.expression, args.first?.location ?? name.location)
                if let existing = r.weight, existing != w {
                    throw fail("one window has one weight: \(describe(w)) here, \(describe(existing)) before", at: args.count > 1 ? args[1].location : name.location)
                }
                r.weight = w
                kind = .vwap
            case "ema":
                throw fail("EMA(...) is a query of its own", at: name.location)
            default:
                throw fail("unknown aggregate '\(name.text)' (count, sum, avg, min, max, first, last, stddev, variance, vwap, zscore, percentile, median)", at: name.location)
            }
            if let k = kind, k != .count, k != .vwap {
                let arg = args[0]
                if case .star = arg { throw fail("\(f)(*) is not defined; give a value: \(f)(price)", at: arg.location) }
                try setValue(try resolve(arg), arg, arg.location)
            }
            kinds.append(kind)
        }
        // Pass 2: sums read the value, or the weight.
        for (i, arg, _) in pending {
            let p = try resolve(arg)
            if r.value == nil { r.value = p; valueFrom = arg.text }
            if r.value == p {
                kinds[i] = .sum
            } else if r.weight == nil || r.weight == p {
                r.weight = p
                kinds[i] = .sumOfWeights
            } else {
                throw fail("sum(\(arg.text)) reads neither the window's value (\(valueFrom)) nor its weight (\(describe(r.weight!)))", at: arg.location)
            }
        }
        r.aggregates = kinds.map { $0! }
        for (k, item) in zip(r.aggregates, s.items) {
            switch k {
            case .sumOfWeights: r.texts.append("\(item.expression.text) (sum of weights)")
            default: r.texts.append(item.expression.text)
            }
        }
        return r
    }

    mutating func window(_ s: CQLSelect, _ w: CQLWindowClause, _ source: Source, _ isGrouped: Bool, number: Int) throws {
        let spec: WindowSpec
        var capacity = w.capacity ?? options.defaultWindowCapacity
        let specText: String
        switch w.kind {
        case .range(let size, nil):
            spec = .slidingTime(size: size); specText = "sliding \(CQLFormat.duration(size)) (emits on every event)"
        case .range(let size, let slide?):
            guard slide <= size else { throw fail("SLIDE (\(CQLFormat.duration(slide))) must not exceed RANGE (\(CQLFormat.duration(size)))", at: w.location) }
            if slide == size {
                spec = .tumblingTime(size: size); specText = "tumbling \(CQLFormat.duration(size))"
            } else {
                spec = .hoppingTime(size: size, slide: slide); specText = "hopping \(CQLFormat.duration(size)) every \(CQLFormat.duration(slide))"
            }
        case .tumbling(let size):
            spec = .tumblingTime(size: size); specText = "tumbling \(CQLFormat.duration(size))"
        case .session(let gap):
            spec = .session(gap: gap); specText = "session, gap \(CQLFormat.duration(gap))"
        case .rows(let n, let slide):
            let k = slide ?? 1
            guard k <= n else { throw fail("SLIDE (\(k) rows) must not exceed ROWS (\(n))", at: w.location) }
            spec = .count(size: n, slide: k)
            specText = k == 1 ? "last \(n) rows (emits on every event once full)" : "last \(n) rows, every \(k) rows"
            if let c = w.capacity, c < n { throw fail("CAPACITY (\(c)) must hold the \(n) rows", at: w.location) }
            capacity = w.capacity ?? n
        }
        guard capacity >= 1 else { throw fail("CAPACITY must be positive", at: w.location) }
        let partitions = isGrouped ? options.instruments : 1
        let columns = s.items.map(itemName)
        let title = "WindowOperator \(specText), capacity \(capacity)"
        switch source {
        case .market(let kind, let viewConditions, let base):
            let streamName = s.from.text
            let defaultVWAP: (() throws -> (MarketField, MarketField))? =
                kind == .trade || kind == .depth ? { (.price, .quantity) } : nil
            let a = try windowAggregates(s, resolve: { try self.marketField($0, kind: kind, streamName: streamName) },
                                         defaultVWAP: defaultVWAP, describe: Self.fieldName)
            let all = viewConditions + s.conditions
            let condition = try marketCondition(kind: kind, all, streamName: streamName)
            let id = try newStream(s.insertInto, number: number, columns: columns, kind: .window, location: s.location, market: true)
            let value = a.value ?? .one, weight = a.weight ?? .one
            set.marketWindows.append(CQLQuerySet.MarketWindow(stream: id, spec: spec, aggregates: a.aggregates, partitions: partitions,
                                                              capacity: capacity, key: MarketGrouping(byInstrument: isGrouped),
                                                              filter: condition, value: value, weight: weight))
            register(.init(kind: .marketWindow, index: set.marketWindows.count - 1), reads: [], plan: [
                header(id, streams.last!.name, title, s.location),
                describe(s.from.text, base, Self.conditionText(kind, all)), keyText(isGrouped),
                "  value   \(a.value.map(Self.fieldName) ?? "none")\(a.weight.map { ", weight \(Self.fieldName($0))" } ?? "")",
                Self.columnsText(columns, a.texts),
            ])
        case .derived(let index, let viewConditions):
            let info = streams[index]
            var texts: [(OutputExpression, String)] = []
            let a = try windowAggregates(s, resolve: { e in
                let x = try self.outputExpression(e, info)
                texts.append((x, e.text))
                return x
            }, defaultVWAP: nil, describe: { x in texts.first { $0.0 == x }?.1 ?? "another value" })
            let valueText = a.value.flatMap { v in texts.first { $0.0 == v }?.1 }
            let weightText = a.weight.flatMap { w in texts.first { $0.0 == w }?.1 }
            let all = viewConditions + s.conditions
            let condition = try outputCondition(index, all)
            let id = try newStream(s.insertInto, number: number, columns: columns, kind: .window, location: s.location, market: false)
            set.derivedWindows.append(CQLQuerySet.DerivedWindow(stream: id, spec: spec, aggregates: a.aggregates, partitions: partitions,
                                                                capacity: capacity, key: OutputGrouping(byPartition: isGrouped), filter: condition,
                                                                value: a.value ?? .constant(1), weight: a.weight ?? .constant(1)))
            register(.init(kind: .derivedWindow, index: set.derivedWindows.count - 1), reads: [index], plan: [
                header(id, streams.last!.name, title, s.location),
                describe(s.from.text, info.name, all.map(\.text).joined(separator: " AND ")), keyText(isGrouped),
                "  value   \(valueText ?? "none")\(weightText.map { ", weight \($0)" } ?? "")",
                Self.columnsText(columns, a.texts),
            ])
        case .poisoned: return
        }
    }

    // MARK: Join

    mutating func join(_ s: CQLSelect, _ j: CQLJoinClause, _ source: Source, number: Int) throws {
        guard case .market(let streamKind, let streamViews, let streamBase) = source else {
            throw fail("JOIN reads market streams only (e.g. trades JOIN quotes); \(s.from.text) is a derived stream", at: s.from.location)
        }
        let table: Source
        do { table = try lookup(j.table) } catch is PoisonedRead { if let n = s.insertInto { poison(n.text) }; return }
        guard case .market(let tableKind, let tableViews, let tableBase) = table else {
            throw fail("JOIN reads market streams only; \(j.table.text) is a derived stream", at: j.table.location)
        }
        guard j.on.text.lowercased() == "instrument" else { throw fail("only ON instrument is supported", at: j.on.location) }
        if let g = s.groupBy { throw fail("a join is already by instrument (ON instrument); remove GROUP BY", at: g.location) }
        if let w = s.window { throw fail("a join takes no window (it keeps the latest row per instrument)", at: w.location) }
        guard let sk = streamKind, let tk = tableKind, sk != tk else {
            throw fail("a join needs two streams of different kinds (e.g. trades JOIN quotes)", at: j.table.location)
        }
        if s.star { throw fail("name the joined fields (e.g. trades.price, quotes.mid), not *", at: s.from.location) }
        // Which side a field belongs to.
        func side(_ e: CQLExpression) throws -> Bool {   // true: the table
            guard case .column(let q, let n) = e else {
                throw fail("expected a field of \(s.from.text) or \(j.table.text), found \(e.text)", at: e.location)
            }
            if let q {
                if q.text == s.from.text { return false }
                if q.text == j.table.text { return true }
                throw fail("'\(q.text)' is neither \(s.from.text) nor \(j.table.text)", at: q.location)
            }
            guard let info = Self.fieldInfo(n.text) else {
                throw fail("unknown field '\(n.text)' (fields of \(s.from.text): \(Self.fieldsOf(sk)); of \(j.table.text): \(Self.fieldsOf(tk)))", at: n.location)
            }
            let inStream = info.kinds.contains(sk), inTable = info.kinds.contains(tk)
            if inStream && inTable { throw fail("'\(n.text)' is ambiguous; write \(s.from.text).\(n.text) or \(j.table.text).\(n.text)", at: n.location) }
            if !inStream && !inTable { throw fail("field '\(info.name)' is defined on neither \(s.from.text) nor \(j.table.text)", at: n.location) }
            return inTable
        }
        var streamItems: [(String, MarketField)] = [], tableItems: [(String, MarketField)] = []
        for item in s.items {
            let isTable = try side(item.expression)
            let f = try marketField(item.expression, kind: isTable ? tk : sk, streamName: isTable ? j.table.text : s.from.text)
            if isTable { tableItems.append((itemName(item), f)) } else { streamItems.append((itemName(item), f)) }
        }
        if tableItems.count > 4 { throw fail("a join takes at most four fields from \(j.table.text)", at: j.table.location) }
        if streamItems.count + tableItems.count > CEPOutput.maxValues {
            throw fail("a query emits at most \(CEPOutput.maxValues) values", at: s.location)
        }
        var streamWhere: [CQLComparison] = [], tableWhere: [CQLComparison] = []
        for c in s.conditions { if try side(c.lhs) { tableWhere.append(c) } else { streamWhere.append(c) } }
        let streamConditions = streamViews + streamWhere, tableConditions = tableViews + tableWhere
        let streamFilter = try marketCondition(kind: sk, streamConditions, streamName: s.from.text)
        let tableFilter = try marketCondition(kind: tk, tableConditions, streamName: j.table.text)
        let columns = streamItems.map(\.0) + tableItems.map(\.0)
        let id = try newStream(s.insertInto, number: number, columns: columns, kind: .join, location: s.location, market: true)
        let maxAge = j.within ?? Nanoseconds(.max)
        set.marketJoins.append(CQLQuerySet.MarketJoin(stream: id, partitions: options.instruments, key: MarketGrouping(byInstrument: true),
                                                      streamFilter: streamFilter, tableFilter: tableFilter,
                                                      streamValues: streamItems.map(\.1), tableValues: tableItems.map(\.1), maxAge: maxAge))
        register(.init(kind: .marketJoin, index: set.marketJoins.count - 1), reads: [], plan: [
            header(id, streams.last!.name, "StreamTableJoin, latest row per instrument\(j.within.map { ", at most \(CQLFormat.duration($0)) old" } ?? "")", s.location),
            describe(s.from.text, streamBase, Self.conditionText(sk, streamConditions)),
            "  table   \(j.table.text == tableBase ? tableBase : "\(j.table.text) (view of \(tableBase))") where \(Self.conditionText(tk, tableConditions))",
            keyText(true),
            Self.columnsText(columns, streamItems.map { "\(s.from.text).\(Self.fieldName($0.1))" } + tableItems.map { "\(j.table.text).\(Self.fieldName($0.1))" }),
        ])
    }

    // MARK: Patterns

    mutating func pattern(_ p: CQLPatternQuery, number: Int) throws {
        let isGrouped = try grouped(p.groupBy)
        let steps: [CQLPatternStep]
        switch p.pattern {
        case .sequence(let s):
            guard (2...4).contains(s.count) else {
                throw fail("a sequence has 2 to 4 steps; this one has \(s.count)", at: s[s.count > 4 ? 4 : 0].source.location)
            }
            steps = s
        case .repetition(let s, _): steps = [s]
        case .absence(let a, let b): steps = [a, b]
        }
        var resolved: [Source] = []
        for s in steps {
            do { resolved.append(try lookup(s.source)) } catch is PoisonedRead {
                if let n = p.insertInto { poison(n.text) }
                return
            }
        }
        let market = resolved.map { if case .market = $0 { return true } else { return false } }
        if market.contains(true) && market.contains(false) {
            throw fail("pattern steps read either market streams or derived streams, not both", at: steps[market.firstIndex(of: !market[0])!].source.location)
        }
        let partitions = isGrouped ? options.instruments : 1
        let withinText = CQLFormat.duration(p.within)
        var columns: [String] = []
        let kind: CEPOutputKind
        let title: String
        switch p.pattern {
        case .sequence(let s):
            columns = ["elapsed"]; kind = .sequenceMatch
            title = "SequencePattern \(s.map(\.text).joined(separator: " -> ")) within \(withinText)"
        case .repetition(let s, let n):
            columns = ["count", "elapsed"]; kind = .repetitionMatch
            title = "RepetitionPattern \(s.text){\(n)} within \(withinText)"
        case .absence(let a, let b):
            kind = .absence
            title = "AbsencePattern \(a.text) AND NOT \(b.text) within \(withinText)"
        }
        if market[0] {
            var conditions: [MarketCondition] = []
            var lines: [String] = []
            for (s, src) in zip(steps, resolved) {
                guard case .market(let k, let views, let base) = src else { continue }
                let all = views + s.conditions
                conditions.append(try marketCondition(kind: k, all, streamName: s.source.text))
                lines.append("  step    \(s.source.text == base ? base : "\(s.source.text) (view of \(base))") where \(Self.conditionText(k, all))")
            }
            let id = try newStream(p.insertInto, number: number, columns: columns, kind: kind, location: p.location, market: true)
            let key = MarketGrouping(byInstrument: isGrouped)
            let slot: CQLQuerySet.Slot
            switch p.pattern {
            case .sequence:
                set.marketSequences.append(.init(stream: id, partitions: partitions, key: key, steps: conditions, within: p.within))
                slot = .init(kind: .marketSequence, index: set.marketSequences.count - 1)
            case .repetition(_, let n):
                set.marketRepetitions.append(.init(stream: id, partitions: partitions, key: key, filter: conditions[0], count: n, within: p.within))
                slot = .init(kind: .marketRepetition, index: set.marketRepetitions.count - 1)
            case .absence:
                set.marketAbsences.append(.init(stream: id, partitions: partitions, key: key, trigger: conditions[0], cancel: conditions[1], within: p.within))
                slot = .init(kind: .marketAbsence, index: set.marketAbsences.count - 1)
            }
            register(slot, reads: [], plan: [header(id, streams.last!.name, title, p.location)] + lines +
                     [keyText(isGrouped), Self.columnsText(columns, columns)])
        } else {
            var conditions: [OutputCondition] = []
            var reads: [Int] = []
            var lines: [String] = []
            for (s, src) in zip(steps, resolved) {
                guard case .derived(let index, let views) = src else { continue }
                let all = views + s.conditions
                conditions.append(try outputCondition(index, all))
                reads.append(index)
                lines.append("  step    \(s.source.text) \(streams[index].id)\(all.isEmpty ? "" : " where \(all.map(\.text).joined(separator: " AND "))")")
            }
            let id = try newStream(p.insertInto, number: number, columns: columns, kind: kind, location: p.location, market: false)
            let key = OutputGrouping(byPartition: isGrouped)
            let slot: CQLQuerySet.Slot
            switch p.pattern {
            case .sequence:
                set.derivedSequences.append(.init(stream: id, partitions: partitions, key: key, steps: conditions, within: p.within))
                slot = .init(kind: .derivedSequence, index: set.derivedSequences.count - 1)
            case .repetition(_, let n):
                set.derivedRepetitions.append(.init(stream: id, partitions: partitions, key: key, filter: conditions[0], count: n, within: p.within))
                slot = .init(kind: .derivedRepetition, index: set.derivedRepetitions.count - 1)
            case .absence:
                set.derivedAbsences.append(.init(stream: id, partitions: partitions, key: key, trigger: conditions[0], cancel: conditions[1], within: p.within))
                slot = .init(kind: .derivedAbsence, index: set.derivedAbsences.count - 1)
            }
            register(slot, reads: reads, plan: [header(id, streams.last!.name, title, p.location)] + lines +
                     [keyText(isGrouped), Self.columnsText(columns, columns)])
        }
    }

    // MARK: Finish

    mutating func finish() -> CQLQuerySet {
        let named = streams.filter(\.isNamed).count
        let top = "CQL plan for \(file): \(marketOperators + derivedOperators) operator(s) (\(marketOperators) on market events, \(derivedOperators) on derived streams), \(streams.count) stream(s) (\(named) named), \(options.instruments) instrument(s)"
        var lines = [top]
        for (i, block) in plan.enumerated() {
            lines += block
            if !readers[i].isEmpty { lines.append("  read by \(readers[i].joined(separator: ", "))") }
        }
        var result = CQLQuerySet(file: file, options: options, streams: streams, planLines: lines)
        result.marketFilters = set.marketFilters; result.marketWindows = set.marketWindows; result.marketEMAs = set.marketEMAs
        result.marketJoins = set.marketJoins; result.marketSequences = set.marketSequences
        result.marketRepetitions = set.marketRepetitions; result.marketAbsences = set.marketAbsences
        result.derivedFilters = set.derivedFilters; result.derivedWindows = set.derivedWindows; result.derivedEMAs = set.derivedEMAs
        result.derivedSequences = set.derivedSequences; result.derivedRepetitions = set.derivedRepetitions
        result.derivedAbsences = set.derivedAbsences
        result.marketSchedule = set.marketSchedule
        result.derivedSchedule = set.derivedSchedule
        result.streamSlots = slots
        var start = [0]
        var flat: [CQLQuerySet.Slot] = []
        for list in consumersByStream { flat += list; start.append(flat.count) }
        result.consumerStart = start
        result.consumers = flat
        return result
    }
}
