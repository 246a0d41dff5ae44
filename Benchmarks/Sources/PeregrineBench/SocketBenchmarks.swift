import CBaselines
import PeregrineCore
import PeregrinePlatform
#if canImport(Glibc)
import Glibc
#endif

/// Loopback TCP 64-byte ping-pong (PingPongLatency) through Peregrine's socket layer in
/// each mode, side by side with the same ping-pong in plain C. The echo server runs on a
/// thread pinned to cpu 0, the client on the calling thread pinned to cpu 1; both inherit
/// the suite's scheduling class (run under `chrt -f 1`). At most two threads spin.
func runSocketBenchmarks(quick: Bool, report: inout BenchReport) {
    // Swift and C runs alternate (`rounds` each, samples pooled) so drift on the shared VM
    // hits both sides alike, as RingBenchmarks does.
    let rounds = quick ? 4 : 8
    let tripsPerRound = quick ? 5_000 : 25_000
    let warmup = tripsPerRound / 5
    let serverCPU = 0
    let clientCPU = min(1, CPU.onlineCount - 1)
    do { try CPU.pinCurrentThread(to: clientCPU) } catch { print("# socket bench: \(error)") }

    typealias CBaseline = (UInt64, UInt64, Int32, Int32, UnsafeMutablePointer<UInt64>?) -> Int32
    let cases: [(label: String, mode: SocketMode, baseline: CBaseline?)] = [
        ("busy_poll", .busyPoll, cbaseline_socket_pingpong_busy_poll),
        ("io_uring_spin", .ioUringSpin, cbaseline_socket_pingpong_io_uring_spin),
        ("io_uring_wait", .ioUring, nil),
        ("epoll", .epoll, nil),
        ("blocking", .blocking, cbaseline_socket_pingpong_blocking),
    ]
    for entry in cases {
        let swiftName = "socket.rtt.\(entry.label).swift"
        let cName = "socket.rtt.\(entry.label).c"
        var swiftSamples: [UInt64] = [], cSamples: [UInt64] = []
        var allocations: UInt64 = 0
        var swiftFailed = false, cFailed = false
        for _ in 0..<rounds {
            if !swiftFailed {
                do {
                    let run = try SocketPingPong.run(mode: entry.mode, warmup: warmup, count: tripsPerRound,
                                                     serverCPU: serverCPU)
                    swiftSamples += run.samples
                    allocations &+= run.allocations
                } catch {
                    print("\(swiftName) failed: \(error)")
                    swiftFailed = true
                }
            }
            if let baseline = entry.baseline, !cFailed {
                var samples = [UInt64](repeating: 0, count: tripsPerRound)
                let rc = samples.withUnsafeMutableBufferPointer {
                    baseline(UInt64(warmup), UInt64(tripsPerRound), 64, Int32(serverCPU), $0.baseAddress)
                }
                if rc == 0 { cSamples += samples } else {
                    print("\(cName) failed: \(SystemError("C ping-pong", errno: rc))")
                    cFailed = true
                }
            }
        }
        report.addLatency(name: swiftName, samplesNanos: swiftFailed ? [] : swiftSamples)
        if !swiftFailed {
            report.add(name: "socket.allocations_per_round_trip.\(entry.label).swift",
                       value: Double(allocations) / Double(max(swiftSamples.count, 1)), unit: "allocs")
        }
        guard entry.baseline != nil else { continue }
        report.addLatency(name: cName, samplesNanos: cFailed ? [] : cSamples)
        report.addRatio(name: "socket.rtt.\(entry.label).swift_over_c", numerator: swiftName, denominator: cName)
    }
}

/// One Swift ping-pong run: an echo server thread in `mode` and a client in `mode`.
enum SocketPingPong {
    struct Run { var samples: [UInt64]; var allocations: UInt64 }

    static func run(mode: SocketMode, warmup: Int, count: Int, serverCPU: Int) throws(SystemError) -> Run {
        let listener = try TCPSocket.listen(on: .loopback(port: 0))
        let address = try listener.localAddress()
        let listenerFD = listener.release()
        let serverError = ErrorBox()
        let server = try PinnedThread.start(name: "sock-echo", placement: ThreadPlacement(cpu: serverCPU, policy: RingBenchmarks.policy)) {
            echoServer(mode: mode, listenerFD: listenerFD, error: serverError)
        }
        defer { server.join() }
        let engine = try SocketEngine.make(mode: mode)
        defer { engine.close() }
        if let reason = engine.fallbackReason { print("# \(mode): \(reason)") }
        let connection = try engine.connect(to: address)
        var samples = [UInt64](repeating: 0, count: count)
        let message = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 64)
        defer { message.deallocate() }
        for index in 0..<64 { message[index] = UInt8(index) }
        let payload = UnsafeRawBufferPointer(message)
        var allocationsBefore: UInt64 = 0
        for trip in 0..<(warmup + count) {
            if trip == warmup { allocationsBefore = cbaseline_allocation_count() }
            let start = Clock.monotonicNanos()
            guard connection.send(payload) == .sent(64) else { throw SystemError("ping-pong send (\(mode))", errno: EIO) }
            var received = 0
            while received < 64 {
                let result = connection.receive { received &+= $0.count }
                guard case .received = result else { throw SystemError("ping-pong receive (\(mode)): \(result)", errno: EIO) }
            }
            let end = Clock.monotonicNanos()
            if trip >= warmup { samples[trip - warmup] = end &- start }
        }
        let allocations = cbaseline_allocation_count() &- allocationsBefore
        connection.close()
        server.join()
        if let message = serverError.message { throw SystemError("echo server (\(mode)): \(message)", errno: EIO) }
        return Run(samples: samples, allocations: allocations)
    }

    /// Echoes whatever arrives until the client closes. Runs on the pinned server thread.
    static func echoServer(mode: SocketMode, listenerFD: Int32, error: ErrorBox) {
        let listener = TCPSocket(adopting: listenerFD)
        do {
            let engine = try SocketEngine.make(mode: mode)
            defer { engine.close() }
            let connection = try engine.accept(on: listener, deadlineNanos: Clock.monotonicNanos() + 10_000_000_000)
            let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 64)
            defer { scratch.deallocate() }
            while true {
                var count = 0
                let result = connection.receive { bytes in
                    scratch.copyMemory(from: bytes)
                    count = bytes.count
                }
                if result == .closed { return }
                guard case .received = result else { error.message = "receive: \(result)"; return }
                guard connection.send(UnsafeRawBufferPointer(rebasing: scratch[..<count])) == .sent(count) else {
                    error.message = "send failed"; return
                }
            }
        } catch let failure {
            error.message = "\(failure)"
        }
    }
}

/// Written by the server thread, read after join (the join orders the accesses).
final class ErrorBox: @unchecked Sendable {
    // SAFETY: one writer thread, read only after pthread_join.
    var message: String?
}
