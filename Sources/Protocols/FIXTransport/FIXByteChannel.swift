import PeregrinePlatform

/// The byte stream a FIX session runs over: a plain `TCPConnection` or a `FIXTLSConnection`
/// on top of one. A `switch` over two cases (no existential, no allocation per message);
/// both lend received plaintext to a closure and send whole buffers.
///
/// Thread: the connection's owner.
enum FIXByteChannel {
    case plain(TCPConnection)
    case tls(FIXTLSConnection)

    func receive(deadlineNanos: UInt64, _ body: (UnsafeRawBufferPointer) -> Void) -> ReceiveResult {
        switch self {
        case .plain(let connection): return connection.receive(deadlineNanos: deadlineNanos, body)
        case .tls(let connection): return connection.receive(deadlineNanos: deadlineNanos, body)
        }
    }

    func send(_ bytes: UnsafeRawBufferPointer) -> SendResult {
        switch self {
        case .plain(let connection): return connection.send(bytes)
        case .tls(let connection): return connection.send(bytes)
        }
    }

    /// Closes the stream (TLS: close_notify first, best effort). Call once.
    func close() {
        switch self {
        case .plain(let connection): connection.close()
        case .tls(let connection): connection.close()
        }
    }

    /// Why a TLS stream failed ("" for plain or healthy streams), for logs.
    var failureReason: String {
        if case .tls(let connection) = self { return connection.failureReason }
        return ""
    }
}
