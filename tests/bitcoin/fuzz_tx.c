/* libFuzzer harness: raw bytes as a transaction. Whatever parses must re-serialize to the
 * same bytes (the parser accepts canonical encodings only) and the Via scanners must not
 * crash on it; a Via envelope that parses must re-encode identically. */
#include "via/bitcoin.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    via_btc_tx tx;
    via_error err;
    via_btc_tx_init(&tx);
    if (via_btc_tx_parse(&tx, data, size, &err) == VIA_OK) {
        uint8_t *raw;
        size_t len;
        if (via_btc_tx_serialize(&raw, &len, &tx, 1) == VIA_OK) {
            if (len != size || memcmp(raw, data, size)) abort();
            free(raw);
        }
        uint8_t h[32];
        via_btc_tx_txid(h, &tx);
        (void)via_btc_tx_vsize(&tx);
        via_tx_message msgs[2];
        size_t n;
        (void)via_tx_find_messages(msgs, 2, &n, &tx, VIA_BTC_REGTEST, &err);
        for (size_t i = 0; i < tx.n_out; i++) {
            uint8_t r[20];
            (void)via_deposit_op_return_parse(r, tx.out[i].script_pubkey.data,
                                              tx.out[i].script_pubkey.len, &err);
        }
    }
    via_btc_tx_free(&tx);
    /* The same bytes as a tapscript. */
    via_msg *m = malloc(sizeof *m);
    uint8_t key[32];
    if (m && via_msg_envelope_parse(m, key, data, size, VIA_BTC_REGTEST, &err) == VIA_OK) {
        uint8_t *s;
        size_t sl;
        via_msg *m2 = malloc(sizeof *m2);
        if (m2 && via_msg_envelope_script(&s, &sl, key, m, VIA_BTC_REGTEST, &err) == VIA_OK) {
            if (via_msg_envelope_parse(m2, NULL, s, sl, VIA_BTC_REGTEST, &err) != VIA_OK ||
                memcmp(m, m2, sizeof *m))
                abort();
            free(s);
        }
        free(m2);
    }
    free(m);
    return 0;
}
