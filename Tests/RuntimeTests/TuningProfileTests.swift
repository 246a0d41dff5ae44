import Testing
import PeregrinePlatform
import PeregrineRings
import PeregrineRuntime

/// The package root, found from this file's path (Tests/RuntimeTests/…).
let tuningPackageRoot: String = {
    var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}()

/// Parses `text`, expecting problems; returns them.
func tuningProblems(in text: String) -> [TuningProblem] {
    do {
        let profile = try TuningProfile.parse(text: text, source: "t.conf")
        Issue.record("expected problems, got profile \(profile.name)")
        return []
    } catch {
        return error.problems
    }
}

@Suite("Tuning profiles")
struct TuningProfileTests {
    @Test("the three shipped profiles parse and fit the machines they are written for")
    func shippedProfiles() throws {
        let dev = try TuningProfile.load(path: tuningPackageRoot + "/tuning/dev-2core.conf")
        #expect(dev.name == "dev-2core")
        #expect(dev.isolatedCores == [0, 1])
        #expect(dev.spinnerCount == 2)
        #expect(dev.thread(runningAgent: "gateway")?.cpu == 1)
        #expect(dev.thread(runningAgent: "journal")?.cpu == nil)
        #expect(dev.thread(runningAgent: "journal")?.isSpinning == false)
        try dev.validate(against: MachineFacts(onlineCPUs: 2))

        let colo8 = try TuningProfile.load(path: tuningPackageRoot + "/tuning/colo-8core.conf")
        #expect(colo8.isolatedCores == Array(2...7))
        #expect(colo8.lockMemory && colo8.hugePages)
        #expect(colo8.threads.filter { $0.cpu != nil }.allSatisfy { $0.policy != .other })
        try colo8.validate(against: MachineFacts(onlineCPUs: 8))

        let colo16 = try TuningProfile.load(path: tuningPackageRoot + "/tuning/colo-16core.conf")
        #expect(colo16.isolatedCores == Array(2...15))
        #expect(colo16.kernelPollerCount == 1)
        #expect(colo16.spinnerCount == 5)
        try colo16.validate(against: MachineFacts(onlineCPUs: 16, numaNodes: 2))

        // A colocated profile on the 2-CPU development VM is refused, with lines.
        let refused = colo8.machineProblems(against: MachineFacts(onlineCPUs: 2))
        #expect(refused.contains { $0.message.contains("isolated cores 2-7 do not exist") && $0.line > 0 })
        #expect(refused.contains { $0.message.contains("thread 'feed' is pinned to cpu 2") })
        #expect(refused.contains { $0.message.contains("keeps 3 cores busy but this machine has 2 CPUs") })
    }

    @Test("a broken file lists every problem at once, each at its line")
    func brokenFile() {
        let text = """
        [profile]
        isolated_cores = 0,1
        [thread.engine]
        cpus = 1
        cpu = 1
        idle = busy-spin
        policy = fifo:0
        agents = engine, feed
        [thread.io]
        cpu = zero
        agents = journal
        [thread.feed]
        cpu = 0
        idle = busy-spin
        agents = feed
        [thread.extra]
        cpu = none
        idle = yield
        agents = extra
        [ring.market_data]
        capacity = 1000
        """
        let found = tuningProblems(in: text)
        let expected: [(Int, String)] = [
            (2, "3 spinning threads ('engine' (line 3), 'feed' (line 12), 'extra' (line 16)) but isolated_cores lists 2 cores (0-1)"),
            (4, "unknown key 'cpus' in [thread.engine] (did you mean 'cpu'?); known keys: cpu, numa_node, idle, policy, agents"),
            (7, "real-time priority 0 of thread 'engine' is outside 1...99"),
            (10, "bad value for 'cpu' in [thread.io]: 'zero' is not a whole number"),
            (15, "agent 'feed' is already on thread 'engine' (line 8)"),
            (18, "thread 'extra' spins (idle = yield) but is not pinned"),
            (21, "capacity 1000 of ring 'market_data' is not a power of two"),
        ]
        for (line, text) in expected {
            #expect(found.contains { $0.line == line && $0.message.contains(text) }, "missing line \(line): \(text)\n\(found)")
        }
        #expect(found.count == expected.count, "\(found)")
        #expect(found.allSatisfy { $0.file == "t.conf" })
        #expect(found.map(\.line) == found.map(\.line).sorted())
        let error = TuningProfileError(problems: found)
        #expect(error.description.hasPrefix("t.conf: 7 problems in tuning profile"))
        #expect(error.description.contains("\n  t.conf:21: capacity 1000"))
    }

