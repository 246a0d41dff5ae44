import PeregrineCore
import PeregrineRisk

/// SplitMix64: a tiny deterministic generator (Steele, Lea, Flood 2014).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ range: ClosedRange<Int64>) -> Int64 { Int64.random(in: range, using: &self) }
    mutating func chance(_ percent: Int64) -> Bool { int(0...99) < percent }
}

/// The obviously-correct model: every figure recomputed from plain lists on demand.
struct ReferenceModel {
    struct Order { var id: OrderId; var instrument: Int; var account: Int; var side: Side; var price: Int64; var leaves: Int64; var rests: Bool }
    struct Bucket { var nanoTokens: Int128 = -1; var last: Int64 = 0 }

    let limits: RiskLimits
    var open: [Order] = []
    var position: [[Int64]]        // [account][instrument]
    var cost: [[Int128]]
    var realized: [Int128]
    var peak: [Int128]
    var marks: [Int64]
    var markTimes: [Int64]
    var bands: [(Int64, Int64)]
    var scores: [Double]
    var killed = false
    var accepted: [(order: OrderCommand, time: Int64)] = []
    var orderTimes: [[Int64]]
    var tradeTimes: [[Int64]]
    var cancelTimes: [[Int64]]
    var instrumentBuckets: [Bucket]
    var venueBuckets: [Bucket]
    var globalBucket = Bucket()

    init(limits: RiskLimits) {
        self.limits = limits
        let a = limits.accounts.count, n = limits.instruments.count
        position = Array(repeating: Array(repeating: 0, count: n), count: a)
        cost = Array(repeating: Array(repeating: 0, count: n), count: a)
        realized = Array(repeating: 0, count: a)
        peak = Array(repeating: 0, count: a)
        marks = Array(repeating: 0, count: n)
        markTimes = Array(repeating: 0, count: n)
        bands = Array(repeating: (0, 0), count: n)
        scores = Array(repeating: 0, count: n)
        orderTimes = Array(repeating: [], count: a)
        tradeTimes = Array(repeating: [], count: a)
        cancelTimes = Array(repeating: [], count: a)
        instrumentBuckets = Array(repeating: Bucket(), count: n)
        venueBuckets = Array(repeating: Bucket(), count: limits.venues.count)
    }

    func multiplier(_ i: Int) -> Int128 { Int128(limits.instruments[i].multiplier) }
    func openQuantity(_ a: Int, _ i: Int, _ side: Side) -> Int64 {
        open.filter { $0.account == a && $0.instrument == i && ($0.side == .buy) == (side == .buy) }.reduce(0) { $0 + $1.leaves }
    }
    func equity(_ a: Int) -> Int128 {
        var e = realized[a]
        for i in marks.indices where marks[i] > 0 { e += Int128(position[a][i]) * Int128(marks[i]) * multiplier(i) - cost[a][i] }
        return e
    }
    /// (gross, net) of account `a`, optionally with `extra` more open on `side` of `instrument`.
    func exposure(_ a: Int, extra: Int64 = 0, side: Side = .buy, instrument: Int = -1) -> (Int128, Int128) {
        var gross: Int128 = 0, long: Int128 = 0, short: Int128 = 0
        for i in marks.indices where marks[i] > 0 {
            var b = openQuantity(a, i, .buy), s = openQuantity(a, i, .sell)
            if i == instrument { if side == .buy { b += extra } else { s += extra } }
            let l = position[a][i] + b, sh = position[a][i] - s
            let m = Int128(marks[i]) * multiplier(i)
            gross += Int128(max(abs(l), abs(sh))) * m
            long += Int128(l) * m
            short += Int128(sh) * m
        }
        return (gross, max(abs(long), abs(short)))
    }
    static func epochCount(_ times: [Int64], now: Int64, window: Int64) -> Int64 {
        let width = window / 8
        let current = now / width
        return Int64(times.filter { $0 / width > current - 8 && $0 / width <= current }.count)
    }
    static func refill(_ b: Bucket, now: Int64, rate: Int64, burst: Int64) -> Int128 {
        let capacity = Int128(burst) * 1_000_000_000
        if b.nanoTokens < 0 { return capacity }
        return min(capacity, b.nanoTokens + Int128(max(0, now - b.last)) * Int128(rate))
    }

