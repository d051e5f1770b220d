/* via-prover run: a prover farm node (docs/farm.md). Threads: a claimer keeping a bounded
 * number of jobs in hand, CPU workers turning inputs into witnesses, one prover feeding the
 * device pool (or the CPU), a heartbeat thread extending every lease, and the metrics server.
 * Every proof is verified before it is submitted; every write presents the lease token. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "cli.h"
#include "farm.h"
#include "via/aggregate.h"
#include "via/gateway.h"
#include "via/hex.h"
#include "via/host.h"
#include "via/log.h"

static const char run_help[] =
    "usage: via-prover run [--db CONNINFO] [--keys DIR] [--srs FILE] [--gpus all|none|LIST]\n"
    "                      [--backend auto|cpu|cuda|opencl] [--cpu-workers N] [--listen "
    "ADDR:PORT]\n"
    "                      [--name NAME] [--drain-timeout S] [--lease S] [--ahead N]\n"
    "                      [--poll S] [--exit-when-idle] [--threads N]\n"
    "       via-prover [options]   (the same: options and no command run the node)\n\n"
    "Runs a prover farm node: claims jobs from the PostgreSQL queue (docs/farm.md), makes their\n"
    "witnesses on CPU workers, proves on the selected GPUs (or the CPU), verifies every proof\n"
    "and submits it under the job's lease. Each option has a VIA_* variable:\n"
    "  --db CONNINFO        VIA_DB: libpq connection string (default: libpq's PG* variables)\n"
    "  --keys DIR           VIA_KEYS: proving keys as DIR/<circuit id>.zkey; each job's key hash\n"
    "                       (BLAKE2b-256 of the file) is checked, a mismatch fails the job\n"
    "  --srs FILE           VIA_SRS: the aggregation SRS; without it no aggregate job is taken\n"
    "  --gpus, --backend    VIA_GPUS, VIA_BACKEND: as for prove (default: CUDA if present)\n"
    "  --cpu-workers N      VIA_CPU_WORKERS: witness threads (default 1)\n"
    "  --listen ADDR:PORT   VIA_LISTEN: /metrics, /healthz, /readyz (default: off)\n"
    "  --name NAME          VIA_NAME: node name (default: the host name); a restart under the\n"
    "                       same name releases the previous life's leases at once\n"
    "  --drain-timeout S    VIA_DRAIN_TIMEOUT: on SIGTERM, stop claiming, finish what is in hand\n"
    "                       for up to S seconds (default 60), release the rest, exit 0\n"
    "  --lease S            VIA_LEASE: lease length (default 30; heartbeats every S/3)\n"
    "  --ahead N            VIA_AHEAD: jobs in hand at most (default: devices + workers + 1)\n"
    "  --poll S             VIA_POLL: idle poll interval behind LISTEN/NOTIFY (default 5)\n"
    "  --exit-when-idle     exit 0 once no job of its circuits is queued, leased or waiting\n";

typedef struct item {
    via_job job;
    via_farm_key *key;
    via_scalar *w;
    size_t nw;
    double t_claim;
    int lost; /* a heartbeat was refused: someone else holds it now */
    struct item *next;
} item;

typedef struct {
    item *head, *tail;
} fifo;

#define PROVE_BUCKETS 12
static const double bucket_le[PROVE_BUCKETS] = {0.05, 0.1, 0.25, 0.5, 1,   2,
                                                5,    10,  20,   60,  120, 300};

static struct {
    /* configuration */
    const char *db, *keys_dir, *srs_path, *listen, *backend, *gpus;
    char name[65];
    double lease, drain_timeout, poll;
    unsigned cpu_workers, ahead;
    int exit_idle;
    /* resources */
    via_farm_keys keys;
    via_srs srs;
    int have_srs;
    via_host_pool *pool;
    const char *used;
    size_t ndev;
    char incarnation[37];
    /* state */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    fifo wq, pq;
    item **held;
    size_t nheld, cap;
    int draining, stop, idle;
    /* metrics (under mu) */
    uint64_t claimed, done[2], failed[2], lost, fenced, db_errors, verify_failures;
    int db_up;
    uint64_t prove_hist[PROVE_BUCKETS + 1], wit_hist[PROVE_BUCKETS + 1];
    double prove_sum, wit_sum;
    via_backlog backlog;
    via_queue_count *counts;
    size_t ncounts;
} N = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void sleep_s(double s) {
    struct timespec t = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    nanosleep(&t, NULL);
}

static void push(fifo *q, item *it) {
    it->next = NULL;
    if (q->tail)
        q->tail->next = it;
    else
        q->head = it;
    q->tail = it;
}

static item *pop(fifo *q) {
    item *it = q->head;
    if (it) {
        q->head = it->next;
        if (!q->head) q->tail = NULL;
    }
    return it;
}

static void held_add(item *it) {
    if (N.nheld == N.cap) {
        N.cap = N.cap ? 2 * N.cap : 16;
        N.held = realloc(N.held, N.cap * sizeof *N.held);
        if (!N.held) abort();
    }
    N.held[N.nheld++] = it;
}

static void held_remove(item *it) {
    for (size_t i = 0; i < N.nheld; i++)
        if (N.held[i] == it) {
            N.held[i] = N.held[--N.nheld];
            break;
        }
}

static void item_free(item *it) {
    if (!it) return;
    if (it->w) via_wipe(it->w, it->nw * sizeof *it->w);
    free(it->w);
    via_job_clear(&it->job);
    free(it);
}

