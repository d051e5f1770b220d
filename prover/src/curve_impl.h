/* Jacobian short-Weierstrass arithmetic for y^2 = x^3 + b (a = 0), written once and included
 * by curve.c for G1 (over Fq) and G2 (over Fq2). The includer defines:
 *   G_(name)   the public name prefix (via_g1_##name)
 *   PT, AFF, FE  point, affine point and field element types
 *   FE_ADD FE_SUB FE_DBL FE_MUL FE_SQR FE_NEG FE_INV FE_CMOV FE_ISZERO FE_EQ FE_ONE FE_ZERO
 *   CURVE_B()  a const FE * to the curve constant b
 *
 * A Jacobian point (X, Y, Z) stands for (X/Z^2, Y/Z^3); Z = 0 is infinity. The affine
 * infinity is x = y = 0 (the LEM convention). G_(dbl) is branch free; G_(add) and G_(add_mixed)
 * branch on the exceptional cases (infinity, equal points), which are public wherever they
 * are used (MSM over key points). Secret scalars and points go through add_ct, which computes every
 * case and selects with masks. */

static inline uint64_t G_(aff_inf_mask)(const AFF *p) {
    return (uint64_t)(FE_ISZERO(&p->x) & FE_ISZERO(&p->y));
}

int G_(affine_is_inf)(const AFF *p) {
    return (int)G_(aff_inf_mask)(p);
}

void G_(set_inf)(PT *r) {
    FE_ONE(&r->x);
    FE_ONE(&r->y);
    FE_ZERO(&r->z);
}

int G_(is_inf)(const PT *p) {
    return FE_ISZERO(&p->z);
}

void G_(from_affine)(PT *r, const AFF *a) {
    uint64_t inf = G_(aff_inf_mask)(a);
    FE one, zero;
    FE_ONE(&one);
    FE_ZERO(&zero);
    FE_CMOV(&r->x, &a->x, &one, inf);
    FE_CMOV(&r->y, &a->y, &one, inf);
    FE_CMOV(&r->z, &one, &zero, inf);
}

void G_(to_affine)(AFF *r, const PT *p) {
    /* inv(0) = 0, so infinity maps to (0, 0) without a branch. */
    FE zi, zi2, zi3;
    FE_INV(&zi, &p->z);
    FE_SQR(&zi2, &zi);
    FE_MUL(&zi3, &zi2, &zi);
    FE_MUL(&r->x, &p->x, &zi2);
    FE_MUL(&r->y, &p->y, &zi3);
}

void G_(batch_to_affine)(AFF *r, const PT *p, size_t n) {
    /* Montgomery's trick over the non-infinity Z coordinates; r[i].x holds the running
     * product until the backward pass overwrites it, so no scratch memory is needed. r may
     * not alias p. */
    if (n == 0) return;
    FE acc, inv, t, zi2;
    FE_ONE(&acc);
    for (size_t i = 0; i < n; i++) {
        r[i].x = acc;
        if (!FE_ISZERO(&p[i].z)) FE_MUL(&acc, &acc, &p[i].z);
    }
    FE_INV(&inv, &acc);
    for (size_t i = n; i-- > 0;) {
        if (FE_ISZERO(&p[i].z)) {
            FE_ZERO(&r[i].x);
            FE_ZERO(&r[i].y);
            continue;
        }
        FE_MUL(&t, &inv, &r[i].x); /* 1/z_i */
        FE_MUL(&inv, &inv, &p[i].z);
        FE_SQR(&zi2, &t);
        FE_MUL(&r[i].x, &p[i].x, &zi2);
        FE_MUL(&zi2, &zi2, &t);
        FE_MUL(&r[i].y, &p[i].y, &zi2);
    }
}

void G_(dbl)(PT *r, const PT *p) {
    /* dbl-2009-l (a = 0); infinity (Z = 0) stays infinity. */
    FE a, b, c, d, e, f, t;
    FE_SQR(&a, &p->x);
    FE_SQR(&b, &p->y);
    FE_SQR(&c, &b);
    FE_ADD(&d, &p->x, &b);
    FE_SQR(&d, &d);
    FE_SUB(&d, &d, &a);
    FE_SUB(&d, &d, &c);
    FE_DBL(&d, &d);
    FE_DBL(&e, &a);
    FE_ADD(&e, &e, &a);
    FE_SQR(&f, &e);
    FE_MUL(&t, &p->y, &p->z);
    FE_DBL(&r->z, &t);
    FE_DBL(&t, &d);
    FE_SUB(&r->x, &f, &t);
    FE_SUB(&t, &d, &r->x);
    FE_MUL(&t, &e, &t);
    FE_DBL(&c, &c);
    FE_DBL(&c, &c);
    FE_DBL(&c, &c);
    FE_SUB(&r->y, &t, &c);
}

