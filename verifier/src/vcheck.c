/* A verifier's batch check and replay; see via/vcheck.h and docs/protocol.md. */
#include "via/vcheck.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "via/babyjub.h"
#include "via/chunk.h"
#include "via/smt.h"

typedef struct {
    uint64_t id;
    int exists;
    via_fr x, y;
    uint64_t balance, nonce;
} vacct;

typedef struct {
    vacct old;
    int had; /* the map held the id before */
} vjournal;

static void rollback(via_vstate *s);

struct via_vstate {
    unsigned depth;
    via_smt *tree;
    vacct *slots; /* open addressing on id; exists = 0 and id = UINT64_MAX: empty */
    size_t cap, n;
    vjournal *j; /* changes of the batch being checked */
    size_t nj, capj;
    /* accounts changed since the tree was last brought up to date (flush): their leaves are
     * set together, one hash per changed node, when a root is read */
    uint64_t *dirty;
    size_t ndirty, capdirty;
};

static size_t slot_of(const via_vstate *s, uint64_t id) {
    size_t i = (size_t)(id * 0x9e3779b97f4a7c15ULL) & (s->cap - 1);
    while (s->slots[i].id != UINT64_MAX && s->slots[i].id != id)
        i = (i + 1) & (s->cap - 1);
    return i;
}

static vacct *find(const via_vstate *s, uint64_t id) {
    if (!s->cap) return NULL;
    vacct *a = &s->slots[slot_of(s, id)];
    return a->id == id ? a : NULL;
}

static int grow(via_vstate *s) {
    size_t cap = s->cap ? 2 * s->cap : 1024;
    vacct *n = malloc(cap * sizeof *n);
    if (!n) return -1;
    for (size_t i = 0; i < cap; i++)
        n[i].id = UINT64_MAX;
    vacct *old = s->slots;
    size_t oc = s->cap;
    s->slots = n;
    s->cap = cap;
    for (size_t i = 0; i < oc; i++)
        if (old[i].id != UINT64_MAX) s->slots[slot_of(s, old[i].id)] = old[i];
    free(old);
    return 0;
}

/* The account of id for writing (created empty), its old value journaled once per batch. */
static vacct *touch(via_vstate *s, uint64_t id, int journal) {
    vacct *a = find(s, id);
    if (journal) {
        if (s->nj == s->capj) {
            size_t nc = s->capj ? 2 * s->capj : 64;
            vjournal *n = realloc(s->j, nc * sizeof *n);
            if (!n) return NULL;
            s->j = n;
            s->capj = nc;
        }
        vjournal *e = &s->j[s->nj++];
        memset(e, 0, sizeof *e);
        e->had = a != NULL;
        if (a) e->old = *a;
        e->old.id = id;
    }
    if (a) return a;
    if (2 * (s->n + 1) > s->cap && grow(s)) return NULL;
    a = &s->slots[slot_of(s, id)];
    memset(a, 0, sizeof *a);
    a->id = id;
    s->n++;
    return a;
}

static void out_of_memory(const char *what) {
    fprintf(stderr, "via: out of memory (%s)\n", what);
    abort();
}

/* Marks a's leaf for the next flush. */
static int set_leaf(via_vstate *s, const vacct *a, via_error *err) {
    (void)err;
    if (s->ndirty == s->capdirty) {
        size_t nc = s->capdirty ? 2 * s->capdirty : 256;
        uint64_t *n = realloc(s->dirty, nc * sizeof *n);
        if (!n) out_of_memory("changed accounts");
        s->dirty = n;
        s->capdirty = nc;
    }
    s->dirty[s->ndirty++] = a->id;
    return VIA_OK;
}

static int dirty_get(void *ud, size_t i, via_fr *x, via_fr *y, uint64_t *bal, uint64_t *nonce) {
    const via_vstate *s = ud;
    const vacct *a = find(s, s->dirty[i]);
    if (!a || !a->exists) return 0;
    *x = a->x;
    *y = a->y;
    *bal = a->balance;
    *nonce = a->nonce;
    return 1;
}

/* Sets the leaves of the accounts changed since the last flush from their current values. */
static void flush(via_vstate *s) {
    if (!s->ndirty) return;
    via_fr *leaves = malloc(s->ndirty * sizeof *leaves);
    if (!leaves) out_of_memory("leaves");
    via_error e = {0};
    if (via_smt_account_leaves(leaves, s->ndirty, dirty_get, s, &e) ||
        via_smt_set_many(s->tree, s->dirty, leaves, s->ndirty, &e))
        out_of_memory(e.msg);
    free(leaves);
    s->ndirty = 0;
}

