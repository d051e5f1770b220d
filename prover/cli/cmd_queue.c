/* via-prover queue: running the farm queue by hand (docs/farm.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "farm.h"
#include "via/aggregate.h"
#include "via/chunk.h"
#include "via/file.h"
#include "via/gateway.h"
#include "via/jsonio.h"

static const char queue_help[] =
    "usage: via-prover queue [--db CONNINFO] <command> ...\n\n"
    "  status [--json]                  jobs by kind and status, the backlog, the nodes\n"
    "  nodes                            registered nodes, their state and leases\n"
    "  enqueue-chunk <chunk.json> [--batch N] [--index I] [--circuit ID] [--keys DIR]\n"
    "                                   a chunk's witness input (docs/protocol.md); batch and\n"
    "                                   index default to its \"batch\" and \"chunk\", the circuit\n"
    "                                   to chunk-<slots>; the job carries DIR/<ID>.zkey's hash\n"
    "  enqueue-witness <w.wtns> --circuit ID --batch N --index I [--keys DIR]\n"
    "                                   a ready witness, for any circuit\n"
    "  enqueue-aggregate --batch N --chunks C --circuit ID [--keys DIR]\n"
    "                                   the batch's aggregate, claimable when its C chunks are\n"
    "                                   done (ID: the chunks' circuit)\n"
    "  retry <id> | cancel <id>\n"
    "  wait <batch> [--timeout S]       until every job of the batch is done (exit 0) or one\n"
    "                                   failed (exit 1); exit 2 after S seconds\n"
    "  result <id> <proof.json> <public.json>   a chunk job's proof, as snarkjs writes them\n"
    "  result <id> <out.agg>            an aggregate job's aggregate\n"
    "Common options of the enqueue commands: --priority P (higher first), --max-attempts M\n"
    "(default 3), --gpu-seconds S (the estimate the backlog adds up). --db defaults to VIA_DB,\n"
    "then libpq's PG* variables; --keys to VIA_KEYS, then ./keys.\n";

typedef struct {
    const char *db, *keys, *circuit, *batch, *index, *chunks, *priority, *max_attempts,
        *gpu_seconds, *timeout;
    int json;
    const char *pos[4];
    size_t npos;
} qargs;

static int qparse(qargs *a, int argc, char **argv) {
    memset(a, 0, sizeof *a);
    struct {
        const char *name;
        const char **slot;
    } opts[] = {{"--db", &a->db},
                {"--keys", &a->keys},
                {"--circuit", &a->circuit},
                {"--batch", &a->batch},
                {"--index", &a->index},
                {"--chunks", &a->chunks},
                {"--priority", &a->priority},
                {"--max-attempts", &a->max_attempts},
                {"--gpu-seconds", &a->gpu_seconds},
                {"--timeout", &a->timeout}};
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
            fputs(queue_help, stdout);
            return 1;
        }
        if (!strcmp(s, "--json")) {
            a->json = 1;
            continue;
        }
        int k = -1;
        for (size_t j = 0; j < sizeof opts / sizeof *opts; j++)
            if (!strcmp(s, opts[j].name)) k = (int)j;
        if (k >= 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "via-prover queue: %s needs a value\n", s);
                return 2;
            }
            if (*opts[k].slot) {
                fprintf(stderr, "via-prover queue: %s is given twice\n", s);
                return 2;
            }
            *opts[k].slot = argv[++i];
            continue;
        }
        if (s[0] == '-' && s[1] == '-') {
            fprintf(stderr, "via-prover queue: unknown option %s\n\n%s", s, queue_help);
            return 2;
        }
        if (a->npos == 4) {
            fprintf(stderr, "via-prover queue: too many arguments\n\n%s", queue_help);
            return 2;
        }
        a->pos[a->npos++] = s;
    }
    if (!a->db) a->db = getenv("VIA_DB");
    if (!a->db) a->db = "";
    if (!a->keys) a->keys = getenv("VIA_KEYS");
    if (!a->keys) a->keys = "keys";
    if (!a->npos) {
        fprintf(stderr, "via-prover queue: which command?\n\n%s", queue_help);
        return 2;
    }
    return 0;
}

static int parse_i64(const char *s, const char *what, long long lo, long long hi, long long *out,
                     via_error *err) {
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return via_fail(err, VIA_EINVAL, "%s '%s': expected an integer from %lld to %lld", what, s,
                        lo, hi);
    *out = v;
    return VIA_OK;
}

static int spec_common(via_job_spec *s, const qargs *a, via_error *err) {
    long long v = 0;
    int rc;
    if (a->priority) {
        if ((rc = parse_i64(a->priority, "--priority", -1000000, 1000000, &v, err))) return rc;
        s->priority = (int32_t)v;
    }
    if (a->max_attempts) {
        if ((rc = parse_i64(a->max_attempts, "--max-attempts", 1, 1000, &v, err))) return rc;
        s->max_attempts = (int32_t)v;
    }
    if (a->gpu_seconds) {
        char *end;
        double d = strtod(a->gpu_seconds, &end);
        if (*end || !(d >= 0 && d < 1e9))
            return via_fail(err, VIA_EINVAL, "--gpu-seconds '%s': a non-negative number",
                            a->gpu_seconds);
        s->gpu_seconds = d;
    }
    return VIA_OK;
}

static int key_hash(const qargs *a, const char *circuit, uint8_t hash[32], via_error *err) {
    char path[4200];
    int rc = via_farm_key_path(path, sizeof path, a->keys, circuit, err);
    if (rc) return rc;
    if (access(path, R_OK) != 0)
        return via_fail(err, VIA_EINVAL,
                        "no proving key %s for circuit '%s' (--keys names the folder of "
                        "<circuit>.zkey files; the job must carry the key's hash)",
                        path, circuit);
    return via_farm_file_hash(path, hash, err);
}

static int do_enqueue(via_gateway *g, via_job_spec *s, via_error *err) {
    int64_t id;
    int created;
    int rc = via_gateway_enqueue(g, s, &id, &created, err);
    if (rc) return rc;
    printf("%lld %s\n", (long long)id, created ? "enqueued" : "already queued");
    return VIA_OK;
}

static int status_cmd(via_gateway *g, int json, via_error *err) {
    via_queue_count *c;
    size_t n;
    via_backlog b;
    via_node_info *nodes;
    size_t nn;
    int rc = via_gateway_counts(g, &c, &n, err);
    if (rc) return rc;
    if ((rc = via_gateway_backlog(g, &b, err)) || (rc = via_gateway_nodes(g, &nodes, &nn, err))) {
        free(c);
        return rc;
    }
    if (json) {
        json_t *root = json_object(), *jobs = json_array(), *jn = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(jobs, json_pack("{s:s,s:s,s:I}", "kind", c[i].kind, "status",
                                                  c[i].status, "count", (json_int_t)c[i].count));
        for (size_t i = 0; i < nn; i++)
            json_array_append_new(jn, json_pack("{s:s,s:s,s:s,s:f,s:I}", "name", nodes[i].name,
                                                "host", nodes[i].host, "state", nodes[i].state,
                                                "heartbeat_age_s", nodes[i].heartbeat_age, "leased",
                                                (json_int_t)nodes[i].leased));
        json_object_set_new(root, "jobs", jobs);
        json_object_set_new(root, "backlog",
                            json_pack("{s:I,s:I,s:I,s:f}", "jobs", (json_int_t)b.jobs, "queued",
                                      (json_int_t)b.queued, "leased", (json_int_t)b.leased,
                                      "gpu_seconds", b.gpu_seconds));
        json_object_set_new(root, "nodes", jn);
        char *s = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
        printf("%s\n", s ? s : "{}");
        free(s);
        json_decref(root);
    } else {
        printf("%-10s %-10s %8s\n", "kind", "status", "jobs");
        for (size_t i = 0; i < n; i++)
            printf("%-10s %-10s %8lld\n", c[i].kind, c[i].status, (long long)c[i].count);
        printf("backlog: %lld jobs (%lld queued, %lld leased), %.1f GPU-seconds\n",
               (long long)b.jobs, (long long)b.queued, (long long)b.leased, b.gpu_seconds);
        printf("nodes: %zu\n", nn);
        for (size_t i = 0; i < nn; i++)
            printf("  %-20s %-9s leased %lld, heartbeat %.0f s ago (%s)\n", nodes[i].name,
                   nodes[i].state, (long long)nodes[i].leased, nodes[i].heartbeat_age,
                   nodes[i].host);
    }
    free(c);
    free(nodes);
    return VIA_OK;
}

int via_cli_cmd_queue(int argc, char **argv) {
    qargs a;
    int prc = qparse(&a, argc, argv);
    if (prc) return prc == 1 ? 0 : 2;
    const char *cmd = a.pos[0];
    via_error err = {0};
    via_gateway *g = NULL;
    int rc = VIA_OK, exit_code = 0;
    long long v = 0;
    if (strcmp(cmd, "status") && strcmp(cmd, "nodes") && strcmp(cmd, "enqueue-chunk") &&
        strcmp(cmd, "enqueue-witness") && strcmp(cmd, "enqueue-aggregate") &&
        strcmp(cmd, "retry") && strcmp(cmd, "cancel") && strcmp(cmd, "wait") &&
        strcmp(cmd, "result")) {
        fprintf(stderr, "via-prover queue: unknown command '%s'\n\n%s", cmd, queue_help);
        return 2;
    }
    if ((rc = via_gateway_open(&g, a.db, &err))) return via_cli_fail("queue", &err, rc);
    if (!strcmp(cmd, "status") || !strcmp(cmd, "nodes")) {
        rc = status_cmd(g, a.json, &err);
    } else if (!strcmp(cmd, "enqueue-chunk")) {
        char *text = NULL;
        size_t len = 0;
        via_chunk_input *in = NULL;
        via_job_spec s;
        memset(&s, 0, sizeof s);
        char circuit[80];
        if (a.npos != 2) {
            rc = via_fail(&err, VIA_EINVAL, "enqueue-chunk takes one chunk JSON file");
        } else if (!(rc = via_read_text_file(&text, &len, a.pos[1], (size_t)256 << 20, &err)) &&
                   !(rc = via_chunk_input_parse(&in, a.pos[1], text, len, &err))) {
            json_t *j = json_loadb(text, len, 0, NULL);
            long long batch = json_integer_value(json_object_get(j, "batch"));
            long long index = json_integer_value(json_object_get(j, "chunk"));
            json_decref(j);
            if (a.batch) rc = parse_i64(a.batch, "--batch", 0, INT64_MAX, &batch, &err);
            if (!rc && a.index) rc = parse_i64(a.index, "--index", 0, INT32_MAX, &index, &err);
            snprintf(circuit, sizeof circuit, "chunk-%u", via_chunk_input_slots(in));
            s.kind = VIA_JOB_CHUNK;
            s.batch = batch;
            s.chunk_index = (int32_t)index;
            s.circuit_id = a.circuit ? a.circuit : circuit;
            s.input = (const uint8_t *)text;
            s.input_len = len;
            s.gpu_seconds = 0.25 * via_chunk_input_slots(in);
            if (!rc) rc = spec_common(&s, &a, &err);
            if (!rc) rc = key_hash(&a, s.circuit_id, s.key_hash, &err);
            if (!rc) rc = do_enqueue(g, &s, &err);
        }
        via_chunk_input_free(in);
        free(text);
    } else if (!strcmp(cmd, "enqueue-witness")) {
        uint8_t *data = NULL;
        size_t len = 0;
        via_job_spec s;
        memset(&s, 0, sizeof s);
        long long batch = 0, index = 0;
        if (a.npos != 2 || !a.circuit || !a.batch || !a.index)
            rc = via_fail(&err, VIA_EINVAL,
                          "enqueue-witness takes a .wtns file and --circuit, --batch, --index");
        if (!rc) rc = parse_i64(a.batch, "--batch", 0, INT64_MAX, &batch, &err);
        if (!rc) rc = parse_i64(a.index, "--index", 0, INT32_MAX, &index, &err);
        if (!rc) rc = via_read_file(a.pos[1], (size_t)1 << 30, &data, &len, &err);
        if (!rc && (len < 4 || memcmp(data, "wtns", 4) != 0))
            rc = via_fail(&err, VIA_EFORMAT, "%s is not a .wtns file", a.pos[1]);
        if (!rc) {
            s.kind = VIA_JOB_CHUNK;
            s.batch = batch;
            s.chunk_index = (int32_t)index;
            s.circuit_id = a.circuit;
            s.input = data;
            s.input_len = len;
            rc = spec_common(&s, &a, &err);
        }
        if (!rc) rc = key_hash(&a, s.circuit_id, s.key_hash, &err);
        if (!rc) rc = do_enqueue(g, &s, &err);
        free(data);
    } else if (!strcmp(cmd, "enqueue-aggregate")) {
        via_job_spec s;
        memset(&s, 0, sizeof s);
        long long batch = 0, chunks = 0;
        if (a.npos != 1 || !a.batch || !a.chunks || !a.circuit)
            rc = via_fail(&err, VIA_EINVAL,
                          "enqueue-aggregate takes --batch, --chunks and --circuit");
        if (!rc) rc = parse_i64(a.batch, "--batch", 0, INT64_MAX, &batch, &err);
        if (!rc) rc = parse_i64(a.chunks, "--chunks", 1, VIA_AGG_MAX_PROOFS, &chunks, &err);
        uint8_t in[4] = {(uint8_t)chunks, (uint8_t)(chunks >> 8), (uint8_t)(chunks >> 16),
                         (uint8_t)(chunks >> 24)};
        if (!rc) {
            s.kind = VIA_JOB_AGGREGATE;
            s.batch = batch;
            s.chunk_count = (int32_t)chunks;
            s.circuit_id = a.circuit;
            s.input = in;
            s.input_len = 4;
            s.gpu_seconds = 0.002 * (double)chunks;
            rc = spec_common(&s, &a, &err);
        }
        if (!rc) rc = key_hash(&a, s.circuit_id, s.key_hash, &err);
        if (!rc) rc = do_enqueue(g, &s, &err);
    } else if (!strcmp(cmd, "retry") || !strcmp(cmd, "cancel")) {
        if (a.npos != 2)
            rc = via_fail(&err, VIA_EINVAL, "%s takes a job id", cmd);
        else if (!(rc = parse_i64(a.pos[1], "job id", 1, INT64_MAX, &v, &err)))
            rc = !strcmp(cmd, "retry") ? via_gateway_retry(g, v, &err)
                                       : via_gateway_cancel(g, v, &err);
        if (!rc) printf("%lld %s\n", v, !strcmp(cmd, "retry") ? "queued again" : "cancelled");
    } else if (!strcmp(cmd, "wait")) {
        double timeout = 0;
        if (a.npos != 2)
            rc = via_fail(&err, VIA_EINVAL, "wait takes a batch number");
        else if (!(rc = parse_i64(a.pos[1], "batch", 0, INT64_MAX, &v, &err)) && a.timeout)
            timeout = strtod(a.timeout, NULL);
        time_t start = time(NULL);
        while (!rc) {
            int64_t total, done, failed;
            if ((rc = via_gateway_batch_state(g, v, &total, &done, &failed, &err))) break;
            if (total == 0) {
                rc = via_fail(&err, VIA_ENOTFOUND, "batch %lld has no jobs", v);
                break;
            }
            if (failed) {
                printf("batch %lld: %lld of %lld jobs failed or were cancelled\n", v,
                       (long long)failed, (long long)total);
                exit_code = 1;
                break;
            }
            if (done == total) {
                printf("batch %lld: all %lld jobs done\n", v, (long long)total);
                break;
            }
            if (timeout > 0 && difftime(time(NULL), start) >= timeout) {
                rc = via_fail(&err, VIA_ETRANSPORT, "batch %lld: %lld of %lld done after %.0f s", v,
                              (long long)done, (long long)total, timeout);
                break;
            }
            int woken;
            if ((rc = via_gateway_wait(g, 1000, &woken, &err))) break;
        }
    } else { /* result */
        via_job_state st;
        memset(&st, 0, sizeof st);
        if (a.npos != 3 && a.npos != 4)
            rc = via_fail(&err, VIA_EINVAL,
                          "result takes a job id and proof.json public.json (chunk) or out.agg "
                          "(aggregate)");
        if (!rc) rc = parse_i64(a.pos[1], "job id", 1, INT64_MAX, &v, &err);
        if (!rc) rc = via_gateway_job(g, v, &st, &err);
        if (!rc && strcmp(st.status, "done") != 0)
            rc = via_fail(&err, VIA_EINVAL, "job %lld is %s%s%s", v, st.status,
                          st.error[0] ? ": " : "", st.error);
        if (!rc && a.npos == 4) {
            via_groth16_proof proof;
            via_scalar *pub = NULL;
            size_t npub = 0;
            rc = via_farm_result_parse(st.result, st.result_len, "job result", &proof, &pub, &npub,
                                       &err);
            if (!rc) rc = via_proof_write_json(&proof, a.pos[2], &err);
            if (!rc) rc = via_public_write_json(pub, npub, a.pos[3], &err);
            via_free_big(pub);
        } else if (!rc) {
            if (st.result_len < 4 || memcmp(st.result, "vagg", 4) != 0)
                rc = via_fail(&err, VIA_EINVAL,
                              "job %lld is not an aggregate job: give proof.json and public.json",
                              v);
            else
                rc = via_write_atomic(a.pos[2], st.result, st.result_len, 0, &err);
        }
        via_job_state_clear(&st);
    }
    via_gateway_close(g);
    if (rc) return via_cli_fail("queue", &err, rc);
    return exit_code;
}
