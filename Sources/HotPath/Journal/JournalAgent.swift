import Synchronization
import PeregrineCore
import PeregrinePlatform
import PeregrineRings
import PeregrineRuntime

/// The journal writer as an agent: drains the rings it was given (as an extra consumer of a
/// broadcast ring, or the consumer of a dedicated SPSC ring) and appends every event.
///
/// Runs on its own (usually parked) thread so the hot path never waits for it; a slow
/// journal applies back-pressure only when its ring fills. Sources are added at set-up;
/// `doWork` calls each source's drain once per duty cycle (one closure call per source
/// per cycle, statically typed per event inside). Counts appended and failed records.
public final class JournalAgent: Agent, @unchecked Sendable {
    // SAFETY: `sources` is built before the runner starts and only read by the agent's
    // thread afterwards; counters are atomics.
    public let name: String
    public let writer: JournalWriter
    private var sources: [(JournalWriter, Timestamp) -> (appended: Int, failed: Int)] = []
    private let clock: @Sendable () -> Timestamp
    private let appendedCount = Atomic<Int>(0)
    private let failedCount = Atomic<Int>(0)

    /// A journal agent writing with `writer`; `clock` stamps records (wall clock by default).
    public init(name: String = "journal", writer: JournalWriter, clock: @escaping @Sendable () -> Timestamp = { Clock.now() }) {
        self.name = name
        self.writer = writer
        self.clock = clock
    }

    /// Journals every event of a broadcast ring through `consumer`, up to `batch` per cycle.
    public func add<E: BitwiseCopyable>(_ consumer: BroadcastConsumer<E>, type: JournalRecordType, batch: Int = 256) {
        sources.append { writer, now in
            var failed = 0
            let n = consumer.consume(limit: batch) { event in
                if writer.append(event, type: type, timestamp: now) == .failed { failed += 1 }
            }
            return (n - failed, failed)
        }
    }

    /// Journals every event of an SPSC ring this agent consumes.
    public func add<E: BitwiseCopyable>(_ ring: SPSCRing<E>, type: JournalRecordType, batch: Int = 256) {
        sources.append { writer, now in
            var failed = 0
            let n = ring.consume(limit: batch) { event in
                if writer.append(event, type: type, timestamp: now) == .failed { failed += 1 }
            }
            return (n - failed, failed)
        }
    }

    public func doWork() -> Int {
        var work = 0
        let now = clock()
        for source in sources {
            let (appended, failed) = source(writer, now)
            if appended > 0 { appendedCount.wrappingAdd(appended, ordering: .relaxed) }
            if failed > 0 { failedCount.wrappingAdd(failed, ordering: .relaxed) }
            work += appended + failed
        }
        return work
    }

    public func onClose() { try? writer.flush(wait: true) }

    /// Records appended so far (any thread).
    public var appended: Int { appendedCount.load(ordering: .relaxed) }
    /// Records that could not be appended (writer failed: see `writer.failure`).
    public var failed: Int { failedCount.load(ordering: .relaxed) }
}
