import PeregrineCore
@testable import PeregrineFIX

/// Builds and inspects FIX messages in tests, with `|` standing for SOH.
enum FIXTestSupport {
    /// A complete message: `8=<begin>|9=<computed>|<body>10=<computed>|`.
    /// `body` uses `|` for SOH and must end with `|`.
    static func message(_ begin: String = "FIX.4.4", _ body: String) -> [UInt8] {
        let bodyBytes = soh(body)
        var bytes = Array("8=\(begin)\u{1}9=\(bodyBytes.count)\u{1}".utf8) + bodyBytes
        let sum = bytes.reduce(0) { ($0 + Int($1)) % 256 }
        bytes += Array("10=".utf8) + padded(sum) + [1]
        return bytes
    }

    /// A message with the BodyLength and CheckSum given verbatim (for wrong values).
    static func raw(_ text: String) -> [UInt8] { soh(text) }

    /// The checksum three digits for `bytes`.
    static func padded(_ sum: Int) -> [UInt8] {
        let s = String(sum)
        return Array((String(repeating: "0", count: 3 - s.count) + s).utf8)
    }

    static func soh(_ text: String) -> [UInt8] { text.utf8.map { $0 == UInt8(ascii: "|") ? 1 : $0 } }

    /// The text of `bytes` with SOH shown as `|`.
    static func text(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes.map { $0 == 1 ? UInt8(ascii: "|") : $0 }, as: UTF8.self)
    }

    static func text(_ bytes: [UInt8]) -> String { bytes.withUnsafeBytes { text($0) } }

    /// Parses `bytes` with a fresh parser and calls `body` with the result and parser.
    static func parse<R>(_ bytes: [UInt8], maxFields: Int = 512,
                         _ body: (FIXParseResult, borrowing FIXParser) throws -> R) rethrows -> R {
        var parser = FIXParser(maxFields: maxFields)
        return try bytes.withUnsafeBytes { buffer in
            let result = parser.parse(buffer)
            return try body(result, parser)
        }
    }

    static func parseResult(_ bytes: [UInt8]) -> FIXParseResult { parse(bytes) { r, _ in r } }

    /// The shipped dictionaries: ../shared/fix-dictionaries relative to the package root.
    static var dictionaryDirectory: String {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        parts.removeLast(3)   // Tests/FIXTests/FIXTestSupport.swift
        parts.removeLast()    // package directory (main)
        return parts.joined(separator: "/") + "/shared/fix-dictionaries"
    }

    static func dictionaryPath(_ name: String) -> String { dictionaryDirectory + "/" + name }

    static let sendingTime = Timestamp(year: 2026, month: 11, day: 26, hour: 14, minute: 30, second: 5,
                                       nanosecond: 123_456_789)!

    /// A typical NewOrderSingle body (FIX 4.4), 18 fields in all.
    static let newOrderSingleBody =
        "35=D|49=PEREGRINE|56=VENUE|34=1042|52=20261126-14:30:05.123|11=900001|1=ACC-7|21=1|55=AAPL|54=1|60=20261126-14:30:05.123|38=100|40=2|44=187.25|59=0|"

    /// A typical ExecutionReport body (FIX 4.4), 28 fields in all.
    static let executionReportBody =
        "35=8|49=VENUE|56=PEREGRINE|34=2077|52=20261126-14:30:05.456789|37=V-55501|11=900001|17=E-9001|150=F|39=1|1=ACC-7|55=AAPL|54=1|38=100|40=2|44=187.25|59=0|32=40|31=187.24|151=60|14=40|6=187.24|60=20261126-14:30:05.456789|30=XNAS|58=partial fill|"
}
