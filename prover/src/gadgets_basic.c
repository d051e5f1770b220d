/* Bits, range checks, comparisons, zero tests and selection. */
#include <assert.h>

#include "via/gadgets.h"

static via_fr fr_one(void) {
    via_fr o;
    via_fr_set_one(&o);
    return o;
}

/* Witness-only contexts take the fast paths below: the same wires in the same order with the
 * values computed directly, and the constraints only counted (the BOTH-mode tests compare the
 * witness bytes of both paths). */
static int witness_only(const via_cs *cs) {
    return !via_cs_has_shape(cs);
}

via_var via_g_bit_new(via_cs *cs, unsigned bit) {
    via_fr v;
    via_fr_set_u64(&v, bit & 1);
    via_var b = via_cs_var_new(cs, &v);
    if (witness_only(cs))
        via_cs_count_constraints(cs, 1);
    else
        via_g_assert_bool(cs, b);
    return b;
}

void via_g_assert_bool(via_cs *cs, via_var b) {
    via_lc x = via_lc_var(cs, b);
    via_cs_enforce(cs, &x, &x, &x);
    via_lc_free(&x);
}

via_lc via_g_pack_bits(via_cs *cs, const via_var *bits, unsigned n) {
    via_lc s = VIA_LC_INIT;
    via_fr pow = fr_one();
    for (unsigned i = 0; i < n; i++) {
        via_lc_add_var(cs, &s, bits[i], &pow);
        via_fr_dbl(&pow, &pow);
    }
    return s;
}

static void bits_of(via_cs *cs, via_var *bits, const via_lc *x, unsigned n) {
    uint64_t c[4] = {0, 0, 0, 0};
    if (via_cs_has_witness(cs)) via_fr_to_canon(c, &x->val);
    if (witness_only(cs)) {
        via_var first;
        via_fr *w = via_cs_vars_alloc(cs, n, &first);
        via_fr one;
        via_fr_set_one(&one);
        for (unsigned i = 0; i < n; i++) {
            bits[i] = first + i;
            if ((c[i / 64] >> (i % 64)) & 1)
                w[i] = one;
            else
                via_fr_set_zero(&w[i]);
        }
        via_cs_count_constraints(cs, n);
        return;
    }
    for (unsigned i = 0; i < n; i++)
        bits[i] = via_g_bit_new(cs, (unsigned)(c[i / 64] >> (i % 64)) & 1);
}

void via_g_to_bits(via_cs *cs, via_var *bits, const via_lc *x, unsigned n) {
    assert(n <= 253);
    if (witness_only(cs)) {
        bits_of(cs, bits, x, n);
        via_cs_count_constraints(cs, 1); /* the packing equality */
        return;
    }
    via_cs_push(cs, "to_bits");
    bits_of(cs, bits, x, n);
    via_lc s = via_g_pack_bits(cs, bits, n);
    via_cs_enforce_eq(cs, &s, x);
    via_lc_free(&s);
    via_cs_pop(cs);
}

void via_g_range(via_cs *cs, const via_lc *x, unsigned n) {
    via_var bits[253];
    via_g_to_bits(cs, bits, x, n);
}

