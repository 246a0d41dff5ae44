import PeregrineCore
import PeregrineCEP

/// Where a continuous query's events come from.
public enum ContinuousQueryInput: String, Sendable, Equatable, CaseIterable {
    /// The journal files, record by record (what `peregrine cq` always did).
    case journal
    /// The market rows the loader committed to the warehouse (`trades`, `quotes`, `depth`,
    /// `bars`, `market_status`), in journal-sequence order, up to the loader's committed
    /// position in `journal_positions`.
    case warehouse
}

/// Continuous queries over stored data (issue #8 item 3): the warehouse as the event source.
///
/// Each `step()` reads the market rows whose `journal_sequence` lies past the query's cursor
/// and at most the loader's committed sequence (`journal_positions.sequence`; the loader
/// commits rows and that position in one transaction, so every row at or below it is
/// visible and none will appear later), rebuilds each row's `MarketEvent` bit for bit (the
/// columns are the event's words, see SCHEMA.md), and feeds it through `feed` — the same
/// sequencer, watermark and operator calls as the journal input. The results and the new
/// position (the loader's sequence reached, like the journal input's last record read) are
/// committed in one transaction. So for the same journal the two inputs store the same rows,
/// except for market events the loader quarantined (an ODS rule): the journal input sees
/// them, the warehouse input does not.
///
/// As with the journal input, operator state is not persisted: a new runner replays the
/// stored rows up to the stored position (checking that they reproduce the stored result
/// count) and then continues; within one runner (a service) each step is incremental.
extension ContinuousQueryRunner {
    /// Market rows in `($1, $2]` by journal sequence, in that order, as the event's kind and
    /// words (the inverse of `WarehouseBatch.addMarketEvent`). Journal sequences are dense
    /// (one per record), so a range of `batchRecords` sequences holds at most that many rows:
    /// each step sorts one bounded range instead of a LIMIT over the whole backlog.
    static let warehouseRowsQuery = """
        SELECT journal_sequence, kind, instrument_id, venue_id, exchange_time_ns, receive_time_ns, w0, w1, w2, w3, w4, flags FROM (
            SELECT journal_sequence, 1 AS kind, instrument_id, venue_id, exchange_time_ns, receive_time_ns,
                   price_e8 AS w0, quantity_e8 AS w1, feed_sequence AS w2, trade_id AS w3, 0::bigint AS w4, flags::integer AS flags
              FROM trades WHERE journal_sequence > $1 AND journal_sequence <= $2
            UNION ALL
            SELECT journal_sequence, 2, instrument_id, venue_id, exchange_time_ns, receive_time_ns,
                   bid_price_e8, bid_quantity_e8, ask_price_e8, ask_quantity_e8, feed_sequence, flags
              FROM quotes WHERE journal_sequence > $1 AND journal_sequence <= $2
            UNION ALL
            SELECT journal_sequence, 3, instrument_id, venue_id, exchange_time_ns, receive_time_ns,
                   price_e8, quantity_e8, level::bigint, feed_sequence, 0, flags
              FROM depth WHERE journal_sequence > $1 AND journal_sequence <= $2
            UNION ALL
            SELECT journal_sequence, 4, instrument_id, venue_id, start_time_ns, receive_time_ns,
                   open_e8, high_e8, low_e8, close_e8, volume_e8, 0
              FROM bars WHERE journal_sequence > $1 AND journal_sequence <= $2
            UNION ALL
            SELECT journal_sequence, CASE kind WHEN 'status' THEN 5 ELSE 6 END, instrument_id, venue_id, exchange_time_ns, receive_time_ns,
                   code, 0, 0, 0, 0, 0
              FROM market_status WHERE journal_sequence > $1 AND journal_sequence <= $2
        ) m ORDER BY journal_sequence
        """

    /// BRIN indexes on `journal_sequence` (it grows with insertion order, so a block-range
    /// index is a few pages and costs COPY next to nothing) so each step reads only the new
    /// block ranges instead of scanning the market tables. Made once, under an advisory lock.
    static let warehouseIndexes = """
        SELECT pg_advisory_xact_lock(7311008);
        CREATE INDEX IF NOT EXISTS trades_journal_sequence_brin ON trades USING brin (journal_sequence);
        CREATE INDEX IF NOT EXISTS quotes_journal_sequence_brin ON quotes USING brin (journal_sequence);
        CREATE INDEX IF NOT EXISTS depth_journal_sequence_brin ON depth USING brin (journal_sequence);
        """

    /// The loader's committed journal sequence for `Options.journalName` (0 before its first batch).
    public func loadedSequence() throws -> UInt64 {
        let rows = try connection.query("SELECT sequence FROM journal_positions WHERE journal_name = $1", [options.journalName])
        return UInt64(bitPattern: rows.integer)
    }

