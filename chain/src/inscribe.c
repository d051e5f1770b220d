/* Funding and building an inscription from a key's coins; see via/chain.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "via/chain.h"
#include "via/mem.h"

/* The key's confirmed, spendable P2WPKH and BIP-86 P2TR coins (minus exclude), with how each
 * is owned; *used gets the fee rate (fee_rate, or the node's estimate when 0). */
typedef struct {
    via_btc_utxo *utxos;
    uint8_t *kinds;
    uint8_t (*scripts)[34]; /* scriptPubKey of each coin (22 or 34 bytes) */
    size_t n;
    uint8_t spk[22], trspk[34];
    char addr[VIA_BTC_ADDRESS_MAX], traddr[VIA_BTC_ADDRESS_MAX];
} key_coins;

static void key_coins_free(key_coins *c) {
    free(c->utxos);
    free(c->kinds);
    free(c->scripts);
    memset(c, 0, sizeof *c);
}

static int fee_rate_for(via_rpc *rpc, via_btc_network net, uint64_t fee_rate, uint64_t *used,
                        via_error *err) {
    if (!fee_rate) {
        uint64_t kvb;
        int blocks;
        int rc = via_rpc_estimatesmartfee(rpc, err, &kvb, &blocks, 10);
        if (rc == VIA_ERPC) {
            fee_rate = 1; /* no estimate (a fresh regtest node): the minimum */
        } else if (rc) {
            return rc;
        } else {
            uint64_t cap = (net == VIA_BTC_MAINNET || net == VIA_BTC_TESTNET) ? 100 : 10;
            fee_rate = (kvb + 1000) / 1000;
            if (fee_rate > cap) fee_rate = cap;
            if (fee_rate < 1) fee_rate = 1;
        }
    }
    *used = fee_rate;
    return VIA_OK;
}

static int find_coins(key_coins *c, via_rpc *rpc, const uint8_t seckey[32], via_btc_network net,
                      const via_btc_utxo *exclude, size_t n_exclude, const char *what,
                      via_error *err) {
    memset(c, 0, sizeof *c);
    uint8_t pub[33], xonly[32], qx[32];
    int qpar, rc;
    char desc[VIA_BTC_ADDRESS_MAX + 8], trdesc[VIA_BTC_ADDRESS_MAX + 8];
    if (via_btc_pubkey_from_seckey(pub, seckey))
        return via_fail(err, VIA_EINVAL, "%s: the key is not a valid secret key", what);
    via_btc_script_p2wpkh(c->spk, pub);
    if ((rc = via_btc_script_to_address(c->addr, net, c->spk, sizeof c->spk, err))) return rc;
    /* the key's BIP-86 output: P2TR(xonly(seckey) + H_TapTweak(xonly) G) */
    if (via_btc_xonly_from_seckey(xonly, NULL, seckey) ||
        (rc = via_btc_taproot_output_key(qx, &qpar, xonly, NULL, err)))
        return via_fail(err, VIA_EINVAL, "%s: the key has no taproot output key", what);
    via_btc_script_p2tr(c->trspk, qx);
    if ((rc = via_btc_script_to_address(c->traddr, net, c->trspk, sizeof c->trspk, err))) return rc;
    snprintf(desc, sizeof desc, "addr(%s)", c->addr);
    snprintf(trdesc, sizeof trdesc, "addr(%s)", c->traddr);
    const char *descs[2] = {desc, trdesc};
    via_rpc_utxo *coins = NULL;
    size_t n = 0;
    if ((rc = via_rpc_scantxoutset(rpc, err, &coins, &n, descs, 2))) return rc;
    c->utxos = calloc(n ? n : 1, sizeof *c->utxos);
    c->kinds = calloc(n ? n : 1, 1);
    c->scripts = calloc(n ? n : 1, sizeof *c->scripts);
    if (!c->utxos || !c->kinds || !c->scripts) {
        rc = via_fail(err, VIA_ENOMEM, "%s: %zu coins", what, n);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        via_btc_utxo u;
        if ((rc = via_btc_txid_from_hex(u.txid, coins[i].txid, err))) goto out;
        u.vout = coins[i].vout;
        u.value = coins[i].value_sat;
        /* an immature coinbase cannot be spent yet */
        int skip = coins[i].coinbase &&
                   (coins[i].tip_height == 0 || coins[i].tip_height - coins[i].height + 1 < 100);
        for (size_t k = 0; k < n_exclude; k++)
            if (!memcmp(exclude[k].txid, u.txid, 32) && exclude[k].vout == u.vout) skip = 1;
        if (skip) continue;
        if (coins[i].script_pubkey_len == sizeof c->spk &&
            !memcmp(coins[i].script_pubkey, c->spk, sizeof c->spk)) {
            c->kinds[c->n] = VIA_INSCRIPTION_FUND_P2WPKH;
            memcpy(c->scripts[c->n], c->spk, sizeof c->spk);
        } else if (coins[i].script_pubkey_len == sizeof c->trspk &&
                   !memcmp(coins[i].script_pubkey, c->trspk, sizeof c->trspk)) {
            c->kinds[c->n] = VIA_INSCRIPTION_FUND_P2TR;
            memcpy(c->scripts[c->n], c->trspk, sizeof c->trspk);
        } else {
            rc = via_fail(err, VIA_EFORMAT,
                          "%s: scantxoutset returned coin %s:%u whose script is neither "
                          "the key's P2WPKH nor its P2TR",
                          what, coins[i].txid, coins[i].vout);
            goto out;
        }
        c->utxos[c->n++] = u;
    }
    if (c->n == 0)
        rc = via_fail(err, VIA_ENOTFOUND,
                      "%s: the key has no confirmed coins at %s (P2WPKH) or %s (P2TR) "
                      "that are not already being spent",
                      what, c->addr, c->traddr);
out:
    free(coins);
    if (rc) key_coins_free(c);
    return rc;
}

