import PeregrineCore
import PeregrineFIX
import PeregrinePlatform
#if canImport(Glibc)
import Glibc
#endif

/// Everything one [SESSION] of a settings file says: the session's configuration and
/// dictionary, where it connects or listens, its store, its TLS. Immutable values parsed
/// once (`FIXSettings`); `make…` builds the runtime objects.
public struct FIXSessionSettings: Sendable {
    /// The session's set-up values (identity, role, timers, resets, validation, schedule).
    public var configuration: FIXSessionConfiguration
    /// Inbound validation dictionary, or nil (UseDataDictionary=N).
    public var dictionary: FIXDictionary?
    /// Initiator: the address to connect to; acceptor: the address to listen on.
    public var endpoint: FIXEndpoint
    /// The store file (FileStorePath/<BeginString>-<Sender>-<Target>.fixstore), or nil for
    /// a memory store.
    public var storePath: String?
    /// Re-read the file store before each Logon (RefreshOnLogon).
    public var refreshOnLogon: Bool
    /// Initiator: seconds between connection attempts (ReconnectInterval).
    public var reconnectIntervalSeconds: Int
    /// TLS settings (SocketUseSSL=Y), or nil.
    public var tls: FIXTLSSettings?
    /// The TLS context built from `tls` when the file was loaded (certificates read), or nil.
    public var tlsContext: FIXTLSContext?
    /// Where the [SESSION] section starts.
    public var source: String
    public var line: Int
    /// Dictionary files read (DataDictionary, or TransportDataDictionary + AppDataDictionary).
    public var dictionaryPaths: [String]
    /// The TimeZone text the schedule was resolved from.
    public var timeZone: String
    /// Values of application keys the caller allowed (`allowedExtraKeys`), by key as declared.
    public var extraValues: [String: String]

    /// "FIX.4.4 SENDER->TARGET".
    public var name: String {
        "\(configuration.version.rawValue) \(configuration.senderCompID)->\(configuration.targetCompID)"
    }

    /// Opens the session's store: the file store at `storePath` (its directory created if
    /// missing; wrapped to refresh before each Logon when `refreshOnLogon`), or a memory
    /// store. Set-up; throws `SystemError`.
    public func makeStore(now: Timestamp = Clock.now(), capacity: Int = 64 << 20) throws(SystemError) -> any FIXMessageStore {
        guard let storePath else { return FIXMemoryStore(creationTime: now) }
        if let slash = storePath.lastIndex(of: "/"), slash != storePath.startIndex {
            try Self.makeDirectories(String(storePath[..<slash]))
        }
        let store = try FIXFileStore(path: storePath, capacity: capacity, creationTime: now)
        return refreshOnLogon ? FIXRefreshOnLogonStore(store) : store
    }

    /// A session with this configuration, dictionary and a new store. Set-up.
    public func makeSession(application: (any FIXApplication)?, now: Timestamp = Clock.now()) throws(SystemError) -> FIXSession {
        FIXSession(configuration: configuration, dictionary: dictionary, store: try makeStore(now: now),
                   application: application)
    }

    /// An initiator for `session` (made by `makeSession`): this endpoint, TLS and
    /// ReconnectInterval.
    public func makeInitiator(session: FIXSession, driver: FIXConnectionDriver = FIXConnectionDriver()) -> FIXInitiator {
        precondition(configuration.role == .initiator, "\(name) is an acceptor session")
        let interval = UInt64(reconnectIntervalSeconds) * 1_000_000_000
        return FIXInitiator(session: session, address: endpoint.address, mode: endpoint.mode,
                            initialBackoffNanos: interval, maxBackoffNanos: interval, tls: tlsContext, driver: driver)
    }

