/*
 * The chunk circuit. Every slot is universal: it contains the machinery of all four
 * transaction types (two account updates, a signature check, the pubdata cells), and one-hot
 * type bits switch the parts on and off, so every slot costs the same number of constraints
 * and the slot count C is the only size parameter besides the depth D.
 *
 * State flow: root_before -> (slot 0: account A update, account B update) -> ... -> fee credit
 * to the operator account 0 -> root_after. Account A is the deposit receiver or the sender;
 * account B is the transfer receiver (disabled for other types). A disabled update leaves
 * the root unchanged and its path is not checked.
 *
 * Merkle levels: the witness supplies the 16 children of every node on the path (the 15
 * siblings plus the path node), one-hot position bits pick the path node (sel_i * (c_i - cur)
 * = 0), and the updated children are c_i + sel_i * (new - cur). Both the old and the new
 * parent are hashed (Poseidon t = 17) at each level.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "via/poseidon.h"
#include "via/runtime.h"
#include "chunk_internal.h"
#include "via/gadgets_babyjub.h"

#define V(expr) (w ? &(expr) : NULL)

static via_fr fr_u64(uint64_t v) {
    via_fr f;
    via_fr_set_u64(&f, v);
    return f;
}

/* One-hot position bits of id, level by level (level 0 = leaf position), and the id as a
 * combination sum_l 16^l sum_i i sel[l][i]. */
static via_lc id_selectors(via_cs *cs, unsigned depth, const uint64_t *id,
                           via_var sel[VIA_CHUNK_MAX_DEPTH][16]) {
    if (!via_cs_has_shape(cs)) {
        /* witness only: the same wires (16 bits per level), constraints counted */
        via_fr one;
        via_fr_set_one(&one);
        for (unsigned l = 0; l < depth; l++) {
            unsigned nib = id ? (unsigned)((*id >> (4 * l)) & 15) : 0;
            via_var first;
            via_fr *w = via_cs_vars_alloc(cs, 16, &first);
            for (unsigned i = 0; i < 16; i++) {
                sel[l][i] = first + i;
                if (i == nib)
                    w[i] = one;
                else
                    via_fr_set_zero(&w[i]);
            }
            via_cs_count_constraints(cs, 16 + 1);
        }
        via_lc idl = VIA_LC_INIT;
        via_fr_set_u64(&idl.val,
                       id ? *id & ((depth >= 16 ? 0 : ((uint64_t)1 << (4 * depth))) - 1) : 0);
        return idl;
    }
    via_cs_push(cs, "account_id");
    via_lc idl = VIA_LC_INIT;
    via_fr scale;
    via_fr_set_one(&scale);
    for (unsigned l = 0; l < depth; l++) {
        unsigned nib = id ? (unsigned)((*id >> (4 * l)) & 15) : 0;
        via_lc sum = VIA_LC_INIT;
        for (unsigned i = 0; i < 16; i++) {
            sel[l][i] = via_g_bit_new(cs, i == nib);
            via_lc_add_var1(cs, &sum, sel[l][i]);
            via_fr k = fr_u64(i);
            via_fr_mul(&k, &k, &scale);
            if (i) via_lc_add_var(cs, &idl, sel[l][i], &k);
        }
        via_lc one = via_lc_u64(cs, 1);
        via_cs_enforce_eq(cs, &sum, &one);
        via_lc_free(&one);
        via_lc_free(&sum);
        via_fr s16 = fr_u64(16);
        via_fr_mul(&scale, &scale, &s16);
    }
    via_cs_pop(cs);
    return idl;
}

/* Merkle path update; returns root_out = en ? root(new_leaf) : root_in and enforces
 * en => root(old_leaf) == root_in. */
/* Witness-only merkle_update: per level the 16 children and the 16 products sel_i * delta, in
 * the constraint path's order, then the two Poseidon gadgets (memo hits: the native execution
 * hashed these nodes); constraints counted. */