    /// Every limit the accepted `o` breaks (empty when none), judged on the state before it.
    func violations(of o: OrderCommand, now: Int64) -> [String] {
        var v: [String] = []
        let i = o.instrument.index, a = Int(o.account.rawValue)
        let il = limits.instruments[i], al = limits.accounts[a], g = limits.global
        let qty = o.quantity.rawValue
        let p0 = position[a][i], b0 = openQuantity(a, i, .buy), s0 = openQuantity(a, i, .sell)
        let reducing = o.side == .buy ? (p0 < 0 && p0 + b0 + qty <= 0) : (p0 > 0 && p0 - s0 - qty >= 0)
        if killed && !reducing { v.append("kill switch") }
        if !il.enabled { v.append("disabled") }
        if il.restricted || limits.isRestricted(account: a, instrument: i) { v.append("restricted") }
        if (il.reduceOnly || al.reduceOnly) && !reducing { v.append("reduce-only") }
        if (o.side == .sellShort || o.side == .sellShortExempt) && !al.allowShortSell { v.append("short sell") }
        if o.type == .market && !il.allowMarketOrders { v.append("market") }
        if qty <= 0 || qty % il.lotSize.rawValue != 0 { v.append("quantity") }
        if o.type == .limit && (o.price.rawValue <= 0 || o.price.rawValue % il.tickSize.rawValue != 0) { v.append("price") }
        if qty > il.maxOrderQuantity.rawValue || qty > al.maxOrderQuantity.rawValue { v.append("max quantity") }
        let mark = marks[i]
        if o.type == .market && mark <= 0 { v.append("market without reference") }
        let price = o.type == .limit ? o.price.rawValue : mark
        let notional = Notional(rawValue: Int128(qty) * Int128(price) * multiplier(i))
        if notional > il.maxOrderNotional || notional > al.maxOrderNotional { v.append("max notional") }
        if il.collarBasisPoints > 0 {
            if mark <= 0 || now - markTimes[i] > g.referenceMaxAge.count { v.append("stale reference") }
            if o.type == .limit && Int128(abs(price - mark)) * 10_000 > Int128(il.collarBasisPoints) * Int128(mark) { v.append("collar") }
        }
        if o.type == .limit && ((bands[i].0 > 0 && price < bands[i].0) || (bands[i].1 > 0 && price > bands[i].1)) { v.append("band") }
        for r in open where r.account == a && r.instrument == i && r.rests && (r.side == .buy) != (o.side == .buy) {
            if o.type == .market || (o.side == .buy ? price >= r.price : price <= r.price) { v.append("self-match \(r.id)") }
        }
        let maxPosition = min(il.maxPosition.rawValue, al.maxPosition.rawValue)
        if o.side == .buy ? p0 + b0 + qty > maxPosition : p0 - s0 - qty < -maxPosition { v.append("position") }
        let (gross0, net0) = exposure(a)
        let (gross1, net1) = exposure(a, extra: qty, side: o.side, instrument: i)
        if gross1 > al.maxGrossExposure.rawValue && gross1 > gross0 { v.append("gross") }
        if net1 > al.maxNetExposure.rawValue && net1 > net0 { v.append("net") }
        let credit = open.filter { $0.account == a }.reduce(Int128(0)) { $0 + Int128($1.leaves) * Int128($1.price) * multiplier($1.instrument) }
        if credit + notional.rawValue > al.creditLimit.rawValue { v.append("credit") }
        if !reducing {
            if al.maxLoss != .unlimited && equity(a) < -al.maxLoss.rawValue { v.append("loss") }
            if al.maxDrawdown != .unlimited && peak[a] - equity(a) > al.maxDrawdown.rawValue { v.append("drawdown") }
        }
        if scores[i] > il.maxModelScore { v.append("model score") }
        if g.duplicateWindow.count > 0 {
            for d in accepted where now - d.time < g.duplicateWindow.count {
                let x = d.order
                if x.instrument == o.instrument && x.account == o.account && x.side == o.side && x.price == o.price && x.quantity == o.quantity {
                    v.append("duplicate")
                }
            }
        }
        let orders = Self.epochCount(orderTimes[a], now: now, window: g.ratioWindow.count) + 1
        if al.maxOrderToTradeRatio != .max && orders > al.ratioMinimumCount {
            let trades = max(1, Self.epochCount(tradeTimes[a], now: now, window: g.ratioWindow.count))
            if Int128(orders) * 100_000_000 > Int128(al.maxOrderToTradeRatio.rawValue) * Int128(trades) { v.append("order-to-trade") }
        }
        let cancels = Self.epochCount(cancelTimes[a], now: now, window: g.ratioWindow.count)
        if al.maxCancelRatio != .max && cancels > al.ratioMinimumCount
            && Int128(cancels) * 100_000_000 > Int128(al.maxCancelRatio.rawValue) * Int128(orders) { v.append("cancel ratio") }
        if il.ordersPerSecond > 0 && Self.refill(instrumentBuckets[i], now: now, rate: il.ordersPerSecond, burst: il.orderBurst) < 1_000_000_000 {
            v.append("instrument throttle")
        }
        let venue = Int(o.venue.rawValue)
        if o.venue != .none, venue < venueBuckets.count, limits.venues[venue].ordersPerSecond > 0,
           Self.refill(venueBuckets[venue], now: now, rate: limits.venues[venue].ordersPerSecond,
                       burst: limits.venues[venue].orderBurst) < 1_000_000_000 {
            v.append("venue throttle")
        }
        if g.ordersPerSecond > 0 && Self.refill(globalBucket, now: now, rate: g.ordersPerSecond, burst: g.orderBurst) < 1_000_000_000 {
            v.append("global throttle")
        }
        return v
    }

