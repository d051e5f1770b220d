/*
 * Poseidon (circomlib >= 0.5.0) with its constants generated in code.
 *
 * Two pieces live here:
 *
 * 1. The constant generator. The Grain LFSR of the Poseidon reference script produces the
 *    round constants (254-bit draws, rejected when >= r) and then 2t more draws that define
 *    the Cauchy MDS matrix M[i][j] = 1/(x_i + y_j). The result equals circomlibjs
 *    poseidon_constants.json for every t (the unit tests check the hash vectors).
 *
 * 2. A fast permutation. In a partial round only state[0] goes through the S-box, so most of
 *    the work of the reference form is the dense t x t mix. Two exact rewrites remove it:
 *    (a) the round constants of the partial rounds are moved backwards through M^-1 so that
 *        each partial round only adds one scalar to state[0], right after its S-box, and only
 *        the first partial round adds a full vector;
 *    (b) walking the partial rounds from the last to the first, each round's matrix A is
 *        factored as A = S * D with D = diag(1, X) and S sparse ([[a00, w^T], [v, I]]); D
 *        commutes with the S-box and the scalar add on state[0], so it is folded into the
 *        previous round's matrix (D * M). What is left before the first partial round is
 *        folded into the last initial full round's matrix and into the first partial round's
 *        constant vector.
 *    A partial round then costs 2t - 1 multiplications instead of t^2. The reference form is
 *    kept (via_poseidon_permute_reference) and the tests compare both.
 */
#include "via/poseidon.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "via/simd52.h"
#include "via/runtime.h"

static const unsigned rp_table[VIA_POSEIDON_T_MAX - 1] = {56, 57, 56, 60, 60, 63, 64, 63,
                                                          60, 66, 60, 65, 70, 60, 64, 68};

unsigned via_poseidon_rp(unsigned t) {
    assert(t >= VIA_POSEIDON_T_MIN && t <= VIA_POSEIDON_T_MAX);
    return rp_table[t - 2];
}

/* ---------------------------------------------------------------- Grain LFSR */

typedef struct {
    uint8_t b[80]; /* b[pos] is the oldest bit */
    unsigned pos;
} grain;

static void grain_push_bits(uint8_t *bits, unsigned *n, uint64_t value, unsigned width) {
    for (unsigned i = width; i-- > 0;)
        bits[(*n)++] = (uint8_t)((value >> i) & 1);
}

static uint8_t grain_step(grain *g) {
    /* b_{i+80} = b_{i+62} ^ b_{i+51} ^ b_{i+38} ^ b_{i+23} ^ b_{i+13} ^ b_i */
    const uint8_t *b = g->b;
    unsigned p = g->pos;
    uint8_t nb = b[(p + 62) % 80] ^ b[(p + 51) % 80] ^ b[(p + 38) % 80] ^ b[(p + 23) % 80] ^
                 b[(p + 13) % 80] ^ b[p];
    g->b[p] = nb;
    g->pos = (p + 1) % 80;
    return nb;
}

static void grain_init(grain *g, unsigned t, unsigned rf, unsigned rp) {
    unsigned n = 0;
    grain_push_bits(g->b, &n, 1, 2);    /* field: prime field */
    grain_push_bits(g->b, &n, 0, 4);    /* S-box: x^alpha */
    grain_push_bits(g->b, &n, 254, 12); /* field size in bits */
    grain_push_bits(g->b, &n, t, 12);
    grain_push_bits(g->b, &n, rf, 10);
    grain_push_bits(g->b, &n, rp, 10);
    grain_push_bits(g->b, &n, 0x3fffffffULL, 30);
    assert(n == 80);
    g->pos = 0;
    for (int i = 0; i < 160; i++)
        grain_step(g);
}

/* Self-shrinking output: pairs (a, b); emit b when a == 1. */
static uint8_t grain_bit(grain *g) {
    for (;;) {
        uint8_t a = grain_step(g);
        uint8_t b = grain_step(g);
        if (a) return b;
    }
}

/* 254 bits, most significant first, as a 4-limb integer. */
static void grain_limbs(grain *g, uint64_t out[4]) {
    memset(out, 0, 32);
    for (int i = 253; i >= 0; i--)
        out[i / 64] |= (uint64_t)grain_bit(g) << (i % 64);
}

/* ---------------------------------------------------------------- small matrix algebra */

/* out = in^-1 for an n x n row-major matrix; -1 if singular. Public data: variable time. */
static int mat_inv(via_fr *out, const via_fr *in, unsigned n) {
    via_fr *a = via_xmalloc((size_t)n * n * sizeof *a);
    memcpy(a, in, (size_t)n * n * sizeof *a);
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = 0; j < n; j++) {
            if (i == j)
                via_fr_set_one(&out[i * n + j]);
            else
                via_fr_set_zero(&out[i * n + j]);
        }
    for (unsigned col = 0; col < n; col++) {
        unsigned piv = col;
        while (piv < n && via_fr_is_zero(&a[piv * n + col]))
            piv++;
        if (piv == n) {
            via_xfree(a);
            return -1;
        }
        if (piv != col)
            for (unsigned j = 0; j < n; j++) {
                via_fr t = a[col * n + j];
                a[col * n + j] = a[piv * n + j];
                a[piv * n + j] = t;
                t = out[col * n + j];
                out[col * n + j] = out[piv * n + j];
                out[piv * n + j] = t;
            }
        via_fr inv;
        via_fr_inv_var(&inv, &a[col * n + col]);
        for (unsigned j = 0; j < n; j++) {
            via_fr_mul(&a[col * n + j], &a[col * n + j], &inv);
            via_fr_mul(&out[col * n + j], &out[col * n + j], &inv);
        }
        for (unsigned i = 0; i < n; i++) {
            if (i == col || via_fr_is_zero(&a[i * n + col])) continue;
            via_fr f = a[i * n + col], t;
            for (unsigned j = 0; j < n; j++) {
                via_fr_mul(&t, &f, &a[col * n + j]);
                via_fr_sub(&a[i * n + j], &a[i * n + j], &t);
                via_fr_mul(&t, &f, &out[col * n + j]);
                via_fr_sub(&out[i * n + j], &out[i * n + j], &t);
            }
        }
    }
    via_xfree(a);
    return 0;
}

