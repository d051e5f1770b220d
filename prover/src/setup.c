/*
 * Groth16 setup, byte-compatible with snarkjs 0.7 (zkey_new.js + zkey_contribute.js).
 *
 * Why it is built this way:
 *  - Every point of the initial key is a sum over Lagrange bases L_c(tau) read from the
 *    prepared ptau (sections 12-15 at block size n). The sums are exact group elements, so
 *    any order of evaluation gives the same affine points as snarkjs; what must match byte
 *    for byte is which terms go where, the coefficient section and the csHash transcript.
 *  - The r1cs matrices are sparse, but circuits such as Poseidon put long full-size
 *    coefficients on many terms, so a scalar multiplication per term is far too slow. Each
 *    Lagrange base instead gets a table of its 2^(8i) multiples (shared by every wire that
 *    uses that row), coefficients become signed 8-bit digits, and each wire adds the table
 *    entries into 128 buckets by digit, finished with the running-sum trick: one mixed
 *    addition per nonzero digit and no doublings per term. Wires spread dynamically over
 *    the worker threads.
 *  - csHash is BLAKE2b-512 over the initial key's points in snarkjs's "uncompressed" form, in
 *    the order zkey_new.js produces them (header points, IC, the H-point differences
 *    tau^(i+n) - tau^i from ptau section 2, C, A, B1, B2), with big-endian u32 counts.
 *  - The contribution secret d never meets variable-time code: it is drawn from getrandom,
 *    recoded once into regular odd signed digits, applied to all C and H points by one fixed
 *    sequence of doublings and masked table selections (via_setup_scale_g1), and wiped.
 */
#include "via/setup.h"

#include <assert.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "via/binfile.h"
#include "via/blake2b.h"
#include "via/chacha.h"
#include "via/field.h"
#include "via/jsonio.h"
#include "via/r1cs.h"
#include "via/runtime.h"

/* ------------------------------------------------------------------------------------------ */
/* Encodings                                                                                  */
/* ------------------------------------------------------------------------------------------ */

static void fq_to_be(uint8_t out[32], const via_fq *a) {
    uint64_t c[4];
    via_fq_to_canon(c, a);
    for (int i = 0; i < 32; i++)
        out[31 - i] = (uint8_t)(c[i / 8] >> (8 * (i % 8)));
}

void via_setup_g1_to_u(uint8_t out[64], const via_g1_affine *p) {
    if (via_g1_affine_is_inf(p)) {
        memset(out, 0, 64);
        return;
    }
    fq_to_be(out, &p->x);
    fq_to_be(out + 32, &p->y);
}

void via_setup_g2_to_u(uint8_t out[128], const via_g2_affine *p) {
    if (via_g2_affine_is_inf(p)) {
        memset(out, 0, 128);
        return;
    }
    fq_to_be(out, &p->x.c1);
    fq_to_be(out + 32, &p->x.c0);
    fq_to_be(out + 64, &p->y.c1);
    fq_to_be(out + 96, &p->y.c0);
}

static void hash_u32_be(via_blake2b_ctx *h, uint32_t v) {
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    via_blake2b_update(h, b, 4);
}

static void hash_g1(via_blake2b_ctx *h, const via_g1_affine *p) {
    uint8_t u[64];
    via_setup_g1_to_u(u, p);
    via_blake2b_update(h, u, 64);
}

static void hash_g2(via_blake2b_ctx *h, const via_g2_affine *p) {
    uint8_t u[128];
    via_setup_g2_to_u(u, p);
    via_blake2b_update(h, u, 128);
}

