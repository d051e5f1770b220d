/* RPC client failure handling, driven by the stand-in's standin_fail knob: server down,
 * timeouts, HTTP 500/503, garbage JSON, dropped connections, oversized answers, retries
 * counted, breaker opening and recovering, auth failure, cookie auth. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "node.h"

static via_rpc *knob; /* a separate client that sets the failure knob */

static int setup(void **state) {
    knob = node_rpc();
    return 0;
}
static int teardown(void **state) {
    via_rpc_free(knob);
    return 0;
}

static void set_fail(const char *mode, int count, long delay_ms, long size) {
    json_decref(node_call(knob, "standin_fail",
                          json_pack("[{s:s,s:i,s:i,s:i}]", "mode", mode, "count", count, "delay_ms",
                                    (int)delay_ms, "size", (int)size)));
}

static via_rpc *client(int retries, int threshold, long cooldown_ms, long timeout_ms,
                       size_t max_bytes) {
    via_rpc_config cfg = {0};
    cfg.url = getenv("VIA_TEST_RPC_URL");
    cfg.user = getenv("VIA_TEST_RPC_USER");
    cfg.password = getenv("VIA_TEST_RPC_PASS");
    cfg.max_retries = retries;
    cfg.breaker_threshold = threshold;
    cfg.breaker_cooldown_ms = cooldown_ms;
    cfg.timeout_ms = timeout_ms;
    cfg.connect_timeout_ms = 1000;
    cfg.backoff_base_ms = 5;
    cfg.backoff_max_ms = 20;
    cfg.max_response_bytes = max_bytes;
    cfg.jitter_seed = 42;
    via_rpc *r = NULL;
    via_error err = {0};
    assert_int_equal(via_rpc_new(&r, &err, &cfg), 0);
    return r;
}

/* An answer's error belongs to the request only when the answer carries the request's id:
 * an error object for another id is a malformed answer, not that request's error; with the
 * matching id (or null, when the server could not read the request) it is the request's. */
static void test_answer_id_checked_before_error(void **state) {
    (void)state;
    json_t *res = NULL;
    via_error e = {0};
    int transient = 0;
    const char *other = "{\"result\":null,\"error\":{\"code\":-8,\"message\":\"boom\"},\"id\":7}";
    assert_int_equal(
        via_rpc_parse_answer(&e, &res, "getblock", 200, other, strlen(other), 5, &transient),
        VIA_EFORMAT);
    assert_non_null(strstr(e.msg, "another request"));
    assert_int_equal(e.rpc_code, 0);
    const char *mine = "{\"result\":null,\"error\":{\"code\":-8,\"message\":\"boom\"},\"id\":5}";
    assert_int_equal(
        via_rpc_parse_answer(&e, &res, "getblock", 500, mine, strlen(mine), 5, &transient),
        VIA_ERPC);
    assert_int_equal(e.rpc_code, -8);
    const char *unread =
        "{\"result\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error\"},\"id\":null}";
    assert_int_equal(
        via_rpc_parse_answer(&e, &res, "getblock", 500, unread, strlen(unread), 5, &transient),
        VIA_ERPC);
    assert_int_equal(e.rpc_code, -32700);
}

static void test_server_down(void **state) {
    via_rpc_config cfg = {0};
    cfg.url = "http://127.0.0.1:1"; /* nothing listens on port 1 */
    cfg.max_retries = 2;
    cfg.backoff_base_ms = 1;
    cfg.breaker_threshold = 100;
    via_rpc *r = NULL;
    via_error err = {0};
    assert_int_equal(via_rpc_new(&r, &err, &cfg), 0);
    int64_t h = 7;
    assert_int_equal(via_rpc_getblockcount(r, &err, &h), VIA_ETRANSPORT);
    assert_int_equal(h, -1);
    assert_non_null(strstr(err.msg, "getblockcount"));
    via_rpc_stats st;
    via_rpc_get_stats(r, &st);
    assert_int_equal(st.attempts, 3);
    assert_int_equal(st.retries, 2);
    assert_int_equal(st.transient_failures, 3);
    via_rpc_free(r);
}

