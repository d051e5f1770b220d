/* The base library: status messages, hex, bounded reads, atomic writes, configuration
 * precedence, log quoting, secure realloc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "via/config.h"
#include "via/file.h"
#include "via/hex.h"
#include "via/log.h"
#include "via/mem.h"
#include "via/rand.h"
#include "via/status.h"

static void test_status(void **state) {
    (void)state;
    via_error err = {0};
    assert_int_equal(via_fail(&err, VIA_EFORMAT, "%s: field %s", "a.json", "x"), VIA_EFORMAT);
    assert_int_equal(err.code, VIA_EFORMAT);
    assert_string_equal(err.msg, "a.json: field x");
    assert_int_equal(via_fail(NULL, VIA_EIO, "ignored"), VIA_EIO);
    for (int c = VIA_OK; c <= VIA_EFENCED; c++)
        assert_string_not_equal(via_strerror(c), "unknown error");
    assert_string_equal(via_strerror(999), "unknown error");
}

static void test_hex(void **state) {
    (void)state;
    via_error err = {0};
    uint8_t *b;
    size_t n;
    assert_int_equal(via_hex_decode(&b, &n, " 00fFa1\n", &err), VIA_OK);
    assert_int_equal(n, 3);
    assert_int_equal(b[0], 0x00);
    assert_int_equal(b[1], 0xff);
    assert_int_equal(b[2], 0xa1);
    char s[7];
    via_hex_encode(s, b, 3);
    assert_string_equal(s, "00ffa1");
    free(b);
    assert_int_equal(via_hex_decode(&b, &n, "abc", &err), VIA_EFORMAT);
    assert_non_null(strstr(err.msg, "odd number of digits (3)"));
    assert_int_equal(via_hex_decode(&b, &n, "0g", &err), VIA_EFORMAT);
    assert_non_null(strstr(err.msg, "position 1"));
    uint8_t e[2];
    assert_int_equal(via_hex_decode_exact(e, 2, "abcd", &err), VIA_OK);
    assert_int_equal(e[1], 0xcd);
    assert_int_equal(via_hex_decode_exact(e, 2, "ab", &err), VIA_EFORMAT);
    assert_non_null(strstr(err.msg, "expected 2 bytes, got 1"));
    assert_int_equal(via_hex_decode_span(e, "zz", 2), -1);
    assert_int_equal(via_hexval('F'), 15);
    assert_int_equal(via_hexval('x'), -1);
}

static void test_files(void **state) {
    (void)state;
    char dir[] = "/tmp/via_common_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/f.bin", dir);
    via_error err = {0};
    assert_int_equal(via_write_atomic(path, "hello", 5, 1, &err), VIA_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    uint8_t *b;
    size_t n;
    assert_int_equal(via_read_file(path, 5, &b, &n, &err), VIA_OK);
    assert_int_equal(n, 5);
    assert_memory_equal(b, "hello", 5);
    assert_int_equal(b[5], 0);
    free(b);
    /* over the limit: refused with both sizes */
    assert_int_equal(via_read_file(path, 4, &b, &n, &err), VIA_ETOOBIG);
    assert_non_null(strstr(err.msg, "5 bytes"));
    assert_non_null(strstr(err.msg, "limit of 4 bytes"));
    assert_null(b);
    /* a directory is named as one */
    assert_int_equal(via_read_file(dir, 100, &b, &n, &err), VIA_EIO);
    assert_non_null(strstr(err.msg, "is a directory"));
    /* replacing keeps no temporary file behind */
    assert_int_equal(via_write_atomic(path, "bye", 3, 0, &err), VIA_OK);
    assert_int_equal(via_read_file(path, 100, &b, &n, &err), VIA_OK);
    assert_int_equal(n, 3);
    free(b);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "test $(ls -A %s | wc -l) -eq 1", dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(via_same_file(path, path), 1);
    char other[256];
    snprintf(other, sizeof other, "%s/g.bin", dir);
    assert_int_equal(via_write_atomic(other, "x", 1, 0, &err), VIA_OK);
    assert_int_equal(via_same_file(path, other), 0);
    assert_int_equal(via_same_file(path, "/nonexistent/x"), 0);
    /* a missing directory: the error names the path */
    assert_int_equal(via_write_atomic("/nonexistent/dir/out", "x", 1, 0, &err), VIA_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent/dir/out"));
    unlink(path);
    unlink(other);
    rmdir(dir);
}

