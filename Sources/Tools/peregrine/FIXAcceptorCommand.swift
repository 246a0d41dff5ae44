import ArgumentParser
import PeregrineCore
import PeregrineFIX
import PeregrineFIXTransport
import PeregrinePlatform
#if canImport(Glibc)
import Glibc
#endif

/// `peregrine fix-acceptor --conformance --port N`: a FIX acceptor running the
/// conformance-test application (echo NewOrderSingle / SecurityDefinition / Email,
/// BusinessMessageReject others), as the session-level test suites expect.
struct FIXAcceptorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fix-acceptor",
        abstract: "Run a FIX acceptor (the conformance-test application) on a TCP port."
    )

    @Flag(name: .long, help: "Run the conformance-test application (required for now: the only application).")
    var conformance = false

    @Option(name: .long, help: "TCP port to listen on (127.0.0.1 unless --host).")
    var port: UInt16 = 0

    @Option(name: .long, help: "A QuickFIX-style settings file (Sources/Protocols/FIX/SETTINGS.md): serve every acceptor session it declares (ports, CompIDs, dictionaries, stores, schedules, TLS) instead of the options below.")
    var settings: String? = nil

    @Option(name: .long, help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "QuickFIX-XML dictionary to validate against (default: ../shared/fix-dictionaries/FIX44.xml or FIX42.xml).")
    var dictionary: String? = nil

    @Option(name: .long, help: "FIX version: 4.4 or 4.2.")
    var version: String = "4.4"

    @Option(name: .long, help: "Our SenderCompID.")
    var senderCompID: String = "ISLD"

    @Option(name: .long, help: "The counterparty's CompID (our TargetCompID).")
    var targetCompID: String = "TW44"

    @Option(name: .long, help: "Folder for the crash-safe message store (default: in memory).")
    var storeDirectory: String? = nil

    @Option(name: .long, help: "Socket mode: blocking, epoll, busy-poll, io_uring, io_uring-spin.")
    var mode: String = "blocking"

    @Flag(name: .long, inversion: .prefixedNo, help: "Reset sequence numbers at every Logon (the suite's setting).")
    var resetOnLogon = true

    func run() throws {
        ProcessControls.lineBufferStandardOutput()
        guard conformance else { throw ValidationError("only --conformance is supported: pass --conformance") }
        if let settings { return try runSettings(settings) }
        guard port != 0 else { throw ValidationError("give --port N (or --settings FILE)") }
        let fixVersion: FIXVersion
        switch version {
        case "4.4", "FIX.4.4": fixVersion = .fix44
        case "4.2", "FIX.4.2": fixVersion = .fix42
        default: throw ValidationError("--version \(version): use 4.4 or 4.2")
        }
        guard let socketMode = SocketMode(rawValue: mode) else {
            throw ValidationError("--mode \(mode): use one of \(SocketMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let path = dictionary ?? "../shared/fix-dictionaries/\(fixVersion == .fix42 ? "FIX42" : "FIX44").xml"
        let loaded: FIXDictionary
        do { loaded = try FIXDictionary.load(path: path) } catch { throw ValidationError("\(error)") }
        var configuration = FIXSessionConfiguration(version: fixVersion, senderCompID: senderCompID,
                                                    targetCompID: targetCompID, role: .acceptor)
        configuration.resetOnLogon = resetOnLogon
        let store: any FIXMessageStore
        if let storeDirectory {
            do {
                store = try FIXFileStore(path: "\(storeDirectory)/\(senderCompID)-\(targetCompID).fixstore",
                                         creationTime: Clock.now())
            } catch { throw ValidationError("\(error)") }
        } else {
            store = FIXMemoryStore(creationTime: Clock.now())
        }
        let session = FIXSession(configuration: configuration, dictionary: loaded, store: store,
                                 application: FIXConformanceApplication())
        let address: SocketAddress
        do { address = try SocketAddress(parsing: "\(host):\(port)") } catch { throw ValidationError("\(error)") }
        let acceptor = FIXAcceptor(sessions: [session], address: address, mode: socketMode)
        do { try acceptor.start() } catch { throw ValidationError("\(error)") }
        print("fix-acceptor: \(fixVersion) \(senderCompID)<-\(targetCompID) on \(host):\(acceptor.port) (\(socketMode)), dictionary \(path), store \(storeDirectory ?? "memory"); Ctrl-C to stop")
        var printed = 0
        while true {
            _ = usleep(200_000)
            let lines = acceptor.log
            if lines.count > printed { for line in lines[printed...] { print("fix-acceptor: \(line)") }; printed = lines.count }
        }
    }

    /// Every acceptor of a settings file, each session running the conformance application.
    func runSettings(_ path: String) throws {
        let loaded: FIXSettings
        do { loaded = try FIXSettings.load(path: path) } catch { throw ValidationError("\(error)") }
        print(loaded.effectiveDescription)
        var acceptors: [FIXAcceptor] = []
        for group in loaded.acceptors {
            var sessions: [FIXSession] = []
            for s in group.sessions {
                do { sessions.append(try s.makeSession(application: FIXConformanceApplication())) } catch { throw ValidationError("\(error)") }
            }
            let acceptor = group.makeAcceptor(sessions: sessions)
            do { try acceptor.start() } catch { throw ValidationError("\(error)") }
            print("fix-acceptor: \(sessions.count) session(s) on \(group.endpoint)\(group.tlsContext != nil ? " over TLS" : ""), port \(acceptor.port)")
            acceptors.append(acceptor)
        }
        guard !acceptors.isEmpty else { throw ValidationError("\(path) declares no acceptor session (ConnectionType=acceptor)") }
        var printed = [Int](repeating: 0, count: acceptors.count)
        while true {
            _ = usleep(200_000)
            for (i, a) in acceptors.enumerated() {
                let lines = a.log
                if lines.count > printed[i] { for line in lines[printed[i]...] { print("fix-acceptor: \(line)") }; printed[i] = lines.count }
            }
        }
    }
}