    static func take(_ b: inout Bucket, now: Int64, rate: Int64, burst: Int64) {
        guard rate > 0 else { return }
        b.nanoTokens = Self.refill(b, now: now, rate: rate, burst: burst) - 1_000_000_000
        b.last = now
    }

    mutating func recordAccepted(_ o: OrderCommand, now: Int64) {
        let i = o.instrument.index
        let price = o.type == .limit ? o.price.rawValue : marks[i]
        open.append(Order(id: o.orderId, instrument: i, account: Int(o.account.rawValue), side: o.side, price: price,
                          leaves: o.quantity.rawValue, rests: o.type == .limit && o.timeInForce != .immediateOrCancel))
        accepted.append((o, now))
        accepted.removeAll { now - $0.time >= limits.global.duplicateWindow.count }
        orderTimes[Int(o.account.rawValue)].append(now)
        Self.take(&instrumentBuckets[i], now: now, rate: limits.instruments[i].ordersPerSecond, burst: limits.instruments[i].orderBurst)
        let venue = Int(o.venue.rawValue)
        if o.venue != .none && venue < venueBuckets.count {
            Self.take(&venueBuckets[venue], now: now, rate: limits.venues[venue].ordersPerSecond, burst: limits.venues[venue].orderBurst)
        }
        Self.take(&globalBucket, now: now, rate: limits.global.ordersPerSecond, burst: limits.global.orderBurst)
    }

    /// Drops times that left the ratio window (keeps the model fast; counts are unchanged).
    mutating func prune(now: Int64) {
        let width = limits.global.ratioWindow.count / 8
        let oldest = (now / width - 7) * width
        for a in orderTimes.indices {
            orderTimes[a].removeAll { $0 < oldest }
            tradeTimes[a].removeAll { $0 < oldest }
            cancelTimes[a].removeAll { $0 < oldest }
        }
    }

    mutating func updatePeaks() { for a in peak.indices { peak[a] = max(peak[a], equity(a)) } }

    /// Average-cost accounting: closing fills realize against the average cost (truncated).
    mutating func fill(account a: Int, instrument i: Int, side: Side, quantity: Int64, price: Int64, now: Int64) {
        var signed = side == .buy ? quantity : -quantity
        let pos = position[a][i]
        if pos != 0 && (pos > 0) != (signed > 0) {
            let closed = min(abs(signed), abs(pos))
            let closedSigned = signed > 0 ? closed : -closed
            let closedCost = cost[a][i] * Int128(closed) / Int128(abs(pos))
            realized[a] += -Int128(closedSigned) * Int128(price) * multiplier(i) - closedCost
            cost[a][i] -= closedCost
            position[a][i] += closedSigned
            signed -= closedSigned
        }
        cost[a][i] += Int128(signed) * Int128(price) * multiplier(i)
        position[a][i] += signed
        if position[a][i] == 0 { cost[a][i] = 0 }
        tradeTimes[a].append(now)
        updatePeaks()
    }
}
