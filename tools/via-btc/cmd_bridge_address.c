/* via-btc bridge-address: the bridge's taproot address from the verifiers' public keys.
 * Internal key = BIP-327 KeyAgg of the keys in the given order (docs/sources.md: via-bridge).
 * Without
 * --gov-keys the output commits to no script tree (BIP-86 tweak); with them it commits to
 * the single governance leaf <x1> CHECKSIG <x2> CHECKSIGADD ... <m> NUMEQUAL. */
#include "tool.h"
#include "via/bitcoin.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *f) {
    fprintf(f,
            "usage: via-btc bridge-address --network <mainnet|testnet|signet|regtest>\n"
            "                              --keys <pubkey> [<pubkey> ...]\n"
            "                              [--gov-keys <pubkey> ... --gov-threshold <m>]\n\n"
            "Aggregates the verifiers' compressed public keys (66 hex characters each, in the\n"
            "configured order) with MuSig2 KeyAgg and prints, as JSON, the taproot bridge address,\n"
            "the aggregate (internal) x-only key, the output key and the script-tree root.\n"
            "Keys may also be given comma-separated. With --gov-keys the output commits to the\n"
            "governance m-of-n leaf; otherwise to no script tree (BIP-86 style).\n");
}

/* Collects hex keys following argv[*i] until the next option. */
static int collect(uint8_t (*out)[33], size_t *n, int argc, char **argv, int *i, const char *opt) {
    while (*i + 1 < argc && strncmp(argv[*i + 1], "--", 2)) {
        char *arg = argv[++*i];
        char *save = NULL;
        for (char *tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            if (*n == VIA_MUSIG_MAX_SIGNERS) {
                fprintf(stderr, "via-btc bridge-address: too many keys for %s (max %d)\n", opt,
                        VIA_MUSIG_MAX_SIGNERS);
                return 2;
            }
            via_error e;
            if (via_hex_decode_exact(out[*n], 33, tok, &e) || via_btc_pubkey_check(out[*n], &e)) {
                fprintf(stderr, "via-btc bridge-address: %s key %zu '%.70s': %s\n", opt, *n + 1,
                        tok, e.msg);
                return 2;
            }
            (*n)++;
        }
    }
    return 0;
}

