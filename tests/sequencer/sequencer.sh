#!/usr/bin/env bash
# via-sequencer end to end on a throwaway PostgreSQL and a regtest node (run through
# tests/lib/pg.sh inside tests/chain/with_node.sh: bitcoind -regtest when on PATH, else the
# in-tree stand-in), with real keys and proofs: transfers signed with via-wallet are accepted
# over JSON-RPC, sealed into a batch whose chunks and aggregate become farm jobs (in the same
# transaction), proved by a via-prover node; every kind of bad request gets a JSON-RPC error
# naming the problem and stores nothing; kill -9 of the sequencer loses no acknowledged
# transaction and the state after restart agrees with the tree; each batch's data and proof
# are published to DA and both references inscribed on Bitcoin by the sequencer key, mined
# and decoded back.
set -u
: "${VIA_BUILD:?VIA_BUILD must name the build directory}"
: "${VIA_TEST_PG:?run through tests/lib/pg.sh}"
P="$VIA_BUILD/prover/via-prover"
SEQ="$VIA_BUILD/sequencer/via-sequencer"
WAL="$VIA_BUILD/wallet/via-wallet"
w=$(mktemp -d)
cleanup() { kill -9 $(jobs -p) 2>/dev/null; rm -rf "$w"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; for l in "$w"/*.log; do [ -f "$l" ] && { echo "== $l"; tail -15 "$l"; }; done; exit 1; }
export VIA_DB="$VIA_TEST_PG"
psqlq() { psql "$VIA_TEST_PG" -Atc "$1"; }
for t in "$P" "$SEQ" "$WAL"; do [ -x "$t" ] || fail "$t not built"; done

echo "== keys (1-slot chunk circuit, development ceremony) and SRS"
mkdir -p "$w/keys"
"$P" circuit --slots 1 --r1cs "$w/c1.r1cs" >/dev/null &&
    "$P" ptau-dev --power 16 "$w/p16.ptau" >/dev/null &&
    "$P" setup "$w/c1.r1cs" "$w/p16.ptau" "$w/keys/chunk-1.zkey" --name seq >/dev/null || fail "setup"
"$P" export-vk "$w/keys/chunk-1.zkey" "$w/vk.json" >/dev/null || fail "export-vk"
"$P" ptau-dev --power 3 "$w/a.ptau" >/dev/null && "$P" ptau-dev --power 3 "$w/b.ptau" >/dev/null &&
    "$P" srs --ptau "$w/a.ptau" --ptau "$w/b.ptau" --max 4 "$w/s.srs" >/dev/null || fail "srs"

echo "== genesis: operator 0, accounts 1 and 2"
for i in 0 1 2; do "$WAL" keygen --out "$w/k$i.json" >/dev/null || fail "keygen"; done
node -e '
const fs=require("fs");const d=process.argv[1];
const acc=[0,1,2].map(i=>{const k=JSON.parse(fs.readFileSync(d+"/k"+i+".json"));return {id:i,pubkey:{x:k.public_key.x,y:k.public_key.y},balance:i==0?"0":"100000"};});
fs.writeFileSync(d+"/genesis.json",JSON.stringify(acc));' "$w" || fail "genesis"
printf 'key-a 1000\nkey-slow 1\n' >"$w/apikeys"
: "${VIA_TEST_RPC_URL:?run inside tests/chain/with_node.sh}"
export VIA_BTC_RPC_USER="$VIA_TEST_RPC_USER" VIA_BTC_RPC_PASSWORD="$VIA_TEST_RPC_PASS"
btc() { # btc <method> <json params>
    curl -s -u "$VIA_TEST_RPC_USER:$VIA_TEST_RPC_PASS" \
        -d "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$VIA_TEST_RPC_URL/"
}
for k in seq bridge dep; do head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$w/$k.key"; done
seqaddr=$("$SEQ" key-address --btc-key "$w/seq.key" --network regtest) || fail "key-address"
bridgeaddr=$("$SEQ" key-address --btc-key "$w/bridge.key" --network regtest) || fail "key-address"
depaddr=$("$SEQ" key-address --btc-key "$w/dep.key" --network regtest) || fail "key-address"
btc generatetoaddress "[1, \"$depaddr\"]" | grep -q '"error":null' || fail "funding the depositor key"
btc generatetoaddress "[101, \"$seqaddr\"]" | grep -q '"error":null' || fail "funding the sequencer key"
echo "== bootstrap: the system bootstrapping message inscribed and decoded back"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$w/v1.key"
v1=$("$SEQ" key-address --btc-key "$w/v1.key" --network regtest)
out=$("$SEQ" bootstrap --btc-rpc "$VIA_TEST_RPC_URL" --btc-key "$w/seq.key" --network regtest \
    --bridge "$bridgeaddr" --verifiers "$v1,$depaddr" --vk "$w/vk.json" --genesis "$w/genesis.json" \
    --slots 1 --start-height 1) || fail "bootstrap: $out"
breveal=$(echo "$out" | grep '^reveal_txid=' | cut -d= -f2)
btc generatetoaddress "[1, \"$seqaddr\"]" >/dev/null
raw=$(btc getrawtransaction "[\"$breveal\", false]" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).result))')
"$VIA_BUILD/tools/via-btc/via-btc" decode --network regtest "$raw" >"$w/boot.json" 2>&1 || { cat "$w/boot.json"; fail "decode bootstrap"; }
grep -q "$bridgeaddr" "$w/boot.json" && grep -q "$seqaddr" "$w/boot.json" || { cat "$w/boot.json"; fail "bootstrap fields"; }
"$SEQ" bootstrap --btc-rpc "$VIA_TEST_RPC_URL" --btc-key "$w/seq.key" --bridge "$bridgeaddr" \
    --verifiers nonsense --vk "$w/vk.json" --genesis "$w/genesis.json" 2>"$w/boot.err" && fail "a bad verifier was accepted"
grep -q "neither a compressed public key" "$w/boot.err" || fail "bad verifier message: $(cat "$w/boot.err")"
port=$(python3 tests/lib/free_ports.py 1)
start_seq() {
    "$SEQ" run --listen ":$port" --keys "$w/keys" --slots 1 --chunks 4 --seal-age "${SEAL_AGE:-1}" \
        --max-pubdata "${MAX_PUBDATA:-788}" --bridge "$bridgeaddr" --deposit-confirmations 2 \
        --genesis "$w/genesis.json" --api-keys "$w/apikeys" --admin-key admin-k --retain 1 \
        --btc-rpc "$VIA_TEST_RPC_URL" --btc-key "$w/seq.key" --network regtest \
        >>"$w/seq.log" 2>&1 &
    seq_pid=$!
    for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return 0; sleep 0.1; done
    fail "the sequencer did not start"
}
echo "== --max-pubdata: a limit below one chunk's DA blob is refused"
"$SEQ" run --listen ":$port" --keys "$w/keys" --slots 1 --chunks 4 --max-pubdata 316 \
    --genesis "$w/genesis.json" 2>"$w/mp.err" && fail "--max-pubdata 316 was accepted"
grep -q "cannot hold one chunk.*317 bytes with one chunk of 1 slots" "$w/mp.err" || fail "max-pubdata message: $(cat "$w/mp.err")"
start_seq # 788 bytes: the header and 4 one-slot chunks, all 4 chunks fit
grep -q "sequencer.started.*slots=1 chunks=4 " "$w/seq.log" || fail "4 chunks fit 788 bytes"
rpc() { # rpc <key> <json body>
    curl -s -H "X-Api-Key: $1" -H 'Content-Type: application/json' --data-binary "$2" "http://127.0.0.1:$port/"
}
send() { rpc key-a "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"via_sendTransaction\",\"params\":[$1]}"; }
sign() { "$WAL" sign-transfer --key "$w/k$1.json" --from "$1" --to "$2" --amount "$3" --fee "$4" --nonce "$5"; }
txcount() { psqlq "SELECT count(*) FROM via_seq_txs"; }

echo "== transfers"
t1=$(sign 1 2 1000 10 0); t2=$(sign 2 1 500 5 0); t3=$(sign 1 2 300 1 1)
for t in "$t1" "$t2" "$t3"; do
    out=$(send "$t")
    echo "$out" | grep -q '"status":"pending"' || fail "not accepted: $out"
done
h1=$(send "$(sign 1 2 1 0 2)" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).result.hash))')
[ "$(txcount)" = 4 ] || fail "4 transactions should be stored"

echo "== bad requests: an error naming the problem, nothing stored"
expect_err() { # expect_err <what> <pattern> <output>
    echo "$3" | grep -q "$2" || fail "$1: $3"
    [ "$(txcount)" = "$n0" ] || fail "$1 stored something"
}
n0=$(txcount)
expect_err "malformed JSON" '"code":-32700' "$(rpc key-a '{"jsonrpc":"2.0",')"
expect_err "unknown method" '"code":-32601' "$(rpc key-a '{"jsonrpc":"2.0","id":1,"method":"eth_call","params":[]}')"
expect_err "not JSON-RPC 2.0" '"code":-32600' "$(rpc key-a '{"id":1,"method":"via_batchNumber"}')"
big=$(head -c 70000 /dev/zero | tr '\0' 'a')
expect_err "oversized body" 'larger than' "$(rpc key-a "{\"x\":\"$big\"}")"
expect_err "bad signature" '"rule":"bad_signature"' "$(send "$(sign 2 1 1 0 1 | sed 's/"from": 2/"from": 1/' | sed 's/"nonce": "1"/"nonce": "3"/')")"
expect_err "wrong nonce" '"rule":"wrong_nonce"' "$(send "$(sign 1 2 1 0 9)")"
expect_err "insufficient balance" '"rule":"insufficient_balance"' "$(send "$(sign 2 1 999999 0 1)")"
expect_err "unknown account" '"rule":"unknown_account"' "$(send "$(sign 1 77 1 0 3)")"
expect_err "overflow" '"rule":"balance_overflow"' "$(send "$(sign 1 2 1 0 3 | sed 's/"amount": "1"/"amount": "18446744073709551615"/' | sed 's/"fee": "0"/"fee": "1"/')")"
expect_err "a deposit from a user" '"rule":"unsupported_type"' "$(send '{"type":"deposit","to":1,"amount":"5"}')"
expect_err "wrong API key" '"code":-32001' "$(rpc nope '{"jsonrpc":"2.0","id":1,"method":"via_batchNumber","params":[]}')"
expect_err "replay of an accepted transaction" 'wrong_nonce\|already known' "$(send "$t1")"
rpc key-slow '{"jsonrpc":"2.0","id":1,"method":"via_batchNumber","params":[]}' >/dev/null
rpc key-slow '{"jsonrpc":"2.0","id":1,"method":"via_batchNumber","params":[]}' >/dev/null
expect_err "over the rate limit" '"code":-32005' "$(rpc key-slow '{"jsonrpc":"2.0","id":1,"method":"via_batchNumber","params":[]}')"
expect_err "admin method without the admin key" '"code":-32002' "$(rpc key-a '{"jsonrpc":"2.0","id":1,"method":"via_seal","params":[]}')"

echo "== sealing (batch 1: 4 transfers, 4 one-slot chunks and the aggregate, queued together)"
for _ in $(seq 60); do
    b=$(rpc key-a '{"jsonrpc":"2.0","id":1,"method":"via_batchNumber","params":[]}' | grep -o '"result":[0-9]*' | cut -d: -f2)
    [ "${b:-0}" -ge 1 ] && break; sleep 0.2
done
[ "${b:-0}" -ge 1 ] || fail "batch 1 was not sealed"
[ "$(psqlq "SELECT count(*) FROM via_jobs WHERE batch = 1 AND kind = 'chunk'")" = 4 ] || fail "4 chunk jobs expected"
[ "$(psqlq "SELECT status FROM via_jobs WHERE batch = 1 AND kind = 'aggregate'")" = waiting ] || fail "aggregate job"
out=$(rpc key-a "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"via_getTransaction\",\"params\":[\"$h1\"]}")
echo "$out" | grep -q '"status":"included"' || fail "getTransaction: $out"
out=$(rpc key-a '{"jsonrpc":"2.0","id":1,"method":"via_getAccount","params":[1]}')
echo "$out" | grep -q '"balance":"99188"' || fail "account 1 after batch 1: $out"
out=$(rpc key-a '{"jsonrpc":"2.0","id":1,"method":"via_getAccount","params":[1, 0]}')
echo "$out" | grep -q '"balance":"100000"' || fail "account 1 at genesis: $out"
out=$(rpc key-a '{"jsonrpc":"2.0","id":1,"method":"via_getAccount","params":[0]}')
echo "$out" | grep -q '"balance":"16"' || fail "the operator's fees: $out"

echo "== kill -9 after an acknowledged transaction; restart"
out=$(send "$(sign 2 1 7 0 1)")
echo "$out" | grep -q '"status":"pending"' || fail "not accepted: $out"
kill -9 $seq_pid; wait $seq_pid 2>/dev/null
[ "$(psqlq "SELECT count(*) FROM via_seq_txs WHERE nonce = 1 AND sender = 2")" = 1 ] || fail "the acknowledged transaction is lost"
MAX_PUBDATA=787 start_seq # one byte short of 4 chunks: batches of 3
grep -q "sequencer.started.*slots=1 chunks=3 " "$w/seq.log" || fail "787 bytes: 3 chunks per batch"
grep -q "sequencer.started.*batch=1 pending=1\|sequencer.started.*batch=2 pending=0" "$w/seq.log" || fail "restart state"
out=$(send "$(sign 2 1 7 0 1)")
echo "$out" | grep -q 'already known\|wrong_nonce' || fail "the replay after restart: $out"
out=$(rpc admin-k '{"jsonrpc":"2.0","id":1,"method":"via_seal","params":[]}')
echo "$out" | grep -q '"result":2' || fail "via_seal: $out"

# --retain 1: the genesis state (batch 0) is pruned once batch 2 is sealed
out=$(rpc key-a '{"jsonrpc":"2.0","id":1,"method":"via_getAccount","params":[1, 0]}')
echo "$out" | grep -q '"result":null' || fail "batch 0's account state should be pruned: $out"
echo "== the farm proves both batches"
"$P" run --keys "$w/keys" --srs "$w/s.srs" --name seq-node --exit-when-idle --gpus none >"$w/node.log" 2>&1 || fail "node"
"$P" queue wait 1 --timeout 10 >/dev/null || fail "batch 1 not proven"
"$P" queue wait 2 --timeout 10 >/dev/null || fail "batch 2 not proven"
out=$(rpc key-a '{"jsonrpc":"2.0","id":1,"method":"via_getBatch","params":[1]}')
echo "$out" | grep -q '"proof":"proven"' || fail "getBatch: $out"
for id in $(psqlq "SELECT id FROM via_jobs WHERE kind = 'chunk' ORDER BY id"); do
    "$P" queue result "$id" "$w/p.json" "$w/pub.json" >/dev/null && "$P" verify "$w/vk.json" "$w/pub.json" "$w/p.json" >/dev/null || fail "job $id"
done
echo "== data availability: both batches' data and proofs published (PostgreSQL backend)"
for _ in $(seq 50); do
    out=$(rpc key-a '{"jsonrpc":"2.0","id":1,"method":"via_getBatch","params":[2]}')
    echo "$out" | grep -q '"proof_ref":"postgres:' && break; sleep 0.2
done
echo "$out" | grep -q '"da_ref":"postgres:[0-9a-f]\{64\}"' || fail "batch 2 DA reference: $out"
echo "$out" | grep -q '"proof_ref":"postgres:[0-9a-f]\{64\}"' || fail "batch 2 proof reference: $out"
[ "$(psqlq "SELECT count(*) FROM via_da_blobs")" -ge 4 ] || fail "blobs missing"
ref=$(echo "$out" | grep -o '"proof_ref":"postgres:[0-9a-f]*' | cut -d: -f3)
psqlq "SELECT encode(data, 'hex') FROM via_da_blobs WHERE hash = decode('$ref', 'hex')" | xxd -r -p >"$w/batch2.agg"
"$P" verify-aggregate --srs "$w/s.srs" --vk "$w/vk.json" --public "$w/pub.json" "$w/batch2.agg" >/dev/null ||
    fail "the published proof of batch 2 does not verify"
echo "== Bitcoin: both references of both batches inscribed by the sequencer key and mined"
for _ in $(seq 150); do
    btc generatetoaddress "[1, \"$seqaddr\"]" >/dev/null
    done_n=$(psqlq "SELECT count(*) FROM via_seq_inscriptions WHERE status = 'confirmed'")
    [ "$done_n" = 4 ] && break
    sleep 0.2
done
[ "$done_n" = 4 ] || { psqlq "SELECT batch, kind, status FROM via_seq_inscriptions"; fail "4 confirmed inscriptions expected, $done_n"; }
out=$(rpc key-a '{"jsonrpc":"2.0","id":1,"method":"via_getBatch","params":[2]}')
echo "$out" | grep -q '"proof_inscription":"[0-9a-f]\{64\}:confirmed"' || fail "getBatch inscriptions: $out"
reveal=$(psqlq "SELECT reveal_txid FROM via_seq_inscriptions WHERE batch = 2 AND kind = 'proof_da'")
raw=$(btc getrawtransaction "[\"$reveal\", false]" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).result))')
"$VIA_BUILD/tools/via-btc/via-btc" decode --network regtest "$raw" >"$w/decoded.json" 2>&1 || { cat "$w/decoded.json"; fail "decode"; }
grep -q "$(echo "$out" | grep -o '"proof_ref":"[^"]*' | cut -d'"' -f4)" "$w/decoded.json" || { cat "$w/decoded.json"; fail "the inscription does not carry the proof reference"; }
[ "$(psqlq "SELECT count(*) FROM via_seq_inscriptions")" = 4 ] || fail "inscribed twice"

echo "== kill -9 while batches are being sealed; restart; nothing lost or twice"
n2=$(psqlq "SELECT nonce FROM via_seq_accounts WHERE id = 2 ORDER BY batch DESC LIMIT 1")
acked=0
for k in $(seq 0 29); do
    out=$(send "$(sign 2 1 1 0 $((n2 + k)))")
    echo "$out" | grep -q '"status":"pending"' && acked=$((acked + 1))
    [ "$k" = 17 ] && { kill -9 $seq_pid; wait $seq_pid 2>/dev/null; start_seq; }
done
stored=$(psqlq "SELECT count(*) FROM via_seq_txs WHERE sender = 2 AND nonce >= $n2")
[ "$stored" -ge "$acked" ] || fail "acknowledged $acked, stored $stored"
[ "$(psqlq "SELECT count(*) FROM (SELECT sender, nonce FROM via_seq_txs GROUP BY 1, 2 HAVING count(*) > 1) d")" = 0 ] ||
    fail "a transaction stored twice"
[ "$(psqlq "SELECT count(*) FROM via_seq_txs WHERE status = 'included' AND batch IS NULL")" = 0 ] || fail "included without a batch"
rpc admin-k '{"jsonrpc":"2.0","id":1,"method":"via_seal","params":[]}' >/dev/null
kill -TERM $seq_pid; wait $seq_pid
start_seq # the restart checks the stored accounts against the state tree
last=$(rpc key-a '{"jsonrpc":"2.0","id":1,"method":"via_batchNumber","params":[]}' | grep -o '"result":[0-9]*' | cut -d: -f2)
[ "$(psqlq "SELECT count(*) FROM via_seq_batches")" = "$last" ] || fail "batch numbers have gaps"

echo "== deposits: a bridge deposit to a new account, credited once after 2 confirmations"
"$WAL" keygen --out "$w/k3.json" >/dev/null || fail "keygen"
pl=$("$WAL" deposit-payload --key "$w/k3.json" --account 3) || fail "deposit-payload"
[ ${#pl} = 72 ] || fail "deposit payload: $pl"
dep() { # dep <sats>: the deposit's txid
    "$VIA_BUILD/tools/via-btc/via-btc" deposit --rpc "$VIA_TEST_RPC_URL" --key "$w/dep.key" \
        --network regtest --bridge "$bridgeaddr" --amount "$1" --payload "$pl" --fee-rate 2 \
        >"$w/dep.out" 2>&1 || { cat "$w/dep.out"; return 1; }
    grep '^txid=' "$w/dep.out" | cut -d= -f2
}
getdep() { rpc key-a "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"via_getDeposit\",\"params\":[\"$1\"]}"; }
d1=$(dep 50000) || fail "the deposit was not broadcast"
btc generatetoaddress "[1, \"$seqaddr\"]" >/dev/null
sleep 2
getdep "$d1" | grep -q '"result":null' || fail "a deposit with 1 of 2 confirmations was taken: $(getdep "$d1")"
btc generatetoaddress "[1, \"$seqaddr\"]" >/dev/null
for _ in $(seq 100); do getdep "$d1" | grep -q '"status":"credited"' && break; sleep 0.2; done
out=$(getdep "$d1")
echo "$out" | grep -q '"status":"credited"' || fail "deposit not credited: $out"
echo "$out" | grep -q '"account":3' || fail "deposit account: $out"
acct3() { rpc key-a '{"jsonrpc":"2.0","id":1,"method":"via_getAccount","params":[3]}'; }
acct3 | grep -q '"balance":"50000"' || fail "account 3 after the deposit: $(acct3)"
# the new account spends at once
out=$(send "$(sign 3 1 1000 1 0)")
echo "$out" | grep -q '"status":"pending"' || fail "a transfer from the deposited account: $out"
kill -9 $seq_pid; wait $seq_pid 2>/dev/null
start_seq
btc generatetoaddress "[3, \"$seqaddr\"]" >/dev/null
rpc admin-k '{"jsonrpc":"2.0","id":1,"method":"via_seal","params":[]}' >/dev/null
sleep 2
[ "$(psqlq "SELECT count(*) FROM via_seq_deposits WHERE txid = '$d1'")" = 1 ] || fail "deposit stored twice"
b1=$(psqlq "SELECT batch FROM via_seq_deposits WHERE txid = '$d1'")
[ "$(psqlq "SELECT get_byte(pubdata, 0) FROM via_seq_batches WHERE number = $b1")" = 1 ] ||
    fail "batch $b1 does not start with the deposit slot"
acct3 | grep -q '"balance":"48999"' || fail "account 3 after its transfer: $(acct3)"

echo "== a deposit reorganised away before inclusion is dropped"
kill -TERM $seq_pid; wait $seq_pid
SEAL_AGE=600 start_seq
d2=$(dep 7000) || fail "the second deposit was not broadcast"
hdep=$(btc generatetoaddress "[2, \"$seqaddr\"]" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).result[0]))')
for _ in $(seq 100); do getdep "$d2" | grep -q '"status":"queued"' && break; sleep 0.2; done
getdep "$d2" | grep -q '"status":"queued"' || fail "deposit 2 not queued: $(getdep "$d2")"
if [ "$VIA_TEST_NODE" = bitcoind ]; then
    btc invalidateblock "[\"$hdep\"]" >/dev/null
    for _ in 1 2 3; do btc generateblock "[\"$seqaddr\", []]" | grep -q '"error":null' || fail "generateblock"; done
else
    btc standin_reorg '[2, 3, false]' | grep -q '"error":null' || fail "standin_reorg"
fi
for _ in $(seq 100); do getdep "$d2" | grep -q '"result":null' && break; sleep 0.2; done
getdep "$d2" | grep -q '"result":null' || fail "the reorganised deposit was not dropped: $(getdep "$d2")"
grep -q "deposit.dropped.*txid=$d2" "$w/seq.log" || fail "no deposit.dropped log line"
curl -s "http://127.0.0.1:$port/metrics" | grep -q 'via_seq_deposits_total{outcome="dropped"} 1' || fail "metrics: dropped"
acct3 | grep -q '"balance":"48999"' || fail "account 3 after the reorganisation: $(acct3)"
kill -TERM $seq_pid; wait $seq_pid
echo PASS
