/* The farm queue (gateway/) against a real PostgreSQL (tests/lib/pg.sh sets VIA_TEST_PG):
 * migrations from an empty database, re-run, raced by several openers, a newer schema
 * refused; idempotent enqueue; claim order and filters; fencing (a stale holder's heartbeat,
 * complete, fail and release are refused and write nothing); lease expiry taken back without
 * spending an attempt; backoff and `failed` after max attempts; aggregate release when the
 * batch's last chunk is done; a node registered again releasing its previous life's leases;
 * cancel and retry; the backlog view; NOTIFY waking a waiting node; and 8 threads claiming
 * 400 jobs concurrently with every job done exactly once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "via/gateway.h"

static const char *conninfo;

static void sql(const char *q) {
    PGconn *c = PQconnectdb(conninfo);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *r = PQexec(c, q);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fprintf(stderr, "%s: %s", q, PQerrorMessage(c));
    assert_true(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK);
    PQclear(r);
    PQfinish(c);
}

static long long sql_int(const char *q) {
    PGconn *c = PQconnectdb(conninfo);
    PGresult *r = PQexec(c, q);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    long long v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    PQfinish(c);
    return v;
}

static void reset(void) {
    sql("SET client_min_messages = warning; DROP VIEW IF EXISTS via_backlog;"
        " DROP FUNCTION IF EXISTS via_job_complete; DROP TABLE IF EXISTS via_jobs, via_nodes,"
        " via_gateway_migrations");
}

static via_gateway *open_gw(void) {
    via_gateway *g;
    via_error err = {0};
    int rc = via_gateway_open(&g, conninfo, &err);
    if (rc) fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, VIA_OK);
    return g;
}

static via_job_spec chunk(int64_t batch, int32_t index) {
    static const uint8_t input[] = {1, 2, 3, 0, 255};
    via_job_spec s;
    memset(&s, 0, sizeof s);
    s.kind = VIA_JOB_CHUNK;
    s.batch = batch;
    s.chunk_index = index;
    s.circuit_id = "chunk-4";
    memset(s.key_hash, 0xab, 32);
    s.input = input;
    s.input_len = sizeof input;
    s.gpu_seconds = 2.5;
    return s;
}

static int64_t enqueue(via_gateway *g, via_job_spec s) {
    int64_t id;
    int created;
    via_error err = {0};
    assert_int_equal(via_gateway_enqueue(g, &s, &id, &created, &err), VIA_OK);
    return id;
}

static const via_claim_filter any = {0, NULL, 0, 30.0};

static int claim(via_gateway *g, const char *node, const via_claim_filter *f, via_job *j) {
    int got;
    via_error err = {0};
    assert_int_equal(via_gateway_claim(g, node, f ? f : &any, j, &got, &err), VIA_OK);
    return got;
}

static void *open_thread(void *arg) {
    (void)arg;
    via_gateway *g = NULL;
    via_error err = {0};
    if (via_gateway_open(&g, conninfo, &err)) fprintf(stderr, "open: %s\n", err.msg);
    return g;
}

static void test_migrations(void **state) {
    (void)state;
    reset();
    /* several openers at once on an empty database: one migrates, the others wait */
    enum { T = 4 };
    pthread_t th[T];
    for (int i = 0; i < T; i++)
        assert_int_equal(pthread_create(&th[i], NULL, open_thread, NULL), 0);
    for (int i = 0; i < T; i++) {
        void *g;
        pthread_join(th[i], &g);
        assert_non_null(g);
        via_gateway_close(g);
    }
    assert_int_equal(sql_int("SELECT count(*) FROM via_gateway_migrations"),
                     VIA_GATEWAY_SCHEMA_VERSION);
    via_gateway *g = open_gw(); /* re-run: nothing to do */
    int v;
    via_error err = {0};
    assert_int_equal(via_gateway_schema_version(g, &v, &err), VIA_OK);
    assert_int_equal(v, VIA_GATEWAY_SCHEMA_VERSION);
    via_gateway_close(g);
    /* a database from a newer build */
    sql("INSERT INTO via_gateway_migrations (version) VALUES (99)");
    assert_int_equal(via_gateway_open(&g, conninfo, &err), VIA_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, "version 99, newer than this build's"));
    sql("DELETE FROM via_gateway_migrations WHERE version = 99");
    /* no server */
    assert_int_equal(via_gateway_open(&g, "host=127.0.0.1 port=1 connect_timeout=2", &err),
                     VIA_EDB);
    assert_non_null(strstr(err.msg, "cannot connect"));
}

