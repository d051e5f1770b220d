/* Bitcoin Core JSON-RPC client.
 *
 * Every call goes through rpc_call_once inside a retry loop. A failure is "transient" when
 * trying again later can help: the connection was refused or reset, a timeout fired, the
 * server answered 5xx without a JSON-RPC error object (a proxy, or Bitcoin Core's "Work queue
 * depth exceeded" 503), or the node said -28 (still warming up). Those are retried with
 * exponential backoff and full jitter and counted by the circuit breaker; anything else (a
 * JSON-RPC error, bad JSON, auth failure, an oversized answer) is returned at once, because
 * sending the same request again gives the same answer.
 *
 * Breaker: `breaker_threshold` consecutive transient failures open it; while open every call
 * fails with EBREAKER without touching the network; after `breaker_cooldown_ms` one call is let
 * through (half-open); its success closes the breaker, its failure opens it again.
 */
#define _GNU_SOURCE
#include "via/chain.h"
#include "internal.h"
#include "via/hex.h"
#include "via/mem.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { BREAKER_CLOSED = 0, BREAKER_OPEN = 1, BREAKER_HALF_OPEN = 2 };

struct via_rpc {
    char *url;
    char *userpwd; /* "user:password" when not using a cookie */
    char *auth_header; /* "Authorization: Bearer ..." when a bearer token is configured */
    char *cookie_file;
    via_rpc_config cfg;
    CURL *curl;
    uint64_t next_id;
    uint64_t rng;
    int consecutive_failures;
    int64_t opened_at_ms;
    via_rpc_stats stats;
};

typedef struct {
    char *data;
    size_t len, cap, limit;
    int too_big;
} body_buf;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

int64_t via_chain_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

