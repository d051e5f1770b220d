/*
 * The prover farm's job queue in PostgreSQL: jobs with fenced leases, nodes, and the backlog
 * (docs/farm.md). Used by farm nodes, the admin CLI and the sequencer.
 *
 * Jobs: one per (batch, kind, chunk index); kind chunk or aggregate. A job is `queued`
 * (claimable once not_before has passed), `leased` (held by one node under a lease token
 * until lease_expires), `done` (result stored), `failed` (error stored, attempts spent),
 * `cancelled`, or, for an aggregate job, `waiting` until every chunk of its batch is done.
 *
 * Leases are fenced: claiming returns a fresh random token, and heartbeat, complete and fail
 * must present it; a holder whose lease expired and was taken back (or re-granted) is refused
 * with VIA_EFENCED and writes nothing. A lease that expires is taken back without spending an
 * attempt (lost_leases counts it); a job that really failed is retried after an exponential
 * backoff (2 s doubled per attempt, at most 5 min) and ends `failed` after max_attempts.
 *
 * Every function is safe against concurrent callers on other connections (one via_gateway
 * per thread: a connection is not shared).
 */
#ifndef VIA_GATEWAY_H
#define VIA_GATEWAY_H
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "via/status.h"

#define VIA_GATEWAY_SCHEMA_VERSION 2
#define VIA_GATEWAY_CHANNEL "via_jobs" /* NOTIFY channel: jobs became claimable */

typedef struct via_gateway via_gateway;

/* Connects (libpq connection string) and brings the schema to this build's version: the
 * numbered migrations run under an advisory lock, so nodes starting together do not race,
 * and each is recorded in via_gateway_migrations. A database whose schema is newer than this
 * build is refused (VIA_EUNSUPPORTED, saying both versions). VIA_EDB when it cannot connect. */
VIA_MUST_USE int via_gateway_open(via_gateway **out, const char *conninfo, via_error *err);
void via_gateway_close(via_gateway *g);
/* A gateway over a connection the caller owns (migrations run on it); via_gateway_close then
 * leaves the connection open. For writers that enqueue inside their own transactions. */
VIA_MUST_USE int via_gateway_attach(via_gateway **out, PGconn *pg, via_error *err);
/* 0 when the connection to the server is lost (after a VIA_EDB: reconnect with a new
 * via_gateway); 1 while it is up (a VIA_EDB was then an error of the statement itself). */
int via_gateway_connected(via_gateway *g);
/* The schema version the database is at. */
VIA_MUST_USE int via_gateway_schema_version(via_gateway *g, int *version, via_error *err);

typedef enum { VIA_JOB_CHUNK = 0, VIA_JOB_AGGREGATE = 1 } via_job_kind;
const char *via_job_kind_name(via_job_kind k);

typedef struct {
    via_job_kind kind;
    int64_t batch;          /* >= 0 */
    int32_t chunk_index;    /* chunk jobs: the chunk; aggregate jobs: 0 */
    int32_t chunk_count;    /* aggregate jobs: chunks in the batch (released when all are done) */
    const char *circuit_id; /* e.g. "chunk-4" or the aggregation key's id; at most 64 bytes */
    uint8_t key_hash[32];   /* hash of the proving key the job must be proved with */
    const uint8_t *input;   /* the job's input bytes (a chunk's compact witness input) */
    size_t input_len;
    int32_t priority;     /* higher first, then lower batch, chunk index */
    int32_t max_attempts; /* 0: 3 */
    double gpu_seconds;   /* estimate, for the backlog */
} via_job_spec;

/* As via_gateway_enqueue, inside the caller's open transaction (no BEGIN/COMMIT here; the
 * NOTIFY is delivered when the caller commits). */
VIA_MUST_USE int via_gateway_enqueue_in_tx(via_gateway *g, const via_job_spec *spec, int64_t *id,
                                           int *created, via_error *err);
/* Idempotent: a second enqueue of the same (batch, kind, chunk index) changes nothing and
 * returns the existing id with *created = 0. Wakes listening nodes. */
VIA_MUST_USE int via_gateway_enqueue(via_gateway *g, const via_job_spec *spec, int64_t *id,
                                     int *created, via_error *err);

typedef struct {
    int64_t id;
    via_job_kind kind;
    int64_t batch;
    int32_t chunk_index;
    char circuit_id[65];
    uint8_t key_hash[32];
    uint8_t *input; /* malloc'd; via_job_clear frees it */
    size_t input_len;
    int32_t attempts; /* failures so far */
    int32_t max_attempts;
    int32_t lost_leases;
    char token[37]; /* the lease token (UUID text) */
} via_job;
void via_job_clear(via_job *j);

typedef struct {
    unsigned kinds;              /* bit 1 << via_job_kind; 0: every kind */
    const char *const *circuits; /* circuits the node can prove; NULL: any */
    size_t ncircuits;
    double lease_seconds; /* > 0 */
} via_claim_filter;

/* Takes the next claimable job in one statement (UPDATE ... WHERE id = (SELECT ... FOR UPDATE
 * SKIP LOCKED LIMIT 1)): queued with not_before passed, or leased with the lease expired
 * (taken back: lost_leases + 1, no attempt spent). Order: priority (higher first), batch,
 * chunk index, id. *got = 0 when there is none. */
VIA_MUST_USE int via_gateway_claim(via_gateway *g, const char *node, const via_claim_filter *f,
                                   via_job *job, int *got, via_error *err);
