/* Sparse Merkle tree: roots against a naive recomputation (full trees for small depths, a
 * recursive one over the set leaves for depth 6), proofs, updates from proofs, rejections. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "via/poseidon.h"
#include "via/smt.h"

static uint64_t rng_state;
static uint64_t rnd64(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static void rnd_fr(via_fr *a) {
    uint64_t t[4] = {rnd64(), rnd64(), rnd64(), rnd64() & 0x0fffffffffffffffULL};
    via_fr_from_canon_unchecked(a, t);
}

/* Root of a full tree over leaves[0 .. 16^depth - 1], level by level. */
static void naive_full_root(via_fr *root, const via_fr *leaves, unsigned depth) {
    size_t n = (size_t)1 << (4 * depth);
    via_fr *cur = malloc(n * sizeof *cur);
    memcpy(cur, leaves, n * sizeof *cur);
    while (n > 1) {
        for (size_t i = 0; i < n / 16; i++)
            assert_int_equal(via_poseidon(&cur[i], &cur[16 * i], 16), 0);
        n /= 16;
    }
    *root = cur[0];
    free(cur);
}

static void test_empty(void **state) {
    (void)state;
    via_fr z, ch[16], h;
    via_fr_set_zero(&z);
    assert_true(via_fr_eq(via_smt_empty_hash(0), &z));
    for (int i = 0; i < 16; i++)
        ch[i] = z;
    assert_int_equal(via_poseidon(&h, ch, 16), 0);
    assert_true(via_fr_eq(via_smt_empty_hash(1), &h));
    via_smt *t = via_smt_new(VIA_SMT_DEFAULT_DEPTH);
    assert_non_null(t);
    assert_int_equal(via_smt_capacity(t), 1u << 24);
    via_fr root;
    via_smt_root(t, &root);
    assert_true(via_fr_eq(&root, via_smt_empty_hash(6)));
    via_smt_free(t);
}

static void test_full_small(void **state) {
    (void)state;
    for (unsigned depth = 1; depth <= 3; depth++) {
        size_t n = (size_t)1 << (4 * depth);
        via_fr *leaves = calloc(n, sizeof *leaves);
        via_smt *t = via_smt_new(depth);
        via_error err;
        /* fill about a third of the leaves, some twice, one set back to zero */
        for (size_t k = 0; k < n / 3 + 2; k++) {
            uint64_t id = rnd64() % n;
            rnd_fr(&leaves[id]);
            assert_int_equal(via_smt_set(t, id, &leaves[id], &err), VIA_OK);
        }
        via_fr_set_zero(&leaves[n - 1]);
        assert_int_equal(via_smt_set(t, n - 1, &leaves[n - 1], &err), VIA_OK);
        via_fr a, b;
        via_smt_root(t, &a);
        naive_full_root(&b, leaves, depth);
        assert_true(via_fr_eq(&a, &b));
        for (size_t id = 0; id < n; id += 7) {
            via_fr v;
            assert_int_equal(via_smt_get(t, id, &v, &err), VIA_OK);
            assert_true(via_fr_eq(&v, &leaves[id]));
        }
        via_smt_free(t);
        free(leaves);
    }
}

/* Recursive root over a sparse set of (id, value), empty subtrees from the table. */
static void naive_sparse(via_fr *out, const uint64_t *ids, const via_fr *vals, size_t n,
                         unsigned level, uint64_t index) {
    int any = 0;
    for (size_t i = 0; i < n && !any; i++)
        any = (ids[i] >> (4 * level)) == index;
    if (!any) {
        *out = *via_smt_empty_hash(level);
        return;
    }
    if (level == 0) {
        for (size_t i = n; i-- > 0;) /* last write wins */
            if (ids[i] == index) {
                *out = vals[i];
                return;
            }
    }
    via_fr ch[16];
    for (unsigned c = 0; c < 16; c++)
        naive_sparse(&ch[c], ids, vals, n, level - 1, index * 16 + c);
    assert_int_equal(via_poseidon(out, ch, 16), 0);
}

