#!/usr/bin/env bash
# Three via-verifier daemons (own databases) follow a sequencer and a prover node on regtest
# (bitcoind when on PATH, else the stand-in) through tests/lib/pg.sh: the bootstrap inscription
# names the sequencer, the bridge and the verifier set; a bridge deposit and transfers are
# sealed, proved, published and inscribed; each verifier checks every batch from Bitcoin and
# DA alone, attests, and counts the set's attestations into finality; all agree on the roots
# with the sequencer. A batch reference inscribed by another key is ignored; a verifier killed
# with -9 resumes without attesting twice; a new verifier with an empty database after ten
# batches reaches the same verdicts and roots; one whose DA serves a blob altered by one byte refuses that batch
# (da_hash_mismatch) and everything after it; a batch whose proof inscription a reorganisation
# takes off the chain loses its verdicts until it is mined again.
set -u
: "${VIA_BUILD:?VIA_BUILD must name the build directory}"
: "${VIA_TEST_PG:?run through tests/lib/pg.sh}"
: "${VIA_TEST_RPC_URL:?run inside tests/chain/with_node.sh}"
P="$VIA_BUILD/prover/via-prover"
SEQ="$VIA_BUILD/sequencer/via-sequencer"
VER="$VIA_BUILD/verifier/via-verifier"
WAL="$VIA_BUILD/wallet/via-wallet"
BTC="$VIA_BUILD/tools/via-btc/via-btc"
w=$(mktemp -d)
cleanup() { kill -9 $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$w"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; for l in "$w"/*.log; do [ -f "$l" ] && { echo "== $l"; tail -12 "$l"; }; done; exit 1; }
for t in "$P" "$SEQ" "$VER" "$WAL" "$BTC"; do [ -x "$t" ] || fail "$t not built"; done
export VIA_DB="$VIA_TEST_PG" VIA_BTC_RPC_USER="$VIA_TEST_RPC_USER" VIA_BTC_RPC_PASSWORD="$VIA_TEST_RPC_PASS"
psqlq() { psql "$1" -Atc "$2"; }
btc() { curl -s -u "$VIA_TEST_RPC_USER:$VIA_TEST_RPC_PASS" \
    -d "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$VIA_TEST_RPC_URL/"; }
jget() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{let v;try{v=JSON.parse(s)}catch(e){v=null}for(const k of process.argv[1].split("."))v=v==null?v:v[k];console.log(v==null?"":typeof v=="object"?JSON.stringify(v):v)})' "$1"; }

echo "== keys, SRS, genesis"
mkdir -p "$w/keys"
"$P" circuit --slots 1 --depth 3 --r1cs "$w/c1.r1cs" >/dev/null &&
    "$P" ptau-dev --power 16 "$w/p16.ptau" >/dev/null &&
    "$P" setup "$w/c1.r1cs" "$w/p16.ptau" "$w/keys/chunk-1.zkey" --name vf >/dev/null &&
    "$P" export-vk "$w/keys/chunk-1.zkey" "$w/vk.json" >/dev/null || fail "setup"
"$P" ptau-dev --power 3 "$w/a.ptau" >/dev/null && "$P" ptau-dev --power 3 "$w/b.ptau" >/dev/null &&
    "$P" srs --ptau "$w/a.ptau" --ptau "$w/b.ptau" --max 4 "$w/s.srs" >/dev/null || fail "srs"
for i in 0 1 2 3; do "$WAL" keygen --out "$w/k$i.json" >/dev/null || fail keygen; done
node -e '
const fs=require("fs");const d=process.argv[1];
const acc=[0,1,2].map(i=>{const k=JSON.parse(fs.readFileSync(d+"/k"+i+".json"));return {id:i,pubkey:{x:k.public_key.x,y:k.public_key.y},balance:i==0?"0":"100000"};});
fs.writeFileSync(d+"/genesis.json",JSON.stringify(acc));' "$w" || fail genesis

