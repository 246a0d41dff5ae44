// The C tick-to-order pipeline: the same hops as Peregrine's Swift pipeline, written as a
// competent C engineer would (flat structs, fixed arrays, no allocation after set-up), doing
// comparable work at each hop:
//   parse   IQFeed `Q,` line through a positional field-role table (the dynamic fieldset),
//           FNV-1a symbol table, fixed-point prices, HH:MM:SS.ffffff times (Eastern → UTC)
//   filter  universe, sizes/prices, staleness, crossed/locked, spike vs the median of the last
//           16 trades (sorted window)
//   book    top of book per instrument
//   CEP     EMA(span) of the quote mid, z-score of the mid over the last `window` quotes
//           (running sums), EMA(span) of the trade price
//   model   logistic: 5-feature dot product + sigmoid
//   strategy equal-weight targets, exposure cap, drawdown guard, marketable limit (one open
//           order per instrument, strategy limits)
//   risk    the PreTradeRisk checks the Swift run exercises (lot/tick, quantity, notional,
//           collar, self-match, worst-case position, gross/net exposure, credit, loss,
//           drawdown, duplicate (4-way set-associative), order window, three token buckets,
//           open-order table)
//   OMS     order slot from a free list (lingering slots recycled), ClOrdID index
//   FIX     NewOrderSingle: body at a fixed offset, BodyLength and CheckSum, cached
//           SendingTime text per second
// The hops live in t2o_market.h, t2o_strategy.h, t2o_risk.h and t2o_orders.h; this file runs
// them fused (one thread) and spread (two threads over the C SPSC ring of spsc_ring_core.h).
#define _GNU_SOURCE 1
#include "CBaselinesTickToOrder.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "spsc_ring_core.h"
#include "t2o_common.h"
#include "t2o_market.h"
#include "t2o_strategy.h"
#include "t2o_risk.h"
#include "t2o_orders.h"

static inline uint64_t t2o_ticks(void) {
#if defined(__x86_64__)
    uint32_t lo, hi;
    __asm__ __volatile__("rdtscp" : "=a"(lo), "=d"(hi) :: "rcx", "memory");
    return ((uint64_t)hi << 32) | lo;
#else
    return 0;
#endif
}

static inline void t2o_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("pause" ::: "memory");
#endif
}