static int bitlen4(const uint64_t k[4]) {
    for (int i = 3; i >= 0; i--)
        if (k[i]) return 64 * i + 64 - __builtin_clzll(k[i]);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* hashToG2 (snarkjs keypair.js, ffjavascript WasmCurve.fromRng)                              */
/* ------------------------------------------------------------------------------------------ */

/* ffjavascript F1Field.fromRng: 4 nextU64 words little-endian, masked to the bit length of q,
 * rejected while >= q. The integer becomes the Montgomery representation as is. */
static void fq_from_rng(via_fq *r, via_chacha *rng) {
    for (;;) {
        for (int i = 0; i < 4; i++)
            r->l[i] = via_chacha_next_u64(rng);
        r->l[3] &= ((uint64_t)1 << 62) - 1; /* q has 254 bits */
        if (via_limbs_lt(r->l, via_fq_mod.p)) return;
    }
}

/* wasmcurves f1m_isNegative: canonical value > (q-1)/2. */
static int fq_is_negative(const via_fq *a) {
    uint64_t c[4], half[4];
    via_fq_to_canon(c, a);
    for (int i = 0; i < 4; i++)
        half[i] = (via_fq_mod.p[i] >> 1) | (i < 3 ? via_fq_mod.p[i + 1] << 63 : 0);
    return via_limbs_lt(half, c);
}

/* wasmcurves f2m_isNegative: the sign of c1, or of c0 when c1 = 0. */
static int fq2_is_negative(const via_fq2 *a) {
    return via_fq_is_zero(&a->c1) ? fq_is_negative(&a->c0) : fq_is_negative(&a->c1);
}

/* 2p - r, the G2 cofactor, little-endian limbs. */
static void g2_cofactor(uint64_t out[4]) {
    uint64_t two_p[4];
    via_limbs_add(two_p, via_fq_mod.p, via_fq_mod.p);
    via_limbs_sub(out, two_p, via_fr_mod.p);
}

void via_setup_hash_to_g2(via_g2_affine *out, const uint8_t digest[64]) {
    via_chacha rng;
    via_chacha_init_from_hash(&rng, digest);
    const via_fq2 *b = &via_tower_get()->twist_b;
    via_fq2 x, y, rhs;
    int greatest;
    for (;;) {
        fq_from_rng(&x.c0, &rng);
        fq_from_rng(&x.c1, &rng);
        greatest = (int)(via_chacha_next_u32(&rng) & 1);
        via_fq2_sqr(&rhs, &x);
        via_fq2_mul(&rhs, &rhs, &x);
        via_fq2_add(&rhs, &rhs, b);
        if (via_fq2_sqrt_var(&y, &rhs) == 0) break;
    }
    if (fq2_is_negative(&y) != greatest) via_fq2_neg(&y, &y);
    via_g2_affine p = {x, y};
    via_g2 j, t;
    uint64_t cof[4];
    g2_cofactor(cof);
    via_g2_from_affine(&j, &p);
    via_g2_mul_var(&t, &j, cof);
    via_g2_to_affine(out, &t);
}

/* ------------------------------------------------------------------------------------------ */
/* Per-wire sums of coef * base                                                               */
/* ------------------------------------------------------------------------------------------ */

enum { BASE_TAU = 0, BASE_ALPHA = 1, BASE_BETA = 2 };

/* One term of a wire's sum: coef (a Montgomery-form r1cs coefficient, or NULL for 1) times
 * the Lagrange base of `row` taken from base set `kind`. */
typedef struct {
    uint32_t row;
    uint32_t kind;
    const via_fr *coef;
} setup_term;

/* Column-major lists: wire j owns terms[off[j] .. off[j+1]). */
typedef struct {
    setup_term *terms;
    size_t *off;
    size_t n_wires;
} term_lists;

/* Fixed-base tables: every term's base is a Lagrange point L_c, shared by all the wires that
 * use row c, so each base gets the table T[c][i] = 2^(8i) L_c (affine, only as many windows as
 * the largest coefficient on that row needs). A coefficient in signed base-2^8 digits then
 * costs one mixed addition per nonzero digit into the wire's bucket for |digit|, and a wire's
 * sum is sum_d d * bucket[d] by the running-sum trick: no doublings per term at all. */
#define FB_BITS 8 /* 6, 7 and 8 measured on the 4-slot chunk circuit: 8 was fastest */
#define FB_WINDOWS ((255 + FB_BITS - 1) / FB_BITS) /* signed digits cover any scalar < 2^255 */
#define FB_HALF (1 << (FB_BITS - 1))               /* digit magnitudes 1..FB_HALF */
#define WIRE_CHUNK 64                              /* wires handed to a worker at a time */
#define ROW_CHUNK 64 /* rows whose tables are converted to affine together */

/* A coefficient as the shorter of k and r - k; *neg says which. 0 for a zero coefficient. */
static int load_coef(uint64_t k[4], int *neg, const via_fr *coef) {
    if (!coef) {
        k[0] = 1;
        k[1] = k[2] = k[3] = 0;
        *neg = 0;
        return 1;
    }
    via_fr_to_canon(k, coef);
    int bl = bitlen4(k);
    if (bl == 0) return 0;
    uint64_t nk[4];
    via_limbs_sub(nk, via_fr_mod.p, k);
    if (bitlen4(nk) < bl) {
        memcpy(k, nk, sizeof nk);
        *neg = 1;
    } else {
        *neg = 0;
    }
    return 1;
}

/* Signed base-2^FB_BITS digits of k < 2^254 (public coefficients): k = sum d[i] 2^(FB_BITS i)
 * with d[i] in [-FB_HALF, FB_HALF). Returns the number of windows up to the last nonzero digit. */
static int recode_fb(int16_t d[FB_WINDOWS], const uint64_t k[4]) {
    int carry = 0, used = 0;
    for (int i = 0; i < FB_WINDOWS; i++) {
        unsigned pos = (unsigned)(FB_BITS * i), l = pos / 64, o = pos % 64;
        uint64_t bits = l < 4 ? k[l] >> o : 0;
        if (o && l + 1 < 4) bits |= k[l + 1] << (64 - o);
        int v = (int)(bits & ((1u << FB_BITS) - 1)) + carry;
        carry = v >= FB_HALF;
        if (carry) v -= 2 * FB_HALF;
        d[i] = (int16_t)v;
        if (v) used = i + 1;
    }
    return used;
}

/* One pass over a base set: the (list, kind) pairs whose terms of that kind are added into
 * the matching Jacobian outputs. */
typedef struct {
    const term_lists *list;
    uint32_t kind;
    void *out; /* via_g1[] or via_g2[], one per wire, accumulated into */
} fb_target;

typedef struct {
    const void *bases; /* affine Lagrange points, one per row */
    const uint8_t *need;
    const size_t *toff; /* table of row c: tab[toff[c] .. toff[c+1]) */
    void *tab;          /* the tables of rows [row_lo, row_hi), from toff[row_lo] on */
    size_t row_lo, row_hi;
    const fb_target *targets;
    size_t n_targets;
    atomic_size_t next; /* work counter over targets x wires */
    atomic_int failed;
} fb_job;

#define DEFINE_FB(G, PT, AFF)                                                                      \
    static void G##_fb_build(void *arg, size_t begin, size_t end, unsigned worker) {               \
        (void)worker;                                                                              \
        fb_job *job = arg;                                                                         \
        const AFF *bases = job->bases;                                                             \
        AFF *tab = job->tab;                                                                       \
        PT *scratch = via_malloc_big((size_t)ROW_CHUNK * FB_WINDOWS * sizeof *scratch);            \
        if (!scratch) {                                                                            \
            atomic_store(&job->failed, 1);                                                         \
            return;                                                                                \
        }                                                                                          \
        begin += job->row_lo;                                                                      \
        end += job->row_lo;                                                                        \
        for (size_t c0 = begin; c0 < end; c0 += ROW_CHUNK) {                                       \
            size_t c1 = end - c0 < ROW_CHUNK ? end : c0 + ROW_CHUNK;                               \
            size_t k = 0;                                                                          \
            for (size_t c = c0; c < c1; c++) {                                                     \
                PT j;                                                                              \
                G##_from_affine(&j, &bases[c]);                                                    \
                for (unsigned i = 0; i < job->need[c]; i++) {                                      \
                    if (i)                                                                         \
                        for (int b = 0; b < FB_BITS; b++)                                          \
                            G##_dbl(&j, &j);                                                       \
                    scratch[k++] = j;                                                              \
                }                                                                                  \
            }                                                                                      \
            if (k) G##_batch_to_affine(tab + job->toff[c0] - job->toff[job->row_lo], scratch, k);  \
        }                                                                                          \
        via_free_big(scratch);                                                                     \
    }                                                                                              \
    static void G##_fb_accumulate(void *arg, size_t begin, size_t end, unsigned worker) {          \
        (void)begin;                                                                               \
        (void)end;                                                                                 \
        (void)worker;                                                                              \
        fb_job *job = arg;                                                                         \
        const AFF *tab = job->tab;                                                                 \
        PT bk[FB_HALF + 1];                                                                        \
        for (int d = 0; d <= FB_HALF; d++)                                                         \
            G##_set_inf(&bk[d]);                                                                   \
        size_t n_wires = job->targets[0].list->n_wires;                                            \
        size_t total = n_wires * job->n_targets;                                                   \
        for (;;) {                                                                                 \
            size_t w0 = atomic_fetch_add(&job->next, WIRE_CHUNK);                                  \
            if (w0 >= total) return;                                                               \
            size_t w1 = w0 + WIRE_CHUNK < total ? w0 + WIRE_CHUNK : total;                         \
            for (size_t gw = w0; gw < w1; gw++) {                                                  \
                const fb_target *tg = &job->targets[gw / n_wires];                                 \
                size_t w = gw % n_wires;                                                           \
                const term_lists *L = tg->list;                                                    \
                int maxd = 0;                                                                      \
                for (size_t t = L->off[w]; t < L->off[w + 1]; t++) {                               \
                    const setup_term *tm = &L->terms[t];                                           \
                    if (tm->kind != tg->kind) continue;                                            \
                    if (tm->row < job->row_lo || tm->row >= job->row_hi) continue;                 \
                    uint64_t k[4];                                                                 \
                    int neg;                                                                       \
                    int16_t dg[FB_WINDOWS];                                                        \
                    if (!load_coef(k, &neg, tm->coef)) continue;                                   \
                    int nw = recode_fb(dg, k);                                                     \
                    const AFF *row = tab + job->toff[tm->row] - job->toff[job->row_lo];            \
                    for (int i = 0; i < nw; i++) {                                                 \
                        int d = dg[i];                                                             \
                        if (!d) continue;                                                          \
                        int m = d < 0 ? -d : d;                                                    \
                        if ((d < 0) != neg) {                                                      \
                            AFF p;                                                                 \
                            G##_affine_neg(&p, &row[i]);                                           \
                            G##_add_mixed(&bk[m], &bk[m], &p);                                     \
                        } else {                                                                   \
                            G##_add_mixed(&bk[m], &bk[m], &row[i]);                                \
                        }                                                                          \
                        if (m > maxd) maxd = m;                                                    \
                    }                                                                              \
                }                                                                                  \
                if (!maxd) continue;                                                               \
                PT run, sum;                                                                       \
                run = bk[maxd];                                                                    \
                sum = bk[maxd];                                                                    \
                G##_set_inf(&bk[maxd]);                                                            \
                for (int d = maxd - 1; d >= 1; d--) {                                              \
                    G##_add(&run, &run, &bk[d]);                                                   \
                    G##_set_inf(&bk[d]);                                                           \
                    G##_add(&sum, &sum, &run);                                                     \
                }                                                                                  \
                PT *out = (PT *)tg->out + w;                                                       \
                G##_add(out, out, &sum);                                                           \
            }                                                                                      \
        }                                                                                          \
    }