static uint64_t rng_next(uint64_t *s) {
    /* xorshift64*: only for backoff jitter. */
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static char *xstrdup_or_null(const char *s) {
    return s ? strdup(s) : NULL;
}

int via_rpc_new(via_rpc **out, via_error *err, const via_rpc_config *cfg) {
    *out = NULL;
    if (!cfg || !cfg->url || !*cfg->url) return via_fail(err, VIA_EINVAL, "rpc: no URL given");
    if (strncmp(cfg->url, "http://", 7) != 0 && strncmp(cfg->url, "https://", 8) != 0)
        return via_fail(err, VIA_EINVAL, "rpc: URL '%s' is not http:// or https://", cfg->url);
    if (cfg->connect_timeout_ms < 0 || cfg->timeout_ms < 0 || cfg->backoff_base_ms < 0 ||
        cfg->backoff_max_ms < 0 || cfg->breaker_threshold < 0 || cfg->breaker_cooldown_ms < 0 ||
        cfg->max_retries < -1)
        return via_fail(err, VIA_EINVAL, "rpc: negative timeout/retry setting");
    pthread_once(&curl_once, curl_init_once);
    via_rpc *r = calloc(1, sizeof *r);
    if (!r) return via_fail(err, VIA_ENOMEM, "rpc: out of memory");
    r->cfg = *cfg;
    if (!r->cfg.connect_timeout_ms) r->cfg.connect_timeout_ms = 3000;
    if (!r->cfg.timeout_ms) r->cfg.timeout_ms = 30000;
    if (!r->cfg.max_retries) r->cfg.max_retries = 3;
    if (r->cfg.max_retries < 0) r->cfg.max_retries = 0;
    if (!r->cfg.backoff_base_ms) r->cfg.backoff_base_ms = 100;
    if (!r->cfg.backoff_max_ms) r->cfg.backoff_max_ms = 5000;
    if (!r->cfg.breaker_threshold) r->cfg.breaker_threshold = 5;
    if (!r->cfg.breaker_cooldown_ms) r->cfg.breaker_cooldown_ms = 10000;
    if (!r->cfg.max_response_bytes) r->cfg.max_response_bytes = (size_t)64 << 20;
    r->url = strdup(cfg->url);
    r->cookie_file = xstrdup_or_null(cfg->cookie_file);
    if (cfg->bearer_token) {
        size_t n = strlen(cfg->bearer_token) + 32;
        r->auth_header = malloc(n);
        if (r->auth_header)
            snprintf(r->auth_header, n, "Authorization: Bearer %s", cfg->bearer_token);
    }
    if (!cfg->cookie_file && cfg->user) {
        size_t n = strlen(cfg->user) + 2 + (cfg->password ? strlen(cfg->password) : 0);
        r->userpwd = malloc(n);
        if (r->userpwd)
            snprintf(r->userpwd, n, "%s:%s", cfg->user, cfg->password ? cfg->password : "");
    }
    r->curl = curl_easy_init();
    r->rng = cfg->jitter_seed
                 ? cfg->jitter_seed
                 : ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ 0x9E3779B97F4A7C15ULL;
    if (!r->rng) r->rng = 1;
    r->next_id = 1;
    r->cfg.url = r->cfg.user = r->cfg.password = r->cfg.cookie_file = r->cfg.bearer_token = NULL;
    if (!r->url || !r->curl || (cfg->cookie_file && !r->cookie_file) ||
        (cfg->bearer_token && !r->auth_header) || (!cfg->cookie_file && cfg->user && !r->userpwd)) {
        via_rpc_free(r);
        return via_fail(err, VIA_ENOMEM, "rpc: out of memory");
    }
    *out = r;
    return VIA_OK;
}

void via_rpc_free(via_rpc *rpc) {
    if (!rpc) return;
    if (rpc->curl) curl_easy_cleanup(rpc->curl);
    free(rpc->url);
    if (rpc->userpwd) via_wipe_free(rpc->userpwd, strlen(rpc->userpwd));
    if (rpc->auth_header) via_wipe_free(rpc->auth_header, strlen(rpc->auth_header));
    free(rpc->cookie_file);
    free(rpc);
}

void via_rpc_get_stats(const via_rpc *rpc, via_rpc_stats *out) {
    *out = rpc->stats;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud) {
    body_buf *b = ud;
    size_t n = size * nmemb;
    if (b->len + n > b->limit) {
        b->too_big = 1;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d) return 0;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = 0;
    return n;
}

/* Reads the cookie file into a fresh "user:password" string. */
static int read_cookie(via_rpc *r, via_error *err, char **userpwd) {
    *userpwd = NULL;
    FILE *f = fopen(r->cookie_file, "rb");
    if (!f)
        return via_fail(err, VIA_EAUTH, "rpc: cannot read cookie file %s: %s", r->cookie_file,
                        strerror(errno));
    char buf[512];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        buf[--n] = 0;
    if (!n || !strchr(buf, ':')) {
        via_wipe(buf, sizeof buf);
        return via_fail(err, VIA_EAUTH, "rpc: cookie file %s is not '<user>:<password>'",
                        r->cookie_file);
    }
    *userpwd = strdup(buf);
    via_wipe(buf, sizeof buf);
    return *userpwd ? VIA_OK : via_fail(err, VIA_ENOMEM, "rpc: out of memory");
}

/* One HTTP exchange. *transient says whether retrying could help. */
static int rpc_call_once(via_rpc *r, via_error *err, json_t **result, const char *method,
                         const char *request, uint64_t id, int *transient) {
    *transient = 0;
    *result = NULL;
    char *cookie_pwd = NULL;
    if (r->cookie_file) {
        int rc = read_cookie(r, err, &cookie_pwd);
        if (rc) return rc;
    }
    CURL *c = r->curl;
    curl_easy_reset(c);
    body_buf body = {0};
    body.limit = r->cfg.max_response_bytes;
    char errbuf[CURL_ERROR_SIZE] = {0};
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    if (r->auth_header) hdrs = curl_slist_append(hdrs, r->auth_header);
    curl_easy_setopt(c, CURLOPT_URL, r->url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, r->cfg.connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, r->cfg.timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->cfg.max_response_bytes);
    const char *pwd = cookie_pwd ? cookie_pwd : r->userpwd;
    if (pwd) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERPWD, pwd);
    }
    r->stats.attempts++;
    CURLcode cc = curl_easy_perform(c);
    long http = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &http);
    curl_slist_free_all(hdrs);
    if (cookie_pwd) {
        via_wipe_free(cookie_pwd, strlen(cookie_pwd));
    }
    if (err) err->http_status = http;
    int rc = VIA_OK;
    if (cc != CURLE_OK) {
        if (body.too_big || cc == CURLE_FILESIZE_EXCEEDED) {
            rc = via_fail(err, VIA_ETOOBIG, "rpc %s: answer larger than the %zu-byte limit", method,
                          body.limit);
        } else {
            switch (cc) {
            case CURLE_COULDNT_CONNECT:
            case CURLE_OPERATION_TIMEDOUT:
            case CURLE_SEND_ERROR:
            case CURLE_RECV_ERROR:
            case CURLE_GOT_NOTHING:
            case CURLE_PARTIAL_FILE:
            case CURLE_COULDNT_RESOLVE_HOST:
                *transient = 1;
                break;
            default:
                break;
            }
            rc = via_fail(err, VIA_ETRANSPORT, "rpc %s to %s: %s%s%s", method, r->url,
                          curl_easy_strerror(cc), errbuf[0] ? ": " : "", errbuf);
        }
        free(body.data);
        return rc;
    }
    if (http == 401 || http == 403) {
        free(body.data);
        return via_fail(err, VIA_EAUTH, "rpc %s: HTTP %ld (check the RPC credentials)", method,
                        http);
    }
    rc = via_rpc_parse_answer(err, result, method, http, body.data, body.len, id, transient);
    free(body.data);
    return rc;
}

