/* TEST FIXTURE: a stand-in for a Celestia node's JSON-RPC, serving the subset the DA client
 * uses (blob.Submit, blob.GetAll, blob.Get; JSON-RPC 2.0 over HTTP with a bearer token). It is
 * not Celestia: blobs live in memory, every submission is its own "block" (height 1, 2, ...),
 * and the commitment is SHA-256(namespace || data), not Celestia's share commitment; the DA
 * client takes the commitment from blob.GetAll, as it does from a real node. Knobs for tests:
 * the next N requests answer HTTP 503; returned data can be corrupted. */
#include "celestia_standin.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <arpa/inet.h>
#include <netinet/in.h>

typedef struct {
    char *ns, *data, *commitment; /* base64 as received / computed */
    uint64_t height;
} blob;

struct celestia_standin {
    struct MHD_Daemon *d;
    char token[128];
    pthread_mutex_t mu;
    blob *blobs;
    size_t n, cap;
    uint64_t height;
    int fail_next, corrupt;
    unsigned requests;
};

typedef struct {
    char *buf;
    size_t len;
} body;

static char *b64(const unsigned char *d, size_t n) {
    char *o = malloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)o, d, (int)n);
    return o;
}

static json_t *rpc_error(json_t *id, int code, const char *msg) {
    return json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id", id, "error", "code", code,
                     "message", msg);
}

static json_t *blob_json(const celestia_standin *s, const blob *b, size_t index) {
    char *data = strdup(b->data);
    if (s->corrupt && data[0]) data[0] = data[0] == 'A' ? 'B' : 'A';
    json_t *j = json_pack("{s:s,s:s,s:i,s:s,s:i}", "namespace", b->ns, "data", data,
                          "share_version", 0, "commitment", b->commitment, "index", (int)index);
    free(data);
    return j;
}

