/* The sample chunk generator (via_chunk_sample_json) and the witness of the chunks it makes:
 *  - a sample chunk passes every rule of the witness generator, its witness satisfies the
 *    constraints (BOTH mode, every constraint checked as emitted and again afterwards), and the
 *    witness-only build (the fast path) gives the same bytes, wire for wire;
 *  - the signatures are real: changing a signed amount is refused as a bad signature;
 *  - the output depends on the seed only, and bad sizes are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "via/chunk.h"
#include "via/cs.h"

static void check_sample(unsigned slots, unsigned depth, uint64_t seed) {
    char *text;
    via_error err;
    assert_int_equal(via_chunk_sample_json(&text, slots, depth, seed, &err), 0);
    via_chunk_input *in;
    assert_int_equal(via_chunk_input_parse(&in, "sample", text, strlen(text), &err), 0);
    unsigned chunk = 1; /* the smallest protocol chunk size holding the transfers */
    while (chunk < slots)
        chunk *= 4;
    assert_int_equal(via_chunk_input_slots(in), chunk);
    via_cs *both = via_cs_new(VIA_CS_BOTH, 1);
    via_fr com_b, ra_b, com_w, ra_w;
    int rc = via_chunk_build_witness(both, in, 0, NULL, &com_b, &ra_b, &err);
    if (rc)
        fail_msg("slots %u depth %u seed %llu: %s", slots, depth, (unsigned long long)seed,
                 err.msg);
    via_cs_failure f;
    if (via_cs_first_failure(both, &f))
        fail_msg("constraint %llu in %s", (unsigned long long)f.index, f.path);
    assert_int_equal(via_cs_check(both, via_cs_witness(both), via_cs_n_vars(both), &f, &err), 0);
    via_cs *wit = via_cs_new(VIA_CS_WITNESS, 0);
    assert_int_equal(via_chunk_build_witness(wit, in, 0, NULL, &com_w, &ra_w, &err), 0);
    assert_int_equal(via_cs_n_vars(wit), via_cs_n_vars(both));
    assert_int_equal(via_cs_n_constraints(wit), via_cs_n_constraints(both));
    assert_memory_equal(via_cs_witness(wit), via_cs_witness(both),
                        (size_t)via_cs_n_vars(both) * sizeof(via_fr));
    assert_true(via_fr_eq(&com_w, &com_b));
    assert_true(via_fr_eq(&ra_w, &ra_b));
    via_cs_free(wit);
    via_cs_free(both);
    via_chunk_input_free(in);
    free(text);
}

static void test_sample_valid(void **state) {
    (void)state;
    check_sample(3, 6, 1); /* a 4-slot chunk, its last slot a noop */
    check_sample(4, 6, 3);
    check_sample(2, 2, 7); /* shallow tree: paths share their upper levels */
}

static void test_sample_signed(void **state) {
    (void)state;
    char *text;
    via_error err;
    assert_int_equal(via_chunk_sample_json(&text, 2, 6, 5, &err), 0);
    json_error_t je;
    json_t *root = json_loads(text, 0, &je);
    assert_non_null(root);
    json_t *tx = json_array_get(json_object_get(root, "txs"), 1);
    assert_string_equal(json_string_value(json_object_get(tx, "type")), "transfer");
    json_object_set_new(tx, "amount", json_string("1"));
    char *t2 = json_dumps(root, 0);
    json_decref(root);
    via_chunk_input *in;
    assert_int_equal(via_chunk_input_parse(&in, "sample", t2, strlen(t2), &err), 0);
    via_cs *cs = via_cs_new(VIA_CS_WITNESS, 0);
    assert_int_equal(via_chunk_build_witness(cs, in, 0, NULL, NULL, NULL, &err), VIA_EINVAL);
    if (!strstr(err.msg, "slot 1 (transfer): bad signature"))
        fail_msg("unexpected message: %s", err.msg);
    via_cs_free(cs);
    /* forced into a witness: both paths build the same bytes, and the constraints fail */
    via_error viol;
    via_cs *w = via_cs_new(VIA_CS_WITNESS, 0), *b = via_cs_new(VIA_CS_BOTH, 0);
    assert_int_equal(via_chunk_build_witness(w, in, 1, &viol, NULL, NULL, &err), 0);
    assert_non_null(strstr(viol.msg, "slot 1 (transfer): bad signature"));
    assert_int_equal(via_chunk_build_witness(b, in, 1, &viol, NULL, NULL, &err), 0);
    assert_int_equal(via_cs_n_vars(w), via_cs_n_vars(b));
    assert_memory_equal(via_cs_witness(w), via_cs_witness(b),
                        (size_t)via_cs_n_vars(b) * sizeof(via_fr));
    via_cs_failure f;
    assert_int_equal(via_cs_first_failure(b, &f), 1);
    assert_non_null(strstr(f.path, "eddsa"));
    via_cs_free(w);
    via_cs_free(b);
    via_chunk_input_free(in);
    free(t2);
    free(text);
}

