import PeregrineCore
import PeregrineFIX
import PeregrinePlatform
#if canImport(Glibc)
import Glibc
#endif

/// The schedule, endpoint, store and TLS keys of one session.
extension FIXSettingsBuilder {
    // MARK: - Schedule

    mutating func readSchedule(_ r: inout FIXSettingsReader) -> (FIXSessionSchedule, String) {
        let zone = r.text("TimeZone") ?? "UTC"
        var offset = 0
        var observesDaylightSaving = false
        switch FIXTimeZone.resolve(zone, at: now) {
        case .success(let resolution):
            offset = resolution.offsetSeconds
            observesDaylightSaving = resolution.observesDaylightSaving
        case .failure(let error):
            r.problem("TimeZone", error.message)
        }
        let scheduleKeys = ["StartTime", "EndTime", "StartDay", "EndDay", "Weekdays"]
        if r.bool("NonStopSession") {
            for key in scheduleKeys where r.has(key) {
                r.problem(key, "\(key) conflicts with NonStopSession=Y (a non-stop session has no window)")
            }
            return (.always, zone)
        }
        let hasStart = r.has("StartTime")
        let hasEnd = r.has("EndTime")
        if !hasStart && !hasEnd {
            for key in ["StartDay", "EndDay", "Weekdays"] where r.has(key) {
                r.problem(key, "\(key) needs StartTime and EndTime")
            }
            notes.append("\(source):\(r.sessionLine): no StartTime/EndTime: this session never closes and never resets by schedule (NonStopSession)")
            return (.always, zone)
        }
        if hasStart != hasEnd {
            r.problem(hasStart ? "StartTime" : "EndTime", "\(hasStart ? "EndTime" : "StartTime") is missing: give both StartTime and EndTime, or neither")
        }
        let start = hasStart ? r.timeOfDay("StartTime") : nil
        let end = hasEnd ? r.timeOfDay("EndTime") : nil
        let startDay = r.has("StartDay") ? r.weekday("StartDay") : nil
        let endDay = r.has("EndDay") ? r.weekday("EndDay") : nil
        if r.has("StartDay") != r.has("EndDay") {
            r.problem(r.has("StartDay") ? "StartDay" : "EndDay", "give both StartDay and EndDay (a weekly session), or neither (a daily one)")
        }
        var weekdays: UInt8 = 0x7F
        if r.has("Weekdays"), let text = r.text("Weekdays") {
            weekdays = 0
            for part in text.split(separator: ",") {
                let name = FIXSettingsFile.trim(part)
                if let day = FIXSettingsReader.weekday(name) { weekdays |= 1 << UInt8(day) } else {
                    r.problem("Weekdays", "Weekdays: \"\(name)\" is not a day of the week (e.g. Mon,Tue,Wed,Thu,Fri)")
                }
            }
            if r.has("StartDay") { r.problem("Weekdays", "Weekdays (a daily session on some days) conflicts with StartDay/EndDay (a weekly one)") }
        }
        guard let start, let end else { return (.always, zone) }
        if observesDaylightSaving {
            let sign = offset < 0 ? "-" : "+"
            let magnitude = abs(offset)
            let text = "\(magnitude / 3600):\(magnitude / 60 % 60 < 10 ? "0" : "")\(magnitude / 60 % 60)"
            notes.append("\(source):\(r.line("TimeZone")): TimeZone \(zone) is UTC\(sign)\(text) now; it observes daylight saving, so reload the settings after its offset changes")
        }
        if let startDay, let endDay {
            return (.weekly(startWeekday: startDay, startSecondOfDay: start, endWeekday: endDay, endSecondOfDay: end,
                            utcOffsetSeconds: offset), zone)
        }
        // StartTime = EndTime: a 24-hour session that resets at StartTime (QuickFIX).
        let last = start == end ? (start + 86_399) % 86_400 : end
        return (FIXSessionSchedule(startSecondOfDay: start, endSecondOfDay: last, weekdays: weekdays, utcOffsetSeconds: offset), zone)
    }

    // MARK: - Endpoint and store

