/* Funding and building an inscription from a key's coins; see via/chain.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "via/chain.h"
#include "via/mem.h"

int via_inscribe_prepare(via_rpc *rpc, const uint8_t seckey[32], via_btc_network net,
                         const via_msg *msg, uint64_t fee_rate, const via_btc_txout *recipient,
                         const via_btc_utxo *exclude, size_t n_exclude, via_inscription *out,
                         uint64_t *used, via_error *err) {
    uint8_t pub[33], spk[22], xonly[32], qx[32], trspk[34];
    int qpar;
    char addr[VIA_BTC_ADDRESS_MAX], traddr[VIA_BTC_ADDRESS_MAX];
    char desc[VIA_BTC_ADDRESS_MAX + 8], trdesc[VIA_BTC_ADDRESS_MAX + 8];
    int rc;
    if (via_btc_pubkey_from_seckey(pub, seckey))
        return via_fail(err, VIA_EINVAL, "inscribe: the key is not a valid secret key");
    via_btc_script_p2wpkh(spk, pub);
    if ((rc = via_btc_script_to_address(addr, net, spk, sizeof spk, err))) return rc;
    /* the key's BIP-86 output: P2TR(xonly(seckey) + H_TapTweak(xonly) G) */
    if (via_btc_xonly_from_seckey(xonly, NULL, seckey) ||
        (rc = via_btc_taproot_output_key(qx, &qpar, xonly, NULL, err)))
        return via_fail(err, VIA_EINVAL, "inscribe: the key has no taproot output key");
    via_btc_script_p2tr(trspk, qx);
    if ((rc = via_btc_script_to_address(traddr, net, trspk, sizeof trspk, err))) return rc;
    if (!fee_rate) {
        uint64_t kvb;
        int blocks;
        rc = via_rpc_estimatesmartfee(rpc, err, &kvb, &blocks, 10);
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
    if (used) *used = fee_rate;
    snprintf(desc, sizeof desc, "addr(%s)", addr);
    snprintf(trdesc, sizeof trdesc, "addr(%s)", traddr);
    const char *descs[2] = {desc, trdesc};
    via_rpc_utxo *coins = NULL;
    size_t n = 0;
    if ((rc = via_rpc_scantxoutset(rpc, err, &coins, &n, descs, 2))) return rc;
    via_btc_utxo *utxos = calloc(n ? n : 1, sizeof *utxos);
    uint8_t *kinds = calloc(n ? n : 1, 1);
    size_t m = 0;
    if (!utxos || !kinds) {
        rc = via_fail(err, VIA_ENOMEM, "inscribe: %zu coins", n);
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
        if (coins[i].script_pubkey_len == sizeof spk &&
            !memcmp(coins[i].script_pubkey, spk, sizeof spk))
            kinds[m] = VIA_INSCRIPTION_FUND_P2WPKH;
        else if (coins[i].script_pubkey_len == sizeof trspk &&
                 !memcmp(coins[i].script_pubkey, trspk, sizeof trspk))
            kinds[m] = VIA_INSCRIPTION_FUND_P2TR;
        else {
            rc = via_fail(err, VIA_EFORMAT,
                          "inscribe: scantxoutset returned coin %s:%u whose script is neither "
                          "the key's P2WPKH nor its P2TR",
                          coins[i].txid, coins[i].vout);
            goto out;
        }
        utxos[m++] = u;
    }
    if (m == 0) {
        rc = via_fail(err, VIA_ENOTFOUND,
                      "inscribe: the key has no confirmed coins at %s (P2WPKH) or %s (P2TR) "
                      "that are not already being spent",
                      addr, traddr);
        goto out;
    }
    rc = via_inscription_build_ex(out, seckey, msg, net, utxos, kinds, m, fee_rate, recipient, err);
out:
    free(coins);
    free(utxos);
    free(kinds);
    return rc;
}
