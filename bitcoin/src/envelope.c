/* Via inscription envelopes (docs/sources.md: via-inscriptions), OP_RETURN deposits (§2.3, §3.2)
 * and the search for Via data in a transaction (§2.6).
 *
 * The parser works on a bounded list of script instructions. A script that never pushes the
 * protocol tag is somebody else's (ENOTFOUND). Once the tag is seen the script is Via's, and
 * every deviation from the layout (header, field count, field size, non-minimal push, an
 * opcode among the fields, bytes after OP_ENDIF) is reported as EFORMAT with its position. */
#include "internal.h"
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define OP_0 0x00
#define OP_PUSHDATA1 0x4c
#define OP_PUSHDATA2 0x4d
#define OP_PUSHDATA4 0x4e
#define OP_1NEGATE 0x4f
#define OP_1 0x51
#define OP_IF 0x63
#define OP_ENDIF 0x68
#define OP_RETURN 0x6a
#define OP_CHECKSIG 0xac

static const char *const TAGS[] = {
    NULL,
    "SystemBootstrappingMessage",
    "ValidatorAttestationMessage",
    "L1BatchDAReferenceMessage",
    "ProofDAReferenceMessage",
    "L1ToL2Message",
};

const char *via_msg_type_tag(via_msg_type type) {
    if ((int)type < 1 || (int)type >= (int)(sizeof TAGS / sizeof TAGS[0])) return NULL;
    return TAGS[type];
}

/* ---- script tokenizer ---- */

typedef struct {
    uint8_t op;
    int is_push;       /* data push or OP_0/OP_1NEGATE/OP_1..OP_16 */
    int minimal;       /* push uses the smallest encoding */
    const uint8_t *data;
    size_t len;
    uint8_t small[1]; /* data of OP_N */
    size_t offset;    /* byte offset in the script */
} instr;

/* Splits script into at most cap instructions. Returns the count, or -1 with *bad_at set
 * when a push runs past the end (or cap is reached); *n_good then counts the complete
 * instructions before it. */
static long tokenize_n(instr *out, size_t cap, const uint8_t *s, size_t n, size_t *bad_at,
                       size_t *n_good) {
    size_t pos = 0, k = 0;
    while (pos < n) {
        *n_good = k;
        if (k == cap) {
            *bad_at = pos;
            return -1;
        }
        instr *in = &out[k];
        memset(in, 0, sizeof *in);
        in->offset = pos;
        uint8_t op = s[pos++];
        in->op = op;
        size_t len = 0;
        if (op >= 1 && op <= 75) {
            len = op;
        } else if (op == OP_PUSHDATA1 || op == OP_PUSHDATA2 || op == OP_PUSHDATA4) {
            size_t w = op == OP_PUSHDATA1 ? 1 : op == OP_PUSHDATA2 ? 2 : 4;
            if (n - pos < w) {
                *bad_at = in->offset;
                return -1;
            }
            for (size_t i = w; i-- > 0;) len = len << 8 | s[pos + i];
            pos += w;
        } else if (op == OP_0) {
            in->is_push = 1;
            in->minimal = 1;
            in->data = in->small;
            k++;
            continue;
        } else if (op == OP_1NEGATE || (op >= OP_1 && op <= 0x60)) {
            in->is_push = 1;
            in->minimal = 1;
            in->small[0] = op == OP_1NEGATE ? 0x81 : (uint8_t)(op - 0x50);
            in->data = in->small;
            in->len = 1;
            k++;
            continue;
        } else {
            k++;
            continue;
        }
        if (n - pos < len) {
            *bad_at = in->offset;
            return -1;
        }
        in->is_push = 1;
        in->data = s + pos;
        in->len = len;
        pos += len;
        if (len == 0) in->minimal = 0;
        else if (len == 1 && ((s[pos - 1] >= 1 && s[pos - 1] <= 16) || s[pos - 1] == 0x81))
            in->minimal = 0;
        else if (len <= 75) in->minimal = op == len;
        else if (len <= 255) in->minimal = op == OP_PUSHDATA1;
        else if (len <= 65535) in->minimal = op == OP_PUSHDATA2;
        else in->minimal = op == OP_PUSHDATA4;
        k++;
    }
    *n_good = k;
    return (long)k;
}