static via_var merkle_update_witness(via_cs *cs, unsigned depth, const via_lc *en,
                                     via_var sel[VIA_CHUNK_MAX_DEPTH][16], const chunk_acct_wit *aw,
                                     const via_lc *leaf_old, const via_lc *leaf_new,
                                     via_var root_in) {
    via_fr cur_old = leaf_old->val, cur_new = leaf_new->val;
    for (unsigned l = 0; l < depth; l++) {
        unsigned pos = (unsigned)((aw->id >> (4 * l)) & 15);
        via_fr delta;
        via_fr_sub(&delta, &cur_new, &cur_old);
        via_lc c[16], cn[16];
        via_var first;
        via_fr *w = via_cs_vars_alloc(cs, 32, &first);
        for (unsigned i = 0; i < 16; i++) {
            c[i] = VIA_LC_INIT;
            cn[i] = VIA_LC_INIT;
            c[i].val = i == pos ? cur_old : aw->sib[l][i < pos ? i : i - 1];
            w[2 * i] = c[i].val;
            via_fr_mul(&w[2 * i + 1], via_cs_val(cs, sel[l][i]), &delta);
            via_fr_add(&cn[i].val, &c[i].val, &w[2 * i + 1]);
        }
        via_cs_count_constraints(cs, 32);
        cur_old = *via_cs_val(cs, via_g_poseidon(cs, c, 16));
        cur_new = *via_cs_val(cs, via_g_poseidon(cs, cn, 16));
    }
    /* en * (old - root_in) = 0; p = en * (new - root_in); root_out = root_in + p */
    via_fr d, p, out;
    const via_fr *rin = via_cs_val(cs, root_in);
    via_fr_sub(&d, &cur_new, rin);
    via_fr_mul(&p, &en->val, &d);
    via_cs_var_new(cs, &p);
    via_fr_add(&out, rin, &p);
    via_var root_out = via_cs_var_new(cs, &out);
    via_cs_count_constraints(cs, 3);
    return root_out;
}

static via_var merkle_update(via_cs *cs, unsigned depth, const via_lc *en,
                             via_var sel[VIA_CHUNK_MAX_DEPTH][16], const chunk_acct_wit *aw,
                             const via_lc *leaf_old, const via_lc *leaf_new, via_var root_in) {
    if (!via_cs_has_shape(cs))
        return merkle_update_witness(cs, depth, en, sel, aw, leaf_old, leaf_new, root_in);
    via_cs_push(cs, "merkle_update");
    via_lc cur_old = VIA_LC_INIT, cur_new = VIA_LC_INIT;
    via_lc_copy(cs, &cur_old, leaf_old);
    via_lc_copy(cs, &cur_new, leaf_new);
    for (unsigned l = 0; l < depth; l++) {
        via_cs_push_idx(cs, "level", l);
        unsigned pos = aw ? (unsigned)((aw->id >> (4 * l)) & 15) : 0;
        via_lc c[16], cn[16];
        via_lc delta = VIA_LC_INIT;
        via_lc_add_lc(cs, &delta, &cur_new, NULL);
        via_lc_sub_lc(cs, &delta, &cur_old);
        for (unsigned i = 0; i < 16; i++) {
            const via_fr *val = NULL;
            if (aw) val = i == pos ? &cur_old.val : &aw->sib[l][i < pos ? i : i - 1];
            via_var ci = via_cs_var_new(cs, val);
            c[i] = via_lc_var(cs, ci);
            via_lc s = via_lc_var(cs, sel[l][i]);
            via_lc d = VIA_LC_INIT, z = VIA_LC_INIT;
            via_lc_add_lc(cs, &d, &c[i], NULL);
            via_lc_sub_lc(cs, &d, &cur_old);
            via_cs_enforce(cs, &s, &d, &z); /* sel_i => c_i == cur_old */
            via_var dv = via_g_mul(cs, &s, &delta);
            cn[i] = via_lc_var(cs, ci);
            via_lc_add_var1(cs, &cn[i], dv);
            via_lc_free(&s);
            via_lc_free(&d);
        }
        via_var ho = via_g_poseidon(cs, c, 16);
        via_var hn = via_g_poseidon(cs, cn, 16);
        for (unsigned i = 0; i < 16; i++) {
            via_lc_free(&c[i]);
            via_lc_free(&cn[i]);
        }
        via_lc_free(&delta);
        via_lc_free(&cur_old);
        via_lc_free(&cur_new);
        cur_old = via_lc_var(cs, ho);
        cur_new = via_lc_var(cs, hn);
        via_cs_pop(cs);
    }
    via_lc rin = via_lc_var(cs, root_in), z = VIA_LC_INIT;
    via_lc d = VIA_LC_INIT;
    via_lc_add_lc(cs, &d, &cur_old, NULL);
    via_lc_sub_lc(cs, &d, &rin);
    via_cs_push(cs, "old_root");
    via_cs_enforce(cs, en, &d, &z);
    via_cs_pop(cs);
    /* root_out = root_in + en * (new - root_in) */
    via_lc dn = VIA_LC_INIT;
    via_lc_add_lc(cs, &dn, &cur_new, NULL);
    via_lc_sub_lc(cs, &dn, &rin);
    via_var p = via_g_mul(cs, en, &dn);
    via_lc out = via_lc_var(cs, root_in);
    via_lc_add_var1(cs, &out, p);
    via_var root_out = via_cs_materialize(cs, &out);
    via_lc_free(&out);
    via_lc_free(&dn);
    via_lc_free(&d);
    via_lc_free(&rin);
    via_lc_free(&cur_old);
    via_lc_free(&cur_new);
    via_cs_pop(cs);
    return root_out;
}

