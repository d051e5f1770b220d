/* via-btc deposit: build, sign and broadcast a deposit to the bridge: `--amount` sats to the
 * bridge address and an OP_RETURN carrying `--payload` (for a rollup account the 36 bytes
 * `via-wallet deposit-payload` prints: docs/protocol.md "Deposits"), paid from the key's
 * confirmed P2WPKH and BIP-86 P2TR coins. Prints txid=... and fee_sat=... */
#include "tool.h"
#include "via/bitcoin.h"
#include "via/chain.h"
#include "via/hex.h"
#include "via/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
    fprintf(f,
            "usage: via-btc deposit --rpc <url> [--rpc-user U --rpc-password P | --rpc-cookie F]\n"
            "         --key <key file> --network <net> --bridge <address> --amount <sats>\n"
            "         --payload <hex, 1..80 bytes> [--fee-rate <sat/vB>]\n"
            "The key file holds one secret key (64 hex digits or WIF); its confirmed coins pay\n"
            "(largest first) and change returns to its P2WPKH address. For a rollup account the\n"
            "payload is `via-wallet deposit-payload --key K --account N` (36 bytes); a payload\n"
            "naming an account that exists with another key is refused by the rollup and its\n"
            "coins stay in the bridge. RPC credentials may also come from VIA_BTC_RPC_USER /\n"
            "VIA_BTC_RPC_PASSWORD.\n");
}

static const char *opt(int argc, char **argv, const char *name) {
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], name)) return argv[i + 1];
    return NULL;
}

int cmd_deposit(int argc, char **argv) {
    if (tool_wants_help(argc, argv)) {
        usage(stdout);
        return 0;
    }
    via_error e = {0};
    via_btc_network net;
    const char *netname = opt(argc, argv, "--network"), *keyfile = opt(argc, argv, "--key");
    const char *bridge = opt(argc, argv, "--bridge"), *amount_s = opt(argc, argv, "--amount");
    const char *payload_s = opt(argc, argv, "--payload"), *fr = opt(argc, argv, "--fee-rate");
    if (!netname || via_btc_network_parse(&net, netname, &e) || !keyfile || !bridge || !amount_s ||
        !payload_s || !opt(argc, argv, "--rpc")) {
        usage(stderr);
        return 2;
    }
    uint8_t bscript[42];
    size_t blen;
    if (via_btc_address_to_script(bscript, &blen, net, bridge, &e)) {
        fprintf(stderr, "via-btc deposit: --bridge '%s': %s\n", bridge, e.msg);
        return 2;
    }
    char *end;
    unsigned long long amount = strtoull(amount_s, &end, 10);
    if (*end || amount_s[0] == '-' || amount == 0 || amount > 2100000000000000ULL) {
        fprintf(stderr, "via-btc deposit: --amount must be a positive number of sats\n");
        return 2;
    }
    unsigned long long fee_rate = 0;
    if (fr) {
        fee_rate = strtoull(fr, &end, 10);
        if (*end || fr[0] == '-' || fee_rate == 0 || fee_rate > 100000) {
            fprintf(stderr, "via-btc deposit: --fee-rate must be a positive integer sat/vB\n");
            return 2;
        }
    }
    uint8_t *payload = NULL;
    size_t plen = 0;
    if (via_hex_decode(&payload, &plen, payload_s, &e) || plen < 1 || plen > 80) {
        fprintf(stderr, "via-btc deposit: --payload must be 1..80 bytes of hex%s%s\n",
                e.msg[0] ? ": " : "", e.msg);
        free(payload);
        return 2;
    }
    uint8_t seckey[32];
    if (via_btc_seckey_load_file(seckey, NULL, keyfile, &e)) {
        fprintf(stderr, "via-btc deposit: key %s: %s\n", keyfile, e.msg);
        free(payload);
        return 2;
    }
    via_rpc_config cfg = {0};
    cfg.url = opt(argc, argv, "--rpc");
    cfg.user = opt(argc, argv, "--rpc-user");
    cfg.password = opt(argc, argv, "--rpc-password");
    cfg.cookie_file = opt(argc, argv, "--rpc-cookie");
    if (!cfg.user) cfg.user = getenv("VIA_BTC_RPC_USER");
    if (!cfg.password) cfg.password = getenv("VIA_BTC_RPC_PASSWORD");
    via_rpc *rpc = NULL;
    int rc = 1;
    via_btc_tx tx;
    via_btc_tx_init(&tx);
    if (via_rpc_new(&rpc, &e, &cfg)) {
        fprintf(stderr, "via-btc deposit: %s\n", e.msg);
        rc = 2;
        goto done;
    }
    uint64_t used = 0;
    if (via_deposit_prepare(rpc, seckey, net, bscript, blen, amount, payload, plen, fee_rate, &tx,
                            &used, &e)) {
        fprintf(stderr, "via-btc deposit: %s\n", e.msg);
        goto done;
    }
    uint8_t *raw;
    size_t len;
    if (via_btc_tx_serialize(&raw, &len, &tx, 1)) {
        fprintf(stderr, "via-btc deposit: out of memory\n");
        goto done;
    }
    char txid[65];
    int src = via_rpc_sendrawtransaction(rpc, &e, txid, raw, len);
    free(raw);
    if (src) {
        fprintf(stderr, "via-btc deposit: broadcasting failed: %s\n", e.msg);
        goto done;
    }
    printf("txid=%s\nfee_rate=%llu\n", txid, (unsigned long long)used);
    rc = 0;
done:
    via_wipe(seckey, sizeof seckey);
    free(payload);
    via_btc_tx_free(&tx);
    via_rpc_free(rpc);
    return rc;
}