static void mat_vec(via_fr *out, const via_fr *m, const via_fr *x, unsigned n) {
    via_fr tmp[VIA_POSEIDON_T_MAX];
    for (unsigned i = 0; i < n; i++) {
        via_fr acc, p;
        via_fr_mul(&acc, &m[i * n], &x[0]);
        for (unsigned j = 1; j < n; j++) {
            via_fr_mul(&p, &m[i * n + j], &x[j]);
            via_fr_add(&acc, &acc, &p);
        }
        tmp[i] = acc;
    }
    memcpy(out, tmp, n * sizeof *out);
}

/* ---------------------------------------------------------------- per-width constants */

typedef struct {
    via_poseidon_params pub;
    via_fr *c; /* reference constants */
    via_fr *m; /* reference matrix */
    /* fast path */
    via_fr *m_last_full; /* t*t: D_0 * M, the matrix of round RF/2 - 1 */
    via_fr *c_partial;   /* t: the vector added before the first partial round */
    via_fr *k;           /* rp: scalar added to state[0] after each partial S-box */
    via_fr *sparse;      /* rp * (2t - 1): a00, w[1..t-1], v[1..t-1] per partial round */
    /* the same constants in radix 2^52 for the eight-lane path (simd52.h) */
    uint64_t (*c52)[5], (*m52)[5], (*mlf52)[5], (*cp52)[5], (*k52)[5], (*sp52)[5];
    /* partial rounds in blocks of PARTIAL_BLOCK (eight-lane path): round j at position
     * r = j % PARTIAL_BLOCK of its block has r coefficients at pc52 + pc_off[j] */
    uint64_t (*pc52)[5];
    size_t *pc_off;
#if VIA_HAVE_SIMD52
    /* one permutation in vector lanes (permute_x1): rows of the state in lanes, blocks of 8;
     * built only where the CPU has IFMA (NULL otherwise) */
    via_v52 *x1_c;          /* [full round][block]: round constants */
    via_v52 *x1_m, *x1_mlf; /* [column][block]: M and D_0 M, column j's rows of the block */
    via_v52 *x1_cp;         /* [block]: c_partial */
    via_v52 *x1_w, *x1_v; /* [partial round][block]: w (lane 0 of block 0: a00) and v (lane 0: 0) */
#endif
} poseidon_set;

#define PARTIAL_BLOCK 8

static _Atomic(poseidon_set *) cache[VIA_POSEIDON_T_MAX + 1];
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static void gen_reference(poseidon_set *s, unsigned t, unsigned rf, unsigned rp) {
    grain g;
    grain_init(&g, t, rf, rp);
    size_t nc = (size_t)(rf + rp) * t;
    for (size_t i = 0; i < nc; i++) {
        uint64_t v[4];
        do
            grain_limbs(&g, v);
        while (!via_limbs_lt(v, via_fr_mod.p));
        via_fr_from_canon_unchecked(&s->c[i], v);
    }
    /* MDS: 2t draws reduced mod r (one subtraction suffices: 2^254 < 2r), all distinct. */
    via_fr xy[2 * VIA_POSEIDON_T_MAX];
    for (;;) {
        for (unsigned i = 0; i < 2 * t; i++) {
            uint64_t v[4];
            grain_limbs(&g, v);
            via_limbs_reduce_once(v, v, via_fr_mod.p);
            via_fr_from_canon_unchecked(&xy[i], v);
        }
        int distinct = 1;
        for (unsigned i = 0; i < 2 * t && distinct; i++)
            for (unsigned j = i + 1; j < 2 * t; j++)
                if (via_fr_eq(&xy[i], &xy[j])) {
                    distinct = 0;
                    break;
                }
        if (distinct) break;
    }
    for (unsigned i = 0; i < t; i++)
        for (unsigned j = 0; j < t; j++) {
            via_fr sum;
            via_fr_add(&sum, &xy[i], &xy[t + j]);
            via_fr_inv_var(&s->m[i * t + j], &sum);
        }
}

