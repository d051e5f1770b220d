/* Non-inline field operations: constants, exponentiation, inversion, square roots and the
 * byte/decimal conversions used at file and JSON boundaries. */
#include "via/field.h"

#include <stdio.h>

const via_modulus via_fq_mod = {
    {0x3c208c16d87cfd47ULL, 0x97816a916871ca8dULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL},
    {0xd35d438dc58f0d9dULL, 0x0a78eb28f5c70b3dULL, 0x666ea36f7879462cULL, 0x0e0a77c19a07df2fULL},
    {0xf32cfc5b538afa89ULL, 0xb5e71911d44501fbULL, 0x47ab1eff0a417ff6ULL, 0x06d89f71cab8351fULL},
    0x87d20782e4866389ULL};

const via_modulus via_fr_mod = {
    {0x43e1f593f0000001ULL, 0x2833e84879b97091ULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL},
    {0xac96341c4ffffffbULL, 0x36fc76959f60cd29ULL, 0x666ea36f7879462eULL, 0x0e0a77c19a07df2fULL},
    {0x1bb8e645ae216da7ULL, 0x53fe3ab1e35c59e3ULL, 0x8c49833d53bb8085ULL, 0x0216d0b17f4e44a5ULL},
    0xc2e1f593efffffffULL};

int via_field_have_adx = 0;

#if defined(__x86_64__) && !defined(VIA_NO_ASM)
__attribute__((constructor)) static void via_field_ctor(void) { via_field_init(); }
#endif

void via_mont_mul_portable_call(uint64_t r[4], const uint64_t a[4], const uint64_t b[4],
                                const via_modulus *m) {
    via_mont_mul_portable(r, a, b, m);
}

int via_limbs_lt(const uint64_t a[4], const uint64_t b[4]) {
    for (int i = 3; i >= 0; i--) {
        if (a[i] < b[i]) return 1;
        if (a[i] > b[i]) return 0;
    }
    return 0;
}

void via_limbs_from_bytes_le(uint64_t out[4], const uint8_t in[32]) {
    for (int i = 0; i < 4; i++) {
        uint64_t v = 0;
        for (int j = 7; j >= 0; j--) v = (v << 8) | in[8 * i + j];
        out[i] = v;
    }
}

void via_limbs_to_bytes_le(uint8_t out[32], const uint64_t in[4]) {
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 8; j++) out[8 * i + j] = (uint8_t)(in[i] >> (8 * j));
}

int via_limbs_from_decimal(uint64_t out[4], const char *s) {
    uint64_t v[4] = {0, 0, 0, 0};
    if (!s || !*s) return -1;
    size_t n = 0;
    for (; s[n]; n++) {
        if (s[n] < '0' || s[n] > '9' || n >= 80) return -1;
        via_u128 carry = (uint64_t)(s[n] - '0');
        for (int i = 0; i < 4; i++) {
            via_u128 t = (via_u128)v[i] * 10 + carry;
            v[i] = (uint64_t)t;
            carry = t >> 64;
        }
        if (carry) return -1;
    }
    memcpy(out, v, sizeof v);
    return 0;
}

size_t via_limbs_to_decimal(char *out, size_t outlen, const uint64_t in[4]) {
    char buf[80];
    size_t n = 0;
    uint64_t v[4] = {in[0], in[1], in[2], in[3]};
    do {
        uint64_t rem = 0;
        for (int i = 3; i >= 0; i--) {
            via_u128 cur = ((via_u128)rem << 64) | v[i];
            v[i] = (uint64_t)(cur / 10);
            rem = (uint64_t)(cur % 10);
        }
        buf[n++] = (char)('0' + rem);
    } while (v[0] | v[1] | v[2] | v[3]);
    if (n + 1 > outlen) {
        if (outlen) out[0] = 0;
        return 0;
    }
    for (size_t i = 0; i < n; i++) out[i] = buf[n - 1 - i];
    out[n] = 0;
    return n;
}

/* Generic helpers over a modulus, instantiated for both fields below. */
static void mod_pow(uint64_t r[4], const uint64_t a[4], const uint64_t e[4], const via_modulus *m) {
    /* Square-and-multiply with an always-multiply and masked select: the exponent is public
     * in every caller, but the base may be secret, so the sequence of operations must not
     * depend on the base. */
    uint64_t acc[4], t[4];
    memcpy(acc, m->r1, 32);
    for (int i = 255; i >= 0; i--) {
        via_mont_mul(acc, acc, acc, m);
        via_mont_mul(t, acc, a, m);
        uint64_t bit = (e[i / 64] >> (i % 64)) & 1;
        uint64_t mask = (uint64_t)0 - bit;
        for (int k = 0; k < 4; k++) acc[k] = (acc[k] & ~mask) | (t[k] & mask);
    }
    memcpy(r, acc, 32);
}

