/// A gradient-boosted ensemble laid out for evaluation: flat struct-of-arrays over all trees'
/// nodes, allocated once at load (cold) and freed in `deinit`.
///
/// Layout, per node `i` (all trees back to back, each in breadth-first order):
/// - `featureAndFlag[i]`: feature index in bits 0–30; bit 31 set when NaN goes left.
/// - `threshold[i]`: `x <= threshold` goes left (GradientBoosting's float32 comparison is
///   already folded in; see `Float32Comparison`).
/// - `child[i]`: the left child's index; the right child is always `child[i] + 1` (the
///   breadth-first relayout puts siblings side by side), so a step picks a child without a
///   branch.
/// - `leafValue[i]`: `leafScale · value` for leaves, 0 for splits.
///
/// Leaves are fixed points (feature 0, NaN-goes-left, threshold +∞, child = itself), so
/// walking a tree exactly its depth lands on its leaf for every input. That lets four trees
/// walk in lockstep with no per-node leaf test — four independent load chains in flight
/// instead of one. Leaf values are then added tree by tree in order, as scikit-learn does.
struct TreeEnsemble: ~Copyable {
    let treeCount: Int
    let nodeCount: Int
    let baseline: Double
    // SAFETY: all allocated and initialized in init, never written again, freed in deinit.
    let featureAndFlag: UnsafeMutablePointer<UInt32>
    let threshold: UnsafeMutablePointer<Double>
    let child: UnsafeMutablePointer<Int32>
    let leafValue: UnsafeMutablePointer<Double>
    let roots: UnsafeMutablePointer<Int32>
    let depths: UnsafeMutablePointer<Int32>
    /// Max depth of trees 4g ..< 4g+4, for the lockstep walk.
    let groupDepths: UnsafeMutablePointer<Int32>

    static let missingGoesLeftBit: UInt32 = 0x8000_0000

    /// An ensemble with no trees (for linear models, whose `Model` still holds one).
    init() {
        self.init(baseline: 0, leafScale: 1, precision: .float64, trees: [])
    }

    /// Lays out validated parameters (call `ModelDefinition.validate()` first).
    init(_ parameters: TreeEnsembleParameters) {
        self.init(baseline: parameters.baseline, leafScale: parameters.leafScale,
                  precision: parameters.inputPrecision, trees: parameters.trees)
    }

