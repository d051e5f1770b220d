/*
 * via-wallet: generate a BabyJubJub key, show its public key, sign rollup transfers and
 * withdrawals, verify a signed transaction. Thin: flag parsing and file handling here, the
 * formats in wallet_json.c, the cryptography in the prover library.
 *
 * Exit status: 0 success (verify: signature valid), 1 verify: signature invalid,
 * 2 unusable input or usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "wallet_json.h"
#include "via/file.h"
#include "via/hex.h"
#include "via/rand.h"

#define EXIT_INVALID 1
#define EXIT_USAGE 2

static const char *usage_main =
    "usage: via-wallet <command> [options]\n"
    "commands:\n"
    "  keygen          create a new private key\n"
    "  pubkey          print the public key of a key file\n"
    "  sign-transfer   sign an L2 transfer\n"
    "  sign-withdraw   sign a withdrawal to a Bitcoin scriptPubKey\n"
    "  verify          check the signature of a signed transaction\n"
    "  deposit-payload the OP_RETURN payload of a deposit to an account\n"
    "'via-wallet <command> --help' describes each command.\n";

static const char *usage_keygen =
    "usage: via-wallet keygen [--out key.json]\n"
    "Creates a 32-byte private key from the system random source and prints (or writes, with\n"
    "mode 0600, refusing to overwrite) {\"private_key\": hex, \"public_key\": {x, y, packed}}.\n";
static const char *usage_pubkey =
    "usage: via-wallet pubkey --key key.json\n"
    "Prints the public key {x, y, packed} of the key file (x, y decimal; packed: 32 bytes hex\n"
    "in circomlib's packPoint form).\n";
static const char *usage_transfer =
    "usage: via-wallet sign-transfer --key key.json --from ID --to ID --amount SATS --fee SATS "
    "--nonce N\n"
    "Prints the signed transfer as JSON (signature R8x, R8y, S decimal), ready to submit.\n";
static const char *usage_withdraw =
    "usage: via-wallet sign-withdraw --key key.json --from ID --amount SATS --fee SATS --nonce N "
    "--dest HEX\n"
    "HEX is the Bitcoin scriptPubKey (1..62 bytes) that receives the withdrawal. Prints the\n"
    "signed withdrawal as JSON.\n";
static const char *usage_payload =
    "usage: via-wallet deposit-payload --key key.json --account ID\n"
    "Prints the 36-byte OP_RETURN payload (hex) of a Bitcoin deposit to rollup account ID\n"
    "with this key: the id as 4 bytes big-endian, then the packed public key\n"
    "(docs/protocol.md \"Deposits\"; send it with `via-btc deposit --payload`). A new account\n"
    "is created with the key; an existing one must have the same key, or the deposit is\n"
    "refused and its coins stay in the bridge.\n";
static const char *usage_verify =
    "usage: via-wallet verify TX.json   (- reads standard input)\n"
    "Prints OK and exits 0 when the signature is valid for the transaction's public key,\n"
    "prints INVALID and exits 1 when it is not, exits 2 with a message for unusable input.\n";

static int die(const char *fmt, const char *a, const char *b) {
    fprintf(stderr, "via-wallet: ");
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    return EXIT_USAGE;
}

/* Reads a whole file ("-": standard input), at most VIA_WALLET_MAX_JSON bytes; the buffer
 * holds VIA_WALLET_MAX_JSON + 1 bytes whatever the length, so free_secret_buf wipes it all. */
static char *read_file(const char *path, size_t *len) {
    uint8_t *buf;
    via_error err = {0};
    if (via_read_file_secret(path, VIA_WALLET_MAX_JSON, &buf, len, &err)) {
        fprintf(stderr, "via-wallet: %s\n", err.msg);
        return NULL;
    }
    char *big = malloc(VIA_WALLET_MAX_JSON + 1);
    if (big) {
        memcpy(big, buf, *len + 1);
        memset(big + *len + 1, 0, VIA_WALLET_MAX_JSON - *len);
    } else {
        fprintf(stderr, "via-wallet: out of memory\n");
    }
    via_wipe_free(buf, *len + 1);
    return big;
}

static void free_secret_buf(char *buf) {
    if (!buf) return;
    via_wipe(buf, VIA_WALLET_MAX_JSON + 1);
    free(buf);
}

static int load_key(uint8_t sk[32], const char *path) {
    size_t len;
    char *buf = read_file(path, &len);
    if (!buf) return EXIT_USAGE;
    via_error err = {0};
    int rc = via_wallet_key_parse(sk, buf, len, &err);
    free_secret_buf(buf);
    if (rc) {
        fprintf(stderr, "via-wallet: %s: %s\n", path, err.msg);
        return EXIT_USAGE;
    }
    return 0;
}

static int print_json(json_t *o, FILE *out) {
    int rc = json_dumpf(o, out, JSON_INDENT(2));
    fputc('\n', out);
    json_decref(o);
    return rc ? EXIT_USAGE : 0;
}

/* Options are --name value pairs; returns the value or NULL. */
typedef struct {
    const char *name;
    const char *value;
} opt;

