#!/usr/bin/env bash
# Benchmarks: field/group micro-benchmarks, MSM, NTT and whole Groth16 proofs on the CPU
# backend, plus `snarkjs groth16 prove` on the same files for a side-by-side ratio.
#   bench/run.sh            full sizes (MSM 2^10..2^20, NTT 2^10..2^22, proofs ~2^16 and ~2^18)
#   bench/run.sh --quick    small sizes only (used to check the pipeline works)
#   bench/run.sh --full     also aggregation of 8,192 proofs
# aggregate/N, verify_aggregate/N, verify_each/N: SnarkPack aggregation of N proofs, its
# verification (decoding included) and the N proofs verified one by one, with the aggregate's
# size and the one-by-one / aggregate ratio (VIA_BENCH_AGG="64,256,1024").
# chunk_witness/N: witness generation of a sample chunk of N signed transfers, one thread, CPU
# time, reported as transfer slots per second per core (VIA_BENCH_CHUNK="1,4,16,64").
# Per-backend MSM G1 / NTT rows (msm_g1/opencl/.., ntt/cuda/..) run for every backend that
# opens (VIA_BENCH_BACKENDS="opencl cuda" by default; absent ones are skipped with a note).
# The farm (needs PostgreSQL 15, a throw-away cluster): queue throughput with 64 workers
# (bench/queue_bench.c, tight loop and with 20 ms of work per job) and the node pipeline
# against `via-prover prove` (bench/farm_pipeline.sh); printed after the table.
# Writes bench/out/results.json (Google Benchmark JSON plus the snarkjs timings, the device
# list and context), bench/out/plot.svg (time vs size, log-log, one line per benchmark and
# backend) and prints a table. Circuits, keys and witnesses are cached in bench/out/.
set -euo pipefail
cd "$(dirname "$0")/.."
QUICK=0
FULL=0
for a in "$@"; do
  case "$a" in
    --quick) QUICK=1 ;;
    --full) FULL=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $a" >&2; exit 2 ;;
  esac
done
export VIA_BUILD=${VIA_BUILD:-build}
cmake -S . -B "$VIA_BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$VIA_BUILD" -j"$(nproc)" --target via-prover via-bench >/dev/null
cmake --build "$VIA_BUILD" -j"$(nproc)" --target via-queue-bench >/dev/null 2>&1 || true
P="$VIA_BUILD/prover/via-prover"
BENCH="$VIA_BUILD/bench/via-bench"
[ -x "$BENCH" ] || { echo "bench/run.sh: $BENCH was not built (is libbenchmark-dev installed? run scripts/install-deps.sh)" >&2; exit 2; }
OUT=bench/out
mkdir -p "$OUT"
NPM=tests/npm
SNARKJS="$NPM/node_modules/.bin/snarkjs"
CIRCOM="$NPM/node_modules/.bin/circom2"

if [ $QUICK = 1 ]; then
  export VIA_BENCH_MSM=10:14 VIA_BENCH_MSM_G2=10:12 VIA_BENCH_NTT=10:16 VIA_BENCH_CHUNK=1,4
  # device backends: OpenCL on PoCL is slow, so the quick run keeps their sizes small
  export VIA_BENCH_MSM_DEV=${VIA_BENCH_MSM_DEV:-10:12} VIA_BENCH_NTT_DEV=${VIA_BENCH_NTT_DEV:-10:14}
  SIZES="4000"
  export VIA_BENCH_AGG=${VIA_BENCH_AGG:-64}
