import Testing
import PeregrineMarketData

@Suite("LEAN: raw DEFLATE (RFC 1951)")
struct LEANInflateTests {
    func inflate(_ input: [UInt8], capacity: Int = 1 << 16) throws(LEANArchiveError) -> String {
        String(decoding: try LEANInflate.inflate(input, capacity: capacity), as: UTF8.self)
    }

    @Test("a stored block is copied verbatim")
    func stored() throws {
        #expect(try inflate(InflateVectors.stored) == InflateVectors.storedText)
    }

    @Test("a fixed-Huffman block with back-references decodes")
    func fixed() throws {
        #expect(try inflate(InflateVectors.fixed) == InflateVectors.fixedText)
    }

    @Test("a dynamic-Huffman block decodes and its CRC-32 matches Python's")
    func dynamic() throws {
        let out = try LEANInflate.inflate(InflateVectors.dynamic, capacity: 8_192)
        #expect(String(decoding: out, as: UTF8.self) == InflateVectors.dynamicText)
        #expect(LEANCRC32.checksum(out) == InflateVectors.dynamicCRC)
    }

    @Test("a non-final stored block followed by a fixed block yields both")
    func multiBlock() throws {
        let text = Array("first, stored; ".utf8)
        var stream: [UInt8] = [0x00, UInt8(text.count), 0x00, ~UInt8(text.count), 0xFF]
        stream += text
        stream += InflateVectors.fixed
        #expect(try inflate(stream) == "first, stored; " + InflateVectors.fixedText)
    }

    @Test("CRC-32 of the check string is 0xCBF43926")
    func crcCheckValue() {
        #expect(LEANCRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test("corrupt streams throw the right code and never trap")
    func corrupt() {
        func code(_ bytes: [UInt8], capacity: Int = 1 << 16) -> LEANArchiveError.Code? {
            do { _ = try LEANInflate.inflate(bytes, capacity: capacity); return nil } catch { return error.code }
        }
        #expect(code([0x07]) == .badBlockType)                                  // BFINAL=1, BTYPE=11
        #expect(code([0x01, 0x05, 0x00, 0x00, 0x00]) == .badStoredLength)      // NLEN not ~LEN
        #expect(code(Array(InflateVectors.stored.prefix(20))) == .truncated)
        #expect(code(Array(InflateVectors.dynamic.prefix(900))) == .truncated)
        #expect(code(InflateVectors.dynamic, capacity: 100) == .outputOverflow)
        // Fixed block whose first symbol is a length/distance pair: nothing to refer back to.
        // Bits: BFINAL 1, BTYPE 01, then length code 257 (0000001), distance code 0 (00000).
        #expect(code([0x03, 0x02, 0x00]) == .badDistance)
        #expect(code([]) == .truncated)
    }

    @Test("random byte flips in a dynamic stream either decode or throw, never trap")
    func flipFuzz() {
        var rng = SplitMix(seed: 42)
        for _ in 0..<300 {
            var bytes = InflateVectors.dynamic
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let at = Int(rng.next() % UInt64(bytes.count))
                bytes[at] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
            }
            _ = try? LEANInflate.inflate(bytes, capacity: 8_192)
        }
    }
}

/// A tiny deterministic generator for fuzz loops (SplitMix64, Steele et al. 2014).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