    mutating func readEndpoint(_ r: inout FIXSettingsReader, role: FIXSessionRole?) -> FIXEndpoint? {
        var mode = SocketMode.blocking
        if let text = r.text("SocketMode") {
            if let parsed = SocketMode(rawValue: text.lowercased()) { mode = parsed } else {
                r.problem("SocketMode", "SocketMode=\(text) is not one of \(SocketMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        switch role {
        case .initiator:
            let host = r.required("SocketConnectHost", "for initiators")
            var port: Int? = nil
            if r.has("SocketConnectPort") { port = r.integer("SocketConnectPort", in: 1...65_535) } else {
                r.problem(nil, "SocketConnectPort is missing (required for initiators)")
            }
            guard let host, let port else { return nil }
            switch Self.resolveIPv4(host) {
            case .success(let bits): return FIXEndpoint(address: SocketAddress(hostBits: bits, port: UInt16(port)), mode: mode)
            case .failure(let reason):
                r.problem("SocketConnectHost", "cannot resolve SocketConnectHost \(host): \(reason)")
                return nil
            }
        case .acceptor:
            if !r.has("SocketAcceptPort") { r.problem(nil, "SocketAcceptPort is missing (required for acceptors)") }
            guard r.has("SocketAcceptPort"), let port = r.integer("SocketAcceptPort", in: 0...65_535) else { return nil }
            let host = r.text("SocketAcceptAddress") ?? "0.0.0.0"
            guard let address = try? SocketAddress(parsing: host + ":\(port)") else {
                r.problem("SocketAcceptAddress", "SocketAcceptAddress=\(host) is not an IPv4 address (e.g. 0.0.0.0 or 127.0.0.1)")
                return nil
            }
            return FIXEndpoint(address: address, mode: mode)
        case nil:
            return nil
        }
    }

    /// IPv4 address of `host` (dotted quad, or a name through the system resolver), host
    /// byte order.
    static func resolveIPv4(_ host: String) -> Result<UInt32, FIXTimeZoneError> {
        if let address = try? SocketAddress(parsing: host + ":0") { return .success(address.hostBits) }
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>? = nil
        let rc = getaddrinfo(host, nil, &hints, &result)
        guard rc == 0, let first = result, let address = first.pointee.ai_addr else {
            let reason = rc == 0 ? "no IPv4 address" : String(cString: gai_strerror(rc))
            if result != nil { freeaddrinfo(result) }
            return .failure(FIXTimeZoneError(reason))
        }
        defer { freeaddrinfo(result) }
        let bits = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt32(bigEndian: $0.pointee.sin_addr.s_addr) }
        return .success(bits)
    }

    func readStorePath(_ r: inout FIXSettingsReader, version: FIXVersion?, sender: String?, target: String?) -> String? {
        guard r.has("FileStorePath"), let written = r.text("FileStorePath") else { return nil }
        let directory = resolve(written)
        var info = stat()
        if stat(directory, &info) == 0 && (info.st_mode & S_IFMT) != S_IFDIR {
            r.problem("FileStorePath", "FileStorePath \(written) is a file; it must be a directory (created when missing)")
        }
        guard let version, let sender, let target else { return nil }
        return directory + "/\(version.rawValue)-\(sender)-\(target).fixstore"
    }

    // MARK: - TLS

    static let tlsKeys = ["ServerCertificateFile", "ServerCertificateKeyFile", "ClientCertificateFile", "ClientCertificateKeyFile",
                          "CertificationAuthoritiesFile", "CertificationAuthoritiesDirectory", "CertificateVerifyLevel",
                          "SSLProtocol", "SSLCipherSuite", "SSLServerName"]

    mutating func readTLS(_ r: inout FIXSettingsReader, role: FIXSessionRole?,
                          endpoint: FIXEndpoint?) -> (FIXTLSSettings?, FIXTLSContext?) {
        guard r.bool("SocketUseSSL") else {
            for key in Self.tlsKeys where r.has(key) {
                r.problem(key, "\(key) is set but SocketUseSSL is not Y: add SocketUseSSL=Y to use TLS (QuickFIX C++ turns TLS on by choosing its SSL acceptor or initiator), or remove \(key)")
            }
            return (nil, nil)
        }
        guard let role else { return (nil, nil) }
        let before = r.problems.count
        var settings = FIXTLSSettings(role: role)
        switch role {
        case .acceptor:
            for key in ["ClientCertificateFile", "ClientCertificateKeyFile", "SSLServerName"] where r.has(key) {
                r.problem(key, "\(key) is for initiators; an acceptor presents ServerCertificateFile")
            }
            settings.certificateFile = r.required("ServerCertificateFile", "for TLS acceptors (SocketUseSSL=Y)").map(resolve)
            settings.privateKeyFile = r.has("ServerCertificateKeyFile") ? r.text("ServerCertificateKeyFile").map(resolve) : settings.certificateFile
        case .initiator:
            for key in ["ServerCertificateFile", "ServerCertificateKeyFile"] where r.has(key) {
                r.problem(key, "\(key) is the acceptor's certificate; an initiator presents ClientCertificateFile (when asked)")
            }
            settings.certificateFile = r.has("ClientCertificateFile") ? r.text("ClientCertificateFile").map(resolve) : nil
            if r.has("ClientCertificateKeyFile") {
                settings.privateKeyFile = r.text("ClientCertificateKeyFile").map(resolve)
                if settings.certificateFile == nil {
                    r.problem("ClientCertificateKeyFile", "ClientCertificateKeyFile without ClientCertificateFile")
                }
            } else {
                settings.privateKeyFile = settings.certificateFile
            }
            settings.serverName = r.has("SSLServerName") ? r.text("SSLServerName") : r.entry("SocketConnectHost")?.value
        }
        if r.has("CertificationAuthoritiesFile") { settings.caFile = r.text("CertificationAuthoritiesFile").map(resolve) }
        if r.has("CertificationAuthoritiesDirectory") { settings.caDirectory = r.text("CertificationAuthoritiesDirectory").map(resolve) }
        if r.has("CertificateVerifyLevel"), let level = r.integer("CertificateVerifyLevel", in: 0...3) {
            settings.verifyPeer = level >= 1
            settings.requirePeerCertificate = role == .acceptor && level >= 2
            if role == .acceptor && level >= 1 && settings.caFile == nil && settings.caDirectory == nil {
                r.problem("CertificateVerifyLevel", "CertificateVerifyLevel=\(level) on an acceptor needs CertificationAuthoritiesFile or CertificationAuthoritiesDirectory (the authorities client certificates are checked against)")
            }
            if role == .initiator && level == 0 {
                notes.append("\(source):\(r.line("CertificateVerifyLevel")): CertificateVerifyLevel=0: the acceptor's certificate is not verified")
            }
        }
        if let text = r.text("SSLProtocol") { readProtocols(&r, text, into: &settings) }
        if r.has("SSLCipherSuite") { settings.cipherList = r.text("SSLCipherSuite") }
        guard r.problems.count == before else { return (settings, nil) }
        if let cached = tlsContexts.first(where: { $0.settings == settings && $0.role == role }) {
            return (settings, cached.context)
        }
        do {
            let context = try FIXTLSContext(settings: settings, role: role)
            tlsContexts.append((settings, role, context))
            return (settings, context)
        } catch {
            r.problem(tlsKey(for: error, r), "TLS: \(error)")
            return (settings, nil)
        }
    }

    /// The key whose file a TLS set-up error names (for its line).
    func tlsKey(for error: FIXTLSError, _ r: FIXSettingsReader) -> String {
        let keyFirst = error.operation.contains("private key")
        let order = keyFirst
            ? ["ServerCertificateKeyFile", "ClientCertificateKeyFile", "ServerCertificateFile", "ClientCertificateFile"]
            : ["ServerCertificateFile", "ClientCertificateFile", "ServerCertificateKeyFile", "ClientCertificateKeyFile"]
        for key in order + ["CertificationAuthoritiesFile", "CertificationAuthoritiesDirectory", "SSLCipherSuite"] {
            if let value = r.entry(key)?.value, !value.isEmpty, error.operation.contains(resolve(value)) || error.operation.contains(value) {
                return key
            }
        }
        return "SocketUseSSL"
    }

    /// QuickFIX's SSLProtocol grammar ("all -SSLv2 -SSLv3", "+TLSv1.2 +TLSv1.3", "TLSv1_2")
    /// onto a TLS 1.2…1.3 range; naming an older protocol with + is a problem.
    func readProtocols(_ r: inout FIXSettingsReader, _ text: String, into settings: inout FIXTLSSettings) {
        let known = ["sslv2", "sslv3", "tlsv1", "tlsv1.1", "tlsv1.2", "tlsv1.3"]
        var enabled = Set<String>()
        for token in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }) {
            var name = Substring(token)
            var add = true
            if let sign = name.first, sign == "+" || sign == "-" {
                add = sign == "+"
                name = name.dropFirst()
            }
            let normalized = name.lowercased().replacing("_", with: ".")
            let names = normalized == "all" ? ["tlsv1.2", "tlsv1.3"] : [normalized]
            guard normalized == "all" || known.contains(normalized) else {
                r.problem("SSLProtocol", "SSLProtocol: unknown protocol \"\(name)\" (all, TLSv1.2, TLSv1.3)")
                continue
            }
            if add && normalized != "all" && normalized != "tlsv1.2" && normalized != "tlsv1.3" {
                r.problem("SSLProtocol", "SSLProtocol: \(name) is not offered by this engine (TLS 1.2 is the minimum); remove it")
                continue
            }
            for n in names { if add { enabled.insert(n) } else { enabled.remove(n) } }
        }
        guard !enabled.isEmpty else {
            r.problem("SSLProtocol", "SSLProtocol=\(text) enables neither TLSv1.2 nor TLSv1.3")
            return
        }
        settings.minimumVersion = enabled.contains("tlsv1.2") ? .tls12 : .tls13
        settings.maximumVersion = enabled.contains("tlsv1.3") ? nil : .tls12
    }
}