static via_lc leaf_hash(via_cs *cs, via_var pkx, via_var pky, const via_lc *bal,
                        const via_lc *nonce) {
    via_lc in[4] = {via_lc_var(cs, pkx), via_lc_var(cs, pky), VIA_LC_INIT, VIA_LC_INIT};
    via_lc_copy(cs, &in[2], bal);
    via_lc_copy(cs, &in[3], nonce);
    via_var h = via_g_poseidon(cs, in, 4);
    for (int i = 0; i < 4; i++)
        via_lc_free(&in[i]);
    return via_lc_var(cs, h);
}

/* enforce x * y == 0 */
static void zero_product(via_cs *cs, const via_lc *x, const via_lc *y) {
    via_lc z = VIA_LC_INIT;
    via_cs_enforce(cs, x, y, &z);
}

/* enforce v == 0 unless flag: (1 - flag) * v = 0 */
static void zero_unless(via_cs *cs, const via_lc *flag, const via_lc *v) {
    via_lc nf = via_lc_u64(cs, 1);
    via_lc_sub_lc(cs, &nf, flag);
    zero_product(cs, &nf, v);
    via_lc_free(&nf);
}

static via_lc pow256_lc(via_cs *cs, const via_lc *x, unsigned byte_shift) {
    via_fr k;
    via_fr_set_one(&k);
    via_fr b = fr_u64(256);
    for (unsigned i = 0; i < byte_shift; i++)
        via_fr_mul(&k, &k, &b);
    via_lc r = VIA_LC_INIT;
    via_lc_add_lc(cs, &r, x, &k);
    return r;
}

