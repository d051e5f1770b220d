/* The stand-in's chain: blocks in memory, a coin list rebuilt by replay after a reorg, a
 * mempool, and transaction validation.
 *
 * Validation is real where Via depends on it: every input must exist and be unspent, the
 * outputs must not exceed the inputs, and every signature is checked with libsecp256k1 through
 * via_bitcoin's sighashes: P2WPKH (BIP-143 ECDSA), P2TR key path (BIP-341 Schnorr) and P2TR
 * script path for tapscripts that begin `<32-byte key> OP_CHECKSIG` and are either just that or
 * followed by an `OP_FALSE OP_IF ... OP_ENDIF` envelope (Via inscriptions). Anything else (other
 * output types, other tapscripts, timelocks, coinbase maturity, standardness, fee policy, block
 * weight) is not modelled: the stand-in rejects unknown spends instead of guessing.
 */
#include "standin.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grow(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q) return -1;
    *p = q;
    *cap = c;
    return 0;
}

void sb_tx_free(sb_tx *t) {
    free(t->raw);
    t->raw = NULL;
    via_btc_tx_free(&t->tx);
}

static void block_free(sb_block *b) {
    for (size_t i = 0; i < b->n_tx; i++)
        sb_tx_free(&b->txs[i]);
    free(b->txs);
    memset(b, 0, sizeof *b);
}

static int tx_from_struct(sb_tx *t, const via_btc_tx *tx) {
    memset(t, 0, sizeof *t);
    via_btc_tx_init(&t->tx);
    if (via_btc_tx_copy(&t->tx, tx)) return -1;
    if (via_btc_tx_serialize(&t->raw, &t->raw_len, tx, 1)) {
        via_btc_tx_free(&t->tx);
        return -1;
    }
    via_btc_tx_txid(t->txid, tx);
    via_btc_tx_wtxid(t->wtxid, tx);
    return 0;
}

static int is_null_prevout(const via_btc_txin *in) {
    static const uint8_t zero[32];
    return in->prev_vout == 0xffffffffu && memcmp(in->prev_txid, zero, 32) == 0;
}

/* Adds tx's outputs to the coin list and marks what it spends. */
static int apply_tx(sb_chain *c, const sb_tx *t, int64_t height) {
    const via_btc_tx *tx = &t->tx;
    int coinbase = tx->n_in == 1 && is_null_prevout(&tx->in[0]);
    if (!coinbase)
        for (size_t i = 0; i < tx->n_in; i++)
            for (size_t k = 0; k < c->n_coins; k++)
                if (c->coins[k].vout == tx->in[i].prev_vout &&
                    memcmp(c->coins[k].txid, tx->in[i].prev_txid, 32) == 0)
                    c->coins[k].spent = 1;
    if (grow((void **)&c->coins, &c->cap_coins, c->n_coins + tx->n_out, sizeof *c->coins))
        return -1;
    for (size_t o = 0; o < tx->n_out; o++) {
        sb_coin *k = &c->coins[c->n_coins++];
        memcpy(k->txid, t->txid, 32);
        k->vout = (uint32_t)o;
        k->value = tx->out[o].value;
        k->script = tx->out[o].script_pubkey.data;
        k->script_len = tx->out[o].script_pubkey.len;
        k->height = height;
        k->coinbase = coinbase;
        k->spent = 0;
    }
    return 0;
}

static int rebuild_coins(sb_chain *c) {
    c->n_coins = 0;
    for (size_t h = 0; h < c->n_blocks; h++)
        for (size_t i = 0; i < c->blocks[h].n_tx; i++)
            if (apply_tx(c, &c->blocks[h].txs[i], (int64_t)h)) return -1;
    return 0;
}