DEFINE_FB(via_g1, via_g1, via_g1_affine)
DEFINE_FB(via_g2, via_g2, via_g2_affine)

static size_t table_limit = (size_t)512 << 20;

void via_setup_set_table_limit(size_t bytes) {
    table_limit = bytes ? bytes : (size_t)512 << 20;
}

/* Adds, for every target, the terms of its kind (bases = the Lagrange points of that kind,
 * n_rows of them) into its outputs. All targets' lists have the same number of wires. */
static int fb_pass(const void *bases, size_t n_rows, int is_g2, const fb_target *targets,
                   size_t n_targets, via_error *err) {
    size_t asz = is_g2 ? sizeof(via_g2_affine) : sizeof(via_g1_affine);
    uint8_t *need = via_xcalloc(n_rows ? n_rows : 1, 1);
    size_t *toff = via_xmalloc((n_rows + 1) * sizeof *toff);
    int rc = VIA_OK;
    for (size_t g = 0; g < n_targets; g++) {
        const term_lists *L = targets[g].list;
        size_t total = L->off[L->n_wires];
        for (size_t t = 0; t < total; t++) {
            const setup_term *tm = &L->terms[t];
            if (tm->kind != targets[g].kind) continue;
            uint64_t k[4];
            int neg;
            int16_t dg[FB_WINDOWS];
            if (!load_coef(k, &neg, tm->coef)) continue;
            int nw = recode_fb(dg, k);
            assert(tm->row < n_rows);
            if (nw > need[tm->row]) need[tm->row] = (uint8_t)nw;
        }
    }
    size_t tot = 0;
    for (size_t c = 0; c < n_rows; c++) {
        toff[c] = tot;
        tot += need[c];
    }
    toff[n_rows] = tot;
    fb_job job = {
        .bases = bases, .need = need, .toff = toff, .targets = targets, .n_targets = n_targets};
    atomic_init(&job.failed, 0);
    /* Rows in blocks whose tables fit the memory limit (one block unless the circuit is big). */
    size_t cap = table_limit / asz;
    if (cap < FB_WINDOWS) cap = FB_WINDOWS;
    size_t tab_pts = tot < cap ? tot : cap;
    job.tab = via_malloc_big((tab_pts ? tab_pts : 1) * asz);
    if (!job.tab) {
        rc = via_fail(err, VIA_ENOMEM, "setup: out of memory for %zu table points", tab_pts);
        goto out;
    }
    for (size_t r0 = 0; r0 < n_rows;) {
        size_t r1 = r0;
        while (r1 < n_rows && toff[r1 + 1] - toff[r0] <= cap)
            r1++;
        job.row_lo = r0;
        job.row_hi = r1;
        via_parallel_for(r1 - r0, ROW_CHUNK, is_g2 ? via_g2_fb_build : via_g1_fb_build, &job);
        if (atomic_load(&job.failed)) {
            rc = via_fail(err, VIA_ENOMEM, "setup: out of memory building base tables");
            goto out;
        }
        atomic_init(&job.next, 0);
        if (n_targets && targets[0].list->n_wires && toff[r1] > toff[r0])
            via_parallel_for(via_get_threads(), 1,
                             is_g2 ? via_g2_fb_accumulate : via_g1_fb_accumulate, &job);
        r0 = r1;
    }
out:
    via_free_big(job.tab);
    via_xfree(need);
    via_xfree(toff);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Reading the parts of the ptau that setup needs                                             */
/* ------------------------------------------------------------------------------------------ */

/* Only the blocks of the domain size in use are read (a public ceremony file of power 28 is
 * hundreds of GB, and via_ptau_read would load whole sections); each block read is checked
 * for coordinates < q. */
typedef struct {
    via_binfile bf;
    uint32_t power;
    const via_binfile_section *sec[16];
} ptau_src;

static int ptau_open(ptau_src *p, const char *path, via_error *err) {
    memset(p, 0, sizeof *p);
    int rc = via_binfile_open(&p->bf, path, "ptau", 1, err);
    if (rc) return rc;
    const via_binfile_section *h;
    uint8_t hdr[44];
    rc = via_binfile_section_get(&p->bf, 1, "header", 1, &h, err);
    if (!rc && h->size < sizeof hdr)
        rc = via_fail(err, VIA_EFORMAT, "%s: section 1 (header) is %llu bytes, expected 44", path,
                      (unsigned long long)h->size);
    if (!rc) rc = via_binfile_read(&p->bf, h, 0, hdr, sizeof hdr, err);
    if (!rc && (via_le32(hdr) != 32 || memcmp(hdr + 4, via_bn254_q_le, 32) != 0))
        rc = via_fail(err, VIA_EINVAL, "%s: header: not a BN254 (bn128) powers of tau", path);
    if (rc) goto fail;
    p->power = via_le32(hdr + 36);
    if (p->power < 1 || p->power > 28) {
        rc = via_fail(err, VIA_EFORMAT, "%s: header: power %u out of range 1..28", path, p->power);
        goto fail;
    }
    static const struct {
        unsigned id;
        const char *what;
    } need[] = {{2, "tauG1"},
                {4, "alphaTauG1"},
                {5, "betaTauG1"},
                {6, "betaG2"},
                {12, "lagrange tauG1"},
                {13, "lagrange tauG2"},
                {14, "lagrange alphaTauG1"},
                {15, "lagrange betaTauG1"}};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        rc = via_binfile_section_get(&p->bf, need[i].id, need[i].what, 0, &p->sec[need[i].id], err);
        if (rc) goto fail;
        if (!p->sec[need[i].id]) {
            if (need[i].id >= 12)
                rc = via_fail(err, VIA_EINVAL,
                              "%s: powers of tau is not prepared for phase 2 (section %u missing; "
                              "run `snarkjs powersoftau prepare phase2`)",
                              path, need[i].id);
            else
                rc = via_fail(err, VIA_EFORMAT, "%s: section %u (%s) missing", path, need[i].id,
                              need[i].what);
            goto fail;
        }
    }
    uint64_t N = (uint64_t)1 << p->power;
    const struct {
        unsigned id;
        uint64_t size;
    } sizes[] = {{2, (2 * N - 1) * 64},
                 {4, N * 64},
                 {5, N * 64},
                 {6, 128},
                 {12, (4 * N - 1) * 64},
                 {13, (2 * N - 1) * 128},
                 {14, (2 * N - 1) * 64},
                 {15, (2 * N - 1) * 64}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        if (p->sec[sizes[i].id]->size != sizes[i].size) {
            rc = via_fail(err, VIA_EFORMAT,
                          "%s: section %u is %llu bytes, expected %llu for power %u", path,
                          sizes[i].id, (unsigned long long)p->sec[sizes[i].id]->size,
                          (unsigned long long)sizes[i].size, p->power);
            goto fail;
        }
    }
    return VIA_OK;
fail:
    via_binfile_close(&p->bf);
    return rc;
}

