/// Why an artifact could not be read, written or turned into a model (cold tier).
///
/// `code` is stable and what tests and callers switch on; `path` says which file, when known;
/// `description` says what was wrong, where, and what to do.
public struct ModelArtifactError: Error, Equatable, CustomStringConvertible {
    public var code: Code
    public var path: String?

    public init(_ code: Code, path: String? = nil) {
        self.code = code
        self.path = path
    }

    /// What went wrong.
    public enum Code: Sendable, Equatable {
        /// open/read/write failed with this errno.
        case io(errno: Int32, operation: String)
        /// The first 8 bytes are not "PRGMODEL".
        case badMagic
        /// A format version this build cannot read.
        case unsupportedVersion(UInt16)
        /// The kind byte names no model family.
        case unknownKind(UInt8)
        /// The file ends before the bytes its header or a count promises.
        case truncated(offset: Int, needed: Int, available: Int)
        /// The CRC-32 trailer does not match the bytes before it.
        case checksumMismatch(stored: UInt32, computed: UInt32)
        /// The payload parsed but bytes are left over.
        case trailingBytes(offset: Int, count: Int)
        /// A reserved field is not zero (a newer writer, or corruption).
        case reservedNotZero(offset: Int)
        /// A count is beyond the format's limits.
        case limitExceeded(field: String, value: Int, limit: Int)
        /// A feature name is empty, not UTF-8, or repeated.
        case invalidFeatureName(index: Int)
        /// The number of weights differs from the number of features.
        case weightCountMismatch(weights: Int, features: Int)
        /// A weight, intercept, baseline, leaf value or threshold is NaN (or ±inf where
        /// only finite values make sense).
        case nonFiniteParameter(field: String, tree: Int, node: Int)
        /// The objective byte names no objective.
        case unknownObjective(UInt8)
        /// The input-precision byte names no precision.
        case unknownInputPrecision(UInt8)
        /// A tree has no nodes.
        case emptyTree(tree: Int)
        /// A split reads a feature the model does not have.
        case featureIndexOutOfRange(tree: Int, node: Int, feature: Int32)
        /// A child index points outside the tree.
        case childIndexOutOfRange(tree: Int, node: Int, child: Int32)
        /// A leaf has children, or a split lacks one.
        case malformedNode(tree: Int, node: Int)
        /// Following children from this node leads back to it.
        case cycle(tree: Int, node: Int)
        /// Two parents share this node (the tree is a DAG, not a tree).
        case sharedNode(tree: Int, node: Int)
        /// No path from the root reaches this node.
        case unreachableNode(tree: Int, node: Int)
    }

    public var description: String {
        let place = path.map { "\($0): " } ?? ""
        return place + Self.describe(code)
    }

    private static func describe(_ code: Code) -> String {
        let reexport = "re-export the model with tools/models/export_sklearn.py"
        switch code {
        case .io(let errno, let operation):
            return "\(operation) failed (errno \(errno)); check the path and permissions"
        case .badMagic:
            return "not a Peregrine model artifact (bytes 0..<8 are not \"PRGMODEL\"); check the path"
        case .unsupportedVersion(let version):
            return "artifact format version \(version) is not supported (this build reads version \(ModelArtifact.formatVersion)); \(reexport) or upgrade Peregrine"
        case .unknownKind(let kind):
            return "unknown model kind \(kind) at byte 10 (expected 1 linear, 2 logistic, 3 gbdt); \(reexport)"
        case .truncated(let offset, let needed, let available):
            return "truncated at byte \(offset): needed \(needed) bytes, \(available) left; the copy is incomplete, copy it again"
        case .checksumMismatch(let stored, let computed):
            return "CRC-32 mismatch (stored 0x\(String(stored, radix: 16)), computed 0x\(String(computed, radix: 16))); the file is corrupt, copy or export it again"
        case .trailingBytes(let offset, let count):
            return "\(count) unexpected bytes after the payload at byte \(offset); \(reexport)"
        case .reservedNotZero(let offset):
            return "reserved byte(s) at \(offset) are not zero (written by a newer format?); \(reexport)"
        case .limitExceeded(let field, let value, let limit):
            return "\(field) is \(value), above the limit \(limit)"
        case .invalidFeatureName(let index):
            return "feature name \(index) is empty, not UTF-8, or a duplicate; give every feature a distinct name"
        case .weightCountMismatch(let weights, let features):
            return "\(weights) weights for \(features) features; they must be equal"
        case .nonFiniteParameter(let field, let tree, let node):
            let at = tree >= 0 ? " (tree \(tree), node \(node))" : (node >= 0 ? " (index \(node))" : "")
            return "\(field)\(at) is NaN or infinite; the fit diverged or the file is corrupt — refit or re-export"
        case .unknownObjective(let value):
            return "unknown ensemble objective \(value) (expected 1 regression, 2 binary logistic); \(reexport)"
        case .unknownInputPrecision(let value):
            return "unknown input precision \(value) (expected 0 float64, 1 float32); \(reexport)"
        case .emptyTree(let tree):
            return "tree \(tree) has no nodes"
        case .featureIndexOutOfRange(let tree, let node, let feature):
            return "tree \(tree) node \(node) splits on feature \(feature), outside the model's features"
        case .childIndexOutOfRange(let tree, let node, let child):
            return "tree \(tree) node \(node) has child \(child), outside the tree"
        case .malformedNode(let tree, let node):
            return "tree \(tree) node \(node): a leaf must have feature -1 and no children; a split needs both children"
        case .cycle(let tree, let node):
            return "tree \(tree) has a cycle through node \(node)"
        case .sharedNode(let tree, let node):
            return "tree \(tree) node \(node) has two parents"
        case .unreachableNode(let tree, let node):
            return "tree \(tree) node \(node) is not reachable from the root"
        }
    }
}
