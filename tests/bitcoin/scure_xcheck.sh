#!/bin/sh
# Runs scure_xcheck.mjs against the npm oracles in tests/npm; exit 77 (skip) without node.
# The script is copied next to a node_modules link in a temporary folder so that ES module
# resolution finds the pinned packages. Set VIA_SEED to replay a run.
. "$(dirname "$0")/../lib/missing.sh"
command -v node >/dev/null 2>&1 || via_missing "node not found"
here=$(cd "$(dirname "$0")" && pwd)
npm_dir=${VIA_NPM:-$here/../npm}
[ -d "$npm_dir/node_modules/@scure/btc-signer" ] || { echo "@scure/btc-signer missing in $npm_dir"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ln -s "$npm_dir/node_modules" "$tmp/node_modules"
cp "$here/scure_xcheck.mjs" "$tmp/x.mjs"
node "$tmp/x.mjs" "$1" ${VIA_SEED:-}