static void test_http500_then_recover(void **state) {
    via_rpc *r = client(3, 100, 1000, 5000, 0);
    via_error err = {0};
    int64_t h;
    set_fail("http500", 2, 0, 0);
    assert_int_equal(via_rpc_getblockcount(r, &err, &h), 0); /* third attempt succeeds */
    assert_true(h >= 0);
    via_rpc_stats st;
    via_rpc_get_stats(r, &st);
    assert_int_equal(st.retries, 2);
    assert_int_equal(st.transient_failures, 2);
    /* Work queue exceeded (503) is transient too; with no retries left it surfaces. */
    via_rpc *once = client(-1, 100, 1000, 5000, 0);
    set_fail("workqueue", 1, 0, 0);
    assert_int_equal(via_rpc_getblockcount(once, &err, &h), VIA_ETRANSPORT);
    assert_int_equal(err.http_status, 503);
    assert_non_null(strstr(err.msg, "Work queue depth exceeded"));
    via_rpc_get_stats(once, &st);
    assert_int_equal(st.attempts, 1);
    via_rpc_free(once);
    via_rpc_free(r);
}

static void test_garbage_json(void **state) {
    via_rpc *r = client(3, 100, 1000, 5000, 0);
    via_error err = {0};
    int64_t h;
    set_fail("garbage", 1, 0, 0);
    assert_int_equal(via_rpc_getblockcount(r, &err, &h), VIA_EFORMAT);
    assert_non_null(strstr(err.msg, "not JSON"));
    via_rpc_stats st;
    via_rpc_get_stats(r, &st);
    assert_int_equal(st.retries, 0); /* the same request would get the same garbage */
    via_rpc_free(r);
}

static void test_rpc_error_not_retried(void **state) {
    via_rpc *r = client(3, 2, 1000, 5000, 0);
    via_error err = {0};
    char hash[65];
    for (int i = 0; i < 5; i++) {
        assert_int_equal(via_rpc_getblockhash(r, &err, hash, 1000000), VIA_ERPC);
        assert_int_equal(err.rpc_code, -8);
        assert_int_equal(err.http_status, 500);
        assert_non_null(strstr(err.msg, "Block height out of range"));
    }
    via_rpc_stats st;
    via_rpc_get_stats(r, &st);
    assert_int_equal(st.attempts, 5);
    assert_int_equal(st.retries, 0);
    assert_int_equal(st.breaker_state, 0); /* RPC errors never open the breaker */
    via_rpc_free(r);
}

static void test_timeout_and_close(void **state) {
    via_rpc *r = client(1, 100, 1000, 200, 0);
    via_error err = {0};
    int64_t h;
    set_fail("delay", 2, 600, 0);
    assert_int_equal(via_rpc_getblockcount(r, &err, &h), VIA_ETRANSPORT);
    assert_non_null(strstr(err.msg, "imeout"));
    via_rpc_stats st;
    via_rpc_get_stats(r, &st);
    assert_int_equal(st.attempts, 2);
    assert_int_equal(st.retries, 1);
    usleep(900 * 1000); /* let the delayed handlers finish */
    set_fail("close", 1, 0, 0);
    assert_int_equal(via_rpc_getblockcount(r, &err, &h), 0); /* dropped once, then answered */
    via_rpc_get_stats(r, &st);
    assert_int_equal(st.retries, 2);
    via_rpc_free(r);
}

static void test_response_bound(void **state) {
    via_rpc *r = client(3, 100, 1000, 5000, 4096);
    via_error err = {0};
    int64_t h;
    set_fail("huge", 1, 0, 100000);
    assert_int_equal(via_rpc_getblockcount(r, &err, &h), VIA_ETOOBIG);
    via_rpc_stats st;
    via_rpc_get_stats(r, &st);
    assert_int_equal(st.retries, 0);
    assert_int_equal(via_rpc_getblockcount(r, &err, &h), 0);
    via_rpc_free(r);
}

