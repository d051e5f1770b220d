/*
 * The builder context. Shape mode normalises each linear combination (sorted by wire, equal
 * wires merged, zero coefficients dropped) before recording it, because the .r1cs format wants
 * sorted wire ids. Witness mode never touches terms: combinations carry only their value, so
 * a gadget run in witness mode costs its native arithmetic plus one store per wire.
 *
 * The .r1cs stream is written with provisional counts that via_cs_r1cs_finish patches: the
 * header section has a fixed size, and the constraint section's length is patched in place,
 * so a circuit of millions of constraints needs no memory for its constraints.
 */
#include "via/file.h"
#include "via/cs.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "via/binfile.h"
#include "via/runtime.h"

#define PATH_MAX_DEPTH 64

typedef struct {
    uint32_t parent;
    uint32_t name_off; /* into names */
} path_node;

struct via_cs {
    struct via_cs_public_flags flags; /* first: read by the inline mode helpers */
    int keep;
    uint32_t n_vars, n_pub;
    uint32_t w_cap;
    via_fr *w;
    uint64_t n_cons;

    via_cs_constraint *cons;
    uint64_t cons_cap;
    via_term *terms;
    uint64_t n_terms, terms_cap;

    /* gadget paths: node 0 is the root "" */
    path_node *paths;
    uint32_t n_paths, paths_cap;
    uint32_t *ptab; /* open addressing: path id + 1, 0 = empty */
    uint32_t ptab_cap;
    char *names;
    size_t names_len, names_cap;
    uint32_t stack[PATH_MAX_DEPTH];
    unsigned depth;
    unsigned witness_depth; /* witness-only mode: push/pop balance only */

    int failed;
    via_cs_failure fail;

    /* normalisation scratch */
    via_term *scratch;
    uint32_t scratch_cap;

    void *gadget_aux;

    FILE *r1cs; /* r1cs_af.f while an .r1cs is being streamed */
    via_atomic_file r1cs_af;
    char *r1cs_path;
    long cons_size_pos; /* file offset of the constraint section's u64 size */
    uint64_t cons_bytes;
};

/* ------------------------------------------------------------------ context */

/*
 * Witness buffers are recycled per thread: via_cs_free keeps the calling thread's largest
 * witness buffer, and the next witness context of that thread starts with it. A chunk witness
 * is tens of MiB written once; allocated fresh each time (above the allocator's mmap limit it
 * always is), the page faults of its first touch cost about a third of the CPU time of a
 * 64-slot chunk. The kept buffer is freed when the thread exits.
 */
static pthread_key_t g_spare_key;
static pthread_once_t g_spare_once = PTHREAD_ONCE_INIT;

typedef struct {
    via_fr *w;
    uint32_t cap;
} spare_buf;

static void spare_free(void *p) {
    spare_buf *s = p;
    free(s->w);
    free(s);
}

static void spare_init(void) {
    (void)pthread_key_create(&g_spare_key, spare_free);
}

/* The thread's kept buffer (cap in *cap), or NULL. */
static via_fr *spare_take(uint32_t *cap) {
    pthread_once(&g_spare_once, spare_init);
    spare_buf *s = pthread_getspecific(g_spare_key);
    if (!s || !s->w) return NULL;
    via_fr *w = s->w;
    *cap = s->cap;
    s->w = NULL;
    return w;
}

/* Keeps w (cap values) as the thread's buffer when it is larger than the one kept. */
static void spare_give(via_fr *w, uint32_t cap) {
    pthread_once(&g_spare_once, spare_init);
    spare_buf *s = pthread_getspecific(g_spare_key);
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s || pthread_setspecific(g_spare_key, s) != 0) {
            free(s);
            free(w);
            return;
        }
    }
    if (s->w && s->cap >= cap) {
        free(w);
        return;
    }
    free(s->w);
    s->w = w;
    s->cap = cap;
}

