/// How the engine treats a key of a QuickFIX settings file.
public enum FIXSettingSupport: Sendable, Equatable {
    /// Read and applied.
    case used
    /// Accepted and ignored, for the reason given (logging, HTTP console …); listed in
    /// `FIXSettings.notes`.
    case ignored(String)
    /// Only this value (case-insensitive) is accepted — the engine's fixed behaviour;
    /// another value is a problem explaining why.
    case fixed(value: String, reason: String)
    /// Any value is a problem: the feature is not available (the reason says what to do).
    case refused(String)
}

/// One declared settings key: its name (QuickFIX's spelling), default, support and meaning.
/// The table below is the single place keys are declared; `FIX/SETTINGS.md` documents it.
public struct FIXSettingKey: Sendable {
    public let name: String
    /// The value used when neither the session nor [DEFAULT] gives one (`nil`: none).
    public let defaultValue: String?
    public let support: FIXSettingSupport
    /// One sentence on what it does here.
    public let summary: String

    init(_ name: String, _ defaultValue: String? = nil, _ support: FIXSettingSupport = .used, _ summary: String) {
        self.name = name
        self.defaultValue = defaultValue
        self.support = support
        self.summary = summary
    }

    static let logging = "logging goes to the engine's journal and the transports' logs"
    static let otherStores = "this engine stores sequence numbers and messages in a memory-mapped file under FileStorePath"

