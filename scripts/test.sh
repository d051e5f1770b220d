#!/usr/bin/env bash
# The project's one test command: installs what is missing, builds, runs every test.
#   1. the full ctest suite (unit, interop with snarkjs/circomlibjs/scure, PostgreSQL, OpenCL on
#      PoCL); the Bitcoin tests against a real bitcoind -regtest when one is found (on PATH, in
#      VIA_BITCOIN_BIN, or in ../shared/bin beside the checkout), then once more against the
#      in-tree stand-in (VIA_TEST_FORCE_STANDIN=1) so the fallback stays honest
#   2. every unit test again under AddressSanitizer + UBSan
#   3. the constant-time checks under valgrind (tests/ctime)
#   4. every libFuzzer harness for a short run (VIA_FUZZ_SECONDS, default 15)
# A skipped test is reported as skipped by ctest. With CI=true (what .ci/run sets) a missing
# cmocka, PoCL, PostgreSQL or npm oracle is a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bash scripts/install-deps.sh
export VIA_BUILD=${VIA_BUILD:-build}
bash scripts/build.sh
jobs=$(nproc)

for d in "${VIA_BITCOIN_BIN:-}" "$root/../shared/bin" "$root/../../shared/bin" /work/shared/bin; do
  if [ -n "$d" ] && [ -x "$d/bitcoind" ] && ! command -v bitcoind >/dev/null 2>&1; then
    export PATH="$(cd "$d" && pwd):$PATH"
  fi
done
if command -v bitcoind >/dev/null 2>&1; then
  echo "== Bitcoin tests run against $(command -v bitcoind) ($(bitcoind -version | head -1))"
  real_node=1
else
  echo "== no bitcoind found: the Bitcoin tests run against the in-tree stand-in only"
  real_node=0
fi

echo "== ctest ($VIA_BUILD)"
ctest --test-dir "$VIA_BUILD" --output-on-failure -j"$jobs" --timeout 1500

if [ "$real_node" = 1 ]; then
  echo "== Bitcoin tests again against the in-tree stand-in (VIA_TEST_FORCE_STANDIN=1)"
  VIA_TEST_FORCE_STANDIN=1 ctest --test-dir "$VIA_BUILD" --output-on-failure -j"$jobs" \
    --timeout 900 -R '^(chain/|sequencer/end_to_end|verifier/end_to_end)'
fi

unit='^((common|prover|rollup|bitcoin|chain|gateway|da|sequencer|wallet|host|kernels)/|verifier/)'
echo "== sanitizers (ASan + UBSan): every unit test"
VIA_BUILD=build-asan bash scripts/build.sh -DCMAKE_BUILD_TYPE=Debug -DVIA_SANITIZE=ON
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" -R "$unit" --timeout 1500

if [ -x tests/ctime/run.sh ]; then
  echo "== constant-time checks (valgrind memcheck, secrets marked undefined)"
  bash tests/ctime/run.sh "$VIA_BUILD"
fi

if [ -x tests/fuzz/run.sh ]; then
  echo "== fuzzing (${VIA_FUZZ_SECONDS:-15} s per harness)"
  bash tests/fuzz/run.sh "${VIA_FUZZ_SECONDS:-15}"
fi
if [ -x tests/bitcoin/fuzz.sh ]; then
  bash tests/bitcoin/fuzz.sh "${VIA_FUZZ_SECONDS:-15}"
fi
echo "== all tests passed"
