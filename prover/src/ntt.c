/*
 * NTT over Fr, built as a four-step (Bailey) transform so that every butterfly runs on data
 * that sits in the L2 cache, whatever the size.
 *
 * A vector of n = n1 * n2 elements is viewed as n1 rows of n2 contiguous elements. The
 * radix-2 decimation-in-frequency (DIF) transform of size n, whose output is in bit-reversed
 * order, factors exactly into
 *   1. a DIF transform of size n1 down every column (columns are gathered a few at a time into
 *      a per-thread scratch block so the strided reads touch whole cache lines),
 *   2. a multiplication of the element in row r, column c by w_n^(c * rev_n1(r)),
 *   3. a DIF transform of size n2 along every row,
 * because the bit reversal of a log2(n)-bit index k1 + n1 * k2 is rev(k1) * n2 + rev(k2).
 * The transpose of that factorization (rows first, then twiddles, then columns, each with
 * decimation-in-time (DIT) kernels) maps a bit-reversed input to natural-order output.
 *
 * So the forward and inverse NTT are "four-step DIF, then a blocked in-place bit reversal",
 * and the coset step of the Groth16 H computation needs no bit reversal at all: inverse
 * four-step DIF (natural -> bit-reversed coefficients, with 1/n and the coset powers g^j
 * folded into its twiddle passes), then forward four-step DIT (bit-reversed -> natural).
 *
 * Twiddles: the row and column kernels have at most 2^14 points (n1, n2 <= 2^14 for
 * n <= 2^28), and every stage of a kernel with half-span h uses w_{2h}^j for j < h, which does
 * not depend on the kernel size. One table per direction, laid out stage after stage
 * (entry h - 1 + j), therefore serves every size; it is built once (pthread_once, 1 MiB in
 * all). The step-2 twiddles are generated on the fly, one multiplication per element.
 *
 * Work is spread over via_get_threads() workers by blocks of columns and by rows; each
 * worker owns a scratch slot, so no two threads write the same memory.
 */
#include "via/ntt.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>

#include "via/simd52.h"
#include "via/runtime.h"

#define NTT_MAX_LOG VIA_FR_TWO_ADICITY
#define KERNEL_MAX_LOG ((NTT_MAX_LOG + 1) / 2)
/* Below this many elements a pass runs on the calling thread: starting threads costs more. */
#define NTT_PARALLEL_MIN ((size_t)1 << 12)
/* A column block holds at most this many elements (512 KiB), so it stays in L2. */
#define COL_BLOCK_ELEMS ((size_t)1 << 14)

/* ---- twiddle tables ---- */

static via_fr g_twiddles[2][(size_t)1 << KERNEL_MAX_LOG]; /* [0] forward, [1] inverse roots */
static pthread_once_t g_twiddles_once = PTHREAD_ONCE_INIT;

static void twiddles_build(void) {
    for (unsigned s = 0; s < KERNEL_MAX_LOG; s++) {
        size_t h = (size_t)1 << s;
        via_fr w[2];
        via_fr_root_of_unity(&w[0], s + 1); /* w_{2h} */
        via_fr_inv(&w[1], &w[0]);
        for (int dir = 0; dir < 2; dir++) {
            via_fr *t = &g_twiddles[dir][h - 1];
            via_fr_set_one(&t[0]);
            for (size_t j = 1; j < h; j++)
                via_fr_mul(&t[j], &t[j - 1], &w[dir]);
        }
    }
}

static const via_fr *twiddles(int inverse) {
    pthread_once(&g_twiddles_once, twiddles_build);
    return g_twiddles[inverse ? 1 : 0];
}

/* ---- helpers ---- */

static inline size_t bitrev(size_t x, unsigned bits) {
    if (bits == 0) return 0;
    uint64_t v = (uint64_t)x;
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
    v = __builtin_bswap64(v);
    return (size_t)(v >> (64 - bits));
}

/* r = a^e for a small public exponent. */
static void fr_pow_small(via_fr *r, const via_fr *a, uint64_t e) {
    via_fr acc, base = *a;
    via_fr_set_one(&acc);
    while (e) {
        if (e & 1) via_fr_mul(&acc, &acc, &base);
        e >>= 1;
        if (e) via_fr_sqr(&base, &base);
    }
    *r = acc;
}