void via_g_bits_le_const(via_cs *cs, const via_var *bits, unsigned n, const uint64_t k[4]) {
    assert(n <= 256);
    for (unsigned i = n; i < 256; i++)
        if ((k[i / 64] >> (i % 64)) & 1) return; /* k >= 2^n > every n-bit value */
    if (witness_only(cs)) {
        /* the chain's wires are the running products of the bits where k has a 1 */
        via_fr eq;
        int eq_is_const = 1;
        uint64_t cons = 0;
        for (unsigned i = n; i-- > 0;) {
            unsigned ki = (unsigned)(k[i / 64] >> (i % 64)) & 1;
            if (!ki) {
                cons++;
            } else if (eq_is_const) {
                eq = *via_cs_val(cs, bits[i]);
                eq_is_const = 0;
            } else {
                via_fr_mul(&eq, &eq, via_cs_val(cs, bits[i]));
                via_cs_var_new(cs, &eq);
                cons++;
            }
        }
        via_cs_count_constraints(cs, cons);
        return;
    }
    via_cs_push(cs, "bits_le_const");
    /* eq = "bits above position i equal those of k"; while it holds, a 1 bit where k has 0
     * would make the value exceed k. */
    via_lc eq = via_lc_u64(cs, 1);
    int eq_is_const = 1;
    for (unsigned i = n; i-- > 0;) {
        unsigned ki = (unsigned)(k[i / 64] >> (i % 64)) & 1;
        via_lc b = via_lc_var(cs, bits[i]);
        if (ki) {
            if (eq_is_const) {
                via_lc_copy(cs, &eq, &b);
                eq_is_const = 0;
            } else {
                via_var e = via_g_mul(cs, &eq, &b);
                via_lc_free(&eq);
                eq = via_lc_var(cs, e);
            }
        } else {
            via_lc z = VIA_LC_INIT;
            via_cs_enforce(cs, &eq, &b, &z);
        }
        via_lc_free(&b);
    }
    via_lc_free(&eq);
    via_cs_pop(cs);
}

void via_g_to_bits_strict(via_cs *cs, via_var bits[254], const via_lc *x) {
    if (witness_only(cs)) {
        bits_of(cs, bits, x, 254);
        via_cs_count_constraints(cs, 1);
        uint64_t rm1[4], one[4] = {1, 0, 0, 0};
        via_limbs_sub(rm1, via_fr_mod.p, one);
        via_g_bits_le_const(cs, bits, 254, rm1);
        return;
    }
    via_cs_push(cs, "to_bits_strict");
    bits_of(cs, bits, x, 254);
    via_lc s = via_g_pack_bits(cs, bits, 254);
    via_cs_enforce_eq(cs, &s, x);
    via_lc_free(&s);
    uint64_t rm1[4];
    uint64_t one[4] = {1, 0, 0, 0};
    via_limbs_sub(rm1, via_fr_mod.p, one);
    via_g_bits_le_const(cs, bits, 254, rm1);
    via_cs_pop(cs);
}

via_var via_g_mul(via_cs *cs, const via_lc *a, const via_lc *b) {
    via_fr v;
    via_fr_mul(&v, &a->val, &b->val);
    via_var o = via_cs_var_new(cs, &v);
    if (witness_only(cs)) {
        via_cs_count_constraints(cs, 1);
        return o;
    }
    via_lc c = via_lc_var(cs, o);
    via_cs_enforce(cs, a, b, &c);
    via_lc_free(&c);
    return o;
}

via_var via_g_is_zero(via_cs *cs, const via_lc *x) {
    via_cs_push(cs, "is_zero");
    via_fr inv, out;
    via_fr_set_zero(&inv);
    via_fr_set_zero(&out);
    if (via_cs_has_witness(cs)) {
        if (via_fr_is_zero(&x->val))
            via_fr_set_one(&out);
        else
            via_fr_inv_var(&inv, &x->val);
    }
    via_var vi = via_cs_var_new(cs, &inv);
    via_var vo = via_cs_var_new(cs, &out);
    via_lc li = via_lc_var(cs, vi), lo = via_lc_var(cs, vo);
    via_lc one_minus = via_lc_u64(cs, 1);
    via_lc_sub_var1(cs, &one_minus, vo);
    via_cs_enforce(cs, x, &li, &one_minus); /* x * inv = 1 - out */
    via_lc z = VIA_LC_INIT;
    via_cs_enforce(cs, x, &lo, &z); /* x * out = 0 */
    via_lc_free(&li);
    via_lc_free(&lo);
    via_lc_free(&one_minus);
    via_cs_pop(cs);
    return vo;
}

via_var via_g_is_equal(via_cs *cs, const via_lc *a, const via_lc *b) {
    via_lc d = VIA_LC_INIT;
    via_lc_add_lc(cs, &d, a, NULL);
    via_lc_sub_lc(cs, &d, b);
    via_var r = via_g_is_zero(cs, &d);
    via_lc_free(&d);
    return r;
}

