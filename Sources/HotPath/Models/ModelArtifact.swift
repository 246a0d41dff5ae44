#if canImport(Glibc)
import Glibc
#endif

/// Reads and writes Peregrine model artifacts (cold tier: start-up and retraining threads;
/// never call on the hot path — it allocates and does I/O).
///
/// # Format, version 1
///
/// One file per model, little-endian throughout. Offsets in bytes.
///
/// ```
/// header (24 bytes)
///   0   8  magic            "PRGMODEL" (ASCII)
///   8   2  format version   u16 = 1
///   10  1  kind             u8: 1 linear, 2 logistic, 3 gbdt (ModelKind raw value)
///   11  1  reserved         u8 = 0
///   12  4  feature count    u32, 1 ... 65536
///   16  8  payload length   u64, bytes between the header and the trailer
/// payload
///   string  source          u16 byte length + UTF-8 (free text, e.g. "sklearn 1.9.1 Ridge")
///   string × feature count  feature names, in input order: distinct, non-empty, ≤ 4096 bytes
///   kind 1, 2 (linear, logistic):
///     f64   intercept
///     f64 × feature count   weights
///   kind 3 (gbdt):
///     u8    objective        1 regression (raw score is the prediction),
///                            2 binary logistic (raw score is log-odds; prediction σ(score))
///     u8    input precision  0 float64 (HistGradientBoosting: compare the Double input),
///                            1 float32 (GradientBoosting: compare Double(Float(x)))
///     u16   reserved = 0
///     u32   tree count       ≤ 2^20
///     f64   baseline         the init estimator's raw prediction
///     f64   leaf scale       multiplies every leaf value (GB learning rate; 1 for HGB)
///     per tree:
///       u32  node count      1 ... 2^24 (node 0 is the root)
///       node × node count, 32 bytes each:
///         i32  left          child index within the tree, -1 for a leaf
///         i32  right         child index within the tree, -1 for a leaf
///         i32  feature       feature index, -1 for a leaf
///         u8   flags         bit 0: NaN input goes left (others 0)
///         u8×3 reserved = 0
///         f64  threshold     a split sends x[feature] <= threshold left (NaN never allowed)
///         f64  value         leaf value (ignored for splits)
/// trailer
///   u32  CRC-32 (zlib's, as `zlib.crc32`) of every byte before it, header included
/// ```
///
/// The raw score of a gbdt is `baseline + Σ_t leafScale·value(leaf_t)`, added tree by tree in
/// file order — scikit-learn's order, so results match it bit for bit. Prediction semantics per
/// kind: linear `w·x + b`; logistic `σ(w·x + b)` with `decisionFunction` giving `w·x + b`.
///
/// The loader checks, in order: length ≥ header, magic, version, kind, that header + payload +
/// trailer fit the file (`truncated`), the CRC, then parses the payload (every count against
/// the bytes left, reserved bytes zero, no bytes left over) and finally `validate()`s the
/// definition (finite parameters, feature and child indices in range, every tree acyclic,
/// unshared and fully reachable). Each failure is a distinct `ModelArtifactError.Code`.
///
/// Version policy: a change that old readers would misread bumps the version; readers reject
/// versions they do not know rather than guess.
public enum ModelArtifact {
    /// "PRGMODEL".
    public static let magic: [UInt8] = Array("PRGMODEL".utf8)
    /// The version this build writes and the only one it reads.
    public static let formatVersion: UInt16 = 1
    /// Bytes before the payload.
    public static let headerLength = 24
    /// Bytes after the payload (the CRC-32).
    public static let trailerLength = 4
    /// Bytes per tree node.
    public static let nodeLength = 32

    /// Reads, checks and decodes the artifact at `path`.
    public static func load(path: String) throws(ModelArtifactError) -> ModelDefinition {
        let bytes = try readFile(path: path)
        do {
            return try decode(bytes)
        } catch {
            throw ModelArtifactError(error.code, path: path)
        }
    }

    /// Loads the artifact at `path` and builds the evaluable model (allocates its arrays).
    public static func loadModel(path: String) throws(ModelArtifactError) -> Model {
        let definition = try load(path: path)
        do {
            return try Model(definition)
        } catch {
            throw ModelArtifactError(error.code, path: path)
        }
    }

