#!/usr/bin/env bash
# Warehouse loader throughput beside `psql \copy`, and the end-to-end load lag (issue #8).
#
#   scripts/etl-bench.sh [--trades N] [--rounds R] [--batch B] [--lag-rate R] [--lag-seconds S]
#                        [--quiet-rate R] [--demo-seconds S (0: skip)] [--poll-ms M] [--keep]
#   make bench-etl        # release build, then this script
#
# 1. `peregrine journal synth` writes a journal of N trade prints (8 instruments, 5 trading
#    days, prices and sizes like ../shared/data) and the same rows as CSV.
# 2. A throwaway PostgreSQL cluster (scripts/postgres-test-cluster.sh, on its own port so it
#    never touches the test cluster) gets a template database with the warehouse schema.
# 3. R rounds, the two sides interleaved (the order alternates per round), each into a fresh
#    copy of the template:
#      loader:    `peregrine etl` (release build) loads the journal, batches of B records, one
#                 transaction per batch with the journal position;
#      psql_copy: `psql` runs `\copy trades FROM chunk (FORMAT csv)` for the same rows cut in
#                 chunks of B, each chunk in one transaction with the same journal_positions
#                 upsert — same table (the warehouse's own `trades`: columns, day partitions,
#                 index), same transaction discipline.
#    Wall time of each process; after each load the rows are checked (count and sums must equal
#    the journal's), so a wrong load fails the run instead of producing a figure.
#    A third side, the server reading the same rows from a binary COPY file itself (no client,
#    no socket, one transaction), is the ceiling for any client.
# 4. Lag: `peregrine etl --follow` runs while `peregrine journal synth --rate` appends trades
#    at a steady pace with the real clock (a busy and a quiet stream); per committed batch,
#    commit time minus the journal time of its oldest and newest record (p50/p99 over batches).
#    Then the same while the engine itself runs: `peregrine demo` journaling every event.
#
# Output: `name value unit` lines (medians), a `ratio` line and `goal` lines, like
# scripts/run-bench.sh. Settings: PEREGRINE_BIN (.build/release/peregrine),
# PEREGRINE_PG_PORT (54357; the reconnect tests own 54339 and 54341), ETL_BENCH_DIR (a temporary folder, removed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."

trades=1500000
rounds=5
batch=50000
lag_rate=20000
lag_seconds=6
quiet_rate=500
demo_seconds=12
poll_ms=20
keep=no
while [[ $# -gt 0 ]]; do
    case "$1" in
        --trades) trades=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --batch) batch=$2; shift 2 ;;
        --lag-rate) lag_rate=$2; shift 2 ;;
        --lag-seconds) lag_seconds=$2; shift 2 ;;
        --quiet-rate) quiet_rate=$2; shift 2 ;;
        --demo-seconds) demo_seconds=$2; shift 2 ;;
        --poll-ms) poll_ms=$2; shift 2 ;;
        --keep) keep=yes; shift ;;
        -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
        *) echo "etl-bench: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

bin="${PEREGRINE_BIN:-.build/release/peregrine}"
[[ -x "$bin" ]] || { echo "etl-bench: $bin not found; build it first: swift build -c release --product peregrine (or make bench-etl)" >&2; exit 1; }
command -v psql >/dev/null || { echo "etl-bench: psql not found (apt-get install -y postgresql-client)" >&2; exit 1; }

export PEREGRINE_PG_PORT="${PEREGRINE_PG_PORT:-54357}"
cluster=scripts/postgres-test-cluster.sh
work="${ETL_BENCH_DIR:-$(mktemp -d /tmp/etl-bench.XXXXXX)}"
mkdir -p "$work"
loader_pid=""
demo_pid=""
cleanup() {
    [[ -n "$loader_pid" ]] && kill "$loader_pid" 2>/dev/null || true
    [[ -n "$demo_pid" ]] && kill "$demo_pid" 2>/dev/null || true
    bash "$cluster" stop >/dev/null 2>&1 || true
    [[ "$keep" == yes ]] || rm -rf "$work"
}
trap cleanup EXIT