via_cs *via_cs_new(via_cs_mode mode, int keep_constraints) {
    via_cs *cs = via_xcalloc(1, sizeof *cs);
    cs->flags.witness = (mode & VIA_CS_WITNESS) != 0;
    cs->flags.shape = (mode & VIA_CS_SHAPE) != 0;
    cs->keep = keep_constraints && cs->flags.shape;
    cs->n_vars = 1;
    if (cs->flags.witness) {
        cs->w = spare_take(&cs->w_cap);
        if (!cs->w) {
            cs->w_cap = 1024;
            cs->w = via_xmalloc(cs->w_cap * sizeof(via_fr));
        }
        via_fr_set_one(&cs->w[0]);
    }
    cs->paths_cap = 64;
    cs->paths = via_xmalloc(cs->paths_cap * sizeof(path_node));
    cs->names_cap = 1024;
    cs->names = via_xmalloc(cs->names_cap);
    cs->names[0] = 0;
    cs->names_len = 1;
    cs->paths[0] = (path_node){0, 0};
    cs->n_paths = 1;
    cs->ptab_cap = 256;
    cs->ptab = via_xcalloc(cs->ptab_cap, sizeof(uint32_t));
    cs->stack[0] = 0;
    return cs;
}

void via_cs_free(via_cs *cs) {
    if (!cs) return;
    if (cs->r1cs) via_atomic_abort(&cs->r1cs_af); /* an .r1cs never finished: nothing left */
    free(cs->r1cs_path);
    if (cs->w) spare_give(cs->w, cs->w_cap);
    free(cs->cons);
    free(cs->terms);
    free(cs->paths);
    free(cs->ptab);
    free(cs->names);
    free(cs->scratch);
    free(cs);
}

void via_cs_set_gadget_aux(via_cs *cs, void *aux) {
    cs->gadget_aux = aux;
}
void *via_cs_gadget_aux(const via_cs *cs) {
    return cs->gadget_aux;
}

uint32_t via_cs_n_vars(const via_cs *cs) {
    return cs->n_vars;
}
uint32_t via_cs_n_public(const via_cs *cs) {
    return cs->n_pub;
}
uint64_t via_cs_n_constraints(const via_cs *cs) {
    return cs->n_cons;
}
via_fr *via_cs_witness(via_cs *cs) {
    return cs->flags.witness ? cs->w : NULL;
}

/* ------------------------------------------------------------------ wires */

/* Grows the witness buffer to hold at least need wires: the capacity doubles, computed in
 * 64 bits and capped at UINT32_MAX (wire numbers are 32-bit), so it cannot wrap to a smaller
 * buffer than the wires written into it. */
static void grow_witness(via_cs *cs, uint64_t need) {
    VIA_REQUIRE(need <= UINT32_MAX);
    uint64_t cap = cs->w_cap ? cs->w_cap : 1;
    while (cap < need)
        cap *= 2;
    if (cap > UINT32_MAX) cap = UINT32_MAX;
    via_fr *nw = realloc(cs->w, (size_t)cap * sizeof(via_fr));
    if (!nw) {
        fprintf(stderr, "via: out of memory growing the witness to %llu wires\n",
                (unsigned long long)cap);
        abort();
    }
    cs->w = nw;
    cs->w_cap = (uint32_t)cap;
}

static via_var new_wire(via_cs *cs, const via_fr *val) {
    VIA_REQUIRE(cs->n_vars < UINT32_MAX - 1);
    via_var v = cs->n_vars++;
    if (cs->flags.witness) {
        if (v >= cs->w_cap) grow_witness(cs, (uint64_t)v + 1);
        if (val)
            cs->w[v] = *val;
        else
            via_fr_set_zero(&cs->w[v]);
    }
    return v;
}

