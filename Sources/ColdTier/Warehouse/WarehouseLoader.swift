import PeregrineCore
import PeregrineJournal
#if canImport(Glibc)
import Glibc
#endif

/// What a loader has done so far (for progress lines and metrics).
public struct WarehouseProgress: Sendable {
    /// Records committed by this run.
    public var recordsLoaded = 0
    /// Of those, records that went to quarantine.
    public var recordsQuarantined = 0
    /// Transactions committed by this run.
    public var batchesCommitted = 0
    /// Journal sequence of the last committed record (0: none ever).
    public var lastSequence: UInt64 = 0
    /// Journal timestamp of the last committed record, ns since the epoch.
    public var lastRecordTimeNanos: Int64 = 0
    /// Journal timestamp of the first record of the last committed batch (its oldest).
    public var lastBatchFirstRecordTimeNanos: Int64 = 0
    /// Records in the last committed batch.
    public var lastBatchRecords = 0
    /// Wall time (ns since the epoch) when the last batch's COMMIT returned: from then on
    /// its rows are visible to other sessions. `lastCommitNanos - lastBatchFirstRecordTimeNanos`
    /// is the batch's journal-append → row-visible lag for its oldest record.
    public var lastCommitNanos: Int64 = 0
    /// Wall time now minus the last committed record's journal time (0 before any).
    public var lagNanos: Int64 = 0
    /// Wall time since the run started.
    public var elapsedNanos: Int64 = 0
    /// Whether the loader has read everything the journal holds right now.
    public var caughtUp = false
    /// Sequence of the newest record in the journal when this progress was taken.
    public var journalHeadSequence: UInt64 = 0
    /// Records in the journal not yet committed to the warehouse (head minus last loaded).
    public var journalLagRecords: UInt64 { journalHeadSequence > lastSequence ? journalHeadSequence - lastSequence : 0 }
    /// Times the loader lost PostgreSQL and reconnected during this run.
    public var reconnects = 0

    /// Records per second over the run.
    public var recordsPerSecond: Double {
        elapsedNanos > 0 ? Double(recordsLoaded) * 1e9 / Double(elapsedNanos) : 0
    }
}

/// Where a journal's load stands, as stored in `journal_positions`.
public struct JournalPosition: Sendable, Equatable {
    public var journalName: String
    /// Roll number and offset of the last loaded record.
    public var fileIndex: UInt64
    public var fileOffset: Int
    /// Sequence of the last loaded record.
    public var sequence: UInt64
    /// Records loaded over all runs.
    public var recordsLoaded: Int64
}

/// Loads a journal into the warehouse: reads from the last committed position, turns each
/// batch of records into binary COPY streams, and commits each batch in one transaction
/// together with the new journal position — so a crash or re-run never loses or
/// duplicates a row. Rows that break an ODS rule go to `quarantine`.
///
/// Blocking; one thread. Call `WarehouseSchema.migrate` first (the loader does not).
public final class WarehouseLoader {
    public struct Options: Sendable {
        public var journalDirectory: String
        public var journalName: String
        /// Records per transaction.
        public var batchRecords: Int
        /// Keep polling the journal for new records instead of stopping at its end.
        public var follow: Bool
        /// Sleep between polls when caught up (follow mode).
        public var pollIntervalMillis: Int
        /// Stop after this many committed batches (tests; `nil`: no limit).
        public var maxBatches: Int?
        /// Back-off and reconnect after a transient PostgreSQL failure (`.never`: throw it).
        public var retry: WarehouseRetryPolicy

        public init(journalDirectory: String, journalName: String = "journal", batchRecords: Int = 50_000,
                    follow: Bool = false, pollIntervalMillis: Int = 20, maxBatches: Int? = nil,
                    retry: WarehouseRetryPolicy = WarehouseRetryPolicy()) {
            precondition(batchRecords > 0, "batchRecords must be positive")
            self.journalDirectory = journalDirectory
            self.journalName = journalName
            self.batchRecords = batchRecords
            self.follow = follow
            self.pollIntervalMillis = pollIntervalMillis
            self.maxBatches = maxBatches
            self.retry = retry
        }
    }