else
  export VIA_BENCH_MSM=${VIA_BENCH_MSM:-10:20} VIA_BENCH_MSM_G2=${VIA_BENCH_MSM_G2:-10:16} VIA_BENCH_NTT=${VIA_BENCH_NTT:-10:22}
  export VIA_BENCH_MSM_DEV=${VIA_BENCH_MSM_DEV:-10:20} VIA_BENCH_NTT_DEV=${VIA_BENCH_NTT_DEV:-10:22}
  SIZES=${VIA_BENCH_CONSTRAINTS:-"65000 262000"}
  if [ $FULL = 1 ]; then export VIA_BENCH_AGG=${VIA_BENCH_AGG:-64,256,1024,8192}; fi
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
node - "$OUT/gbench.json" "$OUT/results.json" "{${SNARK_TIMES}}" "$CPU" "$COMMIT" "$(nproc)" "$OUT/plot.svg" <<'JS'
const fs = require('fs');
const [gb, out, snark, cpu, commit, cores, svgOut] = process.argv.slice(2);
const g = JSON.parse(fs.readFileSync(gb, 'utf8'));
const snarkjs = JSON.parse(snark);
const rows = [];
for (const b of g.benchmarks) {
  if (b.error_occurred) { rows.push([b.name, 'error: ' + b.error_message, '', '']); continue; }
  const unit = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000 }[b.time_unit];
  const cw = b.name.startsWith('chunk_witness/'); // one thread: CPU time, slots per second
  const ms = (cw ? b.cpu_time : b.real_time) * unit;
  let extra = '', ratio = '';
  if (b.items_per_second) extra = cw ? b.items_per_second.toFixed(0) + ' slots/s/core' : (1e9 / b.items_per_second).toFixed(2) + ' ns/op';
  if (b.proof_bytes && !b.name.startsWith('verify_each')) extra = b.proof_bytes.toFixed(0) + ' bytes';
  const va = b.name.match(/^verify_aggregate\/cpu\/(\d+)/);
  if (va) {
    const each = g.benchmarks.find(x => x.name === `verify_each/cpu/${va[1]}/real_time` && !x.error_occurred);
    if (each) ratio = (each.real_time * ({ ns: 1e-6, us: 1e-3, ms: 1, s: 1000 }[each.time_unit]) / ms).toFixed(1) + 'x faster than one by one';
  }
  const m = b.name.match(/^groth16_prove\/cpu\/(\d+)/);
  if (m && snarkjs[m[1]]) ratio = (snarkjs[m[1]] / ms).toFixed(1) + 'x vs snarkjs (' + (snarkjs[m[1]] / 1000).toFixed(2) + ' s)';
  rows.push([b.name, ms >= 1 ? ms.toFixed(2) + ' ms' : (ms * 1000).toFixed(2) + ' us', extra, ratio]);
}
const w = [0, 1, 2, 3].map(i => Math.max(...rows.map(r => r[i].length), 8));
console.log(`\nvia bench  ${new Date().toISOString().slice(0, 10)}  cpu: ${cpu} (${cores} cores)  commit ${commit}  threads ${g.context.threads}  mulx/adx ${g.context.field_mulx_adx}  ifma ${g.context.field_ifma}`);
for (const r of rows) console.log(r.map((c, i) => c.padEnd(w[i])).join('  '));
const devices = (g.context.devices || '').split('\n').filter(l => l.length);
fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), cpu, cores: +cores, commit,
  devices, snarkjs_prove_ms: snarkjs, google_benchmark: g }, null, 1));
console.log(`\nJSON: ${out}`);

