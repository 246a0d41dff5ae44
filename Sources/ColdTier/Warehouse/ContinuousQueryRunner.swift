import PeregrineCore
import PeregrineJournal
import PeregrineCEP

/// Runs a CQL file over a journal's market events in event time and stores each named
/// stream's results in `cq_<stream>`, incrementally and exactly once. The events come from
/// the journal files or, with `Options.input == .warehouse`, from the market rows the loader
/// committed, in journal order (`ContinuousQueryRunner+Warehouse.swift`); the operator calls
/// below are the same for both.
///
/// Events go through an `EventTimeSequencer` (bounded out-of-orderness on exchange time) into
/// the `CQLQuerySet`, with `onWatermark` after each advance of the sequencer's watermark —
/// the same calls, in the same order, as a hot-path replay (`docs/CQL.md`). Nothing flushes
/// windows at the end of the data: what is stored for a journal prefix is exactly what the
/// engine had emitted after that prefix, so later runs only ever append.
///
/// Exactly once: the operators' state is not persisted, so each run replays its source from
/// its start to rebuild it (CEP runs at millions of events a second; the journal re-read is
/// the cost) and numbers every result in emission order. `cq_positions` stores, per query
/// name, the last journal sequence processed and how many results that prefix produced; a
/// run skips those results and writes the rest, each batch's rows committed in one
/// transaction with the new position. The primary key `(query_name, output_index)` makes a
/// duplicate impossible, and a fingerprint of the CQL text and settings makes a changed query
/// fail loudly instead of mixing results.
///
/// Blocking; one thread. Call `WarehouseSchema.migrate` first. After a thrown error the
/// runner's operators are ahead of what was committed: discard it and make a new one (it
/// replays up to the stored position and continues).
public final class ContinuousQueryRunner {
    public struct Options: Sendable {
        public var journalDirectory: String
        public var journalName: String
        /// Key in `cq_positions` (default: the CQL file's base name).
        public var queryName: String
        /// CQL source text and the name used in diagnostics.
        public var source: String
        public var file: String
        public var cql: CQLOptions
        /// Event-time disorder tolerated before an event counts as late (and is dropped).
        public var maxOutOfOrderness: Nanoseconds
        /// Events the sequencer may hold.
        public var sequencerCapacity: Int
        /// Journal records per transaction.
        public var batchRecords: Int
        /// Keep polling the journal for new records.
        public var follow: Bool
        public var pollIntervalMillis: Int
        /// Where the events come from: the journal files, or the rows the loader committed to
        /// the warehouse (`journalName` then names the loader's `journal_positions` row).
        public var input: ContinuousQueryInput

        public init(journalDirectory: String, journalName: String = "journal", queryName: String, source: String,
                    file: String = "<input>", cql: CQLOptions = CQLOptions(instruments: 1_024),
                    maxOutOfOrderness: Nanoseconds = .milliseconds(0), sequencerCapacity: Int = 65_536,
                    batchRecords: Int = 50_000, follow: Bool = false, pollIntervalMillis: Int = 20,
                    input: ContinuousQueryInput = .journal) {
            precondition(batchRecords > 0 && sequencerCapacity > 0, "batchRecords and sequencerCapacity must be positive")
            self.journalDirectory = journalDirectory; self.journalName = journalName; self.queryName = queryName
            self.source = source; self.file = file; self.cql = cql; self.maxOutOfOrderness = maxOutOfOrderness
            self.sequencerCapacity = sequencerCapacity; self.batchRecords = batchRecords
            self.follow = follow; self.pollIntervalMillis = pollIntervalMillis; self.input = input
        }

        /// Everything that changes which results a journal yields (FNV-1a, hex).
        public var fingerprint: String {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            let text = "\(source)\u{0}\(cql.instruments)|\(cql.firstStreamId)|\(cql.defaultWindowCapacity)|"
                + "\(maxOutOfOrderness.count)|\(sequencerCapacity)" + (input == .warehouse ? "|warehouse" : "")
            for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0100_0000_01b3 }
            let hex = String(hash, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }
    }

