/* BLAKE-512: the vectors of vectors/blake512/blake512.txt (official ones from the BLAKE
 * submission plus padding-boundary values from npm blake-hash), and streaming in pieces of
 * every size equal to the one-shot digest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "via/blake512.h"

static int hexval(char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static size_t parse_hex(uint8_t *out, size_t cap, const char *s) {
    size_t n = strlen(s);
    if (n % 2 || n / 2 > cap) fail_msg("bad hex '%s'", s);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0) fail_msg("bad hex '%s'", s);
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return n / 2;
}

static void test_vectors(void **state) {
    (void)state;
    const char *dir = getenv("VIA_VECTORS");
    char path[1024];
    snprintf(path, sizeof path, "%s/blake512/blake512.txt", dir ? dir : "vectors");
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("cannot open %s", path);
    char line[2048];
    static uint8_t msg[4096];
    int count = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        line[strcspn(line, "\r\n")] = 0;
        char *sp = strrchr(line, ' ');
        assert_non_null(sp);
        *sp = 0;
        size_t len;
        if (!strncmp(line, "zeros:", 6)) {
            len = strtoul(line + 6, NULL, 10);
            assert_true(len <= sizeof msg);
            memset(msg, 0, len);
        } else if (!strncmp(line, "counting:", 9)) {
            len = strtoul(line + 9, NULL, 10);
            assert_true(len <= sizeof msg);
            for (size_t i = 0; i < len; i++)
                msg[i] = (uint8_t)i;
        } else if (!strncmp(line, "ascii:", 6)) {
            len = strlen(line + 6);
            memcpy(msg, line + 6, len);
        } else {
            len = parse_hex(msg, sizeof msg, line);
        }
        uint8_t expect[64], got[64];
        assert_int_equal(parse_hex(expect, sizeof expect, sp + 1), 64);
        via_blake512(got, msg, len);
        if (memcmp(got, expect, 64))
            fail_msg("BLAKE-512 vector '%s' (%zu bytes) differs", line, len);
        count++;
    }
    fclose(f);
    assert_true(count >= 4);
}

static void test_streaming(void **state) {
    (void)state;
    uint8_t msg[700], one[64], two[64];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 131 + 7);
    for (size_t len = 0; len <= sizeof msg; len += 37) {
        via_blake512(one, msg, len);
        for (size_t piece = 1; piece <= 200; piece += 13) {
            via_blake512_ctx ctx;
            via_blake512_init(&ctx);
            for (size_t off = 0; off < len; off += piece)
                via_blake512_update(&ctx, msg + off, len - off < piece ? len - off : piece);
            via_blake512_final(&ctx, two);
            assert_memory_equal(one, two, 64);
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_streaming),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