// SVG: time (ms) against size (2^k), both axes log2/log10, one polyline per op/backend.
const series = new Map();
for (const b of g.benchmarks) {
  const m = b.name.match(/^(msm_g1|msm_g2|ntt)\/([a-z]+)\/(\d+)/);
  if (!m || b.error_occurred) continue;
  const unit = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000 }[b.time_unit];
  const key = m[1] + '/' + m[2];
  if (!series.has(key)) series.set(key, []);
  series.get(key).push([+m[3], b.real_time * unit]);
}
if (series.size) {
  const pts = [...series.values()].flat();
  const kmin = Math.min(...pts.map(p => p[0])), kmax = Math.max(...pts.map(p => p[0]));
  const lmin = Math.floor(Math.log10(Math.min(...pts.map(p => p[1])))),
        lmax = Math.ceil(Math.log10(Math.max(...pts.map(p => p[1]))));
  const W = 800, H = 500, L = 70, R = 200, T = 40, Bm = 50;
  const x = k => L + (kmax > kmin ? (k - kmin) / (kmax - kmin) : 0.5) * (W - L - R);
  const y = ms => T + (lmax > lmin ? (lmax - Math.log10(ms)) / (lmax - lmin) : 0.5) * (H - T - Bm);
  const esc = t => t.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
  const dash = { cpu: '', opencl: '6 3', cuda: '2 2' };
  let s = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">\n`;
  s += `<rect width="${W}" height="${H}" fill="white"/>\n`;
  s += `<text x="${L}" y="20" font-size="14">via bench: time vs size (log-log), ${esc(commit)}, ${esc(cpu)}</text>\n`;
  for (let k = kmin; k <= kmax; k++) {
    s += `<line x1="${x(k)}" y1="${T}" x2="${x(k)}" y2="${H - Bm}" stroke="#eee"/>`;
    s += `<text x="${x(k)}" y="${H - Bm + 16}" text-anchor="middle">2^${k}</text>\n`;
  }
  for (let l = lmin; l <= lmax; l++) {
    s += `<line x1="${L}" y1="${y(10 ** l)}" x2="${W - R}" y2="${y(10 ** l)}" stroke="#eee"/>`;
    const lab = l >= 3 ? (10 ** (l - 3)) + ' s' : l >= 0 ? (10 ** l) + ' ms' : (10 ** (l + 3)).toFixed(0) + ' us';
    s += `<text x="${L - 6}" y="${y(10 ** l) + 4}" text-anchor="end">${lab}</text>\n`;
  }
  s += `<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - Bm}" fill="none" stroke="black"/>\n`;
  s += `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">size (points or elements)</text>\n`;
  let i = 0;
  for (const [key, p] of [...series.entries()].sort()) {
    p.sort((a, b) => a[0] - b[0]);
    const c = colors[i % colors.length], d = dash[key.split('/')[1]] || '';
    s += `<polyline fill="none" stroke="${c}" stroke-width="2"${d ? ` stroke-dasharray="${d}"` : ''} points="${p.map(q => x(q[0]).toFixed(1) + ',' + y(q[1]).toFixed(1)).join(' ')}"/>\n`;
    for (const q of p) s += `<circle cx="${x(q[0]).toFixed(1)}" cy="${y(q[1]).toFixed(1)}" r="3" fill="${c}"/>`;
    const ly = T + 10 + i * 18;
    s += `\n<line x1="${W - R + 15}" y1="${ly}" x2="${W - R + 45}" y2="${ly}" stroke="${c}" stroke-width="2"${d ? ` stroke-dasharray="${d}"` : ''}/>`;
    s += `<text x="${W - R + 50}" y="${ly + 4}">${esc(key)}</text>\n`;
    i++;
  }
  if (devices.length) s += `<text x="${L}" y="34" font-size="10" fill="#555">${esc(devices.filter(d => !d.startsWith('cpu:')).join('; ')).slice(0, 160)}</text>\n`;
  s += '</svg>\n';
  fs.writeFileSync(svgOut, s);
  console.log(`SVG: ${svgOut}`);
}
JS

# The farm: queue throughput and the node pipeline (each on its own throw-away PostgreSQL).
if [ -x "$VIA_BUILD/bench/via-queue-bench" ] && [ -x /usr/lib/postgresql/15/bin/initdb ]; then
  QJOBS=20000
  [ $QUICK = 1 ] && QJOBS=4000
  bash tests/lib/pg.sh "$VIA_BUILD/bench/via-queue-bench" 64 "$QJOBS" | head -1
  bash tests/lib/pg.sh "$VIA_BUILD/bench/via-queue-bench" 64 "$QJOBS" 20 | head -1
  if [ $QUICK = 0 ]; then VIA_BUILD="$VIA_BUILD" bash bench/farm_pipeline.sh 12 | head -1; fi
else
  echo "bench: no PostgreSQL 15 or via-queue-bench: farm benchmarks skipped" >&2
fi