static void hist_add(uint64_t *h, double *sum, double v) {
    int b = 0;
    while (b < PROVE_BUCKETS && v > bucket_le[b])
        b++;
    h[b]++;
    *sum += v;
}

/* ---- database connections: one per thread, reconnected with backoff (a circuit breaker:
 * after a failure no statement is sent until a new connection is up) ---- */
typedef struct {
    via_gateway *g;
    double backoff;
} conn;

/* 0 with c->g connected; -1 when the node is stopping. */
static int ensure(conn *c) {
    while (!c->g) {
        pthread_mutex_lock(&N.mu);
        int stop = N.stop;
        pthread_mutex_unlock(&N.mu);
        if (stop) return -1;
        via_error err = {0};
        if (via_gateway_open(&c->g, N.db, &err) == VIA_OK) {
            if (c->backoff > 0) via_log(VIA_LOG_INFO, "db.reconnected", "node=%s", N.name);
            c->backoff = 0;
            pthread_mutex_lock(&N.mu);
            N.db_up = 1;
            pthread_mutex_unlock(&N.mu);
            break;
        }
        char kv[600] = "";
        via_log_kv(kv, sizeof kv, "error", err.msg);
        via_log(VIA_LOG_WARN, "db.unavailable", "node=%s retry_in=%.1fs%s", N.name,
                c->backoff ? c->backoff : 0.1, kv);
        pthread_mutex_lock(&N.mu);
        N.db_up = 0;
        N.db_errors++;
        pthread_mutex_unlock(&N.mu);
        sleep_s(c->backoff ? c->backoff : 0.1);
        c->backoff = c->backoff ? fmin(5.0, c->backoff * 2) : 0.2;
    }
    return 0;
}

/* After a call: 1 when it should be retried on a new connection (the server went away). */
static int retry_after(conn *c, int rc) {
    if (rc != VIA_EDB || via_gateway_connected(c->g)) return 0;
    via_gateway_close(c->g);
    c->g = NULL;
    pthread_mutex_lock(&N.mu);
    N.db_up = 0;
    N.db_errors++;
    pthread_mutex_unlock(&N.mu);
    return 1;
}

static void log_job(via_log_level lvl, const char *event, const item *it, const char *extra_k,
                    const char *extra_v) {
    char kv[800] = "";
    if (extra_k) via_log_kv(kv, sizeof kv, extra_k, extra_v);
    via_log(lvl, event, "node=%s job=%lld kind=%s batch=%lld chunk=%d circuit=%s%s", N.name,
            (long long)it->job.id, via_job_kind_name(it->job.kind), (long long)it->job.batch,
            (int)it->job.chunk_index, it->job.circuit_id, kv);
}

/* Reports a failure of the job (its error text stored, retried later or failed for good). */
static void fail_job(conn *c, item *it, const char *msg) {
    int final = 0, rc;
    via_error err = {0};
    do {
        if (ensure(c)) return;
        rc = via_gateway_fail(c->g, it->job.id, it->job.token, msg, &final, &err);
    } while (retry_after(c, rc));
    pthread_mutex_lock(&N.mu);
    if (rc == VIA_OK) N.failed[it->job.kind]++;
    if (rc == VIA_EFENCED) N.fenced++;
    pthread_mutex_unlock(&N.mu);
    log_job(rc == VIA_OK ? VIA_LOG_WARN : VIA_LOG_INFO,
            rc == VIA_OK ? (final ? "job.failed" : "job.retry") : "job.fenced", it, "error", msg);
}

static void finish(item *it) {
    pthread_mutex_lock(&N.mu);
    held_remove(it);
    pthread_cond_broadcast(&N.cv);
    pthread_mutex_unlock(&N.mu);
    item_free(it);
}

/* ---- claimer ---- */
static void *claimer(void *arg) {
    (void)arg;
    conn c = {0};
    const char **circ = calloc(N.keys.n ? N.keys.n : 1, sizeof *circ);
    for (size_t i = 0; i < N.keys.n; i++)
        circ[i] = N.keys.keys[i].id;
    via_claim_filter f = {1u << VIA_JOB_CHUNK | (N.have_srs ? 1u << VIA_JOB_AGGREGATE : 0), circ,
                          N.keys.n, N.lease};
    double last_stats = 0;
    for (;;) {
        pthread_mutex_lock(&N.mu);
        while (!N.stop && !N.draining && N.nheld >= N.ahead) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 200000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&N.cv, &N.mu, &ts);
        }
        int stop = N.stop || N.draining;
        size_t inhand = N.nheld;
        pthread_mutex_unlock(&N.mu);
        if (stop || ensure(&c)) break;
        via_error err = {0};
        if (now_s() - last_stats > 2.0) { /* the backlog and counts for /metrics */
            via_backlog b;
            via_queue_count *qc = NULL;
            size_t nq = 0;
            int nrel = 0;
            if (via_gateway_release_ready(c.g, &nrel, &err) == VIA_OK &&
                via_gateway_backlog(c.g, &b, &err) == VIA_OK &&
                via_gateway_counts(c.g, &qc, &nq, &err) == VIA_OK) {
                pthread_mutex_lock(&N.mu);
                N.backlog = b;
                free(N.counts);
                N.counts = qc;
                N.ncounts = nq;
                pthread_mutex_unlock(&N.mu);
            } else if (retry_after(&c, VIA_EDB)) {
                continue;
            }
            last_stats = now_s();
        }
        item *it = calloc(1, sizeof *it);
        if (!it) break;
        int got = 0;
        int rc = via_gateway_claim(c.g, N.name, &f, &it->job, &got, &err);
        if (rc) {
            free(it);
            if (retry_after(&c, rc)) continue;
            char kv[600] = "";
            via_log_kv(kv, sizeof kv, "error", err.msg);
            via_log(VIA_LOG_ERROR, "claim.error", "node=%s%s", N.name, kv);
            sleep_s(1);
            continue;
        }
        if (got) {
            it->t_claim = now_s();
            pthread_mutex_lock(&N.mu);
            N.claimed++;
            if (it->job.lost_leases) N.lost++;
            held_add(it);
            push(&N.wq, it);
            pthread_cond_broadcast(&N.cv);
            pthread_mutex_unlock(&N.mu);
            log_job(VIA_LOG_INFO, "job.claimed", it, NULL, NULL);
            continue;
        }
        free(it);
        if (N.exit_idle && inhand == 0) {
            int64_t pending;
            if (via_gateway_pending(c.g, &f, &pending, &err) == VIA_OK && pending == 0) {
                pthread_mutex_lock(&N.mu);
                N.idle = 1;
                pthread_cond_broadcast(&N.cv);
                pthread_mutex_unlock(&N.mu);
                break;
            }
        }
        int woken;
        rc = via_gateway_wait(c.g, (int)(N.poll * 1000), &woken, &err);
        if (rc) retry_after(&c, rc);
    }
    free(circ);
    via_gateway_close(c.g);
    return NULL;
}

