#!/bin/sh
# Aggregation of circom proofs made by snarkjs 0.7.6 (the lessthan fixture: three public
# inputs, proved by `snarkjs groth16 prove` for eight different inputs), through the CLI:
#  - an SRS from two development ceremonies (`ptau-dev`, `srs --max 8 --verifier`); the same
#    ceremony twice is refused;
#  - aggregates of 1, 3 and 7 proofs (flags and a list file) verify with the full SRS and with
#    the verifier's part (OK, exit 0);
#  - rejected (INVALID, exit 1): public files in another order, another batch's public inputs,
#    one public input changed, fewer public files than proofs, a bit flipped in the header,
#    in a GT element and in a point of the aggregate, a truncated aggregate;
#  - unusable input (exit 2): a verification key of another circuit (the count of public
#    inputs differs), a missing file, a list line with three fields, an SRS too small;
#  - `aggregate` names a proof that does not verify and writes nothing.
# Env: VIA_BUILD, VIA_NPM. Exit 77 (skip) only when node is missing.
. "$(dirname "$0")/../lib/missing.sh"
set -u
command -v node >/dev/null 2>&1 || via_missing "node not found"
: "${VIA_BUILD:?VIA_BUILD must name the build directory}"
: "${VIA_NPM:=tests/npm}"
P="$VIA_BUILD/prover/via-prover"
SJ="$VIA_NPM/node_modules/snarkjs/cli.js"
CIRCOM="$VIA_NPM/node_modules/.bin/circom2"
[ -x "$P" ] || { echo "FAIL: $P not built"; exit 1; }
[ -f "$SJ" ] || { echo "FAIL: snarkjs not installed at $SJ"; exit 1; }
[ -x "$CIRCOM" ] || { echo "FAIL: circom2 not installed at $CIRCOM"; exit 1; }
snarkjs() { node "$SJ" "$@"; }
fx=tests/fixtures/lessthan
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
step() { "$@" >"$w/out" 2>&1 || { cat "$w/out"; fail "$*"; }; }
# expect <want-exit> <what> cmd...
expect() {
    want=$1; what=$2; shift 2
    "$@" >"$w/out" 2>"$w/err"
    got=$?
    [ "$got" = "$want" ] || { cat "$w/out" "$w/err"; fail "$what: exit $got, expected $want"; }
}

echo "== proofs by snarkjs"
step "$CIRCOM" "$fx/lessthan.circom" --wasm -o "$w" -l "$VIA_NPM/node_modules"
i=1
for pair in "3 9" "9 3" "0 1" "70000 69999" "5 5" "123456 654321" "4294967295 1" "17 4000000000"; do
    set -- $pair
    printf '{"in": ["%s", "%s"]}' "$1" "$2" >"$w/in$i.json"
    step node "$w/lessthan_js/generate_witness.js" "$w/lessthan_js/lessthan.wasm" "$w/in$i.json" "$w/w$i.wtns"
    step snarkjs groth16 prove "$fx/circuit.zkey" "$w/w$i.wtns" "$w/p$i.json" "$w/pub$i.json"
    i=$((i + 1))
done
step "$P" verify "$fx/verification_key.json" "$w/pub2.json" "$w/p2.json"

echo "== SRS"
step "$P" ptau-dev --power 4 "$w/a.ptau"
step "$P" ptau-dev --power 4 "$w/b.ptau"
step "$P" srs --ptau "$w/a.ptau" --ptau "$w/b.ptau" --max 8 "$w/s.srs" --verifier "$w/v.srs"
expect 2 "srs from one ceremony twice" "$P" srs --ptau "$w/a.ptau" --ptau "$w/a.ptau" --max 8 "$w/same.srs"
[ -e "$w/same.srs" ] && fail "an SRS was written from one ceremony used twice"
step "$P" srs --ptau "$w/a.ptau" --ptau "$w/b.ptau" --max 2 "$w/s2.srs"

VK="$fx/verification_key.json"
flags() { for k in "$@"; do printf -- '--proof %s --public %s ' "$w/p$k.json" "$w/pub$k.json"; done; }
pubs() { for k in "$@"; do printf -- '--public %s ' "$w/pub$k.json"; done; }

echo "== aggregate and verify"
for set in "1" "1 2 3" "1 2 3 4 5 6 7"; do
    # shellcheck disable=SC2046
    expect 0 "aggregate of [$set]" "$P" aggregate --srs "$w/s.srs" --vk "$VK" $(flags $set) --out "$w/agg.bin"
    # shellcheck disable=SC2046
    expect 0 "verify-aggregate of [$set]" "$P" verify-aggregate --srs "$w/s.srs" --vk "$VK" $(pubs $set) "$w/agg.bin"
    grep -qx OK "$w/out" || fail "verify-aggregate did not print OK"
    # shellcheck disable=SC2046
    expect 0 "verify-aggregate of [$set] with the verifier's SRS" "$P" verify-aggregate --srs "$w/v.srs" --vk "$VK" $(pubs $set) "$w/agg.bin"
done
size=$(wc -c <"$w/agg.bin")
[ "$size" = $((2064 + 2048 * 3)) ] || fail "aggregate of 7 proofs is $size bytes"

