#include "via/hex.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int via_hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int via_hex_decode_span(uint8_t *out, const char *s, size_t len) {
    if (len % 2) return -1;
    for (size_t i = 0; i < len / 2; i++) {
        int hi = via_hexval((unsigned char)s[2 * i]), lo = via_hexval((unsigned char)s[2 * i + 1]);
        if (hi < 0 || lo < 0) return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static int hex_span(const char *hex, const char **start, size_t *n, via_error *err) {
    while (*hex && isspace((unsigned char)*hex))
        hex++;
    size_t len = strlen(hex);
    while (len && isspace((unsigned char)hex[len - 1]))
        len--;
    for (size_t i = 0; i < len; i++)
        if (via_hexval((unsigned char)hex[i]) < 0)
            return via_fail(err, VIA_EFORMAT, "hex: invalid character 0x%02x at position %zu",
                            (unsigned char)hex[i], i);
    if (len % 2) return via_fail(err, VIA_EFORMAT, "hex: odd number of digits (%zu)", len);
    *start = hex;
    *n = len / 2;
    return VIA_OK;
}

int via_hex_decode(uint8_t **out, size_t *out_len, const char *hex, via_error *err) {
    *out = NULL;
    *out_len = 0;
    if (!hex) return via_fail(err, VIA_EINVAL, "hex: no input");
    const char *s;
    size_t n;
    int rc = hex_span(hex, &s, &n, err);
    if (rc) return rc;
    if (n == 0) return VIA_OK;
    uint8_t *b = malloc(n);
    if (!b) return via_fail(err, VIA_ENOMEM, "hex: cannot allocate %zu bytes", n);
    (void)via_hex_decode_span(b, s, 2 * n);
    *out = b;
    *out_len = n;
    return VIA_OK;
}

int via_hex_decode_exact(uint8_t *out, size_t n, const char *hex, via_error *err) {
    if (!hex) return via_fail(err, VIA_EINVAL, "hex: no input");
    const char *s;
    size_t got;
    int rc = hex_span(hex, &s, &got, err);
    if (rc) return rc;
    if (got != n) return via_fail(err, VIA_EFORMAT, "hex: expected %zu bytes, got %zu", n, got);
    (void)via_hex_decode_span(out, s, 2 * n);
    return VIA_OK;
}

void via_hex_encode(char *out, const uint8_t *data, size_t len) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15];
    }
    out[2 * len] = 0;
}
