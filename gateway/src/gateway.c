/* The farm's job queue over libpq; see via/gateway.h and docs/farm.md. */
#include "via/gateway.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "via/hex.h"

#include <pthread.h>

struct via_gateway {
    PGconn *pg;
    int borrowed; /* the connection belongs to the caller */
    int in_tx;    /* enqueue inside the caller's transaction */
    int listening;
    uint64_t prepared; /* bit i: statement i is prepared on this connection */
};

/* Parameterised statements are prepared once per connection (their text is a literal, so its
 * address identifies it): a claim or a completion is then one round trip without parsing or
 * planning. */
#define MAX_STMTS 64
static const char *stmt_sql[MAX_STMTS];
static int nstmt;
static pthread_mutex_t stmt_mu = PTHREAD_MUTEX_INITIALIZER;

static int stmt_index(const char *sql) {
    pthread_mutex_lock(&stmt_mu);
    int i = 0;
    while (i < nstmt && stmt_sql[i] != sql)
        i++;
    if (i == nstmt) {
        if (nstmt < MAX_STMTS)
            stmt_sql[nstmt++] = sql;
        else
            i = -1;
    }
    pthread_mutex_unlock(&stmt_mu);
    return i;
}

/* Advisory-lock key for migrations: "via-gw" as an integer. */
#define MIGRATION_LOCK 0x7669612d6777LL

const char *via_job_kind_name(via_job_kind k) {
    return k == VIA_JOB_AGGREGATE ? "aggregate" : "chunk";
}

/* ---- statements ---- */
typedef struct {
    const char *v[12];
    int len[12];
    int fmt[12];
    int n;
} params;

static void p_text(params *p, const char *s) {
    p->v[p->n] = s;
    p->len[p->n] = 0;
    p->fmt[p->n] = 0;
    p->n++;
}
static void p_bin(params *p, const uint8_t *b, size_t len) {
    p->v[p->n] = len ? (const char *)b : "";
    p->len[p->n] = (int)len;
    p->fmt[p->n] = 1;
    p->n++;
}

