// Order side of the C tick-to-order pipeline: OMS slots and ClOrdID index, FIX NewOrderSingle encoder.
// Internal to the C tick-to-order baseline (included by tick_to_order.c only).
#ifndef CBASELINES_T2O_ORDERS_H
#define CBASELINES_T2O_ORDERS_H
#include <errno.h>
#include <stdlib.h>
#include "t2o_common.h"

// MARK: - OMS

typedef struct {
    uint64_t id, venue_id;
    int64_t price, qty, cum, created, updated, terminal_time;
    uint32_t inst, account, strategy, generation;
    uint8_t side, type, tif, status, in_use;
} orec_t;

typedef struct {
    orec_t *recs; int cap;
    uint32_t *free_slots; int free_count;
    uint32_t *linger; uint64_t linger_head, linger_tail;   // FIFO of terminal slots
    uint64_t *keys; uint32_t *vals; uint64_t mask;          // ClOrdID → slot (linear probing)
    int64_t linger_ns;
    int n_inst;
    int64_t pos[MAXI];
    uint64_t faults;
} oms_t;

static inline uint64_t oms_home(const oms_t *m, uint64_t key) { return (key * 0x9E3779B97F4A7C15ull >> 17) & m->mask; }
static inline int oms_find(const oms_t *m, uint64_t key) {
    uint64_t i = oms_home(m, key);
    while (m->keys[i] != 0) { if (m->keys[i] == key) return (int)m->vals[i]; i = (i + 1) & m->mask; }
    return -1;
}
static inline void oms_index(oms_t *m, uint64_t key, uint32_t slot) {
    uint64_t i = oms_home(m, key);
    while (m->keys[i] != 0) i = (i + 1) & m->mask;
    m->keys[i] = key; m->vals[i] = slot;
}
static void oms_unindex(oms_t *m, uint64_t key) {
    uint64_t i = oms_home(m, key);
    while (m->keys[i] != key) { if (m->keys[i] == 0) return; i = (i + 1) & m->mask; }
    uint64_t j = i;
    while (1) {
        j = (j + 1) & m->mask;
        if (m->keys[j] == 0) break;
        uint64_t home = oms_home(m, m->keys[j]);
        if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) { m->keys[i] = m->keys[j]; m->vals[i] = m->vals[j]; i = j; }
    }
    m->keys[i] = 0;
}

static int oms_init(oms_t *m, int cap, int64_t linger_ns, int n_inst) {
    memset(m, 0, sizeof(*m));
    m->cap = cap; m->linger_ns = linger_ns; m->n_inst = n_inst;
    uint64_t slots = 1; while (slots < (uint64_t)cap * 2) slots <<= 1;
    m->mask = slots - 1;
    m->recs = calloc((size_t)cap, sizeof(orec_t));
    m->free_slots = calloc((size_t)cap, sizeof(uint32_t));
    m->linger = calloc((size_t)cap, sizeof(uint32_t));
    m->keys = calloc(slots, sizeof(uint64_t));
    m->vals = calloc(slots, sizeof(uint32_t));
    if (!m->recs || !m->free_slots || !m->linger || !m->keys || !m->vals) return ENOMEM;
    for (int k = 0; k < cap; k++) m->free_slots[k] = (uint32_t)(cap - 1 - k);
    m->free_count = cap;
    return 0;
}
static void oms_free(oms_t *m) { free(m->recs); free(m->free_slots); free(m->linger); free(m->keys); free(m->vals); }

/// Registers a new order: a slot (recycling a lingering one if due) and its ClOrdID. 1 = ok.
static inline int oms_on_send(oms_t *m, const order_t *o, int64_t now) {
    if (o->id == 0 || o->qty <= 0 || o->account != 0 || (int)o->inst >= m->n_inst) { m->faults++; return 0; }
    if (oms_find(m, o->id) >= 0) { m->faults++; return 0; }
    if (m->free_count == 0) {
        if (m->linger_head == m->linger_tail) { m->faults++; return 0; }
        uint32_t head = m->linger[m->linger_head % (uint64_t)m->cap];
        if (now - m->recs[head].terminal_time < m->linger_ns) { m->faults++; return 0; }
        m->linger_head++;
        oms_unindex(m, m->recs[head].id);
        m->recs[head].in_use = 0; m->recs[head].generation++;
        m->free_slots[m->free_count++] = head;
    }
    uint32_t slot = m->free_slots[--m->free_count];
    orec_t *r = &m->recs[slot];
    uint32_t gen = r->generation;
    memset(r, 0, sizeof(*r));
    r->generation = gen; r->in_use = 1;
    r->id = o->id; r->price = o->price; r->qty = o->qty; r->inst = o->inst; r->account = o->account;
    r->strategy = o->strategy; r->side = o->side; r->type = o->type; r->tif = o->tif;
    r->created = o->created; r->updated = now; r->status = 'A';   // pending new
    oms_index(m, o->id, slot);
    return 1;
}