    /// What a run did.
    public struct Progress: Sendable {
        /// Journal records read this run (including the replayed prefix).
        public var recordsRead = 0
        /// Market events fed to the queries; events late beyond the tolerance (dropped);
        /// events whose instrument is outside `0..<instruments` (skipped).
        public var eventsProcessed = 0, lateEvents = 0, eventsOutOfRange = 0
        /// Results emitted (all runs, in order) and rows written by this run.
        public var outputIndex: Int64 = 0
        public var rowsWritten = 0
        /// Results lost because the output buffer filled within one event.
        public var outputsDropped = 0
        public var batchesCommitted = 0
        /// Last journal sequence committed.
        public var lastSequence: UInt64 = 0
        /// Warehouse input: the loader's committed journal sequence (`journal_positions`)
        /// when last looked at; 0 with journal input.
        public var loadedSequence: UInt64 = 0
        /// Warehouse input: loaded records this query has not processed yet.
        public var recordsBehind: UInt64 { loadedSequence > lastSequence ? loadedSequence - lastSequence : 0 }
        public var caughtUp = false
    }

    public let connection: PostgresConnection
    public let options: Options
    /// The named streams written, with their tables and value columns.
    public let tables: [ContinuousQueryTable]
    var queries: CQLQuerySet
    /// Table index by `stream id − firstStreamId` (nil: not stored).
    let tableByStream: [Int?]

    // Pipeline state (single-use runner): sequencer, output buffer, watermark, the rows of
    // the batch being built (one COPY stream per table), results already stored (skipped).
    var sequencer: EventTimeSequencer<MarketEvent>
    var output = CEPOutputBuffer(capacity: 65_536)
    var watermark = Timestamp(nanosecondsSinceEpoch: .min)
    var rows: [BinaryCopyEncoder]
    var skip: Int64 = 0
    /// What the run has done so far (also read by services for their status).
    public internal(set) var progress = Progress()
    /// Warehouse input: the stored position once read, the last journal sequence read from
    /// the warehouse, and whether the replayed prefix has been checked.
    var storedPosition: (sequence: UInt64, outputs: Int64)?
    var warehouseCursor: UInt64 = 0
    var prefixChecked = false

    /// Compiles the CQL (throws `CQLError` with rendered diagnostics).
    public init(connection: PostgresConnection, options: Options) throws {
        self.connection = connection
        self.options = options
        sequencer = EventTimeSequencer<MarketEvent>(capacity: options.sequencerCapacity, maxOutOfOrderness: options.maxOutOfOrderness)
        queries = try CQL.compile(options.source, file: options.file, options: options.cql)
        var tables: [ContinuousQueryTable] = []
        var byStream: [Int?] = []
        for stream in queries.streams {
            if stream.isNamed {
                byStream.append(tables.count)
                tables.append(try ContinuousQueryTable(stream: stream))
            } else {
                byStream.append(nil)
            }
        }
        self.tables = tables
        tableByStream = byStream
        rows = tables.map { _ in BinaryCopyEncoder(reservingBytes: 1 << 12) }
    }