via_vstate *via_vstate_new(unsigned depth) {
    if (depth < 1 || depth > 8) return NULL;
    via_vstate *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->depth = depth;
    s->tree = via_smt_new(depth);
    if (!s->tree || grow(s)) {
        via_vstate_free(s);
        return NULL;
    }
    return s;
}

void via_vstate_free(via_vstate *s) {
    if (!s) return;
    via_smt_free(s->tree);
    free(s->dirty);
    free(s->slots);
    free(s->j);
    free(s);
}

void via_vstate_root(via_vstate *s, via_fr *root) {
    flush(s);
    via_smt_root(s->tree, root);
}

int via_vstate_account(const via_vstate *s, uint64_t id, via_fr *x, via_fr *y, uint64_t *balance,
                       uint64_t *nonce) {
    const vacct *a = find(s, id);
    if (!a || !a->exists) return 0;
    if (x) *x = a->x;
    if (y) *y = a->y;
    if (balance) *balance = a->balance;
    if (nonce) *nonce = a->nonce;
    return 1;
}

static int key_ok(const via_fr *x, const via_fr *y) {
    via_babyjub_point p = {*x, *y};
    return via_babyjub_on_curve(&p) && via_babyjub_in_subgroup_var(&p);
}

int via_vstate_genesis(via_vstate *s, uint64_t id, const via_fr *x, const via_fr *y,
                       uint64_t balance, via_error *err) {
    if (id >= via_smt_capacity(s->tree))
        return via_fail(err, VIA_EINVAL, "genesis account %llu is beyond the tree",
                        (unsigned long long)id);
    if (find(s, id) && find(s, id)->exists)
        return via_fail(err, VIA_EINVAL, "genesis account %llu is listed twice",
                        (unsigned long long)id);
    if (!key_ok(x, y))
        return via_fail(err, VIA_EINVAL, "genesis account %llu: not a BabyJubJub subgroup key",
                        (unsigned long long)id);
    vacct *a = touch(s, id, 0);
    if (!a) return via_fail(err, VIA_ENOMEM, "accounts");
    a->exists = 1;
    a->x = *x;
    a->y = *y;
    a->balance = balance;
    a->nonce = 0;
    return set_leaf(s, a, err);
}

void via_vstate_undo(via_vstate *s) {
    rollback(s);
}

void via_vbatch_free(via_vbatch *b) {
    if (!b) return;
    free(b->commitments);
    memset(b, 0, sizeof *b);
}

