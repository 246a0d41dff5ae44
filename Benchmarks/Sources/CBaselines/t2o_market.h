// Market side of the C tick-to-order pipeline: IQFeed `Q,` line parser and market-data filter.
// Internal to the C tick-to-order baseline (included by tick_to_order.c only).
#ifndef CBASELINES_T2O_MARKET_H
#define CBASELINES_T2O_MARKET_H
#include "t2o_common.h"

// MARK: - Decoder

enum { F_IGN, F_SYM, F_LAST, F_LASTSZ, F_LASTTIME, F_BID, F_BIDSZ, F_ASK, F_ASKSZ, F_CONTENTS };
#define SYM_SLOTS 64

typedef struct {
    uint8_t roles[128];
    int count;
    uint8_t sym_len[SYM_SLOTS];
    uint8_t sym[SYM_SLOTS][32];
    uint32_t sym_id[SYM_SLOTS];
    int64_t midnight_utc;
} decoder_t;

static inline uint64_t fnv1a(const uint8_t *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 0x100000001b3ull; }
    return h;
}

static inline int sym_slot(const decoder_t *d, const uint8_t *p, size_t n) {
    int s = (int)(fnv1a(p, n) & (SYM_SLOTS - 1));
    while (d->sym_len[s] != 0 && !(d->sym_len[s] == n && memcmp(d->sym[s], p, n) == 0)) s = (s + 1) & (SYM_SLOTS - 1);
    return s;
}

static void decoder_init(decoder_t *d, const char *csv, int64_t midnight_utc) {
    memset(d, 0, sizeof(*d));
    static const uint8_t standard[] = { F_SYM, F_LAST, F_LASTSZ, F_LASTTIME, F_IGN, F_IGN, F_BID, F_BIDSZ, F_ASK, F_ASKSZ,
                                        F_IGN, F_IGN, F_IGN, F_IGN, F_CONTENTS, F_IGN };
    memcpy(d->roles, standard, sizeof(standard));
    d->count = (int)sizeof(standard);
    d->midnight_utc = midnight_utc;
    uint32_t id = 0;
    const char *p = csv;
    while (*p) {
        const char *e = p; while (*e && *e != ',') e++;
        size_t n = (size_t)(e - p);
        int s = sym_slot(d, (const uint8_t *)p, n);
        d->sym_len[s] = (uint8_t)n; memcpy(d->sym[s], p, n); d->sym_id[s] = id++;
        p = *e ? e + 1 : e;
    }
}

static const int64_t pow10_8[9] = { 100000000, 10000000, 1000000, 100000, 10000, 1000, 100, 10, 1 };

static inline int parse_fixed(const uint8_t *p, size_t n, int64_t *out) {
    size_t i = 0; int neg = 0;
    if (n && p[0] == '-') { neg = 1; i = 1; }
    int64_t ip = 0, frac = 0; int idig = 0, fd = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9') { if (++idig > 11) return 0; ip = ip * 10 + (p[i] - '0'); i++; }
    if (i < n && p[i] == '.') {
        i++;
        while (i < n && p[i] >= '0' && p[i] <= '9') { if (fd < 8) { frac = frac * 10 + (p[i] - '0'); fd++; } i++; }
    }
    if (i != n || (idig == 0 && fd == 0)) return 0;
    int64_t v = ip * SCALE + frac * pow10_8[fd];
    *out = neg ? -v : v;
    return 1;
}

static inline int parse_time(const uint8_t *p, size_t n, int64_t *ns) {
    if (n < 8 || p[2] != ':' || p[5] != ':') return 0;
    for (int k = 0; k < 8; k++) if (k != 2 && k != 5 && (p[k] < '0' || p[k] > '9')) return 0;
    int64_t h = (p[0] - '0') * 10 + (p[1] - '0'), m = (p[3] - '0') * 10 + (p[4] - '0'), s = (p[6] - '0') * 10 + (p[7] - '0');
    if (h > 23 || m > 59 || s > 60) return 0;
    int64_t frac = 0, scale = 1000000000;
    if (n > 8) {
        if (p[8] != '.' || n > 18) return 0;
        for (size_t k = 9; k < n; k++) {
            if (p[k] < '0' || p[k] > '9') return 0;
            scale /= 10; frac += (p[k] - '0') * scale;
        }
    }
    *ns = ((h * 60 + m) * 60 + s) * 1000000000LL + frac;
    return 1;
}