static void put_le32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Merkle root over 32-byte leaves (in place). */
static void merkle_root(uint8_t out[32], uint8_t (*h)[32], size_t n) {
    while (n > 1) {
        size_t m = 0;
        for (size_t i = 0; i < n; i += 2) {
            uint8_t pair[64];
            memcpy(pair, h[i], 32);
            memcpy(pair + 32, h[i + 1 < n ? i + 1 : i], 32);
            via_btc_sha256d(h[m++], pair, 64);
        }
        n = m;
    }
    memcpy(out, h[0], 32);
}

/* Builds the coinbase for height: BIP-34 height push plus an extranonce, one payout, and the
 * BIP-141 witness commitment over the other transactions' wtxids. */
static int make_coinbase(sb_chain *c, sb_tx *out, int64_t height, const uint8_t *script,
                         size_t script_len, uint64_t value, uint64_t fees, const sb_tx *txs,
                         size_t n_txs) {
    via_btc_tx cb;
    via_btc_tx_init(&cb);
    cb.version = 2;
    static const uint8_t zero[32];
    uint8_t sig[32];
    size_t n = 0;
    uint8_t hbytes[8];
    size_t hl = 0;
    for (int64_t v = height; v > 0; v >>= 8)
        hbytes[hl++] = (uint8_t)v;
    if (hl && (hbytes[hl - 1] & 0x80)) hbytes[hl++] = 0;
    if (height == 0) {
        sig[n++] = 0x00;
    } else {
        sig[n++] = (uint8_t)hl;
        memcpy(sig + n, hbytes, hl);
        n += hl;
    }
    sig[n++] = 8;
    uint64_t en = ++c->extranonce;
    for (int i = 0; i < 8; i++)
        sig[n++] = (uint8_t)(en >> (8 * i));
    int rc = via_btc_tx_add_input(&cb, zero, 0xffffffffu, 0xffffffffu);
    if (!rc) {
        cb.in[0].script_sig.data = malloc(n);
        if (!cb.in[0].script_sig.data)
            rc = -1;
        else {
            memcpy(cb.in[0].script_sig.data, sig, n);
            cb.in[0].script_sig.len = n;
        }
    }
    if (!rc) rc = via_btc_tx_add_output(&cb, value, script, script_len);
    /* Fees go to a separate anyone-can-spend output so the payout is exactly `value`
     * (standin_fund promises an exact amount). */
    static const uint8_t op_true[] = {0x51};
    if (!rc && fees) rc = via_btc_tx_add_output(&cb, fees, op_true, sizeof op_true);
    if (!rc) {
        uint8_t(*w)[32] = calloc(n_txs + 1, 32);
        if (!w)
            rc = -1;
        else {
            for (size_t i = 0; i < n_txs; i++)
                memcpy(w[i + 1], txs[i].wtxid, 32);
            uint8_t buf[64] = {0}, commit[38] = {0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed};
            merkle_root(buf, w, n_txs + 1);
            via_btc_sha256d(commit + 6, buf, 64); /* root || 32-byte zero reserved value */
            free(w);
            rc = via_btc_tx_add_output(&cb, 0, commit, sizeof commit);
            const uint8_t *item = zero;
            size_t len = 32;
            if (!rc) rc = via_btc_tx_set_witness(&cb, 0, 1, &item, &len);
        }
    }
    if (!rc) rc = tx_from_struct(out, &cb);
    via_btc_tx_free(&cb);
    return rc ? -1 : 0;
}

