#!/usr/bin/env bash
# Benchmarks: field/group micro-benchmarks, MSM, NTT and whole Groth16 proofs on the CPU
# backend, plus `snarkjs groth16 prove` on the same files for a side-by-side ratio.
#   bench/run.sh            full sizes (MSM 2^10..2^20, NTT 2^10..2^22, proofs ~2^16 and ~2^18)
#   bench/run.sh --quick    small sizes only (used to check the pipeline works)
# Writes bench/out/results.json (Google Benchmark JSON plus the snarkjs timings and context)
# and prints a table. Circuits, keys and witnesses are cached in bench/out/.
set -euo pipefail
cd "$(dirname "$0")/.."
QUICK=0
for a in "$@"; do
  case "$a" in
    --quick) QUICK=1 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $a" >&2; exit 2 ;;
  esac
done
export VIA_BUILD=${VIA_BUILD:-build}
cmake -S . -B "$VIA_BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$VIA_BUILD" -j"$(nproc)" --target via-prover via-bench >/dev/null
P="$VIA_BUILD/prover/via-prover"
BENCH="$VIA_BUILD/bench/via-bench"
[ -x "$BENCH" ] || { echo "bench/run.sh: $BENCH was not built (is libbenchmark-dev installed? run scripts/install-deps.sh)" >&2; exit 2; }
OUT=bench/out
mkdir -p "$OUT"
NPM=tests/npm
SNARKJS="$NPM/node_modules/.bin/snarkjs"
CIRCOM="$NPM/node_modules/.bin/circom2"

if [ $QUICK = 1 ]; then
  export VIA_BENCH_MSM=10:14 VIA_BENCH_MSM_G2=10:12 VIA_BENCH_NTT=10:16
  SIZES="4000"
else
  export VIA_BENCH_MSM=${VIA_BENCH_MSM:-10:20} VIA_BENCH_MSM_G2=${VIA_BENCH_MSM_G2:-10:16} VIA_BENCH_NTT=${VIA_BENCH_NTT:-10:22}
  SIZES=${VIA_BENCH_CONSTRAINTS:-"65000 262000"}
fi

# Prepare one benchmark circuit of N constraints: circom -> r1cs + wasm, witness, dev ptau, setup.
prepare() {
  local n=$1 d="$OUT/chain_$1"
  [ -f "$d/circuit.zkey" ] && [ -f "$d/witness.wtns" ] && return 0
  mkdir -p "$d"
  sed "s/__N__/$n/" bench/circuits/chain.circom > "$d/chain.circom"
  echo "bench: compiling chain circuit with $n constraints" >&2
  "$CIRCOM" "$d/chain.circom" --r1cs --wasm -o "$d" >/dev/null
  echo '{"x": "3", "y": "11"}' > "$d/input.json"
  node "$d/chain_js/generate_witness.js" "$d/chain_js/chain.wasm" "$d/input.json" "$d/witness.wtns"
  # domain 2^k with 2^k > n + 1; the ptau needs a power above k (setup refuses an equal size)
  local k=1
  while [ $((1 << k)) -le $((n + 1)) ]; do k=$((k + 1)); done
  k=$((k + 1))
  [ -f "$OUT/pot$k.ptau" ] || { echo "bench: development powers of tau 2^$k" >&2; "$P" ptau-dev --power $k "$OUT/pot$k.ptau"; }
  echo "bench: setup" >&2
  "$P" setup "$d/chain.r1cs" "$OUT/pot$k.ptau" "$d/circuit.zkey" --name bench
  "$P" export-vk "$d/circuit.zkey" "$d/verification_key.json"
}

PROVE=""
SNARK_TIMES=""
if [ -x "$CIRCOM" ] && [ -x "$SNARKJS" ] && command -v node >/dev/null; then
  for n in $SIZES; do
    prepare "$n"
    PROVE="$PROVE${PROVE:+;}$n:$OUT/chain_$n/circuit.zkey:$OUT/chain_$n/witness.wtns"
    echo "bench: snarkjs groth16 prove, $n constraints" >&2
    s=$(date +%s%N)
    "$SNARKJS" groth16 prove "$OUT/chain_$n/circuit.zkey" "$OUT/chain_$n/witness.wtns" "$OUT/chain_$n/proof_snarkjs.json" "$OUT/chain_$n/public_snarkjs.json"
    e=$(date +%s%N)
    SNARK_TIMES="$SNARK_TIMES${SNARK_TIMES:+,}\"$n\": $(( (e - s) / 1000000 ))"
    # our proof must verify with snarkjs too
    "$P" prove "$OUT/chain_$n/circuit.zkey" "$OUT/chain_$n/witness.wtns" "$OUT/chain_$n/proof.json" "$OUT/chain_$n/public.json"
    "$SNARKJS" groth16 verify "$OUT/chain_$n/verification_key.json" "$OUT/chain_$n/public.json" "$OUT/chain_$n/proof.json" >/dev/null
  done
else
  echo "bench: npm tools not installed (scripts/install-deps.sh): skipping whole-proof benchmarks" >&2
fi
export VIA_BENCH_PROVE="$PROVE"

"$BENCH" --benchmark_out="$OUT/gbench.json" --benchmark_out_format=json --benchmark_min_time=0.2 >&2

CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
node - "$OUT/gbench.json" "$OUT/results.json" "{${SNARK_TIMES}}" "$CPU" "$COMMIT" "$(nproc)" <<'JS'
const fs = require('fs');
const [gb, out, snark, cpu, commit, cores] = process.argv.slice(2);
const g = JSON.parse(fs.readFileSync(gb, 'utf8'));
const snarkjs = JSON.parse(snark);
const rows = [];
for (const b of g.benchmarks) {
  if (b.error_occurred) { rows.push([b.name, 'error: ' + b.error_message, '', '']); continue; }
  const unit = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000 }[b.time_unit];
  const ms = b.real_time * unit;
  let extra = '', ratio = '';
  if (b.items_per_second) extra = (1e9 / b.items_per_second).toFixed(2) + ' ns/op';
  const m = b.name.match(/^groth16_prove\/cpu\/(\d+)/);
  if (m && snarkjs[m[1]]) ratio = (snarkjs[m[1]] / ms).toFixed(1) + 'x vs snarkjs (' + (snarkjs[m[1]] / 1000).toFixed(2) + ' s)';
  rows.push([b.name, ms >= 1 ? ms.toFixed(2) + ' ms' : (ms * 1000).toFixed(2) + ' us', extra, ratio]);
}
const w = [0, 1, 2, 3].map(i => Math.max(...rows.map(r => r[i].length), 8));
console.log(`\nvia bench  ${new Date().toISOString().slice(0, 10)}  cpu: ${cpu} (${cores} cores)  commit ${commit}  threads ${g.context.threads}  mulx/adx ${g.context.field_mulx_adx}`);
for (const r of rows) console.log(r.map((c, i) => c.padEnd(w[i])).join('  '));
fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), cpu, cores: +cores, commit,
  snarkjs_prove_ms: snarkjs, google_benchmark: g }, null, 1));
console.log(`\nJSON: ${out}`);
JS