/* Signatures are checked in one batch after execution, yet the violation reported is the first
 * in execution order: a bad signature in slot 1 before an overdraft in slot 2, and a wrong
 * nonce in slot 1 before a bad signature in slot 2. */
static void expect_first(const char *text, const char *m1_key, const char *m1_val,
                         const char *m2_key, const char *m2_val, const char *expect) {
    json_error_t je;
    json_t *root = json_loads(text, 0, &je);
    assert_non_null(root);
    json_t *txs = json_object_get(root, "txs");
    json_object_set_new(json_array_get(txs, 1), m1_key, json_string(m1_val));
    json_object_set_new(json_array_get(txs, 2), m2_key, json_string(m2_val));
    char *t2 = json_dumps(root, 0);
    json_decref(root);
    via_chunk_input *in;
    via_error err;
    assert_int_equal(via_chunk_input_parse(&in, "sample", t2, strlen(t2), &err), 0);
    via_cs *cs = via_cs_new(VIA_CS_WITNESS, 0);
    assert_int_equal(via_chunk_build_witness(cs, in, 0, NULL, NULL, NULL, &err), VIA_EINVAL);
    if (!strstr(err.msg, expect)) fail_msg("expected \"%s\", got \"%s\"", expect, err.msg);
    via_cs_free(cs);
    cs = via_cs_new(VIA_CS_WITNESS, 0);
    via_error viol;
    assert_int_equal(via_chunk_build_witness(cs, in, 1, &viol, NULL, NULL, &err), 0);
    if (!strstr(viol.msg, expect))
        fail_msg("forced: expected \"%s\", got \"%s\"", expect, viol.msg);
    via_cs_free(cs);
    via_chunk_input_free(in);
    free(t2);
}

static void test_violation_order(void **state) {
    (void)state;
    char *text;
    via_error err;
    assert_int_equal(via_chunk_sample_json(&text, 3, 6, 21, &err), 0);
    expect_first(text, "amount", "7", "amount", "18000000000000000000",
                 "slot 1 (transfer): bad signature");
    expect_first(text, "nonce", "99999", "amount", "7", "slot 1 (transfer): wrong nonce");
    free(text);
}

static void test_sample_seeded(void **state) {
    (void)state;
    char *a, *b, *c;
    via_error err;
    assert_int_equal(via_chunk_sample_json(&a, 2, 6, 11, &err), 0);
    assert_int_equal(via_chunk_sample_json(&b, 2, 6, 11, &err), 0);
    assert_int_equal(via_chunk_sample_json(&c, 2, 6, 12, &err), 0);
    assert_string_equal(a, b);
    assert_true(strcmp(a, c) != 0);
    free(a);
    free(b);
    free(c);
    char *x = (char *)1;
    assert_int_equal(via_chunk_sample_json(&x, 0, 6, 1, &err), VIA_EINVAL);
    assert_null(x);
    assert_int_equal(via_chunk_sample_json(&x, 8, 1, 1, &err),
                     VIA_EINVAL); /* 17 accounts, 16 leaves */
    assert_int_equal(via_chunk_sample_json(&x, 1, 9, 1, &err), VIA_EINVAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_valid),
        cmocka_unit_test(test_sample_signed),
        cmocka_unit_test(test_violation_order),
        cmocka_unit_test(test_sample_seeded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
