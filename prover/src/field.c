/* Non-inline field operations: constants, exponentiation, inversion, square roots and the
 * byte/decimal conversions used at file and JSON boundaries. */
#include "field.h"

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

void via_wipe(void *p, size_t n) {
    volatile unsigned char *v = (volatile unsigned char *)p;
    while (n--) *v++ = 0;
    __asm__ __volatile__("" : : "r"(p) : "memory");
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

#define VIA_FIELD_IMPL(F, MOD)                                                                  \
    void F##_pow(F *r, const F *a, const uint64_t e[4]) { mod_pow(r->l, a->l, e, &MOD); }      \
    void F##_inv(F *r, const F *a) { mod_inv(r->l, a->l, &MOD); }                               \
    void F##_inv_var(F *r, const F *a) { mod_inv(r->l, a->l, &MOD); }                           \
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