/* Appends a block holding coinbase + txs (ownership of txs' contents moves to the block). */
static int append_block(sb_chain *c, const uint8_t *script, size_t script_len, uint64_t value,
                        uint64_t fees, sb_tx *txs, size_t n_txs) {
    if (grow((void **)&c->blocks, &c->cap_blocks, c->n_blocks + 1, sizeof *c->blocks)) return -1;
    sb_block b = {0};
    b.height = (int64_t)c->n_blocks;
    b.txs = calloc(n_txs + 1, sizeof *b.txs);
    if (!b.txs) return -1;
    if (make_coinbase(c, &b.txs[0], b.height, script, script_len, value, fees, txs, n_txs)) {
        free(b.txs);
        return -1;
    }
    for (size_t i = 0; i < n_txs; i++)
        b.txs[i + 1] = txs[i];
    b.n_tx = n_txs + 1;
    uint8_t(*ids)[32] = malloc(b.n_tx * 32);
    if (!ids) {
        block_free(&b);
        return -1;
    }
    for (size_t i = 0; i < b.n_tx; i++)
        memcpy(ids[i], b.txs[i].txid, 32);
    b.time = c->clock += 1;
    put_le32(b.header, 0x20000000u);
    if (c->n_blocks) memcpy(b.header + 4, c->blocks[c->n_blocks - 1].hash, 32);
    merkle_root(b.header + 36, ids, b.n_tx);
    free(ids);
    put_le32(b.header + 68, b.time);
    put_le32(b.header + 72, 0x207fffffu);
    /* Regtest proof of work: the hash, read as a little-endian number, must be below
     * 0x7fffff << 232, i.e. its top byte below 0x80 (half of all nonces pass). */
    for (uint32_t nonce = 0;; nonce++) {
        put_le32(b.header + 76, nonce);
        via_btc_sha256d(b.hash, b.header, 80);
        if (b.hash[31] < 0x7f) break;
    }
    c->blocks[c->n_blocks++] = b;
    return rebuild_coins(c);
}

int sb_chain_init(sb_chain *c) {
    memset(c, 0, sizeof *c);
    c->clock = 1296688602; /* regtest genesis time */
    c->fee_sat_per_kvb = 2000;
    static const uint8_t burn[] = {0x6a}; /* genesis pays to OP_RETURN: unspendable */
    return append_block(c, burn, sizeof burn, 5000000000ULL, 0, NULL, 0);
}

void sb_chain_free(sb_chain *c) {
    for (size_t i = 0; i < c->n_blocks; i++)
        block_free(&c->blocks[i]);
    for (size_t i = 0; i < c->n_mempool; i++)
        sb_tx_free(&c->mempool[i]);
    free(c->blocks);
    free(c->mempool);
    free(c->coins);
    memset(c, 0, sizeof *c);
}

/* Fee of mempool[i]: its inputs come from confirmed coins or from earlier mempool txs. */
static uint64_t mempool_fee(const sb_chain *c, size_t i) {
    uint64_t in = 0, out = 0;
    for (size_t k = 0; k < c->mempool[i].tx.n_out; k++)
        out += c->mempool[i].tx.out[k].value;
    for (size_t k = 0; k < c->mempool[i].tx.n_in; k++) {
        const via_btc_txin *x = &c->mempool[i].tx.in[k];
        const sb_coin *coin = sb_find_coin(c, x->prev_txid, x->prev_vout);
        if (coin)
            in += coin->value;
        else
            for (size_t j = 0; j < c->n_mempool; j++)
                if (j != i && !memcmp(c->mempool[j].txid, x->prev_txid, 32) &&
                    x->prev_vout < c->mempool[j].tx.n_out)
                    in += c->mempool[j].tx.out[x->prev_vout].value;
    }
    return in > out ? in - out : 0;
}

/* Marks in evict[] the mempool txs spending any input of tx (its direct conflicts, flagged 1)
 * and every mempool descendant of those (flagged 2). Returns how many are marked. */
static size_t mark_conflicts(const sb_chain *c, const via_btc_tx *tx, unsigned char *evict) {
    size_t n = 0;
    for (size_t m = 0; m < c->n_mempool; m++)
        for (size_t k = 0; k < c->mempool[m].tx.n_in && !evict[m]; k++)
            for (size_t i = 0; i < tx->n_in; i++)
                if (c->mempool[m].tx.in[k].prev_vout == tx->in[i].prev_vout &&
                    !memcmp(c->mempool[m].tx.in[k].prev_txid, tx->in[i].prev_txid, 32)) {
                    evict[m] = 1;
                    n++;
                    break;
                }
    for (int grew = 1; grew;) {
        grew = 0;
        for (size_t m = 0; m < c->n_mempool; m++) {
            if (evict[m]) continue;
            for (size_t k = 0; k < c->mempool[m].tx.n_in && !evict[m]; k++)
                for (size_t p = 0; p < c->n_mempool; p++)
                    if (evict[p] &&
                        !memcmp(c->mempool[m].tx.in[k].prev_txid, c->mempool[p].txid, 32)) {
                        evict[m] = 2;
                        n++;
                        grew = 1;
                        break;
                    }
        }
    }
    return n;
}