static void test_breaker(void **state) {
    via_rpc *r = client(10, 3, 300, 5000, 0);
    via_error err = {0};
    int64_t h;
    set_fail("http500", 3, 0, 0);
    /* Three consecutive transient failures open the breaker before the retries run out. */
    assert_int_equal(via_rpc_getblockcount(r, &err, &h), VIA_ETRANSPORT);
    via_rpc_stats st;
    via_rpc_get_stats(r, &st);
    assert_int_equal(st.attempts, 3);
    assert_int_equal(st.breaker_state, 1);
    assert_int_equal(st.breaker_opens, 1);
    /* While open: refused without a request. */
    assert_int_equal(via_rpc_getblockcount(r, &err, &h), VIA_EBREAKER);
    assert_non_null(strstr(err.msg, "circuit breaker open"));
    via_rpc_get_stats(r, &st);
    assert_int_equal(st.attempts, 3);
    assert_int_equal(st.breaker_rejects, 1);
    /* Half-open after the cool-down: a failing trial re-opens at once. */
    usleep(350 * 1000);
    set_fail("http500", 1, 0, 0);
    assert_int_equal(via_rpc_getblockcount(r, &err, &h), VIA_ETRANSPORT);
    via_rpc_get_stats(r, &st);
    assert_int_equal(st.attempts, 4);
    assert_int_equal(st.breaker_opens, 2);
    assert_int_equal(st.breaker_state, 1);
    /* A successful trial closes it. */
    usleep(350 * 1000);
    assert_int_equal(via_rpc_getblockcount(r, &err, &h), 0);
    via_rpc_get_stats(r, &st);
    assert_int_equal(st.breaker_state, 0);
    via_rpc_free(r);
}

static void test_auth(void **state) {
    via_rpc_config cfg = {0};
    cfg.url = getenv("VIA_TEST_RPC_URL");
    cfg.user = getenv("VIA_TEST_RPC_USER");
    cfg.password = "wrong";
    via_rpc *r = NULL;
    via_error err = {0};
    int64_t h;
    assert_int_equal(via_rpc_new(&r, &err, &cfg), 0);
    assert_int_equal(via_rpc_getblockcount(r, &err, &h), VIA_EAUTH);
    assert_int_equal(err.http_status, 401);
    via_rpc_free(r);
    /* Cookie file: "<user>:<password>", re-read per request. */
    char path[] = "/tmp/via-cookie-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "%s:%s\n", getenv("VIA_TEST_RPC_USER"), getenv("VIA_TEST_RPC_PASS"));
    fclose(f);
    memset(&cfg, 0, sizeof cfg);
    cfg.url = getenv("VIA_TEST_RPC_URL");
    cfg.cookie_file = path;
    assert_int_equal(via_rpc_new(&r, &err, &cfg), 0);
    assert_int_equal(via_rpc_getblockcount(r, &err, &h), 0);
    unlink(path);
    assert_int_equal(via_rpc_getblockcount(r, &err, &h), VIA_EAUTH);
    assert_non_null(strstr(err.msg, "cookie"));
    via_rpc_free(r);
    /* Bad configuration. */
    cfg.url = "ftp://example";
    assert_int_equal(via_rpc_new(&r, &err, &cfg), VIA_EINVAL);
    assert_null(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answer_id_checked_before_error),
        cmocka_unit_test(test_server_down),
        cmocka_unit_test(test_http500_then_recover),
        cmocka_unit_test(test_garbage_json),
        cmocka_unit_test(test_rpc_error_not_retried),
        cmocka_unit_test(test_timeout_and_close),
        cmocka_unit_test(test_response_bound),
        cmocka_unit_test(test_breaker),
        cmocka_unit_test(test_auth),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