echo "== Bitcoin keys funded; the bootstrap inscription"
addr() { "$VER" key-address --btc-key "$w/$1.key" | cut -d' ' -f1; }
for k in seq bridge dep v1 v2 v3 rogue; do head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$w/$k.key"; done
for k in dep v1 v2 v3 rogue; do btc generatetoaddress "[1, \"$(addr $k)\"]" | grep -q '"error":null' || fail "fund $k"; done
seqaddr=$(addr seq)
btc generatetoaddress "[101, \"$seqaddr\"]" | grep -q '"error":null' || fail "fund seq"
vers=$(for k in v1 v2 v3; do "$VER" key-address --btc-key "$w/$k.key" | cut -d' ' -f2; done | paste -sd,)
out=$("$SEQ" bootstrap --btc-rpc "$VIA_TEST_RPC_URL" --btc-key "$w/seq.key" --bridge "$(addr bridge)" \
    --verifiers "$vers" --vk "$w/vk.json" --genesis "$w/genesis.json" --slots 1 --depth 3) || fail "bootstrap: $out"
boot=$(echo "$out" | grep '^reveal_txid=' | cut -d= -f2)
btc generatetoaddress "[1, \"$seqaddr\"]" >/dev/null

echo "== sequencer, prover node, three verifiers"
sport=$(python3 tests/lib/free_ports.py 1)
"$SEQ" run --listen ":$sport" --keys "$w/keys" --slots 1 --chunks 2 --seal-age 1 --depth 3 \
    --genesis "$w/genesis.json" --btc-rpc "$VIA_TEST_RPC_URL" --btc-key "$w/seq.key" \
    --bridge "$(addr bridge)" --deposit-confirmations 1 >"$w/seq.log" 2>&1 &
seqpid=$!
"$P" run --keys "$w/keys" --srs "$w/s.srs" --name vf-node --gpus none >"$w/node.log" 2>&1 &
vport=$(python3 tests/lib/free_ports.py 10)
start_verifier() { # start_verifier <n> <db> <key or ""> [DA conninfo]
    psqlq "$VIA_TEST_PG" "SELECT 1 FROM pg_database WHERE datname = '$2'" | grep -q 1 ||
        psqlq "$VIA_TEST_PG" "CREATE DATABASE $2" >/dev/null
    "$VER" run --db "$VIA_TEST_PG dbname=$2" --listen ":$((vport + $1))" --btc-rpc "$VIA_TEST_RPC_URL" \
        --bootstrap-txid "$boot" --genesis "$w/genesis.json" --vk "$w/vk.json" --srs "$w/s.srs" \
        ${3:+--btc-key "$w/$3.key"} --da-db "${4:-$VIA_TEST_PG}" >>"$w/v$1.log" 2>&1 &
    eval "vpid$1=$!"
}
for i in 1 2 3; do start_verifier $i vf$i v$i; done
status() { curl -s "http://127.0.0.1:$((vport + $1))/status"; }
for _ in $(seq 50); do status 1 | grep -q '"bootstrapped":true' && break; sleep 0.2; done
status 1 | grep -q '"bootstrapped":true' || fail "verifier 1 did not read the bootstrap: $(status 1)"
status 1 | grep -q '"verifier_index":0' || fail "verifier 1's index: $(status 1)"

echo "== a deposit and transfers; batches sealed, proved, published, inscribed"
pl=$("$WAL" deposit-payload --key "$w/k3.json" --account 3) || fail payload
"$BTC" deposit --rpc "$VIA_TEST_RPC_URL" --key "$w/dep.key" --network regtest --bridge "$(addr bridge)" \
    --amount 20000 --payload "$pl" --fee-rate 2 >"$w/dep.out" 2>&1 || { cat "$w/dep.out"; fail deposit; }
