import PeregrineCore
import PeregrineCEP
import PeregrineModels

/// Momentum crossover: EMA crossover alpha → signal-weighted portfolio → exposure cap then
/// drawdown guard → passive limit orders re-priced after a delay.
public typealias MomentumCrossoverStrategy =
    ComposedStrategy<EMACrossoverAlpha, SignalWeightedPortfolio, RiskChain<ExposureCapRisk, DrawdownGuardRisk>, PassiveExecution>

/// ML mean reversion on quote imbalance: logistic model alpha → equal-weight portfolio →
/// exposure cap then drawdown guard → immediate marketable limits.
public typealias ImbalanceReversionStrategy =
    ComposedStrategy<ImbalanceReversionAlpha, EqualWeightPortfolio, RiskChain<ExposureCapRisk, DrawdownGuardRisk>, ImmediateExecution>

/// Factories for the example strategies (cold: allocate).
public enum ExampleStrategies {
    /// A momentum crossover; `source` `.inline` computes the EMAs from quotes, `.cep` reads
    /// two CEP EMA streams.
    public static func momentumCrossover(config: StrategyConfig,
                                         source: EMACrossoverAlpha.Source = .inline(fastSpan: 5, slowSpan: 20),
                                         grossNotional: Double, maxDrawdown: Double,
                                         repriceAfter: Nanoseconds = .milliseconds(50)) -> MomentumCrossoverStrategy {
        ComposedStrategy(config: config,
                         alpha: EMACrossoverAlpha(source: source, scale: 0.002, warmup: 10),
                         portfolio: SignalWeightedPortfolio(grossNotional: grossNotional),
                         risk: RiskChain(ExposureCapRisk(maxGrossNotional: grossNotional),
                                         DrawdownGuardRisk(maxDrawdown: maxDrawdown)),
                         execution: PassiveExecution(repriceAfter: repriceAfter))
    }

    /// An imbalance mean-reversion strategy reading its model from `model` (hot-swappable).
    public static func imbalanceReversion(config: StrategyConfig, model: ModelSlot, grossNotional: Double,
                                          maxDrawdown: Double, threshold: Double = 0.2) -> ImbalanceReversionStrategy {
        ComposedStrategy(config: config,
                         alpha: ImbalanceReversionAlpha(model: model, meanSpan: 20, threshold: threshold),
                         portfolio: EqualWeightPortfolio(grossNotional: grossNotional, minStrength: threshold),
                         risk: RiskChain(ExposureCapRisk(maxGrossNotional: grossNotional),
                                         DrawdownGuardRisk(maxDrawdown: maxDrawdown)),
                         execution: ImmediateExecution(offsetTicks: 1))
    }
}
