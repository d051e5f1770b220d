/* Transaction signing messages: the definitions of txmsg.h recomputed by hand, the script
 * chunk encoding on hand-checked values, and rejected destination lengths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "via/poseidon.h"
#include "via/l2tx.h"

static void test_transfer(void **state) {
    (void)state;
    via_l2tx_transfer tx = {.from = 5, .to = 16777215, .amount = 100000, .fee = 250, .nonce = 3};
    via_fr got, want, in[6];
    via_l2tx_transfer_msg(&got, &tx);
    uint64_t v[6] = {1, 5, 16777215, 100000, 250, 3};
    for (int i = 0; i < 6; i++)
        via_fr_set_u64(&in[i], v[i]);
    assert_int_equal(via_poseidon(&want, in, 6), 0);
    assert_true(via_fr_eq(&got, &want));
    tx.amount++;
    via_l2tx_transfer_msg(&want, &tx);
    assert_false(via_fr_eq(&got, &want));
}

static void test_chunks(void **state) {
    (void)state;
    /* script 0x01 0x02: dest0 = 0x0102 * 256^29, dest1 = 0 */
    uint8_t s[62] = {1, 2};
    via_fr c[2], e;
    via_l2tx_script_chunks(c, s, 2);
    uint8_t le[32] = {0};
    le[30] = 1;
    le[29] = 2;
    assert_int_equal(via_fr_from_bytes_le(&e, le), 0);
    assert_true(via_fr_eq(&c[0], &e));
    assert_true(via_fr_is_zero(&c[1]));
    /* byte 31 is the most significant byte of dest1, byte 61 the least */
    memset(s, 0, sizeof s);
    s[31] = 0xab;
    s[61] = 0xcd;
    via_l2tx_script_chunks(c, s, 62);
    assert_true(via_fr_is_zero(&c[0]));
    memset(le, 0, sizeof le);
    le[30] = 0xab;
    le[0] = 0xcd;
    assert_int_equal(via_fr_from_bytes_le(&e, le), 0);
    assert_true(via_fr_eq(&c[1], &e));
}

static void test_withdraw(void **state) {
    (void)state;
    via_l2tx_withdraw tx = {.from = 9, .amount = 5000, .fee = 10, .nonce = 0, .dest_len = 22};
    tx.dest[0] = 0x00;
    tx.dest[1] = 0x14;
    for (int i = 2; i < 22; i++)
        tx.dest[i] = (uint8_t)(0x30 + i);
    via_fr got, want, in[8];
    via_error err;
    assert_int_equal(via_l2tx_withdraw_msg(&got, &tx, &err), VIA_OK);
    uint64_t v[6] = {2, 9, 5000, 10, 0, 22};
    for (int i = 0; i < 6; i++)
        via_fr_set_u64(&in[i], v[i]);
    via_l2tx_script_chunks(in + 6, tx.dest, 22);
    assert_int_equal(via_poseidon(&want, in, 8), 0);
    assert_true(via_fr_eq(&got, &want));
    /* a trailing zero byte in the script changes the message through dest_len */
    tx.dest_len = 23;
    tx.dest[22] = 0;
    assert_int_equal(via_l2tx_withdraw_msg(&want, &tx, &err), VIA_OK);
    assert_false(via_fr_eq(&got, &want));
    tx.dest_len = 0;
    assert_int_equal(via_l2tx_withdraw_msg(&got, &tx, &err), VIA_EINVAL);
    assert_true(via_fr_is_zero(&got));
    assert_non_null(strstr(err.msg, "1..62"));
    tx.dest_len = 63;
    assert_int_equal(via_l2tx_withdraw_msg(&got, &tx, &err), VIA_EINVAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transfer),
        cmocka_unit_test(test_chunks),
        cmocka_unit_test(test_withdraw),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
