import PeregrineMarketData

/// One frame of ../shared/protocols/tws/wire_ibapi157.jsonl (official ibapi 9.81 client ↔ a fake
/// server; "in" = client → server). Parsed with a minimal reader for exactly that shape.
struct TWSCapturedFrame {
    var direction: String
    var fields: [String]

    static func load() throws -> [TWSCapturedFrame] {
        let text = try MarketDataTestData.text(MarketDataTestData.protocols("tws/wire_ibapi157.jsonl"))
        return text.split(separator: "\n").compactMap { line -> TWSCapturedFrame? in
            let chars = Array(line.unicodeScalars)
            guard let dir = Self.stringAfter(key: "\"dir\"", in: chars).first,
                  let fieldsStart = Self.index(of: "\"fields\"", in: chars) else { return nil }
            return TWSCapturedFrame(direction: dir, fields: Self.strings(in: Array(chars[fieldsStart...])))
        }
    }

    static func index(of key: String, in chars: [Unicode.Scalar]) -> Int? {
        let k = Array(key.unicodeScalars)
        guard chars.count >= k.count else { return nil }
        for i in 0...(chars.count - k.count) where Array(chars[i..<(i + k.count)]) == k { return i + k.count }
        return nil
    }

    static func stringAfter(key: String, in chars: [Unicode.Scalar]) -> [String] {
        guard let at = index(of: key, in: chars) else { return [] }
        return Array(strings(in: Array(chars[at...])).prefix(1))
    }

    /// The JSON string literals in `chars` up to the first `]` outside a string (or the end).
    static func strings(in chars: [Unicode.Scalar]) -> [String] {
        var result: [String] = []
        var i = 0
        var sawBracket = false
        while i < chars.count {
            let c = chars[i]
            if c == "[" { sawBracket = true }
            if c == "]" && sawBracket { break }
            if c == "\"" {
                var s = ""
                i += 1
                while i < chars.count && chars[i] != "\"" {
                    if chars[i] == "\\" {
                        i += 1
                        switch chars[i] {
                        case "n": s.append("\n")
                        case "t": s.append("\t")
                        case "u":
                            let hex = String(String.UnicodeScalarView(chars[(i + 1)...(i + 4)]))
                            s.unicodeScalars.append(Unicode.Scalar(UInt32(hex, radix: 16)!)!)
                            i += 4
                        default: s.unicodeScalars.append(chars[i])
                        }
                    } else {
                        s.unicodeScalars.append(chars[i])
                    }
                    i += 1
                }
                result.append(s)
                if !sawBracket { return result }
            }
            i += 1
        }
        return result
    }

    /// The frame bytes: 4-byte big-endian length + each field NUL-terminated.
    var frameBytes: [UInt8] { TWSCapturedFrame.frame(fields) }

    static func frame(_ fields: [String]) -> [UInt8] {
        var payload: [UInt8] = []
        for f in fields { payload += Array(f.utf8); payload.append(0) }
        return lengthPrefix(payload.count) + payload
    }

    static func lengthPrefix(_ n: Int) -> [UInt8] {
        [UInt8(truncatingIfNeeded: n >> 24), UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)]
    }
}

/// Runs an encoder into a scratch buffer and returns the bytes written (empty if it failed).
func encoded(_ body: (UnsafeMutableRawBufferPointer) -> Int?) -> [UInt8] {
    var buffer = [UInt8](repeating: 0, count: 4_096)
    let n = buffer.withUnsafeMutableBytes(body) ?? 0
    return Array(buffer[0..<n])
}