int via_rpc_parse_answer(via_error *err, json_t **result, const char *method, long http,
                         const char *body, size_t len, uint64_t id, int *transient) {
    *result = NULL;
    int rc;
    json_error_t jerr;
    json_t *resp = body ? json_loadb(body, len, 0, &jerr) : NULL;
    json_t *jerror = resp && json_is_object(resp) ? json_object_get(resp, "error") : NULL;
    /* An error object belongs to this request only when it carries this request's id (a
     * JSON-RPC server answers null only when it could not read the id at all). An error for
     * another id is not ours to report: the answer is malformed. */
    json_t *jid0 = resp && json_is_object(resp) ? json_object_get(resp, "id") : NULL;
    if (jerror && !json_is_null(jerror) && !json_is_null(jid0) &&
        (!json_is_integer(jid0) || (uint64_t)json_integer_value(jid0) != id)) {
        json_decref(resp);
        return via_fail(err, VIA_EFORMAT,
                        "rpc %s: error answer for another request (id does "
                        "not match %llu)",
                        method, (unsigned long long)id);
    }
    if (jerror && !json_is_null(jerror)) {
        json_t *jc = json_object_get(jerror, "code");
        json_t *jm = json_object_get(jerror, "message");
        int code = json_is_integer(jc) ? (int)json_integer_value(jc) : 0;
        const char *msg = json_is_string(jm) ? json_string_value(jm) : "(no message)";
        rc = via_fail(err, VIA_ERPC, "rpc %s: error %d: %s", method, code, msg);
        if (err) err->rpc_code = code;
        if (code == -28) *transient = 1; /* RPC_IN_WARMUP */
        json_decref(resp);
        return rc;
    }
    if (http >= 500) {
        /* 5xx without a JSON-RPC error: overloaded node (work queue), proxy, crash. */
        char snippet[81] = {0};
        if (body) {
            size_t k = 0;
            for (size_t i = 0; i < len && k < 80; i++)
                snippet[k++] = (body[i] >= 32 && body[i] < 127) ? body[i] : '.';
        }
        *transient = 1;
        json_decref(resp);
        return via_fail(err, VIA_ETRANSPORT, "rpc %s: HTTP %ld%s%s", method, http,
                        snippet[0] ? ": " : "", snippet);
    }
    if (!resp) {
        rc = via_fail(err, VIA_EFORMAT, "rpc %s: HTTP %ld answer is not JSON (%s at byte %d)",
                      method, http, body ? jerr.text : "empty body", body ? jerr.position : 0);
        return rc;
    }
    if (http != 200) {
        json_decref(resp);
        return via_fail(err, VIA_ETRANSPORT, "rpc %s: unexpected HTTP %ld", method, http);
    }
    json_t *jid = json_object_get(resp, "id");
    json_t *jres = json_is_object(resp) ? json_object_get(resp, "result") : NULL;
    if (!jres || !json_is_integer(jid) || (uint64_t)json_integer_value(jid) != id) {
        json_decref(resp);
        return via_fail(err, VIA_EFORMAT,
                        "rpc %s: answer lacks \"result\" or its id does not match %llu", method,
                        (unsigned long long)id);
    }
    *result = json_incref(jres);
    json_decref(resp);
    return VIA_OK;
}

