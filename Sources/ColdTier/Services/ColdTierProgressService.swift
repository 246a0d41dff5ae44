import Logging
import ServiceLifecycle

/// Logs the cold tier's progress and lag (`ColdTierStatusBoard`) every `interval` through
/// swift-log, and once more at shutdown. Sleeps on the cooperative pool (no blocking call).
public struct ColdTierProgressService: Service, CustomStringConvertible {
    public let status: ColdTierStatusBoard
    public let interval: Duration
    let logger: Logger

    public init(status: ColdTierStatusBoard, interval: Duration, logger: Logger) {
        precondition(interval > .zero, "the progress interval must be positive")
        self.status = status
        self.interval = interval
        self.logger = logger
    }

    public var description: String { "ColdTierProgressService" }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { break }
                log()
            }
        }
    }

    /// One log line per service.
    public func log() {
        for line in Self.lines(status.snapshot) { logger.info("\(line)") }
    }

    /// The progress lines for a status (also what `log` prints).
    public static func lines(_ status: ColdTierStatus) -> [String] {
        var lines: [String] = []
        if let l = status.loader {
            lines.append("etl: \(l.state.rawValue), \(l.recordsLoaded) record(s) loaded (\(Int(l.recordsPerSecond))/s), "
                + "\(l.recordsQuarantined) quarantined, last sequence \(l.lastSequence), behind \(l.recordsBehind) record(s) / "
                + "\(Self.seconds(l.secondsBehind)) s" + (l.reconnects > 0 ? ", \(l.reconnects) reconnect(s)" : "")
                + (l.caughtUp ? ", caught up" : ""))
        }
        for q in status.queries {
            lines.append("cq \(q.name): \(q.state.rawValue), \(q.rowsRead) row(s) read (\(Int(q.rowsPerSecond))/s), "
                + "\(q.rowsWritten) result(s) written, \(q.outputs) in all, last sequence \(q.lastSequence), behind "
                + "\(q.recordsBehind) record(s) / \(Self.seconds(q.secondsBehind)) s" + (q.reconnects > 0 ? ", \(q.reconnects) reconnect(s)" : "")
                + (q.caughtUp ? ", caught up" : ""))
        }
        return lines
    }

    static func seconds(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