    /// Loads from the stored position to the end of the journal (or, with `follow`, until
    /// `shouldStop`); see the type's note. A runner is single-use: its queries hold state.
    /// With `Options.input == .warehouse` it reads the loaded `trades`/`quotes`/`depth`/
    /// `bars`/`market_status` rows instead (see `step()`).
    @discardableResult
    public func run(shouldStop: () -> Bool = { false }, onProgress: (Progress) -> Void = { _ in }) throws -> Progress {
        if options.input == .warehouse { return try runWarehouse(shouldStop: shouldStop, onProgress: onProgress) }
        try ensureTables()
        let stored = try position()
        progress = Progress()
        progress.lastSequence = stored.sequence
        skip = stored.outputs
        let reader: JournalReader
        do {
            reader = try JournalReader(directory: options.journalDirectory, name: options.journalName)
        } catch {
            throw WarehouseError(.journal, "\(error)", context: "opening journal '\(options.journalName)' in \(options.journalDirectory)")
        }
        var pendingRecords = 0
        var checkedPrefix = stored.sequence == 0

        while !shouldStop() {
            var endOfData = false
            do {
                while pendingRecords < options.batchRecords {
                    guard let record = try reader.next() else { endOfData = true; break }
                    progress.recordsRead += 1
                    if record.type == .marketEvent, let event = WarehousePayload.marketEvent(record) {
                        feed(event, sequence: record.sequence)
                    }
                    if record.sequence <= stored.sequence {
                        if record.sequence == stored.sequence { try checkPrefix(progress.outputIndex, stored); checkedPrefix = true }
                        continue
                    }
                    if !checkedPrefix { try checkPrefix(progress.outputIndex, stored); checkedPrefix = true }
                    progress.lastSequence = record.sequence
                    pendingRecords += 1
                }
            } catch let error as WarehouseError {
                throw error
            } catch {
                throw WarehouseError(.journal, "\(error)", context: "reading journal '\(options.journalName)' for query '\(options.queryName)'")
            }
            let committing = pendingRecords > 0
            if committing {
                try commit(&rows, progress: progress, previousSequence: committedSequence ?? stored.sequence)
                committedSequence = progress.lastSequence
                progress.batchesCommitted += 1
                pendingRecords = 0
            }
            let becameIdle = endOfData && !progress.caughtUp
            progress.caughtUp = endOfData
            if committing || becameIdle { onProgress(progress) }
            if endOfData {
                if !options.follow { break }
                WallClock.sleep(milliseconds: options.pollIntervalMillis)
            }
        }
        return progress
    }

    /// Feeds one market event (from the journal or a warehouse row) through the sequencer
    /// and the queries, exactly as the hot path would, and encodes the results numbered
    /// above the stored count for the next commit.
    func feed(_ event: MarketEvent, sequence: UInt64) {
        if event.instrument.index >= queries.instruments {
            progress.eventsOutOfRange += 1
        } else if sequencer.offer(event) == .late {
            progress.lateEvents += 1
        }
        while let next = sequencer.poll() {
            queries.onEvent(next, time: next.exchangeTime, into: &output)
            progress.eventsProcessed += 1
        }
        if sequencer.watermark > watermark {
            watermark = sequencer.watermark
            queries.onWatermark(watermark, into: &output)
        }
        for i in 0..<output.count {
            let result = output[i]
            progress.outputIndex += 1
            guard progress.outputIndex > skip else { continue }
            let s = Int(result.stream.rawValue) - Int(queries.firstStreamId)
            guard s >= 0, s < tableByStream.count, let t = tableByStream[s] else { continue }
            tables[t].encode(result, queryName: options.queryName, outputIndex: progress.outputIndex,
                             journalSequence: sequence, into: &rows[t])
            progress.rowsWritten += 1
        }
        progress.outputsDropped = output.dropped
        output.removeAll()
    }

    var committedSequence: UInt64?

    /// The replayed prefix must reproduce the stored result count, or the journal, the engine
    /// or the settings changed under the stored results.
    func checkPrefix(_ outputs: Int64, _ stored: (sequence: UInt64, outputs: Int64)) throws {
        guard outputs == stored.outputs else {
            throw WarehouseError(.continuousQueryMismatch,
                                 "replaying the journal to sequence \(stored.sequence) gave \(outputs) result(s), but \(stored.outputs) are stored",
                                 context: "resuming query '\(options.queryName)'; the journal or the CEP engine changed — drop its cq_ tables and cq_positions row to recompute")
        }
    }
}
