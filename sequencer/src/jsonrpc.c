/* JSON-RPC 2.0 request parsing; see via/jsonrpc.h. */
#include "via/jsonrpc.h"

#include <string.h>

void via_jsonrpc_request_free(via_jsonrpc_request *req) {
    if (!req) return;
    json_decref(req->root);
    memset(req, 0, sizeof *req);
}

static int bad(int *code, int c, via_error *err, const char *msg) {
    *code = c;
    return via_fail(err, VIA_EFORMAT, "%s", msg);
}

int via_jsonrpc_parse(via_jsonrpc_request *req, const char *body, size_t len, int *code,
                      via_error *err) {
    memset(req, 0, sizeof *req);
    *code = 0;
    json_error_t je;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        *code = VIA_JSONRPC_PARSE_ERROR;
        return via_fail(err, VIA_EFORMAT, "parse error: %s (line %d, column %d)", je.text, je.line,
                        je.column);
    }
    int rc = VIA_OK;
    if (!json_is_object(root)) {
        rc = bad(code, VIA_JSONRPC_INVALID_REQUEST, err,
                 "invalid request: a JSON object is expected (batches are not accepted)");
        goto out;
    }
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        if (strcmp(key, "jsonrpc") && strcmp(key, "method") && strcmp(key, "params") &&
            strcmp(key, "id")) {
            rc = bad(code, VIA_JSONRPC_INVALID_REQUEST, err,
                     "invalid request: only jsonrpc, method, params and id are allowed");
            goto out;
        }
    }
    const char *ver = json_string_value(json_object_get(root, "jsonrpc"));
    if (!ver || strcmp(ver, "2.0")) {
        rc = bad(code, VIA_JSONRPC_INVALID_REQUEST, err,
                 "invalid request: \"jsonrpc\" must be \"2.0\"");
        goto out;
    }
    const char *m = json_string_value(json_object_get(root, "method"));
    size_t ml = m ? json_string_length(json_object_get(root, "method")) : 0;
    int printable = m && ml >= 1 && ml <= 64 && strlen(m) == ml;
    for (size_t i = 0; printable && i < ml; i++)
        if (m[i] < 0x21 || m[i] > 0x7e) printable = 0;
    if (!printable) {
        rc = bad(code, VIA_JSONRPC_INVALID_REQUEST, err,
                 "invalid request: \"method\" must be 1 to 64 printable ASCII characters");
        goto out;
    }
    json_t *params = json_object_get(root, "params");
    if (params && (!json_is_array(params) || json_array_size(params) > VIA_JSONRPC_MAX_PARAMS)) {
        rc = bad(code, VIA_JSONRPC_INVALID_REQUEST, err,
                 "invalid request: \"params\" must be an array of at most 16 values");
        goto out;
    }
    json_t *id = json_object_get(root, "id");
    if (id && !json_is_string(id) && !json_is_number(id) && !json_is_null(id)) {
        rc = bad(code, VIA_JSONRPC_INVALID_REQUEST, err,
                 "invalid request: \"id\" must be a string, a number or null");
        goto out;
    }
    if (!params) {
        params = json_array();
        json_object_set_new(root, "params", params);
    }
    if (!id) {
        json_object_set_new(root, "id", json_null());
        id = json_object_get(root, "id");
    }
    req->root = root;
    req->id = id;
    req->method = m;
    req->params = params;
    return VIA_OK;
out:
    json_decref(root);
    return rc;
}
