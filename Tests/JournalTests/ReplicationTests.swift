import Testing
import PeregrineCore
import PeregrinePlatform
import PeregrineRings
import PeregrineRuntime
import PeregrineJournal
import PeregrineTestKit
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Helpers

/// A deterministic payload of 1…203 bytes (so every padding length occurs).
private func payload(_ i: Int) -> [UInt8] {
    let count = 1 + (i * 37) % 203
    return (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) }
}

private func append(_ writer: JournalWriter, _ range: Range<Int>) {
    for i in range {
        let bytes = payload(i)
        let result = bytes.withUnsafeBytes {
            writer.append(type: i % 5 == 0 ? .rawOutbound : .rawInbound, flags: UInt16(i % 3),
                          timestamp: Timestamp(nanosecondsSinceEpoch: 1_700_000_000_000_000_000 + Int64(i)), payload: $0)
        }
        precondition(result == .appended(sequence: UInt64(i + 1)))
    }
}

/// The whole file's bytes.
private func contents(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if n <= 0 { break }
        bytes.append(contentsOf: chunk[0..<n])
    }
    return bytes
}

/// Differences between two folders' journal files (names and bytes); empty when identical.
private func differences(_ a: TemporaryDirectory, _ b: String, suffix: String = ".pjournal") -> [String] {
    let names = a.fileNames().filter { $0.hasSuffix(suffix) }
    let other = TemporaryDirectoryListing(b).filter { $0.hasSuffix(suffix) }
    var problems: [String] = []
    if names != other { problems.append("files differ: \(names.count) vs \(other.count) (\(Set(names).symmetricDifference(other).sorted().prefix(4)))") }
    for name in names where other.contains(name) {
        guard let x = contents(a.path + "/" + name), let y = contents(b + "/" + name) else { problems.append("\(name): unreadable"); continue }
        if x.count != y.count { problems.append("\(name): \(x.count) vs \(y.count) bytes"); continue }
        if let at = x.indices.first(where: { x[$0] != y[$0] }) { problems.append("\(name): first difference at byte \(at)") }
    }
    return problems
}

private func TemporaryDirectoryListing(_ path: String) -> [String] {
    guard let dir = opendir(path) else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> String in
            let bytes = raw.bindMemory(to: UInt8.self)
            return String(decoding: bytes[0..<(bytes.firstIndex(of: 0) ?? bytes.count)], as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}

/// Polls `condition` every millisecond until it holds or `seconds` pass.
private func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Clock.monotonicNanos() + UInt64(seconds * 1e9)
    while Clock.monotonicNanos() < deadline {
        if condition() { return true }
        usleep(1_000)
    }
    return condition()
}

private func startRunner(_ agent: JournalReplicationAgent) throws -> AgentRunner {
    let park = IdleStrategyKind.backoff(maxSpins: 10, maxYields: 10, minParkNanos: 10_000, maxParkNanos: 1_000_000)
    let runner = try AgentRunner(profile: TuningProfile(name: "repl", threads: [ThreadProfile(name: "repl", idle: park, agents: [agent.name])]),
                                 agents: [agent])
    try runner.start()
    return runner
}

private func fastServer(_ dir: TemporaryDirectory, port: UInt16 = 0, durability: JournalBackupDurability = .syncBeforeAck) -> JournalBackupServer {
    JournalBackupServer(directory: dir.path, address: .loopback(port: port),
                        configuration: JournalBackupServerConfiguration(durability: durability, ackEveryRecords: 256,
                                                                        heartbeatIntervalNanos: 100_000_000, peerTimeoutNanos: 3_000_000_000,
                                                                        busyGraceNanos: 200_000_000))
}

private func agentConfiguration(_ dir: TemporaryDirectory, port: UInt16, name: String = "journal") -> JournalReplicationConfiguration {
    JournalReplicationConfiguration(directory: dir.path, journalName: name, server: .loopback(port: port),
                                    connectTimeoutNanos: 500_000_000, initialBackoffNanos: 5_000_000, maxBackoffNanos: 50_000_000,
                                    heartbeatIntervalNanos: 100_000_000, peerTimeoutNanos: 3_000_000_000,
                                    maxUnackedBytes: 64 << 10, maxBatchBytes: 16 << 10)
}

// MARK: - A raw protocol client (frames built by hand, as FORMAT of ReplicationProtocol.swift)

