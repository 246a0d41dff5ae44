import PeregrineCore
import PeregrineMarketData
import PeregrinePlatform

/// Set-up values of a `TWSClientSession`, read once at `init`.
public struct TWSSessionConfiguration: Sendable, Equatable {
    /// TWS or IB Gateway (paper TWS 7497, live 7496; Gateway 4002/4001).
    public var address: SocketAddress
    /// The API client id (one connection per id; TWS answers 326 if it is taken).
    public var clientId: Int = 0
    /// Version range advertised in the greeting. The maximum stays ≤ 157 so TWS keeps to the
    /// text protocol the codec speaks (PROTOCOL.md §1: protobuf from server version 201).
    public var minimumVersion = TWSHandshake.minimumVersion
    public var maximumVersion = TWSHandshake.maximumVersion
    /// Greeting connect options (e.g. "+PACEAPI"); empty for none.
    public var connectOptions = ""
    /// startApi optional capabilities.
    public var optionalCapabilities = ""
    /// Venue stamped on every `MarketEvent`.
    public var venue = VenueId(rawValue: 0)

    /// Outbound messages per second (TWS rejects more than 50 with error 100).
    public var messagesPerSecond: Int64 = 50
    /// Token-bucket depth; 1 keeps every one-second window at or below `messagesPerSecond`.
    public var pacingBurst: Int64 = 1
    /// How long sending pauses after TWS error 100.
    public var pacingViolationPause = Nanoseconds.seconds(1)

    /// First reconnect wait, doubling per failure up to `maximumReconnectDelay`.
    public var initialReconnectDelay = Nanoseconds.milliseconds(500)
    public var maximumReconnectDelay = Nanoseconds.seconds(30)
    /// Retry interval inside the nightly-reset window (steady, no doubling).
    public var resetWindowRetryDelay = Nanoseconds.seconds(30)
    /// Window of expected disconnects (IB's nightly reset by default).
    public var resetWindow = FeedResetWindow.interactiveBrokersNorthAmerica
    /// A TCP connect that has not completed after this long is abandoned.
    public var connectTimeout = Nanoseconds.seconds(5)
    /// Greeting → nextValidId and managedAccounts must complete within this.
    public var handshakeTimeout = Nanoseconds.seconds(10)

    /// Most concurrent subscriptions (market data plus depth).
    public var subscriptionCapacity = 512
    /// Ticker id of subscription slot 0; slot `s` of generation `g` uses
    /// `firstTickerId + s + g × subscriptionCapacity`.
    public var firstTickerId: Int64 = 1001
    /// Receive buffer bytes (the longest TWS frame accepted is 4 less).
    public var receiveBufferBytes = 1 << 20
    /// Outbound queue bytes (frames waiting for the pacer).
    public var sendQueueBytes = 1 << 20

    /// A configuration for `address` with the defaults above.
    public init(address: SocketAddress) {
        self.address = address
    }
}
