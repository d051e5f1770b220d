/* via-btc inscribe: build, sign and broadcast a Via commit/reveal pair (docs/sources.md:
 * via-commit-reveal) paid from the key's P2WPKH and BIP-86 P2TR coins, found with scantxoutset
 * (each coin is spent the way its scriptPubKey says; change goes to the P2WPKH address). Prints
 * commit_txid=... and reveal_txid=... on success. */
#include "tool.h"
#include "via/bitcoin.h"
#include "via/chain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
    fprintf(f,
            "usage: via-btc inscribe --rpc <url> [--rpc-user U --rpc-password P | --rpc-cookie F]\n"
            "         --key <key file> --network <net> [--fee-rate <sat/vB>] --type <type> "
            "<fields>\n"
            "types and fields:\n"
            "  attestation  --reference <proof reveal txid> --vote ok|not-ok\n"
            "  batch-da     --batch-hash <hex32> --batch-index <n> --da-id <s> --blob-id <s>\n"
            "               --prev-batch-hash <hex32>\n"
            "  proof-da     --batch-reveal-txid <txid> --da-id <s> --blob-id <s>\n"
            "  deposit      --receiver <hex20> [--contract <hex20>] [--call-data <hex>]\n"
            "               --bridge <address> --amount <sats>\n"
            "  bootstrap    --start-height <n> --protocol-version [0.]<minor>.<patch>\n"
            "               --bootloader-hash <hex32> --aa-hash <hex32> --vk-hash <hex32>\n"
            "               --evm-emulator-hash <hex32> --governance <address>\n"
            "               --sequencer <address> --bridge <address>\n"
            "               [--verifiers <v>[,<v>...]]... (each v a P2WPKH address or a\n"
            "               compressed public key in hex, which stands for its P2WPKH address;\n"
            "               the option may repeat; order is kept; at most 64 verifiers)\n"
            "               (SystemBootstrappingMessage, docs/sources.md: via-inscriptions; "
            "--vk-hash is the snark\n"
            "               wrapper verifying-key hash, --aa-hash the abstract account hash)\n"
            "The key file holds one secret key (64 hex digits or WIF); its confirmed P2WPKH\n"
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
    via_error e = {0};
    if (!s) {
        fprintf(stderr, "via-btc inscribe: %s is required\n", what);
        return 0;
    }
    if (via_hex_decode_exact(out, n, s, &e)) {
        fprintf(stderr, "via-btc inscribe: %s: %s\n", what, e.msg);
        return 0;
    }
    return 1;
}

/* A segwit address for net in field what, in canonical (lowercase) form; 0 on bad input. */
static int address_field(char out[VIA_BTC_ADDRESS_MAX], const char *s, via_btc_network net,
                         const char *what) {
    uint8_t script[42];
    size_t len;
    via_error e = {0};
    if (!s) {
        fprintf(stderr, "via-btc inscribe: %s <address> is required\n", what);
        return 0;
    }
    if (via_btc_address_to_script(script, &len, net, s, &e) ||
        via_btc_script_to_address(out, net, script, len, &e)) {
        fprintf(stderr, "via-btc inscribe: %s '%s' is not a %s segwit address: %s\n", what, s,
                via_btc_network_name(net), e.msg);
        return 0;
    }
    return 1;
}

/* One verifier: a P2WPKH address for net, or a 33-byte compressed public key in hex that
 * stands for its P2WPKH address. i counts from 1 for the error message. */
