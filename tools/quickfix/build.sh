#!/bin/sh
# Builds the QuickFIX interop harness (qf_acceptor, qf_initiator) and the codec benchmark
# baseline (qf_codec_bench) into OUTDIR.
#   tools/quickfix/build.sh OUTDIR
# Needs Debian libquickfix-dev (apt-get install -y libquickfix-dev) and g++.
# Skips a program whose binary is newer than its sources; safe to run concurrently
# (flock on OUTDIR/.lock; binaries are renamed into place).
set -eu
if [ $# -ne 1 ]; then echo "usage: $0 OUTDIR" >&2; exit 2; fi
OUT=$1
SRC=$(cd "$(dirname "$0")" && pwd)
CXX=${CXX:-g++}

if [ ! -f /usr/include/quickfix/Application.h ] && [ ! -f /usr/local/include/quickfix/Application.h ]; then
  echo "error: QuickFIX headers not found (quickfix/Application.h): install libquickfix-dev (apt-get install -y libquickfix-dev)" >&2
  exit 3
fi
if ! command -v "$CXX" >/dev/null 2>&1; then
  echo "error: C++ compiler '$CXX' not found: install g++ (apt-get install -y g++)" >&2
  exit 3
fi

mkdir -p "$OUT"
exec 9>"$OUT/.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi

build() {
  name=$1
  if [ -x "$OUT/$name" ] && [ ! "$SRC/$name.cpp" -nt "$OUT/$name" ] && [ ! "$SRC/qf_common.h" -nt "$OUT/$name" ] && [ ! "$0" -nt "$OUT/$name" ]; then
    echo "$name: up to date"
    return 0
  fi
  echo "$name: compiling"
  # -Wno-deprecated: QuickFIX 1.15 headers use dynamic exception specifications.
  "$CXX" -O2 -std=c++14 -Wno-deprecated -o "$OUT/$name.tmp.$$" "$SRC/$name.cpp" -lquickfix -lpthread
  mv -f "$OUT/$name.tmp.$$" "$OUT/$name"
}

# The compiles (~20 s each) run two at a time (two cores).
build qf_acceptor & a=$!
build qf_initiator & i=$!
status=0
wait $a || status=1
wait $i || status=1
build qf_codec_bench || status=1
if [ $status -ne 0 ]; then echo "error: compiling the QuickFIX harness failed" >&2; exit 1; fi
