import Benchmark
import PeregrineCore
import PeregrinePlatform
import PeregrineRings

// Single-thread per-call costs and malloc counts of the substrate, measured with
// ordo-one/benchmark (`make bench-malloc`). The hot-path benchmarks must show a
// malloc count of zero; cross-thread figures are in `peregrine-bench`.

nonisolated(unsafe) let benchmarks: @Sendable () -> Void = {
    let metrics: [BenchmarkMetric] = [.wallClock, .mallocCountTotal, .throughput, .instructions]
    let config = Benchmark.Configuration(metrics: metrics, scalingFactor: .kilo, maxDuration: .seconds(2), maxIterations: 1_000)

    Benchmark("SPSCRing publish+consume MarketEvent x1000", configuration: config) { benchmark in
        let ring = try SPSCRing<MarketEvent>(capacity: 1024)
        var event = MarketEvent()
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            event.word0 = Int64(i)
            _ = ring.tryPublish(event)
            blackHole(ring.tryConsume())
        }
        benchmark.stopMeasurement()
    }

    Benchmark("SPSCRing batch publish+consume x1000", configuration: config) { benchmark in
        let ring = try SPSCRing<UInt64>(capacity: 4096)
        let batch = [UInt64](repeating: 7, count: 64)
        var sum: UInt64 = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            _ = batch.withUnsafeBufferPointer { ring.tryPublish(contentsOf: $0) }
            _ = ring.consume { sum &+= $0 }
        }
        benchmark.stopMeasurement()
        blackHole(sum)
    }

    Benchmark("BroadcastRing publish + 2 consumers x1000", configuration: config) { benchmark in
        let ring = try BroadcastRing<MarketEvent>(capacity: 1024, consumers: 2)
        let a = ring.consumer(0), b = ring.consumer(1)
        var event = MarketEvent()
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            event.word0 = Int64(i)
            _ = ring.tryPublish(event)
            blackHole(a.tryConsume())
            blackHole(b.tryConsume())
        }
        benchmark.stopMeasurement()
    }

    Benchmark("MPSCRing publish+consume OrderCommand x1000", configuration: config) { benchmark in
        let ring = try MPSCRing<OrderCommand>(capacity: 1024)
        var command = OrderCommand()
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            command.orderId = OrderId(rawValue: UInt64(i))
            _ = ring.tryPublish(command)
            blackHole(ring.tryConsume())
        }
        benchmark.stopMeasurement()
    }

    Benchmark("Price parse+format x1000", configuration: config) { benchmark in
        let text: [UInt8] = Array("123456.78901234".utf8)
        var out = [UInt8](repeating: 0, count: Price.maxFormattedLength)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let p = text.withUnsafeBytes { Price(ascii: $0) }
            let n = out.withUnsafeMutableBytes { p!.format(into: $0) }
            blackHole(n)
        }
        benchmark.stopMeasurement()
    }

    Benchmark("Notional price x quantity x1000", configuration: config) { benchmark in
        var total = Notional.zero
        let price = Price("101.25")!
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            total += price.notional(for: Quantity(rawValue: Int64(i) * 100_000_000))
        }
        benchmark.stopMeasurement()
        blackHole(total)
    }

    Benchmark("TSC read x1000", configuration: config) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(TSCClock.ticks()) }
    }
}