int via_rpc_call(via_rpc *r, via_error *err, json_t **result, const char *method, json_t *params) {
    *result = NULL;
    if (err) {
        err->code = 0;
        err->rpc_code = 0;
        err->http_status = 0;
        err->msg[0] = 0;
    }
    r->stats.calls++;
    if (!params) params = json_array();
    json_t *req = json_pack("{s:s,s:I,s:s,s:o}", "jsonrpc", r->cfg.jsonrpc2 ? "2.0" : "1.0", "id",
                            (json_int_t)r->next_id, "method", method, "params", params);
    if (!req) return via_fail(err, VIA_ENOMEM, "rpc %s: cannot build request", method);
    uint64_t id = r->next_id++;
    char *request = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    if (!request) return via_fail(err, VIA_ENOMEM, "rpc %s: cannot encode", method);

    int rc = VIA_OK;
    for (int attempt = 0;; attempt++) {
        int64_t now = via_chain_now_ms();
        if (r->stats.breaker_state == BREAKER_OPEN) {
            if (now - r->opened_at_ms >= r->cfg.breaker_cooldown_ms) {
                r->stats.breaker_state = BREAKER_HALF_OPEN;
            } else {
                r->stats.breaker_rejects++;
                rc = via_fail(err, VIA_EBREAKER,
                              "rpc %s: circuit breaker open after %d consecutive transient "
                              "failures; retry in %lld ms",
                              method, r->consecutive_failures,
                              (long long)(r->cfg.breaker_cooldown_ms - (now - r->opened_at_ms)));
                break;
            }
        }
        int transient = 0;
        rc = rpc_call_once(r, err, result, method, request, id, &transient);
        if (!transient) {
            /* Any answer that is not transient proves the node is reachable. */
            r->consecutive_failures = 0;
            r->stats.breaker_state = BREAKER_CLOSED;
            break;
        }
        r->stats.transient_failures++;
        r->consecutive_failures++;
        if (r->stats.breaker_state == BREAKER_HALF_OPEN ||
            r->consecutive_failures >= r->cfg.breaker_threshold) {
            r->stats.breaker_state = BREAKER_OPEN;
            r->stats.breaker_opens++;
            r->opened_at_ms = via_chain_now_ms();
            break;
        }
        if (attempt >= r->cfg.max_retries) break;
        long cap = r->cfg.backoff_base_ms;
        for (int i = 0; i < attempt && cap < r->cfg.backoff_max_ms; i++)
            cap *= 2;
        if (cap > r->cfg.backoff_max_ms) cap = r->cfg.backoff_max_ms;
        long delay =
            cap / 2 + (cap > 1 ? (long)(rng_next(&r->rng) % (uint64_t)(cap - cap / 2 + 1)) : 0);
        sleep_ms(delay);
        r->stats.retries++;
    }
    free(request);
    return rc;
}

/* ---- typed wrappers ---- */

static int want(via_error *err, json_t *v, int ok, const char *method, const char *what) {
    if (ok) return VIA_OK;
    (void)v;
    return via_fail(err, VIA_EFORMAT, "rpc %s: answer lacks %s", method, what);
}