via_var via_g_lt(via_cs *cs, const via_lc *a, const via_lc *b, unsigned n) {
    assert(n <= 252);
    via_cs_push(cs, "lt");
    via_lc d = VIA_LC_INIT;
    via_lc_add_lc(cs, &d, a, NULL);
    via_lc_sub_lc(cs, &d, b);
    via_fr p;
    via_fr_set_one(&p);
    for (unsigned i = 0; i < n; i++)
        via_fr_dbl(&p, &p);
    via_lc_add_const(cs, &d, &p);
    via_var bits[253];
    via_g_to_bits(cs, bits, &d, n + 1);
    via_lc r = via_lc_u64(cs, 1);
    via_lc_sub_var1(cs, &r, bits[n]);
    via_var out = via_cs_materialize(cs, &r);
    via_lc_free(&r);
    via_lc_free(&d);
    via_cs_pop(cs);
    return out;
}

via_var via_g_lte(via_cs *cs, const via_lc *a, const via_lc *b, unsigned n) {
    via_lc b1 = VIA_LC_INIT;
    via_lc_add_lc(cs, &b1, b, NULL);
    via_lc_add_u64(cs, &b1, 1);
    via_var r = via_g_lt(cs, a, &b1, n + 1 <= 252 ? n + 1 : 252);
    via_lc_free(&b1);
    return r;
}

via_var via_g_select(via_cs *cs, via_var cond, const via_lc *a, const via_lc *b) {
    if (witness_only(cs)) {
        via_var o = via_cs_var_new(cs, via_fr_is_zero(via_cs_val(cs, cond)) ? &b->val : &a->val);
        via_cs_count_constraints(cs, 1);
        return o;
    }
    /* cond * (a - b) = out - b */
    via_lc d = VIA_LC_INIT;
    via_lc_add_lc(cs, &d, a, NULL);
    via_lc_sub_lc(cs, &d, b);
    via_fr v = b->val;
    if (via_cs_has_witness(cs) && !via_fr_is_zero(via_cs_val(cs, cond))) v = a->val;
    via_var o = via_cs_var_new(cs, &v);
    via_lc c = via_lc_var(cs, o);
    via_lc_sub_lc(cs, &c, b);
    via_lc lc = via_lc_var(cs, cond);
    via_cs_enforce(cs, &lc, &d, &c);
    via_lc_free(&lc);
    via_lc_free(&c);
    via_lc_free(&d);
    return o;
}

via_lc via_g_select_lc(via_cs *cs, via_var cond, const via_lc *a, const via_lc *b) {
    via_lc d = VIA_LC_INIT;
    via_lc_add_lc(cs, &d, a, NULL);
    via_lc_sub_lc(cs, &d, b);
    via_lc lc = via_lc_var(cs, cond);
    via_var p = via_g_mul(cs, &lc, &d);
    via_lc out = VIA_LC_INIT;
    via_lc_add_lc(cs, &out, b, NULL);
    via_lc_add_var1(cs, &out, p);
    via_lc_free(&lc);
    via_lc_free(&d);
    return out;
}

via_var via_g_mux16(via_cs *cs, const via_var sel[4], const via_lc in[16]) {
    via_cs_push(cs, "mux16");
    via_var lvl[8];
    for (int i = 0; i < 8; i++)
        lvl[i] = via_g_select(cs, sel[0], &in[2 * i + 1], &in[2 * i]);
    for (int w = 4, s = 1; w >= 1; w /= 2, s++) {
        for (int i = 0; i < w; i++) {
            via_lc a = via_lc_var(cs, lvl[2 * i + 1]), b = via_lc_var(cs, lvl[2 * i]);
            lvl[i] = via_g_select(cs, sel[s], &a, &b);
            via_lc_free(&a);
            via_lc_free(&b);
        }
    }
    via_cs_pop(cs);
    return lvl[0];
}
