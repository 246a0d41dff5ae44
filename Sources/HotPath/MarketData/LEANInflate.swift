/// A raw DEFLATE decompressor (RFC 1951: stored, fixed-Huffman and dynamic-Huffman blocks).
///
/// Written for the LEAN recorded-data archives: it runs once per file at replay start-up, not
/// per event. The caller supplies the output buffer, sized from the zip directory, so the only
/// allocations are the two Huffman lookup tables per call. Decoding is table driven: each table
/// maps the next `maxBits` input bits (bit-reversed, since Huffman codes are packed from the most
/// significant bit into an LSB-first stream, RFC 1951 §3.1.1) straight to symbol and code length.
/// Any thread; never traps on bad input — every fault is a `LEANArchiveError`.
public enum LEANInflate {
    /// Decompresses the raw DEFLATE stream `input` into `output`; returns the bytes written.
    ///
    /// Throws `.outputOverflow` if the stream would write past `output`, `.truncated` if the input
    /// ends early, and the block / Huffman / distance codes for corrupt data.
    public static func inflate(_ input: UnsafeRawBufferPointer,
                               into output: UnsafeMutableRawBufferPointer) throws(LEANArchiveError) -> Int {
        var reader = BitReader(input)
        var literals = HuffmanTable()
        var distances = HuffmanTable()
        var written = 0
        var final = false
        while !final {
            final = try reader.bits(1) == 1
            let type = try reader.bits(2)
            switch type {
            case 0:
                written = try copyStored(&reader, output, written)
            case 1:
                try literals.buildFixedLiterals(at: reader.byteOffset)
                try distances.buildFixedDistances(at: reader.byteOffset)
                written = try inflateBlock(&reader, &literals, &distances, output, written)
            case 2:
                try readDynamicTables(&reader, &literals, &distances)
                written = try inflateBlock(&reader, &literals, &distances, output, written)
            default:
                throw LEANArchiveError(.badBlockType, offset: reader.byteOffset,
                                       "DEFLATE block type 3 is reserved: the data are corrupt")
            }
        }
        return written
    }