now_ns() { date +%s%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.10g\n", m }'; }
# Nearest-rank percentile of stdin (one number a line): percentile P.
percentile() { sort -g | awk -v p="$1" '{ v[NR] = $1 } END { if (NR == 0) { print "nan"; exit } r = int((p / 100) * NR + 0.999999); if (r < 1) r = 1; if (r > NR) r = NR; print v[r] }'; }

eval "$(bash "$cluster" start)"
base_conninfo="$PEREGRINE_PG_CONNINFO"
db() { echo "$base_conninfo dbname=$1"; }    # libpq: the last dbname wins
sql() { local database=$1; shift; psql -X -q -A -t -v ON_ERROR_STOP=1 "$(db "$database")" "$@"; }

echo "# etl-bench: $trades trades, $rounds rounds, batches of $batch, $(nproc) cores; work folder $work"

# --- data -------------------------------------------------------------------------------
"$bin" journal synth "$work/journal" --trades "$trades" --csv "$work/trades.csv" >/dev/null
"$bin" journal synth "$work/empty" --trades 0 >/dev/null
columns="journal_sequence, instrument_id, venue_id, exchange_time_ns, receive_time_ns, price_e8, quantity_e8, feed_sequence, trade_id, flags"
# The journal's own figures, to check every load against.
expected=$(awk -F, '{ n++; p += $6 / 1e6; q += $7 / 1e8; s += $1 } END { printf "%d|%.0f|%.0f|%.0f\n", n, p, q, s }' "$work/trades.csv")

# --- the template: the warehouse schema, applied by the loader itself ----------------------
sql postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS etl_template" -c "CREATE DATABASE etl_template"
"$bin" etl --journal "$work/empty" --conninfo "$(db etl_template)" >/dev/null

# --- the psql side: the same rows as CSV chunks, one transaction per chunk ------------------
split -l "$batch" -d -a 5 "$work/trades.csv" "$work/chunk."
days=$(awk -F, '{ d[int($4 / 86400000000000)] = 1 } END { for (k in d) print k }' "$work/trades.csv" | sort -n | paste -sd, -)
{
    echo "SET client_min_messages = warning;"
    first=yes; loaded=0
    for chunk in "$work"/chunk.*; do
        n=$(wc -l < "$chunk"); loaded=$((loaded + n))
        echo "BEGIN;"
        # Like the loader: the day partitions a batch needs are made in its transaction.
        [[ $first == yes ]] && echo "SELECT warehouse_ensure_day_partition('trades', d) FROM unnest('{$days}'::bigint[]) AS d;"
        first=no
        echo "\\copy trades ($columns) FROM '$chunk' WITH (FORMAT csv)"
        echo "INSERT INTO journal_positions AS p (journal_name, file_index, file_offset, sequence, records_loaded) VALUES ('csv', 0, 0, $loaded, $n)"
        echo "  ON CONFLICT (journal_name) DO UPDATE SET sequence = EXCLUDED.sequence, records_loaded = p.records_loaded + EXCLUDED.records_loaded;"
        echo "COMMIT;"
    done
} > "$work/copy.sql"

check() {   # database side: the trades table must hold exactly the journal's trades
    local got
    got=$(sql "$1" -c "SELECT count(*) || '|' || coalesce(sum(price_e8 / 1000000), 0) || '|' || coalesce(sum(quantity_e8 / 100000000), 0) || '|' || coalesce(sum(journal_sequence), 0) FROM trades")
    if [[ "$got" != "$expected" ]]; then
        echo "etl-bench: $2 loaded the wrong rows into $1: count|sum(price)|sum(qty)|sum(seq) = $got, the journal has $expected" >&2
        exit 1
    fi
}

run_loader() {
    local database=$1 start end
    sql postgres -c "CREATE DATABASE $database TEMPLATE etl_template" -c "CHECKPOINT" >/dev/null
    start=$(now_ns)
    "$bin" etl --journal "$work/journal" --conninfo "$(db "$database")" --batch "$batch" --progress-interval 1000 > "$work/$database.log"
    end=$(now_ns)
    check "$database" "peregrine etl"
    sql postgres -c "DROP DATABASE $database" >/dev/null
    awk -v n="$trades" -v ns=$((end - start)) 'BEGIN { printf "%.0f\n", n * 1e9 / ns }'
}

run_copy() {
    local database=$1 start end
    sql postgres -c "CREATE DATABASE $database TEMPLATE etl_template" -c "CHECKPOINT" >/dev/null
    start=$(now_ns)
    psql -X -q -v ON_ERROR_STOP=1 "$(db "$database")" -f "$work/copy.sql" > "$work/$database.log"
    end=$(now_ns)
    check "$database" "psql \\copy"
    sql postgres -c "DROP DATABASE $database" >/dev/null
    awk -v n="$trades" -v ns=$((end - start)) 'BEGIN { printf "%.0f\n", n * 1e9 / ns }'
}

# The ceiling for any client: the server reading the same rows as a binary COPY file itself
# (no client, no socket), one transaction. Written once from a loaded database.
run_server() {
    local database=$1 start end
    sql postgres -c "CREATE DATABASE $database TEMPLATE etl_template" -c "CHECKPOINT" >/dev/null
    start=$(now_ns)
    sql "$database" -c "BEGIN" -c "SELECT warehouse_ensure_day_partition('trades', d) FROM unnest('{$days}'::bigint[]) AS d" \
        -c "COPY trades ($columns) FROM '$work/trades.bin' WITH (FORMAT binary)" -c "COMMIT" >/dev/null
    end=$(now_ns)
    check "$database" "server-side COPY"
    sql postgres -c "DROP DATABASE $database" >/dev/null
    awk -v n="$trades" -v ns=$((end - start)) 'BEGIN { printf "%.0f\n", n * 1e9 / ns }'
}
sql postgres -c "CREATE DATABASE etl_dump TEMPLATE etl_template" >/dev/null
"$bin" etl --journal "$work/journal" --conninfo "$(db etl_dump)" --batch "$batch" --progress-interval 1000 >/dev/null
check etl_dump "peregrine etl"
chmod 755 "$work"
sql etl_dump -c "\\copy (SELECT $columns FROM trades ORDER BY journal_sequence) TO '$work/trades.bin' WITH (FORMAT binary)"
chmod 644 "$work/trades.bin"
sql postgres -c "DROP DATABASE etl_dump" >/dev/null

: > "$work/loader.txt"; : > "$work/copy.txt"; : > "$work/server.txt"
for round in $(seq 1 "$rounds"); do
    if (( round % 2 )); then
        l=$(run_loader "etl_loader_$round"); c=$(run_copy "etl_copy_$round"); f=$(run_server "etl_server_$round")
    else
        f=$(run_server "etl_server_$round"); c=$(run_copy "etl_copy_$round"); l=$(run_loader "etl_loader_$round")
    fi
    echo "$l" >> "$work/loader.txt"; echo "$c" >> "$work/copy.txt"; echo "$f" >> "$work/server.txt"
    echo "# round $round: loader $l rows/s, psql \\copy $c rows/s, server-side binary COPY $f rows/s"
done
loader=$(median < "$work/loader.txt")
copy=$(median < "$work/copy.txt")
server=$(median < "$work/server.txt")
echo "etl.trades.loader $loader rows/s"
echo "etl.trades.psql_copy $copy rows/s"
echo "etl.trades.server_copy_binary $server rows/s"
awk -v l="$loader" -v f="$server" 'BEGIN { printf "ratio etl.trades.loader_vs_server_copy_binary %.3f (etl.trades.loader / etl.trades.server_copy_binary; higher is better)\n", l / f }'
awk -v l="$loader" -v c="$copy" 'BEGIN {
    r = l / c
    printf "ratio etl.trades.loader_vs_psql_copy %.3f (etl.trades.loader / etl.trades.psql_copy; higher is better)\n", r
    if (r >= 0.9) printf "goal etl.trades.loader_vs_psql_copy %.3f >= 0.9: met\n", r
    else printf "goal etl.trades.loader_vs_psql_copy %.3f >= 0.9: MISSED by %.3f (%.1f %% under)\n", r, 0.9 - r, (1 - r / 0.9) * 100
    if (l >= 500000) printf "goal etl.trades.loader %d rows/s >= 500000: met\n", l
    else printf "goal etl.trades.loader %d rows/s >= 500000: MISSED by %d rows/s (%.1f %% under)\n", l, 500000 - l, (1 - l / 500000) * 100
}'