/* count points of psz bytes (64 or 128) starting at point index first of section id. */
static int ptau_points(const ptau_src *p, unsigned id, uint64_t first, uint64_t count, size_t psz,
                       void *dst, const char *what, via_error *err) {
    int rc = via_binfile_read(&p->bf, p->sec[id], first * psz, dst, count * psz, err);
    if (rc) return rc;
    return via_check_points(dst, count, (unsigned)(psz / 32), p->bf.name, id, what, err);
}

/* ------------------------------------------------------------------------------------------ */
/* The initial key                                                                            */
/* ------------------------------------------------------------------------------------------ */

static void report(via_progress_fn fn, void *ctx, const char *stage, double f) {
    if (fn) fn(ctx, stage, f);
}

static int lists_alloc(term_lists *L, size_t n_wires, const size_t *counts, via_error *err) {
    L->n_wires = n_wires;
    L->off = via_malloc_big((n_wires + 1) * sizeof *L->off);
    if (!L->off) return via_fail(err, VIA_ENOMEM, "setup: out of memory for term lists");
    size_t total = 0;
    for (size_t w = 0; w < n_wires; w++) {
        L->off[w] = total;
        total += counts[w];
    }
    L->off[n_wires] = total;
    L->terms = via_malloc_big((total ? total : 1) * sizeof *L->terms);
    if (!L->terms) return via_fail(err, VIA_ENOMEM, "setup: out of memory for %zu terms", total);
    return VIA_OK;
}

static void lists_free(term_lists *L) {
    via_free_big(L->terms);
    via_free_big(L->off);
    memset(L, 0, sizeof *L);
}

static void lists_push(term_lists *L, size_t *cursor, uint32_t wire, uint32_t row, uint32_t kind,
                       const via_fr *coef) {
    L->terms[cursor[wire]++] = (setup_term){row, kind, coef};
}

/* The H points: odd entries of the Lagrange block of size 2n (section 12), or for n = 2^28
 * the second half of the 2^29 block (the domain H u 25H; docs/sources.md: groth16-h). */
static int read_h_points(via_g1_affine *h, const ptau_src *p, uint32_t log2n, via_error *err) {
    uint64_t n = (uint64_t)1 << log2n;
    if (log2n >= VIA_FR_TWO_ADICITY)
        return ptau_points(p, 12, (2 * n - 1) + n, n, 64, h, "H (lagrange tauG1)", err);
    const uint64_t chunk = 1 << 14;
    via_g1_affine *buf = via_malloc_big(2 * chunk * sizeof *buf);
    if (!buf) return via_fail(err, VIA_ENOMEM, "setup: out of memory reading H points");
    int rc = VIA_OK;
    for (uint64_t i = 0; i < n && !rc; i += chunk) {
        uint64_t cnt = n - i < chunk ? n - i : chunk;
        rc = ptau_points(p, 12, (2 * n - 1) + 2 * i, 2 * cnt, 64, buf, "H (lagrange tauG1)", err);
        for (uint64_t j = 0; j < cnt && !rc; j++)
            h[i + j] = buf[2 * j + 1];
    }
    via_free_big(buf);
    return rc;
}

/* The part of csHash that zkey_new.js hashHPoints adds: the differences tau^(n+i) - tau^i
 * from ptau section 2. It loops over chunks of 2^14 points but gives every chunk the full
 * size, so it hashes n - 1 points when n <= 2^14 and n points otherwise (the count it hashes
 * first is n - 1 either way). */
static int hash_h_diffs(via_blake2b_ctx *hc, const ptau_src *p, uint64_t n, via_error *err) {
    const uint64_t chunk = 1 << 14;
    uint64_t total = n <= chunk ? n - 1 : n;
    hash_u32_be(hc, (uint32_t)(n - 1));
    via_g1_affine *hi = via_malloc_big(chunk * sizeof *hi);
    via_g1_affine *lo = via_malloc_big(chunk * sizeof *lo);
    via_g1 *d = via_malloc_big(chunk * sizeof *d);
    int rc = (hi && lo && d) ? VIA_OK : via_fail(err, VIA_ENOMEM, "setup: out of memory (csHash)");
    for (uint64_t i = 0; i < total && !rc; i += chunk) {
        uint64_t cnt = total - i < chunk ? total - i : chunk;
        rc = ptau_points(p, 2, n + i, cnt, 64, hi, "tauG1", err);
        if (!rc) rc = ptau_points(p, 2, i, cnt, 64, lo, "tauG1", err);
        if (rc) break;
        for (uint64_t j = 0; j < cnt; j++) {
            via_g1_affine neg;
            via_g1_affine_neg(&neg, &lo[j]);
            via_g1_from_affine(&d[j], &hi[j]);
            via_g1_add_mixed(&d[j], &d[j], &neg);
        }
        via_g1_batch_to_affine(hi, d, cnt);
        for (uint64_t j = 0; j < cnt; j++)
            hash_g1(hc, &hi[j]);
    }
    via_free_big(hi);
    via_free_big(lo);
    via_free_big(d);
    return rc;
}

static unsigned floor_log2_u64(uint64_t v) {
    return v ? 63u - (unsigned)__builtin_clzll(v) : 0u;
}

