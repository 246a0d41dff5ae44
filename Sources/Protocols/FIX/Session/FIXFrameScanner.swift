/// Finds message boundaries in a received byte stream the way QuickFIX's parser does, so a
/// frame with a wrong BodyLength or CheckSum is cut where a FIX peer expects it to be cut.
///
/// The rule (QuickFIX `Parser::readFixMessage`): skip to `8=`, read BodyLength from the
/// first `␁9=`, then the frame ends at the first `␁10=ddd␁` found from the last byte the
/// BodyLength points at. A too-short BodyLength therefore still yields the whole message
/// (which the parser then reports garbled and the session ignores); a too-long one swallows
/// the next message, and both are ignored — exactly what the conformance scripts 2m and
/// 1d expect. `FIXParser` then checks the frame strictly.
///
/// Thread: any (pure function). No allocation. Cost O(bytes scanned).
public enum FIXFrameScanner {
    /// What `next` found at the start of the buffer.
    @frozen
    public enum Result: Equatable, Sendable {
        /// A frame of `length` bytes starts at offset 0.
        case frame(length: Int)
        /// More bytes are needed.
        case incomplete
        /// Drop `count` bytes (garbage before `8=`, or a start that cannot be a message).
        case skip(count: Int)
    }

    /// Locates the first frame in `buffer`.
    ///
    /// - Parameter maxFrameLength: a frame may not be longer; a longer candidate is
    ///   dropped from its `8=` (protects the receive buffer from a peer that never ends).
    public static func next(_ buffer: UnsafeRawBufferPointer, maxFrameLength: Int = 1 << 20) -> Result {
        let count = buffer.count
        guard count >= 2 else { return .incomplete }
        // 8=
        var start = -1
        var i = 0
        while i + 1 < count {
            if buffer[i] == 0x38 && buffer[i + 1] == 0x3D { start = i; break }
            i += 1
        }
        if start < 0 { return .skip(count: count - 1) }
        if start > 0 { return .skip(count: start) }
        // ␁9=
        guard let lengthTag = find(buffer, from: 0, soh: true, "9=") else {
            return count > 64 ? .skip(count: 2) : .incomplete
        }
        let lengthStart = lengthTag + 3
        var lengthEnd = lengthStart
        while lengthEnd < count && buffer[lengthEnd] != 0x01 { lengthEnd += 1 }
        if lengthEnd == count { return count > 64 ? .skip(count: 2) : .incomplete }
        var length = 0
        guard lengthEnd > lengthStart, lengthEnd - lengthStart <= 9 else { return .skip(count: 2) }
        for k in lengthStart..<lengthEnd {
            let digit = Int(buffer[k]) - 0x30
            guard digit >= 0 && digit < 10 else { return .skip(count: 2) }
            length = length * 10 + digit
        }
        guard length <= maxFrameLength else { return .skip(count: 2) }
        let bodyEnd = lengthEnd + 1 + length
        if count < bodyEnd { return .incomplete }
        guard let trailer = find(buffer, from: bodyEnd - 1, soh: true, "10=") else {
            return count > maxFrameLength ? .skip(count: 2) : .incomplete
        }
        var end = trailer + 4
        while end < count && buffer[end] != 0x01 { end += 1 }
        if end == count { return .incomplete }
        return .frame(length: end + 1)
    }

    /// Whether a frame (as cut by `next`) has a BodyLength and CheckSum that are right —
    /// used to tell a well-formed message with an unexpected BeginString (answered with a
    /// Logout) from a garbled one (ignored).
    public static func isWellFormed(_ frame: UnsafeRawBufferPointer) -> Bool {
        guard let lengthTag = find(frame, from: 0, soh: true, "9=") else { return false }
        var k = lengthTag + 3
        var length = 0
        while k < frame.count && frame[k] != 0x01 {
            let digit = Int(frame[k]) - 0x30
            guard digit >= 0 && digit < 10 else { return false }
            length = length * 10 + digit
            k += 1
        }
        let trailer = k + 1 + length
        guard trailer + 7 == frame.count, trailer > 0, frame[trailer - 1] == 0x01,
              frame[trailer] == 0x31, frame[trailer + 1] == 0x30, frame[trailer + 2] == 0x3D else { return false }
        var sum = 0
        for b in 0..<trailer { sum &+= Int(frame[b]) }
        var declared = 0
        for d in 0..<3 {
            let digit = Int(frame[trailer + 3 + d]) - 0x30
            guard digit >= 0 && digit < 10 else { return false }
            declared = declared * 10 + digit
        }
        return declared == sum % 256
    }

    /// Offset of `␁text` (or `text` when `soh` is false) at or after `from`, pointing at
    /// the SOH.
    static func find(_ buffer: UnsafeRawBufferPointer, from: Int, soh: Bool, _ text: StaticString) -> Int? {
        let n = text.utf8CodeUnitCount
        let p = text.utf8Start
        var i = Swift.max(0, from)
        while i + n < buffer.count {
            if buffer[i] == 0x01 {
                var match = true
                for k in 0..<n where buffer[i + 1 + k] != p[k] { match = false; break }
                if match { return i }
            }
            i += 1
        }
        return nil
    }
}