/* ---- witness workers ---- */
static void *witness_worker(void *arg) {
    /* worker i feeds device i mod ndev: run on the cores local to it */
    size_t i = (size_t)(intptr_t)arg;
    if (N.ndev && via_host_pool_pin_near(N.pool, i % N.ndev) == 0)
        via_log(VIA_LOG_DEBUG, "worker.pinned", "node=%s worker=%zu device=%zu", N.name, i,
                i % N.ndev);
    conn c = {0};
    for (;;) {
        pthread_mutex_lock(&N.mu);
        while (!N.stop && !N.wq.head)
            pthread_cond_wait(&N.cv, &N.mu);
        if (N.stop) {
            pthread_mutex_unlock(&N.mu);
            break;
        }
        item *it = pop(&N.wq);
        pthread_mutex_unlock(&N.mu);
        via_error err = {0};
        double t0 = now_s();
        it->key = via_farm_keys_get(&N.keys, it->job.circuit_id, &err);
        int rc = it->key ? VIA_OK : err.code;
        if (!rc && memcmp(it->key->hash, it->job.key_hash, 32) != 0) {
            char want[65], have[65];
            via_hex_encode(want, it->job.key_hash, 32);
            via_hex_encode(have, it->key->hash, 32);
            rc = via_fail(&err, VIA_EINVAL,
                          "proving key mismatch: the job needs key %.16s… but %s is %.16s…", want,
                          it->key->path, have);
        }
        if (!rc && it->job.kind == VIA_JOB_CHUNK)
            rc = via_farm_witness(it->job.input, it->job.input_len, it->key, &it->w, &it->nw, &err);
        if (rc) {
            fail_job(&c, it, err.msg);
            finish(it);
            continue;
        }
        double dt = now_s() - t0;
        pthread_mutex_lock(&N.mu);
        if (it->job.kind == VIA_JOB_CHUNK) hist_add(N.wit_hist, &N.wit_sum, dt);
        push(&N.pq, it);
        pthread_cond_broadcast(&N.cv);
        pthread_mutex_unlock(&N.mu);
    }
    via_gateway_close(c.g);
    return NULL;
}

/* ---- prover ---- */
static void submit(conn *c, item *it, const uint8_t *res, size_t len) {
    int rc;
    via_error err = {0};
    do {
        if (ensure(c)) return;
        rc = via_gateway_complete(c->g, it->job.id, it->job.token, res, len, &err);
    } while (retry_after(c, rc));
    pthread_mutex_lock(&N.mu);
    if (rc == VIA_OK) N.done[it->job.kind]++;
    if (rc == VIA_EFENCED) N.fenced++;
    pthread_mutex_unlock(&N.mu);
    if (rc == VIA_OK) {
        char secs[32];
        snprintf(secs, sizeof secs, "%.3f", now_s() - it->t_claim);
        log_job(VIA_LOG_INFO, "job.done", it, "seconds", secs);
    } else {
        log_job(VIA_LOG_WARN, rc == VIA_EFENCED ? "job.fenced" : "job.submit_error", it, "error",
                err.msg);
    }
}

static int pool_msm_g1(void *ctx, via_g1 *out, const via_g1_affine *b, const via_scalar *s,
                       size_t n, via_error *err) {
    return via_host_pool_msm_g1(ctx, 0, out, b, s, n, err);
}
static int pool_msm_g2(void *ctx, via_g2 *out, const via_g2_affine *b, const via_scalar *s,
                       size_t n, via_error *err) {
    return via_host_pool_msm_g2(ctx, 0, out, b, s, n, err);
}