/* add-2007-bl core without exceptional cases. Sets *h_zero and *r_zero for the caller. */
static inline void G_(add_core)(PT *out, const PT *p, const PT *q, int *h_zero, int *r_zero) {
    FE z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t;
    FE_SQR(&z1z1, &p->z);
    FE_SQR(&z2z2, &q->z);
    FE_MUL(&u1, &p->x, &z2z2);
    FE_MUL(&u2, &q->x, &z1z1);
    FE_MUL(&s1, &p->y, &q->z);
    FE_MUL(&s1, &s1, &z2z2);
    FE_MUL(&s2, &q->y, &p->z);
    FE_MUL(&s2, &s2, &z1z1);
    FE_SUB(&h, &u2, &u1);
    FE_SUB(&rr, &s2, &s1);
    *h_zero = FE_ISZERO(&h);
    *r_zero = FE_ISZERO(&rr);
    FE_DBL(&i, &h);
    FE_SQR(&i, &i);
    FE_MUL(&j, &h, &i);
    FE_DBL(&rr, &rr);
    FE_MUL(&v, &u1, &i);
    FE_ADD(&t, &p->z, &q->z);
    FE_SQR(&t, &t);
    FE_SUB(&t, &t, &z1z1);
    FE_SUB(&t, &t, &z2z2);
    FE_MUL(&out->z, &t, &h);
    FE_SQR(&out->x, &rr);
    FE_SUB(&out->x, &out->x, &j);
    FE_SUB(&out->x, &out->x, &v);
    FE_SUB(&out->x, &out->x, &v);
    FE_SUB(&t, &v, &out->x);
    FE_MUL(&t, &t, &rr);
    FE_MUL(&s1, &s1, &j);
    FE_DBL(&s1, &s1);
    FE_SUB(&out->y, &t, &s1);
}

void G_(add)(PT *r, const PT *p, const PT *q) {
    if (FE_ISZERO(&p->z)) {
        *r = *q;
        return;
    }
    if (FE_ISZERO(&q->z)) {
        *r = *p;
        return;
    }
    PT out;
    int hz, rz;
    G_(add_core)(&out, p, q, &hz, &rz);
    if (hz) {
        if (rz)
            G_(dbl)(r, p);
        else
            G_(set_inf)(r);
        return;
    }
    *r = out;
}

static void G_(cmov_pt)(PT *r, const PT *a, const PT *b, uint64_t flag) {
    FE_CMOV(&r->x, &a->x, &b->x, flag);
    FE_CMOV(&r->y, &a->y, &b->y, flag);
    FE_CMOV(&r->z, &a->z, &b->z, flag);
}

/* Constant-time complete addition: every case is computed, the result chosen by masks. */
void G_(add_ct)(PT *r, const PT *p, const PT *q) {
    PT sum, dbl;
    int hz, rz;
    G_(add_core)(&sum, p, q, &hz, &rz);
    G_(dbl)(&dbl, p);
    uint64_t pinf = (uint64_t)FE_ISZERO(&p->z), qinf = (uint64_t)FE_ISZERO(&q->z);
    /* equal points double; P = -Q already gives Z = h * ... = 0 in sum */
    G_(cmov_pt)(&sum, &sum, &dbl, (uint64_t)(hz & rz));
    G_(cmov_pt)(&sum, &sum, q, pinf);
    G_(cmov_pt)(&sum, &sum, p, qinf);
    *r = sum;
}

void G_(add_mixed)(PT *r, const PT *p, const AFF *q) {
    /* madd-2007-bl */
    if (G_(aff_inf_mask)(q)) {
        *r = *p;
        return;
    }
    if (FE_ISZERO(&p->z)) {
        G_(from_affine)(r, q);
        return;
    }
    FE z1z1, u2, s2, h, hh, i, j, rr, v, t;
    FE_SQR(&z1z1, &p->z);
    FE_MUL(&u2, &q->x, &z1z1);
    FE_MUL(&s2, &q->y, &p->z);
    FE_MUL(&s2, &s2, &z1z1);
    FE_SUB(&h, &u2, &p->x);
    FE_SUB(&rr, &s2, &p->y);
    if (FE_ISZERO(&h)) {
        if (FE_ISZERO(&rr))
            G_(dbl)(r, p);
        else
            G_(set_inf)(r);
        return;
    }
    FE_SQR(&hh, &h);
    FE_DBL(&i, &hh);
    FE_DBL(&i, &i);
    FE_MUL(&j, &h, &i);
    FE_DBL(&rr, &rr);
    FE_MUL(&v, &p->x, &i);
    PT out;
    FE_ADD(&t, &p->z, &h);
    FE_SQR(&t, &t);
    FE_SUB(&t, &t, &z1z1);
    FE_SUB(&out.z, &t, &hh);
    FE_SQR(&out.x, &rr);
    FE_SUB(&out.x, &out.x, &j);
    FE_SUB(&out.x, &out.x, &v);
    FE_SUB(&out.x, &out.x, &v);
    FE_SUB(&t, &v, &out.x);
    FE_MUL(&t, &t, &rr);
    FE_MUL(&s2, &p->y, &j);
    FE_DBL(&s2, &s2);
    FE_SUB(&out.y, &t, &s2);
    *r = out;
}

