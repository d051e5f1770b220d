/* The aggregation SRS: built from two development ceremonies, its powers are consistent
 * across G1 and G2 (e(g^(a^(i+1)), h) = e(g^(a^i), h^a)), it survives a write/read round trip
 * (full and verifier part), and every bad input is refused with the reason: too few powers,
 * the same ceremony twice, a size that is not a power of two, truncation at every length, a
 * header that claims more than the file holds, a point off its curve, powers that do not
 * start at the generators. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "via/binfile.h"
#include "via/ptau_dev.h"
#include "via/srs.h"

static char dir[64], pa_path[96], pb_path[96];
static via_ptau pa, pb;

static int setup(void **state) {
    (void)state;
    via_field_init();
    snprintf(dir, sizeof dir, "/tmp/via_srs_XXXXXX");
    if (!mkdtemp(dir)) return -1;
    snprintf(pa_path, sizeof pa_path, "%s/a.ptau", dir);
    snprintf(pb_path, sizeof pb_path, "%s/b.ptau", dir);
    via_error err = {0};
    if (via_ptau_dev_write(pa_path, 3, NULL, NULL, &err) ||
        via_ptau_dev_write(pb_path, 4, NULL, NULL, &err) ||
        via_ptau_read(&pa, pa_path, VIA_PTAU_LOAD_POWERS, &err) ||
        via_ptau_read(&pb, pb_path, VIA_PTAU_LOAD_POWERS, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state) {
    (void)state;
    via_ptau_free(&pa);
    via_ptau_free(&pb);
    unlink(pa_path);
    unlink(pb_path);
    rmdir(dir);
    return 0;
}

static void test_consistent_powers(void **state) {
    (void)state;
    via_srs s;
    via_error err = {0};
    assert_int_equal(via_srs_from_ptau(&s, &pa, "a", &pb, "b", 4, &err), VIA_OK);
    for (int k = 0; k < 2; k++) {
        const via_g1_affine *g = k ? s.g_b : s.g_a;
        const via_g2_affine *h = k ? s.h_b : s.h_a;
        for (uint32_t i = 0; i + 1 < 2 * s.n; i++) {
            /* e(g^(a^(i+1)), h) * e(-g^(a^i), h^a) = 1 */
            via_g1_affine p[2];
            via_g2_affine q[2] = {h[0], h[1]};
            p[0] = g[i + 1];
            via_g1_affine_neg(&p[1], &g[i]);
            assert_true(via_pairing_check(p, q, 2));
        }
    }
    via_srs_free(&s);
}

static void test_round_trip(void **state) {
    (void)state;
    via_srs s, r, v, rv;
    via_error err = {0};
    char path[128], vpath[128];
    snprintf(path, sizeof path, "%s/s.srs", dir);
    snprintf(vpath, sizeof vpath, "%s/v.srs", dir);
    assert_int_equal(via_srs_from_ptau(&s, &pa, "a", &pb, "b", 4, &err), VIA_OK);
    assert_int_equal(via_srs_write(&s, path, &err), VIA_OK);
    assert_int_equal(via_srs_read(&r, path, &err), VIA_OK);
    assert_int_equal(r.n, 4);
    assert_false(r.verifier_only);
    assert_memory_equal(r.g_a, s.g_a, 8 * sizeof(via_g1_affine));
    assert_memory_equal(r.g_b, s.g_b, 8 * sizeof(via_g1_affine));
    assert_memory_equal(r.h_a, s.h_a, 4 * sizeof(via_g2_affine));
    assert_memory_equal(r.h_b, s.h_b, 4 * sizeof(via_g2_affine));
    assert_int_equal(via_srs_verifier_part(&v, &s, &err), VIA_OK);
    assert_int_equal(via_srs_write(&v, vpath, &err), VIA_OK);
    assert_int_equal(via_srs_read(&rv, vpath, &err), VIA_OK);
    assert_true(rv.verifier_only);
    assert_int_equal(rv.n, 4);
    assert_memory_equal(rv.h_b, s.h_b, 2 * sizeof(via_g2_affine));
    via_srs_free(&s);
    via_srs_free(&r);
    via_srs_free(&v);
    via_srs_free(&rv);
    unlink(path);
    unlink(vpath);
}

static void test_refusals(void **state) {
    (void)state;
    via_srs s;
    via_error err = {0};
    assert_int_equal(via_srs_from_ptau(&s, &pa, "a.ptau", &pb, "b.ptau", 8, &err), VIA_EINVAL);
    assert_non_null(
        strstr(err.msg, "a.ptau: power 3 holds 15 G1 and 8 G2 powers, enough for at most 4"));
    assert_int_equal(via_srs_from_ptau(&s, &pa, "a.ptau", &pa, "a.ptau", 2, &err), VIA_EINVAL);
    assert_non_null(strstr(err.msg, "have the same tau"));
    assert_int_equal(via_srs_from_ptau(&s, &pa, "a.ptau", &pb, "b.ptau", 3, &err), VIA_EINVAL);
    assert_non_null(strstr(err.msg, "must be a power of two"));
    assert_int_equal(via_srs_from_ptau(&s, &pa, "a.ptau", &pb, "b.ptau", 1, &err), VIA_EINVAL);
}

static uint8_t *encode(const via_srs *s, size_t *len) {
    char path[128];
    snprintf(path, sizeof path, "%s/e.srs", dir);
    via_error err = {0};
    assert_int_equal(via_srs_write(s, path, &err), VIA_OK);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *buf = malloc(1 << 16);
    *len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    unlink(path);
    return buf;
}

static void expect_bad(const uint8_t *d, size_t len, const char *want) {
    via_srs r;
    via_error err = {0};
    int rc = via_srs_read_mem(&r, "x.srs", d, len, &err);
    if (rc == VIA_OK) fail_msg("accepted (expected \"%s\")", want);
    if (!strstr(err.msg, want)) fail_msg("\"%s\" does not say \"%s\"", err.msg, want);
    assert_null(r.g_a);
}

static void test_corruptions(void **state) {
    (void)state;
    via_srs s;
    via_error err = {0};
    assert_int_equal(via_srs_from_ptau(&s, &pa, "a", &pb, "b", 2, &err), VIA_OK);
    size_t len;
    uint8_t *orig = encode(&s, &len), *d = malloc(len);
    for (size_t cut = 0; cut < len; cut++) {
        via_srs r;
        assert_int_not_equal(via_srs_read_mem(&r, "x.srs", orig, cut, &err), VIA_OK);
        assert_null(r.g_a);
    }
    /* header at 12 + 12: n, kind */
    memcpy(d, orig, len);
    via_put_le32(d + 24, 1u << 20);
    expect_bad(d, len, "section 2 (g^(a^i)): 256 bytes, expected 134217728");
    memcpy(d, orig, len);
    via_put_le32(d + 24, 3);
    expect_bad(d, len, "3 proofs is not a power of two");
    memcpy(d, orig, len);
    via_put_le32(d + 28, 2);
    expect_bad(d, len, "kind 2");
    /* section 2 starts after the header section (12 + 12 + 8) and its own header (12) */
    size_t g_a = 12 + 12 + 8 + 12;
    memcpy(d, orig, len);
    d[g_a + 64 + 40] ^= 1; /* g^a: y */
    expect_bad(d, len, "section 2 (g^(a^i)): point 1 is not on the BN254 G1 curve");
    memcpy(d, orig, len);
    memcpy(d + g_a, orig + g_a + 64, 64); /* g^a where g should be */
    expect_bad(d, len, "do not start at the generators");
    free(d);
    free(orig);
    via_srs_free(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_consistent_powers),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_corruptions),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