/* Runs sql; on success *out (when given) keeps the result for the caller to clear. */
static int result_error(via_gateway *g, PGresult *r, const char *what, via_error *err) {
    const char *m = r ? PQresultErrorMessage(r) : NULL;
    char msg[400];
    snprintf(msg, sizeof msg, "%s", m && *m ? m : PQerrorMessage(g->pg));
    size_t l = strlen(msg);
    while (l && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
        msg[--l] = 0;
    PQclear(r);
    return via_fail(err, VIA_EDB, "gateway: %s: %s", what, msg);
}

/* Runs sql; on success *out (when given) keeps the result for the caller to clear. */
static int run(via_gateway *g, const char *what, const char *sql, const params *p, PGresult **out,
               via_error *err) {
    PGresult *r;
    int idx = p ? stmt_index(sql) : -1;
    if (idx >= 0) {
        char name[16];
        snprintf(name, sizeof name, "via_s%d", idx);
        if (!(g->prepared & ((uint64_t)1 << idx))) {
            r = PQprepare(g->pg, name, sql, p->n, NULL);
            if (PQresultStatus(r) != PGRES_COMMAND_OK) return result_error(g, r, what, err);
            PQclear(r);
            g->prepared |= (uint64_t)1 << idx;
        }
        r = PQexecPrepared(g->pg, name, p->n, p->v, p->len, p->fmt, 0);
    } else {
        r = PQexecParams(g->pg, sql, p ? p->n : 0, NULL, p ? p->v : NULL, p ? p->len : NULL,
                         p ? p->fmt : NULL, 0);
    }
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return result_error(g, r, what, err);
    if (out)
        *out = r;
    else
        PQclear(r);
    return VIA_OK;
}

static void rollback(via_gateway *g) {
    if (g->in_tx) return; /* the caller's transaction: the caller rolls it back */
    PQclear(PQexec(g->pg, "ROLLBACK"));
}

/* Runs an UPDATE ... RETURNING (or any statement returning rows); *n is how many rows. */
static int update_rows(via_gateway *g, const char *what, const char *sql, const params *p, int *n,
                       via_error *err) {
    PGresult *r = NULL;
    int rc = run(g, what, sql, p, &r, err);
    if (rc) return rc;
    *n = PQntuples(r);
    PQclear(r);
    return VIA_OK;
}

/* ---- migrations ---- */
static const char *const migrations[] = {
    /* 1: jobs, nodes, the backlog view */
    "CREATE TABLE via_nodes ("
    "  name text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),"
    "  host text NOT NULL,"
    "  gpus jsonb NOT NULL DEFAULT '[]',"
    "  version text NOT NULL,"
    "  state text NOT NULL CHECK (state IN ('active', 'draining', 'gone')),"
    "  incarnation uuid NOT NULL,"
    "  started_at timestamptz NOT NULL DEFAULT now(),"
    "  heartbeat_at timestamptz NOT NULL DEFAULT now());"
    "CREATE TABLE via_jobs ("
    "  id bigserial PRIMARY KEY,"
    "  kind text NOT NULL CHECK (kind IN ('chunk', 'aggregate')),"
    "  batch bigint NOT NULL CHECK (batch >= 0),"
    "  chunk_index integer NOT NULL CHECK (chunk_index >= 0),"
    "  chunk_count integer CHECK (chunk_count IS NULL OR chunk_count >= 1),"
    "  circuit_id text NOT NULL CHECK (length(circuit_id) BETWEEN 1 AND 64),"
    "  key_hash bytea NOT NULL CHECK (length(key_hash) = 32),"
    "  input bytea NOT NULL,"
    "  priority integer NOT NULL DEFAULT 0,"
    "  status text NOT NULL CHECK (status IN ('waiting', 'queued', 'leased', 'done', 'failed',"
    "                                         'cancelled')),"
    "  attempts integer NOT NULL DEFAULT 0,"
    "  max_attempts integer NOT NULL CHECK (max_attempts >= 1),"
    "  lost_leases integer NOT NULL DEFAULT 0,"
    "  lost_holders text[] NOT NULL DEFAULT '{}',"
    "  not_before timestamptz NOT NULL DEFAULT now(),"
    "  lease_token uuid,"
    "  holder text,"
    "  lease_expires timestamptz,"
    "  heartbeat_at timestamptz,"
    "  result bytea,"
    "  error text,"
    "  gpu_seconds_est double precision NOT NULL DEFAULT 1 CHECK (gpu_seconds_est >= 0),"
    "  created_at timestamptz NOT NULL DEFAULT now(),"
    "  started_at timestamptz,"
    "  finished_at timestamptz,"
    "  UNIQUE (batch, kind, chunk_index),"
    "  CHECK ((status = 'leased') = (lease_token IS NOT NULL)),"
    "  CHECK ((status = 'done') = (result IS NOT NULL)));"
    "CREATE INDEX via_jobs_claimable ON via_jobs (priority DESC, batch, chunk_index, id)"
    "  WHERE status IN ('queued', 'leased');"
    "CREATE INDEX via_jobs_batch ON via_jobs (batch, kind);"
    "CREATE VIEW via_backlog AS"
    "  SELECT count(*) AS jobs,"
    "         count(*) FILTER (WHERE status = 'queued') AS queued,"
    "         count(*) FILTER (WHERE status = 'leased') AS leased,"
    "         count(*) FILTER (WHERE status = 'waiting') AS waiting,"
    "         coalesce(sum(gpu_seconds_est), 0)::double precision AS gpu_seconds"
    "  FROM via_jobs WHERE status IN ('queued', 'leased', 'waiting');"
    /* Completing a chunk job and releasing its batch's aggregate in one round trip. The
     * aggregate row is locked before the chunks are counted, and in READ COMMITTED every
     * statement of a function sees what committed before it started: two chunks of a batch
     * completing at once are serialised on that lock, so the second sees the first. */
    "CREATE FUNCTION via_job_complete(p_id bigint, p_token uuid, p_result bytea)"
    "  RETURNS integer LANGUAGE plpgsql AS $f$"
    " DECLARE b bigint; k text; agg bigint;"
    " BEGIN"
    "  UPDATE via_jobs SET status = 'done', result = p_result, finished_at = now(),"
    "    lease_token = NULL, lease_expires = NULL, error = NULL"
    "    WHERE id = p_id AND lease_token = p_token AND status = 'leased'"
    "    RETURNING batch, kind INTO b, k;"
    "  IF NOT FOUND THEN RETURN -1; END IF;"
    "  IF k = 'chunk' THEN"
    "    SELECT id INTO agg FROM via_jobs WHERE kind = 'aggregate' AND batch = b AND"
    "      status = 'waiting' FOR UPDATE;"
    "    IF FOUND THEN"
    "      UPDATE via_jobs a SET status = 'queued' WHERE a.id = agg AND"
    "        (SELECT count(*) FROM via_jobs c WHERE c.batch = b AND c.kind = 'chunk' AND"
    "         c.status = 'done') >= a.chunk_count;"
    "      IF FOUND THEN PERFORM pg_notify('" VIA_GATEWAY_CHANNEL "', ''); RETURN 1; END IF;"
    "    END IF;"
    "  END IF;"
    "  RETURN 0;"
    " END $f$;",
    /* 2: job inputs stored out of line without compression: chunk inputs are decimal JSON,
     * which pglz compresses slowly and little, on the sealing path */
    "ALTER TABLE via_jobs ALTER COLUMN input SET STORAGE EXTERNAL;",
};
#define NMIGRATIONS ((int)(sizeof migrations / sizeof *migrations))
_Static_assert(sizeof migrations / sizeof *migrations == VIA_GATEWAY_SCHEMA_VERSION,
               "one migration per schema version");

static int migrate(via_gateway *g, via_error *err) {
    char lock[64];
    snprintf(lock, sizeof lock, "SELECT pg_advisory_lock(%lld)", (long long)MIGRATION_LOCK);
    int rc = run(g, "taking the migration lock", lock, NULL, NULL, err);
    if (rc) return rc;
    rc = run(g, "creating via_gateway_migrations",
             "CREATE TABLE IF NOT EXISTS via_gateway_migrations ("
             " version integer PRIMARY KEY,"
             " applied_at timestamptz NOT NULL DEFAULT now())",
             NULL, NULL, err);
    PGresult *r = NULL;
    if (!rc)
        rc = run(g, "reading the schema version",
                 "SELECT coalesce(max(version), 0) FROM via_gateway_migrations", NULL, &r, err);
    int have = 0;
    if (!rc) {
        have = atoi(PQgetvalue(r, 0, 0));
        PQclear(r);
        if (have > NMIGRATIONS)
            rc = via_fail(err, VIA_EUNSUPPORTED,
                          "gateway: the database's queue schema is version %d, newer than this "
                          "build's %d: upgrade this binary (a downgrade would corrupt the queue)",
                          have, NMIGRATIONS);
    }
    for (int v = have + 1; !rc && v <= NMIGRATIONS; v++) {
        char vs[16];
        snprintf(vs, sizeof vs, "%d", v);
        params p = {0};
        p_text(&p, vs);
        if ((rc = run(g, "BEGIN (migration)", "BEGIN", NULL, NULL, err))) break;
        PGresult *m = PQexec(g->pg, migrations[v - 1]);
        if (PQresultStatus(m) != PGRES_COMMAND_OK) {
            rc = via_fail(err, VIA_EDB, "gateway: migration %d failed: %s", v,
                          PQresultErrorMessage(m));
            PQclear(m);
            rollback(g);
            break;
        }
        PQclear(m);
        if ((rc = run(g, "recording the migration",
                      "INSERT INTO via_gateway_migrations (version) VALUES ($1::int)", &p, NULL,
                      err)) ||
            (rc = run(g, "COMMIT (migration)", "COMMIT", NULL, NULL, err)))
            rollback(g);
    }
    snprintf(lock, sizeof lock, "SELECT pg_advisory_unlock(%lld)", (long long)MIGRATION_LOCK);
    via_error e2 = {0};
    int urc = run(g, "releasing the migration lock", lock, NULL, NULL, &e2);
    if (!rc && urc) {
        *err = e2;
        rc = urc;
    }
    return rc;
}

int via_gateway_open(via_gateway **out, const char *conninfo, via_error *err) {
    *out = NULL;
    via_gateway *g = calloc(1, sizeof *g);
    if (!g) return via_fail(err, VIA_ENOMEM, "gateway: out of memory");
    g->pg = PQconnectdb(conninfo ? conninfo : "");
    if (PQstatus(g->pg) != CONNECTION_OK) {
        char msg[300];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(g->pg));
        size_t l = strlen(msg);
        while (l && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
            msg[--l] = 0;
        via_gateway_close(g);
        return via_fail(err, VIA_EDB, "gateway: cannot connect to PostgreSQL: %s", msg);
    }
    PQclear(PQexec(g->pg, "SET client_min_messages = warning"));
    /* An accepted result must survive a server crash or restart: a commit is acknowledged
     * only once it is in the WAL, whatever the server's default (a test server may run with
     * synchronous_commit off, which loses the last commits on an immediate shutdown). */
    int src = run(g, "SET synchronous_commit", "SET synchronous_commit = on", NULL, NULL, err);
    if (src) {
        via_gateway_close(g);
        return src;
    }
    int rc = migrate(g, err);
    if (rc) {
        via_gateway_close(g);
        return rc;
    }
    *out = g;
    return VIA_OK;
}

void via_gateway_close(via_gateway *g) {
    if (!g) return;
    if (g->pg && !g->borrowed) PQfinish(g->pg);
    free(g);
}

int via_gateway_attach(via_gateway **out, PGconn *pg, via_error *err) {
    *out = NULL;
    via_gateway *g = calloc(1, sizeof *g);
    if (!g) return via_fail(err, VIA_ENOMEM, "gateway: out of memory");
    g->pg = pg;
    g->borrowed = 1;
    int rc = migrate(g, err);
    if (rc) {
        free(g);
        return rc;
    }
    *out = g;
    return VIA_OK;
}

int via_gateway_enqueue_in_tx(via_gateway *g, const via_job_spec *spec, int64_t *id, int *created,
                              via_error *err) {
    g->in_tx = 1;
    int rc = via_gateway_enqueue(g, spec, id, created, err);
    g->in_tx = 0;
    return rc;
}

int via_gateway_connected(via_gateway *g) {
    return g && g->pg && PQstatus(g->pg) == CONNECTION_OK;
}

int via_gateway_schema_version(via_gateway *g, int *version, via_error *err) {
    PGresult *r = NULL;
    int rc = run(g, "reading the schema version",
                 "SELECT coalesce(max(version), 0) FROM via_gateway_migrations", NULL, &r, err);
    if (rc) return rc;
    *version = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return VIA_OK;
}

static void notify(via_gateway *g) {
    PQclear(PQexec(g->pg, "NOTIFY " VIA_GATEWAY_CHANNEL));
}

/* ---- jobs ---- */
int via_gateway_enqueue(via_gateway *g, const via_job_spec *s, int64_t *id, int *created,
                        via_error *err) {
    if (s->batch < 0 || s->chunk_index < 0)
        return via_fail(err, VIA_EINVAL, "gateway: enqueue: negative batch or chunk index");
    if (s->kind == VIA_JOB_AGGREGATE && s->chunk_count < 1)
        return via_fail(err, VIA_EINVAL,
                        "gateway: enqueue: an aggregate job needs the batch's chunk count");
    if (!s->circuit_id || !*s->circuit_id || strlen(s->circuit_id) > 64)
        return via_fail(err, VIA_EINVAL, "gateway: enqueue: circuit id must be 1 to 64 bytes");
    char batch[24], idx[16], count[16], prio[16], maxa[16], gpus[32];
    snprintf(batch, sizeof batch, "%lld", (long long)s->batch);
    snprintf(idx, sizeof idx, "%d", (int)s->chunk_index);
    snprintf(count, sizeof count, "%d", (int)s->chunk_count);
    snprintf(prio, sizeof prio, "%d", (int)s->priority);
    snprintf(maxa, sizeof maxa, "%d", s->max_attempts > 0 ? (int)s->max_attempts : 3);
    snprintf(gpus, sizeof gpus, "%.6f", s->gpu_seconds > 0 ? s->gpu_seconds : 1.0);
    params p = {0};
    p_text(&p, via_job_kind_name(s->kind));
    p_text(&p, batch);
    p_text(&p, idx);
    p_text(&p, s->kind == VIA_JOB_AGGREGATE ? count : NULL);
    p_text(&p, s->circuit_id);
    p_bin(&p, s->key_hash, 32);
    p_bin(&p, s->input, s->input_len);
    p_text(&p, prio);
    /* an aggregate waits until its batch's chunks are done (checked at once, below) */
    PGresult *r = NULL;
    int rc = g->in_tx ? VIA_OK : run(g, "BEGIN (enqueue)", "BEGIN", NULL, NULL, err);
    if (rc) return rc;
    params q = p;
    p_text(&q, maxa);
    p_text(&q, gpus);
    rc = run(g, "enqueue",
             "INSERT INTO via_jobs (kind, batch, chunk_index, chunk_count, circuit_id, key_hash,"
             " input, priority, status, max_attempts, gpu_seconds_est)"
             " VALUES ($1, $2::bigint, $3::int, $4::int, $5, $6, $7, $8::int,"
             " CASE WHEN $1 = 'aggregate' THEN 'waiting' ELSE 'queued' END, $9::int,"
             " $10::double precision)"
             " ON CONFLICT (batch, kind, chunk_index) DO NOTHING RETURNING id",
             &q, &r, err);
    if (rc) {
        rollback(g);
        return rc;
    }
    *created = PQntuples(r) == 1;
    if (*created) *id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    if (!*created) {
        params k = {0};
        p_text(&k, batch);
        p_text(&k, via_job_kind_name(s->kind));
        p_text(&k, idx);
        if ((rc = run(g, "finding the existing job",
                      "SELECT id FROM via_jobs WHERE batch = $1::bigint AND kind = $2 AND"
                      " chunk_index = $3::int",
                      &k, &r, err))) {
            rollback(g);
            return rc;
        }
        *id = PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
        PQclear(r);
    }
    if (*created && s->kind == VIA_JOB_AGGREGATE) {
        params k = {0};
        p_text(&k, batch);
        if ((rc = run(g, "releasing the aggregate",
                      "UPDATE via_jobs a SET status = 'queued' WHERE a.kind = 'aggregate' AND"
                      " a.batch = $1::bigint AND a.status = 'waiting' AND"
                      " (SELECT count(*) FROM via_jobs c WHERE c.batch = a.batch AND"
                      "  c.kind = 'chunk' AND c.status = 'done') >= a.chunk_count",
                      &k, NULL, err))) {
            rollback(g);
            return rc;
        }
    }
    if (g->in_tx) {
        if (*created) PQclear(PQexec(g->pg, "NOTIFY " VIA_GATEWAY_CHANNEL)); /* at commit */
        return VIA_OK;
    }
    if ((rc = run(g, "COMMIT (enqueue)", "COMMIT", NULL, NULL, err))) {
        rollback(g);
        return rc;
    }
    if (*created) notify(g);
    return VIA_OK;
}

void via_job_clear(via_job *j) {
    free(j->input);
    memset(j, 0, sizeof *j);
}

static int hex_field(uint8_t **out, size_t *len, const char *hex, const char *what,
                     via_error *err) {
    if (via_hex_decode(out, len, hex, err))
        return via_fail(err, VIA_EDB, "gateway: %s: not hex from the database", what);
    return VIA_OK;
}

int via_gateway_claim(via_gateway *g, const char *node, const via_claim_filter *f, via_job *job,
                      int *got, via_error *err) {
    *got = 0;
    memset(job, 0, sizeof *job);
    if (!f || f->lease_seconds <= 0)
        return via_fail(err, VIA_EINVAL, "gateway: claim: the lease must be positive");
    /* kinds and circuits as PostgreSQL text arrays */
    char kinds[32] = "{";
    for (int k = 0; k < 2; k++)
        if (!f->kinds || (f->kinds & (1u << k))) {
            if (kinds[1]) strcat(kinds, ",");
            strcat(kinds, via_job_kind_name((via_job_kind)k));
        }
    strcat(kinds, "}");
    size_t cap = 3;
    for (size_t i = 0; i < f->ncircuits; i++)
        cap += 3 + 2 * strlen(f->circuits[i]);
    char *circ = malloc(cap);
    if (!circ) return via_fail(err, VIA_ENOMEM, "gateway: claim");
    size_t pos = 0;
    circ[pos++] = '{';
    for (size_t i = 0; f->circuits && i < f->ncircuits; i++) {
        if (i) circ[pos++] = ',';
        circ[pos++] = '"';
        for (const char *c = f->circuits[i]; *c; c++) {
            if (*c == '"' || *c == '\\') circ[pos++] = '\\';
            circ[pos++] = *c;
        }
        circ[pos++] = '"';
    }
    circ[pos++] = '}';
    circ[pos] = 0;
    char lease[32];
    snprintf(lease, sizeof lease, "%.3f", f->lease_seconds);
    params p = {0};
    p_text(&p, node);
    p_text(&p, lease);
    p_text(&p, kinds);
    p_text(&p, f->circuits ? circ : NULL);
    PGresult *r = NULL;
    int rc = run(g, "claim",
                 "UPDATE via_jobs j SET status = 'leased', lease_token = gen_random_uuid(),"
                 " holder = $1, lease_expires = now() + make_interval(secs => $2::float8),"
                 " heartbeat_at = now(), started_at = now(),"
                 " lost_leases = j.lost_leases + CASE WHEN j.status = 'leased' THEN 1 ELSE 0 END,"
                 " lost_holders = CASE WHEN j.status = 'leased'"
                 "  THEN array_append(j.lost_holders, j.holder) ELSE j.lost_holders END"
                 " WHERE j.id = (SELECT id FROM via_jobs"
                 "  WHERE ((status = 'queued' AND not_before <= now())"
                 "         OR (status = 'leased' AND lease_expires < now()))"
                 "    AND kind = ANY($3::text[])"
                 "    AND ($4::text[] IS NULL OR circuit_id = ANY($4::text[]))"
                 "  ORDER BY priority DESC, batch, chunk_index, id"
                 "  FOR UPDATE SKIP LOCKED LIMIT 1)"
                 " RETURNING id, kind, batch, chunk_index, circuit_id, encode(key_hash, 'hex'),"
                 " encode(input, 'hex'), attempts, max_attempts, lost_leases, lease_token",
                 &p, &r, err);
    free(circ);
    if (rc) return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return VIA_OK;
    }
    job->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    job->kind = strcmp(PQgetvalue(r, 0, 1), "aggregate") == 0 ? VIA_JOB_AGGREGATE : VIA_JOB_CHUNK;
    job->batch = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
    job->chunk_index = atoi(PQgetvalue(r, 0, 3));
    snprintf(job->circuit_id, sizeof job->circuit_id, "%s", PQgetvalue(r, 0, 4));
    if (via_hex_decode_exact(job->key_hash, 32, PQgetvalue(r, 0, 5), err) ||
        hex_field(&job->input, &job->input_len, PQgetvalue(r, 0, 6), "job input", err)) {
        PQclear(r);
        via_job_clear(job);
        return via_fail(err, VIA_EDB, "gateway: claim: job row unreadable");
    }
    job->attempts = atoi(PQgetvalue(r, 0, 7));
    job->max_attempts = atoi(PQgetvalue(r, 0, 8));
    job->lost_leases = atoi(PQgetvalue(r, 0, 9));
    snprintf(job->token, sizeof job->token, "%s", PQgetvalue(r, 0, 10));
    PQclear(r);
    *got = 1;
    return VIA_OK;
}

