/// A seeded pseudo-random generator for the simulated market: xoshiro256** (Blackman and
/// Vigna, "Scrambled linear pseudorandom number generators", 2018) seeded by SplitMix64.
///
/// Deterministic across platforms bit for bit: the generator is integer arithmetic and the
/// distributions use only IEEE-754 `+ − × ÷` and `squareRoot()` (correctly rounded
/// everywhere) — `log` and `exp` are computed here rather than taken from the platform's
/// libm, whose last bits differ between systems. No allocation; not thread-safe (one owner).
public struct SimulationRandom: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// A generator whose whole stream is a function of `seed`.
    public init(seed: UInt64) {
        var x = seed
        func splitMix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(&x); s1 = splitMix(&x); s2 = splitMix(&x); s3 = splitMix(&x)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform integer in 0..<bound (Lemire's multiply-shift, bias below 2⁻³² for small bounds).
    public mutating func below(_ bound: Int) -> Int {
        Int(truncatingIfNeeded: (next().multipliedFullWidth(by: UInt64(bound))).high)
    }

    /// A standard normal deviate (Marsaglia's polar method).
    public mutating func normal() -> Double {
        while true {
            let u = 2 * uniform() - 1, v = 2 * uniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 { return u * (-2 * Self.log(s) / s).squareRoot() }
        }
    }

    /// An exponential deviate with the given rate (mean 1/rate).
    public mutating func exponential(rate: Double) -> Double { -Self.log(1 - uniform()) / rate }

    /// A log-normal deviate: exp(mean + standardDeviation · N(0, 1)).
    public mutating func logNormal(mean: Double, standardDeviation: Double) -> Double {
        Self.exp(mean + standardDeviation * normal())
    }

    /// A geometric count ≥ 0 with the given mean (number of failures before a success).
    public mutating func geometric(mean: Double) -> Int {
        let p = 1 / (1 + mean)
        var n = 0
        while uniform() >= p && n < 1_000 { n += 1 }
        return n
    }

    /// Natural logarithm of a positive finite `x`: x = m·2ᵉ, ln x = e·ln 2 + 2·atanh((m−1)/(m+1)).
    /// Within a few ulps; deterministic.
    public static func log(_ x: Double) -> Double {
        precondition(x > 0 && x.isFinite, "log of a non-positive or infinite value")
        var m = x.significand          // [1, 2)
        var e = Double(x.exponent)
        if m > 1.414_213_562_373_095 { m /= 2; e += 1 }   // m in [0.707, 1.414]: faster series
        let z = (m - 1) / (m + 1), z2 = z * z
        var term = z, sum = 0.0
        var k = 1.0
        while true {
            let next = sum + term / k
            if next == sum { break }
            sum = next; term *= z2; k += 2
        }
        return e * 0.693_147_180_559_945_3 + 2 * sum
    }

    /// e to the power `x` (|x| < 700): x = k·ln 2 + r, eˣ = 2ᵏ·eʳ with a Taylor series for eʳ.
    public static func exp(_ x: Double) -> Double {
        precondition(x.magnitude < 700, "exp argument out of range")
        let k = (x / 0.693_147_180_559_945_3).rounded()
        let r = x - k * 0.693_147_180_559_945_3
        var term = 1.0, sum = 1.0, n = 1.0
        while true {
            term *= r / n
            let next = sum + term
            if next == sum { break }
            sum = next; n += 1
        }
        return Double(sign: .plus, exponent: Int(k), significand: sum)
    }
}
