/*
 * Poseidon permutation gadget (same function as poseidon.h, circomlib >= 0.5).
 *
 * Wires are allocated only for S-boxes: x^2, x^4 and x^5 of each S-box input x, three
 * constraints per S-box. S-box inputs are kept as linear combinations:
 *   - in full rounds, x_i = sum_j M[i][j] y_j + C, over the t S-box outputs y of the previous
 *     round;
 *   - through the partial rounds, the state is an affine function of the t outputs z of the last
 *     full round before them and of the partial-round outputs y_0..y_{k-1}; the coefficient
 *     vectors of every partial S-box input, and of the state after the partial rounds, depend
 *     only on t, so they are computed once per width ("plan") by running the rounds on
 *     coefficient vectors. A partial S-box input then costs t + k terms instead of a full
 *     matrix-vector product per round.
 * In witness mode no combination is built: the wire values are the S-box trace of the native
 * fast permutation (via_poseidon_permute_trace), which computes the same S-box inputs.
 */
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && !defined(VIA_NO_ASM)
#include <immintrin.h>
#endif

#include "via/poseidon.h"
#include "via/runtime.h"
#include "via/gadgets.h"

typedef struct {
    unsigned t, rp;
    const via_poseidon_params *p;
    via_fr *px; /* partial S-box inputs: vector k at px + off[k], length 1 + t + k */
    size_t *px_off;
    via_fr *fx; /* first full round after the partial rounds: t vectors of 1 + t + rp */
} plan;

static _Atomic(plan *) g_plans[VIA_POSEIDON_T_MAX + 1];
static pthread_mutex_t g_plan_lock = PTHREAD_MUTEX_INITIALIZER;

static plan *build_plan(unsigned t) {
    const via_poseidon_params *p = via_poseidon_params_get(t);
    unsigned rp = p->rp, L = 1 + t + rp;
    plan *pl = via_xcalloc(1, sizeof *pl);
    pl->t = t;
    pl->rp = rp;
    pl->p = p;
    pl->px_off = via_xmalloc(rp * sizeof(size_t));
    size_t tot = 0;
    for (unsigned k = 0; k < rp; k++) {
        pl->px_off[k] = tot;
        tot += 1 + t + k;
    }
    pl->px = via_xcalloc(tot, sizeof(via_fr));
    pl->fx = via_xcalloc((size_t)t * L, sizeof(via_fr));
    via_fr *S = via_xcalloc((size_t)t * L, sizeof(via_fr));
    via_fr *T = via_xcalloc((size_t)t * L, sizeof(via_fr));
    const via_fr *M = p->m, *C = p->c;
    for (unsigned i = 0; i < t; i++)
        for (unsigned j = 0; j < t; j++)
            S[i * L + 1 + j] = M[i * t + j];
    unsigned half = VIA_POSEIDON_RF / 2;
    for (unsigned k = 0; k < rp; k++) {
        unsigned R = half + k;
        for (unsigned i = 0; i < t; i++)
            via_fr_add(&S[i * L], &S[i * L], &C[R * t + i]);
        memcpy(pl->px + pl->px_off[k], S, (1 + t + k) * sizeof(via_fr));
        memset(S, 0, L * sizeof(via_fr));
        via_fr_set_one(&S[1 + t + k]);
        unsigned used = 1 + t + k + 1;
        for (unsigned i = 0; i < t; i++)
            for (unsigned c = 0; c < used; c++) {
                via_fr acc;
                via_fr_set_zero(&acc);
                for (unsigned j = 0; j < t; j++) {
                    via_fr x;
                    via_fr_mul(&x, &M[i * t + j], &S[j * L + c]);
                    via_fr_add(&acc, &acc, &x);
                }
                T[i * L + c] = acc;
            }
        memcpy(S, T, (size_t)t * L * sizeof(via_fr));
    }
    unsigned R = half + rp;
    for (unsigned i = 0; i < t; i++)
        via_fr_add(&S[i * L], &S[i * L], &C[R * t + i]);
    memcpy(pl->fx, S, (size_t)t * L * sizeof(via_fr));
    free(S);
    free(T);
    return pl;
}

