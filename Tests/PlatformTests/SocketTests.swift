import Testing
import PeregrineCore
import PeregrinePlatform
#if canImport(Glibc)
import Glibc
#endif

/// Real loopback sockets in every mode. Serialized so at most two threads spin at once;
/// every wait carries a deadline so a fault fails the test instead of hanging it.
@Suite("Sockets: io_uring, epoll, busy-poll and blocking over loopback", .serialized)
struct SocketTests {
    static let modes: [SocketMode] = [.ioUring, .ioUringSpin, .ioUringSQPoll, .epoll, .busyPoll, .blocking]

    /// Five seconds from now (monotonic).
    static func deadline(_ seconds: UInt64 = 5) -> UInt64 { Clock.monotonicNanos() + seconds * 1_000_000_000 }

    static func engine(_ mode: SocketMode, bufferBytes: Int = 4_096, bufferCount: Int = 64,
                       singleShot: Bool = false) throws -> SocketEngine {
        var configuration = SocketEngineConfiguration()
        configuration.ioUring.bufferBytes = bufferBytes
        configuration.ioUring.bufferCount = bufferCount
        configuration.ioUring.forceSingleShotReceive = singleShot
        return try SocketEngine.make(mode: mode, configuration: configuration)
    }

    /// Receives exactly `count` bytes (reassembling partial reads) into an array.
    static func receiveExactly(_ count: Int, from connection: TCPConnection,
                               deadlineNanos: UInt64 = deadline()) -> (bytes: [UInt8], last: ReceiveResult, pieces: Int) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        var last = ReceiveResult.wouldBlock
        var pieces = 0
        while bytes.count < count {
            last = connection.receive(deadlineNanos: deadlineNanos) { bytes.append(contentsOf: $0) }
            guard case .received = last else { break }
            pieces += 1
        }
        return (bytes, last, pieces)
    }

    static func send(_ bytes: [UInt8], on connection: TCPConnection) -> SendResult {
        bytes.withUnsafeBytes { connection.send($0) }
    }

    @Test("An echo server and client in the same mode exchange 200 64-byte messages", arguments: modes)
    func echo(mode: SocketMode) throws {
        let listener = try TCPSocket.listen(on: .loopback(port: 0))
        let address = try listener.localAddress()
        let listenerFD = listener.release()
        let serverResult = ResultBox()
        let server = try PinnedThread.start(name: "echo-\(mode)", placement: ThreadPlacement()) {
            let listener = TCPSocket(adopting: listenerFD)
            do {
                let engine = try Self.engine(mode)
                defer { engine.close() }
                let connection = try engine.accept(on: listener, deadlineNanos: Self.deadline())
                var scratch = [UInt8](repeating: 0, count: 4_096)
                while true {
                    var count = 0
                    let result = connection.receive(deadlineNanos: Self.deadline()) { bytes in
                        scratch.withUnsafeMutableBytes { $0.copyMemory(from: bytes) }
                        count = bytes.count
                    }
                    if result == .closed { serverResult.set("closed"); return }
                    guard case .received = result else { serverResult.set("server receive: \(result)"); return }
                    let sent = scratch.withUnsafeBytes { connection.send(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
                    guard sent == .sent(count) else { serverResult.set("server send: \(sent)"); return }
                }
            } catch {
                serverResult.set("server: \(error)")
            }
        }
        defer { server.join() }
        let engine = try Self.engine(mode)
        defer { engine.close() }
        #expect(engine.mode == mode && engine.fallbackReason == nil)
        let connection = try engine.connect(to: address)
        for round in 0..<200 {
            let message = (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ round) }
            #expect(Self.send(message, on: connection) == .sent(64))
            let echoed = Self.receiveExactly(64, from: connection)
            guard echoed.bytes == message else {
                Issue.record("round \(round): got \(echoed.bytes.count) bytes, last \(echoed.last)")
                break
            }
        }
        connection.close()
        server.join()
        #expect(serverResult.value == "closed")
    }

    @Test("Multishot receive recycles 8 provided buffers across 2,000 messages in order",
          arguments: [false, true])
    func multishotRecycling(singleShot: Bool) throws {
        var configuration = IoUringConfiguration()
        configuration.bufferCount = 8
        configuration.bufferBytes = 64
        configuration.wait = .spin
        configuration.forceSingleShotReceive = singleShot
        let loop = try IoUringLoop(configuration: configuration)
        defer { loop.close() }
        #expect(loop.receiveStrategy == (singleShot ? .singleShot : .multishotProvidedBuffers),
                "\(loop.receiveFallbackReason ?? "")")
        let listener = try TCPSocket.listen(on: .loopback(port: 0))
        let address = try listener.localAddress()
        let sender = try TCPSocket.connect(to: address)
        try sender.setSendBufferSize(1 << 20)
        let receiver = try loop.register(listener.accept())
        // 2,000 messages of 24 bytes (48,000 bytes) against 8 × 64 bytes of buffers: the
        // multishot runs out of buffers (ENOBUFS), is re-armed, and every buffer is reused.
        let messageCount = 2_000, messageBytes = 24
        var expected = [UInt8](repeating: 0, count: messageCount * messageBytes)
        for index in expected.indices { expected[index] = UInt8(truncatingIfNeeded: index / messageBytes &+ index % 7) }
        var received: [UInt8] = []
        received.reserveCapacity(expected.count)
        var pieces = 0
        var sent = 0
        let deadline = Self.deadline()
        while received.count < expected.count {
            if sent < messageCount {  // interleave sending in bursts of 100 messages
                let burst = min(100, messageCount - sent)
                let count = expected.withUnsafeBytes {
                    Glibc.send(sender.descriptor, $0.baseAddress! + sent * messageBytes, burst * messageBytes, 0)
                }
                #expect(count == burst * messageBytes)
                sent += burst
            }
            let result = loop.receive(connection: receiver, deadlineNanos: deadline) { bytes in
                #expect(bytes.count <= 64)
                received.append(contentsOf: bytes)
            }
            guard case .received = result else { Issue.record("receive: \(result)"); break }
            pieces += 1
        }
        #expect(received == expected)
        #expect(pieces >= expected.count / 64)
        if !singleShot { #expect(loop.bufferExhaustionCount > 0, "the test should run the buffer ring dry") }
    }

    @Test("One io_uring loop keeps another connection's data, in order, while serving the first",
          arguments: [IoUringWait.kernel, .spin])
    func twoConnectionsOneRing(wait: IoUringWait) throws {
        var configuration = IoUringConfiguration()
        configuration.wait = wait
        configuration.bufferBytes = 16
        let loop = try IoUringLoop(configuration: configuration)
        defer { loop.close() }
        let listener = try TCPSocket.listen(on: .loopback(port: 0))
        let address = try listener.localAddress()
        let first = try loop.connect(to: address)
        let firstPeer = try listener.accept()
        let second = try loop.connect(to: address)
        let secondPeer = try listener.accept()
        let secondMessage = (0..<100).map { UInt8($0) }
        #expect(Glibc.send(secondPeer.descriptor, secondMessage, 100, 0) == 100)
        #expect(Glibc.send(firstPeer.descriptor, "ping", 4, 0) == 4)
        var got: [UInt8] = []
        let deadline = Self.deadline()
        while got.count < 4 {
            guard case .received = loop.receive(connection: first, deadlineNanos: deadline, { got += $0 }) else { break }
        }
        #expect(got == Array("ping".utf8))
        // A send on the first connection while the second's completions are still queued.
        #expect("pong".utf8.withContiguousStorageIfAvailable { loop.send(connection: first, UnsafeRawBufferPointer($0)) } == .sent(4))
        var echoed = [UInt8](repeating: 0, count: 4)
        #expect(Glibc.recv(firstPeer.descriptor, &echoed, 4, Int32(MSG_WAITALL)) == 4)
        #expect(echoed == Array("pong".utf8))
        got = []
        while got.count < 100 {
            guard case .received = loop.receive(connection: second, deadlineNanos: deadline, { got += $0 }) else { break }
        }
        #expect(got == secondMessage)
    }

    @Test("A 1,000-byte message arrives in pieces through 64-byte buffers and is reassembled", arguments: modes)
    func partialReads(mode: SocketMode) throws {
        let listener = try TCPSocket.listen(on: .loopback(port: 0))
        let address = try listener.localAddress()
        let client = try Self.engine(mode, bufferBytes: 64)
        defer { client.close() }
        let server = try Self.engine(mode, bufferBytes: 64)
        defer { server.close() }
        let outgoing = try client.connect(to: address)
        let incoming = try server.accept(on: listener, deadlineNanos: Self.deadline())
        let message = (0..<1_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 5) }
        #expect(Self.send(message, on: outgoing) == .sent(1_000))
        let got = Self.receiveExactly(1_000, from: incoming)
        #expect(got.bytes == message)
        #expect(got.pieces >= 16, "a 64-byte buffer cannot hold more than 64 bytes per receive")
    }

    @Test("A peer's close is reported as .closed, promptly and repeatedly", arguments: modes)
    func peerClose(mode: SocketMode) throws {
        let listener = try TCPSocket.listen(on: .loopback(port: 0))
        let address = try listener.localAddress()
        let engine = try Self.engine(mode)
        defer { engine.close() }
        let connection = try engine.connect(to: address)
        let peer = try listener.accept()
        #expect(Glibc.send(peer.descriptor, "bye", 3, 0) == 3)
        peer.close()
        let start = Clock.monotonicNanos()
        let got = Self.receiveExactly(3, from: connection)
        #expect(got.bytes == Array("bye".utf8))
        #expect(connection.receive(deadlineNanos: Self.deadline()) { _ in } == .closed)
        #expect(connection.receive(deadlineNanos: Self.deadline()) { _ in } == .closed)
        #expect(Clock.monotonicNanos() - start < 2_000_000_000)
    }

    @Test("Nothing to read yields .wouldBlock at the deadline", arguments: modes)
    func deadlineWithoutData(mode: SocketMode) throws {
        let listener = try TCPSocket.listen(on: .loopback(port: 0))
        let address = try listener.localAddress()
        let engine = try Self.engine(mode)
        defer { engine.close() }
        let connection = try engine.connect(to: address)
        let peer = try listener.accept()
        let start = Clock.monotonicNanos()
        #expect(connection.receive(deadlineNanos: start + 50_000_000) { _ in } == .wouldBlock)
        #expect(connection.tryReceive { _ in } == .wouldBlock)
        #expect(Clock.monotonicNanos() - start < 2_000_000_000)
        peer.close()
    }

    @Test("Connecting to a closed port throws ECONNREFUSED naming the address", arguments: modes)
    func connectRefused(mode: SocketMode) throws {
        let listener = try TCPSocket.listen(on: .loopback(port: 0))
        let address = try listener.localAddress()
        listener.close()
        let engine = try Self.engine(mode)
        defer { engine.close() }
        do {
            _ = try engine.connect(to: address)
            Issue.record("connect to closed port \(address) succeeded")
        } catch {
            #expect(error.errno == ECONNREFUSED)
            #expect(error.operation.contains("connect \(address)"), "\(error)")
        }
    }

    @Test("A kernel refusing io_uring selects epoll and says why; epoll still echoes")
    func forcedFallback() throws {
        var configuration = SocketEngineConfiguration()
        configuration.simulatedIoUringRefusal = ENOSYS
        let engine = try SocketEngine.make(mode: .ioUringSpin, configuration: configuration)
        defer { engine.close() }
        #expect(engine.requestedMode == .ioUringSpin)
        #expect(engine.mode == .epoll)
        let reason = try #require(engine.fallbackReason)
        #expect(reason.contains("io_uring") && reason.contains("epoll") && reason.contains("errno \(ENOSYS)"), "\(reason)")
        let listener = try TCPSocket.listen(on: .loopback(port: 0))
        let address = try listener.localAddress()
        let connection = try engine.connect(to: address)
        let peer = try listener.accept()
        #expect(Self.send([1, 2, 3], on: connection) == .sent(3))
        var echoed = [UInt8](repeating: 0, count: 3)
        #expect(Glibc.recv(peer.descriptor, &echoed, 3, Int32(MSG_WAITALL)) == 3)
        #expect(Glibc.send(peer.descriptor, echoed, 3, 0) == 3)
        #expect(Self.receiveExactly(3, from: connection).bytes == [1, 2, 3])
        let plain = try SocketEngine.make(mode: .ioUring)
        defer { plain.close() }
        #expect(plain.mode == .ioUring && plain.fallbackReason == nil)
    }

    @Test("Malformed addresses are rejected with EINVAL and a message naming the text")
    func badAddresses() throws {
        #expect(try SocketAddress(parsing: "127.0.0.1:9000") == .loopback(port: 9000))
        #expect(try SocketAddress(parsing: "10.1.2.3:0").description == "10.1.2.3:0")
        for text in ["", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:http", "localhost:80",
                     "256.0.0.1:80", "1.2.3:80", "1.2.3.4.5:80", "1..3.4:80", ":80", "1.2.3.4:-1"] {
            do {
                _ = try SocketAddress(parsing: text)
                Issue.record("\"\(text)\" parsed")
            } catch {
                #expect(error.errno == EINVAL)
                #expect(error.operation.contains("\"\(text)\"") && error.operation.contains("expected IPv4 host:port"),
                        "\(error)")
            }
        }
    }

    @Test("Sending to a peer that has gone reports .closed, not a crash")
    func sendAfterPeerClose() throws {
        for mode in [SocketMode.ioUring, .epoll, .busyPoll] {
            let listener = try TCPSocket.listen(on: .loopback(port: 0))
        let address = try listener.localAddress()
            let engine = try Self.engine(mode)
            defer { engine.close() }
            let connection = try engine.connect(to: address)
            try listener.accept().close()
            var result = SendResult.sent(0)
            let payload = [UInt8](repeating: 9, count: 1_024)
            for _ in 0..<100 {
                result = Self.send(payload, on: connection)
                if result != .sent(1_024) { break }
            }
            #expect(result == .closed, "mode \(mode)")
        }
    }
}

/// A string written by a server thread and read after `join` (the join orders the accesses).
final class ResultBox: @unchecked Sendable {
    // SAFETY: written by one thread before it ends; read by the joiner after join.
    private(set) var value = ""
    func set(_ text: String) { value = text }
}
