#!/usr/bin/env bash
# Configure and build into ${VIA_BUILD:-build} (Release). Extra arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${VIA_BUILD:-build}
cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$B" -j"$(nproc)"
