/* via-btc inscribe: build, sign and broadcast a Via commit/reveal pair (via-spec §2.4) paid from
 * the wallet key's P2WPKH and BIP-86 P2TR coins, found with scantxoutset (each coin is spent
 * the way its scriptPubKey says; change goes to the P2WPKH address). Prints commit_txid=... and
 * reveal_txid=... on success. */
#include "tool.h"
#include "via/bitcoin.h"
#include "via/chain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
    fprintf(
        f,
        "usage: via-btc inscribe --rpc <url> [--rpc-user U --rpc-password P | --rpc-cookie F]\n"
        "         --wallet <key file> --network <net> [--fee-rate <sat/vB>] --type <type> "
        "<fields>\n"
        "types and fields:\n"
        "  attestation  --reference <proof reveal txid> --vote ok|not-ok\n"
        "  batch-da     --batch-hash <hex32> --batch-index <n> --da-id <s> --blob-id <s>\n"
        "               --prev-batch-hash <hex32>\n"
        "  proof-da     --batch-reveal-txid <txid> --da-id <s> --blob-id <s>\n"
        "  deposit      --receiver <hex20> [--contract <hex20>] [--call-data <hex>]\n"
        "               --bridge <address> --amount <sats>\n"
        "The wallet key file holds one secret key (64 hex digits or WIF); its confirmed P2WPKH\n"
        "and BIP-86 P2TR (key-path) coins pay; change goes to its P2WPKH address.\n"
        "RPC credentials may also come from VIA_BTC_RPC_USER / VIA_BTC_RPC_PASSWORD.\n");
}

static const char *opt(int argc, char **argv, const char *name) {
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], name)) return argv[i + 1];
    return NULL;
}

static int parse_u64(const char *s, uint64_t *out, uint64_t max) {
    if (!s || !*s) return 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || s[0] == '-' || v > max) return 0;
    *out = v;
    return 1;
}

static int copy_str(char *dst, size_t cap, const char *src, const char *what) {
    if (!src) {
        fprintf(stderr, "via-btc inscribe: %s is required\n", what);
        return 0;
    }
    if (strlen(src) >= cap) {
        fprintf(stderr, "via-btc inscribe: %s longer than %zu bytes\n", what, cap - 1);
        return 0;
    }
    memcpy(dst, src, strlen(src) + 1);
    return 1;
}

static int hex_exact(uint8_t *out, size_t n, const char *s, const char *what) {
    via_btc_error e = {{0}};
    if (!s) {
        fprintf(stderr, "via-btc inscribe: %s is required\n", what);
        return 0;
    }
    if (via_btc_hex_decode_exact(out, n, s, &e)) {
        fprintf(stderr, "via-btc inscribe: %s: %s\n", what, e.msg);
        return 0;
    }
    return 1;
}

