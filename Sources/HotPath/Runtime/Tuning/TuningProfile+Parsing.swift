import PeregrinePlatform
import PeregrineRings

/// Reading tuning profile files.
///
/// The format is INI-like: `[profile]`, `[thread.NAME]`, `[ring.NAME]` and `[socket.NAME]`
/// sections of `key = value` lines; `#` starts a comment anywhere on a line. Keys are
/// declared in `TuningKeys` with their defaults. Unknown sections and keys, duplicates,
/// malformed values and rule violations (see `consistencyProblems()`) are all collected
/// and thrown together, each as `file:line: message`. Whether the profile fits this
/// machine is a separate step, `validate(against:)`, so parsing is deterministic.
///
/// Set-up only: parse once at start-up and hand the resulting values to the hot path.
extension TuningProfile {
    /// Reads and parses the profile at `path` (no machine checks).
    ///
    /// A missing or unreadable file is reported as one problem with the reason.
    public static func load(path: String) throws(TuningProfileError) -> TuningProfile {
        switch SystemFiles.readText(path, limitBytes: 1 << 20) {
        case .success(let text):
            return try parse(text: text, source: path)
        case .failure(let failure):
            var hint = "check the path"
            if !path.hasPrefix("/"), let directory = SystemFiles.currentDirectory() {
                hint += " (relative paths start at \(directory))"
            }
            throw TuningProfileError(problems: [TuningProblem(
                file: path, line: 0, message: "cannot read tuning profile: \(failure.message); \(hint)")])
        }
    }

    /// Parses profile text; `source` names it in messages (a path, or "<test>").
    ///
    /// Throws every problem at once: syntax, unknown or duplicate sections and keys, bad
    /// values, and the rules of `consistencyProblems()`.
    public static func parse(text: String, source: String) throws(TuningProfileError) -> TuningProfile {
        var parser = TuningFileParser(source: source)
        parser.readLines(text)
        let (profile, broken) = parser.build()
        let problems = parser.problems + profile.consistencyProblems(ignoring: broken)
        if !problems.isEmpty { throw TuningProfileError(problems: problems) }
        return profile
    }
}

/// One section as written, before its values are interpreted.
struct RawTuningSection {
    var kind: TuningSectionKind
    /// "engine" for [thread.engine]; "" for [profile].
    var name: String
    /// "thread.engine" or "profile": the key into `TuningSourceMap`.
    var id: String
    var line: Int
    var values: [String: (text: String, line: Int)] = [:]
}

/// Two passes: `readLines` checks the structure (sections, keys, duplicates); `build`
/// interprets the values. Both append to `problems` and keep going.
struct TuningFileParser {
    let source: String
    var problems: [TuningProblem] = []
    var sections: [RawTuningSection] = []
    var locations = TuningSourceMap()

    init(source: String) { self.source = source }

    mutating func report(_ line: Int, _ message: String) {
        problems.append(TuningProblem(file: source, line: line, message: message))
    }

    // MARK: Pass 1: structure

