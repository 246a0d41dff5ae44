import PeregrineCore

/// Recent top-of-book quotes per instrument, to find the quote in force at an order's
/// decision time (see the design note in Reports.swift).
///
/// Each instrument keeps its quotes in journal order (= the engine's order: the market ring
/// is FIFO); `trim` drops those too old to matter. Single owner; allocates as it grows.
struct ArrivalQuotes {
    /// One quote: receive time and the raw bid and ask (either may be zero: one-sided).
    struct Quote: Equatable {
        var time: Int64
        var bid: Int64
        var ask: Int64
        /// bid + ask in raw units (twice the mid), when both sides are positive.
        var doubledMid: Int64? {
            guard bid > 0, ask > 0 else { return nil }
            let (sum, overflow) = bid.addingReportingOverflow(ask)
            return overflow ? nil : sum
        }
    }

    private struct History {
        var quotes: [Quote] = []
        var head = 0
    }

    private var histories: [UInt32: History] = [:]
    /// The latest receive time seen in the market stream (any instrument, any kind).
    private(set) var watermark: Int64 = .min

    /// Notes a market event's receive time (every kind moves the watermark).
    mutating func advance(to receiveTime: Int64) {
        if receiveTime > watermark { watermark = receiveTime }
    }

    /// Appends a quote of `instrument`.
    mutating func add(instrument: UInt32, _ quote: Quote) {
        histories[instrument, default: History()].quotes.append(quote)
    }

    /// The last quote of `instrument` in journal order.
    func latest(instrument: UInt32) -> Quote? {
        guard let h = histories[instrument], h.quotes.count > h.head else { return nil }
        return h.quotes.last
    }

    /// The last quote of `instrument` received at or before `time`. Binary search: receive
    /// times are non-decreasing in the market stream.
    func quote(instrument: UInt32, atOrBefore time: Int64) -> Quote? {
        guard let h = histories[instrument], h.quotes.count > h.head else { return nil }
        var low = h.head, high = h.quotes.count    // first index with time > `time`
        while low < high {
            let mid = (low + high) / 2
            if h.quotes[mid].time <= time { low = mid + 1 } else { high = mid }
        }
        return low == h.head ? nil : h.quotes[low - 1]
    }

    /// Forgets quotes before `cutoff`, keeping each instrument's last quote at or before it
    /// (it is still the quote in force at `cutoff`). O(instruments · log quotes).
    mutating func trim(before cutoff: Int64) {
        for key in Array(histories.keys) {
            var h = histories[key]!
            var low = h.head, high = h.quotes.count
            while low < high {
                let mid = (low + high) / 2
                if h.quotes[mid].time <= cutoff { low = mid + 1 } else { high = mid }
            }
            let keep = max(h.head, low - 1)
            h.head = keep
            if h.head > 4_096 && h.head * 2 > h.quotes.count {
                h.quotes.removeFirst(h.head)
                h.head = 0
            }
            histories[key] = h
        }
    }
}
