import PeregrinePlatform

/// The byte stream a FIX session runs over: a plain `TCPConnection` or a `FIXTLSConnection`
/// on top of one. A `switch` over two cases (no existential, no allocation per message);
/// both lend received plaintext to a closure and send whole buffers.
///
/// Thread: the connection's owner.
public enum FIXByteChannel {
    case plain(TCPConnection)
    case tls(FIXTLSConnection)

    /// Plaintext already available (TLS: decrypted from bytes already arrived), without waiting.
    public func tryReceive(_ body: (UnsafeRawBufferPointer) -> Void) -> ReceiveResult {
        switch self {
        case .plain(let connection): return connection.tryReceive(body)
        case .tls(let connection): return connection.tryReceive(body)
        }
    }

    /// Waits for plaintext until the deadline (monotonic ns).
    public func receive(deadlineNanos: UInt64, _ body: (UnsafeRawBufferPointer) -> Void) -> ReceiveResult {
        switch self {
        case .plain(let connection): return connection.receive(deadlineNanos: deadlineNanos, body)
        case .tls(let connection): return connection.receive(deadlineNanos: deadlineNanos, body)
        }
    }

    /// Sends all of `bytes` (TLS: encrypted first).
    public func send(_ bytes: UnsafeRawBufferPointer) -> SendResult {
        switch self {
        case .plain(let connection): return connection.send(bytes)
        case .tls(let connection): return connection.send(bytes)
        }
    }

    /// Closes the stream (TLS: close_notify first, best effort). Call once.
    public func close() {
        switch self {
        case .plain(let connection): connection.close()
        case .tls(let connection): connection.close()
        }
    }

    /// Why a TLS stream failed ("" for plain or healthy streams), for logs.
    public var failureReason: String {
        if case .tls(let connection) = self { return connection.failureReason }
        return ""
    }
}
