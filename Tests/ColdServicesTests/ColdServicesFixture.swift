import Testing
import PeregrineCore
import PeregrineJournal
import PeregrineCEP
import PeregrineTestKit
import PeregrineWarehouse
#if canImport(Glibc)
import Glibc
#endif

/// Shell helpers for the services tests: the package root, running a script, the test
/// cluster (`scripts/postgres-test-cluster.sh`, as in WarehouseTests/TestDatabase.swift).
enum ColdTestSupport {
    /// Tests/ColdServicesTests/ColdServicesFixture.swift → the package root.
    static var root: String {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// Runs a shell command; its output, or throws with it when the exit status is not 0.
    @discardableResult
    static func shell(_ command: String) throws -> String {
        guard let pipe = popen(command + " 2>&1", "r") else { throw Failure(description: "could not run \(command)") }
        var output = ""
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), pipe) != nil {
            let length = buffer.firstIndex(of: 0) ?? buffer.count
            output += String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        let status = pclose(pipe)
        guard (status >> 8) & 0xff == 0 else { throw Failure(description: "\(command) failed (exit \((status >> 8) & 0xff)):\n\(output)") }
        return output
    }

    /// `scripts/postgres-test-cluster.sh COMMAND` on `port`; the conninfo it exports.
    @discardableResult
    static func cluster(_ command: String, port: Int = 54329) throws -> String {
        let output = try shell("PEREGRINE_PG_PORT=\(port) bash '\(root)/scripts/postgres-test-cluster.sh' \(command)")
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("export PEREGRINE_PG_CONNINFO=") }) else { return "" }
        return String(line.dropFirst("export PEREGRINE_PG_CONNINFO=".count).filter { $0 != "'" })
    }

    /// The shared test cluster's conninfo (`PEREGRINE_PG_CONNINFO`, or started on 54329).
    static let conninfo: Result<String, Failure> = {
        if let value = getenv("PEREGRINE_PG_CONNINFO"), !String(cString: value).isEmpty { return .success(String(cString: value)) }
        do {
            let conninfo = try cluster("start")
            return conninfo.isEmpty ? .failure(Failure(description: "the test cluster printed no conninfo")) : .success(conninfo)
        } catch let error as Failure {
            return .failure(Failure(description: "PostgreSQL is needed (apt-get install -y postgresql, or set PEREGRINE_PG_CONNINFO): \(error)"))
        } catch {
            return .failure(Failure(description: "\(error)"))
        }
    }()

    /// A fresh database on `base`; its conninfo.
    static func database(_ name: String, base: String) throws -> String {
        let admin = try PostgresConnection(conninfo: base)
        defer { admin.close() }
        try admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        try admin.execute("CREATE DATABASE \(name)")
        return base + " dbname=\(name)"
    }

    static func dropDatabase(_ name: String, base: String) {
        if let admin = try? PostgresConnection(conninfo: base) { _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)"); admin.close() }
    }

    static func sleep(milliseconds: Int) { usleep(UInt32(milliseconds) * 1_000) }
}

/// A journal being appended to (trades on three instruments with bounded exchange-time
/// disorder, a quote every fourth), and the CQL the services run over it.
final class GrowingJournal: @unchecked Sendable {
    // SAFETY: used from one test thread at a time (the appending loop or the checks).
    let directory = TemporaryDirectory("coldservices")
    let writer: JournalWriter
    let start = Timestamp(year: 2026, month: 1, day: 5, hour: 14, minute: 30)!
    private(set) var records = 0
    private(set) var marketRecords = 0
    private var next = 0

    static let e8: Int64 = 100_000_000
    static let cql = """
        INSERT INTO bars_1m SELECT first(price) AS open, max(price) AS high, min(price) AS low, last(price) AS close,
            vwap(price, quantity) AS vwap FROM trades [TUMBLING 1 MINUTE CAPACITY 4096] GROUP BY instrument;
        INSERT INTO mid_ema SELECT EMA(mid, 5) AS ema FROM quotes GROUP BY instrument;
        """
    static let cqlOptions = CQLOptions(instruments: 8)
    static let lateness = Nanoseconds.seconds(2)

    init() throws {
        writer = try JournalWriter(directory: directory.path, name: "journal", fileBytes: 1 << 20)
    }

    deinit {
        writer.close()
        directory.remove()
    }