    /// The current connection; replaced (same conninfo) after a transient failure.
    public private(set) var connection: PostgresConnection
    public let options: Options
    /// Called inside each batch's transaction just before COMMIT, with the batch number
    /// (1-based, this run). Tests use it to simulate a crash mid-batch.
    public var beforeCommit: ((Int) throws -> Void)?
    /// Called before each back-off sleep after a lost connection (for the log).
    public var onRetry: ((WarehouseRetry) -> Void)?
    /// Called after each successful reconnect, with the position it resumes from.
    public var onReconnect: ((JournalPosition?) -> Void)?

    let ledger = OrderLedger()
    var knownPartitions: Set<PartitionDay> = []
    var knownInstruments: Set<UInt32> = []

    public init(connection: PostgresConnection, options: Options) {
        self.connection = connection
        self.options = options
    }

    /// The committed position of this loader's journal, or `nil` before the first batch.
    public func committedPosition() throws -> JournalPosition? {
        let rows = try connection.query(
            "SELECT file_index, file_offset, sequence, records_loaded FROM journal_positions WHERE journal_name = $1",
            [options.journalName])
        guard let row = rows.rows.first, let file = row[0].flatMap({ Int64($0) }), let offset = row[1].flatMap({ Int($0) }),
              let sequence = row[2].flatMap({ Int64($0) }), let total = row[3].flatMap({ Int64($0) }) else { return nil }
        return JournalPosition(journalName: options.journalName, fileIndex: UInt64(bitPattern: file), fileOffset: offset,
                               sequence: UInt64(bitPattern: sequence), recordsLoaded: total)
    }

    /// Loads from the committed position to the end of the journal (or, with `follow`,
    /// until `shouldStop` returns true), calling `onProgress` after every batch, on
    /// catching up, and at least once per second while idle. `shouldStop` is checked
    /// between batches: the batch in flight is always committed or rolled back whole.
    ///
    /// A transient PostgreSQL failure (`PostgresError.isTransient`: lost connection, admin
    /// shutdown, server not accepting yet) does not end the run: the loader backs off
    /// (`Options.retry`), reconnects and resumes after the position committed in
    /// `journal_positions` — the failed batch's rows were rolled back with it (or, if the
    /// COMMIT reached the server before the connection broke, the stored position says so),
    /// so nothing is lost or loaded twice. `shouldStop` also ends a back-off wait.
    /// Returns the run's totals.
    @discardableResult
    public func run(shouldStop: () -> Bool = { false },
                    onProgress: (WarehouseProgress) -> Void = { _ in }) throws -> WarehouseProgress {
        let started = WallClock.nowNanos()
        var progress = WarehouseProgress()
        var attempt = 0
        var batchesAtFailure = 0
        var generator = SystemRandomNumberGenerator()
        while true {
            do {
                if !connection.isConnected {
                    connection = try PostgresConnection(conninfo: connection.conninfo)
                    progress.reconnects += 1
                    onReconnect?(try committedPosition())
                }
                try load(&progress, started: started, shouldStop: shouldStop, onProgress: onProgress)
                break
            } catch let error as PostgresError where error.isTransient {
                connection.close()
                if progress.batchesCommitted > batchesAtFailure { attempt = 0 }   // a new outage
                batchesAtFailure = progress.batchesCommitted
                attempt += 1
                if let limit = options.retry.maxAttempts, attempt > limit { throw error }
                let delay = options.retry.delayMillis(attempt: attempt, using: &generator)
                onRetry?(WarehouseRetry(attempt: attempt, maxAttempts: options.retry.maxAttempts, delayMillis: delay,
                                        error: error, lastCommittedSequence: progress.lastSequence))
                if !Self.sleep(milliseconds: delay, unless: shouldStop) { break }
            }
        }
        progress.elapsedNanos = WallClock.nowNanos() - started
        return progress
    }

    /// Sleeps in short slices so a stop request ends the wait; false when stopped.
    static func sleep(milliseconds: Int, unless shouldStop: () -> Bool) -> Bool {
        var remaining = milliseconds
        while remaining > 0 {
            if shouldStop() { return false }
            let slice = min(remaining, 50)
            WallClock.sleep(milliseconds: slice)
            remaining -= slice
        }
        return !shouldStop()
    }