/* One slot. cells[0..5) receive the pubdata cells; *fee_lc the slot's fee. */
static via_var slot_circuit(via_cs *cs, unsigned depth, const chunk_slot_wit *w, via_var root_in,
                            via_lc cells[VIA_CHUNK_CELLS_PER_SLOT], via_lc *fee_out) {
    via_var is[4];
    via_lc one = via_lc_u64(cs, 1);
    via_cs_push(cs, "type");
    via_lc tsum = VIA_LC_INIT, type = VIA_LC_INIT;
    for (unsigned k = 0; k < 4; k++) {
        is[k] = via_g_bit_new(cs, w ? w->type == k : 0);
        via_lc_add_var1(cs, &tsum, is[k]);
        via_fr kk = fr_u64(k);
        if (k) via_lc_add_var(cs, &type, is[k], &kk);
    }
    via_cs_enforce_eq(cs, &tsum, &one);
    via_lc_free(&tsum);
    via_cs_pop(cs);
    via_lc l_noop = via_lc_var(cs, is[TX_NOOP]), l_dep = via_lc_var(cs, is[TX_DEPOSIT]);
    via_lc l_tr = via_lc_var(cs, is[TX_TRANSFER]), l_wd = via_lc_var(cs, is[TX_WITHDRAW]);
    via_lc l_sig = VIA_LC_INIT; /* transfer or withdraw */
    via_lc_add_var1(cs, &l_sig, is[TX_TRANSFER]);
    via_lc_add_var1(cs, &l_sig, is[TX_WITHDRAW]);
    via_lc en_a = via_lc_u64(cs, 1);
    via_lc_sub_var1(cs, &en_a, is[TX_NOOP]);

    /* amounts and pubdata-only fields */
    via_cs_push(cs, "fields");
    via_lc amount = via_lc_var(cs, via_cs_var_new(cs, V(w->amount)));
    via_lc fee = via_lc_var(cs, via_cs_var_new(cs, V(w->fee)));
    via_g_range(cs, &amount, 64);
    via_g_range(cs, &fee, 64);
    via_fr f_dl = fr_u64(w ? w->dest_len : 0), f_tl = fr_u64(w ? w->txid_last : 0),
           f_vo = fr_u64(w ? w->vout : 0);
    via_lc dest_len = via_lc_var(cs, via_cs_var_new(cs, V(f_dl)));
    via_lc txid_last = via_lc_var(cs, via_cs_var_new(cs, V(f_tl)));
    via_lc vout = via_lc_var(cs, via_cs_var_new(cs, V(f_vo)));
    via_g_range(cs, &dest_len, 8);
    via_g_range(cs, &txid_last, 8);
    via_g_range(cs, &vout, 32);
    via_var dpx = via_cs_var_new(cs, V(w->dep_pkx)), dpy = via_cs_var_new(cs, V(w->dep_pky));
    via_lc l_dpx = via_lc_var(cs, dpx), l_dpy = via_lc_var(cs, dpy);
    via_lc c3 = via_lc_var(cs, via_cs_var_new(cs, V(w->cell3)));
    via_lc c4 = via_lc_var(cs, via_cs_var_new(cs, V(w->cell4)));
    zero_unless(cs, &l_sig, &fee);
    zero_product(cs, &l_noop, &amount);
    zero_unless(cs, &l_wd, &dest_len);
    zero_unless(cs, &l_dep, &txid_last);
    zero_unless(cs, &l_dep, &vout);
    zero_unless(cs, &l_dep, &l_dpx);
    zero_unless(cs, &l_dep, &l_dpy);
    zero_unless(cs, &l_wd, &c4);
    {
        via_lc dw = VIA_LC_INIT;
        via_lc_add_var1(cs, &dw, is[TX_DEPOSIT]);
        via_lc_add_var1(cs, &dw, is[TX_WITHDRAW]);
        zero_unless(cs, &dw, &c3);
        via_lc_free(&dw);
    }
    via_cs_pop(cs);

    /* ---- account A ---- */
    via_cs_push(cs, "account_a");
    via_var sel_a[VIA_CHUNK_MAX_DEPTH][16];
    via_lc id_a = id_selectors(cs, depth, w ? &w->a.id : NULL, sel_a);
    zero_product(cs, &l_noop, &id_a);
    via_var a_empty = via_g_bit_new(cs, w ? w->a.empty : 0);
    via_var apx = via_cs_var_new(cs, V(w->a.pkx)), apy = via_cs_var_new(cs, V(w->a.pky));
    via_lc a_bal = via_lc_var(cs, via_cs_var_new(cs, V(w->a.bal)));
    via_lc a_nonce = via_lc_var(cs, via_cs_var_new(cs, V(w->a.nonce)));
    via_lc l_apx = via_lc_var(cs, apx), l_apy = via_lc_var(cs, apy),
           l_empty = via_lc_var(cs, a_empty);
    /* empty => all fields zero; empty only for deposits */
    zero_product(cs, &l_empty, &l_apx);
    zero_product(cs, &l_empty, &l_apy);
    zero_product(cs, &l_empty, &a_bal);
    zero_product(cs, &l_empty, &a_nonce);
    zero_unless(cs, &l_dep, &l_empty);
    via_lc h_old = leaf_hash(cs, apx, apy, &a_bal, &a_nonce);
    /* leaf_old = (1 - empty) * h_old */
    via_lc ne = via_lc_u64(cs, 1);
    via_lc_sub_var1(cs, &ne, a_empty);
    via_lc leaf_old = via_lc_var(cs, via_g_mul(cs, &ne, &h_old));
    /* deposit into an existing account: its key must be the deposit's */
    via_lc dep_exist = via_lc_var(cs, via_g_mul(cs, &l_dep, &ne));
    {
        via_lc dx = VIA_LC_INIT, dy = VIA_LC_INIT;
        via_lc_add_var1(cs, &dx, dpx);
        via_lc_sub_var1(cs, &dx, apx);
        via_lc_add_var1(cs, &dy, dpy);
        via_lc_sub_var1(cs, &dy, apy);
        via_cs_push(cs, "deposit_key_matches");
        zero_product(cs, &dep_exist, &dx);
        zero_product(cs, &dep_exist, &dy);
        via_cs_pop(cs);
        via_lc_free(&dx);
        via_lc_free(&dy);
    }
    /* deposit key on the curve */
    {
        via_cs_push(cs, "deposit_key_on_curve");
        via_fr a = fr_u64(168700), d = fr_u64(168696);
        via_var xx = via_g_mul(cs, &l_dpx, &l_dpx), yy = via_g_mul(cs, &l_dpy, &l_dpy);
        via_lc lxx = via_lc_var(cs, xx), lyy = via_lc_var(cs, yy);
        via_var xxyy = via_g_mul(cs, &lxx, &lyy);
        via_lc e = VIA_LC_INIT; /* a xx + yy - 1 - d xxyy */
        via_lc_add_var(cs, &e, xx, &a);
        via_lc_add_var1(cs, &e, yy);
        via_fr m1 = fr_u64(1);
        via_fr_neg(&m1, &m1);
        via_lc_add_const(cs, &e, &m1);
        via_fr md;
        via_fr_neg(&md, &d);
        via_lc_add_var(cs, &e, xxyy, &md);
        zero_product(cs, &l_dep, &e);
        via_lc_free(&lxx);
        via_lc_free(&lyy);
        via_lc_free(&e);
        via_cs_pop(cs);
    }
    /* new fields of A */
    via_var npx, npy;
    {
        via_lc t = via_lc_var(cs, via_g_mul(cs, &l_empty, &l_dpx));
        via_lc_add_var1(cs, &t, apx);
        npx = via_cs_materialize(cs, &t);
        via_lc_free(&t);
        t = via_lc_var(cs, via_g_mul(cs, &l_empty, &l_dpy));
        via_lc_add_var1(cs, &t, apy);
        npy = via_cs_materialize(cs, &t);
        via_lc_free(&t);
    }
    via_lc a_nbal = VIA_LC_INIT;
    {
        via_cs_push(cs, "balance_a");
        via_lc af = VIA_LC_INIT;
        via_lc_add_lc(cs, &af, &amount, NULL);
        via_lc_add_lc(cs, &af, &fee, NULL);
        via_var plus = via_g_mul(cs, &l_dep, &amount);
        via_var minus = via_g_mul(cs, &l_sig, &af);
        via_lc_add_lc(cs, &a_nbal, &a_bal, NULL);
        via_lc_add_var1(cs, &a_nbal, plus);
        via_lc_sub_var1(cs, &a_nbal, minus);
        via_g_range(cs, &a_nbal, 64);
        via_lc_free(&af);
        via_cs_pop(cs);
    }
    via_lc a_nnonce = VIA_LC_INIT;
    via_lc_add_lc(cs, &a_nnonce, &a_nonce, NULL);
    via_lc_add_lc(cs, &a_nnonce, &l_sig, NULL);
    via_cs_push(cs, "nonce_a");
    via_g_range(cs, &a_nnonce, 64);
    via_cs_pop(cs);
    via_lc leaf_new = leaf_hash(cs, npx, npy, &a_nbal, &a_nnonce);
    via_var root_mid =
        merkle_update(cs, depth, &en_a, sel_a, w ? &w->a : NULL, &leaf_old, &leaf_new, root_in);
    via_cs_pop(cs);

    /* ---- account B (transfer receiver); its id also enters the transfer message ---- */
    via_cs_push(cs, "account_b");
    via_var sel_b[VIA_CHUNK_MAX_DEPTH][16];
    via_lc id_b = id_selectors(cs, depth, w ? &w->b.id : NULL, sel_b);
    zero_unless(cs, &l_tr, &id_b);
    via_var bpx = via_cs_var_new(cs, V(w->b.pkx)), bpy = via_cs_var_new(cs, V(w->b.pky));
    via_lc b_bal = via_lc_var(cs, via_cs_var_new(cs, V(w->b.bal)));
    via_lc b_nonce = via_lc_var(cs, via_cs_var_new(cs, V(w->b.nonce)));
    via_lc b_old = leaf_hash(cs, bpx, bpy, &b_bal, &b_nonce);
    via_lc b_nbal = VIA_LC_INIT;
    via_lc_add_lc(cs, &b_nbal, &b_bal, NULL);
    via_lc_add_lc(cs, &b_nbal, &amount, NULL);
    via_cs_push(cs, "balance_b");
    via_g_range(cs, &b_nbal, 64);
    via_cs_pop(cs);
    via_lc b_new = leaf_hash(cs, bpx, bpy, &b_nbal, &b_nonce);
    via_var root_out =
        merkle_update(cs, depth, &l_tr, sel_b, w ? &w->b : NULL, &b_old, &b_new, root_mid);
    via_cs_pop(cs);

    /* ---- signature (transfer, withdraw) ---- */
    via_cs_push(cs, "signature");
    via_lc msg = VIA_LC_INIT;
    {
        via_lc tr_in[6] = {via_lc_u64(cs, 1), VIA_LC_INIT, VIA_LC_INIT,
                           VIA_LC_INIT,       VIA_LC_INIT, VIA_LC_INIT};
        via_lc_copy(cs, &tr_in[1], &id_a);
        via_lc_copy(cs, &tr_in[2], &id_b);
        via_lc_copy(cs, &tr_in[3], &amount);
        via_lc_copy(cs, &tr_in[4], &fee);
        via_lc_copy(cs, &tr_in[5], &a_nonce);
        via_lc m_tr = via_lc_var(cs, via_g_poseidon(cs, tr_in, 6));
        via_lc wd_in[8] = {via_lc_u64(cs, 2), VIA_LC_INIT, VIA_LC_INIT, VIA_LC_INIT,
                           VIA_LC_INIT,       VIA_LC_INIT, VIA_LC_INIT, VIA_LC_INIT};
        via_lc_copy(cs, &wd_in[1], &id_a);
        via_lc_copy(cs, &wd_in[2], &amount);
        via_lc_copy(cs, &wd_in[3], &fee);
        via_lc_copy(cs, &wd_in[4], &a_nonce);
        via_lc_copy(cs, &wd_in[5], &dest_len);
        via_lc_copy(cs, &wd_in[6], &c3);
        via_lc_copy(cs, &wd_in[7], &c4);
        via_lc m_wd = via_lc_var(cs, via_g_poseidon(cs, wd_in, 8));
        via_lc_add_var1(cs, &msg, via_g_mul(cs, &l_tr, &m_tr));
        via_lc_add_var1(cs, &msg, via_g_mul(cs, &l_wd, &m_wd));
        for (int i = 0; i < 6; i++)
            via_lc_free(&tr_in[i]);
        for (int i = 0; i < 8; i++)
            via_lc_free(&wd_in[i]);
        via_lc_free(&m_tr);
        via_lc_free(&m_wd);
    }
    {
        /* disabled slots verify against Base8 so that the gadget's witness exists */
        via_var en_sig = via_cs_materialize(cs, &l_sig);
        via_fr b8x, b8y;
        via_fr_from_decimal(
            &b8x, "5299619240641551281634865583518297030282874472190772894086521144482721001553");
        via_fr_from_decimal(
            &b8y, "16950150798460657717958625567821834550301663161624707787222815936182638968203");
        via_lc kx = via_lc_const(cs, &b8x), ky = via_lc_const(cs, &b8y);
        via_lc ax = via_lc_var(cs, via_g_select(cs, en_sig, &l_apx, &kx));
        via_lc ay = via_lc_var(cs, via_g_select(cs, en_sig, &l_apy, &ky));
        via_lc r8x = via_lc_var(cs, via_cs_var_new(cs, V(w->r8x)));
        via_lc r8y = via_lc_var(cs, via_cs_var_new(cs, V(w->r8y)));
        via_lc s = via_lc_var(cs, via_cs_var_new(cs, V(w->s)));
        via_g_eddsa_poseidon_verify_hinted(cs, en_sig, &ax, &ay, &s, &r8x, &r8y, &msg,
                                           w ? w->sig_hints : NULL);
        via_lc_free(&kx);
        via_lc_free(&ky);
        via_lc_free(&ax);
        via_lc_free(&ay);
        via_lc_free(&r8x);
        via_lc_free(&r8y);
        via_lc_free(&s);
    }
    via_cs_pop(cs);

    /* ---- pubdata cells (docs/protocol.md) ---- */
    via_cs_push(cs, "pubdata");
    {
        via_lc c0 = VIA_LC_INIT, t;
        t = pow256_lc(cs, &type, 30);
        via_lc_add_lc(cs, &c0, &t, NULL);
        via_lc_free(&t);
        t = pow256_lc(cs, &id_a, 26);
        via_lc_add_lc(cs, &c0, &t, NULL);
        via_lc_free(&t);
        t = pow256_lc(cs, &id_b, 22);
        via_lc_add_lc(cs, &c0, &t, NULL);
        via_lc_free(&t);
        t = pow256_lc(cs, &amount, 14);
        via_lc_add_lc(cs, &c0, &t, NULL);
        via_lc_free(&t);
        t = pow256_lc(cs, &fee, 6);
        via_lc_add_lc(cs, &c0, &t, NULL);
        via_lc_free(&t);
        t = pow256_lc(cs, &dest_len, 5);
        via_lc_add_lc(cs, &c0, &t, NULL);
        via_lc_free(&t);
        t = pow256_lc(cs, &txid_last, 4);
        via_lc_add_lc(cs, &c0, &t, NULL);
        via_lc_free(&t);
        via_lc_add_lc(cs, &c0, &vout, NULL);
        cells[0] = c0;
        cells[1] = VIA_LC_INIT;
        via_lc_copy(cs, &cells[1], &l_dpx);
        cells[2] = VIA_LC_INIT;
        via_lc_copy(cs, &cells[2], &l_dpy);
        cells[3] = VIA_LC_INIT;
        via_lc_copy(cs, &cells[3], &c3);
        cells[4] = VIA_LC_INIT;
        via_lc_copy(cs, &cells[4], &c4);
    }
    via_cs_pop(cs);
    *fee_out = VIA_LC_INIT;
    via_lc_copy(cs, fee_out, &fee);

    via_lc *all[] = {&one,      &type,     &l_noop, &l_dep,    &l_tr,      &l_wd,      &l_sig,
                     &en_a,     &amount,   &fee,    &dest_len, &txid_last, &vout,      &l_dpx,
                     &l_dpy,    &c3,       &c4,     &id_a,     &a_bal,     &a_nonce,   &l_apx,
                     &l_apy,    &l_empty,  &h_old,  &ne,       &leaf_old,  &dep_exist, &a_nbal,
                     &a_nnonce, &leaf_new, &msg,    &id_b,     &b_bal,     &b_nonce,   &b_old,
                     &b_nbal,   &b_new};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        via_lc_free(all[i]);
    return root_out;
}

