import PeregrineFIX

/// A TLS protocol version this engine offers (nothing below TLS 1.2).
public enum FIXTLSVersion: String, Sendable, Equatable, Comparable, CaseIterable {
    case tls12 = "TLSv1.2"
    case tls13 = "TLSv1.3"

    public static func < (lhs: FIXTLSVersion, rhs: FIXTLSVersion) -> Bool { lhs == .tls12 && rhs == .tls13 }
}

/// How a FIX connection is wrapped in TLS: certificate and key, trusted authorities, peer
/// verification, the name to verify and send (SNI). A plain value, read once at set-up
/// (QuickFIX's SSL settings by their meaning; see FIX/SETTINGS.md for the keys).
///
/// Defaults follow the role: an initiator verifies the acceptor's certificate against
/// `caFile`/`caDirectory` (or the system store when neither is given) and its name against
/// `serverName`; an acceptor presents `certificateFile`/`privateKeyFile` and asks for no
/// client certificate unless `verifyPeer` is set.
public struct FIXTLSSettings: Sendable, Equatable {
    /// PEM certificate chain we present (required for an acceptor; an initiator's client
    /// certificate, optional).
    public var certificateFile: String?
    /// PEM private key of `certificateFile`.
    public var privateKeyFile: String?
    /// PEM file of trusted certificate authorities.
    public var caFile: String?
    /// Directory of trusted authorities in OpenSSL's hashed layout (`c_rehash`).
    public var caDirectory: String?
    /// Verify the peer's certificate chain (initiator: the acceptor's; acceptor: the
    /// client's, which it then requests).
    public var verifyPeer: Bool
    /// Acceptor only: refuse a client that presents no certificate (implies `verifyPeer`).
    public var requirePeerCertificate = false
    /// Initiator: the acceptor's name — sent as SNI (unless an IP address) and checked
    /// against the certificate's subjectAltName (DNS or IP). `nil`: no name check.
    public var serverName: String?
    /// Lowest protocol version offered or accepted.
    public var minimumVersion: FIXTLSVersion = .tls12
    /// Highest protocol version (`nil`: the library's highest, TLS 1.3).
    public var maximumVersion: FIXTLSVersion?
    /// OpenSSL cipher list for TLS 1.2 (`SSL_CTX_set_cipher_list`); `nil`: OpenSSL's default.
    public var cipherList: String?
    /// Longest a handshake may take before the connection is dropped.
    public var handshakeTimeoutNanos: UInt64 = 10_000_000_000

    /// Settings with the role's defaults (see the type's note).
    public init(role: FIXSessionRole) {
        verifyPeer = role == .initiator
    }

    /// An initiator that trusts `caFile` and checks the acceptor is `serverName`.
    public static func initiator(caFile: String?, serverName: String?) -> FIXTLSSettings {
        var settings = FIXTLSSettings(role: .initiator)
        settings.caFile = caFile
        settings.serverName = serverName
        return settings
    }

    /// An acceptor presenting `certificateFile` with `privateKeyFile`.
    public static func acceptor(certificateFile: String, privateKeyFile: String) -> FIXTLSSettings {
        var settings = FIXTLSSettings(role: .acceptor)
        settings.certificateFile = certificateFile
        settings.privateKeyFile = privateKeyFile
        return settings
    }
}

/// A TLS set-up or handshake failure: what was being done and OpenSSL's reasons (its error
/// queue, and the certificate verification result when that failed).
public struct FIXTLSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being done, e.g. "load certificate /etc/fix/server.pem".
    public var operation: String
    /// OpenSSL's explanation.
    public var reason: String

    public init(_ operation: String, reason: String) {
        self.operation = operation
        self.reason = reason
    }

    public var description: String { "\(operation) failed: \(reason)" }
}
