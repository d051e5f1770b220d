#!/usr/bin/env bash
# Withdrawals: three verifiers (the first the coordinator) pay L2 withdrawals from the MuSig2
# bridge on regtest (bitcoind when on PATH, else the stand-in; through tests/lib/pg.sh).
# The coordinator's API refuses unsigned requests, a key outside the set and a replayed request;
# a signer pointed at a coordinator that proposes a wrong amount, a wrong address or too high a
# fee refuses to sign (named in its log); an unresponsive signer makes the session time out, the
# coordinator names it in its log and metrics, and the payout completes once it answers again;
# kill -9 of the coordinator in the middle of a session: it resumes and every withdrawal is paid
# exactly once; a coordinator restarted with an empty database finds the payouts on chain and
# pays nothing again.
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
cleanup() { kill -CONT $(jobs -p) 2>/dev/null; kill -9 $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$w"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; for l in "$w"/*.log; do [ -f "$l" ] && { echo "== $l"; tail -12 "$l"; }; done; exit 1; }
for t in "$P" "$SEQ" "$VER" "$WAL" "$BTC"; do [ -x "$t" ] || fail "$t not built"; done
export VIA_DB="$VIA_TEST_PG" VIA_BTC_RPC_USER="$VIA_TEST_RPC_USER" VIA_BTC_RPC_PASSWORD="$VIA_TEST_RPC_PASS"
psqlq() { psql "$1" -Atc "$2"; }
btc() { curl -s -u "$VIA_TEST_RPC_USER:$VIA_TEST_RPC_PASS" \
    -d "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$VIA_TEST_RPC_URL/"; }
jget() { python3 -c 'import json,sys
v=json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v=None if v is None else (v[int(k)] if isinstance(v,list) else v.get(k))
print(json.dumps(v) if isinstance(v,(dict,list)) else ("" if v is None else v))' "$1"; }

echo "== keys, SRS, genesis, Bitcoin keys, bootstrap"
mkdir -p "$w/keys"
"$P" circuit --slots 1 --depth 3 --r1cs "$w/c1.r1cs" >/dev/null &&
    "$P" ptau-dev --power 16 "$w/p16.ptau" >/dev/null &&
    "$P" setup "$w/c1.r1cs" "$w/p16.ptau" "$w/keys/chunk-1.zkey" --name wd >/dev/null &&
    "$P" export-vk "$w/keys/chunk-1.zkey" "$w/vk.json" >/dev/null || fail "setup"
"$P" ptau-dev --power 3 "$w/a.ptau" >/dev/null && "$P" ptau-dev --power 3 "$w/b.ptau" >/dev/null &&
    "$P" srs --ptau "$w/a.ptau" --ptau "$w/b.ptau" --max 4 "$w/s.srs" >/dev/null || fail "srs"
for i in 0 1; do "$WAL" keygen --out "$w/k$i.json" >/dev/null || fail keygen; done
python3 - "$w" <<'EOF'
import json, sys
d = sys.argv[1]
acc = []
for i in (0, 1):
    k = json.load(open(f"{d}/k{i}.json"))["public_key"]
    acc.append({"id": i, "pubkey": {"x": k["x"], "y": k["y"]}, "balance": "0"})
json.dump(acc, open(d + "/genesis.json", "w"))
EOF
addr() { "$VER" key-address --btc-key "$w/$1.key" | cut -d' ' -f1; }
pub() { "$VER" key-address --btc-key "$w/$1.key" | cut -d' ' -f2; }
spk() { "$VER" key-address --btc-key "$w/$1.key" | cut -d' ' -f3; }
for k in seq dep user v1 v2 v3 rogue; do head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$w/$k.key"; done
for k in dep v1 v2 v3; do btc generatetoaddress "[1, \"$(addr $k)\"]" >/dev/null; done
seqaddr=$(addr seq)
btc generatetoaddress "[101, \"$seqaddr\"]" | grep -q '"error":null' || fail "funding"
vkeys="$(pub v1),$(pub v2),$(pub v3)"
bridge=$("$BTC" bridge-address --network regtest --keys "$(pub v1)" "$(pub v2)" "$(pub v3)" | jget address)
out=$("$SEQ" bootstrap --btc-rpc "$VIA_TEST_RPC_URL" --btc-key "$w/seq.key" --bridge "$bridge" \
    --verifiers "$vkeys" --vk "$w/vk.json" --genesis "$w/genesis.json" --slots 1 --depth 3) || fail "bootstrap: $out"
boot=$(echo "$out" | grep '^reveal_txid=' | cut -d= -f2)
btc generatetoaddress "[1, \"$seqaddr\"]" >/dev/null

echo "== sequencer, prover node, three verifiers (the first the coordinator)"
sport=$(python3 tests/lib/free_ports.py 1)
"$SEQ" run --listen ":$sport" --keys "$w/keys" --slots 1 --chunks 2 --seal-age 1 --depth 3 \
    --genesis "$w/genesis.json" --btc-rpc "$VIA_TEST_RPC_URL" --btc-key "$w/seq.key" \
    --bridge "$bridge" --deposit-confirmations 1 >"$w/seq.log" 2>&1 &
"$P" run --keys "$w/keys" --srs "$w/s.srs" --name wd-node --gpus none >"$w/node.log" 2>&1 &
vport=$(python3 tests/lib/free_ports.py 10)
curl_coord="http://127.0.0.1:$((vport + 1))"
start_verifier() { # start_verifier <n> [coordinator url]
    psqlq "$VIA_TEST_PG" "SELECT 1 FROM pg_database WHERE datname = 'vf$1'" | grep -q 1 ||
        psqlq "$VIA_TEST_PG" "CREATE DATABASE vf$1" >/dev/null
    "$VER" run --db "$VIA_TEST_PG dbname=vf$1" --listen ":$((vport + $1))" --btc-rpc "$VIA_TEST_RPC_URL" \
        --bootstrap-txid "$boot" --genesis "$w/genesis.json" --vk "$w/vk.json" --srs "$w/s.srs" \
        --btc-key "$w/v$1.key" --da-db "$VIA_TEST_PG" --verifier-keys "$vkeys" \
        --coordinator-url "${2:-$curl_coord}" --session-timeout 4 --max-fee-rate 20 \
        $([ "$1" = 1 ] && echo --coordinate) >>"$w/v$1.log" 2>&1 &
    eval "vpid$1=$!"
}
for i in 1 2 3; do start_verifier $i; done
status() { curl -s "http://127.0.0.1:$((vport + $1))/status"; }
for _ in $(seq 50); do status 1 | grep -q '"bootstrapped":true' && break; sleep 0.2; done
mine() { btc generatetoaddress "[1, \"$seqaddr\"]" >/dev/null; }
mine_until() { local limit=$1; shift; for _ in $(seq $((limit * 2))); do "$@" && return 0; mine; sleep 0.5; done; return 1; }

echo "== the coordinator's API refuses what is not a signed, fresh request of the set"
code() { curl -s -o "$w/resp" -w '%{http_code}' "$@"; }
[ "$(code "$curl_coord/session")" = 401 ] || fail "an unsigned request was not refused"
hdrs() { "$VER" sign-request --btc-key "$w/$1.key" --index "$2" --path /session | sed 's/^/-H\n/'; }
mapfile -t H < <(hdrs rogue 0)
[ "$(code "${H[@]}" "$curl_coord/session")" = 401 ] && grep -q "not verifier 0" "$w/resp" || fail "a key outside the set: $(cat "$w/resp")"
mapfile -t H < <(hdrs v2 1)
[ "$(code "${H[@]}" "$curl_coord/session")" = 200 ] || fail "a signed request was refused: $(cat "$w/resp")"
[ "$(code "${H[@]}" "$curl_coord/session")" = 401 ] && grep -q replayed "$w/resp" || fail "a replayed request: $(cat "$w/resp")"
mapfile -t H < <("$VER" sign-request --btc-key "$w/v2.key" --index 1 --path /session --timestamp 1000 | sed 's/^/-H\n/')
[ "$(code "${H[@]}" "$curl_coord/session")" = 401 ] && grep -q window "$w/resp" || fail "a stale timestamp: $(cat "$w/resp")"
grep -q "coordinator.refused" "$w/v1.log" || fail "refusals are not logged"

echo "== a deposit, then withdrawals; verifier 3 unresponsive: the session times out and names it"
rpc() { curl -s -H 'Content-Type: application/json' --data-binary \
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "http://127.0.0.1:$sport/"; }
pl=$("$WAL" deposit-payload --key "$w/k1.json" --account 1)
"$BTC" deposit --rpc "$VIA_TEST_RPC_URL" --key "$w/dep.key" --network regtest --bridge "$bridge" \
    --amount 200000 --payload "$pl" --fee-rate 2 >"$w/dep.out" 2>&1 || { cat "$w/dep.out"; fail deposit; }
credited() { rpc via_getAccount '[1]' | grep -q '"balance":"200000"'; }
mine_until 60 credited || fail "the deposit was not credited"
kill -STOP "$vpid3"
wd() { "$WAL" sign-withdraw --key "$w/k1.json" --from 1 --amount "$1" --fee 10 --nonce "$2" --dest "$(spk user)"; }
rpc via_sendTransaction "[$(wd 30000 0)]" | grep -q pending || fail "withdrawal 1"
timed_out() { grep -q "session.timed_out.*round=1 unanswered=2" "$w/v1.log"; }
mine_until 90 timed_out || fail "no session timed out naming verifier 2 (index of the third)"
curl -s "$curl_coord/metrics" | grep -q 'via_coordinator_signer_timeouts_total{verifier="2"} [1-9]' || fail "the metrics do not show the unresponsive signer"
kill -CONT "$vpid3"
user_count() { btc scantxoutset "[\"start\", [\"addr($(addr user))\"]]" | python3 -c 'import json,sys
u=json.load(sys.stdin)["result"]["unspents"]
print(sum(1 for x in u if round(x["amount"]*1e8)==int(sys.argv[1])))' "$1"; }
paid1() { [ "$(user_count 30000)" = 1 ]; }
mine_until 120 paid1 || fail "withdrawal 1 was not paid after the signer came back"

echo "== a signer refuses a payout of a wrong amount, a wrong address or too high a fee"
rpc via_sendTransaction "[$(wd 20000 1)]" | grep -q pending || fail "withdrawal 2"
final2() { b=$(psqlq "$VIA_TEST_PG" "SELECT batch FROM via_seq_withdrawals WHERE amount = 20000"); [ -n "$b" ] && [ "$(status 2 | jget last_final)" -ge "$b" ] 2>/dev/null; }
kill -STOP "$vpid1" # the real coordinator pauses; verifier 2 talks to a fake one
mine_until 90 final2 || fail "the batch of withdrawal 2 did not become final at verifier 2"
b2=$(psqlq "$VIA_TEST_PG" "SELECT batch FROM via_seq_withdrawals WHERE amount = 20000")
i2=$(psqlq "$VIA_TEST_PG" "SELECT idx FROM via_seq_withdrawals WHERE amount = 20000")
kill "$vpid2"; wait "$vpid2" 2>/dev/null
fport=$((vport + 9))
python3 - "$fport" "$b2" "$i2" "$(spk user)" "$VIA_TEST_RPC_URL" "$VIA_TEST_RPC_USER" "$VIA_TEST_RPC_PASS" "$bridge" <<'EOF' >"$w/fake.log" 2>&1 &
# A test fixture: a coordinator that proposes bad payouts (one per request, in turn).
import base64, http.server, json, struct, sys, urllib.request
port, batch, idx, dest, url, user, pw, bridge = sys.argv[1:]
def rpc(m, p):
    req = urllib.request.Request(url, json.dumps({"jsonrpc": "1.0", "id": 1, "method": m, "params": p}).encode())
    req.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode())
    return json.load(urllib.request.urlopen(req))["result"]
coin = max(rpc("scantxoutset", ["start", [f"addr({bridge})"]])["unspents"], key=lambda u: u["amount"])
value = round(coin["amount"] * 1e8)
def tx(amount, dest_hex, change):
    def out(v, s):
        s = bytes.fromhex(s)
        return struct.pack("<q", v) + bytes([len(s)]) + s
    opret = b"VIAW" + struct.pack(">QI", int(batch), int(idx))
    outs = [out(amount, dest_hex), out(0, (bytes([0x6a, len(opret)]) + opret).hex()), out(change, "5120" + "00" * 32)]
    b = struct.pack("<I", 2) + b"\x01" + bytes.fromhex(coin["txid"])[::-1] + struct.pack("<I", coin["vout"]) + b"\x00" + struct.pack("<I", 0xfffffffd)
    b += bytes([len(outs)]) + b"".join(outs) + struct.pack("<I", 0)
    return b.hex()
bad_dest = dest[:-2] + ("00" if dest[-2:] != "00" else "01")
cases = [(20001, dest, 5, "amount"), (20000, bad_dest, 5, "address"), (20000, dest, 500, "fee")]
n = [0]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if n[0] >= len(cases):
            body = {"session": None}
        else:
            amount, d, rate, what = cases[n[0]]
            n[0] += 1
            body = {"session": 100 + n[0], "withdrawals": [[int(batch), int(idx)]],
                    "inputs": [{"txid": coin["txid"], "vout": coin["vout"], "value": value}],
                    "fee_rate": rate, "tx": tx(amount, d, value - amount - 1000),
                    "nonces_from": [], "signatures_from": [], "aggregate_nonces": None}
            print("proposed", what, flush=True)
        data = json.dumps(body).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json"); self.end_headers(); self.wfile.write(data)
    def do_POST(self):
        print("a signer sent", self.path, flush=True)
        self.send_response(200); self.end_headers(); self.wfile.write(b"{}")
http.server.HTTPServer(("127.0.0.1", int(port)), H).serve_forever()
EOF
fakepid=$!
start_verifier 2 "http://127.0.0.1:$fport"
refused3() { [ "$(grep -c 'session.refused' "$w/v2.log")" -ge 3 ]; }
mine_until 60 refused3 || fail "verifier 2 did not refuse the three bad proposals: $(cat "$w/fake.log")"
grep 'session.refused' "$w/v2.log" | grep -q "another amount" || fail "wrong amount not named"
grep 'session.refused' "$w/v2.log" | grep -q "another address" || fail "wrong address not named"
grep 'session.refused' "$w/v2.log" | grep -q "fee rate 500" || fail "too high a fee not named"
! grep -q "a signer sent" "$w/fake.log" || fail "verifier 2 sent nonces to a bad proposal"
kill "$fakepid"; kill "$vpid2"; wait "$vpid2" 2>/dev/null
start_verifier 2
kill -CONT "$vpid1"

echo "== kill -9 of the coordinator in the middle of a session; every withdrawal paid once"
started() { grep -q "session.started" "$w/v1.log" && [ "$(grep -c session.started "$w/v1.log")" -ge "$1" ]; }
n0=$(grep -c session.started "$w/v1.log")
mine_until 60 started $((n0 + 1)) || fail "no session for withdrawal 2"
kill -9 "$vpid1"; wait "$vpid1" 2>/dev/null
start_verifier 1
paid2() { [ "$(user_count 20000)" = 1 ]; }
mine_until 180 paid2 || fail "withdrawal 2 was not paid after the coordinator's restart"
for _ in 1 2 3 4 5 6; do mine; sleep 0.5; done
[ "$(user_count 30000)" = 1 ] && [ "$(user_count 20000)" = 1 ] || fail "a withdrawal was paid twice"
[ "$(psqlq "$VIA_TEST_PG dbname=vf1" "SELECT count(DISTINCT payout_txid) FROM via_vf_withdrawals")" = 2 ] || fail "payout records"

echo "== the coordinator restarted with an empty database finds the payouts on chain: nothing paid again"
kill -9 "$vpid1"; wait "$vpid1" 2>/dev/null
psqlq "$VIA_TEST_PG" "DROP DATABASE vf1" >/dev/null && psqlq "$VIA_TEST_PG" "CREATE DATABASE vf1" >/dev/null || fail "recreating vf1"
: >"$w/v1.log"
start_verifier 1
seen_paid() { [ "$(grep -c withdrawal.paid_on_chain "$w/v1.log")" -ge 2 ] && [ "$(status 1 | jget last_final)" -ge "$b2" ] 2>/dev/null; }
mine_until 120 seen_paid || fail "the fresh coordinator did not find both payouts on chain: $(status 1)"
for _ in $(seq 16); do mine; sleep 0.5; done
! grep -q session.started "$w/v1.log" || fail "the fresh coordinator started a payout session again"
[ "$(user_count 30000)" = 1 ] && [ "$(user_count 20000)" = 1 ] || fail "a withdrawal was paid twice"
echo PASS