static void test_enqueue_claim_order(void **state) {
    (void)state;
    reset();
    via_gateway *g = open_gw();
    via_error err = {0};
    int64_t id3 = enqueue(g, chunk(3, 0));
    int64_t id1b = enqueue(g, chunk(1, 1));
    int64_t id1a = enqueue(g, chunk(1, 0));
    via_job_spec other = chunk(2, 0);
    other.circuit_id = "chunk-16";
    int64_t id2 = enqueue(g, other);
    /* idempotent */
    int64_t again;
    int created;
    via_job_spec s = chunk(1, 1);
    assert_int_equal(via_gateway_enqueue(g, &s, &again, &created, &err), VIA_OK);
    assert_int_equal(created, 0);
    assert_int_equal(again, id1b);
    assert_int_equal(sql_int("SELECT count(*) FROM via_jobs"), 4);
    /* bad specs */
    s.chunk_index = -1;
    assert_int_equal(via_gateway_enqueue(g, &s, &again, &created, &err), VIA_EINVAL);
    s = chunk(1, 2);
    s.kind = VIA_JOB_AGGREGATE;
    assert_int_equal(via_gateway_enqueue(g, &s, &again, &created, &err), VIA_EINVAL);

    /* lowest batch first, then chunk index; a node only gets circuits it has */
    const char *mine[] = {"chunk-4"};
    via_claim_filter f = {1u << VIA_JOB_CHUNK, mine, 1, 30.0};
    via_job j;
    assert_true(claim(g, "n1", &f, &j));
    assert_int_equal(j.id, id1a);
    assert_int_equal(j.input_len, 5);
    assert_int_equal(j.input[4], 255);
    assert_int_equal(j.key_hash[31], 0xab);
    assert_string_equal(j.circuit_id, "chunk-4");
    assert_int_equal(strlen(j.token), 36);
    via_job_clear(&j);
    assert_true(claim(g, "n1", &f, &j));
    assert_int_equal(j.id, id1b);
    via_job_clear(&j);
    assert_true(claim(g, "n1", &f, &j));
    assert_int_equal(j.id, id3); /* batch 2 is another circuit */
    via_job_clear(&j);
    assert_false(claim(g, "n1", &f, &j));
    assert_true(claim(g, "n2", NULL, &j));
    assert_int_equal(j.id, id2);
    via_job_clear(&j);
    /* aggregate jobs only */
    via_claim_filter ag = {1u << VIA_JOB_AGGREGATE, NULL, 0, 30.0};
    assert_false(claim(g, "n2", &ag, &j));
    via_gateway_close(g);
}

