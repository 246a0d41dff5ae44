/// The weights of a linear or logistic model, in one 64-byte-aligned allocation made at load
/// (cold) and freed in `deinit`.
struct LinearModel: ~Copyable {
    let count: Int
    let intercept: Double
    // SAFETY: allocated and initialized in init, never written again, freed in deinit.
    let weights: UnsafeMutablePointer<Double>

    init(weights source: [Double], intercept: Double) {
        count = source.count
        self.intercept = intercept
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 8, alignment: 64)
        weights = raw.bindMemory(to: Double.self, capacity: max(count, 1))
        weights.initialize(repeating: 0, count: max(count, 1))
        for (i, w) in source.enumerated() { weights[i] = w }
    }

    deinit {
        // Poison before freeing so a reader that outlived its model shows up as NaN in tests.
        weights.update(repeating: .nan, count: max(count, 1))
        UnsafeMutableRawPointer(weights).deallocate()
    }

    // MARK: hot path begin
    /// w·x + b. Any thread; does not block or allocate; about n/4 dependent adds.
    ///
    /// Four partial sums break the add chain (scikit-learn's BLAS dot product also reorders;
    /// both stay within a few ulps of the exact sum). `x` must hold `count` values.
    @inline(__always)
    func score(_ x: UnsafePointer<Double>) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var i = 0
        while i &+ 4 <= count {
            s0 += weights[i] * x[i]
            s1 += weights[i &+ 1] * x[i &+ 1]
            s2 += weights[i &+ 2] * x[i &+ 2]
            s3 += weights[i &+ 3] * x[i &+ 3]
            i &+= 4
        }
        while i < count {
            s0 += weights[i] * x[i]
            i &+= 1
        }
        return ((s0 + s1) + (s2 + s3)) + intercept
    }
    // MARK: hot path end
}
