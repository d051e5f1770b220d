/* via-btc decode: the Via messages and deposits carried by one raw transaction, as JSON.
 * Exit status 2 when the hex, the transaction or a Via envelope in it is malformed. */
#include "tool.h"
#include "via/file.h"
#include "via/bitcoin.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *f) {
    fprintf(f, "usage: via-btc decode [--network <net>] [--bridge <address>] <raw tx hex | ->\n\n"
               "Parses a raw transaction ('-' reads hex from stdin) and prints JSON with its txid,\n"
               "sizes, every Via inscription message found in its inputs' witnesses and, with\n"
               "--bridge, the deposit it makes. Without --bridge, OP_RETURN outputs that name a\n"
               "20-byte L2 receiver are listed as deposit candidates. The network (default\n"
               "regtest) is used to check addresses inside messages.\n"
               "Exit status: 0 ok, 2 malformed hex, transaction or Via message.\n");
}

static json_t *hexj(const uint8_t *p, size_t n) {
    char *s = malloc(2 * n + 1);
    if (!s) return json_null();
    via_hex_encode(s, p, n);
    json_t *j = json_string(s);
    free(s);
    return j;
}

static json_t *txidj(const uint8_t t[32]) {
    char s[65];
    via_btc_txid_to_hex(s, t);
    return json_string(s);
}

static json_t *msg_json(const via_tx_message *m) {
    json_t *o = json_object();
    json_object_set_new(o, "input", json_integer((json_int_t)m->input));
    json_object_set_new(o, "type", json_string(via_msg_type_tag(m->msg.type)));
    json_object_set_new(o, "signer_key", hexj(m->signer_xonly, 32));
    switch (m->msg.type) {
    case VIA_MSG_SYSTEM_BOOTSTRAPPING: {
        const via_msg_bootstrap *b = &m->msg.u.bootstrap;
        json_object_set_new(o, "start_block_height", json_integer(b->start_block_height));
        json_object_set_new(o, "protocol_version", hexj(b->protocol_version, 32));
        json_object_set_new(o, "bootloader_hash", hexj(b->bootloader_hash, 32));
        json_object_set_new(o, "abstract_account_hash", hexj(b->abstract_account_hash, 32));
        json_object_set_new(o, "snark_wrapper_vk_hash", hexj(b->snark_wrapper_vk_hash, 32));
        json_object_set_new(o, "evm_emulator_hash", hexj(b->evm_emulator_hash, 32));
        json_object_set_new(o, "governance_address", json_string(b->governance_address));
        json_object_set_new(o, "sequencer_address", json_string(b->sequencer_address));
        json_object_set_new(o, "bridge_address", json_string(b->bridge_address));
        json_t *v = json_array();
        for (size_t i = 0; i < b->n_verifiers; i++)
            json_array_append_new(v, json_string(b->verifier_addresses[i]));
        json_object_set_new(o, "verifier_addresses", v);
        break;
    }
    case VIA_MSG_VALIDATOR_ATTESTATION:
        json_object_set_new(o, "reference_txid", txidj(m->msg.u.attestation.reference_txid));
        json_object_set_new(o, "vote", json_string(m->msg.u.attestation.vote_ok ? "ok" : "not_ok"));
        break;
    case VIA_MSG_L1_BATCH_DA_REFERENCE: {
        const via_msg_batch_da_ref *r = &m->msg.u.batch_da_ref;
        json_object_set_new(o, "l1_batch_hash", hexj(r->l1_batch_hash, 32));
        json_object_set_new(o, "l1_batch_index", json_integer(r->l1_batch_index));
        json_object_set_new(o, "da_identifier", json_string(r->da_identifier));
        json_object_set_new(o, "blob_id", json_string(r->blob_id));
        json_object_set_new(o, "prev_l1_batch_hash", hexj(r->prev_l1_batch_hash, 32));
        break;
    }
    case VIA_MSG_PROOF_DA_REFERENCE: {
        const via_msg_proof_da_ref *r = &m->msg.u.proof_da_ref;
        json_object_set_new(o, "l1_batch_reveal_txid", txidj(r->l1_batch_reveal_txid));
        json_object_set_new(o, "da_identifier", json_string(r->da_identifier));
        json_object_set_new(o, "blob_id", json_string(r->blob_id));
        break;
    }
    case VIA_MSG_L1_TO_L2: {
        const via_msg_l1_to_l2 *r = &m->msg.u.l1_to_l2;
        json_object_set_new(o, "receiver_l2_address", hexj(r->receiver_l2_address, 20));
        json_object_set_new(o, "l2_contract_address", hexj(r->l2_contract_address, 20));
        json_object_set_new(o, "call_data", hexj(r->call_data, r->call_data_len));
        break;
    }
    }
    return o;
}

/* Standard input, at most the hex of the largest transaction plus surrounding whitespace;
 * larger input is refused with its size rather than cut. */
static char *read_stdin(void) {
    uint8_t *b;
    size_t len;
    via_error e = {0};
    if (via_read_file("-", 2 * (size_t)VIA_BTC_MAX_TX_SIZE + 4096, &b, &len, &e)) {
        fprintf(stderr, "via-btc decode: %s (a transaction is at most %u bytes, %u hex digits)\n",
                e.msg, VIA_BTC_MAX_TX_SIZE, 2 * VIA_BTC_MAX_TX_SIZE);
        return NULL;
    }
    return (char *)b;
}

