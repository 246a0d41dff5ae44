import PeregrineModels

/// The model families `peregrine train` fits.
public enum ModelFamily: String, Sendable, CaseIterable {
    /// `Ridge(alpha)`; scored by mean squared error.
    case ridge
    /// Binary `LogisticRegression(C)`; scored by mean log loss.
    case logistic
    /// `GradientBoostingRegressor(loss="squared_error")`; scored by mean squared error.
    case gbdt
    /// Binary `GradientBoostingClassifier(loss="log_loss")`; scored by mean log loss.
    case gbdtClassifier = "gbdt-classifier"

    /// Whether the model predicts the positive class's probability of a 0/1 label.
    public var isClassifier: Bool { self == .logistic || self == .gbdtClassifier }
    /// The walk-forward score's name (lower is better).
    public var metric: String { isClassifier ? "log_loss" : "mse" }
}

/// One family with its hyper-parameters: everything a single fit needs.
public enum Estimator: Sendable, Equatable {
    case ridge(alpha: Double)
    case logistic(c: Double)
    case gradientBoosting(GradientBoostingConfiguration)

    public var family: ModelFamily {
        switch self {
        case .ridge: .ridge
        case .logistic: .logistic
        case .gradientBoosting(let configuration): configuration.loss == .squaredError ? .gbdt : .gbdtClassifier
        }
    }

    /// What is wrong with the hyper-parameters, or nil.
    public var problem: String? {
        switch self {
        case .ridge(let alpha): alpha >= 0 ? nil : "alpha must be ≥ 0 (got \(alpha))"
        case .logistic(let c): c > 0 ? nil : "C must be > 0 (got \(c))"
        case .gradientBoosting(let configuration): configuration.problem
        }
    }

    /// `key=value` words for a model's source line.
    public var summary: String {
        switch self {
        case .ridge(let alpha): "alpha=\(alpha)"
        case .logistic(let c): "C=\(c)"
        case .gradientBoosting(let configuration): configuration.summary
        }
    }

    /// Fits on every row of `data` (cold tier; allocates). Throws `TrainingError`.
    public func fit(_ data: TrainingSet) throws -> ModelDefinition.Body {
        switch self {
        case .ridge(let alpha): .linear(try RidgeTrainer.fit(data, alpha: alpha))
        case .logistic(let c): .logistic(try LogisticTrainer.fit(data, c: c))
        case .gradientBoosting(let configuration): .trees(try GradientBoostingTrainer.fit(data, configuration))
        }
    }
}