void sb_mempool_replace(sb_chain *c, const sb_tx *t) {
    if (c->n_mempool == 0) return;
    unsigned char *evict = calloc(c->n_mempool, 1);
    if (!evict) return;
    mark_conflicts(c, &t->tx, evict);
    size_t w = 0;
    for (size_t m = 0; m < c->n_mempool; m++) {
        if (evict[m])
            sb_tx_free(&c->mempool[m]);
        else
            c->mempool[w++] = c->mempool[m];
    }
    c->n_mempool = w;
    free(evict);
}

int sb_mine(sb_chain *c, const uint8_t *script, size_t script_len, uint64_t value) {
    uint64_t fees = 0;
    for (size_t i = 0; i < c->n_mempool; i++)
        fees += mempool_fee(c, i);
    int rc = append_block(c, script, script_len, value, fees, c->mempool, c->n_mempool);
    if (rc) return rc;
    c->n_mempool = 0; /* the block owns them now */
    return 0;
}

/* Drops mempool txs that no longer validate (after a reorg), keeping order. */
static void revalidate_mempool(sb_chain *c) {
    sb_tx *old = c->mempool;
    size_t n = c->n_mempool;
    c->mempool = NULL;
    c->n_mempool = c->cap_mempool = 0;
    for (size_t i = 0; i < n; i++) {
        sb_tx t;
        uint64_t fee;
        sb_reject rej;
        if (sb_check_tx(c, &t, &fee, old[i].raw, old[i].raw_len, &rej) == 0 &&
            sb_mempool_add(c, &t) != 0)
            sb_tx_free(&t);
        sb_tx_free(&old[i]);
    }
    free(old);
}

int sb_reorg(sb_chain *c, size_t depth, size_t new_len, int keep_txs, const uint8_t *script,
             size_t script_len) {
    if (depth == 0 || depth >= c->n_blocks) return -1;
    /* Orphaned transactions go first (older), then what was already in the mempool. */
    sb_tx *saved = c->mempool;
    size_t n_saved = c->n_mempool;
    c->mempool = NULL;
    c->n_mempool = c->cap_mempool = 0;
    for (size_t h = c->n_blocks - depth; h < c->n_blocks; h++) {
        sb_block *b = &c->blocks[h];
        for (size_t i = 1; i < b->n_tx; i++) {
            if (keep_txs && grow((void **)&c->mempool, &c->cap_mempool, c->n_mempool + 1,
                                 sizeof *c->mempool) == 0) {
                c->mempool[c->n_mempool++] = b->txs[i];
                memset(&b->txs[i], 0, sizeof b->txs[i]);
            }
        }
        block_free(b);
    }
    c->n_blocks -= depth;
    for (size_t i = 0; i < n_saved; i++) {
        if (grow((void **)&c->mempool, &c->cap_mempool, c->n_mempool + 1, sizeof *c->mempool) == 0)
            c->mempool[c->n_mempool++] = saved[i];
        else
            sb_tx_free(&saved[i]);
    }
    free(saved);
    if (rebuild_coins(c)) return -1;
    revalidate_mempool(c);
    for (size_t i = 0; i < new_len; i++)
        if (sb_mine(c, script, script_len, 5000000000ULL)) return -1;
    return 0;
}

