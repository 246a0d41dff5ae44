/// Why a LEAN zip archive (or the DEFLATE stream inside it) could not be read.
///
/// Set-up / replay-start error: thrown (typed) by `LEANZipArchive` and `LEANInflate`, never on
/// the per-event path. `offset` is the byte offset in the archive (or in the DEFLATE stream for
/// `LEANInflate`) where the problem was detected, so a message can say where to look.
public struct LEANArchiveError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable code for each kind of failure.
    public enum Code: UInt8, Sendable, Equatable, CustomStringConvertible {
        /// The input ended before the structure did (truncated download or copy).
        case truncated = 1
        /// No end-of-central-directory record: not a zip archive, or cut short at the end.
        case missingEndOfCentralDirectory
        /// A header signature was not where the directory said it would be.
        case badSignature
        /// Compression method other than stored (0) or deflate (8).
        case unsupportedCompression
        /// Encrypted entries, ZIP64 or multi-disk archives are not supported.
        case unsupportedFeature
        /// DEFLATE block type 3 (reserved).
        case badBlockType
        /// Stored block whose LEN and NLEN disagree.
        case badStoredLength
        /// A Huffman code-length set that is over-subscribed or otherwise invalid.
        case badHuffmanTable
        /// A code that is not in the current Huffman table, or a reserved symbol.
        case badSymbol
        /// A back-reference further back than the data produced so far.
        case badDistance
        /// More output than the size recorded in the directory.
        case outputOverflow
        /// Less output than the size recorded in the directory.
        case sizeMismatch
        /// The CRC-32 of the output differs from the one recorded: the data are corrupt.
        case crcMismatch
        /// The archive holds no entries (LEAN files hold exactly one CSV).
        case noEntries
        /// The file could not be opened or read (see `detail` for the errno).
        case io

        public var description: String {
            switch self {
            case .truncated: return "truncated"
            case .missingEndOfCentralDirectory: return "missing-end-of-central-directory"
            case .badSignature: return "bad-signature"
            case .unsupportedCompression: return "unsupported-compression"
            case .unsupportedFeature: return "unsupported-feature"
            case .badBlockType: return "bad-block-type"
            case .badStoredLength: return "bad-stored-length"
            case .badHuffmanTable: return "bad-huffman-table"
            case .badSymbol: return "bad-symbol"
            case .badDistance: return "bad-distance"
            case .outputOverflow: return "output-overflow"
            case .sizeMismatch: return "size-mismatch"
            case .crcMismatch: return "crc-mismatch"
            case .noEntries: return "no-entries"
            case .io: return "io"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// Byte offset where it was detected.
    public var offset: Int
    /// A human sentence: what was wrong and what to do.
    public var detail: String

    public init(_ code: Code, offset: Int, _ detail: String) {
        self.code = code
        self.offset = offset
        self.detail = detail
    }

    public var description: String { "zip/deflate error \(code) at byte \(offset): \(detail)" }
}

/// Typed-throws bridges over the stdlib's `rethrows` buffer accessors (start-up code only).
enum LEANBuffers {
    static func read<R>(_ array: [UInt8],
                        _ body: (UnsafeRawBufferPointer) throws(LEANArchiveError) -> R) throws(LEANArchiveError) -> R {
        let result: Result<R, LEANArchiveError> = array.withUnsafeBytes { raw in
            do throws(LEANArchiveError) { return .success(try body(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    static func write<R>(_ array: inout [UInt8],
                         _ body: (UnsafeMutableRawBufferPointer) throws(LEANArchiveError) -> R) throws(LEANArchiveError) -> R {
        let result: Result<R, LEANArchiveError> = array.withUnsafeMutableBytes { raw in
            do throws(LEANArchiveError) { return .success(try body(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
