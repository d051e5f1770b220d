#!/usr/bin/env bash
# Chaos: three node processes prove 240 small real jobs (the snarkjs poseidon fixture's
# witness, every proof freshly blinded) while this script kills a random one of them with
# SIGKILL every 0.4 s and restarts it under the same name, and restarts PostgreSQL (immediate
# shutdown) in the middle of the run; a fourth node is never killed. At the end: every job is
# done exactly once (one result each, never overwritten: the stored result is the one whose
# proof verifies), every proof verifies, and every lost lease belonged to a killed node
# (`lost_holders` never names the steady node).
set -u
: "${VIA_BUILD:?VIA_BUILD must name the build directory}"
: "${VIA_TEST_PG:?run through tests/lib/pg.sh}"
: "${VIA_PG_DIR:?run through tests/lib/pg.sh}"
P="$VIA_BUILD/prover/via-prover"
JOBS=${VIA_CHAOS_JOBS:-240}
w=$(mktemp -d)
cleanup() { kill -9 $(jobs -p) 2>/dev/null; rm -rf "$w"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; for l in "$w"/*.log; do [ -f "$l" ] && { echo "== $l"; tail -15 "$l"; }; done; exit 1; }
export VIA_DB="$VIA_TEST_PG"
q() { "$P" queue "$@"; }
psqlq() { psql "$VIA_TEST_PG" -Atc "$1"; }

mkdir -p "$w/keys"
cp tests/fixtures/poseidon/circuit.zkey "$w/keys/poseidon.zkey"
"$P" export-vk "$w/keys/poseidon.zkey" "$w/vk.json" || fail "export-vk"
for i in $(seq 0 $((JOBS - 1))); do
    echo "$i"
done | while read -r i; do
    q enqueue-witness tests/fixtures/poseidon/circuit.wtns --circuit poseidon --batch 10 \
        --index "$i" --keys "$w/keys" >/dev/null || { echo "enqueue $i failed"; exit 1; }
done || fail "enqueue"

start_node() { # name
    "$P" run --keys "$w/keys" --name "$1" --lease 2 --poll 0.3 --ahead 2 --threads 1 \
        >>"$w/$1.log" 2>&1 &
    pid[$1]=$!
}
declare -A pid
for n in c1 c2 c3 steady; do start_node $n; done

pg_bin=${VIA_PG_BIN:-/usr/lib/postgresql/15/bin}
runas=()
[ "$(id -u)" = 0 ] && runas=(runuser -u "${VIA_PG_USER:-nobody}" --)
kills=0
restarted=0
t0=$(date +%s)
while :; do
    done_n=$(psqlq "SELECT count(*) FROM via_jobs WHERE status = 'done'" 2>/dev/null || echo -1)
    [ "$done_n" = "$JOBS" ] && break
    [ $(($(date +%s) - t0)) -gt 400 ] && fail "not done after 400 s ($done_n of $JOBS)"
    if [ $restarted = 0 ] && [ "$done_n" -ge $((JOBS / 3)) ]; then
        echo "== restarting PostgreSQL at $done_n done"
        "${runas[@]}" "$pg_bin/pg_ctl" -D "$VIA_PG_DIR/data" -m immediate -w -t 60 restart \
            >"$w/pg_restart.log" 2>&1 || fail "PostgreSQL restart: $(cat "$w/pg_restart.log")"
        restarted=1
    fi
    victim=c$((RANDOM % 3 + 1))
    kill -9 "${pid[$victim]}" 2>/dev/null && kills=$((kills + 1))
    wait "${pid[$victim]}" 2>/dev/null
    start_node "$victim"
    sleep 0.4
done
echo "== $JOBS done with $kills kills and a PostgreSQL restart; checking"
for n in c1 c2 c3 steady; do kill -TERM "${pid[$n]}" 2>/dev/null; done
for n in c1 c2 c3 steady; do wait "${pid[$n]}" 2>/dev/null; done

[ "$(psqlq "SELECT count(*) FROM via_jobs WHERE status <> 'done'")" = 0 ] || fail "jobs not done"
[ "$(psqlq "SELECT count(*) FROM via_jobs WHERE result IS NULL")" = 0 ] || fail "done without a result"
lost=$(psqlq "SELECT coalesce(sum(lost_leases), 0) FROM via_jobs")
bad=$(psqlq "SELECT count(*) FROM via_jobs WHERE 'steady' = ANY(lost_holders)")
[ "$bad" = 0 ] || fail "the steady node lost leases it held (it was never killed)"
[ "$(psqlq "SELECT count(*) FROM via_jobs WHERE cardinality(lost_holders) <> lost_leases")" = 0 ] ||
    fail "lost_leases and lost_holders disagree"
others=$(psqlq "SELECT count(*) FROM (SELECT unnest(lost_holders) h FROM via_jobs) x WHERE h NOT IN ('c1','c2','c3')")
[ "$others" = 0 ] || fail "a lost lease names a node that was not killed"
grep -q "db.unavailable\|db.reconnected" "$w"/c*.log "$w"/steady.log ||
    echo "note: no node saw the database go away (the restart fell between statements)"
# no job was accepted twice: every job.done line (written after the queue accepted the
# result) names a different job
dups=$(grep -h "event=job.done" "$w"/*.log | grep -o ' job=[0-9]*' | sort | uniq -d | wc -l)
[ "$dups" = 0 ] || fail "$dups jobs were accepted twice"
# every stored proof verifies
for id in $(psqlq "SELECT id FROM via_jobs ORDER BY id"); do
    q result "$id" "$w/p.json" "$w/pub.json" >/dev/null 2>&1 || fail "result $id"
    "$P" verify "$w/vk.json" "$w/pub.json" "$w/p.json" >/dev/null || fail "job $id's proof does not verify"
done
echo "lost leases: $lost (all held by killed nodes); kills: $kills"
echo PASS
