/// Turns scikit-learn GradientBoosting's float32 comparisons into plain Double comparisons.
///
/// GradientBoosting converts X to float32 before walking its trees, so a split tests
/// `Double(Float(x)) <= t`. Rounding to nearest is monotonic, so that set of x is a ray
/// `x <= r` for one Double `r`; computing `r` once per node at load keeps the per-node
/// conversion off the hot path.
public enum Float32Comparison {
    /// The largest Double `r` with `x <= r  ⟺  Double(Float(x)) <= threshold` for every
    /// non-NaN x (NaN fails both). Cold; O(1).
    ///
    /// Let g be the largest Float with Double(g) <= threshold and u the next Float up. Every x
    /// below the midpoint m of g and u rounds to g or lower; m itself rounds to whichever of g
    /// and u has an even significand (IEEE 754 round-half-even); everything above m rounds to
    /// u or higher, and u > threshold.
    public static func equivalentThreshold(_ threshold: Double) -> Double {
        if threshold.isNaN || threshold == .infinity { return threshold }
        let floatMax = Float.greatestFiniteMagnitude
        var g = Float(threshold)
        if Double(g) > threshold { g = g.nextDown }
        if g == -.infinity {
            // Only x that round to -inf: at or below -(max + ulp/2) (max's significand is odd,
            // so the tie goes to infinity).
            return -(Double(floatMax) + Double(floatMax.ulp) / 2)
        }
        let up = g == floatMax ? Double(floatMax) + Double(floatMax.ulp) : Double(g.nextUp)
        let midpoint = (Double(g) + up) / 2   // exact: two adjacent floats fit a double's significand
        let gIsEven = g.bitPattern & 1 == 0
        return gIsEven ? midpoint : midpoint.nextDown
    }
}
