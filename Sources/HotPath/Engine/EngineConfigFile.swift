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
/// model = var/imbalance.pmodel   # the imbalance strategy's model artifact (`ctl reload-model` swaps it live)
/// model_watch = 1                # seconds between checks of the model file; a replaced file (e.g. by
///                                # `peregrine train`) is loaded and swapped in live; 0 = off
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
/// [venue.ib]                     # another venue (routed to by [route] rules), here over TWS
/// protocol = tws                 # fix (default) | tws: orders over the TWS API (TWS / IB Gateway)
/// host = 127.0.0.1
/// port = 7497
/// client_id = 11                 # the order connection's API client id (not the feed's)
/// account = DU123456             # the IB account on every order
///
/// [feed]
/// kind = iqfeed                  # iqfeed (Level 1 protocol 6.2); tws (TWS / IB Gateway, with
///                                # client_id); or fix: MarketDataRequest on the primary venue's
///                                # order session (no host/port then)
/// host = 127.0.0.1               # required
/// port = 5009                    # required
/// ```
public struct EngineConfigFile: Sendable {
    public var engine: EngineConfiguration
    public var riskFile: String?
    /// Continuous queries for the strategies (default: `ExampleSetup.momentumCQL`).
    public var cqlFile: String?
    /// The imbalance strategy's model artifact (default: the built-in sample model).
    public var modelFile: String? = nil
    /// Seconds between checks for a replaced model file (0: never; `ctl reload-model` still works).
    public var modelWatchSeconds: Double = 1
    public var controlSocket: String?
    /// A journal backup server (`peregrine backup-server`) to stream the journal to.
    public var backupServer: SocketAddress?

    static let keys: [String: [String]] = [
        "engine": ["symbols", "journal", "fix_store", "recover", "risk", "cql", "model", "model_watch", "backup", "control_socket", "cpu", "spin", "socket_mode"],
        "venue": ["name", "host", "port", "sender_comp_id", "target_comp_id", "version", "heartbeat", "account", "cancels_on_disconnect",
                  "tls", "tls_ca_file", "tls_certificate", "tls_private_key", "tls_server_name", "tls_verify_peer", "extra_fields",
                  "protocol", "client_id"],
        "feed": ["kind", "host", "port", "client_id"],
    ]

