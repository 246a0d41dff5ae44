import Testing
import PeregrineCore

@Suite("Fixed-point prices and quantities")
struct FixedPointTests {
    @Test("parses decimal text exactly at eight decimals")
    func parsesDecimals() {
        #expect(Price("101.25")?.rawValue == 10_125_000_000)
        #expect(Price("-0.5")?.rawValue == -50_000_000)
        #expect(Price("+3.")?.rawValue == 300_000_000)
        #expect(Price(".00000001")?.rawValue == 1)
        #expect(Price("0")?.rawValue == 0)
        #expect(Quantity("92233720368.54775807")?.rawValue == Int64.max)
        #expect(Quantity("-92233720368.54775808")?.rawValue == Int64.min)
    }

    @Test("rejects malformed, overflowing and inexact text")
    func rejectsBadText() {
        for text in ["", "-", ".", "1.2.3", "1e5", "12a", " 1", "1 ", "--1", "+-1"] {
            #expect(Price(text) == nil, "accepted \(text)")
        }
        #expect(Price("92233720368.54775808") == nil)
        #expect(Price("-92233720368.54775809") == nil)
        #expect(Price("1000000000000") == nil)
        #expect(Price("1.000000001") == nil, "more than 8 decimals must need a rounding rule")
        #expect(Price("1.000000000")?.rawValue == 100_000_000, "trailing zeros beyond 8 decimals are exact")
    }

    @Test("rounds text beyond eight decimals by each rule")
    func roundsText() {
        let cases: [(String, FixedPointRounding, Int64)] = [
            ("0.000000015", .toNearestOrEven, 2), ("0.000000025", .toNearestOrEven, 2),
            ("0.000000025", .toNearestOrAwayFromZero, 3), ("-0.000000025", .toNearestOrAwayFromZero, -3),
            ("-0.000000025", .toNearestOrEven, -2), ("0.0000000251", .toNearestOrEven, 3),
            ("0.000000019", .towardZero, 1), ("-0.000000019", .towardZero, -1),
            ("0.000000011", .up, 2), ("-0.000000011", .up, -1),
            ("0.000000019", .down, 1), ("-0.000000011", .down, -2),
        ]
        for (text, rule, raw) in cases {
            #expect(Price(text, rounding: rule)?.rawValue == raw, "\(text) \(rule)")
        }
    }

    @Test("formats without allocation-sensitive surprises: trimmed, signed, extremes")
    func formats() {
        #expect(Price(rawValue: 10_125_000_000).description == "101.25")
        #expect(Price(rawValue: -50_000_000).description == "-0.5")
        #expect(Price(rawValue: 0).description == "0")
        #expect(Price(rawValue: 1).description == "0.00000001")
        #expect(Price(rawValue: 700_000_000).description == "7")
        #expect(Price.max.description == "92233720368.54775807")
        #expect(Price.min.description == "-92233720368.54775808")
    }

    @Test("format and parse round-trip for many values")
    func roundTrips() {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<20_000 {
            let raw = Int64(bitPattern: generator.next())
            let price = Price(rawValue: raw)
            #expect(Price(price.description) == price)
            let small = Price(rawValue: raw % 1_000_000_000_000)
            #expect(Price(small.description) == small)
        }
    }

    @Test("arithmetic reports overflow where asked and is exact otherwise")
    func arithmetic() {
        let a = Price("100.01")!, b = Price("0.99")!
        #expect((a + b) == Price("101")!)
        #expect((a - b) == Price("99.02")!)
        #expect((a * 3) == Price("300.03")!)
        #expect(Price.max.addingReportingOverflow(Price(rawValue: 1)).overflow)
        #expect(Price.min.subtractingReportingOverflow(Price(rawValue: 1)).overflow)
        #expect(Price.max.multipliedReportingOverflow(by: 2).overflow)
        #expect(!a.addingReportingOverflow(b).overflow)
        #expect(Price(units: 92_233_720_368) != nil)
        #expect(Price(units: 92_233_720_369) == nil)
    }

    @Test("mantissa and decimals construct exactly or round when told")
    func mantissa() {
        #expect(Price(mantissa: 1_234_500, decimals: 4) == Price("123.45"))   // LEAN deci-cents
        #expect(Price(mantissa: 15, decimals: 9) == nil)
        #expect(Price(mantissa: 15, decimals: 9, rounding: .toNearestOrEven)?.rawValue == 2)
        #expect(Price(mantissa: Int64.max, decimals: 0) == nil)
    }

    @Test("Double conversion rounds by the rule and refuses non-finite or huge values")
    func doubles() {
        #expect(Price(101.25)?.rawValue == 10_125_000_000)
        #expect(Price(0.1)?.rawValue == 10_000_000)
        #expect(Price(Double.nan) == nil)
        #expect(Price(Double.infinity) == nil)
        #expect(Price(1e12) == nil)
        #expect(Price(0.000000015, rounding: .towardZero)?.rawValue == 1)
        #expect(abs(Price("123.456")!.doubleValue - 123.456) < 1e-12)
    }

    @Test("tick rounding follows each rule for positive, negative and exact values")
    func tickRounding() {
        let tick = Price("0.05")!
        let p = Price("10.07")!
        #expect(p.rounded(toMultipleOf: tick, rule: .down) == Price("10.05"))
        #expect(p.rounded(toMultipleOf: tick, rule: .up) == Price("10.1"))
        #expect(p.rounded(toMultipleOf: tick, rule: .toNearestOrEven) == Price("10.05"))
        #expect(Price("10.075")!.rounded(toMultipleOf: tick, rule: .toNearestOrEven) == Price("10.1"))
        #expect(Price("10.025")!.rounded(toMultipleOf: tick, rule: .toNearestOrEven) == Price("10"))
        #expect(Price("10.025")!.rounded(toMultipleOf: tick, rule: .toNearestOrAwayFromZero) == Price("10.05"))
        #expect(Price("-10.07")!.rounded(toMultipleOf: tick, rule: .down) == Price("-10.1"))
        #expect(Price("-10.07")!.rounded(toMultipleOf: tick, rule: .towardZero) == Price("-10.05"))
        #expect(Price("10.05")!.isMultiple(of: tick))
        #expect(!p.isMultiple(of: tick))
        #expect(Price.max.rounded(toMultipleOf: Price("1")!, rule: .up) == nil)
    }

    @Test("notional is exact in Int128 and rescales by rule")
    func notional() {
        let n = Price("123.45")!.notional(for: Quantity("1000")!)
        #expect(n.rounded(.towardZero) == Price("123450"))
        let extreme = Price.max.notional(for: Quantity.max)
        #expect(extreme.rawValue == Int128(Int64.max) * Int128(Int64.max))
        #expect(extreme.rounded(.towardZero) == nil, "out of Price range must be reported")
        let odd = Price("0.00000001")!.notional(for: Quantity("0.5")!)
        #expect(odd.rounded(.toNearestOrEven)?.rawValue == 0)
        #expect(odd.rounded(.up)?.rawValue == 1)
        var sum = Notional.zero
        sum += n; sum += n; sum -= Price("1")!.notional(for: Quantity("450")!)
        #expect(sum.rounded(.towardZero) == Price("246450"))
        let avg = Notional(Price("1000.03")!).divided(by: Quantity("3")!, rounding: .toNearestOrEven)
        #expect(avg == Price("333.34333333"))
        #expect(Notional.zero.divided(by: .zero, rounding: .down) == nil)
        #expect(Notional(Price("-10")!).divided(by: Quantity("-4")!, rounding: .down) == Price("2.5"))
    }
}

/// A deterministic pseudo-random generator for tests (SplitMix64).
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