static long tokenize(instr *out, size_t cap, const uint8_t *s, size_t n, size_t *bad_at) {
    size_t good;
    return tokenize_n(out, cap, s, n, bad_at, &good);
}

/* ---- encoder ---- */

static void push(via_buf *b, const uint8_t *data, size_t len) {
    uint8_t hdr[5];
    /* via_btc_script_push writes header and data; copy the header part only. */
    if (len == 0 || (len == 1 && ((data[0] >= 1 && data[0] <= 16) || data[0] == 0x81))) {
        uint8_t op[1];
        via_btc_script_push(op, data, len);
        buf_u8(b, op[0]);
        return;
    }
    size_t k = 0;
    if (len <= 75) hdr[k++] = (uint8_t)len;
    else if (len <= 255) {
        hdr[k++] = OP_PUSHDATA1;
        hdr[k++] = (uint8_t)len;
    } else {
        hdr[k++] = OP_PUSHDATA2;
        hdr[k++] = (uint8_t)len;
        hdr[k++] = (uint8_t)(len >> 8);
    }
    buf_put(b, hdr, k);
    buf_put(b, data, len);
}

static void push_split(via_buf *b, const uint8_t *data, size_t len) {
    if (len == 0) {
        push(b, data, 0);
        return;
    }
    for (size_t off = 0; off < len; off += VIA_BTC_MAX_SCRIPT_ELEMENT) {
        size_t n = len - off < VIA_BTC_MAX_SCRIPT_ELEMENT ? len - off : VIA_BTC_MAX_SCRIPT_ELEMENT;
        push(b, data + off, n);
    }
}

static int printable(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e) return 0;
    return 1;
}

static int check_string(const char *s, size_t max, const char *what, via_error *err) {
    size_t n = strnlen(s, max + 1);
    if (n == 0 || n > max)
        return via_fail(err, VIA_EINVAL, "%s: length %zu outside 1..%zu", what, n, max);
    if (!printable(s, n)) return via_fail(err, VIA_EINVAL, "%s: not printable ASCII", what);
    return VIA_OK;
}

static int check_address(const char *a, via_btc_network net, const char *what, via_error *err) {
    int v;
    uint8_t prog[40];
    size_t pl;
    via_error e;
    if (strnlen(a, VIA_BTC_ADDRESS_MAX) >= VIA_BTC_ADDRESS_MAX)
        return via_fail(err, VIA_EINVAL, "%s: address too long", what);
    if (via_btc_segwit_decode(&v, prog, &pl, via_btc_network_hrp(net), a, &e))
        return via_fail(err, VIA_EINVAL, "%s '%s': %s", what, a, e.msg);
    return VIA_OK;
}

