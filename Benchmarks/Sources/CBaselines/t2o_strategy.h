// Book, CEP and strategy of the C tick-to-order pipeline (mirrors the Swift ComposedStrategy stages).
// Internal to the C tick-to-order baseline (included by tick_to_order.c only).
#ifndef CBASELINES_T2O_STRATEGY_H
#define CBASELINES_T2O_STRATEGY_H
#include <math.h>
#include "t2o_common.h"

// MARK: - Book and CEP

typedef struct { int64_t bid, bidsz, ask, asksz, last, lastsz, time; uint64_t updates; } tob_t;

typedef struct { double avg; int init; } ema_t;
typedef struct { double vals[64]; int n, head; double sum, sumsq; } zwin_t;

// MARK: - Strategy

enum { W_IDLE = 0, W_PENDING = 1, W_LIVE = 2 };

typedef struct {
    int n;
    // limits and parameters
    int64_t lot, tick, max_pos, max_order, offset_ticks, retry_ns;
    double gross, threshold, max_dd, w[5], b;
    // market view
    int64_t bid[MAXI], ask[MAXI], bidsz[MAXI], asksz[MAXI], last[MAXI];
    double mark[MAXI], retvar[MAXI];
    // CEP values (as the Swift alpha stores them from CEP outputs)
    double ema_mid[MAXI], zscore[MAXI], ema_trade[MAXI];
    // signals, targets, positions, orders
    double strength[MAXI], confidence[MAXI]; int64_t sig_time[MAXI];
    int64_t desired[MAXI], target[MAXI], position[MAXI];
    int state[MAXI]; uint64_t wid[MAXI]; int64_t wqty[MAXI], wfilled[MAXI]; uint8_t wside[MAXI];
    int64_t last_end[MAXI]; int last_filled[MAXI];
    double cash, peak; int tripped;
    int64_t now; uint64_t next_seq;
    order_t sink[64]; int sink_count;
} strat_t;

static inline int has_quote(const strat_t *s, int k) { return s->bid[k] > 0 && s->ask[k] > s->bid[k]; }

static inline int64_t qty_for_notional(const strat_t *s, double notional, int k) {
    double m = s->mark[k];
    if (!(m > 0) || !isfinite(notional)) return 0;
    double lots = trunc(notional / m / ((double)s->lot / SCALE));
    double cap = (double)(s->max_pos / s->lot);
    if (lots > cap) lots = cap;
    if (lots < -cap) lots = -cap;
    return (int64_t)lots * s->lot;
}

static inline int64_t clamp_lots(const strat_t *s, int64_t q) {
    int64_t cap = s->max_pos / s->lot * s->lot;
    q = q / s->lot * s->lot;
    return q > cap ? cap : q < -cap ? -cap : q;
}

static inline int is_active(const strat_t *s, int k) {
    return s->sig_time[k] != 0 && fabs(s->strength[k]) >= s->threshold && s->confidence[k] >= 0;
}

static void strat_construct(strat_t *s) {
    int active = 0;
    for (int k = 0; k < s->n; k++) active += is_active(s, k);
    double each = active == 0 ? 0 : s->gross / active;
    for (int k = 0; k < s->n; k++)
        s->desired[k] = is_active(s, k) ? qty_for_notional(s, s->strength[k] > 0 ? each : -each, k) : 0;
}

static void strat_execute(strat_t *s, int k) {
    if (s->state[k] != W_IDLE || !has_quote(s, k)) return;
    if (!s->last_filled[k] && s->now - s->last_end[k] < s->retry_ns) return;
    int64_t delta = s->target[k] - s->position[k];
    int64_t cap = s->max_order / s->lot * s->lot;
    int64_t mag = delta < 0 ? -delta : delta;
    int64_t q = (mag < cap ? mag : cap) / s->lot * s->lot;
    if (q <= 0) return;
    uint8_t side = delta > 0 ? SIDE_BUY : SIDE_SELL;
    int64_t price = side == SIDE_BUY ? s->ask[k] + s->tick * s->offset_ticks : s->bid[k] - s->tick * s->offset_ticks;
    if (price <= 0) return;
    int64_t after = s->position[k] + (side == SIDE_BUY ? q : -q);
    if (q > s->max_order || q % s->lot != 0 || after > s->max_pos || after < -s->max_pos) return;
    if (s->sink_count >= 64) return;
    order_t *o = &s->sink[s->sink_count++];
    o->created = s->now; o->price = price; o->qty = q;
    o->id = (7ull << 40) | s->next_seq++;
    o->inst = (uint32_t)k; o->account = 0; o->strategy = 7; o->venue = 0;
    o->side = side; o->type = '2'; o->tif = '3'; o->kind = 1;
    s->state[k] = W_PENDING; s->wid[k] = o->id; s->wqty[k] = q; s->wfilled[k] = 0; s->wside[k] = side;
}