static int fenced(int64_t id, const char *what, via_error *err) {
    return via_fail(err, VIA_EFENCED,
                    "gateway: %s job %lld: the lease is no longer ours (it expired and was "
                    "taken back, or the job was cancelled); nothing was written",
                    what, (long long)id);
}

int via_gateway_heartbeat(via_gateway *g, int64_t id, const char *token, double lease_seconds,
                          via_error *err) {
    char ids[24], lease[32];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    snprintf(lease, sizeof lease, "%.3f", lease_seconds);
    params p = {0};
    p_text(&p, ids);
    p_text(&p, token);
    p_text(&p, lease);
    int n = 0;
    /* an expired lease not yet taken back may be renewed: nobody else holds it */
    int rc = update_rows(g, "heartbeat",
                         "UPDATE via_jobs SET lease_expires = now() +"
                         " make_interval(secs => $3::float8), heartbeat_at = now()"
                         " WHERE id = $1::bigint AND lease_token = $2::uuid AND"
                         " status = 'leased' RETURNING id",
                         &p, &n, err);
    if (rc) return rc;
    return n == 1 ? VIA_OK : fenced(id, "heartbeat of", err);
}

int via_gateway_complete(via_gateway *g, int64_t id, const char *token, const uint8_t *result,
                         size_t len, via_error *err) {
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    params p = {0};
    p_text(&p, ids);
    p_text(&p, token);
    p_bin(&p, result, len);
    PGresult *r = NULL;
    int rc = run(g, "complete", "SELECT via_job_complete($1::bigint, $2::uuid, $3)", &p, &r, err);
    if (rc) return rc;
    int v = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v < 0 ? fenced(id, "completing", err) : VIA_OK;
}

