#!/bin/sh
# via-prover prove with several witness/proof/public triples, --gpus and the device-set
# environment (VIA_DEVICE_MEM_LIMIT, VIA_DEVICE_FAIL) on OpenCL devices (two PoCL devices in
# CI: ctest sets POCL_DEVICES). Every proof must verify, with via-prover verify and, when node
# and the pinned snarkjs are installed, with snarkjs; bad --gpus values and a memory limit
# below the smallest MSM part must exit 2 naming the problem.
# Env: VIA_BUILD (the build directory). Exit 77 (skip) when there is no OpenCL device.
. "$(dirname "$0")/../lib/missing.sh"
set -u
: "${VIA_BUILD:?VIA_BUILD must name the build directory}"
P="$VIA_BUILD/prover/via-prover"
SJ=tests/npm/node_modules/snarkjs/cli.js
fx=tests/fixtures/poseidon
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$P" ] || fail "$P not built"
"$P" devices >"$w/devices" || fail "via-prover devices"
grep -q '^opencl 0:' "$w/devices" || { cat "$w/devices"; via_missing "no OpenCL device"; }
ndev=$(grep -c '^opencl [0-9]*:' "$w/devices")
grep -q 'opencl 0 locality: ' "$w/devices" || fail "devices shows no locality line"
"$P" prove --help | grep -q -- '--gpus all|none|LIST' || fail "prove --help does not document --gpus"

# expect <want-exit> <text in stderr or ''> cmd...
expect() {
    want=$1; text=$2; shift 2
    "$@" >"$w/out" 2>"$w/err"
    got=$?
    [ "$got" = "$want" ] || { cat "$w/out" "$w/err"; fail "$*: exit $got, expected $want"; }
    [ -z "$text" ] || grep -q -- "$text" "$w/err" || { cat "$w/err"; fail "$*: no '$text'"; }
}

verify_all() {
    for i in 1 2 3; do
        expect 0 '' "$P" verify $fx/verification_key.json "$w/pub$i.json" "$w/p$i.json"
        cmp -s "$w/pub$i.json" $fx/public.json || fail "public.json $i differs from snarkjs's"
        if command -v node >/dev/null 2>&1 && [ -f "$SJ" ]; then
            node "$SJ" groth16 verify $fx/verification_key.json "$w/pub$i.json" "$w/p$i.json" \
                >"$w/sj" 2>&1 || { cat "$w/sj"; fail "snarkjs rejects proof $i"; }
        fi
        rm -f "$w/p$i.json" "$w/pub$i.json"
    done
}

batch="$fx/circuit.wtns $w/p1.json $w/pub1.json $fx/circuit.wtns $w/p2.json $w/pub2.json $fx/circuit.wtns $w/p3.json $w/pub3.json"
all=0; [ "$ndev" -ge 2 ] && all=0,1
# three proofs over the selected devices, one host thread each
expect 0 '' env VIA_VERBOSE=1 "$P" prove $fx/circuit.zkey $batch --backend opencl --gpus $all
grep -q 'prove: 3 proofs' "$w/err" || fail "no batch summary"
verify_all
# the same on the CPU alone, and with --gpus none
expect 0 '' "$P" prove $fx/circuit.zkey $batch --gpus none
verify_all
# MSMs split under a device-memory limit (G2 needs ~230 KB for its smallest part here)
expect 0 '' env VIA_DEVICE_MEM_LIMIT=400k "$P" prove $fx/circuit.zkey $batch --backend opencl
verify_all
# a failing device is reported, left out, and the proofs still come out right
last=$((ndev - 1))
expect 0 'left out' env VIA_DEVICE_FAIL=$last "$P" prove $fx/circuit.zkey $batch --backend opencl
verify_all

# bad input: exit 2 with the reason
expect 2 'out of range' "$P" prove $fx/circuit.zkey $batch --backend opencl --gpus $ndev
expect 2 'listed twice' "$P" prove $fx/circuit.zkey $batch --backend opencl --gpus 0,0
expect 2 "'two' is not a device index" "$P" prove $fx/circuit.zkey $batch --backend opencl --gpus two
expect 2 'cpu backend has no devices' "$P" prove $fx/circuit.zkey $batch --backend cpu --gpus 0
expect 2 'triples of witness, proof and public' "$P" prove $fx/circuit.zkey $fx/circuit.wtns "$w/p1.json" "$w/pub1.json" $fx/circuit.wtns "$w/p2.json"
expect 2 'written twice' "$P" prove $fx/circuit.zkey $fx/circuit.wtns "$w/p1.json" "$w/pub1.json" $fx/circuit.wtns "$w/p1.json" "$w/pub2.json"
expect 2 'bytes are available' env VIA_DEVICE_MEM_LIMIT=64k "$P" prove $fx/circuit.zkey $fx/circuit.wtns "$w/p1.json" "$w/pub1.json" --backend opencl
expect 2 'VIA_DEVICE_MEM_LIMIT=lots' env VIA_DEVICE_MEM_LIMIT=lots "$P" prove $fx/circuit.zkey $fx/circuit.wtns "$w/p1.json" "$w/pub1.json" --backend opencl
expect 2 'VIA_DEVICE_FAIL=x' env VIA_DEVICE_FAIL=x "$P" prove $fx/circuit.zkey $fx/circuit.wtns "$w/p1.json" "$w/pub1.json" --backend opencl
expect 0 '' "$P" devices --backend opencl --gpus 0
grep -q '^selected: opencl 0 ' "$w/out" || fail "devices --gpus 0 shows no selection"
expect 2 'out of range' "$P" devices --backend opencl --gpus $ndev
echo "ok: batches over $ndev OpenCL device(s), --gpus errors, memory limit, device failure"
