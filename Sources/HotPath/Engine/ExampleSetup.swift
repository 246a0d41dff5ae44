import PeregrineCEP
import PeregrineCore
import PeregrineModels
import PeregrineRisk
import PeregrineStrategy

/// The demo's strategies and limits, shared by `peregrine demo`, the end-to-end tests and
/// the benchmarks so they all run the same thing (cold; allocates).
public enum ExampleSetup {
    /// Account 1 ("DEMO") trades; account 0 is the house.
    public static let account = AccountId(rawValue: 1)

    /// The momentum strategy's continuous queries (also in `config/momentum.cql`): fast and
    /// slow EMAs of each instrument's quote mid, which the crossover alpha reads.
    public static let momentumCQL = """
        -- Momentum crossover inputs: EMAs of the quote mid per instrument (spans in quotes).
        INSERT INTO mid_ema_fast SELECT EMA(mid, 5) AS ema FROM quotes GROUP BY instrument;
        INSERT INTO mid_ema_slow SELECT EMA(mid, 40) AS ema FROM quotes GROUP BY instrument;
        """

    /// Compiles `source` (default: `momentumCQL`) for `instrumentCount` instruments.
    public static func queries(instrumentCount: Int, source: String = momentumCQL,
                               file: String = "momentum.cql") throws(CQLError) -> CQLQuerySet {
        try CQL.compile(source, file: file, options: CQLOptions(instruments: instrumentCount))
    }

    /// Momentum crossover (EMA 5/40 of the mid, computed by the CEP engine from `queries`'
    /// `mid_ema_fast` and `mid_ema_slow` streams — or inline when `queries` is nil;
    /// passive limits re-priced after 50 ms) and imbalance mean reversion (the sample
    /// logistic model, marketable limits), both on every instrument, 100-share lots,
    /// ±2,000 shares per instrument and strategy.
    public static func strategies(instrumentCount: Int, queries: CQLQuerySet? = nil,
                                  model: ModelSlot? = nil) throws(ModelArtifactError) -> ExampleStrategySet {
        let instruments = (0..<instrumentCount).map { InstrumentId(rawValue: UInt32($0)) }
        let lot = Quantity(rawValue: 100 * FixedPointScale.scale)
        let limits = StrategyLimits(maxPosition: Quantity(rawValue: 2_000 * FixedPointScale.scale),
                                    maxOrderSize: Quantity(rawValue: 500 * FixedPointScale.scale))
        let momentum = ExampleStrategies.momentumCrossover(
            config: StrategyConfig(id: StrategyId(rawValue: 1), account: account, instruments: instruments,
                                   limits: limits, lotSize: lot, clock: .receiveTime),
            source: source(queries), grossNotional: 300_000, maxDrawdown: 10_000)
        let slot: ModelSlot
        if let model { slot = model } else { slot = ModelSlot(try Model(ImbalanceReversionAlpha.sampleModelDefinition())) }
        let imbalance = ExampleStrategies.imbalanceReversion(
            config: StrategyConfig(id: StrategyId(rawValue: 2), account: account, instruments: instruments,
                                   limits: limits, lotSize: lot, clock: .receiveTime),
            model: slot, grossNotional: 150_000, maxDrawdown: 10_000)
        return StrategyPair(momentum, imbalance)
    }

    static func source(_ queries: CQLQuerySet?) -> EMACrossoverAlpha.Source {
        guard let queries, let fast = queries.streamId(named: "mid_ema_fast"), let slow = queries.streamId(named: "mid_ema_slow") else {
            return .inline(fastSpan: 5, slowSpan: 40)
        }
        return .cep(fast: fast, slow: slow)
    }

    /// Loads a model artifact for the imbalance strategy and checks that its inputs are
    /// features the strategy builds (`ImbalanceReversionAlpha.featureNames`). Cold.
    public static func imbalanceModel(path: String) throws(EngineError) -> Model {
        let model: Model
        do { model = try ModelArtifact.loadModel(path: path) } catch { throw EngineError("model \(path): \(error)") }
        let unknown = model.featureNames.filter { !ImbalanceReversionAlpha.featureNames.contains($0) }
        guard unknown.isEmpty else {
            throw EngineError("model \(path) reads \(unknown.joined(separator: ", ")), which the imbalance strategy does not build (it builds \(ImbalanceReversionAlpha.featureNames.joined(separator: ", ")))")
        }
        guard model.predictsProbability else { throw EngineError("model \(path) is not a classifier (the strategy reads a probability)") }
        return model
    }

    /// The built-in demo limits: every check on, sized for the example strategies.
    /// Accounts: 0 "house", 1 "DEMO"; venues: 0 "none", 1 "SIMX".
    public static func riskLimits(symbols: [String], venues: [String] = ["SIMX"]) throws(InstrumentRegistryErrors) -> RiskLimits {
        let registry = try registry(symbols: symbols)
        var limits = RiskLimits(instrumentCount: symbols.count, accountCount: 2, venueCount: 1 + venues.count)
        limits.adopt(registry)
        limits.accountNames = ["house", "DEMO"]
        limits.venueNames = ["none"] + venues
        for i in limits.instruments.indices {
            limits.instruments[i].maxOrderQuantity = Quantity(rawValue: 1_000 * FixedPointScale.scale)
            limits.instruments[i].maxOrderNotional = Notional(Price(rawValue: 250_000 * FixedPointScale.scale))
            limits.instruments[i].maxPosition = Quantity(rawValue: 4_000 * FixedPointScale.scale)
            limits.instruments[i].collarBasisPoints = 100
            limits.instruments[i].ordersPerSecond = 50
            limits.instruments[i].orderBurst = 20
        }
        limits.accounts[1].maxGrossExposure = Notional(Price(rawValue: 1_500_000 * FixedPointScale.scale))
        limits.accounts[1].maxNetExposure = Notional(Price(rawValue: 1_000_000 * FixedPointScale.scale))
        limits.accounts[1].maxLoss = Notional(Price(rawValue: 25_000 * FixedPointScale.scale))
        limits.accounts[1].maxOrderToTradeRatio = Quantity(rawValue: 200 * FixedPointScale.scale)
        limits.accounts[1].ratioMinimumCount = 200
        for v in 1..<limits.venues.count {
            limits.venues[v].ordersPerSecond = 200
            limits.venues[v].orderBurst = 50
        }
        limits.global.ordersPerSecond = 400
        limits.global.orderBurst = 100
        limits.global.duplicateWindow = .milliseconds(1)
        limits.global.referenceMaxAge = .seconds(10)
        limits.global.killOnVenueDisconnect = true
        return limits
    }

    /// The instruments as a registry: cent ticks, one-share lots, multiplier 1.
    public static func registry(symbols: [String]) throws(InstrumentRegistryErrors) -> InstrumentRegistry {
        try InstrumentRegistry(symbols.map {
            (symbol: $0, exchange: "SIMX", currency: "USD", tickSize: Price(rawValue: FixedPointScale.scale / 100),
             lotSize: Quantity(rawValue: FixedPointScale.scale), multiplier: Int64(1))
        })
    }
}
