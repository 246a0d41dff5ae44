import PeregrineCore

/// One directive of a conformance script (format: ../shared/conformance/fix-session/README.md).
enum ConformanceStep: Equatable {
    case connect(Int)
    case disconnect(Int)
    case send(Int, String)
    case expect(Int, String)
    case expectDisconnect(Int)
}

/// A parsed `.def` script: steps with their line numbers.
struct ConformanceScript {
    let name: String
    let steps: [(line: Int, step: ConformanceStep)]
    /// The smallest HeartBtInt (108) a Logon in the script proposes (bounds the run time).
    let smallestHeartBtInt: Int?

    init(name: String, text: String) {
        self.name = name
        var steps: [(Int, ConformanceStep)] = []
        var smallest: Int? = nil
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = String(rawLine)
            while line.hasSuffix("\r") { line.removeLast() }
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) || line.hasPrefix("#") { continue }
            guard let first = line.first else { continue }
            let rest = String(line.dropFirst())
            let (connection, body) = Self.splitConnection(rest)
            switch first {
            case "i":
                if body == "CONNECT" { steps.append((number + 1, .connect(connection))) }
                else if body == "DISCONNECT" { steps.append((number + 1, .disconnect(connection))) }
            case "e":
                if body == "DISCONNECT" { steps.append((number + 1, .expectDisconnect(connection))) }
            case "I":
                steps.append((number + 1, .send(connection, body)))
                if body.contains("\u{1}35=A\u{1}"), let range = body.firstRange(of: "\u{1}108=") {
                    let digits = body[range.upperBound...].prefix { $0.isNumber }
                    if let value = Int(digits) { smallest = min(smallest ?? value, value) }
                }
            case "E":
                steps.append((number + 1, .expect(connection, body)))
            default: continue
            }
        }
        self.steps = steps
        smallestHeartBtInt = smallest
    }

    /// "1,rest" → (1, "rest"); "8=FIX…" → (1, "8=FIX…"); "CONNECT" → (1, "CONNECT").
    static func splitConnection(_ text: String) -> (Int, String) {
        let digits = text.prefix { $0.isNumber }
        if !digits.isEmpty, text.dropFirst(digits.count).first == ",", let n = Int(digits) {
            return (n, String(text.dropFirst(digits.count + 1)))
        }
        return (1, text)
    }

    /// Replaces `<TIME>` and `<TIME±N>` with UTC `YYYYMMDD-HH:MM:SS`, then adds BodyLength
    /// (after the first field) and CheckSum when missing.
    static func prepare(_ template: String, now: Timestamp) -> [UInt8] {
        var text = template
        while let open = text.firstRange(of: "<TIME") {
            guard let close = text[open.upperBound...].firstIndex(of: ">") else { break }
            let offsetText = text[open.upperBound..<close]
            let offset = Int(offsetText.hasPrefix("+") ? String(offsetText.dropFirst()) : String(offsetText)) ?? 0
            let t = now + Nanoseconds.seconds(Int64(offset))
            text.replaceSubrange(open.lowerBound...close, with: utcSeconds(t))
        }
        var fields = text.split(separator: "\u{1}", omittingEmptySubsequences: true).map { Array($0.utf8) }
        let tags = fields.map { field -> String in String(decoding: field.prefix { $0 != 0x3D }, as: UTF8.self) }
        let hasChecksum = tags.last == "10"
        if !tags.contains("9") && !fields.isEmpty {
            let bodyFields = fields[1..<(hasChecksum ? fields.count - 1 : fields.count)]
            let length = bodyFields.reduce(0) { $0 + $1.count + 1 }
            fields.insert(Array("9=\(length)".utf8), at: 1)
        }
        var bytes: [UInt8] = []
        for field in fields { bytes += field; bytes.append(1) }
        if !hasChecksum {
            let sum = bytes.reduce(0) { ($0 + Int($1)) % 256 }
            let digits = String(sum)
            bytes += Array(("10=" + String(repeating: "0", count: 3 - digits.count) + digits).utf8)
            bytes.append(1)
        }
        return bytes
    }

    static func utcSeconds(_ t: Timestamp) -> String {
        let c = t.civil
        func pad(_ v: Int, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }
        return pad(c.year, 4) + pad(c.month, 2) + pad(c.day, 2) + "-" + pad(c.hour, 2) + ":" + pad(c.minute, 2) + ":" + pad(c.second, 2)
    }
}

