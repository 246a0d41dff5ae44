// Pre-trade risk of the C tick-to-order pipeline (the PreTradeRisk checks the Swift run exercises).
// Internal to the C tick-to-order baseline (included by tick_to_order.c only).
#ifndef CBASELINES_T2O_RISK_H
#define CBASELINES_T2O_RISK_H
#include "t2o_common.h"

// MARK: - Pre-trade risk

typedef struct { int64_t nano_tokens, last; } bucket_t;
#define BUCKET_UNIT 1000000000LL

static inline int64_t bucket_available(const bucket_t *b, int64_t now, int64_t rate, int64_t burst) {
    int64_t cap = burst * BUCKET_UNIT;
    if (b->nano_tokens < 0) return cap;
    int64_t elapsed = now - b->last;
    if (elapsed <= 0) return b->nano_tokens < cap ? b->nano_tokens : cap;
    if (elapsed >= cap / rate + 1) return cap;
    int64_t v = b->nano_tokens + elapsed * rate;
    return v < cap ? v : cap;
}
static inline int bucket_can_take(const bucket_t *b, int64_t now, int64_t rate, int64_t burst) {
    return rate == 0 || bucket_available(b, now, rate, burst) >= BUCKET_UNIT;
}
static inline void bucket_take(bucket_t *b, int64_t now, int64_t rate, int64_t burst) {
    if (rate == 0) return;
    b->nano_tokens = bucket_available(b, now, rate, burst) - BUCKET_UNIT;
    if (now > b->last || b->last == 0) b->last = now;
}

typedef struct { int64_t price, qty, time; uint32_t inst, account; uint8_t side, used; } dup_t;
#define DUP_BUCKETS 1024
typedef struct { uint64_t id; int64_t price, qty, counted, filled; uint32_t inst; uint8_t side, rests; } open_t;
#define OPEN_SLOTS 2048   // power of two, ≥ 2 × max_open_orders

typedef struct {
    int n;
    // limits
    int64_t tick, lot, max_order, max_pos, collar_bps;
    i128 max_notional, max_gross, max_net, credit, max_loss, max_dd;
    int64_t irate, iburst, vrate, vburst, grate, gburst, dup_window, ref_age, ratio_window;
    int max_open;
    // state
    int64_t mark[MAXI], mark_time[MAXI];
    bucket_t ibucket[MAXI], vbucket, gbucket;
    int64_t pos[MAXI], open_buy[MAXI], open_sell[MAXI];
    i128 cost[MAXI];
    int64_t own_best_bid[MAXI], own_best_ask[MAXI];   // resting own orders (IOC never rests)
    i128 gross, net_long, net_short, open_notional, realized, unrealized, peak;
    int64_t win_epoch[8], win_count[8];
    dup_t dup[DUP_BUCKETS * 4];
    open_t open[OPEN_SLOTS];
    int open_count;
    uint64_t accepted, rejected;
} risk_t;

typedef struct { i128 gross, nl, ns, unreal; } contrib_t;

static inline contrib_t risk_contrib(const risk_t *r, int i, int64_t pos, int64_t ob, int64_t os, int64_t mark) {
    contrib_t c = { 0, 0, 0, 0 };
    if (mark == 0) return c;
    int64_t lng = pos + ob, sht = pos - os;
    int64_t al = lng < 0 ? -lng : lng, as = sht < 0 ? -sht : sht;
    c.gross = (i128)(al > as ? al : as) * mark;
    c.nl = (i128)lng * mark; c.ns = (i128)sht * mark;
    c.unreal = (i128)pos * mark - r->cost[i];
    return c;
}

static inline void risk_apply(risk_t *r, contrib_t b, contrib_t a) {
    r->gross += a.gross - b.gross; r->net_long += a.nl - b.nl; r->net_short += a.ns - b.ns;
    r->unrealized += a.unreal - b.unreal;
    i128 eq = r->realized + r->unrealized;
    if (eq > r->peak) r->peak = eq;
}

static inline void risk_on_price(risk_t *r, int i, int64_t price, int64_t now) {
    if (i >= r->n || price <= 0 || price > MAX_SANE) return;
    int64_t old = r->mark[i];
    if (old != price && (r->pos[i] || r->open_buy[i] || r->open_sell[i] || r->cost[i])) {
        risk_apply(r, risk_contrib(r, i, r->pos[i], r->open_buy[i], r->open_sell[i], old),
                   risk_contrib(r, i, r->pos[i], r->open_buy[i], r->open_sell[i], price));
    }
    r->mark[i] = price; r->mark_time[i] = now;
}