    /// `mkdir -p`.
    static func makeDirectories(_ path: String) throws(SystemError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw SystemError("mkdir \(prefix) for the FIX store", errno: errno)
            }
            prefix += "/"
        }
    }

    /// The effective values, one line per concern (print at start-up).
    public var effectiveDescription: String {
        let c = configuration
        func yn(_ b: Bool) -> String { b ? "Y" : "N" }
        var lines: [String] = []
        lines.append("[SESSION] \(source):\(line)  \(name)  \(c.role.rawValue)")
        let place = c.role == .initiator ? "connect \(endpoint)  ReconnectInterval=\(reconnectIntervalSeconds)s" : "listen \(endpoint)"
        var tlsText = "TLS off"
        if let tls {
            let versions = tls.minimumVersion.rawValue + (tls.maximumVersion.map { "..\($0.rawValue)" } ?? "+")
            tlsText = "TLS \(versions) verifyPeer=\(yn(tls.verifyPeer || tls.requirePeerCertificate))"
            if let file = tls.certificateFile { tlsText += " certificate=\(file)" }
            if let file = tls.caFile { tlsText += " CA=\(file)" } else if tls.caDirectory == nil && tls.verifyPeer { tlsText += " CA=system" }
            if let directory = tls.caDirectory { tlsText += " CAdir=\(directory)" }
            if let name = tls.serverName { tlsText += " serverName=\(name)" }
            if tls.requirePeerCertificate { tlsText += " clientCertificate=required" }
        }
        lines.append("  \(place)  \(tlsText)")
        let heartbeat = c.role == .initiator ? "HeartBtInt=\(c.heartbeatIntervalSeconds)" : "HeartBtInt=(initiator's)"
        let latency = c.maxSendingTimeSkew.map { "MaxLatency=\($0.count / 1_000_000_000)s" } ?? "CheckLatency=N"
        lines.append("  \(heartbeat)  \(latency)  LogonTimeout=\(c.logonTimeout.count / 1_000_000_000)s"
                     + "  LogoutTimeout=\(c.logoutTimeout.count / 1_000_000_000)s  CheckCompID=\(yn(c.checkCompIDs))")
        lines.append("  ResetOnLogon=\(yn(c.resetOnLogon))  ResetOnLogout=\(yn(c.resetOnLogout))"
                     + "  ResetOnDisconnect=\(yn(c.resetOnDisconnect))  RefreshOnLogon=\(yn(refreshOnLogon))"
                     + "  PersistMessages=\(yn(c.persistMessages))  store=\(storePath ?? "memory")")
        lines.append("  schedule: \(Self.describe(c.schedule, zone: timeZone))")
        if dictionary != nil {
            let v = c.validation
            lines.append("  dictionary=\(dictionaryPaths.joined(separator: " + "))  ValidateFieldsOutOfOrder=\(yn(v.checkFieldOrder))"
                         + "  ValidateFieldsHaveValues=\(yn(v.checkFieldsHaveValues))"
                         + "  ValidateUserDefinedFields=\(yn(v.checkUserDefinedFields))"
                         + "  AllowUnknownMsgFields=\(yn(!v.checkUnknownFields))")
        } else {
            lines.append("  dictionary=none (UseDataDictionary=N)")
        }
        for key in extraValues.keys.sorted() { lines.append("  \(key)=\(extraValues[key]!)") }
        return lines.joined(separator: "\n")
    }

    static let dayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    static func describe(_ s: FIXSessionSchedule, zone: String) -> String {
        if s.isAlwaysOpen { return "always open, no scheduled reset" }
        func time(_ seconds: Int) -> String {
            func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
            return "\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))"
        }
        let offset = s.utcOffsetSeconds
        let sign = offset < 0 ? "-" : "+"
        let zoneText = "\(zone) (UTC\(sign)\(time(abs(offset)).dropLast(3)))"
        if s.startWeekday >= 0 {
            return "weekly \(dayNames[s.startWeekday]) \(time(s.startSecondOfDay)) to \(dayNames[s.endWeekday]) \(time(s.endSecondOfDay)) \(zoneText)"
        }
        var days = ""
        if s.weekdays != 0x7F {
            days = " on " + (0..<7).filter { s.weekdays & (1 << UInt8($0)) != 0 }.map { String(dayNames[$0].prefix(3)) }.joined(separator: ",")
        }
        return "daily \(time(s.startSecondOfDay)) to \(time(s.endSecondOfDay))\(days) \(zoneText)"
    }
}

/// The acceptor sessions listening on one address, with the TLS context they share.
public struct FIXAcceptorSettings: Sendable {
    public var endpoint: FIXEndpoint
    public var tlsContext: FIXTLSContext?
    public var sessions: [FIXSessionSettings]

    /// An acceptor over `sessions` (made from `self.sessions`, same order or any subset).
    public func makeAcceptor(sessions: [FIXSession], driver: FIXConnectionDriver = FIXConnectionDriver()) -> FIXAcceptor {
        FIXAcceptor(sessions: sessions, address: endpoint.address, mode: endpoint.mode, tls: tlsContext, driver: driver)
    }
}