static int parse_opts(int argc, char **argv, opt *opts, size_t nopts, const char *usage) {
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage, stdout);
            return -1;
        }
        size_t k = 0;
        for (; k < nopts; k++)
            if (!strncmp(argv[i], "--", 2) && !strcmp(argv[i] + 2, opts[k].name)) break;
        if (k == nopts) {
            fprintf(stderr, "via-wallet: unknown argument '%s'\n%s", argv[i], usage);
            return EXIT_USAGE;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "via-wallet: option --%s needs a value\n", opts[k].name);
            return EXIT_USAGE;
        }
        if (opts[k].value) {
            fprintf(stderr, "via-wallet: option --%s is given twice ('%s' and '%s')\n",
                    opts[k].name, opts[k].value, argv[i + 1]);
            return EXIT_USAGE;
        }
        opts[k].value = argv[++i];
    }
    for (size_t k = 0; k < nopts; k++)
        if (!opts[k].value && strcmp(opts[k].name, "out")) {
            fprintf(stderr, "via-wallet: option --%s is required\n%s", opts[k].name, usage);
            return EXIT_USAGE;
        }
    return 0;
}

static int parse_u64(uint64_t *out, const char *name, const char *s) {
    if (!*s || strlen(s) > 20)
        return die("--%s: '%s' is not a 64-bit unsigned decimal number", name, s);
    uint64_t acc = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return die("--%s: '%s' is not a 64-bit unsigned decimal number", name, s);
        unsigned d = (unsigned)(*p - '0');
        if (acc > (UINT64_MAX - d) / 10) return die("--%s: '%s' does not fit in 64 bits", name, s);
        acc = acc * 10 + d;
    }
    *out = acc;
    return 0;
}

static int cmd_keygen(int argc, char **argv) {
    opt o[] = {{"out", NULL}};
    int rc = parse_opts(argc, argv, o, 1, usage_keygen);
    if (rc) return rc < 0 ? 0 : rc;
    uint8_t sk[32];
    via_error rerr = {0};
    if (via_os_random(sk, sizeof sk, &rerr)) {
        fprintf(stderr, "via-wallet: %s\n", rerr.msg);
        return EXIT_USAGE;
    }
    via_babyjub_point pub;
    via_eddsa_pubkey(&pub, sk);
    json_t *j = via_wallet_key_json(sk, &pub);
    via_wipe(sk, sizeof sk);
    char *text = json_dumps(j, JSON_INDENT(2));
    json_t *pk = json_object_get(j, "private_key");
    via_wipe((char *)json_string_value(pk), strlen(json_string_value(pk)));
    json_decref(j);
    if (!text) return die("%s%s", "cannot encode the key", "");
    size_t tlen = strlen(text);
    rc = 0;
    if (o[0].value) {
        int fd = open(o[0].value, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd < 0) {
            fprintf(stderr,
                    "via-wallet: cannot create %s: %s (an existing key is never overwritten)\n",
                    o[0].value, strerror(errno));
            rc = EXIT_USAGE;
        } else {
            size_t off = 0;
            while (off < tlen) {
                ssize_t w = write(fd, text + off, tlen - off);
                if (w < 0 && errno == EINTR) continue;
                if (w <= 0) break;
                off += (size_t)w;
            }
            if (off < tlen || write(fd, "\n", 1) != 1 || close(fd) != 0) {
                fprintf(stderr, "via-wallet: cannot write %s\n", o[0].value);
                rc = EXIT_USAGE;
            }
        }
    } else {
        printf("%s\n", text);
    }
    via_wipe(text, tlen);
    free(text);
    return rc;
}

static int cmd_pubkey(int argc, char **argv) {
    opt o[] = {{"key", NULL}};
    int rc = parse_opts(argc, argv, o, 1, usage_pubkey);
    if (rc) return rc < 0 ? 0 : rc;
    uint8_t sk[32];
    if ((rc = load_key(sk, o[0].value))) return rc;
    via_babyjub_point pub;
    via_eddsa_pubkey(&pub, sk);
    via_wipe(sk, sizeof sk);
    json_t *j = via_wallet_key_json(NULL, &pub);
    json_t *pk = json_incref(json_object_get(j, "public_key"));
    json_decref(j);
    return print_json(pk, stdout);
}

static int cmd_deposit_payload(int argc, char **argv) {
    opt o[] = {{"key", NULL}, {"account", NULL}};
    int rc = parse_opts(argc, argv, o, 2, usage_payload);
    if (rc) return rc < 0 ? 0 : rc;
    uint64_t id;
    if ((rc = parse_u64(&id, "account", o[1].value))) return rc;
    if (id > UINT32_MAX) return die("--account %s%s: account ids are 32-bit", o[1].value, "");
    uint8_t sk[32];
    if ((rc = load_key(sk, o[0].value))) return rc;
    via_babyjub_point pub;
    via_eddsa_pubkey(&pub, sk);
    via_wipe(sk, sizeof sk);
    uint8_t payload[36];
    payload[0] = (uint8_t)(id >> 24);
    payload[1] = (uint8_t)(id >> 16);
    payload[2] = (uint8_t)(id >> 8);
    payload[3] = (uint8_t)id;
    via_babyjub_pack(payload + 4, &pub);
    for (int i = 0; i < 36; i++)
        printf("%02x", payload[i]);
    printf("\n");
    return 0;
}

