/*
 * Native witness generation for the chunk circuit: parse the compact JSON input
 * (docs/protocol.md, "Chunk witness input"), rebuild the part of the state tree that the
 * listed Merkle paths cover, execute the transactions natively with every protocol rule
 * checked, and record for each slot the values the circuit needs (old account states and
 * their paths at the moment of each update). The circuit code then runs once in witness mode
 * over those values; it never solves constraints.
 *
 * The partial tree is a hash map from (level, index) to node value. Every listed account
 * contributes its leaf, its siblings and the nodes its path computes; overlapping paths must
 * agree. Since every account a transaction touches is listed, every sibling an update needs
 * is in the map.
 *
 * Speed. The Poseidon hashes are computed in batches (eight at a time in vector lanes where the
 * CPU has IFMA) and remembered with their S-box traces in a memo, from which the circuit's
 * hash gadgets copy them: the pre-state paths are rebuilt level by level across accounts, the
 * leaf updates are recorded during execution and their paths rehashed afterwards level by level
 * (replay), and the signatures are checked after execution in one batch through the EdDSA
 * gadget's own precomputed points, which the circuit then reuses. Violations are still
 * reported in execution order (pending signature checks run before any other violation).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "via/babyjub.h"
#include "via/eddsa.h"
#include "via/poseidon.h"
#include "via/l2tx.h"
#include "via/runtime.h"
#include <errno.h>
#include <unistd.h>
#include "via/file.h"
#include "via/rollup_json.h"
#include "via/hex.h"
#include "chunk_internal.h"
#include "via/gadgets_babyjub.h"

/* Memory for the Poseidon memo of one chunk (each remembered t = 17 hash takes ~20 KiB): all
 * of a chunk's Merkle hashes for chunks up to ~100 slots; larger chunks recompute the rest. */
#define CHUNK_MEMO_BYTES ((size_t)64 << 20)

typedef struct {
    uint64_t id;
    unsigned empty;
    via_fr pkx, pky, bal, nonce;
    via_fr sib[VIA_CHUNK_MAX_DEPTH][15]; /* full form only */
} in_acct;

/* A node of the compact form: off every listed path, its parent on one. */
typedef struct {
    unsigned level;
    uint64_t index;
    via_fr val;
} in_node;

typedef struct {
    unsigned type;
    uint64_t from, to, amount, fee, nonce, vout;
    via_fr pkx, pky;
    uint8_t txid[32];
    uint8_t dest[VIA_L2TX_MAX_SCRIPT];
    size_t dest_len;
    via_eddsa_sig sig;
} in_tx;

struct via_chunk_input {
    unsigned slots, depth;
    uint64_t batch, chunk;
    int has_root;
    via_fr root_before;
    in_acct *acc;
    size_t nacc;
    int compact; /* accounts without siblings; these come from nodes and the paths */
    in_node *nodes;
    size_t nnodes;
    in_tx *tx;
    size_t ntx;
};

static const char *const g_type_names[4] = {"noop", "deposit", "transfer", "withdraw"};

/* ------------------------------------------------------------------ JSON */

static int j_u64(uint64_t *out, json_t *o, const char *key, const char *name, const char *where,
                 int required, via_error *err) {
    json_t *v = json_object_get(o, key);
    *out = 0;
    if (!v) {
        if (!required) return 0;
        return via_fail(err, VIA_EFORMAT, "%s: %s: missing \"%s\"", name, where, key);
    }
    const char *why;
    if (via_json_to_u64(v, out, &why))
        return via_fail(err, VIA_EFORMAT, "%s: %s.%s: %s", name, where, key, why);
    return 0;
}

/* Every key of o must be one of allowed (NULL-terminated): an unknown field is an error, so a
 * misspelt one ("root_befor") cannot silently switch a check off. */
static int only_keys(json_t *o, const char *const *allowed, const char *name, const char *where,
                     const char *what, via_error *err) {
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = !strcmp(*a, key);
        if (ok) continue;
        char list[256] = "";
        for (const char *const *a = allowed; *a; a++) {
            if (list[0]) strncat(list, ", ", sizeof list - strlen(list) - 1);
            strncat(list, *a, sizeof list - strlen(list) - 1);
        }
        return via_fail(err, VIA_EFORMAT, "%s: %s: unknown field \"%.40s\" (%s has: %s)", name,
                        where, key, what, list);
    }
    return 0;
}

static int j_fr_val(via_fr *out, json_t *v, const char *name, const char *where, via_error *err) {
    if (!json_is_string(v) || via_fr_from_decimal(out, json_string_value(v)) != 0)
        return via_fail(err, VIA_EFORMAT, "%s: %s: expected a decimal string below r", name, where);
    return 0;
}

static int j_fr(via_fr *out, json_t *o, const char *key, const char *name, const char *where,
                via_error *err) {
    char w[160];
    snprintf(w, sizeof w, "%s.%s", where, key);
    json_t *v = json_object_get(o, key);
    if (!v) return via_fail(err, VIA_EFORMAT, "%s: %s: missing", name, w);
    return j_fr_val(out, v, name, w, err);
}

static int j_point(via_fr *x, via_fr *y, json_t *o, const char *key, const char *name,
                   const char *where, via_error *err) {
    char w[160];
    snprintf(w, sizeof w, "%s.%s", where, key);
    json_t *p = json_object_get(o, key);
    if (!json_is_object(p))
        return via_fail(err, VIA_EFORMAT, "%s: %s: expected {\"x\", \"y\"}", name, w);
    static const char *const keys[] = {"x", "y", NULL};
    int rc = only_keys(p, keys, name, w, "a point", err);
    if (rc) return rc;
    rc = j_fr(x, p, "x", name, w, err);
    return rc ? rc : j_fr(y, p, "y", name, w, err);
}

static int j_hex(uint8_t *out, size_t *len, size_t min, size_t max, json_t *o, const char *key,
                 const char *name, const char *where, via_error *err) {
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        return via_fail(err, VIA_EFORMAT, "%s: %s: missing hex string \"%s\"", name, where, key);
    const char *s = json_string_value(v);
    size_t n = strlen(s);
    if (n % 2 || n / 2 < min || n / 2 > max)
        return via_fail(err, VIA_EFORMAT, "%s: %s.%s: expected %zu to %zu bytes of hex", name,
                        where, key, min, max);
    for (size_t i = 0; i < n / 2; i++) {
        int h = via_hexval((unsigned char)s[2 * i]), l = via_hexval((unsigned char)s[2 * i + 1]);
        if (h < 0 || l < 0)
            return via_fail(err, VIA_EFORMAT, "%s: %s.%s: not hex", name, where, key);
        out[i] = (uint8_t)(h << 4 | l);
    }
    *len = n / 2;
    return 0;
}

