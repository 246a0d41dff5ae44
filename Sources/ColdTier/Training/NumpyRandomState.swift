/// The random numbers scikit-learn's trees draw from `random_state=<int>`: numpy's legacy
/// `RandomState` (MT19937, Matsumoto & Nishimura 1998, seeded with `init_genrand`) for one
/// `randint(0, RAND_R_MAX)` per tree, then sklearn's xorshift `our_rand_r` for the feature
/// order inside the tree (sklearn/utils/_random.pxd, tree/_utils.pyx).
///
/// Reproducing them lets `RegressionTreeBuilder` visit features in sklearn's order, so that
/// between splits of equal gain it keeps the one sklearn keeps. Cold tier; plain values.
struct NumpyRandomState {
    private var state: [UInt32]
    private var index: Int

    /// `numpy.random.RandomState(seed)` for an integer seed (`mt19937_seed`).
    init(seed: UInt32) {
        state = [UInt32](repeating: 0, count: 624)
        state[0] = seed
        for i in 1..<624 {
            state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i)
        }
        index = 624
    }

    /// MT19937 `genrand_int32`.
    mutating func nextUInt32() -> UInt32 {
        if index >= 624 {
            for i in 0..<624 {
                let y = (state[i] & 0x8000_0000) | (state[(i + 1) % 624] & 0x7FFF_FFFF)
                state[i] = state[(i + 397) % 624] ^ (y >> 1) ^ (y & 1 == 0 ? 0 : 0x9908_B0DF)
            }
            index = 0
        }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// sklearn's `RAND_R_MAX` (tree/_utils.pxd).
    static let randRMax: UInt32 = 0x7FFF_FFFF

    /// `randint(0, RAND_R_MAX)`: numpy's masked rejection sampling on 32-bit draws — the seed a
    /// tree's splitter takes at `init`.
    mutating func treeSeed() -> UInt32 {
        while true {
            let value = nextUInt32() & 0x7FFF_FFFF
            if value <= Self.randRMax - 1 { return value }
        }
    }

    /// sklearn's `rand_int(low, high, &seed)`: `low + our_rand_r(seed) % (high − low)`, where
    /// `our_rand_r` is a 13/17/5 xorshift reduced modulo 2³¹ (a zero seed becomes 1).
    static func randomInteger(_ low: Int, _ high: Int, seed: inout UInt32) -> Int {
        if seed == 0 { seed = 1 }
        seed ^= seed << 13
        seed ^= seed >> 17
        seed ^= seed << 5
        let value = seed % (randRMax &+ 1)
        return low + Int(value) % (high - low)
    }
}
