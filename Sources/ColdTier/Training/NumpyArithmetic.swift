#if canImport(Glibc)
import Glibc
#endif

/// The float arithmetic numpy and scipy use where scikit-learn's gradient boosting relies on
/// them, reproduced so a Swift fit rounds exactly as sklearn's does (the init mean and the
/// Newton leaf averages feed every later tree).
enum NumpyArithmetic {
    /// `np.add.reduce` over a contiguous float64 array: numpy's pairwise summation
    /// (numpy/_core/src/umath/loops_utils.h.src, `pairwise_sum`: below 8 values a plain loop;
    /// up to 128, eight interleaved partial sums; above, split in two at a multiple of 8).
    static func pairwiseSum(_ values: ArraySlice<Double>) -> Double {
        let n = values.count, first = values.startIndex
        if n < 8 {
            var sum = 0.0
            for v in values { sum += v }
            return sum
        }
        if n <= 128 {
            var r = (values[first], values[first + 1], values[first + 2], values[first + 3],
                     values[first + 4], values[first + 5], values[first + 6], values[first + 7])
            var i = 8
            while i < n - n % 8 {
                let at = first + i
                r.0 += values[at]; r.1 += values[at + 1]; r.2 += values[at + 2]; r.3 += values[at + 3]
                r.4 += values[at + 4]; r.5 += values[at + 5]; r.6 += values[at + 6]; r.7 += values[at + 7]
                i += 8
            }
            var sum = ((r.0 + r.1) + (r.2 + r.3)) + ((r.4 + r.5) + (r.6 + r.7))
            while i < n { sum += values[first + i]; i += 1 }
            return sum
        }
        var half = n / 2
        half -= half % 8
        return pairwiseSum(values[first..<(first + half)]) + pairwiseSum(values[(first + half)...])
    }

    /// `np.mean` of a contiguous float64 array (pairwise sum, then one division).
    static func mean(_ values: [Double]) -> Double {
        pairwiseSum(values[...]) / Double(values.count)
    }

    /// `scipy.special.logit` (scipy ≥ 1.12): log(x/(1−x)), but log1p(s) − log1p(−s) with
    /// s = 2(x − ½) for x in [0.3, 0.65], where the plain form loses precision.
    static func logit(_ x: Double) -> Double {
        if x < 0.3 || x > 0.65 { return log(x / (1 - x)) }
        let s = 2 * (x - 0.5)
        return log1p(s) - log1p(-s)
    }
}
