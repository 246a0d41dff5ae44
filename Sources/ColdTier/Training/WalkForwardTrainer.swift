import PeregrineModels
#if canImport(Glibc)
import Glibc
#endif

/// The linear families `peregrine train` fits.
public enum LinearFamily: String, Sendable, CaseIterable {
    /// `Ridge(alpha)`; scored by mean squared error.
    case ridge
    /// Binary `LogisticRegression(C)`; scored by mean log loss.
    case logistic
}

/// The outcome of a walk-forward run: per-fold scores of the candidate; the candidate and the
/// current model compared on the same out-of-sample rows; the candidate refitted on all rows.
public struct WalkForwardResult: Sendable {
    public var family: LinearFamily
    /// Candidate score per fold (lower is better) and their mean.
    public var foldScores: [Double]
    public var meanScore: Double
    /// Validation rows both models are compared on: those newer than the current model's
    /// training data (`trained_through_ns` in its source), so neither is scored in sample.
    public var comparedRows: Int
    /// Over `comparedRows`: the walk-forward candidates' and the current model's scores
    /// (nil when there is no current model or no such row).
    public var candidateComparedScore: Double?
    public var currentScore: Double?
    /// The candidate fitted on every row (what would be written).
    public var candidate: ModelDefinition
    /// True without a current model; false when no row is newer than the current model's
    /// training data (nothing to judge it on); else whether the candidate scores strictly better.
    public var beatsCurrent: Bool {
        guard hasCurrent else { return true }
        guard let candidateComparedScore, let currentScore else { return false }
        return candidateComparedScore < currentScore
    }
    public var hasCurrent: Bool
    public var metric: String { family == .ridge ? "mse" : "log_loss" }
}

/// Walk-forward (expanding window) validation of a linear model: the time-ordered rows are
/// cut into `folds + 1` equal blocks; fold k trains on blocks 0..<k and validates on block k,
/// so a model is never scored on data older than what it learned from (no look-ahead). The
/// current artifact is scored on the same validation blocks; only a strictly better mean
/// score should replace it.
public struct WalkForwardTrainer: Sendable {
    public var family: LinearFamily
    /// Ridge `alpha` or logistic `C`.
    public var regularization: Double
    public var folds: Int

    public init(family: LinearFamily, regularization: Double, folds: Int = 5) {
        precondition(folds >= 1 && (regularization > 0 || (family == .ridge && regularization == 0)), "walk-forward set-up: folds ≥ 1, alpha ≥ 0, C > 0")
        self.family = family; self.regularization = regularization; self.folds = folds
    }

    public func fit(_ data: TrainingSet) throws -> LinearParameters {
        switch family {
        case .ridge: try RidgeTrainer.fit(data, alpha: regularization)
        case .logistic: try LogisticTrainer.fit(data, c: regularization)
        }
    }

    public func definition(_ parameters: LinearParameters, data: TrainingSet, source: String) -> ModelDefinition {
        ModelDefinition(featureNames: data.featureNames, source: source,
                        body: family == .ridge ? .linear(parameters) : .logistic(parameters))
    }

    /// Mean squared error or mean log loss of `parameters` on `data` (lower is better).
    public func score(_ parameters: LinearParameters, on data: TrainingSet) -> Double {
        var total = 0.0
        for i in 0..<data.count {
            var z = parameters.intercept
            for (w, x) in zip(parameters.weights, data.row(i)) { z += w * x }
            let y = data.labels[i]
            switch family {
            case .ridge:
                total += (z - y) * (z - y)
            case .logistic:
                let p = min(max(z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z)), 1e-15), 1 - 1e-15)
                total -= y * log(p) + (1 - y) * log(1 - p)
            }
        }
        return data.count > 0 ? total / Double(data.count) : 0
    }

    /// Runs the folds, scores `current` (if any) on the same slices, and refits on all rows.
    public func run(_ data: TrainingSet, current: ModelDefinition?, source: String) throws -> WalkForwardResult {
        let block = data.count / (folds + 1)
        guard block >= max(2, data.featureCount + 1) else {
            throw TrainingError(.badData, "\(data.count) row(s) are too few for \(folds) fold(s) of \(data.featureCount) feature(s)",
                                context: "walk-forward validation; load more rows or use fewer --folds")
        }
        var currentParameters: LinearParameters?
        if let current {
            switch (family, current.body) {
            case (.ridge, .linear(let p)), (.logistic, .logistic(let p)):
                guard current.featureNames == data.featureNames else {
                    throw TrainingError(.incomparable, "the current model's features \(current.featureNames) differ from the query's \(data.featureNames)",
                                        context: "comparing with the current artifact; write to another --out or pass --replace")
                }
                currentParameters = p
            default:
                throw TrainingError(.incomparable, "the current model is a \(current.kind), not \(family.rawValue)",
                                    context: "comparing with the current artifact; write to another --out or pass --replace")
            }
        }
        // The current model has seen rows up to its training cut-off: judge it only after that.
        let cutoff = current.flatMap { Self.trainedThrough($0.source) } ?? .min
        var scores: [Double] = []
        var comparedRows = 0, candidateTotal = 0.0, currentTotal = 0.0
        for k in 1...folds {
            let training = data.slice(0..<(k * block))
            let validation = data.slice((k * block)..<(k == folds ? data.count : (k + 1) * block))
            let parameters = try fit(training)
            scores.append(score(parameters, on: validation))
            if let currentParameters, let first = validation.times.firstIndex(where: { $0 > cutoff }) {
                let unseen = validation.slice(first..<validation.count)
                comparedRows += unseen.count
                candidateTotal += score(parameters, on: unseen) * Double(unseen.count)
                currentTotal += score(currentParameters, on: unseen) * Double(unseen.count)
            }
        }
        let mean = scores.reduce(0, +) / Double(scores.count)
        let final = try fit(data)
        let described = source + " \(family == .ridge ? "alpha" : "C")=\(regularization) folds=\(folds) rows=\(data.count) "
            + "walk_forward_\(family == .ridge ? "mse" : "log_loss")=\(mean) trained_through_ns=\(data.times.last ?? 0)"
        return WalkForwardResult(family: family, foldScores: scores, meanScore: mean, comparedRows: comparedRows,
                                 candidateComparedScore: comparedRows > 0 ? candidateTotal / Double(comparedRows) : nil,
                                 currentScore: comparedRows > 0 ? currentTotal / Double(comparedRows) : nil,
                                 candidate: definition(final, data: data, source: described), hasCurrent: current != nil)
    }

    /// The `trained_through_ns=` stamp `run` writes into a model's source (nil: none, e.g.
    /// a model exported from scikit-learn — then every validation row counts as unseen).
    public static func trainedThrough(_ source: String) -> Int64? {
        let key = "trained_through_ns="
        guard let token = source.split(separator: " ").last(where: { $0.hasPrefix(key) }) else { return nil }
        return Int64(token.dropFirst(key.count))
    }
}
