/*
 * Sparse Merkle tree storage: one open-addressing hash table maps (level, index) to the
 * node's value for every node written so far; absent nodes are empty subtrees, whose values
 * come from the per-level table of empty hashes. A set rehashes the D nodes above the leaf,
 * each from its 16 children.
 */
#include "via/smt.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>

#include "via/poseidon.h"

typedef struct {
    uint64_t key; /* (level << 60 | index) + 1; 0 marks a free slot */
    via_fr val;
} slot;

struct via_smt {
    unsigned depth;
    slot *slots;
    size_t cap, used; /* cap is a power of two */
};

static via_fr empty_hash[VIA_SMT_MAX_DEPTH + 1];
static pthread_once_t empty_once = PTHREAD_ONCE_INIT;

static void empty_init(void) {
    via_fr_set_zero(&empty_hash[0]);
    for (unsigned k = 1; k <= VIA_SMT_MAX_DEPTH; k++) {
        via_fr ch[VIA_SMT_ARITY];
        for (int i = 0; i < VIA_SMT_ARITY; i++)
            ch[i] = empty_hash[k - 1];
        int rc = via_poseidon(&empty_hash[k], ch, VIA_SMT_ARITY);
        assert(rc == 0);
        (void)rc;
    }
}

const via_fr *via_smt_empty_hash(unsigned level) {
    assert(level <= VIA_SMT_MAX_DEPTH);
    pthread_once(&empty_once, empty_init);
    return &empty_hash[level];
}

void via_smt_account_leaf(via_fr *out, const via_fr *pk_x, const via_fr *pk_y, uint64_t balance,
                          uint64_t nonce) {
    via_fr in[4] = {*pk_x, *pk_y};
    via_fr_set_u64(&in[2], balance);
    via_fr_set_u64(&in[3], nonce);
    int rc = via_poseidon(out, in, 4);
    assert(rc == 0);
    (void)rc;
}

int via_smt_account_leaves(via_fr *out, size_t n, via_smt_account_get get, void *ud,
                           via_error *err) {
    via_fr *st = malloc((n ? n : 1) * 5 * sizeof *st);
    via_fr **sp = malloc((n ? n : 1) * sizeof *sp);
    size_t *at = malloc((n ? n : 1) * sizeof *at);
    if (!st || !sp || !at) {
        free(st);
        free(sp);
        free(at);
        return via_fail(err, VIA_ENOMEM, "sparse Merkle tree: no memory to hash %zu leaves", n);
    }
    size_t q = 0;
    for (size_t i = 0; i < n; i++) {
        via_fr *x = st + 5 * q;
        uint64_t bal, nonce;
        via_fr_set_zero(&out[i]);
        if (!get(ud, i, &x[1], &x[2], &bal, &nonce)) continue;
        via_fr_set_zero(&x[0]);
        via_fr_set_u64(&x[3], bal);
        via_fr_set_u64(&x[4], nonce);
        sp[q] = x;
        at[q++] = i;
    }
    if (q) via_poseidon_permute_many(sp, 5, 1, NULL, q);
    for (size_t j = 0; j < q; j++)
        out[at[j]] = sp[j][0];
    free(st);
    free(sp);
    free(at);
    return VIA_OK;
}

static uint64_t node_key(unsigned level, uint64_t index) {
    return ((uint64_t)level << 60 | index) + 1;
}

static size_t slot_of(uint64_t key, size_t cap) {
    uint64_t h = key * 0x9e3779b97f4a7c15ULL;
    h ^= h >> 29;
    return (size_t)h & (cap - 1);
}

static const via_fr *lookup(const via_smt *t, unsigned level, uint64_t index) {
    uint64_t key = node_key(level, index);
    for (size_t i = slot_of(key, t->cap);; i = (i + 1) & (t->cap - 1)) {
        if (t->slots[i].key == key) return &t->slots[i].val;
        if (t->slots[i].key == 0) return via_smt_empty_hash(level);
    }
}

static int grow(via_smt *t) {
    size_t ncap = t->cap * 2;
    slot *ns = calloc(ncap, sizeof *ns);
    if (!ns) return -1;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slots[i].key) continue;
        size_t j = slot_of(t->slots[i].key, ncap);
        while (ns[j].key)
            j = (j + 1) & (ncap - 1);
        ns[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = ns;
    t->cap = ncap;
    return 0;
}

