import PeregrineModels

/// Grows one least-squares regression tree the way scikit-learn's `DecisionTreeRegressor`
/// (`criterion="squared_error"`, `splitter="best"`, `max_features=None`, depth-first builder)
/// does inside `GradientBoostingRegressor` / `GradientBoostingClassifier`.
///
/// What is reproduced (sklearn 1.9 `tree/_splitter.pyx`, `_partitioner.pyx`, `_criterion.pyx`,
/// `_tree.pyx`):
/// - Inputs are compared as float32 (GradientBoosting converts X to float32 before fitting).
/// - Candidate positions skip runs of values within `FEATURE_THRESHOLD` (1e-7, float32
///   arithmetic) of their predecessor; a feature whose range in the node is within it is constant.
/// - The split maximizes the proxy `S_L²/n_L + S_R²/n_R` (the MSE criterion's
///   `proxy_impurity_improvement`; same ordering as Friedman's `(n_R·S_L − n_L·S_R)²/(n_L·n_R)`),
///   replacing the best only on a strictly larger value; both children must hold at least
///   `minSamplesLeaf` rows; the threshold is `v[p−1]/2 + v[p]/2` in double.
/// - A node is a leaf when `depth ≥ maxDepth`, it has fewer than `minSamplesSplit` or
///   `2·minSamplesLeaf` rows, its impurity (`Σy²/n − (Σy/n)²`) is ≤ DBL_EPSILON, or no split
///   exists. Nodes are numbered in pre-order (node, left subtree, right subtree), as sklearn's
///   stack-based builder numbers them. Every node's value is the mean target of its rows.
///
/// Ties: sklearn visits features in an order drawn from `random_state` and keeps the first
/// strictly best split; equal gains are common in small nodes (two features isolating the
/// same rows) and with 0/1 labels (residuals taking few values). This builder draws the same
/// order (`NumpyRandomState`: numpy's MT19937 seed per tree, sklearn's xorshift Fisher–Yates
/// with its constant-feature bookkeeping) and sums in sklearn's orders (node totals in its
/// `samples` order, left sums forward or back from the end as `criterion.update` does), so
/// it keeps the split sklearn keeps. What can still differ: rows with exactly equal float32
/// values are ordered by row index here, by introsort there, which can change a sum's last
/// bit and so, rarely, which of two exactly tied splits wins.
///
/// Cost: rows are sorted once per feature at init (O(p·n log n)); each tree then costs
/// O(depth · p · n) — every level scans each feature's presorted rows once and stably
/// partitions them into the two children. Buffers are allocated once and reused. Not thread
/// safe (mutating); cold tier.
struct RegressionTreeBuilder {
    let rowCount: Int
    let featureCount: Int
    let maxDepth: Int
    let minSamplesSplit: Int
    let minSamplesLeaf: Int

    /// Per feature f, `rowCount` entries at `f * rowCount`: rows sorted by (float32 value, row).
    private let presortedRows: [Int32]
    private let presortedValues: [Float]
    /// Working copies of the above; each tree node owns the same range `start..<end` in every
    /// feature's block, holding its rows in that feature's sorted order.
    private var rows: [Int32]
    private var values: [Float]
    private var goesLeft: [Bool]
    private var scratchRows: [Int32]
    private var scratchValues: [Float]

    /// sklearn's `FEATURE_THRESHOLD` (`const float32_t = 1e-7`).
    static let featureThreshold = Float(1e-7)
    /// sklearn's `EPSILON = np.finfo('double').eps`.
    static let epsilon = Double.ulpOfOne

    /// Presorts `features` (row-major, `rowCount × featureCount`, all finite and within float32
    /// range — the caller checks) once for every tree to come.
    init(features: [Double], rowCount: Int, featureCount: Int, maxDepth: Int, minSamplesSplit: Int, minSamplesLeaf: Int) {
        precondition(rowCount > 0 && rowCount < Int(Int32.max) && featureCount > 0 && features.count == rowCount * featureCount)
        precondition(maxDepth >= 1 && minSamplesSplit >= 2 && minSamplesLeaf >= 1)
        self.rowCount = rowCount
        self.featureCount = featureCount
        self.maxDepth = maxDepth
        self.minSamplesSplit = minSamplesSplit
        self.minSamplesLeaf = minSamplesLeaf
        var sortedRows = [Int32](repeating: 0, count: rowCount * featureCount)
        var sortedValues = [Float](repeating: 0, count: rowCount * featureCount)
        var column = [Float](repeating: 0, count: rowCount)
        var order = Array(0..<Int32(rowCount))
        for f in 0..<featureCount {
            for i in 0..<rowCount { column[i] = Float(features[i * featureCount + f]) }
            for i in 0..<rowCount { order[i] = Int32(i) }
            order.sort { column[Int($0)] < column[Int($1)] || (column[Int($0)] == column[Int($1)] && $0 < $1) }
            for k in 0..<rowCount {
                sortedRows[f * rowCount + k] = order[k]
                sortedValues[f * rowCount + k] = column[Int(order[k])]
            }
        }
        presortedRows = sortedRows
        presortedValues = sortedValues
        rows = sortedRows
        values = sortedValues
        goesLeft = [Bool](repeating: false, count: rowCount)
        scratchRows = [Int32](repeating: 0, count: rowCount)
        scratchValues = [Float](repeating: 0, count: rowCount)
    }