static int parse_account(in_acct *a, json_t *o, unsigned depth, int compact, const char *name,
                         const char *where, via_error *err) {
    int rc;
    if (!json_is_object(o))
        return via_fail(err, VIA_EFORMAT, "%s: %s: expected an object", name, where);
    static const char *const keys[] = {"id", "pubkey", "balance", "nonce", "siblings", NULL};
    if ((rc = only_keys(o, keys, name, where, "an account", err))) return rc;
    if ((rc = j_u64(&a->id, o, "id", name, where, 1, err))) return rc;
    if (a->id >> (4 * depth))
        return via_fail(err, VIA_EINVAL, "%s: %s.id: %llu does not fit a tree of depth %u", name,
                        where, (unsigned long long)a->id, depth);
    json_t *pk = json_object_get(o, "pubkey");
    uint64_t bal = 0, nonce = 0;
    if (!pk || json_is_null(pk)) {
        a->empty = 1;
        if (json_object_get(o, "balance") || json_object_get(o, "nonce"))
            return via_fail(err, VIA_EFORMAT,
                            "%s: %s: an empty leaf (pubkey null) has no balance or nonce", name,
                            where);
    } else {
        if ((rc = j_point(&a->pkx, &a->pky, o, "pubkey", name, where, err))) return rc;
        if ((rc = j_u64(&bal, o, "balance", name, where, 1, err))) return rc;
        if ((rc = j_u64(&nonce, o, "nonce", name, where, 1, err))) return rc;
    }
    via_fr_set_u64(&a->bal, bal);
    via_fr_set_u64(&a->nonce, nonce);
    json_t *sib = json_object_get(o, "siblings");
    if (compact) {
        if (sib)
            return via_fail(err, VIA_EFORMAT,
                            "%s: %s.siblings: the first account has none (compact form: every "
                            "account's siblings come from nodes), so none may have them",
                            name, where);
        return 0;
    }
    if (!json_is_array(sib) || json_array_size(sib) != depth)
        return via_fail(err, VIA_EFORMAT, "%s: %s.siblings: expected %u levels", name, where,
                        depth);
    for (unsigned l = 0; l < depth; l++) {
        json_t *lv = json_array_get(sib, l);
        if (!json_is_array(lv) || json_array_size(lv) != 15)
            return via_fail(err, VIA_EFORMAT, "%s: %s.siblings[%u]: expected 15 values", name,
                            where, l);
        for (unsigned i = 0; i < 15; i++) {
            char w[160];
            snprintf(w, sizeof w, "%s.siblings[%u][%u]", where, l, i);
            if ((rc = j_fr_val(&a->sib[l][i], json_array_get(lv, i), name, w, err))) return rc;
        }
    }
    return 0;
}

static int parse_sig(via_eddsa_sig *sig, json_t *o, const char *name, const char *where,
                     via_error *err) {
    char w[160];
    snprintf(w, sizeof w, "%s.signature", where);
    json_t *s = json_object_get(o, "signature");
    if (!json_is_object(s))
        return via_fail(err, VIA_EFORMAT, "%s: %s: expected {\"R8x\", \"R8y\", \"S\"}", name, w);
    int rc;
    static const char *const keys[] = {"R8x", "R8y", "S", NULL};
    if ((rc = only_keys(s, keys, name, w, "a signature", err))) return rc;
    if ((rc = j_fr(&sig->r8.x, s, "R8x", name, w, err))) return rc;
    if ((rc = j_fr(&sig->r8.y, s, "R8y", name, w, err))) return rc;
    json_t *sv = json_object_get(s, "S");
    if (!json_is_string(sv) || via_limbs_from_decimal(sig->s, json_string_value(sv)) != 0 ||
        (sig->s[3] >> 61) != 0)
        return via_fail(err, VIA_EFORMAT, "%s: %s.S: expected a decimal string below 2^253", name,
                        w);
    return 0;
}

static int parse_tx(in_tx *t, json_t *o, const char *name, const char *where, via_error *err) {
    int rc;
    memset(t, 0, sizeof *t);
    via_fr_set_one(&t->sig.r8.y); /* identity R8 for unsigned slots */
    if (!json_is_object(o))
        return via_fail(err, VIA_EFORMAT, "%s: %s: expected an object", name, where);
    const char *ty = json_string_value(json_object_get(o, "type"));
    if (!ty) return via_fail(err, VIA_EFORMAT, "%s: %s: missing \"type\"", name, where);
    unsigned k;
    for (k = 0; k < 4; k++)
        if (strcmp(ty, g_type_names[k]) == 0) break;
    if (k == 4)
        return via_fail(err, VIA_EFORMAT, "%s: %s.type: unknown transaction type \"%s\"", name,
                        where, ty);
    t->type = k;
    static const char *const noop_keys[] = {"type", NULL};
    static const char *const deposit_keys[] = {"type", "to",   "amount", "pubkey",
                                               "txid", "vout", "fee",    NULL};
    static const char *const transfer_keys[] = {"type", "from",  "to",        "amount",
                                                "fee",  "nonce", "signature", NULL};
    static const char *const withdraw_keys[] = {"type",  "from", "amount",    "fee",
                                                "nonce", "dest", "signature", NULL};
    static const char *const *const keys[4] = {noop_keys, deposit_keys, transfer_keys,
                                               withdraw_keys};
    static const char *const what[4] = {"a noop", "a deposit", "a transfer", "a withdraw"};
    if ((rc = only_keys(o, keys[k], name, where, what[k], err))) return rc;
    switch (k) {
    case TX_NOOP:
        return 0;
    case TX_DEPOSIT: {
        size_t n;
        /* docs/protocol.md: a deposit's fee is 0; "fee" may be given, as 0 only */
        uint64_t fee = 0;
        if ((rc = j_u64(&fee, o, "fee", name, where, 0, err))) return rc;
        if (fee != 0)
            return via_fail(err, VIA_EINVAL,
                            "%s: %s.fee: %llu, but a deposit pays no fee (it must be 0)", name,
                            where, (unsigned long long)fee);
        if ((rc = j_u64(&t->to, o, "to", name, where, 1, err))) return rc;
        if ((rc = j_u64(&t->amount, o, "amount", name, where, 1, err))) return rc;
        if ((rc = j_point(&t->pkx, &t->pky, o, "pubkey", name, where, err))) return rc;
        if ((rc = j_hex(t->txid, &n, 32, 32, o, "txid", name, where, err))) return rc;
        if ((rc = j_u64(&t->vout, o, "vout", name, where, 1, err))) return rc;
        if (t->vout > UINT32_MAX)
            return via_fail(err, VIA_EFORMAT, "%s: %s.vout: above 2^32 - 1", name, where);
        return 0;
    }
    case TX_TRANSFER:
        if ((rc = j_u64(&t->from, o, "from", name, where, 1, err))) return rc;
        if ((rc = j_u64(&t->to, o, "to", name, where, 1, err))) return rc;
        break;
    case TX_WITHDRAW:
        if ((rc = j_u64(&t->from, o, "from", name, where, 1, err))) return rc;
        if ((rc =
                 j_hex(t->dest, &t->dest_len, 1, VIA_L2TX_MAX_SCRIPT, o, "dest", name, where, err)))
            return rc;
        break;
    }
    if ((rc = j_u64(&t->amount, o, "amount", name, where, 1, err))) return rc;
    if ((rc = j_u64(&t->fee, o, "fee", name, where, 1, err))) return rc;
    if ((rc = j_u64(&t->nonce, o, "nonce", name, where, 1, err))) return rc;
    return parse_sig(&t->sig, o, name, where, err);
}

