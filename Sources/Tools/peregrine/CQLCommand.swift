import ArgumentParser
import PeregrineCEP
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `peregrine cql …`: the continuous query language (docs/CQL.md).
struct CQLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cql",
        abstract: "Check CQL query files (the continuous query language of the CEP engine).",
        subcommands: [Check.self]
    )

    /// `peregrine cql check FILE…`: parse and compile, print the operator plan or the errors.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate CQL files and print their operator plans; exit 1 with file:line:column errors otherwise."
        )

        @Argument(help: "CQL files to check.")
        var files: [String]

        @Option(name: .long, help: "Instruments (partitions of GROUP BY instrument operators).")
        var instruments: Int = 100

        @Option(name: .long, help: "Id of the first output stream.")
        var firstStreamId: UInt16 = 1

        @Option(name: .long, help: "Samples per partition of a time window without CAPACITY.")
        var windowCapacity: Int = 1_024

        @Flag(name: .long, help: "Print only errors (no plan).")
        var quiet = false

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("give at least one CQL file") }
            guard instruments >= 1 else { throw ValidationError("--instruments must be at least 1") }
            guard windowCapacity >= 1 else { throw ValidationError("--window-capacity must be at least 1") }
        }

        func run() throws {
            let options = CQLOptions(instruments: instruments, firstStreamId: firstStreamId, defaultWindowCapacity: windowCapacity)
            var failed = 0
            for (n, file) in files.enumerated() {
                do {
                    let set = try CQL.compile(contentsOf: file, options: options)
                    if !quiet {
                        if n > 0 { print("") }
                        print(set.explain())
                    }
                } catch {
                    failed += 1
                    CQLCommand.printError(error.description)
                    let count = error.diagnostics.count
                    CQLCommand.printError("\(file): \(count) error\(count == 1 ? "" : "s")")
                }
            }
            if failed > 0 { throw ExitCode(1) }
        }
    }

    /// Writes `text` and a newline to standard error.
    static func printError(_ text: String) {
        let bytes = Array((text + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            if written <= 0 { break }
            offset += written
        }
    }
}
