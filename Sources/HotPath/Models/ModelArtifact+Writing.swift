#if canImport(Glibc)
import Glibc
#endif

extension ModelArtifact {
    /// Encodes a validated definition in format version 1 (see `ModelArtifact`).
    ///
    /// Cold tier. Throws whatever `validate()` throws, so no invalid artifact is ever written.
    public static func encode(_ definition: ModelDefinition) throws(ModelArtifactError) -> [UInt8] {
        try definition.validate()
        var writer = ArtifactWriter()
        writer.bytes.append(contentsOf: magic)
        writer.u16(formatVersion)
        writer.u8(definition.kind.rawValue)
        writer.u8(0)
        writer.u32(UInt32(definition.featureCount))
        writer.u64(0)   // payload length, patched below
        writer.string(definition.source)
        for name in definition.featureNames { writer.string(name) }
        switch definition.body {
        case .linear(let parameters), .logistic(let parameters):
            writer.f64(parameters.intercept)
            for weight in parameters.weights { writer.f64(weight) }
        case .trees(let ensemble):
            writer.u8(ensemble.objective.rawValue)
            writer.u8(ensemble.inputPrecision.rawValue)
            writer.u16(0)
            writer.u32(UInt32(ensemble.trees.count))
            writer.f64(ensemble.baseline)
            writer.f64(ensemble.leafScale)
            for tree in ensemble.trees {
                writer.u32(UInt32(tree.count))
                for node in tree {
                    writer.u32(UInt32(bitPattern: node.left))
                    writer.u32(UInt32(bitPattern: node.right))
                    writer.u32(UInt32(bitPattern: node.feature))
                    writer.u8(node.missingGoesLeft ? 1 : 0)
                    writer.u8(0); writer.u16(0)
                    writer.f64(node.threshold)
                    writer.f64(node.value)
                }
            }
        }
        let payloadLength = UInt64(writer.bytes.count - headerLength)
        for i in 0..<8 { writer.bytes[16 + i] = UInt8(truncatingIfNeeded: payloadLength >> (8 * UInt64(i))) }
        writer.u32(CRC32.checksum(writer.bytes))
        return writer.bytes
    }

    /// Encodes `definition` and writes it to `path` atomically: a temporary file in the same
    /// directory, fsync, then rename, so a running engine's reloader never sees half a file.
    public static func write(_ definition: ModelDefinition, to path: String) throws(ModelArtifactError) {
        let bytes = try encode(definition)
        let temporary = path + ".tmp.\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw ModelArtifactError(.io(errno: errno, operation: "open"), path: temporary) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd); unlink(temporary)
                throw ModelArtifactError(.io(errno: code, operation: "write"), path: temporary)
            }
            written += n
        }
        if fsync(fd) != 0 {
            let code = errno
            close(fd); unlink(temporary)
            throw ModelArtifactError(.io(errno: code, operation: "fsync"), path: temporary)
        }
        close(fd)
        if rename(temporary, path) != 0 {
            let code = errno
            unlink(temporary)
            throw ModelArtifactError(.io(errno: code, operation: "rename"), path: path)
        }
    }
}

/// Appends little-endian fields.
struct ArtifactWriter {
    var bytes: [UInt8] = []

    mutating func unsigned(_ value: UInt64, _ width: Int) {
        for i in 0..<width { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u16(_ value: UInt16) { unsigned(UInt64(value), 2) }
    mutating func u32(_ value: UInt32) { unsigned(UInt64(value), 4) }
    mutating func u64(_ value: UInt64) { unsigned(value, 8) }
    mutating func f64(_ value: Double) { unsigned(value.bitPattern, 8) }
    mutating func string(_ value: String) {
        u16(UInt16(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }
}
