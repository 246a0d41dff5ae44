import Testing
#if canImport(Glibc)
import Glibc
#endif
import PeregrineRuntime

@Suite("Latency histogram")
struct LatencyHistogramTests {
    @Test("percentiles are within one bucket (1/64) above the exact value and never above max")
    func percentilesMatchSortedValues() {
        var h = LatencyHistogram()
        var values: [UInt64] = []
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50_000 {
            // Log-uniform over 1 ns … 10 ms, like latencies.
            let v = UInt64(pow(10, Double.random(in: 0..<7, using: &generator)))
            values.append(v)
            h.record(v)
        }
        values.sort()
        for p in [1.0, 10, 50, 90, 99, 99.9] {
            let exact = values[max(0, Int((p / 100 * Double(values.count)).rounded(.up)) - 1)]
            let got = h.value(atPercentile: p)
            #expect(got >= exact, "p\(p): \(got) < exact \(exact)")
            #expect(Double(got) <= Double(exact) * (1 + 1.0 / 64) + 1, "p\(p): \(got) too far above \(exact)")
        }
        #expect(h.value(atPercentile: 100) == values.last!)
        #expect(h.min == values.first!)
        #expect(h.count == 50_000)
    }

    @Test("small values are exact; huge values clamp and are counted")
    func exactAndClamped() {
        var h = LatencyHistogram()
        for v in 0..<128 { h.record(UInt64(v)) }
        #expect(h.value(atPercentile: 50) == 63)
        h.record(.max)
        #expect(h.clampedCount == 1)
        #expect(h.max == LatencyHistogram.maxTrackable)
    }

    @Test("add merges counts; reset empties")
    func addAndReset() {
        var a = LatencyHistogram(), b = LatencyHistogram()
        for v in 1...100 { a.record(UInt64(v)) }
        for v in 1001...1100 { b.record(UInt64(v)) }
        a.add(b)
        #expect(a.count == 200)
        #expect(a.value(atPercentile: 50) == 100)
        #expect(a.value(atPercentile: 100) == 1100)
        a.reset()
        #expect(a.count == 0 && a.value(atPercentile: 50) == 0)
    }
}
