import Testing
import PeregrineCore
@testable import PeregrineFIX

/// SplitMix64: a deterministic PRNG so every run mutates the same way.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("FIX parser fuzz: random mutations of valid messages")
struct FIXFuzzTests {
    typealias T = FIXTestSupport

    static var corpus: [[UInt8]] {
        [
            T.message("FIX.4.4", T.newOrderSingleBody),
            T.message("FIX.4.4", T.executionReportBody),
            T.message("FIX.4.2", "35=A|49=A|56=B|34=1|52=20261126-14:30:05|98=0|108=30|"),
            T.message("FIXT.1.1", "35=0|49=A|56=B|34=2|52=20261126-14:30:05.123456789|112=X|"),
            T.message("FIX.4.4", "35=W|49=V|56=P|34=5|52=20261126-14:30:05.123|55=AAPL|268=2|269=0|270=1.5|271=10|269=1|270=1.6|271=20|"),
            T.message("FIX.4.4", "35=D|49=P|56=V|34=5|52=20261126-14:30:05.123|11=1|453=1|448=F|447=D|452=1|802=1|523=S|803=4|55=A|54=1|60=20261126-14:30:05|38=1|40=1|"),
            T.message("FIX.4.4", "35=C|49=P|56=V|34=6|52=20261126-14:30:05|164=T|94=0|147=hi|33=1|58=line|95=3|96=a|b|"),
        ]
    }

