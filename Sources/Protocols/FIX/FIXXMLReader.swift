/// One XML element of a dictionary file: name, attributes, child elements and its line.
public struct FIXXMLElement: Sendable {
    /// Element name.
    public var name: String
    /// Attributes in document order.
    public var attributes: [(name: String, value: String)]
    /// Child elements (text content is ignored: dictionaries carry none that matters).
    public var children: [FIXXMLElement]
    /// 1-based line of the element's `<`.
    public var line: Int

    /// The value of attribute `name`, or `nil`.
    public func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }
}

/// A problem in a dictionary file, with where it is and what to do.
public struct FIXDictionaryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// File path or "<text>".
    public var source: String
    /// 1-based line (0 when the problem is not tied to one line).
    public var line: Int
    /// What was wrong.
    public var message: String

    public init(source: String, line: Int, message: String) {
        self.source = source; self.line = line; self.message = message
    }

    public var description: String { "\(source):\(line): \(message)" }
}

/// A small XML reader for dictionary files: elements, attributes (single or double quoted,
/// the five predefined entities and numeric references), self-closing tags, comments, the
/// `<?xml?>` declaration and `<!DOCTYPE>`. No namespaces, CDATA or DTD processing.
///
/// Set-up only (allocates freely); errors carry the line number.
public enum FIXXMLReader {
    /// Parses `bytes` into its root element.
    public static func parse(_ bytes: [UInt8], source: String) throws(FIXDictionaryError) -> FIXXMLElement {
        var reader = Cursor(bytes: bytes, source: source)
        return try reader.document()
    }

    struct Cursor {
        let bytes: [UInt8]
        let source: String
        var index = 0
        var line = 1

        init(bytes: [UInt8], source: String) {
            self.bytes = bytes
            self.source = source
        }

        func fail(_ message: String, line: Int? = nil) -> FIXDictionaryError {
            FIXDictionaryError(source: source, line: line ?? self.line, message: message)
        }

        var atEnd: Bool { index >= bytes.count }

        mutating func advance() {
            if bytes[index] == 0x0A { line += 1 }
            index += 1
        }

        func starts(with literal: String) -> Bool {
            var i = index
            for b in literal.utf8 {
                guard i < bytes.count, bytes[i] == b else { return false }
                i += 1
            }
            return true
        }

        mutating func skip(past literal: String, what: String) throws(FIXDictionaryError) {
            let startLine = line
            while !atEnd {
                if starts(with: literal) {
                    for _ in 0..<literal.utf8.count { advance() }
                    return
                }
                advance()
            }
            throw fail("unterminated \(what) (expected \"\(literal)\")", line: startLine)
        }

        mutating func skipWhitespace() {
            while !atEnd, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A || bytes[index] == 0x0D {
                advance()
            }
        }

        static func isNameByte(_ b: UInt8) -> Bool {
            (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39)
                || b == 0x5F || b == 0x2D || b == 0x2E || b == 0x3A || b >= 0x80
        }

