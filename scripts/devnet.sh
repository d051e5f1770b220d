#!/usr/bin/env bash
# The rollup's life on one machine, the main job: installs what is missing, builds, then starts
# a throw-away PostgreSQL, a regtest Bitcoin node (bitcoind -regtest when it is on PATH or in
# ../shared/bin, else the in-tree stand-in, a test fixture), via-sequencer, one via-prover
# node and three via-verifier daemons (the first also the withdrawal coordinator), and drives:
# bootstrap -> deposits to the bridge -> transfers signed with via-wallet -> sealed batches ->
# chunk proofs -> aggregates -> DA and inscriptions -> attestations -> finality -> a withdrawal
# paid on Bitcoin by the verifiers' MuSig2 bridge. Prints a summary at the end. Keys are cached
# in out/devnet; logs are in out/devnet/logs.
#   VIA_DEVNET_SLOTS (4) and VIA_DEVNET_CHUNKS (2): the batch shape.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
if [ -z "${VIA_TEST_RPC_URL:-}" ]; then
    VIA_SKIP_NPM=1 bash scripts/install-deps.sh
    export VIA_BUILD=${VIA_BUILD:-build}
    bash scripts/build.sh
    for d in "${VIA_BITCOIN_BIN:-}" "$root/../shared/bin" "$root/../../shared/bin"; do
        if [ -n "$d" ] && [ -x "$d/bitcoind" ] && ! command -v bitcoind >/dev/null 2>&1; then
            export PATH="$(cd "$d" && pwd):$PATH"
        fi
    done
    exec bash tests/chain/with_node.sh "$VIA_BUILD/tests/standin/via-regtest-standin" bash "$0"
fi

