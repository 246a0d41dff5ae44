import ArgumentParser
import PeregrineCore
import PeregrineJournal

/// `peregrine journal …`: inspect a journal (format: Sources/HotPath/Journal/FORMAT.md).
struct JournalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "Inspect a Peregrine journal.",
        subcommands: [Cat.self, Synth.self]
    )

    /// `peregrine journal cat DIR`: print every record, verifying checksums.
    struct Cat: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a journal's records in order (verifies every checksum; exit 1 on corruption)."
        )

        @Argument(help: "Folder holding the journal files.")
        var directory: String

        @Option(name: .long, help: "Journal name (files are NAME-<index>.pjournal).")
        var name: String = "journal"

        @Option(name: .long, help: "Print at most this many records.")
        var limit: Int = .max

        func run() throws {
            let reader: JournalReader
            do {
                reader = try JournalReader(directory: directory, name: name)
            } catch {
                throw ValidationError(error.description)
            }
            var count = 0
            var byType: [UInt16: Int] = [:]
            do {
                while count < limit, let record = try reader.next() {
                    count += 1
                    byType[record.type.rawValue, default: 0] += 1
                    print(Self.describe(record))
                }
            } catch {
                print("error: \(error)")
                throw ExitCode(1)
            }
            let summary = byType.keys.sorted().map { "\(JournalRecordType(rawValue: $0)): \(byType[$0]!)" }
            print("# \(count) record(s)\(summary.isEmpty ? "" : " — " + summary.joined(separator: ", "))\(reader.stoppedAtTornTail ? "; stopped at a torn record at the tail (a writer crash)" : "")")
        }

        static func describe(_ r: JournalRecord) -> String {
            var line = "#\(r.sequence) \(r.timestamp) \(r.type)"
            if r.type == .marketEvent, let e = r.load(as: MarketEvent.self) {
                switch e.kind {
                case .trade: line += " trade \(e.instrument) \(e.quantity)@\(e.price)"
                case .quote: line += " quote \(e.instrument) \(e.bidQuantity)x\(e.bidPrice) / \(e.askPrice)x\(e.askQuantity)"
                case .depth: line += " depth \(e.instrument) \(e.depthSide) L\(e.level) \(e.quantity)@\(e.price)"
                case .bar: line += " bar \(e.instrument) o\(e.open) h\(e.high) l\(e.low) c\(e.close) v\(e.volume)"
                case .status: line += " status \(e.instrument) code \(e.statusCode)"
                case .clearBook: line += " clear-book \(e.instrument)"
                }
            } else if r.type == .orderCommand, let c = r.load(as: OrderCommand.self) {
                line += " \(c.kind) order \(c.orderId) \(c.side) \(c.quantity) \(c.instrument) @ \(c.price)"
            } else if r.type == .configurationChange {
                line += " " + String(decoding: r.payload, as: UTF8.self)
            } else {
                line += " \(r.payload.count) byte(s)"
            }
            return line
        }
    }
}