static void do_aggregate(conn *c, item *it) {
    via_error err = {0};
    uint8_t **res = NULL;
    size_t *lens = NULL;
    int32_t count = 0;
    int rc;
    /* the chunk count is the input: 4 bytes little-endian */
    if (it->job.input_len != 4)
        rc = via_fail(&err, VIA_EFORMAT, "aggregate job input must be the chunk count (4 bytes)");
    else {
        count = (int32_t)((uint32_t)it->job.input[0] | (uint32_t)it->job.input[1] << 8 |
                          (uint32_t)it->job.input[2] << 16 | (uint32_t)it->job.input[3] << 24);
        do {
            if (ensure(c)) return;
            rc = via_gateway_batch_results(c->g, it->job.batch, count, &res, &lens, &err);
        } while (retry_after(c, rc));
    }
    via_groth16_proof *proofs = NULL;
    via_scalar **pubs = NULL;
    if (!rc) {
        proofs = calloc((size_t)count, sizeof *proofs);
        pubs = calloc((size_t)count, sizeof *pubs);
        if (!proofs || !pubs) rc = via_fail(&err, VIA_ENOMEM, "aggregate of %d", (int)count);
    }
    for (int32_t i = 0; !rc && i < count; i++) {
        size_t np;
        char name[48];
        snprintf(name, sizeof name, "chunk %d result", (int)i);
        rc = via_farm_result_parse(res[i], lens[i], name, &proofs[i], &pubs[i], &np, &err);
        if (!rc && np != it->key->vk.n_public)
            rc = via_fail(&err, VIA_EINVAL, "chunk %d: %zu public inputs, the key has %u", (int)i,
                          np, it->key->vk.n_public);
    }
    via_aggregate agg;
    uint8_t *bytes = NULL;
    size_t blen = 0;
    if (!rc)
        rc = via_groth16_verify_batch(&it->key->vk, (const via_scalar *const *)pubs, proofs,
                                      (size_t)count, &err);
    if (!rc) {
        via_groth16_backend be = {0};
        be.msm_g1 = pool_msm_g1;
        be.msm_g2 = pool_msm_g2;
        be.ctx = N.pool;
        via_aggregate_opts opts = {N.ndev ? &be : NULL, 0, NULL, NULL};
        rc = via_aggregate_prove(&agg, &N.srs, &it->key->vk, proofs,
                                 (const via_scalar *const *)pubs, (size_t)count, &opts, &err);
    }
    if (!rc)
        rc = via_aggregate_verify(&N.srs, &it->key->vk, (const via_scalar *const *)pubs,
                                  (size_t)count, &agg, &err);
    if (!rc) rc = via_aggregate_encode(&bytes, &blen, &agg, &err);
    for (int32_t i = 0; res && i < count; i++)
        free(res[i]);
    free(res);
    free(lens);
    for (int32_t i = 0; pubs && i < count; i++)
        via_free_big(pubs[i]);
    free(pubs);
    free(proofs);
    if (rc)
        fail_job(c, it, err.msg);
    else
        submit(c, it, bytes, blen);
    free(bytes);
}

static void *prover(void *arg) {
    (void)arg;
    conn c = {0};
    const via_groth16_pk *loaded = NULL;
    size_t batch_max = N.ndev ? N.ndev : 1;
    item **batch = calloc(batch_max, sizeof *batch);
    via_host_job *hj = calloc(batch_max, sizeof *hj);
    for (;;) {
        pthread_mutex_lock(&N.mu);
        while (!N.stop && !N.pq.head)
            pthread_cond_wait(&N.cv, &N.mu);
        if (N.stop) {
            pthread_mutex_unlock(&N.mu);
            break;
        }
        size_t n = 0;
        batch[n++] = pop(&N.pq);
        /* more jobs of the same key, one per device */
        while (n < batch_max && N.pq.head && N.pq.head->key == batch[0]->key &&
               N.pq.head->job.kind == VIA_JOB_CHUNK && batch[0]->job.kind == VIA_JOB_CHUNK)
            batch[n++] = pop(&N.pq);
        pthread_mutex_unlock(&N.mu);
        if (batch[0]->job.kind == VIA_JOB_AGGREGATE) {
            do_aggregate(&c, batch[0]);
            finish(batch[0]);
            continue;
        }
        via_farm_key *key = batch[0]->key;
        via_error err = {0};
        int rc = VIA_OK;
        if (loaded != &key->pk) {
            rc = via_host_pool_load_key(N.pool, &key->pk, &err);
            loaded = rc ? NULL : &key->pk;
        }
        for (size_t i = 0; i < n; i++) {
            memset(&hj[i], 0, sizeof hj[i]);
            hj[i].w = batch[i]->w;
            hj[i].nw = batch[i]->nw;
        }
        double t0 = now_s();
        if (!rc) {
            via_groth16_prove_opts base = {NULL, NULL, NULL, NULL};
            via_error first = {0};
            int any = via_host_pool_prove(N.pool, &key->pk, hj, n, &base, &first);
            (void)any; /* per-job results are in hj */
        }
        double dt = now_s() - t0;
        for (size_t i = 0; i < n; i++) {
            item *it = batch[i];
            char dev[32];
            snprintf(dev, sizeof dev, "%s%d", hj[i].device < 0 ? "cpu" : N.used,
                     hj[i].device < 0 ? 0 : hj[i].device);
            int jr = rc ? rc : hj[i].rc;
            via_error je = rc ? err : hj[i].err;
            if (!jr) {
                jr = via_groth16_verify(&key->vk, it->w + 1, key->vk.n_public, &hj[i].proof, &je);
                if (jr) {
                    char tmp[sizeof je.msg];
                    snprintf(tmp, sizeof tmp, "%s", je.msg);
                    via_fail(&je, VIA_EVERIFY,
                             "the proof made on %s does not verify (%s): the witness does not "
                             "satisfy circuit '%s', or the device computed a wrong result",
                             dev, tmp, key->id);
                    pthread_mutex_lock(&N.mu);
                    N.verify_failures++;
                    pthread_mutex_unlock(&N.mu);
                }
            }
            if (jr) {
                fail_job(&c, it, je.msg);
            } else {
                pthread_mutex_lock(&N.mu);
                hist_add(N.prove_hist, &N.prove_sum, dt);
                pthread_mutex_unlock(&N.mu);
                char *res = via_farm_result_json(&hj[i].proof, it->w + 1, key->vk.n_public);
                if (!res)
                    fail_job(&c, it, "out of memory encoding the result");
                else
                    submit(&c, it, (const uint8_t *)res, strlen(res));
                free(res);
            }
            finish(it);
        }
    }
    free(batch);
    free(hj);
    via_gateway_close(c.g);
    return NULL;
}

