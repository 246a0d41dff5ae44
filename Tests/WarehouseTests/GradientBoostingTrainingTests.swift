import Testing
import PeregrineModels
import PeregrineTestKit
import PeregrineTraining
import PeregrineWarehouse
#if canImport(Glibc)
import Glibc
#endif

/// `peregrine train --model gbdt / gbdt-classifier`: trees fitted in Swift must be
/// scikit-learn's trees (same features, thresholds and children exactly; init value and leaf
/// values to 1e-12 — on the development machine they are bit-identical) and the hot-path
/// evaluator must give scikit-learn's predictions to 1e-9 (tools/models/fit_gbdt.py), with
/// scikit-learn's defaults (min_samples_leaf 1), where equal-gain ties are common: the trainer
/// draws sklearn's feature order from the same random_state.
@Suite("Gradient-boosted tree training", .serialized)
struct GradientBoostingTrainingTests {
    typealias Row = (time: Int64, x: [Double], y: Double)

    /// `count` rows of 4 continuous features; a nonlinear target with noise, or 0/1 labels
    /// drawn from a noisy nonlinear score.
    static func rows(count: Int, classifier: Bool, seed: UInt64) -> [Row] {
        var random = TrainingTests.SplitMix(state: seed)
        return (0..<count).map { i in
            let x = [random.uniform() * 3, random.uniform() + 0.5, random.uniform() * 0.2, random.uniform() * 50]
            let score = 0.8 * x[0] * x[0] - 1.5 * x[1] + 20 * x[2] * (x[0] > 0 ? 1 : -1) + 0.01 * x[3] + random.uniform() * (classifier ? 1.5 : 0.3)
            return (Int64(1_700_000_000_000_000_000) + Int64(i) * 60_000_000_000, x, classifier ? (score > 1 ? 1 : 0) : score)
        }
    }

    static func set(_ rows: [Row], names: [String] = ["a", "b", "c", "d"]) -> TrainingSet {
        TrainingSet(featureNames: Array(names.prefix(rows.first?.x.count ?? names.count)), times: rows.map(\.time),
                    features: rows.flatMap(\.x), labels: rows.map(\.y))
    }

    /// What fit_gbdt.py printed.
    struct Reference {
        var baseline = Double.nan
        var trees: [[TreeNode]] = []
        var predictions: [Double] = []
    }

    static func write(_ lines: [[Double]], to path: String) throws {
        guard let file = fopen(path, "w") else { throw TrainingError(.badData, "cannot write \(path)", context: "test") }
        for line in lines { fputs(line.map { "\($0)" }.joined(separator: ",") + "\n", file) }
        fclose(file)
    }

