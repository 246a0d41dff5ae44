import ArgumentParser
import PeregrineModels
import PeregrineStrategy

/// `peregrine model`: inspect model artifacts and write the example strategy's sample model.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Inspect a model artifact, or write the imbalance strategy's sample model.",
        subcommands: [Show.self, WriteSample.self]
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a model artifact's kind, inputs and source (checks the CRC and every field).")
        @Argument(help: "A PRGMODEL artifact (tools/models exports scikit-learn models to it).")
        var file: String
        func run() throws {
            let definition: ModelDefinition
            do { definition = try ModelArtifact.load(path: file) } catch { throw ValidationError("\(error)") }
            let model = try Model(definition)
            print("\(file): \(model.kind), \(model.featureCount) feature(s): \(model.featureNames.joined(separator: ", "))")
            if model.treeCount > 0 { print("  trees \(model.treeCount), max depth \(model.maxTreeDepth)") }
            print("  source: \(model.source.isEmpty ? "-" : model.source)")
        }
    }

    struct WriteSample: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "write-sample",
            abstract: "Write the imbalance strategy's hand-set logistic model as an artifact (a starting point for `model =` and `ctl reload-model`).")
        @Argument(help: "Where to write it.")
        var file: String
        @Option(help: "Weight of the book imbalance (the sample uses 2.0).")
        var imbalanceWeight: Double = 2.0
        @Option(help: "Weight of the mid's deviation from its mean in bp (the sample uses -0.8).")
        var deviationWeight: Double = -0.8
        func run() throws {
            var definition = ImbalanceReversionAlpha.sampleModelDefinition()
            definition.body = .logistic(LinearParameters(weights: [imbalanceWeight, 0, deviationWeight], intercept: 0))
            definition.source = "peregrine model write-sample (imbalance \(imbalanceWeight), deviation \(deviationWeight))"
            do { try ModelArtifact.write(definition, to: file) } catch { throw ValidationError("\(error)") }
            print("wrote \(file)")
        }
    }
}
