import Synchronization
import PeregrineCore
import PeregrinePlatform
#if canImport(Glibc)
import Glibc
#endif

/// A scripted fake server (tests of the feed sessions and of the engine) on a real loopback socket, run on its own thread: accepts one
/// connection at a time, feeds received bytes to a protocol `Speaker` (which records what the
/// client sent and may answer), and executes commands posted by the test (send bytes, drop the
/// connection). Everything the test reads goes through one mutex.
public final class LoopbackPeer<Speaker: PeerSpeaker>: @unchecked Sendable {
    // SAFETY: `speaker` and the socket objects are touched only by the peer thread; the test
    // thread talks to it through `shared` (a Mutex) and reads the port (immutable).
    public struct Shared: Sendable {
        public var commands: [PeerCommand] = []
        public var log = Speaker.Log()
        public var connections = 0
        public var connectTimes: [UInt64] = []
        public var dropTimes: [UInt64] = []
        public var accepting = true
    }

    public let port: UInt16
    public let shared = Mutex(Shared())
    public let stopping = Atomic<Bool>(false)
    public var speaker: Speaker
    public var thread: PinnedThread? = nil

    public init(speaker: Speaker) throws {
        let listener = try TCPSocket.listen(on: .loopback(port: 0))
        port = try listener.localAddress().port
        self.speaker = speaker
        let fd = listener.release()
        thread = try PinnedThread.start(name: "fake-peer", placement: ThreadPlacement()) { [self] in
            run(listener: TCPSocket(adopting: fd))
        }
    }

    public var address: SocketAddress { .loopback(port: port) }

    public func stop() {
        stopping.store(true, ordering: .releasing)
        thread?.join()
        thread = nil
    }

    deinit { stop() }

    /// Queues a command for the peer thread.
    public func post(_ command: PeerCommand) { shared.withLock { $0.commands.append(command) } }

    /// Reads the shared state.
    public func read<T>(_ body: (Shared) -> T) -> T { shared.withLock { body($0) } }

    /// Stops or resumes accepting new connections (pending ones wait in the backlog).
    public func setAccepting(_ on: Bool) { shared.withLock { $0.accepting = on } }

    public func run(listener: consuming TCPSocket) {
        guard let engine = try? SocketEngine.make(mode: .blocking) else { return }
        var connection: TCPConnection? = nil
        while !stopping.load(ordering: .acquiring) {
            guard let open = connection else {
                if !shared.withLock({ $0.accepting }) { usleep(1_000); continue }
                if let accepted = try? engine.accept(on: listener, deadlineNanos: Clock.monotonicNanos() + 5_000_000) {
                    connection = accepted
                    speaker.connected()
                    shared.withLock {
                        $0.connections += 1
                        $0.connectTimes.append(Clock.monotonicNanos())
                        speaker.flushLog(into: &$0.log)
                    }
                }
                continue
            }
            var drop = false
            let commands = shared.withLock { s -> [PeerCommand] in
                defer { s.commands.removeAll() }
                return s.commands
            }
            for command in commands {
                switch command {
                case .send(let bytes, let chunk):
                    var offset = 0
                    while offset < bytes.count {
                        let end = min(bytes.count, offset + max(1, chunk))
                        bytes[offset..<end].withUnsafeBytes { _ = open.send($0) }
                        offset = end
                    }
                case .drop:
                    drop = true
                }
            }
            if !drop {
                let result = open.receive(deadlineNanos: Clock.monotonicNanos() + 1_000_000) { bytes in
                    let replies = speaker.received(bytes, at: Clock.monotonicNanos())
                    for reply in replies { reply.withUnsafeBytes { _ = open.send($0) } }
                }
                if result == .closed { drop = true }
                if case .failed = result { drop = true }
                shared.withLock { speaker.flushLog(into: &$0.log) }
            }
            if drop {
                open.close()
                connection = nil
                speaker.disconnected()
                shared.withLock { $0.dropTimes.append(Clock.monotonicNanos()) }
            }
        }
        connection?.close()
        engine.close()
        listener.close()
    }
}

/// What the test can ask a peer to do.
public enum PeerCommand: Sendable {
    /// Send bytes, in chunks of `chunk` bytes (each its own `send`).
    case send([UInt8], chunk: Int)
    /// Close the connection.
    case drop
}

/// The protocol half of a fake peer (runs on the peer thread).
public protocol PeerSpeaker: Sendable {
    associatedtype Log: PeerLog
    /// A new connection.
    mutating func connected()
    /// The connection ended.
    mutating func disconnected()
    /// Bytes from the client; returns replies to send at once.
    mutating func received(_ bytes: UnsafeRawBufferPointer, at nanos: UInt64) -> [[UInt8]]
    /// Moves what was recorded since the last call into the shared log.
    mutating func flushLog(into log: inout Log)
}

/// What a speaker records for the test.
public protocol PeerLog: Sendable {
    init()
}
