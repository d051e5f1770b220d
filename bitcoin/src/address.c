/* Segwit addresses: bech32 (BIP-173) for witness v0 and bech32m (BIP-350) for v1..v16,
 * plus the small script templates Via uses (P2WPKH, P2TR, OP_RETURN, minimal pushes). */
#include "internal.h"
#include <assert.h>
#include <ctype.h>
#include <string.h>

static const char CHARSET[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
#define BECH32_CONST 1u
#define BECH32M_CONST 0x2bc830a3u

static uint32_t polymod_step(uint32_t c, uint8_t v) {
    uint8_t top = (uint8_t)(c >> 25);
    c = (c & 0x1ffffff) << 5 ^ v;
    if (top & 1) c ^= 0x3b6a57b2;
    if (top & 2) c ^= 0x26508e6d;
    if (top & 4) c ^= 0x1ea119fa;
    if (top & 8) c ^= 0x3d4233dd;
    if (top & 16) c ^= 0x2a1462b3;
    return c;
}

static uint32_t hrp_polymod(const char *hrp, size_t n) {
    uint32_t c = 1;
    for (size_t i = 0; i < n; i++) c = polymod_step(c, (uint8_t)(tolower((unsigned char)hrp[i]) >> 5));
    c = polymod_step(c, 0);
    for (size_t i = 0; i < n; i++) c = polymod_step(c, (uint8_t)(tolower((unsigned char)hrp[i]) & 31));
    return c;
}

/* 8-bit <-> 5-bit regrouping; returns 0 on invalid padding. */
static int convert_bits(uint8_t *out, size_t *out_len, int to, const uint8_t *in, size_t n,
                        int from, int pad) {
    uint32_t acc = 0;
    int bits = 0;
    size_t k = 0;
    uint32_t maxv = (1u << to) - 1;
    for (size_t i = 0; i < n; i++) {
        acc = acc << from | in[i];
        bits += from;
        while (bits >= to) {
            bits -= to;
            out[k++] = (uint8_t)((acc >> bits) & maxv);
        }
    }
    if (pad) {
        if (bits) out[k++] = (uint8_t)((acc << (to - bits)) & maxv);
    } else if (bits >= from || ((acc << (to - bits)) & maxv)) {
        return 0;
    }
    *out_len = k;
    return 1;
}

int via_btc_segwit_encode(char out[VIA_BTC_ADDRESS_MAX], const char *hrp, int witver,
                          const uint8_t *program, size_t prog_len) {
    assert(out && hrp && (program || !prog_len));
    out[0] = 0;
    size_t hl = strlen(hrp);
    if (witver < 0 || witver > 16 || prog_len < 2 || prog_len > 40 ||
        (witver == 0 && prog_len != 20 && prog_len != 32) || hl < 1 || hl > 83)
        return VIA_EINVAL;
    uint8_t data[1 + 64];
    size_t dl;
    data[0] = (uint8_t)witver;
    convert_bits(data + 1, &dl, 5, program, prog_len, 8, 1);
    dl += 1;
    if (hl + 1 + dl + 6 > VIA_BTC_ADDRESS_MAX - 1) return VIA_EINVAL;
    uint32_t c = hrp_polymod(hrp, hl);
    for (size_t i = 0; i < dl; i++) c = polymod_step(c, data[i]);
    for (int i = 0; i < 6; i++) c = polymod_step(c, 0);
    c ^= witver == 0 ? BECH32_CONST : BECH32M_CONST;
    size_t k = 0;
    for (size_t i = 0; i < hl; i++) out[k++] = (char)tolower((unsigned char)hrp[i]);
    out[k++] = '1';
    for (size_t i = 0; i < dl; i++) out[k++] = CHARSET[data[i]];
    for (int i = 0; i < 6; i++) out[k++] = CHARSET[(c >> (5 * (5 - i))) & 31];
    out[k] = 0;
    return VIA_OK;
}

int via_btc_segwit_decode(int *witver, uint8_t program[40], size_t *prog_len, const char *hrp,
                          const char *addr, via_error *err) {
    assert(witver && program && prog_len && hrp && addr);
    *witver = -1;
    *prog_len = 0;
    size_t n = strlen(addr);
    if (n < 8 || n > 90) return via_fail(err, VIA_EFORMAT, "address: length %zu outside 8..90", n);
    int lower = 0, upper = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)addr[i];
        if (ch < 33 || ch > 126)
            return via_fail(err, VIA_EFORMAT, "address: invalid character at %zu", i);
        lower |= ch >= 'a' && ch <= 'z';
        upper |= ch >= 'A' && ch <= 'Z';
    }
    if (lower && upper) return via_fail(err, VIA_EFORMAT, "address: mixed case");
    const char *sep = strrchr(addr, '1');
    if (!sep || sep == addr || (size_t)(addr + n - sep) < 7)
        return via_fail(err, VIA_EFORMAT, "address: missing or misplaced separator '1'");
    size_t hl = (size_t)(sep - addr);
    if (hl != strlen(hrp) || strncasecmp(addr, hrp, hl))
        return via_fail(err, VIA_EINVAL, "address: human-readable part '%.*s' is not '%s'",
                        (int)(hl > 20 ? 20 : hl), addr, hrp);
    uint8_t data[90];
    size_t dl = n - hl - 1;
    for (size_t i = 0; i < dl; i++) {
        const char *p = strchr(CHARSET, tolower((unsigned char)sep[1 + i]));
        if (!p || !sep[1 + i])
            return via_fail(err, VIA_EFORMAT, "address: character '%c' at %zu not in charset",
                            sep[1 + i], hl + 1 + i);
        data[i] = (uint8_t)(p - CHARSET);
    }
    uint32_t c = hrp_polymod(addr, hl);
    for (size_t i = 0; i < dl; i++) c = polymod_step(c, data[i]);
    if (c != BECH32_CONST && c != BECH32M_CONST)
        return via_fail(err, VIA_EFORMAT, "address: checksum mismatch");
    dl -= 6;
    if (dl < 1) return via_fail(err, VIA_EFORMAT, "address: no witness version");
    int v = data[0];
    if (v > 16) return via_fail(err, VIA_EFORMAT, "address: witness version %d > 16", v);
    if ((v == 0) != (c == BECH32_CONST))
        return via_fail(err, VIA_EFORMAT, "address: witness v%d needs %s checksum", v,
                        v == 0 ? "bech32" : "bech32m");
    uint8_t prog[64];
    size_t pl;
    if (!convert_bits(prog, &pl, 8, data + 1, dl - 1, 5, 0))
        return via_fail(err, VIA_EFORMAT, "address: invalid padding");
    if (pl < 2 || pl > 40)
        return via_fail(err, VIA_EFORMAT, "address: program length %zu outside 2..40", pl);
    if (v == 0 && pl != 20 && pl != 32)
        return via_fail(err, VIA_EFORMAT, "address: v0 program must be 20 or 32 bytes, got %zu",
                        pl);
    memcpy(program, prog, pl);
    *prog_len = pl;
    *witver = v;
    return VIA_OK;
}

