/* Transactions: a bounded parser of the consensus serialization (BIP-144 for witnesses),
 * serialization, txid/wtxid and weight. The parser checks every count against the bytes
 * left before allocating, so a hostile length can never make it allocate more than a few
 * times the input size. */
#include "internal.h"
#include <assert.h>
#include <stdlib.h>
#include <string.h>

void via_btc_tx_init(via_btc_tx *tx) {
    assert(tx);
    memset(tx, 0, sizeof *tx);
    tx->version = 2;
}

static void input_free(via_btc_txin *in) {
    free(in->script_sig.data);
    for (size_t j = 0; j < in->n_witness; j++) free(in->witness[j].data);
    free(in->witness);
}

void via_btc_tx_free(via_btc_tx *tx) {
    if (!tx) return;
    for (size_t i = 0; i < tx->n_in; i++) input_free(&tx->in[i]);
    for (size_t i = 0; i < tx->n_out; i++) free(tx->out[i].script_pubkey.data);
    free(tx->in);
    free(tx->out);
    via_btc_tx_init(tx);
}

static int bytes_dup(via_btc_bytes *dst, const uint8_t *p, size_t n) {
    dst->data = NULL;
    dst->len = 0;
    if (n == 0) return VIA_OK;
    dst->data = malloc(n);
    if (!dst->data) return VIA_ENOMEM;
    memcpy(dst->data, p, n);
    dst->len = n;
    return VIA_OK;
}

int via_btc_tx_add_input(via_btc_tx *tx, const uint8_t prev_txid[32], uint32_t prev_vout,
                         uint32_t sequence) {
    assert(tx && prev_txid);
    via_btc_txin *in = realloc(tx->in, (tx->n_in + 1) * sizeof *in);
    if (!in) return VIA_ENOMEM;
    tx->in = in;
    via_btc_txin *x = &tx->in[tx->n_in++];
    memset(x, 0, sizeof *x);
    memcpy(x->prev_txid, prev_txid, 32);
    x->prev_vout = prev_vout;
    x->sequence = sequence;
    return VIA_OK;
}

int via_btc_tx_add_output(via_btc_tx *tx, uint64_t value, const uint8_t *script,
                          size_t script_len) {
    assert(tx && (script || !script_len));
    via_btc_txout *out = realloc(tx->out, (tx->n_out + 1) * sizeof *out);
    if (!out) return VIA_ENOMEM;
    tx->out = out;
    via_btc_txout *o = &tx->out[tx->n_out];
    o->value = value;
    if (bytes_dup(&o->script_pubkey, script, script_len)) return VIA_ENOMEM;
    tx->n_out++;
    return VIA_OK;
}

int via_btc_tx_set_witness(via_btc_tx *tx, size_t idx, size_t n, const uint8_t *const *items,
                           const size_t *lens) {
    assert(tx && idx < tx->n_in && (n == 0 || (items && lens)));
    via_btc_bytes *w = n ? calloc(n, sizeof *w) : NULL;
    if (n && !w) return VIA_ENOMEM;
    for (size_t j = 0; j < n; j++) {
        if (bytes_dup(&w[j], items[j], lens[j])) {
            for (size_t k = 0; k < j; k++) free(w[k].data);
            free(w);
            return VIA_ENOMEM;
        }
    }
    via_btc_txin *in = &tx->in[idx];
    for (size_t j = 0; j < in->n_witness; j++) free(in->witness[j].data);
    free(in->witness);
    in->witness = w;
    in->n_witness = n;
    return VIA_OK;
}

int via_btc_tx_copy(via_btc_tx *dst, const via_btc_tx *src) {
    assert(dst && src && dst != src);
    int rc;
    via_btc_tx_init(dst);
    dst->version = src->version;
    dst->locktime = src->locktime;
    for (size_t i = 0; i < src->n_in; i++) {
        const via_btc_txin *s = &src->in[i];
        if ((rc = via_btc_tx_add_input(dst, s->prev_txid, s->prev_vout, s->sequence))) goto fail;
        via_btc_txin *d = &dst->in[i];
        if ((rc = bytes_dup(&d->script_sig, s->script_sig.data, s->script_sig.len))) goto fail;
        if (s->n_witness) {
            d->witness = calloc(s->n_witness, sizeof *d->witness);
            if (!d->witness) {
                rc = VIA_ENOMEM;
                goto fail;
            }
            d->n_witness = s->n_witness;
            for (size_t j = 0; j < s->n_witness; j++)
                if ((rc = bytes_dup(&d->witness[j], s->witness[j].data, s->witness[j].len)))
                    goto fail;
        }
    }
    for (size_t i = 0; i < src->n_out; i++)
        if ((rc = via_btc_tx_add_output(dst, src->out[i].value, src->out[i].script_pubkey.data,
                                        src->out[i].script_pubkey.len)))
            goto fail;
    return VIA_OK;
fail:
    via_btc_tx_free(dst);
    return rc;
}