private func frame(_ type: UInt16, _ body: [UInt8], corruptFrameCRC: Bool = false) -> [UInt8] {
    var bytes: [UInt8] = []
    func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    put(UInt32(body.count)); put(type); put(UInt16(0))
    let crc = body.withUnsafeBytes { CRC32C.checksum($0) }
    put(corruptFrameCRC ? crc ^ 1 : crc)
    return bytes + body
}

private func hello(_ name: String) -> [UInt8] {
    var body = Array("PRGNREPL".utf8)
    withUnsafeBytes(of: UInt16(1).littleEndian) { body.append(contentsOf: $0) }
    withUnsafeBytes(of: UInt16(name.utf8.count).littleEndian) { body.append(contentsOf: $0) }
    body.append(contentsOf: [0, 0, 0, 0])
    return frame(1, body + Array(name.utf8))
}

private func le64(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

/// Reads frames from `connection` until it closes or `seconds` pass; returns (type, body) pairs.
private func readFrames(_ connection: PollingConnection, seconds: Double, untilType: UInt16? = nil) -> (frames: [(UInt16, [UInt8])], closed: Bool) {
    var buffer: [UInt8] = []
    var frames: [(UInt16, [UInt8])] = []
    let deadline = Clock.monotonicNanos() + UInt64(seconds * 1e9)
    while Clock.monotonicNanos() < deadline {
        let r = connection.receive(deadlineNanos: Clock.monotonicNanos() + 20_000_000) { buffer.append(contentsOf: $0) }
        while buffer.count >= 12 {
            let length = Int(buffer[0]) | Int(buffer[1]) << 8 | Int(buffer[2]) << 16 | Int(buffer[3]) << 24
            guard buffer.count >= 12 + length else { break }
            let type = UInt16(buffer[4]) | UInt16(buffer[5]) << 8
            frames.append((type, Array(buffer[12..<(12 + length)])))
            buffer.removeFirst(12 + length)
            if let untilType, type == untilType { return (frames, false) }
        }
        if r == .closed { return (frames, true) }
        if case .failed = r { return (frames, true) }
    }
    return (frames, false)
}

// MARK: - Tests

@Suite("Journal replication", .serialized)
struct ReplicationTests {
    @Test("a journal written while the agent streams is replicated byte for byte, rolls included")
    func replicatesWhileWriting() throws {
        let primary = TemporaryDirectory("repl-primary"); defer { primary.remove() }
        let backup = TemporaryDirectory("repl-backup"); defer { backup.remove() }
        let server = fastServer(backup)
        try server.start(); defer { server.stop() }
        let writer = try JournalWriter(directory: primary.path, fileBytes: 8192)
        let agent = JournalReplicationAgent(configuration: agentConfiguration(primary, port: server.port))
        let runner = try startRunner(agent)
        defer { runner.stop() }
        let total = 6000
        for chunk in stride(from: 0, to: total, by: 200) {
            append(writer, chunk..<(chunk + 200))
            usleep(2_000)
        }
        #expect(waitUntil(seconds: 8) { agent.status.ackedSequence == UInt64(total) }, "acked \(agent.status)")
        let status = agent.status
        #expect(status.lagRecords == 0 && status.lagBytes == 0)
        #expect(status.connected && status.connections == 1 && status.lastError == nil)
        #expect(status.recordsSent >= total)
        writer.close()
        #expect(primary.fileNames().count > 20, "rolled across many files")
        #expect(differences(primary, backup.path) == [])
        let verified = try JournalRestore.verify(directory: backup.path)
        #expect(verified.records == total && verified.firstSequence == 1 && verified.lastSequence == UInt64(total))
        #expect(server.connectedJournals == ["journal"])
    }

    @Test("connections cut mid-stream (by either side) resume without gaps or duplicates")
    func resumesAfterDisconnects() throws {
        let primary = TemporaryDirectory("repl-drop-p"); defer { primary.remove() }
        let backup = TemporaryDirectory("repl-drop-b"); defer { backup.remove() }
        let server = fastServer(backup, durability: .pageCache)
        try server.start(); defer { server.stop() }
        let writer = try JournalWriter(directory: primary.path, name: "orders", fileBytes: 16384)
        let agent = JournalReplicationAgent(configuration: agentConfiguration(primary, port: server.port, name: "orders"))
        let runner = try startRunner(agent)
        defer { runner.stop() }
        let total = 8000
        var drops = 0
        for chunk in stride(from: 0, to: total, by: 250) {
            append(writer, chunk..<(chunk + 250))
            if chunk % 1000 == 250 {
                // Wait until something is in flight, then cut.
                _ = waitUntil(seconds: 1) { agent.status.sentSequence > UInt64(chunk) }
                if drops % 2 == 0 { server.disconnectAll() } else { agent.dropConnection() }
                drops += 1
            }
            usleep(1_000)
        }
        #expect(waitUntil(seconds: 10) { agent.status.ackedSequence == UInt64(total) && agent.status.connected }, "\(agent.status)")
        writer.close()
        #expect(agent.status.connections > drops / 2, "reconnected: \(agent.status)")
        #expect(server.refusedFrameCount == 0, "no duplicate or gap was ever sent: \(server.log.filter { $0.contains("refused") })")
        #expect(server.recordsWritten >= total)
        #expect(differences(primary, backup.path) == [])
        let verified = try JournalRestore.verify(directory: backup.path, name: "orders")
        #expect(verified.records == total && verified.lastSequence == UInt64(total))
    }

    @Test("the backup server restarts (same folder, same port) and the agent resumes")
    func serverRestart() throws {
        let primary = TemporaryDirectory("repl-restart-p"); defer { primary.remove() }
        let backup = TemporaryDirectory("repl-restart-b"); defer { backup.remove() }
        var server = fastServer(backup)
        try server.start()
        let port = server.port
        let writer = try JournalWriter(directory: primary.path, fileBytes: 8192)
        let agent = JournalReplicationAgent(configuration: agentConfiguration(primary, port: port))
        let runner = try startRunner(agent)
        defer { runner.stop() }
        append(writer, 0..<1500)
        #expect(waitUntil(seconds: 5) { agent.status.ackedSequence == 1500 })
        server.stop()
        append(writer, 1500..<3000)   // written while the backup is down
        #expect(waitUntil(seconds: 3) { !agent.status.connected })
        #expect(agent.status.ackedSequence == 1500)
        #expect(agent.status.lag(journalNextSequence: writer.nextSequence) == 1500, "lag counts what waits for the backup")
        server = fastServer(backup, port: port)
        try server.start()
        defer { server.stop() }
        append(writer, 3000..<4000)
        #expect(waitUntil(seconds: 8) { agent.status.ackedSequence == 4000 }, "\(agent.status)")
        #expect(agent.status.connections >= 2)
        writer.close()
        #expect(differences(primary, backup.path) == [])
    }

    @Test("a corrupt record or frame is refused with an error and nothing is written")
    func corruptFramesRejected() throws {
        let primary = TemporaryDirectory("repl-corrupt-p"); defer { primary.remove() }
        let backup = TemporaryDirectory("repl-corrupt-b"); defer { backup.remove() }
        let writer = try JournalWriter(directory: primary.path, fileBytes: 8192)
        append(writer, 0..<3)
        writer.close()
        let original = try #require(contents(primary.path + "/journal-0000000000.pjournal"))
        let header = Array(original[0..<64])
        let firstLength = Int(original[64]) | Int(original[65]) << 8
        let record = Array(original[64..<(64 + 32 + firstLength)])
        let server = fastServer(backup)
        try server.start(); defer { server.stop() }

        for variant in ["bad record CRC", "bad frame CRC", "gap"] {
            let socket = try TCPSocket.connect(to: .loopback(port: server.port))
            let connection = try PollingConnection(socket: socket, spins: false)
            defer { connection.close() }
            _ = hello("journal").withUnsafeBytes { connection.send($0) }
            let resume = readFrames(connection, seconds: 2, untilType: 2)
            #expect(resume.frames.last?.0 == 2, "resume for \(variant)")
            var stream: [UInt8] = []
            if variant == "bad record CRC" {
                // Header is fine; the record's payload has one bit flipped (frame CRC recomputed).
                var bad = record
                bad[32] ^= 0x10
                stream = frame(3, header) + frame(4, le64(0) + le64(64) + bad)
            } else if variant == "bad frame CRC" {
                stream = frame(4, le64(0) + le64(64) + record, corruptFrameCRC: true)
            } else {
                // The second record where the first belongs: a gap.
                let second = Array(original[(64 + 32 + ((firstLength + 7) & ~7))...].prefix(32 + Int(original[64 + 32 + ((firstLength + 7) & ~7)])))
                stream = frame(4, le64(0) + le64(64) + second)
            }
            _ = stream.withUnsafeBytes { connection.send($0) }
            let answer = readFrames(connection, seconds: 2)
            let error = answer.frames.first { $0.0 == 7 }
            #expect(error != nil, "\(variant): an error frame")
            if let error {
                let code = UInt32(error.1[0]) | UInt32(error.1[1]) << 8
                let expected: ReplicationErrorCode = variant == "gap" ? .outOfOrder : .corrupt
                #expect(code == expected.rawValue, "\(variant): code \(code), \(String(decoding: error.1[4...], as: UTF8.self))")
            }
            #expect(answer.closed, "\(variant): the server closes the connection")
        }
        // The backup holds the header only: no record bytes were ever written.
        let copy = try #require(contents(backup.path + "/journal-0000000000.pjournal"))
        #expect(copy.count == 8192)
        #expect(Array(copy[0..<64]) == header)
        #expect(copy[64...].allSatisfy { $0 == 0 })
        #expect(server.refusedFrameCount == 3)
        #expect(server.recordsWritten == 0)
        // A well-behaved agent then completes the copy from there.
        let agent = JournalReplicationAgent(configuration: agentConfiguration(primary, port: server.port))
        let runner = try startRunner(agent)
        defer { runner.stop() }
        #expect(waitUntil(seconds: 5) { agent.status.ackedSequence == 3 }, "\(agent.status)")
        #expect(differences(primary, backup.path) == [])
    }

    @Test("a client that dies mid-frame leaves the whole records it sent; the agent resumes right after them")
    func resumeAfterPartialFrame() throws {
        let primary = TemporaryDirectory("repl-partial-p"); defer { primary.remove() }
        let backup = TemporaryDirectory("repl-partial-b"); defer { backup.remove() }
        let writer = try JournalWriter(directory: primary.path, fileBytes: 8192)
        append(writer, 0..<40)
        let original = try #require(contents(primary.path + "/journal-0000000000.pjournal"))
        let server = fastServer(backup)
        try server.start(); defer { server.stop() }
        do {
            let connection = try PollingConnection(socket: try TCPSocket.connect(to: .loopback(port: server.port)), spins: false)
            _ = hello("journal").withUnsafeBytes { connection.send($0) }
            #expect(readFrames(connection, seconds: 2, untilType: 2).frames.last?.0 == 2)
            // The header, 10 whole records, then the first half of the 11th frame; then die.
            var stream = frame(3, Array(original[0..<64]))
            var offset = 64
            var frames: [[UInt8]] = []
            for _ in 0..<11 {
                let length = Int(original[offset]) | Int(original[offset + 1]) << 8
                frames.append(frame(4, le64(0) + le64(UInt64(offset)) + Array(original[offset..<(offset + 32 + length)])))
                offset += 32 + ((length + 7) & ~7)
            }
            for f in frames.prefix(10) { stream += f }
            stream += frames[10].prefix(frames[10].count / 2)
            _ = stream.withUnsafeBytes { connection.send($0) }
            _ = readFrames(connection, seconds: 0.3)   // let the server take it (and ack)
            connection.close()
        }
        #expect(waitUntil(seconds: 2) { server.recordsWritten == 10 && server.connectedJournals.isEmpty })
        let agent = JournalReplicationAgent(configuration: agentConfiguration(primary, port: server.port))
        let runner = try startRunner(agent)
        defer { runner.stop() }
        append(writer, 40..<400)
        #expect(waitUntil(seconds: 5) { agent.status.ackedSequence == 400 }, "\(agent.status)")
        // The agent started at record 11: the server got 10 + the rest, each exactly once.
        #expect(server.recordsWritten == 10 + agent.status.recordsSent && server.refusedFrameCount == 0, "\(agent.status)")
        writer.close()
        #expect(differences(primary, backup.path) == [])
        #expect(try JournalRestore.verify(directory: backup.path).records == 400)
    }

    @Test("a second client for the same journal is refused while the first is connected")
    func secondClientRefused() throws {
        let primary = TemporaryDirectory("repl-busy-p"); defer { primary.remove() }
        let backup = TemporaryDirectory("repl-busy-b"); defer { backup.remove() }
        let server = fastServer(backup)
        try server.start(); defer { server.stop() }
        let writer = try JournalWriter(directory: primary.path, fileBytes: 8192)
        append(writer, 0..<100)
        let first = JournalReplicationAgent(name: "first", configuration: agentConfiguration(primary, port: server.port))
        let runner = try startRunner(first)
        defer { runner.stop() }
        #expect(waitUntil(seconds: 5) { first.status.ackedSequence == 100 })
        let socket = try TCPSocket.connect(to: .loopback(port: server.port))
        let connection = try PollingConnection(socket: socket, spins: false)
        defer { connection.close() }
        _ = hello("journal").withUnsafeBytes { connection.send($0) }
        let answer = readFrames(connection, seconds: 2)
        let error = answer.frames.first { $0.0 == 7 }
        #expect(error.map { UInt32($0.1[0]) } == ReplicationErrorCode.busy.rawValue)
        #expect(answer.closed)
        // The first client is undisturbed.
        append(writer, 100..<200)
        #expect(waitUntil(seconds: 5) { first.status.ackedSequence == 200 && first.status.connections == 1 })
        writer.close()
    }

    @Test("restore rebuilds the journal byte for byte, verifies every record and refuses damage")
    func restoreByteForByte() throws {
        let primary = TemporaryDirectory("repl-restore-p"); defer { primary.remove() }
        let backup = TemporaryDirectory("repl-restore-b"); defer { backup.remove() }
        let target = TemporaryDirectory("repl-restore-t"); defer { target.remove() }
        let server = fastServer(backup)
        try server.start()
        let writer = try JournalWriter(directory: primary.path, fileBytes: 8192)
        let agent = JournalReplicationAgent(configuration: agentConfiguration(primary, port: server.port))
        let runner = try startRunner(agent)
        append(writer, 0..<2500)
        #expect(waitUntil(seconds: 6) { agent.status.ackedSequence == 2500 })
        runner.stop()
        server.stop()
        writer.close()

        let restored = try JournalRestore.restore(from: backup.path, to: target.path)
        #expect(restored.records == 2500 && restored.lastSequence == 2500 && restored.tornTailOffset == nil)
        #expect(differences(primary, target.path) == [])
        // The restored journal reads back and a writer continues it.
        let reader = try JournalReader(directory: target.path)
        var n = 0
        while let r = try reader.next() {
            #expect(r.sequence == UInt64(n + 1) && Array(r.payload) == payload(n))
            n += 1
        }
        #expect(n == 2500)
        let continued = try JournalWriter(directory: target.path, fileBytes: 8192)
        #expect(continued.nextSequence == 2501)
        continued.close()

        // Refuses to restore over an existing journal unless told to.
        #expect(throws: JournalError.self) { try JournalRestore.restore(from: backup.path, to: target.path) }
        #expect(try JournalRestore.restoreAll(from: backup.path, to: target.path, overwrite: true).map(\.records) == [2500])

        // A flipped byte in the middle of the backup is found.
        let names = backup.fileNames().filter { $0.hasSuffix(".pjournal") }
        let victim = backup.path + "/" + names[names.count / 2]
        let fd = open(victim, O_RDWR)
        var byte: UInt8 = 0
        _ = pread(fd, &byte, 1, 200)
        byte ^= 0x40
        _ = pwrite(fd, &byte, 1, 200)
        close(fd)
        let damaged = TemporaryDirectory("repl-restore-d"); defer { damaged.remove() }
        #expect(throws: JournalError.self) { try JournalRestore.restore(from: backup.path, to: damaged.path) }
        #expect(damaged.fileNames().isEmpty, "nothing restored from a damaged backup")
    }

    @Test("an agent whose backup holds different data reports divergence instead of streaming")
    func divergenceDetected() throws {
        let primary = TemporaryDirectory("repl-div-p"); defer { primary.remove() }
        let other = TemporaryDirectory("repl-div-o"); defer { other.remove() }
        let backup = TemporaryDirectory("repl-div-b"); defer { backup.remove() }
        let server = fastServer(backup)
        try server.start(); defer { server.stop() }
        // Replicate a different journal under the same name first.
        let otherWriter = try JournalWriter(directory: other.path, fileBytes: 8192)
        append(otherWriter, 0..<50)
        otherWriter.close()
        do {
            let agent = JournalReplicationAgent(configuration: agentConfiguration(other, port: server.port))
            let runner = try startRunner(agent)
            #expect(waitUntil(seconds: 5) { agent.status.ackedSequence == 50 })
            runner.stop()
        }
        let writer = try JournalWriter(directory: primary.path, fileBytes: 8192)
        append(writer, 0..<100)   // same sequences, different file creation time → different header CRC
        writer.close()
        let agent = JournalReplicationAgent(configuration: agentConfiguration(primary, port: server.port))
        let runner = try startRunner(agent)
        defer { runner.stop() }
        #expect(waitUntil(seconds: 3) { agent.status.lastError?.contains("diverged") == true }, "\(agent.status)")
        #expect(agent.status.ackedSequence == 0 && agent.status.recordsSent == 0)
    }
}