/* ---- heartbeats ---- */
static void *heartbeat(void *arg) {
    (void)arg;
    conn c = {0};
    for (;;) {
        double period = N.lease / 3.0;
        double until = now_s() + period;
        pthread_mutex_lock(&N.mu);
        while (!N.stop && now_s() < until) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 100000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&N.cv, &N.mu, &ts);
        }
        if (N.stop) {
            pthread_mutex_unlock(&N.mu);
            break;
        }
        size_t n = N.nheld;
        int64_t *ids = calloc(n ? n : 1, sizeof *ids);
        char(*tok)[37] = calloc(n ? n : 1, sizeof *tok);
        for (size_t i = 0; i < n; i++) {
            ids[i] = N.held[i]->job.id;
            memcpy(tok[i], N.held[i]->job.token, 37);
        }
        pthread_mutex_unlock(&N.mu);
        if (ensure(&c)) {
            free(ids);
            free(tok);
            break;
        }
        via_error err = {0};
        int rc = via_gateway_node_heartbeat(c.g, N.name, N.incarnation, &err);
        if (retry_after(&c, rc)) {
            free(ids);
            free(tok);
            continue;
        }
        if (rc == VIA_EFENCED)
            via_log(VIA_LOG_ERROR, "node.replaced",
                    "node=%s reason=\"another process registered this name\"", N.name);
        for (size_t i = 0; i < n; i++) {
            rc = via_gateway_heartbeat(c.g, ids[i], tok[i], N.lease, &err);
            if (retry_after(&c, rc)) break;
            if (rc == VIA_EFENCED) {
                pthread_mutex_lock(&N.mu);
                for (size_t k = 0; k < N.nheld; k++)
                    if (N.held[k]->job.id == ids[i] && !N.held[k]->lost) {
                        N.held[k]->lost = 1;
                        N.lost++;
                    }
                pthread_mutex_unlock(&N.mu);
                via_log(VIA_LOG_WARN, "lease.lost", "node=%s job=%lld", N.name, (long long)ids[i]);
            }
        }
        free(ids);
        free(tok);
    }
    via_gateway_close(c.g);
    return NULL;
}

/* ---- metrics ---- */
static size_t appendf(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static size_t appendf(char **buf, size_t *len, size_t *cap, const char *fmt, ...) {
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
        va_end(ap);
        if (n < 0) return *len;
        if (*len + (size_t)n < *cap) {
            *len += (size_t)n;
            return *len;
        }
        *cap = 2 * (*cap + (size_t)n);
        char *nb = realloc(*buf, *cap);
        if (!nb) return *len;
        *buf = nb;
    }
}