    @Test("three spinning threads on two isolated cores are refused")
    func tooManySpinners() {
        let text = """
        [profile]
        isolated_cores = 0,1
        [thread.a]
        cpu = 0
        idle = busy-spin
        agents = a
        [thread.b]
        cpu = 1
        idle = busy-spin
        agents = b
        [thread.c]
        cpu = 1
        idle = backoff
        agents = c
        [socket.x]
        mode = busy-poll
        agent = c
        """
        let found = tuningProblems(in: text)
        #expect(found.contains { $0.line == 2 && $0.message.hasPrefix("3 spinning threads") })
        // c spins because it polls a busy-poll socket, and shares b's core.
        #expect(found.contains { $0.line == 12 && $0.message.contains("'b' (line 8) and 'c' both spin on cpu 1") })
        #expect(found.contains { $0.line == 2 && $0.message.contains("'c' (line 11; socket 'x' is busy-poll)") })
        #expect(found.count == 2, "\(found)")
    }

    @Test("structural mistakes: duplicates, unknown sections, keys outside sections, missing values")
    func structure() {
        let found = tuningProblems(in: """
        name = early
        [profile]
        lock_memory = yes
        lock_memory = true
        [thread.t]
        agents = t
        [thread.t]
        [ring]
        [socket.s]
        queue_depth = 100
        no_delay =
        just words
        [thread.u
        """)
        let byLine = Dictionary(grouping: found, by: \.line).mapValues { $0.map(\.message) }
        #expect(byLine[1]?.first?.contains("'name' is outside any section") == true)
        #expect(byLine[3]?.first?.contains("'yes' is not true or false") == true)
        #expect(byLine[4]?.first?.contains("duplicate key 'lock_memory' in [profile] (first at line 3)") == true)
        #expect(byLine[7]?.first?.contains("duplicate section [thread.t] (first at line 5)") == true)
        #expect(byLine[8]?.first?.contains("section [ring] needs a name") == true)
        #expect(byLine[9]?.first?.contains("missing key 'mode' in [socket.s]") == true)
        #expect(byLine[10]?.first?.contains("queue_depth 100 of socket 's' must be a power of two") == true)
        #expect(byLine[11]?.first?.contains("'no_delay' in [socket.s] has no value") == true)
        #expect(byLine[12]?.first?.contains("expected 'key = value'") == true)
        #expect(byLine[13]?.first?.contains("has no closing ']'") == true)
    }

    @Test("a missing file gives one clear problem, not a crash")
    func missingFile() {
        #expect(throws: TuningProfileError.self) { try TuningProfile.load(path: "/nonexistent/tuning/x.conf") }
        do {
            _ = try TuningProfile.load(path: "/nonexistent/tuning/x.conf")
        } catch {
            #expect(error.problems.count == 1)
            #expect(error.description.contains("/nonexistent/tuning/x.conf: cannot read tuning profile: No such file or directory"))
        }
        do {
            _ = try TuningProfile.load(path: tuningPackageRoot + "/tuning")
        } catch {
            #expect(error.problems.first?.message.contains("Is a directory") == true)
        }
    }

    @Test("omitted keys take the declared defaults, which match the in-code defaults")
    func defaults() throws {
        let profile = try TuningProfile.parse(text: """
        [thread.journal]
        agents = journal
        [ring.r]
        [socket.s]
        mode = epoll
        """, source: "tuning/minimal.conf")
        #expect(profile.name == "minimal")
        #expect(profile.isolatedCores.isEmpty && !profile.lockMemory && !profile.hugePages)
        #expect(profile.threads == [ThreadProfile(name: "journal", agents: ["journal"])])
        #expect(profile.rings == [RingProfile(name: "r", capacity: 65_536)])
        #expect(profile.sockets == [SocketProfile(name: "s", mode: .epoll)])
        for key in TuningKeys.all { #expect(key.defaultValue != nil || ["agents", "mode"].contains(key.name)) }
    }

    @Test("the effective description prints every key, marks defaults and parses back")
    func effectiveDescription() throws {
        let dev = try TuningProfile.load(path: tuningPackageRoot + "/tuning/dev-2core.conf")
        let text = dev.effectiveDescription
        let keyLines = text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.hasPrefix("[") }
        let expectedCount = TuningKeys.keys(in: .profile).count + dev.threads.count * TuningKeys.keys(in: .thread).count
            + dev.rings.count * TuningKeys.keys(in: .ring).count + dev.sockets.count * TuningKeys.keys(in: .socket).count
        #expect(keyLines.count == expectedCount)
        #expect(text.contains("numa_node = auto  # default"))
        #expect(text.contains("idle      = busy-spin"))
        #expect(text.contains("# spinning: 2 of 2 isolated cores"))
        let reparsed = try TuningProfile.parse(text: text, source: "effective")
        #expect(reparsed.threads == dev.threads && reparsed.rings == dev.rings && reparsed.sockets == dev.sockets)
        #expect(reparsed.isolatedCores == dev.isolatedCores && reparsed.name == dev.name)
    }