via_fr *via_cs_vars_alloc(via_cs *cs, uint32_t n, via_var *first) {
    VIA_REQUIRE(n < UINT32_MAX - 1 && cs->n_vars < UINT32_MAX - 1 - n);
    via_var v = cs->n_vars;
    cs->n_vars += n;
    if (first) *first = v;
    if (!cs->flags.witness) return NULL;
    if (cs->n_vars > cs->w_cap) grow_witness(cs, cs->n_vars);
    return cs->w + v;
}

via_var via_cs_public_new(via_cs *cs) {
    assert(cs->n_vars == 1 + cs->n_pub && "public wires must be allocated first");
    cs->n_pub++;
    return new_wire(cs, NULL);
}

via_var via_cs_var_new(via_cs *cs, const via_fr *val) {
    return new_wire(cs, val);
}

void via_cs_set(via_cs *cs, via_var v, const via_fr *val) {
    VIA_REQUIRE(v < cs->n_vars && v != 0);
    if (cs->flags.witness) cs->w[v] = *val;
}

static const via_fr g_zero;
const via_fr *via_cs_val(const via_cs *cs, via_var v) {
    VIA_REQUIRE(v < cs->n_vars);
    return cs->flags.witness ? &cs->w[v] : &g_zero;
}

/* ------------------------------------------------------------------ gadget paths */

