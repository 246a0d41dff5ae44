import PeregrinePlatform
import PeregrineRings

/// The rules a profile must satisfy: on its own (`consistencyProblems`) and on a given
/// machine (`machineProblems(against:)`). Set-up only.
///
/// The key rule: every spinning thread (idle `busy-spin` or `yield`, or polling a socket
/// whose mode spins) and every io_uring SQPOLL kernel thread needs a core of its own from
/// `isolated_cores`, so their number may not exceed the isolated cores — nor the machine's
/// online CPUs. A spinner sharing a core starves whatever shares it (at SCHED_FIFO the
/// other thread never runs; at SCHED_OTHER both lose half their time and all their latency).
extension TuningProfile {
    /// Whether `thread` keeps its core busy: its idle strategy spins, or one of its agents
    /// polls a socket whose mode spins (`busy-poll`, `io_uring-spin`).
    public func isSpinning(_ thread: ThreadProfile) -> Bool {
        thread.isSpinning || spinningSocket(of: thread) != nil
    }

    /// Threads that keep their core busy, in profile order.
    public var spinningThreads: [ThreadProfile] { threads.filter { isSpinning($0) } }

    /// Kernel submission-polling threads the profile creates (one per `io_uring-sqpoll`
    /// socket); each spins on a core like a busy-spin thread.
    public var kernelPollerCount: Int { sockets.filter { $0.mode == .ioUringSQPoll }.count }

    /// Spinning threads plus kernel pollers: the cores this profile keeps busy.
    public var spinnerCount: Int { spinningThreads.count + kernelPollerCount }

    /// The first spinning-mode socket polled by an agent of `thread`.
    func spinningSocket(of thread: ThreadProfile) -> SocketProfile? {
        sockets.first { socket in socket.mode.isSpinning && socket.agent.map(thread.agents.contains) == true }
    }

    /// Rule violations that do not depend on the machine, each with file:line when the
    /// profile came from a file. Empty when the profile is consistent.
    public func consistencyProblems() -> [TuningProblem] { consistencyProblems(ignoring: []) }

    /// Problems of this profile on `machine`: cores, NUMA nodes and io_uring modes it does
    /// not have, and more spinners than it has CPUs.
    public func machineProblems(against machine: MachineFacts) -> [TuningProblem] {
        var problems: [TuningProblem] = []
        func report(_ line: Int, _ message: String) { problems.append(TuningProblem(file: source, line: line, message: message)) }
        let isolatedLine = locations.bestLine(key: "isolated_cores", in: "profile")

        let missing = isolatedCores.filter { $0 >= machine.onlineCPUs }
        if !missing.isEmpty {
            report(isolatedLine, "isolated core\(missing.count == 1 ? "" : "s") \(TuningValueSyntax.formatCPUList(missing)) \(missing.count == 1 ? "does" : "do") not exist on this machine (cpus \(machine.cpuRange)); list only cores of this machine, or use a profile made for it")
        }
        if spinnerCount > machine.onlineCPUs {
            report(isolatedLine, "this profile keeps \(spinnerCount) cores busy but this machine has \(machine.onlineCPUs) CPU\(machine.onlineCPUs == 1 ? "" : "s"); spinning threads would take turns on a core and wait milliseconds — use a profile with at most \(machine.onlineCPUs) spinning threads (e.g. tuning/dev-2core.conf)")
        }
        for thread in threads {
            let section = "thread.\(thread.name)"
            if let cpu = thread.cpu {
                let line = locations.bestLine(key: "cpu", in: section)
                if cpu >= machine.onlineCPUs {
                    report(line, "thread '\(thread.name)' is pinned to cpu \(cpu), but this machine has cpus \(machine.cpuRange); pick one of those")
                } else if !machine.allowedCPUs.contains(cpu) {
                    report(line, "thread '\(thread.name)' is pinned to cpu \(cpu), which this process may not use (allowed: \(TuningValueSyntax.formatCPUList(machine.allowedCPUs))); run without taskset/cpuset limits or pick an allowed cpu")
                }
            }
            if let node = thread.numaNode, node >= machine.numaNodes {
                report(locations.bestLine(key: "numa_node", in: section), "thread '\(thread.name)' asks for NUMA node \(node), but this machine has \(Self.nodeRange(machine)); use auto")
            }
        }
        for ring in rings {
            if let node = ring.numaNode, node >= machine.numaNodes {
                report(locations.bestLine(key: "numa_node", in: "ring.\(ring.name)"), "ring '\(ring.name)' asks for NUMA node \(node), but this machine has \(Self.nodeRange(machine)); use auto")
            }
        }
        for socket in sockets where socket.mode.usesIoUring {
            let line = locations.bestLine(key: "mode", in: "socket.\(socket.name)")
            if machine.ioUringErrno != 0 {
                report(line, "socket '\(socket.name)' uses \(socket.mode), but this kernel refuses io_uring (\(SystemError("io_uring_setup", errno: machine.ioUringErrno).reason)); use busy-poll or epoll, or allow io_uring (sysctl kernel.io_uring_disabled=0, container seccomp profile)")
            } else if socket.mode == .ioUringSQPoll && machine.sqPollErrno != 0 {
                report(line, "socket '\(socket.name)' uses io_uring-sqpoll, but this kernel refuses SQPOLL (\(SystemError("io_uring_setup", errno: machine.sqPollErrno).reason)); use io_uring-spin or busy-poll, or run with CAP_SYS_NICE")
            }
        }
        return problems
    }

