/// A position in a CQL source: 1-based line and column (columns count bytes; CQL is ASCII
/// outside comments).
@frozen
public struct CQLSourceLocation: Sendable, Equatable, Hashable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) { self.line = line; self.column = column }
    public static func < (a: CQLSourceLocation, b: CQLSourceLocation) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }
    public var description: String { "\(line):\(column)" }
}

/// One lexical token of CQL.
public struct CQLToken: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A name or keyword (keywords are recognised case-insensitively by the parser).
        case identifier
        /// A decimal literal (`12`, `0.03`, `1e-4`).
        case number
        /// Punctuation or an operator: `( ) [ ] { } , ; . * + - / < <= = == != <> >= > ->`.
        case symbol
        case endOfInput
    }
    public var kind: Kind
    public var text: String
    public var location: CQLSourceLocation
    /// The literal's value (numbers only).
    public var number: Double
    /// Whether a number literal has no fraction or exponent.
    public var isInteger: Bool

    /// The location just after the token (for "expected ';'" after it).
    public var end: CQLSourceLocation { CQLSourceLocation(line: location.line, column: location.column + text.utf8.count) }

    /// Whether this is `keyword` (case-insensitive; identifiers only).
    @inlinable
    public func isKeyword(_ keyword: String) -> Bool {
        kind == .identifier && text.utf8.count == keyword.utf8.count && text.uppercased() == keyword
    }

    /// Whether this is the symbol `s`.
    @inlinable
    public func isSymbol(_ s: String) -> Bool { kind == .symbol && text == s }
}

/// Turns CQL text into tokens. Comments run from `--` or `//` to the end of the line.
/// Unknown characters are reported and skipped, so lexing always reaches the end.
public struct CQLLexer {
    let bytes: [UInt8]
    var index = 0
    var line = 1
    var lineStart = 0
    public private(set) var diagnostics: [CQLDiagnostic] = []

    public init(_ source: String) { bytes = Array(source.utf8) }

    /// All tokens, ending with one `.endOfInput`.
    public static func tokenize(_ source: String) -> (tokens: [CQLToken], diagnostics: [CQLDiagnostic]) {
        var lexer = CQLLexer(source)
        var tokens: [CQLToken] = []
        while true {
            let t = lexer.next()
            tokens.append(t)
            if t.kind == .endOfInput { break }
        }
        return (tokens, lexer.diagnostics)
    }

    var location: CQLSourceLocation { CQLSourceLocation(line: line, column: index - lineStart + 1) }

    func peek(_ offset: Int = 0) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }

    static func isIdentifierStart(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
    }
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    mutating func skipTrivia() {
        while let c = peek() {
            if c == 0x0A {
                index += 1; line += 1; lineStart = index
            } else if c == 0x20 || c == 0x09 || c == 0x0D {
                index += 1
            } else if (c == 0x2D && peek(1) == 0x2D) || (c == 0x2F && peek(1) == 0x2F) {
                while let d = peek(), d != 0x0A { index += 1 }
            } else {
                return
            }
        }
    }

    /// The next token.
    public mutating func next() -> CQLToken {
        while true {
            skipTrivia()
            let start = index
            let loc = location
            guard let c = peek() else {
                return CQLToken(kind: .endOfInput, text: "", location: loc, number: 0, isInteger: false)
            }
            if Self.isIdentifierStart(c) {
                while let d = peek(), Self.isIdentifierStart(d) || Self.isDigit(d) { index += 1 }
                return token(.identifier, start, loc)
            }
            if Self.isDigit(c) || (c == 0x2E && peek(1).map(Self.isDigit) == true) {
                var integer = true
                while let d = peek(), Self.isDigit(d) { index += 1 }
                if peek() == 0x2E, peek(1).map(Self.isDigit) == true {
                    integer = false
                    index += 1
                    while let d = peek(), Self.isDigit(d) { index += 1 }
                }
                if let e = peek(), e == 0x65 || e == 0x45 {
                    var k = 1
                    if let s = peek(1), s == 0x2B || s == 0x2D { k = 2 }
                    if peek(k).map(Self.isDigit) == true {
                        integer = false
                        index += k
                        while let d = peek(), Self.isDigit(d) { index += 1 }
                    }
                }
                var t = token(.number, start, loc)
                t.number = Double(t.text) ?? .nan
                t.isInteger = integer
                return t
            }
            let two: [String] = ["<=", ">=", "==", "!=", "<>", "->"]
            if let d = peek(1) {
                let pair = String(decoding: [c, d], as: UTF8.self)
                if two.contains(pair) { index += 2; return token(.symbol, start, loc) }
            }
            if "()[]{},;.*+-/<=>".utf8.contains(c) {
                index += 1
                return token(.symbol, start, loc)
            }
            // Skip one whole UTF-8 scalar so the message shows the character.
            index += 1
            while let d = peek(), d & 0xC0 == 0x80 { index += 1 }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            diagnostics.append(CQLDiagnostic(loc, "unexpected character '\(text)'"))
        }
    }

    func token(_ kind: CQLToken.Kind, _ start: Int, _ loc: CQLSourceLocation) -> CQLToken {
        CQLToken(kind: kind, text: String(decoding: bytes[start..<index], as: UTF8.self), location: loc, number: 0, isInteger: false)
    }
}

/// One error found in a CQL source, with its position.
public struct CQLDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public var location: CQLSourceLocation
    public var message: String
    public init(_ location: CQLSourceLocation, _ message: String) { self.location = location; self.message = message }
    /// `3:17: message`.
    public var description: String { "\(location): \(message)" }

    /// `file:3:17: error: message`, then the source line and a caret under the column.
    public func rendered(file: String, sourceLines: [Substring]) -> String {
        var s = "\(file):\(location.line):\(location.column): error: \(message)"
        if location.line >= 1 && location.line <= sourceLines.count {
            let text = sourceLines[location.line - 1]
            s += "\n" + text
            // Keep tabs so the caret lines up under them.
            var caret = ""
            var n = 0
            for b in text.utf8 {
                if n >= location.column - 1 { break }
                caret.append(b == 0x09 ? "\t" : " ")
                n += 1
            }
            caret += String(repeating: " ", count: Swift.max(0, location.column - 1 - n))
            s += "\n" + caret + "^"
        }
        return s
    }
}

/// The errors of a CQL source that did not compile, in source order.
public struct CQLError: Error, Sendable, CustomStringConvertible {
    /// The file name used in messages.
    public var file: String
    /// The source text.
    public var source: String
    public var diagnostics: [CQLDiagnostic]

    public init(file: String, source: String, diagnostics: [CQLDiagnostic]) {
        self.file = file; self.source = source; self.diagnostics = diagnostics
    }

    /// Every error as `file:line:column: error: message`, the line and a caret.
    public var description: String {
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        return diagnostics.map { $0.rendered(file: file, sourceLines: lines) }.joined(separator: "\n")
    }
}
