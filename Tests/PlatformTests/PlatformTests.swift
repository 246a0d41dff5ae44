import Testing
import PeregrineCore
import PeregrinePlatform

@Suite("Platform: CPU, clocks, memory, process controls")
struct PlatformTests {
    @Test("CPU facts are consistent")
    func cpu() {
        #expect(CPU.onlineCount >= 1)
        #expect(CPU.allowedCount >= 1 && CPU.allowedCount <= CPU.onlineCount)
        #expect(CPU.isAllowed(0) || CPU.allowedCount < CPU.onlineCount)
        #expect(!CPU.isAllowed(-1) && !CPU.isAllowed(1 << 20))
        #expect(CPU.current != nil)
    }

    @Test("TSC calibration agrees with CLOCK_MONOTONIC within 2%")
    func tsc() throws {
        guard let clock = TSCClock.calibrate(sampleNanos: 10_000_000) else { return }  // no counter: nothing to check
        let t0 = TSCClock.ticks(), m0 = Clock.monotonicNanos()
        var x = 0
        while Clock.monotonicNanos() - m0 < 20_000_000 { x &+= 1 }
        let t1 = TSCClock.ticksSerialized(), m1 = Clock.monotonicNanos()
        let measured = Double(clock.nanoseconds(ticks: t1 - t0))
        let reference = Double(m1 - m0)
        #expect(abs(measured - reference) / reference < 0.02, "tsc \(measured) ns vs monotonic \(reference) ns")
        #expect(x > 0)
        #expect(TSCClock(ticksPerSecond: 1e9).nanoseconds(ticks: 12_345) == 12_345)
        #expect(TSCClock(ticksPerSecond: 2e9).nanoseconds(ticks: 10_000) == 5_000)
    }

    @Test("wall clock is after 2024 and monotonic clock advances")
    func clocks() {
        #expect(Clock.now() > Timestamp(year: 2024, month: 1, day: 1)!)
        let a = Clock.monotonicNanos()
        let b = Clock.monotonicNanos()
        #expect(b >= a)
    }

    @Test("node-local memory is zeroed, writable, and freed")
    func memory() throws {
        for node in [-1, NUMA.isAvailable ? 0 : -1] {
            let region = try NodeLocalMemory(length: 1 << 20, node: node, hugePages: true)
            #expect(Int(bitPattern: region.base) % 4096 == 0)
            let bytes = region.base.assumingMemoryBound(to: UInt8.self)
            #expect(bytes[0] == 0 && bytes[(1 << 20) - 1] == 0)
            bytes[12345] = 7
            #expect(bytes[12345] == 7)
        }
    }

    @Test("an impossible allocation is a SystemError, not a crash")
    func hugeAllocation() {
        #expect(throws: SystemError.self) { _ = try NodeLocalMemory(length: 1 << 50) }
    }

    @Test("io_uring probe answers 0 or an errno; SystemError explains errnos")
    func probes() {
        let rc = ProcessControls.ioUringProbe()
        #expect(rc >= 0)
        #expect(SystemError("x", errno: 1).description.contains("CAP_SYS_NICE"))
        #expect(SystemError("connect", errno: 111).reason.lowercased().contains("refused"))
        #expect(ProcessControls.memlockLimit > 0)
    }
}
