/* Data availability backends; see via/da.h and docs/protocol.md. */
#include "via/da.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>
#include <openssl/evp.h>

#include "via/chain.h"
#include "via/hex.h"

struct via_da {
    via_da_backend kind;
    PGconn *pg;
    via_rpc *rpc;
    uint8_t ns[29]; /* the full namespace: version 0, 18 zero bytes, the 10-byte ID */
};

void via_da_hash(uint8_t out[32], const uint8_t *data, size_t len) {
    unsigned int n = 32;
    EVP_Digest(data, len, out, &n, EVP_blake2s256(), NULL);
}

/* ---- references ---- */
size_t via_da_ref_encode(uint8_t out[VIA_DA_REF_MAX], const via_da_ref *r) {
    out[0] = (uint8_t)r->backend;
    memcpy(out + 1, r->hash, 32);
    if (r->backend == VIA_DA_POSTGRES) return 33;
    for (int i = 0; i < 8; i++)
        out[33 + i] = (uint8_t)(r->height >> (56 - 8 * i));
    memcpy(out + 41, r->commitment, 32);
    return 73;
}

int via_da_ref_decode(via_da_ref *r, const uint8_t *in, size_t len, via_error *err) {
    memset(r, 0, sizeof *r);
    if (len == 0) return via_fail(err, VIA_EFORMAT, "DA reference: empty");
    if (in[0] == VIA_DA_POSTGRES && len == 33) {
        r->backend = VIA_DA_POSTGRES;
        memcpy(r->hash, in + 1, 32);
        return VIA_OK;
    }
    if (in[0] == VIA_DA_CELESTIA && len == 73) {
        r->backend = VIA_DA_CELESTIA;
        memcpy(r->hash, in + 1, 32);
        for (int i = 0; i < 8; i++)
            r->height = r->height << 8 | in[33 + i];
        memcpy(r->commitment, in + 41, 32);
        if (r->height == 0) return via_fail(err, VIA_EFORMAT, "DA reference: celestia height 0");
        return VIA_OK;
    }
    if (in[0] > VIA_DA_CELESTIA)
        return via_fail(err, VIA_EFORMAT, "DA reference: unknown backend %u", in[0]);
    return via_fail(err, VIA_EFORMAT, "DA reference: %zu bytes for backend %s (want %d)", len,
                    in[0] == VIA_DA_POSTGRES ? "postgres" : "celestia",
                    in[0] == VIA_DA_POSTGRES ? 33 : 73);
}

void via_da_ref_text(char out[VIA_DA_REF_TEXT_MAX], const via_da_ref *r) {
    char h[65], c[65];
    via_hex_encode(h, r->hash, 32);
    if (r->backend == VIA_DA_POSTGRES) {
        snprintf(out, VIA_DA_REF_TEXT_MAX, "postgres:%s", h);
        return;
    }
    via_hex_encode(c, r->commitment, 32);
    snprintf(out, VIA_DA_REF_TEXT_MAX, "celestia:%" PRIu64 ":%s:%s", r->height, c, h);
}