static char *metrics_text(void) {
    size_t len = 0, cap = 8192;
    char *b = malloc(cap);
    if (!b) return NULL;
    b[0] = 0;
    pthread_mutex_lock(&N.mu);
    const char *state = N.draining ? "draining" : "active";
    appendf(&b, &len, &cap,
            "# HELP via_node_state 1 for the node's current state.\n# TYPE via_node_state gauge\n"
            "via_node_state{node=\"%s\",state=\"%s\"} 1\n",
            N.name, state);
    appendf(&b, &len, &cap, "# TYPE via_db_up gauge\nvia_db_up %d\n", N.db_up);
    appendf(&b, &len, &cap, "# TYPE via_db_errors_total counter\nvia_db_errors_total %llu\n",
            (unsigned long long)N.db_errors);
    appendf(&b, &len, &cap, "# TYPE via_jobs_claimed_total counter\nvia_jobs_claimed_total %llu\n",
            (unsigned long long)N.claimed);
    appendf(&b, &len, &cap, "# TYPE via_jobs_done_total counter\n");
    appendf(&b, &len, &cap, "# TYPE via_jobs_failed_total counter\n");
    for (int k = 0; k < 2; k++) {
        appendf(&b, &len, &cap, "via_jobs_done_total{kind=\"%s\"} %llu\n",
                via_job_kind_name((via_job_kind)k), (unsigned long long)N.done[k]);
        appendf(&b, &len, &cap, "via_jobs_failed_total{kind=\"%s\"} %llu\n",
                via_job_kind_name((via_job_kind)k), (unsigned long long)N.failed[k]);
    }
    appendf(&b, &len, &cap,
            "# HELP via_leases_lost_total Leases this node lost (taken back after expiry) or "
            "claimed after another holder lost them.\n# TYPE via_leases_lost_total counter\n"
            "via_leases_lost_total %llu\n",
            (unsigned long long)N.lost);
    appendf(&b, &len, &cap,
            "# TYPE via_submits_fenced_total counter\nvia_submits_fenced_total %llu\n",
            (unsigned long long)N.fenced);
    appendf(&b, &len, &cap,
            "# TYPE via_proofs_failed_verification_total counter\n"
            "via_proofs_failed_verification_total %llu\n",
            (unsigned long long)N.verify_failures);
    appendf(&b, &len, &cap, "# TYPE via_jobs_in_hand gauge\nvia_jobs_in_hand %zu\n", N.nheld);
    appendf(&b, &len, &cap,
            "# TYPE via_backlog_jobs gauge\nvia_backlog_jobs %lld\n"
            "# TYPE via_backlog_gpu_seconds gauge\nvia_backlog_gpu_seconds %.3f\n",
            (long long)N.backlog.jobs, N.backlog.gpu_seconds);
    appendf(&b, &len, &cap, "# TYPE via_queue_jobs gauge\n");
    for (size_t i = 0; i < N.ncounts; i++)
        appendf(&b, &len, &cap, "via_queue_jobs{kind=\"%s\",status=\"%s\"} %lld\n",
                N.counts[i].kind, N.counts[i].status, (long long)N.counts[i].count);
    const char *hn[2] = {"via_proof_seconds", "via_witness_seconds"};
    uint64_t *hs[2] = {N.prove_hist, N.wit_hist};
    double sums[2] = {N.prove_sum, N.wit_sum};
    for (int h = 0; h < 2; h++) {
        appendf(&b, &len, &cap, "# TYPE %s histogram\n", hn[h]);
        uint64_t acc = 0;
        const char *dev = h == 0 ? N.used : "cpu";
        for (int i = 0; i <= PROVE_BUCKETS; i++) {
            acc += hs[h][i];
            if (i < PROVE_BUCKETS)
                appendf(&b, &len, &cap, "%s_bucket{device=\"%s\",le=\"%g\"} %llu\n", hn[h], dev,
                        bucket_le[i], (unsigned long long)acc);
            else
                appendf(&b, &len, &cap, "%s_bucket{device=\"%s\",le=\"+Inf\"} %llu\n", hn[h], dev,
                        (unsigned long long)acc);
        }
        appendf(&b, &len, &cap, "%s_sum{device=\"%s\"} %.6f\n%s_count{device=\"%s\"} %llu\n", hn[h],
                dev, sums[h], hn[h], dev, (unsigned long long)acc);
    }
    pthread_mutex_unlock(&N.mu);
    for (size_t d = 0; N.pool && d < via_host_pool_size(N.pool); d++) {
        via_host_device_stats st;
        via_host_pool_stats(N.pool, d, &st);
        appendf(&b, &len, &cap,
                "via_device_memory_budget_bytes{device=\"%s%u\"} %zu\n"
                "via_device_key_resident_bytes{device=\"%s%u\"} %zu\n"
                "via_device_failed{device=\"%s%u\"} %d\n",
                via_host_backend_name(st.backend), st.index, st.budget,
                via_host_backend_name(st.backend), st.index, st.resident,
                via_host_backend_name(st.backend), st.index, st.failed);
    }
    return b;
}

static enum MHD_Result serve(void *cls, struct MHD_Connection *conn_, const char *url,
                             const char *method, const char *version, const char *upload,
                             size_t *upload_size, void **state) {
    (void)cls;
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)state;
    if (strcmp(method, "GET") != 0) return MHD_NO;
    char *body;
    unsigned status = MHD_HTTP_OK;
    if (!strcmp(url, "/metrics")) {
        body = metrics_text();
    } else if (!strcmp(url, "/healthz")) {
        body = strdup("ok\n");
    } else if (!strcmp(url, "/readyz")) {
        pthread_mutex_lock(&N.mu);
        int ready = N.db_up && !N.draining;
        pthread_mutex_unlock(&N.mu);
        status = ready ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE;
        body = strdup(ready ? "ready\n" : "not ready\n");
    } else {
        status = MHD_HTTP_NOT_FOUND;
        body = strdup("not found: /metrics, /healthz, /readyz\n");
    }
    if (!body) return MHD_NO;
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4");
    enum MHD_Result ret = MHD_queue_response(conn_, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* ---- options ---- */
static const char *opt_or_env(const char *v, const char *env) {
    if (v) return v;
    const char *e = getenv(env);
    return e && *e ? e : NULL;
}

static int parse_double(const char *s, double lo, double hi, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || end == s || !(v >= lo && v <= hi)) return -1;
    *out = v;
    return 0;
}