static void gen_fast(poseidon_set *s, unsigned t, unsigned rf, unsigned rp) {
    const unsigned h = rf / 2, n1 = t - 1;
    via_fr *minv = via_xmalloc((size_t)t * t * sizeof *minv);
    if (mat_inv(minv, s->m, t)) {
        fprintf(stderr, "via_poseidon: MDS matrix for t=%u is singular\n", t);
        abort();
    }

    /* (a) move the partial-round constants backwards. */
    via_fr *cc = via_xmalloc((size_t)rp * t * sizeof *cc);
    memcpy(cc, s->c + (size_t)h * t, (size_t)rp * t * sizeof *cc);
    for (unsigned j = 0; j < rp; j++)
        via_fr_set_zero(&s->k[j]);
    for (unsigned j = rp - 1; j >= 1; j--) {
        via_fr u[VIA_POSEIDON_T_MAX];
        mat_vec(u, minv, cc + (size_t)j * t, t);
        s->k[j - 1] = u[0];
        for (unsigned i = 1; i < t; i++)
            via_fr_add(&cc[(j - 1) * t + i], &cc[(j - 1) * t + i], &u[i]);
    }

    /* (b) factor the partial-round matrices from the last round to the first. */
    via_fr *a = via_xmalloc((size_t)t * t * sizeof *a);
    via_fr *x = via_xmalloc((size_t)n1 * n1 * sizeof *x);
    via_fr *xinv = via_xmalloc((size_t)n1 * n1 * sizeof *xinv);
    memcpy(a, s->m, (size_t)t * t * sizeof *a);
    for (unsigned j = rp; j-- > 0;) {
        for (unsigned i = 0; i < n1; i++)
            for (unsigned l = 0; l < n1; l++)
                x[i * n1 + l] = a[(i + 1) * t + (l + 1)];
        if (mat_inv(xinv, x, n1)) {
            fprintf(stderr, "via_poseidon: singular minor for t=%u round %u\n", t, j);
            abort();
        }
        via_fr *sp = s->sparse + (size_t)j * (2 * t - 1);
        sp[0] = a[0];
        /* w = X^-T * row, row = a[0][1..] */
        for (unsigned i = 0; i < n1; i++) {
            via_fr acc, p;
            via_fr_set_zero(&acc);
            for (unsigned l = 0; l < n1; l++) {
                via_fr_mul(&p, &xinv[l * n1 + i], &a[l + 1]);
                via_fr_add(&acc, &acc, &p);
            }
            sp[1 + i] = acc;
        }
        for (unsigned i = 0; i < n1; i++)
            sp[t + i] = a[(i + 1) * t];
        /* the next matrix back in time: diag(1, X) * M */
        via_fr *dst = j > 0 ? a : s->m_last_full;
        for (unsigned col = 0; col < t; col++) {
            via_fr tmp[VIA_POSEIDON_T_MAX];
            tmp[0] = s->m[col];
            for (unsigned i = 0; i < n1; i++) {
                via_fr acc, p;
                via_fr_set_zero(&acc);
                for (unsigned l = 0; l < n1; l++) {
                    via_fr_mul(&p, &x[i * n1 + l], &s->m[(l + 1) * t + col]);
                    via_fr_add(&acc, &acc, &p);
                }
                tmp[1 + i] = acc;
            }
            for (unsigned i = 0; i < t; i++)
                dst[i * t + col] = tmp[i];
        }
        if (j == 0) {
            /* D_0 also moves past the first partial round's constant vector. */
            s->c_partial[0] = cc[0];
            for (unsigned i = 0; i < n1; i++) {
                via_fr acc, p;
                via_fr_set_zero(&acc);
                for (unsigned l = 0; l < n1; l++) {
                    via_fr_mul(&p, &x[i * n1 + l], &cc[1 + l]);
                    via_fr_add(&acc, &acc, &p);
                }
                s->c_partial[1 + i] = acc;
            }
        }
    }
    via_xfree(a);
    via_xfree(x);
    via_xfree(xinv);
    via_xfree(cc);
    via_xfree(minv);
}

/* Montgomery-form values (below r) as five 52-bit limbs, the layout of simd52.h's lanes. */
static uint64_t (*to52_all(const via_fr *v, size_t n))[5] {
    uint64_t(*o)[5] = via_xmalloc((n ? n : 1) * sizeof *o);
    const uint64_t m = 0xfffffffffffffULL;
    for (size_t i = 0; i < n; i++) {
        const uint64_t *a = v[i].l;
        o[i][0] = a[0] & m;
        o[i][1] = ((a[0] >> 52) | (a[1] << 12)) & m;
        o[i][2] = ((a[1] >> 40) | (a[2] << 24)) & m;
        o[i][3] = ((a[2] >> 28) | (a[3] << 36)) & m;
        o[i][4] = a[3] >> 16;
    }
    return o;
}

/*
 * Partial rounds in blocks, for the eight-lane path. A partial round j sets
 *     x_j = S(st[0]) + k_j,  st[0] <- w_j . (x_j, st[1..t)),  st[i] += v_j[i] x_j  (i >= 1)
 * (w_j = sparse[0..t), v_j = sparse[t..2t-1)). Within a block starting at round b, st[i] =
 * base[i] + sum_{q<r} v_{b+q}[i] x_{b+q} at position r, so
 *     st[0] at round b + r = w_{b+r}[0] x + sum_i w_{b+r}[i] base[i] + sum_{q<r} c_{b+r,q} x_{b+q}
 * with c_{j,q} = sum_{i>=1} w_j[i] v_{b+q}[i]: one dot product of t + r terms per round, and
 * the t - 1 updates of st[1..t) only once per block (dot products of the block's x). Exact in
 * the field, so the values are those of the round-by-round form.
 */
static void gen_blocks(poseidon_set *s, unsigned t, unsigned rp) {
    const unsigned w2 = 2 * t - 1;
    s->pc_off = via_xmalloc(rp * sizeof *s->pc_off);
    size_t n = 0;
    for (unsigned j = 0; j < rp; j++) {
        s->pc_off[j] = n;
        n += j % PARTIAL_BLOCK;
    }
    via_fr *pc = via_xmalloc((n ? n : 1) * sizeof *pc);
    for (unsigned j = 0; j < rp; j++) {
        const unsigned r = j % PARTIAL_BLOCK, b = j - r;
        const via_fr *wj = s->sparse + (size_t)j * w2;
        for (unsigned q = 0; q < r; q++) {
            const via_fr *vq = s->sparse + (size_t)(b + q) * w2 + t - 1; /* vq[i], i = 1..t-1 */
            via_fr acc, p;
            via_fr_set_zero(&acc);
            for (unsigned i = 1; i < t; i++) {
                via_fr_mul(&p, &wj[i], &vq[i]);
                via_fr_add(&acc, &acc, &p);
            }
            pc[s->pc_off[j] + q] = acc;
        }
    }
    s->pc52 = to52_all(pc, n);
    free(pc);
}

#if VIA_HAVE_SIMD52
/* out <- lanes l < n hold vals[l] (radix 2^52), the others zero. */
static VIA_SIMD52_FN void lanes_from52(via_v52 *out, const uint64_t (*vals)[5], unsigned n) {
    uint64_t tmp[5][8] __attribute__((aligned(64)));
    memset(tmp, 0, sizeof tmp);
    for (unsigned l = 0; l < n; l++)
        for (int k = 0; k < 5; k++)
            tmp[k][l] = vals[l][k];
    for (int k = 0; k < 5; k++)
        out->l[k] = _mm512_load_si512((const void *)tmp[k]);
}

