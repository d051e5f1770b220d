# Sourced by the sequencer benchmarks (intake_bench.sh, keeper_backlog.sh) with N and B set:
# a work directory $w with the genesis and N pre-signed transfer requests
# (via-keeper-bench --emit), a chunk key file of random bytes (the jobs carry only its hash;
# nothing is proved in these benchmarks), a throw-away PostgreSQL ($VIA_TEST_PG) and a free
# $port.
#   seq_run CHUNKS SEAL_AGE   starts via-sequencer (16-slot chunks) in the background: $seq_pid
#   seq_up                    waits until it answers (at most 6 s)
w=$(mktemp -d)
"$B/bench/via-keeper-bench" --emit "$N" "$w" >/dev/null
mkdir -p "$w/keys"
head -c 1024 /dev/urandom >"$w/keys/chunk-16.zkey"
# shellcheck source=../tests/lib/pg.sh
source tests/lib/pg.sh
via_pg_start
# after via_pg_start, whose EXIT trap this one replaces: the sequencer, then the database
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; via_pg_stop; rm -rf "$w"' EXIT
port=$(python3 tests/lib/free_ports.py 1)
seq_run() {
    "$B/sequencer/via-sequencer" run --db "$VIA_TEST_PG" --listen ":$port" --keys "$w/keys" \
        --slots 16 --chunks "$1" --seal-age "$2" --genesis "$w/genesis.json" \
        --max-body 1048576 >>"$w/seq.log" 2>&1 &
    seq_pid=$!
}
seq_up() {
    for _ in $(seq 600); do
        curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return 0
        sleep 0.01
    done
    return 1
}