int via_inscribe_prepare(via_rpc *rpc, const uint8_t seckey[32], via_btc_network net,
                         const via_msg *msg, uint64_t fee_rate, const via_btc_txout *recipient,
                         const via_btc_utxo *exclude, size_t n_exclude, via_inscription *out,
                         uint64_t *used, via_error *err) {
    uint64_t rate;
    int rc = fee_rate_for(rpc, net, fee_rate, &rate, err);
    if (rc) return rc;
    if (used) *used = rate;
    key_coins c;
    if ((rc = find_coins(&c, rpc, seckey, net, exclude, n_exclude, "inscribe", err))) return rc;
    rc = via_inscription_build_ex(out, seckey, msg, net, c.utxos, c.kinds, c.n, rate, recipient,
                                  err);
    key_coins_free(&c);
    return rc;
}

/* Signs every input of tx, spending coins c.utxos[0..n) in order. */
static int sign_all(via_btc_tx *tx, const key_coins *c, size_t n, const uint8_t seckey[32],
                    via_error *err) {
    via_btc_txout *spent = calloc(n, sizeof *spent);
    if (!spent) return via_fail(err, VIA_ENOMEM, "deposit: signing");
    for (size_t i = 0; i < n; i++) {
        spent[i].value = c->utxos[i].value;
        spent[i].script_pubkey.data = (uint8_t *)c->scripts[i];
        spent[i].script_pubkey.len =
            c->kinds[i] == VIA_INSCRIPTION_FUND_P2WPKH ? sizeof c->spk : sizeof c->trspk;
    }
    int rc = VIA_OK;
    for (size_t i = 0; i < n && !rc; i++)
        rc = c->kinds[i] == VIA_INSCRIPTION_FUND_P2WPKH
                 ? via_btc_sign_p2wpkh(tx, i, c->utxos[i].value, seckey, err)
                 : via_btc_sign_taproot_keypath(tx, i, spent, n, seckey, NULL,
                                                VIA_BTC_SIGHASH_DEFAULT, NULL, err);
    free(spent);
    return rc;
}