    /// Checks and decodes an artifact held in memory.
    public static func decode(_ bytes: [UInt8]) throws(ModelArtifactError) -> ModelDefinition {
        var reader = ArtifactReader(bytes: bytes)
        let magicBytes = try reader.bytes(magic.count)
        if !magicBytes.elementsEqual(magic) { throw ModelArtifactError(.badMagic) }
        let version = try reader.u16()
        if version != formatVersion { throw ModelArtifactError(.unsupportedVersion(version)) }
        let kindByte = try reader.u8()
        guard let kind = ModelKind(rawValue: kindByte) else { throw ModelArtifactError(.unknownKind(kindByte)) }
        if try reader.u8() != 0 { throw ModelArtifactError(.reservedNotZero(offset: 11)) }
        let featureCount = Int(try reader.u32())
        if featureCount == 0 || featureCount > ModelDefinition.Limits.featureCount {
            throw ModelArtifactError(.limitExceeded(field: "feature count", value: featureCount, limit: ModelDefinition.Limits.featureCount))
        }
        let payloadLength = try reader.u64()
        let available = bytes.count - headerLength
        if payloadLength > UInt64(Int.max - headerLength - trailerLength) || Int(payloadLength) + trailerLength > available {
            throw ModelArtifactError(.truncated(offset: headerLength, needed: payloadLength > UInt64(Int.max / 2) ? Int.max : Int(payloadLength) + trailerLength, available: available))
        }
        let end = headerLength + Int(payloadLength)
        let stored = UInt32(bytes[end]) | UInt32(bytes[end + 1]) << 8 | UInt32(bytes[end + 2]) << 16 | UInt32(bytes[end + 3]) << 24
        let computed = CRC32.checksum(bytes[0..<end])
        if stored != computed { throw ModelArtifactError(.checksumMismatch(stored: stored, computed: computed)) }
        if end + trailerLength != bytes.count {
            throw ModelArtifactError(.trailingBytes(offset: end + trailerLength, count: bytes.count - end - trailerLength))
        }

        reader.end = end
        let source = try reader.string()
        var names: [String] = []
        names.reserveCapacity(featureCount)
        for index in 0..<featureCount {
            guard let name = try reader.optionalString() else { throw ModelArtifactError(.invalidFeatureName(index: index)) }
            names.append(name)
        }
        let body: ModelDefinition.Body
        switch kind {
        case .linear, .logistic:
            let intercept = try reader.f64()
            try reader.require(featureCount * 8)
            var weights: [Double] = []
            weights.reserveCapacity(featureCount)
            for _ in 0..<featureCount { weights.append(try reader.f64()) }
            let parameters = LinearParameters(weights: weights, intercept: intercept)
            body = kind == .linear ? .linear(parameters) : .logistic(parameters)
        case .gradientBoostedTrees:
            body = .trees(try decodeEnsemble(&reader))
        }
        if reader.offset != end { throw ModelArtifactError(.trailingBytes(offset: reader.offset, count: end - reader.offset)) }
        let definition = ModelDefinition(featureNames: names, source: source, body: body)
        try definition.validate()
        return definition
    }