int via_msg_envelope_script(uint8_t **script, size_t *script_len, const uint8_t xonly[32],
                            const via_msg *msg, via_btc_network net, via_error *err) {
    assert(script && script_len && xonly && msg);
    *script = NULL;
    *script_len = 0;
    const char *tag = via_msg_type_tag(msg->type);
    if (!tag) return via_fail(err, VIA_EINVAL, "envelope: unknown message type %d", msg->type);
    int rc = VIA_OK;
    uint8_t u32[4];
    /* Validate first so that a failure allocates nothing. */
    switch (msg->type) {
    case VIA_MSG_SYSTEM_BOOTSTRAPPING: {
        const via_msg_bootstrap *m = &msg->u.bootstrap;
        if ((rc = check_address(m->governance_address, net, "governance address", err)) ||
            (rc = check_address(m->sequencer_address, net, "sequencer address", err)) ||
            (rc = check_address(m->bridge_address, net, "bridge address", err)))
            return rc;
        if (m->n_verifiers > VIA_MSG_MAX_VERIFIERS)
            return via_fail(err, VIA_EINVAL, "envelope: %zu verifiers (max %d)", m->n_verifiers,
                            VIA_MSG_MAX_VERIFIERS);
        for (size_t i = 0; i < m->n_verifiers; i++)
            if ((rc = check_address(m->verifier_addresses[i], net, "verifier address", err)))
                return rc;
        break;
    }
    case VIA_MSG_L1_BATCH_DA_REFERENCE:
        if ((rc = check_string(msg->u.batch_da_ref.da_identifier, VIA_MSG_MAX_STRING,
                               "da_identifier", err)) ||
            (rc = check_string(msg->u.batch_da_ref.blob_id, VIA_MSG_MAX_BLOB_ID, "blob_id", err)))
            return rc;
        break;
    case VIA_MSG_PROOF_DA_REFERENCE:
        if ((rc = check_string(msg->u.proof_da_ref.da_identifier, VIA_MSG_MAX_STRING,
                               "da_identifier", err)) ||
            (rc = check_string(msg->u.proof_da_ref.blob_id, VIA_MSG_MAX_BLOB_ID, "blob_id", err)))
            return rc;
        break;
    case VIA_MSG_L1_TO_L2:
        if (msg->u.l1_to_l2.call_data_len > VIA_MSG_MAX_CALL_DATA)
            return via_fail(err, VIA_EINVAL, "envelope: call data of %zu bytes (max %d)",
                            msg->u.l1_to_l2.call_data_len, VIA_MSG_MAX_CALL_DATA);
        break;
    case VIA_MSG_VALIDATOR_ATTESTATION: break;
    }

    via_buf b;
    buf_init(&b);
    buf_u8(&b, 0x20);
    buf_put(&b, xonly, 32);
    buf_u8(&b, OP_CHECKSIG);
    buf_u8(&b, OP_0);
    buf_u8(&b, OP_IF);
    push(&b, (const uint8_t *)VIA_INSCRIPTION_PROTOCOL, strlen(VIA_INSCRIPTION_PROTOCOL));
    push(&b, (const uint8_t *)tag, strlen(tag));
    switch (msg->type) {
    case VIA_MSG_SYSTEM_BOOTSTRAPPING: {
        const via_msg_bootstrap *m = &msg->u.bootstrap;
        put_u32be(u32, m->start_block_height);
        push(&b, u32, 4);
        push(&b, m->protocol_version, 32);
        push(&b, m->bootloader_hash, 32);
        push(&b, m->abstract_account_hash, 32);
        push(&b, m->snark_wrapper_vk_hash, 32);
        push(&b, m->evm_emulator_hash, 32);
        push(&b, (const uint8_t *)m->governance_address, strlen(m->governance_address));
        push(&b, (const uint8_t *)m->sequencer_address, strlen(m->sequencer_address));
        push(&b, (const uint8_t *)m->bridge_address, strlen(m->bridge_address));
        for (size_t i = 0; i < m->n_verifiers; i++)
            push(&b, (const uint8_t *)m->verifier_addresses[i], strlen(m->verifier_addresses[i]));
        break;
    }
    case VIA_MSG_VALIDATOR_ATTESTATION:
        push(&b, msg->u.attestation.reference_txid, 32);
        buf_u8(&b, msg->u.attestation.vote_ok ? OP_1 : OP_0);
        break;
    case VIA_MSG_L1_BATCH_DA_REFERENCE: {
        const via_msg_batch_da_ref *m = &msg->u.batch_da_ref;
        put_u32be(u32, m->l1_batch_index);
        push(&b, m->l1_batch_hash, 32);
        push(&b, u32, 4);
        push(&b, (const uint8_t *)m->da_identifier, strlen(m->da_identifier));
        push_split(&b, (const uint8_t *)m->blob_id, strlen(m->blob_id));
        push(&b, m->prev_l1_batch_hash, 32);
        break;
    }
    case VIA_MSG_PROOF_DA_REFERENCE: {
        const via_msg_proof_da_ref *m = &msg->u.proof_da_ref;
        push(&b, m->l1_batch_reveal_txid, 32);
        push(&b, (const uint8_t *)m->da_identifier, strlen(m->da_identifier));
        push_split(&b, (const uint8_t *)m->blob_id, strlen(m->blob_id));
        break;
    }
    case VIA_MSG_L1_TO_L2: {
        const via_msg_l1_to_l2 *m = &msg->u.l1_to_l2;
        push(&b, m->receiver_l2_address, 20);
        push(&b, m->l2_contract_address, 20);
        push_split(&b, m->call_data, m->call_data_len);
        break;
    }
    }
    buf_u8(&b, OP_ENDIF);
    if (b.oom) {
        buf_free(&b);
        return via_fail(err, VIA_ENOMEM, "envelope: out of memory");
    }
    *script = b.data;
    *script_len = b.len;
    return VIA_OK;
}

