#!/bin/sh
# Builds the constant-time checks (-DVIA_CTIME=ON: the libraries declassify their
# public-by-design values through valgrind client requests) in their own build directory,
# with the release flags the product ships with, and runs them under valgrind memcheck. Any
# branch or memory index on a secret is a memcheck error and fails the run.
#   usage: tests/ctime/run.sh            env: VIA_CTIME_BUILD (default build-ctime)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${VIA_CTIME_BUILD:-$root/build-ctime}
command -v valgrind >/dev/null || { echo "ctime: valgrind not found (install valgrind)" >&2; exit 1; }
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O3 -g" \
    -DVIA_CTIME=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target ctime_tests
vg="valgrind --tool=memcheck --error-exitcode=42 --track-origins=yes \
    --suppressions=$root/tests/ctime/libsecp256k1.supp"
# The control first: a variable-time multiplication on a secret must be reported.
set +e
$vg -q "$build/tests/ctime/ctime_tests" --control >"$build/ctime-control.log" 2>&1
rc=$?
set -e
if [ "$rc" != 42 ]; then
    cat "$build/ctime-control.log"
    echo "ctime: FAIL: the control (via_g1_mul_var on a secret scalar) was not reported (exit $rc)"
    exit 1
fi
echo "ctime: control reported as expected ($(grep -c 'depends on uninitialised' "$build/ctime-control.log") reports)"
$vg "$build/tests/ctime/ctime_tests"