/* Runs body over [0, total) in chunks of grain, pulled dynamically by up to `slots` workers;
 * body's slot argument is unique among the workers running at the same time. */
typedef void (*task_fn)(void *ctx, size_t begin, size_t end, unsigned slot);
typedef struct {
    task_fn body;
    void *ctx;
    size_t total, grain;
    atomic_size_t next;
} task_pool;

static void task_pool_slot(void *arg, size_t s0, size_t s1, unsigned worker) {
    (void)worker;
    task_pool *p = arg;
    for (size_t slot = s0; slot < s1; slot++) {
        for (;;) {
            size_t b = atomic_fetch_add(&p->next, p->grain);
            if (b >= p->total) break;
            size_t e = b + p->grain < p->total ? b + p->grain : p->total;
            p->body(p->ctx, b, e, (unsigned)slot);
        }
    }
}

static void run_tasks(unsigned slots, size_t total, size_t grain, task_fn body, void *ctx) {
    if (total == 0) return;
    if (slots <= 1) {
        body(ctx, 0, total, 0);
        return;
    }
    task_pool p = {body, ctx, total, grain ? grain : 1, 0};
    via_parallel_for(slots, 1, task_pool_slot, &p);
}

/* ---- in-cache kernels ---- */

/* One radix-2 stage of half-size h (DIF: x, y <- x + y, (x - y) w; DIT: x, y <- x + y w,
 * x - y w) over blocks of 2h. w[j] = w_{2h}^j, w[0] = 1. */
static void stage_scalar(via_fr *a, size_t m, size_t h, const via_fr *w, int dit) {
    for (size_t s = 0; s < m; s += 2 * h) {
        via_fr *x = a + s, *y = a + s + h;
        via_fr u = x[0], v = y[0], t;
        via_fr_add(&x[0], &u, &v);
        via_fr_sub(&y[0], &u, &v);
        for (size_t j = 1; j < h; j++) {
            u = x[j];
            if (dit) {
                via_fr_mul(&v, &y[j], &w[j]);
                via_fr_add(&x[j], &u, &v);
                via_fr_sub(&y[j], &u, &v);
            } else {
                via_fr_add(&x[j], &u, &y[j]);
                via_fr_sub(&t, &u, &y[j]);
                via_fr_mul(&y[j], &t, &w[j]);
            }
        }
    }
}

#if VIA_HAVE_SIMD52
/* Eight butterflies: DIF (x + y, (x - y) w) or DIT (x + y w, x - y w). */
VIA_V52_INLINE void butterfly_x8(via_v52 *u, via_v52 *v, const via_v52 *x, const via_v52 *y,
                                 const via_v52 *w, int dit) {
    const via_s52_mod *md = &via_s52_fr;
    if (dit) {
        via_v52 t;
        via_v52_mul(&t, y, w, md);
        via_v52_add(u, x, &t, md);
        via_v52_sub(v, x, &t, md);
    } else {
        via_v52 t;
        via_v52_add(u, x, y, md);
        via_v52_sub(&t, x, y, md);
        via_v52_mul(v, &t, w, md);
    }
}

/* The same stage eight butterflies at a time (simd52.h), for h >= 8; same bytes (a product
 * by w[0] = 1 leaves a value unchanged). */
VIA_SIMD52_FN static void stage_x8(via_fr *a, size_t m, size_t h, const via_fr *w, int dit) {
    const via_s52_mod *md = &via_s52_fr;
    for (size_t s = 0; s < m; s += 2 * h) {
        via_fr *x = a + s, *y = a + s + h;
        for (size_t j = 0; j < h; j += 8) {
            via_v52 X, Y, W, U, V;
            via_v52_load8(&X, x[j].l);
            via_v52_load8(&Y, y[j].l);
            via_v52_load8(&W, w[j].l);
            butterfly_x8(&U, &V, &X, &Y, &W, dit);
            via_v52_store8(x[j].l, &U, md);
            via_v52_store8(y[j].l, &V, md);
        }
    }
}
/* Stages with h = 4, 2, 1 (m >= 16): sixteen consecutive elements A, B are split into the
 * eight x and eight y of their butterflies by lane permutations, and joined back after. */
