import Testing
import Synchronization
import PeregrineCore
import PeregrinePlatform
import PeregrineRings
import PeregrineRuntime

/// Publishes a fixed number of events into a ring, one per duty cycle.
final class SourceAgent: Agent, @unchecked Sendable {
    let name: String
    let ring: SPSCRing<UInt64>
    let total: UInt64
    var next: UInt64 = 0
    let startedOn = Atomic<Int>(-2)
    init(name: String, ring: SPSCRing<UInt64>, total: UInt64) { self.name = name; self.ring = ring; self.total = total }
    func onStart() { startedOn.store(CPU.current ?? -1, ordering: .relaxed) }
    func doWork() -> Int {
        guard next < total else { return 0 }
        if ring.tryPublish(next) == .published { next += 1; return 1 }
        return 0
    }
}

/// Drains the ring and checks order; counts what it saw.
final class SinkAgent: Agent, @unchecked Sendable {
    let name: String
    let ring: SPSCRing<UInt64>
    let received = Atomic<UInt64>(0)
    let ordered = Atomic<Bool>(true)
    let closed = Atomic<Bool>(false)
    var expected: UInt64 = 0
    init(name: String, ring: SPSCRing<UInt64>) { self.name = name; self.ring = ring }
    func doWork() -> Int {
        let n = ring.consume(limit: 64) { v in
            if v != expected { ordered.store(false, ordering: .relaxed) }
            expected += 1
        }
        received.store(expected, ordering: .relaxed)
        return n
    }
    func onClose() { closed.store(true, ordering: .relaxed) }
}

@Suite("Agent runner")
struct AgentRunnerTests {
    static let park = IdleStrategyKind.backoff(maxSpins: 10, maxYields: 10, minParkNanos: 1_000, maxParkNanos: 100_000)

    func runPipeline(_ profile: TuningProfile) throws -> (SourceAgent, SinkAgent) {
        let ring = try SPSCRing<UInt64>(capacity: 256)
        let source = SourceAgent(name: "feed", ring: ring, total: 100_000)
        let sink = SinkAgent(name: "engine", ring: ring)
        let runner = try AgentRunner(profile: profile, agents: [source, sink])
        try runner.start()
        let deadline = Clock.monotonicNanos() + 20_000_000_000
        while sink.received.load(ordering: .relaxed) < 100_000 && Clock.monotonicNanos() < deadline {
            IdleSleep.sleep(nanos: 1_000_000)
        }
        runner.stop()
        #expect(runner.dutyCycles(ofThread: 0) > 0)
        return (source, sink)
    }

    @Test("agents fused on one thread run the pipeline to completion and close")
    func fused() throws {
        let profile = TuningProfile(name: "fused", isolatedCores: [], threads: [
            ThreadProfile(name: "engine", cpu: 0, idle: Self.park, agents: ["feed", "engine"]),
        ])
        let (source, sink) = try runPipeline(profile)
        let sink_receivedValue = sink.received.load(ordering: .relaxed)
        #expect(sink_receivedValue == 100_000)
        let sink_orderedValue = sink.ordered.load(ordering: .relaxed)
        #expect(sink_orderedValue)
        let sink_closedValue = sink.closed.load(ordering: .relaxed)
        #expect(sink_closedValue)
        let source_startedOnValue = source.startedOn.load(ordering: .relaxed)
        #expect(source_startedOnValue == 0, "onStart runs on the pinned core")
    }

    @Test("the same agents spread over two pinned threads by configuration only")
    func spread() throws {
        let cpus = CPU.onlineCount
        let profile = TuningProfile(name: "spread", isolatedCores: [], threads: [
            ThreadProfile(name: "feed", cpu: 0, idle: Self.park, agents: ["feed"]),
            ThreadProfile(name: "engine", cpu: cpus > 1 ? 1 : 0, idle: Self.park, agents: ["engine"]),
        ])
        let (source, sink) = try runPipeline(profile)
        let sink_receivedValue = sink.received.load(ordering: .relaxed)
        #expect(sink_receivedValue == 100_000)
        let sink_orderedValue = sink.ordered.load(ordering: .relaxed)
        #expect(sink_orderedValue)
        let source_startedOnValue = source.startedOn.load(ordering: .relaxed)
        #expect(source_startedOnValue == 0)
    }

