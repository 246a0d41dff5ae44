import PeregrineCore

/// The firm's own resting prices per (account, instrument, side), for self-match checks.
///
/// Each key keeps its four best distinct price levels with order counts. Orders at worse
/// prices, once the four are taken, go to an overflow count with a conservative bound (the
/// best price ever overflowed while the count stayed non-zero): `best` may then report a
/// price better than any still resting, never a worse one, so a self-match is never missed.
/// O(4) per operation, no allocation after `init`.
public struct OwnPriceLevels: Sendable {
    public static let levels = 4
    var prices: [Int64]
    var counts: [Int32]
    var overflowCount: [Int32]
    var overflowBound: [Int64]

    /// Levels for `keyCount` keys (account × instrument × 2 sides).
    public init(keyCount: Int) {
        prices = Array(repeating: 0, count: keyCount * Self.levels)
        counts = Array(repeating: 0, count: keyCount * Self.levels)
        overflowCount = Array(repeating: 0, count: keyCount)
        overflowBound = Array(repeating: 0, count: keyCount)
    }

    /// Whether `a` is a better price than `b` on the buy side (higher) or sell side (lower).
    static func better(_ a: Int64, _ b: Int64, buy: Bool) -> Bool { buy ? a > b : a < b }

    /// The best resting price of `key`, or `nil` when none rests.
    public func best(key: Int, buy: Bool) -> Int64? {
        var result: Int64? = nil
        let base = key * Self.levels
        for l in 0..<Self.levels where counts[base + l] > 0 {
            if let r = result { if Self.better(prices[base + l], r, buy: buy) { result = prices[base + l] } }
            else { result = prices[base + l] }
        }
        if overflowCount[key] > 0 {
            let bound = overflowBound[key]
            if let r = result { if Self.better(bound, r, buy: buy) { result = bound } } else { result = bound }
        }
        return result
    }

    /// Adds one resting order at `price`.
    public mutating func add(key: Int, price: Int64, buy: Bool) {
        let base = key * Self.levels
        var free = -1
        var worst = -1
        for l in 0..<Self.levels {
            if counts[base + l] > 0 {
                if prices[base + l] == price { counts[base + l] += 1; return }
                if worst < 0 || Self.better(prices[base + worst], prices[base + l], buy: buy) { worst = l }
            } else if free < 0 { free = l }
        }
        if free >= 0 { prices[base + free] = price; counts[base + free] = 1; return }
        if Self.better(price, prices[base + worst], buy: buy) {
            addOverflow(key: key, price: prices[base + worst], count: counts[base + worst], buy: buy)
            prices[base + worst] = price; counts[base + worst] = 1
        } else {
            addOverflow(key: key, price: price, count: 1, buy: buy)
        }
    }

    mutating func addOverflow(key: Int, price: Int64, count: Int32, buy: Bool) {
        if overflowCount[key] == 0 || Self.better(price, overflowBound[key], buy: buy) { overflowBound[key] = price }
        overflowCount[key] += count
    }

    /// Removes one resting order at `price`.
    public mutating func remove(key: Int, price: Int64) {
        let base = key * Self.levels
        for l in 0..<Self.levels where counts[base + l] > 0 && prices[base + l] == price {
            counts[base + l] -= 1
            return
        }
        if overflowCount[key] > 0 { overflowCount[key] -= 1 }
    }
}