    /// One incremental step over the warehouse (`Options.input == .warehouse`): reads the
    /// market rows of the next `batchRecords` journal sequences past the cursor (replaying the stored prefix first), and
    /// commits their results with the new position in one transaction. Returns false when
    /// there was nothing new (caught up with the loader). Blocking (libpq).
    @discardableResult
    public func step() throws -> Bool {
        precondition(options.input == .warehouse, "step() reads the warehouse; use run() for journal input")
        if storedPosition == nil {
            try ensureTables()
            // CREATE INDEX locks the table even when the index exists: look first.
            let present = try connection.query("""
                SELECT count(*) FROM pg_indexes WHERE indexname IN
                ('trades_journal_sequence_brin', 'quotes_journal_sequence_brin', 'depth_journal_sequence_brin')
                """).integer
            if present < 3 { try connection.transaction { _ = try connection.execute(Self.warehouseIndexes) } }
            let stored = try position()
            storedPosition = stored
            progress.lastSequence = stored.sequence
            committedSequence = stored.sequence
            skip = stored.outputs
            prefixChecked = stored.sequence == 0
        }
        guard let stored = storedPosition else { return false }
        let head = try loadedSequence()
        progress.loadedSequence = head
        guard warehouseCursor < head else {
            progress.caughtUp = prefixChecked
            return false
        }
        // Replay stops exactly at the stored position so its result count can be checked.
        let target = prefixChecked ? head : min(head, stored.sequence)
        let (bound, overflow) = warehouseCursor.addingReportingOverflow(UInt64(options.batchRecords))
        let upper = overflow ? target : min(target, bound)
        let result = try connection.query(Self.warehouseRowsQuery, [
            String(Int64(bitPattern: warehouseCursor)), String(Int64(bitPattern: upper))])
        for row in result.rows {
            guard let event = Self.marketEvent(row), let sequence = row[0].flatMap({ Int64($0) }) else {
                throw WarehouseError(.continuousQueryMismatch, "a market row could not be read back: \(row)",
                                     context: "reading the warehouse for query '\(options.queryName)'")
            }
            progress.recordsRead += 1
            feed(event, sequence: UInt64(bitPattern: sequence))
        }
        warehouseCursor = upper
        if !prefixChecked && warehouseCursor >= stored.sequence {
            try checkPrefix(progress.outputIndex, stored)
            prefixChecked = true
        }
        if prefixChecked, let committed = committedSequence, warehouseCursor > committed {
            progress.lastSequence = warehouseCursor
            try commit(&rows, progress: progress, previousSequence: committed)
            committedSequence = warehouseCursor
            progress.batchesCommitted += 1
        }
        progress.caughtUp = prefixChecked && warehouseCursor >= head
        return true
    }

    /// `run` for warehouse input: steps until caught up (or, with `follow`, until `shouldStop`).
    func runWarehouse(shouldStop: () -> Bool, onProgress: (Progress) -> Void) throws -> Progress {
        while !shouldStop() {
            let batches = progress.batchesCommitted
            let wasCaughtUp = progress.caughtUp
            let worked = try step()
            if progress.batchesCommitted > batches || (progress.caughtUp && !wasCaughtUp) { onProgress(progress) }
            if !worked {
                if !options.follow { break }
                WallClock.sleep(milliseconds: options.pollIntervalMillis)
            }
        }
        return progress
    }

    /// The event a row of `warehouseRowsQuery` stored (nil: a column is missing or out of range).
    static func marketEvent(_ row: [String?]) -> MarketEvent? {
        guard row.count == 12, let kindCode = row[1].flatMap({ UInt8($0) }), let kind = MarketEventKind(rawValue: kindCode),
              let instrument = row[2].flatMap({ UInt32($0) }), let venue = row[3].flatMap({ UInt16($0) }),
              let exchange = row[4].flatMap({ Int64($0) }), let receive = row[5].flatMap({ Int64($0) }),
              let w0 = row[6].flatMap({ Int64($0) }), let w1 = row[7].flatMap({ Int64($0) }), let w2 = row[8].flatMap({ Int64($0) }),
              let w3 = row[9].flatMap({ Int64($0) }), let w4 = row[10].flatMap({ Int64($0) }),
              let flags = row[11].flatMap({ Int16($0) }) else { return nil }
        var event = MarketEvent()
        event.kind = kind
        event.instrument = InstrumentId(rawValue: instrument)
        event.venue = VenueId(rawValue: venue)
        event.exchangeTime = Timestamp(nanosecondsSinceEpoch: exchange)
        event.receiveTime = Timestamp(nanosecondsSinceEpoch: receive)
        event.word0 = w0; event.word1 = w1; event.word2 = w2; event.word3 = w3; event.word4 = w4
        event.flags = UInt8(truncatingIfNeeded: flags)
        return event
    }
}