/* Fills msg (and the recipient for a deposit) from the command line; 0 on bad input. */
static int build_msg(int argc, char **argv, via_msg *msg, via_btc_network net, uint8_t *rscript,
                     size_t *rscript_len, uint64_t *ramount) {
    const char *type = opt(argc, argv, "--type");
    via_btc_error e = {{0}};
    memset(msg, 0, sizeof *msg);
    if (!type) {
        fprintf(stderr, "via-btc inscribe: --type is required\n");
        return 0;
    }
    if (!strcmp(type, "attestation")) {
        msg->type = VIA_MSG_VALIDATOR_ATTESTATION;
        const char *ref = opt(argc, argv, "--reference"), *vote = opt(argc, argv, "--vote");
        if (!ref || via_btc_txid_from_hex(msg->u.attestation.reference_txid, ref, &e)) {
            fprintf(stderr, "via-btc inscribe: --reference must be a 64-hex-digit txid%s%s\n",
                    e.msg[0] ? ": " : "", e.msg);
            return 0;
        }
        if (vote && !strcmp(vote, "ok"))
            msg->u.attestation.vote_ok = 1;
        else if (vote && !strcmp(vote, "not-ok"))
            msg->u.attestation.vote_ok = 0;
        else {
            fprintf(stderr, "via-btc inscribe: --vote must be ok or not-ok\n");
            return 0;
        }
        return 1;
    }
    if (!strcmp(type, "batch-da")) {
        msg->type = VIA_MSG_L1_BATCH_DA_REFERENCE;
        via_msg_batch_da_ref *b = &msg->u.batch_da_ref;
        uint64_t idx;
        if (!parse_u64(opt(argc, argv, "--batch-index"), &idx, UINT32_MAX)) {
            fprintf(stderr, "via-btc inscribe: --batch-index must be an integer in 0..2^32-1\n");
            return 0;
        }
        b->l1_batch_index = (uint32_t)idx;
        return hex_exact(b->l1_batch_hash, 32, opt(argc, argv, "--batch-hash"), "--batch-hash") &&
               hex_exact(b->prev_l1_batch_hash, 32, opt(argc, argv, "--prev-batch-hash"),
                         "--prev-batch-hash") &&
               copy_str(b->da_identifier, sizeof b->da_identifier, opt(argc, argv, "--da-id"),
                        "--da-id") &&
               copy_str(b->blob_id, sizeof b->blob_id, opt(argc, argv, "--blob-id"), "--blob-id");
    }
    if (!strcmp(type, "proof-da")) {
        msg->type = VIA_MSG_PROOF_DA_REFERENCE;
        via_msg_proof_da_ref *p = &msg->u.proof_da_ref;
        const char *t = opt(argc, argv, "--batch-reveal-txid");
        if (!t || via_btc_txid_from_hex(p->l1_batch_reveal_txid, t, &e)) {
            fprintf(stderr, "via-btc inscribe: --batch-reveal-txid must be a txid\n");
            return 0;
        }
        return copy_str(p->da_identifier, sizeof p->da_identifier, opt(argc, argv, "--da-id"),
                        "--da-id") &&
               copy_str(p->blob_id, sizeof p->blob_id, opt(argc, argv, "--blob-id"), "--blob-id");
    }
    if (!strcmp(type, "deposit")) {
        msg->type = VIA_MSG_L1_TO_L2;
        via_msg_l1_to_l2 *d = &msg->u.l1_to_l2;
        if (!hex_exact(d->receiver_l2_address, 20, opt(argc, argv, "--receiver"), "--receiver"))
            return 0;
        const char *c = opt(argc, argv, "--contract"), *cd = opt(argc, argv, "--call-data");
        if (c && !hex_exact(d->l2_contract_address, 20, c, "--contract")) return 0;
        if (cd) {
            uint8_t *b;
            size_t n;
            if (via_btc_hex_decode(&b, &n, cd, &e) || n > sizeof d->call_data) {
                fprintf(stderr, "via-btc inscribe: --call-data must be hex of at most %zu bytes\n",
                        sizeof d->call_data);
                free(b);
                return 0;
            }
            if (n) memcpy(d->call_data, b, n);
            d->call_data_len = n;
            free(b);
        }
        const char *bridge = opt(argc, argv, "--bridge");
        if (!bridge || via_btc_address_to_script(rscript, rscript_len, net, bridge, &e)) {
            fprintf(stderr, "via-btc inscribe: --bridge must be a %s address%s%s\n",
                    via_btc_network_name(net), e.msg[0] ? ": " : "", e.msg);
            return 0;
        }
        if (!parse_u64(opt(argc, argv, "--amount"), ramount, 2100000000000000ULL) || !*ramount) {
            fprintf(stderr, "via-btc inscribe: --amount must be a positive number of sats\n");
            return 0;
        }
        return 1;
    }
    fprintf(stderr,
            "via-btc inscribe: unknown --type '%s' (attestation, batch-da, proof-da, "
            "deposit)\n",
            type);
    return 0;
}

static int connect_rpc(int argc, char **argv, via_rpc **rpc) {
    via_rpc_config cfg = {0};
    cfg.url = opt(argc, argv, "--rpc");
    cfg.user = opt(argc, argv, "--rpc-user");
    cfg.password = opt(argc, argv, "--rpc-password");
    cfg.cookie_file = opt(argc, argv, "--rpc-cookie");
    if (!cfg.user) cfg.user = getenv("VIA_BTC_RPC_USER");
    if (!cfg.password) cfg.password = getenv("VIA_BTC_RPC_PASSWORD");
    via_chain_error err = {0};
    if (!cfg.url) {
        fprintf(stderr, "via-btc inscribe: --rpc <url> is required\n");
        return 2;
    }
    if (via_rpc_new(rpc, &err, &cfg)) {
        fprintf(stderr, "via-btc inscribe: %s\n", err.msg);
        return 2;
    }
    return 0;
}