int via_deposit_prepare(via_rpc *rpc, const uint8_t seckey[32], via_btc_network net,
                        const uint8_t *bridge_script, size_t bridge_len, uint64_t amount,
                        const uint8_t *payload, size_t payload_len, uint64_t fee_rate,
                        via_btc_tx *out, uint64_t *used, via_error *err) {
    via_btc_tx_init(out);
    if (!amount || payload_len < 1 || payload_len > 80)
        return via_fail(err, VIA_EINVAL, "deposit: zero amount or a payload outside 1..80 bytes");
    uint64_t rate;
    int rc = fee_rate_for(rpc, net, fee_rate, &rate, err);
    if (rc) return rc;
    if (used) *used = rate;
    key_coins c;
    if ((rc = find_coins(&c, rpc, seckey, net, NULL, 0, "deposit", err))) return rc;
    uint8_t opret[84];
    size_t opret_len;
    if ((rc = via_btc_script_op_return(opret, &opret_len, payload, payload_len))) {
        key_coins_free(&c);
        return via_fail(err, VIA_EINVAL, "deposit: payload does not fit an OP_RETURN");
    }
    /* largest coins first, until amount + fee (sized with every signature at its largest) */
    for (size_t i = 1; i < c.n; i++)
        for (size_t j = i; j > 0 && c.utxos[j].value > c.utxos[j - 1].value; j--) {
            via_btc_utxo t = c.utxos[j];
            c.utxos[j] = c.utxos[j - 1];
            c.utxos[j - 1] = t;
            uint8_t k = c.kinds[j];
            c.kinds[j] = c.kinds[j - 1];
            c.kinds[j - 1] = k;
            uint8_t sc[34];
            memcpy(sc, c.scripts[j], 34);
            memcpy(c.scripts[j], c.scripts[j - 1], 34);
            memcpy(c.scripts[j - 1], sc, 34);
        }
    uint64_t have = 0;
    size_t used_n = 0;
    rc = VIA_EINVAL;
    for (size_t n = 1; n <= c.n; n++) {
        have += c.utxos[n - 1].value;
        via_btc_tx_free(out);
        via_btc_tx_init(out);
        int brc = VIA_OK;
        for (size_t i = 0; i < n && !brc; i++)
            brc = via_btc_tx_add_input(out, c.utxos[i].txid, c.utxos[i].vout, 0xfffffffdu);
        if (!brc) brc = via_btc_tx_add_output(out, amount, bridge_script, bridge_len);
        if (!brc) brc = via_btc_tx_add_output(out, 0, opret, opret_len);
        if (!brc) brc = via_btc_tx_add_output(out, 0, c.spk, sizeof c.spk);
        if (!brc) brc = sign_all(out, &c, n, seckey, err);
        if (brc) {
            rc = brc;
            break;
        }
        /* +1 vbyte per input: a DER signature may be one byte longer when signed again */
        uint64_t fee = ((uint64_t)via_btc_tx_vsize(out) + n) * rate;
        if (have < amount + fee) continue;
        uint64_t change = have - amount - fee;
        if (change < 546) { /* dust: leave it to the fee */
            out->n_out--;
            free(out->out[out->n_out].script_pubkey.data);
            out->out[out->n_out].script_pubkey.data = NULL;
        } else {
            out->out[2].value = change;
        }
        rc = sign_all(out, &c, n, seckey, err);
        used_n = n;
        break;
    }
    if (rc == VIA_EINVAL && !used_n)
        rc = via_fail(err, VIA_EINVAL,
                      "deposit: the key's coins (%llu sats at %s / %s) do not cover %llu sats "
                      "and the fee at %llu sat/vB",
                      (unsigned long long)have, c.addr, c.traddr, (unsigned long long)amount,
                      (unsigned long long)rate);
    if (rc) via_btc_tx_free(out);
    key_coins_free(&c);
    return rc;
}
