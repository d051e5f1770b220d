#!/usr/bin/env bash
# The main job on embedded defaults: install what is missing, build, then set up, prove and
# verify the bundled example circuit (circomlib Poseidon, tests/fixtures/poseidon).
set -euo pipefail
cd "$(dirname "$0")/.."
VIA_SKIP_NPM=1 bash scripts/install-deps.sh
export VIA_BUILD=${VIA_BUILD:-build}
bash scripts/build.sh
P="$VIA_BUILD/prover/via-prover"
EX=tests/fixtures/poseidon
OUT=${VIA_OUT:-out/quickstart}
mkdir -p "$OUT"
run() { echo "+ $*"; "$@"; }
run "$P" info "$EX/circuit.r1cs"
run "$P" setup "$EX/circuit.r1cs" tests/fixtures/pot10_final.ptau "$OUT/circuit.zkey" --name quickstart
run "$P" export-vk "$OUT/circuit.zkey" "$OUT/verification_key.json"
start=$(date +%s.%N)
run "$P" prove "$OUT/circuit.zkey" "$EX/circuit.wtns" "$OUT/proof.json" "$OUT/public.json"
end=$(date +%s.%N)
run "$P" verify "$OUT/verification_key.json" "$OUT/public.json" "$OUT/proof.json"
run "$P" info "$OUT/proof.json"
awk -v s="$start" -v e="$end" -v o="$OUT" 'BEGIN { printf "proved and verified; prove took %.3f s; files in %s\n", e - s, o }'
