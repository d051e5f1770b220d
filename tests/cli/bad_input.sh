#!/bin/sh
# Hostile input to the command-line tools, one class per check: each is refused with exit 2 and
# a message that names the problem, and nothing is written or left behind.
#   env: VIA_BUILD (the build directory). Runs from the repository root.
set -u
: "${VIA_BUILD:?VIA_BUILD must name the build directory}"
P="$VIA_BUILD/prover/via-prover"
B="$VIA_BUILD/tools/via-btc/via-btc"
F=tests/fixtures/multiplier
w=$(mktemp -d "${TMPDIR:-/tmp}/via-badinput.XXXXXX")
trap 'rm -rf "$w"' EXIT
fails=0
# expect CODE "what" FILE-WITH-STDERR "text it must contain"
expect() {
    if [ "$1" != "$2" ]; then
        echo "FAIL: $3: exit $2, expected $1"; cat "$4"; fails=$((fails + 1)); return
    fi
    if [ -n "$5" ] && ! grep -qF -- "$5" "$4"; then
        echo "FAIL: $3: message does not say \"$5\":"; cat "$4"; fails=$((fails + 1)); return
    fi
    echo "ok: $3"
}

# Byte offset of the data of section $2 in the binary file $1 (magic, version, count, then
# id u32 + size u64 + data per section, little-endian).
section_offset() {
    n=$(od -An -t u4 -j 8 -N 4 "$1" | tr -d ' ')
    pos=12
    i=0
    while [ $i -lt "$n" ]; do
        id=$(od -An -t u4 -j $pos -N 4 "$1" | tr -d ' ')
        sz=$(od -An -t u8 -j $((pos + 4)) -N 8 "$1" | tr -d ' ')
        if [ "$id" = "$2" ]; then echo $((pos + 12)); return; fi
        pos=$((pos + 12 + sz))
        i=$((i + 1))
    done
    echo -1
}

# A bit flipped inside a point of the key (H section, first point's y): refused by every
# command that reads it, instead of proofs or keys that only verify later catches.
cp $F/circuit.zkey "$w/flip.zkey"
off=$(section_offset "$w/flip.zkey" 9)
printf '\001' | dd of="$w/flip.zkey" bs=1 seek=$((off + 40)) conv=notrunc 2>/dev/null
cmp -s $F/circuit.zkey "$w/flip.zkey" && { echo "FAIL: the flip did not change the key"; fails=$((fails + 1)); }
"$P" prove "$w/flip.zkey" $F/circuit.wtns "$w/p.json" "$w/pub.json" 2>"$w/e"
expect 2 $? "prove with a bit-flipped key" "$w/e" "is not on the BN254"
[ -e "$w/p.json" ] && { echo "FAIL: a proof was written for a bad key"; fails=$((fails + 1)); }
"$P" export-vk "$w/flip.zkey" "$w/vk.json" 2>"$w/e"
expect 2 $? "export-vk with a bit-flipped key" "$w/e" "is not on the BN254"
"$P" info "$w/flip.zkey" >"$w/o" 2>"$w/e"
expect 2 $? "info on a bit-flipped key" "$w/e" "is not on the BN254"

# A witness that does not satisfy the circuit (one value changed): no proof is written.
cp $F/circuit.wtns "$w/bad.wtns"
size=$(wc -c <"$w/bad.wtns")
printf '\007' | dd of="$w/bad.wtns" bs=1 seek=$((size - 32)) conv=notrunc 2>/dev/null
"$P" prove $F/circuit.zkey "$w/bad.wtns" "$w/p.json" "$w/pub.json" 2>"$w/e"
expect 2 $? "prove with an unsatisfying witness" "$w/e" "does not satisfy the circuit"
[ -e "$w/p.json" ] || [ -e "$w/pub.json" ] && { echo "FAIL: files written for a bad witness"; fails=$((fails + 1)); }
"$P" prove $F/circuit.zkey $F/circuit.wtns "$w/p.json" "$w/pub.json" 2>"$w/e"
expect 0 $? "prove with the good witness" "$w/e" ""

