/* ffjavascript's ChaCha generator against tests/vectors/snarkjs_rng.txt ("chacha" lines:
 * ffjavascript output; the zero-seed words are also the RFC 8439 A.1 vectors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "via/chacha.h"

static void test_vectors(void **state) {
    (void)state;
    const char *dir = getenv("VIA_VECTORS");
    char path[1024];
    snprintf(path, sizeof path, "%s/snarkjs_rng.txt", dir ? dir : "vectors");
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char line[4096], kind[32], seedh[128], outh[1024];
    int count = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "chacha ", 7) != 0) continue;
        assert_int_equal(sscanf(line, "%31s %127s %1023s", kind, seedh, outh), 3);
        assert_int_equal(strlen(seedh), 64);
        assert_int_equal(strlen(outh), 320);
        uint32_t seed[8];
        for (int i = 0; i < 8; i++)
            assert_int_equal(sscanf(seedh + 8 * i, "%8x", &seed[i]), 1);
        via_chacha rng;
        via_chacha_init(&rng, seed);
        for (int i = 0; i < 40; i += 2) {
            unsigned hi, lo;
            assert_int_equal(sscanf(outh + 8 * i, "%8x", &hi), 1);
            assert_int_equal(sscanf(outh + 8 * (i + 1), "%8x", &lo), 1);
            if (i % 4 == 0) {
                assert_int_equal(via_chacha_next_u32(&rng), hi);
                assert_int_equal(via_chacha_next_u32(&rng), lo);
            } else {
                /* nextU64 draws the high word first. */
                assert_int_equal(via_chacha_next_u64(&rng), ((uint64_t)hi << 32) | lo);
            }
        }
        count++;
    }
    fclose(f);
    assert_int_equal(count, 3);
}

/* Seeding from a digest reads big-endian words. */
static void test_seed_from_hash(void **state) {
    (void)state;
    uint8_t d[32];
    uint32_t seed[8];
    for (int i = 0; i < 32; i++)
        d[i] = (uint8_t)(i * 37 + 1);
    for (int i = 0; i < 8; i++)
        seed[i] = (uint32_t)d[4 * i] << 24 | (uint32_t)d[4 * i + 1] << 16 |
                  (uint32_t)d[4 * i + 2] << 8 | d[4 * i + 3];
    via_chacha a, b;
    via_chacha_init_from_hash(&a, d);
    via_chacha_init(&b, seed);
    for (int i = 0; i < 50; i++)
        assert_int_equal(via_chacha_next_u32(&a), via_chacha_next_u32(&b));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_seed_from_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