        mutating func name() throws(FIXDictionaryError) -> String {
            let start = index
            while !atEnd, Self.isNameByte(bytes[index]) { advance() }
            guard index > start else {
                throw fail(atEnd ? "unexpected end of file, expected a name"
                                 : "expected a name, found \"\(Character(Unicode.Scalar(bytes[index])))\"")
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        /// Skips comments, processing instructions, DOCTYPE and text up to the next element
        /// or closing tag; returns false at end of input.
        mutating func skipMisc() throws(FIXDictionaryError) -> Bool {
            while !atEnd {
                if starts(with: "<!--") {
                    try skip(past: "-->", what: "comment")
                } else if starts(with: "<?") {
                    try skip(past: "?>", what: "processing instruction")
                } else if starts(with: "<!DOCTYPE") {
                    try skip(past: ">", what: "DOCTYPE")
                } else if starts(with: "<![CDATA[") {
                    throw fail("CDATA sections are not supported in dictionaries")
                } else if bytes[index] == 0x3C {
                    return true
                } else {
                    advance()
                }
            }
            return false
        }

        mutating func document() throws(FIXDictionaryError) -> FIXXMLElement {
            guard try skipMisc() else { throw fail("no root element (empty or not XML)") }
            if starts(with: "</") { throw fail("closing tag without an opening tag") }
            let root = try element()
            if try skipMisc() { throw fail("content after the root element </\(root.name)>") }
            return root
        }

        mutating func element() throws(FIXDictionaryError) -> FIXXMLElement {
            let startLine = line
            advance()   // '<'
            let name = try self.name()
            var attributes: [(name: String, value: String)] = []
            while true {
                skipWhitespace()
                guard !atEnd else { throw fail("unexpected end of file inside <\(name)> (opened on line \(startLine))") }
                if bytes[index] == 0x2F {   // "/>"
                    advance()
                    guard !atEnd, bytes[index] == 0x3E else { throw fail("expected \">\" after \"/\" in <\(name)>") }
                    advance()
                    return FIXXMLElement(name: name, attributes: attributes, children: [], line: startLine)
                }
                if bytes[index] == 0x3E { advance(); break }
                let attributeName = try self.name()
                skipWhitespace()
                guard !atEnd, bytes[index] == 0x3D else {
                    throw fail("attribute \(attributeName) of <\(name)> has no \"=value\"")
                }
                advance()
                skipWhitespace()
                guard !atEnd, bytes[index] == 0x22 || bytes[index] == 0x27 else {
                    throw fail("value of attribute \(attributeName) of <\(name)> must be quoted")
                }
                let value = try quoted()
                if attributes.contains(where: { $0.name == attributeName }) {
                    throw fail("attribute \(attributeName) repeated in <\(name)>")
                }
                attributes.append((attributeName, value))
            }
            var children: [FIXXMLElement] = []
            while true {
                guard try skipMisc() else {
                    throw fail("<\(name)> is not closed before the end of the file", line: startLine)
                }
                if starts(with: "</") {
                    let closeLine = line
                    advance(); advance()
                    let closing = try self.name()
                    skipWhitespace()
                    guard !atEnd, bytes[index] == 0x3E else { throw fail("expected \">\" to end </\(closing)>") }
                    advance()
                    guard closing == name else {
                        throw fail("</\(closing)> does not match <\(name)> opened on line \(startLine)", line: closeLine)
                    }
                    return FIXXMLElement(name: name, attributes: attributes, children: children, line: startLine)
                }
                children.append(try element())
            }
        }

        mutating func quoted() throws(FIXDictionaryError) -> String {
            let quote = bytes[index]
            let startLine = line
            advance()
            var value: [UInt8] = []
            while true {
                guard !atEnd else { throw fail("unterminated attribute value", line: startLine) }
                let b = bytes[index]
                if b == quote { advance(); break }
                if b == 0x3C { throw fail("\"<\" inside an attribute value") }
                if b == 0x26 {   // '&'
                    let entityStart = index
                    while !atEnd, bytes[index] != 0x3B, index - entityStart < 12 { advance() }
                    guard !atEnd, bytes[index] == 0x3B else { throw fail("unterminated entity reference") }
                    let entity = String(decoding: bytes[(entityStart + 1)..<index], as: UTF8.self)
                    advance()
                    switch entity {
                    case "amp": value.append(0x26)
                    case "lt": value.append(0x3C)
                    case "gt": value.append(0x3E)
                    case "quot": value.append(0x22)
                    case "apos": value.append(0x27)
                    default:
                        let scalar: UInt32?
                        if entity.hasPrefix("#x") { scalar = UInt32(entity.dropFirst(2), radix: 16) }
                        else if entity.hasPrefix("#") { scalar = UInt32(entity.dropFirst(1)) }
                        else { scalar = nil }
                        guard let scalar, let u = Unicode.Scalar(scalar) else { throw fail("unknown entity &\(entity);") }
                        value.append(contentsOf: Array(String(Character(u)).utf8))
                    }
                    continue
                }
                value.append(b)
                advance()
            }
            return String(decoding: value, as: UTF8.self)
        }
    }
}
