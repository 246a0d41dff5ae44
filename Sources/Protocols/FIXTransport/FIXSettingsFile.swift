#if canImport(Glibc)
import Glibc
#endif

/// One problem found in a settings file: where (file:line) and what to do about it.
public struct FIXSettingsProblem: Sendable, Equatable, CustomStringConvertible {
    /// The settings file's path, or the name given to text.
    public var source: String
    /// 1-based line (the [SESSION] header for a missing key; 0 for the whole file).
    public var line: Int
    /// What was wrong and how to fix it.
    public var message: String

    public init(source: String, line: Int, message: String) {
        self.source = source
        self.line = line
        self.message = message
    }

    public var description: String { "\(source):\(line): \(message)" }
}

/// Every problem of a settings file, reported together (a load never stops at the first).
public struct FIXSettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// In file order.
    public var problems: [FIXSettingsProblem]

    public var description: String {
        let noun = problems.count == 1 ? "problem" : "problems"
        return "\(problems.count) \(noun) in FIX settings:\n" + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}

/// A `key=value` line.
struct FIXSettingsEntry: Sendable, Equatable {
    /// As written.
    let key: String
    let value: String
    let line: Int
}

/// A [DEFAULT] or [SESSION] section with its header line.
struct FIXSettingsSection: Sendable {
    enum Kind: Sendable { case defaults, session }
    let kind: Kind
    let line: Int
    var entries: [FIXSettingsEntry] = []
}

/// The lexical layer of a QuickFIX settings file: sections, `key=value` lines, comments.
///
/// Rules (QuickFIX's, stated): a line is blank, a comment (first non-blank character `#` or
/// `;`), a section header `[DEFAULT]` or `[SESSION]` (any case), or `key=value` split at
/// the first `=` with blanks around key and value dropped. Keys match without case. A key
/// given twice in one section is a problem (QuickFIX keeps the last silently).
enum FIXSettingsFile {
    static func parse(_ text: String, source: String, problems: inout [FIXSettingsProblem]) -> [FIXSettingsSection] {
        var sections: [FIXSettingsSection] = []
        var skipping = false      // inside an unknown section: its lines are not checked
        var firstLine: [String: Int] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = trim(Substring(raw))
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else {
                    problems.append(FIXSettingsProblem(source: source, line: number,
                                                       message: "section header \"\(line)\" has no closing ']'"))
                    skipping = true
                    continue
                }
                let name = trim(line.dropFirst().dropLast()).uppercased()
                switch name {
                case "DEFAULT":
                    sections.append(FIXSettingsSection(kind: .defaults, line: number))
                    skipping = false
                case "SESSION":
                    sections.append(FIXSettingsSection(kind: .session, line: number))
                    skipping = false
                default:
                    let hint = FIXSettingKey.editDistance(Array(name), Array("SESSION"), limit: 2) <= 2 ? " (did you mean [SESSION]?)"
                        : FIXSettingKey.editDistance(Array(name), Array("DEFAULT"), limit: 2) <= 2 ? " (did you mean [DEFAULT]?)" : ""
                    problems.append(FIXSettingsProblem(source: source, line: number,
                                                       message: "unknown section \(line); expected [DEFAULT] or [SESSION]\(hint)"))
                    skipping = true
                }
                firstLine.removeAll()
                continue
            }
            if skipping { continue }
            guard let equals = line.firstIndex(of: "=") else {
                problems.append(FIXSettingsProblem(source: source, line: number,
                                                   message: "expected key=value, [DEFAULT] or [SESSION], found \"\(line)\""))
                continue
            }
            let key = trim(line[..<equals])
            let value = trim(line[line.index(after: equals)...])
            guard !key.isEmpty else {
                problems.append(FIXSettingsProblem(source: source, line: number, message: "a value without a key: \"\(line)\""))
                continue
            }
            guard !sections.isEmpty else {
                problems.append(FIXSettingsProblem(source: source, line: number,
                                                   message: "\(key) is outside any section; put it under [DEFAULT] or [SESSION]"))
                continue
            }
            let lowered = key.lowercased()
            if let first = firstLine[lowered] {
                problems.append(FIXSettingsProblem(source: source, line: number,
                                                   message: "\(key) is given twice in this section (first at line \(first)); keep one"))
                continue
            }
            firstLine[lowered] = number
            sections[sections.count - 1].entries.append(FIXSettingsEntry(key: key, value: value, line: number))
        }
        return sections
    }

    static func trim(_ text: Substring) -> String {
        var slice = text
        while let first = slice.first, first == " " || first == "\t" || first == "\r" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" || last == "\r" { slice = slice.dropLast() }
        return String(slice)
    }

    /// Reads a whole text file (stdio, no Foundation); nil with a problem when it cannot.
    static func read(path: String, problems: inout [FIXSettingsProblem]) -> String? {
        guard let file = fopen(path, "rb") else {
            let code = errno
            problems.append(FIXSettingsProblem(source: path, line: 0,
                                               message: "cannot open the settings file (\(errorText(code))); check the path"))
            return nil
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func errorText(_ code: Int32) -> String {
        (strerror(code).map { String(cString: $0) } ?? "error") + " [errno \(code)]"
    }
}
