/* Builder and basic gadgets: every gadget runs in BOTH mode on seeded random inputs, its
 * outputs are compared with plain arithmetic / the native Poseidon, the recorded constraints
 * accept the witness, and corrupting one wire makes the checker name a failing gadget. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "via/cs.h"
#include "via/gadgets.h"
#include "via/poseidon.h"

static uint64_t rng_state;
static uint64_t rnd64(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static void rnd_fr(via_fr *a) {
    uint64_t t[4] = {rnd64(), rnd64(), rnd64(), rnd64() & 0x0fffffffffffffffULL};
    via_fr_from_canon_unchecked(a, t);
}

static int setup(void **state) {
    (void)state;
    const char *s = getenv("VIA_TEST_SEED");
    rng_state = s ? strtoull(s, NULL, 0) : 0x1234567887654321ULL;
    if (!rng_state) rng_state = 1;
    printf("seed 0x%llx (set VIA_TEST_SEED to replay)\n", (unsigned long long)rng_state);
    return 0;
}

/* Checks the witness, then corrupts each of a few private wires in turn and expects a
 * failure naming a gadget path. */
static void check_and_corrupt(via_cs *cs, int corruptions) {
    via_cs_failure f;
    via_error err;
    assert_int_equal(via_cs_first_failure(cs, &f), 0);
    via_fr *w = via_cs_witness(cs);
    uint32_t n = via_cs_n_vars(cs);
    assert_int_equal(via_cs_check(cs, w, n, &f, &err), 0);
    for (int i = 0; i < corruptions && n > 1; i++) {
        uint32_t v = 1 + (uint32_t)(rnd64() % (n - 1));
        via_fr save = w[v], one;
        via_fr_set_one(&one);
        via_fr_add(&w[v], &w[v], &one);
        int rc = via_cs_check(cs, w, n, &f, &err);
        assert_int_equal(rc, VIA_EVERIFY);
        assert_true(strlen(f.path) > 0);
        w[v] = save;
    }
}

static void test_bits_range(void **state) {
    (void)state;
    for (int it = 0; it < 20; it++) {
        via_cs *cs = via_cs_new(VIA_CS_BOTH, 1);
        uint64_t v = rnd64() >> (rnd64() % 64);
        unsigned n = 64;
        via_fr fv;
        via_fr_set_u64(&fv, v);
        via_var x = via_cs_var_new(cs, &fv);
        via_lc lx = via_lc_var(cs, x);
        via_var bits[64];
        via_g_to_bits(cs, bits, &lx, n);
        for (unsigned i = 0; i < n; i++) {
            via_fr b;
            via_fr_set_u64(&b, (v >> i) & 1);
            assert_true(via_fr_eq(via_cs_val(cs, bits[i]), &b));
        }
        check_and_corrupt(cs, 5);
        via_lc_free(&lx);
        via_cs_free(cs);
    }
    /* a value that does not fit: the constraint system rejects the witness */
    via_cs *cs = via_cs_new(VIA_CS_BOTH, 1);
    via_fr big;
    via_fr_set_u64(&big, 1ull << 40);
    via_var x = via_cs_var_new(cs, &big);
    via_lc lx = via_lc_var(cs, x);
    via_g_range(cs, &lx, 40);
    via_cs_failure f;
    assert_int_equal(via_cs_first_failure(cs, &f), 1);
    assert_non_null(strstr(f.path, "to_bits"));
    via_lc_free(&lx);
    via_cs_free(cs);
}

static void test_strict_bits(void **state) {
    (void)state;
    for (int it = 0; it < 10; it++) {
        via_cs *cs = via_cs_new(VIA_CS_BOTH, 1);
        via_fr a;
        rnd_fr(&a);
        if (it == 0) {
            via_fr_set_one(&a);
            via_fr_neg(&a, &a); /* r - 1: the largest allowed */
        }
        via_var x = via_cs_var_new(cs, &a);
        via_lc lx = via_lc_var(cs, x);
        via_var bits[254];
        via_g_to_bits_strict(cs, bits, &lx);
        uint64_t c[4];
        via_fr_to_canon(c, &a);
        for (unsigned i = 0; i < 254; i++) {
            via_fr b;
            via_fr_set_u64(&b, (c[i / 64] >> (i % 64)) & 1);
            assert_true(via_fr_eq(via_cs_val(cs, bits[i]), &b));
        }
        check_and_corrupt(cs, 3);
        /* the alias a + r (when it fits in 254 bits) satisfies the packing but not the bound */
        uint64_t alias[4];
        if (via_limbs_add(alias, c, via_fr_mod.p) == 0 && (alias[3] >> 62) == 0) {
            via_fr *w = via_cs_witness(cs);
            for (unsigned i = 0; i < 254; i++) via_fr_set_u64(&w[bits[i]], (alias[i / 64] >> (i % 64)) & 1);
            via_cs_failure f;
            via_error err;
            assert_int_equal(via_cs_check(cs, w, via_cs_n_vars(cs), &f, &err), VIA_EVERIFY);
        }
        via_lc_free(&lx);
        via_cs_free(cs);
    }
}

