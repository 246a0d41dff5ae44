#if canImport(Glibc)
import Glibc
#endif

/// Generates scikit-learn fixtures once per test run by running tools/models/make_fixtures.py
/// into a fresh temporary directory (nothing generated is committed).
enum SklearnFixtures {
    /// The package root, from this file's path (Tests/ModelsTests/FixtureSupport.swift).
    static let packageRoot: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    /// The cases make_fixtures.py writes; a missing one fails its test.
    static let caseNames = [
        "linear_regression", "ridge", "logistic",
        "gb_regressor", "gb_regressor_absolute", "gb_regressor_zero_init", "gb_classifier",
        "hgb_regressor", "hgb_classifier",
    ]

    /// The fixture directory, or why there is none (a message that says what to do).
    static let directory: Result<String, FixtureError> = generate()

    struct FixtureError: Error, CustomStringConvertible {
        let description: String
    }

    private static func generate() -> Result<String, FixtureError> {
        let python = getenv("PYTHON").map { String(cString: $0) } ?? "python3"
        let probe = shell("\(python) -c 'import sklearn, numpy' 2>&1")
        if probe.status != 0 {
            return .failure(FixtureError(description:
                "scikit-learn is not importable by `\(python)` (\(probe.output.trimmingSuffix())); "
                + "the model parity tests need it: run `\(python) -m pip install scikit-learn` (CI installs it)"))
        }
        var template = Array("/tmp/peregrine-models-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            return .failure(FixtureError(description: "mkdtemp failed (errno \(errno))"))
        }
        let directory = String(cString: made)
        let script = packageRoot + "/tools/models/make_fixtures.py"
        let run = shell("\(python) '\(script)' '\(directory)' 2>&1")
        if run.status != 0 {
            return .failure(FixtureError(description: "\(script) failed with status \(run.status):\n\(run.output)"))
        }
        // Remove the generated files when the test process exits.
        atexit {
            if case .success(let directory) = SklearnFixtures.directory, directory.hasPrefix("/tmp/peregrine-models-") {
                _ = SklearnFixtures.shell("rm -rf '\(directory)'")
            }
        }
        return .success(directory)
    }

    /// Runs `command` under /bin/sh and returns its exit status and output.
    static func shell(_ command: String) -> (status: Int32, output: String) {
        guard let pipe = popen(command, "r") else { return (-1, "popen failed (errno \(errno))") }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, pipe)
            if n == 0 { break }
            output.append(contentsOf: buffer[0..<n])
        }
        let status = pclose(pipe)
        let exitCode: Int32 = status == -1 ? -1 : (status >> 8) & 0xFF
        return (exitCode, String(decoding: output, as: UTF8.self))
    }

    /// One input row with scikit-learn's outputs.
    struct Row {
        var features: [Double]
        var predicted: Double
        var raw: Double
    }

    /// Parses a .cases file (see make_fixtures.py).
    static func readCases(path: String) throws -> [Row] {
        let bytes = try readFile(path)
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        guard let header = lines.first?.split(separator: " "), header.count == 3,
              let featureCount = Int(header[1]), let rowCount = Int(header[2]) else {
            throw FixtureError(description: "\(path): bad header")
        }
        var rows: [Row] = []
        for (number, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: " ").map { Double(String($0)) }
            guard fields.count == featureCount + 2, fields.allSatisfy({ $0 != nil }) else {
                throw FixtureError(description: "\(path):\(number + 2): expected \(featureCount + 2) numbers")
            }
            let values = fields.map { $0! }
            rows.append(Row(features: Array(values[0..<featureCount]), predicted: values[featureCount], raw: values[featureCount + 1]))
        }
        if rows.count != rowCount { throw FixtureError(description: "\(path): \(rows.count) rows, header says \(rowCount)") }
        return rows
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw FixtureError(description: "cannot open \(path) (errno \(errno))") }
        defer { fclose(file) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n == 0 { break }
            result.append(contentsOf: buffer[0..<n])
        }
        return result
    }
}

extension String {
    func trimmingSuffix() -> String {
        var s = self
        while s.last == "\n" || s.last == " " { s.removeLast() }
        return s
    }
}

/// `|actual − expected| ≤ 1e-9·|expected|`, or ≤ 1e-12 near zero; NaN only matches NaN.
func closeEnough(_ actual: Double, _ expected: Double) -> Bool {
    if expected.isNaN || actual.isNaN { return expected.isNaN && actual.isNaN }
    return abs(actual - expected) <= max(1e-9 * abs(expected), 1e-12)
}
