/* Hexadecimal: one decoder and one encoder for every library. */
#ifndef VIA_HEX_H
#define VIA_HEX_H
#include <stddef.h>
#include <stdint.h>

#include "via/status.h"

/* The value of one hex digit [0-9a-fA-F], or -1. */
int via_hexval(int c);

/* Decodes hex (even length, [0-9a-fA-F], surrounding whitespace ignored) into a malloc'd
 * buffer (*out NULL when empty). EFORMAT names the bad character's position or the odd
 * length. */
VIA_MUST_USE int via_hex_decode(uint8_t **out, size_t *out_len, const char *hex, via_error *err);
/* Decodes exactly n bytes of hex into out; EFORMAT when it is not 2n digits. */
VIA_MUST_USE int via_hex_decode_exact(uint8_t *out, size_t n, const char *hex, via_error *err);
/* Decodes the first len characters of s (no whitespace) into out, which holds len/2 bytes;
 * -1 when len is odd or a character is not a hex digit, else 0. */
int via_hex_decode_span(uint8_t *out, const char *s, size_t len);
/* Writes 2*len lowercase hex digits and a NUL; out must hold 2*len+1 bytes. */
void via_hex_encode(char *out, const uint8_t *data, size_t len);
#endif