    /// Convenience for tests and tools: inflates into a new array of at most `capacity` bytes.
    public static func inflate(_ input: [UInt8], capacity: Int) throws(LEANArchiveError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: capacity)
        let n = try LEANBuffers.read(input) { src throws(LEANArchiveError) -> Int in
            try LEANBuffers.write(&out) { dst throws(LEANArchiveError) -> Int in try inflate(src, into: dst) }
        }
        out.removeLast(capacity - n)
        return out
    }

    // MARK: Blocks

    static func copyStored(_ reader: inout BitReader, _ output: UnsafeMutableRawBufferPointer,
                           _ start: Int) throws(LEANArchiveError) -> Int {
        reader.alignToByte()
        let length = try reader.bits(16)
        let complement = try reader.bits(16)
        guard length == ~complement & 0xFFFF else {
            throw LEANArchiveError(.badStoredLength, offset: reader.byteOffset,
                                   "stored block LEN \(length) does not match NLEN \(complement)")
        }
        guard start + Int(length) <= output.count else {
            throw LEANArchiveError(.outputOverflow, offset: reader.byteOffset,
                                   "stored block writes past the \(output.count)-byte size in the directory")
        }
        var at = start
        for _ in 0..<length {
            output[at] = UInt8(truncatingIfNeeded: try reader.bits(8))
            at += 1
        }
        return at
    }

    /// RFC 1951 §3.2.5: base lengths and extra bits for length symbols 257...285.
    static let lengthBase: [UInt16] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                                       35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
                                       3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    /// Base distances and extra bits for distance symbols 0...29.
    static let distanceBase: [UInt16] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
                                         257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
                                         8193, 12289, 16385, 24577]
    static let distanceExtra: [UInt8] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
                                         7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    static func inflateBlock(_ reader: inout BitReader, _ literals: inout HuffmanTable,
                             _ distances: inout HuffmanTable, _ output: UnsafeMutableRawBufferPointer,
                             _ start: Int) throws(LEANArchiveError) -> Int {
        var at = start
        let capacity = output.count
        while true {
            let symbol = try literals.decode(&reader)
            if symbol < 256 {
                guard at < capacity else {
                    throw LEANArchiveError(.outputOverflow, offset: reader.byteOffset,
                                           "data run past the \(capacity)-byte size in the directory")
                }
                output[at] = UInt8(truncatingIfNeeded: symbol)
                at += 1
                continue
            }
            if symbol == 256 { return at }
            let lengthIndex = symbol - 257
            guard lengthIndex < 29 else {
                throw LEANArchiveError(.badSymbol, offset: reader.byteOffset, "reserved length symbol \(symbol)")
            }
            let length = Int(lengthBase[lengthIndex]) + Int(try reader.bits(Int(lengthExtra[lengthIndex])))
            let distanceSymbol = try distances.decode(&reader)
            guard distanceSymbol < 30 else {
                throw LEANArchiveError(.badSymbol, offset: reader.byteOffset, "reserved distance symbol \(distanceSymbol)")
            }
            let distance = Int(distanceBase[distanceSymbol]) + Int(try reader.bits(Int(distanceExtra[distanceSymbol])))
            guard distance <= at else {
                throw LEANArchiveError(.badDistance, offset: reader.byteOffset,
                                       "back-reference \(distance) bytes before output position \(at)")
            }
            guard at + length <= capacity else {
                throw LEANArchiveError(.outputOverflow, offset: reader.byteOffset,
                                       "data run past the \(capacity)-byte size in the directory")
            }
            // Byte by byte: source and destination may overlap (distance < length repeats).
            var from = at - distance
            for _ in 0..<length {
                output[at] = output[from]
                at += 1
                from += 1
            }
        }
    }

    /// Order in which code-length code lengths are sent (RFC 1951 §3.2.7).
    static let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    static func readDynamicTables(_ reader: inout BitReader, _ literals: inout HuffmanTable,
                                  _ distances: inout HuffmanTable) throws(LEANArchiveError) {
        let literalCount = Int(try reader.bits(5)) + 257
        let distanceCount = Int(try reader.bits(5)) + 1
        let codeLengthCount = Int(try reader.bits(4)) + 4
        guard literalCount <= 286, distanceCount <= 30 else {
            throw LEANArchiveError(.badHuffmanTable, offset: reader.byteOffset,
                                   "dynamic block declares \(literalCount) literal or \(distanceCount) distance codes")
        }
        var lengths = [UInt8](repeating: 0, count: 320)
        for i in 0..<codeLengthCount { lengths[codeLengthOrder[i]] = UInt8(try reader.bits(3)) }
        var codeLengths = HuffmanTable()
        try codeLengths.build(lengths, count: 19, at: reader.byteOffset)
        for i in 0..<19 { lengths[i] = 0 }
        var index = 0
        let total = literalCount + distanceCount
        while index < total {
            let symbol = try codeLengths.decode(&reader)
            if symbol < 16 {
                lengths[index] = UInt8(symbol)
                index += 1
                continue
            }
            var value: UInt8 = 0
            let repeatCount: Int
            switch symbol {
            case 16:
                guard index > 0 else {
                    throw LEANArchiveError(.badHuffmanTable, offset: reader.byteOffset, "repeat code 16 with no previous length")
                }
                value = lengths[index - 1]
                repeatCount = 3 + Int(try reader.bits(2))
            case 17: repeatCount = 3 + Int(try reader.bits(3))
            default: repeatCount = 11 + Int(try reader.bits(7))
            }
            guard index + repeatCount <= total else {
                throw LEANArchiveError(.badHuffmanTable, offset: reader.byteOffset, "code-length repeat runs past the table")
            }
            for _ in 0..<repeatCount {
                lengths[index] = value
                index += 1
            }
        }
        guard lengths[256] != 0 else {
            throw LEANArchiveError(.badHuffmanTable, offset: reader.byteOffset, "dynamic block has no end-of-block code")
        }
        try literals.build(lengths, count: literalCount, at: reader.byteOffset)
        var distanceLengths = [UInt8](repeating: 0, count: 32)
        for i in 0..<distanceCount { distanceLengths[i] = lengths[literalCount + i] }
        try distances.build(distanceLengths, count: distanceCount, at: reader.byteOffset)
    }
}

extension LEANInflate {
    /// LSB-first bit reader over the compressed bytes with a 64-bit buffer.
    ///
    /// Past the end of the input it feeds zero bytes and counts them; consuming any of those
    /// padding bits means the stream was truncated.
    struct BitReader {
        let input: UnsafeRawBufferPointer
        var position = 0
        var buffer: UInt64 = 0
        var count = 0
        var paddingBits = 0