    @Test("refuses more spinning threads than isolated cores, listing every problem")
    func refusesSpinners() throws {
        let ring = try SPSCRing<UInt64>(capacity: 8)
        let profile = TuningProfile(name: "greedy", isolatedCores: [0, 1], threads: [
            ThreadProfile(name: "a", cpu: 0, idle: .busySpin, agents: ["feed"]),
            ThreadProfile(name: "b", cpu: 1, idle: .busySpin, agents: ["engine"]),
            ThreadProfile(name: "c", cpu: 1, idle: .yield, agents: ["ghost"]),
        ])
        do {
            _ = try AgentRunner(profile: profile, agents: [SourceAgent(name: "feed", ring: ring, total: 1),
                                                             SinkAgent(name: "engine", ring: ring)], onlineCPUs: 2)
            Issue.record("the runner accepted 3 spinning threads on 2 cores")
        } catch {
            let text = error.description
            #expect(text.contains("spins 3 thread(s)"))
            #expect(text.contains("isolates only 2 core(s)"))
            #expect(text.contains("machine with 2 CPU(s)"))
            #expect(text.contains("share cpu 1"))
            #expect(text.contains("agent 'ghost', which was not given"))
        }
    }

    @Test("refuses unpinned or non-isolated spinners, bad cores and bad priorities")
    func refusesBadPlacement() {
        let profile = TuningProfile(name: "bad", isolatedCores: [1], threads: [
            ThreadProfile(name: "loose", cpu: nil, idle: .busySpin, agents: []),
            ThreadProfile(name: "far", cpu: 7, idle: Self.park, policy: .fifo(priority: 0), agents: []),
        ])
        let problems = AgentRunner.placementProblems(profile, onlineCPUs: 2)
        #expect(problems.contains { $0.contains("'loose' is not pinned") })
        #expect(problems.contains { $0.contains("pinned to cpu 7") })
        #expect(problems.contains { $0.contains("real-time priority 0") })
        #expect(problems.count == 3)
    }

    @Test("two spinning threads on two isolated cores are accepted on a 2-core machine")
    func acceptsTwoSpinners() {
        let profile = TuningProfile(name: "dev", isolatedCores: [0, 1], threads: [
            ThreadProfile(name: "io", cpu: 0, idle: .busySpin, agents: []),
            ThreadProfile(name: "engine", cpu: 1, idle: .busySpin, agents: []),
            ThreadProfile(name: "journal", cpu: nil, idle: Self.park, agents: []),
        ])
        #expect(AgentRunner.placementProblems(profile, onlineCPUs: 2).isEmpty)
    }

    @Test("an agent given but not placed is reported")
    func unplacedAgent() throws {
        let ring = try SPSCRing<UInt64>(capacity: 8)
        let profile = TuningProfile(name: "p", threads: [ThreadProfile(name: "t", cpu: 0, idle: Self.park, agents: ["feed"])])
        #expect(throws: AgentRunnerError.self) {
            _ = try AgentRunner(profile: profile, agents: [SourceAgent(name: "feed", ring: ring, total: 1),
                                                             SinkAgent(name: "engine", ring: ring)])
        }
    }
}

@Suite("Pinned threads")
struct PinnedThreadTests {
    @Test("affinity is applied before the body runs")
    func pinned() throws {
        for cpu in 0..<min(CPU.onlineCount, 2) {
            let seen = Atomic<Int>(-2)
            let t = try PinnedThread.start(name: "pin-\(cpu)", placement: ThreadPlacement(cpu: cpu)) {
                seen.store(CPU.current ?? -1, ordering: .relaxed)
            }
            t.join()
            let seenValue = seen.load(ordering: .relaxed)
            #expect(seenValue == cpu)
        }
    }

    @Test("a CPU the machine does not have is a clear error")
    func badCPU() {
        #expect(throws: SystemError.self) {
            _ = try PinnedThread.start(name: "nowhere", placement: ThreadPlacement(cpu: 4096)) {}
        }
    }

    @Test("SCHED_FIFO either starts (root) or fails with EPERM, never crashes")
    func fifo() {
        do {
            let t = try PinnedThread.start(name: "rt", placement: ThreadPlacement(cpu: 0, policy: .fifo(priority: 1))) {}
            t.join()
        } catch {
            #expect(error.errno == 1, "unexpected error \(error)")
        }
    }
}
