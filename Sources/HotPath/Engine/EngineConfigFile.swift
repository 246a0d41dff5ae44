import PeregrineCore
import PeregrineFIX
import PeregrineFIXTransport
import PeregrinePlatform

/// A problem in an engine configuration file, with its place.
public struct EngineConfigProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var source: String
    public var line: Int
    public var message: String
    public var description: String { "\(source):\(line): \(message)" }
}

/// Every problem of an engine configuration file at once.
public struct EngineConfigErrors: Error, Sendable, CustomStringConvertible {
    public var problems: [EngineConfigProblem]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// The `peregrine run` configuration: `key = value` lines in `[engine]`, `[venue]` and
/// `[feed]` sections, `#` comments. Every key is declared once below with its meaning;
/// unknown keys, bad values and missing required keys are reported together with their
/// line ("did you mean" for near misses). See `config/engine.conf` for a complete example.
///
/// ```
/// [engine]
/// symbols = SPY,QQQ              # required; instrument ids in this order
/// journal = var/journal          # journal directory (recommended; enables recovery)
/// fix_store = var/fix            # order-session store directory (sequence numbers survive restarts)
/// recover = yes                  # rebuild orders and positions from the journal at start-up
/// risk = config/risk.conf        # risk limits (RiskConfigParser format); default: built-in limits
/// cql = config/momentum.cql      # continuous queries the strategies read; default: the built-in ones
/// backup = 10.0.0.2:7400         # stream the journal to `peregrine backup-server` (acks, resume)
/// control_socket = var/peregrine.sock   # operator commands (`peregrine ctl`)
/// cpu = 1                        # pin the engine thread
/// spin = no                      # spin when idle (isolated cores only)
/// socket_mode = blocking         # blocking | epoll | busy-poll | io_uring | io_uring-spin | io_uring-sqpoll
///
/// [venue]                        # FIX order entry
/// host = 127.0.0.1               # required
/// port = 9878                    # required
/// sender_comp_id = PEREGRINE
/// target_comp_id = SIMX
/// version = FIX.4.4              # FIX.4.2 | FIX.4.4 | FIXT.1.1
/// heartbeat = 30
/// account = DEMO
/// cancels_on_disconnect = yes    # the venue cancels our open orders when the session drops
/// tls = yes                      # FIX over TLS (OpenSSL), then:
/// tls_ca_file = /etc/peregrine/venue-ca.pem   # trust anchors for the venue's certificate
/// tls_server_name = fix.venue.example         # SNI and the name its certificate must carry
/// tls_certificate = … / tls_private_key = …   # a client certificate, if the venue asks
/// tls_verify_peer = yes
///
/// [feed]
/// kind = iqfeed                  # iqfeed (Level 1 protocol 6.2)
/// host = 127.0.0.1               # required
/// port = 5009                    # required
/// ```
public struct EngineConfigFile: Sendable {
    public var engine: EngineConfiguration
    public var riskFile: String?
    /// Continuous queries for the strategies (default: `ExampleSetup.momentumCQL`).
    public var cqlFile: String?
    public var controlSocket: String?
    /// A journal backup server (`peregrine backup-server`) to stream the journal to.
    public var backupServer: SocketAddress?

    static let keys: [String: [String]] = [
        "engine": ["symbols", "journal", "fix_store", "recover", "risk", "cql", "backup", "control_socket", "cpu", "spin", "socket_mode"],
        "venue": ["host", "port", "sender_comp_id", "target_comp_id", "version", "heartbeat", "account", "cancels_on_disconnect",
                  "tls", "tls_ca_file", "tls_certificate", "tls_private_key", "tls_server_name", "tls_verify_peer"],
        "feed": ["kind", "host", "port"],
    ]