int via_gateway_release_ready(via_gateway *g, int *n, via_error *err) {
    int rc = update_rows(
        g, "releasing ready aggregates",
        "UPDATE via_jobs a SET status = 'queued' WHERE a.kind = 'aggregate' AND"
        " a.status = 'waiting' AND (SELECT count(*) FROM via_jobs c WHERE"
        " c.batch = a.batch AND c.kind = 'chunk' AND c.status = 'done') >= a.chunk_count"
        " RETURNING a.id",
        NULL, n, err);
    if (rc) return rc;
    if (*n) notify(g);
    return VIA_OK;
}

int via_gateway_fail(via_gateway *g, int64_t id, const char *token, const char *error, int *final,
                     via_error *err) {
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    params p = {0};
    p_text(&p, ids);
    p_text(&p, token);
    p_text(&p, error ? error : "(no message)");
    PGresult *r = NULL;
    int rc = run(g, "fail",
                 "UPDATE via_jobs SET attempts = attempts + 1, error = $3,"
                 " status = CASE WHEN attempts + 1 >= max_attempts THEN 'failed' ELSE 'queued' END,"
                 " not_before = now() + make_interval(secs => least(300, 2 * power(2, attempts))),"
                 " finished_at = CASE WHEN attempts + 1 >= max_attempts THEN now() END,"
                 " lease_token = NULL, lease_expires = NULL, holder = NULL"
                 " WHERE id = $1::bigint AND lease_token = $2::uuid AND status = 'leased'"
                 " RETURNING status",
                 &p, &r, err);
    if (rc) return rc;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return fenced(id, "failing", err);
    }
    if (final) *final = strcmp(PQgetvalue(r, 0, 0), "failed") == 0;
    PQclear(r);
    return VIA_OK;
}