/* ---- parsing ---- */

typedef struct {
    const uint8_t *p;
    size_t len, pos;
    via_error *err;
} reader;

static int rd_need(reader *r, size_t n, const char *what) {
    if (r->len - r->pos < n)
        return via_fail(r->err, VIA_EFORMAT,
                        "transaction truncated: %s needs %zu bytes at offset %zu, %zu left", what,
                        n, r->pos, r->len - r->pos);
    return VIA_OK;
}

static int rd_u32(reader *r, uint32_t *v, const char *what) {
    int rc = rd_need(r, 4, what);
    if (rc) return rc;
    const uint8_t *p = r->p + r->pos;
    *v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    r->pos += 4;
    return VIA_OK;
}

static int rd_u64(reader *r, uint64_t *v, const char *what) {
    int rc = rd_need(r, 8, what);
    if (rc) return rc;
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--) x = x << 8 | r->p[r->pos + i];
    *v = x;
    r->pos += 8;
    return VIA_OK;
}

/* CompactSize; non-canonical encodings are rejected as Bitcoin Core does. */
static int rd_varint(reader *r, uint64_t *v, const char *what) {
    size_t at = r->pos;
    *v = 0;
    int rc = rd_need(r, 1, what);
    if (rc) return rc;
    uint8_t b = r->p[r->pos++];
    uint64_t x;
    if (b < 0xfd) {
        *v = b;
        return VIA_OK;
    }
    size_t n = b == 0xfd ? 2 : b == 0xfe ? 4 : 8;
    if ((rc = rd_need(r, n, what))) return rc;
    x = 0;
    for (size_t i = n; i-- > 0;) x = x << 8 | r->p[r->pos + i];
    r->pos += n;
    uint64_t min = n == 2 ? 0xfd : n == 4 ? 0x10000 : 0x100000000ull;
    if (x < min)
        return via_fail(r->err, VIA_EFORMAT, "non-canonical CompactSize for %s at offset %zu", what,
                        at);
    *v = x;
    return VIA_OK;
}

static int rd_bytes(reader *r, via_btc_bytes *out, size_t max, const char *what) {
    uint64_t n;
    size_t at = r->pos;
    int rc = rd_varint(r, &n, what);
    if (rc) return rc;
    if (n > max)
        return via_fail(r->err, VIA_EFORMAT, "%s at offset %zu is %llu bytes (limit %zu)", what, at,
                        (unsigned long long)n, max);
    if ((rc = rd_need(r, (size_t)n, what))) return rc;
    if (bytes_dup(out, r->p + r->pos, (size_t)n))
        return via_fail(r->err, VIA_ENOMEM, "cannot allocate %s", what);
    r->pos += (size_t)n;
    return VIA_OK;
}

/* A count is plausible only if each element's minimum size fits in what is left. */
static int rd_count(reader *r, uint64_t *n, size_t min_each, const char *what) {
    size_t at = r->pos;
    int rc = rd_varint(r, n, what);
    if (rc) return rc;
    if (*n > (r->len - r->pos) / min_each)
        return via_fail(r->err, VIA_EFORMAT,
                        "%s %llu at offset %zu exceeds what %zu remaining bytes can hold", what,
                        (unsigned long long)*n, at, r->len - r->pos);
    return VIA_OK;
}

static int parse_inputs(reader *r, via_btc_tx *tx, uint64_t n) {
    tx->in = n ? calloc((size_t)n, sizeof *tx->in) : NULL;
    if (n && !tx->in) return via_fail(r->err, VIA_ENOMEM, "cannot allocate inputs");
    for (uint64_t i = 0; i < n; i++) {
        via_btc_txin *in = &tx->in[i];
        tx->n_in = (size_t)i + 1;
        int rc = rd_need(r, 36, "input outpoint");
        if (rc) return rc;
        memcpy(in->prev_txid, r->p + r->pos, 32);
        r->pos += 32;
        if ((rc = rd_u32(r, &in->prev_vout, "input vout"))) return rc;
        if ((rc = rd_bytes(r, &in->script_sig, VIA_BTC_MAX_SCRIPT_SIZE, "input scriptSig")))
            return rc;
        if ((rc = rd_u32(r, &in->sequence, "input sequence"))) return rc;
    }
    return VIA_OK;
}

