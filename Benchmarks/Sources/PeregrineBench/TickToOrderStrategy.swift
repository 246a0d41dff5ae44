import PeregrineCEP
import PeregrineCore
import PeregrineModels
import PeregrineStrategy

/// The tick-to-order benchmark's CEP query set: three operators over the quote/trade stream,
/// partitioned by instrument, statically dispatched (as `CEPBenchQuerySet`).
///   stream 1: EMA (span 20) of the quote mid;
///   stream 2: count window of the last 50 quote mids → z-score of the newest;
///   stream 3: EMA (span 20) of the trade price.
struct TickToOrderCEP {
    typealias EMA = MovingAverageOperator<InstrumentPartition, MarketCondition, MarketField>
    typealias Window = WindowOperator<InstrumentPartition, MarketCondition, MarketField, MarketField>
    static let midEMAStream = StreamId(rawValue: 1)
    static let midZStream = StreamId(rawValue: 2)
    static let tradeEMAStream = StreamId(rawValue: 3)
    static let span = 20
    static let window = 50

    var midEMA: EMA
    var midZ: Window
    var tradeEMA: EMA

    init(instruments n: Int) {
        let key = InstrumentPartition()
        let trades = MarketCondition(kind: .trade), quotes = MarketCondition(kind: .quote)
        midEMA = EMA(stream: Self.midEMAStream, smoothing: .span(Self.span), partitions: n, key: key, filter: quotes, value: .mid)
        midZ = Window(stream: Self.midZStream, spec: .count(size: Self.window, slide: 1), aggregates: [.zScore],
                      partitions: n, capacity: Self.window, key: key, filter: quotes, value: .mid, weight: .one)
        tradeEMA = EMA(stream: Self.tradeEMAStream, smoothing: .span(Self.span), partitions: n, key: key, filter: trades, value: .price)
    }

    @inline(__always)   // one call site per pipeline; lets the three calls inline into it
    mutating func onEvent(_ e: MarketEvent, time: Timestamp, into out: inout CEPOutputBuffer) {
        midEMA.onEvent(e, time: time, into: &out)
        midZ.onEvent(e, time: time, into: &out)
        tradeEMA.onEvent(e, time: time, into: &out)
    }
}

/// Alpha of the benchmark strategy: the `ImbalanceReversionAlpha` idea with the CEP streams as
/// extra features. CEP outputs are stored per slot as they arrive (`onCEPOutput`, no signal);
/// each quote then builds five features — book imbalance, spread (bps), mid − EMA(mid) (bps),
/// z-score of the mid over the last 50 quotes, mid − EMA(trade price) (bps) — into a
/// preallocated vector and asks the logistic model in a `ModelSlot` for p = P(mid rises).
/// Signal strength 2p − 1 (0 below `threshold`), confidence |2p − 1|. No allocation per event.
struct CEPImbalanceAlpha: AlphaModel {
    static let featureNames = ["imbalance", "spread_bps", "mid_deviation_bps", "mid_zscore", "trade_deviation_bps"]
    static let weights = [3.0, -0.05, -0.15, -0.2, -0.02]

    let model: ModelSlot
    let threshold: Double
    var features = [Double](repeating: 0, count: 5)
    var midEMA: [Double] = []
    var midZ: [Double] = []
    var tradeEMA: [Double] = []

    init(model: ModelSlot, threshold: Double) {
        precondition(model.featureNames == Self.featureNames, "model feature layout")
        self.model = model
        self.threshold = threshold
    }

    static func modelDefinition() -> ModelDefinition {
        ModelDefinition(featureNames: featureNames, source: "peregrine-bench tick-to-order",
                        body: .logistic(LinearParameters(weights: weights, intercept: 0)))
    }

    mutating func prepare(book: StrategyBook) {
        midEMA = [Double](repeating: 0, count: book.instrumentCount)
        midZ = midEMA
        tradeEMA = midEMA
    }

    mutating func onCEPOutput(_ output: CEPOutput, book: borrowing StrategyBook) -> Signal? {
        guard output.valueCount >= 1, let slot = book.slot(of: InstrumentId(rawValue: output.partition)) else { return nil }
        switch output.stream {
        case TickToOrderCEP.midEMAStream: midEMA[slot] = output.value0
        case TickToOrderCEP.midZStream: midZ[slot] = output.value0
        case TickToOrderCEP.tradeEMAStream: tradeEMA[slot] = output.value0
        default: break
        }
        return nil
    }

    mutating func onMarketEvent(_ event: MarketEvent, slot: Int, book: borrowing StrategyBook) -> Signal? {
        guard event.kind == .quote, book.hasQuote(slot) else { return nil }
        let bidSize = book.bidSize[slot].doubleValue, askSize = book.askSize[slot].doubleValue
        let mid = book.mark[slot]
        guard bidSize + askSize > 0, mid > 0 else { return nil }
        let ema = midEMA[slot] > 0 ? midEMA[slot] : mid
        let tradeEMA = tradeEMA[slot] > 0 ? tradeEMA[slot] : mid
        features[0] = (bidSize - askSize) / (bidSize + askSize)
        features[1] = (book.ask[slot].doubleValue - book.bid[slot].doubleValue) / mid * 10_000
        features[2] = (mid - ema) / ema * 10_000
        features[3] = midZ[slot]
        features[4] = (mid - tradeEMA) / tradeEMA * 10_000
        let slotRef = model
        let p = features.withUnsafeBufferPointer { slotRef.predict($0) }
        let edge = 2 * p - 1
        return Signal(instrument: book.instruments[slot], strength: abs(edge) < threshold ? 0 : edge,
                      confidence: abs(edge), time: book.now)
    }
}

/// The benchmark strategy: the stages of the example `ImbalanceReversionStrategy` (equal-weight
/// portfolio, exposure cap then drawdown guard, immediate marketable limits) with the CEP-fed alpha.
typealias TickToOrderStrategy =
    ComposedStrategy<CEPImbalanceAlpha, EqualWeightPortfolio, RiskChain<ExposureCapRisk, DrawdownGuardRisk>, ImmediateExecution>