# --- end-to-end lag: journal append -> row visible, while a writer appends at a steady rate -
# Per committed batch (etl --lag-log): commit time minus the journal time of its oldest and
# newest record. A busy stream (--lag-rate) and a quiet one (--quiet-rate, demo-like), where
# the loader is mostly caught up and the poll interval (--poll-ms, etl's default 20 ms)
# dominates; then the quiet one again polled every 1 ms.
run_lag() {   # label rate seconds poll-ms
    local label=$1 rate=$2 seconds=$3 poll=$4 total database="etl_lag_$1" loaded batches
    total=$((rate * seconds))
    sql postgres -c "CREATE DATABASE $database TEMPLATE etl_template" >/dev/null
    # An empty journal first, so the loader has a file to follow before the writer starts.
    "$bin" journal synth "$work/live_$label" --trades 0 >/dev/null
    : > "$work/lag_$label.txt"
    "$bin" etl --journal "$work/live_$label" --conninfo "$(db "$database")" --follow --batch "$batch" --poll-interval-ms "$poll" \
        --lag-log "$work/lag_$label.txt" --progress-interval 1000 > "$work/$database.log" &
    loader_pid=$!
    sleep 1   # connected and polling before the first append
    "$bin" journal synth "$work/live_$label" --trades "$total" --rate "$rate" --seed 7 >/dev/null
    for _ in $(seq 1 200); do   # up to 20 s to catch up
        loaded=$(awk '{ n += $4 } END { print n + 0 }' "$work/lag_$label.txt")
        [[ "$loaded" -ge "$total" ]] && break
        sleep 0.1
    done
    kill -TERM "$loader_pid"; wait "$loader_pid" || true; loader_pid=""
    loaded=$(awk '{ n += $4 } END { print n + 0 }' "$work/lag_$label.txt")
    if [[ "$loaded" -ne "$total" ]]; then
        echo "etl-bench: the following loader committed $loaded of $total trades" >&2; cat "$work/$database.log" >&2; exit 1
    fi
    [[ "$(sql "$database" -c "SELECT count(*) FROM trades")" -eq "$total" ]] || { echo "etl-bench: $database does not hold $total trades" >&2; exit 1; }
    batches=$(wc -l < "$work/lag_$label.txt")
    echo "# lag ($label): $total trades appended at $rate/s, loaded by etl --follow (poll ${poll} ms) in $batches batches"
    echo "etl.lag.$label.oldest_in_batch.p50 $(awk '{ print ($1 - $2) / 1e6 }' "$work/lag_$label.txt" | percentile 50) ms"
    echo "etl.lag.$label.oldest_in_batch.p99 $(awk '{ print ($1 - $2) / 1e6 }' "$work/lag_$label.txt" | percentile 99) ms"
    echo "etl.lag.$label.newest_in_batch.p50 $(awk '{ print ($1 - $3) / 1e6 }' "$work/lag_$label.txt" | percentile 50) ms"
    echo "etl.lag.$label.newest_in_batch.p99 $(awk '{ print ($1 - $3) / 1e6 }' "$work/lag_$label.txt" | percentile 99) ms"
    echo "etl.lag.$label.batch_records.median $(awk '{ print $4 }' "$work/lag_$label.txt" | median) records"
}
run_lag busy "$lag_rate" "$lag_seconds" "$poll_ms"
run_lag quiet "$quiet_rate" "$lag_seconds" "$poll_ms"
# The same quiet stream polled every millisecond: what the poll interval costs.
run_lag quiet_poll1ms "$quiet_rate" "$lag_seconds" 1