    @Test("value syntax: idle strategies, policies, cpu lists, durations")
    func valueSyntax() throws {
        func thread(_ lines: String) throws -> ThreadProfile {
            try TuningProfile.parse(text: "[profile]\nisolated_cores = 0-3\n[thread.t]\nagents = t\n" + lines, source: "v").threads[0]
        }
        #expect(try thread("idle = park:50us").idle == .park(nanos: 50_000))
        #expect(try thread("idle = park").idle == .park(nanos: 50_000))
        #expect(try thread("idle = backoff:10/5/2us..3ms").idle == .backoff(maxSpins: 10, maxYields: 5, minParkNanos: 2_000, maxParkNanos: 3_000_000))
        #expect(try thread("idle = yield\ncpu = 3").idle == .yield)
        #expect(try thread("policy = rr:5").policy == .roundRobin(priority: 5))
        #expect(try thread("policy = fifo:99").policy == .fifo(priority: 99))
        #expect(try thread("numa_node = 1").numaNode == 1)
        let cores = try TuningProfile.parse(text: "[profile]\nisolated_cores = 2-4, 8,10-11", source: "v").isolatedCores
        #expect(cores == [2, 3, 4, 8, 10, 11])
        #expect(tuningProblems(in: "[thread.t]\nagents = t\nidle = park:50").first?.message.contains("has no unit; write e.g. 50us") == true)
        #expect(tuningProblems(in: "[thread.t]\nagents = t\npolicy = fifo").first?.message.contains("needs a priority") == true)
        #expect(tuningProblems(in: "[profile]\nisolated_cores = 3-1").first?.message.contains("runs backwards") == true)
        #expect(tuningProblems(in: "[profile]\nisolated_cores = 1,1").first?.message.contains("listed twice") == true)
    }

    @Test("machine validation reports what this machine lacks, at the offending lines")
    func machineValidation() throws {
        let profile = try TuningProfile.parse(text: """
        [profile]
        isolated_cores = 0-3
        [thread.a]
        cpu = 3
        idle = busy-spin
        numa_node = 1
        agents = a
        [thread.b]
        cpu = 2
        agents = b
        [ring.r]
        numa_node = 2
        [socket.s]
        mode = io_uring-sqpoll
        agent = b
        """, source: "m.conf")
        let machine = MachineFacts(onlineCPUs: 3, allowedCPUs: [0, 1], numaNodes: 1, ioUringErrno: 0, sqPollErrno: 1)
        let found = profile.machineProblems(against: machine)
        #expect(found.contains { $0.line == 2 && $0.message.contains("isolated core 3 does not exist") })
        #expect(found.contains { $0.line == 4 && $0.message.contains("pinned to cpu 3, but this machine has cpus 0-2") })
        #expect(found.contains { $0.line == 9 && $0.message.contains("which this process may not use (allowed: 0-1)") })
        #expect(found.contains { $0.line == 6 && $0.message.contains("NUMA node 1") })
        #expect(found.contains { $0.line == 12 && $0.message.contains("ring 'r' asks for NUMA node 2") })
        #expect(found.contains { $0.line == 14 && $0.message.contains("refuses SQPOLL") })
        #expect(found.count == 6, "\(found)")
        #expect(throws: TuningProfileError.self) { try profile.validate(against: machine) }
        try profile.validate(against: MachineFacts(onlineCPUs: 4, numaNodes: 3))
    }

    @Test("a thread pinned to a spinner's core, and a spinning socket without an agent, are refused")
    func coreSharing() {
        let found = tuningProblems(in: """
        [profile]
        isolated_cores = 1
        [thread.engine]
        cpu = 1
        idle = busy-spin
        agents = engine
        [thread.journal]
        cpu = 1
        agents = journal
        [socket.s]
        mode = io_uring-spin
        [socket.t]
        mode = epoll
        agent = ghost
        """)
        #expect(found.contains { $0.line == 8 && $0.message.contains("thread 'journal' shares cpu 1 with spinning thread 'engine'") })
        #expect(found.contains { $0.line == 11 && $0.message.contains("names no agent") })
        #expect(found.contains { $0.line == 14 && $0.message.contains("agent 'ghost', which no thread runs; known agents: engine, journal") })
        #expect(found.count == 3, "\(found)")
    }
}