    static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        let edits = 1 + Int(rng.next() % 3)
        for _ in 0..<edits {
            guard !bytes.isEmpty else { bytes = [UInt8(truncatingIfNeeded: rng.next())]; continue }
            let at = Int(rng.next() % UInt64(bytes.count))
            switch rng.next() % 9 {
            case 0: bytes[at] ^= UInt8(1 << (rng.next() % 8))                      // bit flip
            case 1: bytes[at] = UInt8(truncatingIfNeeded: rng.next())              // random byte
            case 2: bytes.removeSubrange(at...)                                    // truncation
            case 3: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)    // insertion
            case 4: bytes.remove(at: at)                                           // deletion
            case 5: bytes.insert(1, at: at)                                        // stray SOH
            case 6: bytes[at] = UInt8(ascii: "0") + UInt8(rng.next() % 10)         // digit change
            case 7:                                                                // duplicate a chunk
                let length = min(bytes.count - at, 1 + Int(rng.next() % 12))
                bytes.insert(contentsOf: bytes[at..<(at + length)], at: at)
            default: bytes.insert(contentsOf: Array("|8=FIX.4.4|9=".utf8).map { $0 == 124 ? 1 : $0 }, at: at)  // fake start
            }
        }
        return bytes
    }

    @Test("200k mutations: the parser never traps and its results are consistent")
    func mutations() {
        var rng = SplitMix64(state: 0x5EED_F1C5)
        var parser = FIXParser(maxFields: 64)
        var encoder42 = FIXEncoder(version: .fix42, senderCompID: FIXInlineText("A")!, targetCompID: FIXInlineText("B")!)
        var encoder44 = FIXEncoder(version: .fix44, senderCompID: FIXInlineText("A")!, targetCompID: FIXInlineText("B")!)
        var encoderT11 = FIXEncoder(version: .fixt11, senderCompID: FIXInlineText("A")!, targetCompID: FIXInlineText("B")!)
        let corpus = Self.corpus
        var mismatches = 0
        var counts = (complete: 0, incomplete: 0, garbled: 0, reencoded: 0)
        for iteration in 0..<200_000 {
            // Even iterations mutate whole frames (mostly garbled: the checksum catches it);
            // odd ones mutate the body and re-frame it, so the field parser sees the damage.
            let original = corpus[iteration % corpus.count]
            let bytes = iteration % 2 == 0 ? Self.mutate(original, &rng) : Self.reframed(original, &rng)
            bytes.withUnsafeBytes { buffer in
                switch parser.parse(buffer) {
                case .complete(let length):
                    counts.complete += 1
                    #expect(length > 0 && length <= buffer.count)
                    let m = parser.message
                    #expect(m.length == length)
                    #expect(m.field(at: 0).tag == 8 && m.field(at: 1).tag == 9 && m.field(at: 2).tag == 35)
                    #expect(m.field(at: m.fieldCount - 1).tag == 10)
                    for i in 0..<m.fieldCount {
                        let f = m.field(at: i)
                        #expect(f.offset >= 0 && Int(f.offset) + Int(f.length) <= length)
                    }
                    // Typed reads and validation of whatever is there must not trap.
                    _ = m.int(34); _ = m.price(44); _ = m.timestamp(52); _ = m.bool(43); _ = m.date(75)
                    _ = Dictionaries.forVersion(m.version).validate(m)
                    // Re-encoding the fields reproduces the frame (when every field was well
                    // formed; the parser skips fields without a valid tag).
                    if m.syntaxProblem == nil {
                        let again: [UInt8]
                        switch m.version {
                        case .fix42: again = Self.reencode(m, &encoder42)
                        case .fix44: again = Self.reencode(m, &encoder44)
                        case .fixt11: again = Self.reencode(m, &encoderT11)
                        }
                        if again != Array(buffer[0..<length]) && mismatches < 3 {
                            mismatches += 1
                            Issue.record("re-encoded \(T.text(again)) != parsed \(T.text(Array(buffer[0..<length])))")
                        }
                        counts.reencoded += 1
                    }
                case .incomplete(let need):
                    counts.incomplete += 1
                    #expect(need > buffer.count)
                case .garbled(_, let skip):
                    counts.garbled += 1
                    #expect(skip >= 1 && skip <= buffer.count)
                }
            }
        }
        // Every outcome is exercised.
        #expect(counts.complete > 50_000)
        #expect(counts.incomplete > 1000)
        #expect(counts.garbled > 1000)
        #expect(counts.reencoded > 20_000)
    }

    /// Mutates the body (after `9=…␁`, before `10=`) and frames it again with a correct
    /// BodyLength and CheckSum.
    static func reframed(_ message: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        let firstSOH = message.firstIndex(of: 1)!
        let bodyStart = message[(firstSOH + 1)...].firstIndex(of: 1)! + 1
        let begin = String(decoding: message[2..<firstSOH], as: UTF8.self)
        let body = mutate(Array(message[bodyStart..<(message.count - 7)]), &rng)
        var bytes = Array("8=\(begin)\u{1}9=\(body.count)\u{1}".utf8) + body
        let sum = bytes.reduce(0) { ($0 + Int($1)) % 256 }
        bytes += Array("10=".utf8) + T.padded(sum) + [1]
        return bytes
    }

    static func reencode(_ m: FIXMessageView, _ encoder: inout FIXEncoder) -> [UInt8] {
        encoder.beginRaw()
        for i in 2..<(m.fieldCount - 1) {
            encoder.append(Int(m.field(at: i).tag), bytes: m.value(at: i))
        }
        return Array(encoder.finish())
    }

    @Test("a stream of mutated messages followed by a valid one always makes progress")
    func streamResync() {
        var rng = SplitMix64(state: 42)
        var parser = FIXParser(maxFields: 64)
        let corpus = Self.corpus
        let tail = T.message("FIX.4.4", "35=0|49=A|56=B|34=99|52=20261126-14:30:05|")
        var recovered = 0
        for iteration in 0..<5_000 {
            let stream = Self.mutate(corpus[iteration % corpus.count], &rng) + tail
            stream.withUnsafeBytes { buffer in
                var offset = 0
                var steps = 0
                var sawTail = false
                while offset < buffer.count && steps < 10_000 {
                    steps += 1
                    let rest = UnsafeRawBufferPointer(rebasing: buffer[offset...])
                    switch parser.parse(rest) {
                    case .complete(let length):
                        if parser.message.sequenceNumber == 99 && offset + length == buffer.count { sawTail = true }
                        offset += length
                    case .garbled(_, let skip):
                        offset += skip
                    case .incomplete:
                        offset = buffer.count + 1   // waiting for bytes that will not come
                    }
                }
                #expect(steps < 10_000)
                if sawTail { recovered += 1 }
            }
        }
        // Most streams resynchronise onto the valid tail (a mutated BodyLength that swallows
        // it legitimately waits for more bytes).
        #expect(recovered > 4_000)
    }
}
