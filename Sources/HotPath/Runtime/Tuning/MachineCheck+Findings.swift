import PeregrinePlatform

/// The judgement: each reading turned into a finding with a recommendation for a
/// colocated deployment.
extension MachineCheck {
    /// Every finding, in a fixed order; with `profile`, also whether the machine is set up
    /// for it (its cores isolated and tickless, its memory lockable, its RT threads unthrottled).
    public func findings(for profile: TuningProfile? = nil) -> [MachineFinding] {
        let online = onlineCPUs()
        let list = TuningValueSyntax.formatCPUList
        // The cores a colocated box should isolate: the profile's, else all but cores 0-1.
        let target = profile.map { $0.isolatedCores.filter(online.contains) }.flatMap { $0.isEmpty ? nil : $0 }
            ?? (online.count >= 4 ? Array(online.dropFirst(2)) : [])
        // Too few cores to isolate any here: show an 8-core box's line as the example.
        let targetText = target.isEmpty ? "2-7" : list(target)
        let example = target.isEmpty ? " (on an 8-core box; this machine has too few cores to isolate any)" : ""
        let housekeeping = online.filter { !target.contains($0) }
        let housekeepingText = housekeeping.isEmpty ? "0-1" : list(housekeeping)
        let bootLine = "isolcpus=managed_irq,domain,\(targetText) nohz_full=\(targetText) rcu_nocbs=\(targetText) irqaffinity=\(housekeepingText)"
        let cmdline = kernelCommandLine()
        var findings: [MachineFinding] = []
        func add(_ item: String, _ observed: String, _ severity: MachineFinding.Severity, _ recommendation: String? = nil) {
            findings.append(MachineFinding(item: item, observed: observed, recommendation: recommendation, severity: severity))
        }

        // CPUs and isolation.
        if online.count >= 4 {
            add("cpus online", "\(online.count) (\(list(online)))", .ok)
        } else {
            add("cpus online", "\(online.count) (\(list(online)))", .advice,
                "a colocated box wants at least 4 cores: 2 for the kernel, interrupts and cold work, the rest isolated for spinning threads (fine for development with tuning/dev-2core.conf)")
        }
        let isolated = isolatedCPUs()
        if isolated.isEmpty {
            add("isolated cores (isolcpus)", "none", .warning,
                "boot with \(bootLine)\(example) so spinning threads own their cores and the scheduler, timers and interrupts stay on \(housekeepingText)")
        } else {
            add("isolated cores (isolcpus)", list(isolated), .ok)
        }
        if let nohz = nohzFullCPUs() {
            let uncovered = (isolated.isEmpty ? target : isolated).filter { !nohz.contains($0) }
            if nohz.isEmpty {
                add("tickless cores (nohz_full)", "none", .warning,
                    "boot with nohz_full=\(targetText) rcu_nocbs=\(targetText): otherwise the scheduler tick interrupts each spinning thread every 1-4 ms")
            } else if !uncovered.isEmpty {
                add("tickless cores (nohz_full)", list(nohz), .advice,
                    "cores \(list(uncovered)) are isolated but still ticking: add them to nohz_full= and rcu_nocbs=")
            } else {
                add("tickless cores (nohz_full)", list(nohz), .ok)
            }
        } else {
            add("tickless cores (nohz_full)", "not supported by this kernel (no /sys/devices/system/cpu/nohz_full)", .advice,
                "run a kernel built with CONFIG_NO_HZ_FULL (Debian's is) and boot with nohz_full=\(targetText)")
        }
        if let rcu = Self.cpuListParameter(cmdline["rcu_nocbs"]), !rcu.isEmpty {
            add("RCU callbacks off cores (rcu_nocbs)", list(rcu), .ok)
        } else {
            add("RCU callbacks off cores (rcu_nocbs)", "not set", .advice,
                "boot with rcu_nocbs=\(targetText) (and rcu_nocb_poll) so RCU callbacks run on \(housekeepingText)")
        }
        let wanted: [(String, String)] = [
            ("irqaffinity", "irqaffinity=\(housekeepingText) (device interrupts on housekeeping cores)"),
            ("skew_tick", "skew_tick=1 (stagger the remaining ticks)"),
            ("tsc", "tsc=reliable (no clocksource watchdog on TSC)"),
            ("nosoftlockup", "nosoftlockup (no watchdog complaints about spinning threads)"),
            ("intel_idle.max_cstate", "intel_idle.max_cstate=0 processor.max_cstate=1 (no deep sleep states; or idle=poll)"),
        ]
        let missing = wanted.filter { name, _ in
            cmdline[name] == nil && !(name == "intel_idle.max_cstate" && (cmdline["idle"] == "poll" || cmdline["processor.max_cstate"] != nil))
        }
        let present = wanted.map(\.0).filter { cmdline[$0] != nil }
        add("other latency boot parameters", present.isEmpty ? "none of irqaffinity, skew_tick, tsc, nosoftlockup, max_cstate" : "set: " + present.joined(separator: ", "),
            missing.isEmpty ? .ok : .advice,
            missing.isEmpty ? nil : "also boot with " + missing.map(\.1).joined(separator: "; "))

        // Frequency, clocks, memory.
        let governors = governors()
        if governors.isEmpty {
            add("cpufreq governor", "not exposed (VM?)", .advice,
                "on bare metal every isolated core should run the performance governor (cpupower frequency-set -g performance); in a VM ask the host")
        } else {
            var byGovernor: [String: [Int]] = [:]
            for (cpu, governor) in governors { byGovernor[governor, default: []].append(cpu) }
            let observed = byGovernor.keys.sorted().map { "\($0) on \(list(byGovernor[$0]!))" }.joined(separator: "; ")
            let slow = governors.filter { $0.value != "performance" }.map(\.key)
            if slow.isEmpty {
                add("cpufreq governor", observed, .ok)
            } else {
                add("cpufreq governor", observed, .warning,
                    "cpus \(list(slow)) may run slow and ramp up late (tens of µs): set performance — cpupower frequency-set -g performance, or echo performance | tee /sys/devices/system/cpu/cpu*/cpufreq/scaling_governor (persist with a systemd unit or tuned's latency-performance profile)")
            }
        }
        let clock = clocksource()
        switch clock.current {
        case "tsc":
            add("clocksource", "tsc", .ok)
        case let current?:
            let hasTSC = clock.available.contains("tsc")
            add("clocksource", "\(current) (available: \(clock.available.joined(separator: " ")))", .warning,
                hasTSC ? "switch to tsc: echo tsc > /sys/devices/system/clocksource/clocksource0/current_clocksource, and boot with clocksource=tsc tsc=reliable; \(current) makes clock_gettime slower"
                       : "tsc is not offered: use hardware (or a VM type) with an invariant TSC; \(current) makes clock_gettime slower")
        case nil:
            add("clocksource", "not exposed", .advice, "check that the clocksource is tsc on the production box")
        }
        add("invariant TSC", probes.hasInvariantTSC ? "yes" : "no", probes.hasInvariantTSC ? .ok : .warning,
            probes.hasInvariantTSC ? nil : "latency timing falls back to clock_gettime; pick CPUs with constant_tsc and nonstop_tsc (grep flags /proc/cpuinfo)")
        switch transparentHugePages() {
        case "madvise":
            add("transparent huge pages", "madvise", .ok)
        case "always":
            add("transparent huge pages", "always", .advice,
                "set madvise: rings and buffers ask for huge pages themselves (huge_pages = true), while 'always' lets khugepaged compact every process's memory (stalls) — echo madvise > /sys/kernel/mm/transparent_hugepage/enabled, or boot with transparent_hugepage=madvise")
        case "never":
            let wantsHuge = profile?.hugePages == true
            add("transparent huge pages", "never", wantsHuge ? .advice : .ok,
                wantsHuge ? "the profile sets huge_pages = true, which has no effect: echo madvise > /sys/kernel/mm/transparent_hugepage/enabled" : nil)
        case let other?:
            add("transparent huge pages", other, .advice, "set madvise")
        case nil:
            add("transparent huge pages", "not exposed", .advice, "check /sys/kernel/mm/transparent_hugepage/enabled on the production box; madvise is best")
        }
        let swaps = swapAreas()
        add("swap", swaps.isEmpty ? "off" : "on (\(swaps.joined(separator: ", ")))", swaps.isEmpty ? .ok : .warning,
            swaps.isEmpty ? nil : "swapoff -a and remove swap from /etc/fstab: lock_memory keeps the engine resident, but the rest of the box can still stall on swap I/O and page reclaim")
        let memlock = probes.memlockLimit == .max ? "unlimited" : "\(probes.memlockLimit / 1024) KiB"
        if probes.memlockLimit == .max {
            add("memlock limit", memlock, .ok)
        } else if probes.isRoot {
            add("memlock limit", "\(memlock) (running as root: mlockall is allowed anyway)", .ok)
        } else {
            add("memlock limit", memlock, profile?.lockMemory == true ? .warning : .advice,
                "mlockall (lock_memory = true) needs more: LimitMEMLOCK=infinity in the systemd unit, or 'USER - memlock unlimited' in /etc/security/limits.conf")
        }
        let nodes = numaNodes()
        add("NUMA nodes", nodes.count == 1 ? "1 (\(list(nodes)))" : "\(nodes.count) (\(list(nodes)))", nodes.count == 1 ? .ok : .advice,
            nodes.count == 1 ? nil : "keep the engine's threads, rings and the NIC on one node: cat /sys/class/net/IFACE/device/numa_node, isolate cores of that node and leave numa_node = auto")

        // Scheduling.
        if isIrqbalanceRunning() {
            add("irqbalance", "running", .warning,
                "irqbalance moves interrupts onto isolated cores: systemctl disable --now irqbalance (or set IRQBALANCE_BANNED_CPULIST=\(targetText)) and steer NIC queues to \(housekeepingText) via /proc/irq/N/smp_affinity_list")
        } else {
            add("irqbalance", "not running", .ok)
        }
        // Throttling hurts once real-time spinners sit on isolated cores; before that it is
        // what keeps the kernel's per-cpu threads alive next to them.
        let rtSpinners = profile.map { p in
            p.spinningThreads.contains { $0.policy != .other && $0.cpu.map(isolated.contains) == true }
        } ?? false
        switch realTimeRuntimeMicros() {
        case .some(-1):
            add("kernel.sched_rt_runtime_us", "-1 (real-time threads may use 100% of a cpu)", .ok)
        case let micros?:
            add("kernel.sched_rt_runtime_us", "\(micros) (real-time threads stopped \((1_000_000 - micros) / 1000) ms of every second)",
                rtSpinners ? .warning : .advice,
                "a SCHED_FIFO spinner is throttled, a \((1_000_000 - micros) / 1000) ms stall each second: once spinners sit on isolated cores, sysctl -w kernel.sched_rt_runtime_us=-1 (persist in /etc/sysctl.d/)")
        case nil:
            add("kernel.sched_rt_runtime_us", "not exposed", .advice, nil)
        }
        if probes.ioUringErrno == 0 {
            add("io_uring", "available", .ok)
        } else {
            add("io_uring", "refused (\(SystemError("io_uring_setup", errno: probes.ioUringErrno).reason))", .warning,
                "io_uring socket modes will not start: sysctl -w kernel.io_uring_disabled=0, allow io_uring_setup in the container's seccomp profile, or use busy-poll/epoll")
        }
        if probes.sqPollErrno == 0 {
            add("io_uring SQPOLL", "available", .ok)
        } else {
            add("io_uring SQPOLL", "refused (\(SystemError("io_uring_setup", errno: probes.sqPollErrno).reason))", .advice,
                "io_uring-sqpoll sockets need CAP_SYS_NICE (or a 5.11+ kernel); use io_uring-spin or busy-poll otherwise")
        }

        if let profile { findings += profileFindings(profile, isolated: isolated, online: online) }
        return findings
    }

