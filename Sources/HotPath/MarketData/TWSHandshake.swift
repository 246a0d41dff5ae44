/// The TWS API connection preamble (PROTOCOL.md §1–§3).
///
/// The client sends `"API\0"` + a framed `"v<min>..<max>[ <options>]"` (no NUL), TWS replies with a
/// framed `serverVersion, connectionTime`, then the client sends startApi. Advertising at most
/// v157 keeps TWS on the text protocol this codec speaks; the decoder supports servers ≥ 145.
public enum TWSHandshake {
    /// Lowest and highest versions this codec advertises (the official Python client's range).
    public static let minimumVersion = 100
    public static let maximumVersion = 157
    /// Lowest server version the encoders and decoders handle.
    public static let minimumSupportedServerVersion = 145

    /// Writes the preamble; returns the bytes written or `nil` if `buffer` is too small.
    public static func writeGreeting(minimumVersion: Int = minimumVersion, maximumVersion: Int = maximumVersion,
                                     options: String = "", into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        guard buffer.count >= 8 else { return nil }
        buffer[0] = UInt8(ascii: "A"); buffer[1] = UInt8(ascii: "P"); buffer[2] = UInt8(ascii: "I"); buffer[3] = 0
        let rest = UnsafeMutableRawBufferPointer(rebasing: buffer[4...])
        var w = TWSFrameWriter(rest)
        w.raw("v"); w.digits(Int64(minimumVersion)); w.raw(".."); w.digits(Int64(maximumVersion))
        if !options.isEmpty { w.raw(" "); w.raw(options) }
        return w.finish().map { $0 + 4 }
    }

    /// The server's reply: version and connection time; `nil` unless the frame holds exactly two fields.
    public static func decodeServerReply(_ payload: UnsafeRawBufferPointer) -> (serverVersion: Int, connectionTime: TWSText)? {
        var r = TWSFieldReader(payload)
        let version = r.int()
        let time = r.text()
        guard r.failure == nil, !r.hasMore, version > 0 else { return nil }
        return (Int(version), time)
    }
}
