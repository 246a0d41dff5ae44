import Synchronization
import PeregrinePlatform
import PeregrineRings

/// Why a runner refused to start.
public struct AgentRunnerError: Error, Sendable, CustomStringConvertible {
    /// Every problem found, each a sentence saying what to change.
    public var problems: [String]
    public var description: String { problems.joined(separator: "\n") }
}

/// Starts agents on pinned threads as a tuning profile says, and stops them cleanly.
///
/// For each `ThreadProfile` it starts one `PinnedThread` (affinity and scheduling set in
/// the thread attributes before it runs), calls each agent's `onStart` there — so memory
/// the agent allocates is first-touched on that core's NUMA node — and loops the fused
/// agents' `doWork` with the thread's idle strategy until `stop()`. Before starting
/// anything it refuses a placement that would spin more threads than the profile has
/// isolated cores, more than the machine has CPUs, or two spinning threads on one core.
///
/// Threading: create, `start` and `stop` from one control thread. Not for the hot path.
public final class AgentRunner: @unchecked Sendable {
    // SAFETY: `threads` and `started` are touched only by the control thread; the agent
    // threads share only `running` (atomic) and their own agents.
    public let profile: TuningProfile
    private let agentsByThread: [[any Agent]]
    private let running = Atomic<Bool>(false)
    private var threads: [PinnedThread] = []
    private var started = false
    /// Counts duty cycles per thread (index as in `profile.threads`), for monitoring.
    private let cycleCounters: UnsafeMutablePointer<Atomic<Int>>

    /// Prepares a runner. Every agent must be placed on exactly one thread of `profile`,
    /// and every agent named by the profile must be given. Throws every problem at once.
    public init(profile: TuningProfile, agents: [any Agent], onlineCPUs: Int = CPU.onlineCount) throws(AgentRunnerError) {
        var problems = AgentRunner.placementProblems(profile, onlineCPUs: onlineCPUs)
        var byName: [String: any Agent] = [:]
        for agent in agents {
            if byName[agent.name] != nil { problems.append("two agents are named '\(agent.name)'") }
            byName[agent.name] = agent
        }
        var placed = Set<String>()
        var grouped: [[any Agent]] = []
        for thread in profile.threads {
            var group: [any Agent] = []
            for name in thread.agents {
                if let agent = byName[name] {
                    group.append(agent)
                    placed.insert(name)
                } else {
                    problems.append("thread '\(thread.name)' names agent '\(name)', which was not given (known: \(byName.keys.sorted().joined(separator: ", ")))")
                }
            }
            grouped.append(group)
        }
        for name in byName.keys.sorted() where !placed.contains(name) {
            problems.append("agent '\(name)' is on no thread of profile '\(profile.name)': add it to some thread's `agents`")
        }
        if !problems.isEmpty { throw AgentRunnerError(problems: problems) }
        self.profile = profile
        agentsByThread = grouped
        cycleCounters = .allocate(capacity: max(profile.threads.count, 1))
        for i in 0..<max(profile.threads.count, 1) { (cycleCounters + i).initialize(to: Atomic(0)) }
    }

    deinit {
        stop()
        cycleCounters.deinitialize(count: max(profile.threads.count, 1))
        cycleCounters.deallocate()
    }

    /// The placement rules, checked before any thread starts.
    ///
    /// - spinning threads (busy-spin or yield idling) ≤ isolated cores of the profile;
    /// - spinning threads ≤ online CPUs of this machine;
    /// - each spinning thread pinned, on an isolated core, and alone on its core;
    /// - pinned cores exist on this machine; FIFO/RR priorities in 1…99.
    public static func placementProblems(_ profile: TuningProfile, onlineCPUs: Int) -> [String] {
        var problems: [String] = []
        // A thread spins when its idle strategy does or when it polls a spinning socket;
        // each io_uring SQPOLL kernel thread also occupies a core.
        let spinners = profile.spinningThreads
        let kernelPollers = profile.kernelPollerCount
        let spinning = spinners.count + kernelPollers
        let pollerNote = kernelPollers > 0 ? " plus \(kernelPollers) SQPOLL kernel thread(s)" : ""
        if spinning > profile.isolatedCores.count {
            problems.append("profile '\(profile.name)' spins \(spinning) thread(s) (\(spinners.map(\.name).joined(separator: ", "))\(pollerNote)) but isolates only \(profile.isolatedCores.count) core(s): give the extra threads a parking idle strategy (park or backoff) or isolate more cores")
        }
        if spinning > onlineCPUs {
            problems.append("profile '\(profile.name)' spins \(spinning) thread(s) on a machine with \(onlineCPUs) CPU(s): spinning threads would preempt each other")
        }
        var spinnerCores: [Int: String] = [:]
        for thread in profile.threads {
            if let cpu = thread.cpu, cpu < 0 || cpu >= onlineCPUs {
                problems.append("thread '\(thread.name)' is pinned to cpu \(cpu), but this machine has cpus 0-\(onlineCPUs - 1)")
            }
            switch thread.policy {
            case .fifo(let p), .roundRobin(let p):
                if !(1...99).contains(p) { problems.append("thread '\(thread.name)' has real-time priority \(p); use 1...99") }
            case .other: break
            }
            guard profile.isSpinning(thread) else { continue }
            guard let cpu = thread.cpu else {
                problems.append("spinning thread '\(thread.name)' is not pinned: give it a `cpu` from isolated_cores")
                continue
            }
            if !profile.isolatedCores.contains(cpu) {
                problems.append("spinning thread '\(thread.name)' is on cpu \(cpu), which is not in isolated_cores \(profile.isolatedCores)")
            }
            if let other = spinnerCores[cpu] {
                problems.append("spinning threads '\(other)' and '\(thread.name)' share cpu \(cpu): fuse their agents on one thread instead")
            }
            spinnerCores[cpu] = thread.name
        }
        return problems
    }

