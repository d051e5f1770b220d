/* The state keeper; see via/keeper.h and docs/protocol.md. */
#include "via/keeper.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "via/babyjub.h"
#include "via/eddsa.h"
#include "via/hex.h"
#include "via/l2tx.h"
#include "via/rollup_json.h"
#include "via/smt.h"

/* ---- accounts: an open-addressing map id -> account ---- */
typedef struct {
    uint64_t *keys; /* id + 1; 0 = empty */
    via_account *vals;
    size_t cap, n;
} amap;

static via_account *amap_get(const amap *m, uint64_t id) {
    if (!m->cap) return NULL;
    size_t i = (size_t)(id * 0x9e3779b97f4a7c15ULL) & (m->cap - 1);
    while (m->keys[i]) {
        if (m->keys[i] == id + 1) return &m->vals[i];
        i = (i + 1) & (m->cap - 1);
    }
    return NULL;
}

static via_account *amap_put(amap *m, uint64_t id) {
    via_account *a = amap_get(m, id);
    if (a) return a;
    if (2 * (m->n + 1) > m->cap) {
        amap old = *m;
        size_t cap = old.cap ? 2 * old.cap : 1024;
        m->keys = calloc(cap, sizeof *m->keys);
        m->vals = calloc(cap, sizeof *m->vals);
        if (!m->keys || !m->vals) {
            free(m->keys);
            free(m->vals);
            *m = old;
            return NULL;
        }
        m->cap = cap;
        m->n = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.keys[i]) *amap_put(m, old.keys[i] - 1) = old.vals[i];
        free(old.keys);
        free(old.vals);
    }
    size_t i = (size_t)(id * 0x9e3779b97f4a7c15ULL) & (m->cap - 1);
    while (m->keys[i])
        i = (i + 1) & (m->cap - 1);
    m->keys[i] = id + 1;
    memset(&m->vals[i], 0, sizeof m->vals[i]);
    m->n++;
    return &m->vals[i];
}

