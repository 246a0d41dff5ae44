import Testing
#if canImport(Glibc)
import Glibc
#endif
import PeregrineRuntime

/// A fake /proc and /sys tree in a temporary directory, removed by `remove()`.
struct FakeSystemRoot {
    let path: String

    init() {
        var template = Array("/tmp/peregrine-machinecheck-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Writes `text` at `relative` (e.g. "/proc/swaps"), creating directories.
    func write(_ relative: String, _ text: String) {
        var directory = path
        for part in relative.split(separator: "/").dropLast() {
            directory += "/" + part
            mkdir(directory, 0o755)
        }
        guard let file = fopen(path + relative, "w") else { preconditionFailure("cannot write \(relative)") }
        _ = fputs(text, file)
        fclose(file)
    }

    func remove() { Self.removeTree(path) }

    static func removeTree(_ path: String) {
        if let directory = opendir(path) {
            var names: [String] = []
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(directory)
            for name in names { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// A colocated 8-core box set up as tuning/README.md says.
    static func tunedBox() -> FakeSystemRoot {
        let root = FakeSystemRoot()
        root.write("/sys/devices/system/cpu/online", "0-7\n")
        root.write("/sys/devices/system/cpu/isolated", "2-7\n")
        root.write("/sys/devices/system/cpu/nohz_full", "2-7\n")
        for cpu in 0..<8 { root.write("/sys/devices/system/cpu/cpu\(cpu)/cpufreq/scaling_governor", "performance\n") }
        root.write("/proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/sda1 isolcpus=managed_irq,domain,2-7 nohz_full=2-7 rcu_nocbs=2-7 irqaffinity=0-1 skew_tick=1 tsc=reliable nosoftlockup intel_idle.max_cstate=0 processor.max_cstate=1\n")
        root.write("/sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n")
        root.write("/proc/swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n")
        root.write("/proc/1/comm", "systemd\n")
        root.write("/proc/812/comm", "sshd\n")
        root.write("/sys/devices/system/clocksource/clocksource0/current_clocksource", "tsc\n")
        root.write("/sys/devices/system/clocksource/clocksource0/available_clocksource", "tsc hpet acpi_pm \n")
        root.write("/sys/devices/system/node/online", "0\n")
        root.write("/proc/sys/kernel/sched_rt_runtime_us", "-1\n")
        return root
    }
}

let quietMachineProbes = MachineCheck.Probes(ioUringErrno: 0, sqPollErrno: 0, memlockLimit: .max, hasInvariantTSC: true, isRoot: false)

func machineFinding(_ item: String, in findings: [MachineFinding]) -> MachineFinding? {
    findings.first { $0.item == item }
}

@Suite("Machine check")
struct MachineCheckTests {
    @Test("a tuned colocated box gives only ok findings, also against colo-8core")
    func tunedBox() throws {
        let root = FakeSystemRoot.tunedBox()
        defer { root.remove() }
        let check = MachineCheck(root: root.path, probes: quietMachineProbes)
        #expect(check.isolatedCPUs() == Array(2...7))
        #expect(check.nohzFullCPUs() == Array(2...7))
        let profile = try TuningProfile.load(path: tuningPackageRoot + "/tuning/colo-8core.conf")
        let findings = check.findings(for: profile)
        let notOK = findings.filter { $0.severity != .ok }
        #expect(notOK.isEmpty, "\(notOK)")
        #expect(machineFinding("profile 'colo-8core' cores", in: findings)?.observed == "2-7 isolated and tickless")
        #expect(machineFinding("cpufreq governor", in: findings)?.observed == "performance on 0-7")
    }

    @Test("an untuned box: no isolation, powersave, THP always, swap, irqbalance, kvm-clock, RT throttling")
    func untunedBox() throws {
        let root = FakeSystemRoot()
        defer { root.remove() }
        root.write("/sys/devices/system/cpu/online", "0-7\n")
        root.write("/sys/devices/system/cpu/isolated", "\n")
        root.write("/sys/devices/system/cpu/nohz_full", "(null)\n")
        for cpu in 0..<8 { root.write("/sys/devices/system/cpu/cpu\(cpu)/cpufreq/scaling_governor", cpu < 2 ? "performance\n" : "powersave\n") }
        root.write("/proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/sda1 quiet\n")
        root.write("/sys/kernel/mm/transparent_hugepage/enabled", "[always] madvise never\n")
        root.write("/proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n/swapfile                               file\t\t2097148\t\t0\t\t-2\n")
        root.write("/proc/1/comm", "systemd\n")
        root.write("/proc/640/comm", "irqbalance\n")
        root.write("/sys/devices/system/clocksource/clocksource0/current_clocksource", "kvm-clock\n")
        root.write("/sys/devices/system/clocksource/clocksource0/available_clocksource", "kvm-clock tsc acpi_pm\n")
        root.write("/sys/devices/system/node/online", "0-1\n")
        root.write("/proc/sys/kernel/sched_rt_runtime_us", "950000\n")
        let probes = MachineCheck.Probes(ioUringErrno: EPERM, sqPollErrno: EPERM, memlockLimit: 8 << 20, hasInvariantTSC: false, isRoot: false)
        let profile = try TuningProfile.load(path: tuningPackageRoot + "/tuning/colo-8core.conf")
        let findings = MachineCheck(root: root.path, probes: probes).findings(for: profile)

        let isolated = try #require(machineFinding("isolated cores (isolcpus)", in: findings))
        #expect(isolated.severity == .warning && isolated.observed == "none")
        #expect(isolated.recommendation?.contains("isolcpus=managed_irq,domain,2-7 nohz_full=2-7 rcu_nocbs=2-7 irqaffinity=0-1") == true)
        #expect(machineFinding("tickless cores (nohz_full)", in: findings)?.severity == .warning)
        let governor = try #require(machineFinding("cpufreq governor", in: findings))
        #expect(governor.severity == .warning)
        #expect(governor.observed == "performance on 0-1; powersave on 2-7")
        #expect(governor.recommendation?.contains("cpus 2-7") == true)
        #expect(machineFinding("transparent huge pages", in: findings)?.severity == .advice)
        #expect(machineFinding("transparent huge pages", in: findings)?.observed == "always")
        let swap = try #require(machineFinding("swap", in: findings))
        #expect(swap.severity == .warning && swap.observed == "on (/swapfile)")
        #expect(machineFinding("irqbalance", in: findings)?.severity == .warning)
        #expect(machineFinding("clocksource", in: findings)?.severity == .warning)
        #expect(machineFinding("clocksource", in: findings)?.recommendation?.contains("echo tsc >") == true)
        #expect(machineFinding("invariant TSC", in: findings)?.severity == .warning)
        #expect(machineFinding("io_uring", in: findings)?.severity == .warning)
        #expect(machineFinding("memlock limit", in: findings)?.severity == .warning)   // the profile locks memory
        #expect(machineFinding("NUMA nodes", in: findings)?.severity == .advice)
        #expect(machineFinding("kernel.sched_rt_runtime_us", in: findings)?.severity == .advice) // spinners not isolated yet
        #expect(machineFinding("other latency boot parameters", in: findings)?.severity == .advice)
        let cores = try #require(machineFinding("profile 'colo-8core' cores", in: findings))
        #expect(cores.severity == .warning)
        #expect(cores.observed == "spins on 2-7; kernel isolates none")
    }

    @Test("a VM without cpufreq or nohz_full says so; isolcpus is read from the command line")
    func virtualMachine() {
        let root = FakeSystemRoot()
        defer { root.remove() }
        root.write("/sys/devices/system/cpu/online", "0-1\n")
        root.write("/proc/cmdline", "console=ttyS0 isolcpus=domain,managed_irq,1 -- --init-flag isolcpus=0\n")
        root.write("/proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n")
        let check = MachineCheck(root: root.path, probes: quietMachineProbes)
        #expect(check.isolatedCPUs() == [1])
        #expect(check.nohzFullCPUs() == nil)
        let findings = check.findings()
        #expect(machineFinding("cpufreq governor", in: findings)?.observed == "not exposed (VM?)")
        #expect(machineFinding("cpufreq governor", in: findings)?.severity == .advice)
        #expect(machineFinding("tickless cores (nohz_full)", in: findings)?.observed.hasPrefix("not supported") == true)
        #expect(machineFinding("isolated cores (isolcpus)", in: findings)?.severity == .ok)
        #expect(machineFinding("cpus online", in: findings)?.severity == .advice)
        #expect(machineFinding("swap", in: findings)?.severity == .ok)
        #expect(machineFinding("irqbalance", in: findings)?.severity == .ok)
    }

    @Test("a profile whose cores are isolated but still ticking gets advice")
    func isolatedButTicking() throws {
        let root = FakeSystemRoot.tunedBox()
        defer { root.remove() }
        root.write("/sys/devices/system/cpu/nohz_full", "2-5\n")
        let profile = try TuningProfile.load(path: tuningPackageRoot + "/tuning/colo-8core.conf")
        let findings = MachineCheck(root: root.path, probes: quietMachineProbes).findings(for: profile)
        #expect(machineFinding("tickless cores (nohz_full)", in: findings)?.severity == .advice)
        let cores = try #require(machineFinding("profile 'colo-8core' cores", in: findings))
        #expect(cores.severity == .advice && cores.observed == "2-7 isolated; 6-7 still ticking")
    }

    @Test("the real machine can be read without crashing")
    func realMachine() {
        let findings = MachineCheck().findings()
        #expect(findings.count >= 15)
        #expect(findings.allSatisfy { !$0.item.isEmpty && !$0.observed.isEmpty })
        #expect(findings.allSatisfy { $0.severity == .ok || $0.recommendation != nil || $0.item == "kernel.sched_rt_runtime_us" })
    }
}