static int is_hash_hex(const char *s) {
    if (!s || strlen(s) != 64) return 0;
    for (int i = 0; i < 64; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return 0;
    }
    return 1;
}

static int copy_hash(via_error *err, char out[65], json_t *v, const char *method,
                     const char *what) {
    if (!json_is_string(v) || !is_hash_hex(json_string_value(v)))
        return via_fail(err, VIA_EFORMAT, "rpc %s: %s is not a 64-hex-digit hash", method, what);
    memcpy(out, json_string_value(v), 65);
    return VIA_OK;
}

int via_rpc_getblockchaininfo(via_rpc *r, via_error *err, via_rpc_chain_info *out) {
    memset(out, 0, sizeof *out);
    json_t *res;
    int rc = via_rpc_call(r, err, &res, "getblockchaininfo", NULL);
    if (rc) return rc;
    json_t *chain = json_object_get(res, "chain"), *blocks = json_object_get(res, "blocks"),
           *headers = json_object_get(res, "headers");
    rc = want(err, res,
              json_is_string(chain) && strlen(json_string_value(chain)) < sizeof out->chain &&
                  json_is_integer(blocks) && json_is_integer(headers),
              "getblockchaininfo", "chain/blocks/headers");
    if (!rc)
        rc = copy_hash(err, out->bestblockhash, json_object_get(res, "bestblockhash"),
                       "getblockchaininfo", "bestblockhash");
    if (!rc) {
        snprintf(out->chain, sizeof out->chain, "%s", json_string_value(chain));
        out->blocks = json_integer_value(blocks);
        out->headers = json_integer_value(headers);
        out->initial_block_download = json_is_true(json_object_get(res, "initialblockdownload"));
    } else {
        memset(out, 0, sizeof *out);
    }
    json_decref(res);
    return rc;
}

int via_rpc_getblockcount(via_rpc *r, via_error *err, int64_t *height) {
    *height = -1;
    json_t *res;
    int rc = via_rpc_call(r, err, &res, "getblockcount", NULL);
    if (rc) return rc;
    rc = want(err, res, json_is_integer(res) && json_integer_value(res) >= 0, "getblockcount",
              "a non-negative integer");
    if (!rc) *height = json_integer_value(res);
    json_decref(res);
    return rc;
}

int via_rpc_getblockhash(via_rpc *r, via_error *err, char hash_hex[65], int64_t height) {
    hash_hex[0] = 0;
    if (height < 0) return via_fail(err, VIA_EINVAL, "getblockhash: negative height");
    json_t *res;
    int rc = via_rpc_call(r, err, &res, "getblockhash", json_pack("[I]", (json_int_t)height));
    if (rc) return rc;
    rc = copy_hash(err, hash_hex, res, "getblockhash", "the result");
    json_decref(res);
    return rc;
}

int via_rpc_getblock(via_rpc *r, via_error *err, json_t **block, const char *hash_hex) {
    *block = NULL;
    if (!is_hash_hex(hash_hex))
        return via_fail(err, VIA_EINVAL, "getblock: '%s' is not a block hash",
                        hash_hex ? hash_hex : "(null)");
    json_t *res;
    int rc = via_rpc_call(r, err, &res, "getblock", json_pack("[si]", hash_hex, 2));
    if (rc) return rc;
    json_t *txs = json_object_get(res, "tx");
    rc = want(err, res,
              json_is_object(res) && json_is_array(txs) &&
                  json_is_integer(json_object_get(res, "height")) &&
                  json_is_string(json_object_get(res, "hash")),
              "getblock", "hash/height/tx[]");
    for (size_t i = 0; !rc && i < json_array_size(txs); i++) {
        json_t *t = json_array_get(txs, i);
        if (!json_is_string(json_object_get(t, "hex")) ||
            !is_hash_hex(json_string_value(json_object_get(t, "txid"))))
            rc = via_fail(err, VIA_EFORMAT, "rpc getblock %s: tx[%zu] lacks txid/hex (verbosity 2)",
                          hash_hex, i);
    }
    if (rc) {
        json_decref(res);
        return rc;
    }
    *block = res;
    return VIA_OK;
}