# Writers refuse to overwrite their own input.
cp $F/circuit.zkey "$w/k.zkey"
"$P" export-vk "$w/k.zkey" "$w/k.zkey" 2>"$w/e"
expect 2 $? "export-vk onto its input" "$w/e" "refusing to overwrite an input"
cmp -s $F/circuit.zkey "$w/k.zkey" || { echo "FAIL: export-vk changed its input"; fails=$((fails + 1)); }
"$P" setup $F/circuit.r1cs tests/fixtures/pot10_final.ptau $F/circuit.r1cs 2>"$w/e"
expect 2 $? "setup onto its r1cs" "$w/e" "refusing to overwrite an input"
"$P" prove "$w/k.zkey" $F/circuit.wtns "$w/k.zkey" "$w/pub.json" 2>"$w/e"
expect 2 $? "prove onto its key" "$w/e" "refusing to overwrite an input"

# verify with its arguments in the wrong order says so.
"$P" verify $F/proof.json $F/public.json $F/verification_key.json >/dev/null 2>"$w/e"
expect 2 $? "verify, arguments swapped" "$w/e" "the order is <verification_key.json> <public.json> <proof.json>"
"$P" prove --gpus none --gpus all $F/circuit.zkey $F/circuit.wtns "$w/p2.json" "$w/q2.json" 2>"$w/e"
expect 2 $? "an option given twice" "$w/e" "--gpus is given twice"

# witness: a directory as input, unknown fields, a deposit with a fee, 3 slots.
"$P" witness --input "$w" --wtns "$w/x.wtns" 2>"$w/e"
expect 2 $? "witness --input <directory>" "$w/e" "is a directory"
sed 's/"root_before"/"root_befor"/' docs/examples/chunk4.json >"$w/typo.json"
"$P" witness --input "$w/typo.json" --wtns "$w/x.wtns" 2>"$w/e"
expect 2 $? "witness with a misspelt field" "$w/e" "unknown field \"root_befor\""
[ -e "$w/x.wtns" ] && { echo "FAIL: witness left a .wtns behind"; fails=$((fails + 1)); }
"$P" circuit --slots 3 2>"$w/e"
expect 2 $? "circuit --slots 3" "$w/e" "not a protocol chunk size"
# a later step that fails (public.json into a missing folder) leaves no .wtns behind
"$P" witness --input docs/examples/chunk4.json --wtns "$w/y.wtns" --public "$w/no/such/dir/p.json" 2>"$w/e"
expect 2 $? "witness whose public.json cannot be written" "$w/e" "p.json"
ls "$w" | grep -q '^y\.wtns' && { echo "FAIL: witness left y.wtns behind"; fails=$((fails + 1)); }

# srs: the same ceremony twice, a size that is not a power of two
"$P" srs --ptau tests/fixtures/pot10_final.ptau --ptau tests/fixtures/pot10_final.ptau --max 4 "$w/s.srs" 2>"$w/e"
expect 2 $? "srs from one ceremony twice" "$w/e" "have the same tau"
[ -e "$w/s.srs" ] && { echo "FAIL: an SRS was written from one ceremony"; fails=$((fails + 1)); }
"$P" srs --ptau tests/fixtures/pot10_final.ptau --ptau x.ptau --max 3 "$w/s.srs" 2>"$w/e"
expect 2 $? "srs --max 3" "$w/e" "--max 3 is not a power of two"

if [ -x "$B" ]; then
    K1=02F9308A019258C31049344F85F89D5229B531C845836F99B08601F113BCE036F9
    K2=03DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659
    "$B" bridge-address --network regtest --keys $K1 $K1 2>"$w/e"
    expect 2 $? "bridge-address with the same key twice" "$w/e" "key 2 is the same as key 1"
    "$B" bridge-address --network regtest --keys $K1 $K2 --gov-keys $K2 $K2 --gov-threshold 2 2>"$w/e"
    expect 2 $? "a 2-of-2 governance leaf of one key" "$w/e" "has the same x-only key"
    head -c 9000000 /dev/zero | tr '\0' 'a' | "$B" decode - >/dev/null 2>"$w/e"
    expect 2 $? "decode of more than the largest transaction" "$w/e" "larger than the limit"
fi

if [ $fails -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
echo "all bad-input checks passed"