/* nodes: [[level, index, "value"], ...] in strictly increasing (level, index) order. */
static int parse_nodes(via_chunk_input *in, json_t *nodes, const char *name, via_error *err) {
    const size_t max = (2 * (size_t)in->slots + 1) * in->depth * 15;
    if (!json_is_array(nodes))
        return via_fail(err, VIA_EFORMAT, "%s: nodes: expected an array", name);
    if (!in->compact && json_array_size(nodes))
        return via_fail(err, VIA_EFORMAT,
                        "%s: nodes: given with accounts that carry their siblings (nodes belong "
                        "to the compact form, accounts without siblings)",
                        name);
    if (json_array_size(nodes) > max)
        return via_fail(err, VIA_EINVAL, "%s: nodes: %zu entries, at most %zu can be needed", name,
                        json_array_size(nodes), max);
    in->nnodes = json_array_size(nodes);
    in->nodes = via_xcalloc(in->nnodes ? in->nnodes : 1, sizeof *in->nodes);
    for (size_t i = 0; i < in->nnodes; i++) {
        json_t *e = json_array_get(nodes, i);
        in_node *n = &in->nodes[i];
        char w[64];
        snprintf(w, sizeof w, "nodes[%zu]", i);
        if (!json_is_array(e) || json_array_size(e) != 3 ||
            !json_is_integer(json_array_get(e, 0)) || !json_is_integer(json_array_get(e, 1)))
            return via_fail(err, VIA_EFORMAT,
                            "%s: %s: expected [level, index, \"value\"] with integer level and "
                            "index",
                            name, w);
        json_int_t lv = json_integer_value(json_array_get(e, 0)),
                   ix = json_integer_value(json_array_get(e, 1));
        if (lv < 0 || (uint64_t)lv >= in->depth)
            return via_fail(err, VIA_EINVAL, "%s: %s: level %lld is outside 0..%u", name, w,
                            (long long)lv, in->depth - 1);
        n->level = (unsigned)lv;
        if (ix < 0 || ((uint64_t)ix >> (4 * (in->depth - n->level))) != 0)
            return via_fail(err, VIA_EINVAL,
                            "%s: %s: index %lld does not fit level %u of a tree of "
                            "depth %u",
                            name, w, (long long)ix, n->level, in->depth);
        n->index = (uint64_t)ix;
        int rc = j_fr_val(&n->val, json_array_get(e, 2), name, w, err);
        if (rc) return rc;
        if (i && (n[-1].level > n->level || (n[-1].level == n->level && n[-1].index >= n->index)))
            return via_fail(err, VIA_EFORMAT,
                            "%s: %s: (level %u, index %llu) is not after the previous node "
                            "(strictly increasing level, then index)",
                            name, w, n->level, (unsigned long long)n->index);
    }
    return 0;
}

int via_chunk_input_parse(via_chunk_input **out, const char *name, const char *text, size_t len,
                          via_error *err) {
    *out = NULL;
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return via_fail(err, VIA_EFORMAT, "%s: line %d column %d: %s", name, je.line, je.column,
                        je.text);
    via_chunk_input *in = via_xcalloc(1, sizeof *in);
    int rc = 0;
    uint64_t slots = 0, depth = VIA_CHUNK_DEFAULT_DEPTH;
    if (!json_is_object(root)) rc = via_fail(err, VIA_EFORMAT, "%s: expected a JSON object", name);
    static const char *const top_keys[] = {"slots",    "depth", "batch", "chunk", "root_before",
                                           "accounts", "txs",   "nodes", NULL};
    if (!rc) rc = only_keys(root, top_keys, name, "(top)", "a chunk input", err);
    if (!rc) rc = j_u64(&slots, root, "slots", name, "(top)", 1, err);
    if (!rc) rc = j_u64(&depth, root, "depth", name, "(top)", 0, err);
    if (!rc && !json_object_get(root, "depth")) depth = VIA_CHUNK_DEFAULT_DEPTH;
    if (!rc && !via_chunk_slots_valid(slots))
        rc = via_fail(err, VIA_EINVAL, "%s: slots: %llu is not a protocol chunk size (%s)", name,
                      (unsigned long long)slots, VIA_CHUNK_SLOTS_LIST);
    if (!rc && (depth < 1 || depth > VIA_CHUNK_MAX_DEPTH))
        rc = via_fail(err, VIA_EINVAL, "%s: depth: %llu is outside 1..%u", name,
                      (unsigned long long)depth, VIA_CHUNK_MAX_DEPTH);
    in->slots = (unsigned)slots;
    in->depth = (unsigned)depth;
    if (!rc) rc = j_u64(&in->batch, root, "batch", name, "(top)", 1, err);
    if (!rc) rc = j_u64(&in->chunk, root, "chunk", name, "(top)", 1, err);
    if (!rc && json_object_get(root, "root_before")) {
        in->has_root = 1;
        rc = j_fr(&in->root_before, root, "root_before", name, "(top)", err);
    }
    json_t *acc = json_object_get(root, "accounts"), *txs = json_object_get(root, "txs");
    if (!rc && !json_is_array(acc))
        rc = via_fail(err, VIA_EFORMAT, "%s: accounts: expected an array", name);
    if (!rc && !json_is_array(txs))
        rc = via_fail(err, VIA_EFORMAT, "%s: txs: expected an array", name);
    if (!rc && json_array_size(txs) > in->slots)
        rc = via_fail(err, VIA_EINVAL, "%s: txs: %zu transactions for %u slots", name,
                      json_array_size(txs), in->slots);
    if (!rc && json_array_size(acc) > 2 * (size_t)in->slots + 1)
        rc = via_fail(err, VIA_EINVAL, "%s: accounts: %zu entries, at most %u can be touched", name,
                      json_array_size(acc), 2 * in->slots + 1);
    if (!rc) {
        in->nacc = json_array_size(acc);
        in->acc = via_xcalloc(in->nacc ? in->nacc : 1, sizeof(in_acct));
        /* the first account decides the form: with siblings (full) or without (compact) */
        json_t *a0 = json_array_get(acc, 0);
        in->compact = json_is_object(a0) && !json_object_get(a0, "siblings");
        for (size_t i = 0; !rc && i < in->nacc; i++) {
            char w[64];
            snprintf(w, sizeof w, "accounts[%zu]", i);
            rc = parse_account(&in->acc[i], json_array_get(acc, i), in->depth, in->compact, name, w,
                               err);
            for (size_t j = 0; !rc && j < i; j++)
                if (in->acc[j].id == in->acc[i].id)
                    rc = via_fail(err, VIA_EFORMAT, "%s: %s: account %llu listed twice", name, w,
                                  (unsigned long long)in->acc[i].id);
        }
    }
    if (!rc && json_object_get(root, "nodes"))
        rc = parse_nodes(in, json_object_get(root, "nodes"), name, err);
    if (!rc) {
        in->ntx = json_array_size(txs);
        in->tx = via_xcalloc(in->slots, sizeof(in_tx));
        for (size_t i = 0; i < in->slots; i++)
            via_fr_set_one(&in->tx[i].sig.r8.y);
        for (size_t i = 0; !rc && i < in->ntx; i++) {
            char w[64];
            snprintf(w, sizeof w, "txs[%zu]", i);
            rc = parse_tx(&in->tx[i], json_array_get(txs, i), name, w, err);
        }
    }
    json_decref(root);
    if (rc) {
        via_chunk_input_free(in);
        return rc;
    }
    *out = in;
    return 0;
}

int via_chunk_input_read(via_chunk_input **out, const char *path, via_error *err) {
    *out = NULL;
    uint8_t *buf;
    size_t n;
    int rc = via_read_file(path, VIA_CHUNK_MAX_INPUT_BYTES, &buf, &n, err);
    if (rc) return rc;
    rc = via_chunk_input_parse(out, path, (const char *)buf, n, err);
    free(buf);
    return rc;
}

void via_chunk_input_free(via_chunk_input *in) {
    if (!in) return;
    free(in->acc);
    free(in->nodes);
    free(in->tx);
    free(in);
}

unsigned via_chunk_input_slots(const via_chunk_input *in) {
    return in->slots;
}
unsigned via_chunk_input_depth(const via_chunk_input *in) {
    return in->depth;
}

/* ------------------------------------------------------------------ partial tree */