static int verifier_field(char out[VIA_BTC_ADDRESS_MAX], const char *s, size_t i,
                          via_btc_network net) {
    uint8_t pub[33], script[42];
    size_t len;
    via_error e = {0};
    if (strlen(s) == 66 && !via_hex_decode_exact(pub, 33, s, &e)) {
        if (via_btc_pubkey_check(pub, &e)) {
            fprintf(stderr, "via-btc inscribe: --verifiers entry %zu '%s': not a public key: %s\n",
                    i, s, e.msg);
            return 0;
        }
        via_btc_script_p2wpkh(script, pub);
        len = 22;
    } else if (via_btc_address_to_script(script, &len, net, s, &e)) {
        fprintf(stderr,
                "via-btc inscribe: --verifiers entry %zu '%s' is neither a %s P2WPKH address nor "
                "a compressed public key (66 hex digits): %s\n",
                i, s, via_btc_network_name(net), e.msg);
        return 0;
    } else if (len != 22 || script[0] != 0x00 || script[1] != 0x14) {
        fprintf(stderr,
                "via-btc inscribe: --verifiers entry %zu '%s' is not a P2WPKH address "
                "(docs/sources.md: via-inscriptions: verifiers are P2WPKH)\n",
                i, s);
        return 0;
    }
    if (via_btc_script_to_address(out, net, script, len, &e)) {
        fprintf(stderr, "via-btc inscribe: --verifiers entry %zu: %s\n", i, e.msg);
        return 0;
    }
    return 1;
}

/* "[0.]MINOR.PATCH" -> the 32-byte big-endian U256 (minor << 32) | patch of docs/sources.md:
 * via-inscriptions (packed semver: major 0, minor below 2^16, patch below 2^32). */
static int protocol_version_field(uint8_t out[32], const char *s) {
    uint64_t part[3];
    int n = 0;
    const char *p = s;
    if (!s) {
        fprintf(stderr, "via-btc inscribe: --protocol-version [0.]<minor>.<patch> is required\n");
        return 0;
    }
    for (;;) {
        char num[24];
        size_t k = strspn(p, "0123456789");
        if (k == 0 || k >= sizeof num || n == 3) goto bad;
        memcpy(num, p, k);
        num[k] = 0;
        if (!parse_u64(num, &part[n++], UINT32_MAX)) goto bad;
        p += k;
        if (!*p) break;
        if (*p++ != '.') goto bad;
    }
    if (n < 2) goto bad;
    if (n == 3 && part[0] != 0) {
        fprintf(stderr, "via-btc inscribe: --protocol-version '%s': the major version must be 0\n",
                s);
        return 0;
    }
    uint64_t minor = part[n - 2], patch = part[n - 1];
    if (minor > 0xFFFF) {
        fprintf(stderr, "via-btc inscribe: --protocol-version '%s': minor %llu exceeds 65535\n", s,
                (unsigned long long)minor);
        return 0;
    }
    uint64_t packed = (minor << 32) | patch;
    memset(out, 0, 32);
    for (int i = 0; i < 8; i++)
        out[31 - i] = (uint8_t)(packed >> (8 * i));
    return 1;
bad:
    fprintf(stderr,
            "via-btc inscribe: --protocol-version '%s' must be [0.]<minor>.<patch> (decimal, "
            "minor below 2^16, patch below 2^32)\n",
            s);
    return 0;
}

/* Every value of --verifiers (repeatable, each a comma-separated list) in order. */
static int verifiers_field(via_msg_bootstrap *b, int argc, char **argv, via_btc_network net) {
    b->n_verifiers = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--verifiers")) continue;
        if (i + 1 >= argc) {
            fprintf(stderr, "via-btc inscribe: --verifiers needs a value\n");
            return 0;
        }
        const char *p = argv[++i];
        for (;;) {
            size_t k = strcspn(p, ",");
            char item[VIA_BTC_ADDRESS_MAX];
            if (b->n_verifiers == VIA_MSG_MAX_VERIFIERS) {
                fprintf(stderr, "via-btc inscribe: --verifiers: more than %d verifiers\n",
                        VIA_MSG_MAX_VERIFIERS);
                return 0;
            }
            if (k == 0 || k >= sizeof item) {
                fprintf(stderr, "via-btc inscribe: --verifiers entry %zu is %s\n",
                        b->n_verifiers + 1, k ? "too long" : "empty");
                return 0;
            }
            memcpy(item, p, k);
            item[k] = 0;
            if (!verifier_field(b->verifier_addresses[b->n_verifiers], item, b->n_verifiers + 1,
                                net))
                return 0;
            b->n_verifiers++;
            p += k;
            if (!*p) break;
            p++;
        }
    }
    return 1;
}