/* ---- parser ---- */

typedef struct {
    const instr *f; /* fields: the instructions between the type tag and OP_ENDIF */
    size_t n;
    const char *tag;
    via_error *err;
} fields;

static int field_fixed(const fields *F, size_t i, uint8_t *out, size_t len, const char *what) {
    if (F->f[i].len != len)
        return via_fail(F->err, VIA_EFORMAT,
                        "%s field %zu (%s) at byte %zu: %zu bytes, expected %zu", F->tag, i + 1,
                        what, F->f[i].offset, F->f[i].len, len);
    memcpy(out, F->f[i].data, len);
    return VIA_OK;
}

/* Joins fields [i, j) into a string of at most max bytes. A single field may be any length
 * up to 520 (the tokenizer rejects more); several fields must all but the last be 520. */
static int field_string(const fields *F, size_t i, size_t j, char *out, size_t max,
                        const char *what) {
    size_t total = 0;
    for (size_t k = i; k < j; k++) {
        if (k + 1 < j && F->f[k].len != VIA_BTC_MAX_SCRIPT_ELEMENT)
            return via_fail(F->err, VIA_EFORMAT,
                            "%s %s at byte %zu: continued push of %zu bytes, expected 520", F->tag,
                            what, F->f[k].offset, F->f[k].len);
        if (total + F->f[k].len > max)
            return via_fail(F->err, VIA_EFORMAT, "%s %s longer than %zu bytes", F->tag, what, max);
        memcpy(out + total, F->f[k].data, F->f[k].len);
        total += F->f[k].len;
    }
    if (total == 0) return via_fail(F->err, VIA_EFORMAT, "%s %s is empty", F->tag, what);
    if (!printable(out, total))
        return via_fail(F->err, VIA_EFORMAT, "%s %s is not printable ASCII", F->tag, what);
    out[total] = 0;
    return VIA_OK;
}

static int field_address(const fields *F, size_t i, char out[VIA_BTC_ADDRESS_MAX],
                         via_btc_network net, const char *what) {
    if (F->f[i].len == 0 || F->f[i].len >= VIA_BTC_ADDRESS_MAX)
        return via_fail(F->err, VIA_EFORMAT, "%s %s at byte %zu: %zu bytes is no address", F->tag,
                        what, F->f[i].offset, F->f[i].len);
    memcpy(out, F->f[i].data, F->f[i].len);
    out[F->f[i].len] = 0;
    int v;
    uint8_t prog[40];
    size_t pl;
    via_error e;
    if (strlen(out) != F->f[i].len ||
        via_btc_segwit_decode(&v, prog, &pl, via_btc_network_hrp(net), out, &e)) {
        out[0] = 0;
        return via_fail(F->err, VIA_EFORMAT, "%s %s at byte %zu: not a %s segwit address", F->tag,
                        what, F->f[i].offset, via_btc_network_name(net));
    }
    return VIA_OK;
}

static int need_fields(const fields *F, size_t min, size_t max) {
    if (F->n < min || F->n > max)
        return via_fail(F->err, VIA_EFORMAT, "%s: %zu fields, expected %zu%s", F->tag, F->n, min,
                        max > min ? " or more" : "");
    return VIA_OK;
}

