import PeregrineCore
import PeregrineJournal
import PeregrineTestKit
import Testing
@testable import PeregrineReports
#if canImport(Glibc)
import Glibc
#endif

/// Offset of the last record in a journal file (read back with the reader).
func lastRecordOffset(_ directory: String) throws -> (file: String, offset: Int) {
    let reader = try JournalReader(directory: directory, name: "engine")
    var last: (String, Int)?
    while let record = try reader.next() { last = (record.file, record.offset) }
    return try #require(last)
}

/// Overwrites one byte of a file.
func garble(_ path: String, at offset: Int) {
    let file = fopen(path, "r+b")!
    fseek(file, offset, SEEK_SET)
    var byte: UInt8 = 0
    fread(&byte, 1, 1, file)
    byte ^= 0xFF
    fseek(file, offset, SEEK_SET)
    fwrite(&byte, 1, 1, file)
    fclose(file)
}

@Suite("Journal report: reading files, damage and errors")
struct JournalReadingTests {
    @Test("a garbled last record is a torn tail: the report covers the records before it")
    func garbledTail() throws {
        let fixture = try JournalFixture("report-torn")
        roundTrip(fixture, lastQuote: false)      // the sell fill is the last record
        fixture.writer.close()
        let (file, offset) = try lastRecordOffset(fixture.directory.path)
        garble(file, at: offset + 40)             // a payload byte: the CRC no longer matches
        let report = try JournalReport.read(path: fixture.directory.path)
        #expect(report.total.fills == 1)
        #expect(report.instruments[0].position == Quantity(units: 100)!)
        #expect(report.source.recordCount == 7)
        #expect(report.problems.count == 1)
        #expect(report.problems[0].contains("torn record at the tail"))
        #expect(report.problems[0].contains("offset \(offset)"))
        #expect(report.text.contains("! torn record at the tail"))
    }

    @Test("a file truncated inside its last record is a torn tail too")
    func truncatedTail() throws {
        let fixture = try JournalFixture("report-truncated")
        roundTrip(fixture, lastQuote: false)
        fixture.writer.close()
        let (file, offset) = try lastRecordOffset(fixture.directory.path)
        #expect(truncate(file, off_t(offset + 40)) == 0)
        let report = try JournalReport.read(path: fixture.directory.path)
        #expect(report.total.fills == 1)
        #expect(report.problems.count == 1 && report.problems[0].contains("torn record"))
    }

    @Test("corruption inside an older file is reported and reading resumes at the next file")
    func corruptionMidJournal() throws {
        let fixture = try JournalFixture("report-corrupt", fileBytes: 4_096)
        for i in 0..<100 { fixture.quote(bid: "9.98", ask: "10.00", received: Int64(i) - 200) }
        roundTrip(fixture)
        fixture.writer.close()
        #expect(fixture.directory.fileNames().count >= 3)
        // The fifth record of file 0: header 64 bytes, market events take 96 bytes each.
        garble(fixture.filePath(0), at: 64 + 4 * 96 + 40)
        let report = try JournalReport.read(path: fixture.directory.path)
        #expect(report.problems.contains { $0.contains("checksum mismatch") && $0.contains("the rest of that file is skipped") })
        #expect(report.problems.contains { $0 == "resuming at file 1" })
        #expect(report.total.realized == money("10.00"))   // the orders sit in a later file
        #expect(report.source.recordCount < 109)
        #expect(report.source.files.first?.hasSuffix("engine-0000000000.pjournal") == true)
    }

    @Test("one journal file can be given instead of the folder")
    func singleFile() throws {
        let fixture = try JournalFixture("report-file")
        roundTrip(fixture)
        fixture.writer.close()
        let report = try JournalReport.read(path: fixture.filePath(0))
        #expect(report.total.realized == money("10.00"))
        #expect(report.source.name == "engine")
    }

    @Test("a missing path, a non-journal file and a folder without a journal are clear errors")
    func errors() throws {
        let directory = TemporaryDirectory("report-errors")
        defer { directory.remove() }
        #expect(throws: ReportError.self) { try JournalReport.read(path: directory.file("nope")) }
        do {
            _ = try JournalReport.read(path: directory.file("nope"))
        } catch {
            #expect(error.code == .missingPath)
        }
        do {
            _ = try JournalReport.read(path: directory.path)
            Issue.record("an empty folder must not give a report")
        } catch {
            #expect(error.code == .noJournal)
        }
        let text = directory.file("notes.txt")
        try JournalReport.write("hello", to: text)
        do {
            _ = try JournalReport.read(path: text)
            Issue.record("a text file must not give a report")
        } catch {
            #expect(error.code == .notAJournal)
            #expect(error.description.contains("NAME-<10 digits>.pjournal"))
        }
        let fake = directory.file("engine-0000000000.pjournal")
        try JournalReport.write(String(repeating: "x", count: 200), to: fake)
        do {
            _ = try JournalReport.read(path: fake)
            Issue.record("a file without the journal magic must not give a report")
        } catch {
            #expect(error.code == .notAJournal)
            #expect(error.description.contains("PRGNJRNL"))
        }
    }

    @Test("a folder with two journals needs a name")
    func twoJournals() throws {
        let fixture = try JournalFixture("report-two")
        roundTrip(fixture)
        fixture.writer.close()
        let other = try JournalWriter(directory: fixture.directory.path, name: "other")
        other.close()
        do {
            _ = try JournalReport.read(path: fixture.directory.path)
            Issue.record("two journals must be ambiguous")
        } catch {
            #expect(error.code == .noJournal && error.message.contains("--name"))
        }
        let named = try JournalReport.read(path: fixture.directory.path, options: JournalReportOptions(journalName: "engine"))
        #expect(named.total.realized == money("10.00"))
    }
}
