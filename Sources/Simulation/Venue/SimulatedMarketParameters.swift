import PeregrineCore

/// Parameters of the simulated market; the defaults reproduce SPY on 2013-10-07 (see
/// `RecordedMarketStatistics`): about 10 trades a second of log-normal size (mean ≈ 340
/// shares), a one-tick spread with a few thousand shares at the touch, and the day's
/// volatility.
public struct SimulatedMarketParameters: Sendable {
    public typealias Statistics = RecordedMarketStatistics.SPY20131007

    public var instrument: InstrumentId = InstrumentId(rawValue: 0)
    public var venue: VenueId = VenueId(rawValue: 0)
    /// Tick size, dollars ($0.01, US equities).
    public var tickSize: Double = 0.01
    /// Agents trade round lots of this many shares (no print below 100 in the data).
    public var roundLot: Double = 100
    /// Simulated start time (09:30 New York on the recorded day).
    public var start: Timestamp = Timestamp(year: 2013, month: 10, day: 7, hour: 13, minute: 30)!

    // MARK: Fair value: geometric random walk
    public var initialFairValue: Double = Statistics.openingPrice
    /// Volatility of ln(fair value) per √second.
    public var volatilityPerSqrtSecond: Double = Statistics.volatilityPerSqrtSecond
    /// Drift of ln(fair value) per second.
    public var driftPerSecond: Double = 0

    // MARK: Order sizes (noise and momentum traders): log-normal shares, rounded to lots
    public var logSizeMean: Double = Statistics.logTradeSizeMean
    public var logSizeStandardDeviation: Double = Statistics.logTradeSizeStandardDeviation

    // MARK: Market makers
    public var marketMakerCount: Int = 2
    /// Quoted spread, ticks (the recorded median spread is one tick).
    public var makerSpreadTicks: Int = Int((Statistics.medianSpread / 0.01).rounded())
    /// Shares per side per maker: the recorded median top-of-book size split between makers.
    public var makerQuoteSize: Double = Statistics.medianTopOfBookSize / 2
    /// Re-quotes per second per maker.
    public var makerRequoteRate: Double = 4
    /// Reservation-price shift, ticks per 1,000 shares of inventory (Avellaneda–Stoikov style skew).
    public var makerSkewTicksPerThousandShares: Double = 0.25
    /// A maker stops quoting the side that would grow its inventory beyond this, shares.
    public var makerMaximumInventory: Double = 50_000

    // MARK: Noise traders
    public var noiseTraderCount: Int = 4
    /// Marketable orders per second, all noise traders together. Tuned so the default market
    /// prints about the recorded 10.3 trades a second (an order may print several trades;
    /// passive orders that the fair value runs over print too).
    public var noiseMarketableRate: Double = 8.5
    /// Share of marketable orders sent as market orders (the rest as IOC limits at the touch).
    public var noiseMarketOrderShare: Double = 0.3
    /// Passive limit orders per second, all noise traders together.
    public var noisePassiveRate: Double = 8
    /// Mean distance of a passive order behind the fair-value tick, ticks (geometric).
    public var noisePassiveOffsetTicks: Double = 2
    /// Open passive orders per noise trader; the oldest is cancelled beyond it.
    public var noiseMaximumOpenOrders: Int = 16

    // MARK: Momentum traders
    public var momentumTraderCount: Int = 1
    /// Signal checks per second per momentum trader.
    public var momentumCheckRate: Double = 1
    /// Smoothing of the fast and slow moving averages of trade prices, per trade.
    public var momentumFastWeight: Double = 0.2
    public var momentumSlowWeight: Double = 0.02
    /// The fast average must lead the slow one by this many ticks to trade.
    public var momentumThresholdTicks: Double = 1
    /// Largest absolute position, shares.
    public var momentumMaximumPosition: Double = 5_000

    // MARK: Plumbing
    /// Accounts of the agents start here (makers, then noise, then momentum traders).
    public var firstAccount: UInt32 = 90_000
    /// Self-trade prevention of the venue book.
    public var selfTradePrevention: SelfTradePrevention = .cancelResting
    /// Order-pool capacity of the venue book.
    public var orderCapacity: Int = 16_384

    public init() {}
}