static int sign_and_print(via_wallet_tx *tx, const char *keypath) {
    uint8_t sk[32];
    int rc = load_key(sk, keypath);
    if (rc) return rc;
    via_fr msg;
    via_error err = {0};
    if (via_wallet_tx_msg(&msg, tx, &err)) {
        via_wipe(sk, sizeof sk);
        fprintf(stderr, "via-wallet: %s\n", err.msg);
        return EXIT_USAGE;
    }
    via_eddsa_pubkey(&tx->pubkey, sk);
    via_eddsa_sign(&tx->sig, sk, &msg);
    via_wipe(sk, sizeof sk);
    return print_json(via_wallet_tx_json(tx), stdout);
}

static int cmd_sign_transfer(int argc, char **argv) {
    opt o[] = {{"key", NULL},    {"from", NULL}, {"to", NULL},
               {"amount", NULL}, {"fee", NULL},  {"nonce", NULL}};
    int rc = parse_opts(argc, argv, o, 6, usage_transfer);
    if (rc) return rc < 0 ? 0 : rc;
    via_wallet_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = VIA_WALLET_TRANSFER;
    if ((rc = parse_u64(&tx.transfer.from, "from", o[1].value)) ||
        (rc = parse_u64(&tx.transfer.to, "to", o[2].value)) ||
        (rc = parse_u64(&tx.transfer.amount, "amount", o[3].value)) ||
        (rc = parse_u64(&tx.transfer.fee, "fee", o[4].value)) ||
        (rc = parse_u64(&tx.transfer.nonce, "nonce", o[5].value)))
        return rc;
    return sign_and_print(&tx, o[0].value);
}

static int cmd_sign_withdraw(int argc, char **argv) {
    opt o[] = {{"key", NULL}, {"from", NULL},  {"amount", NULL},
               {"fee", NULL}, {"nonce", NULL}, {"dest", NULL}};
    int rc = parse_opts(argc, argv, o, 6, usage_withdraw);
    if (rc) return rc < 0 ? 0 : rc;
    via_wallet_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = VIA_WALLET_WITHDRAW;
    via_l2tx_withdraw *w = &tx.withdraw;
    if ((rc = parse_u64(&w->from, "from", o[1].value)) ||
        (rc = parse_u64(&w->amount, "amount", o[2].value)) ||
        (rc = parse_u64(&w->fee, "fee", o[3].value)) ||
        (rc = parse_u64(&w->nonce, "nonce", o[4].value)))
        return rc;
    const char *hex = o[5].value;
    size_t n = strlen(hex);
    if (n == 0 || n % 2 || n / 2 > VIA_L2TX_MAX_SCRIPT)
        return die("--dest: '%s' must be 1..62 bytes of hex%s", hex, "");
    if (via_hex_decode_span(w->dest, hex, n)) return die("--dest: '%s' is not hex%s", hex, "");
    w->dest_len = n / 2;
    return sign_and_print(&tx, o[0].value);
}

static int cmd_verify(int argc, char **argv) {
    if (argc == 1 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
        fputs(usage_verify, stdout);
        return 0;
    }
    if (argc != 1) {
        fputs(usage_verify, stderr);
        return EXIT_USAGE;
    }
    size_t len;
    char *buf = read_file(argv[0], &len);
    if (!buf) return EXIT_USAGE;
    via_wallet_tx tx;
    via_error err = {0};
    int rc = via_wallet_tx_parse(&tx, buf, len, &err);
    free(buf);
    if (rc) {
        fprintf(stderr, "via-wallet: %s: %s\n", argv[0], err.msg);
        return EXIT_USAGE;
    }
    rc = via_wallet_tx_verify(&tx, &err);
    if (rc == VIA_OK) {
        printf("OK\n");
        return 0;
    }
    if (rc == VIA_EVERIFY) {
        printf("INVALID\n");
        fprintf(stderr, "via-wallet: %s\n", err.msg);
        return EXIT_INVALID;
    }
    fprintf(stderr, "via-wallet: %s: %s\n", argv[0], err.msg);
    return EXIT_USAGE;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fputs(usage_main, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage_main, stdout);
        return 0;
    }
    if (!strcmp(cmd, "keygen")) return cmd_keygen(argc - 2, argv + 2);
    if (!strcmp(cmd, "pubkey")) return cmd_pubkey(argc - 2, argv + 2);
    if (!strcmp(cmd, "sign-transfer")) return cmd_sign_transfer(argc - 2, argv + 2);
    if (!strcmp(cmd, "sign-withdraw")) return cmd_sign_withdraw(argc - 2, argv + 2);
    if (!strcmp(cmd, "verify")) return cmd_verify(argc - 2, argv + 2);
    if (!strcmp(cmd, "deposit-payload")) return cmd_deposit_payload(argc - 2, argv + 2);
    fprintf(stderr, "via-wallet: unknown command '%s'\n%s", cmd, usage_main);
    return EXIT_USAGE;
}