static void strat_rebalance(strat_t *s, int only) {
    // exposure cap
    double gross = 0;
    for (int k = 0; k < s->n; k++) {
        int64_t t = clamp_lots(s, s->desired[k]);
        s->target[k] = t;
        gross += fabs((double)t / SCALE * s->mark[k]);
    }
    if (gross > s->gross && gross > 0) {
        double factor = s->gross / gross;
        for (int k = 0; k < s->n; k++) s->target[k] = qty_for_notional(s, (double)s->target[k] / SCALE * s->mark[k] * factor, k);
    }
    // drawdown guard
    if (!s->tripped) {
        double e = s->cash;
        for (int k = 0; k < s->n; k++) e += (double)s->position[k] / SCALE * s->mark[k];
        if (e > s->peak) s->peak = e;
        if (s->peak - e > s->max_dd) s->tripped = 1;
    }
    if (s->tripped) for (int k = 0; k < s->n; k++) s->target[k] = 0;
    if (only >= 0) strat_execute(s, only);
    else for (int k = 0; k < s->n; k++) strat_execute(s, k);
}

/// A market event (after filter, book and CEP): market view, alpha (logistic model), targets,
/// guards, execution. Orders land in s->sink.
static inline void strat_on_event(strat_t *s, const mev_t *e) {
    int k = (int)e->inst;
    if (k >= s->n) return;
    if (e->recv > s->now) s->now = e->recv;
    double nm = 0;
    if (e->kind == EV_QUOTE) {
        s->bid[k] = e->w0; s->bidsz[k] = e->w1; s->ask[k] = e->w2; s->asksz[k] = e->w3;
        if (has_quote(s, k)) nm = ((double)e->w0 / SCALE + (double)e->w2 / SCALE) * 0.5;
    } else {
        s->last[k] = e->w0;
        if (!has_quote(s, k)) nm = (double)e->w0 / SCALE;
    }
    if (nm > 0) {
        double old = s->mark[k];
        if (old > 0 && nm != old) { double r = nm / old - 1; s->retvar[k] = 0.94 * s->retvar[k] + 0.06 * r * r; }
        s->mark[k] = nm;
    }
    int retargeted = 0;
    if (e->kind == EV_QUOTE && has_quote(s, k)) {
        double bs = (double)s->bidsz[k] / SCALE, as = (double)s->asksz[k] / SCALE, mid = s->mark[k];
        if (bs + as > 0 && mid > 0) {
            double ema = s->ema_mid[k] > 0 ? s->ema_mid[k] : mid;
            double tema = s->ema_trade[k] > 0 ? s->ema_trade[k] : mid;
            double x[5] = { (bs - as) / (bs + as), ((double)s->ask[k] / SCALE - (double)s->bid[k] / SCALE) / mid * 10000,
                            (mid - ema) / ema * 10000, s->zscore[k], (mid - tema) / tema * 10000 };
            double z = s->b;
            for (int j = 0; j < 5; j++) z += s->w[j] * x[j];
            double p = 1.0 / (1.0 + exp(-z));
            double edge = 2 * p - 1, strength = fabs(edge) < s->threshold ? 0 : edge;
            s->strength[k] = strength > 1 ? 1 : strength < -1 ? -1 : strength;
            s->confidence[k] = fabs(edge) > 1 ? 1 : fabs(edge);
            s->sig_time[k] = s->now;
            strat_construct(s);
            retargeted = 1;
        }
    }
    strat_rebalance(s, retargeted ? -1 : k);
}

/// An execution report for the strategy's order (ack, fill or reject).
static void strat_on_exec(strat_t *s, const exec_t *x) {
    int k = (int)x->inst;
    if (k >= s->n || s->state[k] == W_IDLE || x->id != s->wid[k]) return;
    if (x->time > s->now) s->now = x->time;
    if (x->exec_type == EX_TRADE && x->last_qty > 0) {
        int64_t sign = s->wside[k] == SIDE_BUY ? 1 : -1;
        s->position[k] += sign * x->last_qty;
        s->cash -= (double)sign * ((double)x->last_qty / SCALE) * ((double)x->last_px / SCALE);
        s->wfilled[k] += x->last_qty;
    }
    if (x->exec_type == EX_NEW && s->state[k] == W_PENDING) s->state[k] = W_LIVE;
    if (x->exec_type == EX_REJECTED) {
        s->state[k] = W_IDLE; s->last_end[k] = s->now; s->last_filled[k] = 0;
    } else if (x->status == '2' || s->wfilled[k] >= s->wqty[k]) {
        s->state[k] = W_IDLE; s->last_end[k] = s->now; s->last_filled[k] = s->wfilled[k] >= s->wqty[k];
    }
    strat_rebalance(s, -1);
}

#endif
