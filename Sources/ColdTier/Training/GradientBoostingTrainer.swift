import PeregrineModels
#if canImport(Glibc)
import Glibc
#endif

/// Hyper-parameters of a gradient-boosted tree ensemble, named as scikit-learn names them.
public struct GradientBoostingConfiguration: Sendable, Equatable {
    /// The loss the stages descend.
    public enum Loss: String, Sendable, CaseIterable {
        /// `GradientBoostingRegressor(loss="squared_error")`: the prediction is the raw score.
        case squaredError = "squared_error"
        /// Binary `GradientBoostingClassifier(loss="log_loss")`: the raw score is log-odds.
        case logLoss = "log_loss"
    }

    public var loss: Loss
    /// `n_estimators`: boosting stages (one tree each).
    public var trees: Int
    /// `learning_rate`: shrinks every tree's contribution.
    public var learningRate: Double
    /// `max_depth` of each tree (root depth 0).
    public var maxDepth: Int
    /// `min_samples_split`: a node with fewer rows is a leaf.
    public var minSamplesSplit: Int
    /// `min_samples_leaf`: every leaf holds at least this many rows.
    public var minSamplesLeaf: Int
    /// `random_state` as an integer: it only orders the features each node visits, which
    /// decides between splits of exactly equal gain (the same seed gives sklearn's trees).
    public var randomState: UInt32

    /// sklearn's defaults: 100 trees, learning rate 0.1, depth 3, split 2, leaf 1.
    public init(loss: Loss, trees: Int = 100, learningRate: Double = 0.1, maxDepth: Int = 3,
                minSamplesSplit: Int = 2, minSamplesLeaf: Int = 1, randomState: UInt32 = 0) {
        self.loss = loss; self.trees = trees; self.learningRate = learningRate
        self.maxDepth = maxDepth; self.minSamplesSplit = minSamplesSplit; self.minSamplesLeaf = minSamplesLeaf
        self.randomState = randomState
    }

    /// What is wrong with these values, or nil (the checks sklearn's parameter validation makes).
    public var problem: String? {
        if trees < 1 { return "the tree count must be at least 1 (got \(trees))" }
        if !(learningRate > 0) || !learningRate.isFinite { return "the learning rate must be > 0 (got \(learningRate))" }
        if maxDepth < 1 { return "the max depth must be at least 1 (got \(maxDepth))" }
        if minSamplesSplit < 2 { return "min samples split must be at least 2 (got \(minSamplesSplit))" }
        if minSamplesLeaf < 1 { return "min samples leaf must be at least 1 (got \(minSamplesLeaf))" }
        return nil
    }

    /// `key=value` words for a model's source line.
    public var summary: String {
        "loss=\(loss.rawValue) trees=\(trees) learning_rate=\(learningRate) max_depth=\(maxDepth) "
            + "min_samples_split=\(minSamplesSplit) min_samples_leaf=\(minSamplesLeaf) random_state=\(randomState)"
    }
}