static uint32_t str_hash(uint32_t parent, const char *s) {
    uint32_t h = 2166136261u ^ parent * 16777619u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static void ptab_insert(via_cs *cs, uint32_t id) {
    const path_node *p = &cs->paths[id];
    uint32_t mask = cs->ptab_cap - 1;
    uint32_t i = str_hash(p->parent, cs->names + p->name_off) & mask;
    while (cs->ptab[i])
        i = (i + 1) & mask;
    cs->ptab[i] = id + 1;
}

static uint32_t path_intern(via_cs *cs, uint32_t parent, const char *name) {
    uint32_t mask = cs->ptab_cap - 1;
    uint32_t i = str_hash(parent, name) & mask;
    while (cs->ptab[i]) {
        const path_node *p = &cs->paths[cs->ptab[i] - 1];
        if (p->parent == parent && strcmp(cs->names + p->name_off, name) == 0)
            return cs->ptab[i] - 1;
        i = (i + 1) & mask;
    }
    size_t len = strlen(name) + 1;
    while (cs->names_len + len > cs->names_cap) {
        cs->names_cap *= 2;
        char *nn = realloc(cs->names, cs->names_cap);
        if (!nn) abort();
        cs->names = nn;
    }
    memcpy(cs->names + cs->names_len, name, len);
    if (cs->n_paths == cs->paths_cap) {
        cs->paths_cap *= 2;
        path_node *np = realloc(cs->paths, cs->paths_cap * sizeof *np);
        if (!np) abort();
        cs->paths = np;
    }
    uint32_t id = cs->n_paths++;
    cs->paths[id] = (path_node){parent, (uint32_t)cs->names_len};
    cs->names_len += len;
    if (2 * cs->n_paths > cs->ptab_cap) {
        free(cs->ptab);
        cs->ptab_cap *= 2;
        cs->ptab = via_xcalloc(cs->ptab_cap, sizeof(uint32_t));
        for (uint32_t k = 1; k < cs->n_paths; k++)
            ptab_insert(cs, k);
    } else {
        ptab_insert(cs, id);
    }
    return id;
}

static int paths_wanted(const via_cs *cs) {
    return cs->flags.shape;
}

void via_cs_push(via_cs *cs, const char *name) {
    if (!paths_wanted(cs)) {
        cs->witness_depth++;
        return;
    }
    assert(cs->depth + 1 < PATH_MAX_DEPTH);
    uint32_t id = path_intern(cs, cs->stack[cs->depth], name);
    cs->stack[++cs->depth] = id;
}

void via_cs_push_idx(via_cs *cs, const char *name, unsigned index) {
    if (!paths_wanted(cs)) {
        cs->witness_depth++;
        return;
    }
    char buf[96];
    snprintf(buf, sizeof buf, "%s[%u]", name, index);
    via_cs_push(cs, buf);
}

void via_cs_pop(via_cs *cs) {
    if (!paths_wanted(cs)) {
        assert(cs->witness_depth > 0);
        cs->witness_depth--;
        return;
    }
    assert(cs->depth > 0);
    cs->depth--;
}

void via_cs_path_string(const via_cs *cs, uint32_t path, char *out, size_t outlen) {
    uint32_t chain[PATH_MAX_DEPTH];
    unsigned n = 0;
    while (path != 0 && n < PATH_MAX_DEPTH) {
        chain[n++] = path;
        path = cs->paths[path].parent;
    }
    size_t pos = 0;
    if (outlen == 0) return;
    out[0] = 0;
    for (unsigned i = n; i-- > 0;) {
        const char *s = cs->names + cs->paths[chain[i]].name_off;
        int w = snprintf(out + pos, outlen - pos, "%s%s", pos ? "/" : "", s);
        if (w < 0 || (size_t)w >= outlen - pos) return;
        pos += (size_t)w;
    }
    if (pos == 0) snprintf(out, outlen, "(top level)");
}

/* ------------------------------------------------------------------ linear combinations */

static void lc_reserve(via_lc *lc, uint32_t extra) {
    if (lc->n + extra <= lc->cap) return;
    uint32_t cap = lc->cap ? lc->cap : 4;
    while (cap < lc->n + extra)
        cap *= 2;
    via_term *t = realloc(lc->t, (size_t)cap * sizeof *t);
    if (!t) {
        fprintf(stderr, "via: out of memory in a linear combination of %u terms\n", cap);
        abort();
    }
    lc->t = t;
    lc->cap = cap;
}

void via_lc_free(via_lc *lc) {
    free(lc->t);
    lc->t = NULL;
    lc->n = lc->cap = 0;
    via_fr_set_zero(&lc->val);
}

void via_lc_clear(via_lc *lc) {
    lc->n = 0;
    via_fr_set_zero(&lc->val);
}

void via_lc_add_var(via_cs *cs, via_lc *lc, via_var v, const via_fr *k) {
    if (cs->flags.witness) {
        via_fr t;
        via_fr_mul(&t, &cs->w[v], k);
        via_fr_add(&lc->val, &lc->val, &t);
    }
    if (cs->flags.shape) {
        lc_reserve(lc, 1);
        lc->t[lc->n].v = v;
        lc->t[lc->n].k = *k;
        lc->n++;
    }
}

void via_lc_add_var1(via_cs *cs, via_lc *lc, via_var v) {
    if (cs->flags.witness) via_fr_add(&lc->val, &lc->val, &cs->w[v]);
    if (cs->flags.shape) {
        lc_reserve(lc, 1);
        lc->t[lc->n].v = v;
        via_fr_set_one(&lc->t[lc->n].k);
        lc->n++;
    }
}

void via_lc_sub_var1(via_cs *cs, via_lc *lc, via_var v) {
    if (cs->flags.witness) via_fr_sub(&lc->val, &lc->val, &cs->w[v]);
    if (cs->flags.shape) {
        lc_reserve(lc, 1);
        lc->t[lc->n].v = v;
        via_fr one;
        via_fr_set_one(&one);
        via_fr_neg(&lc->t[lc->n].k, &one);
        lc->n++;
    }
}

void via_lc_add_const(via_cs *cs, via_lc *lc, const via_fr *k) {
    if (cs->flags.witness) via_fr_add(&lc->val, &lc->val, k);
    if (cs->flags.shape) {
        lc_reserve(lc, 1);
        lc->t[lc->n].v = 0;
        lc->t[lc->n].k = *k;
        lc->n++;
    }
}

void via_lc_add_u64(via_cs *cs, via_lc *lc, uint64_t k) {
    via_fr f;
    via_fr_set_u64(&f, k);
    via_lc_add_const(cs, lc, &f);
}

void via_lc_add_lc(via_cs *cs, via_lc *lc, const via_lc *x, const via_fr *k) {
    if (cs->flags.witness) {
        if (k) {
            via_fr t;
            via_fr_mul(&t, &x->val, k);
            via_fr_add(&lc->val, &lc->val, &t);
        } else {
            via_fr_add(&lc->val, &lc->val, &x->val);
        }
    }
    if (cs->flags.shape && x->n) {
        lc_reserve(lc, x->n);
        for (uint32_t i = 0; i < x->n; i++) {
            lc->t[lc->n + i].v = x->t[i].v;
            if (k)
                via_fr_mul(&lc->t[lc->n + i].k, &x->t[i].k, k);
            else
                lc->t[lc->n + i].k = x->t[i].k;
        }
        lc->n += x->n;
    }
}

void via_lc_sub_lc(via_cs *cs, via_lc *lc, const via_lc *x) {
    via_fr m1;
    via_fr_set_one(&m1);
    via_fr_neg(&m1, &m1);
    via_lc_add_lc(cs, lc, x, &m1);
}

void via_lc_scale(via_cs *cs, via_lc *lc, const via_fr *k) {
    if (cs->flags.witness) via_fr_mul(&lc->val, &lc->val, k);
    if (cs->flags.shape)
        for (uint32_t i = 0; i < lc->n; i++)
            via_fr_mul(&lc->t[i].k, &lc->t[i].k, k);
}

void via_lc_copy(via_cs *cs, via_lc *dst, const via_lc *src) {
    via_lc_clear(dst);
    via_lc_add_lc(cs, dst, src, NULL);
}

via_lc via_lc_var(via_cs *cs, via_var v) {
    via_lc lc = VIA_LC_INIT;
    via_lc_add_var1(cs, &lc, v);
    return lc;
}

via_lc via_lc_const(via_cs *cs, const via_fr *k) {
    via_lc lc = VIA_LC_INIT;
    via_lc_add_const(cs, &lc, k);
    return lc;
}

via_lc via_lc_u64(via_cs *cs, uint64_t k) {
    via_lc lc = VIA_LC_INIT;
    via_lc_add_u64(cs, &lc, k);
    return lc;
}

/* ------------------------------------------------------------------ constraints */

static int term_cmp(const void *a, const void *b) {
    via_var x = ((const via_term *)a)->v, y = ((const via_term *)b)->v;
    return (x > y) - (x < y);
}

/* Sorted, merged, zero-free copy of lc (or of the constant 1 when lc is NULL) into scratch
 * starting at *pos; returns the term count. */
static uint32_t normalise(via_cs *cs, const via_lc *lc, uint32_t pos) {
    uint32_t n = lc ? lc->n : 1;
    if (pos + n > cs->scratch_cap) {
        uint32_t cap = cs->scratch_cap ? cs->scratch_cap : 256;
        while (cap < pos + n)
            cap *= 2;
        via_term *s = realloc(cs->scratch, (size_t)cap * sizeof *s);
        if (!s) abort();
        cs->scratch = s;
        cs->scratch_cap = cap;
    }
    via_term *s = cs->scratch + pos;
    if (!lc) {
        s[0].v = 0;
        via_fr_set_one(&s[0].k);
        return 1;
    }
    if (n) memcpy(s, lc->t, (size_t)n * sizeof *s);
    int sorted = 1;
    for (uint32_t i = 1; i < n; i++)
        if (s[i].v <= s[i - 1].v) {
            sorted = 0;
            break;
        }
    if (!sorted) qsort(s, n, sizeof *s, term_cmp);
    uint32_t out = 0;
    for (uint32_t i = 0; i < n;) {
        via_term acc = s[i];
        uint32_t j = i + 1;
        for (; j < n && s[j].v == acc.v; j++)
            via_fr_add(&acc.k, &acc.k, &s[j].k);
        if (!via_fr_is_zero(&acc.k)) s[out++] = acc;
        i = j;
    }
    return out;
}

static void store_terms(via_cs *cs, const via_term *t, uint32_t n) {
    if (cs->n_terms + n > cs->terms_cap) {
        uint64_t cap = cs->terms_cap ? cs->terms_cap : 4096;
        while (cap < cs->n_terms + n)
            cap *= 2;
        via_term *nt = realloc(cs->terms, cap * sizeof *nt);
        if (!nt) {
            fprintf(stderr, "via: out of memory keeping %llu constraint terms\n",
                    (unsigned long long)cap);
            abort();
        }
        cs->terms = nt;
        cs->terms_cap = cap;
    }
    if (n) memcpy(cs->terms + cs->n_terms, t, (size_t)n * sizeof *t);
    cs->n_terms += n;
}

static void stream_lc(via_cs *cs, const via_term *t, uint32_t n) {
    uint8_t buf[36];
    uint32_t cnt = n;
    memcpy(buf, &cnt, 4); /* little-endian host (x86-64 / aarch64) */
    fwrite(buf, 1, 4, cs->r1cs);
    for (uint32_t i = 0; i < n; i++) {
        memcpy(buf, &t[i].v, 4);
        via_fr_to_bytes_le(buf + 4, &t[i].k);
        fwrite(buf, 1, 36, cs->r1cs);
    }
    cs->cons_bytes += 4 + 36ull * n;
}

void via_cs_enforce(via_cs *cs, const via_lc *a, const via_lc *b, const via_lc *c) {
    if (cs->flags.witness && cs->flags.shape && !cs->failed) {
        via_fr one, ab;
        via_fr_set_one(&one);
        via_fr_mul(&ab, a ? &a->val : &one, b ? &b->val : &one);
        if (!via_fr_eq(&ab, c ? &c->val : &one)) {
            cs->failed = 1;
            cs->fail.index = cs->n_cons;
            via_cs_path_string(cs, cs->stack[cs->depth], cs->fail.path, sizeof cs->fail.path);
        }
    }
    if (cs->flags.shape) {
        uint32_t na = normalise(cs, a, 0);
        uint32_t nb = normalise(cs, b, na);
        uint32_t nc = normalise(cs, c, na + nb);
        if (cs->keep) {
            if (cs->n_cons == cs->cons_cap) {
                cs->cons_cap = cs->cons_cap ? cs->cons_cap * 2 : 1024;
                via_cs_constraint *nc2 = realloc(cs->cons, cs->cons_cap * sizeof *nc2);
                if (!nc2) abort();
                cs->cons = nc2;
            }
            via_cs_constraint *k = &cs->cons[cs->n_cons];
            k->a_off = cs->n_terms;
            k->a_n = na;
            k->b_off = cs->n_terms + na;
            k->b_n = nb;
            k->c_off = cs->n_terms + na + nb;
            k->c_n = nc;
            k->path = cs->stack[cs->depth];
            store_terms(cs, cs->scratch, na + nb + nc);
        }
        if (cs->r1cs) {
            stream_lc(cs, cs->scratch, na);
            stream_lc(cs, cs->scratch + na, nb);
            stream_lc(cs, cs->scratch + na + nb, nc);
        }
    }
    cs->n_cons++;
}

void via_cs_count_constraints(via_cs *cs, uint64_t n) {
    assert(!cs->flags.shape);
    cs->n_cons += n;
}

void via_cs_enforce_eq(via_cs *cs, const via_lc *a, const via_lc *b) {
    via_lc d = VIA_LC_INIT;
    via_lc_add_lc(cs, &d, a, NULL);
    via_lc_sub_lc(cs, &d, b);
    via_lc z = VIA_LC_INIT;
    via_cs_enforce(cs, &d, NULL, &z);
    via_lc_free(&d);
}

via_var via_cs_materialize(via_cs *cs, const via_lc *lc) {
    if (cs->flags.shape && lc->n == 1 && lc->t[0].v != 0 && via_fr_is_one(&lc->t[0].k))
        return lc->t[0].v;
    via_var v = via_cs_var_new(cs, &lc->val);
    via_lc x = via_lc_var(cs, v);
    via_cs_enforce(cs, lc, NULL, &x);
    via_lc_free(&x);
    return v;
}

/* ------------------------------------------------------------------ checking */

int via_cs_first_failure(const via_cs *cs, via_cs_failure *out) {
    if (cs->failed && out) *out = cs->fail;
    return cs->failed;
}

static void eval_terms(via_fr *out, const via_term *t, uint32_t n, const via_fr *w) {
    via_fr_set_zero(out);
    for (uint32_t i = 0; i < n; i++) {
        via_fr x;
        via_fr_mul(&x, &t[i].k, &w[t[i].v]);
        via_fr_add(out, out, &x);
    }
}

int via_cs_check(const via_cs *cs, const via_fr *w, size_t n, via_cs_failure *out, via_error *err) {
    if (!cs->keep)
        return via_fail(err, VIA_EINVAL, "constraint check: the context kept no constraints");
    if (n != cs->n_vars)
        return via_fail(err, VIA_EINVAL,
                        "constraint check: witness has %zu values, circuit has %u wires", n,
                        cs->n_vars);
    if (!via_fr_is_one(&w[0]))
        return via_fail(err, VIA_EINVAL, "constraint check: witness value 0 is not 1");
    for (uint64_t i = 0; i < cs->n_cons; i++) {
        const via_cs_constraint *k = &cs->cons[i];
        via_fr a, b, c, ab;
        eval_terms(&a, cs->terms + k->a_off, k->a_n, w);
        eval_terms(&b, cs->terms + k->b_off, k->b_n, w);
        eval_terms(&c, cs->terms + k->c_off, k->c_n, w);
        via_fr_mul(&ab, &a, &b);
        if (!via_fr_eq(&ab, &c)) {
            via_cs_failure f;
            f.index = i;
            via_cs_path_string(cs, k->path, f.path, sizeof f.path);
            if (out) *out = f;
            return via_fail(err, VIA_EVERIFY, "constraint %llu (gadget %s) is not satisfied",
                            (unsigned long long)i, f.path);
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ files */

static const uint8_t g_r_le[32] = {0x01, 0x00, 0x00, 0xf0, 0x93, 0xf5, 0xe1, 0x43, 0x91, 0x70, 0xb9,
                                   0x79, 0x48, 0xe8, 0x33, 0x28, 0x5d, 0x58, 0x81, 0x81, 0xb6, 0x45,
                                   0x50, 0xb8, 0x29, 0xa0, 0x31, 0xe1, 0x72, 0x4e, 0x64, 0x30};

#define R1CS_HEADER_SIZE 64u

static int write_r1cs_header_payload(via_cs *cs, via_error *err) {
    uint8_t h[R1CS_HEADER_SIZE];
    uint32_t fs = 32, nwires = cs->n_vars, npubout = cs->n_pub, npubin = 0, nprv = 0;
    uint64_t nlabels = cs->n_vars;
    uint32_t ncons = (uint32_t)cs->n_cons;
    memcpy(h, &fs, 4);
    memcpy(h + 4, g_r_le, 32);
    memcpy(h + 36, &nwires, 4);
    memcpy(h + 40, &npubout, 4);
    memcpy(h + 44, &npubin, 4);
    memcpy(h + 48, &nprv, 4);
    memcpy(h + 52, &nlabels, 8);
    memcpy(h + 60, &ncons, 4);
    return via_binfile_write(cs->r1cs, cs->r1cs_path, h, sizeof h, err);
}

int via_cs_r1cs_open(via_cs *cs, const char *path, via_error *err) {
    VIA_REQUIRE(cs->flags.shape && !cs->r1cs && cs->n_cons == 0);
    free(cs->r1cs_path);
    cs->r1cs_path = strdup(path);
    if (!cs->r1cs_path) return via_fail(err, VIA_ENOMEM, "%s: out of memory", path);
    /* streamed into a file beside path, renamed over it by via_cs_r1cs_finish */
    int arc = via_atomic_open(&cs->r1cs_af, cs->r1cs_path, 0, err);
    if (arc) return arc;
    cs->r1cs = cs->r1cs_af.f;
    setvbuf(cs->r1cs, NULL, _IOFBF, 1 << 20);
    int rc = via_binfile_write_header(cs->r1cs, path, "r1cs", 1, 3, err);
    if (!rc) rc = via_binfile_write_section_header(cs->r1cs, path, 1, R1CS_HEADER_SIZE, err);
    if (!rc) rc = write_r1cs_header_payload(cs, err);
    if (!rc) {
        cs->cons_size_pos = ftell(cs->r1cs) + 4;
        rc = via_binfile_write_section_header(cs->r1cs, path, 2, 0, err);
    }
    cs->cons_bytes = 0;
    if (rc) {
        via_atomic_abort(&cs->r1cs_af);
        cs->r1cs = NULL;
    }
    return rc;
}

int via_cs_r1cs_finish(via_cs *cs, via_error *err) {
    assert(cs->r1cs);
    int rc = 0;
    if (cs->n_cons > UINT32_MAX)
        rc = via_fail(err, VIA_EINVAL, "%s: %llu constraints do not fit the r1cs header",
                      cs->r1cs_path, (unsigned long long)cs->n_cons);
    if (!rc)
        rc = via_binfile_write_section_header(cs->r1cs, cs->r1cs_path, 3, 8ull * cs->n_vars, err);
    for (uint64_t i = 0; !rc && i < cs->n_vars; i++)
        rc = via_binfile_write(cs->r1cs, cs->r1cs_path, &i, 8, err);
    if (!rc && fseek(cs->r1cs, 12 + 12, SEEK_SET) != 0)
        rc = via_fail(err, VIA_EIO, "%s: seek failed", cs->r1cs_path);
    if (!rc) rc = write_r1cs_header_payload(cs, err);
    if (!rc && fseek(cs->r1cs, cs->cons_size_pos, SEEK_SET) != 0)
        rc = via_fail(err, VIA_EIO, "%s: seek failed", cs->r1cs_path);
    if (!rc) rc = via_binfile_write(cs->r1cs, cs->r1cs_path, &cs->cons_bytes, 8, err);
    if (rc)
        via_atomic_abort(&cs->r1cs_af);
    else
        rc = via_atomic_commit(&cs->r1cs_af, err);
    cs->r1cs = NULL;
    return rc;
}

int via_cs_wtns_write(const via_cs *cs, const char *path, via_error *err) {
    VIA_REQUIRE(cs->flags.witness);
    via_atomic_file af; /* written beside path and renamed over it when complete */
    int arc = via_atomic_open(&af, path, 0, err);
    if (arc) return arc;
    FILE *f = af.f;
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    uint8_t h[40];
    uint32_t n8 = 32, nw = cs->n_vars;
    memcpy(h, &n8, 4);
    memcpy(h + 4, g_r_le, 32);
    memcpy(h + 36, &nw, 4);
    int rc = via_binfile_write_header(f, path, "wtns", 2, 2, err);
    if (!rc) rc = via_binfile_write_section_header(f, path, 1, sizeof h, err);
    if (!rc) rc = via_binfile_write(f, path, h, sizeof h, err);
    if (!rc) rc = via_binfile_write_section_header(f, path, 2, 32ull * cs->n_vars, err);
    for (uint32_t i = 0; !rc && i < cs->n_vars; i++) {
        uint8_t b[32];
        via_fr_to_bytes_le(b, &cs->w[i]);
        rc = via_binfile_write(f, path, b, 32, err);
    }
    if (rc)
        via_atomic_abort(&af);
    else
        rc = via_atomic_commit(&af, err);
    return rc;
}
