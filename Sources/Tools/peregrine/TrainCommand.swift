import ArgumentParser
import PeregrineModels
import PeregrineTraining
import PeregrineWarehouse
#if canImport(Glibc)
import Glibc
#endif

/// `peregrine train`: fit a ridge, logistic or gradient-boosted tree model on warehouse
/// features with walk-forward validation, and write the artifact only if it beats the current one.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Fit ridge / logistic regression or gradient-boosted trees on warehouse features (walk-forward); replace the artifact only if better.",
        discussion: """
            --features-sql returns time_ns first, the features next (named by their columns) and the label last, \
            e.g. "SELECT time_ns, vwap - close AS edge, volume, label FROM my_features". Rows are cut in time \
            order into --folds + 1 blocks; fold k trains on the blocks before k and validates on block k. The \
            current artifact at --out (if any) and the fold models are compared on the validation rows newer \
            than the data the current model was trained on (its trained_through_ns stamp), so neither is scored \
            in sample; the new model (refitted on every row) is written only when its score (MSE or log loss) \
            there is strictly lower, or with --replace. A regressor (ridge, gbdt) can replace any regressor and a \
            classifier (logistic, gbdt-classifier) any classifier. gbdt / gbdt-classifier fit scikit-learn's \
            GradientBoostingRegressor(loss="squared_error") / GradientBoostingClassifier(loss="log_loss") with \
            --trees, --learning-rate, --max-depth, --min-samples-split, --min-samples-leaf and --random-state \
            (the same trees as scikit-learn with that random_state). \
            Exit status 0 either way; 1 on errors.
            """
    )

    @Option(name: .long, help: "libpq connection string of the warehouse.")
    var conninfo: String

    @Option(name: .long, help: "SQL returning time_ns, feature columns..., label.")
    var featuresSql: String

    @Option(name: .long, help: "Model family: ridge, logistic, gbdt (regression trees) or gbdt-classifier (binary, log loss).")
    var model: String

    @Option(name: .long, help: "Ridge penalty (scikit-learn alpha).")
    var alpha: Double = 1.0

    @Option(name: .customLong("c"), help: "Logistic inverse penalty (scikit-learn C).")
    var inversePenalty: Double = 1.0

    @Option(name: .long, help: "gbdt: boosting stages (scikit-learn n_estimators).")
    var trees: Int = 100

    @Option(name: .long, help: "gbdt: shrinkage of each tree (scikit-learn learning_rate).")
    var learningRate: Double = 0.1

    @Option(name: .long, help: "gbdt: depth of each tree (scikit-learn max_depth).")
    var maxDepth: Int = 3

    @Option(name: .long, help: "gbdt: rows a node needs to be split (scikit-learn min_samples_split).")
    var minSamplesSplit: Int = 2

    @Option(name: .long, help: "gbdt: rows every leaf holds at least (scikit-learn min_samples_leaf).")
    var minSamplesLeaf: Int = 1

    @Option(name: .long, help: "gbdt: scikit-learn random_state; orders the features each node tries, which decides equal-gain ties.")
    var randomState: UInt32 = 0

    @Option(name: .long, help: "Walk-forward folds.")
    var folds: Int = 5

    @Option(name: .long, help: "Model artifact to compare with and (if beaten) replace.")
    var out: String

    @Flag(name: .long, help: "Write the new model even if it does not beat the current one (or cannot be compared).")
    var replace = false

    /// The estimator the options describe (nil: unknown --model).
    var estimator: Estimator? {
        switch ModelFamily(rawValue: model) {
        case .ridge: .ridge(alpha: alpha)
        case .logistic: .logistic(c: inversePenalty)
        case .gbdt, .gbdtClassifier:
            .gradientBoosting(GradientBoostingConfiguration(
                loss: model == ModelFamily.gbdt.rawValue ? .squaredError : .logLoss, trees: trees, learningRate: learningRate,
                maxDepth: maxDepth, minSamplesSplit: minSamplesSplit, minSamplesLeaf: minSamplesLeaf,
                randomState: randomState))
        case nil: nil
        }
    }

    func validate() throws {
        guard let estimator else {
            throw ValidationError("--model must be one of \(ModelFamily.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(model)')")
        }
        guard folds >= 1 else { throw ValidationError("--folds must be at least 1") }
        guard alpha >= 0, inversePenalty > 0 else { throw ValidationError("--alpha must be ≥ 0 and --c > 0") }
        if let problem = estimator.problem { throw ValidationError("--model \(model): \(problem)") }
    }

    func run() throws {
        let trainer = WalkForwardTrainer(estimator!, folds: folds)
        let family = trainer.family
        do {
            let connection = try PostgresConnection(conninfo: conninfo)
            let (data, skipped) = try TrainingSet.load(connection, sql: featuresSql)
            print("train: \(data.count) row(s), features \(data.featureNames)\(skipped > 0 ? ", \(skipped) row(s) with NULL/non-finite values skipped" : "")")
            var current: ModelDefinition?
            if access(out, F_OK) == 0 {
                do { current = try ModelArtifact.load(path: out) } catch {
                    print("train: cannot read the current artifact \(out): \(error)")
                    if !replace { throw ExitCode(1) }
                }
            }
            let result: WalkForwardResult
            do {
                result = try trainer.run(data, current: current, source: "peregrine train \(family.rawValue)")
            } catch let error as TrainingError where error.code == .incomparable && replace {
                print("train: \(error.message); --replace given, not comparing")
                result = try trainer.run(data, current: nil, source: "peregrine train \(family.rawValue)")
            }
            print("train: walk-forward \(result.metric) per fold \(result.foldScores), mean \(result.meanScore)")
            if result.hasCurrent {
                if let currentScore = result.currentScore, let candidateScore = result.candidateComparedScore {
                    print("train: on the \(result.comparedRows) validation row(s) newer than the current model's training data: "
                          + "new \(candidateScore), current \(currentScore)")
                } else {
                    print("train: no validation row is newer than the current model's training data; nothing to judge it on")
                }
            }
            if case .linear(let p) = result.candidate.body { print("train: weights \(p.weights), intercept \(p.intercept)") }
            if case .logistic(let p) = result.candidate.body { print("train: weights \(p.weights), intercept \(p.intercept)") }
            if case .trees(let t) = result.candidate.body {
                let model = try Model(result.candidate)
                print("train: \(t.trees.count) tree(s), \(t.trees.reduce(0) { $0 + $1.count }) node(s), max depth \(model.maxTreeDepth), "
                      + "baseline \(t.baseline), learning rate \(t.leafScale)")
            }
            if result.beatsCurrent || replace {
                try ModelArtifact.write(result.candidate, to: out)
                print("train: wrote \(out)\(result.beatsCurrent ? "" : " (--replace; it did not beat the current model)")")
            } else {
                print("train: kept \(out): the new model does not beat it")
            }
        } catch let error as PostgresError {
            print("train: error: \(error)"); throw ExitCode(1)
        } catch let error as TrainingError {
            print("train: error: \(error)"); throw ExitCode(1)
        } catch let error as ModelArtifactError {
            print("train: error: \(error)"); throw ExitCode(1)
        }
    }
}
