import ArgumentParser

/// `peregrine run --config FILE`: the engine for real use (issue 7 fills it in).
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the engine from a configuration file (not built yet)."
    )

    @Option(name: .long, help: "Engine configuration file.")
    var config: String

    func run() throws {
        throw ValidationError("`peregrine run` is not built yet: it arrives with the demo and latency suite (issue 7). Config given: \(config)")
    }
}