static const plan *get_plan(unsigned t) {
    plan *pl = atomic_load_explicit(&g_plans[t], memory_order_acquire);
    if (pl) return pl;
    pthread_mutex_lock(&g_plan_lock);
    pl = atomic_load_explicit(&g_plans[t], memory_order_relaxed);
    if (!pl) {
        pl = build_plan(t);
        atomic_store_explicit(&g_plans[t], pl, memory_order_release);
    }
    pthread_mutex_unlock(&g_plan_lock);
    return pl;
}

/* y = x^5 with wires x^2, x^4, x^5. */
static via_var sbox(via_cs *cs, const via_lc *x) {
    via_var x2 = via_g_mul(cs, x, x);
    via_lc l2 = via_lc_var(cs, x2);
    via_var x4 = via_g_mul(cs, &l2, &l2);
    via_lc l4 = via_lc_var(cs, x4);
    via_var x5 = via_g_mul(cs, &l4, x);
    via_lc_free(&l2);
    via_lc_free(&l4);
    return x5;
}

/* ---------------------------------------------------------------- memo */

typedef struct {
    unsigned n;
    via_fr in[VIA_POSEIDON_MAX_INPUTS];
    via_fr out;
    via_fr trace[]; /* 3 * (RF * (n + 1) + RP) */
} memo_entry;

/*
 * Entries are bump-allocated from blocks of MEMO_BLOCK bytes. A chunk's memo holds tens of MiB
 * in thousands of entries; allocated one by one they made the heap grow and shrink back on
 * every chunk (a brk call and fresh pages each time, about a third of the witness time at 64
 * slots). The blocks of a freed memo are kept by the thread (up to MEMO_KEEP of them) for its
 * next memo, and freed when the thread exits.
 */
#define MEMO_BLOCK ((size_t)4 << 20)
#define MEMO_KEEP 32

typedef struct memo_block {
    struct memo_block *next;
    size_t used;
    _Alignas(64) unsigned char data[];
} memo_block;

typedef struct {
    memo_block *list;
    unsigned n;
} block_cache;

static pthread_key_t g_block_key;
static pthread_once_t g_block_once = PTHREAD_ONCE_INIT;

static void block_cache_free(void *p) {
    block_cache *c = p;
    while (c->list) {
        memo_block *b = c->list;
        c->list = b->next;
        free(b);
    }
    free(c);
}

static void block_cache_init(void) {
    (void)pthread_key_create(&g_block_key, block_cache_free);
}

static block_cache *block_cache_get(void) {
    pthread_once(&g_block_once, block_cache_init);
    block_cache *c = pthread_getspecific(g_block_key);
    if (!c) {
        c = calloc(1, sizeof *c);
        if (c && pthread_setspecific(g_block_key, c) != 0) {
            free(c);
            c = NULL;
        }
    }
    return c;
}

static memo_block *block_take(void) {
    block_cache *c = block_cache_get();
    memo_block *b;
    if (c && c->list) {
        b = c->list;
        c->list = b->next;
        c->n--;
    } else {
        b = via_xmalloc(MEMO_BLOCK);
    }
    b->next = NULL;
    b->used = 0;
    return b;
}

static void block_give(memo_block *b) {
    block_cache *c = block_cache_get();
    if (c && c->n < MEMO_KEEP) {
        b->next = c->list;
        c->list = b;
        c->n++;
    } else {
        free(b);
    }
}

struct via_g_poseidon_memo {
    size_t budget, used;
    memo_entry **tab; /* open addressing */
    size_t cap, count;
    memo_block *blocks; /* the current block first */
};

via_g_poseidon_memo *via_g_poseidon_memo_new(size_t max_bytes) {
    via_g_poseidon_memo *m = via_xcalloc(1, sizeof *m);
    m->budget = max_bytes;
    m->cap = 256;
    m->tab = via_xcalloc(m->cap, sizeof *m->tab);
    return m;
}

