import PeregrineCore
import PeregrineFIX
import PeregrinePlatform
#if canImport(Glibc)
import Glibc
#endif

/// A failure of the interop set-up (harness build, process spawn, timeout), with the text
/// the test prints.
struct InteropError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Paths, the QuickFIX harness build (tools/quickfix/build.sh) and helpers shared by the
/// interop tests.
enum QuickFIX {
    /// The package root, from this file's real path (symlinks resolved).
    static let packageRoot: String = {
        var path = #filePath
        if let resolved = realpath(path, nil) {
            path = String(cString: resolved)
            free(resolved)
        }
        var parts = path.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)   // Tests/FIXInteropTests/QuickFIXHarness.swift
        return parts.joined(separator: "/")
    }()
    static let dictionaryDirectory = packageRoot + "/../shared/fix-dictionaries"
    static let dictionaryPath = dictionaryDirectory + "/FIX44.xml"
    static let buildScript = packageRoot + "/tools/quickfix/build.sh"
    /// Where the harness binaries are cached between runs (build.sh skips them when up to
    /// date): one folder per checkout, so worktrees with different harness sources never
    /// share binaries.
    static let buildDirectory = "/tmp/peregrine-quickfix-build" + String(packageRoot.map { $0 == "/" ? "-" : $0 })

    static let fix44: FIXDictionary = try! FIXDictionary.load(path: dictionaryDirectory + "/FIX44.xml")
    static let fix42: FIXDictionary = try! FIXDictionary.load(path: dictionaryDirectory + "/FIX42.xml")

    /// The QuickFIX XML dictionary file of `version` (both engines validate against the same file).
    static func dictionaryPath(_ version: FIXVersion) -> String {
        dictionaryDirectory + (version == .fix42 ? "/FIX42.xml" : "/FIX44.xml")
    }

    static func dictionary(_ version: FIXVersion) -> FIXDictionary { version == .fix42 ? fix42 : fix44 }

    /// The build outcome, computed once per test process: the binaries' folder, or why not.
    static let built: Result<String, InteropError> = build()

    /// The folder holding qf_acceptor and qf_initiator; throws (failing the test) when
    /// libquickfix-dev is missing or the harness does not compile.
    static func harness() throws -> String { try built.get() }

    static func build() -> Result<String, InteropError> {
        if access("/usr/include/quickfix/Application.h", R_OK) != 0 && access("/usr/local/include/quickfix/Application.h", R_OK) != 0 {
            return .failure(InteropError("""
                QuickFIX is not installed: the interop tests need Debian's libquickfix-dev \
                (apt-get install -y libquickfix-dev) to build tools/quickfix/qf_acceptor and qf_initiator
                """))
        }
        mkdir(buildDirectory, 0o755)
        let logPath = buildDirectory + "/build.log"
        let started = Clock.monotonicNanos()
        let process: ChildProcess
        do {
            process = try ChildProcess(executable: "/bin/sh", arguments: [buildScript, buildDirectory], outputPath: logPath,
                                       inheritEnvironment: true)
        } catch {
            return .failure(error)
        }
        let status = process.wait(timeoutSeconds: 300)
        let seconds = Double(Clock.monotonicNanos() - started) / 1e9
        print("[interop] tools/quickfix/build.sh: \(status) in \((seconds * 10).rounded() / 10) s")
        guard status == .exited(0) else {
            return .failure(InteropError("building the QuickFIX harness failed (\(status)):\n" + readText(logPath)))
        }
        return .success(buildDirectory)
    }

    /// A TCP port free on loopback right now.
    static func freePort() throws -> UInt16 {
        let socket = try TCPSocket.listen(on: .loopback(port: 0))
        let port = try socket.localAddress().port
        socket.close()
        return port
    }

    static func readText(_ path: String) -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 65536) }
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

func sleepMillis(_ ms: Int) {
    var t = timespec(tv_sec: ms / 1000, tv_nsec: (ms % 1000) * 1_000_000)
    _ = nanosleep(&t, nil)
}

/// Polls `condition` every 10 ms until it holds or `seconds` pass; returns whether it held.
@discardableResult
func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Clock.monotonicNanos() + UInt64(seconds * 1e9)
    while true {
        if condition() { return true }
        if Clock.monotonicNanos() >= deadline { return false }
        sleepMillis(10)
    }
}

/// How a child process ended.
enum ChildStatus: Equatable, CustomStringConvertible {
    case running
    case exited(Int32)
    case signalled(Int32)

    var description: String {
        switch self {
        case .running: return "still running"
        case .exited(let code): return "exit \(code)"
        case .signalled(let signal): return "signal \(signal)"
        }
    }
}

