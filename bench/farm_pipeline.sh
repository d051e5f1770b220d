#!/usr/bin/env bash
# Farm pipeline benchmark: a node on the CPU backend proving N 4-slot chunks from the queue
# (it generates their witnesses from the chunk JSON, proves, verifies and submits each)
# against `via-prover prove` proving the same witnesses in one batch (key read once, the
# witnesses made beforehand): the node should reach at least 90% of that throughput.
#   bench/farm_pipeline.sh [N]      (default 12; keys cached in bench/out/farm)
# Needs PostgreSQL 15 (a throw-away cluster, tests/lib/pg.sh). Prints both times, the ratio,
# and a JSON line.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-12}
VIA_BUILD=${VIA_BUILD:-build}
P="$VIA_BUILD/prover/via-prover"
OUT=bench/out/farm
mkdir -p "$OUT/keys" "$OUT/work"
if [ ! -f "$OUT/keys/chunk-4.zkey" ]; then
    echo "farm bench: making the 4-slot chunk key (development powers of tau 2^18)" >&2
    "$P" circuit --slots 4 --r1cs "$OUT/work/c4.r1cs" >/dev/null
    "$P" ptau-dev --power 18 "$OUT/work/pot18.ptau"
    "$P" setup "$OUT/work/c4.r1cs" "$OUT/work/pot18.ptau" "$OUT/work/c4.zkey" --name bench >/dev/null
    mv "$OUT/work/c4.zkey" "$OUT/keys/chunk-4.zkey"
    rm -f "$OUT/work/pot18.ptau" "$OUT/work/c4.r1cs"
fi
args=()
for i in $(seq 1 "$N"); do
    "$P" sample-chunk --slots 4 --seed "$i" --out "$OUT/work/c$i.json"
    "$P" witness --input "$OUT/work/c$i.json" --wtns "$OUT/work/c$i.wtns"
    args+=("$OUT/work/c$i.wtns" "$OUT/work/p$i.json" "$OUT/work/pub$i.json")
done
s=$(date +%s.%N)
"$P" prove "$OUT/keys/chunk-4.zkey" "${args[@]}" --gpus none
e=$(date +%s.%N)
loop=$(awk -v a="$s" -v b="$e" 'BEGIN { print b - a }')

# shellcheck source=../tests/lib/pg.sh
source tests/lib/pg.sh
via_pg_start
export VIA_DB="$VIA_TEST_PG"
for i in $(seq 1 "$N"); do
    "$P" queue enqueue-chunk "$OUT/work/c$i.json" --batch 1 --index "$i" --keys "$OUT/keys" >/dev/null
done
s=$(date +%s.%N)
"$P" run --keys "$OUT/keys" --gpus none --name bench-node --exit-when-idle --poll 0.2 2>"$OUT/node.log"
e=$(date +%s.%N)
farm=$(awk -v a="$s" -v b="$e" 'BEGIN { print b - a }')
done_n=$(psql "$VIA_DB" -Atc "SELECT count(*) FROM via_jobs WHERE status = 'done'")
[ "$done_n" = "$N" ] || { echo "farm bench: only $done_n of $N jobs done" >&2; tail "$OUT/node.log" >&2; exit 1; }
ratio=$(awk -v a="$loop" -v b="$farm" 'BEGIN { print a / b }')
printf 'farm pipeline: %d 4-slot chunks: via-prover prove (witnesses ready) %.2f s, node from the queue %.2f s: %.0f%% of the tight loop\n' "$N" "$loop" "$farm" "$(awk -v r="$ratio" 'BEGIN { print r * 100 }')"
printf '{"chunks": %d, "prove_loop_s": %.3f, "farm_node_s": %.3f, "ratio": %.3f}\n' "$N" "$loop" "$farm" "$ratio"