static void oms_on_exec(oms_t *m, const exec_t *x) {
    int slot = oms_find(m, x->id);
    if (slot < 0) { m->faults++; return; }
    orec_t *r = &m->recs[slot];
    r->updated = x->time;
    if (x->exec_type == EX_NEW) { if (r->status == 'A') r->status = '0'; r->venue_id = x->venue_id; return; }
    if (x->exec_type == EX_REJECTED) r->status = '8';
    if (x->exec_type == EX_TRADE) {
        if (r->cum + x->last_qty > r->qty) { m->faults++; return; }
        r->cum += x->last_qty;
        m->pos[r->inst] += r->side == SIDE_BUY ? x->last_qty : -x->last_qty;
        r->status = r->cum == r->qty ? '2' : '1';
    }
    if (r->status == '2' || r->status == '8') {
        r->terminal_time = x->time;
        m->linger[m->linger_tail % (uint64_t)m->cap] = (uint32_t)slot;
        m->linger_tail++;
    }
}

// MARK: - FIX NewOrderSingle

typedef struct {
    uint8_t buf[1024];
    uint8_t prefix[16]; int prefix_len;      // "8=FIX.4.4␁9="
    uint8_t header[48]; int header_len;      // "␁49=PEREGRINE␁56=VENUE␁34="
    uint8_t time_cache[17]; int64_t cached_second;
    uint8_t account[16]; int account_len;
    uint8_t symbol[MAXI][16]; int symbol_len[MAXI];
    int body_off, pos;
} fix_t;

static void fix_init(fix_t *f, const char *csv) {
    memset(f, 0, sizeof(*f));
    static const char prefix[] = "8=FIX.4.4\0019=", header[] = "\00149=PEREGRINE\00156=VENUE\00134=", account[] = "ACC-1";
    f->prefix_len = (int)strlen(prefix); memcpy(f->prefix, prefix, (size_t)f->prefix_len);
    f->header_len = (int)sizeof(header) - 1; memcpy(f->header, header, (size_t)f->header_len);
    f->account_len = (int)strlen(account); memcpy(f->account, account, (size_t)f->account_len);
    f->cached_second = INT64_MIN;
    f->body_off = 64;
    int k = 0;
    const char *p = csv;
    while (*p && k < MAXI) {
        const char *e = p; while (*e && *e != ',') e++;
        f->symbol_len[k] = (int)(e - p); memcpy(f->symbol[k], p, (size_t)(e - p)); k++;
        p = *e ? e + 1 : e;
    }
}

static inline int write_uint(uint8_t *b, int pos, uint64_t v) {
    uint8_t tmp[20]; int n = 0;
    do { tmp[n++] = (uint8_t)('0' + v % 10); v /= 10; } while (v);
    while (n) b[pos++] = tmp[--n];
    return pos;
}
static inline int write_padded(uint8_t *b, int pos, uint64_t v, int width) {
    for (int k = width - 1; k >= 0; k--) { b[pos + k] = (uint8_t)('0' + v % 10); v /= 10; }
    return pos + width;
}
static inline int write_fixed(uint8_t *b, int pos, int64_t raw) {
    if (raw < 0) { b[pos++] = '-'; raw = -raw; }
    pos = write_uint(b, pos, (uint64_t)raw / SCALE);
    uint64_t frac = (uint64_t)raw % SCALE;
    if (frac == 0) return pos;
    b[pos++] = '.';
    pos = write_padded(b, pos, frac, 8);
    while (b[pos - 1] == '0') pos--;
    return pos;
}
static inline int write_tag(uint8_t *b, int pos, int tag) { pos = write_uint(b, pos, (uint64_t)tag); b[pos++] = '='; return pos; }