void via_chunk_circuit(via_cs *cs, unsigned slots, unsigned depth, const chunk_wit *w,
                       uint64_t *per_slot) {
    assert(slots >= 1 && depth >= 1 && depth <= VIA_CHUNK_MAX_DEPTH);
    via_var pub = via_cs_public_new(cs);
    via_cs_push(cs, "chunk");
    via_var batch = via_cs_var_new(cs, V(w->batch));
    via_var chunk_index = via_cs_var_new(cs, V(w->chunk_index));
    via_var root_before = via_cs_var_new(cs, V(w->root_before));
    via_var root = root_before;
    size_t ncells = (size_t)slots * VIA_CHUNK_CELLS_PER_SLOT;
    via_lc *cells = via_xcalloc(ncells, sizeof(via_lc));
    via_lc fee_total = VIA_LC_INIT;
    for (unsigned i = 0; i < slots; i++) {
        uint64_t before = via_cs_n_constraints(cs);
        via_cs_push_idx(cs, "slot", i);
        via_lc fee;
        root = slot_circuit(cs, depth, w ? &w->slot[i] : NULL, root,
                            cells + (size_t)i * VIA_CHUNK_CELLS_PER_SLOT, &fee);
        via_lc_add_lc(cs, &fee_total, &fee, NULL);
        via_lc_free(&fee);
        via_cs_pop(cs);
        if (i == 0 && per_slot) *per_slot = via_cs_n_constraints(cs) - before;
    }
    /* fee credit to the operator account 0 */
    via_cs_push(cs, "fee_credit");
    {
        via_var sel[VIA_CHUNK_MAX_DEPTH][16];
        uint64_t zero_id = 0;
        via_lc id = id_selectors(cs, depth, w ? &zero_id : NULL, sel);
        via_lc z = VIA_LC_INIT;
        via_cs_enforce_eq(cs, &id, &z);
        via_var px = via_cs_var_new(cs, V(w->op.pkx)), py = via_cs_var_new(cs, V(w->op.pky));
        via_lc bal = via_lc_var(cs, via_cs_var_new(cs, V(w->op.bal)));
        via_lc nonce = via_lc_var(cs, via_cs_var_new(cs, V(w->op.nonce)));
        via_lc old = leaf_hash(cs, px, py, &bal, &nonce);
        via_lc nbal = VIA_LC_INIT;
        via_lc_add_lc(cs, &nbal, &bal, NULL);
        via_lc_add_lc(cs, &nbal, &fee_total, NULL);
        via_g_range(cs, &nbal, 64);
        via_lc nw = leaf_hash(cs, px, py, &nbal, &nonce);
        via_lc en = via_lc_u64(cs, 1);
        root = merkle_update(cs, depth, &en, sel, w ? &w->op : NULL, &old, &nw, root);
        via_lc *all[] = {&id, &bal, &nonce, &old, &nbal, &nw, &en};
        for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
            via_lc_free(all[i]);
    }
    via_cs_pop(cs);
    via_cs_push(cs, "commitment");
    via_var pdc = via_g_poseidon_sponge(cs, cells, ncells);
    via_lc cin[5] = {via_lc_var(cs, batch), via_lc_var(cs, chunk_index),
                     via_lc_var(cs, root_before), via_lc_var(cs, root), via_lc_var(cs, pdc)};
    via_var com = via_g_poseidon(cs, cin, 5);
    if (via_cs_has_witness(cs)) via_cs_set(cs, pub, via_cs_val(cs, com));
    via_lc lp = via_lc_var(cs, pub), lc = via_lc_var(cs, com);
    via_cs_enforce_eq(cs, &lp, &lc);
    via_lc_free(&lp);
    via_lc_free(&lc);
    for (int i = 0; i < 5; i++)
        via_lc_free(&cin[i]);
    via_cs_pop(cs);
    for (size_t i = 0; i < ncells; i++)
        via_lc_free(&cells[i]);
    free(cells);
    via_lc_free(&fee_total);
    via_cs_pop(cs);
}