rpc() { curl -s -H 'Content-Type: application/json' --data-binary "$1" "http://127.0.0.1:$sport/"; }
send() { rpc "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"via_sendTransaction\",\"params\":[$1]}"; }
sign() { "$WAL" sign-transfer --key "$w/k$1.json" --from "$1" --to "$2" --amount "$3" --fee "$4" --nonce "$5"; }
send "$(sign 1 2 1000 10 0)" | grep -q pending || fail "transfer 1"
send "$(sign 2 1 300 3 0)" | grep -q pending || fail "transfer 2"
btc generatetoaddress "[1, \"$seqaddr\"]" >/dev/null
t0=$(date +%s)
mine_until() { # mine_until <seconds> <command...>: mine a block every 0.5 s until the command succeeds
    local limit=$1; shift
    for _ in $(seq $((limit * 2))); do "$@" && return 0; btc generatetoaddress "[1, \"$seqaddr\"]" >/dev/null; sleep 0.5; done
    return 1
}
reorg_out() { # reorg_out <reveal txid>: its block and those after replaced by empty blocks; its
    # commit and reveal kept in $rawc and $rawr (bitcoind keeps them in its mempool too)
    local rv=$1 cm bh depth
    cm=$(btc getrawtransaction "[\"$rv\", true]" | jget result.vin.0.txid)
    rawc=$(btc getrawtransaction "[\"$cm\", false]" | jget result)
    rawr=$(btc getrawtransaction "[\"$rv\", false]" | jget result)
    bh=$(btc getrawtransaction "[\"$rv\", true]" | jget result.blockhash)
    depth=$(btc getrawtransaction "[\"$rv\", true]" | jget result.confirmations)
    [ -n "$rawc" ] && [ -n "$rawr" ] && [ -n "$bh" ] && [ -n "$depth" ] || fail "the transactions and block of $rv"
    if [ "$VIA_TEST_NODE" = bitcoind ]; then
        btc invalidateblock "[\"$bh\"]" >/dev/null
        for _ in $(seq $((depth + 1))); do btc generateblock "[\"$seqaddr\", []]" | grep -q '"error":null' || fail "generateblock"; done
    else
        btc standin_reorg "[$depth, $((depth + 1)), false]" | grep -q '"error":null' || fail "standin_reorg"
    fi
}
resend() { btc sendrawtransaction "[\"$rawc\"]" >/dev/null; btc sendrawtransaction "[\"$rawr\"]" >/dev/null; }
verified_at_least() { local v; v=$(status "$1" | jget last_verified 2>/dev/null); [ "${v:-0}" -ge "$2" ] 2>/dev/null; }
final_at_least() { for i in 1 2 3; do [ "$(status $i | jget last_final)" -ge "$1" ] 2>/dev/null || return 1; done; }
mine_until 240 final_at_least 1 || fail "batch 1 not final at every verifier: $(status 1) $(status 2) $(status 3)"
echo "   batch 1 final at all three after $(( $(date +%s) - t0 )) s"
send "$(sign 3 1 500 5 0)" | grep -q pending || fail "a transfer from the deposited account"
mine_until 240 final_at_least 2 || fail "batch 2 not final: $(status 1)"
echo "   batch 2 final after $(( $(date +%s) - t0 )) s"
for n in 1 2; do
    sroot=$(rpc "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"via_getBatch\",\"params\":[$n]}" | jget result.root_after)
    for i in 1 2 3; do
        b=$(curl -s "http://127.0.0.1:$((vport + i))/batches/$n")
        [ "$(echo "$b" | jget verdict)" = ok ] || fail "verifier $i batch $n: $b"
        [ "$(echo "$b" | jget root_after)" = "$sroot" ] || fail "verifier $i batch $n root differs from the sequencer's: $b"
    done
done

echo "== a batch reference inscribed by a key other than the sequencer's is ignored"
hh=$(curl -s "http://127.0.0.1:$((vport + 1))/batches/2" | jget header_hash)
nb=$(( $(status 1 | jget last_verified) + 1 ))
"$BTC" inscribe --rpc "$VIA_TEST_RPC_URL" --key "$w/rogue.key" --network regtest --type batch-da \
    --batch-hash "$(printf '%064d' 7)" --batch-index "$nb" --da-id postgres \
    --blob-id "postgres:$(printf '%064d' 7)" --prev-batch-hash "$hh" >"$w/rogue.out" 2>&1 || { cat "$w/rogue.out"; fail "rogue inscription"; }
mine_until 20 sh -c "curl -s http://127.0.0.1:$((vport + 1))/metrics | grep -q 'untrusted_messages_total [1-9]'" ||
    fail "the rogue reference was not seen as untrusted"
rogue=$(grep '^reveal_txid=' "$w/rogue.out" | cut -d= -f2)
! curl -s "http://127.0.0.1:$((vport + 1))/batches/$nb" | grep -q "$rogue" || fail "a verdict on the rogue batch"
grep -q "message.untrusted txid=$rogue" "$w/v1.log" || fail "the rogue reference is not logged"