static via_v52 *v52_alloc(size_t n) {
    via_v52 *p = aligned_alloc(64, (n ? n : 1) * sizeof *p);
    if (!p) {
        fprintf(stderr, "via_poseidon: out of memory\n");
        abort();
    }
    return p;
}

/* A row block of a t x t matrix column, or of a vector, gathered from radix-2^52 values. */
static void gen_x1(poseidon_set *s, unsigned t, unsigned rf, unsigned rp) {
    const unsigned nv = (t + 7) / 8, h = rf / 2;
    uint64_t col[VIA_POSEIDON_T_MAX + 7][5];
    s->x1_c = v52_alloc((size_t)rf * nv);
    for (unsigned f = 0; f < rf; f++) {
        unsigned r = f < h ? f : f + rp;
        for (unsigned b = 0; b < nv; b++) {
            unsigned n = t - 8 * b < 8 ? t - 8 * b : 8;
            lanes_from52(&s->x1_c[f * nv + b], s->c52 + (size_t)r * t + 8 * b, n);
        }
    }
    via_v52 *mats[2] = {s->x1_m = v52_alloc((size_t)t * nv), s->x1_mlf = v52_alloc((size_t)t * nv)};
    const uint64_t(*src[2])[5] = {s->m52, s->mlf52};
    for (int q = 0; q < 2; q++)
        for (unsigned j = 0; j < t; j++) {
            for (unsigned i = 0; i < t; i++)
                memcpy(col[i], src[q][(size_t)i * t + j], sizeof col[i]);
            for (unsigned b = 0; b < nv; b++) {
                unsigned n = t - 8 * b < 8 ? t - 8 * b : 8;
                lanes_from52(&mats[q][j * nv + b], (const uint64_t(*)[5])col + 8 * b, n);
            }
        }
    s->x1_cp = v52_alloc(nv);
    for (unsigned b = 0; b < nv; b++) {
        unsigned n = t - 8 * b < 8 ? t - 8 * b : 8;
        lanes_from52(&s->x1_cp[b], s->cp52 + 8 * b, n);
    }
    s->x1_w = v52_alloc((size_t)rp * nv);
    s->x1_v = v52_alloc((size_t)rp * nv);
    for (unsigned j = 0; j < rp; j++) {
        const uint64_t(*sp)[5] = s->sp52 + (size_t)j * (2 * t - 1);
        for (unsigned b = 0; b < nv; b++) {
            unsigned n = t - 8 * b < 8 ? t - 8 * b : 8;
            lanes_from52(&s->x1_w[j * nv + b], sp + 8 * b, n);
        }
        memset(col[0], 0, sizeof col[0]);
        for (unsigned i = 1; i < t; i++)
            memcpy(col[i], sp[t - 1 + i], sizeof col[i]);
        for (unsigned b = 0; b < nv; b++) {
            unsigned n = t - 8 * b < 8 ? t - 8 * b : 8;
            lanes_from52(&s->x1_v[j * nv + b], (const uint64_t(*)[5])col + 8 * b, n);
        }
    }
}
#endif

static poseidon_set *build_set(unsigned t) {
    const unsigned rf = VIA_POSEIDON_RF, rp = via_poseidon_rp(t);
    poseidon_set *s = via_xcalloc(1, sizeof *s);
    s->c = via_xmalloc((size_t)(rf + rp) * t * sizeof *s->c);
    s->m = via_xmalloc((size_t)t * t * sizeof *s->m);
    s->m_last_full = via_xmalloc((size_t)t * t * sizeof *s->m);
    s->c_partial = via_xmalloc((size_t)t * sizeof *s->c_partial);
    s->k = via_xmalloc((size_t)rp * sizeof *s->k);
    s->sparse = via_xmalloc((size_t)rp * (2 * t - 1) * sizeof *s->sparse);
    gen_reference(s, t, rf, rp);
    gen_fast(s, t, rf, rp);
    s->c52 = to52_all(s->c, (size_t)(rf + rp) * t);
    s->m52 = to52_all(s->m, (size_t)t * t);
    s->mlf52 = to52_all(s->m_last_full, (size_t)t * t);
    s->cp52 = to52_all(s->c_partial, t);
    s->k52 = to52_all(s->k, rp);
    s->sp52 = to52_all(s->sparse, (size_t)rp * (2 * t - 1));
    gen_blocks(s, t, rp);
#if VIA_HAVE_SIMD52
    if (via_simd52_have) gen_x1(s, t, rf, rp);
#endif
    s->pub.t = t;
    s->pub.rf = rf;
    s->pub.rp = rp;
    s->pub.c = s->c;
    s->pub.m = s->m;
    return s;
}

static const poseidon_set *get_set(unsigned t) {
    assert(t >= VIA_POSEIDON_T_MIN && t <= VIA_POSEIDON_T_MAX);
    poseidon_set *s = atomic_load_explicit(&cache[t], memory_order_acquire);
    if (s) return s;
    pthread_mutex_lock(&cache_lock);
    s = atomic_load_explicit(&cache[t], memory_order_relaxed);
    if (!s) {
        s = build_set(t);
        atomic_store_explicit(&cache[t], s, memory_order_release);
    }
    pthread_mutex_unlock(&cache_lock);
    return s;
}

const via_poseidon_params *via_poseidon_params_get(unsigned t) {
    return &get_set(t)->pub;
}

/* ---------------------------------------------------------------- permutation */

static inline void pow5(via_fr *x) {
    via_fr x2, x4;
    via_fr_sqr(&x2, x);
    via_fr_sqr(&x4, &x2);
    via_fr_mul(x, x, &x4);
}

/* x^5, writing x^2, x^4, x^5 to tr[0..2] (the three wires of a circuit S-box). */
static inline void pow5_trace(via_fr *x, via_fr *tr) {
    via_fr_sqr(&tr[0], x);
    via_fr_sqr(&tr[1], &tr[0]);
    via_fr_mul(x, x, &tr[1]);
    tr[2] = *x;
}