    /// Parses `text` (cold; allocates). Relative paths are taken as given (relative to the
    /// working directory). Throws every problem at once.
    public static func parse(_ text: String, source: String = "<text>") throws(EngineConfigErrors) -> EngineConfigFile {
        var problems: [EngineConfigProblem] = []
        func problem(_ line: Int, _ message: String) { problems.append(EngineConfigProblem(source: source, line: line, message: message)) }
        var values: [String: (value: String, line: Int)] = [:]
        var section: String? = nil
        var lineNumber = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(raw)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let content = Self.trim(line)
            if content.isEmpty { continue }
            if content.hasPrefix("[") {
                guard content.hasSuffix("]") else { problem(lineNumber, "section header '\(content)' lacks ']'"); section = nil; continue }
                let name = Self.trim(content.dropFirst().dropLast())
                guard keys[name] != nil else {
                    problem(lineNumber, "unknown section [\(name)]; sections are [engine], [venue], [feed]")
                    section = nil
                    continue
                }
                section = name
                continue
            }
            guard let eq = content.firstIndex(of: "=") else { problem(lineNumber, "expected 'key = value', found '\(content)'"); continue }
            let key = Self.trim(content[..<eq]), value = Self.trim(content[content.index(after: eq)...])
            guard let section else { problem(lineNumber, "'\(key)' is outside a section"); continue }
            guard let known = keys[section], known.contains(key) else {
                let hint = Self.nearest(key, in: keys[section] ?? []).map { "; did you mean '\($0)'?" } ?? ""
                problem(lineNumber, "unknown key '\(key)' in [\(section)]\(hint)")
                continue
            }
            let full = "\(section).\(key)"
            if let previous = values[full] { problem(lineNumber, "'\(key)' repeats line \(previous.line) in [\(section)]"); continue }
            if value.isEmpty { problem(lineNumber, "'\(key)' has no value"); continue }
            values[full] = (value, lineNumber)
        }

        func string(_ key: String) -> String? { values[key]?.value }
        func line(_ key: String) -> Int { values[key]?.line ?? 0 }
        func required(_ key: String) -> String? {
            if let v = values[key]?.value { return v }
            problem(0, "missing required '\(key.split(separator: ".")[1])' in [\(key.split(separator: ".")[0])]")
            return nil
        }
        func bool(_ key: String, _ defaultValue: Bool) -> Bool {
            guard let v = string(key) else { return defaultValue }
            switch v.lowercased() {
            case "yes", "true", "on", "1": return true
            case "no", "false", "off", "0": return false
            default: problem(line(key), "'\(v)' is not yes/no"); return defaultValue
            }
        }
        func int(_ key: String, _ range: ClosedRange<Int>) -> Int? {
            guard let v = string(key) else { return nil }
            guard let n = Int(v), range.contains(n) else { problem(line(key), "'\(v)' is not an integer in \(range)"); return nil }
            return n
        }
        func address(_ prefix: String) -> SocketAddress? {
            guard let host = required("\(prefix).host"), let portText = required("\(prefix).port") else { return nil }
            guard let port = Int(portText), (1...65_535).contains(port) else {
                problem(line("\(prefix).port"), "'\(portText)' is not a port (1…65535)")
                return nil
            }
            do { return try SocketAddress(parsing: "\(host):\(port)") } catch {
                problem(line("\(prefix).host"), "'\(host)' is not an IPv4 address (\(error.reason))")
                return nil
            }
        }