VIA_SIMD52_FN static void v52_permute(via_v52 *r, const via_v52 *a, __m512i idx, const via_v52 *b) {
    for (int i = 0; i < 5; i++) r->l[i] = _mm512_permutex2var_epi64(a->l[i], idx, b->l[i]);
}

VIA_SIMD52_FN static void stage_small_x8(via_fr *a, size_t m, size_t h, const via_fr *w, int dit) {
    const via_s52_mod *md = &via_s52_fr;
    __m512i sx, sy, jx, jy; /* split: x and y lanes of (A, B); join: A and B lanes of (X, Y) */
    if (h == 4) {
        sx = _mm512_set_epi64(11, 10, 9, 8, 3, 2, 1, 0);
        sy = _mm512_set_epi64(15, 14, 13, 12, 7, 6, 5, 4);
        jx = _mm512_set_epi64(11, 10, 9, 8, 3, 2, 1, 0);
        jy = _mm512_set_epi64(15, 14, 13, 12, 7, 6, 5, 4);
    } else if (h == 2) {
        sx = _mm512_set_epi64(13, 12, 9, 8, 5, 4, 1, 0);
        sy = _mm512_set_epi64(15, 14, 11, 10, 7, 6, 3, 2);
        jx = _mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0);
        jy = _mm512_set_epi64(15, 14, 7, 6, 13, 12, 5, 4);
    } else {
        sx = _mm512_set_epi64(14, 12, 10, 8, 6, 4, 2, 0);
        sy = _mm512_set_epi64(15, 13, 11, 9, 7, 5, 3, 1);
        jx = _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0);
        jy = _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4);
    }
    via_fr tw8[8];
    for (int j = 0; j < 8; j++) tw8[j] = w[(size_t)j % h];
    via_v52 W;
    via_v52_load8(&W, tw8[0].l);
    for (size_t s = 0; s < m; s += 16) {
        via_v52 A, B, X, Y, U, V;
        via_v52_load8(&A, a[s].l);
        via_v52_load8(&B, a[s + 8].l);
        v52_permute(&X, &A, sx, &B);
        v52_permute(&Y, &A, sy, &B);
        butterfly_x8(&U, &V, &X, &Y, &W, dit);
        v52_permute(&A, &U, jx, &V);
        v52_permute(&B, &U, jy, &V);
        via_v52_store8(a[s].l, &A, md);
        via_v52_store8(a[s + 8].l, &B, md);
    }
}
#endif

static inline void stage(via_fr *a, size_t m, size_t h, const via_fr *w, int dit) {
#if VIA_HAVE_SIMD52
    if (via_simd52_have && h >= 8) {
        stage_x8(a, m, h, w, dit);
        return;
    }
    if (via_simd52_have && m >= 16) {
        stage_small_x8(a, m, h, w, dit);
        return;
    }
#endif
    stage_scalar(a, m, h, w, dit);
}

/* Radix-2 DIF of size 2^logm: natural order in, bit-reversed order out. */
static void kernel_dif(via_fr *a, unsigned logm, const via_fr *tw) {
    size_t m = (size_t)1 << logm;
    for (size_t h = m >> 1; h >= 1; h >>= 1)
        stage(a, m, h, tw + h - 1, 0);
}

/* Radix-2 DIT of size 2^logm: bit-reversed order in, natural order out. */
static void kernel_dit(via_fr *a, unsigned logm, const via_fr *tw) {
    size_t m = (size_t)1 << logm;
    for (size_t h = 1; h < m; h <<= 1)
        stage(a, m, h, tw + h - 1, 1);
}

/* ---- four-step driver ---- */

