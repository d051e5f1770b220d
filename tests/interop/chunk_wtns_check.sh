#!/bin/sh
# Interop: the chunk circuit's .r1cs (via-prover circuit) and a witness generated natively from
# docs/examples/chunk4.json (via-prover witness) must pass `snarkjs wtns check` (snarkjs 0.7.6
# reads both files and checks every constraint). A corrupted witness must fail the same check.
# Env: VIA_BUILD (build dir), VIA_NPM (tests/npm). Exit 77 (skip) only when node is missing.
. "$(dirname "$0")/../lib/missing.sh"
set -u
if ! command -v node >/dev/null 2>&1; then
    via_missing "node not found"
fi
: "${VIA_BUILD:?VIA_BUILD must name the build directory}"
: "${VIA_NPM:=tests/npm}"
snarkjs_js="$VIA_NPM/node_modules/snarkjs/cli.js"
prover="$VIA_BUILD/prover/via-prover"
[ -f "$snarkjs_js" ] || { echo "FAIL: snarkjs not installed at $snarkjs_js"; exit 1; }
[ -x "$prover" ] || { echo "FAIL: via-prover not built: $prover"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$prover" circuit --slots 4 --depth 6 --r1cs "$work/chunk.r1cs" || fail "via-prover circuit"
"$prover" witness --input docs/examples/chunk4.json --wtns "$work/chunk.wtns" --public "$work/public.json" \
    || fail "via-prover witness"
node "$snarkjs_js" r1cs info "$work/chunk.r1cs" || fail "snarkjs r1cs info"
node "$snarkjs_js" wtns check "$work/chunk.r1cs" "$work/chunk.wtns" > "$work/check.log" 2>&1
cat "$work/check.log"
grep -q "WITNESS IS CORRECT" "$work/check.log" || fail "snarkjs wtns check rejected our witness"
# the public signal in public.json is witness value 1 (exported by snarkjs as JSON)
node "$snarkjs_js" wtns export json "$work/chunk.wtns" "$work/w.json" || fail "snarkjs wtns export json"
node -e '
const fs = require("fs");
const w = JSON.parse(fs.readFileSync(process.argv[1]));
const p = JSON.parse(fs.readFileSync(process.argv[2]));
if (p.length !== 1 || p[0] !== w[1]) { console.log("public.json", p, "witness[1]", w[1]); process.exit(1); }
' "$work/w.json" "$work/public.json" || fail "public.json does not hold witness value 1"
# flip one byte of a witness value near the end: snarkjs must reject it
size=$(wc -c < "$work/chunk.wtns")
cp "$work/chunk.wtns" "$work/bad.wtns"
printf '\001' | dd of="$work/bad.wtns" bs=1 seek=$((size - 100)) conv=notrunc 2>/dev/null
node "$snarkjs_js" wtns check "$work/chunk.r1cs" "$work/bad.wtns" > "$work/bad.log" 2>&1
if grep -q "WITNESS IS CORRECT" "$work/bad.log"; then fail "snarkjs accepted a corrupted witness"; fi
echo "PASS"
