/// Where each section and key of a parsed tuning profile was written: line numbers kept so
/// that checks run after parsing (against this machine) can still report `file:line`.
///
/// Provenance, not configuration: two source maps always compare equal, so a profile read
/// from a file equals the same profile built in code.
public struct TuningSourceMap: Sendable, Equatable {
    private var sectionLines: [String: Int] = [:]
    private var keyLines: [String: Int] = [:]

    public init() {}

    /// The line of the header `[section]` (e.g. "thread.engine"), or `nil`.
    public func line(ofSection section: String) -> Int? { sectionLines[section] }

    /// The line of `key` in `[section]`, or `nil` when the key took its default.
    public func line(ofKey key: String, in section: String) -> Int? { keyLines[section + "\u{0}" + key] }

    /// The line of `key` in `[section]`, else of the section header, else 0 (whole file).
    public func bestLine(key: String, in section: String) -> Int {
        line(ofKey: key, in: section) ?? line(ofSection: section) ?? 0
    }

    /// Whether the file set `key` in `[section]` (false: the default applies).
    public func isExplicit(_ key: String, in section: String) -> Bool { line(ofKey: key, in: section) != nil }

    mutating func recordSection(_ section: String, line: Int) { sectionLines[section] = line }
    mutating func recordKey(_ key: String, in section: String, line: Int) { keyLines[section + "\u{0}" + key] = line }

    public static func == (lhs: TuningSourceMap, rhs: TuningSourceMap) -> Bool { true }
}