# The engine itself: `peregrine demo` (simulated exchange, FIX and feed on loopback, the
# engine trading, its journal thread writing every event) while etl --follow loads the journal.
lag_summary() {   # label file poll rate-text
    echo "# lag ($1): $(awk '{ n += $4 } END { print n + 0 }' "$2") records $4, loaded by etl --follow (poll $3 ms) in $(wc -l < "$2") batches"
    echo "etl.lag.$1.oldest_in_batch.p50 $(awk '{ print ($1 - $2) / 1e6 }' "$2" | percentile 50) ms"
    echo "etl.lag.$1.oldest_in_batch.p99 $(awk '{ print ($1 - $2) / 1e6 }' "$2" | percentile 99) ms"
    echo "etl.lag.$1.newest_in_batch.p50 $(awk '{ print ($1 - $3) / 1e6 }' "$2" | percentile 50) ms"
    echo "etl.lag.$1.newest_in_batch.p99 $(awk '{ print ($1 - $3) / 1e6 }' "$2" | percentile 99) ms"
}
if [[ "$demo_seconds" -gt 0 ]]; then
    sql postgres -c "CREATE DATABASE etl_lag_demo TEMPLATE etl_template" >/dev/null
    "$bin" demo --seconds "$demo_seconds" --out "$work/demo" > "$work/demo.log" 2>&1 &
    demo_pid=$!
    journal_dir=""
    for _ in $(seq 1 300); do   # the demo makes its run folder and journal at start-up
        journal_dir=$(ls -d "$work"/demo/run-*/journal 2>/dev/null | head -n 1 || true)
        [[ -n "$journal_dir" ]] && ls "$journal_dir"/engine-*.pjournal >/dev/null 2>&1 && break
        sleep 0.1
    done
    [[ -n "$journal_dir" ]] || { echo "etl-bench: the demo wrote no journal" >&2; cat "$work/demo.log" >&2; exit 1; }
    : > "$work/lag_demo.txt"
    etl_started=$(now_ns)
    "$bin" etl --journal "$journal_dir" --name engine --conninfo "$(db etl_lag_demo)" --follow --batch "$batch" \
        --poll-interval-ms "$poll_ms" --lag-log "$work/lag_demo.txt" --progress-interval 1000 > "$work/etl_lag_demo.log" &
    loader_pid=$!
    wait "$demo_pid" || { demo_pid=""; echo "etl-bench: the demo failed" >&2; tail -n 20 "$work/demo.log" >&2; exit 1; }
    demo_pid=""
    journaled=$("$bin" journal cat "$journal_dir" --name engine | tail -n 1 | awk '{ print $2 }')
    for _ in $(seq 1 100); do
        [[ "$(awk '{ n += $4 } END { print n + 0 }' "$work/lag_demo.txt")" -ge "$journaled" ]] && break
        sleep 0.1
    done
    kill -TERM "$loader_pid"; wait "$loader_pid" || true; loader_pid=""
    loaded=$(awk '{ n += $4 } END { print n + 0 }' "$work/lag_demo.txt")
    [[ "$loaded" -eq "$journaled" ]] || { echo "etl-bench: etl --follow loaded $loaded of the demo's $journaled records" >&2; exit 1; }
    # The loader starts after the demo has begun journaling: batches whose oldest record
    # was journaled before the loader had been running for a second are start-up catch-up,
    # not following lag, and are left out (counted in the comment line).
    awk -v t="$etl_started" '$2 >= t + 1e9' "$work/lag_demo.txt" > "$work/lag_demo_following.txt"
    echo "# lag (demo): $(( $(wc -l < "$work/lag_demo.txt") - $(wc -l < "$work/lag_demo_following.txt") )) start-up batch(es) left out"
    lag_summary demo "$work/lag_demo_following.txt" "$poll_ms" "journaled by a ${demo_seconds} s demo run"
fi
