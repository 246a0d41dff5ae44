extension WarehouseSchema {
    /// Version 1: every table (SCHEMA.md describes them). Fixed-point prices and
    /// quantities are stored exactly as the engine holds them — `bigint` at scale 10⁸, in
    /// columns suffixed `_e8` — and times as `bigint` nanoseconds since the Unix epoch
    /// (`_ns`); version 2 adds views with `numeric` and `timestamptz`.
    static let tables = WarehouseMigration(version: 1, name: "tables", sql: #"""
    CREATE TABLE journal_positions (
        journal_name   text PRIMARY KEY,
        file_index     bigint NOT NULL,
        file_offset    bigint NOT NULL,
        sequence       bigint NOT NULL,
        records_loaded bigint NOT NULL DEFAULT 0,
        updated_at     timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE instruments (
        instrument_id bigint PRIMARY KEY,
        symbol        text,
        first_seen_ns bigint NOT NULL
    );

    -- Market data, partitioned by day of the exchange time (partitions made on demand by
    -- warehouse_ensure_day_partition). No primary key: COPY speed matters and the loader's
    -- journal position makes each record land exactly once (journal_sequence identifies it).
    CREATE TABLE trades (
        journal_sequence bigint NOT NULL,
        instrument_id    bigint NOT NULL,
        venue_id         integer NOT NULL,
        exchange_time_ns bigint NOT NULL,
        receive_time_ns  bigint NOT NULL,
        price_e8         bigint NOT NULL CONSTRAINT price_positive CHECK (price_e8 > 0),
        quantity_e8      bigint NOT NULL CONSTRAINT size_positive CHECK (quantity_e8 > 0),
        feed_sequence    bigint NOT NULL,
        trade_id         bigint NOT NULL,
        flags            smallint NOT NULL
    ) PARTITION BY RANGE (exchange_time_ns);
    CREATE INDEX trades_instrument_time ON trades (instrument_id, exchange_time_ns);

    CREATE TABLE quotes (
        journal_sequence bigint NOT NULL,
        instrument_id    bigint NOT NULL,
        venue_id         integer NOT NULL,
        exchange_time_ns bigint NOT NULL,
        receive_time_ns  bigint NOT NULL,
        bid_price_e8     bigint NOT NULL,
        bid_quantity_e8  bigint NOT NULL,
        ask_price_e8     bigint NOT NULL,
        ask_quantity_e8  bigint NOT NULL,
        feed_sequence    bigint NOT NULL,
        flags            smallint NOT NULL,
        -- An empty side has price and size 0; a present side has both positive.
        CONSTRAINT price_positive CHECK ((bid_price_e8 > 0 OR (bid_price_e8 = 0 AND bid_quantity_e8 = 0))
                                     AND (ask_price_e8 > 0 OR (ask_price_e8 = 0 AND ask_quantity_e8 = 0))),
        CONSTRAINT size_positive CHECK ((bid_quantity_e8 > 0 OR bid_price_e8 = 0) AND (ask_quantity_e8 > 0 OR ask_price_e8 = 0))
    ) PARTITION BY RANGE (exchange_time_ns);
    CREATE INDEX quotes_instrument_time ON quotes (instrument_id, exchange_time_ns);

    CREATE TABLE depth (
        journal_sequence bigint NOT NULL,
        instrument_id    bigint NOT NULL,
        venue_id         integer NOT NULL,
        exchange_time_ns bigint NOT NULL,
        receive_time_ns  bigint NOT NULL,
        ask_side         boolean NOT NULL,
        price_e8         bigint NOT NULL CONSTRAINT price_positive CHECK (price_e8 > 0),
        quantity_e8      bigint NOT NULL CONSTRAINT size_positive CHECK (quantity_e8 >= 0),  -- 0 deletes the level
        level            integer NOT NULL CHECK (level >= 0),
        feed_sequence    bigint NOT NULL,
        flags            smallint NOT NULL
    ) PARTITION BY RANGE (exchange_time_ns);
    CREATE INDEX depth_instrument_time ON depth (instrument_id, exchange_time_ns);

    CREATE TABLE bars (
        journal_sequence bigint PRIMARY KEY,
        instrument_id    bigint NOT NULL,
        venue_id         integer NOT NULL,
        start_time_ns    bigint NOT NULL,
        receive_time_ns  bigint NOT NULL,
        open_e8          bigint NOT NULL,
        high_e8          bigint NOT NULL,
        low_e8           bigint NOT NULL,
        close_e8         bigint NOT NULL,
        volume_e8        bigint NOT NULL CONSTRAINT size_positive CHECK (volume_e8 >= 0),
        CONSTRAINT price_positive CHECK (open_e8 > 0 AND high_e8 > 0 AND low_e8 > 0 AND close_e8 > 0),
        CONSTRAINT bar_range CHECK (low_e8 <= LEAST(open_e8, close_e8) AND high_e8 >= GREATEST(open_e8, close_e8))
    );
    CREATE INDEX bars_instrument_time ON bars (instrument_id, start_time_ns);

    -- Status changes and book clears.
    CREATE TABLE market_status (
        journal_sequence bigint PRIMARY KEY,
        instrument_id    bigint NOT NULL,
        venue_id         integer NOT NULL,
        exchange_time_ns bigint NOT NULL,
        receive_time_ns  bigint NOT NULL,
        kind             text NOT NULL,
        code             bigint NOT NULL
    );
    CREATE INDEX market_status_instrument_time ON market_status (instrument_id, exchange_time_ns);

    -- Every order command as journaled.
    CREATE TABLE order_commands (
        journal_sequence  bigint PRIMARY KEY,
        journal_time_ns   bigint NOT NULL,
        created_time_ns   bigint NOT NULL,
        kind              text NOT NULL,
        order_id          bigint NOT NULL,
        original_order_id bigint NOT NULL,
        instrument_id     bigint NOT NULL,
        account_id        bigint NOT NULL,
        strategy_id       integer NOT NULL,
        venue_id          integer NOT NULL,
        side              text NOT NULL,
        order_type        text NOT NULL,
        time_in_force     text NOT NULL,
        price_e8          bigint NOT NULL,
        stop_price_e8     bigint NOT NULL,
        quantity_e8       bigint NOT NULL
    );
    CREATE INDEX order_commands_order ON order_commands (order_id);

    -- One row per order (from a new or a replace command). The quantity is the order's
    -- total; filled_at_creation_e8 carries a replaced order's fills over to its successor.
    CREATE TABLE orders (
        order_id              bigint PRIMARY KEY,
        journal_sequence      bigint NOT NULL,
        original_order_id     bigint NOT NULL,
        created_time_ns       bigint NOT NULL,
        instrument_id         bigint NOT NULL,
        account_id            bigint NOT NULL,
        strategy_id           integer NOT NULL,
        venue_id              integer NOT NULL,
        side                  text NOT NULL,
        order_type            text NOT NULL,
        time_in_force         text NOT NULL,
        price_e8              bigint NOT NULL CONSTRAINT price_positive CHECK (price_e8 >= 0),
        stop_price_e8         bigint NOT NULL CHECK (stop_price_e8 >= 0),
        quantity_e8           bigint NOT NULL CONSTRAINT size_positive CHECK (quantity_e8 > 0),
        filled_at_creation_e8 bigint NOT NULL DEFAULT 0
    );
    CREATE INDEX orders_instrument_time ON orders (instrument_id, created_time_ns);

    -- Execution reports (order events); fills are exec_type 'trade'. Every execution
    -- belongs to a known order (foreign key).
    CREATE TABLE executions (
        journal_sequence       bigint PRIMARY KEY,
        order_id               bigint NOT NULL REFERENCES orders (order_id),
        original_order_id      bigint NOT NULL,
        venue_order_id         bigint NOT NULL,
        execution_id           bigint NOT NULL,
        exec_type              text NOT NULL,
        order_status           text NOT NULL,
        side                   text NOT NULL,
        instrument_id          bigint NOT NULL,
        account_id             bigint NOT NULL,
        strategy_id            integer NOT NULL,
        venue_id               integer NOT NULL,
        last_price_e8          bigint NOT NULL,
        last_quantity_e8       bigint NOT NULL,
        leaves_quantity_e8     bigint NOT NULL,
        cumulative_quantity_e8 bigint NOT NULL,
        average_price_e8       bigint NOT NULL,
        price_e8               bigint NOT NULL,
        order_quantity_e8      bigint NOT NULL,
        reject_reason          integer NOT NULL,
        flags                  smallint NOT NULL,
        transact_time_ns       bigint NOT NULL,
        receive_time_ns        bigint NOT NULL,
        CONSTRAINT price_positive CHECK (exec_type <> 'trade' OR last_price_e8 > 0),
        CONSTRAINT size_positive CHECK (exec_type <> 'trade' OR last_quantity_e8 > 0)
    );
    CREATE INDEX executions_order ON executions (order_id);
    CREATE INDEX executions_instrument_time ON executions (instrument_id, transact_time_ns);
    CREATE UNIQUE INDEX executions_fill_id ON executions (order_id, execution_id) WHERE exec_type = 'trade' AND execution_id <> 0;

    -- Net position per account and instrument: the signed sum of accepted fills.
    CREATE TABLE positions (
        account_id       bigint NOT NULL,
        instrument_id    bigint NOT NULL,
        quantity_e8      bigint NOT NULL,
        fill_count       bigint NOT NULL,
        last_sequence    bigint NOT NULL,
        PRIMARY KEY (account_id, instrument_id)
    );

    -- Cash flows per UTC day (of the fill's transact time), account, strategy, instrument.
    -- Notionals are price_e8 * quantity_e8 (scale 10^16), exact.
    CREATE TABLE pnl (
        day               date NOT NULL,
        account_id        bigint NOT NULL,
        strategy_id       integer NOT NULL,
        instrument_id     bigint NOT NULL,
        bought_e8         bigint NOT NULL,
        sold_e8           bigint NOT NULL,
        buy_notional_e16  numeric NOT NULL,
        sell_notional_e16 numeric NOT NULL,
        fill_count        bigint NOT NULL,
        PRIMARY KEY (day, account_id, strategy_id, instrument_id)
    );

    CREATE TABLE risk_decisions (
        journal_sequence bigint PRIMARY KEY,
        decision_time_ns bigint NOT NULL,
        order_id         bigint NOT NULL,
        reason_code      smallint NOT NULL,
        accepted         boolean NOT NULL
    );
    CREATE INDEX risk_decisions_order ON risk_decisions (order_id);

    -- Events the market-data filter dropped (journal type 1024, see WarehouseRecordType).
    CREATE TABLE filter_drops (
        journal_sequence bigint PRIMARY KEY,
        instrument_id    bigint NOT NULL,
        venue_id         integer NOT NULL,
        kind             text NOT NULL,
        exchange_time_ns bigint NOT NULL,
        receive_time_ns  bigint NOT NULL,
        reason_code      smallint NOT NULL,
        word0 bigint NOT NULL, word1 bigint NOT NULL, word2 bigint NOT NULL, word3 bigint NOT NULL, word4 bigint NOT NULL
    );
    CREATE INDEX filter_drops_instrument_time ON filter_drops (instrument_id, exchange_time_ns);

    CREATE TABLE raw_messages (
        journal_sequence bigint PRIMARY KEY,
        journal_time_ns  bigint NOT NULL,
        direction        text NOT NULL,
        session          integer NOT NULL,
        bytes            bytea NOT NULL
    );

    CREATE TABLE configuration_changes (
        journal_sequence bigint PRIMARY KEY,
        journal_time_ns  bigint NOT NULL,
        change           text NOT NULL
    );

    -- Records that broke an operational-data-store rule: kept whole, with the rule and why.
    CREATE TABLE quarantine (
        quarantine_id      bigserial PRIMARY KEY,
        journal_sequence   bigint NOT NULL,
        journal_file_index bigint NOT NULL,
        journal_offset     bigint NOT NULL,
        journal_time_ns    bigint NOT NULL,
        record_type        integer NOT NULL,
        rule               text NOT NULL,
        reason             text NOT NULL,
        payload            bytea NOT NULL,
        quarantined_at     timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX quarantine_rule ON quarantine (rule, journal_sequence);

    -- Creates the day partition of a table partitioned on a nanosecond column, if missing.
    CREATE FUNCTION warehouse_ensure_day_partition(parent text, day_number bigint) RETURNS void
    LANGUAGE plpgsql AS $fn$
    DECLARE
        day_start bigint := day_number * 86400000000000;
        partition text := parent || '_p' || to_char(date '1970-01-01' + day_number::integer, 'YYYYMMDD');
    BEGIN
        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES FROM (%s) TO (%s)',
                       partition, parent, day_start, day_start + 86400000000000);
    END
    $fn$;
    """#)
}