    /// Fits scikit-learn on `training` and predicts `predict` (feature rows).
    static func sklearn(_ training: [Row], predict: [[Double]], configuration: GradientBoostingConfiguration,
                        directory: TemporaryDirectory, name: String) throws -> Reference? {
        let trainPath = directory.path + "/\(name)-train.csv", predictPath = directory.path + "/\(name)-predict.csv"
        try write(training.map { $0.x + [$0.y] }, to: trainPath)
        try write(predict, to: predictPath)
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        let script = parts.joined(separator: "/") + "/tools/models/fit_gbdt.py"
        let python = getenv("PYTHON").map { String(cString: $0) } ?? "python3"
        let kind = configuration.loss == .squaredError ? "regressor" : "classifier"
        let command = "\(python) '\(script)' '\(trainPath)' \(kind) \(configuration.trees) \(configuration.learningRate) "
            + "\(configuration.maxDepth) \(configuration.minSamplesSplit) \(configuration.minSamplesLeaf) \(configuration.randomState) '\(predictPath)' 2>&1"
        guard let pipe = popen(command, "r") else { Issue.record("cannot run \(command)"); return nil }
        var output = ""
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), pipe) != nil {
            output += String(decoding: buffer[0..<(buffer.firstIndex(of: 0) ?? buffer.count)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        let status = pclose(pipe)
        guard (status >> 8) & 0xff == 0 else {
            Issue.record("\(script) failed (needs scikit-learn: `\(python) -m pip install scikit-learn`):\n\(output)")
            return nil
        }
        var reference = Reference()
        for line in output.split(separator: "\n") {
            let words = line.split(separator: " ")
            switch words.first {
            case "baseline": reference.baseline = Double(words[1]) ?? .nan
            case "tree": reference.trees.append([])
            case "node":
                let v = words.dropFirst().map { Double($0) ?? .nan }
                reference.trees[reference.trees.count - 1].append(
                    TreeNode(feature: Int32(v[0]), threshold: v[1], left: Int32(v[2]), right: Int32(v[3]), value: v[4], missingGoesLeft: false))
            case "prediction": reference.predictions.append(Double(words[1]) ?? .nan)
            default: Issue.record("unexpected line from fit_gbdt.py: \(line)")
            }
        }
        return reference
    }

    static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
        abs(a - b) <= tolerance * max(1, abs(b))
    }

    /// Trees node for node: same features, children and thresholds (exact: both are the
    /// double midpoint of the same two float32 values); init and leaf values to 1e-12.
    static func expectSameTrees(_ swift: TreeEnsembleParameters, _ python: Reference, label: String) {
        #expect(close(swift.baseline, python.baseline, 1e-12), "\(label): baseline \(swift.baseline) vs \(python.baseline)")
        #expect(swift.trees.count == python.trees.count, "\(label): tree count")
        var reported = 0
        for (t, (mine, theirs)) in zip(swift.trees, python.trees).enumerated() {
            let same = mine.count == theirs.count && zip(mine, theirs).allSatisfy { a, b in
                a.feature == b.feature && a.left == b.left && a.right == b.right && a.threshold == b.threshold && close(a.value, b.value, 1e-12)
            }
            if !same && reported < 3 {
                reported += 1
                let describe = { (nodes: [TreeNode]) -> String in
                    nodes.map { "\($0.feature) \($0.threshold) \($0.left) \($0.right) \($0.value)" }.joined(separator: " | ")
                }
                Issue.record("\(label): tree \(t) differs\nSwift:   \(describe(mine))\nsklearn: \(describe(theirs))")
            }
        }
    }

    /// The hot-path evaluator's raw scores for `rows`.
    static func decisions(_ model: Model, _ rows: [[Double]]) -> [Double] {
        rows.map { row in row.withUnsafeBufferPointer { model.decisionFunction($0) } }
    }

    static func expectSamePredictions(_ swift: [Double], _ python: [Double], label: String) {
        #expect(swift.count == python.count, "\(label): prediction count")
        let worst = zip(swift, python).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .infinity
        #expect(worst <= 1e-9, "\(label): worst relative prediction difference \(worst)")
    }

    @Test("regression and classification trees and predictions equal scikit-learn's", arguments: [
        GradientBoostingConfiguration(loss: .squaredError, trees: 30, learningRate: 0.1, maxDepth: 3),
        GradientBoostingConfiguration(loss: .squaredError, trees: 12, learningRate: 0.3, maxDepth: 5, minSamplesSplit: 12, minSamplesLeaf: 4, randomState: 7),
        GradientBoostingConfiguration(loss: .logLoss, trees: 30, learningRate: 0.1, maxDepth: 3),
        GradientBoostingConfiguration(loss: .logLoss, trees: 10, learningRate: 0.5, maxDepth: 4, minSamplesSplit: 20, minSamplesLeaf: 7, randomState: 123),
    ])
    func parity(configuration: GradientBoostingConfiguration) throws {
        let directory = TemporaryDirectory("gbdt")
        defer { directory.remove() }
        let classifier = configuration.loss == .logLoss
        let training = Self.rows(count: classifier ? 1500 : 700, classifier: classifier, seed: classifier ? 21 : 22)
        let unseen = Self.rows(count: 300, classifier: classifier, seed: 99).map(\.x)
        let parameters = try GradientBoostingTrainer.fit(Self.set(training), configuration)
        #expect(parameters.objective == (classifier ? .binaryLogistic : .regression) && parameters.inputPrecision == .float32)
        #expect(parameters.leafScale == configuration.learningRate)
        let depths = parameters.trees.map { Self.depth($0, 0) }
        #expect(depths.max() == configuration.maxDepth, "some tree reaches max depth \(configuration.maxDepth): \(depths)")
        guard let reference = try Self.sklearn(training, predict: unseen + training.map(\.x), configuration: configuration,
                                               directory: directory, name: classifier ? "classifier" : "regressor") else { return }
        Self.expectSameTrees(parameters, reference, label: configuration.summary)
        let model = try Model(ModelDefinition(featureNames: ["a", "b", "c", "d"], body: .trees(parameters)))
        Self.expectSamePredictions(Self.decisions(model, unseen + training.map(\.x)), reference.predictions, label: configuration.summary)
    }

    @Test("exact ties (duplicated features) go to the feature sklearn's random_state picks", arguments: [UInt32(0), 1, 42])
    func ties(randomState: UInt32) throws {
        let directory = TemporaryDirectory("gbdtties")
        defer { directory.remove() }
        // Columns 0, 2 and 3 are one feature three times: every split on it ties three ways,
        // and only the feature order drawn from random_state decides which index is stored.
        let training = Self.rows(count: 400, classifier: false, seed: 8).map { row -> Row in
            (row.time, [row.x[0], row.x[1], row.x[0], row.x[0]], row.y)
        }
        let configuration = GradientBoostingConfiguration(loss: .squaredError, trees: 20, learningRate: 0.2, maxDepth: 3,
                                                          minSamplesLeaf: 3, randomState: randomState)
        let parameters = try GradientBoostingTrainer.fit(Self.set(training), configuration)
        let used = Set(parameters.trees.flatMap { $0.filter { !$0.isLeaf }.map(\.feature) })
        #expect(used.isSuperset(of: [0, 2, 3]), "the three copies are all chosen somewhere: \(used.sorted())")
        guard let reference = try Self.sklearn(training, predict: training.map(\.x), configuration: configuration,
                                               directory: directory, name: "ties") else { return }
        Self.expectSameTrees(parameters, reference, label: "ties random_state=\(randomState)")
    }

    @Test("features with many equal values (prices on a tick grid) still give scikit-learn's trees and predictions")
    func discreteFeatures() throws {
        let directory = TemporaryDirectory("gbdtgrid")
        defer { directory.remove() }
        // Features on coarse grids: long runs of equal values inside every node.
        let training = Self.rows(count: 800, classifier: false, seed: 12).map { row -> Row in
            (row.time, [(row.x[0] * 10).rounded() / 10, (row.x[1] * 4).rounded() / 4, row.x[2], (row.x[3] / 5).rounded() * 5], row.y)
        }
        for loss in GradientBoostingConfiguration.Loss.allCases {
            let rows = loss == .squaredError ? training : training.map { ($0.time, $0.x, $0.y > 1.5 ? 1.0 : 0.0) }
            let configuration = GradientBoostingConfiguration(loss: loss, trees: 25, learningRate: 0.2, maxDepth: 3)
            let parameters = try GradientBoostingTrainer.fit(Self.set(rows), configuration)
            guard let reference = try Self.sklearn(rows, predict: rows.map(\.x), configuration: configuration,
                                                   directory: directory, name: "grid-\(loss.rawValue)") else { return }
            Self.expectSameTrees(parameters, reference, label: "grid \(loss.rawValue)")
            let model = try Model(ModelDefinition(featureNames: ["a", "b", "c", "d"], body: .trees(parameters)))
            Self.expectSamePredictions(Self.decisions(model, rows.map(\.x)), reference.predictions, label: "grid \(loss.rawValue)")
        }
    }

    static func depth(_ nodes: [TreeNode], _ index: Int) -> Int {
        let node = nodes[index]
        return node.isLeaf ? 0 : 1 + max(depth(nodes, Int(node.left)), depth(nodes, Int(node.right)))
    }

    @Test("trees trained from warehouse features equal scikit-learn's, and the written artifact predicts the same")
    func warehouseParity() throws {
        let database = try TestDatabase("traingbdt")
        defer { database.drop() }
        let connection = try database.connect()
        let directory = TemporaryDirectory("traingbdt")
        defer { directory.remove() }
        for classifier in [false, true] {
            let rows = TrainingTests.rows(logistic: classifier)
            let table = classifier ? "features_class" : "features_reg"
            try TrainingTests.store(rows, table: table, in: connection)
            let (data, skipped) = try TrainingSet.load(connection, sql: "SELECT time_ns, momentum, spread, imbalance, label FROM \(table)")
            #expect(skipped == 0 && data.count == rows.count && data.times == rows.map(\.time))
            let configuration = GradientBoostingConfiguration(loss: classifier ? .logLoss : .squaredError, trees: 25, learningRate: 0.2, maxDepth: 3)
            let trainer = WalkForwardTrainer(.gradientBoosting(configuration), folds: 3)
            #expect(trainer.family == (classifier ? .gbdtClassifier : .gbdt))
            let definition = try trainer.fit(data, source: "test")
            guard case .trees(let parameters) = definition.body else { Issue.record("not trees: \(definition.kind)"); continue }
            guard let reference = try Self.sklearn(rows, predict: rows.map(\.x), configuration: configuration,
                                                   directory: directory, name: table) else { continue }
            Self.expectSameTrees(parameters, reference, label: "warehouse \(table)")
            let path = directory.path + "/\(table).prgm"
            try ModelArtifact.write(definition, to: path)
            let loaded = try ModelArtifact.loadModel(path: path)
            #expect(loaded.kind == .gradientBoostedTrees && loaded.predictsProbability == classifier)
            Self.expectSamePredictions(Self.decisions(loaded, rows.map(\.x)), reference.predictions, label: "artifact \(table)")
        }
    }

    @Test("walk-forward: trees replace a worse regressor, keep themselves without newer rows, refuse a classifier")
    func walkForward() throws {
        let rows = Self.rows(count: 600, classifier: false, seed: 5)
        let data = Self.set(rows)
        let trainer = WalkForwardTrainer(.gradientBoosting(GradientBoostingConfiguration(loss: .squaredError, trees: 40, maxDepth: 3)), folds: 4)
        let first = try trainer.run(data, current: nil, source: "test")
        #expect(first.foldScores.count == 4 && first.beatsCurrent && first.metric == "mse")
        // Label variance is several units; the trees must explain most of it.
        let mean = rows.map(\.y).reduce(0, +) / Double(rows.count)
        let variance = rows.map { ($0.y - mean) * ($0.y - mean) }.reduce(0, +) / Double(rows.count)
        #expect(first.meanScore < 0.4 * variance, "walk-forward mse \(first.meanScore) vs label variance \(variance)")
        #expect(WalkForwardTrainer.trainedThrough(first.candidate.source) == data.times.last)

        // Nothing newer than the current model's data: kept.
        let second = try trainer.run(data, current: first.candidate, source: "test")
        #expect(second.hasCurrent && second.comparedRows == 0 && !second.beatsCurrent)

        // A ridge model (a regressor, no stamp) cannot fit x² and a sign interaction: beaten on every validation row.
        let ridge = try WalkForwardTrainer(.ridge(alpha: 1)).fit(data, source: "ridge")
        let third = try trainer.run(data, current: ridge, source: "test")
        #expect(third.comparedRows == data.count - data.count / 5)
        #expect(third.beatsCurrent && third.currentScore! > 2 * third.candidateComparedScore!)

        // Ridge can be judged against trees too (same metric); it cannot beat them here.
        let fourth = try WalkForwardTrainer(.ridge(alpha: 1), folds: 4).run(data, current: first.candidate.withoutStamp, source: "test")
        #expect(fourth.comparedRows > 0 && !fourth.beatsCurrent)

        // A classifier answers another question.
        let classifierTrainer = WalkForwardTrainer(.gradientBoosting(GradientBoostingConfiguration(loss: .logLoss, trees: 5)), folds: 4)
        let labels = Self.set(Self.rows(count: 600, classifier: true, seed: 6))
        #expect { try classifierTrainer.run(labels, current: ridge, source: "test") } throws: { ($0 as? TrainingError)?.code == .incomparable }
        let classified = try classifierTrainer.run(labels, current: nil, source: "test")
        #expect(classified.metric == "log_loss" && classified.meanScore < log(2.0))
    }

    @Test("bad input is refused with a clear error: no rows, NaN or infinite features, one class, non-0/1 labels, bad parameters")
    func badInput() throws {
        func code(_ data: TrainingSet, _ configuration: GradientBoostingConfiguration) -> (TrainingError.Code, String)? {
            do { _ = try GradientBoostingTrainer.fit(data, configuration); return nil } catch let error as TrainingError {
                return (error.code, error.message)
            } catch { return nil }
        }
        let regression = GradientBoostingConfiguration(loss: .squaredError, trees: 3)
        let classification = GradientBoostingConfiguration(loss: .logLoss, trees: 3)
        let empty = TrainingSet(featureNames: ["a"], times: [], features: [], labels: [])
        #expect(code(empty, regression)?.0 == .badData)
        #expect(code(empty, regression)?.1 == "no rows")

        var rows = Self.rows(count: 50, classifier: false, seed: 1)
        rows[17].x[2] = .nan
        let nan = code(Self.set(rows), regression)
        #expect(nan?.0 == .badData && nan!.1.contains("feature 'c' of row 17 is nan"), "\(String(describing: nan))")
        rows[17].x[2] = 1e39   // beyond float32: sklearn refuses it too
        #expect(code(Self.set(rows), regression)?.1.contains("row 17") == true)

        var labels = Self.rows(count: 50, classifier: true, seed: 2)
        for i in labels.indices { labels[i].y = 1 }
        let oneClass = code(Self.set(labels), classification)
        #expect(oneClass?.0 == .badData && oneClass!.1.contains("both classes"), "\(String(describing: oneClass))")
        labels[3].y = 0.5
        #expect(code(Self.set(labels), classification)?.1.contains("0 or 1") == true)

        let fine = Self.set(Self.rows(count: 50, classifier: false, seed: 3))
        #expect(code(fine, GradientBoostingConfiguration(loss: .squaredError, trees: 0))?.0 == .badData)
        #expect(code(fine, GradientBoostingConfiguration(loss: .squaredError, learningRate: 0))?.0 == .badData)
        #expect(code(fine, GradientBoostingConfiguration(loss: .squaredError, minSamplesLeaf: 0))?.0 == .badData)
        #expect(code(fine, regression) == nil)
        // A constant feature everywhere: one leaf per tree (nothing to split on), the mean.
        let constant = TrainingSet(featureNames: ["k"], times: [1, 2, 3, 4], features: [1, 1, 1, 1], labels: [1, 2, 3, 6])
        let stump = try GradientBoostingTrainer.fit(constant, regression)
        #expect(stump.baseline == 3 && stump.trees.allSatisfy { $0 == [.leaf(0)] })
    }
}

extension ModelDefinition {
    /// The same model without its `trained_through_ns` stamp (as if exported from elsewhere).
    var withoutStamp: ModelDefinition {
        var copy = self
        copy.source = "no stamp"
        return copy
    }
}