int cmd_bridge_address(int argc, char **argv) {
    if (tool_wants_help(argc, argv)) {
        help(stdout);
        return 0;
    }
    static uint8_t keys[VIA_MUSIG_MAX_SIGNERS][33], gov[VIA_MUSIG_MAX_SIGNERS][33];
    size_t n = 0, ng = 0;
    long threshold = 0;
    const char *netname = NULL;
    for (int i = 1; i < argc; i++) {
        int rc = 0;
        if (!strcmp(argv[i], "--network") && i + 1 < argc) netname = argv[++i];
        else if (!strcmp(argv[i], "--keys")) rc = collect(keys, &n, argc, argv, &i, "--keys");
        else if (!strcmp(argv[i], "--gov-keys")) rc = collect(gov, &ng, argc, argv, &i, "--gov-keys");
        else if (!strcmp(argv[i], "--gov-threshold") && i + 1 < argc) {
            char *end;
            threshold = strtol(argv[++i], &end, 10);
            if (*end || threshold < 1 || threshold > 16) {
                fprintf(stderr, "via-btc bridge-address: --gov-threshold must be 1..16\n");
                return 2;
            }
        } else {
            fprintf(stderr, "via-btc bridge-address: unexpected argument '%s'\n\n", argv[i]);
            help(stderr);
            return 2;
        }
        if (rc) return rc;
    }
    via_btc_network net;
    via_error e;
    if (!netname) {
        fprintf(stderr, "via-btc bridge-address: --network is required\n");
        return 2;
    }
    if (via_btc_network_parse(&net, netname, &e)) {
        fprintf(stderr, "via-btc bridge-address: %s\n", e.msg);
        return 2;
    }
    if (n == 0) {
        fprintf(stderr, "via-btc bridge-address: --keys needs at least one public key\n");
        return 2;
    }
    if ((ng > 0) != (threshold > 0) || (size_t)threshold > ng) {
        fprintf(stderr, "via-btc bridge-address: --gov-keys and --gov-threshold go together, "
                        "with 1 <= m <= number of governance keys\n");
        return 2;
    }
    /* The same key twice gives one party two votes: every verifier would be the same key, or
     * an m-of-n governance leaf could be satisfied by fewer people than it says. The leaf
     * holds x-only keys, so there two keys with the same x are the same key. */
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (!memcmp(keys[i], keys[j], 33)) {
                fprintf(stderr,
                        "via-btc bridge-address: --keys: key %zu is the same as key %zu "
                        "(each verifier needs its own key)\n",
                        j + 1, i + 1);
                return 2;
            }
    for (size_t i = 0; i < ng; i++)
        for (size_t j = i + 1; j < ng; j++)
            if (!memcmp(gov[i] + 1, gov[j] + 1, 32)) {
                fprintf(stderr,
                        "via-btc bridge-address: --gov-keys: key %zu has the same x-only "
                        "key as key %zu (a %ld-of-%zu leaf would need fewer signers)\n",
                        j + 1, i + 1, threshold, ng);
                return 2;
            }
    via_musig_keyagg ctx;
    if (via_musig_keyagg_init(&ctx, (const uint8_t(*)[33])keys, n, &e)) {
        fprintf(stderr, "via-btc bridge-address: %s\n", e.msg);
        return 1;
    }
    uint8_t internal[32], root[32], q[32], spk[34];
    int parity;
    via_musig_keyagg_xonly(internal, &ctx);
    uint8_t *leaf = NULL;
    size_t leaf_len = 0;
    if (ng) {
        leaf = malloc(34 * ng + 2);
        if (!leaf) return 1;
        for (size_t i = 0; i < ng; i++) {
            leaf[leaf_len++] = 0x20;
            memcpy(leaf + leaf_len, gov[i] + 1, 32);
            leaf_len += 32;
            leaf[leaf_len++] = i == 0 ? 0xac : 0xba; /* OP_CHECKSIG / OP_CHECKSIGADD */
        }
        leaf[leaf_len++] = (uint8_t)(0x50 + threshold); /* OP_m */
        leaf[leaf_len++] = 0x9c;                         /* OP_NUMEQUAL */
        via_btc_tapleaf_hash(root, VIA_BTC_TAPSCRIPT_LEAF, leaf, leaf_len);
    }
    if (via_btc_taproot_output_key(q, &parity, internal, ng ? root : NULL, &e)) {
        fprintf(stderr, "via-btc bridge-address: %s\n", e.msg);
        free(leaf);
        return 1;
    }
    via_btc_script_p2tr(spk, q);
    char addr[VIA_BTC_ADDRESS_MAX], hx[2 * 34 + 1];
    if (via_btc_script_to_address(addr, net, spk, sizeof spk, &e)) {
        fprintf(stderr, "via-btc bridge-address: %s\n", e.msg);
        free(leaf);
        return 1;
    }
    json_t *o = json_object();
    json_object_set_new(o, "network", json_string(via_btc_network_name(net)));
    json_object_set_new(o, "address", json_string(addr));
    via_hex_encode(hx, internal, 32);
    json_object_set_new(o, "aggregate_key", json_string(hx));
    via_hex_encode(hx, ctx.q, 33);
    json_object_set_new(o, "aggregate_key_compressed", json_string(hx));
    via_hex_encode(hx, q, 32);
    json_object_set_new(o, "output_key", json_string(hx));
    via_hex_encode(hx, spk, 34);
    json_object_set_new(o, "script_pubkey", json_string(hx));
    if (ng) {
        via_hex_encode(hx, root, 32);
        json_object_set_new(o, "merkle_root", json_string(hx));
        char *lh = malloc(2 * leaf_len + 1);
        if (lh) {
            via_hex_encode(lh, leaf, leaf_len);
            json_object_set_new(o, "governance_leaf", json_string(lh));
            free(lh);
        }
    } else {
        json_object_set_new(o, "merkle_root", json_null());
    }
    json_object_set_new(o, "signers", json_integer((json_int_t)n));
    char *s = json_dumps(o, JSON_INDENT(2));
    puts(s);
    free(s);
    json_decref(o);
    free(leaf);
    return 0;
}
