import PeregrinePlatform
import PeregrineTestKit

/// One line a fake IQConnect received (without CR LF).
struct IQFeedReceivedLine: Sendable {
    var connection: Int
    var text: String
}

/// The IQConnect side of Level 1 for tests: answers `S,SET PROTOCOL` (with a configurable
/// version) and `S,SERVER CONNECTED`, the field-name requests, and `n,` for unknown symbols;
/// records every client line. Quotes and trades are scripted by the test.
struct IQFeedSpeaker: PeerSpeaker {
    struct Log: PeerLog {
        var lines: [IQFeedReceivedLine] = []
    }

    /// Version to confirm (`nil`: echo the client's).
    var confirmProtocol: String? = nil
    /// Symbols answered with `n,SYM`.
    var unknownSymbols: Set<String> = ["NOSUCH"]
    static let standardFields = "Symbol,Most Recent Trade,Most Recent Trade Size,Most Recent Trade Time,Most Recent Trade Market Center,"
        + "Total Volume,Bid,Bid Size,Ask,Ask Size,Open,High,Low,Close,Message Contents,Most Recent Trade Conditions"

    var buffer: [UInt8] = []
    var connection = 0
    var pending = Log()

    mutating func connected() {
        connection += 1
        buffer.removeAll()
    }

    mutating func disconnected() {}

    mutating func received(_ bytes: UnsafeRawBufferPointer, at nanos: UInt64) -> [[UInt8]] {
        buffer += bytes
        var replies: [[UInt8]] = []
        while let lf = buffer.firstIndex(of: 10) {
            var line = Array(buffer[0..<lf])
            buffer.removeFirst(lf + 1)
            if line.last == 13 { line.removeLast() }
            let text = String(decoding: line, as: UTF8.self)
            pending.lines.append(IQFeedReceivedLine(connection: connection, text: text))
            if text.hasPrefix("S,SET PROTOCOL,") {
                let version = confirmProtocol ?? String(text.dropFirst("S,SET PROTOCOL,".count))
                replies.append(Self.line("S,CURRENT PROTOCOL,\(version)"))
                replies.append(Self.line("S,SERVER CONNECTED"))
            } else if text == "S,REQUEST CURRENT UPDATE FIELDNAMES" {
                replies.append(Self.line("S,CURRENT UPDATE FIELDNAMES,\(Self.standardFields)"))
            } else if text.hasPrefix("S,SELECT UPDATE FIELDS,") {
                replies.append(Self.line("S,CURRENT UPDATE FIELDNAMES,Symbol," + text.dropFirst("S,SELECT UPDATE FIELDS,".count)))
            } else if text.hasPrefix("w") || text.hasPrefix("t"), unknownSymbols.contains(String(text.dropFirst())) {
                replies.append(Self.line("n,\(text.dropFirst())"))
            }
        }
        return replies
    }

    mutating func flushLog(into log: inout Log) {
        log.lines += pending.lines
        pending = Log()
    }

    static func line(_ text: String) -> [UInt8] { Array(text.utf8) + [13, 10] }
}

typealias FakeIQFeedServer = LoopbackPeer<IQFeedSpeaker>

extension LoopbackPeer where Speaker == IQFeedSpeaker {
    /// Sends one line (CR LF added), optionally in `chunk`-byte pieces.
    func send(line: String, chunk: Int = .max) { post(.send(IQFeedSpeaker.line(line), chunk: chunk)) }
    /// Client lines received so far.
    var lines: [IQFeedReceivedLine] { read { $0.log.lines } }
    func lines(connection: Int) -> [String] { lines.filter { $0.connection == connection }.map(\.text) }
    var connections: Int { read { $0.connections } }
}