static void test_fencing_and_expiry(void **state) {
    (void)state;
    reset();
    via_gateway *g = open_gw();
    via_error err = {0};
    int64_t id = enqueue(g, chunk(5, 0));
    via_claim_filter shortl = {0, NULL, 0, 0.3};
    via_job a, b;
    assert_true(claim(g, "old", &shortl, &a));
    assert_int_equal(via_gateway_heartbeat(g, id, a.token, 0.3, &err), VIA_OK);
    assert_false(claim(g, "new", NULL, &b)); /* still held */
    usleep(500 * 1000);
    /* expired: taken back by the next claim, no attempt spent, one lease lost */
    assert_true(claim(g, "new", NULL, &b));
    assert_int_equal(b.id, id);
    assert_int_equal(b.attempts, 0);
    assert_int_equal(b.lost_leases, 1);
    assert_string_not_equal(a.token, b.token);
    /* the stale holder writes nothing */
    uint8_t res[3] = {9, 9, 9};
    int fin;
    assert_int_equal(via_gateway_heartbeat(g, id, a.token, 30, &err), VIA_EFENCED);
    assert_int_equal(via_gateway_complete(g, id, a.token, res, 3, &err), VIA_EFENCED);
    assert_non_null(strstr(err.msg, "no longer ours"));
    assert_int_equal(via_gateway_fail(g, id, a.token, "x", &fin, &err), VIA_EFENCED);
    assert_int_equal(via_gateway_release(g, id, a.token, &err), VIA_EFENCED);
    via_job_state st;
    assert_int_equal(via_gateway_job(g, id, &st, &err), VIA_OK);
    assert_string_equal(st.status, "leased");
    assert_string_equal(st.holder, "new");
    assert_int_equal(st.attempts, 0);
    via_job_state_clear(&st);
    /* the holder completes; a second complete is refused; the result is kept */
    assert_int_equal(via_gateway_complete(g, id, b.token, res, 3, &err), VIA_OK);
    uint8_t other[1] = {7};
    assert_int_equal(via_gateway_complete(g, id, b.token, other, 1, &err), VIA_EFENCED);
    assert_int_equal(via_gateway_job(g, id, &st, &err), VIA_OK);
    assert_string_equal(st.status, "done");
    assert_int_equal(st.result_len, 3);
    assert_memory_equal(st.result, res, 3);
    via_job_state_clear(&st);
    /* reap takes back expired leases in bulk */
    int64_t id2 = enqueue(g, chunk(6, 0));
    via_job c;
    assert_true(claim(g, "x", &shortl, &c));
    usleep(500 * 1000);
    int n;
    assert_int_equal(via_gateway_reap(g, &n, &err), VIA_OK);
    assert_int_equal(n, 1);
    assert_int_equal(via_gateway_job(g, id2, &st, &err), VIA_OK);
    assert_string_equal(st.status, "queued");
    assert_int_equal(st.lost_leases, 1);
    via_job_state_clear(&st);
    via_job_clear(&a);
    via_job_clear(&b);
    via_job_clear(&c);
    via_gateway_close(g);
}

static void test_backoff_and_failed(void **state) {
    (void)state;
    reset();
    via_gateway *g = open_gw();
    via_error err = {0};
    via_job_spec s = chunk(7, 0);
    s.max_attempts = 2;
    int64_t id = enqueue(g, s);
    via_job j;
    int fin;
    assert_true(claim(g, "n", NULL, &j));
    assert_int_equal(via_gateway_fail(g, id, j.token, "witness: slot 3 signature", &fin, &err),
                     VIA_OK);
    assert_false(fin);
    via_job_clear(&j);
    /* backoff: not claimable for a while (2 s after the first failure) */
    assert_false(claim(g, "n", NULL, &j));
    assert_true(sql_int("SELECT extract(epoch FROM not_before - now()) * 1000 FROM via_jobs") >
                1000);
    sql("UPDATE via_jobs SET not_before = now()");
    assert_true(claim(g, "n", NULL, &j));
    assert_int_equal(j.attempts, 1);
    assert_int_equal(via_gateway_fail(g, id, j.token, "witness: slot 3 signature", &fin, &err),
                     VIA_OK);
    assert_true(fin);
    via_job_clear(&j);
    via_job_state st;
    assert_int_equal(via_gateway_job(g, id, &st, &err), VIA_OK);
    assert_string_equal(st.status, "failed");
    assert_int_equal(st.attempts, 2);
    assert_string_equal(st.error, "witness: slot 3 signature");
    via_job_state_clear(&st);
    sql("UPDATE via_jobs SET not_before = now()");
    assert_false(claim(g, "n", NULL, &j));
    /* retry by hand: queued again with its attempts reset; cancel */
    assert_int_equal(via_gateway_retry(g, id, &err), VIA_OK);
    assert_true(claim(g, "n", NULL, &j));
    assert_int_equal(j.attempts, 0);
    assert_int_equal(via_gateway_retry(g, id, &err), VIA_EINVAL);
    assert_non_null(strstr(err.msg, "is leased"));
    assert_int_equal(via_gateway_cancel(g, id, &err), VIA_OK);
    uint8_t r1 = 1;
    assert_int_equal(via_gateway_complete(g, id, j.token, &r1, 1, &err), VIA_EFENCED);
    assert_int_equal(via_gateway_cancel(g, id, &err), VIA_EINVAL);
    assert_int_equal(via_gateway_cancel(g, 987654, &err), VIA_ENOTFOUND);
    via_job_clear(&j);
    via_gateway_close(g);
}

