/*
 * A valid sample chunk of signed transfers, for tests and benchmarks of witness generation.
 *
 * Every slot is a transfer between two accounts of its own (2 * slots accounts plus the
 * operator account 0, the most a chunk may list), so no two slots share a Merkle path below
 * the levels their ids have in common: the worst case for witness generation, where every
 * path hash is new. Ids, keys, balances, nonces and amounts come from a seeded generator; keys
 * are real BabyJubJub keys, signatures real EdDSA-Poseidon signatures over the account's
 * nonce, and the Merkle paths are inclusion proofs in the pre-state tree (smt.h), so the
 * chunk passes every rule of the witness generator. The keys are derived from the seed and
 * are not secret; they are wiped anyway like every signing key.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "via/eddsa.h"
#include "via/rollup_json.h"
#include "via/smt.h"
#include "via/l2tx.h"
#include "via/runtime.h"
#include "via/chunk.h"

typedef struct {
    uint64_t id, bal, nonce;
    uint8_t sk[VIA_EDDSA_SECRET_BYTES];
    via_babyjub_point pk;
} sample_acct;

static uint64_t splitmix(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static json_t *account_json(const via_smt *tree, const sample_acct *a, unsigned depth,
                            via_error *err) {
    via_smt_proof p;
    if (via_smt_prove(tree, a->id, &p, err)) return NULL;
    json_t *sib = json_array();
    for (unsigned l = 0; l < depth; l++) {
        json_t *lv = json_array();
        for (unsigned i = 0; i < VIA_SMT_ARITY - 1; i++)
            json_array_append_new(lv, via_json_fr(&p.sib[l][i]));
        json_array_append_new(sib, lv);
    }
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer((json_int_t)a->id));
    json_object_set_new(
        o, "pubkey",
        json_pack("{s:o,s:o}", "x", via_json_fr(&a->pk.x), "y", via_json_fr(&a->pk.y)));
    json_object_set_new(o, "balance", via_json_u64(a->bal));
    json_object_set_new(o, "nonce", via_json_u64(a->nonce));
    json_object_set_new(o, "siblings", sib);
    return o;
}

int via_chunk_sample_json(char **out, unsigned slots, unsigned depth, uint64_t seed,
                          via_error *err) {
    *out = NULL;
    if (slots < 1 || slots > VIA_CHUNK_MAX_SLOTS)
        return via_fail(err, VIA_EINVAL, "sample chunk: slots %u is outside 1..%u", slots,
                        VIA_CHUNK_MAX_SLOTS);
    if (depth < 1 || depth > VIA_CHUNK_MAX_DEPTH)
        return via_fail(err, VIA_EINVAL, "sample chunk: depth %u is outside 1..%u", depth,
                        VIA_CHUNK_MAX_DEPTH);
    const uint64_t leaves = (uint64_t)1 << (4 * depth);
    const size_t nacc = 2 * (size_t)slots + 1;
    if (nacc > leaves)
        return via_fail(err, VIA_EINVAL, "sample chunk: %zu accounts do not fit a tree of depth %u",
                        nacc, depth);

    uint64_t rng = seed;
    sample_acct *acc = via_xcalloc(nacc, sizeof *acc);
    via_smt *tree = via_smt_new(depth);
    json_t *accounts = json_array(), *txs = json_array();
    int rc = tree ? 0 : via_fail(err, VIA_ENOMEM, "sample chunk: out of memory for the state tree");
    /* account 0 is the operator; the others get distinct random ids */
    for (size_t i = 0; !rc && i < nacc; i++) {
        sample_acct *a = &acc[i];
        if (i > 0) {
            for (;;) {
                a->id = splitmix(&rng) & (leaves - 1);
                int dup = 0;
                for (size_t j = 0; j < i && !dup; j++)
                    dup = acc[j].id == a->id;
                if (!dup) break;
            }
        }
        for (unsigned b = 0; b < VIA_EDDSA_SECRET_BYTES; b += 8) {
            uint64_t r = splitmix(&rng);
            memcpy(a->sk + b, &r, 8);
        }
        via_eddsa_pubkey(&a->pk, a->sk);
        a->bal = i == 0 ? splitmix(&rng) % 1000000 : 1000000000 + splitmix(&rng) % 1000000000;
        a->nonce = splitmix(&rng) % 1000;
        via_fr leaf;
        via_smt_account_leaf(&leaf, &a->pk.x, &a->pk.y, a->bal, a->nonce);
        rc = via_smt_set(tree, a->id, &leaf, err);
    }
    via_fr root;
    if (!rc) via_smt_root(tree, &root);
    for (size_t i = 0; !rc && i < nacc; i++) {
        json_t *o = account_json(tree, &acc[i], depth, err);
        if (!o)
            rc = VIA_EINVAL;
        else
            json_array_append_new(accounts, o);
    }
    /* slot k: account 1 + 2k pays account 2 + 2k */
    for (unsigned k = 0; !rc && k < slots; k++) {
        sample_acct *from = &acc[1 + 2 * (size_t)k], *to = &acc[2 + 2 * (size_t)k];
        via_l2tx_transfer tr = {from->id, to->id, 1 + splitmix(&rng) % 1000000,
                                splitmix(&rng) % 1000, from->nonce};
        via_fr msg;
        via_l2tx_transfer_msg(&msg, &tr);
        via_eddsa_sig sig;
        via_eddsa_sign(&sig, from->sk, &msg);
        char s[80];
        via_limbs_to_decimal(s, sizeof s, sig.s);
        json_t *js = json_pack("{s:o,s:o,s:s}", "R8x", via_json_fr(&sig.r8.x), "R8y",
                               via_json_fr(&sig.r8.y), "S", s);
        json_array_append_new(txs,
                              json_pack("{s:s,s:I,s:I,s:o,s:o,s:o,s:o}", "type", "transfer", "from",
                                        (json_int_t)tr.from, "to", (json_int_t)tr.to, "amount",
                                        via_json_u64(tr.amount), "fee", via_json_u64(tr.fee),
                                        "nonce", via_json_u64(tr.nonce), "signature", js));
    }
    if (!rc) {
        json_t *top = json_object();
        unsigned chunk_slots = 1;
        while (chunk_slots < slots)
            chunk_slots *= 4;
        json_object_set_new(top, "slots", json_integer(chunk_slots));
        json_object_set_new(top, "depth", json_integer(depth));
        json_object_set_new(top, "batch", json_integer((json_int_t)(seed & 0xffffffff)));
        json_object_set_new(top, "chunk", json_integer(0));
        json_object_set_new(top, "root_before", via_json_fr(&root));
        json_object_set(top, "accounts", accounts);
        json_object_set(top, "txs", txs);
        *out = json_dumps(top, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(top);
        if (!*out) rc = via_fail(err, VIA_ENOMEM, "sample chunk: out of memory writing JSON");
    }
    json_decref(accounts);
    json_decref(txs);
    via_smt_free(tree);
    via_wipe(acc, nacc * sizeof *acc);
    free(acc);
    return rc;
}