/*
 * Dot product with lazy reduction: *out = sum_i a[i] * b[i] * R^-1 mod r (the sum of the
 * Montgomery products), for n <= 17 reduced operands. The 512-bit products are summed column
 * by column (16 partial products each, no reduction), and the sum T < n r^2 < 2^512 gets one
 * Montgomery reduction: (T + q r) / 2^256 < n r^2 / 2^256 + r < 4.3 r, brought below r by
 * three masked subtractions of 4r, 2r and r. Constant time in the data.
 */
static uint64_t g_rk[3][4]; /* 4r, 2r, r */
__attribute__((constructor)) static void poseidon_consts_init(void) {
    memcpy(g_rk[2], via_fr_mod.p, 32);
    via_limbs_add(g_rk[1], g_rk[2], g_rk[2]);
    via_limbs_add(g_rk[0], g_rk[1], g_rk[1]);
}

static inline void cond_sub(uint64_t x[4], const uint64_t k[4]) {
    uint64_t t[4];
    uint64_t borrow = via_limbs_sub(t, x, k);
    uint64_t keep = (uint64_t)0 - borrow; /* all ones: x < k, keep x */
    for (int i = 0; i < 4; i++) x[i] = (x[i] & keep) | (t[i] & ~keep);
}

static inline void dot_lazy(via_fr *out, const via_fr *a, const via_fr *b, unsigned n) {
    via_u128 lo[7] = {0};
    uint64_t hi[7] = {0};
    for (unsigned k = 0; k < n; k++) {
        const uint64_t *x = a[k].l, *y = b[k].l;
        for (int i = 0; i < 4; i++) {
            uint64_t xi = x[i];
            for (int j = 0; j < 4; j++) {
                via_u128 p = (via_u128)xi * y[j];
                lo[i + j] += p;
                hi[i + j] += lo[i + j] < p;
            }
        }
    }
    uint64_t T[8];
    via_u128 c = 0;
    for (int k = 0; k < 7; k++) {
        via_u128 s = lo[k] + c;
        uint64_t ov = s < c;
        T[k] = (uint64_t)s;
        c = (s >> 64) + ((via_u128)(hi[k] + ov) << 64);
    }
    T[7] = (uint64_t)c;
    const uint64_t *p = via_fr_mod.p, inv = via_fr_mod.inv;
    for (int i = 0; i < 4; i++) {
        uint64_t q = T[i] * inv;
        via_u128 cy = 0;
        for (int j = 0; j < 4; j++) {
            cy += (via_u128)q * p[j] + T[i + j];
            T[i + j] = (uint64_t)cy;
            cy >>= 64;
        }
        for (int j = i + 4; j < 8; j++) {
            cy += T[j];
            T[j] = (uint64_t)cy;
            cy >>= 64;
        }
    }
    uint64_t r[4] = {T[4], T[5], T[6], T[7]};
    cond_sub(r, g_rk[0]);
    cond_sub(r, g_rk[1]);
    cond_sub(r, g_rk[2]);
    memcpy(out->l, r, 32);
}

/* out[0..nout) = rows 0..nout-1 of m (n x n) times x; out may alias x. */
static void mat_vec_lazy(via_fr *out, const via_fr *m, const via_fr *x, unsigned n, unsigned nout) {
    via_fr tmp[VIA_POSEIDON_T_MAX];
    for (unsigned i = 0; i < nout; i++)
        dot_lazy(&tmp[i], m + (size_t)i * n, x, n);
    memcpy(out, tmp, nout * sizeof *out);
}

static void full_round(via_fr *st, const via_fr *c, const via_fr *m, unsigned t, via_fr **tr,
                       unsigned nout) {
    for (unsigned i = 0; i < t; i++) {
        via_fr_add(&st[i], &st[i], &c[i]);
        if (*tr) {
            pow5_trace(&st[i], *tr);
            *tr += 3;
        } else {
            pow5(&st[i]);
        }
    }
    mat_vec_lazy(st, m, st, t, nout);
}

void via_poseidon_permute_reference(via_fr *st, unsigned t) {
    const poseidon_set *s = get_set(t);
    const unsigned rf = s->pub.rf, rp = s->pub.rp;
    for (unsigned r = 0; r < rf + rp; r++) {
        const via_fr *c = s->c + (size_t)r * t;
        int full = r < rf / 2 || r >= rf / 2 + rp;
        for (unsigned i = 0; i < t; i++)
            via_fr_add(&st[i], &st[i], &c[i]);
        if (full)
            for (unsigned i = 0; i < t; i++)
                pow5(&st[i]);
        else
            pow5(&st[0]);
        mat_vec(st, s->m, st, t);
    }
}

/* The fast permutation; with tr != NULL also the S-box trace (see via_poseidon_permute_trace).
 * The S-box inputs of this form equal the reference ones: full rounds see the reference state
 * (the folded matrix D_0 * M only changes the state after the last initial full round's
 * S-boxes), and D = diag(1, X) and the constants moved through M^-1 leave state[0] of every
 * partial round as in the reference form. The last round's matrix product is computed for
 * the first nout elements only (the others are left unspecified). */
static void permute_impl(via_fr *st, unsigned t, via_fr *tr, unsigned nout) {
    const poseidon_set *s = get_set(t);
    const unsigned rf = s->pub.rf, rp = s->pub.rp, h = rf / 2;
    for (unsigned r = 0; r < h; r++)
        full_round(st, s->c + (size_t)r * t, r + 1 == h ? s->m_last_full : s->m, t, &tr, t);
    for (unsigned i = 0; i < t; i++)
        via_fr_add(&st[i], &st[i], &s->c_partial[i]);
    const via_fr *sp = s->sparse;
    for (unsigned j = 0; j < rp; j++, sp += 2 * t - 1) {
        if (tr) {
            pow5_trace(&st[0], tr);
            tr += 3;
        } else {
            pow5(&st[0]);
        }
        via_fr_add(&st[0], &st[0], &s->k[j]);
        via_fr x0 = st[0], acc, p;
        dot_lazy(&acc, sp, st, t);
        for (unsigned i = 1; i < t; i++) {
            via_fr_mul(&p, &sp[t - 1 + i], &x0);
            via_fr_add(&st[i], &st[i], &p);
        }
        st[0] = acc;
    }
    for (unsigned r = h + rp; r < rf + rp; r++)
        full_round(st, s->c + (size_t)r * t, s->m, t, &tr, r + 1 == rf + rp ? nout : t);
}