static int t2o_pin(int cpu) {
    if (cpu < 0) return 0;
    cpu_set_t set; CPU_ZERO(&set); CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

// MARK: - The pipeline

typedef struct {
    decoder_t dec;
    filter_t filter;
    tob_t tob[MAXI];
    ema_t ema_mid[MAXI], ema_trade[MAXI];
    zwin_t zwin[MAXI];
    int64_t cep_last_time;
    double ema_alpha;
    int window;
    strat_t strat;
    uint64_t events;
} feed_side_t;

typedef struct {
    risk_t risk;
    oms_t oms;
    fix_t fix;
    uint64_t seq, nos_bytes, checksum, exec_id, accepted, rejected;
    int64_t tick_raw, offset_ticks;
    const uint8_t *last_nos; int last_nos_length;
} order_side_t;

static void feed_init(feed_side_t *fs, const cbaseline_t2o_config *c, int n) {
    memset(fs, 0, sizeof(*fs));
    decoder_init(&fs->dec, c->symbols_csv, c->midnight_utc_ns);
    fs->filter.n = n; fs->filter.band_bps = c->spike_band_bps; fs->filter.stale_ns = c->stale_limit_ns;
    fs->ema_alpha = 2.0 / (c->ema_span + 1.0);
    fs->window = c->window;
    fs->cep_last_time = INT64_MIN;
    strat_t *s = &fs->strat;
    s->n = n; s->lot = c->lot_raw; s->tick = c->tick_raw; s->max_pos = c->strategy_max_position_raw;
    s->max_order = c->strategy_max_order_raw; s->offset_ticks = c->offset_ticks; s->retry_ns = c->retry_after_ns;
    s->gross = c->gross_notional; s->threshold = c->threshold; s->max_dd = c->strategy_max_drawdown;
    for (int j = 0; j < 5; j++) s->w[j] = c->weights[j];
    s->b = c->intercept;
    for (int k = 0; k < MAXI; k++) s->last_filled[k] = 1;
    s->next_seq = 1;
}

static int order_init(order_side_t *os, const cbaseline_t2o_config *c, int n) {
    memset(os, 0, sizeof(*os));
    risk_t *r = &os->risk;
    r->n = n; r->tick = c->tick_raw; r->lot = SCALE; r->max_order = c->risk_max_order_raw; r->max_pos = c->risk_max_position_raw;
    r->collar_bps = c->collar_bps;
    const i128 unit = (i128)SCALE * SCALE;
    r->max_notional = (i128)c->max_order_notional_units * unit; r->max_gross = (i128)c->max_gross_units * unit;
    r->max_net = (i128)c->max_net_units * unit; r->credit = (i128)c->credit_units * unit;
    r->max_loss = (i128)c->max_loss_units * unit; r->max_dd = (i128)c->max_drawdown_units * unit;
    r->irate = c->instrument_rate; r->iburst = c->instrument_burst; r->vrate = c->venue_rate; r->vburst = c->venue_burst;
    r->grate = c->global_rate; r->gburst = c->global_burst; r->dup_window = c->duplicate_window_ns;
    r->ref_age = c->reference_max_age_ns; r->ratio_window = 60000000000LL; r->max_open = c->max_open_orders;
    for (int k = 0; k < MAXI; k++) r->ibucket[k].nano_tokens = -1;
    r->vbucket.nano_tokens = -1; r->gbucket.nano_tokens = -1;
    for (int k = 0; k < 8; k++) r->win_epoch[k] = INT64_MIN;
    fix_init(&os->fix, c->symbols_csv);
    os->seq = 1; os->exec_id = 1; os->tick_raw = c->tick_raw; os->offset_ticks = c->offset_ticks;
    return oms_init(&os->oms, c->order_capacity, c->linger_ns, n);
}

#define ALWAYS_INLINE static inline __attribute__((always_inline))
/// Stage stamps for the breakdown run; `st` is a compile-time NULL in the timed runs (the
/// functions below are always inlined, so the stamps fold away there).
#define STAMP(st, stage) do { if (st) (st)[stage] = t2o_ticks(); } while (0)

/// Filter → book → CEP → strategy for one decoded event; 1 when the strategy emitted orders.
ALWAYS_INLINE int feed_process(feed_side_t *fs, const mev_t *e, uint64_t *st) {
    fs->events++;
    if (!filter_process(&fs->filter, e)) return 0;
    int i = (int)e->inst;
    tob_t *b = &fs->tob[i];
    if (e->kind == EV_QUOTE) { b->bid = e->w0; b->bidsz = e->w1; b->ask = e->w2; b->asksz = e->w3; }
    else { b->last = e->w0; b->lastsz = e->w1; }
    b->time = e->exch; b->updates++;
    STAMP(st, 2);
    // CEP: the three operators (in time order; partition = instrument)
    if (e->recv >= fs->cep_last_time) {
        fs->cep_last_time = e->recv;
        if (e->kind == EV_QUOTE) {
            double mid = ((double)e->w0 / SCALE + (double)e->w2 / SCALE) * 0.5;
            ema_t *m = &fs->ema_mid[i];
            if (!m->init) { m->avg = mid; m->init = 1; } else m->avg += fs->ema_alpha * (mid - m->avg);
            fs->strat.ema_mid[i] = m->avg;
            zwin_t *z = &fs->zwin[i];
            if (z->n == fs->window) {
                double old = z->vals[z->head];
                z->sum -= old; z->sumsq -= old * old; z->n--;
            }
            z->vals[z->head] = mid; z->head = (z->head + 1) % fs->window; z->n++;
            z->sum += mid; z->sumsq += mid * mid;
            if (z->n == fs->window) {
                double mean = z->sum / z->n, var = (z->sumsq - z->sum * mean) / (z->n - 1);
                double sd = var > 0 ? sqrt(var) : 0;
                fs->strat.zscore[i] = sd == 0 ? 0 : (mid - mean) / sd;
            }
        } else {
            double px = (double)e->w0 / SCALE;
            ema_t *m = &fs->ema_trade[i];
            if (!m->init) { m->avg = px; m->init = 1; } else m->avg += fs->ema_alpha * (px - m->avg);
            fs->strat.ema_trade[i] = m->avg;
        }
    }
    STAMP(st, 3);
    strat_on_event(&fs->strat, e);
    STAMP(st, 4);
    return fs->strat.sink_count > 0;
}

static inline int64_t feed_reference(const feed_side_t *fs, int i) {
    const tob_t *b = &fs->tob[i];
    return b->bid > 0 && b->ask > 0 && b->bidsz > 0 && b->asksz > 0 ? (int64_t)(((i128)b->bid + b->ask) / 2) : 0;
}

/// Risk → OMS → FIX for one order; 1 when NOS bytes were produced.
ALWAYS_INLINE int order_send(order_side_t *os, const order_t *o, int64_t reference, int64_t now, uint64_t *st) {
    if (reference > 0) risk_on_price(&os->risk, (int)o->inst, reference, now);
    if (!risk_check(&os->risk, o, now)) { os->rejected++; return 0; }
    STAMP(st, 5);
    if (!oms_on_send(&os->oms, o, now)) {
        exec_t x; memset(&x, 0, sizeof(x)); x.id = o->id; x.inst = o->inst; x.exec_type = EX_REJECTED; x.status = '8';
        risk_on_exec(&os->risk, &x);
        os->rejected++;
        return 0;
    }
    STAMP(st, 6);
    int length;
    const uint8_t *nos = fix_encode_nos(&os->fix, o, os->seq++, now, &length);
    os->nos_bytes += (uint64_t)length;
    os->checksum += nos[length - 2];
    os->last_nos = nos; os->last_nos_length = length;
    os->accepted++;
    STAMP(st, 7);
    return 1;
}

static void copy_last_nos(const order_side_t *os, cbaseline_t2o_result *res) {
    if (os->last_nos && os->last_nos_length <= (int)sizeof(res->last_nos)) {
        memcpy(res->last_nos, os->last_nos, (size_t)os->last_nos_length);
        res->last_nos_length = (uint32_t)os->last_nos_length;
    }
}

/// The venue's answers to an accepted order: ack, then a full fill at the touch.
static void order_fill(order_side_t *os, const order_t *o, int64_t now, exec_t *ack, exec_t *fill) {
    memset(ack, 0, sizeof(*ack));
    ack->time = now; ack->id = o->id; ack->venue_id = o->id + 1000000000ull; ack->inst = o->inst; ack->side = o->side;
    ack->price = o->price; ack->qty = o->qty; ack->leaves = o->qty; ack->exec_type = EX_NEW; ack->status = '0';
    *fill = *ack;
    int64_t px = o->side == SIDE_BUY ? o->price - os->tick_raw * os->offset_ticks : o->price + os->tick_raw * os->offset_ticks;
    fill->exec_type = EX_TRADE; fill->status = '2'; fill->exec_id = os->exec_id++;
    fill->last_qty = o->qty; fill->last_px = px; fill->cum = o->qty; fill->leaves = 0;
    oms_on_exec(&os->oms, ack); oms_on_exec(&os->oms, fill);
    risk_on_exec(&os->risk, ack); risk_on_exec(&os->risk, fill);
}

static void order_reject(const order_t *o, int64_t now, exec_t *x) {
    memset(x, 0, sizeof(*x));
    x->time = now; x->id = o->id; x->inst = o->inst; x->side = o->side; x->qty = o->qty; x->exec_type = EX_REJECTED; x->status = '8';
}

static int symbol_count(const char *csv) { int n = 1; for (; *csv; csv++) n += *csv == ','; return n; }

static inline size_t line_length(const uint8_t *base, uint64_t offset, uint64_t total) {
    const uint8_t *lf = memchr(base + offset, '\n', total - offset);
    return lf ? (size_t)(lf - (base + offset)) + 1 : (size_t)(total - offset);
}

/// The fused loop; `breakdown` is a constant at both call sites, so the timed copy has no stamps.
ALWAYS_INLINE void fused_loop(const cbaseline_t2o_config *c, cbaseline_t2o_result *res, feed_side_t *fs, order_side_t *os,
                              const int breakdown) {
    order_t pending[64]; int accepted[64];
    uint64_t offset = 0, samples = 0, stage_samples = 0;
    uint64_t stamps[8], first_stamps[8];
    uint64_t *st = breakdown ? stamps : NULL;
    mev_t ev[2];
    for (uint64_t k = 0; k < c->warmup_lines + c->measured_lines; k++) {
        int64_t recv = c->first_receive_ns + (int64_t)k * c->step_ns;
        int np = 0;
        uint64_t first = 0;
        uint64_t t0 = t2o_ticks();
        STAMP(st, 0);
        size_t len = line_length(c->stream, offset, c->stream_bytes);
        int ne = decode_line(&fs->dec, c->stream + offset, len, recv, ev);
        STAMP(st, 1);
        for (int e = 0; e < ne; e++) {
            if (!feed_process(fs, &ev[e], st)) continue;
            for (int j = 0; j < fs->strat.sink_count; j++) {
                const order_t *o = &fs->strat.sink[j];
                int sent = order_send(os, o, feed_reference(fs, (int)o->inst), recv, st);
                if (sent && first == 0) { first = t2o_ticks(); if (breakdown) memcpy(first_stamps, stamps, sizeof(stamps)); }
                pending[np] = *o; accepted[np] = sent; np++;
            }
            fs->strat.sink_count = 0;
        }
        uint64_t t1 = t2o_ticks();
        offset += len;
        if (k >= c->warmup_lines) {
            if (res->tick_ticks) res->tick_ticks[k - c->warmup_lines] = t1 - t0;
            if (first) {
                res->order_ticks[samples++] = first - t0;
                if (breakdown) { memcpy(res->stage_ticks + 8 * stage_samples, first_stamps, sizeof(first_stamps)); stage_samples++; }
            }
        }
        // not measured: the venue answers
        for (int p = 0; p < np; p++) {
            exec_t a, f;
            if (accepted[p]) { order_fill(os, &pending[p], recv, &a, &f); strat_on_exec(&fs->strat, &a); strat_on_exec(&fs->strat, &f); }
            else { order_reject(&pending[p], recv, &a); strat_on_exec(&fs->strat, &a); }
            for (int j = 0; j < fs->strat.sink_count && np < 64; j++) {
                const order_t *o = &fs->strat.sink[j];
                accepted[np] = order_send(os, o, feed_reference(fs, (int)o->inst), recv, NULL);
                pending[np++] = *o;
            }
            fs->strat.sink_count = 0;
        }
    }
    res->order_samples = samples;
    res->stage_samples = stage_samples;
}

int cbaseline_t2o_fused(const cbaseline_t2o_config *c, cbaseline_t2o_result *res) {
    int n = symbol_count(c->symbols_csv);
    if (n > MAXI) return EINVAL;
    feed_side_t *fs = aligned_alloc(64, (sizeof(feed_side_t) + 63) & ~(size_t)63);
    order_side_t *os = aligned_alloc(64, (sizeof(order_side_t) + 63) & ~(size_t)63);
    if (!fs || !os) { free(fs); free(os); return ENOMEM; }
    feed_init(fs, c, n);
    int rc = order_init(os, c, n);
    if (rc) { free(fs); free(os); return rc; }
    t2o_pin(c->order_cpu);
    if (res->stage_ticks) fused_loop(c, res, fs, os, 1); else fused_loop(c, res, fs, os, 0);
    res->events = fs->events; res->drops = fs->filter.dropped;
    res->orders_accepted = os->accepted; res->orders_rejected = os->rejected;
    res->nos_bytes = os->nos_bytes; res->checksum = os->checksum;
    copy_last_nos(os, res);
    oms_free(&os->oms);
    free(fs); free(os);
    return 0;
}

// MARK: - Spread over two threads

typedef struct { order_t cmd; uint64_t tick_ticks; int64_t reference, receive, tick; uint8_t kind; } t2o_msg_t;   // kind: 0 order, 1 start, 2 end
DEFINE_SPSC_RING_CORE(t2o_msg_t)
DEFINE_SPSC_RING_CORE(exec_t)

typedef struct {
    const cbaseline_t2o_config *c;
    feed_side_t *fs;
    ring_t2o_msg_t *to_orders;
    ring_exec_t *to_feed;
} feed_args_t;

static inline void push_msg(ring_t2o_msg_t *r, const t2o_msg_t *m) { while (!ring_try_push_t2o_msg_t(r, m)) t2o_relax(); }

static void *feed_main(void *p) {
    feed_args_t *a = p;
    const cbaseline_t2o_config *c = a->c;
    feed_side_t *fs = a->fs;
    t2o_pin(c->feed_cpu);
    uint64_t offset = 0;
    mev_t ev[2];
    t2o_msg_t m; memset(&m, 0, sizeof(m));
    exec_t x;
    for (uint64_t k = 0; k < c->warmup_lines + c->measured_lines; k++) {
        // the venue's answers that came back (not measured)
        while (ring_try_pop_exec_t(a->to_feed, &x)) {
            strat_on_exec(&fs->strat, &x);
            for (int j = 0; j < fs->strat.sink_count; j++) {
                m.cmd = fs->strat.sink[j]; m.tick_ticks = 0; m.tick = -1; m.kind = 0;
                m.reference = feed_reference(fs, (int)m.cmd.inst); m.receive = fs->strat.now;
                push_msg(a->to_orders, &m);
            }
            fs->strat.sink_count = 0;
        }
        if (k == c->warmup_lines) { m.kind = 1; push_msg(a->to_orders, &m); }
        int64_t recv = c->first_receive_ns + (int64_t)k * c->step_ns;
        uint64_t t0 = t2o_ticks();
        size_t len = line_length(c->stream, offset, c->stream_bytes);
        int ne = decode_line(&fs->dec, c->stream + offset, len, recv, ev);
        for (int e = 0; e < ne; e++) {
            if (!feed_process(fs, &ev[e], NULL)) continue;
            for (int j = 0; j < fs->strat.sink_count; j++) {
                m.cmd = fs->strat.sink[j]; m.tick_ticks = t0; m.tick = (int64_t)k; m.kind = 0;
                m.reference = feed_reference(fs, (int)m.cmd.inst); m.receive = recv;
                push_msg(a->to_orders, &m);
            }
            fs->strat.sink_count = 0;
        }
        offset += len;
    }
    m.kind = 2;
    push_msg(a->to_orders, &m);
    return NULL;
}

int cbaseline_t2o_spread(const cbaseline_t2o_config *c, cbaseline_t2o_result *res) {
    int n = symbol_count(c->symbols_csv);
    if (n > MAXI) return EINVAL;
    feed_side_t *fs = aligned_alloc(64, (sizeof(feed_side_t) + 63) & ~(size_t)63);
    order_side_t *os = aligned_alloc(64, (sizeof(order_side_t) + 63) & ~(size_t)63);
    ring_t2o_msg_t *to_orders = ring_new_t2o_msg_t(1024);
    ring_exec_t *to_feed = ring_new_exec_t(1024);
    if (!fs || !os || !to_orders || !to_feed) return ENOMEM;
    feed_init(fs, c, n);
    int rc = order_init(os, c, n);
    if (rc) return rc;
    t2o_pin(c->order_cpu);
    feed_args_t args = { c, fs, to_orders, to_feed };
    pthread_t thread;
    // Placed on feed_cpu at creation: created on the caller's cpu, a thread of the caller's
    // SCHED_FIFO priority would wait forever behind the caller's spin and never pin itself.
    // Inherits the caller's scheduling class (the suite runs under chrt -f 1).
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    cpu_set_t set; CPU_ZERO(&set); CPU_SET(c->feed_cpu, &set);
    pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
    rc = pthread_create(&thread, &attr, feed_main, &args);
    pthread_attr_destroy(&attr);
    if (rc) return rc;
    uint64_t samples = 0;
    int64_t last_timed = -1;
    t2o_msg_t m;
    exec_t a, f;
    while (1) {
        if (!ring_try_pop_t2o_msg_t(to_orders, &m)) { t2o_relax(); continue; }
        if (m.kind == 2) break;
        if (m.kind == 1) continue;
        int sent = order_send(os, &m.cmd, m.reference, m.receive, NULL);
        if (sent && m.tick >= 0 && m.tick != last_timed) {
            uint64_t t1 = t2o_ticks();
            last_timed = m.tick;
            if ((uint64_t)m.tick >= c->warmup_lines) res->order_ticks[samples++] = t1 - m.tick_ticks;
        }
        if (sent) {
            order_fill(os, &m.cmd, m.receive, &a, &f);
            while (!ring_try_push_exec_t(to_feed, &a)) t2o_relax();
            while (!ring_try_push_exec_t(to_feed, &f)) t2o_relax();
        } else {
            order_reject(&m.cmd, m.receive, &a);
            while (!ring_try_push_exec_t(to_feed, &a)) t2o_relax();
        }
    }
    pthread_join(thread, NULL);
    res->order_samples = samples;
    res->events = fs->events; res->drops = fs->filter.dropped;
    res->orders_accepted = os->accepted; res->orders_rejected = os->rejected;
    res->nos_bytes = os->nos_bytes; res->checksum = os->checksum;
    copy_last_nos(os, res);
    oms_free(&os->oms);
    ring_free_t2o_msg_t(to_orders); ring_free_exec_t(to_feed);
    free(fs); free(os);
    return 0;
}
