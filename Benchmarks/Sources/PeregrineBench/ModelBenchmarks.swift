import CBaselines
import PeregrineModels

/// Model inference figures: nanoseconds per call for a 16-feature linear model, a
/// 16-feature logistic model, a 200-tree depth-6 gradient-boosted ensemble (built here in
/// Swift, full binary trees: 127 nodes each), the same linear model through a `ModelSlot`
/// (the hot-swap path), and heap allocations per call (goal: 0).
///
/// Single thread, no pinning needed. Inputs cycle through 256 preallocated random rows so
/// the ensemble's branches are not all predicted from one repeated input. Each figure is the
/// median of several timed loops; a running sum of results keeps the work alive.
func runModelBenchmarks(quick: Bool, report: inout BenchReport) {
    let iterations = quick ? 200_000 : 2_000_000
    let repeats = quick ? 3 : 7
    let featureCount = 16
    let rowCount = 256
    var random = ModelBenchRandom(state: 0x5EED_0DE1)
    let names = (0..<featureCount).map { "f\($0)" }
    var rows = [Double](repeating: 0, count: rowCount * featureCount)
    for i in rows.indices { rows[i] = random.nextDouble() * 4 - 2 }
    let weights = (0..<featureCount).map { _ in random.nextDouble() - 0.5 }

    let linear: Model
    let logistic: Model
    let ensemble: Model
    do {
        linear = try Model(ModelDefinition(featureNames: names, source: "bench",
                                           body: .linear(LinearParameters(weights: weights, intercept: 0.25))))
        logistic = try Model(ModelDefinition(featureNames: names, source: "bench",
                                             body: .logistic(LinearParameters(weights: weights, intercept: -0.1))))
        ensemble = try Model(ModelDefinition(featureNames: names, source: "bench",
                                             body: .trees(benchEnsemble(trees: 200, depth: 6, features: featureCount, random: &random))))
    } catch {
        print("# models: could not build benchmark models: \(error)")
        return
    }
    let slot = ModelSlot(linear)
    var sink = 0.0

    rows.withUnsafeBufferPointer { all in
        @inline(__always) func row(_ i: Int) -> UnsafeBufferPointer<Double> {
            let start = (i & (rowCount - 1)) * featureCount
            return UnsafeBufferPointer(rebasing: all[start..<start + featureCount])
        }
        let cases: [(name: String, calls: Int, body: (UnsafeBufferPointer<Double>) -> Double)] = [
            ("linear16", iterations, { linear.predict($0) }),
            ("logistic16", iterations, { logistic.predict($0) }),
            ("gbdt200x6", max(iterations / 50, 10_000), { ensemble.predict($0) }),
            ("slot_linear16", iterations, { slot.predict($0) }),
        ]
        for c in cases {
            let nanos = medianNanosPerOp(repeats: repeats, iterations: c.calls) { n in
                for i in 0..<n { sink += c.body(row(i)) }
            }
            report.add(name: "models.\(c.name).predict", value: nanos, unit: "ns/call")
            let before = cbaseline_allocation_count()
            for i in 0..<c.calls { sink += c.body(row(i)) }
            let allocations = cbaseline_allocation_count() - before
            report.add(name: "models.\(c.name).allocations", value: Double(allocations) / Double(c.calls), unit: "allocs/call")
        }
    }
    if sink.isNaN { print("# models: sink \(sink)") }   // keeps the loops' results alive
}

/// A regression ensemble of full binary trees (2^depth leaves each), thresholds and leaf
/// values drawn at random, learning rate 0.1 as GradientBoosting stores it.
func benchEnsemble(trees: Int, depth: Int, features: Int, random: inout ModelBenchRandom) -> TreeEnsembleParameters {
    var all: [[TreeNode]] = []
    for _ in 0..<trees {
        let nodeCount = (1 << (depth + 1)) - 1
        let firstLeaf = (1 << depth) - 1
        var nodes: [TreeNode] = []
        for i in 0..<nodeCount {
            if i >= firstLeaf {
                nodes.append(.leaf(random.nextDouble() - 0.5))
            } else {
                nodes.append(.split(feature: Int32(random.next() % UInt64(features)), threshold: random.nextDouble() * 2 - 1,
                                    left: Int32(2 * i + 1), right: Int32(2 * i + 2)))
            }
        }
        all.append(nodes)
    }
    return TreeEnsembleParameters(objective: .regression, inputPrecision: .float32, baseline: 0.5, leafScale: 0.1, trees: all)
}

/// SplitMix64, so every run benchmarks the same models and inputs.
struct ModelBenchRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1p-53 }
}
