import PeregrineCore
import PeregrineCEP
import PeregrineFIX
import PeregrineFIXTransport
import PeregrineOMS
import PeregrinePlatform
import PeregrineStrategy
import PeregrineMarketData

/// What the engine needs from its strategies: the calls `StrategyPair` (and any struct of
/// strategies written the same way) already has. Generic parameter of `TradingEngine`, so
/// every call is static.
public protocol EngineStrategies {
    mutating func onMarketEvent(_ event: MarketEvent)
    /// A result of the engine's continuous queries (CQL), after the market event that made it.
    mutating func onCEPOutput(_ output: CEPOutput)
    mutating func onOrderUpdate(_ event: ExecutionEvent)
    mutating func onTimer(_ time: Timestamp)
    /// Moves every command the strategies emitted into `sink` and clears their own sinks.
    mutating func drain(into sink: inout OrderSink)
    /// Continue order ids after `sequence` (see `Strategy.resumeOrderIds`). Cold.
    mutating func resumeOrderIds(after sequence: UInt64)
}

extension EngineStrategies {
    public mutating func resumeOrderIds(after sequence: UInt64) {}
    public mutating func onCEPOutput(_ output: CEPOutput) {}
}

extension StrategyPair: EngineStrategies {}

/// The example strategies run together (the demo's set). The engine's hot functions are
/// pre-specialized for it and for `LatencyProbeStrategies` (`@_specialize` on `run` and
/// `onExecution`), so the demo and the benchmarks run statically dispatched code across
/// the module boundary. Another set of strategies gets the same by adding its type to
/// those attributes; without that it runs correctly but through generic dispatch.
/// (Whole-module `-cross-module-optimization` would let any client specialize, but the
/// Swift 6.3 compiler crashes specializing it in a client module; not used.)
public typealias ExampleStrategySet = StrategyPair<MomentumCrossoverStrategy, ImbalanceReversionStrategy>

/// Set-up values of a `TradingEngine` (cold; validated by `TradingEngine.init`).
public struct EngineConfiguration: Sendable {
    /// Instruments by position (InstrumentId = index): the FIX Symbol and the feed symbol.
    public var symbols: [String]
    /// The venue's FIX order entry and its IQFeed-compatible Level 1 feed.
    public var orderEntry: SocketAddress
    public var feed: SocketAddress
    /// How the engine's sockets wait (the engine thread never blocks: it polls).
    public var socketMode: SocketMode = .blocking
    public var fixVersion: FIXVersion = .fix44
    public var senderCompID = "PEREGRINE"
    public var targetCompID = "SIMX"
    public var heartbeatSeconds = 30
    /// Text written in Account (1) on every order.
    public var accountName = "DEMO"
    /// The venue id orders and reports carry.
    public var venue = VenueId(rawValue: 1)
    /// Where the engine thread runs; `nil` cpu = unpinned.
    public var placement = ThreadPlacement()
    /// Whether the engine thread spins when idle (only on an isolated core) or backs off
    /// to short sleeps (a shared development box).
    public var spin = false
    /// OMS sizing.
    public var oms = OMSConfiguration(orderCapacity: 65_536, executionCapacity: 262_144, linger: .seconds(30),
                                      accountCount: 4, instrumentCount: 16)
    /// Journal directory (`nil`: no journal).
    public var journalDirectory: String? = nil
    /// Session date of the feed (yyyymmdd, New York) before the first `T` line arrives.
    public var feedSessionDate: Int = 0
    /// Directory of the order session's crash-safe store (sequence numbers and sent
    /// messages). `nil`: an in-memory store that resets sequence numbers at every logon
    /// (the demo). With a store the engine keeps its numbers across restarts and, after
    /// recovering from the journal, asks the venue to resend the session's reports.
    public var fixStoreDirectory: String? = nil
    /// Rebuild orders and positions from the journal at start-up (when one is configured).
    public var recoverFromJournal = false
    /// The venue cancels a session's open orders when it disconnects (FIX cancel-on-
    /// disconnect): after a crash the engine marks its open orders cancelled.
    public var venueCancelsOnDisconnect = true
    /// Where market data comes from: an IQFeed Level 1 socket (`feed`), or FIX market data
    /// (MarketDataRequest → snapshot and incremental refreshes) on the primary venue's order
    /// session.
    public var feedKind: FeedKind = .iqfeed
    /// TWS API client id (feed kind `tws`).
    public var twsClientId = 17
    /// TLS for the order session (certificate checks as configured), or nil for plaintext.
    public var venueTLS: FIXTLSSettings? = nil
    /// The primary venue's name (operator output, routing rules).
    public var venueName = "primary"
    /// Venue-specific fields on the primary venue's NewOrderSingle / CancelReplace.
    public var extraOrderFields: [OrderFieldMapping] = []
    /// More FIX venues, and the rules that route new orders among all of them.
    public var additionalVenues: [AdditionalVenue] = []
    public var routes: [RouteRule] = []
    /// Look at the order session every n-th loop pass (1: every
    /// pass).
    public var orderSessionPollEvery: UInt64 = 1
    /// Reconnect delay after a lost connection.
    public var reconnectDelay: Nanoseconds = .seconds(1)

