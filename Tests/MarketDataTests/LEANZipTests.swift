import Testing
import PeregrineMarketData

/// Real files: QuantConnect LEAN data (Apache License 2.0, ../shared/data/lean/LICENSE).
@Suite("LEAN: zip archives")
struct LEANZipTests {
    static let tradePath = MarketDataTestData.lean("tick/ibm/20131007_trade.zip")

    @Test("the IBM 2013-10-07 trade archive lists one deflated CSV with the sizes Python reports")
    func directory() throws {
        let zip = try LEANZipArchive(bytes: LEANFile.readAll(path: Self.tradePath))
        #expect(zip.entries.count == 1)
        let e = try #require(zip.entries.first)
        // Constants read with Python's zipfile (ZipInfo fields) while writing this test.
        #expect(e.name == "20131007_ibm_Trade_Tick.csv")
        #expect(e.method == 8)
        #expect(e.compressedSize == 125_152)
        #expect(e.uncompressedSize == 727_432)
        #expect(e.crc32 == 0x8934_682A)
        let csv = try zip.extract(e)
        #expect(csv.count == 727_432)
        #expect(csv.starts(with: Array("14430270,1815200,283,P,20002020,0\n".utf8)))
    }

    @Test("every IBM tick archive of the week inflates with a matching CRC")
    func wholeWeek() throws {
        for day in 7...11 {
            for side in ["trade", "quote"] {
                let bytes = try LEANFile.readZipFirstEntry(path: MarketDataTestData.lean("tick/ibm/201310\(day < 10 ? "0" : "")\(day)_\(side).zip"))
                #expect(bytes.count > 500_000)
            }
        }
    }

    @Test("a truncated archive says so instead of crashing")
    func truncated() throws {
        let bytes = try LEANFile.readAll(path: Self.tradePath)
        #expect(throws: LEANArchiveError.self) { try LEANZipArchive(bytes: Array(bytes.prefix(bytes.count / 2))) }
        do {
            _ = try LEANZipArchive(bytes: Array(bytes.prefix(bytes.count / 2)))
        } catch {
            #expect(error.code == .missingEndOfCentralDirectory)
            #expect(error.description.contains("truncated"))
        }
        // Keep the directory but cut the compressed data: the directory's size runs past the end.
        let zip = try LEANZipArchive(bytes: bytes)
        var entry = try #require(zip.entries.first)
        entry.compressedSize += 1_000_000
        do {
            _ = try zip.extract(entry)
            Issue.record("expected a truncation error")
        } catch {
            #expect(error.code == .truncated)
        }
    }

    @Test("a wrong CRC in the directory is reported as crc-mismatch")
    func badCRC() throws {
        var bytes = try LEANFile.readAll(path: Self.tradePath)
        // Central-directory entry: find its signature and flip a bit of its CRC field (+16).
        var at = bytes.count - 22
        while !(bytes[at] == 0x50 && bytes[at + 1] == 0x4B && bytes[at + 2] == 0x01 && bytes[at + 3] == 0x02) { at -= 1 }
        bytes[at + 16] ^= 0x01
        do {
            _ = try LEANZipArchive(bytes: bytes).extractFirst()
            Issue.record("expected a CRC error")
        } catch {
            #expect(error.code == .crcMismatch)
            #expect(error.description.contains("20131007_ibm_Trade_Tick.csv"))
        }
    }

    @Test("corrupted compressed bytes throw a LEANArchiveError, never trap")
    func corruptData() throws {
        let original = try LEANFile.readAll(path: Self.tradePath)
        var rng = SplitMix(seed: 7)
        for _ in 0..<6 {
            var bytes = original
            let at = 100 + Int(rng.next() % 100_000)
            bytes[at] ^= 0x5A
            #expect(throws: LEANArchiveError.self) { try LEANZipArchive(bytes: bytes).extractFirst() }
        }
        #expect(throws: LEANArchiveError.self) { try LEANZipArchive(bytes: Array("not a zip".utf8)) }
    }
}
