/* Commit/reveal transactions for a Via inscription (docs/sources.md: via-commit-reveal).
 *
 * commit: inputs = the inscriber's utxos, P2WPKH (ECDSA, BIP-143) or BIP-86 P2TR (key-path
 *         Schnorr, BIP-341 SIGHASH_DEFAULT); out0 = change to the inscriber's P2WPKH;
 *         out1 = 330 sats to P2TR(internal = inscriber x-only key, one leaf = the envelope).
 * reveal: in0 = commit:0 (pays the fee, P2WPKH); in1 = commit:1 spent by script path with
 *         witness [schnorr sig || SIGHASH_ALL, leaf script, 33-byte control block];
 *         out0 = change to the inscriber; optional out1 = recipient.
 * Fees are computed from the vsize of each transaction with maximal-size stand-in
 * witnesses (73-byte DER+type, 65-byte Schnorr+type, 64-byte key-path Schnorr), so the real
 * fee rate is never lower than requested. */
#include "internal.h"
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define SEQ_RBF 0xfffffffdu
#define DUST_P2WPKH 546u

void via_inscription_free(via_inscription *ins) {
    if (!ins) return;
    via_btc_tx_free(&ins->commit);
    via_btc_tx_free(&ins->reveal);
    free(ins->script);
    memset(ins, 0, sizeof *ins);
    via_btc_tx_init(&ins->commit);
    via_btc_tx_init(&ins->reveal);
}

static int size_witness(via_btc_tx *tx, size_t idx, size_t n, const size_t *lens) {
    static const uint8_t zeros[520];
    const uint8_t *items[3] = {zeros, zeros, zeros};
    return via_btc_tx_set_witness(tx, idx, n, items, lens);
}

static uint64_t fee_for(const via_btc_tx *tx, uint64_t rate) {
    return (uint64_t)via_btc_tx_vsize(tx) * rate;
}

int via_inscription_build(via_inscription *out, const uint8_t seckey[32], const via_msg *msg,
                          via_btc_network net, const via_btc_utxo *utxos, size_t n_utxos,
                          uint64_t fee_rate, const via_btc_txout *recipient, via_error *err) {
    return via_inscription_build_ex(out, seckey, msg, net, utxos, NULL, n_utxos, fee_rate,
                                    recipient, err);
}

