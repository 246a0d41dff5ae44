import CLibSSL
import PeregrineCore
import PeregrineFIX
import PeregrinePlatform
#if canImport(Glibc)
import Glibc
#endif

// Design note — TLS over any socket mode
//
// OpenSSL never touches the socket. The SSL object reads and writes one end of a BIO pair
// (two fixed ring buffers, `BIO_new_bio_pair`); this class moves ciphertext between the
// other end and a `TCPConnection` with the connection's own receive/send. So TLS works
// unchanged over every `SocketMode` (blocking, busy-poll, epoll, io_uring — an io_uring
// connection owns its socket through a multishot receive, where `SSL_set_fd` would race
// it), deadlines and timers behave as in plaintext, and the session and codec see only
// plaintext frames. The pair's buffers are allocated once per connection, unlike a memory
// BIO that grows; OpenSSL keeps its record buffers for the connection's life.
//
// Per receive: the ciphertext the socket lent is written into the pair (in pieces when the
// pair is full), `SSL_read` drains every complete record into a preallocated plaintext
// buffer that is lent to the caller, then whatever OpenSSL wants to send back (alerts,
// TLS 1.3 key updates) is flushed — after the socket's receive returned, since an io_uring
// receive handler must not send. Per send: `SSL_write` in ≤16 KiB records, each flushed.

/// One TLS connection over a connected `TCPConnection`: handshake, then plaintext in and
/// out. See the design note above.
///
/// Thread: the connection's owner (like `TCPConnection`). Set-up (`init`) allocates and
/// throws; `handshake` blocks up to its deadline. `receive`/`send` allocate nothing in this
/// code (fixed buffers; OpenSSL keeps its record buffers; allocations inside OpenSSL per
/// record were not measured) and return the socket layer's small result enums
/// (`.failed(errno: EPROTO)` for a TLS error, with `failureReason` saying what). Cost per
/// message: one AEAD record each way plus a copy into and out of the BIO pair.
public final class FIXTLSConnection {
    let ssl: OpaquePointer
    let network: OpaquePointer
    /// The TCP connection underneath.
    public let connection: TCPConnection
    let plaintext: UnsafeMutableRawBufferPointer
    let outgoing: UnsafeMutableRawBufferPointer
    /// Why the handshake or a later read/write failed ("" while healthy).
    public private(set) var failureReason = ""
    /// Whether the handshake completed.
    public private(set) var isEstablished = false
    var closed = false

    static let pairBytes = 64 * 1024
    static let recordBytes = 16 * 1024

    /// Wraps `connection` (already connected or accepted) for `context`'s role.
    /// `serverName` (initiator) overrides the context's `serverName`. Throws `FIXTLSError`.
    public init(context: FIXTLSContext, connection: TCPConnection, serverName: String? = nil) throws(FIXTLSError) {
        ERR_clear_error()
        guard let made = SSL_new(context.context) else {
            throw FIXTLSError("SSL_new", reason: FIXTLSContext.drainErrors())
        }
        var inside: OpaquePointer? = nil
        var outside: OpaquePointer? = nil
        guard BIO_new_bio_pair(&inside, Self.pairBytes, &outside, Self.pairBytes) == 1,
              let inside, let outside else {
            SSL_free(made)
            throw FIXTLSError("BIO_new_bio_pair", reason: FIXTLSContext.drainErrors())
        }
        SSL_set_bio(made, inside, inside)   // the SSL owns the inner end (one reference)
        ssl = made
        network = outside
        self.connection = connection
        plaintext = .allocate(byteCount: Self.recordBytes + 512, alignment: 64)
        outgoing = .allocate(byteCount: Self.pairBytes, alignment: 64)
        if context.role == .initiator {
            SSL_set_connect_state(ssl)
            if let name = serverName ?? context.settings.serverName, !name.isEmpty {
                if Self.isIPAddress(name) {
                    guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1 else {
                        throw FIXTLSError("set expected IP address \(name)", reason: FIXTLSContext.drainErrors())
                    }
                } else {
                    guard CLibSSL_set_tlsext_host_name(ssl, name) == 1, SSL_set1_host(ssl, name) == 1 else {
                        throw FIXTLSError("set server name \(name)", reason: FIXTLSContext.drainErrors())
                    }
                }
            }
        } else {
            SSL_set_accept_state(ssl)
        }
    }

    deinit {
        SSL_free(ssl)
        BIO_free(network)
        plaintext.deallocate()
        outgoing.deallocate()
    }

    /// Negotiated protocol ("TLSv1.3") after the handshake.
    public var protocolVersion: String { String(cString: SSL_get_version(ssl)) }