/* ---- the public input from published pubdata (what a verifier recomputes) ---- */

static int cell_fr(via_fr *out, const uint8_t *p, size_t n) {
    uint8_t le[32] = {0};
    for (size_t i = 0; i < n; i++)
        le[i] = p[n - 1 - i];
    return via_fr_from_bytes_le(out, le); /* non-zero when >= r */
}

int via_chunk_commitment(via_fr *out, uint64_t batch, uint64_t chunk, const via_fr *root_before,
                         const via_fr *root_after, const uint8_t *pubdata, size_t slots,
                         via_error *err) {
    static const unsigned cell_len[VIA_CHUNK_CELLS_PER_SLOT] = {31, 32, 32, 31, 31};
    if (slots == 0 || slots > VIA_CHUNK_MAX_SLOTS)
        return via_fail(err, VIA_EINVAL, "chunk commitment: %zu slots", slots);
    size_t n = slots * VIA_CHUNK_CELLS_PER_SLOT;
    via_fr *cells = malloc(n * sizeof *cells);
    if (!cells) return via_fail(err, VIA_ENOMEM, "chunk commitment: %zu cells", n);
    const uint8_t *p = pubdata;
    for (size_t s = 0; s < slots; s++)
        for (unsigned c = 0; c < VIA_CHUNK_CELLS_PER_SLOT; c++) {
            if (cell_fr(&cells[s * VIA_CHUNK_CELLS_PER_SLOT + c], p, cell_len[c]) != 0) {
                free(cells);
                return via_fail(err, VIA_EFORMAT,
                                "chunk %llu slot %zu: cell %u is not below the field modulus",
                                (unsigned long long)chunk, s, c);
            }
            p += cell_len[c];
        }
    via_fr in[5];
    via_fr_set_u64(&in[0], batch);
    via_fr_set_u64(&in[1], chunk);
    in[2] = *root_before;
    in[3] = *root_after;
    via_poseidon_sponge(&in[4], cells, n);
    free(cells);
    return via_poseidon(out, in, 5);
}
