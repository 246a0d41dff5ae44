import PeregrineCore

extension WarehouseLoader {
    /// Writes one batch and the journal position in one transaction. On failure the
    /// transaction is rolled back (or dies with the connection) and the in-memory caches
    /// that may reflect it are dropped. `whileSending` is called while COPY data is still
    /// on its way to the server (see `PostgresConnection.copyIn(_:bytes:whileSending:)`);
    /// it must not touch this connection.
    func commit(_ batch: inout WarehouseBatch, previousSequence: UInt64, batchNumber: Int,
                whileSending: (() -> Bool)? = nil) throws {
        var newPartitions: Set<PartitionDay> = []
        var newInstruments: [UInt32: Int64] = [:]
        do {
            try connection.begin()
            newPartitions = batch.partitionDays.subtracting(knownPartitions)
            if !newPartitions.isEmpty {
                let sorted = newPartitions.sorted { ($0.table, $0.day) < ($1.table, $1.day) }
                try connection.query("""
                    SELECT warehouse_ensure_day_partition(t, d) FROM unnest($1::text[], $2::bigint[]) AS x(t, d)
                    """, ["{" + sorted.map(\.table).joined(separator: ",") + "}", WarehouseText.array(sorted.map(\.day))])
            }
            newInstruments = batch.instruments.filter { !knownInstruments.contains($0.key) }
            if !newInstruments.isEmpty {
                try connection.query("""
                    INSERT INTO instruments (instrument_id, first_seen_ns)
                    SELECT * FROM unnest($1::bigint[], $2::bigint[]) ON CONFLICT (instrument_id) DO NOTHING
                    """, [WarehouseText.array(newInstruments.keys.map { Int64($0) }), WarehouseText.array(newInstruments.values)])
            }
            var flow = OrderFlowEncoding()
            if !batch.orderFlow.isEmpty {
                try ledger.load(batch.referencedOrderIds, from: connection)
                flow = batch.encodeOrderFlow(ledger: ledger)
            }
            try copy("orders", WarehouseTables.orders, &flow.orders, whileSending)
            try copy("order_commands", WarehouseTables.orderCommands, &flow.orderCommands, whileSending)
            try copy("executions", WarehouseTables.executions, &flow.executions, whileSending)
            try copy("trades", WarehouseTables.trades, &batch.trades, whileSending)
            try copy("quotes", WarehouseTables.quotes, &batch.quotes, whileSending)
            try copy("depth", WarehouseTables.depth, &batch.depth, whileSending)
            try copy("bars", WarehouseTables.bars, &batch.bars, whileSending)
            try copy("market_status", WarehouseTables.marketStatus, &batch.marketStatus, whileSending)
            try copy("risk_decisions", WarehouseTables.riskDecisions, &batch.riskDecisions, whileSending)
            try copy("filter_drops", WarehouseTables.filterDrops, &batch.filterDrops, whileSending)
            try copy("raw_messages", WarehouseTables.rawMessages, &batch.rawMessages, whileSending)
            try copy("configuration_changes", WarehouseTables.configurationChanges, &batch.configurationChanges, whileSending)
            try copy("quarantine", WarehouseTables.quarantine, &batch.quarantine, whileSending)
            try applyTotals(flow.totals)
            let updated = try connection.query("""
                INSERT INTO journal_positions AS p (journal_name, file_index, file_offset, sequence, records_loaded)
                VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (journal_name) DO UPDATE
                SET file_index = EXCLUDED.file_index, file_offset = EXCLUDED.file_offset, sequence = EXCLUDED.sequence,
                    records_loaded = p.records_loaded + EXCLUDED.records_loaded, updated_at = now()
                WHERE p.sequence = $6
                """, [options.journalName, String(Int64(bitPattern: batch.lastFileIndex)), String(batch.lastOffset),
                      String(Int64(bitPattern: batch.lastSequence)), String(batch.recordCount), String(Int64(bitPattern: previousSequence))])
            guard updated.affectedRows == 1 else {
                throw WarehouseError(.concurrentLoader, "journal_positions for '\(options.journalName)' is no longer at sequence \(previousSequence)",
                                     context: "committing batch \(batchNumber); is another loader running on this journal?")
            }
            try beforeCommit?(batchNumber)
            try connection.commit()
        } catch {
            try? connection.rollback()
            ledger.reset()
            throw error
        }
        ledger.commitPending()
        knownPartitions.formUnion(newPartitions)
        knownInstruments.formUnion(newInstruments.keys)
    }

