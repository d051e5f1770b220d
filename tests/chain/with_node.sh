#!/usr/bin/env bash
# Runs a command against a throwaway regtest node and stops the node afterwards.
#   with_node.sh <stand-in binary> <command> [args...]
# Uses `bitcoind -regtest` when it is on PATH (unless VIA_TEST_FORCE_STANDIN=1), else the
# in-tree test fixture via-regtest-standin. Exports VIA_TEST_RPC_URL, VIA_TEST_RPC_USER,
# VIA_TEST_RPC_PASS and VIA_TEST_NODE (bitcoind|standin).
set -u
standin=$1
shift
dir=$(mktemp -d "${TMPDIR:-/tmp}/via-node.XXXXXX")
pid=""
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export VIA_TEST_RPC_USER=via VIA_TEST_RPC_PASS="pw$RANDOM$RANDOM"

if command -v bitcoind >/dev/null 2>&1 && [ "${VIA_TEST_FORCE_STANDIN:-0}" != 1 ]; then
    for attempt in 1 2 3 4 5; do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        bitcoind -regtest -datadir="$dir" -server=1 -listen=0 -txindex=1 -fallbackfee=0.0002 \
            -rpcuser="$VIA_TEST_RPC_USER" -rpcpassword="$VIA_TEST_RPC_PASS" -rpcport=$port \
            -rpcbind=127.0.0.1 -rpcallowip=127.0.0.1 -printtoconsole=0 >"$dir/out.log" 2>&1 &
        pid=$!
        for i in $(seq 1 100); do
            if curl -s -u "$VIA_TEST_RPC_USER:$VIA_TEST_RPC_PASS" \
                -d '{"id":0,"method":"getblockcount","params":[]}' "http://127.0.0.1:$port/" \
                | grep -q '"error":null'; then
                break 2
            fi
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=""
    done
    [ -n "$pid" ] || { echo "with_node.sh: bitcoind did not start" >&2; cat "$dir/out.log" >&2; exit 1; }
    export VIA_TEST_NODE=bitcoind
else
    "$standin" --user "$VIA_TEST_RPC_USER" --password "$VIA_TEST_RPC_PASS" \
        --port-file "$dir/port" >"$dir/out.log" 2>&1 &
    pid=$!
    for i in $(seq 1 100); do [ -s "$dir/port" ] && break; sleep 0.05; done
    [ -s "$dir/port" ] || { echo "with_node.sh: stand-in did not start" >&2; cat "$dir/out.log" >&2; exit 1; }
    port=$(cat "$dir/port")
    export VIA_TEST_NODE=standin
fi
export VIA_TEST_RPC_URL="http://127.0.0.1:$port"
"$@"
exit $?