/* Extends the lease to now + lease_seconds. VIA_EFENCED when the token no longer holds it. */
VIA_MUST_USE int via_gateway_heartbeat(via_gateway *g, int64_t id, const char *token,
                                       double lease_seconds, via_error *err);
/* Stores the result and marks the job done (releasing the batch's aggregate job when this
 * was its last chunk), in one transaction. VIA_EFENCED when the token no longer holds it:
 * nothing is written. */
VIA_MUST_USE int via_gateway_complete(via_gateway *g, int64_t id, const char *token,
                                      const uint8_t *result, size_t len, via_error *err);
/* Releases every waiting aggregate whose chunks are all done (what completing the last chunk
 * does; this also covers an aggregate enqueued while its last chunk was being completed). */
VIA_MUST_USE int via_gateway_release_ready(via_gateway *g, int *n, via_error *err);
/* Records a real failure: retried after the backoff, or `failed` when max_attempts is
 * reached (*final = 1). VIA_EFENCED as for complete. */
VIA_MUST_USE int via_gateway_fail(via_gateway *g, int64_t id, const char *token, const char *error,
                                  int *final, via_error *err);
/* Gives a held job back untouched (drain): queued again, no attempt spent. */
VIA_MUST_USE int via_gateway_release(via_gateway *g, int64_t id, const char *token, via_error *err);
/* Takes back every expired lease (what claims also do one job at a time); *n how many. */
VIA_MUST_USE int via_gateway_reap(via_gateway *g, int *n, via_error *err);

/* Admin: a failed or cancelled job queued again with its attempts reset; a queued, waiting
 * or leased job cancelled (its holder is then fenced). VIA_ENOTFOUND / VIA_EINVAL naming the
 * job's state otherwise. */
VIA_MUST_USE int via_gateway_retry(via_gateway *g, int64_t id, via_error *err);
VIA_MUST_USE int via_gateway_cancel(via_gateway *g, int64_t id, via_error *err);

typedef struct {
    char status[16];
    int32_t attempts, lost_leases;
    char holder[65];
    uint8_t *result; /* malloc'd when done */
    size_t result_len;
    char error[512];
} via_job_state;
VIA_MUST_USE int via_gateway_job(via_gateway *g, int64_t id, via_job_state *out, via_error *err);
void via_job_state_clear(via_job_state *s);

/* Nodes. Registering under a name takes it over: the leases a previous life of that name
 * still holds are released at once (no attempt spent), and the returned incarnation fences
 * the old life's node heartbeats. gpus_json: a JSON array describing the GPUs (UUIDs). */
VIA_MUST_USE int via_gateway_node_register(via_gateway *g, const char *name, const char *host,
                                           const char *gpus_json, const char *version,
                                           char incarnation[37], int *released, via_error *err);
VIA_MUST_USE int via_gateway_node_heartbeat(via_gateway *g, const char *name,
                                            const char *incarnation, via_error *err);
/* state: "active", "draining" or "gone" (gone also releases the node's leases). */
VIA_MUST_USE int via_gateway_node_state(via_gateway *g, const char *name, const char *incarnation,
                                        const char *state, via_error *err);

typedef struct {
    int64_t jobs;   /* queued + waiting + leased */
    int64_t queued; /* claimable now or after backoff */
    int64_t leased;
    double gpu_seconds; /* estimated work not done */
} via_backlog;
/* From the via_backlog view (what autoscalers read). */
VIA_MUST_USE int via_gateway_backlog(via_gateway *g, via_backlog *out, via_error *err);

/* Jobs by kind and status (only the pairs that occur). */
typedef struct {
    char kind[12];
    char status[12];
    int64_t count;
} via_queue_count;
VIA_MUST_USE int via_gateway_counts(via_gateway *g, via_queue_count **out, size_t *n,
                                    via_error *err);

typedef struct {
    char name[65];
    char host[128];
    char state[12];
    char version[64];
    double heartbeat_age; /* seconds since its last heartbeat */
    int64_t leased;       /* jobs it holds */
} via_node_info;
VIA_MUST_USE int via_gateway_nodes(via_gateway *g, via_node_info **out, size_t *n, via_error *err);

/* The results of a batch's chunk jobs in chunk order (for its aggregate job): *count chunks,
 * results[i] malloc'd (free each and the arrays). VIA_EINVAL naming the first chunk that is not
 * done. */
VIA_MUST_USE int via_gateway_batch_results(via_gateway *g, int64_t batch, int32_t count,
                                           uint8_t ***results, size_t **lens, via_error *err);

/* A batch's jobs: total, done, failed (or cancelled). */
VIA_MUST_USE int via_gateway_batch_state(via_gateway *g, int64_t batch, int64_t *total,
                                         int64_t *done, int64_t *failed, via_error *err);

/* Jobs a node with this filter could still have to do: queued, leased or waiting jobs of its
 * kinds and circuits (lease_seconds is not used). */
VIA_MUST_USE int via_gateway_pending(via_gateway *g, const via_claim_filter *f, int64_t *count,
                                     via_error *err);

/* Listens on VIA_GATEWAY_CHANNEL (once), then waits up to timeout_ms for a notification;
 * *woken = 1 when one came (all pending ones are consumed). */
VIA_MUST_USE int via_gateway_wait(via_gateway *g, int timeout_ms, int *woken, via_error *err);
#endif
