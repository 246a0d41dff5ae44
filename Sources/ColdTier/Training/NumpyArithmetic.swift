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
    static func pairwiseSum(_ values: UnsafeBufferPointer<Double>) -> Double {
        let n = values.count
        if n < 8 {
            var sum = 0.0
            for v in values { sum += v }
            return sum
        }
        if n <= 128 {
            var r0 = values[0], r1 = values[1], r2 = values[2], r3 = values[3]
            var r4 = values[4], r5 = values[5], r6 = values[6], r7 = values[7]
            var i = 8
            while i < n - n % 8 {
                r0 += values[i]; r1 += values[i + 1]; r2 += values[i + 2]; r3 += values[i + 3]
                r4 += values[i + 4]; r5 += values[i + 5]; r6 += values[i + 6]; r7 += values[i + 7]
                i += 8
            }
            var sum = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
            while i < n { sum += values[i]; i += 1 }
            return sum
        }
        var half = n / 2
        half -= half % 8
        return pairwiseSum(UnsafeBufferPointer(rebasing: values[0..<half])) + pairwiseSum(UnsafeBufferPointer(rebasing: values[half..<n]))
    }

    /// `np.mean` of a contiguous float64 array (pairwise sum, then one division).
    static func mean(_ values: [Double]) -> Double {
        values.withUnsafeBufferPointer { pairwiseSum($0) } / Double(values.count)
    }

    /// `scipy.special.logit` (scipy ≥ 1.12): log(x/(1−x)), but log1p(s) − log1p(−s) with
    /// s = 2(x − ½) for x in [0.3, 0.65], where the plain form loses precision.
    static func logit(_ x: Double) -> Double {
        if x < 0.3 || x > 0.65 { return log(x / (1 - x)) }
        let s = 2 * (x - 0.5)
        return log1p(s) - log1p(-s)
    }
}
