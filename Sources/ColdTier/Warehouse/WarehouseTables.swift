/// Column lists of the COPY targets, in the order the batch encodes them.
enum WarehouseTables {
    static let trades = ["journal_sequence", "instrument_id", "venue_id", "exchange_time_ns", "receive_time_ns",
                         "price_e8", "quantity_e8", "feed_sequence", "trade_id", "flags"]
    static let quotes = ["journal_sequence", "instrument_id", "venue_id", "exchange_time_ns", "receive_time_ns",
                         "bid_price_e8", "bid_quantity_e8", "ask_price_e8", "ask_quantity_e8", "feed_sequence", "flags"]
    static let depth = ["journal_sequence", "instrument_id", "venue_id", "exchange_time_ns", "receive_time_ns",
                        "ask_side", "price_e8", "quantity_e8", "level", "feed_sequence", "flags"]
    static let bars = ["journal_sequence", "instrument_id", "venue_id", "start_time_ns", "receive_time_ns",
                       "open_e8", "high_e8", "low_e8", "close_e8", "volume_e8"]
    static let marketStatus = ["journal_sequence", "instrument_id", "venue_id", "exchange_time_ns", "receive_time_ns",
                               "kind", "code"]
    static let orderCommands = ["journal_sequence", "journal_time_ns", "created_time_ns", "kind", "order_id",
                                "original_order_id", "instrument_id", "account_id", "strategy_id", "venue_id", "side",
                                "order_type", "time_in_force", "price_e8", "stop_price_e8", "quantity_e8"]
    static let orders = ["order_id", "journal_sequence", "original_order_id", "created_time_ns", "instrument_id",
                         "account_id", "strategy_id", "venue_id", "side", "order_type", "time_in_force", "price_e8",
                         "stop_price_e8", "quantity_e8", "filled_at_creation_e8"]
    static let executions = ["journal_sequence", "order_id", "original_order_id", "venue_order_id", "execution_id",
                             "exec_type", "order_status", "side", "instrument_id", "account_id", "strategy_id", "venue_id",
                             "last_price_e8", "last_quantity_e8", "leaves_quantity_e8", "cumulative_quantity_e8",
                             "average_price_e8", "price_e8", "order_quantity_e8", "reject_reason", "flags",
                             "transact_time_ns", "receive_time_ns"]
    static let riskDecisions = ["journal_sequence", "decision_time_ns", "order_id", "reason_code", "accepted"]
    static let filterDrops = ["journal_sequence", "instrument_id", "venue_id", "kind", "exchange_time_ns", "receive_time_ns",
                              "reason_code", "word0", "word1", "word2", "word3", "word4"]
    static let rawMessages = ["journal_sequence", "journal_time_ns", "direction", "session", "bytes"]
    static let configurationChanges = ["journal_sequence", "journal_time_ns", "change"]
    static let quarantine = ["journal_sequence", "journal_file_index", "journal_offset", "journal_time_ns", "record_type",
                             "rule", "reason", "payload"]
}