int via_rpc_getrawtransaction(via_rpc *r, via_error *err, uint8_t **raw, size_t *raw_len,
                              const char *txid_hex) {
    *raw = NULL;
    *raw_len = 0;
    if (!is_hash_hex(txid_hex))
        return via_fail(err, VIA_EINVAL, "getrawtransaction: '%s' is not a txid",
                        txid_hex ? txid_hex : "(null)");
    json_t *res;
    int rc = via_rpc_call(r, err, &res, "getrawtransaction", json_pack("[sb]", txid_hex, 0));
    if (rc) return rc;
    if (!json_is_string(res))
        rc = via_fail(err, VIA_EFORMAT, "rpc getrawtransaction: result is not hex");
    else
        rc = via_chain_hex_decode(err, raw, raw_len, json_string_value(res),
                                  "getrawtransaction result");
    json_decref(res);
    return rc;
}

int via_rpc_getrawtransaction_verbose(via_rpc *r, via_error *err, json_t **tx,
                                      const char *txid_hex) {
    *tx = NULL;
    if (!is_hash_hex(txid_hex))
        return via_fail(err, VIA_EINVAL, "getrawtransaction: '%s' is not a txid",
                        txid_hex ? txid_hex : "(null)");
    json_t *res;
    int rc = via_rpc_call(r, err, &res, "getrawtransaction", json_pack("[sb]", txid_hex, 1));
    if (rc) return rc;
    if (!json_is_object(res) || !json_is_string(json_object_get(res, "txid"))) {
        json_decref(res);
        return via_fail(err, VIA_EFORMAT, "rpc getrawtransaction: verbose result lacks txid");
    }
    *tx = res;
    return VIA_OK;
}

static char *hex_of(const uint8_t *raw, size_t len) {
    char *h = malloc(2 * len + 1);
    if (h) via_hex_encode(h, raw, len);
    return h;
}

int via_rpc_sendrawtransaction(via_rpc *r, via_error *err, char txid_hex[65], const uint8_t *raw,
                               size_t raw_len) {
    txid_hex[0] = 0;
    char *h = hex_of(raw, raw_len);
    if (!h) return via_fail(err, VIA_ENOMEM, "sendrawtransaction: out of memory");
    json_t *res;
    int rc = via_rpc_call(r, err, &res, "sendrawtransaction", json_pack("[s]", h));
    free(h);
    if (rc) return rc;
    rc = copy_hash(err, txid_hex, res, "sendrawtransaction", "the result");
    json_decref(res);
    return rc;
}

int via_rpc_testmempoolaccept(via_rpc *r, via_error *err, via_rpc_mempool_accept *out,
                              const uint8_t *raw, size_t raw_len) {
    memset(out, 0, sizeof *out);
    char *h = hex_of(raw, raw_len);
    if (!h) return via_fail(err, VIA_ENOMEM, "testmempoolaccept: out of memory");
    json_t *res;
    int rc = via_rpc_call(r, err, &res, "testmempoolaccept", json_pack("[[s]]", h));
    free(h);
    if (rc) return rc;
    json_t *e = json_array_get(res, 0);
    json_t *allowed = json_object_get(e, "allowed");
    rc = want(err, res, json_is_array(res) && json_array_size(res) == 1 && json_is_boolean(allowed),
              "testmempoolaccept", "[{allowed}]");
    if (!rc)
        rc = copy_hash(err, out->txid, json_object_get(e, "txid"), "testmempoolaccept", "txid");
    if (!rc) {
        out->allowed = json_is_true(allowed);
        json_t *reason = json_object_get(e, "reject-reason");
        if (json_is_string(reason))
            snprintf(out->reject_reason, sizeof out->reject_reason, "%s",
                     json_string_value(reason));
    } else {
        memset(out, 0, sizeof *out);
    }
    json_decref(res);
    return rc;
}

