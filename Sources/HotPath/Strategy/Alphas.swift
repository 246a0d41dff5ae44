import PeregrineCore
import PeregrineCEP
import PeregrineModels

/// Momentum crossover: a fast and a slow exponential moving average of the mark; the
/// signal is their relative gap scaled by `scale` (gap of `scale` → full strength), with
/// confidence ramping from 0 to 1 over `2 × warmup` updates.
///
/// `source` picks where the averages come from: computed inline from quotes/trades (spans
/// in events), or read from two CEP EMA streams (`value0` of each, partition = instrument
/// index), e.g. `MovingAverageOperator`s compiled from a CQL file.
public struct EMACrossoverAlpha: AlphaModel {
    public enum Source: Sendable, Equatable {
        case inline(fastSpan: Int, slowSpan: Int)
        case cep(fast: StreamId, slow: StreamId)
    }

    public let source: Source
    public let scale: Double
    public let warmup: Int
    public var fast: [Double] = []
    public var slow: [Double] = []
    public var updates: [Int] = []
    @usableFromInline var fastWeight: Double = 0
    @usableFromInline var slowWeight: Double = 0

    public init(source: Source, scale: Double = 0.001, warmup: Int = 10) {
        precondition(scale > 0 && warmup >= 1)
        self.source = source; self.scale = scale; self.warmup = warmup
        if case .inline(let f, let s) = source {
            precondition(f >= 1 && s > f, "need 1 ≤ fastSpan < slowSpan")
            fastWeight = 2 / Double(f + 1); slowWeight = 2 / Double(s + 1)
        }
    }

    public mutating func prepare(book: StrategyBook) {
        fast = [Double](repeating: 0, count: book.instrumentCount)
        slow = fast
        updates = [Int](repeating: 0, count: book.instrumentCount)
    }

    // MARK: hot path begin
    @inlinable
    public mutating func onMarketEvent(_ event: MarketEvent, slot: Int, book: borrowing StrategyBook) -> Signal? {
        guard case .inline = source else { return nil }
        let x = book.mark[slot]
        guard x > 0, event.kind == .quote || event.kind == .trade || event.kind == .bar else { return nil }
        if updates[slot] == 0 {
            fast[slot] = x; slow[slot] = x
        } else {
            fast[slot] += fastWeight * (x - fast[slot])
            slow[slot] += slowWeight * (x - slow[slot])
        }
        updates[slot] &+= 1
        return makeSignal(slot: slot, book: book, time: book.now)
    }

    @inlinable
    public mutating func onCEPOutput(_ output: CEPOutput, book: borrowing StrategyBook) -> Signal? {
        guard case .cep(let fastStream, let slowStream) = source, output.valueCount >= 1,
              let slot = book.slot(of: InstrumentId(rawValue: output.partition)) else { return nil }
        if output.stream == fastStream {
            fast[slot] = output.value0
        } else if output.stream == slowStream {
            slow[slot] = output.value0
        } else {
            return nil
        }
        guard fast[slot] != 0, slow[slot] != 0 else { return nil }
        updates[slot] &+= 1
        return makeSignal(slot: slot, book: book, time: output.time)
    }

    @inlinable
    func makeSignal(slot: Int, book: borrowing StrategyBook, time: Timestamp) -> Signal? {
        let n = updates[slot]
        guard n >= warmup, slow[slot] != 0 else { return nil }
        let gap = (fast[slot] - slow[slot]) / slow[slot]
        return Signal(instrument: book.instruments[slot], strength: gap / scale,
                      confidence: Double(n) / Double(2 * warmup), time: time)
    }
    // MARK: hot path end
}

/// ML mean reversion on quote imbalance: per quote, builds features from the book —
/// `imbalance` = (bidSize − askSize)/(bidSize + askSize), `spread_bps`, and
/// `mid_deviation_bps` = (mid − EMA(mid))/EMA(mid) × 10⁴ — into a preallocated vector laid
/// out as the model's `featureNames` (unknown names stay 0), and asks the model in a
/// `ModelSlot` (hot-swappable) for p = P(mid rises). The signal's strength is 2p − 1
/// (zeroed below `threshold`), its confidence |2p − 1|.
public struct ImbalanceReversionAlpha: AlphaModel {
    public static let featureNames = ["imbalance", "spread_bps", "mid_deviation_bps"]

    public let model: ModelSlot
    public let threshold: Double
    public let meanWeight: Double
    public let imbalanceIndex: Int
    public let spreadIndex: Int
    public let deviationIndex: Int
    public var features: [Double]
    public var meanMid: [Double] = []

    /// `meanSpan`: span (in quotes) of the mid's EMA. Cold: looks the features up by name.
    public init(model: ModelSlot, meanSpan: Int = 20, threshold: Double = 0.1) {
        precondition(meanSpan >= 1)
        self.model = model
        self.threshold = threshold
        meanWeight = 2 / Double(meanSpan + 1)
        let names = model.featureNames
        imbalanceIndex = names.firstIndex(of: "imbalance") ?? -1
        spreadIndex = names.firstIndex(of: "spread_bps") ?? -1
        deviationIndex = names.firstIndex(of: "mid_deviation_bps") ?? -1
        features = [Double](repeating: 0, count: names.count)
    }

    public mutating func prepare(book: StrategyBook) {
        meanMid = [Double](repeating: 0, count: book.instrumentCount)
    }

    // MARK: hot path begin
    @inlinable
    public mutating func onMarketEvent(_ event: MarketEvent, slot: Int, book: borrowing StrategyBook) -> Signal? {
        guard event.kind == .quote, book.hasQuote(slot) else { return nil }
        let bidSize = book.bidSize[slot].doubleValue, askSize = book.askSize[slot].doubleValue
        let mid = book.mark[slot]
        guard bidSize + askSize > 0, mid > 0 else { return nil }
        let mean = meanMid[slot] == 0 ? mid : meanMid[slot]
        if imbalanceIndex >= 0 { features[imbalanceIndex] = (bidSize - askSize) / (bidSize + askSize) }
        if spreadIndex >= 0 {
            features[spreadIndex] = (book.ask[slot].doubleValue - book.bid[slot].doubleValue) / mid * 10_000
        }
        if deviationIndex >= 0 { features[deviationIndex] = (mid - mean) / mean * 10_000 }
        meanMid[slot] = mean + meanWeight * (mid - mean)
        let slotRef = model
        let p = features.withUnsafeBufferPointer { slotRef.predict($0) }
        let edge = 2 * p - 1
        return Signal(instrument: book.instruments[slot], strength: abs(edge) < threshold ? 0 : edge,
                      confidence: abs(edge), time: book.now)
    }
    // MARK: hot path end

    /// A hand-set logistic model for demos and tests: buy pressure (imbalance) raises p,
    /// a mid above its mean lowers it (reversion), wide spreads damp nothing (weight 0).
    public static func sampleModelDefinition() -> ModelDefinition {
        ModelDefinition(featureNames: featureNames, source: "peregrine sample: imbalance mean reversion",
                        body: .logistic(LinearParameters(weights: [2.0, 0.0, -0.8], intercept: 0)))
    }
}
