/* libFuzzer harness for the wallet's JSON readers (signed transactions and key files). A
 * transaction that parses is verified and re-encoded, and the encoding must parse back to the
 * same transaction. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wallet_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    via_wallet_tx tx, back;
    via_error err;
    if (via_wallet_tx_parse(&tx, (const char *)data, size, &err) == VIA_OK) {
        int rc = via_wallet_tx_verify(&tx, &err);
        if (rc != VIA_OK && rc != VIA_EVERIFY && rc != VIA_EINVAL) abort();
        json_t *j = via_wallet_tx_json(&tx);
        char *s = json_dumps(j, 0);
        json_decref(j);
        if (!s) abort();
        if (via_wallet_tx_parse(&back, s, strlen(s), &err) != VIA_OK) abort();
        if (memcmp(&back, &tx, sizeof tx)) abort();
        free(s);
    }
    uint8_t sk[32];
    (void)via_wallet_key_parse(sk, (const char *)data, size, &err);
    return 0;
}
