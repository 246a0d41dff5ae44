#!/usr/bin/env bash
# Crash test (issue #5): kill -9 the engine at random points while it trades against the
# simulated exchange, restart it each time (it recovers from its journal and FIX store and
# asks the exchange to resend the session's reports), stop it cleanly at the end, and check
# that its positions — and the quantities bought and sold — equal the exchange's.
#
#   scripts/crash-test.sh [PEREGRINE_BINARY] [KILLS]
#
# Exits non-zero on any difference. Uses ports 19878/19501 and a fresh temporary directory.
set -euo pipefail
BIN=$(realpath "${1:-.build/debug/peregrine}")
KILLS=${2:-4}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/peregrine-crash-XXXXXX)
FIX_PORT=${CRASH_FIX_PORT:-19878}
FEED_PORT=${CRASH_FEED_PORT:-19501}
cd "$WORK"
mkdir -p config
cp "$ROOT/config/risk.conf" "$ROOT/config/momentum.cql" config/
sed -e "s/^port = 9878/port = $FIX_PORT/" -e "s/^port = 9501/port = $FEED_PORT/" "$ROOT/config/engine.conf" > engine.conf

cleanup() { [[ -n "${EXCHANGE:-}" ]] && kill -9 "$EXCHANGE" 2>/dev/null || true; [[ -n "${ENGINE:-}" ]] && kill -9 "$ENGINE" 2>/dev/null || true; }
trap cleanup EXIT

"$BIN" sim-exchange --fix-port "$FIX_PORT" --feed-port "$FEED_PORT" --seed 42 --report exchange.json > exchange.log 2>&1 &
EXCHANGE=$!
sleep 1

for i in $(seq 1 "$KILLS"); do
    "$BIN" run --config engine.conf > "engine-$i.log" 2>&1 &
    ENGINE=$!
    # Run 1.5 … 4.5 s, then kill -9 (no logout, no journal flush, rings lost).
    sleep "$(python3 -c "import random; print(round(random.uniform(1.5, 4.5), 2))")"
    kill -9 "$ENGINE"
    wait "$ENGINE" 2>/dev/null || true
    ENGINE=
    echo "crash $i: killed after $(grep -c . "engine-$i.log" || true) log lines; $(grep -m1 'recovered from the journal' "engine-$i.log" || echo 'no recovery (first run)')"
done

# The final run also serves a model artifact and watches it: a new version written while it
# trades (as `peregrine train` would) must be picked up without a restart (issue #8).
"$BIN" model write-sample model.pmodel > /dev/null
sed -i -e 's/^\[engine\]$/[engine]\nmodel = model.pmodel\nmodel_watch = 0.2/' engine.conf
"$BIN" run --config engine.conf --seconds 6 --report engine.json > engine-final.log 2>&1 &
ENGINE=$!
sleep 3
"$BIN" model write-sample model.pmodel > /dev/null
wait "$ENGINE"
ENGINE=
grep -m1 'recovered from the journal' engine-final.log || { echo "FAIL: the final run did not recover from the journal"; exit 1; }
grep -m1 'model: picked up a new model.pmodel' engine-final.log || { echo "FAIL: the final run did not pick up the new model file"; exit 1; }
sleep 1
kill -INT "$EXCHANGE"
wait "$EXCHANGE" || true
EXCHANGE=

python3 - <<'PY'
import json, sys
engine = json.load(open("engine.json"))
exchange = json.load(open("exchange.json"))["clients"]["PEREGRINE"]
ok = True
for p in engine["positions"]:
    x = exchange[p["symbol"]]
    for key in ("bought", "sold"):
        if abs(p[key] - x[key]) > 1e-9:
            print(f"FAIL {p['symbol']} {key}: engine {p[key]} exchange {x[key]}"); ok = False
    if abs(p["quantity"] - x["position"]) > 1e-9:
        print(f"FAIL {p['symbol']} position: engine {p['quantity']} exchange {x['position']}"); ok = False
    print(f"{p['symbol']}: engine position {p['quantity']:g} (bought {p['bought']:g}, sold {p['sold']:g}); exchange {x['position']:g} (bought {x['bought']:g}, sold {x['sold']:g})")
total = sum(x["bought"] + x["sold"] for x in exchange.values())
if total == 0:
    print("FAIL: nothing traded; the test proves nothing"); ok = False
print("crash test:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
echo "work directory: $WORK"
