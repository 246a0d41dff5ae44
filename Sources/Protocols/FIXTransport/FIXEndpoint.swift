import PeregrinePlatform

/// Where a FIX session connects (initiator) or listens (acceptor).
public struct FIXEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// Host and port, e.g. 127.0.0.1:9878.
    public var address: SocketAddress
    /// How the connection waits for bytes (tuning profile `mode`).
    public var mode: SocketMode

    public init(address: SocketAddress, mode: SocketMode = .blocking) {
        self.address = address
        self.mode = mode
    }

    public var description: String { "\(address) (\(mode))" }
}