# a list file (relative paths), the same aggregate
for k in 1 2 3 4 5 6 7; do echo "p$k.json pub$k.json"; done >"$w/list.txt"
sed -i '1i # proofs of batch 1' "$w/list.txt"
expect 0 "aggregate --list" "$P" aggregate --srs "$w/s.srs" --vk "$VK" --list "$w/list.txt" --out "$w/agg_list.bin"
expect 0 "verify-aggregate --list" "$P" verify-aggregate --srs "$w/v.srs" --vk "$VK" --list "$w/list.txt" "$w/agg_list.bin"
expect 0 "verify-aggregate --list of the flag-made aggregate" "$P" verify-aggregate --srs "$w/v.srs" --vk "$VK" --list "$w/list.txt" "$w/agg.bin"

echo "== tampering"
# shellcheck disable=SC2046
expect 1 "public files in another order" "$P" verify-aggregate --srs "$w/v.srs" --vk "$VK" $(pubs 2 1 3 4 5 6 7) "$w/agg.bin"
grep -qx INVALID "$w/out" || fail "no INVALID printed"
# shellcheck disable=SC2046
expect 0 "aggregate of batch [1 2 3]" "$P" aggregate --srs "$w/s.srs" --vk "$VK" $(flags 1 2 3) --out "$w/agg3.bin"
# shellcheck disable=SC2046
expect 1 "another batch's public inputs" "$P" verify-aggregate --srs "$w/v.srs" --vk "$VK" $(pubs 4 5 6) "$w/agg3.bin"
node -e "const fs=require('fs');const j=JSON.parse(fs.readFileSync('$w/pub2.json'));j[2]=(BigInt(j[2])+1n).toString();fs.writeFileSync('$w/pubx.json',JSON.stringify(j))"
expect 1 "one public input changed" "$P" verify-aggregate --srs "$w/v.srs" --vk "$VK" --public "$w/pub1.json" --public "$w/pubx.json" --public "$w/pub3.json" "$w/agg3.bin"
# shellcheck disable=SC2046
expect 1 "fewer public files than proofs" "$P" verify-aggregate --srs "$w/v.srs" --vk "$VK" $(pubs 1 2) "$w/agg3.bin"
flip() { # flip <file> <byte offset> <out>
    cp "$1" "$3"
    b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$3" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
for off in 9 15 100 300 1050 4000 $((size - 200)) $((size - 1)); do
    flip "$w/agg.bin" "$off" "$w/flip.bin"
    # shellcheck disable=SC2046
    expect 1 "bit flipped at byte $off" "$P" verify-aggregate --srs "$w/v.srs" --vk "$VK" $(pubs 1 2 3 4 5 6 7) "$w/flip.bin"
done
head -c $((size - 1)) "$w/agg.bin" >"$w/short.bin"
# shellcheck disable=SC2046
expect 1 "truncated aggregate" "$P" verify-aggregate --srs "$w/v.srs" --vk "$VK" $(pubs 1 2 3 4 5 6 7) "$w/short.bin"
grep -q "bytes, but an aggregate of 7 proofs is" "$w/err" || { cat "$w/err"; fail "truncation not explained"; }

echo "== unusable input"
expect 2 "a verification key of another circuit" "$P" verify-aggregate --srs "$w/v.srs" --vk tests/fixtures/multiplier/verification_key.json --public "$w/pub1.json" "$w/agg.bin"
expect 2 "a missing public file" "$P" verify-aggregate --srs "$w/v.srs" --vk "$VK" --public "$w/nope.json" "$w/agg.bin"
echo "p1.json pub1.json extra" >"$w/bad.txt"
expect 2 "a list line with three fields" "$P" aggregate --srs "$w/s.srs" --vk "$VK" --list "$w/bad.txt" --out "$w/x.bin"
grep -q "line 1" "$w/err" || fail "the bad list line is not named"
# shellcheck disable=SC2046
expect 2 "an SRS too small" "$P" aggregate --srs "$w/s2.srs" --vk "$VK" $(flags 1 2 3) --out "$w/x.bin"
grep -q "srs --max 4" "$w/err" || { cat "$w/err"; fail "the SRS size needed is not said"; }
expect 2 "aggregating with the verifier's SRS" "$P" aggregate --srs "$w/v.srs" --vk "$VK" $(flags 1 2) --out "$w/x.bin"
# a proof that does not verify (proof 3 with the public inputs of 2) is named, nothing written
expect 2 "a bad proof" "$P" aggregate --srs "$w/s.srs" --vk "$VK" --proof "$w/p1.json" --public "$w/pub1.json" --proof "$w/p3.json" --public "$w/pub2.json" --out "$w/x.bin"
grep -q "proof 2 (.*p3.json with .*pub2.json) does not verify" "$w/err" || { cat "$w/err"; fail "the bad proof is not named"; }
[ -e "$w/x.bin" ] && fail "an aggregate was written for a bad proof"
expect 2 "output over an input" "$P" aggregate --srs "$w/s.srs" --vk "$VK" $(flags 1) --out "$w/p1.json"
echo PASS