    mutating func readLines(_ text: String) {
        var current: Int?          // index into `sections`
        var skipping = false       // inside a section already reported as broken
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            var content = Substring(rawLine)
            if let hash = content.firstIndex(of: "#") { content = content[..<hash] }
            let text = String(content).trimmed
            if text.isEmpty { continue }

            if text.hasPrefix("[") {
                current = nil
                skipping = true
                guard text.hasSuffix("]") else {
                    report(line, "section header '\(text)' has no closing ']'; write e.g. [thread.engine]")
                    continue
                }
                guard let section = readHeader(String(text.dropFirst().dropLast()).trimmed, line: line) else { continue }
                if let first = sections.first(where: { $0.id == section.id }) {
                    report(line, "duplicate section [\(section.id)] (first at line \(first.line)); merge the two into one")
                    continue
                }
                sections.append(section)
                locations.recordSection(section.id, line: line)
                current = sections.count - 1
                skipping = false
                continue
            }

            guard let equals = text.firstIndex(of: "=") else {
                report(line, "expected 'key = value' or a [section] header, found '\(text)'")
                continue
            }
            let key = String(text[..<equals]).trimmed
            let value = String(text[text.index(after: equals)...]).trimmed
            guard let index = current else {
                if !skipping {
                    report(line, "'\(key)' is outside any section; put it under [profile] or a [thread.NAME], [ring.NAME] or [socket.NAME] section")
                }
                continue
            }
            let section = sections[index]
            guard let spec = TuningKeys.key(key, in: section.kind) else {
                let known = TuningKeys.keys(in: section.kind).map(\.name)
                var message = "unknown key '\(key)' in [\(section.id)]"
                if let guess = Self.closest(to: key, among: known) { message += " (did you mean '\(guess)'?)" }
                report(line, message + "; known keys: " + known.joined(separator: ", "))
                continue
            }
            if let first = section.values[key] {
                report(line, "duplicate key '\(key)' in [\(section.id)] (first at line \(first.line)); keep one")
                continue
            }
            if value.isEmpty {
                report(line, "'\(key)' in [\(section.id)] has no value; expected \(spec.syntax)")
                continue
            }
            sections[index].values[key] = (value, line)
            locations.recordKey(key, in: section.id, line: line)
        }
    }

    /// `profile`, `thread.NAME`, `ring.NAME`, `socket.NAME` (NAME may contain dots).
    mutating func readHeader(_ header: String, line: Int) -> RawTuningSection? {
        let (kindText, name) = header.splitOnce(".")
        let known = TuningSectionKind.allCases.map(\.headerPattern).joined(separator: ", ")
        guard let kind = TuningSectionKind(rawValue: kindText) else {
            report(line, "unknown section [\(header)]; known sections: \(known)")
            return nil
        }
        if kind == .profile {
            guard name == nil else {
                report(line, "[profile] takes no name; write [profile]")
                return nil
            }
            return RawTuningSection(kind: .profile, name: "", id: "profile", line: line)
        }
        guard let name, TuningValueSyntax.isName(name) else {
            report(line, "section [\(header)] needs a name of letters, digits, _ - . after '\(kindText).', e.g. [\(kindText).engine]")
            return nil
        }
        return RawTuningSection(kind: kind, name: name, id: "\(kind.rawValue).\(name)", line: line)
    }

    /// The known key within edit distance 2 of a misspelt one.
    static func closest(to word: String, among candidates: [String]) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var row = Array(0...b.count)
            for i in 1...max(a.count, 1) where !a.isEmpty {
                var previous = row[0]
                row[0] = i
                for j in stride(from: 1, through: b.count, by: 1) {
                    let saved = row[j]
                    row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                    previous = saved
                }
            }
            return a.isEmpty ? b.count : row[b.count]
        }
        let scored = candidates.map { ($0, distance(Array(word), Array($0))) }.filter { $0.1 <= 2 }
        return scored.min { $0.1 < $1.1 }?.0
    }

    // MARK: Pass 2: values

    /// Interprets each key (or its default). Returns the profile and the keys whose values
    /// were malformed (as "section\0key"), so rule checks can skip what they cannot judge.
    mutating func build() -> (TuningProfile, Set<String>) {
        var broken = Set<String>()
        var profile = TuningProfile(name: Self.defaultName(source), source: source)

        /// The key's value, or `nil` when it is required and missing or malformed.
        func required<T>(_ key: TuningKey, _ section: RawTuningSection,
                         _ interpret: (String) throws(TuningValueError) -> T) -> T? {
            guard let (text, line) = section.values[key.name] ?? key.defaultValue.map({ ($0, 0) }) else {
                report(section.line, "missing key '\(key.name)' in [\(section.id)]; add '\(key.name) = …' (\(key.syntax))")
                broken.insert(section.id + "\u{0}" + key.name)
                return nil
            }
            do {
                return try interpret(text)
            } catch {
                precondition(line != 0, "default '\(text)' of tuning key \(key.name) does not parse: \(error.message)")
                report(line, "bad value for '\(key.name)' in [\(section.id)]: \(error.message); expected \(key.syntax)")
                broken.insert(section.id + "\u{0}" + key.name)
                return nil
            }
        }
        /// The key's value; its declared default when absent or malformed (reported).
        func setting<T>(_ key: TuningKey, _ section: RawTuningSection,
                        _ interpret: (String) throws(TuningValueError) -> T) -> T {
            if let value = required(key, section, interpret) { return value }
            guard let text = key.defaultValue, let value = try? interpret(text) else {
                preconditionFailure("tuning key \(key.name) has no usable default")
            }
            return value
        }
        let cpuOrNone = { (text: String) throws(TuningValueError) -> Int? in try TuningValueSyntax.optionalNumber(text, none: "none") }
        let nodeOrAuto = { (text: String) throws(TuningValueError) -> Int? in try TuningValueSyntax.optionalNumber(text, none: "auto") }

        for section in sections {
            switch section.kind {
            case .profile:
                let name = setting(TuningKeys.profileName, section) { $0 }
                if !name.isEmpty { profile.name = name }
                profile.isolatedCores = setting(TuningKeys.isolatedCores, section, TuningValueSyntax.cpuList)
                profile.lockMemory = setting(TuningKeys.lockMemory, section, TuningValueSyntax.boolean)
                profile.hugePages = setting(TuningKeys.hugePages, section, TuningValueSyntax.boolean)
            case .thread:
                profile.threads.append(ThreadProfile(
                    name: section.name,
                    cpu: setting(TuningKeys.threadCPU, section, cpuOrNone),
                    numaNode: setting(TuningKeys.threadNUMANode, section, nodeOrAuto),
                    idle: setting(TuningKeys.threadIdle, section, TuningValueSyntax.idle),
                    policy: setting(TuningKeys.threadPolicy, section, TuningValueSyntax.policy),
                    agents: required(TuningKeys.threadAgents, section, TuningValueSyntax.nameList) ?? []))
            case .ring:
                profile.rings.append(RingProfile(
                    name: section.name,
                    capacity: setting(TuningKeys.ringCapacity, section, TuningValueSyntax.integer),
                    numaNode: setting(TuningKeys.ringNUMANode, section, nodeOrAuto)))
            case .socket:
                let mode = required(TuningKeys.socketMode, section) { text throws(TuningValueError) in
                    guard let mode = SocketMode(rawValue: text) else { throw TuningValueError("unknown socket mode '\(text)'") }
                    return mode
                }
                let agent = setting(TuningKeys.socketAgent, section) { text throws(TuningValueError) -> String? in
                    if text == "none" { return nil }
                    guard TuningValueSyntax.isName(text) else { throw TuningValueError("'\(text)' is not an agent name") }
                    return text
                }
                profile.sockets.append(SocketProfile(
                    name: section.name,
                    mode: mode ?? .blocking,
                    queueDepth: setting(TuningKeys.socketQueueDepth, section, TuningValueSyntax.integer),
                    receiveBufferBytes: setting(TuningKeys.socketReceiveBufferBytes, section, TuningValueSyntax.integer),
                    receiveBufferCount: setting(TuningKeys.socketReceiveBufferCount, section, TuningValueSyntax.integer),
                    noDelay: setting(TuningKeys.socketNoDelay, section, TuningValueSyntax.boolean),
                    agent: agent))
            }
        }
        profile.locations = locations
        return (profile, broken)
    }

    /// "tuning/dev-2core.conf" → "dev-2core".
    static func defaultName(_ source: String) -> String {
        let file = source.split(separator: "/").last.map(String.init) ?? source
        return file.hasSuffix(".conf") ? String(file.dropLast(5)) : file
    }
}
