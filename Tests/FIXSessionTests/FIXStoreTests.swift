import Testing
import PeregrineCore
import PeregrineFIX
import PeregrineFIXTransport
import PeregrinePlatform
import PeregrineTestKit

@Suite("FIX message stores")
struct FIXStoreTests {
    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test("the file store survives being dropped without close (kill -9) with numbers and messages")
    func crashRecovery() throws {
        let dir = TemporaryDirectory("fixstore")
        defer { dir.remove() }
        let path = dir.file("s.fixstore")
        do {
            let store = try FIXFileStore(path: path, capacity: 1 << 20)
            for seq in 1...100 {
                bytes("message \(seq)").withUnsafeBytes { store.save(sequenceNumber: seq, message: $0) }
                store.nextSenderSequenceNumber = seq + 1
            }
            store.nextTargetSequenceNumber = 77
            // Dropped here without close(): the mapping's pages are what kill -9 leaves.
        }
        let reopened = try FIXFileStore(path: path, capacity: 1 << 20)
        #expect(reopened.nextSenderSequenceNumber == 101)
        #expect(reopened.nextTargetSequenceNumber == 77)
        var text = ""
        #expect(reopened.withMessage(sequenceNumber: 42) { text = String(decoding: $0, as: UTF8.self) })
        #expect(text == "message 42")
        #expect(!reopened.withMessage(sequenceNumber: 101) { _ in })
    }

    @Test("a torn record at the tail ends the log; the sender number follows the last whole record")
    func tornTail() throws {
        let dir = TemporaryDirectory("fixstore")
        defer { dir.remove() }
        let path = dir.file("s.fixstore")
        do {
            let store = try FIXFileStore(path: path, capacity: 1 << 20)
            for seq in 1...3 { bytes("m\(seq)").withUnsafeBytes { store.save(sequenceNumber: seq, message: $0) } }
            // The state update after message 3 was "lost": sender number still 1.
        }
        // Tear a fourth record: a length without a matching CRC.
        do {
            let file = try MappedFile.create(path: path, length: 1 << 20)
            var offset = 4096
            for _ in 0..<3 {
                let length = Int(file.base.load(fromByteOffset: offset, as: UInt32.self))
                offset += (16 + length + 7) & ~7
            }
            file.base.storeBytes(of: UInt32(10), toByteOffset: offset, as: UInt32.self)
            file.base.storeBytes(of: UInt32(0xDEAD), toByteOffset: offset + 4, as: UInt32.self)
            file.close()
        }
        let reopened = try FIXFileStore(path: path, capacity: 1 << 20)
        #expect(reopened.nextSenderSequenceNumber == 4)
        #expect(reopened.withMessage(sequenceNumber: 3) { _ in })
        #expect(!reopened.withMessage(sequenceNumber: 4) { _ in })
        bytes("m4").withUnsafeBytes { reopened.save(sequenceNumber: 4, message: $0) }
        #expect(reopened.withMessage(sequenceNumber: 4) { _ in })
    }

    @Test("reset forgets messages (new epoch) and survives reopening")
    func reset() throws {
        let dir = TemporaryDirectory("fixstore")
        defer { dir.remove() }
        let path = dir.file("s.fixstore")
        do {
            let store = try FIXFileStore(path: path, capacity: 1 << 20)
            bytes("old").withUnsafeBytes { store.save(sequenceNumber: 1, message: $0) }
            store.nextSenderSequenceNumber = 2
            store.reset(at: Timestamp(nanosecondsSinceEpoch: 5))
        }
        let reopened = try FIXFileStore(path: path, capacity: 1 << 20)
        #expect(reopened.nextSenderSequenceNumber == 1)
        #expect(reopened.creationTime == Timestamp(nanosecondsSinceEpoch: 5))
        #expect(!reopened.withMessage(sequenceNumber: 1) { _ in })
    }

    @Test("a session on the file store resumes after a crash and answers a ResendRequest from it")
    func sessionResumes() throws {
        let dir = TemporaryDirectory("fixstore")
        defer { dir.remove() }
        let path = dir.file("s.fixstore")
        do {
            let h = SessionHarness(store: try FIXFileStore(path: path, capacity: 1 << 20))
            h.logon()
            h.send("35=D|34=2|49=TW44|52=<TIME>|56=ISLD|11=A|21=3|40=1|54=1|55=X|60=<TIME>|")
            #expect(h.sent().count == 1)
        }
        let h = SessionHarness(store: try FIXFileStore(path: path, capacity: 1 << 20))
        #expect(h.session.nextSenderSequenceNumber == 3)
        #expect(h.session.nextTargetSequenceNumber == 3)
        h.send("35=A|34=3|49=TW44|52=<TIME>|56=ISLD|98=0|108=30|")
        #expect(h.sent() == ["35=A|34=3|49=ISLD|56=TW44|98=0|108=30"])
        h.send("35=2|34=4|49=TW44|52=<TIME>|56=ISLD|7=1|16=2|")
        let resent = h.sent()
        #expect(resent.first == "35=4|34=1|43=Y|49=ISLD|56=TW44|36=2|123=Y")
        #expect(resent.last?.hasPrefix("35=D|34=2|43=Y|49=ISLD|56=TW44|11=A") == true)
    }
}