static void test_aggregate_release(void **state) {
    (void)state;
    reset();
    via_gateway *g = open_gw();
    via_error err = {0};
    int64_t c0 = enqueue(g, chunk(9, 0));
    int64_t c1 = enqueue(g, chunk(9, 1));
    via_job_spec a = chunk(9, 0);
    a.kind = VIA_JOB_AGGREGATE;
    a.chunk_count = 2;
    a.circuit_id = "aggregate";
    int64_t ag = enqueue(g, a);
    via_claim_filter only_agg = {1u << VIA_JOB_AGGREGATE, NULL, 0, 30};
    via_job j, k;
    assert_false(claim(g, "n", &only_agg, &j));
    via_job_state st;
    assert_int_equal(via_gateway_job(g, ag, &st, &err), VIA_OK);
    assert_string_equal(st.status, "waiting");
    via_job_state_clear(&st);
    uint8_t r = 1;
    assert_true(claim(g, "n", NULL, &j));
    assert_int_equal(j.id, c0);
    assert_int_equal(via_gateway_complete(g, j.id, j.token, &r, 1, &err), VIA_OK);
    assert_false(claim(g, "n", &only_agg, &k));
    via_job_clear(&j);
    assert_true(claim(g, "n", NULL, &j));
    assert_int_equal(j.id, c1);
    assert_int_equal(via_gateway_complete(g, j.id, j.token, &r, 1, &err), VIA_OK);
    via_job_clear(&j);
    assert_true(claim(g, "n", &only_agg, &k));
    assert_int_equal(k.id, ag);
    assert_int_equal(k.kind, VIA_JOB_AGGREGATE);
    via_job_clear(&k);
    /* an aggregate enqueued after its chunks are done is claimable at once */
    int64_t d0 = enqueue(g, chunk(10, 0));
    assert_true(claim(g, "n", NULL, &j));
    assert_int_equal(j.id, d0);
    assert_int_equal(via_gateway_complete(g, j.id, j.token, &r, 1, &err), VIA_OK);
    via_job_clear(&j);
    a.batch = 10;
    a.chunk_count = 1;
    int64_t ag2 = enqueue(g, a);
    assert_true(claim(g, "n", &only_agg, &k));
    assert_int_equal(k.id, ag2);
    via_job_clear(&k);
    via_gateway_close(g);
}