static void store(via_smt *t, unsigned level, uint64_t index, const via_fr *v) {
    uint64_t key = node_key(level, index);
    size_t i = slot_of(key, t->cap);
    while (t->slots[i].key && t->slots[i].key != key)
        i = (i + 1) & (t->cap - 1);
    if (!t->slots[i].key) {
        t->slots[i].key = key;
        t->used++;
    }
    t->slots[i].val = *v;
}

via_smt *via_smt_new(unsigned depth) {
    assert(depth >= 1 && depth <= VIA_SMT_MAX_DEPTH);
    via_smt *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->depth = depth;
    t->cap = 64;
    t->slots = calloc(t->cap, sizeof *t->slots);
    if (!t->slots) {
        free(t);
        return NULL;
    }
    via_smt_empty_hash(0);
    return t;
}

void via_smt_free(via_smt *t) {
    if (!t) return;
    free(t->slots);
    free(t);
}

unsigned via_smt_depth(const via_smt *t) {
    return t->depth;
}

uint64_t via_smt_capacity(const via_smt *t) {
    return (uint64_t)1 << (4 * t->depth);
}

void via_smt_root(const via_smt *t, via_fr *root) {
    *root = *lookup(t, t->depth, 0);
}

static int check_id(const via_smt *t, uint64_t id, via_error *err) {
    if (id >= via_smt_capacity(t))
        return via_fail(err, VIA_EINVAL,
                        "account id %llu is outside the tree (depth %u holds ids below %llu)",
                        (unsigned long long)id, t->depth, (unsigned long long)via_smt_capacity(t));
    return VIA_OK;
}

int via_smt_get(const via_smt *t, uint64_t id, via_fr *leaf, via_error *err) {
    via_fr_set_zero(leaf);
    int rc = check_id(t, id, err);
    if (rc) return rc;
    *leaf = *lookup(t, 0, id);
    return VIA_OK;
}