    /// Whether the cores `profile` spins on are isolated and tickless here.
    func profileFindings(_ profile: TuningProfile, isolated: [Int], online: [Int]) -> [MachineFinding] {
        let list = TuningValueSyntax.formatCPUList
        let wanted = profile.isolatedCores
        let item = "profile '\(profile.name)' cores"
        if wanted.isEmpty {
            return [MachineFinding(item: item, observed: "the profile reserves no cores (nothing spins)", severity: .ok)]
        }
        let notIsolated = wanted.filter { !isolated.contains($0) }
        if notIsolated.isEmpty {
            let nohz = nohzFullCPUs() ?? []
            let ticking = wanted.filter { !nohz.contains($0) }
            return [MachineFinding(item: item, observed: "\(list(wanted)) isolated" + (ticking.isEmpty ? " and tickless" : "; \(list(ticking)) still ticking"),
                                   recommendation: ticking.isEmpty ? nil : "add nohz_full=\(list(wanted)) rcu_nocbs=\(list(wanted)) to the boot line",
                                   severity: ticking.isEmpty ? .ok : .advice)]
        }
        let onMachine = wanted.filter(online.contains)
        let all = onMachine.count == online.count
        return [MachineFinding(
            item: item,
            observed: "spins on \(list(wanted)); kernel isolates \(isolated.isEmpty ? "none" : list(isolated))",
            recommendation: all
                ? "this profile claims every core (a development profile): spinning threads compete with the kernel and other processes; on a colocated box use a profile that leaves cores 0-1 to the system"
                : "boot with isolcpus=managed_irq,domain,\(list(wanted)) nohz_full=\(list(wanted)) rcu_nocbs=\(list(wanted)) so the profile's spinning threads are alone on their cores",
            severity: all ? .advice : .warning)]
    }
}