echo "== kill -9 of a verifier; it resumes without attesting twice"
send "$(sign 1 2 7 0 1)" | grep -q pending || fail "transfer 3"
kill -9 "$vpid2"; wait "$vpid2" 2>/dev/null
mine_until 60 verified_at_least 1 3 ||
    fail "batch 3 not verified by verifier 1"
start_verifier 2 vf2 v2
mine_until 240 final_at_least 3 || fail "batch 3 not final after the restart: $(status 2)"
one_per_verdict() {
    [ "$(psqlq "$VIA_TEST_PG dbname=vf2" "SELECT count(*) FROM via_vf_attestations")" = \
      "$(psqlq "$VIA_TEST_PG dbname=vf2" "SELECT count(*) FROM via_vf_batches")" ]
}
mine_until 20 one_per_verdict || fail "verifier 2: one attestation per verdict"
dups=$(psqlq "$VIA_TEST_PG dbname=vf1" "SELECT count(*) FROM (SELECT payload->>'reference_txid', sender_pubkey FROM via_messages WHERE msg_type = 'ValidatorAttestationMessage' GROUP BY 1, 2 HAVING count(*) > 1) d")
[ "$dups" = 0 ] || fail "a verifier attested twice to one batch"

echo "== a reorganisation takes an ok batch's proof off the chain before it is final: withdrawn, one batch undone, verified again"
kill -TERM "$vpid2" "$vpid3"; wait "$vpid2" "$vpid3" 2>/dev/null # verifier 1 alone: nothing more becomes final
nr=$(( $(status 1 | jget last_verified) + 1 ))
send "$(sign 1 2 5 0 2)" | grep -q pending || fail "the transfer of batch $nr"
mine_until 120 verified_at_least 1 $nr || fail "batch $nr not verified: $(status 1)"
[ "$(status 1 | jget last_final)" -lt "$nr" ] || fail "batch $nr final with one verifier attesting"
rootr=$(curl -s "http://127.0.0.1:$((vport + 1))/batches/$nr" | jget root_after)
rpr=$(rpc "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"via_getBatch\",\"params\":[$nr]}" | jget result.proof_inscription | cut -d: -f1)
reorg_out "$rpr"
undone() { grep -q "batch.withdrawn batch=$nr reason=reorganised state=undo last_verified=$((nr - 1))" "$w/v1.log"; }
for _ in $(seq 100); do undone && break; sleep 0.2; done
undone || fail "verifier 1 did not withdraw batch $nr by its undo journal: $(grep withdrawn "$w/v1.log")"
[ "$(status 1 | jget last_verified)" = $((nr - 1)) ] || fail "verifier 1 should be back at batch $((nr - 1)): $(status 1)"
resend
mine_until 120 verified_at_least 1 $nr || fail "batch $nr not verified again: $(status 1)"
[ "$(curl -s "http://127.0.0.1:$((vport + 1))/batches/$nr" | jget root_after)" = "$rootr" ] || fail "batch $nr's root after the reorganisation"
[ "$(psqlq "$VIA_TEST_PG dbname=vf1" "SELECT count(*) FROM via_vf_attestations WHERE number = $nr")" = 1 ] || fail "verifier 1: one attestation for batch $nr"
start_verifier 2 vf2 v2; start_verifier 3 vf3 v3
mine_until 240 final_at_least $nr || fail "batch $nr not final after the reorganisation: $(status 1)"

echo "== ten batches; a new verifier with an empty database reaches the same verdicts and roots"
bn() { rpc '{"jsonrpc":"2.0","id":1,"method":"via_batchNumber","params":[]}' | jget result; }
nonce=3
while [ "$(bn)" -lt 10 ]; do
    before=$(bn)
    send "$(sign 1 2 1 0 $nonce)" | grep -q pending || fail "transfer with nonce $nonce"
    nonce=$((nonce + 1))
    for _ in $(seq 50); do [ "$(bn)" -gt "$before" ] && break; sleep 0.2; done
done
mine_until 240 final_at_least 10 || fail "ten batches not final: $(status 1)"
start_verifier 4 vf4 ""
mine_until 180 verified_at_least 4 10 ||
    fail "the new verifier did not catch up: $(status 4)"
for n in $(seq 1 10); do
    a=$(curl -s "http://127.0.0.1:$((vport + 1))/batches/$n" | jget root_after)
    b=$(curl -s "http://127.0.0.1:$((vport + 4))/batches/$n" | jget root_after)
    [ "$a" = "$b" ] || fail "batch $n: roots differ ($a, $b)"
done
for n in $(seq 1 10); do
    [ "$(curl -s "http://127.0.0.1:$((vport + 4))/batches/$n" | jget verdict)" = ok ] || fail "batch $n's verdict at the new verifier"
done
mine_until 60 sh -c "[ \$(curl -s http://127.0.0.1:$((vport + 4))/status | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"last_final\"])') -ge 10 ]" ||
    fail "the observer counts finality: $(status 4)"

echo "== a DA blob altered by one byte: refused with its rule, nothing after it final"
psqlq "$VIA_TEST_PG" "CREATE DATABASE da_copy" >/dev/null
pg_dump -t via_da_blobs "$VIA_TEST_PG" | psql -q "$VIA_TEST_PG dbname=da_copy" >/dev/null 2>&1
ref2=$(rpc '{"jsonrpc":"2.0","id":1,"method":"via_getBatch","params":[2]}' | jget result.da_ref | cut -d: -f2)
psqlq "$VIA_TEST_PG dbname=da_copy" "UPDATE via_da_blobs SET data = set_byte(data, 200, (get_byte(data, 200) + 1) % 256) WHERE hash = decode('$ref2', 'hex')" | grep -q . || true
start_verifier 5 vf5 "" "$VIA_TEST_PG dbname=da_copy"
mine_until 60 sh -c "curl -s http://127.0.0.1:$((vport + 5))/batches/2 | grep -q not_ok" || fail "the altered blob: $(curl -s http://127.0.0.1:$((vport + 5))/batches/2)"
curl -s "http://127.0.0.1:$((vport + 5))/batches/2" | grep -q '"rule":"da_hash_mismatch"' || fail "rule: $(curl -s http://127.0.0.1:$((vport + 5))/batches/2)"
curl -s "http://127.0.0.1:$((vport + 5))/batches/1" | grep -q '"verdict":"ok"' || fail "batch 1 at verifier 5"
status 5 | grep -q '"halted":true' || fail "verifier 5 should halt: $(status 5)"
[ "$(status 5 | jget last_final)" -le 1 ] || fail "nothing after a refused batch is final: $(status 5)"

echo "== a batch signed by the sequencer whose proof is of other public inputs: not ok, never final"
proof3=$(rpc '{"jsonrpc":"2.0","id":1,"method":"via_getBatch","params":[3]}' | jget result.proof_ref)
[ "$(rpc '{"jsonrpc":"2.0","id":1,"method":"via_getBatch","params":[3]}' | jget result.chunks)" = 1 ] || fail "batch 3 should have one chunk"
kill -TERM "$seqpid"; wait "$seqpid" 2>/dev/null
last=$(psqlq "$VIA_TEST_PG" "SELECT max(number) FROM via_seq_batches")
mine_until 60 final_at_least "$last" || fail "batch $last not final"
nf=$((last + 1))
hl=$(curl -s "http://127.0.0.1:$((vport + 1))/batches/$last" | jget header_hash)
rl=$(curl -s "http://127.0.0.1:$((vport + 1))/batches/$last" | jget root_after)
node -e '
const c=require("crypto");const [n,hp,rp]=process.argv.slice(1);
const h=Buffer.alloc(160);h.writeBigUInt64BE(BigInt(n),0);Buffer.from(hp,"hex").copy(h,8);
const root=Buffer.from(BigInt(rp).toString(16).padStart(64,"0"),"hex");root.copy(h,40);root.copy(h,72);
const pd=Buffer.alloc(157);c.createHash("blake2s256").update(pd).digest().copy(h,104);
h.writeUInt32BE(1,136);h.writeUInt32BE(1,140);
const blob=Buffer.concat([h,pd]);
console.log(c.createHash("blake2s256").update(h).digest("hex"),c.createHash("blake2s256").update(blob).digest("hex"),blob.toString("hex"));' "$nf" "$hl" "$rl" >"$w/forged" || fail "forging batch $nf"
read -r hf bhf blobf <"$w/forged"
psqlq "$VIA_TEST_PG" "INSERT INTO via_da_blobs (hash, data) VALUES (decode('$bhf', 'hex'), decode('$blobf', 'hex'))" >/dev/null || fail "storing the forged blob"
out=$("$BTC" inscribe --rpc "$VIA_TEST_RPC_URL" --key "$w/seq.key" --network regtest --type batch-da \
    --batch-hash "$hf" --batch-index "$nf" --da-id postgres --blob-id "postgres:$bhf" --prev-batch-hash "$hl") || fail "inscribing batch $nf: $out"
rf=$(echo "$out" | grep '^reveal_txid=' | cut -d= -f2)
btc generatetoaddress "[1, \"$seqaddr\"]" >/dev/null
out=$("$BTC" inscribe --rpc "$VIA_TEST_RPC_URL" --key "$w/seq.key" --network regtest --type proof-da \
    --batch-reveal-txid "$rf" --da-id postgres --blob-id "$proof3") || fail "inscribing batch $nf's proof: $out"
not_ok_forged() { for i in 1 2 3; do curl -s "http://127.0.0.1:$((vport + i))/batches/$nf" | grep -q '"rule":"proof_invalid"' || return 1; done; }
mine_until 60 not_ok_forged || fail "batch $nf with a proof of other public inputs: $(curl -s http://127.0.0.1:$((vport + 1))/batches/$nf)"
mine_until 20 sh -c "curl -s http://127.0.0.1:$((vport + 1))/batches/$nf | grep -q '\"attestation\":\"confirmed'" || fail "the not-ok attestation was not mined"
for i in 1 2 3 4; do
    [ "$(status $i | jget last_final)" = "$last" ] || fail "verifier $i: batch $nf must never be final: $(status $i)"
    status $i | grep -q '"halted":true' || fail "verifier $i should stop after a refused batch: $(status $i)"
done

echo "== a reorganisation takes batch $nf's proof inscription off the chain: verdicts withdrawn, given again once it is mined again, one attestation each"
rp=$(echo "$out" | grep '^reveal_txid=' | cut -d= -f2)
reorg_out "$rp"
withdrawn() { for i in 1 2 3; do grep -q "batch.withdrawn batch=$nf reason=reorganised state=none" "$w/v$i.log" || return 1; done; }
for _ in $(seq 100); do withdrawn && break; sleep 0.2; done
withdrawn || fail "the verifiers did not withdraw batch $nf's verdict"
for i in 1 2 3; do
    curl -s "http://127.0.0.1:$((vport + i))/batches/$nf" | grep -q proof_invalid && fail "verifier $i still shows batch $nf's verdict"
    status $i | grep -q '"halted":false' || fail "verifier $i should wait for batch $nf again: $(status $i)"
done
resend
mine_until 60 not_ok_forged || fail "batch $nf not refused again: $(curl -s http://127.0.0.1:$((vport + 1))/batches/$nf)"
for i in 1 2 3; do
    [ "$(psqlq "$VIA_TEST_PG dbname=vf$i" "SELECT count(*) FROM via_vf_attestations WHERE number = $nf")" = 1 ] || fail "verifier $i: one attestation for batch $nf"
    status $i | grep -q '"halted":true' || fail "verifier $i should stop again: $(status $i)"
done
mine_until 120 sh -c "[ \$(psql \"$VIA_TEST_PG dbname=vf1\" -Atc \"SELECT count(DISTINCT sender_pubkey) FROM via_messages WHERE msg_type = 'ValidatorAttestationMessage' AND payload->>'reference_txid' = '$rp'\") -ge 3 ]" ||
    fail "the attestations of batch $nf are not back on the chain"
dups=$(psqlq "$VIA_TEST_PG dbname=vf1" "SELECT count(*) FROM (SELECT payload->>'reference_txid', sender_pubkey FROM via_messages WHERE msg_type = 'ValidatorAttestationMessage' GROUP BY 1, 2 HAVING count(*) > 1) d")
[ "$dups" = 0 ] || fail "a verifier attested twice to one batch after the reorganisation"
echo PASS
