#!/usr/bin/env bash
# The farm end to end on a throwaway PostgreSQL (run through tests/lib/pg.sh): real proofs of
# the snarkjs multiplier fixture.
#  - 12 jobs of batch 1 and its aggregate job, enqueued with `via-prover queue` (enqueue is
#    idempotent); a node (`via-prover run`) proves them, its /metrics, /healthz and /readyz
#    answer; every result verifies with `via-prover verify`; the aggregate verifies with
#    `verify-aggregate` against the chunk results' public inputs;
#  - bad work fails the job with an error that says which, and the node keeps serving: a
#    witness that does not satisfy the circuit, a corrupt input, a key-hash mismatch, a key
#    file that is not a key; a job for a circuit the node has no key for stays queued;
#  - drain: SIGTERM while jobs are flowing exits 0 within the drain timeout, the node is
#    `gone` and holds nothing; `via-prover --name ... --exit-when-idle` (options and no
#    command) finishes the rest; `queue status --json` parses; retry and cancel.
set -u
: "${VIA_BUILD:?VIA_BUILD must name the build directory}"
: "${VIA_TEST_PG:?run through tests/lib/pg.sh}"
P="$VIA_BUILD/prover/via-prover"
MK="$VIA_BUILD/tests/farm/via_test_mkwtns"
w=$(mktemp -d)
cleanup() { kill -9 $(jobs -p) 2>/dev/null; rm -rf "$w"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; for l in "$w"/*.log; do [ -f "$l" ] && { echo "== $l"; tail -20 "$l"; }; done; exit 1; }
export VIA_DB="$VIA_TEST_PG"
q() { "$P" queue "$@"; }
id_of() { awk '{print $1}'; }

mkdir -p "$w/keys" "$w/wrongkeys" "$w/otherkeys" "$w/badkeys" "$w/enqkeys"
cp tests/fixtures/multiplier/circuit.zkey "$w/keys/mult.zkey"
cp tests/fixtures/multiplier/circuit_0000.zkey "$w/wrongkeys/mult.zkey"  # same id, another key
cp tests/fixtures/multiplier/circuit.zkey "$w/otherkeys/other.zkey"
"$P" export-vk "$w/keys/mult.zkey" "$w/vk.json" || fail "export-vk"

echo "== enqueue"
for i in $(seq 0 11); do
    "$MK" "$w/w$i.wtns" $((i + 2)) $((i + 3)) || fail "mkwtns"
    q enqueue-witness "$w/w$i.wtns" --circuit mult --batch 1 --index "$i" --keys "$w/keys" >"$w/out" || fail "enqueue $i: $(cat "$w/out")"
    ids[$i]=$(id_of <"$w/out")
done
q enqueue-witness "$w/w0.wtns" --circuit mult --batch 1 --index 0 --keys "$w/keys" >"$w/out" || fail "second enqueue"
grep -q "already queued" "$w/out" || fail "enqueue is not idempotent: $(cat "$w/out")"
agg=$(q enqueue-aggregate --batch 1 --chunks 12 --circuit mult --keys "$w/keys" | id_of)
"$MK" "$w/unsat.wtns" 2 3 7
unsat=$(q enqueue-witness "$w/unsat.wtns" --circuit mult --batch 2 --index 0 --keys "$w/keys" --max-attempts 1 | id_of)
printf 'wtns\002\000\000\000garbage' >"$w/corrupt.wtns"
corrupt=$(q enqueue-witness "$w/corrupt.wtns" --circuit mult --batch 2 --index 1 --keys "$w/keys" --max-attempts 1 | id_of)
mismatch=$(q enqueue-witness "$w/w1.wtns" --circuit mult --batch 2 --index 2 --keys "$w/wrongkeys" --max-attempts 1 | id_of)
other=$(q enqueue-witness "$w/w1.wtns" --circuit other --batch 3 --index 0 --keys "$w/otherkeys" | id_of)
[ -n "$unsat" ] && [ -n "$corrupt" ] && [ -n "$mismatch" ] && [ -n "$other" ] && [ -n "$agg" ] || fail "enqueue of the bad jobs"
# enqueue refusals
q enqueue-witness "$w/w1.wtns" --circuit nokey --batch 9 --index 0 --keys "$w/keys" >"$w/out" 2>&1 && fail "enqueue without a key accepted"
grep -q "no proving key" "$w/out" || fail "missing key not explained: $(cat "$w/out")"
q enqueue-witness "$w/w1.wtns" --circuit "../x" --batch 9 --index 0 --keys "$w/keys" >"$w/out" 2>&1 && fail "a path as circuit id accepted"
q enqueue-chunk tests/fixtures/multiplier/input.json --keys "$w/keys" >"$w/out" 2>&1 && fail "a non-chunk JSON accepted"

echo "== SRS"
"$P" ptau-dev --power 5 "$w/a.ptau" >/dev/null && "$P" ptau-dev --power 5 "$w/b.ptau" >/dev/null &&
    "$P" srs --ptau "$w/a.ptau" --ptau "$w/b.ptau" --max 16 "$w/s.srs" >/dev/null || fail "srs"

echo "== node"
port=$((30000 + RANDOM % 20000))
"$P" run --keys "$w/keys" --srs "$w/s.srs" --name n1 --listen ":$port" --lease 5 --poll 0.5 \
    >"$w/n1.log" 2>&1 &
n1=$!
q wait 1 --timeout 120 >"$w/out" || fail "batch 1 not done: $(cat "$w/out")"
for _ in $(seq 50); do
    st=$(q status --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log(j.jobs.filter(x=>x.status==="failed").reduce((a,x)=>a+x.count,0))})' 2>/dev/null || echo 0)
    [ "$st" = 3 ] && break
    sleep 0.2
done
[ "$st" = 3 ] || { q status; fail "the 3 bad jobs did not all fail"; }
curl -sf "http://127.0.0.1:$port/metrics" >"$w/metrics" || fail "/metrics"
grep -q '^via_jobs_done_total{kind="chunk"} 12$' "$w/metrics" || { cat "$w/metrics"; fail "metrics: chunk jobs done"; }
grep -q '^via_jobs_done_total{kind="aggregate"} 1$' "$w/metrics" || fail "metrics: aggregate done"
grep -q '^via_jobs_failed_total{kind="chunk"} 3$' "$w/metrics" || fail "metrics: failures"
grep -q '^via_proof_seconds_count' "$w/metrics" || fail "metrics: proof histogram"
grep -q '^via_db_up 1$' "$w/metrics" || fail "metrics: db"
curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || fail "/healthz"
curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || fail "/readyz"

echo "== results"
for i in $(seq 0 11); do
    q result "${ids[$i]}" "$w/p$i.json" "$w/pub$i.json" || fail "result of job ${ids[$i]}"
    "$P" verify "$w/vk.json" "$w/pub$i.json" "$w/p$i.json" >/dev/null || fail "job ${ids[$i]}'s proof does not verify"
    pubs="${pubs:-} --public $w/pub$i.json"
done
q result "$agg" "$w/batch1.agg" || fail "aggregate result"
# shellcheck disable=SC2086
"$P" verify-aggregate --srs "$w/s.srs" --vk "$w/vk.json" $pubs "$w/batch1.agg" >/dev/null || fail "the aggregate does not verify"
q result "$unsat" "$w/x.json" "$w/y.json" >"$w/out" 2>&1 && fail "result of a failed job"
grep -q "does not verify" "$w/out" || fail "unsatisfying witness: $(cat "$w/out")"
q result "$corrupt" "$w/x.json" "$w/y.json" >"$w/out" 2>&1
grep -q "job input" "$w/out" || fail "corrupt input: $(cat "$w/out")"
q result "$mismatch" "$w/x.json" "$w/y.json" >"$w/out" 2>&1
grep -q "proving key mismatch" "$w/out" || fail "key mismatch: $(cat "$w/out")"
q result "$other" "$w/x.json" "$w/y.json" >"$w/out" 2>&1
grep -q "is queued" "$w/out" || fail "the job for a circuit nobody has: $(cat "$w/out")"
# retry and cancel
q retry "$unsat" >/dev/null || fail "retry"
q cancel "$other" >/dev/null || fail "cancel"
q cancel "$other" >"$w/out" 2>&1 && fail "cancel twice"

echo "== a key file that is not a key"
# the job carries the hash of a good key; the node's file for that circuit is garbage
cp "$w/keys/mult.zkey" "$w/enqkeys/broken.zkey"
printf 'not a zkey' >"$w/badkeys/broken.zkey"
bad=$(q enqueue-witness "$w/w2.wtns" --circuit broken --batch 5 --index 0 --keys "$w/enqkeys" --max-attempts 1 | id_of)

echo "== drain"
kill -TERM $n1
for _ in $(seq 100); do kill -0 $n1 2>/dev/null || break; sleep 0.1; done
kill -0 $n1 2>/dev/null && fail "n1 did not exit after SIGTERM"
wait $n1; [ $? = 0 ] || fail "n1 exited with $? after SIGTERM"
grep -q "event=node.stopped" "$w/n1.log" || fail "no node.stopped line"
for i in $(seq 0 39); do
    "$MK" "$w/d$i.wtns" $((i + 5)) 3
    q enqueue-witness "$w/d$i.wtns" --circuit mult --batch 6 --index "$i" --keys "$w/keys" >/dev/null || fail "enqueue batch 6"
done
"$P" run --keys "$w/keys" --name n2 --lease 5 --drain-timeout 20 --ahead 4 >"$w/n2.log" 2>&1 &
n2=$!
sleep 0.5
kill -TERM $n2
wait $n2; code=$?
[ $code = 0 ] || fail "n2 exited with $code after SIGTERM"
q nodes >"$w/nodes"
grep -Eq "^  n2 +gone +leased 0" "$w/nodes" || { cat "$w/nodes"; fail "n2 is not gone with nothing leased"; }
# options and no command run the node; the bad key fails its job, the node goes on
"$P" --keys "$w/badkeys" --name n3 --exit-when-idle --lease 5 >"$w/n3.log" 2>&1 || fail "n3 failed"
q result "$bad" "$w/x.json" "$w/y.json" >"$w/out" 2>&1
grep -q "circuit 'broken'" "$w/out" || fail "bad key file: $(cat "$w/out")"
"$P" --keys "$w/keys" --name n4 --exit-when-idle --lease 5 >"$w/n4.log" 2>&1 || fail "n4 failed"
q wait 6 --timeout 60 >/dev/null || fail "batch 6 not finished after the drain"
q status --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(!Array.isArray(j.jobs)||typeof j.backlog.gpu_seconds!=="number")process.exit(1)})' ||
    fail "status --json"
echo PASS