static int send(via_rpc *rpc, const via_btc_tx *tx, char txid[65], const char *what) {
    uint8_t *raw;
    size_t len;
    via_chain_error err = {0};
    if (via_btc_tx_serialize(&raw, &len, tx, 1)) {
        fprintf(stderr, "via-btc inscribe: out of memory serializing the %s\n", what);
        return 1;
    }
    int rc = via_rpc_sendrawtransaction(rpc, &err, txid, raw, len);
    free(raw);
    if (rc) {
        fprintf(stderr, "via-btc inscribe: broadcasting the %s failed: %s\n", what, err.msg);
        return 1;
    }
    return 0;
}

int cmd_inscribe(int argc, char **argv) {
    if (tool_wants_help(argc, argv)) {
        usage(stdout);
        return 0;
    }
    via_btc_error be = {{0}};
    via_btc_network net;
    const char *netname = opt(argc, argv, "--network"), *wallet = opt(argc, argv, "--wallet");
    if (!netname || via_btc_network_parse(&net, netname, &be)) {
        fprintf(stderr,
                "via-btc inscribe: --network must be mainnet, testnet, signet or regtest\n");
        return 2;
    }
    if (!wallet) {
        fprintf(stderr, "via-btc inscribe: --wallet <key file> is required\n");
        usage(stderr);
        return 2;
    }
    via_msg msg;
    uint8_t rscript[42];
    size_t rscript_len = 0;
    uint64_t ramount = 0;
    if (!build_msg(argc, argv, &msg, net, rscript, &rscript_len, &ramount)) return 2;
    uint64_t fee_rate = 0;
    const char *fr = opt(argc, argv, "--fee-rate");
    if (fr && (!parse_u64(fr, &fee_rate, 100000) || !fee_rate)) {
        fprintf(stderr, "via-btc inscribe: --fee-rate must be a positive integer sat/vB\n");
        return 2;
    }
    uint8_t seckey[32], pub[33], spk[22], xonly[32], qx[32], trspk[34];
    int qpar;
    if (via_btc_seckey_load_file(seckey, NULL, wallet, &be)) {
        fprintf(stderr, "via-btc inscribe: wallet %s: %s\n", wallet, be.msg);
        return 2;
    }
    via_rpc *rpc = NULL;
    int rc = connect_rpc(argc, argv, &rpc);
    if (rc) {
        via_btc_wipe(seckey, sizeof seckey);
        return rc;
    }
    via_rpc_utxo *coins = NULL;
    via_btc_utxo *utxos = NULL;
    uint8_t *kinds = NULL;
    via_inscription ins;
    int have_ins = 0;
    char addr[VIA_BTC_ADDRESS_MAX], desc[VIA_BTC_ADDRESS_MAX + 8];
    char traddr[VIA_BTC_ADDRESS_MAX], trdesc[VIA_BTC_ADDRESS_MAX + 8];
    via_chain_error err = {0};
    rc = 1;
    if (via_btc_pubkey_from_seckey(pub, seckey)) goto done;
    via_btc_script_p2wpkh(spk, pub);
    if (via_btc_script_to_address(addr, net, spk, sizeof spk, &be)) {
        fprintf(stderr, "via-btc inscribe: %s\n", be.msg);
        goto done;
    }
    /* The key's BIP-86 output: P2TR(xonly(seckey) + H_TapTweak(xonly) G). */
    if (via_btc_xonly_from_seckey(xonly, NULL, seckey) ||
        via_btc_taproot_output_key(qx, &qpar, xonly, NULL, &be)) {
        fprintf(stderr, "via-btc inscribe: wallet %s: no taproot key%s%s\n", wallet,
                be.msg[0] ? ": " : "", be.msg);
        goto done;
    }
    via_btc_script_p2tr(trspk, qx);
    if (via_btc_script_to_address(traddr, net, trspk, sizeof trspk, &be)) {
        fprintf(stderr, "via-btc inscribe: %s\n", be.msg);
        goto done;
    }
    if (!fee_rate) {
        uint64_t kvb;
        int blocks;
        int frc = via_rpc_estimatesmartfee(rpc, &err, &kvb, &blocks, 10);
        if (frc == VIA_CHAIN_ERPC) {
            fprintf(stderr, "via-btc inscribe: no fee estimate (%s); using 1 sat/vB\n", err.msg);
            fee_rate = 1;
        } else if (frc) {
            fprintf(stderr, "via-btc inscribe: %s\n", err.msg);
            goto done;
        } else {
            /* via-spec §2.5: +1 sat/vB margin, clamped to [1,100] on mainnet/testnet3 and
             * [1,10] elsewhere. */
            fee_rate = (kvb + 1000) / 1000;
            uint64_t cap = (net == VIA_BTC_MAINNET || net == VIA_BTC_TESTNET) ? 100 : 10;
            if (fee_rate > cap) fee_rate = cap;
            if (fee_rate < 1) fee_rate = 1;
        }
    }
    snprintf(desc, sizeof desc, "addr(%s)", addr);
    snprintf(trdesc, sizeof trdesc, "addr(%s)", traddr);
    const char *descs[2] = {desc, trdesc};
    size_t n = 0;
    if (via_rpc_scantxoutset(rpc, &err, &coins, &n, descs, 2)) {
        fprintf(stderr, "via-btc inscribe: looking up the wallet's coins: %s\n", err.msg);
        goto done;
    }
    if (n == 0) {
        fprintf(stderr, "via-btc inscribe: wallet has no confirmed coins at %s (P2WPKH) or %s "
                        "(P2TR)\n", addr, traddr);
        goto done;
    }
    utxos = calloc(n, sizeof *utxos);
    kinds = calloc(n, 1);
    if (!utxos || !kinds) goto done;
    for (size_t i = 0; i < n; i++) {
        if (via_btc_txid_from_hex(utxos[i].txid, coins[i].txid, &be)) {
            fprintf(stderr, "via-btc inscribe: scantxoutset coin %zu: %s\n", i, be.msg);
            goto done;
        }
        utxos[i].vout = coins[i].vout;
        utxos[i].value = coins[i].value_sat;
        if (coins[i].script_pubkey_len == sizeof spk &&
            !memcmp(coins[i].script_pubkey, spk, sizeof spk))
            kinds[i] = VIA_INSCRIPTION_FUND_P2WPKH;
        else if (coins[i].script_pubkey_len == sizeof trspk &&
                 !memcmp(coins[i].script_pubkey, trspk, sizeof trspk))
            kinds[i] = VIA_INSCRIPTION_FUND_P2TR;
        else {
            fprintf(stderr,
                    "via-btc inscribe: scantxoutset returned coin %s:%u whose script is neither "
                    "the wallet's P2WPKH nor its P2TR\n",
                    coins[i].txid, coins[i].vout);
            goto done;
        }
    }
    via_btc_txout recipient = {ramount, {rscript, rscript_len}};
    if (via_inscription_build_ex(&ins, seckey, &msg, net, utxos, kinds, n, fee_rate,
                              rscript_len ? &recipient : NULL, &be)) {
        fprintf(stderr, "via-btc inscribe: %s\n", be.msg);
        goto done;
    }
    have_ins = 1;
    char commit[65], reveal[65];
    if (send(rpc, &ins.commit, commit, "commit transaction")) goto done;
    if (send(rpc, &ins.reveal, reveal, "reveal transaction")) {
        fprintf(stderr, "via-btc inscribe: the commit %s was broadcast\n", commit);
        goto done;
    }
    printf("commit_txid=%s\nreveal_txid=%s\nfee_sat=%llu\n", commit, reveal,
           (unsigned long long)(ins.commit_fee + ins.reveal_fee));
    rc = 0;
done:
    via_btc_wipe(seckey, sizeof seckey);
    if (have_ins) via_inscription_free(&ins);
    free(utxos);
    free(kinds);
    free(coins);
    via_rpc_free(rpc);
    return rc;
}
