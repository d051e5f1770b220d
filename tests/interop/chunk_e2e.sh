#!/bin/sh
# End to end on the rollup chunk circuit: build the circuit (1 slot, depth 6), a development
# powers of tau, our setup, a witness from real signed transactions (docs/examples/chunk1.json:
# one EdDSA-Poseidon signed transfer), prove, and verify with our verifier and with snarkjs.
# Also: the zkey passes `snarkjs zkey verify`, a tampered public input is rejected by both,
# and an altered transaction (amount changed after signing) is refused by the witness
# generator with the slot and rule named. Aggregation: three chunk proofs (fresh blinding
# each) aggregate under a development SRS and verify; the tampered commitment is rejected.
# Env: VIA_BUILD, VIA_NPM. Exit 77 (skip) only when node is missing.
. "$(dirname "$0")/../lib/missing.sh"
set -u
command -v node >/dev/null 2>&1 || via_missing "node not found"
: "${VIA_BUILD:?VIA_BUILD must name the build directory}"
: "${VIA_NPM:=tests/npm}"
P="$VIA_BUILD/prover/via-prover"
SJ="$VIA_NPM/node_modules/snarkjs/cli.js"
[ -x "$P" ] || { echo "FAIL: $P not built"; exit 1; }
snarkjs() { node "$SJ" "$@"; }
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
step() { echo "+ $*"; "$@" || fail "$*"; }

step "$P" circuit --slots 1 --r1cs "$w/c1.r1cs"
step "$P" ptau-dev --power 16 "$w/pot16.ptau"
step "$P" setup "$w/c1.r1cs" "$w/pot16.ptau" "$w/c1.zkey" --name e2e
step "$P" export-vk "$w/c1.zkey" "$w/vk.json"
step "$P" witness --input docs/examples/chunk1.json --wtns "$w/c1.wtns" --public "$w/pub_w.json"
step "$P" prove "$w/c1.zkey" "$w/c1.wtns" "$w/proof.json" "$w/public.json"
cmp -s "$w/public.json" "$w/pub_w.json" || fail "public.json from prove differs from the witness generator's"
step "$P" verify "$w/vk.json" "$w/public.json" "$w/proof.json"
snarkjs groth16 verify "$w/vk.json" "$w/public.json" "$w/proof.json" >"$w/sj" 2>&1
grep -q "OK!" "$w/sj" || { cat "$w/sj"; fail "snarkjs rejected the chunk proof"; }
snarkjs zkey verify "$w/c1.r1cs" "$w/pot16.ptau" "$w/c1.zkey" >"$w/zv" 2>&1
grep -q "ZKey Ok!" "$w/zv" || { tail -5 "$w/zv"; fail "snarkjs zkey verify rejected the chunk key"; }

node -e "const fs=require('fs');const j=JSON.parse(fs.readFileSync('$w/public.json'));j[0]=(BigInt(j[0])+1n).toString();fs.writeFileSync('$w/pub_t.json',JSON.stringify(j))"
"$P" verify "$w/vk.json" "$w/pub_t.json" "$w/proof.json" >/dev/null 2>&1
[ $? = 1 ] || fail "our verifier did not reject a tampered commitment"
snarkjs groth16 verify "$w/vk.json" "$w/pub_t.json" "$w/proof.json" >"$w/sj" 2>&1
grep -q "OK!" "$w/sj" && fail "snarkjs accepted a tampered commitment"

node -e "const fs=require('fs');const j=JSON.parse(fs.readFileSync('docs/examples/chunk1.json'));j.txs[0].amount='1001';fs.writeFileSync('$w/bad.json',JSON.stringify(j))"
"$P" witness --input "$w/bad.json" --wtns "$w/bad.wtns" >"$w/out" 2>&1
[ $? = 2 ] || { cat "$w/out"; fail "an altered transfer was not refused"; }
grep -qi "slot 0" "$w/out" && grep -qi "signature" "$w/out" || { cat "$w/out"; fail "the refusal does not name the slot and the rule"; }
[ -e "$w/bad.wtns" ] && fail "a witness file was written for an invalid chunk"
step "$P" prove "$w/c1.zkey" "$w/c1.wtns" "$w/proof2.json" "$w/public2.json"
step "$P" prove "$w/c1.zkey" "$w/c1.wtns" "$w/proof3.json" "$w/public3.json"
step "$P" ptau-dev --power 3 "$w/sa.ptau"
step "$P" ptau-dev --power 3 "$w/sb.ptau"
step "$P" srs --ptau "$w/sa.ptau" --ptau "$w/sb.ptau" --max 4 "$w/s.srs" --verifier "$w/v.srs"
step "$P" aggregate --srs "$w/s.srs" --vk "$w/vk.json" --proof "$w/proof.json" --public "$w/public.json" \
    --proof "$w/proof2.json" --public "$w/public2.json" --proof "$w/proof3.json" --public "$w/public3.json" --out "$w/chunks.agg"
step "$P" verify-aggregate --srs "$w/v.srs" --vk "$w/vk.json" --public "$w/public.json" --public "$w/public2.json" \
    --public "$w/public3.json" "$w/chunks.agg"
"$P" verify-aggregate --srs "$w/v.srs" --vk "$w/vk.json" --public "$w/public.json" --public "$w/pub_t.json" \
    --public "$w/public3.json" "$w/chunks.agg" >/dev/null 2>&1
[ $? = 1 ] || fail "verify-aggregate did not reject a tampered chunk commitment"
echo PASS
