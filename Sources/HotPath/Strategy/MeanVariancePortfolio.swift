import PeregrineCore

/// Mean-variance (Markowitz) construction: targets that maximize w·μ − (λ/2)·wᵀΣw, scaled
/// down to a gross-notional budget, in whole lots within ±maxPosition.
///
/// - μ_i = `expectedReturnScale` × strength_i (0 for slots whose signal is unset or below
///   `minConfidence`), an expected return per unit notional.
/// - Σ is an EWMA covariance of the instruments' mark-to-mark returns (decay
///   `covarianceDecay`): Σ ← d·Σ + (1 − d)·r rᵀ, r_i = mark_i / previous mark_i − 1 (0 for a
///   slot whose mark did not move or is unknown). It is sampled from `book.mark` by
///   `observe(book:)`, which `construct` calls first; call it yourself on every event for a
///   finer sample (the stage protocol only reaches construction on signals).
/// - The unconstrained optimum w* = Σ_r⁻¹ μ / λ (notional per instrument), with
///   Σ_r = Σ + ridge·(tr Σ / n)·I for invertibility, solved by an in-place Cholesky
///   factorization (Golub & Van Loan, *Matrix Computations*, §4.2) and two triangular solves.
/// - When Σ|w*| exceeds `grossNotional`, w* is scaled down to it; each notional is then
///   converted at the mark with `StrategyBook.quantity(forNotional:slot:)` (toward zero in
///   lots, clamped to ±maxPosition), so the gross at the marks never exceeds the budget.
///
/// Slots without a mark get 0. While Σ is all zero (no returns yet) or not positive definite
/// after the ridge, every target is 0.
///
/// Thread: the strategy's. Cost O(n³) per `construct` (n instruments; n is small), O(n²) per
/// `observe`. No allocation after `prepare(book:)`: the n×n covariance, the factor and the
/// vectors are sized there and only assigned into.
public struct MeanVariancePortfolio: PortfolioConstruction {
    public var grossNotional: Double
    /// λ, the risk aversion (per unit notional).
    public var riskAversion: Double
    /// Expected return of a full-strength (±1) signal.
    public var expectedReturnScale: Double
    /// Ridge added to Σ's diagonal, relative to its mean variance (tr Σ / n).
    public var ridge: Double
    /// EWMA decay d of the covariance (weight of the old estimate).
    public var covarianceDecay: Double
    public var minConfidence: Double

    /// Instrument count (fixed at `prepare`).
    public var count: Int = 0
    /// The EWMA covariance, n×n row-major. Public so callers can seed or inspect it.
    public var covariance: [Double] = []
    /// Marks at the previous `observe` (0 when unknown).
    public var previousMark: [Double] = []
    /// Returns sampled by the last `observe`.
    public var returns: [Double] = []
    /// μ of the last `construct`.
    public var expectedReturn: [Double] = []
    /// The budget-scaled notional per slot of the last `construct` (before lot rounding).
    public var notional: [Double] = []
    /// Cholesky factor L of Σ_r (lower triangle used), n×n row-major.
    public var factor: [Double] = []
    /// Covariance samples taken.
    public var samples: Int = 0
    /// Constructions where Σ_r was not positive definite (targets set to 0).
    public var singularCount: Int = 0

    public init(grossNotional: Double, riskAversion: Double = 1, expectedReturnScale: Double = 0.001,
                ridge: Double = 1e-6, covarianceDecay: Double = 0.97, minConfidence: Double = 0) {
        precondition(grossNotional >= 0 && riskAversion > 0 && ridge >= 0)
        precondition(covarianceDecay >= 0 && covarianceDecay < 1)
        self.grossNotional = grossNotional; self.riskAversion = riskAversion
        self.expectedReturnScale = expectedReturnScale; self.ridge = ridge
        self.covarianceDecay = covarianceDecay; self.minConfidence = minConfidence
    }