static int parse_outputs(reader *r, via_btc_tx *tx, uint64_t n) {
    tx->out = n ? calloc((size_t)n, sizeof *tx->out) : NULL;
    if (n && !tx->out) return via_fail(r->err, VIA_ENOMEM, "cannot allocate outputs");
    for (uint64_t i = 0; i < n; i++) {
        via_btc_txout *o = &tx->out[i];
        tx->n_out = (size_t)i + 1;
        size_t at = r->pos;
        int rc = rd_u64(r, &o->value, "output value");
        if (rc) return rc;
        if (o->value > 2100000000000000ull)
            return via_fail(r->err, VIA_EFORMAT,
                            "output %llu at offset %zu: value %llu exceeds 21M BTC",
                            (unsigned long long)i, at, (unsigned long long)o->value);
        if ((rc = rd_bytes(r, &o->script_pubkey, VIA_BTC_MAX_SCRIPT_SIZE, "output scriptPubKey")))
            return rc;
    }
    return VIA_OK;
}

int via_btc_tx_parse(via_btc_tx *tx, const uint8_t *raw, size_t len, via_error *err) {
    assert(tx && (raw || !len));
    via_btc_tx_free(tx);
    reader r = {raw, len, 0, err};
    int rc;
    uint64_t n_in, n_out;
    bool segwit = false;
    if (len > VIA_BTC_MAX_TX_SIZE) {
        rc = via_fail(err, VIA_EFORMAT, "transaction of %zu bytes exceeds limit %u", len,
                      VIA_BTC_MAX_TX_SIZE);
        goto fail;
    }
    if ((rc = rd_u32(&r, &tx->version, "version"))) goto fail;
    if ((rc = rd_count(&r, &n_in, 41, "input count"))) goto fail;
    if (n_in == 0) {
        /* BIP-144 marker: 0x00 then a flag; flag 0 means an empty transaction. */
        if ((rc = rd_need(&r, 1, "segwit flag"))) goto fail;
        uint8_t flag = raw[r.pos++];
        if (flag == 1) {
            segwit = true;
            if ((rc = rd_count(&r, &n_in, 41, "input count"))) goto fail;
            if (n_in == 0) {
                rc = via_fail(err, VIA_EFORMAT, "segwit transaction has no inputs");
                goto fail;
            }
        } else if (flag != 0) {
            rc = via_fail(err, VIA_EFORMAT, "unknown segwit flag 0x%02x at offset %zu", flag,
                          r.pos - 1);
            goto fail;
        }
    }
    if ((rc = parse_inputs(&r, tx, n_in))) goto fail;
    /* As in Bitcoin Core, "0x00 0x00" (no inputs, flag 0) also means no outputs. */
    bool empty = n_in == 0 && !segwit;
    n_out = 0;
    if (!empty && (rc = rd_count(&r, &n_out, 9, "output count"))) goto fail;
    if ((rc = parse_outputs(&r, tx, n_out))) goto fail;
    if (segwit) {
        bool any = false;
        for (size_t i = 0; i < tx->n_in; i++) {
            via_btc_txin *in = &tx->in[i];
            uint64_t k;
            if ((rc = rd_count(&r, &k, 1, "witness item count"))) goto fail;
            in->witness = k ? calloc((size_t)k, sizeof *in->witness) : NULL;
            if (k && !in->witness) {
                rc = via_fail(err, VIA_ENOMEM, "cannot allocate witness");
                goto fail;
            }
            for (uint64_t j = 0; j < k; j++) {
                in->n_witness = (size_t)j + 1;
                if ((rc = rd_bytes(&r, &in->witness[j], VIA_BTC_MAX_WITNESS_ITEM, "witness item")))
                    goto fail;
            }
            any |= k > 0;
        }
        if (!any) {
            rc = via_fail(err, VIA_EFORMAT, "segwit marker present but every witness is empty");
            goto fail;
        }
    }
    if ((rc = rd_u32(&r, &tx->locktime, "locktime"))) goto fail;
    if (r.pos != len) {
        rc = via_fail(err, VIA_EFORMAT, "%zu trailing bytes after transaction at offset %zu",
                      len - r.pos, r.pos);
        goto fail;
    }
    return VIA_OK;
fail:
    via_btc_tx_free(tx);
    return rc;
}

