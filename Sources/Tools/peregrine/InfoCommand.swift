import ArgumentParser
import PeregrineCore
import PeregrinePlatform

/// `peregrine info`: what the engine sees of this machine, briefly.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print CPU, clock, NUMA and io_uring facts the engine relies on."
    )

    func run() throws {
        print("cpus online:          \(CPU.onlineCount) (allowed to this process: \(CPU.allowedCount))")
        print("invariant TSC:        \(CPU.hasInvariantTSC ? "yes" : "no")")
        if let tsc = TSCClock.calibrate() {
            print("TSC rate:             \(Int(tsc.ticksPerSecond / 1e6)) MHz")
        } else {
            print("TSC rate:             unavailable (latency timing falls back to clock_gettime)")
        }
        print("NUMA:                 \(NUMA.isAvailable ? "available, nodes 0-\(NUMA.maxNode)" : "not available (single node)")")
        let probe = ProcessControls.ioUringProbe()
        print("io_uring:             \(probe == 0 ? "available" : "refused (\(SystemError("io_uring_setup", errno: probe).reason)); epoll fallback")")
        print("memlock limit:        \(ProcessControls.memlockLimitDescription)")
        print("wall clock:           \(Clock.now())")
    }
}