typedef struct {
    via_fr *a;
    unsigned log1, log2; /* n1 = 2^log1 rows, n2 = 2^log2 columns (row length) */
    int dit;             /* 0: DIF natural -> bit-reversed; 1: DIT bit-reversed -> natural */
    const via_fr *tw;    /* kernel twiddles for the direction */
    via_fr wn;           /* primitive n-th root of the direction */
    int has_rowfactor;   /* DIF only: element of output index k1 + n1*k2 also gets ... */
    via_fr rowfactor;    /* ... rowfactor^k1 (folded into the column pass) */
    int has_scale;       /* DIF only: every element is multiplied by scale */
    via_fr scale;
    const via_fr *rowpost; /* DIF only, or NULL: row position p is multiplied by rowpost[p] */
    size_t block;          /* columns per gathered block */
    via_fr *scratch;       /* block * n1 elements per slot */
} fourstep;

#if VIA_HAVE_SIMD52
/* block_twiddle's row loop with eight columns in the lanes: x *= run, run *= step. */
VIA_SIMD52_FN static void block_twiddle_x8(via_fr *sc, size_t n1, unsigned log1, size_t k1,
                                           const via_fr *step, const via_fr *run, size_t nb) {
    const via_s52_mod *md = &via_s52_fr;
    for (size_t b0 = 0; b0 < nb; b0 += 8) {
        via_v52 R, S, X;
        via_v52_load8(&R, run[b0].l);
        via_v52_load8(&S, step[b0].l);
        for (size_t k = k1; k < n1; k++) {
            uint64_t *x = sc[b0 * n1 + bitrev(k, log1)].l;
            via_v52_load_stride(&X, x, 4 * n1);
            via_v52_mul(&X, &X, &R, md);
            via_v52_store_stride(x, 4 * n1, &X, md);
            via_v52_mul(&R, &R, &S, md);
        }
    }
}
#endif

/* Step 2 on a gathered block: column b (global column c0 + b) at row position rev(k1) is
 * multiplied by scale * (rowfactor * w_n^c)^k1. */
static void block_twiddle(const fourstep *f, via_fr *sc, size_t c0, size_t nb) {
    size_t n1 = (size_t)1 << f->log1;
    via_fr step[16], run[16];
    assert(nb <= 16);
    fr_pow_small(&step[0], &f->wn, c0);
    for (size_t b = 0; b < nb; b++) {
        if (b) via_fr_mul(&step[b], &step[b - 1], &f->wn);
        if (f->has_scale)
            run[b] = f->scale;
        else
            via_fr_set_one(&run[b]);
    }
    if (f->has_rowfactor)
        for (size_t b = 0; b < nb; b++)
            via_fr_mul(&step[b], &step[b], &f->rowfactor);
    size_t k1 = 0;
    if (!f->has_scale) {
        /* run is 1 at k1 = 0 */
        for (size_t b = 0; b < nb; b++)
            run[b] = step[b];
        k1 = 1;
    }
#if VIA_HAVE_SIMD52
    if (via_simd52_have && nb % 8 == 0) {
        block_twiddle_x8(sc, n1, f->log1, k1, step, run, nb);
        return;
    }
#endif
    for (; k1 < n1; k1++) {
        size_t p = bitrev(k1, f->log1);
        for (size_t b = 0; b < nb; b++) {
            via_fr *x = &sc[b * n1 + p];
            via_fr_mul(x, x, &run[b]);
            if (k1 + 1 < n1) via_fr_mul(&run[b], &run[b], &step[b]);
        }
    }
}

static void column_pass(void *ctx, size_t blk0, size_t blk1, unsigned slot) {
    const fourstep *f = ctx;
    size_t n1 = (size_t)1 << f->log1, n2 = (size_t)1 << f->log2, nb = f->block;
    via_fr *sc = f->scratch + (size_t)slot * nb * n1;
    for (size_t blk = blk0; blk < blk1; blk++) {
        size_t c0 = blk * nb;
        for (size_t r = 0; r < n1; r++) {
            const via_fr *row = f->a + r * n2 + c0;
            for (size_t b = 0; b < nb; b++)
                sc[b * n1 + r] = row[b];
        }
        if (f->dit) {
            block_twiddle(f, sc, c0, nb);
            for (size_t b = 0; b < nb; b++)
                kernel_dit(sc + b * n1, f->log1, f->tw);
        } else {
            for (size_t b = 0; b < nb; b++)
                kernel_dif(sc + b * n1, f->log1, f->tw);
            block_twiddle(f, sc, c0, nb);
        }
        for (size_t r = 0; r < n1; r++) {
            via_fr *row = f->a + r * n2 + c0;
            for (size_t b = 0; b < nb; b++)
                row[b] = sc[b * n1 + r];
        }
    }
}

