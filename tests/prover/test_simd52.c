/* The AVX-512 IFMA eight-lane field arithmetic (simd52.h) against the scalar field code, byte
 * for byte: products, squares, sums, differences and unreduced dot products in Fq and Fr, on
 * seeded random values, on edge values (0, 1, p - 1, values just below 2^254) and on lazily
 * reduced inputs in [p, 2p). Skips with a message on a CPU without IFMA. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../lib/via_test.h"

#include "via/field.h"
#include "via/simd52.h"

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;
static uint64_t rnd64(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* A random element of the field with modulus m: a uniformly random canonical value, or
 * (one time in eight) an edge value. */
static void rnd_el(uint64_t out[4], const via_modulus *m) {
    unsigned kind = (unsigned)(rnd64() & 7);
    if (kind == 0) {
        static const uint64_t one[4] = {1, 0, 0, 0};
        switch ((unsigned)(rnd64() % 4)) {
        case 0: memset(out, 0, 32); return;
        case 1: memcpy(out, one, 32); return;
        case 2: via_limbs_sub(out, m->p, one); return; /* p - 1 */
        default: memcpy(out, m->r1, 32); return;       /* Montgomery one */
        }
    }
    do {
        for (int i = 0; i < 4; i++) out[i] = rnd64();
        out[3] &= 0x3fffffffffffffffULL;
    } while (!via_limbs_lt(out, m->p));
}

#if VIA_HAVE_SIMD52

static int have(void) {
    if (!via_simd52_have) {
        fprintf(stderr, "SKIP: this CPU has no AVX-512 IFMA (or VIA_NO_SIMD52 is set); the scalar path is used\n");
        via_test_skipped++;
        return 0;
    }
    return 1;
}

typedef void (*scalar_op)(uint64_t r[4], const uint64_t a[4], const uint64_t b[4], const via_modulus *m);
static void s_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4], const via_modulus *m) { via_mont_mul(r, a, b, m); }
static void s_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4], const via_modulus *m) { via_mod_add(r, a, b, m); }
static void s_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4], const via_modulus *m) { via_mod_sub(r, a, b, m); }

enum { OP_MUL, OP_SQR, OP_ADD, OP_SUB };

VIA_SIMD52_FN static void v_op(int op, uint64_t out[8][4], uint64_t a[8][4], uint64_t b[8][4],
                               const via_s52_mod *sm, int lazy) {
    via_v52 va, vb, vr;
    if (rnd64() & 1) { /* through the pointer gather half the time */
        const uint64_t *pa[8], *pb[8];
        for (int j = 0; j < 8; j++) pa[j] = a[j], pb[j] = b[j];
        via_v52_gather(&va, pa);
        via_v52_gather(&vb, pb);
    } else {
        via_v52_load8(&va, &a[0][0]);
        via_v52_load8(&vb, &b[0][0]);
    }
    if (lazy) { /* the same values as representatives in [p, 2p): x + p, limbs carried */
        const __m512i mk = _mm512_set1_epi64((long long)VIA_V52_M52);
        via_v52 *xs[2] = {&va, &vb};
        for (int k = 0; k < 2; k++) {
            __m512i c = _mm512_setzero_si512();
            for (int i = 0; i < 5; i++) {
                __m512i s = _mm512_add_epi64(_mm512_add_epi64(xs[k]->l[i], _mm512_set1_epi64((long long)sm->p[i])), c);
                c = _mm512_srli_epi64(s, 52);
                xs[k]->l[i] = i < 4 ? _mm512_and_si512(s, mk) : s;
            }
        }
    }
    switch (op) {
    case OP_MUL: via_v52_mul(&vr, &va, &vb, sm); break;
    case OP_SQR: via_v52_sqr(&vr, &va, sm); break;
    case OP_ADD: via_v52_add(&vr, &va, &vb, sm); break;
    default: via_v52_sub(&vr, &va, &vb, sm); break;
    }
    if (rnd64() & 1) { /* through the pointer scatter half the time */
        uint64_t *ptr[8];
        for (int j = 0; j < 8; j++) ptr[j] = out[j];
        via_v52_scatter(ptr, &vr, sm);
    } else {
        via_v52_store8(&out[0][0], &vr, sm);
    }
}

static void check_ops(const via_modulus *m, const via_s52_mod *sm) {
    static const scalar_op ref[4] = {s_mul, s_mul, s_add, s_sub};
    for (int iter = 0; iter < 3000; iter++) {
        uint64_t a[8][4], b[8][4], out[8][4], want[4];
        for (int j = 0; j < 8; j++) {
            rnd_el(a[j], m);
            rnd_el(b[j], m);
        }
        int op = iter % 4, lazy = (iter / 4) % 2;
        v_op(op, out, a, b, sm, lazy);
        for (int j = 0; j < 8; j++) {
            ref[op](want, a[j], op == OP_SQR ? a[j] : b[j], m);
            if (memcmp(want, out[j], 32) != 0) {
                fprintf(stderr, "op %d lazy %d lane %d differs\n", op, lazy, j);
                fail();
            }
        }
    }
}

