import PeregrinePlatform
import Synchronization

/// One frame a fake TWS received: the connection it came on (1, 2, …), when (monotonic ns),
/// and its fields.
public struct TWSReceivedFrame: Sendable {
    public var connection: Int
    public var nanos: UInt64
    public var fields: [String]
}

/// The server side of the TWS API for tests: answers the greeting with a server version and a
/// connection time, answers startApi with managedAccounts, nextValidId and farm notices (as TWS
/// does), and records every client frame. With `orders` set it also answers order requests
/// from a `FakeTWSOrderBook`; anything else is scripted by the test through
/// `FakeTWSServer.send`.
public struct TWSSpeaker: PeerSpeaker {
    public struct Log: PeerLog {
        public init() {}
        /// Greeting version strings ("v100..157") and whole greeting bytes, per connection.
        public var greetings: [String] = []
        public var greetingBytes: [[UInt8]] = []
        public var frames: [TWSReceivedFrame] = []
    }

    public init() {}

    public var serverVersion = 157
    public var accounts = "DU123456"
    public var nextValidId: Int64 = 1
    public var connectionTime = "20261125 23:15:15 UTC"
    /// Never answer the greeting (a port that accepts but is not TWS).
    public var silent = false
    /// Answer the greeting with these bytes instead (another service on the port).
    public var foreignReply: [UInt8]? = nil
    /// Sent after managedAccounts and nextValidId (TWS sends farm notices there).
    public var startupNotices: [[String]] = [["4", "2", "-1", "2104", "Market data farm connection is OK:usfarm"]]

    /// Answers placeOrder, cancelOrder, reqOpenOrders and reqExecutions from this book (shared
    /// with the test) when set; otherwise those frames are only recorded.
    public var orders: FakeTWSOrderBook? = nil

    public var buffer: [UInt8] = []
    public var greeted = false
    public var connection = 0
    public var pending = Log()

    public mutating func connected() {
        connection += 1
        buffer.removeAll()
        greeted = false
    }

    public mutating func disconnected() {}

    public mutating func received(_ bytes: UnsafeRawBufferPointer, at nanos: UInt64) -> [[UInt8]] {
        buffer += bytes
        var replies: [[UInt8]] = []
        while true {
            if !greeted {
                guard buffer.count >= 8 else { break }
                precondition(Array(buffer[0..<4]) == [0x41, 0x50, 0x49, 0x00], "client did not start with API\\0")
                let length = Self.length(buffer, at: 4)
                guard buffer.count >= 8 + length else { break }
                let text = String(decoding: buffer[8..<(8 + length)], as: UTF8.self)
                pending.greetings.append(text)
                pending.greetingBytes.append(Array(buffer[0..<(8 + length)]))
                buffer.removeFirst(8 + length)
                greeted = true
                if silent { continue }
                if let foreignReply { replies.append(foreignReply); continue }
                let clientMaximum = text.split(separator: " ").first.flatMap { $0.split(separator: ".").last }.flatMap { Int($0) } ?? 0
                replies.append(Self.frame([String(min(serverVersion, clientMaximum)), connectionTime]))
                continue
            }
            guard buffer.count >= 4 else { break }
            let length = Self.length(buffer, at: 0)
            guard buffer.count >= 4 + length else { break }
            let fields = Self.fields(Array(buffer[4..<(4 + length)]))
            buffer.removeFirst(4 + length)
            pending.frames.append(TWSReceivedFrame(connection: connection, nanos: nanos, fields: fields))
            if fields.first == "71" {
                if fields.count > 2, let id = Int64(fields[2]) { orders?.clientId = id }
                replies.append(Self.frame(["15", "1", accounts]))
                replies.append(Self.frame(["9", "1", String(orders?.nextValidId ?? nextValidId)]))
                for notice in startupNotices { replies.append(Self.frame(notice)) }
            } else if let orders {
                replies += orders.answer(fields).map(Self.frame)
            }
        }
        return replies
    }

    public mutating func flushLog(into log: inout Log) {
        log.greetings += pending.greetings
        log.greetingBytes += pending.greetingBytes
        log.frames += pending.frames
        pending = Log()
    }

    public static func length(_ bytes: [UInt8], at i: Int) -> Int {
        Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
    }

    /// The NUL-terminated fields of a payload (the trailing empty element dropped).
    public static func fields(_ payload: [UInt8]) -> [String] {
        var parts = payload.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        if parts.last == "" { parts.removeLast() }
        return parts
    }

    /// A frame: 4-byte big-endian length, each field NUL-terminated.
    public static func frame(_ fields: [String]) -> [UInt8] {
        var payload: [UInt8] = []
        for f in fields { payload += Array(f.utf8); payload.append(0) }
        return lengthPrefix(payload.count) + payload
    }

    public static func lengthPrefix(_ n: Int) -> [UInt8] {
        [UInt8(truncatingIfNeeded: n >> 24), UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)]
    }
}

public typealias FakeTWSServer = LoopbackPeer<TWSSpeaker>

extension LoopbackPeer where Speaker == TWSSpeaker {
    /// Sends one frame (optionally in `chunk`-byte pieces, each its own `send`).
    public func send(_ fields: [String], chunk: Int = .max) { post(.send(TWSSpeaker.frame(fields), chunk: chunk)) }
    /// Sends raw bytes.
    public func sendRaw(_ bytes: [UInt8], chunk: Int = .max) { post(.send(bytes, chunk: chunk)) }
    /// Sends `error` (4, version 2).
    public func sendError(id: Int64, code: Int, _ text: String) { send(["4", "2", String(id), String(code), text]) }

    /// Client frames received so far.
    public var frames: [TWSReceivedFrame] { read { $0.log.frames } }
    /// Client frames whose message id is `id`.
    public func frames(id: String, connection: Int? = nil) -> [TWSReceivedFrame] {
        frames.filter { $0.fields.first == id && (connection == nil || $0.connection == connection) }
    }
    public var greetings: [String] { read { $0.log.greetings } }
    public var greetingBytes: [[UInt8]] { read { $0.log.greetingBytes } }
    public var connections: Int { read { $0.connections } }
}