const sb_coin *sb_find_coin(const sb_chain *c, const uint8_t txid[32], uint32_t vout) {
    for (size_t k = 0; k < c->n_coins; k++)
        if (c->coins[k].vout == vout && !memcmp(c->coins[k].txid, txid, 32)) return &c->coins[k];
    return NULL;
}

const sb_tx *sb_find_tx(const sb_chain *c, const uint8_t txid[32], int64_t *height) {
    for (size_t h = c->n_blocks; h-- > 0;)
        for (size_t i = 0; i < c->blocks[h].n_tx; i++)
            if (!memcmp(c->blocks[h].txs[i].txid, txid, 32)) {
                *height = (int64_t)h;
                return &c->blocks[h].txs[i];
            }
    for (size_t i = 0; i < c->n_mempool; i++)
        if (!memcmp(c->mempool[i].txid, txid, 32)) {
            *height = -1;
            return &c->mempool[i];
        }
    return NULL;
}

int sb_mempool_spends(const sb_chain *c, const uint8_t txid[32], uint32_t vout) {
    for (size_t i = 0; i < c->n_mempool; i++)
        for (size_t k = 0; k < c->mempool[i].tx.n_in; k++)
            if (c->mempool[i].tx.in[k].prev_vout == vout &&
                !memcmp(c->mempool[i].tx.in[k].prev_txid, txid, 32))
                return 1;
    return 0;
}

int sb_mempool_add(sb_chain *c, sb_tx *t) {
    if (grow((void **)&c->mempool, &c->cap_mempool, c->n_mempool + 1, sizeof *c->mempool))
        return -1;
    c->mempool[c->n_mempool++] = *t;
    memset(t, 0, sizeof *t);
    return 0;
}

static int reject(sb_reject *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int reject(sb_reject *r, int code, const char *fmt, ...) {
    r->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof r->msg, fmt, ap);
    va_end(ap);
    return -1;
}

#define RPC_VERIFY_ERROR -25
#define RPC_VERIFY_REJECTED -26
#define RPC_VERIFY_ALREADY_IN_CHAIN -27
#define RPC_DESERIALIZATION_ERROR -22

/* Tapscript subset: <32-byte key> OP_CHECKSIG [OP_FALSE OP_IF <pushes...> OP_ENDIF]. Returns
 * the key, or NULL when the script is outside the subset. */
static const uint8_t *tapscript_key(const uint8_t *s, size_t n) {
    if (n < 34 || s[0] != 0x20 || s[33] != 0xac) return NULL;
    if (n == 34) return s + 1;
    if (n < 37 || s[34] != 0x00 || s[35] != 0x63 || s[n - 1] != 0x68) return NULL;
    size_t i = 36;
    while (i < n - 1) { /* only pushes inside the envelope: it is never executed */
        uint8_t op = s[i++];
        size_t len;
        if (op == 0x00 || (op >= 0x51 && op <= 0x60) || op == 0x4f) continue;
        if (op >= 1 && op <= 75)
            len = op;
        else if (op == 0x4c && i + 1 <= n - 1)
            len = s[i], i += 1;
        else if (op == 0x4d && i + 2 <= n - 1)
            len = s[i] | (size_t)s[i + 1] << 8, i += 2;
        else
            return NULL;
        if (len > n - 1 - i) return NULL;
        i += len;
    }
    return s + 1;
}

