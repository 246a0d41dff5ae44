// Shared values of the C tick-to-order pipeline: fixed point, market events, orders, reports.
// Internal to the C tick-to-order baseline (included by tick_to_order.c only).
#ifndef CBASELINES_T2O_COMMON_H
#define CBASELINES_T2O_COMMON_H
#include <stdint.h>
#include <string.h>

#define MAXI 8
#define SCALE 100000000LL
#define MAX_SANE (1LL << 53)
typedef __int128 i128;

// MARK: - Values

enum { EV_TRADE = 1, EV_QUOTE = 2 };
typedef struct { int64_t exch, recv, w0, w1, w2, w3; uint32_t inst; uint8_t kind; } mev_t;   // trade: w0 px w1 qty; quote: bid, bidsz, ask, asksz

enum { SIDE_BUY = '1', SIDE_SELL = '2' };
typedef struct {
    int64_t created, price, qty;
    uint64_t id;
    uint32_t inst, account, strategy;
    uint16_t venue;
    uint8_t side, type, tif, kind;
} order_t;

enum { EX_NEW = '0', EX_REJECTED = '8', EX_TRADE = 'F' };
typedef struct {
    int64_t time, last_px, last_qty, leaves, cum, price, qty;
    uint64_t id, exec_id, venue_id;
    uint32_t inst;
    uint8_t exec_type, status, side;
} exec_t;

#endif
