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

func trade(_ i: Int) -> MarketEvent {
    .trade(InstrumentId(rawValue: UInt32(i % 7)), venue: VenueId(rawValue: 1), price: Price(rawValue: Int64(i) * 1_000_000),
           quantity: Quantity(rawValue: 100_000_000), exchangeTime: Timestamp(nanosecondsSinceEpoch: Int64(i)),
           receiveTime: Timestamp(nanosecondsSinceEpoch: Int64(i) + 5), sequence: UInt64(i))
}

/// Every record's sequence and payload bytes (copied: a record's payload is a view that
/// lives only as long as the reader's mapping of its file).
func readAll(_ dir: String) throws -> [(sequence: UInt64, payload: [UInt8])] {
    let reader = try JournalReader(directory: dir)
    var records: [(UInt64, [UInt8])] = []
    while let r = try reader.next() { records.append((r.sequence, Array(r.payload))) }
    return records
}

@Suite("Journal")
struct JournalTests {
    @Test("records round-trip with types, sequences, timestamps and payloads")
    func roundTrip() throws {
        let dir = TemporaryDirectory("journal"); defer { dir.remove() }
        let writer = try JournalWriter(directory: dir.path, fileBytes: 1 << 20)
        for i in 0..<1000 {
            #expect(writer.append(trade(i), type: .marketEvent, timestamp: Timestamp(nanosecondsSinceEpoch: Int64(i))) == .appended(sequence: UInt64(i + 1)))
        }
        let text = Array("limit max_order_qty 100 -> 200".utf8)
        _ = text.withUnsafeBytes { writer.append(type: .configurationChange, flags: 3, timestamp: .zero, payload: $0) }
        writer.close()
        #expect(writer.append(trade(0), type: .marketEvent, timestamp: .zero) == .failed, "a closed writer refuses")

        let reader = try JournalReader(directory: dir.path)
        for i in 0..<1000 {
            let r = try #require(try reader.next())
            #expect(r.type == .marketEvent && r.sequence == UInt64(i + 1))
            #expect(r.timestamp.nanosecondsSinceEpoch == Int64(i))
            #expect(r.load(as: MarketEvent.self) == trade(i))
        }
        let last = try #require(try reader.next())
        #expect(last.type == .configurationChange && last.flags == 3)
        #expect(Array(last.payload) == text)
        #expect(try reader.next() == nil)
    }

    @Test("files roll by size, sequences continue across files, and the reader follows")
    func rolls() throws {
        let dir = TemporaryDirectory("journal-roll"); defer { dir.remove() }
        let writer = try JournalWriter(directory: dir.path, name: "md", fileBytes: 8192)
        for i in 0..<1000 { _ = writer.append(trade(i), type: .marketEvent, timestamp: .zero) }
        writer.close()
        let names = dir.fileNames()
        #expect(names.count >= 10)
        #expect(names.first == "md-0000000000.pjournal")
        let reader = try JournalReader(directory: dir.path, name: "md")
        var n = 0
        while let r = try reader.next() {
            #expect(r.sequence == UInt64(n + 1))
            #expect(r.load(as: MarketEvent.self) == trade(n))
            n += 1
        }
        #expect(n == 1000)
    }

    @Test("re-opening continues after the last record; a torn tail is repaired")
    func resumeAfterCrash() throws {
        let dir = TemporaryDirectory("journal-crash"); defer { dir.remove() }
        do {
            let writer = try JournalWriter(directory: dir.path, fileBytes: 1 << 16)
            for i in 0..<10 { _ = writer.append(trade(i), type: .marketEvent, timestamp: .zero) }
            writer.close()
        }
        // Simulate a crash mid-append: a record whose length is set but whose bytes are not.
        let path = dir.file("journal-0000000000.pjournal")
        let offset = 64 + 10 * (32 + 64)
        let fd = open(path, O_RDWR)
        var garbage: [UInt8] = [64, 0, 0, 0, 1, 0, 0, 0, 11, 0, 0, 0, 0, 0, 0, 0, 0xDE, 0xAD]
        _ = pwrite(fd, &garbage, garbage.count, off_t(offset))
        close(fd)

        let reader = try JournalReader(directory: dir.path)
        var before = 0
        while try reader.next() != nil { before += 1 }
        #expect(before == 10)
        #expect(reader.stoppedAtTornTail)

        let writer = try JournalWriter(directory: dir.path, fileBytes: 1 << 16)
        #expect(writer.repairedTornTail)
        #expect(writer.nextSequence == 11)
        #expect(writer.append(trade(10), type: .marketEvent, timestamp: .zero) == .appended(sequence: 11))
        writer.close()
        let records = try readAll(dir.path)
        #expect(records.count == 11)
        let last = try #require(records.last)
        #expect(last.sequence == 11)
        #expect(last.payload.withUnsafeBytes { $0.loadUnaligned(as: MarketEvent.self) } == trade(10))
    }