    private struct Pending {
        var start: Int, end: Int, depth: Int
        var parent: Int, isLeft: Bool
        var impurity: Double
        var constantFeatures: Int
    }

    private struct Split {
        var feature = -1
        var position = 0
        var threshold = 0.0
        var proxy = -Double.infinity
    }

    /// sklearn's splitter state for one tree: its xorshift seed, the feature permutation and
    /// the known-constant features (both carried from node to node), and the sample order.
    private var randomSeed: UInt32 = 0
    private var features: [Int] = []
    private var constantFeatures: [Int] = []
    /// The node rows in the order sklearn's `samples` array holds them (its sums run in this
    /// order; copying it keeps leaf means bit-identical).
    private var samples: [Int32] = []

    /// Grows one tree on `targets` (one per row) with the splitter seed `seed` (see
    /// `NumpyRandomState.treeSeed`). Returns its nodes (pre-order; splits hold `value` 0,
    /// leaves the mean target) and writes each row's leaf node index into `leafOf`.
    mutating func grow(targets: [Double], seed: UInt32, leafOf: inout [Int32]) -> [TreeNode] {
        precondition(targets.count == rowCount && leafOf.count == rowCount)
        rows = presortedRows
        values = presortedValues
        randomSeed = seed
        features = Array(0..<featureCount)
        constantFeatures = [Int](repeating: 0, count: featureCount)
        samples = Array(0..<Int32(rowCount))
        var nodes: [TreeNode] = []
        var stack = [Pending(start: 0, end: rowCount, depth: 0, parent: -1, isLeft: false, impurity: .infinity, constantFeatures: 0)]
        var first = true
        while let record = stack.popLast() {
            let start = record.start, end = record.end, count = end - start
            // The node's sums in sklearn's sample order (criterion.init at node_reset).
            var sum = 0.0, squares = 0.0
            for k in start..<end {
                let y = targets[Int(samples[k])]
                sum += y
                squares += y * y
            }
            var impurity = record.impurity
            if first {
                impurity = squares / Double(count) - (sum / Double(count)) * (sum / Double(count))
                first = false
            }
            var isLeaf = record.depth >= maxDepth || count < minSamplesSplit || count < 2 * minSamplesLeaf
            isLeaf = isLeaf || impurity <= Self.epsilon
            var split = Split()
            var constants = record.constantFeatures
            if !isLeaf {
                (split, constants) = bestSplit(start: start, end: end, sum: sum, knownConstants: record.constantFeatures, targets: targets)
                isLeaf = split.feature < 0
            }
            let id = nodes.count
            if record.parent >= 0 {
                if record.isLeft { nodes[record.parent].left = Int32(id) } else { nodes[record.parent].right = Int32(id) }
            }
            if isLeaf {
                nodes.append(.leaf(sum / Double(count)))
                for k in start..<end { leafOf[Int(rows[k])] = Int32(id) }
                continue
            }
            nodes.append(.split(feature: Int32(split.feature), threshold: split.threshold, left: -1, right: -1))
            partition(start: start, end: end, split: split)
            // Children impurities as sklearn's criterion computes them after the partition.
            let sumLeft = leftSum(start: start, end: end, position: split.position, total: sum, order: samples, base: 0, targets: targets)
            var squaresLeft = 0.0
            for k in start..<split.position { let y = targets[Int(samples[k])]; squaresLeft += y * y }
            let nLeft = Double(split.position - start), nRight = Double(end - split.position)
            let sumRight = sum - sumLeft, squaresRight = squares - squaresLeft
            let impurityLeft = squaresLeft / nLeft - (sumLeft / nLeft) * (sumLeft / nLeft)
            let impurityRight = squaresRight / nRight - (sumRight / nRight) * (sumRight / nRight)
            // Right pushed first so the left subtree is numbered first.
            stack.append(Pending(start: split.position, end: end, depth: record.depth + 1, parent: id, isLeft: false,
                                 impurity: impurityRight, constantFeatures: constants))
            stack.append(Pending(start: start, end: split.position, depth: record.depth + 1, parent: id, isLeft: true,
                                 impurity: impurityLeft, constantFeatures: constants))
        }
        return nodes
    }

