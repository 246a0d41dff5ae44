import Testing

/// The evaluation path must not allocate. This test reads the `// MARK: hot path begin` …
/// `end` regions of the model sources and rejects anything that creates arrays, strings,
/// errors, locks or references there (the benchmark counts mallocs at run time).
@Suite("Allocation-free evaluation path")
struct HotPathStructureTests {
    static let forbidden = [
        "Array", "append", "reserveCapacity", "[Double](", "= [", ": [", "-> [", ".map", ".filter", ".reduce",
        "String(", "\\(", "throw", "print(", "Set<", "Dictionary", "allocate", "passRetained", "takeRetainedValue",
        "takeUnretainedValue", "withLock", "Mutex", "class ", "ContiguousArray", "lazy", "any ",
    ]

    static let hotFiles = ["Model.swift", "LinearModel.swift", "TreeEnsemble.swift", "ModelSlot.swift", "FeatureVector.swift"]

    @Test("hot-path regions create no arrays, strings, errors, locks or references", arguments: hotFiles)
    func noAllocationConstructs(file: String) throws {
        let path = SklearnFixtures.packageRoot + "/Sources/HotPath/Models/" + file
        let text = String(decoding: try SklearnFixtures.readFile(path), as: UTF8.self)
        var inside = false
        var regionLines = 0
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(rawLine)
            if line.contains("// MARK: hot path begin") { inside = true; continue }
            if line.contains("// MARK: hot path end") { inside = false; continue }
            guard inside else { continue }
            let code = line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            regionLines += 1
            for token in Self.forbidden where code.contains(token) {
                Issue.record("\(file):\(number + 1): `\(token)` in the hot path: \(line)")
            }
        }
        #expect(!inside, "\(file): unterminated hot path region")
        #expect(regionLines > 5, "\(file): no hot path region found")
    }
}