        init(_ input: UnsafeRawBufferPointer) { self.input = input }

        /// Byte offset of the next unread bit, for error messages.
        var byteOffset: Int { position - (count - paddingBits) / 8 }

        @inline(__always)
        mutating func refill() {
            while count <= 56 {
                if position < input.count {
                    buffer |= UInt64(input[position]) << UInt64(count)
                    position += 1
                } else {
                    paddingBits += 8
                }
                count += 8
            }
        }

        /// Looks at the next `n` bits (n ≤ 32) without consuming them.
        @inline(__always)
        mutating func peek(_ n: Int) -> UInt32 {
            if count < n { refill() }
            return UInt32(truncatingIfNeeded: buffer & ((1 << UInt64(n)) &- 1))
        }

        @inline(__always)
        mutating func consume(_ n: Int) throws(LEANArchiveError) {
            buffer >>= UInt64(n)
            count -= n
            if count < paddingBits {
                throw LEANArchiveError(.truncated, offset: input.count, "compressed data end before the last block does")
            }
        }

        /// Reads `n` bits (0 ≤ n ≤ 32) as an unsigned value.
        @inline(__always)
        mutating func bits(_ n: Int) throws(LEANArchiveError) -> UInt32 {
            if n == 0 { return 0 }
            let v = peek(n)
            try consume(n)
            return v
        }

        mutating func alignToByte() {
            let drop = (count - paddingBits) & 7
            buffer >>= UInt64(drop)
            count -= drop
        }
    }

    /// A canonical Huffman decoding table: index by the next `maxBits` bits, get
    /// `symbol << 4 | length` (0 = no such code).
    struct HuffmanTable {
        var entries: [UInt16] = []
        var maxBits = 0

        mutating func buildFixedLiterals(at offset: Int) throws(LEANArchiveError) {
            var lengths = [UInt8](repeating: 8, count: 288)
            for i in 144..<256 { lengths[i] = 9 }
            for i in 256..<280 { lengths[i] = 7 }
            try build(lengths, count: 288, at: offset)
        }

        mutating func buildFixedDistances(at offset: Int) throws(LEANArchiveError) {
            try build([UInt8](repeating: 5, count: 30), count: 30, at: offset)
        }

        /// Builds from code lengths (RFC 1951 §3.2.2). Incomplete codes are allowed (a lone
        /// distance code is legal); over-subscribed ones are rejected.
        mutating func build(_ lengths: [UInt8], count: Int, at offset: Int) throws(LEANArchiveError) {
            var lengthCounts = [Int](repeating: 0, count: 16)
            var longest = 0
            for i in 0..<count {
                let l = Int(lengths[i])
                lengthCounts[l] += 1
                if l > longest { longest = l }
            }
            lengthCounts[0] = 0
            var left = 1
            for l in 1..<16 {
                left = left * 2 - lengthCounts[l]
                guard left >= 0 else {
                    throw LEANArchiveError(.badHuffmanTable, offset: offset, "over-subscribed Huffman code lengths")
                }
            }
            var nextCode = [Int](repeating: 0, count: 16)
            var code = 0
            for l in 1..<16 {
                code = (code + lengthCounts[l - 1]) << 1
                nextCode[l] = code
            }
            maxBits = max(longest, 1)
            let size = 1 << maxBits
            if entries.count < size {
                entries = [UInt16](repeating: 0, count: size)
            } else {
                for i in 0..<size { entries[i] = 0 }
            }
            for symbol in 0..<count {
                let l = Int(lengths[symbol])
                if l == 0 { continue }
                let c = nextCode[l]
                nextCode[l] += 1
                var reversed = 0
                for b in 0..<l where (c >> b) & 1 != 0 { reversed |= 1 << (l - 1 - b) }
                let entry = UInt16(symbol << 4 | l)
                var i = reversed
                while i < size {
                    entries[i] = entry
                    i += 1 << l
                }
            }
        }

        @inline(__always)
        func decode(_ reader: inout BitReader) throws(LEANArchiveError) -> Int {
            let bits = reader.peek(maxBits)
            let entry = entries[Int(bits)]
            let length = Int(entry & 15)
            guard length != 0 else {
                throw LEANArchiveError(.badSymbol, offset: reader.byteOffset, "bit pattern is not a code of the Huffman table")
            }
            try reader.consume(length)
            return Int(entry >> 4)
        }
    }
}
