#!/bin/sh
# Interop: Groth16 proofs in both directions with snarkjs 0.7.6 on the committed fixtures.
#  - `via-prover prove` on snarkjs's .zkey/.wtns -> `snarkjs groth16 verify` accepts it, and so
#    does `via-prover verify`; public.json is identical to snarkjs's.
#  - snarkjs's own proof.json -> `via-prover verify` prints OK (exit 0).
#  - a tampered proof (pi_a, pi_b, pi_c changed to other valid points, or coordinates off the
#    curve) and a tampered public input are rejected by both verifiers (ours: INVALID, exit 1).
#  - unusable input (missing file, malformed JSON, public input >= r) exits 2 with a message.
#  - a development ptau from `via-prover ptau-dev` is accepted by `snarkjs zkey verify`.
# Env: VIA_BUILD, VIA_NPM. Exit 77 (skip) only when node is missing.
. "$(dirname "$0")/../lib/missing.sh"
set -u
command -v node >/dev/null 2>&1 || via_missing "node not found"
: "${VIA_BUILD:?VIA_BUILD must name the build directory}"
: "${VIA_NPM:=tests/npm}"
P="$VIA_BUILD/prover/via-prover"
SJ="$VIA_NPM/node_modules/snarkjs/cli.js"
[ -x "$P" ] || { echo "FAIL: $P not built"; exit 1; }
[ -f "$SJ" ] || { echo "FAIL: snarkjs not installed at $SJ"; exit 1; }
snarkjs() { node "$SJ" "$@"; }
fx=tests/fixtures
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# expect <want-exit> <what> cmd...
expect() {
    want=$1; what=$2; shift 2
    "$@" >"$w/out" 2>"$w/err"
    got=$?
    [ "$got" = "$want" ] || { cat "$w/out" "$w/err"; fail "$what: exit $got, expected $want"; }
}

# Rewrites one JSON field with node: tamper <in> <out> <js expression over j>
tamper() { node -e "const fs=require('fs');const j=JSON.parse(fs.readFileSync('$1'));$3;fs.writeFileSync('$2',JSON.stringify(j));"; }

for c in multiplier lessthan poseidon; do
    echo "== $c"
    d="$fx/$c"
    expect 0 "$c: prove" "$P" prove "$d/circuit.zkey" "$d/circuit.wtns" "$w/proof.json" "$w/public.json"
    cmp -s "$w/public.json" "$d/public.json" ||
        node -e "const a=require('$PWD/$d/public.json'),b=JSON.parse(require('fs').readFileSync('$w/public.json'));if(JSON.stringify(a)!==JSON.stringify(b))process.exit(1)" ||
        fail "$c: public.json differs from snarkjs's"
    snarkjs groth16 verify "$d/verification_key.json" "$w/public.json" "$w/proof.json" >"$w/sj" 2>&1
    grep -q "OK!" "$w/sj" || { cat "$w/sj"; fail "$c: snarkjs rejected our proof"; }
    expect 0 "$c: our verify of our proof" "$P" verify "$d/verification_key.json" "$w/public.json" "$w/proof.json"
    grep -qx OK "$w/out" || fail "$c: verify did not print OK"
    expect 0 "$c: our verify of snarkjs's proof" "$P" verify "$d/verification_key.json" "$d/public.json" "$d/proof.json"

    # Tampering: swap in snarkjs's A (a valid point, wrong proof); negate C's y; flip B's x;
    # change the first public input.
    tamper "$w/proof.json" "$w/t1.json" "j.pi_a=require('$PWD/$d/proof.json').pi_a"
    tamper "$w/proof.json" "$w/t2.json" "const q=21888242871839275222246405745257275088696311157297823662689037894645226208583n;j.pi_c[1]=(q-BigInt(j.pi_c[1])).toString()"
    tamper "$w/proof.json" "$w/t3.json" "j.pi_b[0]=[j.pi_b[0][1],j.pi_b[0][0]]"
    tamper "$w/proof.json" "$w/t4.json" "j.pi_a[0]=(BigInt(j.pi_a[0])+1n).toString()"
    for t in t1 t2 t3 t4; do
        expect 1 "$c: our verify of tampered proof $t" "$P" verify "$d/verification_key.json" "$w/public.json" "$w/$t.json"
        grep -qx INVALID "$w/out" || fail "$c: tampered $t did not print INVALID"
        snarkjs groth16 verify "$d/verification_key.json" "$w/public.json" "$w/$t.json" >"$w/sj" 2>&1
        grep -q "OK!" "$w/sj" && fail "$c: snarkjs accepted tampered proof $t"
    done
    tamper "$w/public.json" "$w/pub_t.json" "j[0]=(BigInt(j[0])+1n).toString()"
    expect 1 "$c: our verify with a tampered public input" "$P" verify "$d/verification_key.json" "$w/pub_t.json" "$w/proof.json"
    snarkjs groth16 verify "$d/verification_key.json" "$w/pub_t.json" "$w/proof.json" >"$w/sj" 2>&1
    grep -q "OK!" "$w/sj" && fail "$c: snarkjs accepted a tampered public input"
done

echo "== unusable input"
d="$fx/multiplier"
expect 2 "missing vk" "$P" verify "$w/nope.json" "$d/public.json" "$d/proof.json"
grep -q "nope.json" "$w/err" || fail "missing file not named in the message"
printf '{"pi_a": [1,2' >"$w/bad.json"
expect 2 "malformed proof JSON" "$P" verify "$d/verification_key.json" "$d/public.json" "$w/bad.json"
echo '["21888242871839275222246405745257275088548364400416034343698204186575808495617"]' >"$w/big.json"
expect 2 "public input >= r" "$P" verify "$d/verification_key.json" "$w/big.json" "$d/proof.json"
expect 2 "prove with a witness of another circuit" "$P" prove "$d/circuit.zkey" "$fx/poseidon/circuit.wtns" "$w/p.json" "$w/pub.json"
grep -q "witness" "$w/err" || fail "witness mismatch not explained"
expect 2 "prove with a truncated zkey" sh -c "head -c 3000 '$d/circuit.zkey' > '$w/trunc.zkey'; '$P' prove '$w/trunc.zkey' '$d/circuit.wtns' '$w/p.json' '$w/pub.json'"

echo "== development ptau"
expect 0 "ptau-dev" "$P" ptau-dev --power 10 "$w/dev.ptau"
expect 0 "setup on the dev ptau" "$P" setup "$fx/poseidon/circuit.r1cs" "$w/dev.ptau" "$w/dev.zkey"
snarkjs zkey verify "$fx/poseidon/circuit.r1cs" "$w/dev.ptau" "$w/dev.zkey" >"$w/sj" 2>&1
grep -q "ZKey Ok!" "$w/sj" || { tail -5 "$w/sj"; fail "snarkjs zkey verify rejected a key made on the dev ptau"; }
expect 0 "export-vk" "$P" export-vk "$w/dev.zkey" "$w/vk.json"
expect 0 "prove on the dev key" "$P" prove "$w/dev.zkey" "$fx/poseidon/circuit.wtns" "$w/p.json" "$w/pub.json"
snarkjs groth16 verify "$w/vk.json" "$w/pub.json" "$w/p.json" >"$w/sj" 2>&1
grep -q "OK!" "$w/sj" || fail "snarkjs rejected a proof made on the dev key"
echo "PASS"