    /// Both checks; throws every problem at once. Call at start-up with `.current`.
    public func validate(against machine: MachineFacts) throws(TuningProfileError) {
        let problems = consistencyProblems() + machineProblems(against: machine)
        if !problems.isEmpty { throw TuningProfileError(problems: problems) }
    }

    static func nodeRange(_ machine: MachineFacts) -> String {
        machine.numaNodes == 1 ? "one node (0)" : "nodes 0-\(machine.numaNodes - 1)"
    }

    /// The rules; `broken` holds "section\0key" of values that did not parse, whose rules
    /// are skipped rather than judged on a stand-in value.
    func consistencyProblems(ignoring broken: Set<String>) -> [TuningProblem] {
        var problems: [TuningProblem] = []
        func report(_ line: Int, _ message: String) { problems.append(TuningProblem(file: source, line: line, message: message)) }
        func isBroken(_ key: String, _ section: String) -> Bool { broken.contains(section + "\u{0}" + key) }
        let isolatedLine = locations.bestLine(key: "isolated_cores", in: "profile")
        let isolatedText = TuningValueSyntax.formatCPUList(isolatedCores)

        if Set(isolatedCores).count != isolatedCores.count || isolatedCores.contains(where: { $0 < 0 }) {
            report(isolatedLine, "isolated_cores \(isolatedCores) has duplicates or negative cores; list each core once")
        }

        // Threads: names, priorities, agents.
        var threadNames: [String: Int] = [:]
        var agentOwner: [String: (thread: String, line: Int)] = [:]
        for (index, thread) in threads.enumerated() {
            let section = "thread.\(thread.name)"
            if threadNames[thread.name] != nil {
                report(locations.bestLine(key: "", in: section), "two threads are named '\(thread.name)'; give each a distinct name")
            }
            threadNames[thread.name] = index
            if let cpu = thread.cpu, cpu < 0 {
                report(locations.bestLine(key: "cpu", in: section), "thread '\(thread.name)' has negative cpu \(cpu)")
            }
            switch thread.policy {
            case .fifo(let priority), .roundRobin(let priority):
                if !(1...99).contains(priority) {
                    let kind = thread.policy.description.split(separator: ":")[0]
                    report(locations.bestLine(key: "policy", in: section), "real-time priority \(priority) of thread '\(thread.name)' is outside 1...99; use \(kind):1 (lowest) up to \(kind):99 (highest), or 'other'")
                }
            case .other: break
            }
            let agentsLine = locations.bestLine(key: "agents", in: section)
            if thread.agents.isEmpty && !isBroken("agents", section) {
                report(agentsLine, "thread '\(thread.name)' runs no agents; list at least one (agents = NAME, …) or remove the section")
            }
            for agent in thread.agents {
                if let owner = agentOwner[agent] {
                    let place = owner.thread == thread.name ? "listed twice on thread '\(thread.name)'" : "already on thread '\(owner.thread)' (line \(owner.line))"
                    report(agentsLine, "agent '\(agent)' is \(place); an agent runs on exactly one thread — remove it from one list")
                } else {
                    agentOwner[agent] = (thread.name, agentsLine)
                }
            }
        }

        // Spinning threads: pinned, on an isolated core, alone on it.
        var coreOwner: [Int: (thread: ThreadProfile, spins: Bool, line: Int)] = [:]
        for thread in threads {
            let section = "thread.\(thread.name)"
            let cpuLine = locations.bestLine(key: "cpu", in: section)
            let spins = isSpinning(thread)
            let why = spinReason(thread)
            if isBroken("cpu", section) { continue }
            guard let cpu = thread.cpu else {
                if spins {
                    report(locations.bestLine(key: thread.isSpinning ? "idle" : "cpu", in: section), "thread '\(thread.name)' spins (\(why)) but is not pinned; set cpu to one of isolated_cores (\(isolatedText)), or let it park (idle = backoff) with non-spinning sockets")
                }
                continue
            }
            if spins && !isolatedCores.contains(cpu) {
                report(cpuLine, "thread '\(thread.name)' spins (\(why)) on cpu \(cpu), which is not in isolated_cores (\(isolatedText)); pin it to an isolated core or add cpu \(cpu) to isolated_cores")
            }
            if let owner = coreOwner[cpu], owner.spins || spins {
                if owner.spins && spins {
                    report(cpuLine, "threads '\(owner.thread.name)' (line \(owner.line)) and '\(thread.name)' both spin on cpu \(cpu); a spinning thread owns its core — fuse their agents onto one thread or move one to another isolated core")
                } else {
                    let spinner = owner.spins ? owner.thread.name : thread.name
                    let other = owner.spins ? thread.name : owner.thread.name
                    report(cpuLine, "thread '\(other)' shares cpu \(cpu) with spinning thread '\(spinner)' and would barely run; pin '\(other)' to another core or leave it unpinned (cpu = none)")
                }
            }
            if coreOwner[cpu] == nil || spins { coreOwner[cpu] = (thread, spins, cpuLine) }
        }

        // The spin rule.
        if spinnerCount > isolatedCores.count {
            var who = spinningThreads.map { thread -> String in
                var notes = locations.line(ofSection: "thread.\(thread.name)").map { ["line \($0)"] } ?? []
                if !thread.isSpinning { notes.append(spinReason(thread)) }
                return "'\(thread.name)'" + (notes.isEmpty ? "" : " (\(notes.joined(separator: "; ")))")
            }
            if kernelPollerCount > 0 { who.append("\(kernelPollerCount) io_uring-sqpoll kernel thread\(kernelPollerCount == 1 ? "" : "s")") }
            report(isolatedLine, "\(spinnerCount) spinning thread\(spinnerCount == 1 ? "" : "s") (\(who.joined(separator: ", "))) but isolated_cores lists \(isolatedCores.count) core\(isolatedCores.count == 1 ? "" : "s") (\(isolatedText)); each spinner needs an isolated core of its own — let some threads park (idle = backoff or park:…), fuse agents onto fewer threads, or isolate more cores")
        }

        // Rings.
        var ringNames = Set<String>()
        for ring in rings {
            let section = "ring.\(ring.name)"
            if !ringNames.insert(ring.name).inserted {
                report(locations.bestLine(key: "", in: section), "two rings are named '\(ring.name)'")
            }
            if !isBroken("capacity", section) && !(TuningValueSyntax.isPowerOfTwo(ring.capacity) && (2...(1 << 30)).contains(ring.capacity)) {
                let (low, high) = TuningValueSyntax.nearestPowersOfTwo(max(ring.capacity, 2))
                let hint = ring.capacity > 1 << 30 ? "at most 1073741824" : "e.g. \(low) or \(high)"
                report(locations.bestLine(key: "capacity", in: section), "capacity \(ring.capacity) of ring '\(ring.name)' is not a power of two in 2...2^30 (slots are indexed by masking); use \(hint)")
            }
        }

        // Sockets.
        var socketNames = Set<String>()
        for socket in sockets {
            let section = "socket.\(socket.name)"
            if !socketNames.insert(socket.name).inserted {
                report(locations.bestLine(key: "", in: section), "two sockets are named '\(socket.name)'")
            }
            if let agent = socket.agent, agentOwner[agent] == nil, !isBroken("agents", section) {
                let known = agentOwner.keys.sorted().joined(separator: ", ")
                report(locations.bestLine(key: "agent", in: section), "socket '\(socket.name)' is polled by agent '\(agent)', which no thread runs; known agents: \(known.isEmpty ? "none" : known)")
            }
            if socket.mode.isSpinning && socket.agent == nil && !isBroken("mode", section) && !isBroken("agent", section) {
                report(locations.bestLine(key: "mode", in: section), "socket '\(socket.name)' is \(socket.mode), which spins, but names no agent; add 'agent = NAME' so its thread is counted as spinning")
            }
            checkPowerOfTwo(socket.queueDepth, "queue_depth", 1...32_768, socket, &problems, broken)
            checkPowerOfTwo(socket.receiveBufferCount, "receive_buffer_count", 1...32_768, socket, &problems, broken)
            if !isBroken("receive_buffer_bytes", section) && !(64...(1 << 30)).contains(socket.receiveBufferBytes) {
                report(locations.bestLine(key: "receive_buffer_bytes", in: section), "receive_buffer_bytes \(socket.receiveBufferBytes) of socket '\(socket.name)' is outside 64...1073741824; 65536 suits most links")
            }
        }
        return problems
    }