static void test_compare_select(void **state) {
    (void)state;
    for (int it = 0; it < 40; it++) {
        via_cs *cs = via_cs_new(VIA_CS_BOTH, 1);
        uint64_t a = rnd64() >> 2, b = (it % 4 == 0) ? a : rnd64() >> 2;
        via_fr fa, fb;
        via_fr_set_u64(&fa, a);
        via_fr_set_u64(&fb, b);
        via_var va = via_cs_var_new(cs, &fa), vb = via_cs_var_new(cs, &fb);
        via_lc la = via_lc_var(cs, va), lb = via_lc_var(cs, vb);
        via_var lt = via_g_lt(cs, &la, &lb, 62);
        via_var le = via_g_lte(cs, &la, &lb, 62);
        via_var eq = via_g_is_equal(cs, &la, &lb);
        via_var sel = via_g_select(cs, eq, &la, &lb);
        via_fr e;
        via_fr_set_u64(&e, a < b);
        assert_true(via_fr_eq(via_cs_val(cs, lt), &e));
        via_fr_set_u64(&e, a <= b);
        assert_true(via_fr_eq(via_cs_val(cs, le), &e));
        via_fr_set_u64(&e, a == b);
        assert_true(via_fr_eq(via_cs_val(cs, eq), &e));
        assert_true(via_fr_eq(via_cs_val(cs, sel), a == b ? &fa : &fb));
        via_lc in[16];
        via_fr vals[16];
        for (int i = 0; i < 16; i++) {
            rnd_fr(&vals[i]);
            in[i] = via_lc_const(cs, &vals[i]);
        }
        unsigned s = (unsigned)(rnd64() & 15);
        via_var sb[4];
        for (int i = 0; i < 4; i++) sb[i] = via_g_bit_new(cs, (s >> i) & 1);
        via_var m = via_g_mux16(cs, sb, in);
        assert_true(via_fr_eq(via_cs_val(cs, m), &vals[s]));
        check_and_corrupt(cs, 5);
        for (int i = 0; i < 16; i++) via_lc_free(&in[i]);
        via_lc_free(&la);
        via_lc_free(&lb);
        via_cs_free(cs);
    }
}

static void test_poseidon(void **state) {
    (void)state;
    for (unsigned n = 1; n <= 16; n++) {
        via_cs *cs = via_cs_new(VIA_CS_BOTH, 1);
        via_fr in[16], ref;
        via_lc lin[16];
        for (unsigned i = 0; i < n; i++) {
            rnd_fr(&in[i]);
            via_var v = via_cs_var_new(cs, &in[i]);
            lin[i] = via_lc_var(cs, v);
        }
        via_var out = via_g_poseidon(cs, lin, n);
        assert_int_equal(via_poseidon(&ref, in, n), 0);
        assert_true(via_fr_eq(via_cs_val(cs, out), &ref));
        unsigned t = n + 1;
        /* 3 per S-box, plus the output wire */
        assert_int_equal(via_cs_n_constraints(cs), 3 * (8 * t + via_poseidon_rp(t)) + 1);
        check_and_corrupt(cs, 4);
        for (unsigned i = 0; i < n; i++) via_lc_free(&lin[i]);
        via_cs_free(cs);
    }
}

