import CSupport
#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 address and TCP port, parsed once at set-up ("127.0.0.1:9000").
///
/// A plain value: any thread, no allocation after parsing.
public struct SocketAddress: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The IPv4 address in host byte order (127.0.0.1 is 0x7F00_0001).
    public var hostBits: UInt32
    /// The TCP port in host byte order (0: let the kernel pick when listening).
    public var port: UInt16

    /// An address from its parts (host byte order).
    public init(hostBits: UInt32, port: UInt16) {
        self.hostBits = hostBits
        self.port = port
    }

    /// The loopback address 127.0.0.1 with `port`.
    public static func loopback(port: UInt16) -> SocketAddress {
        SocketAddress(hostBits: 0x7F00_0001, port: port)
    }

    /// Parses "a.b.c.d:port" (dotted-quad IPv4, port 0…65535).
    ///
    /// Set-up only (allocates for the error text). Throws `SystemError` with EINVAL and an
    /// operation naming the text and the expected form when the string is malformed.
    public init(parsing text: String) throws(SystemError) {
        func bad(_ why: String) -> SystemError {
            SystemError("parse address \"\(text)\" (\(why); expected IPv4 host:port such as 127.0.0.1:9000)",
                        errno: Errno.invalid)
        }
        guard let colon = text.lastIndex(of: ":") else { throw bad("no ':' before the port") }
        let hostText = text[..<colon]
        let portText = text[text.index(after: colon)...]
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
              let portValue = Int(portText), portValue <= 65_535 else {
            throw bad("port '\(portText)' is not a number from 0 to 65535")
        }
        let parts = hostText.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { throw bad("host '\(hostText)' is not a dotted-quad IPv4 address") }
        var bits: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let octet = Int(part), octet <= 255 else {
                throw bad("host '\(hostText)' is not a dotted-quad IPv4 address")
            }
            bits = bits << 8 | UInt32(octet)
        }
        self.init(hostBits: bits, port: UInt16(portValue))
    }

    /// "a.b.c.d:port".
    public var description: String {
        "\(hostBits >> 24).\((hostBits >> 16) & 0xFF).\((hostBits >> 8) & 0xFF).\(hostBits & 0xFF):\(port)"
    }

    /// The kernel's form (network byte order).
    @usableFromInline
    var socketAddress: sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr = in_addr(s_addr: hostBits.bigEndian)
        return address
    }

    /// Builds an address from the kernel's form.
    init(_ address: sockaddr_in) {
        self.init(hostBits: UInt32(bigEndian: address.sin_addr.s_addr), port: UInt16(bigEndian: address.sin_port))
    }
}