    /// Σ targets over `order[base + start ..< base + position]` accumulated as sklearn's
    /// `criterion.update(position)` does from a reset: forward from `start`, or — when the
    /// position is past the middle — `total` minus the rows from `end` back to `position`.
    private func leftSum(start: Int, end: Int, position: Int, total: Double, order: [Int32], base: Int, targets: [Double]) -> Double {
        var sum = 0.0
        if position - start <= end - position {
            for k in start..<position { sum += targets[Int(order[base + k])] }
        } else {
            sum = total
            for k in stride(from: end - 1, through: position, by: -1) { sum -= targets[Int(order[base + k])] }
        }
        return sum
    }

    /// The best split of rows `start..<end` (see the type's doc), or a split with feature −1
    /// when every feature is constant there or `minSamplesLeaf` rules every position out.
    /// Features are drawn in sklearn's order (`node_split_best`: a Fisher–Yates draw over the
    /// features not known to be constant, skipping known constants and recording new ones);
    /// returns the new count of known-constant features for the children. Leaves `samples`
    /// in the order sklearn's would be in (sorted by the last feature drawn).
    private mutating func bestSplit(start: Int, end: Int, sum: Double, knownConstants: Int, targets: [Double]) -> (Split, Int) {
        var best = Split()
        let threshold = Self.featureThreshold
        var unvisited = featureCount, visited = 0, foundConstants = 0, drawnConstants = 0
        var totalConstants = knownConstants
        var lastSorted = -1
        while unvisited > totalConstants && (visited < featureCount || visited <= foundConstants + drawnConstants) {
            visited += 1
            var j = NumpyRandomState.randomInteger(drawnConstants, unvisited - foundConstants, seed: &randomSeed)
            if j < knownConstants {
                features.swapAt(drawnConstants, j)
                drawnConstants += 1
                continue
            }
            j += foundConstants
            let f = features[j]
            lastSorted = f
            let base = f * rowCount
            if values[base + end - 1] <= values[base + start] + threshold {   // constant in this node
                features.swapAt(j, totalConstants)
                foundConstants += 1
                totalConstants += 1
                continue
            }
            unvisited -= 1
            features.swapAt(unvisited, j)
            var sumLeft = 0.0
            var position = start   // where sklearn's criterion stands
            var p = start
            while p < end {
                p += 1
                while p < end && values[base + p] <= values[base + p - 1] + threshold { p += 1 }
                if p == end { break }
                let nLeft = p - start, nRight = end - p
                if nLeft < minSamplesLeaf || nRight < minSamplesLeaf { continue }
                // criterion.update(p): forward, or back from the end past the middle.
                if p - position <= end - p {
                    for k in position..<p { sumLeft += targets[Int(rows[base + k])] }
                } else {
                    sumLeft = sum
                    for k in stride(from: end - 1, through: p, by: -1) { sumLeft -= targets[Int(rows[base + k])] }
                }
                position = p
                let sumRight = sum - sumLeft
                let proxy = sumLeft * sumLeft / Double(nLeft) + sumRight * sumRight / Double(nRight)
                if proxy > best.proxy {
                    best = Split(feature: f, position: p,
                                 threshold: Double(values[base + p - 1]) / 2.0 + Double(values[base + p]) / 2.0,
                                 proxy: proxy)
                }
            }
        }
        // sklearn keeps the known constants' order for siblings and appends the new ones.
        for i in 0..<knownConstants { features[i] = constantFeatures[i] }
        for i in knownConstants..<(knownConstants + foundConstants) { constantFeatures[i] = features[i] }
        if lastSorted >= 0 {
            let base = lastSorted * rowCount
            for k in start..<end { samples[k] = rows[base + k] }
        }
        return (best, totalConstants)
    }

    /// Reorders every feature's block of `start..<end` into the left rows then the right
    /// rows, each still in that feature's sorted order (stable partition), and `samples` as
    /// sklearn's `partition_samples_final` does (in-place swaps, not stable).
    private mutating func partition(start: Int, end: Int, split: Split) {
        let splitBase = split.feature * rowCount
        for k in start..<end { goesLeft[Int(rows[splitBase + k])] = k < split.position }
        for f in 0..<featureCount where f != split.feature {
            let base = f * rowCount
            var left = base + start, right = 0
            for k in (base + start)..<(base + end) {
                let row = rows[k], value = values[k]
                if goesLeft[Int(row)] {
                    rows[left] = row; values[left] = value; left += 1
                } else {
                    scratchRows[right] = row; scratchValues[right] = value; right += 1
                }
            }
            for k in 0..<right {
                rows[left + k] = scratchRows[k]
                values[left + k] = scratchValues[k]
            }
        }
        var low = start, high = end
        while low < high {
            if goesLeft[Int(samples[low])] {
                low += 1
            } else {
                high -= 1
                samples.swapAt(low, high)
            }
        }
    }
}