/* ---- parsing ---- */
static uint64_t be(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static int fr_be(via_fr *out, const uint8_t *p, size_t n) {
    uint8_t le[32] = {0};
    for (size_t i = 0; i < n; i++)
        le[i] = p[n - 1 - i];
    return via_fr_from_bytes_le(out, le) == 0;
}

static int zero(const uint8_t *p, size_t n) {
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

typedef struct {
    int type;
    uint64_t a, b, amount, fee;
    unsigned dest_len;
    uint8_t txid[32];
    uint32_t vout;
    via_fr x, y;
} vslot;

/* Offsets inside a slot: header 0..30, cell1 31..62, cell2 63..94, cell3 95..125, cell4
 * 126..156. Every field a type does not use must be zero. */
static const char *parse_slot(vslot *s, const uint8_t *p) {
    memset(s, 0, sizeof *s);
    s->type = p[0];
    s->a = be(p + 1, 4);
    s->b = be(p + 5, 4);
    s->amount = be(p + 9, 8);
    s->fee = be(p + 17, 8);
    s->dest_len = p[25];
    s->vout = (uint32_t)be(p + 27, 4);
    switch (s->type) {
    case 0:
        return zero(p, 157) ? NULL : "bad_pubdata";
    case 1:
        if (s->b || s->fee || s->dest_len || !zero(p + 126, 31)) return "bad_pubdata";
        if (!fr_be(&s->x, p + 31, 32) || !fr_be(&s->y, p + 63, 32)) return "bad_pubdata";
        memcpy(s->txid, p + 95, 31);
        s->txid[31] = p[26];
        return NULL;
    case 2:
        return s->dest_len || p[26] || s->vout || !zero(p + 31, 126) ? "bad_pubdata" : NULL;
    case 3: {
        if (s->b || p[26] || s->vout || !zero(p + 31, 64) || s->dest_len < 1 || s->dest_len > 62)
            return "bad_pubdata";
        uint8_t dest[62];
        memcpy(dest, p + 95, 31);
        memcpy(dest + 31, p + 126, 31);
        return zero(dest + s->dest_len, 62 - s->dest_len) ? NULL : "bad_pubdata";
    }
    default:
        return "bad_pubdata";
    }
}

/* The rule refusing deposit d on the current state, or NULL when it is to be credited
 * (docs/protocol.md "Deposits"). */
static const char *refusal(const via_vstate *s, const via_vdeposit *d, uint64_t *to, via_fr *x,
                           via_fr *y) {
    *to = be(d->receiver, 4);
    via_babyjub_point p;
    via_error e = {0};
    if (via_babyjub_unpack_var(&p, d->receiver + 4, &e) || !via_babyjub_in_subgroup_var(&p))
        return "bad_deposit_key";
    *x = p.x;
    *y = p.y;
    if (*to >= via_smt_capacity(s->tree)) return "bad_deposit_account";
    const vacct *a = find(s, *to);
    if (a && a->exists) {
        if (!via_fr_eq(&a->x, x) || !via_fr_eq(&a->y, y)) return "deposit_key_mismatch";
        if (a->balance + d->amount < a->balance) return "balance_overflow";
    }
    return NULL;
}

static int apply_slot(via_vstate *s, const vslot *t, uint64_t *fees, via_error *err) {
    vacct *a;
    switch (t->type) {
    case 1:
        if (!(a = touch(s, t->a, 1))) return VIA_ENOMEM;
        if (a->exists) {
            if (!via_fr_eq(&a->x, &t->x) || !via_fr_eq(&a->y, &t->y) ||
                a->balance + t->amount < a->balance)
                return VIA_EVERIFY;
            a->balance += t->amount;
        } else {
            if (t->a >= via_smt_capacity(s->tree) || !key_ok(&t->x, &t->y)) return VIA_EVERIFY;
            a->exists = 1;
            a->x = t->x;
            a->y = t->y;
            a->balance = t->amount;
            a->nonce = 0;
        }
        return set_leaf(s, a, err) ? VIA_ENOMEM : VIA_OK;
    case 2:
    case 3: {
        a = find(s, t->a);
        uint64_t total = t->amount + t->fee;
        if (!a || !a->exists || total < t->amount || a->balance < total || a->nonce == UINT64_MAX)
            return VIA_EVERIFY;
        if (!(a = touch(s, t->a, 1))) return VIA_ENOMEM;
        a->balance -= total;
        a->nonce++;
        if (set_leaf(s, a, err)) return VIA_ENOMEM;
        if (*fees + t->fee < *fees) return VIA_EVERIFY;
        *fees += t->fee;
        if (t->type == 3) return VIA_OK;
        vacct *b = find(s, t->b);
        if (!b || !b->exists || b->balance + t->amount < b->balance) return VIA_EVERIFY;
        if (!(b = touch(s, t->b, 1))) return VIA_ENOMEM;
        b->balance += t->amount;
        return set_leaf(s, b, err) ? VIA_ENOMEM : VIA_OK;
    }
    default:
        return VIA_OK;
    }
}

static void rollback(via_vstate *s) {
    via_error e = {0};
    for (size_t i = s->nj; i-- > 0;) {
        vjournal *j = &s->j[i];
        vacct *a = find(s, j->old.id);
        if (!a) continue;
        if (j->had) {
            *a = j->old;
        } else {
            a->exists = 0;
            a->balance = a->nonce = 0;
        }
        (void)set_leaf(s, a, &e); /* the tree follows at the next flush */
    }
    s->nj = 0;
}

static int fail_rule(const char **rule, const char *r, via_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_rule(const char **rule, const char *r, via_error *err, const char *fmt, ...) {
    *rule = r;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return via_fail(err, VIA_EVERIFY, "%s: %s", r, msg);
}

int via_vcheck_batch(via_vstate *st, const uint8_t *blob, size_t len, uint64_t number,
                     const uint8_t prev_hash[32], const uint8_t inscribed[32],
                     const via_vdeposit *pending, size_t npending, via_vbatch *out,
                     const char **rule, via_error *err) {
    memset(out, 0, sizeof *out);
    *rule = NULL;
    if (len < 160) return fail_rule(rule, "bad_blob", err, "%zu bytes: no batch header", len);
    const uint8_t *h = blob;
    unsigned int hl = 32;
    EVP_Digest(h, 160, out->header_hash, &hl, EVP_blake2s256(), NULL);
    if (memcmp(out->header_hash, inscribed, 32))
        return fail_rule(rule, "header_hash_mismatch", err,
                         "the blob's header does not hash to the inscribed batch hash");
    out->number = be(h, 8);
    out->chunks = (uint32_t)be(h + 136, 4);
    out->slots = (uint32_t)be(h + 140, 4);
    out->first_priority = be(h + 144, 8);
    out->last_priority = be(h + 152, 8);
    if (out->number != number)
        return fail_rule(rule, "batch_number", err, "header says batch %llu, expected %llu",
                         (unsigned long long)out->number, (unsigned long long)number);
    if (memcmp(h + 8, prev_hash, 32))
        return fail_rule(rule, "prev_hash_mismatch", err,
                         "the header's previous hash is not batch %llu's",
                         (unsigned long long)number - 1);
    via_fr hb, ha, mine;
    if (!fr_be(&hb, h + 40, 32) || !fr_be(&ha, h + 72, 32))
        return fail_rule(rule, "bad_blob", err, "a header root is not below r");
    via_vstate_root(st, &mine);
    if (!via_fr_eq(&hb, &mine))
        return fail_rule(rule, "root_before_mismatch", err,
                         "the header's root before is not the state after batch %llu",
                         (unsigned long long)number - 1);
    if (!via_chunk_slots_valid(out->slots) || out->chunks < 1 || out->chunks > 4096 ||
        len != 160 + (size_t)157 * out->slots * out->chunks)
        return fail_rule(rule, "bad_blob", err, "%u chunks of %u slots do not make a %zu-byte blob",
                         out->chunks, out->slots, len);
    const uint8_t *pd = blob + 160;
    size_t pdlen = len - 160;
    uint8_t ph[32];
    EVP_Digest(pd, pdlen, ph, &hl, EVP_blake2s256(), NULL);
    if (memcmp(ph, h + 104, 32))
        return fail_rule(rule, "pubdata_hash_mismatch", err,
                         "the pubdata does not hash to the header's pubdata hash");
    /* the deposits the header says the batch consumed */
    size_t nconsumed = 0;
    if (out->first_priority || out->last_priority) {
        if (out->first_priority > out->last_priority || !out->first_priority)
            return fail_rule(rule, "bad_blob", err, "priority range %llu..%llu",
                             (unsigned long long)out->first_priority,
                             (unsigned long long)out->last_priority);
        if (!npending || pending[0].priority_id != out->first_priority)
            return fail_rule(
                rule,
                npending && out->first_priority > pending[0].priority_id ? "deposit_missing"
                                                                         : "deposit_extra",
                err, "the batch starts at deposit %llu, the next confirmed one is %llu",
                (unsigned long long)out->first_priority,
                (unsigned long long)(npending ? pending[0].priority_id : 0));
        for (nconsumed = 0; nconsumed < npending; nconsumed++)
            if (pending[nconsumed].priority_id == out->last_priority) break;
        if (nconsumed == npending)
            return fail_rule(rule, "deposit_extra", err,
                             "deposit %llu is not a confirmed bridge deposit",
                             (unsigned long long)out->last_priority);
        nconsumed++;
    }
    out->deposits_consumed = nconsumed;
    out->commitments = calloc(out->chunks, sizeof *out->commitments);
    if (!out->commitments) return via_fail(err, VIA_ENOMEM, "commitments");
    st->nj = 0;
    int rc = VIA_OK;
    size_t dk = 0;         /* next consumed deposit */
    int deposits_done = 0; /* a non-deposit slot was seen: the deposit phase is over */
    for (uint32_t c = 0; c < out->chunks && !rc; c++) {
        via_fr rb, ra;
        via_vstate_root(st, &rb);
        uint64_t fees = 0;
        for (uint32_t i = 0; i < out->slots && !rc; i++) {
            size_t si = (size_t)c * out->slots + i;
            vslot t;
            const char *r = parse_slot(&t, pd + si * 157);
            if (r) {
                rc = fail_rule(rule, r, err, "slot %zu is malformed", si);
                break;
            }
            if (t.type == 1) {
                if (deposits_done) {
                    rc = fail_rule(rule, "deposit_order", err,
                                   "slot %zu: a deposit after other transactions", si);
                    break;
                }
                uint64_t to;
                via_fr x, y;
                while (dk < nconsumed && refusal(st, &pending[dk], &to, &x, &y))
                    dk++;
                if (dk == nconsumed) {
                    rc = fail_rule(rule, "deposit_extra", err,
                                   "slot %zu credits a deposit the batch did not consume", si);
                    break;
                }
                const via_vdeposit *d = &pending[dk++];
                if (t.a != to || t.amount != d->amount || t.vout != d->vout ||
                    memcmp(t.txid, d->txid, 32) || !via_fr_eq(&t.x, &x) || !via_fr_eq(&t.y, &y)) {
                    rc = fail_rule(rule, "deposit_mismatch", err,
                                   "slot %zu does not credit deposit %llu as confirmed on Bitcoin",
                                   si, (unsigned long long)d->priority_id);
                    break;
                }
                out->deposits_credited++;
            } else if (!deposits_done) {
                deposits_done = 1;
                uint64_t to;
                via_fr x, y;
                while (dk < nconsumed && refusal(st, &pending[dk], &to, &x, &y))
                    dk++;
                if (dk < nconsumed) {
                    rc = fail_rule(rule, "deposit_missing", err,
                                   "deposit %llu was consumed but neither credited nor refusable",
                                   (unsigned long long)pending[dk].priority_id);
                    break;
                }
            }
            if (t.type == 3) out->withdrawals++;
            int ar = apply_slot(st, &t, &fees, err);
            if (ar == VIA_ENOMEM) rc = via_fail(err, VIA_ENOMEM, "replay");
            if (ar == VIA_EVERIFY)
                rc = fail_rule(rule, "replay_failed", err,
                               "slot %zu (type %d) breaks the slot rules on the replayed state", si,
                               t.type);
        }
        if (rc) break;
        if (fees) {
            vacct *op = find(st, 0);
            if (!op || !op->exists || op->balance + fees < op->balance) {
                rc = fail_rule(rule, "replay_failed", err,
                               "chunk %u: the fees cannot be credited to account 0", c);
                break;
            }
            if (!(op = touch(st, 0, 1))) {
                rc = via_fail(err, VIA_ENOMEM, "replay");
                break;
            }
            op->balance += fees;
            if (set_leaf(st, op, err)) {
                rc = via_fail(err, VIA_ENOMEM, "replay");
                break;
            }
        }
        via_vstate_root(st, &ra);
        via_error ce = {0};
        int cr = via_chunk_commitment(&out->commitments[c], number, c, &rb, &ra,
                                      pd + (size_t)c * out->slots * 157, out->slots, &ce);
        if (cr == VIA_EFORMAT)
            rc = fail_rule(rule, "bad_pubdata", err, "%s", ce.msg);
        else if (cr)
            rc = via_fail(err, cr, "%s", ce.msg);
    }
    if (!rc && !deposits_done) {
        /* only deposits: the remaining consumed ones must all be refusable */
        uint64_t to;
        via_fr x, y;
        while (dk < nconsumed && refusal(st, &pending[dk], &to, &x, &y))
            dk++;
        if (dk < nconsumed)
            rc = fail_rule(rule, "deposit_missing", err,
                           "deposit %llu was consumed but neither credited nor refusable",
                           (unsigned long long)pending[dk].priority_id);
    }
    if (!rc) {
        via_vstate_root(st, &mine);
        if (!via_fr_eq(&mine, &ha))
            rc = fail_rule(rule, "root_after_mismatch", err,
                           "the replayed root is not the header's root after");
    }
    if (rc) {
        rollback(st);
        via_vbatch_free(out);
        return rc;
    }
    out->root_before = hb;
    out->root_after = ha;
    return VIA_OK; /* the journal stays until the next check: via_vstate_undo */
}

int via_vcheck_proof(const via_srs *srs, const via_groth16_vk *vk, const via_vbatch *b,
                     const uint8_t *proof, size_t len, const char **rule, via_error *err) {
    *rule = NULL;
    if (vk->n_public != 1)
        return via_fail(err, VIA_EINVAL, "the verifying key has %u public inputs, not 1",
                        (unsigned)vk->n_public);
    via_aggregate agg;
    via_error de = {0};
    if (via_aggregate_decode(&agg, "proof", proof, len, &de))
        return fail_rule(rule, "proof_malformed", err, "%s", de.msg);
    if (agg.n != b->chunks)
        return fail_rule(rule, "proof_malformed", err, "the proof aggregates %u proofs, not %u",
                         agg.n, b->chunks);
    via_scalar *pub = calloc(b->chunks, sizeof *pub);
    const via_scalar **pubs = calloc(b->chunks, sizeof *pubs);
    if (!pub || !pubs) {
        free(pub);
        free(pubs);
        return via_fail(err, VIA_ENOMEM, "public inputs");
    }
    for (uint32_t i = 0; i < b->chunks; i++) {
        via_fr_to_canon(pub[i].l, &b->commitments[i]);
        pubs[i] = &pub[i];
    }
    via_error ve = {0};
    int rc = via_aggregate_verify(srs, vk, pubs, b->chunks, &agg, &ve);
    free(pub);
    free(pubs);
    if (rc == VIA_EVERIFY) return fail_rule(rule, "proof_invalid", err, "%s", ve.msg);
    if (rc) return via_fail(err, rc, "%s", ve.msg);
    return VIA_OK;
}
