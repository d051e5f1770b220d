#!/usr/bin/env bash
# Installs the Debian 12 packages and the pinned npm test oracles the build and tests need.
# Safe to run repeatedly: it installs only what is missing. Works as root or through sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(build-essential cmake pkg-config git ca-certificates clang libclang-rt-14-dev
      libjansson-dev libcmocka-dev libbenchmark-dev libssl-dev libcurl4-openssl-dev
      libsecp256k1-dev libhwloc-dev libmicrohttpd-dev libpq-dev postgresql-15
      ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo valgrind curl libsqlite3-0 python3-yaml)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm may come from Debian (nodejs + npm) or from another source that bundles npm.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm oracles (snarkjs, circom2, circomlib, circomlibjs, @scure/btc-signer), pinned by the lockfile.
if [ "${VIA_SKIP_NPM:-0}" != 1 ] && [ -f tests/npm/package-lock.json ]; then
  if [ ! -d tests/npm/node_modules ] || [ tests/npm/package-lock.json -nt tests/npm/node_modules/.package-lock.json ]; then
    (cd tests/npm && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