typedef struct {
    uint64_t key; /* (level << 56 | index) + 1; 0 = empty slot */
    via_fr val;
} node;

typedef struct {
    node *t;
    size_t cap, n;
} nodemap;

static uint64_t mix64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

static node *map_find(nodemap *m, unsigned level, uint64_t index, int insert) {
    uint64_t key = ((uint64_t)level << 56 | index) + 1;
    if (insert && 2 * (m->n + 1) > m->cap) {
        nodemap nm = {via_xcalloc(m->cap * 2, sizeof(node)), m->cap * 2, 0};
        for (size_t i = 0; i < m->cap; i++)
            if (m->t[i].key) {
                size_t j = mix64(m->t[i].key) & (nm.cap - 1);
                while (nm.t[j].key)
                    j = (j + 1) & (nm.cap - 1);
                nm.t[j] = m->t[i];
                nm.n++;
            }
        free(m->t);
        *m = nm;
    }
    size_t j = mix64(key) & (m->cap - 1);
    while (m->t[j].key) {
        if (m->t[j].key == key) return &m->t[j];
        j = (j + 1) & (m->cap - 1);
    }
    if (!insert) return NULL;
    m->t[j].key = key;
    via_fr_set_zero(&m->t[j].val);
    m->n++;
    return &m->t[j];
}

/* out[i] = leaf value of account i (Poseidon t = 5, or 0 for an empty leaf), all hashed in
 * one batch. get(i) yields the account's fields. */
typedef struct {
    unsigned empty;
    const via_fr *pkx, *pky, *bal, *nonce;
} leaf_fields;

static void leaf_values(via_g_poseidon_memo *memo, via_fr *out, const leaf_fields *f, size_t n) {
    via_fr *in = via_xmalloc((n ? n : 1) * 5 * sizeof *in);
    size_t *idx = (size_t *)(void *)(in + 4 * (n ? n : 1)); /* n indexes fit in n field elements */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        via_fr_set_zero(&out[i]);
        if (f[i].empty) continue;
        in[4 * k] = *f[i].pkx;
        in[4 * k + 1] = *f[i].pky;
        in[4 * k + 2] = *f[i].bal;
        in[4 * k + 3] = *f[i].nonce;
        idx[k++] = i;
    }
    via_fr *h = via_xmalloc((k ? k : 1) * sizeof *h);
    via_g_poseidon_memo_hash_many(memo, h, in, 4, k);
    for (size_t j = 0; j < k; j++)
        out[idx[j]] = h[j];
    free(h);
    free(in);
}

/* ------------------------------------------------------------------ execution */

typedef struct {
    const via_chunk_input *in;
    nodemap map;
    via_g_poseidon_memo *memo; /* native Merkle hashes, reused by the circuit's path gadgets */
    in_acct *st;               /* current account states (copies of in->acc) */
    via_g_eddsa_hints *hints;  /* per slot, from sign_batch */
    /* leaf updates in execution order; their hashes are computed afterwards, level by level
     * (replay), where the updates of a level are independent and hash in one batch */
    struct update {
        in_acct leaf;         /* the account after the update (id and fields) */
        chunk_acct_wit *snap; /* receives the path just before the update */
    } * up;
    size_t nup, cap_up;
    /* signature checks not done yet, in execution order: they run in one batch at the end
     * (sign_batch), or one by one before any other violation is reported, so that the first
     * violation in execution order is the one reported */
    struct pending_sig {
        unsigned slot, type;
        via_babyjub_point pk; /* the sender's key at the time */
        uint64_t nonce;       /* the sender's nonce at the time */
    } * pend;
    size_t npend, cap_pend;
    int force;
    via_error *violation;
    int violated;
    via_error *err;
} exec;