static void amap_free(amap *m) {
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* ---- transactions ---- */
typedef struct {
    int type; /* 2 transfer, 3 withdraw */
    uint64_t from, to, amount, fee, nonce;
    size_t dest_len;
    uint8_t dest[VIA_L2TX_MAX_SCRIPT];
    via_eddsa_sig sig;
    json_t *sig_json; /* {R8x, R8y, S} as received (decimal strings) */
    /* a signature check done ahead (via_keeper_tx_precheck): its answer for key (kx, ky) */
    int sig_known, sig_ok;
    via_fr sig_kx, sig_ky;
    char sig_why[200];
} tx;

struct via_keeper {
    unsigned depth;
    amap sealed, pending;
    via_smt *tree; /* the sealed state */
    tx *txs;
    size_t ntx, cap;
    via_keeper_deposit *dq; /* queued deposits, priority order */
    size_t ndq, capdq;
    uint64_t last_priority;   /* last deposit queued or sealed */
    uint64_t sealed_priority; /* last deposit sealed */
};

via_keeper *via_keeper_new(unsigned depth) {
    if (depth < 1 || depth > 8) return NULL;
    via_keeper *k = calloc(1, sizeof *k);
    if (!k) return NULL;
    k->depth = depth;
    k->tree = via_smt_new(depth);
    if (!k->tree) {
        free(k);
        return NULL;
    }
    return k;
}

void via_keeper_free(via_keeper *k) {
    if (!k) return;
    for (size_t i = 0; i < k->ntx; i++)
        json_decref(k->txs[i].sig_json);
    free(k->txs);
    free(k->dq);
    amap_free(&k->sealed);
    amap_free(&k->pending);
    via_smt_free(k->tree);
    free(k);
}

static void leaf_of(via_fr *leaf, const via_account *a) {
    if (!a || !a->exists) {
        via_fr_set_zero(leaf);
        return;
    }
    via_smt_account_leaf(leaf, &a->pk_x, &a->pk_y, a->balance, a->nonce);
}

/* Account ids[i] of state m, for via_smt_account_leaves. */
typedef struct {
    const amap *m;
    const uint64_t *ids;
} leaf_src;

static int leaf_get(void *ud, size_t i, via_fr *x, via_fr *y, uint64_t *bal, uint64_t *nonce) {
    const leaf_src *src = ud;
    const via_account *a = amap_get(src->m, src->ids[i]);
    if (!a || !a->exists) return 0;
    *x = a->pk_x;
    *y = a->pk_y;
    *bal = a->balance;
    *nonce = a->nonce;
    return 1;
}

int via_keeper_create(via_keeper *k, uint64_t id, const via_fr *pk_x, const via_fr *pk_y,
                      uint64_t balance, via_error *err) {
    return via_keeper_restore(k, id, pk_x, pk_y, balance, 0, err);
}

int via_keeper_restore(via_keeper *k, uint64_t id, const via_fr *pk_x, const via_fr *pk_y,
                       uint64_t balance, uint64_t nonce, via_error *err) {
    if (id >= via_smt_capacity(k->tree))
        return via_fail(err, VIA_EINVAL, "account %llu is beyond the tree (16^%u leaves)",
                        (unsigned long long)id, k->depth);
    via_babyjub_point p = {*pk_x, *pk_y};
    if (!via_babyjub_on_curve(&p) || !via_babyjub_in_subgroup_var(&p))
        return via_fail(err, VIA_EINVAL, "account %llu: the public key is not a BabyJubJub point",
                        (unsigned long long)id);
    via_account *s = amap_get(&k->sealed, id);
    if (s && s->exists)
        return via_fail(err, VIA_EINVAL, "account %llu exists already", (unsigned long long)id);
    via_account a = {1, *pk_x, *pk_y, balance, nonce};
    via_account *ps = amap_put(&k->sealed, id), *pp = amap_put(&k->pending, id);
    if (!ps || !pp) return via_fail(err, VIA_ENOMEM, "accounts");
    *ps = a;
    *pp = a;
    via_fr leaf;
    leaf_of(&leaf, &a);
    return via_smt_set(k->tree, id, &leaf, err);
}

size_t via_keeper_pending(const via_keeper *k) {
    return k->ntx;
}

void via_keeper_account(const via_keeper *k, uint64_t id, int sealed, via_account *out) {
    const via_account *a = amap_get(sealed ? &k->sealed : &k->pending, id);
    if (a)
        *out = *a;
    else
        memset(out, 0, sizeof *out);
}

void via_keeper_root(const via_keeper *k, via_fr *root) {
    via_smt_root(k->tree, root);
}

static int reject(const char **rule, const char *r, via_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int reject(const char **rule, const char *r, via_error *err, const char *fmt, ...) {
    if (rule) *rule = r;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return via_fail(err, VIA_EINVAL, "%s (rule %s)", msg, r);
}

static int field_u64(json_t *o, const char *name, uint64_t *out, const char **rule,
                     via_error *err) {
    const char *why = NULL;
    json_t *v = json_object_get(o, name);
    if (!v) return reject(rule, "bad_json", err, "field \"%s\" is missing", name);
    if (via_json_to_u64(v, out, &why))
        return reject(rule, "bad_json", err, "field \"%s\": %s", name, why ? why : "not a u64");
    return VIA_OK;
}

static int parse_tx(tx *t, const char *json, size_t len, const char **rule, via_error *err) {
    memset(t, 0, sizeof *t);
    json_error_t je;
    json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(o)) {
        json_decref(o);
        return reject(rule, "bad_json", err, "not a JSON object: %s", je.text);
    }
    int rc = VIA_OK;
    const char *type = json_string_value(json_object_get(o, "type"));
    static const char *const transfer_keys[] = {"type",  "from",      "to",     "amount", "fee",
                                                "nonce", "signature", "pubkey", "msg",    NULL};
    static const char *const withdraw_keys[] = {"type",  "from",      "dest",   "amount", "fee",
                                                "nonce", "signature", "pubkey", "msg",    NULL};
    if (!type || (strcmp(type, "transfer") && strcmp(type, "withdraw"))) {
        rc = reject(rule, "unsupported_type", err,
                    "\"type\" must be \"transfer\" or \"withdraw\" (deposits come from Bitcoin)");
        goto out;
    }
    t->type = strcmp(type, "transfer") == 0 ? 2 : 3;
    const char *const *allowed = t->type == 2 ? transfer_keys : withdraw_keys;
    const char *key;
    json_t *val;
    json_object_foreach(o, key, val) {
        int ok = 0;
        for (size_t i = 0; allowed[i]; i++)
            if (!strcmp(key, allowed[i])) ok = 1;
        if (!ok) {
            rc = reject(rule, "bad_json", err, "unknown field \"%s\" in a %s", key, type);
            goto out;
        }
    }
    if ((rc = field_u64(o, "from", &t->from, rule, err)) ||
        (rc = field_u64(o, "amount", &t->amount, rule, err)) ||
        (rc = field_u64(o, "fee", &t->fee, rule, err)) ||
        (rc = field_u64(o, "nonce", &t->nonce, rule, err)))
        goto out;
    if (t->amount + t->fee < t->amount) {
        rc = reject(rule, "balance_overflow", err, "amount + fee exceeds 2^64 - 1");
        goto out;
    }
    if (t->type == 2) {
        if ((rc = field_u64(o, "to", &t->to, rule, err))) goto out;
        via_l2tx_transfer l = {t->from, t->to, t->amount, t->fee, t->nonce};
        if (via_l2tx_transfer_check(&l, err)) {
            rc = reject(rule, "bad_json", err, "%s", err->msg);
            goto out;
        }
    } else {
        const char *d = json_string_value(json_object_get(o, "dest"));
        uint8_t *b = NULL;
        size_t bl = 0;
        if (!d || via_hex_decode(&b, &bl, d, err) || bl < 1 || bl > VIA_L2TX_MAX_SCRIPT) {
            free(b);
            rc = reject(rule, "bad_destination", err,
                        "\"dest\" must be the Bitcoin scriptPubKey in hex, 1 to %d bytes",
                        VIA_L2TX_MAX_SCRIPT);
            goto out;
        }
        memcpy(t->dest, b, bl);
        t->dest_len = bl;
        free(b);
        via_l2tx_withdraw w = {t->from, t->amount, t->fee, t->nonce, t->dest_len, {0}};
        memcpy(w.dest, t->dest, t->dest_len);
        if (via_l2tx_withdraw_check(&w, err)) {
            rc = reject(rule, "bad_json", err, "%s", err->msg);
            goto out;
        }
    }
    json_t *s = json_object_get(o, "signature");
    const char *rx = json_string_value(json_object_get(s, "R8x"));
    const char *ry = json_string_value(json_object_get(s, "R8y"));
    const char *ss = json_string_value(json_object_get(s, "S"));
    if (!rx || !ry || !ss || via_fr_from_decimal(&t->sig.r8.x, rx) ||
        via_fr_from_decimal(&t->sig.r8.y, ry) || via_limbs_from_decimal(t->sig.s, ss) ||
        !via_limbs_lt(t->sig.s, via_babyjub_l)) {
        rc = reject(rule, "bad_signature", err,
                    "\"signature\" must hold R8x, R8y (field elements) and S (below l) as "
                    "decimal strings");
        goto out;
    }
    t->sig_json = json_pack("{s:s,s:s,s:s}", "R8x", rx, "R8y", ry, "S", ss);
out:
    json_decref(o);
    return rc;
}

static int verify_sig(const tx *t, const via_fr *kx, const via_fr *ky, char *why, size_t whylen) {
    via_fr msg;
    via_error e2 = {0};
    if (t->type == 2) {
        via_l2tx_transfer l = {t->from, t->to, t->amount, t->fee, t->nonce};
        via_l2tx_transfer_msg(&msg, &l);
    } else {
        via_l2tx_withdraw w = {t->from, t->amount, t->fee, t->nonce, t->dest_len, {0}};
        memcpy(w.dest, t->dest, t->dest_len);
        if (via_l2tx_withdraw_msg(&msg, &w, &e2)) {
            snprintf(why, whylen, "%.190s", e2.msg);
            return 0;
        }
    }
    via_babyjub_point pk = {*kx, *ky};
    if (via_eddsa_verify_var(&pk, &msg, &t->sig, &e2) != VIA_OK) {
        snprintf(why, whylen, "%.190s", e2.msg);
        return 0;
    }
    return 1;
}

static int check_sig(const tx *t, const via_account *a, const char **rule, via_error *err) {
    if (t->sig_known && via_fr_eq(&t->sig_kx, &a->pk_x) && via_fr_eq(&t->sig_ky, &a->pk_y)) {
        if (t->sig_ok) return VIA_OK;
        return reject(rule, "bad_signature", err,
                      "the signature does not verify under account %llu's key (%s)",
                      (unsigned long long)t->from, t->sig_why);
    }
    via_fr msg;
    if (t->type == 2) {
        via_l2tx_transfer l = {t->from, t->to, t->amount, t->fee, t->nonce};
        via_l2tx_transfer_msg(&msg, &l);
    } else {
        via_l2tx_withdraw w = {t->from, t->amount, t->fee, t->nonce, t->dest_len, {0}};
        memcpy(w.dest, t->dest, t->dest_len);
        if (via_l2tx_withdraw_msg(&msg, &w, err))
            return reject(rule, "bad_destination", err, "%s", err->msg);
    }
    via_babyjub_point pk = {a->pk_x, a->pk_y};
    via_error e2 = {0};
    if (via_eddsa_verify_var(&pk, &msg, &t->sig, &e2) != VIA_OK)
        return reject(rule, "bad_signature", err,
                      "the signature does not verify under account %llu's key (%s)",
                      (unsigned long long)t->from, e2.msg);
    return VIA_OK;
}

/* Applies t to state m (accounts), checking every rule; fees are not credited here. */
static int apply(amap *m, const tx *t, int check_signature, const char **rule, via_error *err) {
    via_account *a = amap_get(m, t->from);
    if (!a || !a->exists)
        return reject(rule, "unknown_account", err, "account %llu does not exist",
                      (unsigned long long)t->from);
    if (t->nonce != a->nonce)
        return reject(rule, "wrong_nonce", err, "account %llu's nonce is %llu, not %llu",
                      (unsigned long long)t->from, (unsigned long long)a->nonce,
                      (unsigned long long)t->nonce);
    uint64_t total = t->amount + t->fee;
    if (total < t->amount)
        return reject(rule, "balance_overflow", err, "amount + fee exceeds 2^64");
    if (check_signature) {
        int rc = check_sig(t, a, rule, err);
        if (rc) return rc;
    }
    if (a->balance < total)
        return reject(rule, "insufficient_balance", err,
                      "amount %llu + fee %llu exceeds account %llu's balance %llu",
                      (unsigned long long)t->amount, (unsigned long long)t->fee,
                      (unsigned long long)t->from, (unsigned long long)a->balance);
    if (t->type == 2) {
        via_account *b = amap_get(m, t->to);
        if (!b || !b->exists)
            return reject(rule, "unknown_account", err, "receiver %llu does not exist",
                          (unsigned long long)t->to);
        uint64_t after_b = (t->to == t->from ? a->balance - total : b->balance);
        if (after_b + t->amount < after_b)
            return reject(rule, "balance_overflow", err, "account %llu's balance would overflow",
                          (unsigned long long)t->to);
        a->balance -= total;
        a->nonce++;
        b = amap_get(m, t->to);
        b->balance += t->amount;
    } else {
        a->balance -= total;
        a->nonce++;
    }
    return VIA_OK;
}

int via_keeper_tx_parse(via_keeper_tx **out, const char *json, size_t len, const char **rule,
                        via_error *err) {
    if (rule) *rule = NULL;
    *out = NULL;
    tx *t = calloc(1, sizeof *t);
    if (!t) return via_fail(err, VIA_ENOMEM, "transaction");
    int rc = parse_tx(t, json, len, rule, err);
    if (rc) {
        free(t);
        return rc;
    }
    *out = (via_keeper_tx *)t;
    return VIA_OK;
}

void via_keeper_tx_free(via_keeper_tx *vt) {
    tx *t = (tx *)vt;
    if (!t) return;
    json_decref(t->sig_json);
    free(t);
}

int via_keeper_sender_key(const via_keeper *k, const via_keeper_tx *vt, via_fr *x, via_fr *y) {
    const tx *t = (const tx *)vt;
    const via_account *a = amap_get(&k->pending, t->from);
    if (!a || !a->exists) return 0;
    *x = a->pk_x;
    *y = a->pk_y;
    return 1;
}

void via_keeper_tx_precheck(via_keeper_tx *vt, const via_fr *x, const via_fr *y) {
    tx *t = (tx *)vt;
    t->sig_ok = verify_sig(t, x, y, t->sig_why, sizeof t->sig_why);
    t->sig_kx = *x;
    t->sig_ky = *y;
    t->sig_known = 1;
}

int via_keeper_submit_tx(via_keeper *k, via_keeper_tx *vt, const char **rule, via_error *err) {
    if (rule) *rule = NULL;
    tx *tp = (tx *)vt;
    tx t = *tp;
    free(tp); /* the keeper keeps the copy (and its sig_json) or frees it below */
    int rc = apply(&k->pending, &t, 1, rule, err);
    if (rc) {
        json_decref(t.sig_json);
        return rc;
    }
    if (k->ntx == k->cap) {
        size_t nc = k->cap ? 2 * k->cap : 256;
        tx *n = realloc(k->txs, nc * sizeof *n);
        if (!n) {
            json_decref(t.sig_json);
            return via_fail(err, VIA_ENOMEM, "pending transactions");
        }
        k->txs = n;
        k->cap = nc;
    }
    k->txs[k->ntx++] = t;
    return VIA_OK;
}

int via_keeper_submit(via_keeper *k, const char *json, size_t len, const char **rule,
                      via_error *err) {
    via_keeper_tx *t;
    int rc = via_keeper_tx_parse(&t, json, len, rule, err);
    return rc ? rc : via_keeper_submit_tx(k, t, rule, err);
}

/* ---- deposits ---- */
int via_keeper_add_deposit(via_keeper *k, const via_keeper_deposit *d, via_error *err) {
    if (d->priority_id <= k->last_priority)
        return via_fail(err, VIA_EINVAL,
                        "deposit %llu: priority ids must increase (the last is %llu)",
                        (unsigned long long)d->priority_id, (unsigned long long)k->last_priority);
    if (k->ndq == k->capdq) {
        size_t nc = k->capdq ? 2 * k->capdq : 64;
        via_keeper_deposit *n = realloc(k->dq, nc * sizeof *n);
        if (!n) return via_fail(err, VIA_ENOMEM, "deposit queue");
        k->dq = n;
        k->capdq = nc;
    }
    k->dq[k->ndq++] = *d;
    k->last_priority = d->priority_id;
    return VIA_OK;
}

size_t via_keeper_deposits_queued(const via_keeper *k) {
    return k->ndq;
}

void via_keeper_clear_deposits(via_keeper *k) {
    k->ndq = 0;
    k->last_priority = k->sealed_priority;
}

uint64_t via_keeper_last_priority(const via_keeper *k) {
    return k->sealed_priority;
}

void via_keeper_set_last_priority(via_keeper *k, uint64_t id) {
    k->sealed_priority = id;
    if (k->last_priority < id) k->last_priority = id;
}

typedef struct {
    uint64_t to;
    via_fr x, y;
} dep_target;

/* The deposit's account and key, or the rule that refuses it whatever the state. */
static const char *dep_decode(const via_keeper *k, const via_keeper_deposit *d, dep_target *t) {
    t->to = (uint64_t)d->receiver[0] << 24 | (uint64_t)d->receiver[1] << 16 |
            (uint64_t)d->receiver[2] << 8 | d->receiver[3];
    via_babyjub_point p;
    via_error e = {0};
    if (via_babyjub_unpack_var(&p, d->receiver + 4, &e) || !via_babyjub_in_subgroup_var(&p))
        return "bad_deposit_key";
    t->x = p.x;
    t->y = p.y;
    if (t->to >= via_smt_capacity(k->tree)) return "bad_deposit_account";
    return NULL;
}

/* The slot rule of a deposit on state m: NULL and applied, or the rule that refuses it. */
static const char *dep_apply(amap *m, const dep_target *t, uint64_t amount, int *oom) {
    via_account *a = amap_get(m, t->to);
    if (a && a->exists) {
        if (!via_fr_eq(&a->pk_x, &t->x) || !via_fr_eq(&a->pk_y, &t->y))
            return "deposit_key_mismatch";
        if (a->balance + amount < a->balance) return "balance_overflow";
        a->balance += amount;
        return NULL;
    }
    a = amap_put(m, t->to);
    if (!a) {
        *oom = 1;
        return NULL;
    }
    a->exists = 1;
    a->pk_x = t->x;
    a->pk_y = t->y;
    a->balance = amount;
    a->nonce = 0;
    return NULL;
}

/* ---- sealing ---- */
static void put_be(uint8_t *p, uint64_t v, int n) {
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static void fr_be(uint8_t out[32], const via_fr *f) {
    uint8_t le[32];
    via_fr_to_bytes_le(le, f);
    for (int i = 0; i < 32; i++)
        out[i] = le[31 - i];
}

static void slot_pubdata(uint8_t out[157], const tx *t) {
    memset(out, 0, 157);
    if (!t) return; /* noop */
    out[0] = (uint8_t)t->type;
    put_be(out + 1, t->from, 4);
    if (t->type == 2) put_be(out + 5, t->to, 4);
    put_be(out + 9, t->amount, 8);
    put_be(out + 17, t->fee, 8);
    if (t->type == 3) {
        out[25] = (uint8_t)t->dest_len;
        /* cells: 0 header (31), 1 (32), 2 (32), 3 dest0 (31), 4 dest1 (31) */
        memcpy(out + 31 + 32 + 32, t->dest, t->dest_len < 31 ? t->dest_len : 31);
        if (t->dest_len > 31) memcpy(out + 31 + 32 + 32 + 31, t->dest + 31, t->dest_len - 31);
    }
}

static json_t *tx_json(const tx *t) {
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string(t->type == 2 ? "transfer" : "withdraw"));
    json_object_set_new(o, "from", json_integer((json_int_t)t->from));
    if (t->type == 2) {
        json_object_set_new(o, "to", json_integer((json_int_t)t->to));
    } else {
        char hex[2 * VIA_L2TX_MAX_SCRIPT + 1];
        via_hex_encode(hex, t->dest, t->dest_len);
        json_object_set_new(o, "dest", json_string(hex));
    }
    json_object_set_new(o, "amount", via_json_u64(t->amount));
    json_object_set_new(o, "fee", via_json_u64(t->fee));
    json_object_set_new(o, "nonce", via_json_u64(t->nonce));
    json_object_set(o, "signature", t->sig_json);
    return o;
}

/* An account of the chunk input, compact form (docs/protocol.md): no siblings; those come
 * from the chunk's nodes (chunk_nodes) and the other accounts' paths. */
static json_t *account_json(const via_keeper *k, uint64_t id) {
    const via_account *a = amap_get(&k->sealed, id);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer((json_int_t)id));
    if (a && a->exists) {
        json_object_set_new(
            o, "pubkey",
            json_pack("{s:o,s:o}", "x", via_json_fr(&a->pk_x), "y", via_json_fr(&a->pk_y)));
        json_object_set_new(o, "balance", via_json_u64(a->balance));
        json_object_set_new(o, "nonce", via_json_u64(a->nonce));
    } else {
        json_object_set_new(o, "pubkey", json_null());
    }
    return o;
}

