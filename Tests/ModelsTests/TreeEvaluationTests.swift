import Testing
import PeregrineModels

/// SplitMix64: a tiny deterministic generator for reproducible random trees and inputs.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Walks the definition node by node exactly as scikit-learn's predictors do.
func referenceRawScore(_ ensemble: TreeEnsembleParameters, _ x: [Double]) -> Double {
    var sum = ensemble.baseline
    for tree in ensemble.trees {
        var node = tree[0]
        while !node.isLeaf {
            var value = x[Int(node.feature)]
            if ensemble.inputPrecision == .float32 { value = Double(Float(value)) }
            let left = value.isNaN ? node.missingGoesLeft : value <= node.threshold
            node = tree[Int(left ? node.left : node.right)]
        }
        sum += ensemble.leafScale * node.value
    }
    return sum
}

/// A random tree in depth-first node order (unlike the breadth-first layout evaluation uses),
/// with uneven depths.
func randomTree(_ rng: inout SplitMix64, features: Int, maxDepth: Int) -> [TreeNode] {
    var nodes: [TreeNode] = []
    func grow(_ depth: Int) -> Int32 {
        let index = nodes.count
        if depth == maxDepth || (depth > 0 && Int.random(in: 0..<4, using: &rng) == 0) {
            nodes.append(.leaf(Double.random(in: -1...1, using: &rng)))
            return Int32(index)
        }
        nodes.append(.leaf(0))   // placeholder, replaced once the children exist
        let feature = Int32.random(in: 0..<Int32(features), using: &rng)
        let threshold = Double(Float(Double.random(in: -2...2, using: &rng)))   // on the float grid, so edge rows hit it
        let missingLeft = Bool.random(using: &rng)
        let left = grow(depth + 1)
        let right = grow(depth + 1)
        nodes[index] = .split(feature: feature, threshold: threshold, left: left, right: right, missingGoesLeft: missingLeft)
        return Int32(index)
    }
    _ = grow(0)
    return nodes
}

@Suite("Tree ensemble evaluation")
struct TreeEvaluationTests {
    @Test("flat breadth-first lockstep evaluation equals a node-by-node walk, bit for bit",
          arguments: [TreeEnsembleParameters.InputPrecision.float64, .float32])
    func matchesReference(precision: TreeEnsembleParameters.InputPrecision) throws {
        var rng = SplitMix64(state: precision == .float64 ? 1 : 2)
        let featureCount = 6
        for treeCount in [0, 1, 3, 4, 5, 17, 64] {
            let trees = (0..<treeCount).map { _ in randomTree(&rng, features: featureCount, maxDepth: Int.random(in: 0...7, using: &rng)) }
            let ensemble = TreeEnsembleParameters(objective: .binaryLogistic, inputPrecision: precision, baseline: 0.375,
                                                  leafScale: 0.1, trees: trees)
            let model = try Model(ModelDefinition(featureNames: (0..<featureCount).map { "f\($0)" }, body: .trees(ensemble)))
            #expect(model.treeCount == treeCount)
            for row in 0..<300 {
                var x = (0..<featureCount).map { _ in Double.random(in: -2.5...2.5, using: &rng) }
                if row % 3 == 0 { x[row % featureCount] = .nan }
                if row % 5 == 0, let t = trees.first?.first, !t.isLeaf { x[Int(t.feature)] = t.threshold }   // exactly on a split
                if row % 7 == 0, let t = trees.first?.first, !t.isLeaf { x[Int(t.feature)] = t.threshold.nextUp }
                let expected = referenceRawScore(ensemble, x)
                let (raw, probability) = x.withUnsafeBufferPointer { (model.decisionFunction($0), model.predict($0)) }
                #expect(raw.bitPattern == expected.bitPattern, "trees \(treeCount) row \(row): \(raw) vs \(expected)")
                #expect(probability == 1 / (1 + (-expected).exp))
            }
        }
    }

    @Test("float32 thresholds: x <= r exactly when Double(Float(x)) <= t")
    func float32Comparison() {
        var rng = SplitMix64(state: 42)
        var thresholds: [Double] = [0, -0.0, 1, -1, 150.00001, 1e-40, -1e-40, 1e-45, -1e-45, 3.4028234663852886e38,
                                    3.5e38, -3.5e38, -3.4028234663852886e38, .leastNonzeroMagnitude, 1e300, -1e300, .infinity]
        for _ in 0..<2000 {
            let magnitude = Double.random(in: -40...40, using: &rng)
            var t = Double.random(in: -1...1, using: &rng) * pow10(magnitude)
            if Bool.random(using: &rng) {
                // A float32 value, or the midpoint of two, as sklearn's split midpoints are.
                let f = Float(t)
                t = Bool.random(using: &rng) ? Double(f) : (Double(f) + Double(f.nextUp)) / 2
            }
            thresholds.append(t)
        }
        var checked = 0
        for t in thresholds {
            let r = Float32Comparison.equivalentThreshold(t)
            var probes: [Double] = [t, t.nextUp, t.nextDown, r, r.nextUp, r.nextDown, 0, -0.0, .infinity, -.infinity]
            let g = Float(t)
            for f in [g, g.nextUp, g.nextDown] where f.isFinite {
                let d = Double(f)
                let up = Double(f.nextUp), down = Double(f.nextDown)
                for m in [(d + up) / 2, (d + down) / 2] where m.isFinite {
                    probes += [m, m.nextUp, m.nextDown]
                }
            }
            for x in probes {
                #expect((x <= r) == (Double(Float(x)) <= t), "t \(t) r \(r) x \(x)")
                checked += 1
            }
        }
        #expect(checked > 20_000)
    }

    func pow10(_ e: Double) -> Double {
        var result = 1.0
        var n = Int(e.rounded())
        let base = n < 0 ? 0.1 : 10.0
        n = abs(n)
        for _ in 0..<n { result *= base }
        return result
    }
}

extension Double {
    /// e^self through the same libm call the library uses.
    var exp: Double { _exp(self) }
}

#if canImport(Glibc)
import Glibc
private func _exp(_ x: Double) -> Double { Glibc.exp(x) }
#endif
