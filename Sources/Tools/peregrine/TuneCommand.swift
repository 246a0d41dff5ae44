import ArgumentParser

/// `peregrine tune …`: tuning profiles and machine checks.
struct TuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Check tuning profiles and this machine's readiness for colocated deployment.",
        subcommands: []
    )
}