/* Fills msg (and the recipient for a deposit) from the command line; 0 on bad input. */
static int build_msg(int argc, char **argv, via_msg *msg, via_btc_network net, uint8_t *rscript,
                     size_t *rscript_len, uint64_t *ramount) {
    const char *type = opt(argc, argv, "--type");
    via_error e = {0};
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
            if (via_hex_decode(&b, &n, cd, &e) || n > sizeof d->call_data) {
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
    if (!strcmp(type, "bootstrap")) {
        msg->type = VIA_MSG_SYSTEM_BOOTSTRAPPING;
        via_msg_bootstrap *b = &msg->u.bootstrap;
        uint64_t h;
        if (!parse_u64(opt(argc, argv, "--start-height"), &h, UINT32_MAX)) {
            fprintf(stderr, "via-btc inscribe: --start-height must be an integer in 0..2^32-1\n");
            return 0;
        }
        b->start_block_height = (uint32_t)h;
        return protocol_version_field(b->protocol_version, opt(argc, argv, "--protocol-version")) &&
               hex_exact(b->bootloader_hash, 32, opt(argc, argv, "--bootloader-hash"),
                         "--bootloader-hash") &&
               hex_exact(b->abstract_account_hash, 32, opt(argc, argv, "--aa-hash"), "--aa-hash") &&
               hex_exact(b->snark_wrapper_vk_hash, 32, opt(argc, argv, "--vk-hash"), "--vk-hash") &&
               hex_exact(b->evm_emulator_hash, 32, opt(argc, argv, "--evm-emulator-hash"),
                         "--evm-emulator-hash") &&
               address_field(b->governance_address, opt(argc, argv, "--governance"), net,
                             "--governance") &&
               address_field(b->sequencer_address, opt(argc, argv, "--sequencer"), net,
                             "--sequencer") &&
               address_field(b->bridge_address, opt(argc, argv, "--bridge"), net, "--bridge") &&
               verifiers_field(b, argc, argv, net);
    }
    fprintf(stderr,
            "via-btc inscribe: unknown --type '%s' (attestation, batch-da, proof-da, "
            "deposit, bootstrap)\n",
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
    via_error err = {0};
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
    via_error err = {0};
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
    via_error be = {0};
    via_btc_network net;
    const char *netname = opt(argc, argv, "--network"), *keyfile = opt(argc, argv, "--key");
    if (!netname || via_btc_network_parse(&net, netname, &be)) {
        fprintf(stderr,
                "via-btc inscribe: --network must be mainnet, testnet, signet or regtest\n");
        return 2;
    }
    if (!keyfile) {
        fprintf(stderr, "via-btc inscribe: --key <key file> is required\n");
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
    uint8_t seckey[32];
    if (via_btc_seckey_load_file(seckey, NULL, keyfile, &be)) {
        fprintf(stderr, "via-btc inscribe: key %s: %s\n", keyfile, be.msg);
        return 2;
    }
    via_rpc *rpc = NULL;
    int rc = connect_rpc(argc, argv, &rpc);
    if (rc) {
        via_wipe(seckey, sizeof seckey);
        return rc;
    }
    via_inscription ins;
    int have_ins = 0;
    via_error err = {0};
    rc = 1;
    via_btc_txout recipient = {ramount, {rscript, rscript_len}};
    uint64_t used = 0;
    int prc = via_inscribe_prepare(rpc, seckey, net, &msg, fee_rate,
                                   rscript_len ? &recipient : NULL, NULL, 0, &ins, &used, &err);
    if (prc) {
        fprintf(stderr, "via-btc inscribe: %s\n", err.msg);
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
    via_wipe(seckey, sizeof seckey);
    if (have_ins) via_inscription_free(&ins);
    via_rpc_free(rpc);
    return rc;
}