static void mod_inv(uint64_t r[4], const uint64_t a[4], const via_modulus *m) {
    uint64_t e[4], two[4] = {2, 0, 0, 0};
    via_limbs_sub(e, m->p, two);
    mod_pow(r, a, e, m);
}

/*
 * Variable-time inversion for public and witness values: the Bernstein-Yang "safegcd"
 * iteration of divsteps, 62 at a time.
 *
 * Numbers are signed, in five limbs of 62 bits (limbs 0..3 in [0, 2^62), limb 4 signed). With
 * f = p, g = x, d = 0, e = 1 the invariants f = d x and g = e x (mod p) hold throughout. Each
 * round runs 62 divsteps on the low bits of f and g alone, collecting them in a 2x2 matrix T
 * with 2^62 [f'; g'] = T [f; g] (|T| row sums <= 2^62), applies T to f, g exactly and to d, e
 * modulo p (a multiple of p is subtracted to make the division by 2^62 exact, keeping d, e in
 * (-2p, p)). When g reaches 0, f = +-1 = gcd and x^-1 = +-d. Runs of zero bits of g are
 * shifted out at once. Inputs are Montgomery forms x R; the plain inverse (x R)^-1 becomes
 * x^-1 R by a Montgomery product with R^3 mod p.
 */
#define INV_M62 (((uint64_t)1 << 62) - 1)

typedef struct {
    int64_t p[5];    /* the modulus in 62-bit limbs */
    uint64_t pinv62; /* p^-1 mod 2^62 */
    uint64_t r3[4];  /* R^3 mod p */
} inv_consts;

static void to62(int64_t out[5], const uint64_t a[4]) {
    out[0] = (int64_t)(a[0] & INV_M62);
    out[1] = (int64_t)(((a[0] >> 62) | (a[1] << 2)) & INV_M62);
    out[2] = (int64_t)(((a[1] >> 60) | (a[2] << 4)) & INV_M62);
    out[3] = (int64_t)(((a[2] >> 58) | (a[3] << 6)) & INV_M62);
    out[4] = (int64_t)(a[3] >> 56);
}

/* Non-negative value below 2^256 in normalised 62-bit limbs -> 4x64. */
static void from62(uint64_t out[4], const int64_t a[5]) {
    const uint64_t *u = (const uint64_t *)a;
    out[0] = u[0] | (u[1] << 62);
    out[1] = (u[1] >> 2) | (u[2] << 60);
    out[2] = (u[2] >> 4) | (u[3] << 58);
    out[3] = (u[3] >> 6) | (u[4] << 56);
}

static void inv_consts_make(inv_consts *c, const via_modulus *m) {
    to62(c->p, m->p);
    c->pinv62 = ((uint64_t)0 - m->inv) & INV_M62; /* m->inv = -p^-1 mod 2^64 */
    via_mont_mul(c->r3, m->r2, m->r2, m);         /* R^2 R^2 / R */
}

static inv_consts g_inv_fq, g_inv_fr;
__attribute__((constructor)) static void inv_consts_init(void) {
    inv_consts_make(&g_inv_fq, &via_fq_mod);
    inv_consts_make(&g_inv_fr, &via_fr_mod);
}

typedef struct {
    int64_t u, v, q, r;
} inv_matrix;

/* 62 divsteps (delta form: swap when delta > 0 and g odd) on the low 64 bits of f (odd) and
 * g; returns the new delta. 2^62 f_new = u f + v g, 2^62 g_new = q f + r g. */