int via_rpc_estimatesmartfee(via_rpc *r, via_error *err, uint64_t *sat_per_kvb, int *blocks,
                             int target) {
    *sat_per_kvb = 0;
    *blocks = 0;
    if (target < 1 || target > 1008)
        return via_fail(err, VIA_EINVAL, "estimatesmartfee: target %d not in 1..1008", target);
    json_t *res;
    int rc = via_rpc_call(r, err, &res, "estimatesmartfee", json_pack("[i]", target));
    if (rc) return rc;
    json_t *fr = json_object_get(res, "feerate"), *bl = json_object_get(res, "blocks");
    if (!json_is_number(fr)) {
        json_t *errs = json_object_get(res, "errors");
        const char *m = json_is_string(json_array_get(errs, 0))
                            ? json_string_value(json_array_get(errs, 0))
                            : "no feerate in answer";
        rc = via_fail(err, json_is_array(errs) ? VIA_ERPC : VIA_EFORMAT, "rpc estimatesmartfee: %s",
                      m);
    } else if (json_number_value(fr) < 0 || json_number_value(fr) > 1.0) {
        rc = via_fail(err, VIA_EFORMAT, "rpc estimatesmartfee: feerate %g BTC/kvB out of range",
                      json_number_value(fr));
    } else {
        /* BTC/kvB with 8 decimals: round to the nearest satoshi. */
        *sat_per_kvb = (uint64_t)(json_number_value(fr) * 1e8 + 0.5);
        *blocks = json_is_integer(bl) ? (int)json_integer_value(bl) : target;
    }
    json_decref(res);
    return rc;
}

int via_rpc_getrawmempool(via_rpc *r, via_error *err, json_t **txids) {
    *txids = NULL;
    json_t *res;
    int rc = via_rpc_call(r, err, &res, "getrawmempool", NULL);
    if (rc) return rc;
    if (!json_is_array(res)) {
        json_decref(res);
        return via_fail(err, VIA_EFORMAT, "rpc getrawmempool: result is not an array");
    }
    for (size_t i = 0; i < json_array_size(res); i++)
        if (!is_hash_hex(json_string_value(json_array_get(res, i)))) {
            json_decref(res);
            return via_fail(err, VIA_EFORMAT, "rpc getrawmempool: entry %zu is not a txid", i);
        }
    *txids = res;
    return VIA_OK;
}

/* Bitcoin amounts arrive as JSON reals in BTC; convert exactly enough for 8 decimals. */
static int btc_to_sat(json_t *v, uint64_t *sat) {
    if (!json_is_number(v)) return 0;
    double d = json_number_value(v);
    if (d < 0 || d > 21e6) return 0;
    *sat = (uint64_t)(d * 1e8 + 0.5);
    return 1;
}

static int copy_script(via_error *err, uint8_t *out, size_t *out_len, size_t cap, json_t *hexv,
                       const char *method) {
    uint8_t *b;
    size_t n;
    if (!json_is_string(hexv))
        return via_fail(err, VIA_EFORMAT, "rpc %s: scriptPubKey hex missing", method);
    int rc = via_chain_hex_decode(err, &b, &n, json_string_value(hexv), "scriptPubKey");
    if (rc) return rc;
    if (n > cap) {
        free(b);
        return via_fail(err, VIA_EFORMAT, "rpc %s: scriptPubKey of %zu bytes exceeds %zu", method,
                        n, cap);
    }
    memcpy(out, b, n);
    *out_len = n;
    free(b);
    return VIA_OK;
}

