#!/usr/bin/env bash
# The main job on embedded defaults: install what is missing, build, then run the prover farm
# on this machine: a throw-away PostgreSQL (initdb in a temporary folder, as the tests do), the
# chunk circuit's proving key (1 slot, development powers of tau), a batch of real chunks
# (docs/examples/chunk1.json and three sample chunks) and its aggregate job enqueued, one node
# on the CPU backend proving them until the queue is empty, then every proof and the
# aggregate verified and the queue status printed. Keys are cached in out/farm-demo.
set -euo pipefail
cd "$(dirname "$0")/.."
VIA_SKIP_NPM=1 bash scripts/install-deps.sh
export VIA_BUILD=${VIA_BUILD:-build}
bash scripts/build.sh
P="$VIA_BUILD/prover/via-prover"
OUT=${VIA_OUT:-out/farm-demo}
mkdir -p "$OUT/keys" "$OUT/work"
run() { echo "+ $*"; "$@"; }

# Proving key and aggregation SRS (development ceremonies; made once, then cached).
if [ ! -f "$OUT/keys/chunk-1.zkey" ]; then
    run "$P" circuit --slots 1 --r1cs "$OUT/work/chunk-1.r1cs"
    run "$P" ptau-dev --power 16 "$OUT/work/pot16.ptau"
    run "$P" setup "$OUT/work/chunk-1.r1cs" "$OUT/work/pot16.ptau" "$OUT/work/chunk-1.zkey" --name farm-demo
    mv "$OUT/work/chunk-1.zkey" "$OUT/keys/chunk-1.zkey"
    rm -f "$OUT/work/pot16.ptau" "$OUT/work/chunk-1.r1cs"
fi
run "$P" export-vk "$OUT/keys/chunk-1.zkey" "$OUT/verification_key.json"
if [ ! -f "$OUT/agg.srs" ]; then
    run "$P" ptau-dev --power 3 "$OUT/work/a.ptau"
    run "$P" ptau-dev --power 3 "$OUT/work/b.ptau"
    run "$P" srs --ptau "$OUT/work/a.ptau" --ptau "$OUT/work/b.ptau" --max 4 "$OUT/agg.srs"
    rm -f "$OUT/work/a.ptau" "$OUT/work/b.ptau"
fi

# The throw-away PostgreSQL (stopped and deleted when this script exits).
# shellcheck source=../tests/lib/pg.sh
source tests/lib/pg.sh
via_pg_start
export VIA_DB="$VIA_TEST_PG"
echo "PostgreSQL: $VIA_DB"

# Batch 1: the bundled example and three sample chunks, then its aggregate.
cp docs/examples/chunk1.json "$OUT/work/c0.json"
for i in 1 2 3; do run "$P" sample-chunk --slots 1 --seed "$i" --out "$OUT/work/c$i.json"; done
for i in 0 1 2 3; do
    run "$P" queue enqueue-chunk "$OUT/work/c$i.json" --batch 1 --index "$i" --keys "$OUT/keys"
done
run "$P" queue enqueue-aggregate --batch 1 --chunks 4 --circuit chunk-1 --keys "$OUT/keys"
run "$P" queue status

# One node on the CPU backend until nothing is left for it.
start=$(date +%s.%N)
run "$P" run --keys "$OUT/keys" --srs "$OUT/agg.srs" --gpus none --name farm-demo-node \
    --exit-when-idle
end=$(date +%s.%N)
run "$P" queue wait 1 --timeout 60

# Every result verified.
pubs=()
for i in 0 1 2 3; do
    id=$(psql "$VIA_DB" -Atc "SELECT id FROM via_jobs WHERE batch = 1 AND kind = 'chunk' AND chunk_index = $i")
    run "$P" queue result "$id" "$OUT/proof$i.json" "$OUT/public$i.json"
    run "$P" verify "$OUT/verification_key.json" "$OUT/public$i.json" "$OUT/proof$i.json"
    pubs+=(--public "$OUT/public$i.json")
done
agg=$(psql "$VIA_DB" -Atc "SELECT id FROM via_jobs WHERE batch = 1 AND kind = 'aggregate'")
run "$P" queue result "$agg" "$OUT/batch1.agg"
run "$P" verify-aggregate --srs "$OUT/agg.srs" --vk "$OUT/verification_key.json" "${pubs[@]}" "$OUT/batch1.agg"
run "$P" queue status
awk -v s="$start" -v e="$end" -v o="$OUT" 'BEGIN { printf "farm: 4 chunks proved and aggregated by one CPU node in %.1f s; every proof verified; files in %s\n", e - s, o }'