static void test_poseidon_sponge(void **state) {
    (void)state;
    size_t lens[] = {0, 1, 15, 16, 17, 40};
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        size_t n = lens[k];
        via_cs *cs = via_cs_new(VIA_CS_BOTH, 1);
        via_fr in[40], ref;
        via_lc lin[40];
        for (size_t i = 0; i < n; i++) {
            rnd_fr(&in[i]);
            via_var v = via_cs_var_new(cs, &in[i]);
            lin[i] = via_lc_var(cs, v);
        }
        via_var out = via_g_poseidon_sponge(cs, lin, n);
        via_poseidon_sponge(&ref, in, n);
        assert_true(via_fr_eq(via_cs_val(cs, out), &ref));
        check_and_corrupt(cs, 3);
        for (size_t i = 0; i < n; i++) via_lc_free(&lin[i]);
        via_cs_free(cs);
    }
}

/* Witness-only Poseidon with the memo attached: hashes remembered natively (and one the small
 * budget left out) give the witness of a BOTH-mode run, wire for wire; the native results
 * equal via_poseidon. */
static void test_poseidon_memo(void **state) {
    (void)state;
    via_fr in[3][16], out;
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 16; i++) rnd_fr(&in[k][i]);
    /* room for two t = 17 entries (~20 KiB each) and one t = 5 entry, not for the third t = 17 */
    via_g_poseidon_memo *m = via_g_poseidon_memo_new(48 << 10);
    for (int k = 0; k < 3; k++) {
        via_fr ref;
        via_g_poseidon_memo_hash(m, &out, in[k], k == 2 ? 4 : 16);
        assert_int_equal(via_poseidon(&ref, in[k], k == 2 ? 4 : 16), 0);
        assert_true(via_fr_eq(&out, &ref));
    }
    via_fr more[16];
    for (int i = 0; i < 16; i++) rnd_fr(&more[i]);
    via_g_poseidon_memo_hash(m, &out, more, 16); /* over budget: computed, not kept */
    via_g_poseidon_memo_hash(m, &out, in[0], 16); /* a hit */
    via_cs *w = via_cs_new(VIA_CS_WITNESS, 0), *b = via_cs_new(VIA_CS_BOTH, 1);
    via_g_poseidon_memo_attach(w, m);
    via_cs *both[2] = {w, b};
    for (int c = 0; c < 2; c++) {
        via_cs *cs = both[c];
        const via_fr *sets[5] = {in[0], in[1], in[2], more, in[0]};
        unsigned ns[5] = {16, 16, 4, 16, 15};
        for (int k = 0; k < 5; k++) {
            via_lc lin[16];
            for (unsigned i = 0; i < ns[k]; i++) lin[i] = via_lc_var(cs, via_cs_var_new(cs, &sets[k][i]));
            (void)via_g_poseidon(cs, lin, ns[k]);
            for (unsigned i = 0; i < ns[k]; i++) via_lc_free(&lin[i]);
        }
    }
    assert_int_equal(via_cs_n_vars(w), via_cs_n_vars(b));
    assert_int_equal(via_cs_n_constraints(w), via_cs_n_constraints(b));
    assert_memory_equal(via_cs_witness(w), via_cs_witness(b), via_cs_n_vars(b) * sizeof(via_fr));
    assert_int_equal(via_cs_first_failure(b, NULL), 0);
    via_g_poseidon_memo_attach(w, NULL);
    via_cs_free(w);
    via_cs_free(b);
    via_g_poseidon_memo_free(m);
}

/* Bits, strict bits, comparisons, selection, products and zero tests: the witness-only fast
 * paths give the bytes of the constraint path (BOTH, constraints checked). */
static void basic_mix(via_cs *cs, const via_fr *x, const via_fr *y, uint64_t a, uint64_t b) {
    via_fr fa, fb;
    via_fr_set_u64(&fa, a);
    via_fr_set_u64(&fb, b);
    via_lc lx = via_lc_var(cs, via_cs_var_new(cs, x)), ly = via_lc_var(cs, via_cs_var_new(cs, y));
    via_lc la = via_lc_var(cs, via_cs_var_new(cs, &fa)),
           lb = via_lc_var(cs, via_cs_var_new(cs, &fb));
    via_var bits[254];
    via_g_to_bits(cs, bits, &la, 64);
    via_g_range(cs, &lb, 40);
    via_g_to_bits_strict(cs, bits, &lx);
    uint64_t k[4] = {a, b, a ^ b, 0x0fffffffffffffffULL};
    via_g_bits_le_const(cs, bits, 254, k); /* may not hold: BOTH reports it, both paths build it */
    via_var c = via_g_lt(cs, &la, &lb, 64), e = via_g_lte(cs, &la, &lb, 64);
    (void)via_g_is_equal(cs, &la, &lb);
    (void)via_g_is_zero(cs, &ly);
    via_lc m = via_lc_var(cs, via_g_mul(cs, &lx, &ly));
    (void)via_g_select(cs, c, &lx, &m);
    via_lc s = via_g_select_lc(cs, e, &m, &ly);
    via_var sel[4] = {bits[0], bits[1], bits[2], bits[3]};
    via_lc in[16];
    for (int i = 0; i < 16; i++)
        in[i] = via_lc_u64(cs, (uint64_t)i * 7 + a);
    (void)via_g_mux16(cs, sel, in);
    for (int i = 0; i < 16; i++)
        via_lc_free(&in[i]);
    via_lc_free(&lx);
    via_lc_free(&ly);
    via_lc_free(&la);
    via_lc_free(&lb);
    via_lc_free(&m);
    via_lc_free(&s);
}

