// Plain C tick-to-order pipeline: the in-run baseline for Peregrine's Swift pipeline
// (peregrine-bench --only ticktoorder). Benchmark-only: not in the product.
#ifndef CBASELINES_TICK_TO_ORDER_H
#define CBASELINES_TICK_TO_ORDER_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Everything the C pipeline needs; the Swift side fills it from the same constants it
/// builds its own pipeline from (TickToOrderLimits), so both run the same limits.
/// Prices and quantities are raw 10^-8 units; "units" fields are whole currency units.
typedef struct {
    const uint8_t *stream;            // IQFeed `Q,` lines, CR LF terminated, back to back
    uint64_t stream_bytes;
    uint64_t warmup_lines;            // untimed lines first
    uint64_t measured_lines;          // then timed lines
    int64_t first_receive_ns;         // receive time of line 0 (UTC ns); line k: + k * step_ns
    int64_t step_ns;
    int64_t midnight_utc_ns;          // 00:00 Eastern of the session day, as UTC ns
    const char *symbols_csv;          // "AAPL,MSFT,SPY,QQQ": instrument ids 0, 1, ...
    // strategy
    int64_t lot_raw, tick_raw, strategy_max_position_raw, strategy_max_order_raw;
    int64_t offset_ticks, retry_after_ns;
    double gross_notional, threshold, strategy_max_drawdown;
    double weights[5];
    double intercept;
    int32_t ema_span, window;
    // pre-trade risk
    int64_t risk_max_order_raw, risk_max_position_raw, max_order_notional_units, collar_bps;
    int64_t instrument_rate, instrument_burst, venue_rate, venue_burst, global_rate, global_burst;
    int64_t max_gross_units, max_net_units, credit_units, max_loss_units, max_drawdown_units;
    int64_t duplicate_window_ns, reference_max_age_ns;
    int32_t max_open_orders;
    // market-data filter
    int64_t spike_band_bps, stale_limit_ns;
    // OMS
    int32_t order_capacity;
    int64_t linger_ns;
    // threads
    int32_t feed_cpu, order_cpu;
} cbaseline_t2o_config;

/// What a run measured. The caller allocates `tick_ticks` and `order_ticks` with
/// `measured_lines` entries each (`tick_ticks` may be NULL for the spread run).
typedef struct {
    uint64_t *tick_ticks;             // per timed line: rdtscp ticks from bytes-in to done
    uint64_t *order_ticks;            // per timed line that sent an order: ticks to its first NOS
    uint64_t order_samples;           // entries written to order_ticks
    uint64_t events, drops, orders_accepted, orders_rejected, nos_bytes, checksum;
    uint8_t last_nos[256];            // the last NewOrderSingle encoded (for a visual check)
    uint32_t last_nos_length;
    /// Fused only: NULL for the timed run; else a breakdown run writes 8 rdtscp stamps (start,
    /// decode, filter+book, CEP, strategy+model, risk, OMS, FIX) per timed line that sent an
    /// order (measured_lines × 8 entries), those of its first NOS; stage_samples lines.
    uint64_t *stage_ticks;
    uint64_t stage_samples;
} cbaseline_t2o_result;

/// The whole pipeline on the calling thread, pinned to `order_cpu`: per line, parse → filter →
/// top of book → EMA / window z-score / trade EMA → logistic model → equal-weight targets →
/// exposure and drawdown guards → marketable limit → risk checks → OMS → FIX NewOrderSingle.
/// Venue answers (ack + full fill) are applied after each line's timing. Returns 0 or an errno.
int cbaseline_t2o_fused(const cbaseline_t2o_config *config, cbaseline_t2o_result *result);

/// The same over two pinned threads: feed thread (feed_cpu) parse … strategy, a C11 SPSC ring
/// (spsc_ring_core.h) of order messages carrying the line's rdtscp stamp, order thread (the
/// caller, order_cpu) risk → OMS → FIX, answers back over a second ring. order_ticks gets
/// bytes-in (feed thread) → NOS finished (order thread). Returns 0 or an errno.
int cbaseline_t2o_spread(const cbaseline_t2o_config *config, cbaseline_t2o_result *result);

#ifdef __cplusplus
}
#endif
#endif
