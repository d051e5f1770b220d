#!/usr/bin/env bash
# The project's one test command: installs what is missing, builds, runs every test.
#   1. the full ctest suite (unit, interop with snarkjs/circomlibjs/scure, PostgreSQL, OpenCL on PoCL)
#   2. the prover unit tests again under AddressSanitizer + UBSan
#   3. every libFuzzer harness for a short run (VIA_FUZZ_SECONDS, default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export VIA_BUILD=${VIA_BUILD:-build}
bash scripts/build.sh
jobs=$(nproc)
echo "== ctest ($VIA_BUILD)"
ctest --test-dir "$VIA_BUILD" --output-on-failure -j"$jobs" --timeout 1500

echo "== sanitizers (ASan + UBSan): prover unit tests"
VIA_BUILD=build-asan bash scripts/build.sh -DCMAKE_BUILD_TYPE=Debug -DVIA_SANITIZE=ON -DVIA_CORE_ONLY=ON
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" -R '^prover/' --timeout 1500

if [ -x tests/fuzz/run.sh ]; then
  echo "== fuzzing (${VIA_FUZZ_SECONDS:-15} s per harness)"
  bash tests/fuzz/run.sh "${VIA_FUZZ_SECONDS:-15}"
fi
if [ -x tests/bitcoin/fuzz.sh ]; then
  bash tests/bitcoin/fuzz.sh "${VIA_FUZZ_SECONDS:-15}"
fi
echo "== all tests passed"
