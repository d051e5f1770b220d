#!/usr/bin/env bash
# Sequencer intake over HTTP: a via-sequencer on a throw-away PostgreSQL (batches of 64 chunks
# of 16 slots, sealed by count or after 1 s) takes N pre-signed transfers from T client
# threads; prints the accepted rate, the rate until every transfer is in a sealed batch (N a
# multiple of 1,024), then the seal times the sequencer logged.
#   bench/intake_bench.sh [N=4096] [T=8]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-4096}
T=${2:-8}
B=${VIA_BUILD:-build}
w=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$w"' EXIT
"$B/bench/via-keeper-bench" --emit "$N" "$w" >/dev/null
mkdir -p "$w/keys"
head -c 1024 /dev/urandom >"$w/keys/chunk-16.zkey" # only its hash is used: nobody proves here
# shellcheck source=../tests/lib/pg.sh
source tests/lib/pg.sh
via_pg_start
port=$((30000 + RANDOM % 20000))
"$B/sequencer/via-sequencer" run --db "$VIA_TEST_PG" --listen ":$port" --keys "$w/keys" \
    --slots 16 --chunks 64 --seal-age 1 --genesis "$w/genesis.json" --max-body 1048576 \
    >"$w/seq.log" 2>&1 &
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
rc=0
"$B/bench/via-intake-bench" "http://127.0.0.1:$port/" "$w/requests.jsonl" "$T" $((N / 1024)) || rc=$?
grep -o 'event=batch.sealed.*' "$w/seq.log" | sed 's/header=[0-9a-f]* //' | head -16
exit $rc