/// Civil date from days since 1970-01-01 (H. Hinnant, "chrono-compatible low-level date algorithms").
static void civil_from_days(int64_t z, int *y, int *m, int *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/// UTCTimestamp with microseconds; the date and time of day text is cached per second.
static inline int write_time(fix_t *f, int pos, int64_t ns) {
    int64_t sec = ns / 1000000000, sub = ns % 1000000000;
    if (sub < 0) { sub += 1000000000; sec--; }
    if (sec != f->cached_second) {
        int64_t days = sec / 86400, tod = sec % 86400;
        if (tod < 0) { tod += 86400; days--; }
        int y, mo, d; civil_from_days(days, &y, &mo, &d);
        uint8_t *t = f->time_cache;
        write_padded(t, 0, (uint64_t)y, 4); write_padded(t, 4, (uint64_t)mo, 2); write_padded(t, 6, (uint64_t)d, 2);
        t[8] = '-';
        write_padded(t, 9, (uint64_t)(tod / 3600), 2); t[11] = ':';
        write_padded(t, 12, (uint64_t)(tod / 60 % 60), 2); t[14] = ':';
        write_padded(t, 15, (uint64_t)(tod % 60), 2);
        f->cached_second = sec;
    }
    memcpy(f->buf + pos, f->time_cache, 17); pos += 17;
    f->buf[pos++] = '.';
    return write_padded(f->buf, pos, (uint64_t)(sub / 1000), 6);
}

/// Encodes a NewOrderSingle (same fields and order as FIXEncoder.encodeNewOrderSingle with an
/// account, FIX 4.4). Returns its start in f->buf; *length gets its length.
static inline const uint8_t *fix_encode_nos(fix_t *f, const order_t *o, uint64_t seq, int64_t sending, int *length) {
    uint8_t *b = f->buf;
    int pos = f->body_off;
    b[pos++] = '3'; b[pos++] = '5'; b[pos++] = '='; b[pos++] = 'D';
    memcpy(b + pos, f->header, (size_t)f->header_len); pos += f->header_len;
    pos = write_uint(b, pos, seq); b[pos++] = 1;
    pos = write_tag(b, pos, 52); pos = write_time(f, pos, sending); b[pos++] = 1;
    pos = write_tag(b, pos, 11); pos = write_uint(b, pos, o->id); b[pos++] = 1;
    pos = write_tag(b, pos, 1); memcpy(b + pos, f->account, (size_t)f->account_len); pos += f->account_len; b[pos++] = 1;
    pos = write_tag(b, pos, 21); b[pos++] = '1'; b[pos++] = 1;
    pos = write_tag(b, pos, 55); memcpy(b + pos, f->symbol[o->inst], (size_t)f->symbol_len[o->inst]); pos += f->symbol_len[o->inst]; b[pos++] = 1;
    pos = write_tag(b, pos, 54); b[pos++] = o->side; b[pos++] = 1;
    pos = write_tag(b, pos, 60); pos = write_time(f, pos, sending); b[pos++] = 1;
    pos = write_tag(b, pos, 38); pos = write_fixed(b, pos, o->qty); b[pos++] = 1;
    pos = write_tag(b, pos, 40); b[pos++] = o->type; b[pos++] = 1;
    pos = write_tag(b, pos, 44); pos = write_fixed(b, pos, o->price); b[pos++] = 1;
    pos = write_tag(b, pos, 59); b[pos++] = o->tif; b[pos++] = 1;
    int body = pos - f->body_off;
    int digits = body < 10 ? 1 : body < 100 ? 2 : body < 1000 ? 3 : 4;
    int start = f->body_off - 1 - digits - f->prefix_len;
    memcpy(b + start, f->prefix, (size_t)f->prefix_len);
    write_uint(b, start + f->prefix_len, (uint64_t)body);
    b[f->body_off - 1] = 1;
    unsigned sum = 0;
    for (int k = start; k < pos; k++) sum += b[k];
    b[pos++] = '1'; b[pos++] = '0'; b[pos++] = '=';
    pos = write_padded(b, pos, sum & 255, 3);
    b[pos++] = 1;
    *length = pos - start;
    return b + start;
}

#endif
