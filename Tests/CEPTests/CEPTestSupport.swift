import PeregrineCEP
import PeregrineCore

/// SplitMix64: a deterministic PRNG so every random test replays exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let testVenue = VenueId(rawValue: 1)

func trade(_ instrument: Int, price: Double, quantity: Double, at ns: Int64) -> MarketEvent {
    let t = Timestamp(nanosecondsSinceEpoch: ns)
    return .trade(InstrumentId(rawValue: UInt32(instrument)), venue: testVenue,
                  price: Price(rawValue: Int64((price * 1e8).rounded())), quantity: Quantity(rawValue: Int64((quantity * 1e8).rounded())),
                  exchangeTime: t, receiveTime: t)
}

func quote(_ instrument: Int, bid: Double, ask: Double, at ns: Int64) -> MarketEvent {
    let t = Timestamp(nanosecondsSinceEpoch: ns)
    return .quote(InstrumentId(rawValue: UInt32(instrument)), venue: testVenue,
                  bidPrice: Price(rawValue: Int64((bid * 1e8).rounded())), bidQuantity: Quantity(rawValue: 100_00000000),
                  askPrice: Price(rawValue: Int64((ask * 1e8).rounded())), askQuantity: Quantity(rawValue: 200_00000000),
                  exchangeTime: t, receiveTime: t)
}

/// Random trades over `partitions` instruments with non-decreasing times (gaps 0...maxGap
/// ns, so ties occur), prices around `base` and quantities 1...1000.
func randomTrades(count: Int, partitions: Int, maxGap: Int64, base: Double = 100, seed: UInt64) -> [MarketEvent] {
    var rng = SplitMix64(seed: seed)
    var t: Int64 = 1_700_000_000_000_000_000
    var events: [MarketEvent] = []
    for _ in 0..<count {
        t += Int64.random(in: 0...maxGap, using: &rng)
        let p = Int.random(in: 0..<partitions, using: &rng)
        let price = base + Double(Int.random(in: -5000...5000, using: &rng)) / 100
        let qty = Double(Int.random(in: 1...1000, using: &rng))
        events.append(trade(p, price: price, quantity: qty, at: t))
    }
    return events
}

/// The aggregate over `samples` (value, weight) computed from scratch: the obvious way.
func referenceAggregate(_ aggregate: CEPAggregate, _ samples: [(value: Double, weight: Double)]) -> Double {
    let values = samples.map(\.value)
    let n = Double(values.count)
    // Mean about the first value, so the reference itself stays exact near 10⁹.
    func mean() -> Double { values[0] + values.map { $0 - values[0] }.reduce(0, +) / n }
    func variance() -> Double {
        guard values.count >= 2 else { return 0 }
        let m = mean()
        return values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / (n - 1)
    }
    switch aggregate {
    case .count: return n
    case .sum: return values.reduce(0, +)
    case .mean: return mean()
    case .min: return values.min()!
    case .max: return values.max()!
    case .first: return values.first!
    case .last: return values.last!
    case .variance: return variance()
    case .standardDeviation: return variance().squareRoot()
    case .vwap: return samples.map { $0.value * $0.weight }.reduce(0, +) / samples.map(\.weight).reduce(0, +)
    case .sumOfWeights: return samples.map(\.weight).reduce(0, +)
    case .zScore:
        let sd = variance().squareRoot()
        return values.count < 2 || sd == 0 ? 0 : (values.last! - mean()) / sd
    case .percentile(let q):
        let s = values.sorted()
        let pos = q * (n - 1)
        let lo = Int(pos.rounded(.down))
        let hi = Swift.min(lo + 1, s.count - 1)
        return s[lo] + (s[hi] - s[lo]) * (pos - Double(lo))
    }
}

/// |a − b| ≤ tolerance · max(1, |b|).
func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
    return Swift.abs(a - b) <= tolerance * Swift.max(1, Swift.abs(b))
}

/// Drains `buffer` into an array (tests only).
func drain(_ buffer: inout CEPOutputBuffer) -> [CEPOutput] {
    var out: [CEPOutput] = []
    for i in 0..<buffer.count { out.append(buffer[i]) }
    buffer.removeAll()
    return out
}

/// Compile-time proof that a type is trivially copyable (no references, no ARC).
func requireBitwiseCopyable<T: BitwiseCopyable>(_: T.Type) {}

typealias TradeWindow = WindowOperator<InstrumentPartition, MarketCondition, MarketField, MarketField>
let maxTimestamp = Timestamp(nanosecondsSinceEpoch: .max)