/// Decodes one line into up to two events; returns how many.
static inline int decode_line(const decoder_t *d, const uint8_t *line, size_t len, int64_t recv, mev_t out[2]) {
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
    if (len < 2 || line[0] != 'Q' || line[1] != ',') return 0;
    size_t pos = 2;
    int field = 0, inst = -1;
    int64_t last = 0, lastsz = 0, lasttime = -1, bid = 0, bidsz = 0, ask = 0, asksz = 0;
    int has_last = 0, has_lastsz = 0, has_bid = 0, has_bidsz = 0, has_ask = 0, has_asksz = 0;
    int has_contents = 0, trade_changed = 0, quote_changed = 0;
    while (pos <= len) {
        size_t start = pos;
        while (pos < len && line[pos] != ',') pos++;
        const uint8_t *f = line + start; size_t fn = pos - start;
        pos++;
        int role = field < d->count ? d->roles[field] : F_IGN;
        field++;
        if (role == F_SYM) {
            if (fn == 0 || fn > 32) return 0;
            int s = sym_slot(d, f, fn);
            if (d->sym_len[s] == 0) return 0;
            inst = (int)d->sym_id[s];
            continue;
        }
        if (fn == 0 || role == F_IGN) continue;
        switch (role) {
        case F_LAST: if (!parse_fixed(f, fn, &last)) return 0; has_last = 1; break;
        case F_LASTSZ: if (!parse_fixed(f, fn, &lastsz)) return 0; has_lastsz = 1; break;
        case F_LASTTIME: if (!parse_time(f, fn, &lasttime)) return 0; break;
        case F_BID: if (!parse_fixed(f, fn, &bid)) return 0; has_bid = 1; break;
        case F_BIDSZ: if (!parse_fixed(f, fn, &bidsz)) return 0; has_bidsz = 1; break;
        case F_ASK: if (!parse_fixed(f, fn, &ask)) return 0; has_ask = 1; break;
        case F_ASKSZ: if (!parse_fixed(f, fn, &asksz)) return 0; has_asksz = 1; break;
        case F_CONTENTS:
            has_contents = 1;
            for (size_t k = 0; k < fn; k++) {
                uint8_t b = f[k];
                if (b == 'C' || b == 'E' || b == 'O') trade_changed = 1;
                else if (b == 'b' || b == 'a') quote_changed = 1;
            }
            break;
        }
    }
    if (inst < 0) return 0;
    int has_quote = has_bid || has_ask;
    int want_trade = has_contents ? trade_changed && has_last : !has_quote && has_last;
    int want_quote = has_contents ? quote_changed && has_quote : has_quote;
    int n = 0;
    if (want_trade) {
        mev_t *e = &out[n++];
        e->kind = EV_TRADE; e->inst = (uint32_t)inst; e->recv = recv;
        e->exch = lasttime >= 0 ? d->midnight_utc + lasttime : recv;
        e->w0 = last; e->w1 = has_lastsz ? lastsz : 0; e->w2 = 0; e->w3 = 0;
    }
    if (want_quote) {
        mev_t *e = &out[n++];
        e->kind = EV_QUOTE; e->inst = (uint32_t)inst; e->recv = recv; e->exch = recv;
        e->w0 = has_bid ? bid : 0; e->w1 = has_bidsz ? bidsz : 0; e->w2 = has_ask ? ask : 0; e->w3 = has_asksz ? asksz : 0;
    }
    return n;
}

// MARK: - Filter

#define SPIKE_WINDOW 16
#define SPIKE_MIN 5

typedef struct {
    int n;
    int64_t band_bps, stale_ns;
    int64_t ring[MAXI][SPIKE_WINDOW], sorted[MAXI][SPIKE_WINDOW];
    int count[MAXI], head[MAXI];
    uint64_t passed, dropped;
} filter_t;

static inline int is_spike(int64_t price, int64_t ref, int64_t band) {
    i128 distance = (i128)price - ref;
    if (distance < 0) distance = -distance;
    return distance * 10000 > (i128)band * (ref < 0 ? -ref : ref);
}

static inline void spike_insert(filter_t *f, int i, int64_t price) {
    int64_t *s = f->sorted[i];
    int n = f->count[i];
    if (n == SPIKE_WINDOW) {
        int64_t old = f->ring[i][f->head[i]];
        int k = 0; while (k < n && s[k] != old) k++;
        for (; k < n - 1; k++) s[k] = s[k + 1];
        n--;
    }
    int k = n;
    while (k > 0 && s[k - 1] > price) { s[k] = s[k - 1]; k--; }
    s[k] = price;
    f->ring[i][f->head[i]] = price;
    f->head[i] = (f->head[i] + 1) % SPIKE_WINDOW;
    f->count[i] = n + 1;
}

static inline int filter_process(filter_t *f, const mev_t *e) {
    int i = (int)e->inst;
    if (i >= f->n) goto drop;
    if (e->kind == EV_TRADE) { if (e->w0 <= 0 || e->w1 <= 0) goto drop; }
    else if (e->w0 <= 0 || e->w2 <= 0 || e->w1 <= 0 || e->w3 <= 0) goto drop;
    if (f->stale_ns > 0 && e->exch != 0 && e->recv - e->exch > f->stale_ns) goto drop;
    if (e->kind == EV_QUOTE) {
        if (e->w0 >= e->w2) goto drop;   // crossed or locked
        if (f->band_bps > 0 && f->count[i] >= SPIKE_MIN) {
            int64_t mid = e->w0 / 2 + e->w2 / 2 + (e->w0 & e->w2 & 1);
            if (is_spike(mid, f->sorted[i][f->count[i] / 2], f->band_bps)) goto drop;
        }
    } else {
        if (f->band_bps > 0 && f->count[i] >= SPIKE_MIN && is_spike(e->w0, f->sorted[i][f->count[i] / 2], f->band_bps)) goto drop;
        spike_insert(f, i, e->w0);
    }
    f->passed++;
    return 1;
drop:
    f->dropped++;
    return 0;
}

#endif
