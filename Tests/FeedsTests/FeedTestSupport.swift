import Testing
import PeregrineCore
import PeregrineFeeds
import PeregrineMarketData
import PeregrinePlatform
import PeregrineTestKit
#if canImport(Glibc)
import Glibc
#endif

/// Every socket test runs one at a time: the pacing and back-off tests measure time on a
/// 2-vCPU machine and should not share it with other socket tests.
@Suite("Feed sessions", .serialized)
enum FeedSessionSuites {}

/// Records what a session hands its handler.
final class Recorder: FeedEventHandler {
    var events: [MarketEvent] = []
    var health: [FeedHealthChange] = []
    var twsErrors: [(id: Int64, code: Int64)] = []
    var iqResults: [IQFeedLevel1Result] = []

    func onMarketEvent(_ event: MarketEvent) { events.append(event) }
    func onHealthChange(_ change: FeedHealthChange) { health.append(change) }
    func onTWSMessage(_ message: TWSIncoming, receiveTime: Timestamp) {
        if case .error(let e) = message { twsErrors.append((e.id, e.code)) }
    }
    func onIQFeedLine(_ result: IQFeedLevel1Result, line: UnsafeRawBufferPointer, output: IQFeedLevel1Output) {
        iqResults.append(result)
    }

    var reasons: [FeedHealthReason] { health.map(\.reason) }
    var states: [FeedLinkState] { health.map(\.state) }
}

/// The two sessions as the tests drive them.
protocol DrivenSession: AnyObject {
    func poll<H: FeedEventHandler>(now: Timestamp, handler: inout H) -> Int
    func timer<H: FeedEventHandler>(now: Timestamp, handler: inout H) -> Int
}

extension TWSClientSession: DrivenSession {}
extension IQFeedLevel1Session: DrivenSession {}

/// Runs the session's loop (poll + timer, as an owner would) until `condition` holds or
/// `seconds` pass; returns whether it held. Idles 100 µs when a pass did no work.
@discardableResult
func drive(_ session: some DrivenSession, _ recorder: Recorder, seconds: Double = 5, until condition: () -> Bool) -> Bool {
    let deadline = Clock.monotonicNanos() + UInt64(seconds * 1e9)
    var handler = recorder
    while Clock.monotonicNanos() < deadline {
        let now = Clock.now()
        var work = session.poll(now: now, handler: &handler)
        work += session.timer(now: now, handler: &handler)
        if condition() { return true }
        if work == 0 { usleep(100) }
    }
    return condition()
}

/// Runs the loop for `seconds` (to observe that something does *not* happen).
func drive(_ session: some DrivenSession, _ recorder: Recorder, forSeconds seconds: Double) {
    _ = drive(session, recorder, seconds: seconds) { false }
}

/// A loopback port nothing listens on (bound, then closed).
func closedLoopbackPort() throws -> UInt16 {
    let listener = try TCPSocket.listen(on: .loopback(port: 0))
    let port = try listener.localAddress().port
    listener.close()
    return port
}

/// Price/quantity helpers.
func price(_ text: String) -> Price { Price(text)! }
func units(_ n: Int64) -> Quantity { Quantity(units: n)! }

/// Frames of ../shared/protocols/tws/wire_ibapi157.jsonl (the official client ↔ a fake server;
/// "in" = client → server), read with a reader for exactly that file's shape.
enum TWSCapture {
    struct Frame { var direction: String; var fields: [String] }

    static let path: String = {
        var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(4)  // file, FeedsTests, Tests, package root
        return parts.joined(separator: "/") + "/shared/protocols/tws/wire_ibapi157.jsonl"
    }()

    static func load() throws -> [Frame] {
        let text = String(decoding: try LEANFile.readAll(path: path), as: UTF8.self)
        return text.split(separator: "\n").compactMap { line in
            guard let dir = strings(after: "\"dir\": ", in: Substring(line)).first,
                  let fieldsAt = line.firstRange(of: "\"fields\": [") else { return nil }
            return Frame(direction: dir, fields: strings(after: nil, in: line[fieldsAt.upperBound...], untilBracket: true))
        }
    }

    /// JSON string literals (no escapes other than \" and \\ occur in the capture's fields).
    static func strings(after key: String?, in text: Substring, untilBracket: Bool = false) -> [String] {
        var rest = text
        if let key, let r = rest.firstRange(of: key) { rest = rest[r.upperBound...] }
        var result: [String] = []
        var i = rest.startIndex
        while i < rest.endIndex {
            let c = rest[i]
            if untilBracket && c == "]" { break }
            if c == "\"" {
                var s = ""
                i = rest.index(after: i)
                while i < rest.endIndex && rest[i] != "\"" {
                    if rest[i] == "\\" { i = rest.index(after: i) }
                    s.append(rest[i])
                    i = rest.index(after: i)
                }
                result.append(s)
                if !untilBracket { return result }
            }
            i = rest.index(after: i)
        }
        return result
    }
}
