import Testing
import PeregrineModels

@Suite("scikit-learn parity")
struct SklearnParityTests {
    @Test("scikit-learn is importable and the fixture script runs (pip install scikit-learn)")
    func fixturesGenerate() throws {
        switch SklearnFixtures.directory {
        case .success(let directory):
            let manifest = try SklearnFixtures.readFile(directory + "/manifest.txt")
            let names = String(decoding: manifest, as: UTF8.self).split(separator: "\n").map { String($0.split(separator: " ")[0]) }
            #expect(Set(names) == Set(SklearnFixtures.caseNames))
        case .failure(let error):
            Issue.record("\(error)")
        }
    }

    @Test("predictions and raw scores match scikit-learn to 1e-9 relative", arguments: SklearnFixtures.caseNames)
    func parity(name: String) throws {
        let directory: String
        switch SklearnFixtures.directory {
        case .success(let d): directory = d
        case .failure(let error):
            Issue.record("\(error)")
            return
        }
        let model = try ModelArtifact.loadModel(path: "\(directory)/\(name).prgm")
        let rows = try SklearnFixtures.readCases(path: "\(directory)/\(name).cases")
        #expect(rows.count > 100)
        var worst = 0.0
        var mismatches = 0
        var rawBitIdentical = 0
        for (index, row) in rows.enumerated() {
            let (predicted, raw) = row.features.withUnsafeBufferPointer { (model.predict($0), model.decisionFunction($0)) }
            let ok = closeEnough(predicted, row.predicted) && closeEnough(raw, row.raw)
            if !ok {
                mismatches += 1
                if mismatches <= 5 {
                    Issue.record("\(name) row \(index): predict \(predicted) vs sklearn \(row.predicted), raw \(raw) vs \(row.raw)")
                }
            }
            if raw.bitPattern == row.raw.bitPattern { rawBitIdentical += 1 }
            if row.predicted != 0 { worst = max(worst, abs(predicted - row.predicted) / abs(row.predicted)) }
        }
        #expect(mismatches == 0, "\(name): \(mismatches) of \(rows.count) rows differ; worst relative error \(worst)")
        if model.kind == .gradientBoostedTrees {
            // Same comparisons, same leaf values, same summation order: bit for bit.
            #expect(rawBitIdentical == rows.count, "\(name): only \(rawBitIdentical) of \(rows.count) raw scores bit-identical")
        }
    }

    @Test("the Swift writer reproduces the Python exporter's bytes", arguments: SklearnFixtures.caseNames)
    func writerMatchesExporter(name: String) throws {
        guard case .success(let directory) = SklearnFixtures.directory else {
            Issue.record("fixtures unavailable; see the fixture test")
            return
        }
        let path = "\(directory)/\(name).prgm"
        let original = try SklearnFixtures.readFile(path)
        let definition = try ModelArtifact.load(path: path)
        #expect(try ModelArtifact.encode(definition) == original)
        #expect(definition.source.hasPrefix("sklearn "))
    }
}
