import Testing
import PeregrineCEP
import PeregrineCore

/// Parses `source`, expecting no errors.
private func parseClean(_ source: String, sourceLocation: SourceLocation = #_sourceLocation) -> [CQLStatement] {
    let (program, diagnostics) = CQL.parse(source)
    #expect(diagnostics.isEmpty, "\(diagnostics)", sourceLocation: sourceLocation)
    return program.statements
}

/// The errors of `source` as `line:column: message` (parse and compile).
func cqlErrors(_ source: String, instruments: Int = 4) -> [String] {
    do {
        _ = try CQL.compile(source, file: "t.cql", options: CQLOptions(instruments: instruments))
        return []
    } catch {
        return error.diagnostics.map(\.description)
    }
}

@Suite("CQL lexer and parser")
struct CQLParserTests {
    @Test("every construct parses, with source positions")
    func everyConstruct() throws {
        let source = """
        -- views, windows, aggregates, EMA, join, patterns
        CREATE STREAM big_trades AS trades WHERE quantity >= 500;
        insert into bars_1m SELECT first(price) AS open, max(price), min(price), last(price), vwap(price, quantity)
          FROM trades [TUMBLING 1 MINUTE] GROUP BY instrument;
        SELECT count(*), sum(quantity), avg(price), stddev(price), variance(price) FROM trades [RANGE 1 MINUTE SLIDE 10 SECONDS];
        SELECT zscore(price), percentile(price, 0.95) FROM trades [ROWS 50] PARTITION BY instrument;
        SELECT median(quantity) FROM big_trades [ROWS 100 SLIDE 10 CAPACITY 128] WHERE 1000 > price;
        SELECT count() FROM trades [SESSION 30 SECONDS];
        SELECT vwap() FROM trades [RANGE 500 ms]; // continuous sliding window
        INSERT INTO ema_fast SELECT EMA(price, 20) FROM trades GROUP BY instrument;
        INSERT INTO ema_mid SELECT EMA(mid, 5 SECONDS) AS m FROM quotes;
        SELECT trades.price, quantity, quotes.mid FROM trades JOIN quotes ON instrument WITHIN 1 SECOND WHERE spread < 0.05;
        SELECT m / 2, m - -1.5e2 FROM ema_mid WHERE (m) > 0 AND deviation <> 0;
        PATTERN trades(quantity >= 500) -> quotes(spread > 0.03) -> trades WITHIN 5 SECONDS GROUP BY instrument;
        PATTERN big_trades{3} WITHIN 250 MILLISECONDS;
        PATTERN quotes AND NOT quotes WITHIN 2 SECONDS;
        PATTERN quotes -> NOT trades WITHIN 1 MINUTE;
        """
        let s = parseClean(source)
        #expect(s.count == 15)
        guard case .createStream(let c) = s[0] else { Issue.record("CREATE STREAM"); return }
        #expect(c.name == CQLName("big_trades", at: CQLSourceLocation(line: 2, column: 15)))
        #expect(c.conditions == [CQLComparison(lhs: .column(qualifier: nil, name: CQLName("quantity", at: .init(line: 2, column: 42))),
                                               comparison: .greaterOrEqual, constant: 500, location: .init(line: 2, column: 42))])
        guard case .select(let bars) = s[1] else { Issue.record("select"); return }
        #expect(bars.insertInto?.text == "bars_1m" && bars.items.count == 5 && bars.items[0].alias?.text == "open")
        #expect(bars.window?.kind == .tumbling(.seconds(60)) && bars.groupBy?.text == "instrument")
        #expect(bars.location == CQLSourceLocation(line: 3, column: 1))
        guard case .select(let hop) = s[2], case .select(let rows) = s[3], case .select(let med) = s[4],
              case .select(let session) = s[5], case .select(let sliding) = s[6] else { Issue.record("windows"); return }
        #expect(hop.window?.kind == .range(.seconds(60), slide: .seconds(10)))
        #expect(rows.window?.kind == .rows(50, slide: nil) && rows.groupBy?.text == "instrument")
        #expect(med.window?.kind == .rows(100, slide: 10) && med.window?.capacity == 128)
        // `1000 > price` is turned around.
        #expect(med.conditions.first?.comparison == .less && med.conditions.first?.constant == 1000)
        #expect(session.window?.kind == .session(.seconds(30)))
        #expect(sliding.window?.kind == .range(.milliseconds(500), slide: nil))
        guard case .select(let ema) = s[8], case .call(let name, let args) = ema.items[0].expression else { Issue.record("ema"); return }
        #expect(name.text == "EMA" && args[1] == .duration(.seconds(5), at: .init(line: 11, column: 37)))
        guard case .select(let join) = s[9] else { Issue.record("join"); return }
        #expect(join.join?.table.text == "quotes" && join.join?.within == .seconds(1) && join.conditions.count == 1)
        guard case .select(let arithmetic) = s[10] else { Issue.record("arith"); return }
        #expect(arithmetic.items.map(\.expression.text) == ["m / 2", "m - -150"])
        guard case .pattern(let seq) = s[11], case .sequence(let steps) = seq.pattern else { Issue.record("sequence"); return }
        #expect(steps.map(\.text) == ["trades(quantity >= 500)", "quotes(spread > 0.03)", "trades"] && seq.within == .seconds(5))
        guard case .pattern(let rep) = s[12], case .repetition(let step, 3) = rep.pattern else { Issue.record("repetition"); return }
        #expect(step.source.text == "big_trades" && rep.within == .milliseconds(250))
        guard case .pattern(let abs1) = s[13], case .absence = abs1.pattern,
              case .pattern(let abs2) = s[14], case .absence(let a, let b) = abs2.pattern else { Issue.record("absence"); return }
        #expect(a.source.text == "quotes" && b.source.text == "trades" && abs2.within == .seconds(60))
        // And it all compiles.
        #expect(cqlErrors(source) == [])
    }

    @Test("keywords and units are case-insensitive; comments and blank statements are skipped")
    func lexical() {
        let s = parseClean("select Count(*) from trades [rows 5 slide 5];;\n// c\n  -- d\nSELECT max(price) FROM trades [range 1 hour];")
        #expect(s.count == 2)
        guard case .select(let q) = s[1] else { return }
        #expect(q.window?.kind == .range(.seconds(3_600), slide: nil) && q.location == CQLSourceLocation(line: 4, column: 1))
        let (tokens, errors) = CQLLexer.tokenize("a<=b->c 1.5e-3 .25")
        #expect(errors.isEmpty)
        #expect(tokens.map(\.text) == ["a", "<=", "b", "->", "c", "1.5e-3", ".25", ""])
        #expect(tokens[5].number == 1.5e-3 && !tokens[5].isInteger && tokens[6].number == 0.25)
    }

    @Test("syntax errors point at line and column")
    func syntaxErrors() {
        #expect(cqlErrors("SELECT vwap(price, quantity FROM trades [RANGE 1 MINUTE];")
                == ["1:29: expected ')' after argument list, found 'FROM'"])
        #expect(cqlErrors("SELECT max(price) FROM trades [RANGE 1 MINUTE GROUP BY instrument;")
                == ["1:47: expected ']' to close the window, found 'GROUP'"])
        #expect(cqlErrors("SELECT max(price) FROM trades [RANGE 1 FORTNIGHT];")
                == ["1:40: expected a time unit (NANOSECONDS, MICROSECONDS, MILLISECONDS, SECONDS, MINUTES, HOURS) after 1, found 'FORTNIGHT'"])
        #expect(cqlErrors("SELECT max(price) FROM trades [ROWS 2.5];")
                == ["1:37: expected a row count after ROWS (a positive whole number), found '2.5'"])
        #expect(cqlErrors("SELECT max(price) FROM trades [WINDOW 5];")
                == ["1:32: expected RANGE, ROWS, SESSION or TUMBLING in the window, found 'WINDOW'"])
        #expect(cqlErrors("SELECT price FROM trades WHERE price > 1 OR price < 0;")
                == ["1:42: OR is not supported: conditions are joined with AND (write one query per alternative)"])
        #expect(cqlErrors("SELECT price FROM trades WHERE price > quantity;")
                == ["1:32: a comparison needs a constant on one side (e.g. spread > 0.05)"])
        #expect(cqlErrors("SELECT price FROM trades WHERE price 5;")
                == ["1:38: expected a comparison operator (<, <=, =, !=, >=, >) after price, found '5'"])
        #expect(cqlErrors("PATTERN quotes WITHIN 5 SECONDS;")
                == ["1:16: expected '->', '{n}' or AND NOT after the pattern's first step, found 'WITHIN'"])
        #expect(cqlErrors("PATTERN quotes -> quotes;")
                == ["1:25: expected WITHIN <duration> after the pattern, found ';'"])
        #expect(cqlErrors("PATTERN quotes -> trades -> NOT quotes WITHIN 1 SECOND;")
                == ["1:29: NOT is only allowed in a two-step pattern: A -> NOT B WITHIN T"])
        #expect(cqlErrors("SELECT price FROM trades WHERE price > 0 [ROWS 5];")
                == ["1:42: the window goes right after the stream name: FROM trades [ … ]"])
        #expect(cqlErrors("INSERT INTO x UPDATE trades;")
                == ["1:15: expected SELECT or PATTERN after INSERT INTO x, found 'UPDATE'"])
        #expect(cqlErrors("SELECT max(price) FROM trades [RANGE 0 SECONDS];")
                == ["1:38: a duration must be a positive whole number of nanoseconds"])
        #expect(cqlErrors("SELECT price FROM trades WHERE price > $5;")
                == ["1:40: unexpected character '$'"])
        #expect(cqlErrors("SELECT price FROM;") == ["1:18: expected a stream name after FROM, found ';'"])
    }

    @Test("a missing ';' is reported after the statement and the next statement still parses")
    func missingSemicolon() {
        let source = "SELECT price FROM trades\nSELECT mid FROM quotes;\nSELECT max(price FROM trades [ROWS 3];\n"
        #expect(cqlErrors(source) == [
            "1:25: expected ';' after the statement, found 'SELECT'",
            "3:18: expected ')' after argument list, found 'FROM'",
        ])
        let (program, _) = CQL.parse(source)
        #expect(program.statements.count == 2)
    }

    @Test("several errors are reported, syntax and meaning, in source order, with the caret line")
    func severalErrors() {
        let source = """
        INSERT INTO fast SELECT EMA(price, 20) FROM trades GROUP BY instrument;
        INSERT INTO broken SELECT vwap(price, quantity FROM trades [RANGE 1 MINUTE];
        SELECT ema FROM broken;
        SELECT spread FROM trades;
        SELECT avg(price) FROM trades;
        SELECT ema, nope FROM fast;
        """
        do {
            _ = try CQL.compile(source, file: "strategy.cql", options: CQLOptions(instruments: 10))
            Issue.record("should not compile")
        } catch {
            #expect(error.diagnostics.map(\.description) == [
                "2:48: expected ')' after argument list, found 'FROM'",
                "4:8: field 'spread' is not defined on trades (fields: price, quantity, notional, time)",
                "5:8: aggregate 'avg(price)' needs a window: add one after FROM trades, e.g. [RANGE 1 MINUTE] or [ROWS 50]",
                "6:13: unknown column 'nope' of fast (columns: ema, deviation)",
            ])
            let text = error.description.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(text[0] == "strategy.cql:2:48: error: expected ')' after argument list, found 'FROM'")
            #expect(text[1] == "INSERT INTO broken SELECT vwap(price, quantity FROM trades [RANGE 1 MINUTE];")
            #expect(text[2] == String(repeating: " ", count: 47) + "^")
            #expect(text[3] == "strategy.cql:4:8: error: field 'spread' is not defined on trades (fields: price, quantity, notional, time)")
            #expect(text[5] == "       ^")
            #expect(text.count == 12)
        }
    }
}
