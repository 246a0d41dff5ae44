import Testing
import PeregrineCore

@Suite("Fixed-point parser under random input")
struct FixedPointFuzzTests {
    /// Random bytes drawn mostly from the decimal alphabet, so many inputs are near-valid.
    static func randomText(_ g: inout SplitMix64) -> [UInt8] {
        let alphabet: [UInt8] = Array("0123456789.-+ e,x".utf8) + [0, 255]
        let length = Int(g.next() % 28)
        return (0..<length).map { _ in
            g.next() % 4 == 0 ? UInt8(truncatingIfNeeded: g.next()) : alphabet[Int(g.next() % UInt64(alphabet.count))]
        }
    }

    @Test("never traps; whatever parses formats back to the same value")
    func fuzz() {
        var g = SplitMix64(seed: 0xF1C5)
        var parsed = 0
        for _ in 0..<300_000 {
            let bytes = Self.randomText(&g)
            for rule in [nil, FixedPointRounding.toNearestOrEven, .down] as [FixedPointRounding?] {
                guard let p = bytes.withUnsafeBytes({ Price(ascii: $0, rounding: rule) }) else { continue }
                parsed += 1
                #expect(Price(p.description) == p)
                // Exactly parsed text equals the value's own canonical digits numerically.
                if rule == nil, let q = bytes.withUnsafeBytes({ Quantity(ascii: $0) }) {
                    #expect(q.rawValue == p.rawValue)
                }
            }
        }
        #expect(parsed > 10_000, "the generator should produce many valid numbers (\(parsed))")
    }

    @Test("rounded parse agrees with integer arithmetic on random long decimals")
    func roundingAgreesWithReference() {
        var g = SplitMix64(seed: 99)
        for _ in 0..<50_000 {
            // value = mantissa × 10^-12, built as text with 12 decimals.
            let mantissa = Int64(bitPattern: g.next()) % 1_000_000_000_000_000
            let negative = mantissa < 0
            let m = mantissa.magnitude
            var digits = String(m)
            while digits.count < 13 { digits = "0" + digits }
            let text = (negative ? "-" : "") + digits.dropLast(12) + "." + digits.suffix(12)
            for rule in FixedPointRounding.allCases {
                let expected = Price(mantissa: mantissa, decimals: 12, rounding: rule)
                #expect(Price(text, rounding: rule) == expected, "\(text) \(rule)")
            }
        }
    }
}