static inline uint64_t dup_hash(const order_t *o) {
    uint64_t h = (uint64_t)o->price * 0x9E3779B97F4A7C15ull;
    h ^= (uint64_t)o->qty + 0xBF58476D1CE4E5B9ull + (h << 6) + (h >> 2);
    h ^= (((uint64_t)o->inst << 32) | o->account) + 0x94D049BB133111EBull + (h << 6) + (h >> 2);
    h ^= (uint64_t)o->side * 0xFF51AFD7ED558CCDull;
    h ^= h >> 31; h *= 0xC4CEB9FE1A85EC53ull; h ^= h >> 33;
    return h;
}
static inline int dup_match(const dup_t *e, const order_t *o) {
    return e->used && e->price == o->price && e->qty == o->qty && e->inst == o->inst && e->account == o->account && e->side == o->side;
}

static inline int64_t window_epoch(int64_t t, int64_t window) { return t / (window / 8); }
static inline int64_t window_count(const risk_t *r, int64_t now) {
    int64_t cur = window_epoch(now, r->ratio_window), total = 0;
    for (int k = 0; k < 8; k++) if (r->win_epoch[k] <= cur && r->win_epoch[k] > cur - 8) total += r->win_count[k];
    return total;
}
static inline void window_add(risk_t *r, int64_t now) {
    int64_t cur = window_epoch(now, r->ratio_window);
    int k = (int)((uint64_t)cur % 8);
    if (r->win_epoch[k] != cur) { r->win_epoch[k] = cur; r->win_count[k] = 0; }
    r->win_count[k]++;
}

static inline int open_find(const risk_t *r, uint64_t id) {
    int i = (int)((id * 0x9E3779B97F4A7C15ull) >> 53) & (OPEN_SLOTS - 1);
    while (1) {
        if (r->open[i].id == id) return i;
        if (r->open[i].id == 0) return -1;
        i = (i + 1) & (OPEN_SLOTS - 1);
    }
}
static inline void open_insert(risk_t *r, const open_t *o) {
    int i = (int)((o->id * 0x9E3779B97F4A7C15ull) >> 53) & (OPEN_SLOTS - 1);
    while (r->open[i].id != 0) i = (i + 1) & (OPEN_SLOTS - 1);
    r->open[i] = *o; r->open_count++;
}
static void open_remove(risk_t *r, int i) {
    // backward-shift deletion (linear probing)
    int j = i;
    while (1) {
        j = (j + 1) & (OPEN_SLOTS - 1);
        if (r->open[j].id == 0) break;
        int home = (int)((r->open[j].id * 0x9E3779B97F4A7C15ull) >> 53) & (OPEN_SLOTS - 1);
        if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) { r->open[i] = r->open[j]; i = j; }
    }
    memset(&r->open[i], 0, sizeof(open_t));
    r->open_count--;
}

/// The check of one new order; on accept, records it. 1 = accept.
static inline int risk_check(risk_t *r, const order_t *o, int64_t now) {
    int i = (int)o->inst;
    if (i >= r->n) goto reject;
    int64_t q = o->qty;
    if (q <= 0 || q > MAX_SANE) goto reject;
    int buy = o->side == SIDE_BUY;
    int64_t p = r->pos[i];
    int reducing = buy ? (p < 0 && p + r->open_buy[i] + q <= 0) : (p > 0 && p - r->open_sell[i] - q >= 0);
    if (q % r->lot != 0) goto reject;
    if (o->price <= 0 || o->price > MAX_SANE || o->price % r->tick != 0) goto reject;
    if (q > r->max_order) goto reject;
    int64_t mark = r->mark[i];
    int fresh = mark > 0 && now - r->mark_time[i] <= r->ref_age;
    if (r->collar_bps > 0 && !fresh) goto reject;
    if (mark <= 0) goto reject;   // exposure limits need a reference
    int64_t price = o->price;
    i128 notional = (i128)q * price;
    if (notional > r->max_notional) goto reject;
    if (r->collar_bps > 0) {
        i128 dist = (i128)(price > mark ? price - mark : mark - price) * 10000;
        if (dist > (i128)r->collar_bps * mark) goto reject;
    }
    if (buy ? (r->own_best_ask[i] > 0 && price >= r->own_best_ask[i]) : (r->own_best_bid[i] > 0 && price <= r->own_best_bid[i])) goto reject;
    int64_t ob = r->open_buy[i], os = r->open_sell[i];
    if (buy) { ob += q; if (p + ob > r->max_pos) goto reject; }
    else { os += q; if (p - os < -r->max_pos) goto reject; }
    contrib_t before = risk_contrib(r, i, p, r->open_buy[i], r->open_sell[i], mark);
    contrib_t then = risk_contrib(r, i, p, ob, os, mark);
    i128 gross = r->gross - before.gross + then.gross;
    if (gross > r->max_gross && gross > r->gross) goto reject;
    i128 nlo = r->net_long < 0 ? -r->net_long : r->net_long, nso = r->net_short < 0 ? -r->net_short : r->net_short;
    i128 nl = r->net_long - before.nl + then.nl, ns = r->net_short - before.ns + then.ns;
    if (nl < 0) nl = -nl;
    if (ns < 0) ns = -ns;
    i128 net_old = nlo > nso ? nlo : nso, net_new = nl > ns ? nl : ns;
    if (net_new > r->max_net && net_new > net_old) goto reject;
    i128 credit_added = (i128)q * price;
    if (r->open_notional + credit_added > r->credit) goto reject;
    if (!reducing) {
        i128 eq = r->realized + r->unrealized;
        if (eq < -r->max_loss) goto reject;
        if (r->peak - eq > r->max_dd) goto reject;
    }
    uint64_t h = dup_hash(o);
    int base = (int)(h & (DUP_BUCKETS - 1)) * 4;
    if (r->dup_window > 0)
        for (int w = 0; w < 4; w++) if (dup_match(&r->dup[base + w], o) && now - r->dup[base + w].time < r->dup_window) goto reject;
    (void)window_count(r, now);   // ratio limits are off; the window is still read, as in Swift
    if (!bucket_can_take(&r->ibucket[i], now, r->irate, r->iburst)) goto reject;
    if (!bucket_can_take(&r->vbucket, now, r->vrate, r->vburst)) goto reject;
    if (!bucket_can_take(&r->gbucket, now, r->grate, r->gburst)) goto reject;
    if (r->open_count >= r->max_open || open_find(r, o->id) >= 0 || o->id == 0) goto reject;
    // accepted: commit
    open_t e = { o->id, price, q, q, 0, o->inst, o->side, 0 };
    open_insert(r, &e);
    r->open_buy[i] = ob; r->open_sell[i] = os;
    r->gross = gross;
    r->net_long += then.nl - before.nl; r->net_short += then.ns - before.ns;
    r->open_notional += credit_added;
    window_add(r, now);
    if (r->dup_window > 0) {
        int victim = base; int64_t oldest = INT64_MAX;
        for (int w = 0; w < 4; w++) {
            dup_t *d = &r->dup[base + w];
            if (!d->used || dup_match(d, o)) { victim = base + w; break; }
            if (d->time < oldest) { oldest = d->time; victim = base + w; }
        }
        dup_t d = { price, q, now, o->inst, o->account, o->side, 1 };
        r->dup[victim] = d;
    }
    bucket_take(&r->ibucket[i], now, r->irate, r->iburst);
    bucket_take(&r->vbucket, now, r->vrate, r->vburst);
    bucket_take(&r->gbucket, now, r->grate, r->gburst);
    r->accepted++;
    return 1;
reject:
    r->rejected++;
    return 0;
}