        let symbols = (required("engine.symbols") ?? "").split(separator: ",").map { Self.trim($0) }.filter { !$0.isEmpty }
        if values["engine.symbols"] != nil {
            if symbols.isEmpty { problem(line("engine.symbols"), "no symbols listed") }
            if Set(symbols).count != symbols.count { problem(line("engine.symbols"), "a symbol is listed twice") }
        }
        let venue = address("venue")
        if let kind = string("feed.kind"), kind != "iqfeed" {
            problem(line("feed.kind"), "feed kind '\(kind)' is not supported by `peregrine run` yet (supported: iqfeed)")
        }
        let feed = address("feed")
        var configuration = EngineConfiguration(symbols: symbols, orderEntry: venue ?? .loopback(port: 1),
                                                feed: feed ?? .loopback(port: 1))
        configuration.journalDirectory = string("engine.journal")
        configuration.fixStoreDirectory = string("engine.fix_store")
        configuration.recoverFromJournal = bool("engine.recover", configuration.journalDirectory != nil)
        if configuration.recoverFromJournal && configuration.journalDirectory == nil {
            problem(line("engine.recover"), "recover = yes needs a journal directory")
        }
        if let cpu = int("engine.cpu", 0...4_095) { configuration.placement = ThreadPlacement(cpu: cpu) }
        configuration.spin = bool("engine.spin", false)
        if let mode = string("engine.socket_mode") {
            if let m = SocketMode(rawValue: mode) { configuration.socketMode = m } else {
                problem(line("engine.socket_mode"), "'\(mode)' is not one of \(SocketMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        if configuration.spin && configuration.placement.cpu == nil {
            problem(line("engine.spin"), "spin = yes needs cpu = N (a spinning thread must be pinned)")
        }
        if let v = string("venue.sender_comp_id") { configuration.senderCompID = v }
        if let v = string("venue.target_comp_id") { configuration.targetCompID = v }
        if let v = string("venue.version") {
            switch v {
            case "FIX.4.2": configuration.fixVersion = .fix42
            case "FIX.4.4": configuration.fixVersion = .fix44
            case "FIXT.1.1": configuration.fixVersion = .fixt11
            default: problem(line("venue.version"), "'\(v)' is not FIX.4.2, FIX.4.4 or FIXT.1.1")
            }
        }
        if let n = int("venue.heartbeat", 1...3_600) { configuration.heartbeatSeconds = n }
        if let v = string("venue.account") {
            if v.utf8.count > 31 { problem(line("venue.account"), "account longer than 31 bytes") }
            configuration.accountName = v
        }
        configuration.venueCancelsOnDisconnect = bool("venue.cancels_on_disconnect", true)
        if bool("venue.tls", false) {
            var tls = FIXTLSSettings.initiator(caFile: string("venue.tls_ca_file"), serverName: string("venue.tls_server_name"))
            tls.certificateFile = string("venue.tls_certificate")
            tls.privateKeyFile = string("venue.tls_private_key")
            tls.verifyPeer = bool("venue.tls_verify_peer", true)
            if (tls.certificateFile == nil) != (tls.privateKeyFile == nil) {
                problem(line("venue.tls_certificate") + line("venue.tls_private_key"), "tls_certificate and tls_private_key go together")
            }
            configuration.venueTLS = tls
        } else {
            for key in ["tls_ca_file", "tls_certificate", "tls_private_key", "tls_server_name", "tls_verify_peer"] where values["venue.\(key)"] != nil {
                problem(line("venue.\(key)"), "'\(key)' without tls = yes")
            }
        }
        var backup: SocketAddress? = nil
        if let text = string("engine.backup") {
            do { backup = try SocketAddress(parsing: text) } catch { problem(line("engine.backup"), "backup: \(error.reason)") }
            if configuration.journalDirectory == nil { problem(line("engine.backup"), "backup needs a journal directory") }
        }
        if !problems.isEmpty { throw EngineConfigErrors(problems: problems.sorted { $0.line < $1.line }) }
        return EngineConfigFile(engine: configuration, riskFile: string("engine.risk"), cqlFile: string("engine.cql"),
                                controlSocket: string("engine.control_socket"), backupServer: backup)
    }

    static func trim<S: StringProtocol>(_ s: S) -> String {
        var sub = Substring(s)
        while let f = sub.first, f == " " || f == "\t" || f == "\r" { sub = sub.dropFirst() }
        while let l = sub.last, l == " " || l == "\t" || l == "\r" { sub = sub.dropLast() }
        return String(sub)
    }

    /// The known key closest to `key` (edit distance ≤ 2), for "did you mean".
    static func nearest(_ key: String, in candidates: [String]) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var row = Array(0...b.count)
            for i in 1...max(1, a.count) where !a.isEmpty {
                var previous = row[0]
                row[0] = i
                for j in 1...max(1, b.count) where !b.isEmpty {
                    let old = row[j]
                    row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                    previous = old
                }
            }
            return row[b.count]
        }
        let k = Array(key)
        return candidates.map { ($0, distance(k, Array($0))) }.filter { $0.1 <= 2 }.min { $0.1 < $1.1 }?.0
    }
}