static void row_pass(void *ctx, size_t r0, size_t r1, unsigned slot) {
    (void)slot;
    const fourstep *f = ctx;
    size_t n2 = (size_t)1 << f->log2;
    for (size_t r = r0; r < r1; r++) {
        via_fr *row = f->a + r * n2;
        if (f->dit) {
            kernel_dit(row, f->log2, f->tw);
        } else {
            kernel_dif(row, f->log2, f->tw);
            if (f->rowpost)
                for (size_t p = 0; p < n2; p++)
                    via_fr_mul(&row[p], &row[p], &f->rowpost[p]);
        }
    }
}

static unsigned slots_for(size_t n) {
    if (n < NTT_PARALLEL_MIN) return 1;
    unsigned t = via_get_threads();
    return t ? t : 1;
}

/* Runs the four-step transform described by f (a, log sizes, direction fields filled in);
 * allocates the scratch. */
static int fourstep_run(fourstep *f) {
    size_t n1 = (size_t)1 << f->log1, n2 = (size_t)1 << f->log2, n = n1 * n2;
    size_t block = COL_BLOCK_ELEMS / n1;
    if (block > 16) block = 16;
    if (block < 2) block = 2; /* whole 64-byte lines when gathering */
    if (block > n2) block = n2;
    f->block = block;
    unsigned slots = slots_for(n);
    f->scratch = via_malloc_big((size_t)slots * block * n1 * sizeof(via_fr));
    if (!f->scratch) return VIA_ENOMEM;
    size_t nblocks = n2 / block;
    if (f->dit) {
        run_tasks(slots, n1, 1, row_pass, f);
        run_tasks(slots, nblocks, 1, column_pass, f);
    } else {
        run_tasks(slots, nblocks, 1, column_pass, f);
        run_tasks(slots, n1, 1, row_pass, f);
    }
    via_free_big(f->scratch);
    f->scratch = NULL;
    return VIA_OK;
}

static void fourstep_init(fourstep *f, via_fr *a, unsigned log2n, int inverse, int dit) {
    memset(f, 0, sizeof *f);
    f->a = a;
    f->log1 = log2n / 2;
    f->log2 = log2n - f->log1;
    f->dit = dit;
    f->tw = twiddles(inverse);
    via_fr_root_of_unity(&f->wn, log2n);
    if (inverse) via_fr_inv(&f->wn, &f->wn);
}

/* ---- bit reversal ---- */

typedef struct {
    via_fr *a;
    unsigned log2n, lb; /* index = hi (lb bits) | mid | lo (lb bits) */
} bitrev_ctx;

static inline void fr_swap(via_fr *x, via_fr *y) {
    via_fr t = *x;
    *x = *y;
    *y = t;
}

static void bitrev_tiles(void *ctx, size_t m0, size_t m1, unsigned slot) {
    (void)slot;
    const bitrev_ctx *c = ctx;
    unsigned lb = c->lb, lm = c->log2n - 2 * lb, shift_hi = c->log2n - lb;
    size_t nb = (size_t)1 << lb;
    for (size_t mid = m0; mid < m1; mid++) {
        size_t rmid = bitrev(mid, lm);
        if (rmid < mid) continue; /* the tile pair is done from the other side */
        for (size_t hi = 0; hi < nb; hi++) {
            size_t rhi = bitrev(hi, lb);
            for (size_t lo = 0; lo < nb; lo++) {
                size_t i = (hi << shift_hi) | (mid << lb) | lo;
                size_t j = (bitrev(lo, lb) << shift_hi) | (rmid << lb) | rhi;
                /* distinct tiles: every pair once; the same tile: each pair from one side */
                if (mid != rmid || i < j) fr_swap(&c->a[i], &c->a[j]);
            }
        }
    }
}