int via_rpc_gettxout(via_rpc *r, via_error *err, via_rpc_txout *out, const char *txid_hex,
                     uint32_t vout, int include_mempool) {
    memset(out, 0, sizeof *out);
    if (!is_hash_hex(txid_hex))
        return via_fail(err, VIA_EINVAL, "gettxout: '%s' is not a txid",
                        txid_hex ? txid_hex : "(null)");
    json_t *res;
    int rc = via_rpc_call(r, err, &res, "gettxout",
                          json_pack("[sIb]", txid_hex, (json_int_t)vout, include_mempool != 0));
    if (rc) return rc;
    if (json_is_null(res)) {
        json_decref(res);
        return VIA_OK;
    }
    json_t *spk = json_object_get(res, "scriptPubKey");
    rc = copy_hash(err, out->bestblock, json_object_get(res, "bestblock"), "gettxout", "bestblock");
    if (!rc && (!json_is_integer(json_object_get(res, "confirmations")) ||
                !btc_to_sat(json_object_get(res, "value"), &out->value_sat)))
        rc = via_fail(err, VIA_EFORMAT, "rpc gettxout: confirmations/value missing");
    if (!rc)
        rc = copy_script(err, out->script_pubkey, &out->script_pubkey_len,
                         sizeof out->script_pubkey, json_object_get(spk, "hex"), "gettxout");
    if (!rc) {
        out->found = 1;
        out->confirmations = json_integer_value(json_object_get(res, "confirmations"));
        out->coinbase = json_is_true(json_object_get(res, "coinbase"));
    } else {
        memset(out, 0, sizeof *out);
    }
    json_decref(res);
    return rc;
}

int via_rpc_scantxoutset(via_rpc *r, via_error *err, via_rpc_utxo **utxos, size_t *n_utxos,
                         const char *const *descriptors, size_t n_descriptors) {
    *utxos = NULL;
    *n_utxos = 0;
    json_t *descs = json_array();
    for (size_t i = 0; i < n_descriptors; i++)
        json_array_append_new(descs, json_string(descriptors[i]));
    json_t *res;
    int rc = via_rpc_call(r, err, &res, "scantxoutset", json_pack("[so]", "start", descs));
    if (rc) return rc;
    json_t *un = json_object_get(res, "unspents");
    if (!json_is_array(un)) {
        json_decref(res);
        return via_fail(err, VIA_EFORMAT, "rpc scantxoutset: no unspents array");
    }
    size_t n = json_array_size(un);
    via_rpc_utxo *u = calloc(n ? n : 1, sizeof *u);
    if (!u) {
        json_decref(res);
        return via_fail(err, VIA_ENOMEM, "scantxoutset: out of memory");
    }
    for (size_t i = 0; i < n && !rc; i++) {
        json_t *e = json_array_get(un, i);
        json_t *vo = json_object_get(e, "vout"), *h = json_object_get(e, "height");
        rc = copy_hash(err, u[i].txid, json_object_get(e, "txid"), "scantxoutset", "txid");
        if (!rc && (!json_is_integer(vo) || json_integer_value(vo) < 0 ||
                    json_integer_value(vo) > UINT32_MAX ||
                    !btc_to_sat(json_object_get(e, "amount"), &u[i].value_sat)))
            rc = via_fail(err, VIA_EFORMAT, "rpc scantxoutset: unspent %zu lacks vout/amount", i);
        if (!rc)
            rc = copy_script(err, u[i].script_pubkey, &u[i].script_pubkey_len,
                             sizeof u[i].script_pubkey, json_object_get(e, "scriptPubKey"),
                             "scantxoutset");
        if (!rc) {
            u[i].vout = (uint32_t)json_integer_value(vo);
            u[i].height = json_is_integer(h) ? json_integer_value(h) : 0;
            u[i].coinbase = json_is_true(json_object_get(e, "coinbase"));
            json_t *tip = json_object_get(res, "height");
            u[i].tip_height = json_is_integer(tip) ? json_integer_value(tip) : 0;
        }
    }
    json_decref(res);
    if (rc) {
        free(u);
        return rc;
    }
    *utxos = u;
    *n_utxos = n;
    return VIA_OK;
}

int via_chain_hex_decode(via_error *err, uint8_t **out, size_t *out_len, const char *hex,
                         const char *what) {
    int rc = via_hex_decode(out, out_len, hex, err);
    if (rc && err) {
        char m[sizeof err->msg];
        snprintf(m, sizeof m, "%s", err->msg);
        via_fail(err, rc, "%s: %s", what, m);
    }
    return rc;
}
