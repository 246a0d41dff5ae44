import PeregrineCore

/// Equal weight: every instrument whose latest signal passes `minStrength` and
/// `minConfidence` gets `grossNotional / activeCount` in the signal's direction; the rest
/// get 0. Targets are lot-rounded toward zero and clamped to ±maxPosition.
public struct EqualWeightPortfolio: PortfolioConstruction {
    public var grossNotional: Double
    public var minStrength: Double
    public var minConfidence: Double

    public init(grossNotional: Double, minStrength: Double = 0.05, minConfidence: Double = 0) {
        self.grossNotional = grossNotional; self.minStrength = minStrength; self.minConfidence = minConfidence
    }

    @inlinable
    func isActive(_ s: Signal) -> Bool {
        s.time != .zero && abs(s.strength) >= minStrength && s.confidence >= minConfidence
    }

    // MARK: hot path begin
    @inlinable @inline(__always)
    public mutating func construct(book: inout StrategyBook, time: Timestamp) {
        var active = 0
        for s in 0..<book.instrumentCount where isActive(book.signal[s]) { active &+= 1 }
        let each = active == 0 ? 0 : grossNotional / Double(active)
        for s in 0..<book.instrumentCount {
            let sig = book.signal[s]
            book.desired[s] = isActive(sig)
                ? book.quantity(forNotional: sig.strength > 0 ? each : -each, slot: s) : .zero
        }
    }
    // MARK: hot path end
}

/// Signal-weighted: weight_i = strength_i × confidence_i (0 below `minConfidence`),
/// normalized only when Σ|w| > 1; target_i = weight_i × grossNotional at the mark,
/// lot-rounded toward zero and clamped to ±maxPosition.
public struct SignalWeightedPortfolio: PortfolioConstruction {
    public var grossNotional: Double
    public var minConfidence: Double

    public init(grossNotional: Double, minConfidence: Double = 0) {
        self.grossNotional = grossNotional; self.minConfidence = minConfidence
    }

    @inlinable
    func weight(_ s: Signal) -> Double {
        s.time == .zero || s.confidence < minConfidence ? 0 : s.strength * s.confidence
    }

    // MARK: hot path begin
    @inlinable
    public mutating func construct(book: inout StrategyBook, time: Timestamp) {
        var total = 0.0
        for s in 0..<book.instrumentCount { total += abs(weight(book.signal[s])) }
        let norm = total > 1 ? total : 1
        for s in 0..<book.instrumentCount {
            book.desired[s] = book.quantity(forNotional: weight(book.signal[s]) / norm * grossNotional, slot: s)
        }
    }
    // MARK: hot path end
}

/// Naive risk parity (inverse volatility): active instruments (as `EqualWeightPortfolio`)
/// share `grossNotional` in proportion to 1/σ_i, σ from the book's EWMA return variance;
/// instruments without a volatility estimate yet get 0.
public struct InverseVolatilityPortfolio: PortfolioConstruction {
    public var grossNotional: Double
    public var minStrength: Double

    public init(grossNotional: Double, minStrength: Double = 0.05) {
        self.grossNotional = grossNotional; self.minStrength = minStrength
    }

    // MARK: hot path begin
    @inlinable
    public mutating func construct(book: inout StrategyBook, time: Timestamp) {
        var sumInverse = 0.0
        for s in 0..<book.instrumentCount {
            let sig = book.signal[s], v = book.returnVariance[s]
            if sig.time != .zero && abs(sig.strength) >= minStrength && v > 0 { sumInverse += 1 / v.squareRoot() }
        }
        for s in 0..<book.instrumentCount {
            let sig = book.signal[s], v = book.returnVariance[s]
            guard sumInverse > 0, sig.time != .zero, abs(sig.strength) >= minStrength, v > 0 else {
                book.desired[s] = .zero; continue
            }
            let w = (1 / v.squareRoot()) / sumInverse
            book.desired[s] = book.quantity(forNotional: (sig.strength > 0 ? w : -w) * grossNotional, slot: s)
        }
    }
    // MARK: hot path end
}