int via_gateway_release(via_gateway *g, int64_t id, const char *token, via_error *err) {
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    params p = {0};
    p_text(&p, ids);
    p_text(&p, token);
    int n = 0;
    int rc = update_rows(
        g, "release",
        "UPDATE via_jobs SET status = 'queued', lease_token = NULL, lease_expires = NULL,"
        " holder = NULL WHERE id = $1::bigint AND lease_token = $2::uuid AND"
        " status = 'leased' RETURNING id",
        &p, &n, err);
    if (rc) return rc;
    if (n != 1) return fenced(id, "releasing", err);
    notify(g);
    return VIA_OK;
}

int via_gateway_reap(via_gateway *g, int *n, via_error *err) {
    int rc = update_rows(
        g, "reap",
        "UPDATE via_jobs SET status = 'queued', lease_token = NULL, lease_expires = NULL,"
        " holder = NULL, lost_leases = lost_leases + 1,"
        " lost_holders = array_append(lost_holders, holder)"
        " WHERE status = 'leased' AND lease_expires < now() RETURNING id",
        NULL, n, err);
    if (rc) return rc;
    if (*n) notify(g);
    return VIA_OK;
}

static int job_status(via_gateway *g, int64_t id, char status[16], via_error *err) {
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    params p = {0};
    p_text(&p, ids);
    PGresult *r = NULL;
    int rc =
        run(g, "reading a job", "SELECT status FROM via_jobs WHERE id = $1::bigint", &p, &r, err);
    if (rc) return rc;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return via_fail(err, VIA_ENOTFOUND, "gateway: no job %lld", (long long)id);
    }
    snprintf(status, 16, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return VIA_OK;
}