/* sz bytes (sz <= MEMO_BLOCK - header) for an entry, 64-byte aligned. */
static memo_entry *memo_alloc(via_g_poseidon_memo *m, size_t sz) {
    const size_t room = MEMO_BLOCK - offsetof(memo_block, data);
    sz = (sz + 63) & ~(size_t)63;
    assert(sz <= room);
    if (!m->blocks || m->blocks->used + sz > room) {
        memo_block *b = block_take();
        b->next = m->blocks;
        m->blocks = b;
    }
    memo_entry *e = (memo_entry *)(void *)(m->blocks->data + m->blocks->used);
    m->blocks->used += sz;
    return e;
}

void via_g_poseidon_memo_free(via_g_poseidon_memo *m) {
    if (!m) return;
    while (m->blocks) {
        memo_block *b = m->blocks;
        m->blocks = b->next;
        block_give(b);
    }
    free(m->tab);
    free(m);
}

static size_t memo_key(const via_fr *in, unsigned n) {
    uint64_t h = 0x9e3779b97f4a7c15ULL * (n + 1);
    for (unsigned i = 0; i < n; i++)
        h = (h ^ in[i].l[0] ^ (in[i].l[2] << 1)) * 0xff51afd7ed558ccdULL;
    return (size_t)(h ^ (h >> 29));
}

static const memo_entry *memo_find(const via_g_poseidon_memo *m, const via_fr *in, unsigned n,
                                   size_t *slot) {
    size_t mask = m->cap - 1, i = memo_key(in, n) & mask;
    for (; m->tab[i]; i = (i + 1) & mask) {
        const memo_entry *e = m->tab[i];
        if (e->n == n && memcmp(e->in, in, n * sizeof *in) == 0) return e;
    }
    if (slot) *slot = i;
    return NULL;
}

static void memo_grow(via_g_poseidon_memo *m) {
    size_t ncap = m->cap * 2;
    memo_entry **nt = via_xcalloc(ncap, sizeof *nt);
    for (size_t i = 0; i < m->cap; i++) {
        memo_entry *e = m->tab[i];
        if (!e) continue;
        size_t j = memo_key(e->in, e->n) & (ncap - 1);
        while (nt[j])
            j = (j + 1) & (ncap - 1);
        nt[j] = e;
    }
    free(m->tab);
    m->tab = nt;
    m->cap = ncap;
}

void via_g_poseidon_memo_hash_many(via_g_poseidon_memo *m, via_fr *out, const via_fr *in,
                                   unsigned n, size_t count) {
    assert(n >= 1 && n <= VIA_POSEIDON_MAX_INPUTS);
    if (count == 0) return;
    const unsigned t = n + 1;
    const size_t sz = sizeof(memo_entry) + via_poseidon_trace_len(t) * sizeof(via_fr);
    /* one allocation: entry per request, states, and the lists of the two batches */
    size_t bytes = count * (sizeof(memo_entry *) + t * sizeof(via_fr) + 3 * sizeof(via_fr *) +
                            sizeof(memo_entry *));
    char *mem = via_xmalloc(bytes);
    memo_entry **ent = (memo_entry **)mem, **owner = ent + count;
    via_fr **sp = (via_fr **)(owner + count), **tp = sp + count, **sq = tp + count;
    via_fr *st = (via_fr *)(sq + count);
    size_t np = 0, nq = 0;
    for (size_t i = 0; i < count; i++) {
        const via_fr *x = in + (size_t)i * n;
        size_t slot;
        memo_entry *e = (memo_entry *)memo_find(m, x, n, &slot);
        ent[i] = e;
        if (e) continue; /* known, or asked earlier in this batch */
        via_fr *s = st + i * t;
        via_fr_set_zero(&s[0]);
        memcpy(s + 1, x, n * sizeof *x);
        if (m->used + sz > m->budget) {
            sq[nq++] = s;
            continue;
        }
        e = memo_alloc(m, sz);
        e->n = n;
        memcpy(e->in, x, n * sizeof *x);
        m->used += sz;
        m->tab[slot] = e;
        if (2 * ++m->count > m->cap) memo_grow(m);
        ent[i] = e;
        owner[np] = e;
        sp[np] = s;
        tp[np] = e->trace;
        np++;
    }
    via_poseidon_permute_many(sp, t, 1, tp, np);
    for (size_t k = 0; k < np; k++)
        owner[k]->out = sp[k][0];
    via_poseidon_permute_many(sq, t, 1, NULL, nq);
    for (size_t i = 0; i < count; i++)
        out[i] = ent[i] ? ent[i]->out : st[i * t];
    free(mem);
}