static void test_witness_only_matches(void **state) {
    (void)state;
    for (int it = 0; it < 6; it++) {
        via_fr x, y;
        rnd_fr(&x);
        rnd_fr(&y);
        if (it == 1) via_fr_set_zero(&y);
        uint64_t a = rnd64(), b = it == 2 ? a : rnd64() >> 24;
        via_cs *w = via_cs_new(VIA_CS_WITNESS, 0), *bo = via_cs_new(VIA_CS_BOTH, 1);
        basic_mix(w, &x, &y, a, b);
        basic_mix(bo, &x, &y, a, b);
        assert_int_equal(via_cs_n_vars(w), via_cs_n_vars(bo));
        assert_int_equal(via_cs_n_constraints(w), via_cs_n_constraints(bo));
        assert_memory_equal(via_cs_witness(w), via_cs_witness(bo),
                            via_cs_n_vars(bo) * sizeof(via_fr));
        via_cs_free(w);
        via_cs_free(bo);
    }
}

/* The batched memo (via_g_poseidon_memo_hash_many) gives via_poseidon's outputs for requests
 * that repeat within a batch, that are already known, and past the memory budget. */
static void test_memo_many(void **state) {
    (void)state;
    enum { N = 21 };
    via_fr in[N][16], out[N], again[N];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < 16; j++)
            rnd_fr(&in[i][j]);
    memcpy(in[5], in[2], sizeof in[2]);
    memcpy(in[20], in[2], sizeof in[2]);
    via_g_poseidon_memo *m = via_g_poseidon_memo_new(12 * 20000); /* about 12 entries of t = 17 */
    via_g_poseidon_memo_hash_many(m, out, &in[0][0], 16, N);
    via_g_poseidon_memo_hash_many(m, again, &in[0][0], 16, N);
    for (int i = 0; i < N; i++) {
        via_fr ref;
        assert_int_equal(via_poseidon(&ref, in[i], 16), 0);
        assert_true(via_fr_eq(&out[i], &ref));
        assert_true(via_fr_eq(&again[i], &ref));
    }
    via_g_poseidon_memo_free(m);
}

/* The same gadget run in SHAPE and in WITNESS mode allocates the same wires and constraints. */
static void test_modes_agree(void **state) {
    (void)state;
    via_cs *a = via_cs_new(VIA_CS_SHAPE, 0), *b = via_cs_new(VIA_CS_WITNESS, 0);
    via_cs *both[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        via_cs *cs = both[k];
        via_fr x;
        via_fr_set_u64(&x, 12345);
        via_var v = via_cs_var_new(cs, &x);
        via_lc l = via_lc_var(cs, v);
        via_lc in[5] = {l, l, l, l, l};
        (void)via_g_poseidon(cs, in, 5);
        via_var bits[254];
        via_g_to_bits_strict(cs, bits, &l);
        (void)via_g_is_zero(cs, &l);
        via_lc_free(&l);
    }
    assert_int_equal(via_cs_n_vars(a), via_cs_n_vars(b));
    assert_int_equal(via_cs_n_constraints(a), via_cs_n_constraints(b));
    via_cs_free(a);
    via_cs_free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bits_range),      cmocka_unit_test(test_strict_bits),
        cmocka_unit_test(test_compare_select),  cmocka_unit_test(test_poseidon),
        cmocka_unit_test(test_poseidon_sponge), cmocka_unit_test(test_modes_agree),
        cmocka_unit_test(test_poseidon_memo),   cmocka_unit_test(test_witness_only_matches),
        cmocka_unit_test(test_memo_many),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