static int cmp_key(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The chunk input's nodes (compact form): every child of a node on a touched account's path
 * that is itself on no such path and is not an empty subtree, as [level, index, value] in
 * (level, index) order; keys are level << 56 | index (ids fit 32 bits at the chunk circuit's
 * depths). NULL when out of memory. */
static json_t *chunk_nodes(const via_keeper *k, const uint64_t *touched, size_t nt) {
    const unsigned D = k->depth;
    uint64_t *path = malloc((nt * D + 1) * sizeof *path);
    uint64_t *cand = malloc((nt * D * 16 + 1) * sizeof *cand);
    json_t *out = json_array();
    if (!path || !cand || !out) {
        free(path);
        free(cand);
        json_decref(out);
        return NULL;
    }
    size_t nc = 0;
    for (size_t i = 0; i < nt; i++)
        for (unsigned l = 0; l < D; l++) {
            uint64_t idx = touched[i] >> (4 * l);
            path[i * D + l] = (uint64_t)l << 56 | idx;
            for (uint64_t c = 0; c < 16; c++)
                cand[nc++] = (uint64_t)l << 56 | (idx & ~(uint64_t)15) | c;
        }
    qsort(path, nt * D, sizeof *path, cmp_key);
    qsort(cand, nc, sizeof *cand, cmp_key);
    for (size_t i = 0; i < nc; i++) {
        if (i && cand[i] == cand[i - 1]) continue;
        if (bsearch(&cand[i], path, nt * D, sizeof *path, cmp_key)) continue;
        unsigned l = (unsigned)(cand[i] >> 56);
        uint64_t idx = cand[i] & (((uint64_t)1 << 56) - 1);
        via_fr v;
        via_smt_node(k->tree, l, idx, &v);
        if (via_fr_eq(&v, via_smt_empty_hash(l))) continue;
        json_array_append_new(
            out, json_pack("[I,I,o]", (json_int_t)l, (json_int_t)idx, via_json_fr(&v)));
    }
    free(path);
    free(cand);
    return out;
}

static int u64_in(const uint64_t *v, size_t n, uint64_t x) {
    for (size_t i = 0; i < n; i++)
        if (v[i] == x) return 1;
    return 0;
}

void via_sealed_batch_free(via_sealed_batch *b) {
    if (!b) return;
    for (uint32_t i = 0; b->chunk_inputs && i < b->chunks; i++)
        free(b->chunk_inputs[i]);
    free(b->chunk_inputs);
    free(b->pubdata);
    free(b->ids);
    free(b->leaves);
    free(b->deposits);
    memset(b, 0, sizeof *b);
}

int via_keeper_seal(via_keeper *k, uint64_t number, const uint8_t prev_hash[32],
                    uint32_t slots_per_chunk, uint32_t max_chunks, via_sealed_batch *out,
                    via_error *err) {
    return via_keeper_seal_upto(k, number, prev_hash, slots_per_chunk, max_chunks, k->ntx, out,
                                err);
}

static void slot_pubdata_deposit(uint8_t out[157], const via_keeper_deposit *d,
                                 const dep_target *t) {
    memset(out, 0, 157);
    out[0] = 1;
    put_be(out + 1, t->to, 4);
    put_be(out + 9, d->amount, 8);
    out[26] = d->txid[31];
    put_be(out + 27, d->vout, 4);
    fr_be(out + 31, &t->x);
    fr_be(out + 63, &t->y);
    memcpy(out + 95, d->txid, 31);
}

static json_t *deposit_json(const via_keeper_deposit *d, const dep_target *t) {
    char txid[65];
    via_hex_encode(txid, d->txid, 32);
    return json_pack("{s:s,s:I,s:o,s:{s:o,s:o},s:s,s:I}", "type", "deposit", "to",
                     (json_int_t)t->to, "amount", via_json_u64(d->amount), "pubkey", "x",
                     via_json_fr(&t->x), "y", via_json_fr(&t->y), "txid", txid, "vout",
                     (json_int_t)d->vout);
}

typedef struct {
    const via_keeper_deposit *dep; /* NULL: a transaction */
    dep_target t;
    const tx *tx;
} slot;

struct via_seal_job {
    tx *txs; /* taken from the front of the queue, in order */
    size_t ntx;
    size_t sealed;    /* how many of them the run sealed (the rest go back) */
    size_t ndeposits; /* queued deposits the run consumed */
    uint64_t last_priority;
    uint64_t fees;       /* credited to account 0 */
    dep_target *credits; /* deposits credited, for the pending state */
    uint64_t *amounts;
    size_t ncredits;
    int ran;
};

via_seal_job *via_keeper_seal_take(via_keeper *k, size_t max_txs, size_t max_slots) {
    via_seal_job *j = calloc(1, sizeof *j);
    size_t take = k->ntx < max_txs ? k->ntx : max_txs;
    if (take > max_slots) take = max_slots;
    if (!j || !(j->txs = malloc((take ? take : 1) * sizeof *j->txs))) {
        free(j);
        return NULL;
    }
    if (take) {
        memcpy(j->txs, k->txs, take * sizeof *j->txs);
        memmove(k->txs, k->txs + take, (k->ntx - take) * sizeof *k->txs);
    }
    k->ntx -= take;
    j->ntx = take;
    return j;
}

void via_seal_job_free(via_seal_job *j) {
    if (!j) return;
    for (size_t i = 0; i < j->ntx; i++)
        json_decref(j->txs[i].sig_json);
    free(j->txs);
    free(j->credits);
    free(j->amounts);
    free(j);
}

void via_keeper_seal_finish(via_keeper *k, via_seal_job *j) {
    /* the taken transactions the run left unsealed go back to the front of the queue, ahead of
     * any accepted meanwhile (the pending state already counts them) */
    size_t back = j->ntx - j->sealed;
    if (back) {
        if (k->ntx + back > k->cap) {
            tx *n = realloc(k->txs, (k->ntx + back) * sizeof *n);
            if (!n) {
                fprintf(stderr, "via: out of memory putting back %zu transactions\n", back);
                abort();
            }
            k->txs = n;
            k->cap = k->ntx + back;
        }
        memmove(k->txs + back, k->txs, k->ntx * sizeof *k->txs);
        memcpy(k->txs, j->txs + j->sealed, back * sizeof *k->txs);
        k->ntx += back;
        j->ntx = j->sealed; /* moved: not freed with the job */
    }
    if (j->ran) {
        /* the pending state gets the fees the sealed chunks credited and the deposits (the same
         * accounts and keys as in the sealed state: only deposits create accounts; with
         * balances in sats no pending balance can reach 2^64) */
        via_account *pop = amap_get(&k->pending, 0);
        if (pop && pop->balance + j->fees >= pop->balance) pop->balance += j->fees;
        int oom = 0;
        for (size_t i = 0; i < j->ncredits; i++)
            (void)dep_apply(&k->pending, &j->credits[i], j->amounts[i], &oom);
        if (oom) {
            fprintf(stderr, "via: out of memory crediting deposits to the pending state\n");
            abort();
        }
        size_t nd = j->ndeposits;
        if (nd) memmove(k->dq, k->dq + nd, (k->ndq - nd) * sizeof *k->dq);
        k->ndq -= nd;
        if (nd) k->sealed_priority = j->last_priority;
    }
    via_seal_job_free(j);
}

int via_keeper_seal_upto(via_keeper *k, uint64_t number, const uint8_t prev_hash[32],
                         uint32_t slots_per_chunk, uint32_t max_chunks, size_t max_txs,
                         via_sealed_batch *out, via_error *err) {
    memset(out, 0, sizeof *out);
    if ((k->ntx == 0 || max_txs == 0) && k->ndq == 0)
        return via_fail(err, VIA_EINVAL, "seal: no pending transaction or deposit");
    via_seal_job *j = via_keeper_seal_take(k, max_txs, (size_t)slots_per_chunk * max_chunks);
    if (!j) return via_fail(err, VIA_ENOMEM, "seal: job");
    int rc = via_keeper_seal_run(k, j, number, prev_hash, slots_per_chunk, max_chunks, out, err);
    via_keeper_seal_finish(k, j);
    return rc;
}

int via_keeper_seal_run(via_keeper *k, via_seal_job *j, uint64_t number,
                        const uint8_t prev_hash[32], uint32_t slots_per_chunk, uint32_t max_chunks,
                        via_sealed_batch *out, via_error *err) {
    memset(out, 0, sizeof *out);
    if (j->ntx == 0 && k->ndq == 0)
        return via_fail(err, VIA_EINVAL, "seal: no pending transaction or deposit");
    via_account *op = amap_get(&k->sealed, 0);
    if (!op || !op->exists)
        return via_fail(err, VIA_EINVAL, "seal: the operator account 0 does not exist");
    if (slots_per_chunk < 1 || max_chunks < 1)
        return via_fail(err, VIA_EINVAL, "seal: zero chunk size or count");
    size_t capacity = (size_t)slots_per_chunk * max_chunks;
    /* Deposits first: their outcomes on a scratch copy of the accounts they reach. */
    slot *slots = malloc(capacity * sizeof *slots);
    out->deposits = malloc((k->ndq ? k->ndq : 1) * sizeof *out->deposits);
    if (!slots || !out->deposits) {
        free(slots);
        via_sealed_batch_free(out);
        return via_fail(err, VIA_ENOMEM, "seal: slots");
    }
    amap scratch = {0};
    size_t nslots = 0, nd = 0;
    int oom = 0;
    for (; nd < k->ndq && nslots < capacity && !oom; nd++) {
        const via_keeper_deposit *d = &k->dq[nd];
        dep_target t;
        const char *rule = dep_decode(k, d, &t);
        if (!rule && !amap_get(&scratch, t.to)) {
            const via_account *sa = amap_get(&k->sealed, t.to);
            via_account *c = amap_put(&scratch, t.to);
            if (!c)
                oom = 1;
            else if (sa)
                *c = *sa;
        }
        if (!rule && !oom) rule = dep_apply(&scratch, &t, d->amount, &oom);
        out->deposits[nd].priority_id = d->priority_id;
        out->deposits[nd].refused = rule;
        if (!rule) slots[nslots++] = (slot){d, t, NULL};
    }
    amap_free(&scratch);
    if (oom) {
        free(slots);
        via_sealed_batch_free(out);
        return via_fail(err, VIA_ENOMEM, "seal: deposits");
    }
    out->ndeposits = nd;
    if (nd) {
        out->first_priority = k->dq[0].priority_id;
        out->last_priority = k->dq[nd - 1].priority_id;
    }
    size_t take = j->ntx;
    if (take > capacity - nslots) take = capacity - nslots;
    for (size_t i = 0; i < take; i++)
        slots[nslots++] = (slot){NULL, {0}, &j->txs[i]};
    uint32_t chunks = (uint32_t)((nslots + slots_per_chunk - 1) / slots_per_chunk);
    if (chunks == 0) chunks = 1; /* only refused deposits: one chunk of noops records them */
    out->number = number;
    memcpy(out->prev_hash, prev_hash, 32);
    out->chunks = chunks;
    out->slots_per_chunk = slots_per_chunk;
    out->txs = take;
    out->pubdata_len = (size_t)157 * slots_per_chunk * chunks;
    out->chunk_inputs = calloc(chunks, sizeof *out->chunk_inputs);
    out->pubdata = calloc(out->pubdata_len, 1);
    uint64_t *touched = malloc((2 * (size_t)slots_per_chunk + 1) * sizeof *touched);
    via_fr *tleaves = malloc((2 * (size_t)slots_per_chunk + 1) * sizeof *tleaves);
    if (!out->chunk_inputs || !out->pubdata || !touched || !tleaves) {
        free(touched);
        free(tleaves);
        free(slots);
        via_sealed_batch_free(out);
        return via_fail(err, VIA_ENOMEM, "seal: batch of %u chunks", chunks);
    }
    via_smt_root(k->tree, &out->root_before);
    int rc = VIA_OK;
    size_t si = 0;
    /* every id whose leaf changes, for the versioned tree */
    size_t capl = 2 * nslots + chunks + 1, nl = 0;
    uint64_t total_fees = 0;
    out->ids = malloc(capl * sizeof *out->ids);
    if (!out->ids) rc = via_fail(err, VIA_ENOMEM, "seal");
    for (uint32_t c = 0; c < chunks && !rc; c++) {
        size_t n = nslots - si < slots_per_chunk ? nslots - si : slots_per_chunk;
        size_t nt = 0;
        touched[nt++] = 0;
        for (size_t i = 0; i < n; i++) {
            const slot *sl = &slots[si + i];
            if (sl->dep) {
                if (!u64_in(touched, nt, sl->t.to)) touched[nt++] = sl->t.to;
                continue;
            }
            const tx *t = sl->tx;
            if (!u64_in(touched, nt, t->from)) touched[nt++] = t->from;
            if (t->type == 2 && !u64_in(touched, nt, t->to)) touched[nt++] = t->to;
        }
        via_fr root;
        via_smt_root(k->tree, &root);
        json_t *accs = json_array(), *txs = json_array();
        json_t *nodes = chunk_nodes(k, touched, nt);
        if (!nodes) rc = via_fail(err, VIA_ENOMEM, "seal: chunk nodes");
        for (size_t i = 0; i < nt && !rc; i++)
            json_array_append_new(accs, account_json(k, touched[i]));
        uint64_t fees = 0;
        for (size_t i = 0; i < n && !rc; i++) {
            const slot *sl = &slots[si + i];
            uint8_t *pd = out->pubdata + ((size_t)c * slots_per_chunk + i) * 157;
            if (sl->dep) {
                /* the scratch run above found that it applies */
                const char *rule = dep_apply(&k->sealed, &sl->t, sl->dep->amount, &oom);
                if (rule || oom) {
                    rc = via_fail(err, oom ? VIA_ENOMEM : VIA_EINVAL, "seal: deposit %llu: %s",
                                  (unsigned long long)sl->dep->priority_id,
                                  oom ? "out of memory" : rule);
                    break;
                }
                json_array_append_new(txs, deposit_json(sl->dep, &sl->t));
                slot_pubdata_deposit(pd, sl->dep, &sl->t);
                continue;
            }
            const tx *t = sl->tx;
            const char *rule;
            /* signatures were checked at intake against the same key and nonce */
            if ((rc = apply(&k->sealed, t, 0, &rule, err))) break;
            fees += t->fee;
            json_array_append_new(txs, tx_json(t));
            slot_pubdata(pd, t);
        }
        if (!rc) {
            op = amap_get(&k->sealed, 0);
            if (op->balance + fees < op->balance)
                rc = via_fail(err, VIA_EINVAL, "seal: the operator's balance would overflow");
            else
                op->balance += fees;
            total_fees += fees;
        }
        if (!rc) {
            for (size_t i = 0; i < nt; i++)
                if (!u64_in(out->ids, nl, touched[i])) out->ids[nl++] = touched[i];
            leaf_src src = {&k->sealed, touched};
            rc = via_smt_account_leaves(tleaves, nt, leaf_get, &src, err);
            if (!rc) rc = via_smt_set_many(k->tree, touched, tleaves, nt, err);
        }
        if (!rc) {
            json_t *doc = json_object();
            json_object_set_new(doc, "slots", json_integer(slots_per_chunk));
            json_object_set_new(doc, "depth", json_integer(k->depth));
            json_object_set_new(doc, "batch", json_integer((json_int_t)number));
            json_object_set_new(doc, "chunk", json_integer(c));
            json_object_set_new(doc, "root_before", via_json_fr(&root));
            json_object_set_new(doc, "accounts", accs);
            json_object_set_new(doc, "nodes", nodes);
            json_object_set_new(doc, "txs", txs);
            out->chunk_inputs[c] = json_dumps(doc, JSON_COMPACT);
            json_decref(doc);
            if (!out->chunk_inputs[c]) rc = via_fail(err, VIA_ENOMEM, "seal: chunk input");
        } else {
            json_decref(accs);
            json_decref(nodes);
            json_decref(txs);
        }
        si += n;
    }
    free(touched);
    free(tleaves);
    if (rc) {
        /* the sealed state is now inconsistent: this cannot happen for accepted
         * transactions; report it loudly */
        free(slots);
        via_sealed_batch_free(out);
        return rc;
    }
    via_smt_root(k->tree, &out->root_after);
    out->leaves = malloc((nl ? nl : 1) * sizeof *out->leaves);
    if (!out->leaves) {
        free(slots);
        via_sealed_batch_free(out);
        return via_fail(err, VIA_ENOMEM, "seal");
    }
    leaf_src src = {&k->sealed, out->ids};
    if ((rc = via_smt_account_leaves(out->leaves, nl, leaf_get, &src, err))) {
        free(slots);
        via_sealed_batch_free(out);
        return rc;
    }
    out->nleaves = nl;
    /* what via_keeper_seal_finish applies to the pending state and the queues */
    j->credits = malloc((nslots ? nslots : 1) * sizeof *j->credits);
    j->amounts = malloc((nslots ? nslots : 1) * sizeof *j->amounts);
    if (!j->credits || !j->amounts) {
        free(slots);
        via_sealed_batch_free(out);
        return via_fail(err, VIA_ENOMEM, "seal: credits");
    }
    for (size_t i = 0; i < nslots; i++)
        if (slots[i].dep) {
            j->credits[j->ncredits] = slots[i].t;
            j->amounts[j->ncredits++] = slots[i].dep->amount;
        }
    free(slots);
    j->fees = total_fees;
    j->ndeposits = nd;
    j->last_priority = out->last_priority;
    j->sealed = take;
    j->ran = 1;
    /* pubdata hash and header */
    unsigned int hl = 32;
    EVP_Digest(out->pubdata, out->pubdata_len, out->pubdata_hash, &hl, EVP_blake2s256(), NULL);
    uint8_t *h = out->header;
    put_be(h, number, 8);
    memcpy(h + 8, prev_hash, 32);
    fr_be(h + 40, &out->root_before);
    fr_be(h + 72, &out->root_after);
    memcpy(h + 104, out->pubdata_hash, 32);
    put_be(h + 136, chunks, 4);
    put_be(h + 140, slots_per_chunk, 4);
    put_be(h + 144, out->first_priority, 8);
    put_be(h + 152, out->last_priority, 8);
    EVP_Digest(h, 160, out->header_hash, &hl, EVP_blake2s256(), NULL);
    return VIA_OK;
}