static int verify_input(const via_btc_tx *tx, size_t idx, const via_btc_txout *spent,
                        size_t n_spent, sb_reject *rej) {
    const via_btc_txin *in = &tx->in[idx];
    const uint8_t *spk = spent[idx].script_pubkey.data;
    size_t spk_len = spent[idx].script_pubkey.len;
    via_error e = {0};
    if (in->script_sig.len)
        return reject(rej, RPC_VERIFY_REJECTED,
                      "input %zu: scriptSig must be empty for a segwit spend", idx);
    if (spk_len == 22 && spk[0] == 0x00 && spk[1] == 0x14) {
        if (in->n_witness != 2 || in->witness[1].len != 33 || in->witness[0].len < 9 ||
            in->witness[0].len > 73)
            return reject(rej, RPC_VERIFY_REJECTED,
                          "mandatory-script-verify-flag-failed (input %zu: P2WPKH witness must be "
                          "[sig, pubkey])",
                          idx);
        uint8_t h160[20];
        via_btc_hash160(h160, in->witness[1].data, 33);
        if (memcmp(h160, spk + 2, 20))
            return reject(rej, RPC_VERIFY_REJECTED,
                          "mandatory-script-verify-flag-failed (input %zu: pubkey does not match "
                          "the P2WPKH program)",
                          idx);
        uint8_t code[25], digest[32];
        via_btc_p2wpkh_script_code(code, in->witness[1].data);
        uint8_t ht = in->witness[0].data[in->witness[0].len - 1];
        if (via_btc_sighash_v0(digest, tx, idx, code, sizeof code, spent[idx].value, ht, &e) ||
            via_btc_ecdsa_verify(in->witness[0].data, in->witness[0].len - 1, digest,
                                 in->witness[1].data))
            return reject(rej, RPC_VERIFY_REJECTED,
                          "mandatory-script-verify-flag-failed (input %zu: P2WPKH ECDSA signature "
                          "does not verify)",
                          idx);
        return 0;
    }
    if (spk_len == 34 && spk[0] == 0x51 && spk[1] == 0x20) {
        size_t nw = in->n_witness;
        const uint8_t *annex = NULL;
        size_t annex_len = 0;
        if (nw >= 2 && in->witness[nw - 1].len && in->witness[nw - 1].data[0] == 0x50) {
            annex = in->witness[nw - 1].data;
            annex_len = in->witness[nw - 1].len;
            nw--;
        }
        if (nw == 0)
            return reject(rej, RPC_VERIFY_REJECTED,
                          "mandatory-script-verify-flag-failed (input %zu: empty taproot witness)",
                          idx);
        const via_btc_bytes *sigb;
        uint8_t leaf[32];
        via_btc_taproot_ext ext = {annex, annex_len, NULL, 0xffffffffu};
        const uint8_t *key = spk + 2;
        if (nw == 1) {
            sigb = &in->witness[0];
        } else {
            const via_btc_bytes *script = &in->witness[nw - 2], *control = &in->witness[nw - 1];
            if (control->len < 33 || (control->data[0] & 0xfe) != VIA_BTC_TAPSCRIPT_LEAF)
                return reject(rej, RPC_VERIFY_REJECTED,
                              "mandatory-script-verify-flag-failed (input %zu: unsupported leaf "
                              "version or short control block)",
                              idx);
            if (via_btc_taproot_verify_commitment(spk + 2, script->data, script->len, control->data,
                                                  control->len, &e))
                return reject(rej, RPC_VERIFY_REJECTED,
                              "mandatory-script-verify-flag-failed (input %zu: control block does "
                              "not commit to the output key)",
                              idx);
            key = tapscript_key(script->data, script->len);
            if (!key)
                return reject(rej, RPC_VERIFY_REJECTED,
                              "input %zu: tapscript outside the stand-in's subset (<key> "
                              "OP_CHECKSIG [envelope])",
                              idx);
            if (nw != 3)
                return reject(rej, RPC_VERIFY_REJECTED,
                              "mandatory-script-verify-flag-failed (input %zu: tapscript stack "
                              "must be [sig])",
                              idx);
            via_btc_tapleaf_hash(leaf, VIA_BTC_TAPSCRIPT_LEAF, script->data, script->len);
            ext.tapleaf_hash = leaf;
            sigb = &in->witness[0];
        }
        uint32_t ht;
        if (sigb->len == 64)
            ht = VIA_BTC_SIGHASH_DEFAULT;
        else if (sigb->len == 65 && sigb->data[64] != 0)
            ht = sigb->data[64];
        else
            return reject(rej, RPC_VERIFY_REJECTED,
                          "mandatory-script-verify-flag-failed (input %zu: Schnorr signature must "
                          "be 64 or 65 bytes)",
                          idx);
        uint8_t digest[32];
        if (via_btc_sighash_taproot(digest, tx, idx, spent, n_spent, ht, &ext, &e))
            return reject(rej, RPC_VERIFY_REJECTED,
                          "mandatory-script-verify-flag-failed (input %zu: invalid sighash type)",
                          idx);
        if (via_btc_schnorr_verify(sigb->data, digest, 32, key))
            return reject(rej, RPC_VERIFY_REJECTED,
                          "mandatory-script-verify-flag-failed (input %zu: Schnorr signature does "
                          "not verify)",
                          idx);
        return 0;
    }
    return reject(rej, RPC_VERIFY_REJECTED,
                  "input %zu: the stand-in only verifies P2WPKH and P2TR spends", idx);
}

