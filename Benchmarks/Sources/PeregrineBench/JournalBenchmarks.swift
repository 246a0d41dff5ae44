import CBaselines
import PeregrineCore
import PeregrinePlatform
import PeregrineRings
import PeregrineRuntime
import PeregrineJournal
#if canImport(Glibc)
import Glibc
#endif

/// Journal figures: append cost per 64-byte record, and what journaling adds on the
/// producer side when the journal is an extra consumer of the engine's broadcast ring.
enum JournalBenchmarks {
    static func run(quick: Bool, report: inout BenchReport) throws {
        var template = Array("/tmp/peregrine-bench-journal-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { return }
        let directory = String(cString: made)
        defer { removeFiles(in: directory) }

        // MARK: append cost (journal thread alone)
        let n = quick ? 1_000_000 : 5_000_000
        let writer = try JournalWriter(directory: directory, name: "append", fileBytes: 256 << 20)
        var event = MarketEvent()
        for i in 0..<10_000 { event.word0 = Int64(i); _ = writer.append(event, type: .marketEvent, timestamp: .zero) }  // fault pages in
        let allocationsBefore = cbaseline_allocation_count()
        let t0 = Clock.monotonicNanos()
        for i in 0..<n {
            event.word0 = Int64(i)
            _ = writer.append(event, type: .marketEvent, timestamp: Timestamp(nanosecondsSinceEpoch: Int64(i)))
        }
        let t1 = Clock.monotonicNanos()
        let allocations = cbaseline_allocation_count() - allocationsBefore
        writer.close()
        report.add(name: "journal.append_64b", value: Double(t1 - t0) / Double(n), unit: "ns/record")
        report.add(name: "journal.append_64b.throughput", value: Double(n) / Double(t1 - t0) * 1e3, unit: "M_records/s")
        report.add(name: "journal.append.allocations_per_record", value: Double(allocations) / Double(n - 0), unit: "allocs")

        // MARK: producer-side cost with and without the journal consumer
        // Saturated: the producer publishes as fast as it can, so the journal's append rate
        // caps it (back-pressure). Paced: one event per microsecond, well under the
        // journal's capacity; the per-event publish+consume latency should not change.
        let events = quick ? 2_000_000 : 10_000_000
        let without = try producerCost(events: events, journal: nil, paceNanos: 0)
        let with = try producerCost(events: events, journal: directory, paceNanos: 0)
        report.add(name: "ring.saturated_publish.no_journal", value: without.meanNanos, unit: "ns/event")
        report.add(name: "ring.saturated_publish.with_journal", value: with.meanNanos, unit: "ns/event")
        let paced = quick ? 200_000 : 1_000_000
        let pacedWithout = try producerCost(events: paced, journal: nil, paceNanos: 1_000)
        let pacedWith = try producerCost(events: paced, journal: directory, paceNanos: 1_000)
        report.addLatency(name: "ring.paced_publish.no_journal", samplesNanos: pacedWithout.samples)
        report.addLatency(name: "ring.paced_publish.with_journal", samplesNanos: pacedWith.samples)
        report.addRatio(name: "journal.paced_producer_latency_with_over_without",
                        numerator: "ring.paced_publish.with_journal", denominator: "ring.paced_publish.no_journal")
    }

    /// The producer publishes and (fused, as the engine would) consumes on cpu 1; with a
    /// journal, a journal agent on cpu 0 reads the same ring and appends every event.
    static func producerCost(events: Int, journal directory: String?, paceNanos: UInt64)
        throws -> (meanNanos: Double, samples: [UInt64]) {
        let ring = try BroadcastRing<MarketEvent>(capacity: 65_536, consumers: directory == nil ? 1 : 2)
        let engine = ring.consumer(0)
        var runner: AgentRunner? = nil
        var agent: JournalAgent? = nil
        if let directory {
            let a = JournalAgent(writer: try JournalWriter(directory: directory, name: "producer-\(paceNanos)", fileBytes: 256 << 20))
            a.add(ring.consumer(1), type: .marketEvent, batch: 1024)
            let profile = TuningProfile(name: "bench", isolatedCores: [0], threads: [
                ThreadProfile(name: "journal", cpu: 0, idle: .busySpin, policy: RingBenchmarks.policy, agents: ["journal"]),
            ])
            let r = try AgentRunner(profile: profile, agents: [a])
            try r.start()
            runner = r
            agent = a
        }
        try CPU.pinCurrentThread(to: min(1, CPU.onlineCount - 1))
        guard let tsc = TSCClock.calibrate() else { return (0, []) }
        var samples = [UInt64](repeating: 0, count: paceNanos > 0 ? events : 0)
        var event = MarketEvent()
        var checksum: Int64 = 0
        let t0 = Clock.monotonicNanos()
        var next = t0
        for i in 0..<events {
            if paceNanos > 0 {
                next += paceNanos
                while Clock.monotonicNanos() < next { CPU.pause() }
            }
            event.word0 = Int64(i)
            let c0 = TSCClock.ticksSerialized()
            while ring.tryPublish(event) == .full { CPU.pause() }
            _ = engine.consume(limit: 1) { checksum &+= $0.word0 }
            if paceNanos > 0 { samples[i] = tsc.nanoseconds(ticks: TSCClock.ticksSerialized() &- c0) }
        }
        let t1 = Clock.monotonicNanos()
        if let agent {
            let deadline = Clock.monotonicNanos() + 30_000_000_000
            while agent.appended < events && Clock.monotonicNanos() < deadline { CPU.pause() }
        }
        runner?.stop()
        agent?.writer.close()
        if checksum == 42 { print("") }
        return (Double(t1 - t0) / Double(events), samples)
    }

    static func removeFiles(in directory: String) {
        guard let dir = opendir(directory) else { return }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> String in
                let bytes = raw.bindMemory(to: UInt8.self)
                return String(decoding: bytes[0..<(bytes.firstIndex(of: 0) ?? bytes.count)], as: UTF8.self)
            }
            if name != "." && name != ".." { unlink(directory + "/" + name) }
        }
        closedir(dir)
        rmdir(directory)
    }
}