static int hex32(uint8_t out[32], const char *s, size_t len) {
    if (len != 64) return -1;
    for (size_t i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return -1;
    return via_hex_decode_span(out, s, 64) == 0 ? 0 : -1;
}

int via_da_ref_parse(via_da_ref *r, const char *text, via_error *err) {
    memset(r, 0, sizeof *r);
    if (strncmp(text, "postgres:", 9) == 0) {
        r->backend = VIA_DA_POSTGRES;
        if (hex32(r->hash, text + 9, strlen(text + 9)))
            return via_fail(err, VIA_EFORMAT,
                            "DA reference '%.80s': expected postgres:<64 lowercase hex>", text);
        return VIA_OK;
    }
    if (strncmp(text, "celestia:", 9) == 0) {
        r->backend = VIA_DA_CELESTIA;
        const char *h = text + 9;
        char *end;
        unsigned long long height = strtoull(h, &end, 10);
        const char *c = end + 1;
        if (end == h || *end != ':' || height == 0 || h[0] == '0' || strlen(c) != 129 ||
            c[64] != ':' || hex32(r->commitment, c, 64) || hex32(r->hash, c + 65, 64))
            return via_fail(err, VIA_EFORMAT,
                            "DA reference '%.80s': expected celestia:<height>:<commitment "
                            "hex>:<hash hex>",
                            text);
        r->height = height;
        return VIA_OK;
    }
    return via_fail(err, VIA_EFORMAT, "DA reference '%.80s': expected postgres:… or celestia:…",
                    text);
}

/* ---- PostgreSQL ---- */
static int pg_fail(via_da *da, PGresult *r, const char *what, via_error *err) {
    char msg[300];
    snprintf(msg, sizeof msg, "%s", r ? PQresultErrorMessage(r) : PQerrorMessage(da->pg));
    size_t l = strlen(msg);
    while (l && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
        msg[--l] = 0;
    PQclear(r);
    return via_fail(err, VIA_EDB, "DA (postgres): %s: %s", what, msg);
}

int via_da_open_postgres(via_da **out, const char *conninfo, via_error *err) {
    *out = NULL;
    via_da *da = calloc(1, sizeof *da);
    if (!da) return via_fail(err, VIA_ENOMEM, "DA: out of memory");
    da->kind = VIA_DA_POSTGRES;
    da->pg = PQconnectdb(conninfo ? conninfo : "");
    if (PQstatus(da->pg) != CONNECTION_OK) {
        int rc = pg_fail(da, NULL, "cannot connect", err);
        via_da_close(da);
        return rc;
    }
    /* one transaction under an advisory lock: readers and writers opening the same database at
     * once would otherwise race on CREATE TABLE IF NOT EXISTS */
    PGresult *r = PQexec(da->pg, "SET client_min_messages = warning;"
                                 " SET synchronous_commit = on; BEGIN;"
                                 " SELECT pg_advisory_xact_lock(7668034900);"
                                 " CREATE TABLE IF NOT EXISTS via_da_blobs ("
                                 "  hash bytea PRIMARY KEY CHECK (length(hash) = 32),"
                                 "  data bytea NOT NULL,"
                                 "  created_at timestamptz NOT NULL DEFAULT now()); COMMIT");
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        int rc = pg_fail(da, r, "creating via_da_blobs", err);
        PQclear(PQexec(da->pg, "ROLLBACK"));
        via_da_close(da);
        return rc;
    }
    PQclear(r);
    *out = da;
    return VIA_OK;
}

static int pg_put(via_da *da, const uint8_t *data, size_t len, via_da_ref *ref, via_error *err) {
    if (len > VIA_DA_PG_MAX_BLOB)
        return via_fail(err, VIA_EINVAL, "DA (postgres): a blob of %zu bytes is over the %u limit",
                        len, VIA_DA_PG_MAX_BLOB);
    memset(ref, 0, sizeof *ref);
    ref->backend = VIA_DA_POSTGRES;
    via_da_hash(ref->hash, data, len);
    const char *v[2] = {(const char *)ref->hash, len ? (const char *)data : ""};
    int l[2] = {32, (int)len}, f[2] = {1, 1};
    PGresult *r = PQexecParams(da->pg,
                               "INSERT INTO via_da_blobs (hash, data) VALUES ($1, $2)"
                               " ON CONFLICT (hash) DO NOTHING",
                               2, NULL, v, l, f, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) return pg_fail(da, r, "storing a blob", err);
    PQclear(r);
    return VIA_OK;
}

static int pg_get(via_da *da, const via_da_ref *ref, uint8_t **data, size_t *len, via_error *err) {
    const char *v[1] = {(const char *)ref->hash};
    int l[1] = {32}, f[1] = {1};
    PGresult *r = PQexecParams(da->pg, "SELECT data FROM via_da_blobs WHERE hash = $1", 1, NULL, v,
                               l, f, 1 /* binary result */);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) return pg_fail(da, r, "reading a blob", err);
    if (PQntuples(r) != 1) {
        PQclear(r);
        char t[VIA_DA_REF_TEXT_MAX];
        via_da_ref_text(t, ref);
        return via_fail(err, VIA_ENOTFOUND, "DA (postgres): no blob %s", t);
    }
    size_t n = (size_t)PQgetlength(r, 0, 0);
    *data = malloc(n ? n : 1);
    if (!*data) {
        PQclear(r);
        return via_fail(err, VIA_ENOMEM, "DA: a blob of %zu bytes", n);
    }
    memcpy(*data, PQgetvalue(r, 0, 0), n);
    *len = n;
    PQclear(r);
    return VIA_OK;
}