int via_gateway_retry(via_gateway *g, int64_t id, via_error *err) {
    char ids[24], st[16];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    params p = {0};
    p_text(&p, ids);
    int n = 0;
    int rc =
        update_rows(g, "retry",
                    "UPDATE via_jobs SET status = CASE WHEN kind = 'aggregate' AND"
                    " (SELECT count(*) FROM via_jobs c WHERE c.batch = via_jobs.batch AND"
                    "  c.kind = 'chunk' AND c.status = 'done') < chunk_count THEN 'waiting'"
                    " ELSE 'queued' END, attempts = 0, not_before = now(), finished_at = NULL"
                    " WHERE id = $1::bigint AND status IN ('failed', 'cancelled') RETURNING id",
                    &p, &n, err);
    if (rc) return rc;
    if (n == 1) {
        notify(g);
        return VIA_OK;
    }
    if ((rc = job_status(g, id, st, err))) return rc;
    return via_fail(err, VIA_EINVAL,
                    "gateway: job %lld is %s; only failed or cancelled jobs are "
                    "retried",
                    (long long)id, st);
}

int via_gateway_cancel(via_gateway *g, int64_t id, via_error *err) {
    char ids[24], st[16];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    params p = {0};
    p_text(&p, ids);
    int n = 0;
    int rc = update_rows(g, "cancel",
                         "UPDATE via_jobs SET status = 'cancelled', lease_token = NULL,"
                         " lease_expires = NULL, finished_at = now() WHERE id = $1::bigint"
                         " AND status IN ('queued', 'waiting', 'leased') RETURNING id",
                         &p, &n, err);
    if (rc) return rc;
    if (n == 1) return VIA_OK;
    if ((rc = job_status(g, id, st, err))) return rc;
    return via_fail(err, VIA_EINVAL, "gateway: job %lld is already %s", (long long)id, st);
}

void via_job_state_clear(via_job_state *s) {
    free(s->result);
    memset(s, 0, sizeof *s);
}

int via_gateway_job(via_gateway *g, int64_t id, via_job_state *out, via_error *err) {
    memset(out, 0, sizeof *out);
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    params p = {0};
    p_text(&p, ids);
    PGresult *r = NULL;
    int rc = run(g, "reading a job",
                 "SELECT status, attempts, lost_leases, coalesce(holder, ''),"
                 " encode(result, 'hex'), coalesce(error, '') FROM via_jobs WHERE id = $1::bigint",
                 &p, &r, err);
    if (rc) return rc;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return via_fail(err, VIA_ENOTFOUND, "gateway: no job %lld", (long long)id);
    }
    snprintf(out->status, sizeof out->status, "%s", PQgetvalue(r, 0, 0));
    out->attempts = atoi(PQgetvalue(r, 0, 1));
    out->lost_leases = atoi(PQgetvalue(r, 0, 2));
    snprintf(out->holder, sizeof out->holder, "%s", PQgetvalue(r, 0, 3));
    snprintf(out->error, sizeof out->error, "%s", PQgetvalue(r, 0, 5));
    if (!PQgetisnull(r, 0, 4) &&
        (rc = hex_field(&out->result, &out->result_len, PQgetvalue(r, 0, 4), "result", err))) {
        PQclear(r);
        return rc;
    }
    PQclear(r);
    return VIA_OK;
}

/* ---- nodes ---- */
static int release_holder(via_gateway *g, const char *name, int *released, via_error *err) {
    params p = {0};
    p_text(&p, name);
    PGresult *r = NULL;
    int rc = run(g, "releasing a node's leases",
                 "UPDATE via_jobs SET status = 'queued', lease_token = NULL, lease_expires = NULL,"
                 " holder = NULL, lost_leases = lost_leases + 1,"
                 " lost_holders = array_append(lost_holders, holder)"
                 " WHERE status = 'leased' AND holder = $1 RETURNING id",
                 &p, &r, err);
    if (rc) return rc;
    if (released) *released = PQntuples(r);
    PQclear(r);
    return VIA_OK;
}

