import PeregrineModels
#if canImport(Glibc)
import Glibc
#endif

/// The outcome of a walk-forward run: per-fold scores of the candidate; the candidate and the
/// current model compared on the same out-of-sample rows; the candidate refitted on all rows.
public struct WalkForwardResult: Sendable {
    public var family: ModelFamily
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
    /// "mse" or "log_loss".
    public var metric: String { family.metric }
}

/// Walk-forward (expanding window) validation of any `Estimator`: the time-ordered rows are
/// cut into `folds + 1` equal blocks; fold k trains on blocks 0..<k and validates on block k,
/// so a model is never scored on data older than what it learned from (no look-ahead). The
/// current artifact is scored on the same validation blocks; only a strictly better mean
/// score should replace it.
///
/// Models are scored through the hot path's own evaluator (`Model`), so the figures are those
/// of the model the engine would run. A current artifact is comparable when it has the same
/// features and answers the same question: a regressor (linear, or trees with a regression
/// objective) for `ridge`/`gbdt`, a classifier (logistic, or trees with a log-odds objective)
/// for `logistic`/`gbdt-classifier` — so trees can replace a ridge model when they score better.
public struct WalkForwardTrainer: Sendable {
    public var estimator: Estimator
    public var folds: Int

    public init(_ estimator: Estimator, folds: Int = 5) {
        precondition(folds >= 1 && estimator.problem == nil, "walk-forward set-up: folds ≥ 1 and valid hyper-parameters")
        self.estimator = estimator; self.folds = folds
    }

    public var family: ModelFamily { estimator.family }

    /// Fits on every row of `data` and lays the result out for evaluation.
    public func fit(_ data: TrainingSet, source: String = "") throws -> ModelDefinition {
        ModelDefinition(featureNames: data.featureNames, source: source, body: try estimator.fit(data))
    }

    /// Mean squared error (regressors) or mean log loss (classifiers; probabilities clipped to
    /// [1e-15, 1 − 1e-15]) of `model` on `data` (lower is better; 0 for no rows).
    public static func score(_ model: Model, on data: TrainingSet) -> Double {
        precondition(model.featureCount == data.featureCount, "score: feature count")
        let p = data.featureCount
        var total = 0.0
        data.features.withUnsafeBufferPointer { features in
            for i in 0..<data.count {
                let prediction = model.predict(UnsafeBufferPointer(rebasing: features[(i * p)..<((i + 1) * p)]))
                let y = data.labels[i]
                if model.predictsProbability {
                    let probability = min(max(prediction, 1e-15), 1 - 1e-15)
                    total -= y * log(probability) + (1 - y) * log(1 - probability)
                } else {
                    total += (prediction - y) * (prediction - y)
                }
            }
        }
        return data.count > 0 ? total / Double(data.count) : 0
    }

    /// Whether `definition` answers the question `family` does (see the type's doc).
    static func comparable(_ definition: ModelDefinition, with family: ModelFamily) -> Bool {
        definition.body.isClassifier == family.isClassifier
    }

    /// Runs the folds, scores `current` (if any) on the same slices, and refits on all rows.
    public func run(_ data: TrainingSet, current: ModelDefinition?, source: String) throws -> WalkForwardResult {
        let block = data.count / (folds + 1)
        guard block >= max(2, data.featureCount + 1) else {
            throw TrainingError(.badData, "\(data.count) row(s) are too few for \(folds) fold(s) of \(data.featureCount) feature(s)",
                                context: "walk-forward validation; load more rows or use fewer --folds")
        }
        var currentModel: Model?
        if let current {
            guard Self.comparable(current, with: family) else {
                throw TrainingError(.incomparable, "the current model is a \(current.kind) \(current.body.isClassifier ? "classifier" : "regressor"), not comparable with \(family.rawValue)",
                                    context: "comparing with the current artifact; write to another --out or pass --replace")
            }
            guard current.featureNames == data.featureNames else {
                throw TrainingError(.incomparable, "the current model's features \(current.featureNames) differ from the query's \(data.featureNames)",
                                    context: "comparing with the current artifact; write to another --out or pass --replace")
            }
            do { currentModel = try Model(current) } catch {
                throw TrainingError(.incomparable, "the current model is invalid: \(error)", context: "comparing with the current artifact")
            }
        }
        // The current model has seen rows up to its training cut-off: judge it only after that.
        let cutoff = current.flatMap { Self.trainedThrough($0.source) } ?? .min
        var scores: [Double] = []
        var comparedRows = 0, candidateTotal = 0.0, currentTotal = 0.0
        for k in 1...folds {
            let training = data.slice(0..<(k * block))
            let validation = data.slice((k * block)..<(k == folds ? data.count : (k + 1) * block))
            let model = try Self.evaluator(try fit(training))
            scores.append(Self.score(model, on: validation))
            if let currentModel, let first = validation.times.firstIndex(where: { $0 > cutoff }) {
                let unseen = validation.slice(first..<validation.count)
                comparedRows += unseen.count
                candidateTotal += Self.score(model, on: unseen) * Double(unseen.count)
                currentTotal += Self.score(currentModel, on: unseen) * Double(unseen.count)
            }
        }
        let mean = scores.reduce(0, +) / Double(scores.count)
        let described = source + " \(estimator.summary) folds=\(folds) rows=\(data.count) "
            + "walk_forward_\(family.metric)=\(mean) trained_through_ns=\(data.times.last ?? 0)"
        let final = try fit(data, source: described)
        return WalkForwardResult(family: family, foldScores: scores, meanScore: mean, comparedRows: comparedRows,
                                 candidateComparedScore: comparedRows > 0 ? candidateTotal / Double(comparedRows) : nil,
                                 currentScore: comparedRows > 0 ? currentTotal / Double(comparedRows) : nil,
                                 candidate: final, hasCurrent: current != nil)
    }

    /// `Model(definition)`, its validation failure as a `TrainingError` (a fit produced
    /// something the evaluator rejects, e.g. a non-finite coefficient).
    static func evaluator(_ definition: ModelDefinition) throws -> Model {
        do { return try Model(definition) } catch {
            throw TrainingError(.badData, "the fitted model is not valid: \(error)", context: "walk-forward validation")
        }
    }

    /// The `trained_through_ns=` stamp `run` writes into a model's source (nil: none, e.g.
    /// a model exported from scikit-learn — then every validation row counts as unseen).
    public static func trainedThrough(_ source: String) -> Int64? {
        let key = "trained_through_ns="
        guard let token = source.split(separator: " ").last(where: { $0.hasPrefix(key) }) else { return nil }
        return Int64(token.dropFirst(key.count))
    }
}

extension ModelDefinition.Body {
    /// Whether the body predicts a probability (logistic, or trees with a log-odds objective).
    var isClassifier: Bool {
        switch self {
        case .linear: false
        case .logistic: true
        case .trees(let trees): trees.objective == .binaryLogistic
        }
    }
}
