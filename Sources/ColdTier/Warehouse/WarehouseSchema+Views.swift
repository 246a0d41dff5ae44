extension WarehouseSchema {
    /// Version 2: readable views (decimal prices, timestamps) and the ODS checks.
    static let views = WarehouseMigration(version: 2, name: "views and ODS checks", sql: #"""
    CREATE FUNCTION warehouse_time(ns bigint) RETURNS timestamptz
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        RETURN to_timestamp(0) + make_interval(secs => ns / 1000000000.0);
    CREATE FUNCTION warehouse_decimal(e8 bigint) RETURNS numeric(28, 8)
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        RETURN (e8::numeric / 100000000)::numeric(28, 8);

    CREATE VIEW trades_v AS
        SELECT journal_sequence, instrument_id, venue_id, warehouse_time(exchange_time_ns) AS exchange_time,
               exchange_time_ns, warehouse_decimal(price_e8) AS price, warehouse_decimal(quantity_e8) AS quantity,
               feed_sequence, trade_id, flags
        FROM trades;
    CREATE VIEW quotes_v AS
        SELECT journal_sequence, instrument_id, venue_id, warehouse_time(exchange_time_ns) AS exchange_time,
               exchange_time_ns, warehouse_decimal(bid_price_e8) AS bid_price, warehouse_decimal(bid_quantity_e8) AS bid_quantity,
               warehouse_decimal(ask_price_e8) AS ask_price, warehouse_decimal(ask_quantity_e8) AS ask_quantity, feed_sequence, flags
        FROM quotes;
    CREATE VIEW fills AS
        SELECT journal_sequence, order_id, execution_id, side, instrument_id, account_id, strategy_id, venue_id,
               last_price_e8, last_quantity_e8, warehouse_decimal(last_price_e8) AS price,
               warehouse_decimal(last_quantity_e8) AS quantity,
               CASE side WHEN 'buy' THEN last_quantity_e8 ELSE -last_quantity_e8 END AS signed_quantity_e8,
               transact_time_ns, warehouse_time(transact_time_ns) AS transact_time
        FROM executions WHERE exec_type = 'trade';
    CREATE VIEW pnl_v AS
        SELECT day, account_id, strategy_id, instrument_id,
               warehouse_decimal(bought_e8) AS bought, warehouse_decimal(sold_e8) AS sold,
               (sell_notional_e16 - buy_notional_e16) / 10000000000000000 AS net_cash, fill_count
        FROM pnl;

    -- Orders whose accepted fills exceed their quantity (the loader never lets one in;
    -- this catches rows written around it).
    CREATE VIEW ods_overfilled_orders AS
        SELECT o.order_id, o.quantity_e8, o.filled_at_creation_e8 + f.filled_e8 AS filled_e8
        FROM orders o
        JOIN (SELECT order_id, sum(last_quantity_e8) AS filled_e8 FROM fills GROUP BY order_id) f USING (order_id)
        WHERE o.filled_at_creation_e8 + f.filled_e8 > o.quantity_e8;

    -- Positions that differ from the signed sum of fills.
    CREATE VIEW ods_position_mismatches AS
        SELECT coalesce(p.account_id, f.account_id) AS account_id,
               coalesce(p.instrument_id, f.instrument_id) AS instrument_id,
               coalesce(p.quantity_e8, 0) AS position_e8, coalesce(f.sum_e8, 0) AS sum_of_fills_e8
        FROM positions p
        FULL JOIN (SELECT account_id, instrument_id, sum(signed_quantity_e8) AS sum_e8
                   FROM fills GROUP BY account_id, instrument_id) f
          ON p.account_id = f.account_id AND p.instrument_id = f.instrument_id
        WHERE coalesce(p.quantity_e8, 0) <> coalesce(f.sum_e8, 0);

    -- The violations report: quarantined records by rule, plus the live invariant checks.
    CREATE VIEW ods_violations AS
        SELECT rule, count(*) AS violations, min(journal_sequence) AS first_sequence,
               max(journal_sequence) AS last_sequence,
               (array_agg(reason ORDER BY journal_sequence))[1] AS example
        FROM quarantine GROUP BY rule
        UNION ALL
        SELECT 'position_equals_sum_of_fills', count(*), NULL, NULL,
               min(format('account %s instrument %s: position %s, fills sum to %s',
                          account_id, instrument_id, position_e8, sum_of_fills_e8))
        FROM ods_position_mismatches HAVING count(*) > 0
        UNION ALL
        SELECT 'fill_exceeds_order_quantity (stored)', count(*), NULL, NULL,
               min(format('order %s: filled %s of %s', order_id, filled_e8, quantity_e8))
        FROM ods_overfilled_orders HAVING count(*) > 0;
    """#)
}