void via_g_poseidon_memo_hash(via_g_poseidon_memo *m, via_fr *out, const via_fr *in, unsigned n) {
    via_g_poseidon_memo_hash_many(m, out, in, n, 1);
}

void via_g_poseidon_memo_attach(via_cs *cs, via_g_poseidon_memo *m) {
    if (via_cs_has_witness(cs) && !via_cs_has_shape(cs)) via_cs_set_gadget_aux(cs, m);
}

/* A memoised trace into the witness. The witness is written once here and read much later (it
 * is tens of MiB), so on x86-64 the copy bypasses the cache (streaming stores: no read of the
 * destination lines, no eviction of the memo and the tree being worked on). */
static void copy_trace(via_fr *dst, const via_fr *src, size_t n) {
#if defined(__x86_64__) && !defined(VIA_NO_ASM)
    if (((uintptr_t)dst & 15) == 0) {
        const __m128i *s = (const __m128i *)(const void *)src;
        __m128i *d = (__m128i *)(void *)dst;
        for (size_t i = 0; i < 2 * n; i += 2) {
            __m128i a = _mm_loadu_si128(s + i), b = _mm_loadu_si128(s + i + 1);
            _mm_stream_si128(d + i, a);
            _mm_stream_si128(d + i + 1, b);
        }
        _mm_sfence();
        return;
    }
#endif
    memcpy(dst, src, n * sizeof *dst);
}

/* Witness-only path of permute(): the S-box wires (x^2, x^4, x^5 per S-box, in the order the
 * shape path allocates them) are the trace of the native fast permutation, written straight
 * into the witness; the same constraint count is accounted. The chunk test compares the
 * witness it yields with the BOTH-mode one, wire for wire. */
static void permute_witness(via_cs *cs, via_lc *state, unsigned t, unsigned nout) {
    const unsigned rp = via_poseidon_rp(t);
    const uint32_t nw = 3u * (VIA_POSEIDON_RF * t + rp);
    via_fr st[VIA_POSEIDON_T_MAX];
    for (unsigned i = 0; i < t; i++)
        st[i] = state[i].val;
    via_fr *tr = via_cs_vars_alloc(cs, nw, NULL);
    const via_g_poseidon_memo *m = via_cs_gadget_aux(cs);
    const memo_entry *e = NULL;
    if (m && nout == 1 && via_fr_is_zero(&st[0])) e = memo_find(m, st + 1, t - 1, NULL);
    if (e) {
        /* the memo holds whole-state permutations of [0, in]: same trace, same output */
        copy_trace(tr, e->trace, nw);
        via_lc_clear(&state[0]);
        state[0].val = e->out;
        via_cs_count_constraints(cs, nw);
        return;
    }
    via_poseidon_permute_trace(st, t, tr);
    for (unsigned i = 0; i < nout; i++) {
        via_lc_clear(&state[i]);
        state[i].val = st[i];
    }
    via_cs_count_constraints(cs, nw);
}

/* state[0..t) in (combinations), out: state[0..nout) after the permutation, as combinations
 * over the last round's S-box outputs. */