    private static func allocate<T>(_ type: T.Type, _ count: Int, _ fill: T) -> UnsafeMutablePointer<T> {
        let capacity = max(count, 1)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: capacity * MemoryLayout<T>.stride, alignment: 64)
        let typed = raw.bindMemory(to: T.self, capacity: capacity)
        typed.initialize(repeating: fill, count: capacity)
        return typed
    }

    private init(baseline: Double, leafScale: Double, precision: TreeEnsembleParameters.InputPrecision, trees: [[TreeNode]]) {
        treeCount = trees.count
        nodeCount = trees.reduce(0) { $0 + $1.count }
        self.baseline = baseline
        featureAndFlag = Self.allocate(UInt32.self, nodeCount, 0)
        threshold = Self.allocate(Double.self, nodeCount, 0)
        child = Self.allocate(Int32.self, nodeCount, 0)
        leafValue = Self.allocate(Double.self, nodeCount, 0)
        roots = Self.allocate(Int32.self, treeCount, 0)
        depths = Self.allocate(Int32.self, treeCount, 0)
        groupDepths = Self.allocate(Int32.self, (treeCount + 3) / 4, 0)

        var base = 0
        for (treeIndex, nodes) in trees.enumerated() {
            // Breadth-first order with both children of a node in consecutive slots.
            var order: [Int] = [0]
            order.reserveCapacity(nodes.count)
            var newIndex = [Int](repeating: -1, count: nodes.count)
            var depth = [Int32](repeating: 0, count: nodes.count)
            newIndex[0] = 0
            var next = 1, head = 0, maxDepth: Int32 = 0
            while head < order.count {
                let old = order[head]
                head += 1
                let node = nodes[old]
                if node.isLeaf {
                    maxDepth = max(maxDepth, depth[old])
                    continue
                }
                let left = Int(node.left), right = Int(node.right)
                newIndex[left] = next
                newIndex[right] = next + 1
                next += 2
                depth[left] = depth[old] + 1
                depth[right] = depth[old] + 1
                order.append(left)
                order.append(right)
            }
            precondition(order.count == nodes.count, "TreeEnsemble built from unvalidated parameters")
            for old in order {
                let node = nodes[old]
                let i = base + newIndex[old]
                if node.isLeaf {
                    featureAndFlag[i] = Self.missingGoesLeftBit
                    threshold[i] = .infinity
                    child[i] = Int32(i)
                    leafValue[i] = node.value * leafScale
                } else {
                    featureAndFlag[i] = UInt32(node.feature) | (node.missingGoesLeft ? Self.missingGoesLeftBit : 0)
                    threshold[i] = precision == .float32 ? Float32Comparison.equivalentThreshold(node.threshold) : node.threshold
                    child[i] = Int32(base + newIndex[Int(node.left)])
                    leafValue[i] = 0
                }
            }
            roots[treeIndex] = Int32(base)
            depths[treeIndex] = maxDepth
            groupDepths[treeIndex / 4] = max(groupDepths[treeIndex / 4], maxDepth)
            base += nodes.count
        }
    }

    deinit {
        leafValue.update(repeating: .nan, count: max(nodeCount, 1))   // poison: see LinearModel
        for pointer in [UnsafeMutableRawPointer(featureAndFlag), UnsafeMutableRawPointer(threshold),
                        UnsafeMutableRawPointer(child), UnsafeMutableRawPointer(leafValue),
                        UnsafeMutableRawPointer(roots), UnsafeMutableRawPointer(depths),
                        UnsafeMutableRawPointer(groupDepths)] {
            pointer.deallocate()
        }
    }

    /// Deepest tree's depth (edges from root to its deepest leaf).
    var maxDepth: Int {
        var result: Int32 = 0
        for t in 0..<treeCount { result = max(result, depths[t]) }
        return Int(result)
    }

    // MARK: hot path begin
    /// One step down from `node`: left on `x <= threshold` or on NaN when the node says so,
    /// else right (`child + 1`). Inlined so the four lockstep walks interleave.
    @inline(__always)
    func step(_ node: Int, _ x: UnsafePointer<Double>) -> Int {
        let packed = featureAndFlag[node]
        let value = x[Int(packed & 0x7FFF_FFFF)]
        // Bitwise, not `&&`/`||`: short-circuit operators become data-dependent branches that
        // mispredict about half the time; these selects compile to flag instructions.
        let lessOrEqual: UInt32 = value <= threshold[node] ? 1 : 0
        let missing: UInt32 = value.isNaN ? 1 : 0
        let goLeft = lessOrEqual | (missing & (packed >> 31))
        return Int(child[node]) &+ Int(goLeft ^ 1)
    }

    /// baseline + Σ leaf values, trees added in order. Any thread; does not block or
    /// allocate; cost ≈ Σ over groups of 4 trees of the group's depth × 4 node steps.
    @inline(__always)
    func rawScore(_ x: UnsafePointer<Double>) -> Double {
        var sum = baseline
        var t = 0
        while t &+ 4 <= treeCount {
            var n0 = Int(roots[t]), n1 = Int(roots[t &+ 1]), n2 = Int(roots[t &+ 2]), n3 = Int(roots[t &+ 3])
            var remaining = groupDepths[t >> 2]
            while remaining > 0 {
                n0 = step(n0, x)
                n1 = step(n1, x)
                n2 = step(n2, x)
                n3 = step(n3, x)
                remaining &-= 1
            }
            sum += leafValue[n0]
            sum += leafValue[n1]
            sum += leafValue[n2]
            sum += leafValue[n3]
            t &+= 4
        }
        while t < treeCount {
            var n = Int(roots[t])
            var remaining = depths[t]
            while remaining > 0 {
                n = step(n, x)
                remaining &-= 1
            }
            sum += leafValue[n]
            t &+= 1
        }
        return sum
    }
    // MARK: hot path end
}