/* Bitcoin Core's replacement policy (full RBF, its default since v28; BIP-125 rules 3, 4 and
 * 6 as Core applies them): a transaction that conflicts with mempool transactions replaces
 * them and their descendants when it pays at least their fees plus the incremental relay fee
 * (100 sat/kvB, Core's default) for its own size, and a higher feerate than each direct
 * conflict; it may not spend an output of a transaction it replaces. */
#define SB_INCREMENTAL_RELAY_SAT_PER_KVB 100
static int check_replacement(const sb_chain *c, const via_btc_tx *tx, uint64_t fee,
                             sb_reject *rej) {
    unsigned char *evict = calloc(c->n_mempool ? c->n_mempool : 1, 1);
    if (!evict) return reject(rej, -1, "out of memory");
    mark_conflicts(c, tx, evict);
    uint64_t vsize = via_btc_tx_vsize(tx), evicted_fees = 0;
    int rc = 0;
    char id[65];
    for (size_t m = 0; m < c->n_mempool && !rc; m++) {
        if (!evict[m]) continue;
        uint64_t f = mempool_fee(c, m), vs = via_btc_tx_vsize(&c->mempool[m].tx);
        evicted_fees += f;
        via_btc_txid_to_hex(id, c->mempool[m].txid);
        for (size_t i = 0; i < tx->n_in; i++)
            if (!memcmp(tx->in[i].prev_txid, c->mempool[m].txid, 32))
                rc = reject(rej, RPC_VERIFY_REJECTED,
                            "bad-txns-spends-conflicting-tx, %s spends conflicting transaction %s",
                            "replacement", id);
        if (!rc && evict[m] == 1 && (unsigned __int128)fee * vs <= (unsigned __int128)f * vsize)
            rc = reject(rej, RPC_VERIFY_REJECTED,
                        "insufficient fee, rejecting replacement; new feerate %llu/%llu sat/vB <= "
                        "old feerate %llu/%llu sat/vB of %s",
                        (unsigned long long)fee, (unsigned long long)vsize, (unsigned long long)f,
                        (unsigned long long)vs, id);
    }
    uint64_t need = evicted_fees + (vsize * SB_INCREMENTAL_RELAY_SAT_PER_KVB + 999) / 1000;
    if (!rc && fee < need)
        rc = reject(rej, RPC_VERIFY_REJECTED,
                    "insufficient fee, rejecting replacement; not enough additional fees to relay; "
                    "%llu < %llu",
                    (unsigned long long)fee, (unsigned long long)need);
    free(evict);
    return rc;
}