static int64_t divsteps62(int64_t delta, uint64_t f, uint64_t g, inv_matrix *t) {
    int64_t u = 1, v = 0, q = 0, r = 1;
    int i = 0;
    for (;;) {
        /* shift out the zero bits of g, at most up to step 62 (the sentinel bit) */
        int z = __builtin_ctzll(g | ((uint64_t)1 << (62 - i)));
        g = (uint64_t)((int64_t)g >> z);
        u = (int64_t)((uint64_t)u << z);
        v = (int64_t)((uint64_t)v << z);
        delta += z;
        i += z;
        if (i == 62) break;
        /* g is odd */
        if (delta > 0) {
            uint64_t tf = f;
            int64_t tu = u, tv = v;
            delta = 1 - delta;
            f = g;
            g = (uint64_t)((int64_t)(g - tf) >> 1);
            u = (int64_t)((uint64_t)q << 1);
            v = (int64_t)((uint64_t)r << 1);
            q -= tu;
            r -= tv;
        } else {
            delta = 1 + delta;
            g = (uint64_t)((int64_t)(g + f) >> 1);
            q += u;
            r += v;
            u = (int64_t)((uint64_t)u << 1);
            v = (int64_t)((uint64_t)v << 1);
        }
        i++;
        if (i == 62) break;
    }
    t->u = u;
    t->v = v;
    t->q = q;
    t->r = r;
    return delta;
}

/* [f; g] <- T [f; g] / 2^62 (exact). */
static void update_fg(int64_t f[5], int64_t g[5], const inv_matrix *t) {
    __int128 cf = (__int128)t->u * f[0] + (__int128)t->v * g[0];
    __int128 cg = (__int128)t->q * f[0] + (__int128)t->r * g[0];
    cf >>= 62;
    cg >>= 62;
    for (int i = 1; i < 5; i++) {
        cf += (__int128)t->u * f[i] + (__int128)t->v * g[i];
        cg += (__int128)t->q * f[i] + (__int128)t->r * g[i];
        f[i - 1] = (int64_t)((uint64_t)cf & INV_M62);
        g[i - 1] = (int64_t)((uint64_t)cg & INV_M62);
        cf >>= 62;
        cg >>= 62;
    }
    f[4] = (int64_t)cf;
    g[4] = (int64_t)cg;
}

/* x += p when x < 0 (x in (-2p, p) -> (-p, p)). */
static void add_p_if_negative(int64_t x[5], const int64_t p[5]) {
    if (x[4] >= 0) return;
    int64_t c = 0;
    for (int i = 0; i < 5; i++) {
        int64_t s = x[i] + p[i] + c;
        if (i < 4) {
            x[i] = (int64_t)((uint64_t)s & INV_M62);
            c = s >> 62;
        } else {
            x[i] = s;
        }
    }
}

/* [d; e] <- (T [d; e] - [md; me] p) / 2^62 with md, me in [0, 2^62) making it exact; d, e stay
 * in (-2p, p). */
static void update_de(int64_t d[5], int64_t e[5], const inv_matrix *t, const inv_consts *c) {
    add_p_if_negative(d, c->p);
    add_p_if_negative(e, c->p);
    uint64_t md = (((uint64_t)t->u * (uint64_t)d[0] + (uint64_t)t->v * (uint64_t)e[0]) * c->pinv62) & INV_M62;
    uint64_t me = (((uint64_t)t->q * (uint64_t)d[0] + (uint64_t)t->r * (uint64_t)e[0]) * c->pinv62) & INV_M62;
    __int128 cd = (__int128)t->u * d[0] + (__int128)t->v * e[0] - (__int128)md * c->p[0];
    __int128 ce = (__int128)t->q * d[0] + (__int128)t->r * e[0] - (__int128)me * c->p[0];
    cd >>= 62;
    ce >>= 62;
    for (int i = 1; i < 5; i++) {
        cd += (__int128)t->u * d[i] + (__int128)t->v * e[i] - (__int128)md * c->p[i];
        ce += (__int128)t->q * d[i] + (__int128)t->r * e[i] - (__int128)me * c->p[i];
        d[i - 1] = (int64_t)((uint64_t)cd & INV_M62);
        e[i - 1] = (int64_t)((uint64_t)ce & INV_M62);
        cd >>= 62;
        ce >>= 62;
    }
    d[4] = (int64_t)cd;
    e[4] = (int64_t)ce;
}

