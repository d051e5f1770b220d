/* Payout transactions, their comparison, request authentication and body parsing; see
 * via/coord.h. */
#include "via/coord.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "via/hex.h"

static void put_be(uint8_t *p, uint64_t v, int n) {
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static int assemble(via_btc_tx *tx, const via_payout_spec *s, uint64_t change, int with_change,
                    via_error *err) {
    via_btc_tx_init(tx);
    static const uint8_t sig65[65];
    const uint8_t *ph = sig65;
    size_t phl = 65;
    int rc = VIA_OK;
    for (size_t i = 0; i < s->nin && !rc; i++)
        rc = via_btc_tx_add_input(tx, s->in[i].txid, s->in[i].vout, 0xfffffffdu) ||
             via_btc_tx_set_witness(tx, i, 1, &ph, &phl);
    for (size_t i = 0; i < s->nw && !rc; i++)
        rc = via_btc_tx_add_output(tx, s->w[i].amount, s->w[i].dest, s->w[i].dest_len);
    uint8_t data[4 + 12 * VIA_PAYOUT_MAX_WITHDRAWALS], script[84];
    size_t dl = 4, sl;
    memcpy(data, "VIAW", 4);
    for (size_t i = 0; i < s->nw; i++) {
        put_be(data + dl, s->w[i].batch, 8);
        put_be(data + dl + 8, s->w[i].index, 4);
        dl += 12;
    }
    if (!rc) rc = via_btc_script_op_return(script, &sl, data, dl);
    if (!rc) rc = via_btc_tx_add_output(tx, 0, script, sl);
    if (!rc && with_change) rc = via_btc_tx_add_output(tx, change, s->bridge, sizeof s->bridge);
    if (rc) {
        via_btc_tx_free(tx);
        return via_fail(err, VIA_ENOMEM, "payout: building");
    }
    return VIA_OK;
}

int via_payout_build(via_btc_tx *out, uint64_t *fee, const via_payout_spec *s, via_error *err) {
    via_btc_tx_init(out);
    if (s->nw < 1 || s->nw > VIA_PAYOUT_MAX_WITHDRAWALS || s->nin < 1 ||
        s->nin > VIA_PAYOUT_MAX_INPUTS || s->fee_rate < 1 || s->fee_rate > 100000)
        return via_fail(err, VIA_EINVAL, "payout: %zu withdrawals, %zu inputs, fee rate %llu",
                        s->nw, s->nin, (unsigned long long)s->fee_rate);
    uint64_t in = 0, outv = 0;
    for (size_t i = 0; i < s->nin; i++)
        in += s->in[i].value;
    for (size_t i = 0; i < s->nw; i++) {
        if (s->w[i].dest_len < 1 || s->w[i].dest_len > 62 || !s->w[i].amount)
            return via_fail(err, VIA_EINVAL, "payout: withdrawal %zu is malformed", i);
        outv += s->w[i].amount;
    }
    via_btc_tx t;
    int rc = assemble(&t, s, 0, 1, err);
    if (rc) return rc;
    uint64_t f = s->fee_rate * (uint64_t)via_btc_tx_vsize(&t);
    via_btc_tx_free(&t);
    if (in < outv + f)
        return via_fail(err, VIA_EINVAL,
                        "payout: inputs of %llu sats do not cover %llu sats of withdrawals and a "
                        "%llu-sat fee",
                        (unsigned long long)in, (unsigned long long)outv, (unsigned long long)f);
    uint64_t change = in - outv - f;
    int with_change = change >= VIA_PAYOUT_MIN_CHANGE;
    if (!with_change) f = in - outv;
    if ((rc = assemble(out, s, change, with_change, err))) return rc;
    /* the 65-byte witnesses above only sized the fee: the unsigned payout carries none */
    for (size_t i = 0; i < out->n_in; i++)
        if (via_btc_tx_set_witness(out, i, 0, NULL, NULL)) {
            via_btc_tx_free(out);
            return via_fail(err, VIA_ENOMEM, "payout");
        }
    if (fee) *fee = f;
    return VIA_OK;
}

int via_payout_sighashes(uint8_t (*msgs)[32], const via_btc_tx *tx, const via_payout_spec *s,
                         via_error *err) {
    via_btc_txout spent[VIA_PAYOUT_MAX_INPUTS];
    if (tx->n_in != s->nin) return via_fail(err, VIA_EINVAL, "payout: input count");
    for (size_t i = 0; i < s->nin; i++) {
        spent[i].value = s->in[i].value;
        spent[i].script_pubkey.data = (uint8_t *)s->bridge;
        spent[i].script_pubkey.len = sizeof s->bridge;
    }
    for (size_t i = 0; i < s->nin; i++) {
        int rc =
            via_btc_sighash_taproot(msgs[i], tx, i, spent, s->nin, VIA_BTC_SIGHASH_ALL, NULL, err);
        if (rc) return rc;
    }
    return VIA_OK;
}

int via_payout_compare(const uint8_t *proposed, size_t len, const via_btc_tx *mine,
                       via_error *err) {
    via_btc_tx p;
    via_btc_tx_init(&p);
    if (via_btc_tx_parse(&p, proposed, len, err))
        return via_fail(err, VIA_EVERIFY, "the proposed transaction does not parse");
    int rc = VIA_OK;
    if (p.version != mine->version || p.locktime != mine->locktime || p.n_in != mine->n_in) {
        rc = via_fail(err, VIA_EVERIFY, "the proposal spends other inputs");
        goto out;
    }
    for (size_t i = 0; i < p.n_in; i++)
        if (memcmp(p.in[i].prev_txid, mine->in[i].prev_txid, 32) ||
            p.in[i].prev_vout != mine->in[i].prev_vout ||
            p.in[i].sequence != mine->in[i].sequence || p.in[i].script_sig.len) {
            rc = via_fail(err, VIA_EVERIFY, "input %zu is not the bridge output it should be", i);
            goto out;
        }
    size_t common = p.n_out < mine->n_out ? p.n_out : mine->n_out;
    for (size_t i = 0; i < common; i++) {
        const via_btc_txout *a = &p.out[i], *b = &mine->out[i];
        int last_mine = i + 1 == mine->n_out && mine->n_out > 1;
        if (a->script_pubkey.len != b->script_pubkey.len ||
            memcmp(a->script_pubkey.data, b->script_pubkey.data, a->script_pubkey.len)) {
            rc = via_fail(err, VIA_EVERIFY, "output %zu pays another address", i);
            goto out;
        }
        if (a->value != b->value) {
            rc = via_fail(err, VIA_EVERIFY,
                          last_mine ? "the change differs: the fee is not the one allowed (%llu "
                                      "sats proposed back to the bridge, %llu expected)"
                                    : "output %llu pays another amount",
                          (unsigned long long)(last_mine ? a->value : i),
                          (unsigned long long)b->value);
            goto out;
        }
    }
    if (p.n_out != mine->n_out)
        rc = via_fail(err, VIA_EVERIFY,
                      "the proposal has %zu outputs, %zu expected (the fee or "
                      "the withdrawals differ)",
                      p.n_out, mine->n_out);
out:
    via_btc_tx_free(&p);
    return rc;
}

void via_coord_auth_digest(uint8_t out[32], const char *method, const char *path, int64_t ts,
                           int index, const uint8_t *body, size_t len) {
    char head[600];
    int hl = snprintf(head, sizeof head, "via-coordinator/1\n%.16s\n%.500s\n%lld\n%d\n", method,
                      path, (long long)ts, index);
    size_t n = (size_t)hl + len;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) {
        memset(out, 0, 32); /* never a valid digest of a signed request */
        return;
    }
    memcpy(buf, head, (size_t)hl);
    if (len) memcpy(buf + hl, body, len);
    via_btc_sha256(out, buf, n);
    free(buf);
}