/// A child process (posix_spawn) in its own process group, stdout and stderr to a file;
/// killed (SIGKILL, whole group) when dropped or on `kill`.
final class ChildProcess: @unchecked Sendable {
    // SAFETY: used by one test thread.
    let pid: pid_t
    let outputPath: String
    private(set) var status: ChildStatus = .running

    init(executable: String, arguments: [String], outputPath: String, inheritEnvironment: Bool = false) throws(InteropError) {
        self.outputPath = outputPath
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        var environment = ["LANG=C", "TZ=UTC"]
        if inheritEnvironment {
            for name in ["PATH", "HOME", "CXX", "TMPDIR"] {
                if let value = getenv(name) { environment.append(name + "=" + String(cString: value)) }
            }
        }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw InteropError("posix_spawn \(executable) failed: \(String(cString: strerror(rc)))") }
        pid = child
    }

    deinit { kill() }

    /// Reaps the child if it ended; returns its status.
    @discardableResult
    func poll() -> ChildStatus {
        guard status == .running else { return status }
        var raw: Int32 = 0
        if waitpid(pid, &raw, WNOHANG) == pid {
            status = raw & 0x7f == 0 ? .exited((raw >> 8) & 0xff) : .signalled(raw & 0x7f)
        }
        return status
    }

    /// Waits up to `timeoutSeconds` for the child to end; kills it (SIGKILL) if it did not.
    @discardableResult
    func wait(timeoutSeconds: Double) -> ChildStatus {
        if waitUntil(seconds: timeoutSeconds, { poll() != .running }) { return status }
        kill()
        return .running
    }

    /// Sends `signal` to the child's process group.
    func signal(_ signal: Int32) {
        guard poll() == .running else { return }
        _ = Glibc.kill(-pid, signal)
    }

    /// SIGKILL to the group, then reaps (bounded).
    func kill() {
        guard poll() == .running else { return }
        _ = Glibc.kill(-pid, SIGKILL)
        _ = waitUntil(seconds: 5) { poll() != .running }
    }

    /// Everything printed so far.
    var output: String { QuickFIX.readText(outputPath) }

    /// The harness's protocol lines so far (see tools/quickfix/qf_common.h).
    var lines: [HarnessLine] { output.split(separator: "\n").map { HarnessLine(String($0)) } }

    /// Waits until a line satisfies `match` (or the process ends, or the time is up).
    @discardableResult
    func waitForLine(seconds: Double, _ match: (HarnessLine) -> Bool) -> Bool {
        var found = false
        waitUntil(seconds: seconds) {
            found = lines.contains(where: match)
            return found || poll() != .running
        }
        return found || lines.contains(where: match)
    }

    /// The last lines of the output, for failure messages.
    func tail(_ count: Int = 40) -> String {
        let all = output.split(separator: "\n")
        return "--- \(outputPath) (\(status)) ---\n" + all.suffix(count).joined(separator: "\n")
    }
}

/// One output line of qf_acceptor / qf_initiator: a word and, for SEND/RECV, the summary
/// tags ("RECV 35=8 34=4 43=Y 11=ORD-3 150=0 39=0").
struct HarnessLine: CustomStringConvertible {
    let text: String
    let word: String
    let fields: [String: String]

    init(_ text: String) {
        self.text = text
        let parts = text.split(separator: " ")
        word = parts.first.map(String.init) ?? ""
        var fields: [String: String] = [:]
        for part in parts.dropFirst() {
            if let eq = part.firstIndex(of: "=") {
                fields[String(part[..<eq])] = String(part[part.index(after: eq)...])
            }
        }
        self.fields = fields
    }

    subscript(tag: Int) -> String? { fields[String(tag)] }
    var description: String { text }

    /// A message line (SEND or RECV) of MsgType `type`.
    func isMessage(_ direction: String, _ type: String) -> Bool { word == direction && self[35] == type }
}

extension Array where Element == HarnessLine {
    /// SEND/RECV lines of one MsgType.
    func messages(_ direction: String, _ type: String) -> [HarnessLine] { filter { $0.isMessage(direction, type) } }
    /// Sequence numbers of the SEND/RECV lines, in order, skipping PossDup resends.
    func sequenceNumbers(_ direction: String) -> [Int] {
        filter { $0.word == direction && $0[43] != "Y" }.compactMap { $0[34].flatMap { Int($0) } }
    }
}

extension String {
    /// SOH shown as `|`.
    var replacingSOH: String { String(map { $0 == "\u{1}" ? "|" : $0 }) }
}
