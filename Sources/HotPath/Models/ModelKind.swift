/// The model families Peregrine evaluates on the hot path.
@frozen
public enum ModelKind: UInt8, Sendable, BitwiseCopyable, CaseIterable, CustomStringConvertible {
    /// y = w·x + b (LinearRegression, Ridge).
    case linear = 1
    /// p = σ(w·x + b) (binary LogisticRegression).
    case logistic = 2
    /// Sum of regression trees plus a baseline (GradientBoosting, HistGradientBoosting).
    case gradientBoostedTrees = 3

    public var description: String {
        switch self {
        case .linear: return "linear"
        case .logistic: return "logistic"
        case .gradientBoostedTrees: return "gbdt"
        }
    }
}