static json_t *dispatch(celestia_standin *s, json_t *req) {
    json_t *id = json_object_get(req, "id");
    const char *method = json_string_value(json_object_get(req, "method"));
    json_t *params = json_object_get(req, "params");
    if (!id || !method || !json_is_array(params))
        return rpc_error(json_null(), -32600, "invalid request");
    json_t *result = NULL;
    pthread_mutex_lock(&s->mu);
    if (!strcmp(method, "blob.Submit")) {
        json_t *blobs = json_array_get(params, 0);
        if (!json_is_array(blobs) || json_array_size(blobs) == 0) {
            pthread_mutex_unlock(&s->mu);
            return rpc_error(id, -32602, "blob.Submit: no blobs");
        }
        s->height++;
        size_t i;
        json_t *b;
        json_array_foreach(blobs, i, b) {
            const char *ns = json_string_value(json_object_get(b, "namespace"));
            const char *data = json_string_value(json_object_get(b, "data"));
            if (!ns || !data) {
                pthread_mutex_unlock(&s->mu);
                return rpc_error(id, -32602, "blob.Submit: a blob needs namespace and data");
            }
            if (s->n == s->cap) {
                s->cap = s->cap ? 2 * s->cap : 16;
                s->blobs = realloc(s->blobs, s->cap * sizeof *s->blobs);
            }
            unsigned char h[32];
            size_t ln = strlen(ns), ld = strlen(data);
            char *cat = malloc(ln + ld + 1);
            memcpy(cat, ns, ln);
            memcpy(cat + ln, data, ld);
            EVP_Digest(cat, ln + ld, h, NULL, EVP_sha256(), NULL);
            free(cat);
            blob *nb = &s->blobs[s->n++];
            nb->ns = strdup(ns);
            nb->data = strdup(data);
            nb->commitment = b64(h, 32);
            nb->height = s->height;
        }
        result = json_integer((json_int_t)s->height);
    } else if (!strcmp(method, "blob.GetAll")) {
        json_int_t h = json_integer_value(json_array_get(params, 0));
        const char *ns = json_string_value(json_array_get(json_array_get(params, 1), 0));
        result = json_array();
        for (size_t i = 0, k = 0; i < s->n; i++)
            if (s->blobs[i].height == (uint64_t)h && ns && !strcmp(s->blobs[i].ns, ns))
                json_array_append_new(result, blob_json(s, &s->blobs[i], k++));
        if (json_array_size(result) == 0) {
            json_decref(result);
            pthread_mutex_unlock(&s->mu);
            return rpc_error(id, 1, "blob: not found");
        }
    } else if (!strcmp(method, "blob.Get")) {
        json_int_t h = json_integer_value(json_array_get(params, 0));
        const char *ns = json_string_value(json_array_get(params, 1));
        const char *cm = json_string_value(json_array_get(params, 2));
        for (size_t i = 0; i < s->n && !result; i++)
            if (s->blobs[i].height == (uint64_t)h && ns && cm && !strcmp(s->blobs[i].ns, ns) &&
                !strcmp(s->blobs[i].commitment, cm))
                result = blob_json(s, &s->blobs[i], 0);
        if (!result) {
            pthread_mutex_unlock(&s->mu);
            return rpc_error(id, 1, "blob: not found");
        }
    } else {
        pthread_mutex_unlock(&s->mu);
        return rpc_error(id, -32601, "method not found");
    }
    pthread_mutex_unlock(&s->mu);
    return json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id, "result", result);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *text) {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state) {
    (void)url;
    (void)version;
    celestia_standin *s = cls;
    if (!*state) {
        *state = calloc(1, sizeof(body));
        return MHD_YES;
    }
    body *b = *state;
    if (*upload_size) {
        b->buf = realloc(b->buf, b->len + *upload_size + 1);
        memcpy(b->buf + b->len, upload, *upload_size);
        b->len += *upload_size;
        b->buf[b->len] = 0;
        *upload_size = 0;
        return MHD_YES;
    }
    enum MHD_Result ret;
    pthread_mutex_lock(&s->mu);
    s->requests++;
    int fail = s->fail_next > 0;
    if (fail) s->fail_next--;
    pthread_mutex_unlock(&s->mu);
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    char want[160];
    snprintf(want, sizeof want, "Bearer %s", s->token);
    if (strcmp(method, "POST") != 0) {
        ret = reply(c, 405, "{}");
    } else if (fail) {
        ret = reply(c, 503, "service unavailable");
    } else if (s->token[0] && (!auth || strcmp(auth, want) != 0)) {
        ret = reply(c, 401, "unauthorized");
    } else {
        json_error_t je;
        json_t *req = b->buf ? json_loads(b->buf, 0, &je) : NULL;
        json_t *resp = req ? dispatch(s, req) : rpc_error(json_null(), -32700, "parse error");
        char *text = json_dumps(resp, JSON_COMPACT);
        ret = reply(c, 200, text);
        free(text);
        json_decref(resp);
        json_decref(req);
    }
    free(b->buf);
    free(b);
    *state = NULL;
    return ret;
}

celestia_standin *celestia_standin_start(const char *token, unsigned *port) {
    celestia_standin *s = calloc(1, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    snprintf(s->token, sizeof s->token, "%s", token ? token : "");
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = 0;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
                            NULL, NULL, handle, s, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_END);
    if (!s->d) {
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    *port = info ? info->port : 0;
    return s;
}

void celestia_standin_fail_next(celestia_standin *s, int n) {
    pthread_mutex_lock(&s->mu);
    s->fail_next = n;
    pthread_mutex_unlock(&s->mu);
}

void celestia_standin_corrupt(celestia_standin *s, int on) {
    pthread_mutex_lock(&s->mu);
    s->corrupt = on;
    pthread_mutex_unlock(&s->mu);
}

unsigned celestia_standin_requests(celestia_standin *s) {
    pthread_mutex_lock(&s->mu);
    unsigned n = s->requests;
    pthread_mutex_unlock(&s->mu);
    return n;
}

void celestia_standin_stop(celestia_standin *s) {
    if (!s) return;
    MHD_stop_daemon(s->d);
    for (size_t i = 0; i < s->n; i++) {
        free(s->blobs[i].ns);
        free(s->blobs[i].data);
        free(s->blobs[i].commitment);
    }
    free(s->blobs);
    free(s);
}