static void test_config(void **state) {
    (void)state;
    via_error err = {0};
    uint64_t v;
    unsetenv("VIA_TEST_N");
    assert_int_equal(via_config_u64(&v, "--n", NULL, "VIA_TEST_N", 7, 1, 10, &err), VIA_OK);
    assert_int_equal(v, 7);
    setenv("VIA_TEST_N", "9", 1);
    assert_int_equal(via_config_u64(&v, "--n", NULL, "VIA_TEST_N", 7, 1, 10, &err), VIA_OK);
    assert_int_equal(v, 9);
    assert_int_equal(via_config_u64(&v, "--n", "3", "VIA_TEST_N", 7, 1, 10, &err), VIA_OK);
    assert_int_equal(v, 3);
    assert_int_equal(via_config_u64(&v, "--n", "11", "VIA_TEST_N", 7, 1, 10, &err), VIA_EINVAL);
    assert_non_null(strstr(err.msg, "--n"));
    setenv("VIA_TEST_N", "9x", 1);
    assert_int_equal(via_config_u64(&v, "--n", NULL, "VIA_TEST_N", 7, 1, 10, &err), VIA_EINVAL);
    assert_non_null(strstr(err.msg, "VIA_TEST_N"));
    assert_int_equal(via_parse_u64("18446744073709551615", &v), 0);
    assert_int_equal(via_parse_u64("18446744073709551616", &v), -1);
    assert_int_equal(via_parse_u64("-1", &v), -1);
    assert_string_equal(via_config_str(NULL, "VIA_TEST_N", "d"), "9x");
    unsetenv("VIA_TEST_N");
    assert_string_equal(via_config_str(NULL, "VIA_TEST_N", "d"), "d");
}

static void test_log(void **state) {
    (void)state;
    char b[128] = "";
    via_log_kv(b, sizeof b, "job", "42");
    via_log_kv(b, sizeof b, "msg", "a \"b\" c");
    via_log_kv(b, sizeof b, "empty", "");
    assert_string_equal(b, " job=42 msg=\"a \\\"b\\\" c\" empty=\"\"");
    char small[8] = "";
    via_log_kv(small, sizeof small, "key", "long value");
    assert_int_equal(strlen(small), 7);
    assert_int_equal(via_log_level_parse("debug"), VIA_LOG_DEBUG);
    assert_int_equal(via_log_level_parse("loud"), -1);
    via_log_set_level(VIA_LOG_WARN);
    assert_true(via_log_enabled(VIA_LOG_ERROR));
    assert_false(via_log_enabled(VIA_LOG_INFO));
}

static void test_secure_realloc_and_random(void **state) {
    (void)state;
    uint8_t *p = malloc(4);
    memcpy(p, "abcd", 4);
    uint8_t *q = via_secure_realloc(p, 4, 8);
    assert_non_null(q);
    assert_memory_equal(q, "abcd", 4);
    free(q);
    uint8_t a[32] = {0}, z[32] = {0};
    via_error err = {0};
    assert_int_equal(via_os_random(a, sizeof a, &err), VIA_OK);
    assert_memory_not_equal(a, z, 32);
    via_wipe(a, sizeof a);
    assert_memory_equal(a, z, 32);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status), cmocka_unit_test(test_hex),
        cmocka_unit_test(test_files),  cmocka_unit_test(test_config),
        cmocka_unit_test(test_log),    cmocka_unit_test(test_secure_realloc_and_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
