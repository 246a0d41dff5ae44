import PeregrineCore
import PeregrineMarketData
import PeregrinePlatform

/// Set-up values of an `IQFeedLevel1Session`, read once at `init`.
public struct IQFeedSessionConfiguration: Sendable, Equatable {
    /// IQConnect's Level 1 port (127.0.0.1:5009).
    public var address: SocketAddress
    /// `S,SET CLIENT NAME,<name>` after the protocol line; empty to skip.
    public var clientName = ""
    /// The P/Q layout to select (`S,SELECT UPDATE FIELDS`), or `nil` to ask for the current one
    /// (`S,REQUEST CURRENT UPDATE FIELDNAMES`). Either way the decoder follows IQConnect's
    /// `S,CURRENT UPDATE FIELDNAMES` answer.
    public var updateFields: [IQFeedUpdateLayout.Field]? = nil
    /// Venue stamped on every `MarketEvent`.
    public var venue = VenueId(rawValue: 0)
    /// New York date (yyyymmdd) for update times before the first `T` message; 0 = today's.
    public var sessionDate = 0
    /// Most watched symbols.
    public var symbolCapacity = 1_024

    /// First reconnect wait, doubling per failure up to `maximumReconnectDelay`.
    public var initialReconnectDelay = Nanoseconds.milliseconds(500)
    public var maximumReconnectDelay = Nanoseconds.seconds(30)
    /// Retry interval inside the reset window.
    public var resetWindowRetryDelay = Nanoseconds.seconds(30)
    /// Window of expected disconnects (none by default).
    public var resetWindow = FeedResetWindow.none
    /// A TCP connect that has not completed after this long is abandoned.
    public var connectTimeout = Nanoseconds.seconds(5)
    /// `S,SET PROTOCOL` → `S,CURRENT PROTOCOL` must complete within this.
    public var handshakeTimeout = Nanoseconds.seconds(10)
    /// Receive buffer bytes.
    public var receiveBufferBytes = 1 << 20
    /// Lines longer than this are discarded (counted) up to their LF.
    public var maximumLineBytes = 16_384

    /// A configuration for `address` with the defaults above.
    public init(address: SocketAddress) {
        self.address = address
    }
}