static void risk_adjust_open(risk_t *r, int slot, int64_t delta) {
    if (delta == 0) return;
    open_t *e = &r->open[slot];
    int i = (int)e->inst;
    contrib_t b = risk_contrib(r, i, r->pos[i], r->open_buy[i], r->open_sell[i], r->mark[i]);
    if (e->side == SIDE_BUY) r->open_buy[i] += delta; else r->open_sell[i] += delta;
    risk_apply(r, b, risk_contrib(r, i, r->pos[i], r->open_buy[i], r->open_sell[i], r->mark[i]));
    r->open_notional += (i128)delta * e->price;
    e->counted += delta;
}

static void risk_on_exec(risk_t *r, const exec_t *x) {
    int slot = open_find(r, x->id);
    if (x->exec_type == EX_REJECTED) {
        if (slot >= 0) { risk_adjust_open(r, slot, -r->open[slot].counted); open_remove(r, slot); }
        return;
    }
    if (x->exec_type != EX_TRADE) return;
    int i = (int)x->inst;
    int64_t f = x->last_qty, px = x->last_px;
    if (i >= r->n || f <= 0 || px <= 0) return;
    if (slot >= 0) {
        int64_t c = r->open[slot].counted;
        risk_adjust_open(r, slot, -(f < c ? f : c));
        r->open[slot].filled += f;
        if (x->leaves <= 0 || x->status == '2') { risk_adjust_open(r, slot, -r->open[slot].counted); open_remove(r, slot); }
    }
    int64_t mark = r->mark[i];
    contrib_t b = risk_contrib(r, i, r->pos[i], r->open_buy[i], r->open_sell[i], mark);
    int64_t signed_q = x->side == SIDE_BUY ? f : -f;
    int64_t p = r->pos[i];
    if (p != 0 && (p > 0) != (signed_q > 0)) {
        int64_t sm = signed_q < 0 ? -signed_q : signed_q, pm = p < 0 ? -p : p;
        int64_t closed = sm < pm ? sm : pm;
        int64_t closed_signed = signed_q > 0 ? closed : -closed;
        i128 closed_cost = r->cost[i] * closed / pm;
        r->realized += -((i128)closed_signed * px) - closed_cost;
        r->cost[i] -= closed_cost;
        r->pos[i] += closed_signed;
        signed_q -= closed_signed;
    }
    if (signed_q != 0) { r->cost[i] += (i128)signed_q * px; r->pos[i] += signed_q; }
    if (r->pos[i] == 0) r->cost[i] = 0;
    risk_apply(r, b, risk_contrib(r, i, r->pos[i], r->open_buy[i], r->open_sell[i], mark));
}

#endif
