#!/bin/sh
# Build and run the transaction fuzzer briefly: tests/bitcoin/fuzz.sh [seconds] [build dir]
set -e
secs=${1:-60}
dir=${2:-build-fuzz-btc}
root=$(cd "$(dirname "$0")/../.." && pwd)
CC=clang-14 cmake -S "$root" -B "$root/$dir" -DVIA_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
make -C "$root/$dir" -j2 fuzz_bitcoin_tx
mkdir -p "$root/$dir/corpus_tx"
"$root/$dir/tests/bitcoin/fuzz_bitcoin_tx" -max_total_time="$secs" -max_len=20000 "$root/$dir/corpus_tx"