    /// One connected stretch of `run`: from the committed position until done, stopped, or
    /// a PostgreSQL error (thrown; `run` decides whether to retry).
    private func load(_ progress: inout WarehouseProgress, started: Int64, shouldStop: () -> Bool,
                      onProgress: (WarehouseProgress) -> Void) throws {
        let position = try committedPosition()
        var lastLoaded = position?.sequence ?? 0
        progress.lastSequence = lastLoaded
        let reader: JournalReader
        // A second cursor that only finds the journal's head, for the lag in records. It
        // reads each record once more (a header and no decoding): cheap next to COPY.
        let head: JournalReader
        do {
            reader = try JournalReader(directory: options.journalDirectory, name: options.journalName, fromFile: position?.fileIndex)
            head = try JournalReader(directory: options.journalDirectory, name: options.journalName, fromFile: position?.fileIndex)
        } catch {
            throw WarehouseError(.journal, "\(error)", context: "opening journal '\(options.journalName)' in \(options.journalDirectory)")
        }
        var lastReport = WallClock.nowNanos()
        // Two batches reused (emptied, buffers kept) for every transaction of this stretch:
        // while one's COPY data drains to the server, the next is read and encoded into the
        // other (`prefetch`), so the client's work overlaps the server's instead of
        // alternating with it. Prefetched records are only ever committed by the next
        // batch's own transaction; a failed or stopped run drops them with the reader and
        // resumes after the committed position, as before.
        var batch = WarehouseBatch()
        var next = WarehouseBatch()
        var prefetchError: (any Error)?
        let batchRecords = options.batchRecords
        let prefetch = { () -> Bool in
            guard prefetchError == nil, next.recordCount < batchRecords else { return false }
            do {
                for _ in 0..<1024 where next.recordCount < batchRecords {
                    guard let record = try reader.next() else { return false }
                    if record.sequence <= lastLoaded { continue }
                    next.add(record)
                }
            } catch {
                prefetchError = error
                return false
            }
            return true
        }
        while !shouldStop() {
            if let error = prefetchError {
                throw WarehouseError(.journal, "\(error)", context: "reading journal '\(options.journalName)' after sequence \(lastLoaded)")
            }
            var endOfData = false
            do {
                while batch.recordCount < options.batchRecords {
                    guard let record = try reader.next() else { endOfData = true; break }
                    if record.sequence <= lastLoaded { continue }   // committed by an earlier run
                    batch.add(record)
                }
            } catch {
                throw WarehouseError(.journal, "\(error)", context: "reading journal '\(options.journalName)' after sequence \(lastLoaded)")
            }
            if !batch.isEmpty {
                try commit(&batch, previousSequence: lastLoaded, batchNumber: progress.batchesCommitted + 1, whileSending: prefetch)
                lastLoaded = batch.lastSequence
                progress.recordsLoaded += batch.recordCount
                progress.recordsQuarantined += batch.quarantineCount
                progress.batchesCommitted += 1
                progress.lastSequence = batch.lastSequence
                progress.lastRecordTimeNanos = batch.lastTimestamp
                progress.lastBatchFirstRecordTimeNanos = batch.firstTimestamp
                progress.lastBatchRecords = batch.recordCount
                progress.lastCommitNanos = WallClock.nowNanos()
            }
            let now = WallClock.nowNanos()
            progress.elapsedNanos = now - started
            progress.lagNanos = progress.lastRecordTimeNanos > 0 ? max(0, now - progress.lastRecordTimeNanos) : 0
            // Caught up: the journal's end was reached and nothing arrived while committing.
            let drained = endOfData && next.isEmpty
            let becameIdle = drained && !progress.caughtUp
            progress.caughtUp = drained
            if !batch.isEmpty || becameIdle || now - lastReport >= 1_000_000_000 {
                while let record = try? head.next() { progress.journalHeadSequence = max(progress.journalHeadSequence, record.sequence) }
                if drained { progress.journalHeadSequence = max(progress.journalHeadSequence, lastLoaded) }
                onProgress(progress)
                lastReport = now
            }
            if let maxBatches = options.maxBatches, progress.batchesCommitted >= maxBatches { break }
            if drained {
                if !options.follow { break }
                if batch.isEmpty { WallClock.sleep(milliseconds: options.pollIntervalMillis) }
            }
            // The prefetched records start the next batch; this one is emptied for reuse.
            swap(&batch, &next)
            next.reset()
        }
    }
}
