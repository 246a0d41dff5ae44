import PeregrineCore
import PeregrineRisk

/// The limits and sizes of the tick-to-order pipeline, in one place: the Swift set-up below and
/// the C baseline's configuration (`cbaseline_t2o_config`) are both built from these.
enum TickToOrderLimits {
    static let instruments = TickStream.symbols.count
    // Strategy (StrategyConfig / StrategyLimits / stages)
    static let strategyLotShares: Int64 = 100
    static let strategyMaxPositionShares: Int64 = 2_000
    static let strategyMaxOrderShares: Int64 = 4_000
    static let grossNotional = 400_000.0
    static let signalThreshold = 0.2
    static let strategyMaxDrawdown = 50_000.0
    static let offsetTicks: Int64 = 1
    static let retryAfter = Nanoseconds.milliseconds(1)
    // Pre-trade risk (PreTradeRisk)
    static let maxOrderShares: Int64 = 5_000
    static let maxOrderNotional: Int64 = 1_000_000
    static let maxPositionShares: Int64 = 3_000
    static let collarBasisPoints: Int64 = 500
    static let instrumentRate: Int64 = 2_000, instrumentBurst: Int64 = 100
    static let venueRate: Int64 = 10_000, venueBurst: Int64 = 500
    static let globalRate: Int64 = 20_000, globalBurst: Int64 = 1_000
    static let maxGrossExposure: Int64 = 2_000_000
    static let maxNetExposure: Int64 = 2_000_000
    static let creditLimit: Int64 = 4_000_000
    static let maxLoss: Int64 = 250_000
    static let maxDrawdown: Int64 = 250_000
    static let duplicateWindow = Nanoseconds.microseconds(100)
    static let referenceMaxAge = Nanoseconds.seconds(1)
    static let maxOpenOrders = 1_024
    // Market-data filter
    static let spikeBandBasisPoints: Int64 = 300
    static let staleLimit = Nanoseconds.milliseconds(5)
    // OMS
    static let orderCapacity = 4_096
    static let linger = Nanoseconds.milliseconds(1)

    static let strategyId = StrategyId(rawValue: 7)
    static let account = AccountId(rawValue: 0)
    static let orderVenue = VenueId(rawValue: 0)
    static let feedVenue = VenueId(rawValue: 2)

    static func riskLimits() -> RiskLimits {
        var limits = RiskLimits(instrumentCount: instruments, accountCount: 1, venueCount: 1)
        for i in 0..<instruments {
            limits.instruments[i].tickSize = Price("0.01")!
            limits.instruments[i].lotSize = Quantity(units: 1)!
            limits.instruments[i].maxOrderQuantity = Quantity(units: maxOrderShares)!
            limits.instruments[i].maxOrderNotional = Notional(Price(units: maxOrderNotional)!)
            limits.instruments[i].maxPosition = Quantity(units: maxPositionShares)!
            limits.instruments[i].collarBasisPoints = collarBasisPoints
            limits.instruments[i].ordersPerSecond = instrumentRate
            limits.instruments[i].orderBurst = instrumentBurst
            limits.instruments[i].allowMarketOrders = false
        }
        limits.accounts[0].maxOrderQuantity = Quantity(units: maxOrderShares)!
        limits.accounts[0].maxOrderNotional = Notional(Price(units: maxOrderNotional)!)
        limits.accounts[0].maxPosition = Quantity(units: maxPositionShares)!
        limits.accounts[0].maxGrossExposure = Notional(Price(units: maxGrossExposure)!)
        limits.accounts[0].maxNetExposure = Notional(Price(units: maxNetExposure)!)
        limits.accounts[0].creditLimit = Notional(Price(units: creditLimit)!)
        limits.accounts[0].maxLoss = Notional(Price(units: maxLoss)!)
        limits.accounts[0].maxDrawdown = Notional(Price(units: maxDrawdown)!)
        limits.venues[0].ordersPerSecond = venueRate
        limits.venues[0].orderBurst = venueBurst
        limits.global.ordersPerSecond = globalRate
        limits.global.orderBurst = globalBurst
        limits.global.duplicateWindow = duplicateWindow
        limits.global.referenceMaxAge = referenceMaxAge
        limits.global.maxOpenOrders = maxOpenOrders
        return limits
    }
}