static void test_depth6_proofs(void **state) {
    (void)state;
    enum { N = 40 };
    uint64_t ids[N];
    via_fr vals[N];
    via_smt *t = via_smt_new(6);
    via_error err;
    for (int i = 0; i < N; i++) {
        /* cluster some ids so that paths share nodes */
        ids[i] = i % 3 == 0 ? (rnd64() & 0xff) : rnd64() % (1u << 24);
        via_fr x, y;
        rnd_fr(&x);
        rnd_fr(&y);
        via_smt_account_leaf(&vals[i], &x, &y, rnd64(), rnd64() & 0xffff);
        /* the leaf helper is Poseidon(x, y, balance, nonce) */
        assert_int_equal(via_smt_set(t, ids[i], &vals[i], &err), VIA_OK);
    }
    via_fr root, naive;
    via_smt_root(t, &root);
    naive_sparse(&naive, ids, vals, N, 6, 0);
    assert_true(via_fr_eq(&root, &naive));

    for (int i = 0; i < N; i++) {
        via_smt_proof p;
        via_fr leaf;
        assert_int_equal(via_smt_get(t, ids[i], &leaf, &err), VIA_OK);
        assert_int_equal(via_smt_prove(t, ids[i], &p, &err), VIA_OK);
        assert_int_equal(p.depth, 6);
        assert_int_equal(p.pos[5], (ids[i] >> 20) & 15); /* root level: most significant nibble */
        assert_int_equal(p.pos[0], ids[i] & 15);
        assert_int_equal(via_smt_verify_proof(&root, ids[i], &leaf, &p, &err), VIA_OK);
        /* wrong leaf, wrong id, wrong root */
        via_fr other, one;
        via_fr_set_one(&one);
        via_fr_add(&other, &leaf, &one);
        assert_int_equal(via_smt_verify_proof(&root, ids[i], &other, &p, &err), VIA_EVERIFY);
        assert_int_equal(via_smt_verify_proof(&root, ids[i] ^ 0x10, &leaf, &p, &err), VIA_EVERIFY);
        assert_non_null(strstr(err.msg, "level 1"));
        assert_int_equal(via_smt_verify_proof(&other, ids[i], &leaf, &p, &err), VIA_EVERIFY);
        /* update through the proof = update of the tree */
        via_fr expect;
        via_smt_root_from_proof(&expect, &other, &p);
        assert_int_equal(via_smt_set(t, ids[i], &other, &err), VIA_OK);
        via_smt_root(t, &root);
        assert_true(via_fr_eq(&root, &expect));
        vals[i] = other;
        for (int j = 0; j < N; j++) /* later duplicates of the id now hold 'other' too */
            if (ids[j] == ids[i]) vals[j] = other;
    }
    naive_sparse(&naive, ids, vals, N, 6, 0);
    assert_true(via_fr_eq(&root, &naive));

    /* proof of an empty leaf */
    uint64_t empty_id = 0xfffffe;
    int used = 0;
    for (int i = 0; i < N; i++)
        used |= ids[i] == empty_id;
    if (!used) {
        via_smt_proof p;
        via_fr z;
        via_fr_set_zero(&z);
        assert_int_equal(via_smt_prove(t, empty_id, &p, &err), VIA_OK);
        assert_int_equal(via_smt_verify_proof(&root, empty_id, &z, &p, &err), VIA_OK);
    }
    /* out of range */
    via_fr v;
    via_smt_proof p;
    assert_int_equal(via_smt_get(t, 1u << 24, &v, &err), VIA_EINVAL);
    assert_non_null(strstr(err.msg, "16777216"));
    assert_int_equal(via_smt_set(t, 1u << 24, &v, &err), VIA_EINVAL);
    assert_int_equal(via_smt_prove(t, ~0ULL, &p, &err), VIA_EINVAL);
    via_smt_free(t);
}

/* via_smt_set_many = the same sets one by one (repeated ids: the last wins), in rounds over a
 * tree that already holds leaves; every node read back equal; bad ids change nothing. */
static void test_set_many(void **state) {
    (void)state;
    enum { N = 300, ROUNDS = 4 };
    via_smt *one = via_smt_new(6), *many = via_smt_new(6);
    via_error err;
    uint64_t ids[N];
    via_fr vals[N];
    for (int r = 0; r < ROUNDS; r++) {
        size_t n = r == 0 ? 1 : (size_t)(rnd64() % N) + 1;
        for (size_t i = 0; i < n; i++) {
            /* clustered, spread and repeated ids */
            ids[i] = i % 4 == 0   ? rnd64() % 64
                     : i % 4 == 1 ? rnd64() % (1u << 24)
                     : i % 4 == 2 ? ids[rnd64() % i]
                                  : rnd64() % 4096;
            rnd_fr(&vals[i]);
            if (i % 17 == 5) via_fr_set_zero(&vals[i]);
            assert_int_equal(via_smt_set(one, ids[i], &vals[i], &err), VIA_OK);
        }
        assert_int_equal(via_smt_set_many(many, ids, vals, n, &err), VIA_OK);
        via_fr a, b;
        via_smt_root(one, &a);
        via_smt_root(many, &b);
        assert_true(via_fr_eq(&a, &b));
        for (size_t i = 0; i < n; i++)
            for (unsigned k = 0; k <= 6; k++) {
                via_smt_node(one, k, ids[i] >> (4 * k), &a);
                via_smt_node(many, k, ids[i] >> (4 * k), &b);
                assert_true(via_fr_eq(&a, &b));
            }
    }
    via_fr before, after;
    via_smt_root(many, &before);
    uint64_t bad[2] = {5, 1u << 24};
    assert_int_equal(via_smt_set_many(many, bad, vals, 2, &err), VIA_EINVAL);
    assert_non_null(strstr(err.msg, "16777216"));
    via_smt_root(many, &after);
    assert_true(via_fr_eq(&before, &after));
    assert_int_equal(via_smt_set_many(many, bad, vals, 0, &err), VIA_OK);
    via_smt_free(one);
    via_smt_free(many);
}

int main(void) {
    const char *seed_env = getenv("VIA_TEST_SEED");
    uint64_t seed = seed_env ? strtoull(seed_env, NULL, 0) : 0xc0ac29b7c97c50ddULL;
    printf("test_smt seed=0x%016llx (set VIA_TEST_SEED to replay)\n", (unsigned long long)seed);
    rng_state = seed ? seed : 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_full_small),
        cmocka_unit_test(test_depth6_proofs),
        cmocka_unit_test(test_set_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
