#!/bin/sh
# Builds the libFuzzer harnesses with clang (-fsanitize=fuzzer,address,undefined) in their own
# build directory and runs each for N seconds (default 20) on a corpus seeded from the
# committed fixtures. Crashes and failed properties leave their inputs in the work directory.
#   usage: tests/fuzz/run.sh [seconds] [harness ...]
#   env:   VIA_FUZZ_BUILD (default build-fuzz in the repository root), CC (default clang)
set -eu
secs=${1:-20}
[ $# -gt 0 ] && shift
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${VIA_FUZZ_BUILD:-$root/build-fuzz}
cc=${CC:-clang}
command -v "$cc" >/dev/null || { echo "run.sh: $cc not found (libFuzzer needs clang)" >&2; exit 1; }

cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DVIA_FUZZ=ON -DVIA_CORE_ONLY=ON >/dev/null
harnesses=${*:-"zkey wtns r1cs ptau srs aggregate jsonrpc coord proof_json public_json vk_json chunk_input rpc_answer wallet_json"}
targets=""
for h in $harnesses; do targets="$targets fuzz_$h"; done
cmake --build "$build" -j2 --target $targets

fx=$root/tests/fixtures
status=0
for h in $harnesses; do
    corpus=$build/fuzz-corpus/$h
    mkdir -p "$corpus"
    case $h in
        zkey) seeds="circuit.zkey circuit_0000.zkey" ;;
        wtns) seeds=circuit.wtns ;;
        r1cs) seeds=circuit.r1cs ;;
        ptau) seeds="" ; cp "$root"/tests/fuzz/seeds/ptau/* "$corpus"/ ;;
        srs) seeds="" ; cp "$root"/tests/fuzz/seeds/srs/* "$corpus"/ ;;
        aggregate) seeds="" ; cp "$root"/tests/fuzz/seeds/aggregate/* "$corpus"/ ;;
        jsonrpc) seeds="" ; cp "$root"/tests/fuzz/seeds/jsonrpc/* "$corpus"/ ;;
        coord) seeds="" ; cp "$root"/tests/fuzz/seeds/coord/* "$corpus"/ ;;
        proof_json) seeds=proof.json ;;
        public_json) seeds=public.json ;;
        vk_json) seeds=verification_key.json ;;
        chunk_input) seeds="" ; cp "$root"/docs/examples/chunk*.json "$corpus"/ ;;
        rpc_answer) seeds="" ; cp "$root"/tests/fuzz/seeds/rpc_answer/* "$corpus"/ ;;
        wallet_json) seeds="" ; cp "$root"/tests/wallet/seeds/* "$corpus"/ ;;
        *) echo "run.sh: unknown harness $h" >&2; exit 2 ;;
    esac
    # Fixture names repeat across circuits: prefix the circuit folder.
    for s in $seeds; do
        for c in "$fx"/*/"$s"; do
            [ -f "$c" ] && cp "$c" "$corpus/$(basename "$(dirname "$c")")-$s"
        done
    done
    echo "== fuzz_$h for ${secs}s"
    mkdir -p "$build/fuzz-artifacts/$h"
    bin=$build/tests/fuzz/fuzz_$h
    [ "$h" = wallet_json ] && bin=$build/tests/wallet/fuzz_$h
    if ! "$bin" -max_total_time="$secs" -max_len=300000 -print_final_stats=1 \
            -artifact_prefix="$build/fuzz-artifacts/$h/" "$corpus" 2>"$build/fuzz-$h.log"; then
        echo "fuzz_$h FAILED: see $build/fuzz-$h.log and $build/fuzz-artifacts/$h/"
        tail -30 "$build/fuzz-$h.log"
        status=1
    else
        grep -E "stat::number_of_executed_units|cov:" "$build/fuzz-$h.log" | tail -2
    fi
done
exit $status
