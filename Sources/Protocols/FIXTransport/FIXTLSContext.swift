import CLibSSL
import PeregrineFIX
#if canImport(Glibc)
import Glibc
#endif

/// An OpenSSL `SSL_CTX` configured once from `FIXTLSSettings` for one role: certificate,
/// key, trusted authorities, verification mode, protocol range, ciphers. Connections
/// (`FIXTLSConnection`) are made from it.
///
/// Set-up only: `init` reads the PEM files and throws `FIXTLSError` naming the file and
/// OpenSSL's reason. Afterwards immutable; any thread may create connections from it.
public final class FIXTLSContext: @unchecked Sendable {
    // SAFETY: the SSL_CTX is configured in init and never changed afterwards; OpenSSL
    // allows SSL_new from many threads on a context that is no longer being configured.
    let context: OpaquePointer
    /// The settings it was made from.
    public let settings: FIXTLSSettings
    /// Client (initiator) or server (acceptor) side.
    public let role: FIXSessionRole

    /// Builds the context. Throws `FIXTLSError` when a file cannot be read or does not
    /// match (key vs certificate), or a setting is refused by OpenSSL.
    public init(settings: FIXTLSSettings, role: FIXSessionRole) throws(FIXTLSError) {
        ERR_clear_error()
        guard let method = role == .initiator ? TLS_client_method() : TLS_server_method(),
              let made = SSL_CTX_new(method) else {
            throw FIXTLSError("SSL_CTX_new", reason: Self.drainErrors())
        }
        context = made
        self.settings = settings
        self.role = role
        try configure()
    }

    deinit { SSL_CTX_free(context) }

    private func configure() throws(FIXTLSError) {
        let minimum = settings.minimumVersion == .tls13 ? CLibSSL_TLS1_3_VERSION() : CLibSSL_TLS1_2_VERSION()
        guard CLibSSL_CTX_set_min_proto_version(context, minimum) == 1 else {
            throw FIXTLSError("set minimum TLS version \(settings.minimumVersion.rawValue)", reason: Self.drainErrors())
        }
        if let maximum = settings.maximumVersion {
            guard maximum >= settings.minimumVersion else {
                throw FIXTLSError("set TLS versions", reason: "maximum \(maximum.rawValue) is below minimum \(settings.minimumVersion.rawValue)")
            }
            let value = maximum == .tls13 ? CLibSSL_TLS1_3_VERSION() : CLibSSL_TLS1_2_VERSION()
            guard CLibSSL_CTX_set_max_proto_version(context, value) == 1 else {
                throw FIXTLSError("set maximum TLS version \(maximum.rawValue)", reason: Self.drainErrors())
            }
        }
        _ = CLibSSL_CTX_accept_moving_write_buffer(context)
        if let ciphers = settings.cipherList {
            guard SSL_CTX_set_cipher_list(context, ciphers) == 1 else {
                throw FIXTLSError("set cipher list \"\(ciphers)\"", reason: Self.drainErrors())
            }
        }
        if let certificate = settings.certificateFile {
            try Self.checkReadable(certificate, what: "certificate")
            guard SSL_CTX_use_certificate_chain_file(context, certificate) == 1 else {
                throw FIXTLSError("load certificate \(certificate)", reason: Self.drainErrors() + " (expected a PEM certificate chain)")
            }
            let keyPath = settings.privateKeyFile ?? certificate
            try Self.checkReadable(keyPath, what: "private key")
            guard SSL_CTX_use_PrivateKey_file(context, keyPath, SSL_FILETYPE_PEM) == 1 else {
                throw FIXTLSError("load private key \(keyPath)", reason: Self.drainErrors() + " (expected an unencrypted PEM key)")
            }
            guard SSL_CTX_check_private_key(context) == 1 else {
                throw FIXTLSError("check private key \(keyPath) against \(certificate)", reason: Self.drainErrors())
            }
        } else if role == .acceptor {
            throw FIXTLSError("configure TLS acceptor", reason: "no certificate: an acceptor must present one (certificate and key files)")
        } else if settings.privateKeyFile != nil {
            throw FIXTLSError("configure TLS initiator", reason: "a private key without its certificate")
        }
        let verify = settings.verifyPeer || settings.requirePeerCertificate
        if verify {
            if settings.caFile != nil || settings.caDirectory != nil {
                if let file = settings.caFile { try Self.checkReadable(file, what: "certificate authorities") }
                guard SSL_CTX_load_verify_locations(context, settings.caFile, settings.caDirectory) == 1 else {
                    let what = [settings.caFile, settings.caDirectory].compactMap { $0 }.joined(separator: ", ")
                    throw FIXTLSError("load certificate authorities \(what)", reason: Self.drainErrors())
                }
                if role == .acceptor, let file = settings.caFile, let names = SSL_load_client_CA_file(file) {
                    SSL_CTX_set_client_CA_list(context, names)   // takes ownership
                }
            } else if SSL_CTX_set_default_verify_paths(context) != 1 {
                throw FIXTLSError("load the system certificate authorities", reason: Self.drainErrors())
            }
            var mode = SSL_VERIFY_PEER
            if role == .acceptor && settings.requirePeerCertificate { mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT }
            SSL_CTX_set_verify(context, mode, nil)
        } else {
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        }
        ERR_clear_error()
    }

    /// A readable-file check first, so a wrong path says so plainly (OpenSSL's own message
    /// for a missing file is "system library").
    static func checkReadable(_ path: String, what: String) throws(FIXTLSError) {
        guard let file = fopen(path, "rb") else {
            let code = errno
            let text = strerror(code).map { String(cString: $0) } ?? "errno \(code)"
            throw FIXTLSError("open \(what) file \(path)", reason: "\(text) [errno \(code)]; check the path")
        }
        fclose(file)
    }

    /// OpenSSL's error queue of this thread as text (oldest first), emptied.
    static func drainErrors() -> String {
        var parts: [String] = []
        var buffer = [CChar](repeating: 0, count: 256)
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            buffer.withUnsafeMutableBufferPointer { ERR_error_string_n(code, $0.baseAddress, $0.count) }
            parts.append(buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        return parts.isEmpty ? "no OpenSSL error recorded" : parts.joined(separator: "; ")
    }
}
