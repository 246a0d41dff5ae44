#if canImport(Glibc)
import Glibc
#endif
import Testing
import PeregrineModels

/// Small definitions whose byte layout the corruption tests know.
enum SampleModels {
    static let names = ["spread", "imbalance", "momentum"]

    static var linear: ModelDefinition {
        ModelDefinition(featureNames: names, source: "test",
                        body: .linear(LinearParameters(weights: [0.5, -1.25, 2], intercept: 0.125)))
    }

    /// One tree: root splits feature 1 at 0.25; left leaf 1.5; right splits feature 2 at -1
    /// (NaN left) into leaves -2 and 3.
    static var trees: ModelDefinition {
        let tree: [TreeNode] = [
            .split(feature: 1, threshold: 0.25, left: 1, right: 2),
            .leaf(1.5),
            .split(feature: 2, threshold: -1, left: 3, right: 4, missingGoesLeft: true),
            .leaf(-2),
            .leaf(3),
        ]
        return ModelDefinition(featureNames: names, source: "test",
                               body: .trees(TreeEnsembleParameters(objective: .regression, inputPrecision: .float64,
                                                                   baseline: 10, leafScale: 0.5, trees: [tree])))
    }

    /// Offset of the body (after header, source "test" and the three names).
    static let bodyOffset = 24 + (2 + 4) + names.reduce(0) { $0 + 2 + $1.utf8.count }
    /// Offset of node `n` of the first tree.
    static func nodeOffset(_ n: Int) -> Int { bodyOffset + 24 + 4 + 32 * n }

