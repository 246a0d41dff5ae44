import PeregrineCore

/// Limits of one instrument (applied per account trading it). Unset limits are `.max`.
public struct InstrumentLimits: Sendable, Equatable {
    /// Orders for a disabled instrument are rejected (`instrumentDisabled`).
    public var enabled: Bool = true
    /// On the firm's restricted list: every new order is rejected (`instrumentRestricted`).
    public var restricted: Bool = false
    /// Only position-reducing orders are accepted (`reduceOnly`).
    public var reduceOnly: Bool = false
    /// Whether market orders are allowed (`invalidOrderType` otherwise).
    public var allowMarketOrders: Bool = true
    /// Price increment; limit and stop prices must be multiples (from the registry).
    public var tickSize: Price = Price(rawValue: 1)
    /// Quantity increment; order quantities must be multiples (from the registry).
    public var lotSize: Quantity = Quantity(rawValue: 1)
    /// Contract multiplier used for notional (from the registry).
    public var multiplier: Int64 = 1
    /// Largest quantity of one order (`maxOrderQuantity`).
    public var maxOrderQuantity: Quantity = .max
    /// Largest quantity × price × multiplier of one order; market orders at the reference.
    public var maxOrderNotional: Notional = .unlimited
    /// Largest long and short position per account, counting open orders as filled.
    public var maxPosition: Quantity = .max
    /// Largest distance of a limit price from the reference price, in basis points; 0 = off.
    public var collarBasisPoints: Int64 = 0
    /// Token-bucket refill in orders per second; 0 = off.
    public var ordersPerSecond: Int64 = 0
    /// Token-bucket capacity (orders that may be sent at once).
    public var orderBurst: Int64 = 0
    /// Orders are rejected while the model risk score of the instrument exceeds this.
    public var maxModelScore: Double = .infinity
    public init() {}
}

/// Limits of one account. Unset limits are `.max` / `.unlimited`.
public struct AccountLimits: Sendable, Equatable {
    /// Only position-reducing orders are accepted (`reduceOnly`).
    public var reduceOnly: Bool = false
    /// Whether `sellShort` / `sellShortExempt` are allowed (`invalidSide` otherwise).
    public var allowShortSell: Bool = true
    /// Largest quantity of one order (the smaller of this and the instrument's applies).
    public var maxOrderQuantity: Quantity = .max
    /// Largest notional of one order (the smaller of this and the instrument's applies).
    public var maxOrderNotional: Notional = .unlimited
    /// Largest position per instrument (the smaller of this and the instrument's applies).
    public var maxPosition: Quantity = .max
    /// Σ over instruments of the worst-case |position| (open orders filled) × mark.
    public var maxGrossExposure: Notional = .unlimited
    /// |Σ over instruments of the worst-case signed position × mark|.
    public var maxNetExposure: Notional = .unlimited
    /// Σ notional of open orders at their limit prices (market orders at the mark).
    public var creditLimit: Notional = .unlimited
    /// Realized + unrealized P&L may not fall below −maxLoss (non-reducing orders rejected).
    public var maxLoss: Notional = .unlimited
    /// Peak equity − equity may not exceed this.
    public var maxDrawdown: Notional = .unlimited
    /// Accepted orders per fill over the ratio window (decimal, scale 10⁸); `.max` = off.
    public var maxOrderToTradeRatio: Quantity = .max
    /// Cancels per accepted order over the ratio window (decimal, scale 10⁸); `.max` = off.
    public var maxCancelRatio: Quantity = .max
    /// Ratios are enforced only once this many orders (or cancels) are in the window.
    public var ratioMinimumCount: Int64 = 0
    public init() {}
}

/// Limits of one venue (the order session to it).
public struct VenueLimits: Sendable, Equatable {
    /// Token-bucket refill of the session to the venue, orders per second; 0 = off.
    public var ordersPerSecond: Int64 = 0
    /// Token-bucket capacity of the session.
    public var orderBurst: Int64 = 0
    public init() {}
}

/// Firm-wide limits.
public struct GlobalLimits: Sendable, Equatable {
    /// Firm-wide token-bucket refill, orders per second; 0 = off.
    public var ordersPerSecond: Int64 = 0
    /// Firm-wide token-bucket capacity.
    public var orderBurst: Int64 = 0
    /// A reference price older than this fails collar checks (`staleReferencePrice`).
    public var referenceMaxAge: Nanoseconds = .seconds(5)
    /// Same instrument, side, price, quantity and account within this window is a duplicate;
    /// zero = off.
    public var duplicateWindow: Nanoseconds = .zero
    /// Window of the order-to-trade and cancel ratios (eight slots of window/8).
    public var ratioWindow: Nanoseconds = .seconds(60)
    /// Reject storm: this many rejects with a reason in `stormReasons` within
    /// `stormWindow` engage the kill switch; 0 = off. At most `RiskLimits.maxStormCount`.
    public var stormRejectCount: Int = 0
    /// Window of the reject storm.
    public var stormWindow: Nanoseconds = .seconds(1)
    /// Bit `1 << reason.rawValue` per reason that counts toward a storm.
    public var stormReasons: UInt64 = 0
    /// Engage the kill switch when a venue connection is lost.
    public var killOnVenueDisconnect: Bool = true
    /// Capacity of the open-order table (orders counted by the position and credit checks).
    public var maxOpenOrders: Int = 65_536
    public init() {}
}

