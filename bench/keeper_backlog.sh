#!/usr/bin/env bash
# State keeper with PostgreSQL, without HTTP in the measured part: N pre-signed transfers are
# taken over HTTP by a via-sequencer that does not seal (capacity above N, seal age 1 h) and
# stored as pending; it is stopped with kill -9 and started again with 1,024-slot batches (64
# chunks of 16 slots). Measured from the restart: the keeper rebuilt with every pending
# transfer validated again (signature, nonce, balance) until the server answers, then every
# transfer executed on the sealed state and persisted (batch, transactions, accounts, state
# tree version, chunk and aggregate jobs) until the last batch is sealed.
#   bench/keeper_backlog.sh [N=16384]   (N a multiple of 1,024)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-16384}
B=${VIA_BUILD:-build}
# shellcheck source=seq_setup.sh
source bench/seq_setup.sh
seq_run 4096 3600
seq_up
"$B/bench/via-intake-bench" "http://127.0.0.1:$port/" "$w/requests.jsonl" 16 >/dev/null
kill -9 "$seq_pid"
wait "$seq_pid" 2>/dev/null || true
pending=$(psql -qtA "$VIA_TEST_PG" -c "SELECT count(*) FROM via_seq_txs WHERE status = 'pending'")
t0=$(date +%s.%N)
seq_run 64 1
seq_up
t1=$(date +%s.%N)
want=$((N / 1024))
for _ in $(seq 6000); do
    b=$(psql -qtA "$VIA_TEST_PG" -c "SELECT coalesce(max(number), 0) FROM via_seq_batches")
    [ "$b" -ge "$want" ] && break
    sleep 0.01
done
t2=$(date +%s.%N)
python3 - "$N" "$pending" "$t0" "$t1" "$t2" "$b" "$want" <<'PY'
import sys
n, pending, t0, t1, t2, b, want = int(sys.argv[1]), int(sys.argv[2]), *map(float, sys.argv[3:6]), int(sys.argv[6]), int(sys.argv[7])
if b < want or pending != n:
    sys.exit(f"keeper: {pending} pending of {n}, {b} of {want} batches sealed")
print(f"keeper: {n} pending transfers revalidated at restart in {t1 - t0:.2f} s "
      f"({n / (t1 - t0):.0f} per second, start-up included), then executed and persisted in "
      f"{want} batches in {t2 - t1:.2f} s ({n / (t2 - t1):.0f} per second); "
      f"{n / (t2 - t0):.0f} per second from restart to the last batch")
PY
grep -o 'event=batch.sealed.*' "$w/seq.log" | sed 's/header=[0-9a-f]* //' | head -4
