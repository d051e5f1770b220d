/* The versioned state tree in PostgreSQL (sequencer/, via/state_tree.h) against the in-memory
 * tree (via/smt.h): after every batch of random updates (repeated ids included) the roots
 * agree; every leaf and proof of every retained version matches what the in-memory tree had
 * then; an update inside a caller's transaction that is rolled back leaves nothing behind;
 * a tree reopened on a new connection (with another cache size) continues where it was;
 * pruning keeps the recent versions exact and refuses the old ones; a different depth is
 * refused. Needs VIA_TEST_PG (tests/lib/pg.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "via/state_tree.h"

#define DEPTH 4
#define BATCHES 8
#define PER 60

static uint64_t rng = 0x13198a2e03707344ULL;
static uint64_t next(void) {
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void rand_fr(via_fr *f) {
    uint64_t l[4] = {next(), next(), next(), next() & 0x0fffffffffffffffULL};
    via_fr_from_canon_unchecked(f, l);
}

static PGconn *connect_pg(void) {
    PGconn *c = PQconnectdb(getenv("VIA_TEST_PG"));
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    return c;
}

static void test_against_memory(void **state) {
    (void)state;
    via_field_init();
    PGconn *c = connect_pg();
    PQclear(PQexec(c, "DROP TABLE IF EXISTS via_tree_nodes, via_tree_meta"));
    via_error err = {0};
    via_state_tree *t;
    assert_int_equal(via_state_tree_open(&t, c, DEPTH, 2, &err), VIA_OK);
    via_smt *mem = via_smt_new(DEPTH);
    via_fr roots[BATCHES + 1];
    via_smt_root(mem, &roots[0]);
    via_fr r0;
    assert_int_equal(via_state_tree_root(t, 0, &r0, &err), VIA_OK);
    assert_true(via_fr_eq(&r0, &roots[0]));
    uint64_t ids[BATCHES][PER];
    via_fr vals[BATCHES][PER];
    for (int b = 1; b <= BATCHES; b++) {
        for (int i = 0; i < PER; i++) {
            /* ids clustered so paths share nodes, some repeated within the batch */
            ids[b - 1][i] = (i % 7 == 6) ? ids[b - 1][i - 1] : next() % (b % 2 ? 300 : 65536);
            rand_fr(&vals[b - 1][i]);
            assert_int_equal(via_smt_set(mem, ids[b - 1][i], &vals[b - 1][i], &err), VIA_OK);
        }
        via_fr root;
        assert_int_equal(via_state_tree_update(t, ids[b - 1], vals[b - 1], PER, 0, &root, &err),
                         VIA_OK);
        via_smt_root(mem, &roots[b]);
        assert_true(via_fr_eq(&root, &roots[b]));
        assert_int_equal(via_state_tree_version(t), b);
    }
    /* every version's root, and leaves and proofs of the latest */
    for (int b = 0; b <= BATCHES; b++) {
        via_fr r;
        assert_int_equal(via_state_tree_root(t, b, &r, &err), VIA_OK);
        assert_true(via_fr_eq(&r, &roots[b]));
    }
    for (int i = 0; i < PER; i += 7) {
        uint64_t id = ids[BATCHES - 1][i];
        via_fr leaf, want;
        via_smt_proof p, q;
        assert_int_equal(via_state_tree_leaf(t, BATCHES, id, &leaf, &err), VIA_OK);
        assert_int_equal(via_smt_get(mem, id, &want, &err), VIA_OK);
        assert_true(via_fr_eq(&leaf, &want));
        assert_int_equal(via_state_tree_prove(t, BATCHES, id, &p, &err), VIA_OK);
        assert_int_equal(via_smt_prove(mem, id, &q, &err), VIA_OK);
        assert_memory_equal(&p, &q, sizeof p);
        assert_int_equal(via_smt_verify_proof(&roots[BATCHES], id, &leaf, &p, &err), VIA_OK);
    }
    /* an old version: the leaf written in batch 1 proves against root 1 */
    {
        uint64_t id = ids[0][0];
        via_fr leaf;
        via_smt_proof p;
        assert_int_equal(via_state_tree_leaf(t, 1, id, &leaf, &err), VIA_OK);
        assert_int_equal(via_state_tree_prove(t, 1, id, &p, &err), VIA_OK);
        assert_int_equal(via_smt_verify_proof(&roots[1], id, &leaf, &p, &err), VIA_OK);
    }
    /* inside the caller's transaction, rolled back: nothing stays */
    PQclear(PQexec(c, "BEGIN"));
    via_fr v, root;
    rand_fr(&v);
    uint64_t id = 12345;
    assert_int_equal(via_state_tree_update(t, &id, &v, 1, 1, &root, &err), VIA_OK);
    PQclear(PQexec(c, "ROLLBACK"));
    via_state_tree_rolled_back(t);
    assert_int_equal(via_state_tree_version(t), BATCHES);
    assert_int_equal(via_state_tree_root(t, BATCHES, &root, &err), VIA_OK);
    assert_true(via_fr_eq(&root, &roots[BATCHES]));
    /* and committed */
    PQclear(PQexec(c, "BEGIN"));
    assert_int_equal(via_state_tree_update(t, &id, &v, 1, 1, &root, &err), VIA_OK);
    PGresult *cr = PQexec(c, "COMMIT");
    assert_int_equal(PQresultStatus(cr), PGRES_COMMAND_OK);
    PQclear(cr);
    via_state_tree_committed(t);
    assert_int_equal(via_smt_set(mem, id, &v, &err), VIA_OK);
    via_fr mr;
    via_smt_root(mem, &mr);
    assert_true(via_fr_eq(&root, &mr));
    via_state_tree_close(t);

    /* reopened on another connection, with every level cached */
    PGconn *c2 = connect_pg();
    assert_int_equal(via_state_tree_open(&t, c2, DEPTH, DEPTH + 1, &err), VIA_OK);
    assert_int_equal(via_state_tree_version(t), BATCHES + 1);
    assert_int_equal(via_state_tree_root(t, BATCHES + 1, &root, &err), VIA_OK);
    assert_true(via_fr_eq(&root, &mr));
    uint64_t more[3] = {1, 2, 40000};
    via_fr mv[3];
    for (int i = 0; i < 3; i++) {
        rand_fr(&mv[i]);
        assert_int_equal(via_smt_set(mem, more[i], &mv[i], &err), VIA_OK);
    }
    assert_int_equal(via_state_tree_update(t, more, mv, 3, 0, &root, &err), VIA_OK);
    via_smt_root(mem, &mr);
    assert_true(via_fr_eq(&root, &mr));

    /* pruning: versions from 6 on stay exact, older ones are refused */
    int64_t deleted;
    assert_int_equal(via_state_tree_prune(t, 6, &deleted, &err), VIA_OK);
    assert_true(deleted > 0);
    for (int b = 6; b <= BATCHES; b++) {
        via_fr r;
        assert_int_equal(via_state_tree_root(t, b, &r, &err), VIA_OK);
        assert_true(via_fr_eq(&r, &roots[b]));
    }
    assert_int_equal(via_state_tree_root(t, 5, &root, &err), VIA_EINVAL);
    assert_non_null(strstr(err.msg, "not retained"));
    assert_int_equal(via_state_tree_prune(t, 99, &deleted, &err), VIA_EINVAL);
    uint64_t far = 1ULL << 20;
    assert_int_equal(via_state_tree_update(t, &far, mv, 1, 0, &root, &err), VIA_EINVAL);
    via_state_tree_close(t);
    /* another depth */
    assert_int_equal(via_state_tree_open(&t, c2, DEPTH + 1, 2, &err), VIA_EINVAL);
    assert_non_null(strstr(err.msg, "depth"));
    via_smt_free(mem);
    PQfinish(c);
    PQfinish(c2);
}

int main(void) {
    if (!getenv("VIA_TEST_PG")) {
        printf("SKIP: VIA_TEST_PG is not set (run through tests/lib/pg.sh)\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