static void permute_one(via_fr *st, unsigned t, via_fr *tr, unsigned nout);

void via_poseidon_permute(via_fr *st, unsigned t) {
    permute_one(st, t, NULL, t);
}

void via_poseidon_permute_trace(via_fr *st, unsigned t, via_fr *trace) {
    assert(trace);
    permute_one(st, t, trace, t);
}

size_t via_poseidon_trace_len(unsigned t) {
    return 3u * (VIA_POSEIDON_RF * t + via_poseidon_rp(t));
}

/* ---------------------------------------------------------------- eight permutations at once */

#if VIA_HAVE_SIMD52
/*
 * The same fast form with eight independent permutations in the lanes of simd52.h's vectors:
 * every operation, the sequential partial rounds included, is an eight-lane one. Matrix rows
 * are dot products accumulated unreduced (t <= 17 products, within VIA_V52_WIDE_MAX) and
 * reduced once. Values stay below 2r inside; the trace and the outputs are stored canonical,
 * so the bytes equal the scalar path's.
 */
typedef struct {
    via_fr *tr[8]; /* trace of each lane (NULL: no trace) */
    size_t pos;
} lane_trace;

VIA_V52_INLINE void v52_const(via_v52 *r, const uint64_t c[5]) {
    VIA_V52_UNROLL
    for (int i = 0; i < 5; i++)
        r->l[i] = _mm512_set1_epi64((long long)c[i]);
}

/* Lane j of a, canonical, to dst[j][idx]. */
VIA_V52_INLINE void v52_store_lanes(via_fr *const dst[8], size_t idx, const via_v52 *a) {
    via_v52_scatter_at((void *const *)dst, idx * sizeof(via_fr), a, &via_s52_fr);
}

/* x <- x^5, tracing x^2, x^4, x^5. */
VIA_V52_INLINE void v52_pow5(via_v52 *x, lane_trace *lt) {
    via_v52 x2, x4;
    via_v52_sqr(&x2, x, &via_s52_fr);
    via_v52_sqr(&x4, &x2, &via_s52_fr);
    via_v52_mul(x, x, &x4, &via_s52_fr);
    if (lt) {
        v52_store_lanes(lt->tr, lt->pos, &x2);
        v52_store_lanes(lt->tr, lt->pos + 1, &x4);
        v52_store_lanes(lt->tr, lt->pos + 2, x);
        lt->pos += 3;
    }
}

/* w += k * x for a constant k (below r, the tables hold canonical values). */
VIA_V52_INLINE void v52_madd_const(via_v52_wide *w, const uint64_t k[5], const via_v52 *x) {
    via_v52 kv;
    v52_const(&kv, k);
    via_v52_wide_madd(w, &kv, x);
}

/*
 * Sums of products of a constant (below r) and a lane value (below 2r) reduce correctly for up
 * to 30 terms, more than VIA_V52_WIDE_MAX (which allows both factors below 2r): the sum is below
 * 2 n r^2, and via_v52_wide_reduce's result below 2 n r^2 / 2^256 + r < (n / 2 + 1) r (r < 2^254)
 * stays below the 16r its final subtractions handle.
 */
#define DOT_CONST_MAX 30

/* out = sum_j k[j] * x[j] for n <= DOT_CONST_MAX constants k. */
VIA_V52_INLINE void v52_dot_const(via_v52 *out, const uint64_t (*k)[5], const via_v52 *x,
                                  unsigned n) {
    via_v52_wide w;
    via_v52_wide_zero(&w);
    for (unsigned j = 0; j < n; j++)
        v52_madd_const(&w, k[j], &x[j]);
    via_v52_wide_reduce(out, &w, &via_s52_fr);
}

static VIA_SIMD52_FN void full_round_x8(via_v52 *st, const uint64_t (*c)[5], const uint64_t (*m)[5],
                                        unsigned t, lane_trace *lt, unsigned nout) {
    for (unsigned i = 0; i < t; i++) {
        via_v52 ci;
        v52_const(&ci, c[i]);
        via_v52_add(&st[i], &st[i], &ci, &via_s52_fr);
        v52_pow5(&st[i], lt);
    }
    via_v52 tmp[VIA_POSEIDON_T_MAX];
    for (unsigned i = 0; i < nout; i++)
        v52_dot_const(&tmp[i], m + (size_t)i * t, st, t);
    memcpy(st, tmp, nout * sizeof *st);
}