int via_cli_cmd_run(int argc, char **argv) {
    static const char *names[] = {
        "--db",     "--keys", "--srs",           "--gpus",  "--backend", "--cpu-workers",
        "--listen", "--name", "--drain-timeout", "--lease", "--ahead",   "--poll"};
    static const char *envs[] = {"VIA_DB",     "VIA_KEYS",    "VIA_SRS",
                                 "VIA_GPUS",   "VIA_BACKEND", "VIA_CPU_WORKERS",
                                 "VIA_LISTEN", "VIA_NAME",    "VIA_DRAIN_TIMEOUT",
                                 "VIA_LEASE",  "VIA_AHEAD",   "VIA_POLL"};
    enum { NOPT = 12 };
    const char *val[NOPT] = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(run_help, stdout);
            return 0;
        }
        if (!strcmp(a, "--exit-when-idle")) {
            N.exit_idle = 1;
            continue;
        }
        if (!strcmp(a, "--threads")) {
            unsigned t;
            if (i + 1 >= argc || via_cli_parse_uint(argv[i + 1], 1, 4096, &t)) {
                fprintf(stderr, "via-prover run: --threads needs a number from 1 to 4096\n");
                return 2;
            }
            via_set_threads(t);
            i++;
            continue;
        }
        int k = -1;
        for (int j = 0; j < NOPT; j++)
            if (!strcmp(a, names[j])) k = j;
        if (k < 0) {
            fprintf(stderr, "via-prover run: unknown argument %s (see via-prover run --help)\n", a);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "via-prover run: %s needs a value\n", a);
            return 2;
        }
        if (val[k]) {
            fprintf(stderr, "via-prover run: %s is given twice\n", a);
            return 2;
        }
        val[k] = argv[++i];
    }
    for (int j = 0; j < NOPT; j++)
        val[j] = opt_or_env(val[j], envs[j]);
    N.db = val[0] ? val[0] : "";
    N.keys_dir = val[1] ? val[1] : "keys";
    N.srs_path = val[2];
    N.gpus = val[3];
    N.backend = val[4];
    N.listen = val[6];
    unsigned workers = 1, ahead = 0;
    N.drain_timeout = 60;
    N.lease = 30;
    N.poll = 5;
    if ((val[5] && via_cli_parse_uint(val[5], 1, 1024, &workers)) ||
        (val[8] && parse_double(val[8], 0, 86400, &N.drain_timeout)) ||
        (val[9] && parse_double(val[9], 0.5, 86400, &N.lease)) ||
        (val[10] && via_cli_parse_uint(val[10], 1, 100000, &ahead)) ||
        (val[11] && parse_double(val[11], 0.05, 3600, &N.poll))) {
        fprintf(stderr, "via-prover run: a numeric option is out of range (--cpu-workers 1..1024, "
                        "--drain-timeout 0..86400, --lease 0.5..86400, --ahead 1..100000, "
                        "--poll 0.05..3600)\n");
        return 2;
    }
    N.cpu_workers = workers;
    if (val[7]) {
        if (strlen(val[7]) < 1 || strlen(val[7]) > 64) {
            fprintf(stderr, "via-prover run: --name must be 1 to 64 bytes\n");
            return 2;
        }
        snprintf(N.name, sizeof N.name, "%s", val[7]);
    } else if (gethostname(N.name, sizeof N.name - 1) != 0 || !N.name[0]) {
        snprintf(N.name, sizeof N.name, "node-%ld", (long)getpid());
    }
    const char *lv = getenv("VIA_LOG_LEVEL");
    if (lv && via_log_level_parse(lv) >= 0)
        via_log_set_level((via_log_level)via_log_level_parse(lv));

    via_error err = {0};
    int rc = via_farm_keys_open(&N.keys, N.keys_dir, &err);
    if (!rc && N.keys.n == 0)
        rc = via_fail(&err, VIA_EINVAL, "--keys %s holds no <circuit id>.zkey", N.keys_dir);
    if (!rc && N.srs_path) {
        rc = via_srs_read(&N.srs, N.srs_path, &err);
        if (!rc && N.srs.verifier_only)
            rc = via_fail(&err, VIA_EINVAL,
                          "--srs %s is the verifier's part; aggregating needs "
                          "the full SRS",
                          N.srs_path);
        N.have_srs = !rc;
    }
    if (!rc) rc = via_cli_pool_open(N.backend, N.gpus, &N.pool, &N.used, &err);
    if (rc) return via_cli_fail("run", &err, rc);
    N.ndev = via_host_pool_size(N.pool);
    N.ahead = ahead ? ahead : (unsigned)(N.ndev + N.cpu_workers + 1);

    /* register (this releases what a previous life of this name held) */
    via_gateway *g = NULL;
    int released = 0;
    /* the devices as `via-prover devices` describes them (name, memory, bus id, UUID) */
    char *listing = NULL;
    size_t listing_len = 0;
    FILE *ls = open_memstream(&listing, &listing_len);
    if (ls) {
        via_error le = {0};
        if (via_host_list_devices(ls, &le)) listing_len = 0; /* the description is optional */
        fclose(ls);
    }
    json_t *gj = json_array();
    for (size_t d = 0; d < N.ndev; d++) {
        via_host_device_stats st;
        via_host_pool_stats(N.pool, d, &st);
        char prefix[48];
        snprintf(prefix, sizeof prefix, "%s %u: ", via_host_backend_name(st.backend), st.index);
        char desc[512] = "";
        const char *at = listing ? strstr(listing, prefix) : NULL;
        if (at) {
            at += strlen(prefix);
            size_t l = strcspn(at, "\n");
            snprintf(desc, sizeof desc, "%.*s", (int)(l < sizeof desc ? l : sizeof desc - 1), at);
        }
        json_array_append_new(
            gj, json_pack("{s:s,s:i,s:s,s:s}", "backend", via_host_backend_name(st.backend),
                          "index", (int)st.index, "name", st.name ? st.name : "", "device", desc));
    }
    free(listing);
    char *gpus_json = json_dumps(gj, JSON_COMPACT);
    json_decref(gj);
    char host[128] = "";
    gethostname(host, sizeof host - 1);
    if ((rc = via_gateway_open(&g, N.db, &err)) ||
        (rc = via_gateway_node_register(g, N.name, host, gpus_json ? gpus_json : "[]",
                                        VIA_CLI_VERSION, N.incarnation, &released, &err))) {
        free(gpus_json);
        via_gateway_close(g);
        via_host_pool_close(N.pool);
        return via_cli_fail("run", &err, rc);
    }
    free(gpus_json);
    N.db_up = 1;
    via_log(VIA_LOG_INFO, "node.started",
            "node=%s backend=%s devices=%zu cpu_workers=%u ahead=%u circuits=%zu aggregate=%s "
            "released_from_previous_life=%d",
            N.name, N.used, N.ndev, N.cpu_workers, N.ahead, N.keys.n, N.have_srs ? "yes" : "no",
            released);

    struct MHD_Daemon *httpd = NULL;
    if (N.listen) {
        const char *colon = strrchr(N.listen, ':');
        unsigned port;
        if (!colon || via_cli_parse_uint(colon + 1, 1, 65535, &port)) {
            via_gateway_close(g);
            fprintf(stderr, "via-prover run: --listen %s: expected ADDR:PORT or :PORT\n", N.listen);
            return 2;
        }
        httpd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)port, NULL, NULL, serve,
                                 NULL, MHD_OPTION_END);
        if (!httpd) {
            via_gateway_close(g);
            fprintf(stderr, "via-prover run: cannot listen on port %u\n", port);
            return 2;
        }
    }

    /* signals go to this thread alone */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_t th_claim, th_prove, th_hb, *th_wit = calloc(N.cpu_workers, sizeof *th_wit);
    pthread_create(&th_claim, NULL, claimer, NULL);
    pthread_create(&th_prove, NULL, prover, NULL);
    pthread_create(&th_hb, NULL, heartbeat, NULL);
    for (unsigned i = 0; i < N.cpu_workers; i++)
        pthread_create(&th_wit[i], NULL, witness_worker, (void *)(intptr_t)i);

    int sig = 0;
    for (;;) {
        struct timespec ts = {0, 200000000};
        int s = sigtimedwait(&set, NULL, &ts);
        if (s > 0) {
            sig = s;
            break;
        }
        pthread_mutex_lock(&N.mu);
        int idle = N.idle;
        pthread_mutex_unlock(&N.mu);
        if (idle) break;
    }
    /* drain: stop claiming, finish what is in hand for up to the drain timeout */
    pthread_mutex_lock(&N.mu);
    N.draining = 1;
    pthread_cond_broadcast(&N.cv);
    size_t inhand = N.nheld;
    pthread_mutex_unlock(&N.mu);
    via_log(VIA_LOG_INFO, sig ? "node.draining" : "node.idle", "node=%s in_hand=%zu timeout=%.0fs",
            N.name, inhand, N.drain_timeout);
    conn mc = {g, 0};
    if (sig) {
        rc = via_gateway_node_state(mc.g, N.name, N.incarnation, "draining", &err);
        if (retry_after(&mc, rc)) mc.g = NULL;
    }
    double deadline = now_s() + N.drain_timeout;
    pthread_mutex_lock(&N.mu);
    while (N.nheld > 0 && now_s() < deadline) {
        pthread_mutex_unlock(&N.mu);
        int s2 = 0;
        struct timespec ts = {0, 100000000};
        s2 = sigtimedwait(&set, NULL, &ts);
        pthread_mutex_lock(&N.mu);
        if (s2 > 0) break; /* a second signal: stop waiting */
    }
    size_t left = N.nheld;
    int64_t *ids = calloc(left ? left : 1, sizeof *ids);
    char(*tok)[37] = calloc(left ? left : 1, sizeof *tok);
    for (size_t i = 0; i < left; i++) {
        ids[i] = N.held[i]->job.id;
        memcpy(tok[i], N.held[i]->job.token, 37);
    }
    N.stop = 1;
    pthread_cond_broadcast(&N.cv);
    pthread_mutex_unlock(&N.mu);
    /* give back what could not be finished; then leave (gone also releases by name) */
    if (mc.g && !via_gateway_connected(mc.g)) {
        via_gateway_close(mc.g);
        mc.g = NULL;
    }
    if (!mc.g) {
        via_error e2 = {0};
        if (via_gateway_open(&mc.g, N.db, &e2)) mc.g = NULL;
    }
    int gave_back = 0;
    for (size_t i = 0; mc.g && i < left; i++)
        if (via_gateway_release(mc.g, ids[i], tok[i], &err) == VIA_OK) gave_back++;
    if (mc.g) rc = via_gateway_node_state(mc.g, N.name, N.incarnation, "gone", &err);
    via_log(VIA_LOG_INFO, "node.stopped",
            "node=%s released=%d done_chunk=%llu done_aggregate=%llu "
            "failed=%llu",
            N.name, gave_back, (unsigned long long)N.done[0], (unsigned long long)N.done[1],
            (unsigned long long)(N.failed[0] + N.failed[1]));
    free(ids);
    free(tok);
    if (httpd) MHD_stop_daemon(httpd);
    via_gateway_close(mc.g);
    fflush(stdout);
    fflush(stderr);
    /* worker threads may be inside a proof that is no longer ours: leave without joining */
    _exit(0);
}
