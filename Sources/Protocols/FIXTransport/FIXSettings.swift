import PeregrineCore
import PeregrineFIX
import PeregrinePlatform

/// A QuickFIX-style settings file (`[DEFAULT]` and `[SESSION]` sections of `key=value`
/// lines) parsed once into immutable per-session values: `FIXSessionConfiguration`,
/// dictionary, endpoint, store path, TLS. Key reference: `FIXSettingKey.all` and
/// FIX/SETTINGS.md.
///
/// Every problem is collected and reported at once with file:line (`FIXSettingsError`):
/// syntax, unknown keys (with "did you mean"), bad values, missing required keys, refused
/// features, unreadable dictionaries and certificates, duplicate sessions, acceptors on one
/// port that disagree. Keys accepted but ignored are listed in `notes`.
///
/// Set-up only (reads files, resolves host names, allocates); throws `FIXSettingsError`.
public struct FIXSettings: Sendable {
    /// One per [SESSION], in file order.
    public let sessions: [FIXSessionSettings]
    /// Things worth printing at start-up that are not errors (ignored keys, time zones
    /// resolved to a fixed offset, sessions without a schedule).
    public let notes: [String]

    /// Loads `path`. Relative dictionary, certificate and store paths are taken from the
    /// settings file's directory (QuickFIX takes them from the process's working directory;
    /// pass `baseDirectory: "."` for that). `now` resolves zoneinfo time zones.
    /// `allowedExtraKeys` are application keys accepted and returned in `extraValues`.
    public static func load(path: String, baseDirectory: String? = nil, now: Timestamp = Clock.now(),
                            allowedExtraKeys: Set<String> = []) throws(FIXSettingsError) -> FIXSettings {
        var problems: [FIXSettingsProblem] = []
        guard let text = FIXSettingsFile.read(path: path, problems: &problems) else {
            throw FIXSettingsError(problems: problems)
        }
        var directory = "."
        if let slash = path.lastIndex(of: "/") { directory = slash == path.startIndex ? "/" : String(path[..<slash]) }
        return try FIXSettings(text: text, source: path, baseDirectory: baseDirectory ?? directory, now: now,
                               allowedExtraKeys: allowedExtraKeys)
    }

    /// Parses settings text; `source` names it in problems, `baseDirectory` anchors
    /// relative paths (nil: as written, i.e. the working directory).
    public init(text: String, source: String = "<settings>", baseDirectory: String? = nil, now: Timestamp = Clock.now(),
                allowedExtraKeys: Set<String> = []) throws(FIXSettingsError) {
        var builder = FIXSettingsBuilder(source: source, baseDirectory: baseDirectory, now: now,
                                         allowedExtraKeys: allowedExtraKeys)
        let sections = FIXSettingsFile.parse(text, source: source, problems: &builder.problems)
        builder.build(sections)
        if !builder.problems.isEmpty {
            throw FIXSettingsError(problems: builder.sortedProblems())
        }
        sessions = builder.sessions
        notes = builder.notes
    }

    /// The initiator sessions.
    public var initiators: [FIXSessionSettings] { sessions.filter { $0.configuration.role == .initiator } }

    /// The acceptor sessions grouped by listening address (one `FIXAcceptor` each).
    public var acceptors: [FIXAcceptorSettings] {
        var groups: [FIXAcceptorSettings] = []
        for session in sessions where session.configuration.role == .acceptor {
            if let index = groups.firstIndex(where: { $0.endpoint.address.port == session.endpoint.address.port }) {
                groups[index].sessions.append(session)
            } else {
                groups.append(FIXAcceptorSettings(endpoint: session.endpoint, tlsContext: session.tlsContext, sessions: [session]))
            }
        }
        return groups
    }

    /// The session whose identity is `version sender->target`, if any.
    public func session(version: FIXVersion, senderCompID: String, targetCompID: String) -> FIXSessionSettings? {
        sessions.first {
            $0.configuration.version == version && $0.configuration.senderCompID == senderCompID
                && $0.configuration.targetCompID == targetCompID
        }
    }

    /// Every session's effective values and the notes (print at start-up).
    public var effectiveDescription: String {
        var text = sessions.map(\.effectiveDescription).joined(separator: "\n")
        if !notes.isEmpty { text += "\nnotes:\n" + notes.map { "  " + $0 }.joined(separator: "\n") }
        return text
    }
}