static int parse_fields(via_msg *msg, const fields *F, via_btc_network net) {
    int rc;
    uint8_t u32[4];
    switch (msg->type) {
    case VIA_MSG_SYSTEM_BOOTSTRAPPING: {
        via_msg_bootstrap *m = &msg->u.bootstrap;
        if ((rc = need_fields(F, 9, 9 + VIA_MSG_MAX_VERIFIERS))) return rc;
        if ((rc = field_fixed(F, 0, u32, 4, "start_block_height")) ||
            (rc = field_fixed(F, 1, m->protocol_version, 32, "protocol_version")) ||
            (rc = field_fixed(F, 2, m->bootloader_hash, 32, "bootloader_hash")) ||
            (rc = field_fixed(F, 3, m->abstract_account_hash, 32, "abstract_account_hash")) ||
            (rc = field_fixed(F, 4, m->snark_wrapper_vk_hash, 32, "snark_wrapper_vk_hash")) ||
            (rc = field_fixed(F, 5, m->evm_emulator_hash, 32, "evm_emulator_hash")) ||
            (rc = field_address(F, 6, m->governance_address, net, "governance address")) ||
            (rc = field_address(F, 7, m->sequencer_address, net, "sequencer address")) ||
            (rc = field_address(F, 8, m->bridge_address, net, "bridge address")))
            return rc;
        m->start_block_height = get_u32be(u32);
        m->n_verifiers = F->n - 9;
        for (size_t i = 0; i < m->n_verifiers; i++)
            if ((rc = field_address(F, 9 + i, m->verifier_addresses[i], net, "verifier address")))
                return rc;
        return VIA_OK;
    }
    case VIA_MSG_VALIDATOR_ATTESTATION: {
        via_msg_attestation *m = &msg->u.attestation;
        if ((rc = need_fields(F, 2, 2))) return rc;
        if ((rc = field_fixed(F, 0, m->reference_txid, 32, "reference_txid"))) return rc;
        const instr *v = &F->f[1];
        if (v->len == 0) m->vote_ok = 0;
        else if (v->len == 1 && v->data[0] == 1) m->vote_ok = 1;
        else if (v->len == 4 && !memcmp(v->data, "OP_1", 4)) m->vote_ok = 1;
        else
            return via_fail(F->err, VIA_EFORMAT, "%s vote at byte %zu: expected OP_1 or OP_0",
                            F->tag, v->offset);
        return VIA_OK;
    }
    case VIA_MSG_L1_BATCH_DA_REFERENCE: {
        via_msg_batch_da_ref *m = &msg->u.batch_da_ref;
        if ((rc = need_fields(F, 5, 4 + VIA_MSG_MAX_BLOB_ID / VIA_BTC_MAX_SCRIPT_ELEMENT))) return rc;
        if ((rc = field_fixed(F, 0, m->l1_batch_hash, 32, "l1_batch_hash")) ||
            (rc = field_fixed(F, 1, u32, 4, "l1_batch_index")) ||
            (rc = field_string(F, 2, 3, m->da_identifier, VIA_MSG_MAX_STRING, "da_identifier")) ||
            (rc = field_string(F, 3, F->n - 1, m->blob_id, VIA_MSG_MAX_BLOB_ID, "blob_id")) ||
            (rc = field_fixed(F, F->n - 1, m->prev_l1_batch_hash, 32, "prev_l1_batch_hash")))
            return rc;
        m->l1_batch_index = get_u32be(u32);
        return VIA_OK;
    }
    case VIA_MSG_PROOF_DA_REFERENCE: {
        via_msg_proof_da_ref *m = &msg->u.proof_da_ref;
        if ((rc = need_fields(F, 3, 2 + VIA_MSG_MAX_BLOB_ID / VIA_BTC_MAX_SCRIPT_ELEMENT))) return rc;
        if ((rc = field_fixed(F, 0, m->l1_batch_reveal_txid, 32, "l1_batch_reveal_txid")) ||
            (rc = field_string(F, 1, 2, m->da_identifier, VIA_MSG_MAX_STRING, "da_identifier")) ||
            (rc = field_string(F, 2, F->n, m->blob_id, VIA_MSG_MAX_BLOB_ID, "blob_id")))
            return rc;
        return VIA_OK;
    }
    case VIA_MSG_L1_TO_L2: {
        via_msg_l1_to_l2 *m = &msg->u.l1_to_l2;
        if ((rc = need_fields(F, 3, 2 + VIA_MSG_MAX_CALL_DATA / VIA_BTC_MAX_SCRIPT_ELEMENT))) return rc;
        if ((rc = field_fixed(F, 0, m->receiver_l2_address, 20, "receiver_l2_address")) ||
            (rc = field_fixed(F, 1, m->l2_contract_address, 20, "l2_contract_address")))
            return rc;
        size_t total = 0;
        for (size_t k = 2; k < F->n; k++) {
            if (k + 1 < F->n && F->f[k].len != VIA_BTC_MAX_SCRIPT_ELEMENT)
                return via_fail(F->err, VIA_EFORMAT,
                                "%s call_data at byte %zu: continued push of %zu bytes, "
                                "expected 520",
                                F->tag, F->f[k].offset, F->f[k].len);
            memcpy(m->call_data + total, F->f[k].data, F->f[k].len);
            total += F->f[k].len;
        }
        m->call_data_len = total;
        return VIA_OK;
    }
    }
    return via_fail(F->err, VIA_EFORMAT, "unknown message type");
}

