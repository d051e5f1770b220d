/* Configuration: a command-line flag wins over its VIA_* environment variable, which wins
 * over the built-in default. Every parse failure names the flag and the variable. */
#ifndef VIA_CONFIG_H
#define VIA_CONFIG_H
#include <stdint.h>

#include "via/status.h"

/* flag_value (NULL when the flag was not given), else getenv(env) when set and non-empty,
 * else dflt. */
const char *via_config_str(const char *flag_value, const char *env, const char *dflt);

/* The same precedence for an unsigned decimal in [min, max]; EINVAL naming --flag or env
 * and the bad text when it does not parse or is out of range. */
VIA_MUST_USE int via_config_u64(uint64_t *out, const char *flag, const char *flag_value,
                                const char *env, uint64_t dflt, uint64_t min, uint64_t max,
                                via_error *err);

/* Parses an unsigned decimal with no sign, spaces or trailing characters; -1 when s is not
 * one or overflows 64 bits, else 0. */
int via_parse_u64(const char *s, uint64_t *out);
#endif