    @Test("corruption before the tail is reported with file and offset")
    func corruption() throws {
        let dir = TemporaryDirectory("journal-corrupt"); defer { dir.remove() }
        let writer = try JournalWriter(directory: dir.path, fileBytes: 1 << 16)
        for i in 0..<5 { _ = writer.append(trade(i), type: .marketEvent, timestamp: .zero) }
        writer.close()
        let fd = open(dir.file("journal-0000000000.pjournal"), O_RDWR)
        var flip: UInt8 = 0xFF
        _ = pwrite(fd, &flip, 1, off_t(64 + 96 + 40))   // a payload byte of record 2
        close(fd)
        let reader = try JournalReader(directory: dir.path)
        _ = try reader.next()
        do {
            _ = try reader.next()
            Issue.record("corruption not detected")
        } catch {
            #expect(error.offset == 64 + 96)
            #expect(error.description.contains("checksum mismatch"))
        }
    }

    @Test("a file that is not a journal, a missing folder and an impossible size are clear errors")
    func badInput() throws {
        let dir = TemporaryDirectory("journal-bad"); defer { dir.remove() }
        let fd = open(dir.file("journal-0000000000.pjournal"), O_RDWR | O_CREAT, 0o644)
        var junk = [UInt8](repeating: 0x41, count: 4096)
        _ = write(fd, &junk, junk.count)
        close(fd)
        #expect(throws: JournalError.self) { _ = try JournalWriter(directory: dir.path) }
        do { _ = try JournalReader(directory: dir.path).next() } catch { #expect(error.description.contains("bad magic")) }
        #expect(throws: JournalError.self) { _ = try JournalWriter(directory: "/nonexistent/peregrine") }
        let empty = TemporaryDirectory("journal-huge"); defer { empty.remove() }
        do {
            _ = try JournalWriter(directory: empty.path, fileBytes: 1 << 60)
            Issue.record("an impossible reservation succeeded")
        } catch {
            #expect(error.description.contains("reserve"))   // EFBIG / ENOSPC from posix_fallocate
        }
    }

    @Test("a record larger than a file fails cleanly instead of looping")
    func tooLarge() throws {
        let dir = TemporaryDirectory("journal-large"); defer { dir.remove() }
        let writer = try JournalWriter(directory: dir.path, fileBytes: 4096)
        let big = [UInt8](repeating: 1, count: 8000)
        #expect(big.withUnsafeBytes { writer.append(type: .rawInbound, timestamp: .zero, payload: $0) } == .failed)
        #expect(writer.failure?.description.contains("does not fit") == true)
    }

    @Test("synchronous durability flushes without changing what is read")
    func durability() throws {
        let dir = TemporaryDirectory("journal-sync"); defer { dir.remove() }
        let writer = try JournalWriter(directory: dir.path, fileBytes: 1 << 16, durability: .syncEvery(records: 10))
        for i in 0..<25 { _ = writer.append(trade(i), type: .marketEvent, timestamp: .zero) }
        try writer.flush()
        #expect(writer.failure == nil)
        writer.close()
        #expect(try readAll(dir.path).count == 25)
    }

    @Test("the journal agent reads a broadcast ring beside the engine and journals every event while a reader tails")
    func agentTailing() throws {
        let dir = TemporaryDirectory("journal-agent"); defer { dir.remove() }
        let ring = try BroadcastRing<MarketEvent>(capacity: 1024, consumers: 2)
        let engine = ring.consumer(0)
        // Small files so the reader crosses ~100 rolls while the writer is appending.
        let agent = JournalAgent(writer: try JournalWriter(directory: dir.path, fileBytes: 1 << 14))
        agent.add(ring.consumer(1), type: .marketEvent)
        let park = IdleStrategyKind.backoff(maxSpins: 10, maxYields: 10, minParkNanos: 1_000, maxParkNanos: 100_000)
        let runner = try AgentRunner(profile: TuningProfile(name: "t", threads: [ThreadProfile(name: "journal", idle: park, agents: ["journal"])]),
                                     agents: [agent])
        try runner.start()
        let total = 20_000
        let reader = try JournalReader(directory: dir.path)
        var read = 0, published = 0, engineSeen = 0
        let deadline = Clock.monotonicNanos() + 20_000_000_000
        while (read < total || engineSeen < total) && Clock.monotonicNanos() < deadline {
            while published < total && ring.tryPublish(trade(published)) == .published { published += 1 }
            engineSeen += engine.consume { _ in }
            while let r = try reader.next() {
                #expect(r.load(as: MarketEvent.self) == trade(read))
                read += 1
            }
        }
        runner.stop()
        #expect(read == total)
        #expect(agent.appended == total && agent.failed == 0)
    }
}