    /// Appends `count` more trades (and their quotes and commands) and flushes them.
    func append(_ count: Int) throws {
        for _ in 0..<count {
            let i = next
            next += 1
            let jitter = Int64((i * 7919) % 1_500) - 750
            let time = start + Nanoseconds.milliseconds(Int64(i) * 250 + jitter)
            let price = (100 + Int64((i * 31) % 17)) * Self.e8 + Int64(i % 9) * 1_000_000
            let instrument = InstrumentId(rawValue: UInt32(i % 3 + 1))
            add(MarketEvent.trade(instrument, venue: VenueId(rawValue: 1), price: Price(rawValue: price),
                                  quantity: Quantity(rawValue: Int64(i % 5 + 1) * Self.e8), exchangeTime: time, receiveTime: time,
                                  sequence: UInt64(i), tradeId: UInt64(i)), market: true)
            if i % 4 == 0 {
                add(MarketEvent.quote(instrument, venue: VenueId(rawValue: 1), bidPrice: Price(rawValue: price - Self.e8),
                                      bidQuantity: Quantity(rawValue: Self.e8), askPrice: Price(rawValue: price + Self.e8),
                                      askQuantity: Quantity(rawValue: Self.e8), exchangeTime: time, receiveTime: time), market: true)
            }
        }
        try writer.flush()
    }

    private func add(_ event: MarketEvent, market: Bool) {
        let result = writer.append(event, type: .marketEvent, timestamp: event.receiveTime)
        precondition(result != .failed, "journal append failed")
        records += 1
        if market { marketRecords += 1 }
    }

    typealias Row = [String]

    /// The in-memory answer: `cql` fed by the same sequencer over the whole journal; rows as
    /// text `stream|index|time|partition|count|values…`, in emission order.
    func inMemory() throws -> [String] {
        var queries = try CQL.compile(Self.cql, options: Self.cqlOptions)
        var sequencer = EventTimeSequencer<MarketEvent>(capacity: 65_536, maxOutOfOrderness: Self.lateness)
        var output = CEPOutputBuffer(capacity: 65_536)
        var watermark = Timestamp(nanosecondsSinceEpoch: .min)
        let reader = try JournalReader(directory: directory.path, name: "journal")
        var rows: [String] = []
        var index: Int64 = 0
        while let record = try reader.next() {
            guard record.type == .marketEvent, let event = record.load(as: MarketEvent.self) else { continue }
            sequencer.offer(event)
            while let next = sequencer.poll() { queries.onEvent(next, time: next.exchangeTime, into: &output) }
            if sequencer.watermark > watermark {
                watermark = sequencer.watermark
                queries.onWatermark(watermark, into: &output)
            }
            for i in 0..<output.count {
                let o = output[i]
                index += 1
                guard let info = queries.stream(o.stream), info.isNamed else { continue }
                let values = (0..<min(Int(o.valueCount), info.columns.count)).map { "\(o[$0])" }
                rows.append(([info.name, "\(index)", "\(o.time.nanosecondsSinceEpoch)", "\(o.partition)", "\(o.integer)"] + values).joined(separator: "|"))
            }
            output.removeAll()
        }
        return rows
    }

    /// What the warehouse stores for query `name`, in the same text form.
    static func stored(_ connection: PostgresConnection, query name: String) throws -> [String] {
        var rows: [(Int64, String)] = []
        for (stream, table) in [("bars_1m", "cq_bars_1m"), ("mid_ema", "cq_mid_ema")] {
            // The value columns, in CQL order, from the catalog (whatever the stream's columns are).
            let columns = try connection.query("""
                SELECT column_name FROM information_schema.columns WHERE table_name = $1
                AND column_name NOT IN ('query_name', 'output_index', 'time_ns', 'instrument_id', 'integer_value', 'journal_sequence')
                ORDER BY ordinal_position
                """, [table]).rows.compactMap { $0[0] }
            let result = try connection.query("""
                SELECT output_index, time_ns, instrument_id, integer_value, \(columns.joined(separator: ", ")) FROM \(table) WHERE query_name = $1
                """, [name])
            for r in result.rows {
                let values = r[4...].map { "\(Double($0 ?? "nan") ?? .nan)" }
                rows.append((Int64(r[0]!)!, ([stream, r[0]!, r[1]!, r[2]!, r[3]!] + values).joined(separator: "|")))
            }
        }
        return rows.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
