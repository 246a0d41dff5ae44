import PeregrineCore
import PeregrineFIX
import PeregrineFIXTransport
import PeregrinePlatform
#if canImport(Glibc)
import Glibc
#endif

/// Plays conformance scripts against an in-process acceptor on a loopback port, one script
/// at a time, each under a hard deadline.
enum ConformanceRunner {
    /// The package root, from this file's path.
    static let packageRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)   // Tests/FIXSessionTests/ConformanceRunner.swift
        return parts.joined(separator: "/")
    }()
    static let suiteDirectory = packageRoot + "/../shared/conformance/fix-session"
    static let dictionaryDirectory = packageRoot + "/../shared/fix-dictionaries"

    static let fix44: FIXDictionary = try! FIXDictionary.load(path: dictionaryDirectory + "/FIX44.xml")
    static let fix42: FIXDictionary = try! FIXDictionary.load(path: dictionaryDirectory + "/FIX42.xml")

    /// fields.fmt: tag → regular expression its value must contain a match of.
    static let fieldPatterns: [String: String] = {
        var result: [String: String] = [:]
        for line in readText(suiteDirectory + "/fields.fmt").split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            result[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return result
    }()

    static func readText(_ path: String) -> String {
        guard let file = try? MappedFile.openReadOnly(path: path) else { return "" }
        defer { file.close() }
        return String(decoding: UnsafeRawBufferPointer(start: file.base, count: file.length), as: UTF8.self)
    }

    /// Names of the `.def` files of a suite folder, sorted.
    static func scriptNames(_ folder: String = "fix44") -> [String] {
        let directory = suiteDirectory + "/" + folder
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasSuffix(".def") { names.append(name) }
        }
        return names.sorted()
    }

    /// An acceptor session as the suite describes it.
    static func acceptorSession(version: FIXVersion = .fix44, dictionary: FIXDictionary? = nil,
                                store: any FIXMessageStore = FIXMemoryStore()) -> FIXSession {
        var configuration = FIXSessionConfiguration(version: version, senderCompID: "ISLD", targetCompID: "TW44",
                                                    role: .acceptor)
        configuration.resetOnLogon = true
        return FIXSession(configuration: configuration, dictionary: dictionary ?? (version == .fix42 ? fix42 : fix44),
                          store: store, application: FIXConformanceApplication())
    }

    struct Outcome {
        let name: String
        let passed: Bool
        let detail: String
        let seconds: Double
    }

    /// Runs one script against a fresh acceptor; never takes longer than its deadline
    /// (plus about one receive tick).
    static func run(scriptNamed name: String, folder: String = "fix44", version: FIXVersion = .fix44) -> Outcome {
        runInline(name: name, version: version, script: readText(suiteDirectory + "/" + folder + "/" + name))
    }

    /// Runs a script given as text.
    static func runInline(name: String, version: FIXVersion = .fix44, script text: String) -> Outcome {
        let started = Clock.monotonicNanos()
        let script = ConformanceScript(name: name, text: text)
        let heartBtInt = script.smallestHeartBtInt ?? 30
        let budgetSeconds = heartBtInt <= 10 ? max(15, 6 * heartBtInt + 10) : 15
        let deadline = started + UInt64(budgetSeconds) * 1_000_000_000
        let acceptor = FIXAcceptor(sessions: [acceptorSession(version: version)], address: .loopback(port: 0))
        do { try acceptor.start() } catch {
            return Outcome(name: name, passed: false, detail: "acceptor did not start: \(error)", seconds: 0)
        }
        defer { acceptor.stop() }
        let address = SocketAddress.loopback(port: acceptor.port)
        var player = Player(address: address, deadline: deadline)
        player.probe()
        var detail = ""
        var passed = true
        for (line, step) in script.steps {
            if let failure = player.perform(step) {
                passed = false
                detail = "line \(line): \(failure)"
                break
            }
        }
        player.closeAll()
        let seconds = Double(Clock.monotonicNanos() - started) / 1e9
        if !passed, !acceptor.log.isEmpty { detail += " | acceptor: " + acceptor.log.suffix(3).joined(separator: "; ") }
        return Outcome(name: name, passed: passed, detail: detail, seconds: seconds)
    }

    /// The script's side: connections, sends, reads.
    struct Player {
        let address: SocketAddress
        let deadline: UInt64
        var connections: [Int: (engine: SocketEngine, connection: TCPConnection, buffer: [UInt8])] = [:]

        init(address: SocketAddress, deadline: UInt64) {
            self.address = address
            self.deadline = deadline
        }

        /// Connect and close once, as the suite's runner may do.
        func probe() {
            if let engine = try? SocketEngine.make(mode: .blocking), let c = try? engine.connect(to: address) {
                c.close()
                engine.close()
            }
        }

        mutating func closeAll() {
            for (_, c) in connections { c.connection.close(); c.engine.close() }
            connections.removeAll()
        }

        /// Performs a step; returns a failure text or nil.
        mutating func perform(_ step: ConformanceStep) -> String? {
            if Clock.monotonicNanos() > deadline { return "script deadline passed" }
            switch step {
            case .connect(let n):
                do {
                    let engine = try SocketEngine.make(mode: .blocking)
                    let connection = try engine.connect(to: address)
                    connections[n] = (engine, connection, [])
                } catch { return "connect failed: \(error)" }
            case .disconnect(let n):
                if let c = connections.removeValue(forKey: n) { c.connection.close(); c.engine.close() }
            case .send(let n, let template):
                guard let c = connections[n] else { return "send on connection \(n) which is not open" }
                let bytes = ConformanceScript.prepare(template, now: Clock.now())
                let result = bytes.withUnsafeBytes { c.connection.send($0) }
                if case .sent = result {} else { return "send failed: \(result)" }
            case .expect(let n, let template):
                let expected = ConformanceScript.prepare(template, now: Clock.now())
                guard let actual = read(n, until: min(deadline, Clock.monotonicNanos() + 12_000_000_000)) else {
                    return "expected \(show(expected)) but nothing arrived"
                }
                if let mismatch = ConformanceRunner.compare(expected: expected, actual: actual) {
                    return "\(mismatch): expected \(show(expected)) got \(show(actual))"
                }
            case .expectDisconnect(let n):
                guard connections[n] != nil else { return "connection \(n) not open" }
                let limit = min(deadline, Clock.monotonicNanos() + 10_000_000_000)
                while Clock.monotonicNanos() < limit {
                    var received: [UInt8] = []
                    let result = connections[n]!.connection.receive(deadlineNanos: min(limit, Clock.monotonicNanos() + 100_000_000)) {
                        received.append(contentsOf: $0)
                    }
                    connections[n]!.buffer += received
                    switch result {
                    case .closed, .failed:
                        let pending = connections[n]!.buffer
                        if let c = connections.removeValue(forKey: n) { c.connection.close(); c.engine.close() }
                        return pending.isEmpty ? nil : "acceptor sent \(show(pending)) before disconnecting"
                    default: continue
                    }
                }
                return "acceptor did not disconnect within 10 s" + (connections[n]!.buffer.isEmpty ? "" : " (sent \(show(connections[n]!.buffer)))")
            }
            return nil
        }

        /// Reads exactly one message from connection `n`.
        mutating func read(_ n: Int, until limit: UInt64) -> [UInt8]? {
            guard connections[n] != nil else { return nil }
            while true {
                let buffered = connections[n]!.buffer
                let frame = buffered.withUnsafeBytes { FIXFrameScanner.next($0) }
                switch frame {
                case .frame(let length):
                    connections[n]!.buffer.removeFirst(length)
                    return Array(buffered[0..<length])
                case .skip(let count):
                    connections[n]!.buffer.removeFirst(count)
                    continue
                case .incomplete: break
                }
                if Clock.monotonicNanos() >= limit { return nil }
                var received: [UInt8] = []
                let result = connections[n]!.connection.receive(deadlineNanos: min(limit, Clock.monotonicNanos() + 100_000_000)) {
                    received.append(contentsOf: $0)
                }
                connections[n]!.buffer += received
                if case .closed = result { return nil }
                if case .failed = result { return nil }
            }
        }

        func show(_ bytes: [UInt8]) -> String {
            String(decoding: bytes.map { $0 == 1 ? UInt8(ascii: "|") : $0 }, as: UTF8.self)
        }
    }

    /// Field-by-field comparison; nil when equal.
    static func compare(expected: [UInt8], actual: [UInt8]) -> String? {
        func fields(_ b: [UInt8]) -> [(String, String)] {
            b.split(separator: 1).map { f in
                let eq = f.firstIndex(of: 0x3D) ?? f.endIndex
                return (String(decoding: f[f.startIndex..<eq], as: UTF8.self),
                        eq < f.endIndex ? String(decoding: f[(eq + 1)...], as: UTF8.self) : "")
            }
        }
        let e = fields(expected)
        let a = fields(actual)
        for i in 0..<min(e.count, a.count) {
            if e[i].0 != a[i].0 { return "field \(i + 1): tag \(a[i].0) where \(e[i].0) was expected" }
            if let pattern = fieldPatterns[e[i].0] {
                guard let regex = try? Regex(pattern), a[i].1.firstMatch(of: regex) != nil else {
                    return "field \(e[i].0)=\(a[i].1) does not match \(pattern)"
                }
            } else if e[i].1 != a[i].1 {
                return "field \(e[i].0): \(a[i].1) where \(e[i].1) was expected"
            }
        }
        if e.count != a.count { return "\(a.count) fields where \(e.count) were expected" }
        return nil
    }
}