    /// Recomputes the CRC trailer so a semantic corruption gets past the checksum.
    static func resealed(_ bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        let crc = CRC32.checksum(bytes[0..<(bytes.count - 4)])
        for i in 0..<4 { bytes[bytes.count - 4 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        return bytes
    }

    static func put(_ bytes: inout [UInt8], _ offset: Int, u64 value: UInt64) {
        for i in 0..<8 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }

    static func put(_ bytes: inout [UInt8], _ offset: Int, i32 value: Int32) {
        let v = UInt32(bitPattern: value)
        for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
    }
}

@Suite("Model artifact loader errors")
struct ArtifactErrorTests {
    func code(_ bytes: [UInt8]) -> ModelArtifactError.Code? {
        do {
            _ = try ModelArtifact.decode(bytes)
            return nil
        } catch {
            return error.code
        }
    }

    @Test("a valid artifact round-trips through bytes and a file")
    func roundTrip() throws {
        for definition in [SampleModels.linear, SampleModels.trees] {
            let bytes = try ModelArtifact.encode(definition)
            #expect(try ModelArtifact.decode(bytes) == definition)
            let path = "/tmp/peregrine-models-roundtrip-\(getpid())-\(definition.kind).prgm"
            defer { unlink(path) }
            try ModelArtifact.write(definition, to: path)
            #expect(try ModelArtifact.load(path: path) == definition)
        }
        // CRC-32 check value from the zlib/PNG specification.
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test("header corruptions: magic, version, kind, truncation, checksum, trailing bytes")
    func headerCorruptions() throws {
        let good = try ModelArtifact.encode(SampleModels.trees)
        var b = good; b[0] = UInt8(ascii: "X")
        #expect(code(b) == .badMagic)
        b = good; b[8] = 2
        #expect(code(b) == .unsupportedVersion(2))
        b = good; b[10] = 9
        #expect(code(b) == .unknownKind(9))
        #expect(code(Array(good.dropLast(10))) == .truncated(offset: 24, needed: good.count - 24, available: good.count - 34))
        #expect(code(Array(good.prefix(12))) == .truncated(offset: 12, needed: 4, available: 0))
        #expect(code([]) == .truncated(offset: 0, needed: 8, available: 0))
        b = good; b[SampleModels.nodeOffset(1) + 20] ^= 0x40
        guard case .checksumMismatch = code(b) else {
            Issue.record("flipped payload bit: expected a checksum mismatch, got \(String(describing: code(b)))")
            return
        }
        #expect(code(good + [0, 0]) == .trailingBytes(offset: good.count, count: 2))
    }

    @Test("semantic corruptions behind a valid checksum each give their own error")
    func semanticCorruptions() throws {
        let linear = try ModelArtifact.encode(SampleModels.linear)
        var b = linear
        SampleModels.put(&b, SampleModels.bodyOffset + 8 + 8, u64: Double.nan.bitPattern)   // weight 1
        #expect(code(SampleModels.resealed(b)) == .nonFiniteParameter(field: "weight", tree: -1, node: 1))
        b = linear
        SampleModels.put(&b, SampleModels.bodyOffset, u64: Double.infinity.bitPattern)       // intercept
        #expect(code(SampleModels.resealed(b)) == .nonFiniteParameter(field: "intercept", tree: -1, node: -1))

        let trees = try ModelArtifact.encode(SampleModels.trees)
        b = trees; SampleModels.put(&b, SampleModels.nodeOffset(0), i32: 9)                 // root.left
        #expect(code(SampleModels.resealed(b)) == .childIndexOutOfRange(tree: 0, node: 0, child: 9))
        b = trees; SampleModels.put(&b, SampleModels.nodeOffset(2) + 4, i32: 0)             // node 2 right → root
        #expect(code(SampleModels.resealed(b)) == .cycle(tree: 0, node: 0))
        b = trees; SampleModels.put(&b, SampleModels.nodeOffset(2) + 4, i32: 2)             // node 2 right → itself
        #expect(code(SampleModels.resealed(b)) == .cycle(tree: 0, node: 2))
        b = trees; SampleModels.put(&b, SampleModels.nodeOffset(2) + 4, i32: 3)             // both children 3
        #expect(code(SampleModels.resealed(b)) == .sharedNode(tree: 0, node: 3))
        b = trees; SampleModels.put(&b, SampleModels.nodeOffset(2) + 8, i32: 3)             // feature 3 of 3
        #expect(code(SampleModels.resealed(b)) == .featureIndexOutOfRange(tree: 0, node: 2, feature: 3))
        b = trees; SampleModels.put(&b, SampleModels.nodeOffset(2) + 16, u64: Double.nan.bitPattern)
        #expect(code(SampleModels.resealed(b)) == .nonFiniteParameter(field: "threshold", tree: 0, node: 2))
        b = trees; SampleModels.put(&b, SampleModels.nodeOffset(4) + 24, u64: Double.nan.bitPattern)
        #expect(code(SampleModels.resealed(b)) == .nonFiniteParameter(field: "leaf value", tree: 0, node: 4))
        b = trees; SampleModels.put(&b, SampleModels.nodeOffset(1), i32: 3)                 // leaf with a child
        #expect(code(SampleModels.resealed(b)) == .malformedNode(tree: 0, node: 1))
        b = trees; b[SampleModels.nodeOffset(0) + 13] = 1                                    // reserved byte
        #expect(code(SampleModels.resealed(b)) == .reservedNotZero(offset: SampleModels.nodeOffset(0) + 12))
        b = trees; b[SampleModels.bodyOffset] = 7                                           // objective
        #expect(code(SampleModels.resealed(b)) == .unknownObjective(7))
        b = trees; b[SampleModels.bodyOffset + 1] = 5                                       // precision
        #expect(code(SampleModels.resealed(b)) == .unknownInputPrecision(5))
        b = trees; SampleModels.put(&b, SampleModels.bodyOffset + 4, i32: 1000)             // tree count
        guard case .truncated = code(SampleModels.resealed(b)) else {
            Issue.record("tree count beyond the payload should read as truncated, got \(String(describing: code(SampleModels.resealed(b))))")
            return
        }
    }

    @Test("definitions that are not trees are refused by validate and the writer")
    func unreachableAndCounts() {
        var definition = SampleModels.trees
        guard case .trees(var ensemble) = definition.body else { return }
        ensemble.trees[0].append(.leaf(7))                                                   // node 5: no parent
        definition.body = .trees(ensemble)
        #expect(throws: ModelArtifactError(.unreachableNode(tree: 0, node: 5))) { try definition.validate() }
        #expect(throws: ModelArtifactError(.unreachableNode(tree: 0, node: 5))) { _ = try ModelArtifact.encode(definition) }
        #expect(throws: ModelArtifactError(.weightCountMismatch(weights: 2, features: 3))) {
            try ModelDefinition(featureNames: SampleModels.names, body: .linear(LinearParameters(weights: [1, 2], intercept: 0))).validate()
        }
        #expect(throws: ModelArtifactError(.invalidFeatureName(index: 1))) {
            try ModelDefinition(featureNames: ["a", "a"], body: .linear(LinearParameters(weights: [1, 2], intercept: 0))).validate()
        }
    }

    @Test("a missing file reports errno and the path; messages say what to do")
    func missingFileAndMessages() {
        do {
            _ = try ModelArtifact.load(path: "/nonexistent/model.prgm")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .io(errno: ENOENT, operation: "open"))
            #expect(error.description.contains("/nonexistent/model.prgm"))
        }
        let checksum = ModelArtifactError(.checksumMismatch(stored: 1, computed: 2), path: "a.prgm").description
        #expect(checksum.contains("a.prgm") && checksum.contains("export it again"))
    }
}
