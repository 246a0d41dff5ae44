/// A model's parameters as plain values: what an artifact holds, what the writer takes and
/// what `Model` is built from (cold tier; nothing here is used per call).
///
/// Build one by hand (tests, benchmarks, `peregrine train`) or get one from
/// `ModelArtifact.decode(_:)`. `validate()` checks everything the hot path relies on; the
/// loader and `Model.init` both call it.
public struct ModelDefinition: Sendable, Equatable {
    /// One name per input feature, in input order (the feature vector's layout).
    public var featureNames: [String]
    /// Free text naming where the model came from (e.g. "sklearn 1.9.1 Ridge").
    public var source: String
    /// The family-specific parameters.
    public var body: Body

    /// Family-specific parameters.
    public enum Body: Sendable, Equatable {
        /// y = w·x + b (LinearRegression, Ridge).
        case linear(LinearParameters)
        /// p = σ(w·x + b) (binary LogisticRegression).
        case logistic(LinearParameters)
        /// baseline + Σ leaf values, optionally through σ.
        case trees(TreeEnsembleParameters)
    }

    public init(featureNames: [String], source: String = "", body: Body) {
        self.featureNames = featureNames
        self.source = source
        self.body = body
    }

    /// The model family.
    public var kind: ModelKind {
        switch body {
        case .linear: return .linear
        case .logistic: return .logistic
        case .trees: return .gradientBoostedTrees
        }
    }

    /// Number of inputs the model reads.
    public var featureCount: Int { featureNames.count }
}

/// Weights and intercept of a linear or logistic model.
public struct LinearParameters: Sendable, Equatable {
    /// One weight per feature (sklearn `coef_`, flattened for binary logistic regression).
    public var weights: [Double]
    /// sklearn `intercept_` (0 when fitted without one).
    public var intercept: Double

    public init(weights: [Double], intercept: Double) {
        self.weights = weights
        self.intercept = intercept
    }
}

/// Parameters of a gradient-boosted ensemble of regression trees.
///
/// The raw score is `baseline + Σ_t leafScale · value(leaf_t(x))`, summed tree by tree in
/// order (the order scikit-learn adds stages, so results are bit-identical).
public struct TreeEnsembleParameters: Sendable, Equatable {
    /// What the raw score means.
    public enum Objective: UInt8, Sendable {
        /// The raw score is the prediction (squared error, absolute error, Huber, quantile).
        case regression = 1
        /// The raw score is log-odds; the prediction is σ(score) (binary log-loss).
        case binaryLogistic = 2
    }

    /// The precision split comparisons are made in.
    public enum InputPrecision: UInt8, Sendable {
        /// `x <= threshold` on the Double input (HistGradientBoosting).
        case float64 = 0
        /// `Double(Float(x)) <= threshold` (GradientBoosting converts X to float32 first).
        case float32 = 1
    }

    public var objective: Objective
    public var inputPrecision: InputPrecision
    /// The init estimator's raw prediction (mean, median or quantile for regression,
    /// log-odds prior for binary classification, 0 for `init="zero"`).
    public var baseline: Double
    /// Multiplies every leaf value (GradientBoosting's learning rate; 1 for
    /// HistGradientBoosting, whose leaves already include it). Folded in at load.
    public var leafScale: Double
    /// The trees, each a list of nodes with node 0 the root.
    public var trees: [[TreeNode]]

    public init(objective: Objective, inputPrecision: InputPrecision, baseline: Double,
                leafScale: Double, trees: [[TreeNode]]) {
        self.objective = objective
        self.inputPrecision = inputPrecision
        self.baseline = baseline
        self.leafScale = leafScale
        self.trees = trees
    }
}

/// One node of a regression tree, as scikit-learn stores it.
///
/// A split sends `x[feature] <= threshold` to `left`, a NaN input to `left` when
/// `missingGoesLeft`, everything else to `right`. A leaf has `feature == -1` and both
/// children `-1`. Child indices are relative to the tree's node list.
public struct TreeNode: Sendable, Equatable {
    public var feature: Int32
    public var threshold: Double
    public var left: Int32
    public var right: Int32
    public var value: Double
    public var missingGoesLeft: Bool

    public init(feature: Int32, threshold: Double, left: Int32, right: Int32, value: Double, missingGoesLeft: Bool) {
        self.feature = feature
        self.threshold = threshold
        self.left = left
        self.right = right
        self.value = value
        self.missingGoesLeft = missingGoesLeft
    }

    /// A leaf holding `value`.
    public static func leaf(_ value: Double) -> TreeNode {
        TreeNode(feature: -1, threshold: 0, left: -1, right: -1, value: value, missingGoesLeft: false)
    }

    /// A split on `feature` at `threshold`.
    public static func split(feature: Int32, threshold: Double, left: Int32, right: Int32,
                             missingGoesLeft: Bool = false) -> TreeNode {
        TreeNode(feature: feature, threshold: threshold, left: left, right: right, value: 0, missingGoesLeft: missingGoesLeft)
    }

    /// Whether this node is a leaf.
    public var isLeaf: Bool { feature < 0 }
}