    private static func decodeEnsemble(_ reader: inout ArtifactReader) throws(ModelArtifactError) -> TreeEnsembleParameters {
        let objectiveByte = try reader.u8()
        guard let objective = TreeEnsembleParameters.Objective(rawValue: objectiveByte) else {
            throw ModelArtifactError(.unknownObjective(objectiveByte))
        }
        let precisionByte = try reader.u8()
        guard let precision = TreeEnsembleParameters.InputPrecision(rawValue: precisionByte) else {
            throw ModelArtifactError(.unknownInputPrecision(precisionByte))
        }
        let reservedOffset = reader.offset
        if try reader.u16() != 0 { throw ModelArtifactError(.reservedNotZero(offset: reservedOffset)) }
        let treeCount = Int(try reader.u32())
        if treeCount > ModelDefinition.Limits.treeCount {
            throw ModelArtifactError(.limitExceeded(field: "tree count", value: treeCount, limit: ModelDefinition.Limits.treeCount))
        }
        let baseline = try reader.f64()
        let leafScale = try reader.f64()
        try reader.require(treeCount * 4)
        var trees: [[TreeNode]] = []
        trees.reserveCapacity(treeCount)
        for treeIndex in 0..<treeCount {
            let nodeCount = Int(try reader.u32())
            if nodeCount > ModelDefinition.Limits.nodesPerTree {
                throw ModelArtifactError(.limitExceeded(field: "nodes in tree \(treeIndex)", value: nodeCount, limit: ModelDefinition.Limits.nodesPerTree))
            }
            try reader.require(nodeCount * nodeLength)
            var nodes: [TreeNode] = []
            nodes.reserveCapacity(nodeCount)
            for _ in 0..<nodeCount {
                let left = try reader.i32(), right = try reader.i32(), feature = try reader.i32()
                let flagsOffset = reader.offset
                let flags = try reader.u8()
                let reservedA = try reader.u16(), reservedB = try reader.u8()
                if flags & ~1 != 0 || reservedA != 0 || reservedB != 0 {
                    throw ModelArtifactError(.reservedNotZero(offset: flagsOffset))
                }
                let threshold = try reader.f64(), value = try reader.f64()
                nodes.append(TreeNode(feature: feature, threshold: threshold, left: left, right: right,
                                      value: value, missingGoesLeft: flags & 1 != 0))
            }
            trees.append(nodes)
        }
        return TreeEnsembleParameters(objective: objective, inputPrecision: precision, baseline: baseline,
                                      leafScale: leafScale, trees: trees)
    }

    /// Reads a whole file with POSIX calls (no Foundation), retrying EINTR.
    static func readFile(path: String) throws(ModelArtifactError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw ModelArtifactError(.io(errno: errno, operation: "open"), path: path) }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ModelArtifactError(.io(errno: errno, operation: "read"), path: path)
            }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
        }
        return result
    }
}

/// A bounds-checked little-endian cursor over an artifact's bytes.
struct ArtifactReader {
    let bytes: [UInt8]
    var offset = 0
    /// Reads past `end` report truncation (the payload's end once the header is checked).
    var end: Int

    init(bytes: [UInt8]) {
        self.bytes = bytes
        self.end = bytes.count
    }

    func require(_ count: Int) throws(ModelArtifactError) {
        if count < 0 || count > end - offset {
            throw ModelArtifactError(.truncated(offset: offset, needed: count, available: end - offset))
        }
    }

    mutating func bytes(_ count: Int) throws(ModelArtifactError) -> ArraySlice<UInt8> {
        try require(count)
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    mutating func unsigned(_ width: Int) throws(ModelArtifactError) -> UInt64 {
        try require(width)
        var value: UInt64 = 0
        for i in 0..<width { value |= UInt64(bytes[offset + i]) << (8 * i) }
        offset += width
        return value
    }

    mutating func u8() throws(ModelArtifactError) -> UInt8 { UInt8(try unsigned(1)) }
    mutating func u16() throws(ModelArtifactError) -> UInt16 { UInt16(try unsigned(2)) }
    mutating func u32() throws(ModelArtifactError) -> UInt32 { UInt32(try unsigned(4)) }
    mutating func u64() throws(ModelArtifactError) -> UInt64 { try unsigned(8) }
    mutating func i32() throws(ModelArtifactError) -> Int32 { Int32(bitPattern: try u32()) }
    mutating func f64() throws(ModelArtifactError) -> Double { Double(bitPattern: try u64()) }

    /// A u16-length UTF-8 string; nil when the bytes are not valid UTF-8.
    mutating func optionalString() throws(ModelArtifactError) -> String? {
        let length = Int(try u16())
        let raw = try bytes(length)
        return String(validating: raw, as: UTF8.self)
    }

    /// A u16-length string, invalid UTF-8 repaired (free text only).
    mutating func string() throws(ModelArtifactError) -> String {
        let length = Int(try u16())
        return String(decoding: try bytes(length), as: UTF8.self)
    }
}
