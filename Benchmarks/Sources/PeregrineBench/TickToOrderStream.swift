/// A deterministic synthetic IQFeed Level 1 stream for the tick-to-order benchmark: `Q,` update
/// lines in the default 6.2 fieldset (`IQFeedUpdateLayout.standard`: Symbol, Most Recent Trade,
/// Size, Time, Market Center, Total Volume, Bid, Bid Size, Ask, Ask Size, Open, High, Low, Close,
/// Message Contents, Conditions), CR LF terminated, back to back in one byte buffer as they
/// arrive on port 5009.
///
/// Four symbols, one picked at random per line; 70 % quote updates (`ba`), 20 % trades (`C`),
/// 10 % both (`Cba`, which decodes to two events). Each symbol has a regime (+1 buy pressure /
/// −1 sell pressure) that flips every 6–30 of its quotes: under +1 the bid size is 600–1399 and
/// the ask size 100–399 (imbalance ≈ +0.3…+0.87), mirrored under −1, trades hit the ask, and the
/// mid drifts with the regime (a cent on 35 % of quotes), pulled back toward its start price
/// beyond ±2 %. So the imbalance flips often and the strategy trades on most flips.
///
/// Line k is stamped 09:30:00 Eastern + k × `stepNanos` (its Most Recent Trade Time when it is a
/// trade) and is "received" `receiveLatencyNanos` later; SplitMix64 with a fixed seed, so every
/// run (and the C baseline) sees the same bytes.
struct TickStream {
    static let symbols = ["AAPL", "MSFT", "SPY", "QQQ"]
    static let startCents: [Int64] = [18_725, 14_210, 10_155, 12_340]
    static let stepNanos: Int64 = 50_000
    static let receiveLatencyNanos: Int64 = 20_000
    /// 09:30:00 in microseconds after midnight (Eastern).
    static let openMicros: Int64 = 34_200_000_000
    static let sessionDate = 20_261_126

    let bytes: [UInt8]
    let lineCount: Int

    private struct SymbolState {
        var bid: Int64, ask: Int64, start: Int64
        var regime: Int64 = 1
        var remaining = 0
        var last: Int64, lastSize: Int64 = 100, lastMicros: Int64 = TickStream.openMicros - 60_000_000
        var volume: Int64 = 1_000_000
        var high: Int64, low: Int64
        var bidSize: Int64 = 500, askSize: Int64 = 500
    }

    init(lines: Int, seed: UInt64 = 0x7E1C_0DE5) {
        var random = ModelBenchRandom(state: seed)
        var states = Self.startCents.map { c in
            SymbolState(bid: c - 1, ask: c, start: c, last: c, high: c + 50, low: c - 50)
        }
        var out: [UInt8] = []
        out.reserveCapacity(lines * 112)
        for k in 0..<lines {
            let r = random.next()
            let s = Int(r % UInt64(Self.symbols.count))
            let roll = (r >> 8) % 100
            let quote = roll < 70 || roll >= 90
            let trade = roll >= 70
            let micros = Self.openMicros + Int64(k) * Self.stepNanos / 1_000
            var st = states[s]
            if quote {
                st.remaining -= 1
                if st.remaining <= 0 {
                    // New regime, biased back toward the start price beyond ±2 %.
                    var upPercent: UInt64 = 50
                    if st.bid * 100 > st.start * 102 { upPercent = 25 } else if st.bid * 100 < st.start * 98 { upPercent = 75 }
                    st.regime = random.next() % 100 < upPercent ? 1 : -1
                    st.remaining = 6 + Int(random.next() % 25)
                }
                if random.next() % 100 < 35 { st.bid += st.regime }
                st.ask = st.bid + 1 + Int64(random.next() % 2)
                let strong = 600 + Int64(random.next() % 800), weak = 100 + Int64(random.next() % 300)
                st.bidSize = st.regime > 0 ? strong : weak
                st.askSize = st.regime > 0 ? weak : strong
            }
            if trade {
                st.last = st.regime > 0 ? st.ask : st.bid
                st.lastSize = 100 * (1 + Int64(random.next() % 5))
                st.lastMicros = micros
                st.volume += st.lastSize
                st.high = max(st.high, st.last)
                st.low = min(st.low, st.last)
            }
            states[s] = st
            // Q,SYM,last,size,time,mc,volume,bid,bidsize,ask,asksize,open,high,low,close,contents,conditions,
            out.append(UInt8(ascii: "Q")); out.append(UInt8(ascii: ","))
            out += Self.symbols[s].utf8; out.append(UInt8(ascii: ","))
            Self.appendPrice4(st.last, &out); out.append(UInt8(ascii: ","))
            Self.appendInt(st.lastSize, &out); out.append(UInt8(ascii: ","))
            Self.appendTime(st.lastMicros, &out); out.append(UInt8(ascii: ","))
            out += "11,".utf8
            Self.appendInt(st.volume, &out); out.append(UInt8(ascii: ","))
            Self.appendPrice4(st.bid, &out); out.append(UInt8(ascii: ","))
            Self.appendInt(st.bidSize, &out); out.append(UInt8(ascii: ","))
            Self.appendPrice4(st.ask, &out); out.append(UInt8(ascii: ","))
            Self.appendInt(st.askSize, &out); out.append(UInt8(ascii: ","))
            Self.appendPrice4(st.start, &out); out.append(UInt8(ascii: ","))
            Self.appendPrice4(st.high, &out); out.append(UInt8(ascii: ","))
            Self.appendPrice4(st.low, &out); out.append(UInt8(ascii: ","))
            Self.appendPrice4(st.start - 35, &out); out.append(UInt8(ascii: ","))
            out += (trade && quote ? "Cba" : trade ? "C" : "ba").utf8
            out += ",3D,\r\n".utf8
        }
        bytes = out
        lineCount = lines
    }

    /// A trade line for `symbol` at 09:30:00.000000 (set-up: learns the UTC time of the open).
    static func probeLine(symbol: String) -> [UInt8] {
        Array("Q,\(symbol),100.0000,100,09:30:00.000000,11,100,99.9900,100,100.0100,100,100.0000,100.0000,100.0000,100.0000,C,3D,\r\n".utf8)
    }

    private static func appendInt(_ value: Int64, _ out: inout [UInt8]) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var v = value, n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat { d[n] = UInt8(48 + v % 10); v /= 10; n += 1 } while v > 0
            while n > 0 { n -= 1; out.append(d[n]) }
        }
    }

    /// Cents as IQFeed writes prices: four decimals ("187.2500").
    private static func appendPrice4(_ cents: Int64, _ out: inout [UInt8]) {
        appendInt(cents / 100, &out)
        out.append(UInt8(ascii: "."))
        out.append(UInt8(48 + cents % 100 / 10)); out.append(UInt8(48 + cents % 10))
        out.append(UInt8(ascii: "0")); out.append(UInt8(ascii: "0"))
    }

    /// HH:MM:SS.ffffff from microseconds after midnight.
    private static func appendTime(_ micros: Int64, _ out: inout [UInt8]) {
        let seconds = micros / 1_000_000, fraction = micros % 1_000_000
        for (v, sep) in [(seconds / 3600, ":"), (seconds / 60 % 60, ":"), (seconds % 60, ".")] {
            out.append(UInt8(48 + v / 10)); out.append(UInt8(48 + v % 10)); out += sep.utf8
        }
        var divisor: Int64 = 100_000
        while divisor > 0 { out.append(UInt8(48 + fraction / divisor % 10)); divisor /= 10 }
    }
}
