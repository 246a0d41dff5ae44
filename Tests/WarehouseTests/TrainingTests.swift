import Testing
import PeregrineModels
import PeregrineTestKit
import PeregrineTraining
import PeregrineWarehouse
#if canImport(Glibc)
import Glibc
#endif

/// `peregrine train`'s fitting: features stored in the warehouse, read back with
/// `TrainingSet.load`, fitted and walk-forward validated; coefficients must match
/// scikit-learn's on the same rows (tools/models/fit_linear.py).
@Suite("Training from warehouse features", .serialized)
struct TrainingTests {
    /// A deterministic generator (SplitMix64) so Swift and Python see the same rows.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) * 2 - 1 }
    }

    /// 600 rows, 3 features; `logistic` labels are 0/1 from a noisy linear score.
    static func rows(logistic: Bool) -> [(time: Int64, x: [Double], y: Double)] {
        var random = SplitMix(state: logistic ? 7 : 11)
        return (0..<600).map { i in
            let x = [random.uniform() * 3, random.uniform() + 0.5, random.uniform() * 0.2]
            let score = 0.8 * x[0] - 1.5 * x[1] + 4 * x[2] + 0.3 + random.uniform() * (logistic ? 1.5 : 0.4)
            return (Int64(1_700_000_000_000_000_000) + Int64(i) * 60_000_000_000, x, logistic ? (score > 0 ? 1 : 0) : score)
        }
    }

    static func store(_ rows: [(time: Int64, x: [Double], y: Double)], table: String, in connection: PostgresConnection) throws {
        try connection.execute("CREATE TABLE \(table) (time_ns bigint, momentum float8, spread float8, imbalance float8, label float8)")
        func array<T>(_ values: [T]) -> String { "{" + values.map { "\($0)" }.joined(separator: ",") + "}" }
        // Inserted in reverse: the loader must put them back in time order.
        let reversed = Array(rows.reversed())
        try connection.query("INSERT INTO \(table) SELECT * FROM unnest($1::bigint[], $2::float8[], $3::float8[], $4::float8[], $5::float8[])",
                             [array(reversed.map(\.time)), array(reversed.map { $0.x[0] }), array(reversed.map { $0.x[1] }),
                              array(reversed.map { $0.x[2] }), array(reversed.map(\.y))])
    }

    /// scikit-learn's intercept and weights for the same rows.
    static func sklearn(_ rows: [(time: Int64, x: [Double], y: Double)], family: String, regularization: Double,
                        directory: TemporaryDirectory) throws -> [Double] {
        let csv = directory.path + "/\(family).csv"
        guard let file = fopen(csv, "w") else { throw TrainingError(.badData, "cannot write \(csv)", context: "test") }
        for row in rows { fputs((row.x + [row.y]).map { "\($0)" }.joined(separator: ",") + "\n", file) }
        fclose(file)
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        let script = parts.joined(separator: "/") + "/tools/models/fit_linear.py"
        let python = getenv("PYTHON").map { String(cString: $0) } ?? "python3"
        guard let pipe = popen("\(python) '\(script)' '\(csv)' \(family) \(regularization) 2>&1", "r") else { return [] }
        var output = ""
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), pipe) != nil {
            output += String(decoding: buffer[0..<(buffer.firstIndex(of: 0) ?? buffer.count)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        let status = pclose(pipe)
        guard (status >> 8) & 0xff == 0 else {
            Issue.record("\(script) failed (needs scikit-learn: `\(python) -m pip install scikit-learn`):\n\(output)")
            return []
        }
        return output.split(separator: "\n").compactMap { Double($0) }
    }

    static func expectClose(_ swift: LinearParameters, _ python: [Double], relative: Double) {
        #expect(python.count == swift.weights.count + 1, "scikit-learn printed \(python)")
        guard python.count == swift.weights.count + 1 else { return }
        for (a, b) in zip([swift.intercept] + swift.weights, python) {
            #expect(abs(a - b) <= relative * max(1, abs(b)), "Swift \(a) vs scikit-learn \(b)")
        }
    }

    @Test("ridge and logistic coefficients from warehouse features equal scikit-learn's")
    func parity() throws {
        let database = try TestDatabase("train")
        defer { database.drop() }
        let connection = try database.connect()
        let directory = TemporaryDirectory("train")
        defer { directory.remove() }
        for (family, logistic, regularization, tolerance) in [(ModelFamily.ridge, false, 2.5, 1e-9), (.logistic, true, 0.7, 1e-6)] {
            let rows = Self.rows(logistic: logistic)
            try Self.store(rows, table: "features_\(family.rawValue)", in: connection)
            let (data, skipped) = try TrainingSet.load(connection, sql: "SELECT time_ns, momentum, spread, imbalance, label FROM features_\(family.rawValue)")
            #expect(skipped == 0 && data.count == rows.count)
            #expect(data.featureNames == ["momentum", "spread", "imbalance"])
            #expect(data.times == rows.map(\.time))
            let trainer = WalkForwardTrainer(logistic ? .logistic(c: regularization) : .ridge(alpha: regularization), folds: 4)
            #expect(trainer.family == family)
            let fitted: LinearParameters
            switch try trainer.fit(data).body {
            case .linear(let p) where !logistic: fitted = p
            case .logistic(let p) where logistic: fitted = p
            case let other: Issue.record("\(family) fitted \(other)"); continue
            }
            Self.expectClose(fitted, try Self.sklearn(rows, family: family.rawValue, regularization: regularization, directory: directory),
                             relative: tolerance)
        }
    }

    @Test("walk-forward replaces the artifact only when the new model scores better on the same folds")
    func walkForwardDecision() throws {
        let database = try TestDatabase("trainwf")
        defer { database.drop() }
        let connection = try database.connect()
        let directory = TemporaryDirectory("trainwf")
        defer { directory.remove() }
        try Self.store(Self.rows(logistic: false), table: "features", in: connection)
        let (data, _) = try TrainingSet.load(connection, sql: "SELECT time_ns, momentum, spread, imbalance, label FROM features")
        let trainer = WalkForwardTrainer(.ridge(alpha: 1), folds: 5)

        let first = try trainer.run(data, current: nil, source: "test")
        #expect(first.foldScores.count == 5 && first.beatsCurrent)
        #expect(first.meanScore < 0.1)   // noise variance of uniform(-0.4, 0.4) is 0.053
        let path = directory.path + "/alpha.prgm"
        try ModelArtifact.write(first.candidate, to: path)
        let stored = try ModelArtifact.load(path: path)
        #expect(stored == first.candidate)
        #expect(try ModelArtifact.loadModel(path: path).kind == .linear)

        // The stored model saw every row: nothing newer to judge it on, so it is kept.
        let second = try trainer.run(data, current: stored, source: "test")
        #expect(second.hasCurrent && second.comparedRows == 0 && !second.beatsCurrent)
        #expect(WalkForwardTrainer.trainedThrough(stored.source) == data.times.last)

        // A model trained on the first half only is judged on the later validation rows, and
        // the walk-forward candidates (which saw as much or more) beat it.
        var older = try trainer.run(data.slice(0..<300), current: nil, source: "test").candidate
        if case .linear(var p) = older.body { p.intercept += 0.3; older.body = .linear(p) }   // and it drifted
        let third = try trainer.run(data, current: older, source: "test")
        #expect(third.comparedRows > 0 && third.comparedRows <= 300)
        #expect(third.beatsCurrent && third.currentScore! > third.candidateComparedScore!)

        // A poor model from elsewhere (no stamp) is judged on every validation row and beaten.
        let poor = ModelDefinition(featureNames: data.featureNames, source: "zero", body: .linear(LinearParameters(weights: [0, 0, 0], intercept: 0)))
        let fourth = try trainer.run(data, current: poor, source: "test")
        #expect(fourth.comparedRows == 500 && fourth.beatsCurrent)

        // Another family or other features cannot be compared.
        let logistic = ModelDefinition(featureNames: data.featureNames, source: "", body: .logistic(LinearParameters(weights: [0, 0, 0], intercept: 0)))
        #expect { try trainer.run(data, current: logistic, source: "test") } throws: { ($0 as? TrainingError)?.code == .incomparable }
    }
}