    /// Sizes every buffer for the book's instruments (cold: allocates).
    public mutating func prepare(book: StrategyBook) {
        count = book.instrumentCount
        // Each buffer gets its own storage (`b = a` would share it until the first write,
        // which would then allocate on the hot path).
        covariance = [Double](repeating: 0, count: count * count)
        factor = [Double](repeating: 0, count: count * count)
        previousMark = [Double](repeating: 0, count: count)
        returns = [Double](repeating: 0, count: count)
        expectedReturn = [Double](repeating: 0, count: count)
        notional = [Double](repeating: 0, count: count)
        samples = 0; singularCount = 0
    }

    // MARK: hot path begin
    /// Samples one return vector from the book's marks and folds r rᵀ into the covariance.
    /// Does nothing when no mark moved. O(n²), no allocation.
    @inlinable
    public mutating func observe(book: borrowing StrategyBook) {
        let n = count
        var moved = false
        for i in 0..<n {
            let m = book.mark[i], old = previousMark[i]
            let r = (m > 0 && old > 0) ? m / old - 1 : 0
            returns[i] = r
            if r != 0 { moved = true }
            if m > 0 { previousMark[i] = m }
        }
        guard moved else { return }
        let d = covarianceDecay, e = 1 - d
        for i in 0..<n {
            let ri = returns[i]
            for j in 0...i {
                let c = d * covariance[i &* n &+ j] + e * ri * returns[j]
                covariance[i &* n &+ j] = c
                covariance[j &* n &+ i] = c
            }
        }
        samples &+= 1
    }

    @inlinable
    public mutating func construct(book: inout StrategyBook, time: Timestamp) {
        observe(book: book)
        let n = count
        var any = false
        for i in 0..<n {
            let s = book.signal[i]
            let mu = (s.time == .zero || s.confidence < minConfidence || book.mark[i] <= 0)
                ? 0 : expectedReturnScale * s.strength
            expectedReturn[i] = mu
            if mu != 0 { any = true }
        }
        guard any, solve() else {
            for i in 0..<n { book.desired[i] = .zero; notional[i] = 0 }
            return
        }
        // `notional` holds Σ_r⁻¹ μ; divide by λ, then scale down to the budget.
        var gross = 0.0
        for i in 0..<n { notional[i] /= riskAversion; gross += abs(notional[i]) }
        let factorToBudget = gross > grossNotional && gross > 0 ? grossNotional / gross : 1
        for i in 0..<n {
            notional[i] *= factorToBudget
            book.desired[i] = book.quantity(forNotional: notional[i], slot: i)
        }
    }

    /// Σ_r x = μ into `notional` by Cholesky (Σ_r = L Lᵀ), L written into `factor`. False
    /// when Σ is zero or Σ_r is not positive definite. O(n³), no allocation.
    @inlinable
    mutating func solve() -> Bool {
        let n = count
        var trace = 0.0
        for i in 0..<n { trace += covariance[i &* n &+ i] }
        guard trace > 0, trace.isFinite else { singularCount &+= 1; return false }
        let shift = ridge * trace / Double(n)
        for i in 0..<n {
            for j in 0...i {
                var sum = covariance[i &* n &+ j] + (i == j ? shift : 0)
                for k in 0..<j { sum -= factor[i &* n &+ k] * factor[j &* n &+ k] }
                if i == j {
                    guard sum > 0, sum.isFinite else { singularCount &+= 1; return false }
                    factor[i &* n &+ i] = sum.squareRoot()
                } else {
                    factor[i &* n &+ j] = sum / factor[j &* n &+ j]
                }
            }
        }
        // L y = μ (forward), then Lᵀ x = y (backward), both in `notional`.
        for i in 0..<n {
            var sum = expectedReturn[i]
            for k in 0..<i { sum -= factor[i &* n &+ k] * notional[k] }
            notional[i] = sum / factor[i &* n &+ i]
        }
        var i = n - 1
        while i >= 0 {
            var sum = notional[i]
            var k = i + 1
            while k < n { sum -= factor[k &* n &+ i] * notional[k]; k &+= 1 }
            notional[i] = sum / factor[i &* n &+ i]
            i -= 1
        }
        return true
    }
    // MARK: hot path end
}