/// Every limit the pre-trade risk stage enforces: an immutable value built and validated
/// off the hot path (by `RiskConfigParser` or by hand) and handed to `PreTradeRisk`.
///
/// Per-instrument and per-account tables are flat arrays indexed by the dense ids; the
/// account restricted lists are one `Bool` per (account, instrument).
public struct RiskLimits: Sendable, Equatable {
    /// Largest reject-storm count (the storm detector keeps a ring of this many times).
    public static let maxStormCount = 256

    public var global = GlobalLimits()
    /// Indexed by `InstrumentId.index`.
    public var instruments: [InstrumentLimits]
    /// Indexed by `AccountId.rawValue`.
    public var accounts: [AccountLimits]
    /// Indexed by `VenueId.rawValue`.
    public var venues: [VenueLimits]
    /// `accountRestricted[account * instruments.count + instrument]`.
    public var accountRestricted: [Bool]
    /// Names for change records and printing (cold path only).
    public var instrumentNames: [String]
    public var accountNames: [String]
    public var venueNames: [String]
    /// Incremented by the caller for each change it journals.
    public var version: UInt64 = 1

    /// Limits with every check off for `instrumentCount` instruments, `accountCount`
    /// accounts and `venueCount` venues.
    public init(instrumentCount: Int, accountCount: Int, venueCount: Int = 0) {
        instruments = Array(repeating: InstrumentLimits(), count: instrumentCount)
        accounts = Array(repeating: AccountLimits(), count: accountCount)
        venues = Array(repeating: VenueLimits(), count: venueCount)
        accountRestricted = Array(repeating: false, count: instrumentCount * accountCount)
        instrumentNames = (0..<instrumentCount).map { "#\($0)" }
        accountNames = (0..<accountCount).map { "account#\($0)" }
        venueNames = (0..<venueCount).map { "venue#\($0)" }
    }

    /// Copies tick size, lot size and multiplier of every instrument from `registry`.
    public mutating func adopt(_ registry: InstrumentRegistry) {
        precondition(registry.count == instruments.count, "registry and limits disagree on instrument count")
        for instrument in registry.instruments {
            instruments[instrument.id.index].tickSize = instrument.tickSize
            instruments[instrument.id.index].lotSize = instrument.lotSize
            instruments[instrument.id.index].multiplier = instrument.multiplier
            instrumentNames[instrument.id.index] = instrument.symbol
        }
    }

    /// Whether `account` may not trade `instrument` (per-account restricted list).
    public func isRestricted(account: Int, instrument: Int) -> Bool {
        accountRestricted[account * instruments.count + instrument]
    }

    /// Every inconsistency, as text (empty when valid). Cold path; allocates.
    public func problems() -> [String] {
        var list: [String] = []
        if accountRestricted.count != instruments.count * accounts.count {
            list.append("restricted table has \(accountRestricted.count) entries, expected \(instruments.count * accounts.count)")
        }
        for (i, l) in instruments.enumerated() {
            let name = i < instrumentNames.count ? instrumentNames[i] : "#\(i)"
            if l.tickSize.rawValue <= 0 || l.lotSize.rawValue <= 0 || l.multiplier <= 0 {
                list.append("instrument \(name): tick size, lot size and multiplier must be positive")
            }
            if l.collarBasisPoints < 0 || l.collarBasisPoints > 1_000_000 { list.append("instrument \(name): collar_bps out of range 0...1000000") }
            if !TokenBucket.isValid(rate: l.ordersPerSecond, burst: l.orderBurst) {
                list.append("instrument \(name): rate needs 0 < burst <= \(TokenBucket.maxBurst) and rate <= \(TokenBucket.maxRate)")
            }
        }
        for (v, l) in venues.enumerated() where !TokenBucket.isValid(rate: l.ordersPerSecond, burst: l.orderBurst) {
            list.append("venue \(v < venueNames.count ? venueNames[v] : "#\(v)"): rate needs 0 < burst <= \(TokenBucket.maxBurst)")
        }
        if !TokenBucket.isValid(rate: global.ordersPerSecond, burst: global.orderBurst) {
            list.append("global: rate needs 0 < burst <= \(TokenBucket.maxBurst)")
        }
        if global.stormRejectCount < 0 || global.stormRejectCount > Self.maxStormCount {
            list.append("global: reject_storm_count must be within 0...\(Self.maxStormCount)")
        }
        if global.ratioWindow.count < 8 { list.append("global: ratio_window must be at least 8 ns") }
        if global.duplicateWindow.count < 0 || global.referenceMaxAge.count < 0 || global.stormWindow.count < 0 {
            list.append("global: windows must not be negative")
        }
        if global.maxOpenOrders < 1 || global.maxOpenOrders > 1 << 24 { list.append("global: max_open_orders must be within 1...16777216") }
        return list
    }
}

extension Notional {
    /// The "no limit" value.
    public static var unlimited: Notional { Notional(rawValue: .max) }
}