    /// COPYs an encoder's rows (if any) straight from its buffer, leaving it empty with its
    /// room kept for the next batch (no copy of the stream, no fresh megabytes to fault in).
    private func copy(_ table: String, _ columns: [String], _ encoder: inout BinaryCopyEncoder,
                      _ whileSending: (() -> Bool)?) throws {
        guard encoder.rowCount > 0 else { return }
        try connection.copyBinary(into: table, columns: columns, draining: &encoder, whileSending: whileSending)
    }

    /// Adds the batch's fills to positions and daily cash flows (one statement each).
    private func applyTotals(_ totals: FillTotals) throws {
        if !totals.positions.isEmpty {
            let entries = Array(totals.positions)
            try connection.query("""
                INSERT INTO positions AS p (account_id, instrument_id, quantity_e8, fill_count, last_sequence)
                SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[])
                ON CONFLICT (account_id, instrument_id) DO UPDATE
                SET quantity_e8 = p.quantity_e8 + EXCLUDED.quantity_e8, fill_count = p.fill_count + EXCLUDED.fill_count,
                    last_sequence = EXCLUDED.last_sequence
                """, [WarehouseText.array(entries.map { Int64($0.key.account) }),
                      WarehouseText.array(entries.map { Int64($0.key.instrument) }),
                      WarehouseText.array(entries.map { $0.value.quantity }),
                      WarehouseText.array(entries.map { $0.value.fills }),
                      WarehouseText.array(entries.map { Int64(bitPattern: $0.value.lastSequence) })])
        }
        if !totals.pnl.isEmpty {
            let entries = Array(totals.pnl)
            try connection.query("""
                INSERT INTO pnl AS p (day, account_id, strategy_id, instrument_id, bought_e8, sold_e8,
                                      buy_notional_e16, sell_notional_e16, fill_count)
                SELECT date '1970-01-01' + d, a, s, i, b, so, bn, sn, c
                FROM unnest($1::integer[], $2::bigint[], $3::integer[], $4::bigint[], $5::bigint[], $6::bigint[],
                            $7::numeric[], $8::numeric[], $9::bigint[]) AS x(d, a, s, i, b, so, bn, sn, c)
                ON CONFLICT (day, account_id, strategy_id, instrument_id) DO UPDATE
                SET bought_e8 = p.bought_e8 + EXCLUDED.bought_e8, sold_e8 = p.sold_e8 + EXCLUDED.sold_e8,
                    buy_notional_e16 = p.buy_notional_e16 + EXCLUDED.buy_notional_e16,
                    sell_notional_e16 = p.sell_notional_e16 + EXCLUDED.sell_notional_e16,
                    fill_count = p.fill_count + EXCLUDED.fill_count
                """, [WarehouseText.array(entries.map { $0.key.day }),
                      WarehouseText.array(entries.map { Int64($0.key.account) }),
                      WarehouseText.array(entries.map { Int64($0.key.strategy) }),
                      WarehouseText.array(entries.map { Int64($0.key.instrument) }),
                      WarehouseText.array(entries.map { $0.value.bought }),
                      WarehouseText.array(entries.map { $0.value.sold }),
                      WarehouseText.array(entries.map { $0.value.buyNotional }),
                      WarehouseText.array(entries.map { $0.value.sellNotional }),
                      WarehouseText.array(entries.map { $0.value.fills })])
        }
    }
}