int sb_check_tx(sb_chain *c, sb_tx *out, uint64_t *fee, const uint8_t *raw, size_t raw_len,
                sb_reject *rej) {
    memset(out, 0, sizeof *out);
    *fee = 0;
    via_btc_tx tx;
    via_btc_tx_init(&tx);
    via_error e = {0};
    if (via_btc_tx_parse(&tx, raw, raw_len, &e)) {
        rej->code = RPC_DESERIALIZATION_ERROR;
        snprintf(rej->msg, sizeof rej->msg, "TX decode failed: %.200s", e.msg);
        return -1;
    }
    int rc = 0;
    via_btc_txout *spent = NULL;
    uint8_t txid[32];
    via_btc_tx_txid(txid, &tx);
    int64_t h;
    if (tx.n_in == 0 || tx.n_out == 0) {
        rc = reject(rej, RPC_VERIFY_REJECTED, "bad-txns-vin-empty or bad-txns-vout-empty");
        goto done;
    }
    if (sb_find_tx(c, txid, &h)) {
        rc = h >= 0 ? reject(rej, RPC_VERIFY_ALREADY_IN_CHAIN, "Transaction already in block chain")
                    : reject(rej, RPC_VERIFY_ALREADY_IN_CHAIN, "txn-already-in-mempool");
        goto done;
    }
    spent = calloc(tx.n_in, sizeof *spent);
    if (!spent) {
        rc = reject(rej, -1, "out of memory");
        goto done;
    }
    uint64_t in_sum = 0, out_sum = 0;
    int conflicts = 0;
    for (size_t i = 0; i < tx.n_in; i++) {
        const via_btc_txin *in = &tx.in[i];
        if (is_null_prevout(in)) {
            rc = reject(rej, RPC_VERIFY_REJECTED, "bad-txns-prevout-null (input %zu)", i);
            goto done;
        }
        for (size_t j = 0; j < i; j++)
            if (tx.in[j].prev_vout == in->prev_vout &&
                !memcmp(tx.in[j].prev_txid, in->prev_txid, 32)) {
                rc = reject(rej, RPC_VERIFY_REJECTED, "bad-txns-inputs-duplicate (input %zu)", i);
                goto done;
            }
        const sb_coin *coin = sb_find_coin(c, in->prev_txid, in->prev_vout);
        if (coin && !coin->spent) {
            spent[i].value = coin->value;
            spent[i].script_pubkey.data = coin->script;
            spent[i].script_pubkey.len = coin->script_len;
        } else if (!coin) {
            const sb_tx *parent = NULL;
            for (size_t m = 0; m < c->n_mempool; m++)
                if (!memcmp(c->mempool[m].txid, in->prev_txid, 32)) parent = &c->mempool[m];
            if (!parent || in->prev_vout >= parent->tx.n_out) {
                rc = reject(rej, RPC_VERIFY_ERROR,
                            "bad-txns-inputs-missingorspent (input %zu: no such output)", i);
                goto done;
            }
            spent[i] = parent->tx.out[in->prev_vout];
        } else {
            rc = reject(rej, RPC_VERIFY_ERROR,
                        "bad-txns-inputs-missingorspent (input %zu: already spent)", i);
            goto done;
        }
        if (sb_mempool_spends(c, in->prev_txid, in->prev_vout)) conflicts = 1;
        in_sum += spent[i].value;
    }
    for (size_t o = 0; o < tx.n_out; o++) {
        if (tx.out[o].value > 2100000000000000ULL ||
            out_sum + tx.out[o].value > 2100000000000000ULL) {
            rc = reject(rej, RPC_VERIFY_REJECTED, "bad-txns-vout-toolarge (output %zu)", o);
            goto done;
        }
        out_sum += tx.out[o].value;
    }
    if (out_sum > in_sum) {
        rc = reject(rej, RPC_VERIFY_REJECTED, "bad-txns-in-belowout");
        goto done;
    }
    for (size_t i = 0; i < tx.n_in; i++)
        if ((rc = verify_input(&tx, i, spent, tx.n_in, rej))) goto done;
    *fee = in_sum - out_sum;
    if (conflicts && (rc = check_replacement(c, &tx, *fee, rej))) goto done;
    if (tx_from_struct(out, &tx)) rc = reject(rej, -1, "out of memory");
done:
    free(spent);
    via_btc_tx_free(&tx);
    return rc;
}