    /// "idle = busy-spin" or "socket 'fix.venue' is busy-poll".
    func spinReason(_ thread: ThreadProfile) -> String {
        if thread.isSpinning { return "idle = \(TuningValueSyntax.formatIdle(thread.idle))" }
        if let socket = spinningSocket(of: thread) { return "socket '\(socket.name)' is \(socket.mode)" }
        return "does not spin"
    }

    private func checkPowerOfTwo(_ value: Int, _ key: String, _ range: ClosedRange<Int>, _ socket: SocketProfile,
                                 _ problems: inout [TuningProblem], _ broken: Set<String>) {
        let section = "socket.\(socket.name)"
        guard !broken.contains(section + "\u{0}" + key) else { return }
        if !(TuningValueSyntax.isPowerOfTwo(value) && range.contains(value)) {
            let (low, high) = TuningValueSyntax.nearestPowersOfTwo(min(max(value, 1), range.upperBound))
            problems.append(TuningProblem(file: source, line: locations.bestLine(key: key, in: section),
                message: "\(key) \(value) of socket '\(socket.name)' must be a power of two in \(range.lowerBound)...\(range.upperBound) (io_uring rounds queues and buffer rings to powers of two); use \(low == high ? "\(low)" : "\(low) or \(high)")"))
        }
    }
}
