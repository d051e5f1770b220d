/* jansson values for the rollup's JSON inputs and outputs (chunk inputs, wallet files):
 * an Fr element as its decimal string, an unsigned 64-bit integer as a decimal string (exact
 * in every JSON reader). NULL when out of memory. */
#ifndef VIA_ROLLUP_JSON_H
#define VIA_ROLLUP_JSON_H
#include <jansson.h>
#include <stdint.h>

#include "via/field.h"
#include "via/status.h"

json_t *via_json_fr(const via_fr *v);
/* Reads an unsigned 64-bit value given as a JSON integer (>= 0) or a decimal string (digits
 * only, at most 2^64 - 1). 0 on success; -1 with *why set to a short static reason
 * ("negative", "not a decimal number", "above 2^64 - 1", "expected an integer or a decimal
 * string") otherwise. */
int via_json_to_u64(const json_t *v, uint64_t *out, const char **why);
json_t *via_json_u64(uint64_t v);
/* A genesis file: a JSON list of {"id", "pubkey": {"x", "y"} (decimal), "balance"} (at most
 * 64 MiB). add is called for each account in order and stops the walk with its error;
 * VIA_EFORMAT names the account that is malformed. */
typedef int (*via_genesis_add_fn)(void *ud, uint64_t id, const via_fr *x, const via_fr *y,
                                  uint64_t balance, via_error *err);
VIA_MUST_USE int via_genesis_read(const char *path, via_genesis_add_fn add, void *ud,
                                  via_error *err);

#endif