static void permute(via_cs *cs, via_lc *state, unsigned t, unsigned nout) {
    if (!via_cs_has_shape(cs)) {
        permute_witness(cs, state, t, nout);
        return;
    }
    const plan *pl = get_plan(t);
    const via_fr *M = pl->p->m, *C = pl->p->c;
    unsigned rp = pl->rp, half = VIA_POSEIDON_RF / 2;
    unsigned L = 1 + t + rp;
    via_var y[VIA_POSEIDON_T_MAX];
    via_var *basis = via_xmalloc(L * sizeof(via_var)); /* wire of each plan column */
    basis[0] = 0;
    via_lc x = VIA_LC_INIT;

    /* round 0: x_i = state_i + C_i */
    for (unsigned i = 0; i < t; i++) {
        via_lc_copy(cs, &x, &state[i]);
        via_lc_add_const(cs, &x, &C[i]);
        y[i] = sbox(cs, &x);
    }
    /* full rounds 1 .. half-1 */
    for (unsigned r = 1; r < half; r++) {
        via_var ny[VIA_POSEIDON_T_MAX];
        for (unsigned i = 0; i < t; i++) {
            via_lc_clear(&x);
            for (unsigned j = 0; j < t; j++)
                via_lc_add_var(cs, &x, y[j], &M[i * t + j]);
            via_lc_add_const(cs, &x, &C[r * t + i]);
            ny[i] = sbox(cs, &x);
        }
        memcpy(y, ny, t * sizeof(via_var));
    }
    for (unsigned j = 0; j < t; j++)
        basis[1 + j] = y[j];
    /* partial rounds */
    for (unsigned k = 0; k < rp; k++) {
        const via_fr *v = pl->px + pl->px_off[k];
        via_lc_clear(&x);
        via_lc_add_const(cs, &x, &v[0]);
        for (unsigned c = 1; c < 1 + t + k; c++)
            via_lc_add_var(cs, &x, basis[c], &v[c]);
        basis[1 + t + k] = sbox(cs, &x);
    }
    /* first full round of the second half */
    {
        via_var ny[VIA_POSEIDON_T_MAX];
        for (unsigned i = 0; i < t; i++) {
            const via_fr *v = pl->fx + (size_t)i * L;
            via_lc_clear(&x);
            via_lc_add_const(cs, &x, &v[0]);
            for (unsigned c = 1; c < L; c++)
                via_lc_add_var(cs, &x, basis[c], &v[c]);
            ny[i] = sbox(cs, &x);
        }
        memcpy(y, ny, t * sizeof(via_var));
    }
    for (unsigned r = half + rp + 1; r < VIA_POSEIDON_RF + rp; r++) {
        via_var ny[VIA_POSEIDON_T_MAX];
        for (unsigned i = 0; i < t; i++) {
            via_lc_clear(&x);
            for (unsigned j = 0; j < t; j++)
                via_lc_add_var(cs, &x, y[j], &M[i * t + j]);
            via_lc_add_const(cs, &x, &C[r * t + i]);
            ny[i] = sbox(cs, &x);
        }
        memcpy(y, ny, t * sizeof(via_var));
    }
    for (unsigned i = 0; i < nout; i++) {
        via_lc_clear(&state[i]);
        for (unsigned j = 0; j < t; j++)
            via_lc_add_var(cs, &state[i], y[j], &M[i * t + j]);
    }
    via_lc_free(&x);
    free(basis);
}

via_var via_g_poseidon(via_cs *cs, const via_lc *in, unsigned n) {
    assert(n >= 1 && n <= VIA_POSEIDON_MAX_INPUTS);
    via_cs_push(cs, "poseidon");
    unsigned t = n + 1;
    via_lc st[VIA_POSEIDON_T_MAX];
    memset(st, 0, sizeof st);
    for (unsigned i = 0; i < n; i++)
        via_lc_copy(cs, &st[1 + i], &in[i]);
    permute(cs, st, t, 1);
    via_var out = via_cs_materialize(cs, &st[0]);
    for (unsigned i = 0; i < t; i++)
        via_lc_free(&st[i]);
    via_cs_pop(cs);
    return out;
}

via_var via_g_poseidon_sponge(via_cs *cs, const via_lc *in, size_t n) {
    via_cs_push(cs, "poseidon_sponge");
    const unsigned t = VIA_POSEIDON_T_MAX, rate = t - 1;
    via_lc st[VIA_POSEIDON_T_MAX];
    memset(st, 0, sizeof st);
    via_lc_add_u64(cs, &st[0], (uint64_t)n);
    size_t blocks = n == 0 ? 1 : (n + rate - 1) / rate;
    for (size_t b = 0; b < blocks; b++) {
        for (unsigned i = 0; i < rate; i++)
            if (b * rate + i < n) via_lc_add_lc(cs, &st[1 + i], &in[b * rate + i], NULL);
        permute(cs, st, t, b + 1 == blocks ? 1 : t);
    }
    via_var out = via_cs_materialize(cs, &st[0]);
    for (unsigned i = 0; i < t; i++)
        via_lc_free(&st[i]);
    via_cs_pop(cs);
    return out;
}
