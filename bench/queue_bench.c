/* Queue throughput: W workers (each its own connection, as farm nodes are) claim and complete
 * jobs as fast as they can until the queue is empty; reports jobs per second and the claim
 * latency (median, p99). With a third argument each worker spends that many milliseconds
 * between claim and complete, as a node proving would (0: a tight loop, the queue's
 * throughput limit on this machine). The jobs are inserted beforehand with one SQL statement (their
 * insertion is not measured). Run through tests/lib/pg.sh (VIA_TEST_PG), e.g.
 *   tests/lib/pg.sh build/bench/via-queue-bench 64 20000
 * Output: one line of text and one JSON line (for bench/run.sh). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "via/gateway.h"

static const char *conninfo;
static double *lat;
static size_t nlat, caplat;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long done_total;
static double work_s; /* simulated proving time per job */

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void *worker(void *arg) {
    char name[16];
    snprintf(name, sizeof name, "bench-%d", (int)(intptr_t)arg);
    via_gateway *g;
    via_error err = {0};
    if (via_gateway_open(&g, conninfo, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return (void *)1;
    }
    via_claim_filter f = {0, NULL, 0, 60};
    double *mine = malloc(100000 * sizeof *mine);
    size_t nm = 0;
    long done = 0;
    for (;;) {
        via_job j;
        int got;
        double t0 = now_s();
        if (via_gateway_claim(g, name, &f, &j, &got, &err)) {
            fprintf(stderr, "claim: %s\n", err.msg);
            break;
        }
        double t1 = now_s();
        if (!got) break;
        if (nm < 100000) mine[nm++] = t1 - t0;
        if (work_s > 0) {
            struct timespec ts = {(time_t)work_s, (long)((work_s - (double)(time_t)work_s) * 1e9)};
            nanosleep(&ts, NULL);
        }
        uint8_t r[32] = {1};
        if (via_gateway_complete(g, j.id, j.token, r, sizeof r, &err)) {
            fprintf(stderr, "complete: %s\n", err.msg);
            via_job_clear(&j);
            break;
        }
        via_job_clear(&j);
        done++;
    }
    pthread_mutex_lock(&mu);
    if (nlat + nm > caplat) {
        caplat = 2 * (nlat + nm);
        lat = realloc(lat, caplat * sizeof *lat);
    }
    memcpy(lat + nlat, mine, nm * sizeof *mine);
    nlat += nm;
    done_total += done;
    pthread_mutex_unlock(&mu);
    free(mine);
    via_gateway_close(g);
    return NULL;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    conninfo = getenv("VIA_TEST_PG");
    if (!conninfo) {
        fprintf(stderr, "via-queue-bench: VIA_TEST_PG is not set (run through tests/lib/pg.sh)\n");
        return 2;
    }
    int workers = argc > 1 ? atoi(argv[1]) : 64;
    long jobs = argc > 2 ? atol(argv[2]) : 20000;
    work_s = argc > 3 ? atof(argv[3]) / 1000.0 : 0;
    if (workers < 1 || workers > 512 || jobs < 1) {
        fprintf(stderr, "usage: via-queue-bench [workers 1..512] [jobs] [work ms]\n");
        return 2;
    }
    via_gateway *g;
    via_error err = {0};
    if (via_gateway_open(&g, conninfo, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    via_gateway_close(g);
    PGconn *c = PQconnectdb(conninfo);
    char sql[1024];
    snprintf(sql, sizeof sql,
             "DELETE FROM via_jobs; INSERT INTO via_jobs (kind, batch, chunk_index, circuit_id,"
             " key_hash, input, status, max_attempts) SELECT 'chunk', i / 100, i %% 100, 'bench',"
             " decode(repeat('ab', 32), 'hex'), decode(repeat('cd', 256), 'hex'), 'queued', 3"
             " FROM generate_series(0, %ld) i; ANALYZE via_jobs",
             jobs - 1);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "setup: %s", PQerrorMessage(c));
        return 1;
    }
    PQclear(r);
    PQfinish(c);
    pthread_t *th = calloc((size_t)workers, sizeof *th);
    double t0 = now_s();
    for (int i = 0; i < workers; i++)
        pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);
    for (int i = 0; i < workers; i++)
        pthread_join(th[i], NULL);
    double dt = now_s() - t0;
    qsort(lat, nlat, sizeof *lat, cmp);
    double med = nlat ? lat[nlat / 2] : 0, p99 = nlat ? lat[(size_t)(nlat * 0.99)] : 0;
    printf("queue: %ld jobs claimed and completed by %d workers (%.0f ms of work each) in %.2f s: "
           "%.0f jobs/s; claim median %.2f ms, p99 %.2f ms\n",
           done_total, workers, work_s * 1e3, dt, (double)done_total / dt, med * 1e3, p99 * 1e3);
    printf("{\"workers\": %d, \"jobs\": %ld, \"work_ms\": %.1f, \"seconds\": %.3f, "
           "\"jobs_per_second\": %.1f, \"claim_median_ms\": %.3f, \"claim_p99_ms\": %.3f}\n",
           workers, done_total, work_s * 1e3, dt, (double)done_total / dt, med * 1e3, p99 * 1e3);
    free(th);
    free(lat);
    return done_total == jobs ? 0 : 1;
}