int via_btc_address_to_script(uint8_t script[42], size_t *script_len, via_btc_network net,
                              const char *addr, via_error *err) {
    int v;
    uint8_t prog[40];
    size_t pl;
    *script_len = 0;
    int rc = via_btc_segwit_decode(&v, prog, &pl, via_btc_network_hrp(net), addr, err);
    if (rc) return rc;
    script[0] = (uint8_t)(v ? 0x50 + v : 0);
    script[1] = (uint8_t)pl;
    memcpy(script + 2, prog, pl);
    *script_len = pl + 2;
    return VIA_OK;
}

int via_btc_script_to_address(char out[VIA_BTC_ADDRESS_MAX], via_btc_network net,
                              const uint8_t *script, size_t script_len, via_error *err) {
    out[0] = 0;
    if (script_len < 4 || script_len > 42 || script[1] != script_len - 2 ||
        !(script[0] == 0 || (script[0] >= 0x51 && script[0] <= 0x60)))
        return via_fail(err, VIA_EINVAL, "script is not a segwit output");
    int v = script[0] ? script[0] - 0x50 : 0;
    if (via_btc_segwit_encode(out, via_btc_network_hrp(net), v, script + 2, script_len - 2))
        return via_fail(err, VIA_EINVAL, "script has an invalid witness program");
    return VIA_OK;
}

void via_btc_script_p2wpkh(uint8_t out[22], const uint8_t pubkey[33]) {
    out[0] = 0x00;
    out[1] = 0x14;
    via_btc_hash160(out + 2, pubkey, 33);
}

void via_btc_script_p2tr(uint8_t out[34], const uint8_t output_xonly[32]) {
    out[0] = 0x51;
    out[1] = 0x20;
    memcpy(out + 2, output_xonly, 32);
}

size_t via_btc_script_push(uint8_t *out, const uint8_t *data, size_t len) {
    assert(out && (data || !len) && len <= 0xffff);
    if (len == 0) {
        out[0] = 0x00;
        return 1;
    }
    if (len == 1 && data[0] >= 1 && data[0] <= 16) {
        out[0] = (uint8_t)(0x50 + data[0]);
        return 1;
    }
    if (len == 1 && data[0] == 0x81) {
        out[0] = 0x4f;
        return 1;
    }
    size_t k = 0;
    if (len <= 75) {
        out[k++] = (uint8_t)len;
    } else if (len <= 255) {
        out[k++] = 0x4c;
        out[k++] = (uint8_t)len;
    } else {
        out[k++] = 0x4d;
        out[k++] = (uint8_t)len;
        out[k++] = (uint8_t)(len >> 8);
    }
    memcpy(out + k, data, len);
    return k + len;
}

int via_btc_script_op_return(uint8_t *out, size_t *out_len, const uint8_t *data, size_t len) {
    assert(out && out_len && (data || !len));
    *out_len = 0;
    if (len > VIA_BTC_MAX_SCRIPT_ELEMENT) return VIA_EINVAL;
    out[0] = 0x6a;
    *out_len = 1 + via_btc_script_push(out + 1, data, len);
    return VIA_OK;
}
