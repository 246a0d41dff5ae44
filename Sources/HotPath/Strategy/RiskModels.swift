import PeregrineCore

/// No adjustment (targets pass through; the book's hard limits still apply to orders).
public struct PassThroughRisk: RiskModel {
    public init() {}
    @inlinable public mutating func adjust(book: inout StrategyBook, time: Timestamp) {}
}

/// Exposure caps: each target's |notional| at the mark ≤ `maxInstrumentNotional`, then
/// all targets scaled down together (toward zero, in lots) until gross notional ≤
/// `maxGrossNotional`. Targets are also clamped to ±maxPosition.
public struct ExposureCapRisk: RiskModel {
    public var maxInstrumentNotional: Double
    public var maxGrossNotional: Double

    public init(maxInstrumentNotional: Double = .infinity, maxGrossNotional: Double) {
        self.maxInstrumentNotional = maxInstrumentNotional; self.maxGrossNotional = maxGrossNotional
    }

    // MARK: hot path begin
    @inlinable @inline(__always)
    public mutating func adjust(book: inout StrategyBook, time: Timestamp) {
        var gross = 0.0
        for s in 0..<book.instrumentCount {
            var t = book.clampToLots(book.target[s], slot: s)
            let m = book.mark[s]
            if m > 0 && abs(t.doubleValue * m) > maxInstrumentNotional {
                t = book.quantity(forNotional: t.rawValue > 0 ? maxInstrumentNotional : -maxInstrumentNotional, slot: s)
            }
            book.target[s] = t
            gross += abs(t.doubleValue * m)
        }
        guard gross > maxGrossNotional, gross > 0 else { return }
        let factor = maxGrossNotional / gross
        for s in 0..<book.instrumentCount {
            book.target[s] = book.quantity(forNotional: book.target[s].doubleValue * book.mark[s] * factor, slot: s)
        }
    }
    // MARK: hot path end
}

/// Max-drawdown guard: tracks peak mark-to-market equity; once equity falls more than
/// `maxDrawdown` (price units) below the peak it trips and holds every target at 0 (the
/// execution stage flattens) until `reset()`.
public struct DrawdownGuardRisk: RiskModel {
    public var maxDrawdown: Double
    public var peakEquity: Double = 0
    public var tripped: Bool = false
    public var tripTime: Timestamp = .zero

    public init(maxDrawdown: Double) { self.maxDrawdown = maxDrawdown }

    public mutating func reset() { tripped = false; peakEquity = 0; tripTime = .zero }

    // MARK: hot path begin
    @inlinable @inline(__always)
    public mutating func adjust(book: inout StrategyBook, time: Timestamp) {
        if !tripped {
            let e = book.equity()
            if e > peakEquity { peakEquity = e }
            if peakEquity - e > maxDrawdown { tripped = true; tripTime = time }
        }
        if tripped {
            for s in 0..<book.instrumentCount { book.target[s] = .zero }
        }
    }
    // MARK: hot path end
}

/// Two risk models applied in order (nest for more).
public struct RiskChain<First: RiskModel, Second: RiskModel>: RiskModel {
    public var first: First
    public var second: Second

    public init(_ first: First, _ second: Second) { self.first = first; self.second = second }

    public mutating func prepare(book: StrategyBook) {
        first.prepare(book: book); second.prepare(book: book)
    }

    @inlinable @inline(__always)
    public mutating func adjust(book: inout StrategyBook, time: Timestamp) {
        first.adjust(book: &book, time: time)
        second.adjust(book: &book, time: time)
    }
}