int via_msg_envelope_parse(via_msg *msg, uint8_t signer_xonly[32], const uint8_t *script,
                           size_t script_len, via_btc_network net, via_error *err) {
    assert(msg && (script || !script_len));
    memset(msg, 0, sizeof *msg);
    if (signer_xonly) memset(signer_xonly, 0, 32);
    static const char proto[] = VIA_INSCRIPTION_PROTOCOL;
    const size_t plen = sizeof proto - 1;
    if (script_len > VIA_BTC_MAX_WITNESS_ITEM)
        return via_fail(err, VIA_EFORMAT, "script of %zu bytes too long", script_len);
    /* Cheap pre-check: the tag must occur as bytes somewhere. */
    int seen = 0;
    for (size_t i = 0; i + plen < script_len && !seen; i++)
        seen = script[i] == plen && !memcmp(script + i + 1, proto, plen);
    if (!seen) return via_fail(err, VIA_ENOTFOUND, "no Via envelope");

    size_t cap = script_len; /* each instruction is at least one byte */
    instr *ins = malloc(cap * sizeof *ins);
    if (!ins) return via_fail(err, VIA_ENOMEM, "envelope: out of memory");
    size_t bad_at = 0;
    size_t good = 0;
    long n = tokenize_n(ins, cap, script, script_len, &bad_at, &good);
    int rc = VIA_OK;
    long tag_at = -1;
    for (long i = 0; i < (n < 0 ? 0 : n) && tag_at < 0; i++)
        if (ins[i].is_push && ins[i].len == plen && !memcmp(ins[i].data, proto, plen)) tag_at = i;
    if (n < 0) {
        /* A truncated push: Via's only if the tag appears before it. */
        rc = via_fail(err, VIA_ENOTFOUND, "no Via envelope");
        for (size_t i = 0; i < good; i++)
            if (ins[i].is_push && ins[i].len == plen && !memcmp(ins[i].data, proto, plen))
                rc = via_fail(err, VIA_EFORMAT,
                              "Via envelope: push at byte %zu runs past the end of the script",
                              bad_at);
        goto out;
    }
    if (tag_at < 0) {
        rc = via_fail(err, VIA_ENOTFOUND, "no Via envelope");
        goto out;
    }
    if (tag_at != 4 || !(ins[0].is_push && ins[0].op == 0x20) || ins[1].op != OP_CHECKSIG ||
        ins[2].op != OP_0 || ins[3].op != OP_IF) {
        rc = via_fail(err, VIA_EFORMAT,
                      "Via envelope: expected <32-byte key> OP_CHECKSIG OP_FALSE OP_IF before "
                      "the protocol tag at byte %zu",
                      ins[tag_at].offset);
        goto out;
    }
    if (signer_xonly) memcpy(signer_xonly, ins[0].data, 32);
    if (n < 7 || ins[n - 1].op != OP_ENDIF) {
        rc = via_fail(err, VIA_EFORMAT, "Via envelope: script does not end with OP_ENDIF");
        goto out;
    }
    for (long i = 5; i < n - 1; i++) {
        if (!ins[i].is_push) {
            rc = via_fail(err, VIA_EFORMAT, "Via envelope: opcode 0x%02x at byte %zu among fields",
                          ins[i].op, ins[i].offset);
            goto out;
        }
        if (!ins[i].minimal) {
            rc = via_fail(err, VIA_EFORMAT, "Via envelope: non-minimal push at byte %zu",
                          ins[i].offset);
            goto out;
        }
        if (ins[i].len > VIA_BTC_MAX_SCRIPT_ELEMENT) {
            rc = via_fail(err, VIA_EFORMAT,
                          "Via envelope: push of %zu bytes at byte %zu exceeds 520", ins[i].len,
                          ins[i].offset);
            goto out;
        }
    }
    via_msg_type type = 0;
    for (int t = 1; t < (int)(sizeof TAGS / sizeof TAGS[0]); t++)
        if (ins[5].len == strlen(TAGS[t]) && !memcmp(ins[5].data, TAGS[t], ins[5].len))
            type = (via_msg_type)t;
    if (!type) {
        char shown[41];
        size_t k = ins[5].len < 40 ? ins[5].len : 40;
        memcpy(shown, ins[5].data, k);
        shown[k] = 0;
        rc = via_fail(err, VIA_EFORMAT, "Via envelope: unsupported message type '%s'",
                      printable(shown, k) ? shown : "(binary)");
        goto out;
    }
    msg->type = type;
    fields F = {ins + 6, (size_t)(n - 7), TAGS[type], err};
    rc = parse_fields(msg, &F, net);
out:
    free(ins);
    if (rc) {
        memset(msg, 0, sizeof *msg);
        if (signer_xonly) memset(signer_xonly, 0, 32);
    }
    return rc;
}