int via_inscription_build_ex(via_inscription *out, const uint8_t seckey[32], const via_msg *msg,
                             via_btc_network net, const via_btc_utxo *utxos, const uint8_t *kinds,
                             size_t n_utxos, uint64_t fee_rate, const via_btc_txout *recipient,
                             via_error *err) {
    assert(out && seckey && msg && (utxos || !n_utxos));
    memset(out, 0, sizeof *out);
    via_btc_tx_init(&out->commit);
    via_btc_tx_init(&out->reveal);
    int rc;
    uint8_t pub[33], xonly[32], leaf[32], qx[32], p2wpkh[22], p2tr[34], control[33];
    uint8_t kx[32], key_p2tr[34]; /* the key's own BIP-86 output */
    int qpar, kpar;
    via_btc_txout *spent_in = NULL;
    size_t control_len;
    if (n_utxos == 0) return via_fail(err, VIA_EINVAL, "inscription: no utxos to spend");
    if (fee_rate == 0 || fee_rate > 100000)
        return via_fail(err, VIA_EINVAL, "inscription: fee rate %llu sat/vB out of range",
                        (unsigned long long)fee_rate);
    if (via_btc_pubkey_from_seckey(pub, seckey) || via_btc_xonly_from_seckey(xonly, NULL, seckey))
        return via_fail(err, VIA_EINVAL, "inscription: invalid secret key");
    if ((rc = via_msg_envelope_script(&out->script, &out->script_len, xonly, msg, net, err)))
        goto fail;
    via_btc_tapleaf_hash(leaf, VIA_BTC_TAPSCRIPT_LEAF, out->script, out->script_len);
    if ((rc = via_btc_taproot_output_key(qx, &qpar, xonly, leaf, err))) goto fail;
    via_btc_taproot_control_block(control, &control_len, VIA_BTC_TAPSCRIPT_LEAF, qpar, xonly,
                                  NULL, 0);
    via_btc_script_p2wpkh(p2wpkh, pub);
    via_btc_script_p2tr(p2tr, qx);
    if ((rc = via_btc_taproot_output_key(kx, &kpar, xonly, NULL, err))) goto fail;
    via_btc_script_p2tr(key_p2tr, kx);
    for (size_t i = 0; kinds && i < n_utxos; i++)
        if (kinds[i] != VIA_INSCRIPTION_FUND_P2WPKH && kinds[i] != VIA_INSCRIPTION_FUND_P2TR) {
            rc =
                via_fail(err, VIA_EINVAL, "inscription: utxo %zu has unknown kind %u", i, kinds[i]);
            goto fail;
        }

    /* ---- commit ---- */
    uint64_t total = 0;
    for (size_t i = 0; i < n_utxos; i++) {
        if (utxos[i].value > 2100000000000000ull || total + utxos[i].value < total) {
            rc = via_fail(err, VIA_EINVAL, "inscription: utxo %zu value out of range", i);
            goto fail;
        }
        total += utxos[i].value;
        if (via_btc_tx_add_input(&out->commit, utxos[i].txid, utxos[i].vout, SEQ_RBF)) goto oom;
        size_t lens[2] = {73, 33}, klen[1] = {64};
        if (kinds && kinds[i] == VIA_INSCRIPTION_FUND_P2TR ? size_witness(&out->commit, i, 1, klen)
                                                           : size_witness(&out->commit, i, 2, lens))
            goto oom;
    }
    if (via_btc_tx_add_output(&out->commit, 0, p2wpkh, sizeof p2wpkh) ||
        via_btc_tx_add_output(&out->commit, VIA_INSCRIPTION_COMMIT_VALUE, p2tr, sizeof p2tr))
        goto oom;
    out->commit_fee = fee_for(&out->commit, fee_rate);
    uint64_t need = out->commit_fee + VIA_INSCRIPTION_COMMIT_VALUE + DUST_P2WPKH;
    if (total < need) {
        rc = via_fail(err, VIA_EINVAL,
                      "inscription: utxos hold %llu sats, commit needs at least %llu",
                      (unsigned long long)total, (unsigned long long)need);
        goto fail;
    }
    uint64_t change0 = total - out->commit_fee - VIA_INSCRIPTION_COMMIT_VALUE;
    out->commit.out[0].value = change0;
    /* BIP-341 sighashes commit to every spent output's amount and script. */
    spent_in = calloc(n_utxos, sizeof *spent_in);
    if (!spent_in) goto oom;
    for (size_t i = 0; i < n_utxos; i++) {
        int tr = kinds && kinds[i] == VIA_INSCRIPTION_FUND_P2TR;
        spent_in[i].value = utxos[i].value;
        spent_in[i].script_pubkey.data = tr ? key_p2tr : p2wpkh;
        spent_in[i].script_pubkey.len = tr ? sizeof key_p2tr : sizeof p2wpkh;
    }
    for (size_t i = 0; i < n_utxos; i++) {
        if (kinds && kinds[i] == VIA_INSCRIPTION_FUND_P2TR)
            rc = via_btc_sign_taproot_keypath(&out->commit, i, spent_in, n_utxos, seckey, NULL,
                                              VIA_BTC_SIGHASH_DEFAULT, NULL, err);
        else
            rc = via_btc_sign_p2wpkh(&out->commit, i, utxos[i].value, seckey, err);
        if (rc) goto fail;
    }
    free(spent_in);
    spent_in = NULL;
    uint8_t commit_txid[32];
    via_btc_tx_txid(commit_txid, &out->commit);

    /* ---- reveal ---- */
    if (via_btc_tx_add_input(&out->reveal, commit_txid, 0, SEQ_RBF) ||
        via_btc_tx_add_input(&out->reveal, commit_txid, 1, SEQ_RBF))
        goto oom;
    {
        size_t l0[2] = {73, 33};
        if (size_witness(&out->reveal, 0, 2, l0)) goto oom;
        const uint8_t *items[3];
        static const uint8_t zeros[65];
        items[0] = zeros;
        items[1] = out->script;
        items[2] = control;
        size_t l1[3] = {65, out->script_len, control_len};
        if (via_btc_tx_set_witness(&out->reveal, 1, 3, items, l1)) goto oom;
    }
    if (via_btc_tx_add_output(&out->reveal, 0, p2wpkh, sizeof p2wpkh)) goto oom;
    uint64_t rvalue = 0;
    if (recipient) {
        rvalue = recipient->value;
        if (via_btc_tx_add_output(&out->reveal, recipient->value, recipient->script_pubkey.data,
                                  recipient->script_pubkey.len))
            goto oom;
    }
    out->reveal_fee = fee_for(&out->reveal, fee_rate);
    uint64_t rin = change0 + VIA_INSCRIPTION_COMMIT_VALUE;
    need = out->reveal_fee + rvalue + DUST_P2WPKH;
    if (rvalue > rin || rin < need) {
        rc = via_fail(err, VIA_EINVAL,
                      "inscription: reveal needs %llu sats (fee %llu, recipient %llu, change "
                      "dust %u) but commit leaves %llu",
                      (unsigned long long)need, (unsigned long long)out->reveal_fee,
                      (unsigned long long)rvalue, DUST_P2WPKH, (unsigned long long)rin);
        goto fail;
    }
    out->reveal.out[0].value = rin - out->reveal_fee - rvalue;
    via_btc_txout spent[2] = {out->commit.out[0], out->commit.out[1]};
    if ((rc = via_btc_sign_p2wpkh(&out->reveal, 0, change0, seckey, err))) goto fail;
    {
        uint8_t sig[65];
        size_t sig_len;
        if ((rc = via_btc_sign_tapscript(sig, &sig_len, &out->reveal, 1, spent, 2, out->script,
                                         out->script_len, seckey, VIA_BTC_SIGHASH_ALL, NULL, err)))
            goto fail;
        const uint8_t *items[3] = {sig, out->script, control};
        size_t l1[3] = {sig_len, out->script_len, control_len};
        if (via_btc_tx_set_witness(&out->reveal, 1, 3, items, l1)) goto oom;
    }
    return VIA_OK;
oom:
    rc = via_fail(err, VIA_ENOMEM, "inscription: out of memory");
fail:
    free(spent_in);
    via_inscription_free(out);
    return rc;
}