int via_smt_set(via_smt *t, uint64_t id, const via_fr *leaf, via_error *err) {
    int rc = check_id(t, id, err);
    if (rc) return rc;
    /* At most depth + 1 new slots; grow first so the update cannot fail half-way. */
    while ((t->used + t->depth + 1) * 2 > t->cap)
        if (grow(t))
            return via_fail(err, VIA_ENOMEM,
                            "sparse Merkle tree: cannot grow node table past %zu slots", t->cap);
    store(t, 0, id, leaf);
    for (unsigned k = 1; k <= t->depth; k++) {
        uint64_t parent = id >> (4 * k);
        via_fr ch[VIA_SMT_ARITY], h;
        for (unsigned c = 0; c < VIA_SMT_ARITY; c++)
            ch[c] = *lookup(t, k - 1, parent * VIA_SMT_ARITY + c);
        rc = via_poseidon(&h, ch, VIA_SMT_ARITY);
        assert(rc == 0);
        store(t, k, parent, &h);
    }
    return VIA_OK;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int via_smt_set_many(via_smt *t, const uint64_t *ids, const via_fr *leaves, size_t n,
                     via_error *err) {
    if (n == 0) return VIA_OK;
    for (size_t i = 0; i < n; i++) {
        int rc = check_id(t, ids[i], err);
        if (rc) return rc;
    }
    uint64_t *idx = malloc(n * sizeof *idx);
    via_fr *st = malloc(n * (VIA_SMT_ARITY + 1) * sizeof *st);
    via_fr **sp = malloc(n * sizeof *sp);
    int grown = 1;
    while (grown && (t->used + n * ((size_t)t->depth + 1)) * 2 > t->cap)
        grown = grow(t) == 0;
    if (!idx || !st || !sp || !grown) {
        free(idx);
        free(st);
        free(sp);
        return via_fail(err, VIA_ENOMEM, "sparse Merkle tree: no memory to set %zu leaves", n);
    }
    for (size_t i = 0; i < n; i++) {
        store(t, 0, ids[i], &leaves[i]);
        idx[i] = ids[i];
    }
    qsort(idx, n, sizeof *idx, cmp_u64);
    size_t m = n;
    for (unsigned k = 1; k <= t->depth; k++) {
        /* the distinct parents at level k, still sorted */
        size_t w = 0;
        for (size_t i = 0; i < m; i++) {
            uint64_t p = idx[i] >> 4;
            if (w == 0 || idx[w - 1] != p) idx[w++] = p;
        }
        m = w;
        for (size_t i = 0; i < m; i++) {
            via_fr *s = st + i * (VIA_SMT_ARITY + 1);
            via_fr_set_zero(&s[0]);
            for (unsigned c = 0; c < VIA_SMT_ARITY; c++)
                s[1 + c] = *lookup(t, k - 1, idx[i] * VIA_SMT_ARITY + c);
            sp[i] = s;
        }
        via_poseidon_permute_many(sp, VIA_SMT_ARITY + 1, 1, NULL, m);
        for (size_t i = 0; i < m; i++)
            store(t, k, idx[i], &sp[i][0]);
    }
    free(idx);
    free(st);
    free(sp);
    return VIA_OK;
}

void via_smt_node(const via_smt *t, unsigned level, uint64_t index, via_fr *out) {
    assert(level <= t->depth);
    assert(4 * (t->depth - level) >= 64 || (index >> (4 * (t->depth - level))) == 0);
    *out = *lookup(t, level, index);
}

int via_smt_prove(const via_smt *t, uint64_t id, via_smt_proof *proof, via_error *err) {
    memset(proof, 0, sizeof *proof);
    int rc = check_id(t, id, err);
    if (rc) return rc;
    proof->depth = t->depth;
    for (unsigned i = 0; i < t->depth; i++) {
        uint64_t node = id >> (4 * i);
        unsigned pos = (unsigned)(node & 15), n = 0;
        proof->pos[i] = (uint8_t)pos;
        for (unsigned c = 0; c < VIA_SMT_ARITY; c++)
            if (c != pos) proof->sib[i][n++] = *lookup(t, i, (node & ~(uint64_t)15) + c);
    }
    return VIA_OK;
}

void via_smt_root_from_proof(via_fr *root, const via_fr *leaf, const via_smt_proof *proof) {
    assert(proof->depth >= 1 && proof->depth <= VIA_SMT_MAX_DEPTH);
    via_fr cur = *leaf;
    for (unsigned i = 0; i < proof->depth; i++) {
        unsigned pos = proof->pos[i];
        assert(pos < VIA_SMT_ARITY);
        via_fr ch[VIA_SMT_ARITY];
        for (unsigned c = 0, n = 0; c < VIA_SMT_ARITY; c++)
            ch[c] = c == pos ? cur : proof->sib[i][n++];
        int rc = via_poseidon(&cur, ch, VIA_SMT_ARITY);
        assert(rc == 0);
        (void)rc;
    }
    *root = cur;
}

int via_smt_verify_proof(const via_fr *root, uint64_t id, const via_fr *leaf,
                         const via_smt_proof *proof, via_error *err) {
    if (proof->depth < 1 || proof->depth > VIA_SMT_MAX_DEPTH)
        return via_fail(err, VIA_EVERIFY, "Merkle proof: depth %u is outside 1..%d", proof->depth,
                        VIA_SMT_MAX_DEPTH);
    if (proof->depth < 16 && (id >> (4 * proof->depth)) != 0)
        return via_fail(err, VIA_EVERIFY, "Merkle proof: account id %llu does not fit depth %u",
                        (unsigned long long)id, proof->depth);
    for (unsigned i = 0; i < proof->depth; i++)
        if (proof->pos[i] != ((id >> (4 * i)) & 15))
            return via_fail(err, VIA_EVERIFY,
                            "Merkle proof: position at level %u is %u, account id %llu needs %u", i,
                            proof->pos[i], (unsigned long long)id,
                            (unsigned)((id >> (4 * i)) & 15));
    via_fr r;
    via_smt_root_from_proof(&r, leaf, proof);
    if (!via_fr_eq(&r, root))
        return via_fail(err, VIA_EVERIFY,
                        "Merkle proof: recomputed root differs from the expected root");
    return VIA_OK;
}