void G_(neg)(PT *r, const PT *p) {
    r->x = p->x;
    FE_NEG(&r->y, &p->y);
    r->z = p->z;
}

void G_(affine_neg)(AFF *r, const AFF *p) {
    r->x = p->x;
    FE_NEG(&r->y, &p->y); /* -0 = 0 keeps infinity */
}

int G_(eq)(const PT *p, const PT *q) {
    int pi = FE_ISZERO(&p->z), qi = FE_ISZERO(&q->z);
    if (pi | qi) return pi & qi;
    FE z1z1, z2z2, a, b, c, d;
    FE_SQR(&z1z1, &p->z);
    FE_SQR(&z2z2, &q->z);
    FE_MUL(&a, &p->x, &z2z2);
    FE_MUL(&b, &q->x, &z1z1);
    FE_MUL(&z2z2, &z2z2, &q->z);
    FE_MUL(&z1z1, &z1z1, &p->z);
    FE_MUL(&c, &p->y, &z2z2);
    FE_MUL(&d, &q->y, &z1z1);
    return FE_EQ(&a, &b) & FE_EQ(&c, &d);
}

int G_(affine_eq)(const AFF *p, const AFF *q) {
    return FE_EQ(&p->x, &q->x) & FE_EQ(&p->y, &q->y);
}

int G_(affine_on_curve)(const AFF *p) {
    if (G_(aff_inf_mask)(p)) return 1;
    FE l, r;
    FE_SQR(&l, &p->y);
    FE_SQR(&r, &p->x);
    FE_MUL(&r, &r, &p->x);
    FE_ADD(&r, &r, CURVE_B());
    return FE_EQ(&l, &r);
}

void G_(mul)(PT *r, const PT *p, const uint64_t k[4]) {
    /* Fixed 4-bit windows over all 256 bits; the table row is chosen by scanning all 16
     * entries with masks, and add_ct has no data-dependent branch. */
    PT table[16], acc, t;
    G_(set_inf)(&table[0]);
    table[1] = *p;
    for (int i = 2; i < 16; i++)
        G_(add_ct)(&table[i], &table[i - 1], p);
    G_(set_inf)(&acc);
    for (int w = 63; w >= 0; w--) {
        for (int d = 0; d < 4; d++)
            G_(dbl)(&acc, &acc);
        uint64_t nib = (k[w / 16] >> (4 * (w % 16))) & 15;
        t = table[0];
        for (uint64_t j = 1; j < 16; j++) {
            uint64_t x = j ^ nib;
            uint64_t eq = ((x | (0 - x)) >> 63) ^ 1;
            G_(cmov_pt)(&t, &t, &table[j], eq);
        }
        G_(add_ct)(&acc, &acc, &t);
    }
    *r = acc;
    via_wipe(table, sizeof table);
    via_wipe(&t, sizeof t);
}

void G_(mul_var)(PT *r, const PT *p, const uint64_t k[4]) {
    /* Width-5 signed windows (wNAF) with 8 odd multiples. */
    int8_t naf[260];
    uint64_t e[5] = {k[0], k[1], k[2], k[3], 0};
    int len = 0;
    while ((e[0] | e[1] | e[2] | e[3] | e[4]) != 0) {
        int d = 0;
        if (e[0] & 1) {
            d = (int)(e[0] & 31);
            if (d >= 16) d -= 32;
            /* e -= d */
            if (d > 0) {
                uint64_t b = (uint64_t)d;
                for (int i = 0; i < 5 && b; i++) {
                    uint64_t o = e[i];
                    e[i] = o - b;
                    b = o < b;
                }
            } else {
                uint64_t c = (uint64_t)(-d);
                for (int i = 0; i < 5 && c; i++) {
                    e[i] += c;
                    c = e[i] < c;
                }
            }
        }
        naf[len++] = (int8_t)d;
        for (int i = 0; i < 4; i++)
            e[i] = (e[i] >> 1) | (e[i + 1] << 63);
        e[4] >>= 1;
    }
    PT odd[8], p2, acc;
    odd[0] = *p;
    G_(dbl)(&p2, p);
    for (int i = 1; i < 8; i++)
        G_(add)(&odd[i], &odd[i - 1], &p2);
    G_(set_inf)(&acc);
    for (int i = len - 1; i >= 0; i--) {
        G_(dbl)(&acc, &acc);
        int d = naf[i];
        if (d > 0) {
            G_(add)(&acc, &acc, &odd[d >> 1]);
        } else if (d < 0) {
            PT n;
            G_(neg)(&n, &odd[(-d) >> 1]);
            G_(add)(&acc, &acc, &n);
        }
    }
    *r = acc;
}
