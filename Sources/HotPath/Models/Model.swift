#if canImport(Glibc)
import Glibc
#endif

/// An immutable, fully laid-out model ready for evaluation: linear, logistic or a
/// gradient-boosted tree ensemble.
///
/// Build it off the hot path (`ModelArtifact.loadModel(path:)` or `Model(definition)`); it
/// owns its parameter arrays and frees them in `deinit`. Evaluation reads only, so any number
/// of threads may evaluate one model at once. To replace a model while a hot thread runs, see
/// `ModelSlot`.
public final class Model: @unchecked Sendable {
    // SAFETY: every stored property is set in init and never mutated; the raw arrays inside
    // `linear` and `trees` are only read after init, so sharing across threads is race-free.

    /// The model family.
    public let kind: ModelKind
    /// Input names, in feature-vector order.
    public let featureNames: [String]
    /// Where the model came from (the artifact's source text).
    public let source: String
    /// Number of inputs; every feature vector passed in must have exactly this many.
    public let featureCount: Int
    /// Whether `predict` returns a probability (logistic, binary-logistic trees).
    public let predictsProbability: Bool

    let linear: LinearModel
    let trees: TreeEnsemble

    /// Validates `definition` and lays it out for evaluation (allocates; cold tier).
    public init(_ definition: ModelDefinition) throws(ModelArtifactError) {
        try definition.validate()
        kind = definition.kind
        featureNames = definition.featureNames
        source = definition.source
        featureCount = definition.featureCount
        switch definition.body {
        case .linear(let parameters):
            predictsProbability = false
            linear = LinearModel(weights: parameters.weights, intercept: parameters.intercept)
            trees = TreeEnsemble()
        case .logistic(let parameters):
            predictsProbability = true
            linear = LinearModel(weights: parameters.weights, intercept: parameters.intercept)
            trees = TreeEnsemble()
        case .trees(let ensemble):
            predictsProbability = ensemble.objective == .binaryLogistic
            linear = LinearModel(weights: [], intercept: 0)
            trees = TreeEnsemble(ensemble)
        }
    }

    /// The position of the feature called `name`, for wiring inputs at start-up (cold).
    public func featureIndex(named name: String) -> Int? {
        featureNames.firstIndex(of: name)
    }

    /// Number of trees (0 for linear and logistic models).
    public var treeCount: Int { trees.treeCount }

    /// Depth of the deepest tree (0 for linear and logistic models).
    public var maxTreeDepth: Int { trees.maxDepth }

    // MARK: hot path begin
    /// The raw score: w·x + b for linear and logistic models (sklearn `decision_function`),
    /// baseline + Σ leaf values for ensembles (log-odds for classifiers).
    ///
    /// Any thread; does not block or allocate. Cost: ~n/4 adds for linear models; for an
    /// ensemble, one dependent load chain per tree as deep as the tree (four trees at a
    /// time). Traps if `features.count != featureCount` (a wiring error).
    public func decisionFunction(_ features: UnsafeBufferPointer<Double>) -> Double {
        precondition(features.count == featureCount, "feature vector has the wrong length for this model")
        guard let base = features.baseAddress else { return 0 }   // unreachable: featureCount ≥ 1
        if kind == .gradientBoostedTrees { return trees.rawScore(base) }
        return linear.score(base)
    }

    /// The prediction: the raw score for regressors, σ(score) — the positive class's
    /// probability, sklearn `predict_proba(X)[:, 1]` — for classifiers.
    ///
    /// Any thread; does not block or allocate; `decisionFunction` plus one `exp` for
    /// classifiers.
    public func predict(_ features: UnsafeBufferPointer<Double>) -> Double {
        let score = decisionFunction(features)
        return predictsProbability ? Self.logistic(score) : score
    }

    /// `predict` over a preallocated feature vector.
    public func predict(_ features: borrowing FeatureVector) -> Double {
        predict(features.buffer)
    }

    /// `decisionFunction` over a preallocated feature vector.
    public func decisionFunction(_ features: borrowing FeatureVector) -> Double {
        decisionFunction(features.buffer)
    }

    /// σ(s) = 1 / (1 + e^−s), written as scipy's `expit` is so results match bit for bit.
    @inline(__always)
    public static func logistic(_ score: Double) -> Double {
        1.0 / (1.0 + exp(-score))
    }
    // MARK: hot path end
}