static void mod_inv_var(uint64_t r[4], const uint64_t a[4], const via_modulus *m) {
    if ((a[0] | a[1] | a[2] | a[3]) == 0) {
        memset(r, 0, 32);
        return;
    }
    const inv_consts *c = m == &via_fq_mod ? &g_inv_fq : &g_inv_fr;
    int64_t f[5], g[5], d[5] = {0, 0, 0, 0, 0}, e[5] = {1, 0, 0, 0, 0};
    memcpy(f, c->p, sizeof f);
    to62(g, a);
    int64_t delta = 1;
    for (;;) {
        inv_matrix t;
        delta = divsteps62(delta, (uint64_t)f[0] | ((uint64_t)f[1] << 62),
                           (uint64_t)g[0] | ((uint64_t)g[1] << 62), &t);
        update_fg(f, g, &t);
        update_de(d, e, &t, c);
        if ((g[0] | g[1] | g[2] | g[3] | g[4]) == 0) break;
    }
    /* f = +-1: the inverse is +-d, brought into [0, p) */
    int neg = f[4] < 0;
    if (neg) {
        int64_t cy = 0;
        for (int i = 0; i < 5; i++) { /* d = -d */
            int64_t s = -d[i] + cy;
            if (i < 4) {
                d[i] = (int64_t)((uint64_t)s & INV_M62);
                cy = s >> 62;
            } else {
                d[i] = s;
            }
        }
    }
    /* d in (-2p, 2p): add p while negative, subtract it while >= p */
    add_p_if_negative(d, c->p);
    add_p_if_negative(d, c->p);
    uint64_t x[4];
    from62(x, d);
    while (!via_limbs_lt(x, m->p)) via_limbs_sub(x, x, m->p);
    via_mont_mul(r, x, c->r3, m); /* (x R)^-1 R^3 / R = x^-1 R */
}

#define VIA_FIELD_IMPL(F, MOD)                                                                  \
    void F##_pow(F *r, const F *a, const uint64_t e[4]) { mod_pow(r->l, a->l, e, &MOD); }      \
    void F##_inv(F *r, const F *a) { mod_inv(r->l, a->l, &MOD); }                               \
    void F##_inv_var(F *r, const F *a) { mod_inv_var(r->l, a->l, &MOD); }                       \
    void F##_batch_inv_var(F *out, const F *in, size_t n) {                                     \
        /* Montgomery's trick; zero inputs map to zero outputs. out may alias in. */            \
        if (n == 0) return;                                                                     \
        F acc, t;                                                                               \
        F##_set_one(&acc);                                                                      \
        F *pre = (F *)out;                                                                      \
        F *tmp = NULL;                                                                          \
        if (out == in) {                                                                        \
            extern void *via_xmalloc(size_t);                                                   \
            tmp = (F *)via_xmalloc(n * sizeof(F));                                              \
            pre = tmp;                                                                          \
        }                                                                                       \
        for (size_t i = 0; i < n; i++) {                                                        \
            pre[i] = acc;                                                                       \
            if (!F##_is_zero(&in[i])) F##_mul(&acc, &acc, &in[i]);                              \
        }                                                                                       \
        F##_inv_var(&acc, &acc);                                                                \
        for (size_t i = n; i-- > 0;) {                                                          \
            if (F##_is_zero(&in[i])) {                                                          \
                out[i] = in[i];                                                                 \
                continue;                                                                       \
            }                                                                                   \
            F##_mul(&t, &acc, &pre[i]);                                                         \
            F##_mul(&acc, &acc, &in[i]);                                                        \
            out[i] = t;                                                                         \
        }                                                                                       \
        if (tmp) {                                                                              \
            extern void via_xfree(void *);                                                      \
            via_xfree(tmp);                                                                     \
        }                                                                                       \
    }                                                                                           \
    int F##_from_canon(F *r, const uint64_t in[4]) {                                            \
        if (!via_limbs_lt(in, MOD.p)) return -1;                                                \
        F##_from_canon_unchecked(r, in);                                                        \
        return 0;                                                                               \
    }                                                                                           \
    int F##_from_bytes_le(F *r, const uint8_t in[32]) {                                         \
        uint64_t t[4];                                                                          \
        via_limbs_from_bytes_le(t, in);                                                         \
        return F##_from_canon(r, t);                                                            \
    }                                                                                           \
    void F##_to_bytes_le(uint8_t out[32], const F *a) {                                         \
        uint64_t t[4];                                                                          \
        F##_to_canon(t, a);                                                                     \
        via_limbs_to_bytes_le(out, t);                                                          \
    }                                                                                           \
    void F##_from_mont_bytes_le(F *r, const uint8_t in[32]) { via_limbs_from_bytes_le(r->l, in); } \
    int F##_from_decimal(F *r, const char *s) {                                                 \
        uint64_t t[4];                                                                          \
        if (via_limbs_from_decimal(t, s)) return -1;                                            \
        return F##_from_canon(r, t);                                                            \
    }                                                                                           \
    size_t F##_to_decimal(char *out, size_t outlen, const F *a) {                               \
        uint64_t t[4];                                                                          \
        F##_to_canon(t, a);                                                                     \
        return via_limbs_to_decimal(out, outlen, t);                                            \
    }                                                                                           \
    int F##_is_square_var(const F *a) {                                                         \
        if (F##_is_zero(a)) return 1;                                                           \
        uint64_t e[4], one[4] = {1, 0, 0, 0};                                                   \
        via_limbs_sub(e, MOD.p, one);                                                           \
        for (int i = 0; i < 4; i++) e[i] = (e[i] >> 1) | (i < 3 ? e[i + 1] << 63 : 0);          \
        F t;                                                                                    \
        F##_pow(&t, a, e);                                                                      \
        return F##_is_one(&t);                                                                  \
    }

