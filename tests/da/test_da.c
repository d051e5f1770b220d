/* Data availability (da/): references (binary and text round trips, every malformed form
 * refused); the PostgreSQL backend (round trip, content addressing, a row whose bytes were
 * changed refused, a missing blob); the Celestia backend against the in-process stand-in
 * (tests/da/celestia_standin.c, a test fixture): round trip, the bearer token required,
 * transient 503s retried, the circuit breaker opening, corrupted data refused, a blob over the
 * size limit refused; a reference of one backend given to the other. VIA_TEST_PG (from
 * tests/lib/pg.sh) enables the PostgreSQL part. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "celestia_standin.h"
#include "via/da.h"

static uint8_t *blob_of(size_t n, uint8_t seed) {
    uint8_t *b = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(seed + i * 31 + (i >> 8));
    return b;
}

static void test_refs(void **state) {
    (void)state;
    via_error err = {0};
    via_da_ref r = {0}, back;
    r.backend = VIA_DA_CELESTIA;
    for (int i = 0; i < 32; i++) {
        r.hash[i] = (uint8_t)i;
        r.commitment[i] = (uint8_t)(255 - i);
    }
    r.height = 123456789;
    uint8_t bin[VIA_DA_REF_MAX];
    size_t n = via_da_ref_encode(bin, &r);
    assert_int_equal(n, 73);
    assert_int_equal(via_da_ref_decode(&back, bin, n, &err), VIA_OK);
    assert_memory_equal(&back, &r, sizeof r);
    char t[VIA_DA_REF_TEXT_MAX];
    via_da_ref_text(t, &r);
    assert_int_equal(via_da_ref_parse(&back, t, &err), VIA_OK);
    assert_memory_equal(&back, &r, sizeof r);
    r.backend = VIA_DA_POSTGRES;
    r.height = 0;
    memset(r.commitment, 0, 32);
    assert_int_equal(via_da_ref_encode(bin, &r), 33);
    assert_int_equal(via_da_ref_decode(&back, bin, 33, &err), VIA_OK);
    assert_memory_equal(&back, &r, sizeof r);
    via_da_ref_text(t, &r);
    assert_int_equal(via_da_ref_parse(&back, t, &err), VIA_OK);
    /* malformed */
    assert_int_equal(via_da_ref_decode(&back, bin, 32, &err), VIA_EFORMAT);
    assert_int_equal(via_da_ref_decode(&back, bin, 0, &err), VIA_EFORMAT);
    bin[0] = 7;
    assert_int_equal(via_da_ref_decode(&back, bin, 33, &err), VIA_EFORMAT);
    assert_non_null(strstr(err.msg, "unknown backend 7"));
    static const char *bad[] = {
        "postgres:",
        "postgres:00",
        "ipfs:abc",
        "postgres:ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB",
        "celestia:0:0000000000000000000000000000000000000000000000000000000000000000:"
        "0000000000000000000000000000000000000000000000000000000000000000",
        "celestia:12:00:00",
        "celestia:x:0000000000000000000000000000000000000000000000000000000000000000:"
        "0000000000000000000000000000000000000000000000000000000000000000",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(via_da_ref_parse(&back, bad[i], &err), VIA_EFORMAT);
}

static void test_postgres(void **state) {
    (void)state;
    const char *pg = getenv("VIA_TEST_PG");
    if (!pg) {
        skip();
        return;
    }
    via_error err = {0};
    via_da *da;
    assert_int_equal(via_da_open_postgres(&da, pg, &err), VIA_OK);
    size_t n = 100000;
    uint8_t *b = blob_of(n, 3), *got;
    size_t len;
    via_da_ref r, r2;
    assert_int_equal(via_da_put(da, b, n, &r, &err), VIA_OK);
    assert_int_equal(via_da_put(da, b, n, &r2, &err), VIA_OK); /* the same bytes, one row */
    assert_memory_equal(&r, &r2, sizeof r);
    assert_int_equal(via_da_get(da, &r, &got, &len, &err), VIA_OK);
    assert_int_equal(len, n);
    assert_memory_equal(got, b, n);
    free(got);
    /* an empty blob */
    via_da_ref re;
    assert_int_equal(via_da_put(da, b, 0, &re, &err), VIA_OK);
    assert_int_equal(via_da_get(da, &re, &got, &len, &err), VIA_OK);
    assert_int_equal(len, 0);
    free(got);
    /* the stored bytes changed behind the store's back: refused */
    PGconn *c = PQconnectdb(pg);
    PGresult *q = PQexec(c, "UPDATE via_da_blobs SET data = overlay(data placing '\\xff' from 5)"
                            " WHERE length(data) > 10");
    assert_int_equal(PQresultStatus(q), PGRES_COMMAND_OK);
    PQclear(q);
    PQfinish(c);
    assert_int_equal(via_da_get(da, &r, &got, &len, &err), VIA_EVERIFY);
    assert_null(got);
    assert_non_null(strstr(err.msg, "does not match its hash"));
    /* not there */
    via_da_ref missing = r;
    missing.hash[0] ^= 1;
    assert_int_equal(via_da_get(da, &missing, &got, &len, &err), VIA_ENOTFOUND);
    /* a celestia reference given to the postgres backend */
    missing.backend = VIA_DA_CELESTIA;
    assert_int_equal(via_da_get(da, &missing, &got, &len, &err), VIA_EINVAL);
    via_da_close(da);
    free(b);
    /* no server */
    assert_int_equal(via_da_open_postgres(&da, "host=127.0.0.1 port=1 connect_timeout=2", &err),
                     VIA_EDB);
}