    /// Locks memory if the profile asks (`lock_memory`), then starts every thread, each
    /// preferring its NUMA node (`numa_node`, else the node of its cpu) for the pages its
    /// agents touch. Throws the first failure (after stopping threads already started),
    /// e.g. EPERM for SCHED_FIFO or mlockall without privileges.
    public func start() throws(SystemError) {
        precondition(!started, "AgentRunner.start called twice")
        started = true
        if profile.lockMemory {
            // Lock before the agents allocate so their pages are locked as they are touched.
            try ProcessControls.lockAllMemory()
        }
        running.store(true, ordering: .releasing)
        for (index, thread) in profile.threads.enumerated() {
            let agents = agentsByThread[index]
            let idleKind = thread.idle
            let counter = UnsafeSendablePointer(cycleCounters + index)
            let placement = ThreadPlacement(cpu: thread.cpu, policy: thread.policy)
            let node = thread.numaNode ?? thread.cpu.map { NUMA.node(ofCPU: $0) } ?? -1
            do {
                let t = try PinnedThread.start(name: thread.name, placement: placement) { [self] in
                    // Pages the agents touch from here on come from the thread's node.
                    NUMA.preferNode(node)
                    AgentRunner.dutyCycle(agents: agents, idle: ConfiguredIdle(idleKind), running: self.runningFlag, counter: counter)
                }
                threads.append(t)
            } catch {
                stop()
                throw error
            }
        }
    }

    private var runningFlag: UnsafeSendableAtomicFlag { UnsafeSendableAtomicFlag(self) }

    fileprivate func isRunning() -> Bool { running.load(ordering: .acquiring) }

    /// The loop every agent thread runs.
    private static func dutyCycle(agents: [any Agent], idle: ConfiguredIdle, running: UnsafeSendableAtomicFlag,
                                  counter: UnsafeSendablePointer) {
        var idle = idle
        for agent in agents { agent.onStart() }
        while running.isSet {
            var work = 0
            for agent in agents { work &+= agent.doWork() }
            counter.pointer.pointee.wrappingAdd(1, ordering: .relaxed)
            idle.idle(workCount: work)
        }
        for agent in agents { agent.onClose() }
    }

    /// Asks every thread to finish its current duty cycle, run `onClose`, and exit; waits
    /// for them. Idempotent.
    public func stop() {
        running.store(false, ordering: .releasing)
        for t in threads { t.join() }
        threads.removeAll()
    }

    /// Duty cycles completed by the thread at `index` of `profile.threads`.
    public func dutyCycles(ofThread index: Int) -> Int {
        cycleCounters[index].load(ordering: .relaxed)
    }

    /// Human-readable placement, one thread per line (printed at start-up).
    public var placementDescription: String {
        profile.threads.enumerated().map { index, t in
            let agents = agentsByThread[index].map(\.name).joined(separator: "+")
            return "thread \(t.name): cpu \(t.cpu.map(String.init) ?? "any"), numa \(t.numaNode.map(String.init) ?? "auto"), idle \(t.idle), policy \(t.policy), agents \(agents)"
        }.joined(separator: "\n")
    }
}

/// Lets a duty-cycle thread read the runner's running flag without retaining a `Sendable`
/// closure context per check.
private struct UnsafeSendableAtomicFlag: @unchecked Sendable {
    // SAFETY: the runner outlives its threads (`stop()` joins them, and `deinit` calls stop).
    unowned(unsafe) let runner: AgentRunner
    init(_ runner: AgentRunner) { self.runner = runner }
    var isSet: Bool { runner.isRunning() }
}

/// A pointer handed to exactly one thread.
private struct UnsafeSendablePointer: @unchecked Sendable {
    // SAFETY: each counter is written by its own thread only; others read it atomically.
    let pointer: UnsafeMutablePointer<Atomic<Int>>
    init(_ pointer: UnsafeMutablePointer<Atomic<Int>>) { self.pointer = pointer }
}