B=${VIA_BUILD:-build}
P="$B/prover/via-prover"; SEQ="$B/sequencer/via-sequencer"; VER="$B/verifier/via-verifier"
WAL="$B/wallet/via-wallet"; BTC="$B/tools/via-btc/via-btc"
OUT=${VIA_OUT:-out/devnet}
SLOTS=${VIA_DEVNET_SLOTS:-4}; CHUNKS=${VIA_DEVNET_CHUNKS:-2}
mkdir -p "$OUT/keys" "$OUT/work"
rm -rf "$OUT/logs" "$OUT/run"
mkdir -p "$OUT/logs" "$OUT/run"
R="$OUT/run"
T0=$(date +%s)
step() { printf '[%4ss] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }
die() { echo "devnet: $*" >&2; for l in "$OUT"/logs/*.log; do echo "== $l" >&2; tail -8 "$l" >&2; done; exit 1; }
jget() { python3 -c 'import json,sys
v=json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v=None if v is None else (v[int(k)] if isinstance(v,list) else v.get(k))
print(json.dumps(v) if isinstance(v,(dict,list)) else ("" if v is None else v))' "$1"; }
btc() { curl -s -u "$VIA_TEST_RPC_USER:$VIA_TEST_RPC_PASS" \
    -d "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$VIA_TEST_RPC_URL/"; }
export VIA_BTC_RPC_USER="$VIA_TEST_RPC_USER" VIA_BTC_RPC_PASSWORD="$VIA_TEST_RPC_PASS"
step "Bitcoin regtest node: $VIA_TEST_NODE at $VIA_TEST_RPC_URL"

# ---- keys (cached) ----
if [ ! -f "$OUT/keys/chunk-$SLOTS.zkey" ]; then
    step "making the $SLOTS-slot chunk circuit's proving key (development ceremony, cached)"
    "$P" circuit --slots "$SLOTS" --r1cs "$OUT/work/c.r1cs" >/dev/null
    "$P" ptau-dev --power 18 "$OUT/work/pot.ptau" >/dev/null
    "$P" setup "$OUT/work/c.r1cs" "$OUT/work/pot.ptau" "$OUT/work/k.zkey" --name devnet >/dev/null
    mv "$OUT/work/k.zkey" "$OUT/keys/chunk-$SLOTS.zkey"
    rm -f "$OUT/work/pot.ptau" "$OUT/work/c.r1cs"
fi
"$P" export-vk "$OUT/keys/chunk-$SLOTS.zkey" "$OUT/vk.json" >/dev/null
if [ ! -f "$OUT/agg.srs" ]; then
    "$P" ptau-dev --power 4 "$OUT/work/a.ptau" >/dev/null && "$P" ptau-dev --power 4 "$OUT/work/b.ptau" >/dev/null
    "$P" srs --ptau "$OUT/work/a.ptau" --ptau "$OUT/work/b.ptau" --max 8 "$OUT/agg.srs" >/dev/null
    rm -f "$OUT/work/a.ptau" "$OUT/work/b.ptau"
fi
for k in seq user v1 v2 v3; do head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$R/$k.key"; done
addr() { "$VER" key-address --btc-key "$R/$1.key" | cut -d' ' -f1; }
pub() { "$VER" key-address --btc-key "$R/$1.key" | cut -d' ' -f2; }
for i in 0 1 2; do "$WAL" keygen --out "$R/l2-$i.json" >/dev/null; done
python3 - "$R" <<'EOF'
import json, sys
d = sys.argv[1]
k = json.load(open(d + "/l2-0.json"))
json.dump([{"id": 0, "pubkey": {"x": k["public_key"]["x"], "y": k["public_key"]["y"]}, "balance": "0"}],
          open(d + "/genesis.json", "w"))
EOF
bridge=$("$BTC" bridge-address --network regtest --keys "$(pub v1)" "$(pub v2)" "$(pub v3)" | jget address)
step "bridge (MuSig2 of the three verifier keys): $bridge"

# ---- PostgreSQL ----
source tests/lib/pg.sh
via_pg_start >/dev/null
export VIA_DB="$VIA_TEST_PG"
for db in vf1 vf2 vf3; do psql "$VIA_DB" -qc "CREATE DATABASE $db"; done
step "PostgreSQL: $VIA_DB (sequencer, farm queue, DA blobs; one database per verifier)"

# ---- Bitcoin: funds, bootstrap ----
seqaddr=$(addr seq)
for k in user v1 v2 v3; do btc generatetoaddress "[1, \"$(addr $k)\"]" >/dev/null; done
btc generatetoaddress "[101, \"$seqaddr\"]" >/dev/null
out=$("$SEQ" bootstrap --btc-rpc "$VIA_TEST_RPC_URL" --btc-key "$R/seq.key" --bridge "$bridge" \
    --verifiers "$(pub v1),$(pub v2),$(pub v3)" --vk "$OUT/vk.json" --genesis "$R/genesis.json" \
    --slots "$SLOTS") || die "bootstrap: $out"
boot=$(echo "$out" | grep '^reveal_txid=' | cut -d= -f2)
btc generatetoaddress "[1, \"$seqaddr\"]" >/dev/null
step "bootstrap inscribed: $boot (sequencer $seqaddr, 3 verifiers)"

# ---- the services ----
port=$(python3 tests/lib/free_ports.py 5)
"$SEQ" run --listen ":$port" --keys "$OUT/keys" --slots "$SLOTS" --chunks "$CHUNKS" --seal-age 2 \
    --genesis "$R/genesis.json" --btc-rpc "$VIA_TEST_RPC_URL" --btc-key "$R/seq.key" \
    --bridge "$bridge" --deposit-confirmations 1 >"$OUT/logs/sequencer.log" 2>&1 &
"$P" run --keys "$OUT/keys" --srs "$OUT/agg.srs" --name devnet-node --gpus none \
    --listen ":$((port + 1))" >"$OUT/logs/prover.log" 2>&1 &
for i in 1 2 3; do
    # verifier 1 is also the withdrawal coordinator; all three sign the payouts
    "$VER" run --db "$VIA_DB dbname=vf$i" --listen ":$((port + 1 + i))" --btc-rpc "$VIA_TEST_RPC_URL" \
        --bootstrap-txid "$boot" --genesis "$R/genesis.json" --vk "$OUT/vk.json" --srs "$OUT/agg.srs" \
        --btc-key "$R/v$i.key" --da-db "$VIA_DB" --verifier-keys "$(pub v1),$(pub v2),$(pub v3)" \
        --coordinator-url "http://127.0.0.1:$((port + 2))" $([ "$i" = 1 ] && echo --coordinate) \
        >"$OUT/logs/verifier$i.log" 2>&1 &
done
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; via_pg_stop' EXIT
pids=$(jobs -p)
alive() { for p in $pids; do kill -0 "$p" 2>/dev/null || die "a service exited (see the logs)"; done; }
rpc() { curl -s -H 'Content-Type: application/json' --data-binary \
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "http://127.0.0.1:$port/"; }
vstatus() { curl -s "http://127.0.0.1:$((port + 1 + $1))/status"; }
for _ in $(seq 100); do rpc via_batchNumber '[]' | grep -q result && break; sleep 0.1; done
step "via-sequencer on :$port, via-prover node, via-verifier x3 on :$((port + 2))..:$((port + 4))"
mine() { btc generatetoaddress "[1, \"$seqaddr\"]" >/dev/null; }
wait_for() { # wait_for <seconds> <what> <command...>: mines a block every second meanwhile
    local limit=$1 what=$2; shift 2
    for _ in $(seq "$limit"); do "$@" && return 0; alive; mine; sleep 1; done
    die "timed out waiting for $what"
}

# ---- deposits ----
deposit() { # deposit <account> <sats>
    local pl
    pl=$("$WAL" deposit-payload --key "$R/l2-$1.json" --account "$1")
    "$BTC" deposit --rpc "$VIA_TEST_RPC_URL" --key "$R/user.key" --network regtest --bridge "$bridge" \
        --amount "$2" --payload "$pl" --fee-rate 2 | grep '^txid=' | cut -d= -f2
}
d1=$(deposit 1 150000) || die "deposit 1"
mine
d2=$(deposit 2 60000) || die "deposit 2"
step "deposits to the bridge: $d1 (150000 sats to account 1), $d2 (60000 sats to account 2)"
credited() { rpc via_getDeposit "[\"$1\"]" | grep -q '"status":"credited"'; }
both_credited() { credited "$d1" && credited "$d2"; }
wait_for 120 "the deposits to be credited" both_credited
step "deposits credited on L2: account 1 $(rpc via_getAccount '[1]' | jget result.balance), account 2 $(rpc via_getAccount '[2]' | jget result.balance)"

# ---- transfers and a withdrawal ----
sign() { "$WAL" sign-transfer --key "$R/l2-$1.json" --from "$1" --to "$2" --amount "$3" --fee "$4" --nonce "$5"; }
send() { rpc via_sendTransaction "[$1]" | grep -q '"status":"pending"' || die "not accepted: $1"; }
send "$(sign 1 2 25000 10 0)"
send "$(sign 2 1 4000 10 0)"
send "$(sign 1 2 1000 5 1)"
usersc=$("$VER" key-address --btc-key "$R/user.key" | cut -d' ' -f3)
wd=$("$WAL" sign-withdraw --key "$R/l2-1.json" --from 1 --amount 50000 --fee 20 --nonce 2 --dest "$usersc")
send "$wd"
step "3 transfers and a withdrawal of 50000 sats to $(addr user) accepted"

# ---- batches, proofs, finality ----
last_final() { local m=999999 v; for i in 1 2 3; do v=$(vstatus "$i" | jget last_final 2>/dev/null); v=${v:-0}; [ "$v" -lt "$m" ] && m=$v; done; echo "$m"; }
target=$(rpc via_batchNumber '[]' | jget result)
for _ in $(seq 60); do
    pend=$(psql "$VIA_DB" -Atc "SELECT count(*) FROM via_seq_txs WHERE status = 'pending'")
    [ "$pend" = 0 ] && break; sleep 1
done
target=$(rpc via_batchNumber '[]' | jget result)
step "sealed $target batches; proving, publishing, inscribing, attesting"
shown=0
for _ in $(seq 900); do
    f=$(last_final)
    if [ "$f" -gt "$shown" ]; then
        shown=$f
        b=$(rpc via_getBatch "[$f]")
        step "batch $f final at all 3 verifiers (txs $(echo "$b" | jget result.txs), chunks $(echo "$b" | jget result.chunks), root $(echo "$b" | jget result.root_after | cut -c1-16)...)"
    fi
    [ "$f" -ge "$target" ] && break
    alive; mine; sleep 1
done
[ "$(last_final)" -ge "$target" ] || die "batches not final"

# ---- the withdrawal, paid by the bridge (MuSig2 of the three verifiers) ----
user_has() { btc scantxoutset "[\"start\", [\"addr($(addr user))\"]]" | python3 -c 'import json,sys
u=json.load(sys.stdin)["result"]["unspents"]
sys.exit(0 if any(round(x["amount"]*1e8)==50000 for x in u) else 1)'; }
wait_for 180 "the withdrawal to be paid on Bitcoin" user_has
payout=$(grep -o 'payout.broadcast.*txid=[0-9a-f]*' "$OUT/logs/verifier1.log" | tail -1 | sed 's/.*txid=//')
step "withdrawal paid on Bitcoin by the bridge: $payout (50000 sats to $(addr user), confirmed)"

# ---- summary ----
echo
echo "== summary after $(( $(date +%s) - T0 )) s"
for a in 0 1 2; do
    r=$(rpc via_getAccount "[$a]")
    printf '  L2 account %s: balance %s, nonce %s\n' "$a" "$(echo "$r" | jget result.balance)" "$(echo "$r" | jget result.nonce)"
done
scan() { btc scantxoutset "[\"start\", [\"addr($1)\"]]" | jget result.total_amount; }
printf '  Bitcoin: bridge %s BTC, user %s BTC\n' "$(scan "$bridge")" "$(scan "$(addr user)")"
printf '  batches: %s sealed, %s final; proofs: %s chunk and %s aggregate jobs done\n' "$target" "$(last_final)" \
    "$(psql "$VIA_DB" -Atc "SELECT count(*) FROM via_jobs WHERE kind = 'chunk' AND status = 'done'")" \
    "$(psql "$VIA_DB" -Atc "SELECT count(*) FROM via_jobs WHERE kind = 'aggregate' AND status = 'done'")"
printf '  logs: %s\n' "$OUT/logs"