static void test_ops_fq(void **state) {
    (void)state;
    if (!have()) skip();
    check_ops(&via_fq_mod, &via_s52_fq);
}

static void test_ops_fr(void **state) {
    (void)state;
    if (!have()) skip();
    check_ops(&via_fr_mod, &via_s52_fr);
}

/* Dot products of n = 1..VIA_V52_WIDE_MAX terms with one reduction, against the sum of the
 * scalar Montgomery products; canonical operands, all p - 1 in a third of the runs. */
VIA_SIMD52_FN static void v_dot(uint64_t out[8][4], uint64_t (*a)[8][4], uint64_t (*b)[8][4],
                                unsigned n, const via_s52_mod *sm) {
    via_v52_wide w;
    via_v52_wide_zero(&w);
    for (unsigned k = 0; k < n; k++) {
        via_v52 va, vb;
        via_v52_load8(&va, &a[k][0][0]);
        via_v52_load8(&vb, &b[k][0][0]);
        via_v52_wide_madd(&w, &va, &vb);
    }
    via_v52 r;
    via_v52_wide_reduce(&r, &w, sm);
    via_v52_store8(&out[0][0], &r, sm);
}

static void check_dot(const via_modulus *m, const via_s52_mod *sm) {
    uint64_t a[VIA_V52_WIDE_MAX][8][4], b[VIA_V52_WIDE_MAX][8][4];
    for (int iter = 0; iter < 200; iter++) {
        unsigned n = 1 + (unsigned)(iter % VIA_V52_WIDE_MAX);
        for (unsigned k = 0; k < n; k++)
            for (int j = 0; j < 8; j++) {
                rnd_el(a[k][j], m);
                rnd_el(b[k][j], m);
                if (iter % 3 == 0) /* all p - 1: the largest canonical operands */
                    via_limbs_sub(a[k][j], m->p, (const uint64_t[4]){1, 0, 0, 0}),
                        via_limbs_sub(b[k][j], m->p, (const uint64_t[4]){1, 0, 0, 0});
            }
        uint64_t out[8][4];
        v_dot(out, a, b, n, sm);
        for (int j = 0; j < 8; j++) {
            uint64_t acc[4] = {0}, p[4];
            for (unsigned k = 0; k < n; k++) {
                via_mont_mul(p, a[k][j], b[k][j], m);
                via_mod_add(acc, acc, p, m);
            }
            assert_memory_equal(acc, out[j], 32);
        }
    }
}

static void test_dot_fq(void **state) {
    (void)state;
    if (!have()) skip();
    check_dot(&via_fq_mod, &via_s52_fq);
}

static void test_dot_fr(void **state) {
    (void)state;
    if (!have()) skip();
    check_dot(&via_fr_mod, &via_s52_fr);
}

/* The modulus constants: 2p, 4p, 8p in radix 2^52 equal p shifted, and p * pinv = -1 mod 2^52. */
static void test_constants(void **state) {
    (void)state;
    const via_s52_mod *ms[2] = {&via_s52_fq, &via_s52_fr};
    for (int k = 0; k < 2; k++) {
        const via_s52_mod *s = ms[k];
        unsigned __int128 x = (unsigned __int128)s->p[0] * s->pinv;
        assert_int_equal((uint64_t)x & VIA_V52_M52, VIA_V52_M52);
        for (int i = 0; i < 5; i++) {
            if (i < 4) {
                assert_true(s->p2[i] <= VIA_V52_M52);
                assert_true(s->p8[i] <= VIA_V52_M52);
            }
        }
        /* 8p's top limb: value 8p < 2^257 */
        assert_true(s->p8[4] < ((uint64_t)1 << 49));
    }
}

#else
static int have(void) { return 0; }
static void test_none(void **state) {
    (void)state;
    VIA_SKIP("no AVX-512 IFMA path in this build (not x86-64 GCC/Clang)");
}
#endif

int main(void) {
    const struct CMUnitTest tests[] = {
#if VIA_HAVE_SIMD52
        cmocka_unit_test(test_constants), cmocka_unit_test(test_ops_fq), cmocka_unit_test(test_ops_fr),
        cmocka_unit_test(test_dot_fq),    cmocka_unit_test(test_dot_fr),
#else
        cmocka_unit_test(test_none),
#endif
    };
    (void)have;
    return via_test_run(tests);
}
