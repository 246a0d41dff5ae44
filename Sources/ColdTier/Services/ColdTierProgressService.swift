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
            var previous = status.snapshot
            let clock = ContinuousClock()
            var previousTime = clock.now
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { break }
                let now = clock.now, current = status.snapshot
                let elapsed = now - previousTime
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                for line in Self.lines(current, previous: previous, seconds: seconds) { logger.info("\(line)") }
                previous = current
                previousTime = now
            }
        }
    }

    /// One log line per service (rates since the service started).
    public func log() {
        for line in Self.lines(status.snapshot) { logger.info("\(line)") }
    }

    /// The progress lines for a status (also what `log` prints); with `previous` and the
    /// `seconds` since it, the rates are over that interval, otherwise since the start.
    public static func lines(_ status: ColdTierStatus, previous: ColdTierStatus? = nil, seconds: Double = 0) -> [String] {
        var lines: [String] = []
        func rate(_ now: Int, _ before: Int?, overall: Double) -> String {
            guard let before, seconds > 0 else { return "\(Int(overall))/s since start" }
            return "\(Int(Double(max(0, now - before)) / seconds))/s"
        }
        if let l = status.loader {
            let loaded = rate(l.recordsLoaded, previous?.loader?.recordsLoaded, overall: l.recordsPerSecond)
            lines.append("etl: \(l.state.rawValue), \(l.recordsLoaded) record(s) loaded (\(loaded)), "
                + "\(l.recordsQuarantined) quarantined, last sequence \(l.lastSequence), behind \(l.recordsBehind) record(s) / "
                + "\(Self.seconds(l.secondsBehind)) s" + (l.reconnects > 0 ? ", \(l.reconnects) reconnect(s)" : "")
                + (l.caughtUp ? ", caught up" : ""))
        }
        for q in status.queries {
            let read = rate(q.rowsRead, previous?.queries.first(where: { $0.name == q.name })?.rowsRead, overall: q.rowsPerSecond)
            lines.append("cq \(q.name): \(q.state.rawValue), \(q.rowsRead) row(s) read (\(read)), "
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