static via_da *open_cel(unsigned port, const char *token) {
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u", port);
    via_da_celestia_config cfg = {url, token, NULL, 3, 5000, 3, 60000};
    via_da *da;
    via_error err = {0};
    assert_int_equal(via_da_open_celestia(&da, &cfg, &err), VIA_OK);
    return da;
}

static void test_celestia(void **state) {
    (void)state;
    unsigned port;
    celestia_standin *s = celestia_standin_start("s3cret", &port);
    assert_non_null(s);
    via_error err = {0};
    via_da *da = open_cel(port, "s3cret");
    size_t n = 50000;
    uint8_t *b = blob_of(n, 9), *got;
    size_t len;
    via_da_ref r;
    assert_int_equal(via_da_put(da, b, n, &r, &err), VIA_OK);
    assert_int_equal(r.backend, VIA_DA_CELESTIA);
    assert_true(r.height >= 1);
    assert_int_equal(via_da_get(da, &r, &got, &len, &err), VIA_OK);
    assert_int_equal(len, n);
    assert_memory_equal(got, b, n);
    free(got);
    /* two blobs at two heights */
    via_da_ref r2;
    uint8_t *b2 = blob_of(1000, 77);
    assert_int_equal(via_da_put(da, b2, 1000, &r2, &err), VIA_OK);
    assert_true(r2.height > r.height);
    assert_int_equal(via_da_get(da, &r2, &got, &len, &err), VIA_OK);
    assert_memory_equal(got, b2, 1000);
    free(got);
    /* transient failures are retried */
    celestia_standin_fail_next(s, 2);
    assert_int_equal(via_da_get(da, &r, &got, &len, &err), VIA_OK);
    free(got);
    /* the node returns other bytes: refused */
    celestia_standin_corrupt(s, 1);
    assert_int_equal(via_da_get(da, &r, &got, &len, &err), VIA_EVERIFY);
    assert_null(got);
    celestia_standin_corrupt(s, 0);
    /* a reference the node does not have */
    via_da_ref missing = r;
    missing.commitment[0] ^= 1;
    assert_int_equal(via_da_get(da, &missing, &got, &len, &err), VIA_ENOTFOUND);
    /* a blob over the limit is refused before anything is sent */
    unsigned before = celestia_standin_requests(s);
    assert_int_equal(via_da_put(da, b, (size_t)VIA_DA_CELESTIA_MAX_BLOB + 1, &r2, &err),
                     VIA_EINVAL);
    assert_int_equal(celestia_standin_requests(s), before);
    /* a postgres reference given to the celestia backend */
    missing.backend = VIA_DA_POSTGRES;
    assert_int_equal(via_da_get(da, &missing, &got, &len, &err), VIA_EINVAL);
    via_da_close(da);

    /* the wrong token */
    da = open_cel(port, "wrong");
    assert_int_equal(via_da_put(da, b2, 100, &r2, &err), VIA_EAUTH);
    via_da_close(da);

    /* a node that keeps failing: retries run out, then the breaker opens and calls are
     * refused without a request */
    da = open_cel(port, "s3cret");
    celestia_standin_fail_next(s, 1000);
    assert_int_equal(via_da_get(da, &r, &got, &len, &err), VIA_ETRANSPORT);
    before = celestia_standin_requests(s);
    assert_int_equal(via_da_get(da, &r, &got, &len, &err), VIA_EBREAKER);
    assert_int_equal(celestia_standin_requests(s), before);
    celestia_standin_fail_next(s, 0);
    via_da_close(da);
    celestia_standin_stop(s);
    free(b);
    free(b2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refs),
        cmocka_unit_test(test_postgres),
        cmocka_unit_test(test_celestia),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