/* ---- Celestia ---- */
static char *b64(const uint8_t *data, size_t len) {
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (out) EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

/* Strict base64 (padding required); -1 when malformed. */
static int unb64(uint8_t **out, size_t *len, const char *s) {
    size_t n = strlen(s);
    if (n % 4) return -1;
    uint8_t *b = malloc(n / 4 * 3 + 1);
    if (!b) return -1;
    int got = n ? EVP_DecodeBlock(b, (const unsigned char *)s, (int)n) : 0;
    if (got < 0) {
        free(b);
        return -1;
    }
    size_t pad = (n && s[n - 1] == '=') + (n > 1 && s[n - 2] == '=');
    *out = b;
    *len = (size_t)got - pad;
    return 0;
}

int via_da_open_celestia(via_da **out, const via_da_celestia_config *cfg, via_error *err) {
    *out = NULL;
    if (!cfg || !cfg->url) return via_fail(err, VIA_EINVAL, "DA (celestia): no node URL");
    via_da *da = calloc(1, sizeof *da);
    if (!da) return via_fail(err, VIA_ENOMEM, "DA: out of memory");
    da->kind = VIA_DA_CELESTIA;
    static const uint8_t via_id[10] = {'V', 'I', 'A', 0, 0, 0, 0, 0, 0, 0};
    memcpy(da->ns + 19, cfg->namespace_id ? cfg->namespace_id : via_id, 10);
    via_rpc_config rc = {0};
    rc.url = cfg->url;
    rc.bearer_token = cfg->token;
    rc.jsonrpc2 = 1;
    rc.timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 60000;
    rc.max_retries = cfg->max_retries ? cfg->max_retries : 4;
    rc.backoff_base_ms = 200;
    rc.backoff_max_ms = 5000;
    rc.breaker_threshold = cfg->breaker_threshold ? cfg->breaker_threshold : 5;
    rc.breaker_cooldown_ms = cfg->breaker_cooldown_ms ? cfg->breaker_cooldown_ms : 30000;
    rc.max_response_bytes = 4 * (size_t)VIA_DA_CELESTIA_MAX_BLOB + 65536;
    int r = via_rpc_new(&da->rpc, err, &rc);
    if (r) {
        free(da);
        return r;
    }
    *out = da;
    return VIA_OK;
}

static int cel_put(via_da *da, const uint8_t *data, size_t len, via_da_ref *ref, via_error *err) {
    if (len > VIA_DA_CELESTIA_MAX_BLOB)
        return via_fail(err, VIA_EINVAL,
                        "DA (celestia): a blob of %zu bytes is over the %u-byte blob limit", len,
                        VIA_DA_CELESTIA_MAX_BLOB);
    memset(ref, 0, sizeof *ref);
    ref->backend = VIA_DA_CELESTIA;
    via_da_hash(ref->hash, data, len);
    char *ns = b64(da->ns, sizeof da->ns), *d = b64(data, len);
    if (!ns || !d) {
        free(ns);
        free(d);
        return via_fail(err, VIA_ENOMEM, "DA (celestia): encoding a blob");
    }
    json_t *params = json_pack("[[{s:s,s:s,s:i}],{s:f}]", "namespace", ns, "data", d,
                               "share_version", 0, "gas_price", -1.0);
    json_t *res = NULL;
    int rc = params ? via_rpc_call(da->rpc, err, &res, "blob.Submit", params)
                    : via_fail(err, VIA_ENOMEM, "DA (celestia)");
    if (rc) goto out;
    if (!json_is_integer(res) || json_integer_value(res) <= 0) {
        rc = via_fail(err, VIA_EFORMAT, "DA (celestia): blob.Submit did not answer a height");
        goto out;
    }
    ref->height = (uint64_t)json_integer_value(res);
    json_decref(res);
    res = NULL;
    /* the node computed the share commitment: find our blob at that height */
    params = json_pack("[I,[s]]", (json_int_t)ref->height, ns);
    rc = params ? via_rpc_call(da->rpc, err, &res, "blob.GetAll", params)
                : via_fail(err, VIA_ENOMEM, "DA (celestia)");
    if (rc) goto out;
    rc = via_fail(err, VIA_EFORMAT,
                  "DA (celestia): the blob submitted at height %" PRIu64 " is not in "
                  "blob.GetAll's answer",
                  ref->height);
    size_t i;
    json_t *b;
    json_array_foreach(res, i, b) {
        const char *bd = json_string_value(json_object_get(b, "data"));
        const char *bc = json_string_value(json_object_get(b, "commitment"));
        if (!bd || !bc || strcmp(bd, d) != 0) continue;
        uint8_t *c = NULL;
        size_t cl = 0;
        if (unb64(&c, &cl, bc) || cl != 32) {
            free(c);
            rc = via_fail(err, VIA_EFORMAT, "DA (celestia): a commitment that is not 32 bytes");
            break;
        }
        memcpy(ref->commitment, c, 32);
        free(c);
        rc = VIA_OK;
        break;
    }
out:
    json_decref(res);
    free(ns);
    free(d);
    return rc;
}

static int cel_get(via_da *da, const via_da_ref *ref, uint8_t **data, size_t *len, via_error *err) {
    char *ns = b64(da->ns, sizeof da->ns), *c = b64(ref->commitment, 32);
    json_t *params = ns && c ? json_pack("[I,s,s]", (json_int_t)ref->height, ns, c) : NULL;
    free(ns);
    free(c);
    if (!params) return via_fail(err, VIA_ENOMEM, "DA (celestia)");
    json_t *res = NULL;
    int rc = via_rpc_call(da->rpc, err, &res, "blob.Get", params);
    if (rc == VIA_ERPC) {
        char t[VIA_DA_REF_TEXT_MAX], m[sizeof err->msg];
        via_da_ref_text(t, ref);
        snprintf(m, sizeof m, "%s", err->msg);
        int code = err->rpc_code;
        rc = via_fail(err, strstr(m, "not found") ? VIA_ENOTFOUND : VIA_ERPC,
                      "DA (celestia): %s: %s", t, m);
        err->rpc_code = code;
        return rc;
    }
    if (rc) return rc;
    const char *bd = json_string_value(json_object_get(res, "data"));
    if (!bd || unb64(data, len, bd)) {
        json_decref(res);
        return via_fail(err, VIA_EFORMAT, "DA (celestia): blob.Get answered no base64 data");
    }
    json_decref(res);
    return VIA_OK;
}

void via_da_close(via_da *da) {
    if (!da) return;
    if (da->pg) PQfinish(da->pg);
    if (da->rpc) via_rpc_free(da->rpc);
    free(da);
}

via_da_backend via_da_kind(const via_da *da) {
    return da->kind;
}

int via_da_put(via_da *da, const uint8_t *data, size_t len, via_da_ref *ref, via_error *err) {
    return da->kind == VIA_DA_POSTGRES ? pg_put(da, data, len, ref, err)
                                       : cel_put(da, data, len, ref, err);
}

int via_da_get(via_da *da, const via_da_ref *ref, uint8_t **data, size_t *len, via_error *err) {
    *data = NULL;
    *len = 0;
    if (ref->backend != da->kind)
        return via_fail(err, VIA_EINVAL, "DA: a %s reference given to the %s backend",
                        ref->backend == VIA_DA_POSTGRES ? "postgres" : "celestia",
                        da->kind == VIA_DA_POSTGRES ? "postgres" : "celestia");
    int rc = da->kind == VIA_DA_POSTGRES ? pg_get(da, ref, data, len, err)
                                         : cel_get(da, ref, data, len, err);
    if (rc) return rc;
    uint8_t h[32];
    via_da_hash(h, *data, *len);
    if (memcmp(h, ref->hash, 32) != 0) {
        free(*data);
        *data = NULL;
        *len = 0;
        char t[VIA_DA_REF_TEXT_MAX];
        via_da_ref_text(t, ref);
        return via_fail(err, VIA_EVERIFY,
                        "DA: the blob returned for %s does not match its hash (the backend "
                        "returned other bytes); refused",
                        t);
    }
    return VIA_OK;
}