/* Lane j: the permutation of st[j][0..t), trace to tr[j] when tr is not NULL. */
static VIA_SIMD52_FN void permute_x8(via_fr *const st[8], unsigned t, via_fr *const tr[8],
                                     unsigned nout) {
    const poseidon_set *s = get_set(t);
    const unsigned rf = s->pub.rf, rp = s->pub.rp, h = rf / 2;
    lane_trace ltv, *lt = NULL;
    if (tr) {
        memcpy(ltv.tr, tr, sizeof ltv.tr);
        ltv.pos = 0;
        lt = &ltv;
    }
    via_v52 v[VIA_POSEIDON_T_MAX];
    for (unsigned i = 0; i < t; i++) {
        const uint64_t *p[8];
        for (int j = 0; j < 8; j++)
            p[j] = st[j][i].l;
        via_v52_gather(&v[i], p);
    }
    for (unsigned r = 0; r < h; r++)
        full_round_x8(v, s->c52 + (size_t)r * t, r + 1 == h ? s->mlf52 : s->m52, t, lt, t);
    for (unsigned i = 0; i < t; i++) {
        via_v52 c;
        v52_const(&c, s->cp52[i]);
        via_v52_add(&v[i], &v[i], &c, &via_s52_fr);
    }
    /* partial rounds in blocks (gen_blocks): v[1..t) stay the block's base until its end */
    _Static_assert(VIA_POSEIDON_T_MAX + PARTIAL_BLOCK - 1 <= DOT_CONST_MAX, "dot product too long");
    const unsigned w2 = 2 * t - 1;
    for (unsigned b = 0; b < rp; b += PARTIAL_BLOCK) {
        const unsigned nb = rp - b < PARTIAL_BLOCK ? rp - b : PARTIAL_BLOCK;
        via_v52 x[PARTIAL_BLOCK];
        for (unsigned r = 0; r < nb; r++) {
            const unsigned j = b + r;
            const uint64_t(*sp)[5] = s->sp52 + (size_t)j * w2, (*pc)[5] = s->pc52 + s->pc_off[j];
            via_v52 kj;
            v52_pow5(&v[0], lt);
            v52_const(&kj, s->k52[j]);
            via_v52_add(&x[r], &v[0], &kj, &via_s52_fr);
            via_v52_wide w;
            via_v52_wide_zero(&w);
            v52_madd_const(&w, sp[0], &x[r]);
            for (unsigned i = 1; i < t; i++)
                v52_madd_const(&w, sp[i], &v[i]);
            for (unsigned q = 0; q < r; q++)
                v52_madd_const(&w, pc[q], &x[q]);
            via_v52_wide_reduce(&v[0], &w, &via_s52_fr);
        }
        for (unsigned i = 1; i < t; i++) {
            via_v52_wide w;
            via_v52 u;
            via_v52_wide_zero(&w);
            for (unsigned q = 0; q < nb; q++)
                v52_madd_const(&w, s->sp52[(size_t)(b + q) * w2 + t - 1 + i], &x[q]);
            via_v52_wide_reduce(&u, &w, &via_s52_fr);
            via_v52_add(&v[i], &v[i], &u, &via_s52_fr);
        }
    }
    for (unsigned r = h + rp; r < rf + rp; r++)
        full_round_x8(v, s->c52 + (size_t)r * t, s->m52, t, lt, r + 1 == rf + rp ? nout : t);
    for (unsigned i = 0; i < nout; i++)
        v52_store_lanes(st, i, &v[i]);
}
#endif

#if VIA_HAVE_SIMD52
/*
 * One permutation with its state in vector lanes: state[8b + l] in lane l of block b. Full
 * rounds: S-boxes lane-wise, then each output block accumulates column j of the matrix times
 * state j broadcast from its lane, one reduction per block. Partial rounds: the S-box of lane 0,
 * then w . state as lane-wise products summed across lanes, and the update state += v x0 as
 * block products. Slower per permutation than eight in lanes, but faster than the scalar form
 * where permutations come one at a time (sponges, short batches).
 */
VIA_V52_INLINE void v52_lane_bcast(via_v52 *r, const via_v52 *a, unsigned lane) {
    const __m512i idx = _mm512_set1_epi64((long long)lane);
    VIA_V52_UNROLL
    for (int k = 0; k < 5; k++)
        r->l[k] = _mm512_permutexvar_epi64(idx, a->l[k]);
}

static VIA_SIMD52_FN void permute_x1(via_fr *st, unsigned t, via_fr *tr, unsigned nout) {
    const poseidon_set *s = get_set(t);
    const via_s52_mod *m = &via_s52_fr;
    const unsigned rf = s->pub.rf, rp = s->pub.rp, h = rf / 2, nv = (t + 7) / 8;
    via_v52 v[3];
    {
        uint64_t vals[24][5];
        memset(vals, 0, sizeof vals);
        const uint64_t mk = 0xfffffffffffffULL;
        for (unsigned i = 0; i < t; i++) {
            const uint64_t *a = st[i].l;
            vals[i][0] = a[0] & mk;
            vals[i][1] = ((a[0] >> 52) | (a[1] << 12)) & mk;
            vals[i][2] = ((a[1] >> 40) | (a[2] << 24)) & mk;
            vals[i][3] = ((a[2] >> 28) | (a[3] << 36)) & mk;
            vals[i][4] = a[3] >> 16;
        }
        for (unsigned b = 0; b < nv; b++)
            lanes_from52(&v[b], (const uint64_t(*)[5])vals + 8 * b, 8);
    }
    via_fr junk[3];
    size_t pos = 0;
    for (unsigned f = 0; f < rf; f++) {
        const unsigned r = f < h ? f : f + rp;
        const via_v52 *mat = r + 1 == h ? s->x1_mlf : s->x1_m;
        const unsigned rows = r + 1 == rf + rp ? nout : t, bout = (rows + 7) / 8;
        for (unsigned b = 0; b < nv; b++) {
            via_v52 x2, x4;
            via_v52_add(&v[b], &v[b], &s->x1_c[f * nv + b], m);
            via_v52_sqr(&x2, &v[b], &via_s52_fr);
            via_v52_sqr(&x4, &x2, &via_s52_fr);
            via_v52_mul(&v[b], &v[b], &x4, m);
            if (tr) {
                via_fr *dst[8];
                for (unsigned l = 0; l < 8; l++)
                    dst[l] = 8 * b + l < t ? tr + pos + 3 * (8 * b + l) : junk;
                v52_store_lanes(dst, 0, &x2);
                v52_store_lanes(dst, 1, &x4);
                v52_store_lanes(dst, 2, &v[b]);
            }
        }
        pos += 3 * t;
        via_v52_wide acc[3];
        for (unsigned b = 0; b < bout; b++)
            via_v52_wide_zero(&acc[b]);
        for (unsigned j = 0; j < t; j++) {
            via_v52 xj;
            v52_lane_bcast(&xj, &v[j / 8], j % 8);
            for (unsigned b = 0; b < bout; b++)
                via_v52_wide_madd(&acc[b], &mat[j * nv + b], &xj);
        }
        for (unsigned b = 0; b < bout; b++)
            via_v52_wide_reduce(&v[b], &acc[b], m);
        if (f + 1 != h) continue;
        /* the partial rounds */
        for (unsigned b = 0; b < nv; b++)
            via_v52_add(&v[b], &v[b], &s->x1_cp[b], m);
        for (unsigned j = 0; j < rp; j++) {
            via_v52 x2, x4, x5, x, k;
            via_v52_sqr(&x2, &v[0], &via_s52_fr);
            via_v52_sqr(&x4, &x2, &via_s52_fr);
            via_v52_mul(&x5, &v[0], &x4, m);
            if (tr) {
                via_v52_extract(tr[pos].l, &x2, 0, m);
                via_v52_extract(tr[pos + 1].l, &x4, 0, m);
                via_v52_extract(tr[pos + 2].l, &x5, 0, m);
                pos += 3;
            }
            v52_lane_bcast(&x, &x5, 0);
            v52_const(&k, s->k52[j]);
            via_v52_add(&x, &x, &k, m);
            VIA_V52_UNROLL
            for (int l = 0; l < 5; l++)
                v[0].l[l] = _mm512_mask_blend_epi64(1, v[0].l[l], x.l[l]);
            via_v52_wide w, hsum;
            via_v52_wide_zero(&w);
            for (unsigned b = 0; b < nv; b++)
                via_v52_wide_madd(&w, &s->x1_w[j * nv + b], &v[b]);
            VIA_V52_UNROLL
            for (int c = 0; c < 10; c++)
                hsum.t[c] = _mm512_set1_epi64((long long)_mm512_reduce_add_epi64(w.t[c]));
            via_v52 acc;
            via_v52_wide_reduce(&acc, &hsum, m);
            for (unsigned b = 0; b < nv; b++) {
                via_v52 p;
                via_v52_mul(&p, &s->x1_v[j * nv + b], &x, m);
                via_v52_add(&v[b], &v[b], &p, m);
            }
            VIA_V52_UNROLL
            for (int l = 0; l < 5; l++)
                v[0].l[l] = _mm512_mask_blend_epi64(1, v[0].l[l], acc.l[l]);
        }
    }
    for (unsigned i = 0; i < nout; i++)
        via_v52_extract(st[i].l, &v[i / 8], (int)(i % 8), m);
}
#endif