/* ---- serialization ---- */

static bool has_witness(const via_btc_tx *tx) {
    for (size_t i = 0; i < tx->n_in; i++)
        if (tx->in[i].n_witness) return true;
    return false;
}

static void write_tx(via_buf *b, const via_btc_tx *tx, bool wit) {
    buf_u32le(b, tx->version);
    if (wit) {
        buf_u8(b, 0);
        buf_u8(b, 1);
    }
    buf_varint(b, tx->n_in);
    for (size_t i = 0; i < tx->n_in; i++) {
        const via_btc_txin *in = &tx->in[i];
        buf_put(b, in->prev_txid, 32);
        buf_u32le(b, in->prev_vout);
        buf_varint(b, in->script_sig.len);
        buf_put(b, in->script_sig.data, in->script_sig.len);
        buf_u32le(b, in->sequence);
    }
    buf_varint(b, tx->n_out);
    for (size_t i = 0; i < tx->n_out; i++) {
        buf_u64le(b, tx->out[i].value);
        buf_varint(b, tx->out[i].script_pubkey.len);
        buf_put(b, tx->out[i].script_pubkey.data, tx->out[i].script_pubkey.len);
    }
    if (wit) {
        for (size_t i = 0; i < tx->n_in; i++) {
            const via_btc_txin *in = &tx->in[i];
            buf_varint(b, in->n_witness);
            for (size_t j = 0; j < in->n_witness; j++) {
                buf_varint(b, in->witness[j].len);
                buf_put(b, in->witness[j].data, in->witness[j].len);
            }
        }
    }
    buf_u32le(b, tx->locktime);
}

size_t via_btc_tx_size(const via_btc_tx *tx, int with_witness) {
    bool wit = with_witness && has_witness(tx);
    size_t n = 4 + varint_size(tx->n_in) + varint_size(tx->n_out) + 4;
    for (size_t i = 0; i < tx->n_in; i++)
        n += 36 + varint_size(tx->in[i].script_sig.len) + tx->in[i].script_sig.len + 4;
    for (size_t i = 0; i < tx->n_out; i++)
        n += 8 + varint_size(tx->out[i].script_pubkey.len) + tx->out[i].script_pubkey.len;
    if (wit) {
        n += 2;
        for (size_t i = 0; i < tx->n_in; i++) {
            n += varint_size(tx->in[i].n_witness);
            for (size_t j = 0; j < tx->in[i].n_witness; j++)
                n += varint_size(tx->in[i].witness[j].len) + tx->in[i].witness[j].len;
        }
    }
    return n;
}

int via_btc_tx_serialize(uint8_t **out, size_t *out_len, const via_btc_tx *tx, int with_witness) {
    assert(out && out_len && tx);
    via_buf b;
    buf_init(&b);
    write_tx(&b, tx, with_witness && has_witness(tx));
    if (b.oom) {
        buf_free(&b);
        *out = NULL;
        *out_len = 0;
        return VIA_ENOMEM;
    }
    *out = b.data;
    *out_len = b.len;
    return VIA_OK;
}

static void tx_hash(uint8_t h[32], const via_btc_tx *tx, bool wit) {
    via_buf b;
    buf_init(&b);
    write_tx(&b, tx, wit && has_witness(tx));
    VIA_REQUIRE(!b.oom); /* the hash of a partial serialisation would be a wrong txid */
    via_btc_sha256d(h, b.data, b.len);
    buf_free(&b);
}

void via_btc_tx_txid(uint8_t txid[32], const via_btc_tx *tx) { tx_hash(txid, tx, false); }
void via_btc_tx_wtxid(uint8_t wtxid[32], const via_btc_tx *tx) { tx_hash(wtxid, tx, true); }

size_t via_btc_tx_weight(const via_btc_tx *tx) {
    return 3 * via_btc_tx_size(tx, 0) + via_btc_tx_size(tx, 1);
}

size_t via_btc_tx_vsize(const via_btc_tx *tx) { return (via_btc_tx_weight(tx) + 3) / 4; }