    /// Parses `text` (cold; allocates). Relative paths are taken as given (relative to the
    /// working directory). Throws every problem at once.
    public static func parse(_ text: String, source: String = "<text>") throws(EngineConfigErrors) -> EngineConfigFile {
        var problems: [EngineConfigProblem] = []
        func problem(_ line: Int, _ message: String) { problems.append(EngineConfigProblem(source: source, line: line, message: message)) }
        var values: [String: (value: String, line: Int)] = [:]
        var section: String? = nil
        var extraVenueNames: [(name: String, line: Int)] = []
        var routeLines: [(text: String, line: Int)] = []
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
                if name == "route" { section = "route"; continue }
                if name.hasPrefix("venue.") {
                    let venue = String(name.dropFirst(6))
                    if venue.isEmpty || venue.contains(" ") || venue.contains(".") {
                        problem(lineNumber, "venue section [\(name)] needs a one-word name, e.g. [venue.dark]")
                        section = nil
                    } else if extraVenueNames.contains(where: { $0.name == venue }) {
                        problem(lineNumber, "[venue.\(venue)] appears twice")
                        section = nil
                    } else {
                        extraVenueNames.append((venue, lineNumber))
                        section = name
                    }
                    continue
                }
                guard keys[name] != nil else {
                    problem(lineNumber, "unknown section [\(name)]; sections are [engine], [venue], [venue.NAME], [route], [feed]")
                    section = nil
                    continue
                }
                section = name
                continue
            }
            if section == "route" { routeLines.append((content, lineNumber)); continue }
            guard let eq = content.firstIndex(of: "=") else { problem(lineNumber, "expected 'key = value', found '\(content)'"); continue }
            let key = Self.trim(content[..<eq]), value = Self.trim(content[content.index(after: eq)...])
            guard let section else { problem(lineNumber, "'\(key)' is outside a section"); continue }
            let kind = section.hasPrefix("venue.") ? "venue" : section
            guard let known = keys[kind], known.contains(key) else {
                let hint = Self.nearest(key, in: keys[kind] ?? []).map { "; did you mean '\($0)'?" } ?? ""
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
            let dot = key.lastIndex(of: ".")!
            problem(0, "missing required '\(key[key.index(after: dot)...])' in [\(key[..<dot])]")
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

        /// One venue section's values (primary `[venue]` or `[venue.NAME]`).
        func venueSpec(_ prefix: String, name: String, address: SocketAddress?) -> AdditionalVenue {
            var v = AdditionalVenue(name: name, orderEntry: address ?? .loopback(port: 1), targetCompID: string("\(prefix).target_comp_id") ?? "SIMX")
            if let x = string("\(prefix).sender_comp_id") { v.senderCompID = x }
            if let x = string("\(prefix).version") {
                switch x {
                case "FIX.4.2": v.fixVersion = .fix42
                case "FIX.4.4": v.fixVersion = .fix44
                case "FIXT.1.1": v.fixVersion = .fixt11
                default: problem(line("\(prefix).version"), "'\(x)' is not FIX.4.2, FIX.4.4 or FIXT.1.1")
                }
            }
            if let n = int("\(prefix).heartbeat", 1...3_600) { v.heartbeatSeconds = n }
            if let x = string("\(prefix).account") {
                if x.utf8.count > 31 { problem(line("\(prefix).account"), "account longer than 31 bytes") }
                v.accountName = x
            }
            v.cancelsOnDisconnect = bool("\(prefix).cancels_on_disconnect", true)
            if let x = string("\(prefix).protocol") {
                if let p = VenueOrderProtocol(rawValue: x) { v.orderProtocol = p } else {
                    problem(line("\(prefix).protocol"), "protocol '\(x)' is not fix or tws")
                }
            }
            if v.orderProtocol == .tws {
                if prefix == "venue" { problem(line("venue.protocol"), "the primary [venue] speaks FIX; put a TWS venue in [venue.NAME] and route to it") }
                if values["\(prefix).cancels_on_disconnect"] != nil {
                    problem(line("\(prefix).cancels_on_disconnect"), "'cancels_on_disconnect' is for FIX venues (TWS keeps API orders when the client drops)")
                }
                v.cancelsOnDisconnect = false
                if let n = int("\(prefix).client_id", 0...999_999) { v.twsClientId = n }
            } else if values["\(prefix).client_id"] != nil {
                problem(line("\(prefix).client_id"), "'client_id' is for protocol = tws")
            }
            if bool("\(prefix).tls", false) {
                var tls = FIXTLSSettings.initiator(caFile: string("\(prefix).tls_ca_file"), serverName: string("\(prefix).tls_server_name"))
                tls.certificateFile = string("\(prefix).tls_certificate")
                tls.privateKeyFile = string("\(prefix).tls_private_key")
                tls.verifyPeer = bool("\(prefix).tls_verify_peer", true)
                if (tls.certificateFile == nil) != (tls.privateKeyFile == nil) {
                    problem(line("\(prefix).tls_certificate") + line("\(prefix).tls_private_key"), "tls_certificate and tls_private_key go together")
                }
                v.tls = tls
            } else {
                for key in ["tls_ca_file", "tls_certificate", "tls_private_key", "tls_server_name", "tls_verify_peer"] where values["\(prefix).\(key)"] != nil {
                    problem(line("\(prefix).\(key)"), "'\(key)' without tls = yes")
                }
            }
            if let text = string("\(prefix).extra_fields") {
                for item in text.split(separator: ",") {
                    let pair = item.split(separator: "=", maxSplits: 1).map { Self.trim($0) }
                    guard pair.count == 2, let tag = Int(pair[0]), tag > 0, !pair[1].isEmpty,
                          ![8, 9, 10, 34, 35, 49, 52, 56].contains(tag) else {
                        problem(line("\(prefix).extra_fields"), "extra field '\(Self.trim(item))' is not TAG=VALUE with a body tag")
                        continue
                    }
                    v.extraOrderFields.append(OrderFieldMapping(tag: tag, value: pair[1]))
                }
            }
            return v
        }

        /// `VENUE [when COND, COND…]`: conditions `symbol=SYM`, `type=limit|market|stop|stop_limit`,
        /// `side=buy|sell`, `min_qty=N`, `max_qty=N`.
        func parseRoute(_ text: String, venueNames: [String], symbols: [String], line: Int) -> RouteRule? {
            var head = text[...], tail: Substring = ""
            if let range = text.firstRange(of: " when ") { head = text[..<range.lowerBound]; tail = text[range.upperBound...] }
            let venueName = Self.trim(head)
            guard let venue = venueNames.firstIndex(of: venueName) else {
                problem(line, "route names venue '\(venueName)'; venues are \(venueNames.joined(separator: ", "))")
                return nil
            }
            var rule = RouteRule(venue: venue)
            for condition in tail.split(separator: ",") {
                let pair = condition.split(separator: "=", maxSplits: 1).map { Self.trim($0) }
                guard pair.count == 2 else { problem(line, "route condition '\(Self.trim(condition))' is not NAME=VALUE"); continue }
                switch pair[0] {
                case "symbol":
                    if let i = symbols.firstIndex(of: pair[1]) { rule.instrument = InstrumentId(rawValue: UInt32(i)) } else {
                        problem(line, "route symbol '\(pair[1])' is not in symbols")
                    }
                case "type":
                    switch pair[1] {
                    case "limit": rule.orderType = .limit
                    case "market": rule.orderType = .market
                    case "stop": rule.orderType = .stop
                    case "stop_limit": rule.orderType = .stopLimit
                    default: problem(line, "route type '\(pair[1])' is not limit, market, stop or stop_limit")
                    }
                case "side":
                    switch pair[1] {
                    case "buy": rule.side = .buy
                    case "sell": rule.side = .sell
                    default: problem(line, "route side '\(pair[1])' is not buy or sell")
                    }
                case "min_qty", "max_qty":
                    guard let q = Quantity(pair[1]), q.rawValue > 0 else { problem(line, "route \(pair[0]) '\(pair[1])' is not a positive quantity"); continue }
                    if pair[0] == "min_qty" { rule.minimumQuantity = q } else { rule.maximumQuantity = q }
                default:
                    let hint = Self.nearest(pair[0], in: ["symbol", "type", "side", "min_qty", "max_qty"]).map { "; did you mean '\($0)'?" } ?? ""
                    problem(line, "unknown route condition '\(pair[0])'\(hint)")
                }
            }
            return rule
        }

        let symbols = (required("engine.symbols") ?? "").split(separator: ",").map { Self.trim($0) }.filter { !$0.isEmpty }
        if values["engine.symbols"] != nil {
            if symbols.isEmpty { problem(line("engine.symbols"), "no symbols listed") }
            if Set(symbols).count != symbols.count { problem(line("engine.symbols"), "a symbol is listed twice") }
        }
        let venue = address("venue")
        var feedKind = FeedKind.iqfeed
        if let kind = string("feed.kind") {
            if let k = FeedKind(rawValue: kind) { feedKind = k } else {
                problem(line("feed.kind"), "feed kind '\(kind)' is not supported (iqfeed; tws; or fix: market data on the primary venue's FIX session)")
            }
        }
        let feed = feedKind == .fix ? nil : address("feed")
        var configuration = EngineConfiguration(symbols: symbols, orderEntry: venue ?? .loopback(port: 1),
                                                feed: feed ?? .loopback(port: 1))
        configuration.feedKind = feedKind
        if let n = int("feed.client_id", 0...999_999) { configuration.twsClientId = n }
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
        let primary = venueSpec("venue", name: string("venue.name") ?? "primary", address: venue)
        configuration.venueName = primary.name
        configuration.extraOrderFields = primary.extraOrderFields
        for (name, _) in extraVenueNames {
            let prefix = "venue.\(name)"
            configuration.additionalVenues.append(venueSpec(prefix, name: name, address: address(prefix)))
        }
        for (k, v) in configuration.additionalVenues.enumerated() where v.orderProtocol == .tws {
            let prefix = "venue.\(v.name)"
            if feedKind == .tws && v.twsClientId == configuration.twsClientId {
                problem(line("\(prefix).client_id"), "[\(prefix)] client_id \(v.twsClientId) is the TWS feed's; TWS takes one connection per client id")
            }
            if configuration.additionalVenues[..<k].contains(where: { $0.orderProtocol == .tws && $0.twsClientId == v.twsClientId && $0.orderEntry == v.orderEntry }) {
                problem(line("\(prefix).client_id"), "[\(prefix)] client_id \(v.twsClientId) is used by another TWS venue at the same address")
            }
        }
        if let v = string("venue.sender_comp_id") { configuration.senderCompID = v }
        if let v = string("venue.target_comp_id") { configuration.targetCompID = v }
        configuration.fixVersion = primary.fixVersion
        configuration.heartbeatSeconds = primary.heartbeatSeconds
        configuration.accountName = primary.accountName
        configuration.venueCancelsOnDisconnect = primary.cancelsOnDisconnect
        configuration.venueTLS = primary.tls
        let venueNames = [configuration.venueName] + configuration.additionalVenues.map(\.name)
        for (text, lineNumber) in routeLines {
            if let rule = parseRoute(text, venueNames: venueNames, symbols: symbols, line: lineNumber) { configuration.routes.append(rule) }
        }
        var backup: SocketAddress? = nil
        if let text = string("engine.backup") {
            do { backup = try SocketAddress(parsing: text) } catch { problem(line("engine.backup"), "backup: \(error.reason)") }
            if configuration.journalDirectory == nil { problem(line("engine.backup"), "backup needs a journal directory") }
        }
        var modelWatch = 1.0
        if let text = string("engine.model_watch") {
            if let seconds = Double(text), seconds >= 0, seconds <= 86_400 { modelWatch = seconds } else {
                problem(line("engine.model_watch"), "model_watch must be seconds between 0 (off) and 86400 (got '\(text)')")
            }
            if string("engine.model") == nil && modelWatch > 0 { problem(line("engine.model_watch"), "model_watch needs model = FILE") }
        }
        if !problems.isEmpty { throw EngineConfigErrors(problems: problems.sorted { $0.line < $1.line }) }
        return EngineConfigFile(engine: configuration, riskFile: string("engine.risk"), cqlFile: string("engine.cql"),
                                modelFile: string("engine.model"), modelWatchSeconds: modelWatch,
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