int via_gateway_node_register(via_gateway *g, const char *name, const char *host,
                              const char *gpus_json, const char *version, char incarnation[37],
                              int *released, via_error *err) {
    if (!name || !*name || strlen(name) > 64)
        return via_fail(err, VIA_EINVAL, "gateway: a node name must be 1 to 64 bytes");
    int rc = run(g, "BEGIN (register)", "BEGIN", NULL, NULL, err);
    if (rc) return rc;
    params p = {0};
    p_text(&p, name);
    p_text(&p, host ? host : "");
    p_text(&p, gpus_json ? gpus_json : "[]");
    p_text(&p, version ? version : "");
    PGresult *r = NULL;
    if ((rc = run(g, "registering the node",
                  "INSERT INTO via_nodes (name, host, gpus, version, state, incarnation)"
                  " VALUES ($1, $2, $3::jsonb, $4, 'active', gen_random_uuid())"
                  " ON CONFLICT (name) DO UPDATE SET host = EXCLUDED.host, gpus = EXCLUDED.gpus,"
                  " version = EXCLUDED.version, state = 'active',"
                  " incarnation = EXCLUDED.incarnation, started_at = now(), heartbeat_at = now()"
                  " RETURNING incarnation",
                  &p, &r, err))) {
        rollback(g);
        return rc;
    }
    snprintf(incarnation, 37, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    if ((rc = release_holder(g, name, released, err)) ||
        (rc = run(g, "COMMIT (register)", "COMMIT", NULL, NULL, err))) {
        rollback(g);
        return rc;
    }
    if (released && *released) notify(g);
    return VIA_OK;
}

int via_gateway_node_heartbeat(via_gateway *g, const char *name, const char *incarnation,
                               via_error *err) {
    params p = {0};
    p_text(&p, name);
    p_text(&p, incarnation);
    int n = 0;
    int rc = update_rows(g, "node heartbeat",
                         "UPDATE via_nodes SET heartbeat_at = now() WHERE name = $1 AND"
                         " incarnation = $2::uuid AND state <> 'gone' RETURNING name",
                         &p, &n, err);
    if (rc) return rc;
    if (n != 1)
        return via_fail(err, VIA_EFENCED,
                        "gateway: node %s: registered again by another process (or marked gone)",
                        name);
    return VIA_OK;
}

int via_gateway_node_state(via_gateway *g, const char *name, const char *incarnation,
                           const char *state, via_error *err) {
    if (strcmp(state, "active") && strcmp(state, "draining") && strcmp(state, "gone"))
        return via_fail(err, VIA_EINVAL, "gateway: node state '%s' (active, draining or gone)",
                        state);
    params p = {0};
    p_text(&p, name);
    p_text(&p, incarnation);
    p_text(&p, state);
    int rc = run(g, "BEGIN (node state)", "BEGIN", NULL, NULL, err);
    if (rc) return rc;
    PGresult *r = NULL;
    if ((rc = run(g, "node state",
                  "UPDATE via_nodes SET state = $3, heartbeat_at = now() WHERE name = $1 AND"
                  " incarnation = $2::uuid RETURNING name",
                  &p, &r, err))) {
        rollback(g);
        return rc;
    }
    int n = PQntuples(r);
    PQclear(r);
    if (n != 1) {
        rollback(g);
        return via_fail(err, VIA_EFENCED, "gateway: node %s: registered again by another process",
                        name);
    }
    int released = 0;
    if (!strcmp(state, "gone") && (rc = release_holder(g, name, &released, err))) {
        rollback(g);
        return rc;
    }
    if ((rc = run(g, "COMMIT (node state)", "COMMIT", NULL, NULL, err))) {
        rollback(g);
        return rc;
    }
    if (released) notify(g);
    return VIA_OK;
}

int via_gateway_backlog(via_gateway *g, via_backlog *out, via_error *err) {
    PGresult *r = NULL;
    int rc = run(g, "backlog", "SELECT jobs, queued, leased, gpu_seconds FROM via_backlog", NULL,
                 &r, err);
    if (rc) return rc;
    out->jobs = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    out->queued = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    out->leased = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
    out->gpu_seconds = strtod(PQgetvalue(r, 0, 3), NULL);
    PQclear(r);
    return VIA_OK;
}

int via_gateway_counts(via_gateway *g, via_queue_count **out, size_t *n, via_error *err) {
    *out = NULL;
    *n = 0;
    PGresult *r = NULL;
    int rc = run(g, "counting jobs",
                 "SELECT kind, status, count(*) FROM via_jobs GROUP BY kind, status"
                 " ORDER BY kind, status",
                 NULL, &r, err);
    if (rc) return rc;
    int rows = PQntuples(r);
    via_queue_count *c = calloc(rows ? (size_t)rows : 1, sizeof *c);
    if (!c) {
        PQclear(r);
        return via_fail(err, VIA_ENOMEM, "gateway: counts");
    }
    for (int i = 0; i < rows; i++) {
        snprintf(c[i].kind, sizeof c[i].kind, "%s", PQgetvalue(r, i, 0));
        snprintf(c[i].status, sizeof c[i].status, "%s", PQgetvalue(r, i, 1));
        c[i].count = strtoll(PQgetvalue(r, i, 2), NULL, 10);
    }
    PQclear(r);
    *out = c;
    *n = (size_t)rows;
    return VIA_OK;
}

int via_gateway_nodes(via_gateway *g, via_node_info **out, size_t *n, via_error *err) {
    *out = NULL;
    *n = 0;
    PGresult *r = NULL;
    int rc = run(g, "listing nodes",
                 "SELECT n.name, n.host, n.state, n.version,"
                 " extract(epoch FROM now() - n.heartbeat_at),"
                 " (SELECT count(*) FROM via_jobs j WHERE j.status = 'leased' AND"
                 "  j.holder = n.name) FROM via_nodes n ORDER BY n.name",
                 NULL, &r, err);
    if (rc) return rc;
    int rows = PQntuples(r);
    via_node_info *c = calloc(rows ? (size_t)rows : 1, sizeof *c);
    if (!c) {
        PQclear(r);
        return via_fail(err, VIA_ENOMEM, "gateway: nodes");
    }
    for (int i = 0; i < rows; i++) {
        snprintf(c[i].name, sizeof c[i].name, "%s", PQgetvalue(r, i, 0));
        snprintf(c[i].host, sizeof c[i].host, "%s", PQgetvalue(r, i, 1));
        snprintf(c[i].state, sizeof c[i].state, "%s", PQgetvalue(r, i, 2));
        snprintf(c[i].version, sizeof c[i].version, "%s", PQgetvalue(r, i, 3));
        c[i].heartbeat_age = strtod(PQgetvalue(r, i, 4), NULL);
        c[i].leased = strtoll(PQgetvalue(r, i, 5), NULL, 10);
    }
    PQclear(r);
    *out = c;
    *n = (size_t)rows;
    return VIA_OK;
}

int via_gateway_batch_results(via_gateway *g, int64_t batch, int32_t count, uint8_t ***results,
                              size_t **lens, via_error *err) {
    *results = NULL;
    *lens = NULL;
    if (count < 1) return via_fail(err, VIA_EINVAL, "gateway: batch results: no chunks");
    char b[24];
    snprintf(b, sizeof b, "%lld", (long long)batch);
    params p = {0};
    p_text(&p, b);
    PGresult *r = NULL;
    int rc = run(g, "reading a batch's chunk results",
                 "SELECT chunk_index, status, encode(result, 'hex') FROM via_jobs"
                 " WHERE batch = $1::bigint AND kind = 'chunk' ORDER BY chunk_index",
                 &p, &r, err);
    if (rc) return rc;
    uint8_t **res = calloc((size_t)count, sizeof *res);
    size_t *len = calloc((size_t)count, sizeof *len);
    if (!res || !len) {
        free(res);
        free(len);
        PQclear(r);
        return via_fail(err, VIA_ENOMEM, "gateway: batch results");
    }
    int rows = PQntuples(r);
    for (int32_t i = 0; i < count && !rc; i++) {
        if (i >= rows || atoi(PQgetvalue(r, i, 0)) != i ||
            strcmp(PQgetvalue(r, i, 1), "done") != 0) {
            rc = via_fail(err, VIA_EINVAL, "gateway: batch %lld: chunk %d is not done",
                          (long long)batch, (int)i);
            break;
        }
        rc = hex_field(&res[i], &len[i], PQgetvalue(r, i, 2), "chunk result", err);
    }
    PQclear(r);
    if (rc) {
        for (int32_t i = 0; i < count; i++)
            free(res[i]);
        free(res);
        free(len);
        return rc;
    }
    *results = res;
    *lens = len;
    return VIA_OK;
}

int via_gateway_batch_state(via_gateway *g, int64_t batch, int64_t *total, int64_t *done,
                            int64_t *failed, via_error *err) {
    char b[24];
    snprintf(b, sizeof b, "%lld", (long long)batch);
    params p = {0};
    p_text(&p, b);
    PGresult *r = NULL;
    int rc = run(g, "reading a batch",
                 "SELECT count(*), count(*) FILTER (WHERE status = 'done'),"
                 " count(*) FILTER (WHERE status IN ('failed', 'cancelled'))"
                 " FROM via_jobs WHERE batch = $1::bigint",
                 &p, &r, err);
    if (rc) return rc;
    *total = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    *done = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    *failed = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
    PQclear(r);
    return VIA_OK;
}

int via_gateway_pending(via_gateway *g, const via_claim_filter *f, int64_t *count, via_error *err) {
    char kinds[32] = "{";
    for (int k = 0; k < 2; k++)
        if (!f->kinds || (f->kinds & (1u << k))) {
            if (kinds[1]) strcat(kinds, ",");
            strcat(kinds, via_job_kind_name((via_job_kind)k));
        }
    strcat(kinds, "}");
    params p = {0};
    p_text(&p, kinds);
    PGresult *r = NULL;
    int rc = run(g, "counting pending jobs",
                 "SELECT circuit_id FROM via_jobs WHERE status IN ('queued', 'leased', 'waiting')"
                 " AND kind = ANY($1::text[])",
                 &p, &r, err);
    if (rc) return rc;
    int64_t n = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        int match = !f->circuits;
        for (size_t k = 0; !match && k < f->ncircuits; k++)
            match = strcmp(PQgetvalue(r, i, 0), f->circuits[k]) == 0;
        n += match;
    }
    PQclear(r);
    *count = n;
    return VIA_OK;
}

int via_gateway_wait(via_gateway *g, int timeout_ms, int *woken, via_error *err) {
    *woken = 0;
    if (!g->listening) {
        int rc = run(g, "LISTEN", "LISTEN " VIA_GATEWAY_CHANNEL, NULL, NULL, err);
        if (rc) return rc;
        g->listening = 1;
    }
    for (;;) {
        if (!PQconsumeInput(g->pg))
            return via_fail(err, VIA_EDB, "gateway: waiting for notifications: %s",
                            PQerrorMessage(g->pg));
        PGnotify *n;
        while ((n = PQnotifies(g->pg))) {
            *woken = 1;
            PQfreemem(n);
        }
        if (*woken || timeout_ms <= 0) return VIA_OK;
        struct pollfd pfd = {PQsocket(g->pg), POLLIN, 0};
        int pr = poll(&pfd, 1, timeout_ms);
        if (pr < 0 && errno != EINTR)
            return via_fail(err, VIA_EDB, "gateway: poll: %s", strerror(errno));
        if (pr == 0) return VIA_OK;
        timeout_ms = 0; /* consume what arrived, then return */
    }
}
