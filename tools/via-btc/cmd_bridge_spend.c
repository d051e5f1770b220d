/* via-btc bridge-spend: spend bridge coins with locally held verifier keys.
 *
 * The bridge is P2TR(internal = MuSig2 KeyAgg of the verifier keys in the order given,
 * merkle_root = --merkle-root or none). Every input is signed by a full two-round MuSig2
 * session (BIP-327) with the key-path BIP-341 sighash (SIGHASH_ALL, docs/sources.md:
 * via-withdrawals). Each signer keeps its own state (its key, its secret nonces) in its own struct;
 * what passes between a signer and the coordinator is only serialized bytes: 66-byte public nonces,
 * the 66-byte aggregate nonce and 32-byte partial signatures, as they would over the network. */
#include "tool.h"
#include "via/bitcoin.h"
#include "via/chain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SIGNERS 32
#define MAX_INPUTS 64

typedef struct {
    uint8_t seckey[32];
    uint8_t pubkey[33];
    const uint8_t (*pubkeys)[33]; /* the public key list, as every signer knows it */
    size_t n_signers;
    via_musig_secnonce *secnonce[MAX_INPUTS]; /* freed (wiped) in done: */
} signer;

static void usage(FILE *f) {
    fprintf(
        f,
        "usage: via-btc bridge-spend --rpc <url> [--rpc-user U --rpc-password P | --rpc-cookie F]\n"
        "         [--network <net>] --keys <key file>... --to <address> --amount <sats>\n"
        "         [--merkle-root <hex32>] [--fee-rate <sat/vB>]\n"
        "Spends the bridge's confirmed coins (found with scantxoutset) to <address>, change\n"
        "back to the bridge, signed n-of-n by MuSig2 with the given verifier keys (in order).\n");
}

static const char *opt(int argc, char **argv, const char *name) {
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], name)) return argv[i + 1];
    return NULL;
}

static int parse_u64(const char *s, uint64_t *out, uint64_t max) {
    if (!s || !*s || s[0] == '-') return 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || v > max) return 0;
    *out = v;
    return 1;
}

/* Signer side of round 1: fresh nonces for every input; returns the public nonces as bytes. */
static int signer_round1(signer *s, uint8_t (*pubnonce_out)[66], const uint8_t (*msgs)[32],
                         size_t n_inputs, const uint8_t aggpk[32], via_error *e) {
    for (size_t i = 0; i < n_inputs; i++) {
        int rc = via_musig_nonce_gen(&s->secnonce[i], pubnonce_out[i], s->seckey, s->pubkey, aggpk,
                                     msgs[i], 32, 1, NULL, 0, e);
        if (rc) return rc;
    }
    return 0;
}

/* Recomputes the tweaked key aggregation from the public key list (each party does this). */
static int keyagg(via_musig_keyagg *ctx, uint8_t internal[32], const uint8_t (*pubkeys)[33],
                  size_t n, const uint8_t *merkle_root, via_error *e) {
    int rc = via_musig_keyagg_init(ctx, pubkeys, n, e);
    if (rc) return rc;
    via_musig_keyagg_xonly(internal, ctx);
    uint8_t buf[64], tweak[32];
    memcpy(buf, internal, 32);
    if (merkle_root) memcpy(buf + 32, merkle_root, 32);
    via_btc_tagged_hash(tweak, "TapTweak", buf, merkle_root ? 64 : 32);
    return via_musig_keyagg_tweak(ctx, tweak, 1, e);
}

/* Signer side of round 2: checks the message itself and signs with its own secret nonce. */
static int signer_round2(signer *s, uint8_t (*psig_out)[32], const uint8_t (*aggnonce)[66],
                         const uint8_t (*msgs)[32], size_t n_inputs, const uint8_t *merkle_root,
                         via_error *e) {
    via_musig_keyagg ctx;
    uint8_t internal[32];
    int rc = keyagg(&ctx, internal, s->pubkeys, s->n_signers, merkle_root, e);
    for (size_t i = 0; !rc && i < n_inputs; i++) {
        via_musig_session sess;
        rc = via_musig_session_init(&sess, &ctx, aggnonce[i], msgs[i], 32, e);
        if (!rc) rc = via_musig_partial_sign(psig_out[i], s->secnonce[i], s->seckey, &sess, e);
    }
    return rc;
}