/* One permutation: in vector lanes where the CPU has IFMA, else the scalar form. */
static void permute_one(via_fr *st, unsigned t, via_fr *tr, unsigned nout) {
#if VIA_HAVE_SIMD52
    if (via_simd52_have && get_set(t)->x1_m) {
        permute_x1(st, t, tr, nout);
        return;
    }
#endif
    permute_impl(st, t, tr, nout);
}

void via_poseidon_permute_many(via_fr *const *states, unsigned t, unsigned nout,
                               via_fr *const *traces, size_t n) {
    assert(t >= VIA_POSEIDON_T_MIN && t <= VIA_POSEIDON_T_MAX && nout >= 1 && nout <= t);
    size_t i = 0;
#if VIA_HAVE_SIMD52
    /* a group of eight costs about two scalar permutations: pad short groups with copies of
     * their first lane (into scratch) when three or more permutations are left */
    if (via_simd52_have) {
        via_fr pad_st[VIA_POSEIDON_T_MAX];
        via_fr *pad_tr = traces ? via_xmalloc(via_poseidon_trace_len(t) * sizeof *pad_tr) : NULL;
        for (; i + 3 <= n; i += 8) {
            via_fr *st[8], *tr[8];
            for (size_t j = 0; j < 8; j++) {
                if (i + j < n) {
                    st[j] = states[i + j];
                    tr[j] = traces ? traces[i + j] : NULL;
                } else {
                    memcpy(pad_st, states[i], t * sizeof *pad_st);
                    st[j] = pad_st;
                    tr[j] = pad_tr;
                }
            }
            permute_x8(st, t, traces ? tr : NULL, nout);
        }
        free(pad_tr);
    }
#endif
    for (; i < n; i++)
        permute_one(states[i], t, traces ? traces[i] : NULL, nout);
}

int via_poseidon_ex(via_fr *out, size_t n_out, const via_fr *init_state, const via_fr *in,
                    size_t n) {
    assert(out && init_state && (in || n == 0));
    if (n == 0 || n > VIA_POSEIDON_MAX_INPUTS || n_out == 0 || n_out > n + 1) {
        for (size_t i = 0; i < n_out; i++)
            via_fr_set_zero(&out[i]);
        return -1;
    }
    via_fr st[VIA_POSEIDON_T_MAX];
    st[0] = *init_state;
    memcpy(st + 1, in, n * sizeof *in);
    via_poseidon_permute(st, (unsigned)n + 1);
    memcpy(out, st, n_out * sizeof *out);
    return 0;
}

int via_poseidon(via_fr *out, const via_fr *in, size_t n) {
    via_fr zero;
    via_fr_set_zero(&zero);
    return via_poseidon_ex(out, 1, &zero, in, n);
}

void via_poseidon_sponge(via_fr *out, const via_fr *in, size_t n) {
    assert(out && (in || n == 0));
    via_fr st[VIA_POSEIDON_T_MAX];
    memset(st, 0, sizeof st);
    via_fr_set_u64(&st[0], (uint64_t)n);
    size_t blocks = n == 0 ? 1 : (n + 15) / 16;
    for (size_t b = 0; b < blocks; b++) {
        for (size_t i = 0; i < 16 && 16 * b + i < n; i++)
            via_fr_add(&st[1 + i], &st[1 + i], &in[16 * b + i]);
        via_poseidon_permute(st, VIA_POSEIDON_T_MAX);
    }
    *out = st[0];
}