/* In place: a[i] <-> a[rev(i)]. The index is split as hi | mid | lo with 4-bit hi and lo, so
 * a pair of tiles (mid, rev(mid)) is 2 x 16 runs of 16 contiguous elements: the strided side
 * of the permutation stays within a few KiB. */
static void bitrev_permute(via_fr *a, unsigned log2n) {
    size_t n = (size_t)1 << log2n;
    if (log2n < 8) {
        for (size_t i = 0; i < n; i++) {
            size_t j = bitrev(i, log2n);
            if (i < j) fr_swap(&a[i], &a[j]);
        }
        return;
    }
    bitrev_ctx c = {a, log2n, 4};
    size_t nmid = (size_t)1 << (log2n - 8);
    run_tasks(slots_for(n), nmid, nmid >= 64 ? 16 : 1, bitrev_tiles, &c);
}

/* ---- public API ---- */

static int check_size(const via_fr *a, unsigned log2n) {
    if (log2n > NTT_MAX_LOG) return VIA_EINVAL;
    assert(a != NULL);
    (void)a;
    return VIA_OK;
}

int via_ntt(via_fr *a, unsigned log2n) {
    int rc = check_size(a, log2n);
    if (rc || log2n == 0) return rc;
    fourstep f;
    fourstep_init(&f, a, log2n, 0, 0);
    rc = fourstep_run(&f);
    if (rc) return rc;
    bitrev_permute(a, log2n);
    return VIA_OK;
}

int via_intt(via_fr *a, unsigned log2n) {
    int rc = check_size(a, log2n);
    if (rc || log2n == 0) return rc;
    fourstep f;
    fourstep_init(&f, a, log2n, 1, 0);
    f.has_scale = 1;
    via_fr_set_u64(&f.scale, (uint64_t)1 << log2n);
    via_fr_inv(&f.scale, &f.scale);
    rc = fourstep_run(&f);
    if (rc) return rc;
    bitrev_permute(a, log2n);
    return VIA_OK;
}

void via_ntt_coset_gen(via_fr *g, unsigned log2n) {
    assert(log2n <= NTT_MAX_LOG);
    if (log2n >= NTT_MAX_LOG)
        via_fr_set_u64(g, 25);
    else
        via_fr_root_of_unity(g, log2n + 1);
}

int via_ntt_domain_to_coset(via_fr *a, unsigned log2n) {
    int rc = check_size(a, log2n);
    if (rc) return rc;
    /* n = 1: the constant polynomial a_0 evaluates to a_0 at g. */
    if (log2n == 0) return VIA_OK;
    via_fr g;
    via_ntt_coset_gen(&g, log2n);

    /* Inverse DIF: the coefficient of index k = k1 + n1*k2 is scaled by g^k / n; g^k1 goes in
     * the column twiddles, (g^n1)^k2 in a per-position table applied after each row kernel. */
    fourstep f;
    fourstep_init(&f, a, log2n, 1, 0);
    size_t n1 = (size_t)1 << f.log1, n2 = (size_t)1 << f.log2;
    via_fr *rowpost = via_malloc_big(n2 * sizeof(via_fr));
    if (!rowpost) return VIA_ENOMEM;
    via_fr h, p;
    fr_pow_small(&h, &g, n1);
    via_fr_set_one(&p);
    for (size_t k2 = 0; k2 < n2; k2++) {
        rowpost[bitrev(k2, f.log2)] = p;
        via_fr_mul(&p, &p, &h);
    }
    f.rowpost = rowpost;
    f.has_rowfactor = 1;
    f.rowfactor = g;
    f.has_scale = 1;
    via_fr_set_u64(&f.scale, (uint64_t)1 << log2n);
    via_fr_inv(&f.scale, &f.scale);
    rc = fourstep_run(&f);
    via_free_big(rowpost);
    if (rc) return rc;

    fourstep_init(&f, a, log2n, 0, 1);
    return fourstep_run(&f);
}