/// Gradient boosting of regression trees as scikit-learn's `GradientBoostingRegressor`
/// (`loss="squared_error"`) and binary `GradientBoostingClassifier` (`loss="log_loss"`) fit
/// it with `subsample=1.0`, `max_features=None`, no sample weights and no early stopping
/// (Friedman, "Greedy Function Approximation: A Gradient Boosting Machine", 2001, Algorithm 1).
///
/// - Init estimator: the label mean (regression) or the log-odds of the positive class's
///   share, clipped to [ε, 1−ε] (classification) — sklearn's `DummyRegressor(mean)` /
///   `DummyClassifier(prior)` through the loss's link (numpy's pairwise mean, scipy's logit).
/// - Stage m fits a `RegressionTreeBuilder` tree to the negative gradient: `y − F` (squared
///   error) or `y − σ(F)` (log loss, sklearn's stable form). For log loss each leaf's value is
///   then replaced by one Newton step, `mean(y − p) / mean(p(1 − p))` over its rows (0 when the
///   denominator is below 1e-150), as sklearn's `_update_terminal_regions` does; squared
///   error keeps the leaf means. Then `F += learningRate · leaf value`.
///
/// The result is the artifact's tree-ensemble form (float32 input comparisons, leaf scale =
/// learning rate), which `Model` evaluates exactly as it evaluates an exported sklearn model.
/// Cold tier; allocates; single-threaded. See `RegressionTreeBuilder` for how equal-gain
/// splits are decided (as sklearn with the same `random_state`).
public enum GradientBoostingTrainer {
    /// Fits `configuration` on every row of `data`. Throws `TrainingError(.badData)` for no
    /// rows, a non-finite or beyond-float32 feature, a non-finite label, labels not 0/1 or of
    /// one class only (log loss), and bad hyper-parameters.
    public static func fit(_ data: TrainingSet, _ configuration: GradientBoostingConfiguration) throws -> TreeEnsembleParameters {
        let n = data.count, p = data.featureCount
        let context = "fitting gradient-boosted trees (\(configuration.loss.rawValue))"
        if let problem = configuration.problem { throw TrainingError(.badData, problem, context: context) }
        guard n > 0 else { throw TrainingError(.badData, "no rows", context: context) }
        guard p > 0 else { throw TrainingError(.badData, "no feature columns", context: context) }
        let floatMax = Double(Float.greatestFiniteMagnitude)
        for (index, x) in data.features.enumerated() where !x.isFinite || abs(x) > floatMax {
            let name = data.featureNames[index % p]
            throw TrainingError(.badData, "feature '\(name)' of row \(index / p) is \(x); trees need finite values within float32 range",
                                context: context + "; drop or impute such rows")
        }
        if let row = data.labels.firstIndex(where: { !$0.isFinite }) {
            throw TrainingError(.badData, "the label of row \(row) is \(data.labels[row])", context: context)
        }
        let labels = data.labels
        let baseline: Double
        switch configuration.loss {
        case .squaredError:
            baseline = NumpyArithmetic.mean(labels)
        case .logLoss:
            if let row = labels.firstIndex(where: { $0 != 0 && $0 != 1 }) {
                throw TrainingError(.badData, "labels must be 0 or 1 (row \(row) has \(labels[row]))", context: context)
            }
            let positives = labels.reduce(0, +)
            guard positives > 0 && positives < Double(n) else {
                throw TrainingError(.badData, "every label is \(positives > 0 ? 1 : 0); a classifier needs both classes",
                                    context: context + "; widen the query's time range or check the label column")
            }
            let eps = Double.ulpOfOne
            let prior = min(max(positives / Double(n), eps), 1 - eps)
            baseline = NumpyArithmetic.logit(prior)
        }

        var builder = RegressionTreeBuilder(features: data.features, rowCount: n, featureCount: p, maxDepth: configuration.maxDepth,
                                            minSamplesSplit: configuration.minSamplesSplit, minSamplesLeaf: configuration.minSamplesLeaf)
        var random = NumpyRandomState(seed: configuration.randomState)
        var raw = [Double](repeating: baseline, count: n)
        var negativeGradient = [Double](repeating: 0, count: n)
        var leafOf = [Int32](repeating: 0, count: n)
        var leafStart: [Int] = [], rowsByLeaf = [Int](repeating: 0, count: n)
        var gathered = [Double](repeating: 0, count: n), hessians = [Double](repeating: 0, count: n)
        var trees: [[TreeNode]] = []
        trees.reserveCapacity(configuration.trees)
        for _ in 0..<configuration.trees {
            switch configuration.loss {
            case .squaredError:
                for i in 0..<n { negativeGradient[i] = labels[i] - raw[i] }
            case .logLoss:
                for i in 0..<n { negativeGradient[i] = -halfBinomialGradient(label: labels[i], raw: raw[i]) }
            }
            var nodes = builder.grow(targets: negativeGradient, seed: random.treeSeed(), leafOf: &leafOf)
            if configuration.loss == .logLoss {
                // One Newton step per leaf: np.average of y − p and of p(1 − p) over the leaf's
                // rows in row order (p recovered as y − (y − p)), as sklearn computes them.
                leafStart = [Int](repeating: 0, count: nodes.count + 1)
                for i in 0..<n { leafStart[Int(leafOf[i]) + 1] += 1 }
                for index in 0..<nodes.count { leafStart[index + 1] += leafStart[index] }
                var next = leafStart
                for i in 0..<n { rowsByLeaf[next[Int(leafOf[i])]] = i; next[Int(leafOf[i])] += 1 }
                for k in 0..<n {
                    let i = rowsByLeaf[k]
                    let probability = labels[i] - negativeGradient[i]
                    gathered[k] = negativeGradient[i]
                    hessians[k] = probability * (1 - probability)
                }
                for (index, node) in nodes.enumerated() where node.isLeaf {
                    let range = leafStart[index]..<leafStart[index + 1]
                    let count = Double(range.count)
                    let numerator = NumpyArithmetic.pairwiseSum(gathered[range]) / count
                    let denominator = NumpyArithmetic.pairwiseSum(hessians[range]) / count
                    nodes[index].value = abs(denominator) < 1e-150 ? 0 : numerator / denominator
                }
            }
            for i in 0..<n { raw[i] += configuration.learningRate * nodes[Int(leafOf[i])].value }
            trees.append(nodes)
        }
        return TreeEnsembleParameters(objective: configuration.loss == .squaredError ? .regression : .binaryLogistic,
                                      inputPrecision: .float32, baseline: baseline,
                                      leafScale: configuration.learningRate, trees: trees)
    }

    /// σ(raw) − y, in the form sklearn's `cgradient_half_binomial` uses (stable for raw ≤ −37).
    static func halfBinomialGradient(label y: Double, raw: Double) -> Double {
        if raw > -37 {
            let e = exp(-raw)
            return ((1 - y) - y * e) / (1 + e)
        }
        return exp(raw) - y
    }
}
