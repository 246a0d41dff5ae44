import PeregrineCore
import PeregrineFIX
import PeregrinePlatform

/// Turns parsed sections into `FIXSessionSettings`, collecting every problem. Set-up only.
struct FIXSettingsBuilder {
    let source: String
    let baseDirectory: String?
    let now: Timestamp
    /// Application keys the caller accepts, lower-cased → as declared.
    let extraKeys: [String: String]
    var problems: [FIXSettingsProblem] = []
    var notes: [String] = []
    var sessions: [FIXSessionSettings] = []
    var dictionaries: [String: Result<FIXDictionary, FIXDictionaryError>] = [:]
    var tlsContexts: [(settings: FIXTLSSettings, role: FIXSessionRole, context: FIXTLSContext)] = []

    init(source: String, baseDirectory: String?, now: Timestamp, allowedExtraKeys: Set<String>) {
        self.source = source
        self.baseDirectory = baseDirectory
        self.now = now
        var keys: [String: String] = [:]
        for key in allowedExtraKeys { keys[key.lowercased()] = key }
        extraKeys = keys
    }

    func sortedProblems() -> [FIXSettingsProblem] {
        var seen = Set<String>()
        var unique: [FIXSettingsProblem] = []
        for problem in problems where seen.insert("\(problem.line)\u{1}\(problem.message)").inserted { unique.append(problem) }
        return unique.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element)
    }

    mutating func build(_ sections: [FIXSettingsSection]) {
        var defaults: [String: FIXSettingsEntry] = [:]
        for section in sections {
            for entry in section.entries { checkKey(entry) }
            guard section.kind == .defaults else { continue }
            for entry in section.entries {
                let key = entry.key.lowercased()
                if let earlier = defaults[key] {
                    problems.append(FIXSettingsProblem(source: source, line: entry.line,
                                                       message: "\(entry.key) is given twice in [DEFAULT] sections (first at line \(earlier.line)); keep one"))
                }
                defaults[key] = entry
            }
        }
        let sessionSections = sections.filter { $0.kind == .session }
        if sessionSections.isEmpty && problems.isEmpty {
            problems.append(FIXSettingsProblem(source: source, line: 0, message: "no [SESSION] section: there is no session to run"))
        }
        for section in sessionSections {
            var values = defaults
            for entry in section.entries { values[entry.key.lowercased()] = entry }
            var reader = FIXSettingsReader(source: source, sessionLine: section.line, values: values)
            let session = buildSession(&reader)
            problems += reader.problems
            if let session, reader.problems.isEmpty { sessions.append(session) }
        }
        checkAcrossSessions()
    }

    /// Unknown, ignored, fixed and refused keys — once per line, whichever section.
    mutating func checkKey(_ entry: FIXSettingsEntry) {
        guard let key = FIXSettingKey.named(entry.key) else {
            if extraKeys[entry.key.lowercased()] != nil { return }
            let suggestions = FIXSettingKey.suggestions(for: entry.key)
            let hint = suggestions.isEmpty ? "; FIX/SETTINGS.md lists the keys this engine reads"
                : "; did you mean \(suggestions.joined(separator: " or "))?"
            problems.append(FIXSettingsProblem(source: source, line: entry.line, message: "unknown key \(entry.key)\(hint)"))
            return
        }
        switch key.support {
        case .used: break
        case .ignored(let reason):
            notes.append("\(source):\(entry.line): \(key.name) is ignored: \(reason)")
        case .refused(let reason):
            problems.append(FIXSettingsProblem(source: source, line: entry.line, message: "\(key.name) is not supported: \(reason)"))
        case .fixed(let value, let reason):
            if entry.value.lowercased() != value.lowercased() {
                problems.append(FIXSettingsProblem(source: source, line: entry.line,
                                                   message: "\(key.name)=\(entry.value) is not supported: \(reason) (only \(value))"))
            }
        }
    }

    mutating func buildSession(_ r: inout FIXSettingsReader) -> FIXSessionSettings? {
        // Identity and role.
        var version: FIXVersion? = nil
        if let begin = r.required("BeginString", "for every session") {
            version = FIXVersion(rawValue: begin)
            if version == nil {
                r.problem("BeginString", "BeginString \(begin) is not supported; this engine speaks FIX.4.2, FIX.4.4 and FIXT.1.1")
            }
        }
        let sender = compID(&r, "SenderCompID")
        let target = compID(&r, "TargetCompID")
        var role: FIXSessionRole? = nil
        if let type = r.required("ConnectionType", "for every session") {
            role = FIXSessionRole(rawValue: type.lowercased())
            if role == nil { r.problem("ConnectionType", "ConnectionType=\(type) is neither initiator nor acceptor") }
        }
        var configuration = FIXSessionConfiguration(version: version ?? .fix44, senderCompID: sender ?? "",
                                                    targetCompID: target ?? "", role: role ?? .initiator)
        // Session behaviour.
        if role == .initiator {
            if !r.has("HeartBtInt") {
                r.problem(nil, "HeartBtInt is missing (required for initiators: the interval proposed in the Logon)")
            } else if let interval = r.integer("HeartBtInt", in: 1...3600, unit: " seconds") {
                configuration.heartbeatIntervalSeconds = interval
            }
        } else if r.has("HeartBtInt") {
            _ = r.integer("HeartBtInt", in: 1...3600, unit: " seconds")
        }
        configuration.resetOnLogon = r.bool("ResetOnLogon")
        configuration.resetOnLogout = r.bool("ResetOnLogout")
        configuration.resetOnDisconnect = r.bool("ResetOnDisconnect")
        configuration.persistMessages = r.bool("PersistMessages")
        configuration.checkCompIDs = r.bool("CheckCompID")
        let checkLatency = r.bool("CheckLatency")
        if let maxLatency = r.integer("MaxLatency", in: 1...86_400, unit: " seconds") {
            configuration.maxSendingTimeSkew = checkLatency ? .seconds(Int64(maxLatency)) : nil
        }
        if !checkLatency { configuration.maxSendingTimeSkew = nil }
        if let seconds = r.integer("LogonTimeout", in: 1...3600, unit: " seconds") { configuration.logonTimeout = .seconds(Int64(seconds)) }
        if let seconds = r.integer("LogoutTimeout", in: 1...3600, unit: " seconds") { configuration.logoutTimeout = .seconds(Int64(seconds)) }
        // Validation options (QuickFIX's names).
        configuration.validation.checkFieldOrder = r.bool("ValidateFieldsOutOfOrder")
        configuration.validation.checkFieldsHaveValues = r.bool("ValidateFieldsHaveValues")
        configuration.validation.checkUserDefinedFields = r.bool("ValidateUserDefinedFields")
        if r.bool("AllowUnknownMsgFields") {
            configuration.validation.checkUnknownFields = false
            configuration.validation.checkFieldsDefinedForMessage = false
        }
        let (dictionary, dictionaryPaths) = loadDictionaries(&r, version: version)
        if version == .fixt11, let applVerID = r.text("DefaultApplVerID"), applVerID != "9", applVerID.uppercased() != "FIX.5.0SP2" {
            r.problem("DefaultApplVerID", "DefaultApplVerID=\(applVerID) is not supported: this engine's FIXT.1.1 sessions speak FIX 5.0 SP2 (9)")
        } else if version != .fixt11 && version != nil && r.has("DefaultApplVerID") {
            r.problem("DefaultApplVerID", "DefaultApplVerID is for FIXT.1.1 sessions only (BeginString is \(version!.rawValue))")
        }
        let (schedule, zone) = readSchedule(&r)
        configuration.schedule = schedule
        // Transport.
        let endpoint = readEndpoint(&r, role: role)
        let reconnect = r.integer("ReconnectInterval", in: 1...86_400, unit: " seconds") ?? 30
        let storePath = readStorePath(&r, version: version, sender: sender, target: target)
        let refreshOnLogon = r.bool("RefreshOnLogon")
        if refreshOnLogon && storePath == nil {
            r.problem("RefreshOnLogon", "RefreshOnLogon=Y needs FileStorePath: a memory store has nothing to re-read")
        }
        let (tls, tlsContext) = readTLS(&r, role: role, endpoint: endpoint)
        var extras: [String: String] = [:]
        for (lowered, declared) in extraKeys { if let entry = r.entry(lowered) { extras[declared] = entry.value } }
        guard version != nil, sender != nil, target != nil, role != nil, let endpoint, r.problems.isEmpty else { return nil }
        return FIXSessionSettings(configuration: configuration, dictionary: dictionary, endpoint: endpoint,
                                  storePath: storePath, refreshOnLogon: refreshOnLogon,
                                  reconnectIntervalSeconds: reconnect, tls: tls, tlsContext: tlsContext,
                                  source: source, line: r.sessionLine, dictionaryPaths: dictionaryPaths,
                                  timeZone: zone, extraValues: extras)
    }

    func compID(_ r: inout FIXSettingsReader, _ name: String) -> String? {
        guard let value = r.required(name, "for every session") else { return nil }
        guard value.utf8.count <= 31, FIXInlineText(value) != nil else {
            r.problem(name, "\(name) \"\(value)\" is longer than 31 bytes (the encoder's inline CompID)")
            return nil
        }
        guard value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x3D }) else {
            r.problem(name, "\(name) \"\(value)\" must be printable ASCII without spaces or '='")
            return nil
        }
        return value
    }

    /// A path as written when absolute, else under `baseDirectory`.
    func resolve(_ path: String) -> String {
        guard let baseDirectory, !path.hasPrefix("/") else { return path }
        return baseDirectory == "." ? path : baseDirectory + "/" + path
    }

    /// DataDictionary (FIX.4.x) or TransportDataDictionary + AppDataDictionary (FIXT.1.1),
    /// each distinct file loaded once.
    mutating func loadDictionaries(_ r: inout FIXSettingsReader, version: FIXVersion?) -> (FIXDictionary?, [String]) {
        guard r.bool("UseDataDictionary"), let version else { return (nil, []) }
        if version == .fixt11 {
            if r.has("DataDictionary") && !r.has("TransportDataDictionary") {
                r.problem("DataDictionary", "a FIXT.1.1 session takes TransportDataDictionary (FIXT11.xml) and AppDataDictionary (e.g. FIX50SP2.xml), not DataDictionary")
                return (nil, [])
            }
            guard let transport = r.required("TransportDataDictionary", "for FIXT.1.1 sessions while UseDataDictionary=Y"),
                  let application = r.required("AppDataDictionary", "for FIXT.1.1 sessions while UseDataDictionary=Y") else { return (nil, []) }
            let paths = [resolve(transport), resolve(application)]
            let cacheKey = paths.joined(separator: "\u{1}")
            if dictionaries[cacheKey] == nil {
                do { dictionaries[cacheKey] = .success(try FIXDictionary.load(transportPath: paths[0], applicationPath: paths[1])) }
                catch { dictionaries[cacheKey] = .failure(error) }
            }
            switch dictionaries[cacheKey]! {
            case .success(let dictionary):
                if dictionary.beginString != "FIXT.1.1" {
                    r.problem("TransportDataDictionary", "TransportDataDictionary \(transport) describes \(dictionary.beginString), not FIXT.1.1")
                }
                return (dictionary, paths)
            case .failure(let error):
                let key = paths[1].hasSuffix(error.source) || error.source == paths[1] ? "AppDataDictionary" : "TransportDataDictionary"
                r.problem(key, "cannot load the dictionary: \(error)")
                return (nil, paths)
            }
        }
        for key in ["TransportDataDictionary", "AppDataDictionary"] where r.has(key) {
            r.problem(key, "\(key) is for FIXT.1.1 sessions; a \(version.rawValue) session takes DataDictionary")
        }
        guard let written = r.required("DataDictionary", "while UseDataDictionary=Y (the QuickFIX XML to validate against, or UseDataDictionary=N)") else {
            return (nil, [])
        }
        let path = resolve(written)
        if dictionaries[path] == nil {
            do { dictionaries[path] = .success(try FIXDictionary.load(path: path)) } catch { dictionaries[path] = .failure(error) }
        }
        switch dictionaries[path]! {
        case .success(let dictionary):
            if dictionary.beginString != version.rawValue {
                r.problem("DataDictionary", "DataDictionary \(written) describes \(dictionary.beginString) but BeginString is \(version.rawValue)")
            }
            return (dictionary, [path])
        case .failure(let error):
            r.problem("DataDictionary", "cannot load the dictionary: \(error)")
            return (nil, [path])
        }
    }

    /// Duplicate sessions; acceptors sharing a port must agree on address, mode and TLS.
    mutating func checkAcrossSessions() {
        var seen: [String: Int] = [:]
        for session in sessions {
            let identity = session.name
            if let first = seen[identity] {
                problems.append(FIXSettingsProblem(source: source, line: session.line,
                                                   message: "session \(identity) is defined twice (first at line \(first)); remove one or change a CompID"))
            } else {
                seen[identity] = session.line
            }
        }
        var byPort: [UInt16: FIXSessionSettings] = [:]
        for session in sessions where session.configuration.role == .acceptor {
            guard let first = byPort[session.endpoint.address.port] else {
                byPort[session.endpoint.address.port] = session
                continue
            }
            if first.endpoint != session.endpoint || first.tls != session.tls {
                problems.append(FIXSettingsProblem(
                    source: source, line: session.line,
                    message: "acceptor sessions on port \(session.endpoint.address.port) must share SocketAcceptAddress, SocketMode and TLS settings (this one differs from the session at line \(first.line))"))
            }
        }
    }
}
