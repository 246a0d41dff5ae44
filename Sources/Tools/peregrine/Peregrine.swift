import ArgumentParser

/// The `peregrine` command: a thin shell over the libraries. Each subcommand lives in its
/// own file; later issues add theirs (fix, cql, etl, train, report).
@main
struct Peregrine: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peregrine",
        abstract: "Peregrine — a low-latency algorithmic trading engine.",
        subcommands: [DemoCommand.self, RunCommand.self, TuneCommand.self, JournalCommand.self, FIXAcceptorCommand.self, CQLCommand.self,
                      BackupServerCommand.self, BackupCommand.self, ETLCommand.self, CQCommand.self, ColdTierCommand.self, TrainCommand.self, FeedCommand.self, ReportCommand.self, SimExchangeCommand.self, CtlCommand.self, ModelCommand.self, InfoCommand.self]
    )
}