    public init(symbols: [String], orderEntry: SocketAddress, feed: SocketAddress) {
        self.symbols = symbols
        self.orderEntry = orderEntry
        self.feed = feed
    }
}

/// Another venue the engine routes to, over FIX (the default) or the TWS API (the primary
/// venue is described by the configuration's own `orderEntry`, CompIDs, … fields and is
/// always FIX). Its venue id is the primary's + 1 + its position in
/// `EngineConfiguration.additionalVenues`.
public struct AdditionalVenue: Sendable {
    public var name: String
    /// FIX order entry, or TWS / IB Gateway when `orderProtocol` is `.tws`.
    public var orderEntry: SocketAddress
    /// The order protocol spoken to this venue.
    public var orderProtocol: VenueOrderProtocol = .fix
    /// TWS only: the API client id of the order connection (distinct from the market-data
    /// session's `EngineConfiguration.twsClientId`; TWS answers 326 to a second one).
    public var twsClientId = 1
    public var senderCompID = "PEREGRINE"
    public var targetCompID: String
    public var fixVersion: FIXVersion = .fix44
    public var heartbeatSeconds = 30
    public var accountName = "DEMO"
    public var tls: FIXTLSSettings? = nil
    public var cancelsOnDisconnect = true
    /// Venue-specific fields written on every NewOrderSingle and OrderCancelReplaceRequest
    /// (e.g. ExDestination 100, ExecInst 18, a venue's custom tags).
    public var extraOrderFields: [OrderFieldMapping] = []

    public init(name: String, orderEntry: SocketAddress, targetCompID: String) {
        self.name = name; self.orderEntry = orderEntry; self.targetCompID = targetCompID
    }
}

/// How the engine sends orders to a venue.
public enum VenueOrderProtocol: String, Sendable, Equatable {
    /// A FIX initiator session (NewOrderSingle, cancel, replace; execution reports back).
    case fix
    /// The TWS API (TWS or IB Gateway): placeOrder / cancelOrder; openOrder, orderStatus,
    /// execDetails and order errors back (see `TWSOrderLink`).
    case tws
}

/// A fixed tag=value a venue wants on its order messages (configuration field mapping).
public struct OrderFieldMapping: Sendable, Equatable {
    public var tag: Int
    public var value: String
    public init(tag: Int, value: String) { self.tag = tag; self.value = value }
}

/// Where a new order goes: the first rule whose every given condition holds picks the venue
/// (0 = the primary, i = `additionalVenues[i - 1]`); no match → the primary. Cancels and
/// replaces always go where their order went.
public struct RouteRule: Sendable, Equatable {
    public var venue: Int
    public var instrument: InstrumentId? = nil
    public var orderType: OrderType? = nil
    public var side: Side? = nil
    public var minimumQuantity: Quantity? = nil
    public var maximumQuantity: Quantity? = nil

    public init(venue: Int, instrument: InstrumentId? = nil, orderType: OrderType? = nil, side: Side? = nil,
                minimumQuantity: Quantity? = nil, maximumQuantity: Quantity? = nil) {
        self.venue = venue; self.instrument = instrument; self.orderType = orderType; self.side = side
        self.minimumQuantity = minimumQuantity; self.maximumQuantity = maximumQuantity
    }

    /// Whether `order` meets every condition. O(1), no allocation.
    @inlinable
    public func matches(_ order: OrderCommand) -> Bool {
        if let instrument, instrument != order.instrument { return false }
        if let orderType, orderType != order.type { return false }
        if let side, side != order.side { return false }
        if let minimumQuantity, order.quantity < minimumQuantity { return false }
        if let maximumQuantity, order.quantity > maximumQuantity { return false }
        return true
    }
}

/// The engine's market-data source.
public enum FeedKind: String, Sendable, Equatable {
    /// IQFeed Level 1 protocol 6.2 on `EngineConfiguration.feed`.
    case iqfeed
    /// FIX market data on the primary venue's order session.
    case fix
    /// The TWS API (TWS or IB Gateway) at `EngineConfiguration.feed`: reqMktData per symbol
    /// (stocks, SMART routing, USD), health states, pacing, reconnect and resubscribe.
    case tws
}