/* A rule violation: an error, or with force the first one is recorded and execution goes on. */
static int violate(exec *x, unsigned slot, unsigned type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int check_pending_one_by_one(exec *x);

static int violate(exec *x, unsigned slot, unsigned type, const char *fmt, ...) {
    int rc = check_pending_one_by_one(x);
    if (rc) return rc;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (x->force) {
        if (!x->violated && x->violation)
            via_fail(x->violation, VIA_EINVAL, "slot %u (%s): %s", slot, g_type_names[type], msg);
        x->violated = 1;
        return 0;
    }
    if (slot == ~0u) return via_fail(x->err, VIA_EINVAL, "fee credit: %s", msg);
    return via_fail(x->err, VIA_EINVAL, "slot %u (%s): %s", slot, g_type_names[type], msg);
}

static in_acct *find_acct(exec *x, uint64_t id) {
    for (size_t i = 0; i < x->in->nacc; i++)
        if (x->st[i].id == id) return &x->st[i];
    return NULL;
}

static int fr_u64_of(const via_fr *f, uint64_t *out) {
    uint64_t c[4];
    via_fr_to_canon(c, f);
    *out = c[0];
    return (c[1] | c[2] | c[3]) == 0;
}

/* The account as the circuit sees it before its update; the path is filled in by replay. */
static void snapshot(chunk_acct_wit *w, const in_acct *a) {
    w->id = a->id;
    w->empty = a->empty;
    w->pkx = a->pkx;
    w->pky = a->pky;
    w->bal = a->bal;
    w->nonce = a->nonce;
}

/* Records the update of a's leaf to its current fields; snap (taken just before) gets the path
 * the update starts from. */
static void store(exec *x, const in_acct *a, chunk_acct_wit *snap) {
    if (x->nup == x->cap_up) {
        x->cap_up = x->cap_up ? 2 * x->cap_up : 16;
        struct update *n = realloc(x->up, x->cap_up * sizeof *n);
        if (!n) {
            fprintf(stderr, "via: out of memory recording %zu leaf updates\n", x->cap_up);
            abort();
        }
        x->up = n;
    }
    x->up[x->nup].leaf = *a;
    x->up[x->nup].snap = snap;
    x->nup++;
}

static const via_fr *node_or_empty(nodemap *m, unsigned level, uint64_t index) {
    node *n = map_find(m, level, index, 0);
    return n ? &n->val : via_smt_empty_hash(level);
}

/*
 * Applies the recorded updates to the partial tree. Level by level: at level k the updates
 * are applied in execution order, each one's siblings read just before it (its snapshot's
 * path) and its parent's 16 children just after; the parent hashes of all updates at a level
 * are then independent and are hashed in one batch, which gives the values of level k + 1.
 * This is the same tree, update for update, as rehashing each path after each update.
 */
static void replay(exec *x) {
    const unsigned D = x->in->depth;
    const size_t U = x->nup;
    if (U == 0) return;
    via_fr *val = via_xmalloc(U * sizeof *val);
    via_fr *ch = via_xmalloc(U * 16 * sizeof *ch);
    leaf_fields *lf = via_xmalloc(U * sizeof *lf);
    for (size_t u = 0; u < U; u++) {
        const in_acct *a = &x->up[u].leaf;
        lf[u] = (leaf_fields){a->empty, &a->pkx, &a->pky, &a->bal, &a->nonce};
    }
    leaf_values(x->memo, val, lf, U);
    free(lf);
    for (unsigned k = 0; k < D; k++) {
        for (size_t u = 0; u < U; u++) {
            const uint64_t id = x->up[u].leaf.id, parent = id >> (4 * (k + 1));
            const unsigned pos = (unsigned)((id >> (4 * k)) & 15);
            via_fr *sib = x->up[u].snap->sib[k], *c = ch + 16 * u;
            for (unsigned i = 0, j = 0; i < 16; i++) {
                if (i == pos) continue;
                sib[j] = *node_or_empty(&x->map, k, parent * 16 + i);
                c[i] = sib[j++];
            }
            c[pos] = val[u];
            map_find(&x->map, k, id >> (4 * k), 1)->val = val[u];
        }
        via_g_poseidon_memo_hash_many(x->memo, val, ch, 16, U);
    }
    for (size_t u = 0; u < U; u++)
        map_find(&x->map, D, 0, 1)->val = val[u];
    free(ch);
    free(val);
}

/* Account lookup with the "unknown account" rules; *a is NULL when the id is unusable. */
static int lookup(exec *x, unsigned slot, unsigned type, const char *role, uint64_t id,
                  int must_exist, in_acct **a) {
    *a = NULL;
    if (id >> (4 * x->in->depth))
        return violate(x, slot, type, "unknown account: %s %llu is outside the tree of depth %u",
                       role, (unsigned long long)id, x->in->depth);
    *a = find_acct(x, id);
    if (!*a)
        return violate(
            x, slot, type,
            "unknown account: %s %llu has no entry (pre-state and Merkle path) in accounts", role,
            (unsigned long long)id);
    if (must_exist && (*a)->empty)
        return violate(x, slot, type, "unknown account: %s %llu is an empty leaf", role,
                       (unsigned long long)id);
    return 0;
}

/* The signed message of a pending check: Poseidon over the transaction's fields with the
 * sender's nonce at the time (via/l2tx.h); in[] gets the hash inputs, the count is returned. */
static unsigned sig_msg_inputs(const in_tx *t, uint64_t nonce, via_fr in[8]) {
    if (t->type == TX_TRANSFER) {
        via_fr_set_u64(&in[0], VIA_L2TX_TAG_TRANSFER);
        via_fr_set_u64(&in[1], t->from);
        via_fr_set_u64(&in[2], t->to);
        via_fr_set_u64(&in[3], t->amount);
        via_fr_set_u64(&in[4], t->fee);
        via_fr_set_u64(&in[5], nonce);
        return 6;
    }
    via_fr_set_u64(&in[0], VIA_L2TX_TAG_WITHDRAW);
    via_fr_set_u64(&in[1], t->from);
    via_fr_set_u64(&in[2], t->amount);
    via_fr_set_u64(&in[3], t->fee);
    via_fr_set_u64(&in[4], nonce);
    via_fr_set_u64(&in[5], (uint64_t)t->dest_len);
    via_l2tx_script_chunks(in + 6, t->dest, t->dest_len);
    return 8;
}

static int report_bad_signature(exec *x, const struct pending_sig *p, const via_fr *msg) {
    const in_tx *t = &x->in->tx[p->slot];
    via_error e;
    if (via_eddsa_verify_var(&p->pk, msg, &t->sig, &e) == 0) return 0;
    /* recorded like violate() does, without checking the pending list again */
    if (x->force) {
        if (!x->violated && x->violation)
            via_fail(x->violation, VIA_EINVAL, "slot %u (%s): bad signature from account %llu: %s",
                     p->slot, g_type_names[p->type], (unsigned long long)t->from, e.msg);
        x->violated = 1;
        return 0;
    }
    return via_fail(x->err, VIA_EINVAL, "slot %u (%s): bad signature from account %llu: %s",
                    p->slot, g_type_names[p->type], (unsigned long long)t->from, e.msg);
}

/* The pending signature checks, one by one (the path before reporting another violation). */
static int check_pending_one_by_one(exec *x) {
    size_t n = x->npend;
    x->npend = 0;
    for (size_t k = 0; k < n; k++) {
        const struct pending_sig *p = &x->pend[k];
        via_fr in[8], msg;
        unsigned m = sig_msg_inputs(&x->in->tx[p->slot], p->nonce, in);
        via_g_poseidon_memo_hash(x->memo, &msg, in, m);
        int rc = report_bad_signature(x, p, &msg);
        if (rc) return rc;
    }
    return 0;
}

/*
 * After execution: the values the circuit's signature part computes, for every slot at once,
 * each hash kind in one batch through the memo (so the circuit finds them): the transfer and
 * withdrawal messages (both are hashed in every slot), hm = Poseidon(R8, A, M) and the EdDSA
 * gadget's aids (points of its scalar multiplications). The aids' equation check is the
 * signature check of the pending transfers and withdrawals whose values are the circuit's (all
 * of them, unless forced data made them differ; those are checked on their own).
 */
static int sign_batch(exec *x, chunk_wit *w) {
    const unsigned C = w->slots;
    via_fr *tr_in = via_xmalloc((size_t)C * (6 + 8 + 5 + 3) * sizeof *tr_in);
    via_fr *wd_in = tr_in + 6 * C, *hm_in = wd_in + 8 * C, *m_tr = hm_in + 5 * C, *m_wd = m_tr + C,
           *hm = m_wd + C;
    via_babyjub_point b8;
    via_babyjub_base8(&b8);
    for (unsigned i = 0; i < C; i++) {
        const chunk_slot_wit *sw = &w->slot[i];
        via_fr *a = tr_in + 6 * i, *b = wd_in + 8 * i;
        via_fr_set_u64(&a[0], VIA_L2TX_TAG_TRANSFER);
        via_fr_set_u64(&a[1], sw->a.id);
        via_fr_set_u64(&a[2], sw->b.id);
        a[3] = sw->amount;
        a[4] = sw->fee;
        a[5] = sw->a.nonce;
        via_fr_set_u64(&b[0], VIA_L2TX_TAG_WITHDRAW);
        via_fr_set_u64(&b[1], sw->a.id);
        b[2] = sw->amount;
        b[3] = sw->fee;
        b[4] = sw->a.nonce;
        via_fr_set_u64(&b[5], sw->dest_len);
        b[6] = sw->cell3;
        b[7] = sw->cell4;
    }
    via_g_poseidon_memo_hash_many(x->memo, m_tr, tr_in, 6, C);
    via_g_poseidon_memo_hash_many(x->memo, m_wd, wd_in, 8, C);
    for (unsigned i = 0; i < C; i++) {
        const chunk_slot_wit *sw = &w->slot[i];
        int sig = sw->type == TX_TRANSFER || sw->type == TX_WITHDRAW;
        via_fr *h = hm_in + 5 * i;
        h[0] = sw->r8x;
        h[1] = sw->r8y;
        h[2] = sig ? sw->a.pkx : b8.x;
        h[3] = sig ? sw->a.pky : b8.y;
        if (sw->type == TX_TRANSFER)
            h[4] = m_tr[i];
        else if (sw->type == TX_WITHDRAW)
            h[4] = m_wd[i];
        else
            via_fr_set_zero(&h[4]);
    }
    via_g_poseidon_memo_hash_many(x->memo, hm, hm_in, 5, C);
    x->hints = via_xmalloc((size_t)C * sizeof *x->hints);
    via_fr *hint_in = via_xmalloc((size_t)C * 6 * sizeof *hint_in);
    for (unsigned i = 0; i < C; i++) {
        const via_fr *h = hm_in + 5 * i;
        via_fr *o = hint_in + 6 * i;
        o[0] = h[2];
        o[1] = h[3];
        o[2] = h[0];
        o[3] = h[1];
        o[4] = w->slot[i].s;
        o[5] = hm[i];
        w->slot[i].sig_hints = &x->hints[i];
    }
    via_g_eddsa_hints_compute_many_var(x->hints, hint_in, C);
    free(hint_in);
    /* the pending checks: the aids decide when the transaction's values are the circuit's */
    int rc = 0;
    size_t n = x->npend;
    x->npend = 0;
    for (size_t k = 0; k < n && !rc; k++) {
        const struct pending_sig *p = &x->pend[k];
        const in_tx *t = &x->in->tx[p->slot];
        const via_g_eddsa_hints *hi = &x->hints[p->slot];
        const via_fr *circ = p->type == TX_TRANSFER ? tr_in + 6 * p->slot : wd_in + 8 * p->slot;
        via_fr in[8], msg;
        unsigned m = sig_msg_inputs(t, p->nonce, in);
        int same = memcmp(in, circ, m * sizeof *in) == 0;
        msg = p->type == TX_TRANSFER ? m_tr[p->slot] : m_wd[p->slot];
        if (!same) via_g_poseidon_memo_hash(x->memo, &msg, in, m);
        via_fr s;
        via_fr_from_canon_unchecked(&s, t->sig.s);
        same = same && hi->valid && via_fr_eq(&hi->ax, &p->pk.x) && via_fr_eq(&hi->ay, &p->pk.y) &&
               via_fr_eq(&hi->r8x, &t->sig.r8.x) && via_fr_eq(&hi->r8y, &t->sig.r8.y) &&
               via_fr_eq(&hi->s, &s) && via_limbs_lt(t->sig.s, via_babyjub_l);
        if (same && hi->ok) continue; /* on the curve (valid), S < l, equation and 8A.x != 0 hold */
        rc = report_bad_signature(x, p, &msg);
    }
    free(tr_in);
    return rc;
}

static void fr_sub_u64(via_fr *r, uint64_t v) {
    via_fr f;
    via_fr_set_u64(&f, v);
    via_fr_sub(r, r, &f);
}
static void fr_add_u64(via_fr *r, uint64_t v) {
    via_fr f;
    via_fr_set_u64(&f, v);
    via_fr_add(r, r, &f);
}

static void be_bytes_fr(via_fr *out, const uint8_t *b, size_t n) {
    via_fr f256, t;
    via_fr_set_u64(&f256, 256);
    via_fr_set_zero(out);
    for (size_t i = 0; i < n; i++) {
        via_fr_mul(out, out, &f256);
        via_fr_set_u64(&t, b[i]);
        via_fr_add(out, out, &t);
    }
}

static int run_slot(exec *x, unsigned i, chunk_slot_wit *sw) {
    const in_tx *t = &x->in->tx[i];
    int rc;
    memset(sw, 0, sizeof *sw);
    sw->type = t->type;
    via_fr_set_one(&sw->r8y);
    if (t->type == TX_NOOP) return 0;
    via_fr_set_u64(&sw->amount, t->amount);
    via_fr_set_u64(&sw->fee, t->fee);
    in_acct *a = NULL, *b = NULL;
    if (t->type == TX_DEPOSIT) {
        sw->id_a = t->to;
        sw->dep_pkx = t->pkx;
        sw->dep_pky = t->pky;
        be_bytes_fr(&sw->cell3, t->txid, 31);
        sw->txid_last = t->txid[31];
        sw->vout = t->vout;
        if ((rc = lookup(x, i, t->type, "receiver", t->to, 0, &a))) return rc;
        via_babyjub_point pk = {t->pkx, t->pky};
        if (!via_babyjub_on_curve(&pk) &&
            (rc = violate(x, i, t->type, "deposit public key is not a BabyJubJub point")))
            return rc;
        if (!a) return 0;
        uint64_t bal;
        fr_u64_of(&a->bal, &bal);
        if (!a->empty && (!via_fr_eq(&a->pkx, &t->pkx) || !via_fr_eq(&a->pky, &t->pky)) &&
            (rc = violate(x, i, t->type,
                          "account creation on a non-empty leaf: account %llu exists with a "
                          "different public key",
                          (unsigned long long)t->to)))
            return rc;
        if (bal + t->amount < bal &&
            (rc = violate(
                 x, i, t->type,
                 "balance overflow: account %llu balance %llu + deposit %llu exceeds 2^64 - 1",
                 (unsigned long long)t->to, (unsigned long long)bal,
                 (unsigned long long)t->amount)))
            return rc;
        snapshot(&sw->a, a);
        if (a->empty) {
            a->empty = 0;
            a->pkx = t->pkx;
            a->pky = t->pky;
        }
        fr_add_u64(&a->bal, t->amount);
        store(x, a, &sw->a);
        return 0;
    }
    /* transfer / withdraw */
    sw->id_a = t->from;
    sw->r8x = t->sig.r8.x;
    sw->r8y = t->sig.r8.y;
    via_fr_from_canon_unchecked(&sw->s, t->sig.s);
    if (t->type == TX_TRANSFER) {
        sw->id_b = t->to;
    } else {
        via_fr ch[2];
        via_l2tx_script_chunks(ch, t->dest, t->dest_len);
        sw->cell3 = ch[0];
        sw->cell4 = ch[1];
        sw->dest_len = t->dest_len;
    }
    if ((rc = lookup(x, i, t->type, "sender", t->from, 1, &a))) return rc;
    if (t->type == TX_TRANSFER && (rc = lookup(x, i, t->type, "receiver", t->to, 1, &b))) return rc;
    if (!a) return 0;
    uint64_t bal = 0, nonce = 0;
    fr_u64_of(&a->bal, &bal);
    fr_u64_of(&a->nonce, &nonce);
    if (t->nonce != nonce &&
        (rc = violate(
             x, i, t->type, "wrong nonce: transaction nonce %llu, account %llu has nonce %llu",
             (unsigned long long)t->nonce, (unsigned long long)t->from, (unsigned long long)nonce)))
        return rc;
    unsigned __int128 need = (unsigned __int128)t->amount + t->fee;
    if (need > bal &&
        (rc = violate(
             x, i, t->type,
             "insufficient balance: amount %llu + fee %llu exceeds account %llu balance %llu",
             (unsigned long long)t->amount, (unsigned long long)t->fee, (unsigned long long)t->from,
             (unsigned long long)bal)))
        return rc;
    /* the signature (over the account's nonce, what the circuit hashes) is checked later */
    if (x->npend == x->cap_pend) {
        x->cap_pend = x->cap_pend ? 2 * x->cap_pend : 16;
        struct pending_sig *n = realloc(x->pend, x->cap_pend * sizeof *n);
        if (!n) {
            fprintf(stderr, "via: out of memory recording %zu signature checks\n", x->cap_pend);
            abort();
        }
        x->pend = n;
    }
    x->pend[x->npend++] = (struct pending_sig){i, t->type, {a->pkx, a->pky}, nonce};
    snapshot(&sw->a, a);
    fr_sub_u64(&a->bal, t->amount);
    fr_sub_u64(&a->bal, t->fee);
    fr_add_u64(&a->nonce, 1);
    store(x, a, &sw->a);
    if (b) {
        uint64_t bb;
        fr_u64_of(&b->bal, &bb);
        if (bb + t->amount < bb &&
            (rc = violate(x, i, t->type,
                          "balance overflow: account %llu balance %llu + %llu exceeds 2^64 - 1",
                          (unsigned long long)t->to, (unsigned long long)bb,
                          (unsigned long long)t->amount)))
            return rc;
        snapshot(&sw->b, b);
        fr_add_u64(&b->bal, t->amount);
        store(x, b, &sw->b);
    }
    return 0;
}

/* The listed accounts' pre-state leaf values (malloc'd, nacc entries), in one batch. */
static via_fr *input_leaves(exec *x) {
    const via_chunk_input *in = x->in;
    const size_t N = in->nacc;
    via_fr *cur = via_xmalloc((N ? N : 1) * sizeof *cur);
    leaf_fields *lf = via_xmalloc((N ? N : 1) * sizeof *lf);
    for (size_t i = 0; i < N; i++) {
        const in_acct *a = &in->acc[i];
        lf[i] = (leaf_fields){a->empty, &a->pkx, &a->pky, &a->bal, &a->nonce};
    }
    leaf_values(x->memo, cur, lf, N);
    free(lf);
    return cur;
}

static int cmp_key(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int has_key(const uint64_t *keys, size_t n, uint64_t k) {
    return bsearch(&k, keys, n, sizeof k, cmp_key) != NULL;
}

/* The compact form: the listed nodes, then level by level every account's path node (its leaf,
 * then the hash of its parent's 16 children: path nodes of this level, listed nodes, or empty
 * subtrees). A listed node must be off every path and its parent on one. */
static int rebuild_compact(exec *x, via_fr *root) {
    const via_chunk_input *in = x->in;
    const unsigned D = in->depth;
    const size_t N = in->nacc;
    uint64_t *path = via_xmalloc((N * D + 1) * sizeof *path);
    for (size_t i = 0; i < N; i++)
        for (unsigned k = 0; k < D; k++)
            path[i * D + k] = (uint64_t)k << 56 | in->acc[i].id >> (4 * k);
    qsort(path, N * D, sizeof *path, cmp_key);
    for (size_t j = 0; j < in->nnodes; j++) {
        const in_node *n = &in->nodes[j];
        const char *bad = NULL;
        if (has_key(path, N * D, (uint64_t)n->level << 56 | n->index))
            bad = "is on a listed account's path (its value comes from the account)";
        else if (n->level + 1 < D &&
                 !has_key(path, N * D, (uint64_t)(n->level + 1) << 56 | n->index >> 4))
            bad = "is not a sibling of any listed account's path";
        if (bad) {
            free(path);
            return via_fail(x->err, VIA_EINVAL, "wrong path: nodes[%zu] (level %u, index %llu) %s",
                            j, n->level, (unsigned long long)n->index, bad);
        }
        map_find(&x->map, n->level, n->index, 1)->val = n->val;
    }
    free(path);
    via_fr *cur = input_leaves(x);
    via_fr *ch = via_xmalloc(N * 16 * sizeof *ch);
    for (unsigned k = 0; k <= D; k++) {
        /* accounts sharing a node computed it from the same children: one value */
        for (size_t i = 0; i < N; i++)
            map_find(&x->map, k, in->acc[i].id >> (4 * k), 1)->val = cur[i];
        if (k == D) break;
        for (size_t i = 0; i < N; i++) {
            uint64_t base = (in->acc[i].id >> (4 * k)) & ~(uint64_t)15;
            for (unsigned cc = 0; cc < 16; cc++)
                ch[16 * i + cc] = *node_or_empty(&x->map, k, base | cc);
        }
        via_g_poseidon_memo_hash_many(x->memo, cur, ch, 16, N);
    }
    *root = cur[0];
    free(ch);
    free(cur);
    return 0;
}

/* The part of the pre-state tree that the listed paths cover, checking that overlapping paths
 * agree; *root is the root account 0's path gives. Level by level, so that the parent hashes
 * of all accounts at a level are computed in one batch. */
static int rebuild(exec *x, via_fr *root) {
    const via_chunk_input *in = x->in;
    if (in->compact && in->nacc) return rebuild_compact(x, root);
    const unsigned D = in->depth;
    const size_t N = in->nacc;
    if (N == 0) return 0;
    int rc = 0;
    via_fr *cur = input_leaves(x);
    via_fr *ch = via_xmalloc(N * 16 * sizeof *ch);
    for (unsigned k = 0; k <= D && !rc; k++) {
        for (size_t i = 0; i < N && !rc; i++) {
            const in_acct *a = &in->acc[i];
            uint64_t idx = a->id >> (4 * k);
            node *n = map_find(&x->map, k, idx, 0);
            int fresh = !n;
            if (!n) n = map_find(&x->map, k, idx, 1);
            if (fresh) {
                n->val = cur[i];
            } else if (!via_fr_eq(&n->val, &cur[i])) {
                if (!x->force) {
                    rc = via_fail(x->err, VIA_EINVAL,
                                  "wrong path: accounts[%zu] (account %llu) disagrees with an "
                                  "earlier account's path at level %u",
                                  i, (unsigned long long)a->id, k);
                    break;
                }
                if (!x->violated && x->violation)
                    via_fail(x->violation, VIA_EINVAL,
                             "wrong path: accounts[%zu] (account %llu) disagrees at level %u", i,
                             (unsigned long long)a->id, k);
                x->violated = 1;
            }
            if (k == D) continue;
            unsigned pos = (unsigned)(idx & 15);
            via_fr *c = ch + 16 * i;
            for (unsigned cc = 0, j = 0; cc < 16; cc++) {
                if (cc == pos) {
                    c[cc] = cur[i];
                    continue;
                }
                c[cc] = a->sib[k][j++];
                node *sn = map_find(&x->map, k, (idx & ~(uint64_t)15) | cc, 0);
                if (!sn) {
                    map_find(&x->map, k, (idx & ~(uint64_t)15) | cc, 1)->val = c[cc];
                } else if (!via_fr_eq(&sn->val, &c[cc])) {
                    if (!x->force) {
                        rc = via_fail(x->err, VIA_EINVAL,
                                      "wrong path: accounts[%zu] (account %llu) sibling %u at "
                                      "level %u disagrees with another account's path",
                                      i, (unsigned long long)a->id, j - 1, k);
                        break;
                    }
                    x->violated = 1;
                }
            }
        }
        if (!rc && k < D) via_g_poseidon_memo_hash_many(x->memo, cur, ch, 16, N);
    }
    if (!rc) *root = cur[0];
    free(ch);
    free(cur);
    return rc;
}

static int execute(exec *x, chunk_wit *w) {
    const via_chunk_input *in = x->in;
    unsigned D = in->depth;
    int rc = 0;
    x->map.cap = 1024;
    while (x->map.cap < (in->nacc + 1) * D * 16 * 2)
        x->map.cap *= 2;
    x->map.t = via_xcalloc(x->map.cap, sizeof(node));
    x->st = via_xmalloc((in->nacc ? in->nacc : 1) * sizeof(in_acct));
    memcpy(x->st, in->acc, in->nacc * sizeof(in_acct));

    /* rebuild the partial tree from the paths; overlapping paths must agree */
    via_fr root;
    via_fr_set_zero(&root);
    if ((rc = rebuild(x, &root))) return rc;
    if (in->has_root) {
        if (in->nacc && !via_fr_eq(&root, &in->root_before)) {
            if (!x->force)
                return via_fail(
                    x->err, VIA_EINVAL,
                    "wrong path: the accounts' Merkle paths give a root other than root_before");
            if (!x->violated && x->violation)
                via_fail(
                    x->violation, VIA_EINVAL,
                    "wrong path: the accounts' Merkle paths give a root other than root_before");
            x->violated = 1;
        }
        root = in->root_before;
    }
    w->slots = in->slots;
    w->depth = D;
    via_fr_set_u64(&w->batch, in->batch);
    via_fr_set_u64(&w->chunk_index, in->chunk);
    w->root_before = root;
    for (unsigned i = 0; i < in->slots; i++)
        if ((rc = run_slot(x, i, &w->slot[i]))) return rc;

    /* fees to the operator account 0 */
    unsigned __int128 fees = 0;
    for (unsigned i = 0; i < in->slots; i++)
        if (in->tx[i].type == TX_TRANSFER || in->tx[i].type == TX_WITHDRAW) fees += in->tx[i].fee;
    in_acct *op = find_acct(x, 0);
    memset(&w->op, 0, sizeof w->op);
    if ((!op || op->empty) && (rc = check_pending_one_by_one(x))) return rc;
    if (!op || op->empty) {
        if (!x->force)
            return via_fail(x->err, VIA_EINVAL,
                            "fee credit: unknown account: the operator account 0 is %s",
                            op ? "an empty leaf" : "not listed in accounts");
        x->violated = 1;
        if (!op) return 0;
    }
    uint64_t ob;
    fr_u64_of(&op->bal, &ob);
    if ((unsigned __int128)ob + fees > UINT64_MAX) {
        if ((rc = check_pending_one_by_one(x))) return rc;
        if (!x->force)
            return via_fail(
                x->err, VIA_EINVAL,
                "fee credit: balance overflow: operator balance %llu + fees exceed 2^64 - 1",
                (unsigned long long)ob);
        x->violated = 1;
    }
    snapshot(&w->op, op);
    via_fr f;
    via_fr_set_u64(&f, (uint64_t)(fees & UINT64_MAX));
    if (fees >> 64) {
        via_fr hi, two64;
        via_fr_set_u64(&hi, (uint64_t)(fees >> 64));
        via_fr_set_u64(&two64, 1ull << 32);
        via_fr_sqr(&two64, &two64);
        via_fr_mul(&hi, &hi, &two64);
        via_fr_add(&f, &f, &hi);
    }
    via_fr_add(&op->bal, &op->bal, &f);
    store(x, op, &w->op);
    return 0;
}

static int execute_all(exec *x, chunk_wit *w) {
    int rc = execute(x, w);
    if (!rc) replay(x);
    if (!rc) rc = sign_batch(x, w);
    return rc;
}

int via_chunk_build_witness(via_cs *cs, const via_chunk_input *in, int force, via_error *violation,
                            via_fr *commitment, via_fr *root_after, via_error *err) {
    if (!via_cs_has_witness(cs) || via_cs_n_vars(cs) != 1)
        return via_fail(err, VIA_EINVAL,
                        "chunk witness: the context must be fresh and have a witness");
    exec x = {0};
    x.in = in;
    x.force = force;
    x.violation = violation;
    x.err = err;
    if (violation) violation->msg[0] = 0;
    chunk_wit w;
    memset(&w, 0, sizeof w);
    w.slot = via_xcalloc(in->slots, sizeof(chunk_slot_wit));
    x.memo = via_g_poseidon_memo_new(CHUNK_MEMO_BYTES);
    int rc = execute_all(&x, &w);
    if (!rc) {
        via_g_poseidon_memo_attach(cs, x.memo);
        via_chunk_circuit(cs, in->slots, in->depth, &w, NULL);
        via_g_poseidon_memo_attach(cs, NULL);
        if (commitment) *commitment = *via_cs_val(cs, 1);
        if (root_after) {
            node *r = map_find(&x.map, in->depth, 0, 0);
            if (r)
                *root_after = r->val;
            else
                via_fr_set_zero(root_after);
        }
    }
    via_g_poseidon_memo_free(x.memo);
    free(w.slot);
    free(x.map.t);
    free(x.st);
    free(x.up);
    free(x.pend);
    free(x.hints);
    return rc;
}

/* ------------------------------------------------------------------ files */

static int write_public(const via_fr *v, const char *path, via_error *err) {
    char dec[100];
    via_fr_to_decimal(dec, sizeof dec, v);
    char text[128];
    int n = snprintf(text, sizeof text, "[\n \"%s\"\n]", dec);
    return via_write_atomic(path, text, (size_t)n, 0, err);
}

int via_chunk_witness_from_json(const char *json_path, const char *wtns_path,
                                const char *public_json_path, via_error *err) {
    via_chunk_input *in;
    int rc = via_chunk_input_read(&in, json_path, err);
    if (rc) return rc;
    via_cs *cs = via_cs_new(VIA_CS_WITNESS, 0);
    via_fr com;
    /* The .wtns is written beside its destination and renamed over it only once everything
     * else (public.json) is written: a failure leaves no witness behind. */
    size_t tl = strlen(wtns_path) + 32;
    char *tmp = via_xmalloc(tl);
    snprintf(tmp, tl, "%s.tmp.%ld", wtns_path, (long)getpid());
    rc = via_chunk_build_witness(cs, in, 0, NULL, &com, NULL, err);
    if (!rc) rc = via_cs_wtns_write(cs, tmp, err);
    if (!rc && public_json_path) rc = write_public(&com, public_json_path, err);
    if (!rc && rename(tmp, wtns_path) != 0)
        rc = via_fail(err, VIA_EIO, "%s: cannot rename %s over it: %s", wtns_path, tmp,
                      strerror(errno));
    if (rc) unlink(tmp);
    free(tmp);
    if (rc && rc != VIA_EIO) {
        char tmp[sizeof err->msg];
        snprintf(tmp, sizeof tmp, "%s", err->msg);
        via_fail(err, rc, "%s: %s", json_path, tmp);
    }
    via_cs_free(cs);
    via_chunk_input_free(in);
    return rc;
}

/* ------------------------------------------------------------------ circuit files */

static int check_params(unsigned slots, unsigned depth, via_error *err) {
    if (!via_chunk_slots_valid(slots))
        return via_fail(err, VIA_EINVAL,
                        "chunk circuit: slots %u is not a protocol chunk size (%s)", slots,
                        VIA_CHUNK_SLOTS_LIST);
    if (depth < 1 || depth > VIA_CHUNK_MAX_DEPTH)
        return via_fail(err, VIA_EINVAL, "chunk circuit: depth %u is outside 1..%u", depth,
                        VIA_CHUNK_MAX_DEPTH);
    return 0;
}

static void fill_counts(via_chunk_counts *c, via_cs *cs, unsigned slots, unsigned depth,
                        uint64_t per_slot) {
    if (!c) return;
    c->slots = slots;
    c->depth = depth;
    c->constraints = via_cs_n_constraints(cs);
    c->wires = via_cs_n_vars(cs);
    c->public_inputs = via_cs_n_public(cs);
    c->per_slot = per_slot;
    c->fixed = c->constraints - per_slot * slots;
}

int via_chunk_circuit_write_r1cs(unsigned slots, unsigned depth, const char *path,
                                 via_chunk_counts *counts, via_error *err) {
    int rc = check_params(slots, depth, err);
    if (rc) return rc;
    via_cs *cs = via_cs_new(VIA_CS_SHAPE, 0);
    rc = via_cs_r1cs_open(cs, path, err);
    uint64_t per_slot = 0;
    if (!rc) {
        via_chunk_circuit(cs, slots, depth, NULL, &per_slot);
        rc = via_cs_r1cs_finish(cs, err);
    }
    if (!rc) fill_counts(counts, cs, slots, depth, per_slot);
    via_cs_free(cs);
    return rc;
}

int via_chunk_circuit_counts(unsigned slots, unsigned depth, via_chunk_counts *counts,
                             via_error *err) {
    int rc = check_params(slots, depth, err);
    if (rc) return rc;
    via_cs *cs = via_cs_new(VIA_CS_SHAPE, 0);
    uint64_t per_slot = 0;
    via_chunk_circuit(cs, slots, depth, NULL, &per_slot);
    fill_counts(counts, cs, slots, depth, per_slot);
    via_cs_free(cs);
    return 0;
}