    /// Every key the parser knows: QuickFIX C++ 1.15's keys, plus QuickFIX/J's SocketUseSSL,
    /// SocketAcceptAddress, TimeZone, Weekdays, NonStopSession and key stores, plus
    /// Peregrine's SocketMode and SSLServerName.
    public static let all: [FIXSettingKey] = [
        // Session identity
        FIXSettingKey("BeginString", nil, .used, "FIX.4.2, FIX.4.4 or FIXT.1.1 (required)."),
        FIXSettingKey("SenderCompID", nil, .used, "Our CompID, at most 31 bytes (required)."),
        FIXSettingKey("TargetCompID", nil, .used, "The counterparty's CompID, at most 31 bytes (required)."),
        FIXSettingKey("SessionQualifier", nil, .refused("sessions are identified by BeginString, SenderCompID and TargetCompID alone; give the duplicate a different CompID"), "Not supported."),
        FIXSettingKey("DefaultApplVerID", "9", .used, "FIXT.1.1 only: 9 (or FIX.5.0SP2), the application version this engine speaks."),
        FIXSettingKey("ConnectionType", nil, .used, "initiator or acceptor (required)."),
        // Dictionaries and validation
        FIXSettingKey("UseDataDictionary", "Y", .used, "Validate inbound messages against the dictionary (N: framing and session checks only)."),
        FIXSettingKey("DataDictionary", nil, .used, "QuickFIX XML dictionary of a FIX.4.x session (required when UseDataDictionary=Y)."),
        FIXSettingKey("TransportDataDictionary", nil, .used, "FIXT.1.1: the transport dictionary (FIXT11.xml)."),
        FIXSettingKey("AppDataDictionary", nil, .used, "FIXT.1.1: the application dictionary (e.g. FIX50SP2.xml)."),
        FIXSettingKey("ValidateFieldsOutOfOrder", "Y", .used, "Reject header fields after the body, trailer fields before its end, group members out of order."),
        FIXSettingKey("ValidateFieldsHaveValues", "Y", .used, "Reject empty fields."),
        FIXSettingKey("ValidateUserDefinedFields", "Y", .used, "Apply the dictionary to tags 5000 and above."),
        FIXSettingKey("AllowUnknownMsgFields", "N", .used, "Y: accept tags below 5000 that the dictionary or the message type does not define."),
        FIXSettingKey("ValidateLengthAndChecksum", "Y", .fixed(value: "Y", reason: "BodyLength and CheckSum are always checked"), "Always Y."),
        FIXSettingKey("PreserveMessageFieldsOrder", "N", .ignored("outbound fields are written in the order the application appends them"), "Ignored."),
        // Schedule
        FIXSettingKey("StartTime", nil, .used, "HH:MM:SS the session window opens (with EndTime; both absent: never closes)."),
        FIXSettingKey("EndTime", nil, .used, "HH:MM:SS the session window closes (inclusive; equal to StartTime: a 24-hour session)."),
        FIXSettingKey("StartDay", nil, .used, "With EndDay: a weekly session opening on this day at StartTime."),
        FIXSettingKey("EndDay", nil, .used, "With StartDay: the day the weekly session closes at EndTime."),
        FIXSettingKey("Weekdays", nil, .used, "QuickFIX/J: days a daily session opens, e.g. Mon,Tue,Wed,Thu,Fri."),
        FIXSettingKey("TimeZone", "UTC", .used, "Zone of the times: UTC, a fixed offset (+01:00), or a zoneinfo name (its offset when loaded)."),
        FIXSettingKey("NonStopSession", "N", .used, "QuickFIX/J: Y = never closes, never resets by schedule."),
        FIXSettingKey("UseLocalTime", "N", .fixed(value: "N", reason: "times are in TimeZone (UTC by default); give TimeZone instead"), "Always N."),
        FIXSettingKey("LogonTime", nil, .refused("separate logon windows are not supported; use StartTime/EndTime"), "Not supported."),
        FIXSettingKey("LogoutTime", nil, .refused("separate logon windows are not supported; use StartTime/EndTime"), "Not supported."),
        FIXSettingKey("LogonDay", nil, .refused("separate logon windows are not supported; use StartDay/EndDay"), "Not supported."),
        FIXSettingKey("LogoutDay", nil, .refused("separate logon windows are not supported; use StartDay/EndDay"), "Not supported."),
        // Session behaviour
        FIXSettingKey("HeartBtInt", nil, .used, "Seconds; the initiator proposes it (required for initiators; an acceptor takes the initiator's)."),
        FIXSettingKey("CheckCompID", "Y", .used, "Check SenderCompID/TargetCompID of every inbound message."),
        FIXSettingKey("CheckLatency", "Y", .used, "Check SendingTime against our clock within MaxLatency."),
        FIXSettingKey("MaxLatency", "120", .used, "Seconds of SendingTime difference accepted."),
        FIXSettingKey("LogonTimeout", "10", .used, "Seconds to wait for the Logon (answer)."),
        FIXSettingKey("LogoutTimeout", "2", .used, "Seconds to wait for the Logout answer."),
        FIXSettingKey("ResetOnLogon", "N", .used, "Reset both sequence numbers at every Logon (an initiator sends ResetSeqNumFlag=Y)."),
        FIXSettingKey("ResetOnLogout", "N", .used, "Reset both sequence numbers after a Logout exchange."),
        FIXSettingKey("ResetOnDisconnect", "N", .used, "Reset both sequence numbers when the connection drops."),
        FIXSettingKey("RefreshOnLogon", "N", .used, "Re-read the file store before each Logon (hot standby sharing the store)."),
        FIXSettingKey("PersistMessages", "Y", .used, "Keep sent application messages for resends (N: every resend is a gap fill)."),
        FIXSettingKey("SendResetSeqNumFlag", "N", .fixed(value: "N", reason: "use ResetOnLogon=Y, which sends ResetSeqNumFlag=Y on Logon"), "Always N."),
        FIXSettingKey("SendRedundantResendRequests", "N", .fixed(value: "N", reason: "one ResendRequest per gap is sent"), "Always N."),
        FIXSettingKey("MillisecondsInTimeStamp", "Y", .fixed(value: "Y", reason: "SendingTime carries milliseconds"), "Always Y."),
        FIXSettingKey("TimestampPrecision", "3", .fixed(value: "3", reason: "SendingTime carries milliseconds"), "Always 3."),
        // Sockets
        FIXSettingKey("SocketConnectHost", nil, .used, "Initiator: host name or IPv4 address to connect to (resolved when loaded)."),
        FIXSettingKey("SocketConnectPort", nil, .used, "Initiator: port to connect to."),
        FIXSettingKey("SocketAcceptPort", nil, .used, "Acceptor: port to listen on (sessions may share it)."),
        FIXSettingKey("SocketAcceptAddress", "0.0.0.0", .used, "QuickFIX/J: IPv4 address to listen on."),
        FIXSettingKey("ReconnectInterval", "30", .used, "Initiator: seconds between connection attempts."),
        FIXSettingKey("SocketMode", "blocking", .used, "Peregrine: blocking, busy-poll, epoll, io_uring, io_uring-spin or io_uring-sqpoll."),
        FIXSettingKey("SocketNodelay", "Y", .fixed(value: "Y", reason: "TCP_NODELAY is always set"), "Always Y."),
        FIXSettingKey("SocketReuseAddress", "Y", .fixed(value: "Y", reason: "SO_REUSEADDR is always set on listening sockets"), "Always Y."),
        FIXSettingKey("SocketSendBufferSize", nil, .ignored("kernel socket buffer sizes are left at the system defaults"), "Ignored."),
        FIXSettingKey("SocketReceiveBufferSize", nil, .ignored("kernel socket buffer sizes are left at the system defaults"), "Ignored."),
        FIXSettingKey("SocketConnectSourceHost", nil, .refused("binding the initiator's source address is not supported"), "Not supported."),
        FIXSettingKey("SocketConnectSourcePort", nil, .refused("binding the initiator's source port is not supported"), "Not supported."),
        // TLS
        FIXSettingKey("SocketUseSSL", "N", .used, "QuickFIX/J: Y = TLS on this session's connections (QuickFIX C++ selects an SSL acceptor/initiator class instead)."),
        FIXSettingKey("ServerCertificateFile", nil, .used, "Acceptor: PEM certificate chain presented (required with SocketUseSSL=Y)."),
        FIXSettingKey("ServerCertificateKeyFile", nil, .used, "Acceptor: PEM private key (default: ServerCertificateFile holds it)."),
        FIXSettingKey("ClientCertificateFile", nil, .used, "Initiator: PEM client certificate, when the acceptor asks for one."),
        FIXSettingKey("ClientCertificateKeyFile", nil, .used, "Initiator: PEM private key of ClientCertificateFile."),
        FIXSettingKey("CertificationAuthoritiesFile", nil, .used, "PEM file of trusted authorities (initiator default: the system store)."),
        FIXSettingKey("CertificationAuthoritiesDirectory", nil, .used, "Directory of trusted authorities (OpenSSL hashed layout)."),
        FIXSettingKey("CertificateVerifyLevel", nil, .used, "0 none, 1 verify the peer, 2 also require its certificate (default: initiator 1, acceptor 0)."),
        FIXSettingKey("SSLProtocol", "all", .used, "OpenSSL-style list, e.g. \"all -TLSv1.2\"; only TLSv1.2 and TLSv1.3 are offered."),
        FIXSettingKey("SSLCipherSuite", nil, .used, "OpenSSL cipher list for TLS 1.2."),
        FIXSettingKey("SSLServerName", nil, .used, "Initiator: name sent (SNI) and checked in the certificate (default: SocketConnectHost)."),
        FIXSettingKey("CertificateRevocationListFile", nil, .refused("CRL checking is not implemented"), "Not supported."),
        FIXSettingKey("CertificateRevocationListDirectory", nil, .refused("CRL checking is not implemented"), "Not supported."),
        FIXSettingKey("SocketKeyStore", nil, .refused("Java key stores are not read; use ServerCertificateFile/ClientCertificateFile (PEM)"), "Not supported."),
        FIXSettingKey("SocketKeyStorePassword", nil, .refused("Java key stores are not read; use PEM files"), "Not supported."),
        FIXSettingKey("SocketTrustStore", nil, .refused("Java trust stores are not read; use CertificationAuthoritiesFile (PEM)"), "Not supported."),
        FIXSettingKey("SocketTrustStorePassword", nil, .refused("Java trust stores are not read; use PEM files"), "Not supported."),
        // Store
        FIXSettingKey("FileStorePath", nil, .used, "Directory of the session's store file <BeginString>-<Sender>-<Target>.fixstore (absent: memory store)."),
        FIXSettingKey("MySQLStoreUseConnectionPool", nil, .refused(otherStores), "Not supported."),
        FIXSettingKey("MySQLStoreDatabase", nil, .refused(otherStores), "Not supported."),
        FIXSettingKey("MySQLStoreUser", nil, .refused(otherStores), "Not supported."),
        FIXSettingKey("MySQLStorePassword", nil, .refused(otherStores), "Not supported."),
        FIXSettingKey("MySQLStoreHost", nil, .refused(otherStores), "Not supported."),
        FIXSettingKey("MySQLStorePort", nil, .refused(otherStores), "Not supported."),
        FIXSettingKey("PostgreSQLStoreUseConnectionPool", nil, .refused(otherStores), "Not supported."),
        FIXSettingKey("PostgreSQLStoreDatabase", nil, .refused(otherStores), "Not supported."),
        FIXSettingKey("PostgreSQLStoreUser", nil, .refused(otherStores), "Not supported."),
        FIXSettingKey("PostgreSQLStorePassword", nil, .refused(otherStores), "Not supported."),
        FIXSettingKey("PostgreSQLStoreHost", nil, .refused(otherStores), "Not supported."),
        FIXSettingKey("PostgreSQLStorePort", nil, .refused(otherStores), "Not supported."),
        FIXSettingKey("OdbcStoreUser", nil, .refused(otherStores), "Not supported."),
        FIXSettingKey("OdbcStorePassword", nil, .refused(otherStores), "Not supported."),
        FIXSettingKey("OdbcStoreConnectionString", nil, .refused(otherStores), "Not supported."),
        // Logging and consoles (accepted, ignored)
        FIXSettingKey("FileLogPath", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("FileLogBackupPath", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("ScreenLogShowIncoming", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("ScreenLogShowOutgoing", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("ScreenLogShowEvents", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("MySQLLogUseConnectionPool", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("MySQLLogDatabase", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("MySQLLogUser", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("MySQLLogPassword", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("MySQLLogHost", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("MySQLLogPort", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("MySQLLogIncomingTable", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("MySQLLogOutgoingTable", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("MySQLLogEventTable", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("PostgreSQLLogUseConnectionPool", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("PostgreSQLLogDatabase", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("PostgreSQLLogUser", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("PostgreSQLLogPassword", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("PostgreSQLLogHost", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("PostgreSQLLogPort", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("PostgreSQLLogIncomingTable", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("PostgreSQLLogOutgoingTable", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("PostgreSQLLogEventTable", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("OdbcLogUser", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("OdbcLogPassword", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("OdbcLogConnectionString", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("OdbcLogIncomingTable", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("OdbcLogOutgoingTable", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("OdbcLogEventTable", nil, .ignored(logging), "Ignored."),
        FIXSettingKey("HttpAcceptPort", nil, .ignored("there is no HTTP console"), "Ignored."),
    ]

    /// Keys by lower-cased name (QuickFIX C++ compares keys without case).
    static let byLowercasedName: [String: FIXSettingKey] = {
        var table: [String: FIXSettingKey] = [:]
        for key in all { table[key.name.lowercased()] = key }
        return table
    }()

    /// The declared key for `name` (any case). QuickFIX's numbered failover addresses
    /// (SocketConnectHost1, SocketConnectPort2 …) map to a refusal.
    static func named(_ name: String) -> FIXSettingKey? {
        let lowered = name.lowercased()
        if let key = byLowercasedName[lowered] { return key }
        for base in ["socketconnecthost", "socketconnectport"] where lowered.hasPrefix(base) {
            let suffix = lowered.dropFirst(base.count)
            if !suffix.isEmpty && suffix.allSatisfy({ $0.isASCII && $0.isNumber }) {
                return FIXSettingKey(name, nil, .refused("failover addresses are not supported; give one SocketConnectHost/SocketConnectPort"), "Not supported.")
            }
        }
        return nil
    }

    /// The closest declared key names to a misspelt one (edit distance, case ignored).
    static func suggestions(for name: String) -> [String] {
        let lowered = Array(name.lowercased())
        let limit = lowered.count >= 12 ? 3 : 2
        var best: [(Int, String)] = []
        for key in all {
            let distance = editDistance(lowered, Array(key.name.lowercased()), limit: limit)
            if distance <= limit { best.append((distance, key.name)) }
        }
        best.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        guard let first = best.first?.0 else { return [] }
        return best.filter { $0.0 == first }.prefix(3).map { $0.1 }
    }

    /// Levenshtein distance, stopping early once every path exceeds `limit`.
    static func editDistance(_ a: [Character], _ b: [Character], limit: Int) -> Int {
        if abs(a.count - b.count) > limit { return limit + 1 }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            current[0] = i
            var rowMinimum = current[0]
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                rowMinimum = min(rowMinimum, current[j])
            }
            if rowMinimum > limit { return limit + 1 }
            swap(&previous, &current)
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}