int via_setup_new_zkey(via_zkey *z, const char *r1cs_path, const char *ptau_path,
                       via_progress_fn progress, void *progress_ctx, via_error *err) {
    assert(z && r1cs_path && ptau_path);
    memset(z, 0, sizeof *z);
    via_r1cs cs;
    ptau_src pt;
    term_lists LA = {0}, LB = {0}, LK = {0};
    size_t *cnt = NULL, *cur = NULL;
    via_g1_affine *lg1 = NULL, *lalpha = NULL, *lbeta = NULL, *kpts = NULL;
    via_g2_affine *lg2 = NULL;
    via_g1 *jac1 = NULL;
    via_g2 *jac2 = NULL;
    via_fr one;
    via_fr_set_one(&one);

    report(progress, progress_ctx, "reading r1cs", 0.0);
    int rc = via_r1cs_read(&cs, r1cs_path, err);
    if (rc) return rc;
    rc = ptau_open(&pt, ptau_path, err);
    if (rc) {
        via_r1cs_free(&cs);
        return rc;
    }

    const uint32_t n_vars = cs.n_wires, n_pub = via_r1cs_n_public(&cs), m = cs.n_constraints;
    /* zkey_new.js: cirPower = log2(nConstraints + nPublic) + 1. */
    uint64_t rows = (uint64_t)m + n_pub;
    unsigned log2n = floor_log2_u64(rows) + 1;
    if (log2n > pt.power || log2n > VIA_FR_TWO_ADICITY) {
        rc =
            via_fail(err, VIA_EINVAL,
                     "%s: circuit too big for %s: %u constraints + %u public signals need a domain "
                     "of 2^%u, the powers of tau has 2^%u",
                     r1cs_path, ptau_path, m, n_pub, log2n, pt.power);
        goto out;
    }
    if (log2n >= 15 && log2n == pt.power) {
        rc =
            via_fail(err, VIA_EUNSUPPORTED,
                     "%s: the circuit domain 2^%u equals the size of %s; snarkjs then hashes bytes "
                     "past the ptau's tauG1 section into the circuit hash, which is not reproduced "
                     "here: use a powers of tau of power %u or more",
                     r1cs_path, log2n, ptau_path, log2n + 1);
        goto out;
    }
    const uint64_t n = (uint64_t)1 << log2n;

    z->n_vars = n_vars;
    z->n_public = n_pub;
    z->domain_size = (uint32_t)n;
    z->log2_domain = log2n;

    /* Header points: alpha, beta from the ptau; gamma2 = delta2 = G2 generator, delta1 = G1
     * generator until a contribution. */
    report(progress, progress_ctx, "reading powers of tau", 0.05);
    rc = ptau_points(&pt, 4, 0, 1, 64, &z->alpha1, "alphaTauG1", err);
    if (!rc) rc = ptau_points(&pt, 5, 0, 1, 64, &z->beta1, "betaTauG1", err);
    if (!rc) rc = ptau_points(&pt, 6, 0, 1, 128, &z->beta2, "betaG2", err);
    if (rc) goto out;
    via_g2_generator(&z->gamma2);
    via_g1_generator(&z->delta1);
    via_g2_generator(&z->delta2);

    lg1 = via_malloc_big(n * sizeof *lg1);
    lalpha = via_malloc_big(n * sizeof *lalpha);
    lbeta = via_malloc_big(n * sizeof *lbeta);
    lg2 = via_malloc_big(n * sizeof *lg2);
    z->h = via_malloc_big(n * sizeof *z->h);
    if (!lg1 || !lalpha || !lbeta || !lg2 || !z->h) {
        rc = via_fail(err, VIA_ENOMEM, "setup: out of memory for Lagrange bases of 2^%u", log2n);
        goto out;
    }
    rc = ptau_points(&pt, 12, n - 1, n, 64, lg1, "lagrange tauG1", err);
    if (!rc) rc = ptau_points(&pt, 13, n - 1, n, 128, lg2, "lagrange tauG2", err);
    if (!rc) rc = ptau_points(&pt, 14, n - 1, n, 64, lalpha, "lagrange alphaTauG1", err);
    if (!rc) rc = ptau_points(&pt, 15, n - 1, n, 64, lbeta, "lagrange betaTauG1", err);
    if (!rc) rc = read_h_points(z->h, &pt, log2n, err);
    if (rc) goto out;

    /* Term lists per wire: A and B entries of the r1cs, plus for every public signal s the row
     * m + s with A[m+s][s] = 1. K (IC and C) collects beta*A + alpha*B + C. */
    report(progress, progress_ctx, "collecting constraints", 0.1);
    cnt = via_xcalloc((size_t)n_vars * 3, sizeof *cnt);
    cur = via_xcalloc((size_t)n_vars * 3, sizeof *cur);
    size_t *ca = cnt, *cb = cnt + n_vars, *ck = cnt + 2 * (size_t)n_vars;
    uint64_t n_ab = 0;
    for (uint32_t c = 0; c < m; c++) {
        for (unsigned k = 0; k < 3; k++) {
            for (uint64_t t = cs.lc_start[3 * (uint64_t)c + k];
                 t < cs.lc_start[3 * (uint64_t)c + k + 1]; t++) {
                uint32_t w = cs.wires[t];
                if (k == 0) ca[w]++;
                if (k == 1) cb[w]++;
                if (k < 2) n_ab++;
                ck[w]++;
            }
        }
    }
    for (uint32_t s = 0; s <= n_pub; s++) {
        ca[s]++;
        ck[s]++;
    }
    rc = lists_alloc(&LA, n_vars, ca, err);
    if (!rc) rc = lists_alloc(&LB, n_vars, cb, err);
    if (!rc) rc = lists_alloc(&LK, n_vars, ck, err);
    if (rc) goto out;
    z->n_coefs = (uint32_t)(n_ab + n_pub + 1);
    if (n_ab + n_pub + 1 > UINT32_MAX) {
        rc = via_fail(err, VIA_EINVAL, "%s: %llu A/B entries do not fit a zkey", r1cs_path,
                      (unsigned long long)n_ab);
        goto out;
    }
    z->coefs = via_malloc_big((size_t)z->n_coefs * sizeof *z->coefs);
    if (!z->coefs) {
        rc = via_fail(err, VIA_ENOMEM, "setup: out of memory for %u coefficients", z->n_coefs);
        goto out;
    }
    size_t *ua = cur, *ub = cur + n_vars, *uk = cur + 2 * (size_t)n_vars;
    memcpy(ua, LA.off, n_vars * sizeof *ua);
    memcpy(ub, LB.off, n_vars * sizeof *ub);
    memcpy(uk, LK.off, n_vars * sizeof *uk);
    uint32_t nc = 0;
    for (uint32_t c = 0; c < m; c++) {
        for (unsigned k = 0; k < 3; k++) {
            for (uint64_t t = cs.lc_start[3 * (uint64_t)c + k];
                 t < cs.lc_start[3 * (uint64_t)c + k + 1]; t++) {
                uint32_t w = cs.wires[t];
                const via_fr *v = &cs.coefs[t];
                if (k == 0) {
                    lists_push(&LA, ua, w, c, BASE_TAU, v);
                    lists_push(&LK, uk, w, c, BASE_BETA, v);
                } else if (k == 1) {
                    lists_push(&LB, ub, w, c, BASE_TAU, v);
                    lists_push(&LK, uk, w, c, BASE_ALPHA, v);
                } else {
                    lists_push(&LK, uk, w, c, BASE_TAU, v);
                }
                if (k < 2) z->coefs[nc++] = (via_zkey_coef){k, c, w, 0, *v};
            }
        }
    }
    for (uint32_t s = 0; s <= n_pub; s++) {
        lists_push(&LA, ua, s, m + s, BASE_TAU, NULL);
        lists_push(&LK, uk, s, m + s, BASE_BETA, NULL);
        z->coefs[nc++] = (via_zkey_coef){0, m + s, s, 0, one};
    }

    z->a = via_malloc_big((size_t)n_vars * sizeof *z->a);
    z->b1 = via_malloc_big((size_t)n_vars * sizeof *z->b1);
    z->b2 = via_malloc_big((size_t)n_vars * sizeof *z->b2);
    kpts = via_malloc_big((size_t)n_vars * sizeof *kpts);
    z->ic = via_malloc_big(((size_t)n_pub + 1) * sizeof *z->ic);
    z->c = via_malloc_big(((size_t)n_vars - n_pub - 1 + 1) * sizeof *z->c);
    if (!z->a || !z->b1 || !z->b2 || !kpts || !z->ic || !z->c) {
        rc = via_fail(err, VIA_ENOMEM, "setup: out of memory for %u wires", n_vars);
        goto out;
    }
    /* Jacobian accumulators: A, B1, K (G1) and B2 (G2), one per wire each. */
    jac1 = via_malloc_big(3 * (size_t)n_vars * sizeof *jac1);
    jac2 = via_malloc_big((size_t)n_vars * sizeof *jac2);
    if (!jac1 || !jac2) {
        rc = via_fail(err, VIA_ENOMEM, "setup: out of memory for %u wires", n_vars);
        goto out;
    }
    for (size_t i = 0; i < 3 * (size_t)n_vars; i++)
        via_g1_set_inf(&jac1[i]);
    for (size_t i = 0; i < n_vars; i++)
        via_g2_set_inf(&jac2[i]);
    via_g1 *ja = jac1, *jb1 = jac1 + n_vars, *jk = jac1 + 2 * (size_t)n_vars;
    const fb_target tau1[] = {{&LA, BASE_TAU, ja}, {&LB, BASE_TAU, jb1}, {&LK, BASE_TAU, jk}};
    const fb_target alpha1[] = {{&LK, BASE_ALPHA, jk}};
    const fb_target beta1[] = {{&LK, BASE_BETA, jk}};
    const fb_target tau2[] = {{&LB, BASE_TAU, jac2}};
    report(progress, progress_ctx, "computing A, B1, C (tau)", 0.15);
    rc = fb_pass(lg1, n, 0, tau1, 3, err);
    if (!rc) {
        report(progress, progress_ctx, "computing IC and C (alpha, beta)", 0.35);
        rc = fb_pass(lalpha, n, 0, alpha1, 1, err);
    }
    if (!rc) rc = fb_pass(lbeta, n, 0, beta1, 1, err);
    if (!rc) {
        report(progress, progress_ctx, "computing B2", 0.5);
        rc = fb_pass(lg2, n, 1, tau2, 1, err);
    }
    if (rc) goto out;
    via_g1_batch_to_affine(z->a, ja, n_vars);
    via_g1_batch_to_affine(z->b1, jb1, n_vars);
    via_g1_batch_to_affine(kpts, jk, n_vars);
    via_g2_batch_to_affine(z->b2, jac2, n_vars);
    memcpy(z->ic, kpts, ((size_t)n_pub + 1) * sizeof *z->ic);
    memcpy(z->c, kpts + n_pub + 1, ((size_t)n_vars - n_pub - 1) * sizeof *z->c);

    /* csHash, in zkey_new.js order. */
    report(progress, progress_ctx, "hashing circuit", 0.9);
    via_blake2b_ctx hc;
    via_blake2b_init(&hc, 64);
    hash_g1(&hc, &z->alpha1);
    hash_g1(&hc, &z->beta1);
    hash_g2(&hc, &z->beta2);
    hash_g2(&hc, &z->gamma2);
    hash_g1(&hc, &z->delta1);
    hash_g2(&hc, &z->delta2);
    hash_u32_be(&hc, n_pub + 1);
    for (uint32_t i = 0; i <= n_pub; i++)
        hash_g1(&hc, &z->ic[i]);
    rc = hash_h_diffs(&hc, &pt, n, err);
    if (rc) goto out;
    hash_u32_be(&hc, n_vars - n_pub - 1);
    for (uint32_t i = 0; i < n_vars - n_pub - 1; i++)
        hash_g1(&hc, &z->c[i]);
    hash_u32_be(&hc, n_vars);
    for (uint32_t i = 0; i < n_vars; i++)
        hash_g1(&hc, &z->a[i]);
    hash_u32_be(&hc, n_vars);
    for (uint32_t i = 0; i < n_vars; i++)
        hash_g1(&hc, &z->b1[i]);
    hash_u32_be(&hc, n_vars);
    for (uint32_t i = 0; i < n_vars; i++)
        hash_g2(&hc, &z->b2[i]);
    via_blake2b_final(&hc, z->cs_hash);
    report(progress, progress_ctx, "initial key done", 1.0);

out:
    via_xfree(cnt);
    via_xfree(cur);
    lists_free(&LA);
    lists_free(&LB);
    lists_free(&LK);
    via_free_big(lg1);
    via_free_big(lg2);
    via_free_big(lalpha);
    via_free_big(lbeta);
    via_free_big(kpts);
    via_free_big(jac1);
    via_free_big(jac2);
    via_binfile_close(&pt.bf);
    via_r1cs_free(&cs);
    if (rc) via_zkey_free(z);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* One phase-2 contribution (zkey_contribute.js)                                              */
/* ------------------------------------------------------------------------------------------ */

/* zkey_utils.js hashPubKey. */
static void hash_pub_key(via_blake2b_ctx *h, const via_zkey_contribution *c) {
    hash_g1(h, &c->delta_after);
    hash_g1(h, &c->g1_s);
    hash_g1(h, &c->g1_sx);
    hash_g2(h, &c->g2_spx);
    via_blake2b_update(h, c->transcript, 64);
}

/* Multiplying many points by the one secret k = 1/delta. The scalar is recoded once, with the
 * regular signed 4-bit recoding (Joye-Tunstall): for odd k' < r, 64 odd digits in [-15, 15]
 * with k' = sum d_i 16^i. Every point then runs the same sequence: a table of its odd
 * multiples P, 3P, .., 15P (public: multiples of a public point by constants), all tables of
 * a batch made affine with one inversion, and per digit four doublings plus one mixed
 * addition of the table entry picked by scanning all eight with masks and negated by mask.
 * No branch depends on k: the addition has no exceptional case to branch on because the
 * running multiple 16 M is even and the added digit odd, and |16 M| + 15 < r until the last
 * step, where a clash would need k' >= r - 30; k is first made odd as k or r - k (the result
 * negated by mask). Those 30 values of k (or r - k) are sent to via_g1_mul instead, a branch
 * that only ever tells apart a secret from a negligible set. */
#define SCALE_BATCH 64

static void fq_cmov_mask(via_fq *r, const via_fq *a, uint64_t mask) {
    for (int i = 0; i < 4; i++)
        r->l[i] = (r->l[i] & ~mask) | (a->l[i] & mask);
}

/* madd-2007-bl, p not infinity, q affine and not +-p: no case to select. */
static void g1_madd_regular(via_g1 *r, const via_g1 *p, const via_g1_affine *q) {
    via_fq z1z1, u2, s2, h, hh, i, j, rr, v, t;
    via_fq_sqr(&z1z1, &p->z);
    via_fq_mul(&u2, &q->x, &z1z1);
    via_fq_mul(&s2, &q->y, &p->z);
    via_fq_mul(&s2, &s2, &z1z1);
    via_fq_sub(&h, &u2, &p->x);
    via_fq_sub(&rr, &s2, &p->y);
    via_fq_sqr(&hh, &h);
    via_fq_dbl(&i, &hh);
    via_fq_dbl(&i, &i);
    via_fq_mul(&j, &h, &i);
    via_fq_dbl(&rr, &rr);
    via_fq_mul(&v, &p->x, &i);
    via_fq_add(&t, &p->z, &h);
    via_fq_sqr(&t, &t);
    via_fq_sub(&t, &t, &z1z1);
    via_fq_sub(&r->z, &t, &hh);
    via_fq x3;
    via_fq_sqr(&x3, &rr);
    via_fq_sub(&x3, &x3, &j);
    via_fq_sub(&x3, &x3, &v);
    via_fq_sub(&x3, &x3, &v);
    via_fq_sub(&t, &v, &x3);
    via_fq_mul(&t, &t, &rr);
    via_fq_mul(&s2, &p->y, &j);
    via_fq_dbl(&s2, &s2);
    via_fq_sub(&r->y, &t, &s2);
    r->x = x3;
}

/* The entry d (odd, |d| <= 15) of a table of odd multiples, in constant time. */
static void select_odd(via_g1_affine *r, const via_g1_affine tab[8], int d) {
    int64_t s = (int64_t)d >> 63; /* 0 or -1 */
    uint64_t a = (uint64_t)(((int64_t)d ^ s) - s);
    uint64_t idx = (a - 1) >> 1;
    memset(r, 0, sizeof *r);
    for (uint64_t e = 0; e < 8; e++) {
        uint64_t x = e ^ idx;
        uint64_t mask = (((x | (0 - x)) >> 63) ^ 1) * UINT64_MAX;
        fq_cmov_mask(&r->x, &tab[e].x, mask);
        fq_cmov_mask(&r->y, &tab[e].y, mask);
    }
    via_fq ny;
    via_fq_neg(&ny, &r->y);
    fq_cmov_mask(&r->y, &ny, (uint64_t)s);
}

typedef struct {
    via_g1_affine *pts;
    const int8_t *digits; /* 64 regular digits of k' */
    uint64_t neg_mask;    /* all ones: the result is negated (k' = r - k) */
    const uint64_t *k;    /* for the fallback */
    int fallback;
    atomic_int failed;
} scale_job;

static void scale_worker(void *arg, size_t begin, size_t end, unsigned worker) {
    (void)worker;
    scale_job *job = arg;
    via_g1 *jt = via_malloc_big(SCALE_BATCH * 8 * sizeof *jt);
    via_g1_affine *tab = via_malloc_big(SCALE_BATCH * 8 * sizeof *tab);
    via_g1 *res = via_malloc_big(SCALE_BATCH * sizeof *res);
    if (!jt || !tab || !res) {
        atomic_store(&job->failed, 1);
        goto out;
    }
    for (size_t i = begin; i < end; i += SCALE_BATCH) {
        size_t cnt = end - i < SCALE_BATCH ? end - i : SCALE_BATCH;
        via_g1_affine *pts = job->pts + i;
        if (job->fallback) {
            for (size_t j = 0; j < cnt; j++) {
                via_g1 p;
                via_g1_from_affine(&p, &pts[j]);
                via_g1_mul(&res[j], &p, job->k);
            }
            via_g1_batch_to_affine(pts, res, cnt);
            continue;
        }
        for (size_t j = 0; j < cnt; j++) {
            via_g1_affine base = pts[j];
            if (via_g1_affine_is_inf(&base)) via_g1_generator(&base); /* public; reset below */
            via_g1 p2, *t = jt + 8 * j;
            via_g1_from_affine(&t[0], &base);
            via_g1_dbl(&p2, &t[0]);
            for (int e = 1; e < 8; e++)
                via_g1_add(&t[e], &t[e - 1], &p2);
        }
        via_g1_batch_to_affine(tab, jt, 8 * cnt);
        for (size_t j = 0; j < cnt; j++) {
            const via_g1_affine *t = tab + 8 * j;
            via_g1_affine sel;
            via_g1 acc;
            select_odd(&sel, t, job->digits[63]);
            via_g1_from_affine(&acc, &sel);
            for (int w = 62; w >= 0; w--) {
                for (int b = 0; b < 4; b++)
                    via_g1_dbl(&acc, &acc);
                select_odd(&sel, t, job->digits[w]);
                g1_madd_regular(&acc, &acc, &sel);
            }
            via_fq ny;
            via_fq_neg(&ny, &acc.y);
            fq_cmov_mask(&acc.y, &ny, job->neg_mask);
            res[j] = acc;
            via_wipe(&sel, sizeof sel);
        }
        for (size_t j = 0; j < cnt; j++)
            if (via_g1_affine_is_inf(&pts[j])) via_g1_set_inf(&res[j]);
        via_g1_batch_to_affine(pts, res, cnt);
    }
out:
    if (res) via_wipe(res, SCALE_BATCH * sizeof *res);
    via_free_big(jt);
    via_free_big(tab);
    via_free_big(res);
}

int via_setup_scale_g1(via_g1_affine *pts, size_t n, const uint64_t k[4], via_error *err) {
    /* k' = k if k is odd, else r - k (odd since r is odd); selected by mask. */
    uint64_t kp[4], nk[4], d[4];
    uint64_t odd_mask = 0 - (k[0] & 1);
    via_limbs_sub(nk, via_fr_mod.p, k);
    for (int i = 0; i < 4; i++)
        kp[i] = (k[i] & odd_mask) | (nk[i] & ~odd_mask);
    via_limbs_sub(d, via_fr_mod.p, kp);
    int8_t digits[64];
    uint64_t e[4] = {kp[0], kp[1], kp[2], kp[3]};
    for (int i = 0; i < 63; i++) {
        digits[i] = (int8_t)((int)(e[0] & 31) - 16);
        for (int l = 0; l < 3; l++)
            e[l] = (e[l] >> 4) | (e[l + 1] << 60);
        e[3] >>= 4;
        e[0] |= 1;
    }
    digits[63] = (int8_t)e[0];
    scale_job job = {.pts = pts, .digits = digits, .neg_mask = ~odd_mask, .k = k};
    /* k' in [r - 30, r): the one place where the regular sequence could meet P + P. */
    job.fallback = (d[3] | d[2] | d[1] | (d[0] >> 5)) == 0;
    atomic_init(&job.failed, 0);
    via_parallel_for(n, SCALE_BATCH, scale_worker, &job);
    via_wipe(kp, sizeof kp);
    via_wipe(nk, sizeof nk);
    via_wipe(d, sizeof d);
    via_wipe(e, sizeof e);
    via_wipe(digits, sizeof digits);
    int failed = atomic_load(&job.failed);
    via_wipe(&job, sizeof job);
    if (failed)
        return via_fail(err, VIA_ENOMEM, "contribution: out of memory scaling %zu points", n);
    return VIA_OK;
}

/* Cuts a name to at most 64 bytes without splitting a UTF-8 sequence. */
static size_t name_len(const char *name) {
    size_t len = strlen(name);
    if (len <= 64) return len;
    len = 64;
    while (len > 0 && ((unsigned char)name[len] & 0xC0) == 0x80)
        len--;
    return len;
}

int via_setup_contribute_with_secret(via_zkey *z, const char *name, const uint64_t delta[4],
                                     const uint64_t s[4], uint8_t contribution_hash[64],
                                     via_progress_fn progress, void *progress_ctx, via_error *err) {
    assert(z && delta && s);
    via_fr dm, dinv_m;
    uint64_t dinv[4];
    if (via_fr_from_canon(&dm, delta) != 0 || via_fr_is_zero(&dm)) {
        via_wipe(&dm, sizeof dm);
        return via_fail(err, VIA_EINVAL, "contribution: delta must be in [1, r)");
    }
    {
        via_fr sm;
        int bad = via_fr_from_canon(&sm, s) != 0 || via_fr_is_zero(&sm);
        via_wipe(&sm, sizeof sm);
        if (bad) {
            via_wipe(&dm, sizeof dm);
            return via_fail(err, VIA_EINVAL, "contribution: s must be in [1, r)");
        }
    }
    via_zkey_contribution *list = via_malloc_big(((size_t)z->n_contributions + 1) * sizeof *list);
    if (!list) {
        via_wipe(&dm, sizeof dm);
        return via_fail(err, VIA_ENOMEM, "contribution: out of memory");
    }
    report(progress, progress_ctx, "contribution", 0.0);

    via_zkey_contribution cur;
    memset(&cur, 0, sizeof cur);
    via_g1_affine g1;
    via_g1 j, t;
    via_g1_generator(&g1);
    via_g1_from_affine(&j, &g1);
    via_g1_mul(&t, &j, s);
    via_g1_to_affine(&cur.g1_s, &t);
    via_g1_mul(&t, &t, delta);
    via_g1_to_affine(&cur.g1_sx, &t);

    via_blake2b_ctx th;
    via_blake2b_init(&th, 64);
    via_blake2b_update(&th, z->cs_hash, 64);
    for (uint32_t i = 0; i < z->n_contributions; i++)
        hash_pub_key(&th, &z->contributions[i]);
    hash_g1(&th, &cur.g1_s);
    hash_g1(&th, &cur.g1_sx);
    via_blake2b_final(&th, cur.transcript);

    via_g2_affine g2_sp;
    via_g2 j2, t2;
    via_setup_hash_to_g2(&g2_sp, cur.transcript);
    via_g2_from_affine(&j2, &g2_sp);
    via_g2_mul(&t2, &j2, delta);
    via_g2_to_affine(&cur.g2_spx, &t2);

    via_g1_from_affine(&j, &z->delta1);
    via_g1_mul(&t, &j, delta);
    via_g1_to_affine(&z->delta1, &t);
    via_g2_from_affine(&j2, &z->delta2);
    via_g2_mul(&t2, &j2, delta);
    via_g2_to_affine(&z->delta2, &t2);
    cur.delta_after = z->delta1;
    cur.type = 0;
    if (name && name[0]) {
        size_t len = name_len(name);
        cur.has_name = 1;
        memcpy(cur.name, name, len);
        cur.name[len] = 0;
    }

    via_fr_inv(&dinv_m, &dm);
    via_fr_to_canon(dinv, &dinv_m);
    report(progress, progress_ctx, "contribution: C section", 0.1);
    int rc = via_setup_scale_g1(z->c, (size_t)z->n_vars - z->n_public - 1, dinv, err);
    if (!rc) {
        report(progress, progress_ctx, "contribution: H section", 0.5);
        rc = via_setup_scale_g1(z->h, z->domain_size, dinv, err);
    }
    via_wipe(&dm, sizeof dm);
    via_wipe(&dinv_m, sizeof dinv_m);
    via_wipe(dinv, sizeof dinv);
    via_wipe(&t, sizeof t);
    via_wipe(&t2, sizeof t2);
    if (rc) { /* out of memory: z is left half scaled and must be discarded */
        via_free_big(list);
        return rc;
    }

    if (z->n_contributions) memcpy(list, z->contributions, z->n_contributions * sizeof *list);
    list[z->n_contributions] = cur;
    via_free_big(z->contributions);
    z->contributions = list;
    z->n_contributions++;

    if (contribution_hash) {
        via_blake2b_ctx ch;
        via_blake2b_init(&ch, 64);
        hash_pub_key(&ch, &cur);
        via_blake2b_final(&ch, contribution_hash);
    }
    report(progress, progress_ctx, "contribution done", 1.0);
    return VIA_OK;
}

/* A uniform scalar in [1, r) from the OS CSPRNG (the same draw Groth16 uses for r and s). */
static int random_scalar(uint64_t k[4], via_error *err) {
    via_scalar v;
    int rc = via_random_scalar(&v, err);
    if (rc == VIA_OK) memcpy(k, v.l, sizeof v.l);
    via_wipe(&v, sizeof v);
    return rc;
}

int via_setup_contribute(via_zkey *z, const char *name, uint8_t contribution_hash[64],
                         via_progress_fn progress, void *progress_ctx, via_error *err) {
    uint64_t d[4], s[4];
    int rc = random_scalar(d, err);
    if (!rc) rc = random_scalar(s, err);
    if (!rc)
        rc = via_setup_contribute_with_secret(z, name, d, s, contribution_hash, progress,
                                              progress_ctx, err);
    via_wipe(d, sizeof d);
    via_wipe(s, sizeof s);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Whole setup                                                                                */
/* ------------------------------------------------------------------------------------------ */

/* Writes to a temporary name next to the target and renames, so a failure never leaves a
 * truncated key under the target name. */
static int write_zkey_atomic(const via_zkey *z, const char *path, via_error *err) {
    size_t len = strlen(path) + 32;
    char *tmp = via_xmalloc(len);
    snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
    int rc = via_zkey_write(z, tmp, err);
    if (!rc && rename(tmp, path) != 0)
        rc = via_fail(err, VIA_EIO, "%s: cannot rename %s into place: %s", path, tmp,
                      strerror(errno));
    if (rc) unlink(tmp);
    via_xfree(tmp);
    return rc;
}

int via_groth16_setup_ex(const char *r1cs_path, const char *ptau_path, const char *zkey_path,
                         via_setup_options *opt, via_error *err) {
    assert(r1cs_path && ptau_path && zkey_path && opt);
    via_zkey z;
    int rc = via_setup_new_zkey(&z, r1cs_path, ptau_path, opt->progress, opt->progress_ctx, err);
    if (rc) return rc;
    memcpy(opt->cs_hash, z.cs_hash, 64);
    memset(opt->contribution_hash, 0, 64);
    if (!opt->skip_contribution)
        rc = via_setup_contribute(&z, opt->contribution_name, opt->contribution_hash, opt->progress,
                                  opt->progress_ctx, err);
    if (!rc) {
        report(opt->progress, opt->progress_ctx, "writing zkey", 0.0);
        rc = write_zkey_atomic(&z, zkey_path, err);
    }
    via_zkey_free(&z);
    return rc;
}

int via_groth16_setup(const char *r1cs_path, const char *ptau_path, const char *zkey_path,
                      const char *contribution_name, via_error *err) {
    via_setup_options opt;
    memset(&opt, 0, sizeof opt);
    opt.contribution_name = contribution_name;
    return via_groth16_setup_ex(r1cs_path, ptau_path, zkey_path, &opt, err);
}

/* ------------------------------------------------------------------------------------------ */
/* Verification key export (zkey_export_verificationkey.js)                                   */
/* ------------------------------------------------------------------------------------------ */

int via_export_vk(const char *zkey_path, const char *vk_json_path, via_error *err) {
    assert(zkey_path && vk_json_path);
    via_zkey z;
    via_groth16_vk vk;
    via_fq12 alphabeta;
    int rc = via_zkey_read(&z, zkey_path, err);
    if (rc) return rc;
    rc = via_groth16_vk_from_zkey(&vk, &z, err);
    if (!rc) {
        via_pairing_snarkjs_gt(&alphabeta, &vk.alpha1, &vk.beta2);
        rc = via_vk_write_json(&vk, &alphabeta, vk_json_path, err);
        via_groth16_vk_free(&vk);
    }
    via_zkey_free(&z);
    return rc;
}