static void test_nodes_backlog_notify(void **state) {
    (void)state;
    reset();
    via_gateway *g = open_gw();
    via_error err = {0};
    char inc1[37], inc2[37];
    int released;
    assert_int_equal(via_gateway_node_register(g, "gpu-1", "host-a", "[{\"uuid\":\"GPU-1\"}]",
                                               "0.1.0", inc1, &released, &err),
                     VIA_OK);
    assert_int_equal(released, 0);
    int64_t id = enqueue(g, chunk(11, 0));
    enqueue(g, chunk(11, 1));
    via_backlog b;
    assert_int_equal(via_gateway_backlog(g, &b, &err), VIA_OK);
    assert_int_equal(b.jobs, 2);
    assert_int_equal(b.queued, 2);
    assert_true(b.gpu_seconds > 4.99 && b.gpu_seconds < 5.01);
    via_job j;
    assert_true(claim(g, "gpu-1", NULL, &j));
    assert_int_equal(j.id, id);
    assert_int_equal(via_gateway_backlog(g, &b, &err), VIA_OK);
    assert_int_equal(b.leased, 1);
    /* the node restarts under the same name: its previous life's lease is released at once */
    assert_int_equal(
        via_gateway_node_register(g, "gpu-1", "host-a", "[]", "0.1.0", inc2, &released, &err),
        VIA_OK);
    assert_int_equal(released, 1);
    assert_string_not_equal(inc1, inc2);
    assert_int_equal(via_gateway_node_heartbeat(g, "gpu-1", inc1, &err), VIA_EFENCED);
    assert_int_equal(via_gateway_node_heartbeat(g, "gpu-1", inc2, &err), VIA_OK);
    uint8_t r = 1;
    assert_int_equal(via_gateway_complete(g, id, j.token, &r, 1, &err), VIA_EFENCED);
    via_job_clear(&j);
    via_job_state st;
    assert_int_equal(via_gateway_job(g, id, &st, &err), VIA_OK);
    assert_string_equal(st.status, "queued");
    assert_int_equal(st.attempts, 0);
    assert_int_equal(st.lost_leases, 1);
    via_job_state_clear(&st);
    /* gone releases, draining does not */
    assert_true(claim(g, "gpu-1", NULL, &j));
    assert_int_equal(via_gateway_node_state(g, "gpu-1", inc2, "draining", &err), VIA_OK);
    assert_int_equal(via_gateway_backlog(g, &b, &err), VIA_OK);
    assert_int_equal(b.leased, 1);
    assert_int_equal(via_gateway_node_state(g, "gpu-1", inc2, "gone", &err), VIA_OK);
    assert_int_equal(via_gateway_backlog(g, &b, &err), VIA_OK);
    assert_int_equal(b.leased, 0);
    assert_int_equal(via_gateway_node_state(g, "gpu-1", inc2, "asleep", &err), VIA_EINVAL);
    via_job_clear(&j);

    /* NOTIFY: a waiting node wakes when a job is enqueued on another connection */
    via_gateway *w = open_gw();
    int woken;
    assert_int_equal(via_gateway_wait(w, 0, &woken, &err), VIA_OK); /* LISTEN */
    assert_int_equal(via_gateway_wait(w, 200, &woken, &err), VIA_OK);
    assert_false(woken);
    enqueue(g, chunk(12, 0));
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(via_gateway_wait(w, 5000, &woken, &err), VIA_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(woken);
    assert_true((t1.tv_sec - t0.tv_sec) < 2);
    via_gateway_close(w);
    via_gateway_close(g);
}

/* ---- concurrency: N threads, each its own connection, claim and complete until empty ---- */
enum { WORKERS = 8, JOBS = 400 };
static int done_by[JOBS + 1];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg) {
    char name[16];
    snprintf(name, sizeof name, "w%d", (int)(intptr_t)arg);
    via_gateway *g;
    via_error err = {0};
    if (via_gateway_open(&g, conninfo, &err)) return (void *)1;
    for (;;) {
        via_job j;
        int got;
        if (via_gateway_claim(g, name, &any, &j, &got, &err)) return (void *)2;
        if (!got) break;
        uint8_t r[8];
        memcpy(r, &j.id, 8);
        int rc = via_gateway_complete(g, j.id, j.token, r, 8, &err);
        pthread_mutex_lock(&mu);
        if (rc == VIA_OK && j.id >= 1 && j.id <= JOBS) done_by[j.id]++;
        pthread_mutex_unlock(&mu);
        via_job_clear(&j);
        if (rc) return (void *)3;
    }
    via_gateway_close(g);
    return NULL;
}

static void test_concurrent_exactly_once(void **state) {
    (void)state;
    reset();
    via_gateway *g = open_gw();
    for (int i = 0; i < JOBS; i++)
        enqueue(g, chunk(100 + i / 10, i % 10));
    memset(done_by, 0, sizeof done_by);
    pthread_t th[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i), 0);
    for (int i = 0; i < WORKERS; i++) {
        void *rv;
        pthread_join(th[i], &rv);
        assert_null(rv);
    }
    for (int i = 1; i <= JOBS; i++)
        assert_int_equal(done_by[i], 1);
    assert_int_equal(sql_int("SELECT count(*) FROM via_jobs WHERE status = 'done'"), JOBS);
    assert_int_equal(sql_int("SELECT (count(DISTINCT holder) > 1)::int FROM via_jobs"), 1);
    via_gateway_close(g);
}

int main(void) {
    conninfo = getenv("VIA_TEST_PG");
    if (!conninfo) {
        printf("SKIP: VIA_TEST_PG is not set (run through tests/lib/pg.sh)\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrations),
        cmocka_unit_test(test_enqueue_claim_order),
        cmocka_unit_test(test_fencing_and_expiry),
        cmocka_unit_test(test_backoff_and_failed),
        cmocka_unit_test(test_aggregate_release),
        cmocka_unit_test(test_nodes_backlog_notify),
        cmocka_unit_test(test_concurrent_exactly_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
