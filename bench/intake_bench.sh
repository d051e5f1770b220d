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
# shellcheck source=seq_setup.sh
source bench/seq_setup.sh
seq_run 64 1
seq_up
rc=0
"$B/bench/via-intake-bench" "http://127.0.0.1:$port/" "$w/requests.jsonl" "$T" $((N / 1024)) || rc=$?
grep -o 'event=batch.sealed.*' "$w/seq.log" | sed 's/header=[0-9a-f]* //' | head -16
exit $rc
