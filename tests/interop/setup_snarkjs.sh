#!/bin/sh
# Interop: our Groth16 setup (r1cs + prepared ptau -> zkey with one contribution) must be
# accepted by snarkjs 0.7.6: `zkey verify` against the same r1cs and ptau, `groth16 prove` with
# our key, `groth16 verify` with both snarkjs's and our exported verification key. The initial
# key (no contribution) must be byte-identical to `snarkjs groth16 setup`'s.
# Inputs: the committed fixtures (tests/fixtures: ptau power 10, three circom circuits).
# Env: VIA_BUILD (build dir), VIA_NPM (tests/npm). Exit 77 (skip) only when node is missing.
. "$(dirname "$0")/../lib/missing.sh"
set -u
if ! command -v node >/dev/null 2>&1; then
    via_missing "node not found"
fi
: "${VIA_BUILD:?VIA_BUILD must name the build directory}"
: "${VIA_NPM:=tests/npm}"
repo=$(pwd)
fx="$repo/tests/fixtures"
snarkjs_js="$VIA_NPM/node_modules/snarkjs/cli.js"
driver="$VIA_BUILD/tests/interop/via_setup_driver"
[ -f "$snarkjs_js" ] || { echo "FAIL: snarkjs not installed at $snarkjs_js"; exit 1; }
[ -x "$driver" ] || { echo "FAIL: driver not built: $driver"; exit 1; }
snarkjs() { node "$snarkjs_js" "$@"; }
# The per-circuit setups go through the CLI (`via-prover setup`) when it is built, else the
# driver; both call via_groth16_setup_ex.
cli="$VIA_BUILD/prover/via-prover"
our_setup() { # r1cs ptau zkey name -> prints "contribution hash <hex>"
    if [ -x "$cli" ]; then
        "$cli" setup "$1" "$2" "$3" --name "$4" >"$work/cli.out" || return 1
        printf 'contribution hash %s\n' \
            "$(sed -n '/^contribution hash:/,$p' "$work/cli.out" | sed 1d | tr -d '\n')"
    else
        "$driver" setup "$1" "$2" "$3" "$4"
    fi
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ptau="$fx/pot10_final.ptau"

fail() { echo "FAIL: $*"; exit 1; }

for c in multiplier lessthan poseidon; do
    echo "== $c"
    r1cs="$fx/$c/circuit.r1cs"
    our_setup "$r1cs" "$ptau" "$work/$c.zkey" "via interop $c" >"$work/$c.setup.log" 2>&1 ||
        { cat "$work/$c.setup.log"; fail "$c: our setup failed"; }
    ours_hash=$(sed -n 's/^contribution hash //p' "$work/$c.setup.log")
    snarkjs zkey verify "$r1cs" "$ptau" "$work/$c.zkey" >"$work/$c.verify.log" 2>&1
    grep -q "ZKey Ok!" "$work/$c.verify.log" ||
        { cat "$work/$c.verify.log"; fail "$c: snarkjs zkey verify rejected our zkey"; }
    # snarkjs prints the contribution hash as 4 lines of 4 words; it must be ours.
    theirs_hash=$(sed -n '/contribution #1/,/----/p' "$work/$c.verify.log" |
        grep -o '[0-9a-f]\{8\}' | tr -d '\n')
    [ "$theirs_hash" = "$ours_hash" ] ||
        fail "$c: contribution hash differs: snarkjs $theirs_hash, ours $ours_hash"

    snarkjs groth16 prove "$work/$c.zkey" "$fx/$c/circuit.wtns" "$work/$c.proof.json" \
        "$work/$c.public.json" >"$work/$c.prove.log" 2>&1 ||
        { cat "$work/$c.prove.log"; fail "$c: snarkjs groth16 prove failed with our zkey"; }
    snarkjs zkey export verificationkey "$work/$c.zkey" "$work/$c.vk_snarkjs.json" \
        >/dev/null 2>&1 || fail "$c: snarkjs could not export a verification key from our zkey"
    "$driver" vk "$work/$c.zkey" "$work/$c.vk_ours.json" || fail "$c: our vk export failed"
    for vk in vk_snarkjs vk_ours; do
        snarkjs groth16 verify "$work/$c.$vk.json" "$work/$c.public.json" "$work/$c.proof.json" \
            >"$work/$c.gv.log" 2>&1
        grep -q "OK!" "$work/$c.gv.log" ||
            { cat "$work/$c.gv.log"; fail "$c: snarkjs groth16 verify rejected the proof ($vk)"; }
    done
    node -e '
        const a = JSON.parse(require("fs").readFileSync(process.argv[1]));
        const b = JSON.parse(require("fs").readFileSync(process.argv[2]));
        const ka = Object.keys(a).sort(), kb = Object.keys(b).sort();
        const same = JSON.stringify(ka) === JSON.stringify(kb) &&
            ka.every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
        process.exit(same ? 0 : 1);
    ' "$work/$c.vk_ours.json" "$work/$c.vk_snarkjs.json" ||
        fail "$c: our verification_key.json differs from snarkjs's"
    echo "   ok (contribution hash matches snarkjs, proof verifies)"
done

echo "== initial key byte-identical to snarkjs groth16 setup (lessthan)"
snarkjs groth16 setup "$fx/lessthan/circuit.r1cs" "$ptau" "$work/lt_snarkjs_0000.zkey" \
    >/dev/null 2>&1 || fail "snarkjs groth16 setup failed"
"$driver" setup "$fx/lessthan/circuit.r1cs" "$ptau" "$work/lt_ours_0000.zkey" --init \
    >/dev/null 2>&1 || fail "our setup --init failed"
cmp "$work/lt_snarkjs_0000.zkey" "$work/lt_ours_0000.zkey" ||
    fail "initial zkey differs from snarkjs groth16 setup output"

echo "== our contribution on top of snarkjs's (poseidon fixture key, already 1 contribution)"
"$driver" contribute "$fx/poseidon/circuit.zkey" "$work/pos2.zkey" "via second" \
    >"$work/pos2.log" 2>&1 || { cat "$work/pos2.log"; fail "our contribute failed"; }
snarkjs zkey verify "$fx/poseidon/circuit.r1cs" "$ptau" "$work/pos2.zkey" >"$work/pos2.verify.log" 2>&1
grep -q "ZKey Ok!" "$work/pos2.verify.log" && grep -q "contribution #2 via second" "$work/pos2.verify.log" ||
    { cat "$work/pos2.verify.log"; fail "snarkjs rejected our second contribution"; }
snarkjs groth16 prove "$work/pos2.zkey" "$fx/poseidon/circuit.wtns" "$work/pos2.proof.json" \
    "$work/pos2.public.json" >/dev/null 2>&1 || fail "snarkjs could not prove with pos2.zkey"
"$driver" vk "$work/pos2.zkey" "$work/pos2.vk.json" || fail "vk export (pos2) failed"
snarkjs groth16 verify "$work/pos2.vk.json" "$work/pos2.public.json" "$work/pos2.proof.json" 2>&1 |
    grep -q "OK!" || fail "proof with the twice-contributed key does not verify"

# Domains above 2^14 take another path in snarkjs's circuit hash (hashHPoints hashes n rather
# than n - 1 point differences): a 16500-constraint synthetic circuit (domain 2^15) over a
# development ptau of power 16.
echo "== domain 2^15 (synthetic circuit, dev ptau power 16)"
"$driver" ptau "$work/p16.ptau" 16 || fail "dev ptau generation failed"
"$driver" synth "$work/s15.r1cs" 16500 7 || fail "synthetic r1cs generation failed"
"$driver" setup "$work/s15.r1cs" "$work/p16.ptau" "$work/s15.zkey" "via 2^15" \
    >"$work/s15.log" 2>&1 || { cat "$work/s15.log"; fail "our setup (2^15) failed"; }
snarkjs zkey verify "$work/s15.r1cs" "$work/p16.ptau" "$work/s15.zkey" >"$work/s15.verify.log" 2>&1
grep -q "ZKey Ok!" "$work/s15.verify.log" ||
    { tail -20 "$work/s15.verify.log"; fail "snarkjs zkey verify rejected our 2^15 zkey"; }

echo "== negative: snarkjs must reject our zkey against a different circuit"
if snarkjs zkey verify "$fx/lessthan/circuit.r1cs" "$ptau" "$work/multiplier.zkey" \
    >"$work/neg.log" 2>&1 && grep -q "ZKey Ok!" "$work/neg.log"; then
    fail "snarkjs accepted the multiplier zkey for the lessthan circuit"
fi
echo "PASS"