/* ---- deposits ---- */

int via_deposit_op_return_parse(uint8_t receiver[20], const uint8_t *script, size_t script_len,
                                via_error *err) {
    assert(receiver && (script || !script_len));
    memset(receiver, 0, 20);
    if (script_len < 1 || script[0] != OP_RETURN)
        return via_fail(err, VIA_ENOTFOUND, "not an OP_RETURN output");
    instr ins[4];
    size_t bad_at;
    long n = tokenize(ins, 4, script + 1, script_len - 1, &bad_at);
    if (n > 0 && ins[0].is_push && ins[0].len >= 4 && !memcmp(ins[0].data, "VIA_", 4))
        return via_fail(err, VIA_ENOTFOUND, "OP_RETURN carries a VIA_ protocol message");
    if (n != 1 || !ins[0].is_push || ins[0].len != 20)
        return via_fail(err, VIA_EFORMAT,
                        "OP_RETURN payload is not one push of a 20-byte L2 receiver");
    memcpy(receiver, ins[0].data, 20);
    return VIA_OK;
}

int via_deposit_rollup_parse(uint8_t payload[VIA_DEPOSIT_ROLLUP_LEN], const uint8_t *script,
                             size_t script_len, via_error *err) {
    assert(payload && (script || !script_len));
    memset(payload, 0, VIA_DEPOSIT_ROLLUP_LEN);
    if (script_len < 1 || script[0] != OP_RETURN)
        return via_fail(err, VIA_ENOTFOUND, "not an OP_RETURN output");
    instr ins[4];
    size_t bad_at;
    long n = tokenize(ins, 4, script + 1, script_len - 1, &bad_at);
    if (n != 1 || !ins[0].is_push || ins[0].len != VIA_DEPOSIT_ROLLUP_LEN)
        return via_fail(err, VIA_ENOTFOUND,
                        "OP_RETURN payload is not one push of a 36-byte rollup receiver");
    memcpy(payload, ins[0].data, VIA_DEPOSIT_ROLLUP_LEN);
    return VIA_OK;
}