    /// Negotiated cipher suite after the handshake.
    public var cipherName: String {
        guard let cipher = SSL_get_current_cipher(ssl), let name = SSL_CIPHER_get_name(cipher) else { return "" }
        return String(cString: name)
    }

    // MARK: - Handshake

    /// Runs the TLS handshake until it completes, fails, `deadlineNanos` (monotonic) passes
    /// or `shouldStop` (asked every 50 ms while waiting) says so. Blocking in the
    /// connection's waiting style. Returns whether it completed; on failure
    /// `failureReason` says why (e.g. "certificate verify failed (certificate: self-signed
    /// certificate)", "wrong version number" for a plaintext peer).
    public func handshake(deadlineNanos: UInt64, shouldStop: () -> Bool = { false }) -> Bool {
        while true {
            ERR_clear_error()
            let rc = SSL_do_handshake(ssl)
            let error = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl, rc)
            // Send what the handshake produced (including a fatal alert on failure).
            let flushed = flushNetwork()
            if rc == 1 {
                guard flushed else { return fail("peer closed the connection after the handshake") }
                isEstablished = true
                return true
            }
            guard error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE else {
                return fail(describe(error))
            }
            guard flushed else { return fail("peer closed the connection during the TLS handshake") }
            if error == SSL_ERROR_WANT_WRITE { continue }
            let now = Clock.monotonicNanos()
            if now >= deadlineNanos { return fail("TLS handshake timed out") }
            if shouldStop() { return fail("TLS handshake abandoned: stopping") }
            var absorbed = true
            var innerFailure: String? = nil
            let result = connection.receive(deadlineNanos: min(deadlineNanos, now + 50_000_000)) { cipher in
                absorbed = absorb(cipher) {
                    // Only when the pair is full: let the handshake take what it holds.
                    guard BIO_ctrl_get_write_guarantee(network) == 0 else { return true }
                    ERR_clear_error()
                    let rc = SSL_do_handshake(ssl)
                    let error = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl, rc)
                    if rc != 1 && error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE {
                        innerFailure = describe(error)   // read the error queue before it is cleared
                        return false
                    }
                    return true
                }
            }
            if let innerFailure {
                _ = flushNetwork()
                return fail(innerFailure)
            }
            switch result {
            case .received, .wouldBlock: break
            case .closed: return fail("peer closed the connection during the TLS handshake")
            case .failed(let code): return fail("socket error \(code) during the TLS handshake")
            }
            if !absorbed { return fail("TLS input could not be buffered") }
        }
    }

    func fail(_ reason: String) -> Bool {
        failureReason = reason
        return false
    }

    /// OpenSSL's reason for `error`, with the certificate verification result when a
    /// verification failed.
    func describe(_ error: Int32) -> String {
        var text: String
        switch error {
        case SSL_ERROR_ZERO_RETURN: text = "peer closed the TLS session"
        case SSL_ERROR_SYSCALL: text = "TLS transport error (peer closed without close_notify)"
        default: text = FIXTLSContext.drainErrors()
        }
        let verify = SSL_get_verify_result(ssl)
        if verify != Int(X509_V_OK), let message = X509_verify_cert_error_string(verify) {
            text += " (certificate: \(String(cString: message)))"
        }
        return text
    }

    // MARK: - Data

    /// Waits for ciphertext until the deadline (monotonic ns), decrypts every complete
    /// record and lends the plaintext to `body` (possibly several calls). Owner thread.
    /// `.received(n)` with the plaintext byte count, `.wouldBlock` when nothing complete
    /// arrived, `.closed` on close_notify or end of stream, `.failed(EPROTO)` on a TLS error.
    public func receive(deadlineNanos: UInt64, _ body: (UnsafeRawBufferPointer) -> Void) -> ReceiveResult {
        if let buffered = takeBuffered(body) { return buffered }
        var delivered = 0
        var status = ReadStatus.more
        let result = connection.receive(deadlineNanos: deadlineNanos) { cipher in
            status = feed(cipher, delivered: &delivered, body)
        }
        return finish(result, status: status, delivered: delivered)
    }

    /// Takes ciphertext that already arrived, without waiting (see `receive`).
    public func tryReceive(_ body: (UnsafeRawBufferPointer) -> Void) -> ReceiveResult {
        if let buffered = takeBuffered(body) { return buffered }
        var delivered = 0
        var status = ReadStatus.more
        let result = connection.tryReceive { cipher in
            status = feed(cipher, delivered: &delivered, body)
        }
        return finish(result, status: status, delivered: delivered)
    }

    enum ReadStatus { case more, closed, failed }

    /// Records that arrived with earlier ciphertext but were not read yet (application data
    /// right behind the handshake's last flight): decrypted and lent without waiting.
    func takeBuffered(_ body: (UnsafeRawBufferPointer) -> Void) -> ReceiveResult? {
        guard BIO_ctrl_pending(SSL_get_rbio(ssl)) > 0 || SSL_has_pending(ssl) == 1 else { return nil }
        var delivered = 0
        let status = drainPlaintext(delivered: &delivered, body)
        let result = finish(.received(0), status: status, delivered: delivered)
        return result == .wouldBlock ? nil : result
    }

    func feed(_ cipher: UnsafeRawBufferPointer, delivered: inout Int,
              _ body: (UnsafeRawBufferPointer) -> Void) -> ReadStatus {
        var status = ReadStatus.more
        var count = 0
        let ok = absorb(cipher) {
            status = drainPlaintext(delivered: &count, body)
            return status == .more
        }
        delivered += count
        if !ok && status == .more { status = .failed; failureReason = "TLS input could not be buffered" }
        return status
    }

    func finish(_ result: ReceiveResult, status: ReadStatus, delivered: Int) -> ReceiveResult {
        let flushed = flushNetwork()
        switch status {
        case .closed: return .closed
        case .failed: return .failed(errno: EPROTO)
        case .more: break
        }
        switch result {
        case .received: return delivered > 0 ? .received(delivered) : (flushed ? .wouldBlock : .closed)
        default: return result
        }
    }

    /// Writes `cipher` into the pair, calling `consume` whenever the pair is full and once
    /// at the end; false when `consume` stops or no progress is possible.
    func absorb(_ cipher: UnsafeRawBufferPointer, _ consume: () -> Bool) -> Bool {
        var offset = 0
        while offset < cipher.count {
            let written = BIO_write(network, cipher.baseAddress! + offset, Int32(clamping: cipher.count - offset))
            if written > 0 { offset += Int(written) }
            guard consume() else { return false }
            if written <= 0 && BIO_ctrl_get_write_guarantee(network) == 0 { return false }
        }
        return offset == 0 ? consume() : true
    }

    /// SSL_read until it wants more input, lending each piece to `body`.
    func drainPlaintext(delivered: inout Int, _ body: (UnsafeRawBufferPointer) -> Void) -> ReadStatus {
        while true {
            ERR_clear_error()
            let n = SSL_read(ssl, plaintext.baseAddress, Int32(plaintext.count))
            if n > 0 {
                body(UnsafeRawBufferPointer(start: plaintext.baseAddress, count: Int(n)))
                delivered += Int(n)
                continue
            }
            let error = SSL_get_error(ssl, n)
            switch error {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .more
            case SSL_ERROR_ZERO_RETURN:
                failureReason = "peer sent close_notify"
                return .closed
            default:
                failureReason = describe(error)
                return .failed
            }
        }
    }

    /// Encrypts and sends all of `bytes` (records of ≤16 KiB). Owner thread; `.closed`
    /// when the peer is gone, `.failed(EPROTO)` on a TLS error.
    public func send(_ bytes: UnsafeRawBufferPointer) -> SendResult {
        guard !closed else { return .closed }
        var offset = 0
        while offset < bytes.count {
            let chunk = min(bytes.count - offset, Self.recordBytes)
            ERR_clear_error()
            let n = SSL_write(ssl, bytes.baseAddress! + offset, Int32(chunk))
            if n > 0 {
                offset += Int(n)
                if !flushNetwork() { return .closed }
                continue
            }
            let error = SSL_get_error(ssl, n)
            if error == SSL_ERROR_WANT_WRITE {
                if !flushNetwork() { return .closed }
                continue
            }
            failureReason = describe(error)
            return .failed(errno: EPROTO)
        }
        return .sent(bytes.count)
    }

    /// Moves the ciphertext OpenSSL produced to the socket. False when the peer is gone.
    func flushNetwork() -> Bool {
        while BIO_ctrl_pending(network) > 0 {
            let n = BIO_read(network, outgoing.baseAddress, Int32(outgoing.count))
            guard n > 0 else { break }
            switch connection.send(UnsafeRawBufferPointer(start: outgoing.baseAddress, count: Int(n))) {
            case .sent: continue
            case .closed, .failed: return false
            }
        }
        return true
    }

    /// Sends close_notify (best effort, no wait for the answer) and closes the socket.
    /// Owner thread; call once.
    public func close() {
        guard !closed else { return }
        closed = true
        if isEstablished {
            ERR_clear_error()
            _ = SSL_shutdown(ssl)
            _ = flushNetwork()
        }
        connection.close()
    }

    static func isIPAddress(_ name: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, name, &v4) == 1 || inet_pton(AF_INET6, name, &v6) == 1
    }
}
