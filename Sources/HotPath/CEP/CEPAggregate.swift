/// An aggregate function over a window's samples (`value`, `weight`).
///
/// A small fixed set a query compiler picks from; the window maintains only what the
/// chosen functions need (sums and Welford moments always; the min/max deques and the
/// order-statistics buffer only when asked for).
@frozen
public enum CEPAggregate: Sendable, BitwiseCopyable, Equatable {
    /// Number of samples.
    case count
    /// Σ value (compensated summation).
    case sum
    /// Σ value / count.
    case mean
    /// Smallest value (monotonic deque when the window slides).
    case min
    /// Largest value (monotonic deque when the window slides).
    case max
    /// Oldest sample's value in the window.
    case first
    /// Newest sample's value in the window.
    case last
    /// Sample variance (n − 1 denominator; 0 below two samples). Welford, with removal.
    case variance
    /// Square root of `variance`.
    case standardDeviation
    /// Σ value·weight / Σ weight (value = price, weight = quantity); NaN when Σ weight = 0.
    case vwap
    /// Σ weight.
    case sumOfWeights
    /// (last − mean) / standardDeviation over the window including the newest sample; 0 when
    /// the deviation is 0 or there are fewer than two samples.
    case zScore
    /// The q-quantile (0...1) by linear interpolation between closest ranks (NumPy's default
    /// "linear" method), exact over the bounded window (sorted buffer, O(capacity) update).
    case percentile(Double)

    @inlinable var needsMinimumDeque: Bool { if case .min = self { return true } else { return false } }
    @inlinable var needsMaximumDeque: Bool { if case .max = self { return true } else { return false } }
    @inlinable var needsSortedValues: Bool { if case .percentile = self { return true } else { return false } }
}

/// A Neumaier-compensated running sum that supports subtraction (Neumaier, 1974).
///
/// Keeps the rounding error of each addition in `compensation`; used so that sliding sums
/// (add on arrival, subtract on eviction) do not drift. O(1), trivially copyable.
@frozen
public struct CompensatedSum: Sendable, BitwiseCopyable {
    public var sum: Double = 0
    public var compensation: Double = 0
    @inlinable public init() {}

    /// Adds `x` (subtract by adding −x).
    @inlinable
    public mutating func add(_ x: Double) {
        let t = sum + x
        if Swift.abs(sum) >= Swift.abs(x) { compensation += (sum - t) + x } else { compensation += (x - t) + sum }
        sum = t
    }

    /// The compensated total.
    @inlinable public var value: Double { sum + compensation }
}

/// Running mean and sum of squared deviations with insertion and removal (Welford, 1962;
/// removal as in Finch, "Incremental calculation of weighted mean and variance", 2009), on
/// shifted data.
///
/// Numerically careful for large offsets (prices near 10⁹ with cent moves): it never forms
/// Σx², and it runs on `x − shift` where `shift` is a recent mean, so the running mean stays
/// small and its rounding does not random-walk at the ulp of 10⁹ (without the shift, 4,096
/// insert/remove pairs at 10⁹ drift the variance by ~10⁻⁶ relative). Windows also rebuild it
/// from their samples every `capacity` removals (amortized O(1)), re-centring `shift`.
/// Trivially copyable.
@frozen
public struct WelfordMoments: Sendable, BitwiseCopyable {
    public var count: Int = 0
    /// Mean of `x − shift`.
    public var shiftedMean: Double = 0
    public var m2: Double = 0
    public var shift: Double = 0
    @inlinable public init() {}

    /// The mean.
    @inlinable public var mean: Double { shift + shiftedMean }

    @inlinable
    public mutating func insert(_ x: Double) {
        if count == 0 { shift = x; shiftedMean = 0; m2 = 0 }
        count += 1
        let y = x - shift
        let delta = y - shiftedMean
        shiftedMean += delta / Double(count)
        m2 += delta * (y - shiftedMean)
    }

    @inlinable
    public mutating func remove(_ x: Double) {
        precondition(count > 0, "WelfordMoments.remove on empty")
        count -= 1
        if count == 0 { shiftedMean = 0; m2 = 0; return }
        let y = x - shift
        let delta = y - shiftedMean
        shiftedMean -= delta / Double(count)
        m2 -= delta * (y - shiftedMean)
        if m2 < 0 { m2 = 0 }
    }

    /// Sample variance (n − 1); 0 below two samples.
    @inlinable public var variance: Double { count < 2 ? 0 : m2 / Double(count - 1) }
}