int cmd_decode(int argc, char **argv) {
    if (tool_wants_help(argc, argv)) {
        help(stdout);
        return 0;
    }
    const char *netname = "regtest", *bridge = NULL, *hex = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--network") && i + 1 < argc) netname = argv[++i];
        else if (!strcmp(argv[i], "--bridge") && i + 1 < argc) bridge = argv[++i];
        else if (!hex && (argv[i][0] != '-' || !strcmp(argv[i], "-"))) hex = argv[i];
        else {
            fprintf(stderr, "via-btc decode: unexpected argument '%s'\n\n", argv[i]);
            help(stderr);
            return 2;
        }
    }
    if (!hex) {
        fprintf(stderr, "via-btc decode: missing raw transaction hex\n\n");
        help(stderr);
        return 2;
    }
    via_btc_network net;
    via_error e;
    if (via_btc_network_parse(&net, netname, &e)) {
        fprintf(stderr, "via-btc decode: %s\n", e.msg);
        return 2;
    }
    uint8_t bridge_spk[42];
    size_t bridge_len = 0;
    if (bridge && via_btc_address_to_script(bridge_spk, &bridge_len, net, bridge, &e)) {
        fprintf(stderr, "via-btc decode: --bridge: %s\n", e.msg);
        return 2;
    }
    char *in = NULL;
    if (!strcmp(hex, "-")) {
        in = read_stdin();
        if (!in) return 2; /* read_stdin said why */
        hex = in;
    }
    uint8_t *raw = NULL;
    size_t raw_len = 0;
    int rc = via_hex_decode(&raw, &raw_len, hex, &e);
    free(in);
    if (rc) {
        fprintf(stderr, "via-btc decode: %s\n", e.msg);
        return 2;
    }
    via_btc_tx tx;
    via_btc_tx_init(&tx);
    rc = via_btc_tx_parse(&tx, raw, raw_len, &e);
    free(raw);
    if (rc) {
        fprintf(stderr, "via-btc decode: %s\n", e.msg);
        return 2;
    }
    int status = 0;
    json_t *o = json_object();
    uint8_t h[32];
    via_btc_tx_txid(h, &tx);
    json_object_set_new(o, "txid", txidj(h));
    via_btc_tx_wtxid(h, &tx);
    json_object_set_new(o, "wtxid", txidj(h));
    json_object_set_new(o, "size", json_integer((json_int_t)via_btc_tx_size(&tx, 1)));
    json_object_set_new(o, "weight", json_integer((json_int_t)via_btc_tx_weight(&tx)));
    json_object_set_new(o, "vsize", json_integer((json_int_t)via_btc_tx_vsize(&tx)));
    json_object_set_new(o, "inputs", json_integer((json_int_t)tx.n_in));
    json_object_set_new(o, "outputs", json_integer((json_int_t)tx.n_out));
    size_t nm = 0;
    via_tx_message *msgs = calloc(tx.n_in ? tx.n_in : 1, sizeof *msgs);
    if (!msgs) {
        fprintf(stderr, "via-btc decode: out of memory\n");
        status = 1;
        goto out;
    }
    if (via_tx_find_messages(msgs, tx.n_in, &nm, &tx, net, &e)) {
        fprintf(stderr, "via-btc decode: malformed Via message: %s\n", e.msg);
        status = 2;
        free(msgs);
        goto out;
    }
    json_t *ma = json_array();
    for (size_t i = 0; i < nm && i < tx.n_in; i++) json_array_append_new(ma, msg_json(&msgs[i]));
    free(msgs);
    json_object_set_new(o, "messages", ma);
    uint8_t pk[33];
    if (via_tx_sender_pubkey(pk, &tx) == VIA_OK) {
        uint8_t spk[22];
        char addr[VIA_BTC_ADDRESS_MAX];
        via_btc_script_p2wpkh(spk, pk);
        if (via_btc_script_to_address(addr, net, spk, 22, NULL) == VIA_OK)
            json_object_set_new(o, "sender", json_string(addr));
    }
    if (bridge) {
        via_deposit d;
        rc = via_deposit_find(&d, &tx, bridge_spk, bridge_len, net, &e);
        if (rc == VIA_OK || rc == VIA_EINVAL) {
            json_t *dj = json_object();
            json_object_set_new(dj, "amount_sats", json_integer((json_int_t)d.amount));
            json_object_set_new(dj, "bridge_vout", json_integer(d.bridge_vout));
            json_object_set_new(dj, "receiver_l2_address", hexj(d.receiver, 20));
            json_object_set_new(dj, "form", json_string(d.by_inscription ? "inscription" : "op_return"));
            json_object_set_new(dj, "valid", json_boolean(rc == VIA_OK));
            if (rc) json_object_set_new(dj, "reason", json_string(e.msg));
            json_object_set_new(o, "deposit", dj);
        } else if (rc == VIA_ENOTFOUND) {
            json_object_set_new(o, "deposit", json_null());
        } else {
            fprintf(stderr, "via-btc decode: deposit: %s\n", e.msg);
            status = 2;
            goto out;
        }
    } else {
        json_t *ca = json_array();
        for (size_t i = 0; i < tx.n_out; i++) {
            uint8_t r[20];
            if (via_deposit_op_return_parse(r, tx.out[i].script_pubkey.data,
                                            tx.out[i].script_pubkey.len, NULL) == VIA_OK) {
                json_t *c = json_object();
                json_object_set_new(c, "vout", json_integer((json_int_t)i));
                json_object_set_new(c, "receiver_l2_address", hexj(r, 20));
                json_array_append_new(ca, c);
            }
        }
        json_object_set_new(o, "deposit_candidates", ca);
    }
    char *s = json_dumps(o, JSON_INDENT(2));
    puts(s);
    free(s);
out:
    json_decref(o);
    via_btc_tx_free(&tx);
    return status;
}