int via_deposit_find(via_deposit *out, const via_btc_tx *tx, const uint8_t *bridge_script,
                     size_t bridge_script_len, via_btc_network net, via_error *err) {
    assert(out && tx && bridge_script);
    memset(out, 0, sizeof *out);
    uint64_t amount = 0;
    long first = -1;
    for (size_t i = 0; i < tx->n_out; i++) {
        const via_btc_txout *o = &tx->out[i];
        if (o->script_pubkey.len == bridge_script_len &&
            !memcmp(o->script_pubkey.data, bridge_script, bridge_script_len)) {
            if (first < 0) first = (long)i;
            amount += o->value;
        }
    }
    if (first < 0) return via_fail(err, VIA_ENOTFOUND, "no output pays the bridge");
    int found = 0, rc;
    via_tx_message m[4];
    size_t nm = 0;
    if ((rc = via_tx_find_messages(m, 4, &nm, tx, net, err))) return rc;
    for (size_t i = 0; i < nm && i < 4 && !found; i++)
        if (m[i].msg.type == VIA_MSG_L1_TO_L2) {
            memcpy(out->receiver, m[i].msg.u.l1_to_l2.receiver_l2_address, 20);
            out->by_inscription = 1;
            found = 1;
        }
    for (size_t i = 0; i < tx->n_out && !found; i++) {
        via_error e;
        rc = via_deposit_op_return_parse(out->receiver, tx->out[i].script_pubkey.data,
                                         tx->out[i].script_pubkey.len, &e);
        if (rc == VIA_OK)
            found = 1;
        else if (rc != VIA_ENOTFOUND)
            return via_fail(err, rc, "output %zu: %s", i, e.msg);
    }
    if (!found) {
        memset(out, 0, sizeof *out);
        return via_fail(err, VIA_ENOTFOUND, "output %ld pays the bridge but no receiver is named",
                        first);
    }
    out->amount = amount;
    out->bridge_vout = (uint32_t)first;
    int system = 1;
    for (int i = 0; i < 18; i++) system &= out->receiver[i] == 0;
    if (amount < VIA_DEPOSIT_MIN_SATS)
        return via_fail(err, VIA_EINVAL, "deposit of %llu sats is below the %u minimum",
                        (unsigned long long)amount, VIA_DEPOSIT_MIN_SATS);
    if (system)
        return via_fail(err, VIA_EINVAL, "deposit receiver is a system address (<= 0xffff)");
    return VIA_OK;
}

/* ---- transactions ---- */

int via_tx_find_messages(via_tx_message *out, size_t cap, size_t *n, const via_btc_tx *tx,
                         via_btc_network net, via_error *err) {
    assert(n && tx && (out || !cap));
    *n = 0;
    via_msg *tmp = malloc(sizeof *tmp);
    if (!tmp) return via_fail(err, VIA_ENOMEM, "out of memory");
    for (size_t i = 0; i < tx->n_in; i++) {
        const via_btc_txin *in = &tx->in[i];
        size_t w = in->n_witness;
        if (w >= 2 && in->witness[w - 1].len > 0 && in->witness[w - 1].data[0] == 0x50) w--;
        if (w < 3) continue;
        const via_btc_bytes *script = &in->witness[w - 2];
        uint8_t key[32];
        via_error e;
        int rc = via_msg_envelope_parse(tmp, key, script->data, script->len, net, &e);
        if (rc == VIA_ENOTFOUND) continue;
        if (rc) {
            free(tmp);
            return via_fail(err, rc, "input %zu: %s", i, e.msg);
        }
        if (*n < cap) {
            out[*n].input = i;
            memcpy(out[*n].signer_xonly, key, 32);
            out[*n].msg = *tmp;
        }
        (*n)++;
    }
    free(tmp);
    return VIA_OK;
}

int via_tx_sender_pubkey(uint8_t pubkey[33], const via_btc_tx *tx) {
    assert(pubkey && tx);
    int found = 0;
    for (size_t i = 0; i < tx->n_in; i++) {
        const via_btc_txin *in = &tx->in[i];
        if (in->n_witness == 2 && in->witness[1].len == 33 &&
            via_btc_pubkey_check(in->witness[1].data, NULL) == VIA_OK) {
            memcpy(pubkey, in->witness[1].data, 33);
            found = 1;
        }
    }
    if (!found) memset(pubkey, 0, 33);
    return found ? VIA_OK : VIA_ENOTFOUND;
}