static int fail(const char *fmt, const char *a, const char *b) {
    fprintf(stderr, "via-btc bridge-spend: ");
    fprintf(stderr, fmt, a, b);
    fprintf(stderr, "\n");
    return 1;
}

int cmd_bridge_spend(int argc, char **argv) {
    if (tool_wants_help(argc, argv)) {
        usage(stdout);
        return 0;
    }
    via_error be = {0};
    via_error err = {0};
    via_btc_network net = VIA_BTC_REGTEST;
    const char *netname = opt(argc, argv, "--network");
    if (netname && via_btc_network_parse(&net, netname, &be)) {
        fprintf(stderr, "via-btc bridge-spend: --network: %s\n", be.msg);
        return 2;
    }
    /* --keys takes every following argument up to the next option. */
    const char *key_files[MAX_SIGNERS];
    size_t n_signers = 0;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--keys"))
            for (int k = i + 1; k < argc && strncmp(argv[k], "--", 2) != 0; k++) {
                if (n_signers == MAX_SIGNERS) {
                    fprintf(stderr, "via-btc bridge-spend: at most %d keys\n", MAX_SIGNERS);
                    return 2;
                }
                key_files[n_signers++] = argv[k];
            }
    const char *to = opt(argc, argv, "--to"), *url = opt(argc, argv, "--rpc");
    uint64_t amount = 0, fee_rate = 0;
    if (!url || !to || n_signers == 0) {
        usage(stderr);
        return 2;
    }
    if (!parse_u64(opt(argc, argv, "--amount"), &amount, 2100000000000000ULL) || amount < 330) {
        fprintf(stderr, "via-btc bridge-spend: --amount must be a number of sats >= 330\n");
        return 2;
    }
    const char *fr = opt(argc, argv, "--fee-rate");
    if (fr && (!parse_u64(fr, &fee_rate, 100000) || !fee_rate)) {
        fprintf(stderr, "via-btc bridge-spend: --fee-rate must be a positive integer sat/vB\n");
        return 2;
    }
    uint8_t merkle[32], *merkle_root = NULL;
    const char *mr = opt(argc, argv, "--merkle-root");
    if (mr) {
        if (via_hex_decode_exact(merkle, 32, mr, &be)) {
            fprintf(stderr, "via-btc bridge-spend: --merkle-root: %s\n", be.msg);
            return 2;
        }
        merkle_root = merkle;
    }
    uint8_t to_script[42];
    size_t to_len;
    if (via_btc_address_to_script(to_script, &to_len, net, to, &be)) {
        fprintf(stderr, "via-btc bridge-spend: --to: %s\n", be.msg);
        return 2;
    }

    int rc = 2;
    signer *signers = calloc(n_signers, sizeof *signers);
    uint8_t(*pubkeys)[33] = calloc(n_signers, 33);
    via_rpc *rpc = NULL;
    via_rpc_utxo *coins = NULL;
    via_btc_tx tx;
    via_btc_tx_init(&tx);
    via_btc_txout *spent = NULL;
    if (!signers || !pubkeys) goto done;
    for (size_t s = 0; s < n_signers; s++) {
        if (via_btc_seckey_load_file(signers[s].seckey, NULL, key_files[s], &be) ||
            via_btc_pubkey_from_seckey(signers[s].pubkey, signers[s].seckey)) {
            fprintf(stderr, "via-btc bridge-spend: key %s: %s\n", key_files[s], be.msg);
            goto done;
        }
        memcpy(pubkeys[s], signers[s].pubkey, 33);
    }
    for (size_t s = 0; s < n_signers; s++) {
        signers[s].pubkeys = (const uint8_t(*)[33])pubkeys;
        signers[s].n_signers = n_signers;
    }
    rc = 1;

    /* The coordinator's view of the bridge. */
    via_musig_keyagg ctx;
    uint8_t internal[32], output_key[32], check[32], bridge[34];
    int parity;
    if (keyagg(&ctx, internal, (const uint8_t(*)[33])pubkeys, n_signers, merkle_root, &be) ||
        via_btc_taproot_output_key(check, &parity, internal, merkle_root, &be)) {
        fprintf(stderr, "via-btc bridge-spend: key aggregation: %s\n", be.msg);
        goto done;
    }
    via_musig_keyagg_xonly(output_key, &ctx);
    if (memcmp(output_key, check, 32)) {
        fprintf(stderr,
                "via-btc bridge-spend: tweaked aggregate differs from the BIP-341 output key\n");
        goto done;
    }
    via_btc_script_p2tr(bridge, output_key);
    char bridge_addr[VIA_BTC_ADDRESS_MAX], desc[VIA_BTC_ADDRESS_MAX + 8];
    if (via_btc_script_to_address(bridge_addr, net, bridge, sizeof bridge, &be)) goto done;

    via_rpc_config cfg = {0};
    cfg.url = url;
    cfg.user = opt(argc, argv, "--rpc-user");
    cfg.password = opt(argc, argv, "--rpc-password");
    cfg.cookie_file = opt(argc, argv, "--rpc-cookie");
    if (!cfg.user) cfg.user = getenv("VIA_BTC_RPC_USER");
    if (!cfg.password) cfg.password = getenv("VIA_BTC_RPC_PASSWORD");
    if (via_rpc_new(&rpc, &err, &cfg)) {
        rc = fail("%s%s", err.msg, "");
        goto done;
    }
    if (!fee_rate) {
        uint64_t kvb;
        int blocks;
        int frc = via_rpc_estimatesmartfee(rpc, &err, &kvb, &blocks, 1);
        if (frc && frc != VIA_ERPC) {
            rc = fail("%s%s", err.msg, "");
            goto done;
        }
        fee_rate = frc ? 1 : (kvb + 999) / 1000;
        if (fee_rate < 1) fee_rate = 1;
    }
    snprintf(desc, sizeof desc, "addr(%s)", bridge_addr);
    const char *descs[1] = {desc};
    size_t n_coins = 0;
    if (via_rpc_scantxoutset(rpc, &err, &coins, &n_coins, descs, 1)) {
        rc = fail("looking up bridge coins: %s%s", err.msg, "");
        goto done;
    }
    /* Largest first, until amount + fee (+ change) is covered (docs/sources.md: via-withdrawals).
     */
    for (size_t i = 1; i < n_coins; i++)
        for (size_t j = i; j > 0 && coins[j].value_sat > coins[j - 1].value_sat; j--) {
            via_rpc_utxo t = coins[j];
            coins[j] = coins[j - 1];
            coins[j - 1] = t;
        }
    uint64_t total = 0, fee = 0;
    size_t n_in = 0;
    static const uint8_t max_size_sig[65];
    const uint8_t *ph = max_size_sig;
    size_t ph_len = 65;
    for (; n_in < n_coins && n_in < MAX_INPUTS; n_in++) {
        uint8_t txid[32];
        if (via_btc_txid_from_hex(txid, coins[n_in].txid, &be) ||
            via_btc_tx_add_input(&tx, txid, coins[n_in].vout, 0xfffffffdu) ||
            via_btc_tx_set_witness(&tx, n_in, 1, &ph, &ph_len))
            goto done;
        total += coins[n_in].value_sat;
        /* Size with the recipient and a change output. */
        via_btc_tx probe;
        via_btc_tx_init(&probe);
        if (via_btc_tx_copy(&probe, &tx) ||
            via_btc_tx_add_output(&probe, amount, to_script, to_len) ||
            via_btc_tx_add_output(&probe, 0, bridge, sizeof bridge)) {
            via_btc_tx_free(&probe);
            goto done;
        }
        fee = fee_rate * via_btc_tx_vsize(&probe);
        via_btc_tx_free(&probe);
        if (total >= amount + fee) {
            n_in++;
            break;
        }
    }
    if (total < amount + fee) {
        char have[32], need[32];
        snprintf(have, sizeof have, "%llu", (unsigned long long)total);
        snprintf(need, sizeof need, "%llu", (unsigned long long)(amount + fee));
        rc = fail("bridge coins hold %s sats, the spend needs %s", have, need);
        goto done;
    }
    if (via_btc_tx_add_output(&tx, amount, to_script, to_len)) goto done;
    uint64_t change = total - amount - fee;
    if (change >= 330 && via_btc_tx_add_output(&tx, change, bridge, sizeof bridge)) goto done;

    spent = calloc(n_in, sizeof *spent);
    if (!spent) goto done;
    for (size_t i = 0; i < n_in; i++) {
        spent[i].value = coins[i].value_sat;
        spent[i].script_pubkey.data = coins[i].script_pubkey;
        spent[i].script_pubkey.len = coins[i].script_pubkey_len;
    }
    uint8_t msgs[MAX_INPUTS][32];
    for (size_t i = 0; i < n_in; i++)
        if (via_btc_sighash_taproot(msgs[i], &tx, i, spent, n_in, VIA_BTC_SIGHASH_ALL, NULL, &be)) {
            rc = fail("sighash: %s%s", be.msg, "");
            goto done;
        }

    /* Round 1: every signer publishes its nonces; the coordinator aggregates them. */
    uint8_t(*pubnonces)[MAX_INPUTS][66] = calloc(n_signers, sizeof *pubnonces);
    uint8_t(*psigs)[MAX_INPUTS][32] = calloc(n_signers, sizeof *psigs);
    uint8_t aggnonce[MAX_INPUTS][66];
    if (!pubnonces || !psigs) {
        free(pubnonces);
        free(psigs);
        goto done;
    }
    int ok = 1;
    for (size_t s = 0; ok && s < n_signers; s++)
        ok = signer_round1(&signers[s], pubnonces[s], (const uint8_t(*)[32])msgs, n_in, output_key,
                           &be) == 0;
    for (size_t i = 0; ok && i < n_in; i++) {
        uint8_t col[MAX_SIGNERS][66];
        for (size_t s = 0; s < n_signers; s++)
            memcpy(col[s], pubnonces[s][i], 66);
        size_t bad;
        ok = via_musig_nonce_agg(aggnonce[i], (const uint8_t(*)[66])col, n_signers, &bad, &be) == 0;
    }
    /* Round 2: every signer signs with its own secret nonces; the coordinator checks each
     * partial signature, aggregates, and checks the final signature. */
    for (size_t s = 0; ok && s < n_signers; s++)
        ok = signer_round2(&signers[s], psigs[s], (const uint8_t(*)[66])aggnonce,
                           (const uint8_t(*)[32])msgs, n_in, merkle_root, &be) == 0;
    for (size_t i = 0; ok && i < n_in; i++) {
        via_musig_session sess;
        ok = via_musig_session_init(&sess, &ctx, aggnonce[i], msgs[i], 32, &be) == 0;
        uint8_t col[MAX_SIGNERS][32];
        for (size_t s = 0; ok && s < n_signers; s++) {
            ok =
                via_musig_partial_verify(psigs[s][i], pubnonces[s][i], pubkeys[s], &sess, &be) == 0;
            memcpy(col[s], psigs[s][i], 32);
        }
        uint8_t sig[65];
        size_t bad;
        if (ok)
            ok = via_musig_partial_agg(sig, (const uint8_t(*)[32])col, n_signers, &sess, &bad,
                                       &be) == 0;
        if (ok) ok = via_btc_schnorr_verify(sig, msgs[i], 32, output_key) == 0;
        sig[64] = VIA_BTC_SIGHASH_ALL;
        const uint8_t *item = sig;
        size_t len = 65;
        if (ok) ok = via_btc_tx_set_witness(&tx, i, 1, &item, &len) == 0;
    }
    free(pubnonces);
    free(psigs);
    if (!ok) {
        rc = fail("MuSig2 signing failed: %s%s", be.msg[0] ? be.msg : "aggregate signature invalid",
                  "");
        goto done;
    }
    uint8_t *raw;
    size_t raw_len;
    char txid[65];
    if (via_btc_tx_serialize(&raw, &raw_len, &tx, 1)) goto done;
    int src = via_rpc_sendrawtransaction(rpc, &err, txid, raw, raw_len);
    free(raw);
    if (src) {
        rc = fail("broadcast failed: %s%s", err.msg, "");
        goto done;
    }
    printf("txid=%s\ninputs=%zu\nfee_sat=%llu\nchange_sat=%llu\n", txid, n_in,
           (unsigned long long)fee, (unsigned long long)(change >= 330 ? change : 0));
    rc = 0;
done:
    if (signers) {
        for (size_t k = 0; k < n_signers; k++)
            for (size_t i = 0; i < MAX_INPUTS; i++)
                via_musig_secnonce_free(signers[k].secnonce[i]);
        via_wipe(signers, n_signers * sizeof *signers);
        free(signers);
    }
    free(pubkeys);
    free(spent);
    free(coins);
    via_btc_tx_free(&tx);
    via_rpc_free(rpc);
    return rc;
}