VIA_FIELD_IMPL(via_fq, via_fq_mod)
VIA_FIELD_IMPL(via_fr, via_fr_mod)

/* q = 3 mod 4: sqrt(a) = a^((q+1)/4). */
int via_fq_sqrt_var(via_fq *r, const via_fq *a) {
    uint64_t e[4], one[4] = {1, 0, 0, 0};
    via_limbs_add(e, via_fq_mod.p, one);
    for (int i = 0; i < 4; i++) e[i] = (e[i] >> 2) | (i < 3 ? e[i + 1] << 62 : 0);
    via_fq t, c;
    via_fq_pow(&t, a, e);
    via_fq_sqr(&c, &t);
    if (!via_fq_eq(&c, a)) return -1;
    *r = t;
    return 0;
}

/* Tonelli-Shanks for r - 1 = 2^28 * odd, with the non-residue 5. */
int via_fr_sqrt_var(via_fr *r, const via_fr *a) {
    if (via_fr_is_zero(a)) {
        *r = *a;
        return 0;
    }
    if (!via_fr_is_square_var(a)) return -1;
    uint64_t odd[4], one[4] = {1, 0, 0, 0};
    via_limbs_sub(odd, via_fr_mod.p, one);
    for (int k = 0; k < VIA_FR_TWO_ADICITY; k++)
        for (int i = 0; i < 4; i++) odd[i] = (odd[i] >> 1) | (i < 3 ? odd[i + 1] << 63 : 0);
    uint64_t half[4];
    via_limbs_add(half, odd, one);
    for (int i = 0; i < 4; i++) half[i] = (half[i] >> 1) | (i < 3 ? half[i + 1] << 63 : 0);
    via_fr z, c, x, t, b;
    via_fr_set_u64(&z, 5);
    via_fr_pow(&c, &z, odd);
    via_fr_pow(&x, a, half);
    via_fr_pow(&t, a, odd);
    unsigned mexp = VIA_FR_TWO_ADICITY;
    while (!via_fr_is_one(&t)) {
        unsigned i = 0;
        via_fr tt = t;
        while (!via_fr_is_one(&tt)) {
            via_fr_sqr(&tt, &tt);
            i++;
            if (i == mexp) return -1;
        }
        b = c;
        for (unsigned j = 0; j + i + 1 < mexp; j++) via_fr_sqr(&b, &b);
        mexp = i;
        via_fr_sqr(&c, &b);
        via_fr_mul(&t, &t, &c);
        via_fr_mul(&x, &x, &b);
    }
    *r = x;
    return 0;
}

void via_fr_root_of_unity(via_fr *r, unsigned log2n) {
    /* omega_{2^k} = 5^((r-1)/2^k) */
    uint64_t e[4], one[4] = {1, 0, 0, 0};
    via_limbs_sub(e, via_fr_mod.p, one);
    for (unsigned k = 0; k < log2n; k++)
        for (int i = 0; i < 4; i++) e[i] = (e[i] >> 1) | (i < 3 ? e[i + 1] << 63 : 0);
    via_fr five;
    via_fr_set_u64(&five, 5);
    via_fr_pow(r, &five, e);
}

void via_fq_to_bytes_be(uint8_t out[32], const via_fq *a) {
    uint64_t t[4];
    uint8_t le[32];
    via_fq_to_canon(t, a);
    via_limbs_to_bytes_le(le, t);
    for (int i = 0; i < 32; i++) out[i] = le[31 - i];
}
