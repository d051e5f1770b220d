/* BLAKE2b against tests/vectors/blake2b.txt (RFC 7693 and @noble/hashes vectors), fed
 * both in one call and byte by byte, so buffering across block boundaries is exercised. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "via/blake2b.h"

static size_t unhex(uint8_t *out, size_t cap, const char *s) {
    if (strcmp(s, "-") == 0) return 0;
    size_t n = strlen(s) / 2;
    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n;
}

static void test_vectors(void **state) {
    (void)state;
    const char *dir = getenv("VIA_VECTORS");
    char path[1024];
    snprintf(path, sizeof path, "%s/blake2b.txt", dir ? dir : "vectors");
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char line[8192], keyh[256], msgh[4096], digh[256];
    static uint8_t key[64], msg[2048], want[64], got[64];
    int count = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        unsigned outlen;
        assert_int_equal(sscanf(line, "%u %255s %4095s %255s", &outlen, keyh, msgh, digh), 4);
        size_t keylen = unhex(key, sizeof key, keyh);
        size_t msglen = unhex(msg, sizeof msg, msgh);
        assert_int_equal(unhex(want, sizeof want, digh), outlen);

        via_blake2b_ctx ctx;
        via_blake2b_init_key(&ctx, outlen, key, keylen);
        via_blake2b_update(&ctx, msg, msglen);
        via_blake2b_final(&ctx, got);
        assert_memory_equal(got, want, outlen);

        via_blake2b_init_key(&ctx, outlen, key, keylen);
        for (size_t i = 0; i < msglen; i++)
            via_blake2b_update(&ctx, msg + i, 1);
        via_blake2b_update(&ctx, msg, 0);
        via_blake2b_final(&ctx, got);
        assert_memory_equal(got, want, outlen);

        if (outlen == 64 && keylen == 0) {
            via_blake2b_512(got, msg, msglen);
            assert_memory_equal(got, want, 64);
        }
        count++;
    }
    fclose(f);
    assert_true(count >= 18);
}

/* A copied context continues independently (snarkjs clones running hashers). */
static void test_clone(void **state) {
    (void)state;
    uint8_t a[64], b[64], c[64];
    via_blake2b_ctx x, y;
    via_blake2b_init(&x, 64);
    via_blake2b_update(&x, "hello ", 6);
    y = x;
    via_blake2b_update(&x, "world", 5);
    via_blake2b_update(&y, "there", 5);
    via_blake2b_final(&x, a);
    via_blake2b_final(&y, b);
    via_blake2b_512(c, "hello world", 11);
    assert_memory_equal(a, c, 64);
    assert_memory_not_equal(a, b, 64);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_clone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
